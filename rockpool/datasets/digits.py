"""Real data, offline: scikit-learn's handwritten digits as a spiking classification task.

scikit-learn ships the UCI optical handwritten digits inside its wheel (1,797 images of
8 x 8 pixels with 17 grey levels, 10 balanced classes; :func:`sklearn.datasets.load_digits`), so
nothing is downloaded. :func:`spiking_digits` loads them, scales the pixels to ``[0, 1]``, splits
train / test (stratified, with a fixed ``split_seed``), and spike-encodes them with one of the
encoders of :mod:`rockpool.datasets.encoders`. The result yields batches in the shape
:func:`~rockpool.training.fit` takes: ``(inputs (B, T, N) float32, labels (B,) int32)``.

Needs scikit-learn: ``pip install 'rockpool[data]'``.

Example::

    from rockpool.datasets import spiking_digits
    from rockpool.training import fit

    data = spiking_digits("poisson", T=32, seed=0)     # 1347 train / 450 test digits
    trained, history = fit(net, loss, data.train_batches(64), "adam", epochs=60)
    x_test, y_test = data.test_set()                   # encoded once, same seed -> same spikes
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np

from rockpool.datasets.encoders import latency_encode, poisson_encode, scan_encode

__all__ = ["spiking_digits", "SpikingDigits", "load_digit_images"]

Encoder = Union[str, Callable[[np.ndarray, Any], Any]]

#: Default options of each named encoder (override with keyword arguments of :func:`spiking_digits`).
ENCODER_DEFAULTS: Dict[str, Dict[str, Any]] = {
    "poisson": {"max_rate": 500.0},
    "latency": {"mode": "linear", "threshold": 0.05},
    "scan": {"threshold": 0.25, "steps_per_row": 4},
}


def _check_seed(where: str, name: str, value: Any) -> int:
    """A seed must be a whole number >= 0 (NumPy's and scikit-learn's generators refuse others)."""
    if (isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating))
            or not np.isfinite(value) or int(value) != value or value < 0):
        raise ValueError(f"{where}: {name} must be a whole number >= 0 (got {value!r}).")
    return int(value)


def load_digit_images() -> Tuple[np.ndarray, np.ndarray]:
    """The 1,797 digits of scikit-learn as ``(images (1797, 8, 8) float32 in [0, 1], labels int32)``.

    Raises:
        ImportError: scikit-learn is not installed (``pip install 'rockpool[data]'``).

    Example:
        >>> images, labels = load_digit_images()
        >>> images.shape, float(images.max()), int(np.bincount(labels).min())
        ((1797, 8, 8), 1.0, 174)
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError(
            "rockpool.datasets.spiking_digits needs scikit-learn, which ships the handwritten "
            "digits data set inside its wheel (no download). Install it with: "
            "pip install 'rockpool[data]'"
        ) from e
    d = load_digits()
    return (d.images / 16.0).astype(np.float32), d.target.astype(np.int32)


class SpikingDigits:
    """Handwritten digits, split and spike-encoded; made by :func:`spiking_digits`.

    Attributes:
        images_train, images_test: ``(n, 8, 8)`` float32 pixel intensities in ``[0, 1]``.
        labels_train, labels_test: ``(n,)`` int32 classes 0-9.
        encoder: The encoder name (or the callable).
        encoder_options: Options passed to the encoder.
        T: Time steps per sample.
        n_channels: Input channels ``N`` of the encoded samples.
        dt: Time step, s.
        seed: Seed of the encoding noise and of the batch order.
        split_seed: Seed of the train / test split.

    Example:
        >>> data = spiking_digits("poisson", T=8, n_samples=200, seed=1)
        >>> x, y = data.test_set()
        >>> x.shape, len(data.train_batches(50)(0)), data.images_test.shape
        ((50, 8, 64), 3, (50, 8, 8))
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, encoder: Encoder, T: Optional[int],
                 test_fraction: float, split_seed: int, seed: int, dt: float,
                 encoder_options: Dict[str, Any]):
        from sklearn.model_selection import train_test_split

        self.encoder, self.dt, self.seed, self.split_seed = encoder, float(dt), int(seed), int(split_seed)
        self.encoder_options = dict(encoder_options)
        (self.images_train, self.images_test, self.labels_train,
         self.labels_test) = train_test_split(images, labels, test_size=test_fraction,
                                              stratify=labels, random_state=split_seed)
        probe = self._encode_raw(self.images_train[:1], T, 0)
        if probe.ndim != 3 or probe.shape[0] != 1:
            raise ValueError(
                f"spiking_digits: the encoder must return (B, T, N) spikes for (B, 8, 8) images; "
                f"got shape {probe.shape} for one image."
            )
        if T is not None and probe.shape[1] != T:
            raise ValueError(
                f"spiking_digits: the {encoder!r} encoder gives T = {probe.shape[1]} steps, not "
                f"the requested T = {T}" + (
                    " (the scan encoder's T is 9 * steps_per_row: pass steps_per_row=..., T=None)"
                    if encoder == "scan" else "") + "."
            )
        self.T, self.n_channels = int(probe.shape[1]), int(probe.shape[2])
        self._test: Optional[Tuple[np.ndarray, np.ndarray]] = None

    def _encode_raw(self, images: np.ndarray, T: Optional[int], seed: Any) -> np.ndarray:
        opts = self.encoder_options
        if callable(self.encoder):
            return np.asarray(self.encoder(images, seed))
        if self.encoder == "scan":
            return scan_encode(images, **opts)
        T = 32 if T is None else T
        if self.encoder == "poisson":
            return poisson_encode(images, T, dt=self.dt, seed=seed, **opts)
        return latency_encode(images, T, dt=self.dt, **opts)

    def encode(self, images: Any, seed: Any = 0) -> np.ndarray:
        """Encode ``(B, 8, 8)`` images in ``[0, 1]`` into ``(B, T, N)`` float32 spikes.

        ``seed`` (an int or a sequence of ints) seeds the Poisson encoder; the others are
        deterministic.
        """
        imgs = np.asarray(images, dtype=np.float32)
        if imgs.ndim == 2:
            imgs = imgs[None]
        if imgs.ndim != 3 or imgs.shape[1:] != (8, 8):
            raise ValueError(
                f"SpikingDigits.encode: images must be (8, 8) or (B, 8, 8) (got shape {imgs.shape})."
            )
        return self._encode_raw(imgs, self.T, seed).astype(np.float32)

    def batches(self, batch_size: int = 64, epoch: int = 0) -> List[Tuple[np.ndarray, np.ndarray]]:
        """The training batches of one epoch: a fresh shuffle and a fresh encoding per epoch.

        Every batch has exactly ``batch_size`` samples (``fit`` compiles one step for one batch
        shape); the remainder of the shuffled training set is left out of this epoch only.
        Depends only on ``seed`` and ``epoch``.
        """
        n = len(self.labels_train)
        batch_size = self._check_batch_size(batch_size)
        epoch = _check_seed("SpikingDigits.batches", "epoch", epoch)
        order = np.random.default_rng([self.seed, int(epoch), 0]).permutation(n)
        n_used = n - n % batch_size
        x = self.encode(self.images_train[order[:n_used]], seed=[self.seed, int(epoch), 1])
        y = self.labels_train[order[:n_used]]
        return [(x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, n_used, batch_size)]

    def _check_batch_size(self, batch_size: Any) -> int:
        n = len(self.labels_train)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, float, np.integer, np.floating)) \
                or int(batch_size) != batch_size or not 1 <= batch_size <= n:
            raise ValueError(
                f"SpikingDigits.batches: batch_size must be a whole number from 1 to the number of "
                f"training samples ({n}) (got {batch_size!r})."
            )
        return int(batch_size)

    def train_batches(self, batch_size: int = 64) -> Callable[[int], List[Tuple[np.ndarray, np.ndarray]]]:
        """``epoch -> batches(batch_size, epoch)``: pass it to :func:`~rockpool.training.fit` as ``data``."""
        batch_size = self._check_batch_size(batch_size)  # now, not in the middle of fit
        return lambda epoch: self.batches(batch_size, epoch)

    def test_set(self) -> Tuple[np.ndarray, np.ndarray]:
        """The held-out split, encoded once (always the same spikes for the same ``seed``)."""
        if self._test is None:
            self._test = (self.encode(self.images_test, seed=[self.seed, 2**32 - 1]), self.labels_test)
        return self._test

    def train_set(self) -> Tuple[np.ndarray, np.ndarray]:
        """The whole training split, encoded once (e.g. for the training accuracy)."""
        return self.encode(self.images_train, seed=[self.seed, 2**32 - 2]), self.labels_train

    def __repr__(self) -> str:
        name = getattr(self.encoder, "__name__", self.encoder)
        return (f"SpikingDigits({len(self.labels_train)} train / {len(self.labels_test)} test digits, "
                f"encoder {name!s}, T={self.T}, N={self.n_channels}, seed={self.seed}, "
                f"split_seed={self.split_seed})")


def spiking_digits(
    encoder: Encoder = "poisson",
    T: Optional[int] = None,
    test_fraction: float = 0.25,
    split_seed: int = 0,
    seed: int = 0,
    dt: float = 1e-3,
    n_samples: Optional[int] = None,
    **encoder_options: Any,
) -> SpikingDigits:
    """Load scikit-learn's handwritten digits, split them and spike-encode them.

    Args:
        encoder: ``"poisson"`` (rate coding, 64 channels: one per pixel), ``"latency"`` (time to
            first spike, 64 channels) or ``"scan"`` (the image scanned row by row into UP / DOWN
            delta events, 16 channels); or a function ``f(images (B, 8, 8), seed) -> (B, T, N)``.
            Defaults of the named ones: ``ENCODER_DEFAULTS``.
        T: Time steps per sample; default 32 (``"scan"``: ``9 * steps_per_row``, 36).
        test_fraction: Share of the data held out for testing (stratified: every class keeps
            its share).
        split_seed: Seed of the train / test split (keep it fixed to compare runs).
        seed: Seed of the encoding noise and of the batch order.
        dt: Time step, s.
        n_samples: Use a stratified subset of this many digits (e.g. for a quick test); default all.
        **encoder_options: Options of the encoder (e.g. ``max_rate=300.0`` for ``"poisson"``).

    Returns:
        A :class:`SpikingDigits`: ``train_batches(batch_size)`` for :func:`~rockpool.training.fit`,
        ``test_set()``, ``train_set()``, ``encode(images, seed)``, and the raw images and labels.

    Raises:
        ImportError: scikit-learn is missing (``pip install 'rockpool[data]'``).

    Example:
        >>> data = spiking_digits("latency", T=16, n_samples=100)
        >>> data
        SpikingDigits(75 train / 25 test digits, encoder latency, T=16, N=64, seed=0, split_seed=0)
        >>> x, y = data.batches(batch_size=25, epoch=0)[0]
        >>> x.shape, x.dtype.name, y.shape, y.dtype.name
        ((25, 16, 64), 'float32', (25,), 'int32')
    """
    if not callable(encoder) and encoder not in ENCODER_DEFAULTS:
        raise ValueError(
            f"spiking_digits: encoder must be one of {sorted(ENCODER_DEFAULTS)} or a function "
            f"f(images, seed) -> (B, T, N) spikes (got {encoder!r})."
        )
    if (isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float, np.integer, np.floating))
            or not 0.0 < float(test_fraction) < 1.0):
        raise ValueError(f"spiking_digits: test_fraction must lie in (0, 1) (got {test_fraction!r}).")
    split_seed = _check_seed("spiking_digits", "split_seed", split_seed)
    seed = _check_seed("spiking_digits", "seed", seed)
    if not callable(encoder):
        unknown = sorted(set(encoder_options) - set(ENCODER_DEFAULTS[encoder]))
        if unknown:
            raise ValueError(
                f"spiking_digits: unknown option(s) {unknown} for the {encoder!r} encoder; it takes "
                f"{sorted(ENCODER_DEFAULTS[encoder])} (T, dt and seed are arguments of spiking_digits)."
            )
    images, labels = load_digit_images()
    if n_samples is not None:
        if int(n_samples) != n_samples or not 20 <= n_samples <= len(labels):
            raise ValueError(
                f"spiking_digits: n_samples must be a whole number from 20 to {len(labels)} "
                f"(got {n_samples!r})."
            )
        if n_samples < len(labels):
            from sklearn.model_selection import train_test_split

            images, _, labels, _ = train_test_split(images, labels, train_size=int(n_samples),
                                                    stratify=labels, random_state=split_seed)
    n_test = int(np.ceil(len(labels) * float(test_fraction)))
    if min(n_test, len(labels) - n_test) < 10:
        raise ValueError(
            f"spiking_digits: a stratified split needs at least one digit of each of the 10 classes "
            f"on both sides; {len(labels)} digits with test_fraction={test_fraction} give {n_test} "
            f"test and {len(labels) - n_test} training digits. Use more digits or another fraction."
        )
    options = {} if callable(encoder) else {**ENCODER_DEFAULTS[encoder], **encoder_options}
    if callable(encoder) and encoder_options:
        raise ValueError("spiking_digits: encoder options only apply to the named encoders; "
                         "bind them into your function instead.")
    return SpikingDigits(images, labels, encoder, T, test_fraction, split_seed, seed, dt, options)
