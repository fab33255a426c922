r"""Butterworth filter banks, an audio front end: :class:`ButterFilter`, :class:`ButterMelFilter` (NumPy/SciPy).

Each output channel :math:`c` filters the (first channel of the) input signal :math:`x(t)` with a
SciPy Butterworth band-pass of order ``order`` (second-order sections), rectifies it and smooths
it with a Butterworth low-pass at ``cutoff_fs``:

.. math:: y_c = \mathrm{LP}\big(\,|\mathrm{BP}_c(x)|\,\big)

(``use_lowpass=False``: the signed band-pass output :math:`\mathrm{BP}_c(x)`). Filters start from
zero initial conditions on every call (the modules have no state). Then, over the whole output
array (all channels, batches and times): ``normalize=True`` divides by :math:`\max |y|`, and
``mean_subtraction=True`` subtracts the mean (after normalising). These two are **global**, as
the reference library does (its docstrings say "per channel").

Input ``(T,)``, ``(T, C)`` or ``(B, T, C)``; only channel 0 is filtered. Output ``(T, N)`` for
un-batched input, ``(B, T, N)`` for batched input, float64. Ours: each batch element is filtered
independently along time (the reference filtered along the batch axis), and 1-D input works.

SciPy is needed (``pip install 'rockpool[audio]'``); the JAX twins
(:class:`~rockpool.nn.modules.ButterFilterJax`, :class:`~rockpool.nn.modules.ButterMelFilterJax`)
run the same sections as a differentiable ``lax.scan``.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Tuple, Union

import numpy as np

from rockpool._optional import require
from rockpool._warnings import RockpoolWarning
from rockpool.nn.modules.module import Module
from rockpool.parameters import SimulationParameter

__all__ = ["ButterFilter", "ButterMelFilter", "mel_band_edges", "butter_band_edges"]


def _signal():
    return require("scipy.signal", "audio")


def butter_band_edges(frequency: Any, bandwidth: Any, fs: float) -> Tuple[np.ndarray, np.ndarray]:
    """Lower and upper band edges ``f -+ b/2`` of :class:`ButterFilter`, checked.

    Example:
        >>> lo, hi = butter_band_edges([500, 1000], 100, 16000)
        >>> lo.tolist(), hi.tolist()
        ([450.0, 950.0], [550.0, 1050.0])
    """
    f = np.atleast_1d(np.asarray(frequency, dtype=float)).ravel()
    b = np.atleast_1d(np.asarray(bandwidth, dtype=float)).ravel()
    if b.size not in (1, f.size):
        raise ValueError(
            f"'bandwidth' must be either a scalar or of the same size than 'frequency'. Got {b.size} and {f.size}"
        )
    b = np.broadcast_to(b, f.shape)
    if np.any(~(b > 0)):
        raise ValueError(
            f"'bandwidth' must be > 0 Hz (got {b.tolist()}); a band-pass needs its lower edge below "
            f"its upper edge (SciPy: Wn[0] must be less than Wn[1])."
        )
    if np.any(f <= b / 2):
        raise ValueError("'frequency' must be greater than 'bandwidth' / 2")
    if np.any(f > (fs - b) / 2):
        raise ValueError("'frequency' must be lesser than ('fs' - 'bandwidth') / 2")
    return f - b / 2, f + b / 2


def mel_band_edges(n: int, fs: float, cutoff_fs: float, filter_width: float) -> Tuple[np.ndarray, np.ndarray]:
    """Band edges of :class:`ButterMelFilter` (HTK mel scale ``2595 log10(1 + f / 700)``).

    ``r = filter_width / n``; lower edges evenly spaced in mel from ``cutoff_fs`` to
    ``(fs / 2) / (1 + r) - 1``; upper edges ``lower * (1 + r)``.

    Example:
        >>> lo, hi = mel_band_edges(16, 16000.0, 100.0, 2.0)
        >>> round(float(lo[1]), 3), round(float(hi[0]), 3)
        (231.239, 112.5)
    """
    r = filter_width / n
    f_top = (fs / 2) / (1 + r) - 1
    mel = lambda f: 2595.0 * np.log10(1 + f / 700.0)
    inv = lambda m: 700.0 * (10 ** (m / 2595.0) - 1)
    lo = inv(np.linspace(mel(cutoff_fs), mel(f_top), n))
    return lo, lo * (1 + r)


def design_sos(lo: np.ndarray, hi: np.ndarray, lp_cutoff: float, fs: float, order: int):
    """``(band-pass SOS (N, order, 6), low-pass SOS (n_lp, 6))`` from ``scipy.signal.butter``."""
    signal = _signal()
    bp = np.stack([signal.butter(order, [a, b], btype="band", output="sos", fs=fs) for a, b in zip(lo, hi, strict=True)])
    lp = signal.butter(order, lp_cutoff, btype="low", output="sos", fs=fs)
    return bp, lp


def _check_order(order: Any) -> int:
    assert isinstance(order, (int, np.integer)) and order > 0, (
        f"'order' must be a strictly positive integer (given: {order})"
    )
    return int(order)


class _FilterBankBase(Module):
    """Shared construction, input handling and post-processing of the filter banks (both backends).

    ``sos_bandpass`` ``(N, order, 6)`` and ``sos_lowpass`` ``(n_lp, 6)`` are the SciPy second-order
    sections (plain attributes: constants of the module, not registered).
    """

    sos_bandpass: np.ndarray
    sos_lowpass: np.ndarray

    def _init_bank(self, lo: np.ndarray, hi: np.ndarray, lp_cutoff: float, fs: float, order: int,
                   mean_subtraction: bool, normalize: bool, num_workers: int, use_lowpass: bool) -> None:
        n = lo.size
        Module.__init__(self, shape=(1, n), spiking_input=False, spiking_output=False)
        bp, lp = design_sos(lo, hi, lp_cutoff, fs, order)
        self.fs = SimulationParameter(float(fs))
        self.order = SimulationParameter(int(order))
        self.cutoff_fs = SimulationParameter(float(lp_cutoff))
        self.mean_subtraction = SimulationParameter(bool(mean_subtraction))
        self.normalize = SimulationParameter(bool(normalize))
        self.num_workers = SimulationParameter(max(1, int(num_workers)))
        self.use_lowpass = SimulationParameter(bool(use_lowpass))
        self._store_sos(bp, lp)

    def _store_sos(self, bp: np.ndarray, lp: np.ndarray) -> None:
        object.__setattr__(self, "sos_bandpass", bp)
        object.__setattr__(self, "sos_lowpass", lp)

    def _store_design(self, frequency: np.ndarray, bandwidth: np.ndarray) -> None:
        """Keep the band centres and widths (SimulationParameters; the JAX twin keeps constants)."""
        self.frequency = SimulationParameter(frequency)
        self.bandwidth = SimulationParameter(bandwidth)

    def _init_butter(self, frequency: Any, bandwidth: Any, fs: float, order: int, mean_subtraction: bool,
                     normalize: bool, num_workers: int, use_lowpass: bool) -> None:
        """The construction of :class:`ButterFilter` and its JAX twin."""
        order = _check_order(order)
        lo, hi = butter_band_edges(frequency, bandwidth, fs)
        self._init_bank(lo, hi, float(np.min(lo)), fs, order, mean_subtraction, normalize, num_workers, use_lowpass)
        self._store_design(
            np.atleast_1d(np.asarray(frequency, dtype=float)).ravel(),
            np.broadcast_to(np.asarray(bandwidth, dtype=float).ravel(), lo.shape).copy(),
        )

    def _init_mel(self, shape: Union[int, Tuple[int, ...]], fs: float, cutoff_fs: float, filter_width: float,
                  mean_subtraction: bool, normalize: bool, order: int, num_workers: int, plot: bool,
                  use_lowpass: bool) -> None:
        """The construction of :class:`ButterMelFilter` and its JAX twin."""
        n = _mel_shape(shape)
        order = _check_order(order)
        lo, hi = mel_band_edges(n, fs, cutoff_fs, filter_width)
        self._init_bank(lo, hi, float(cutoff_fs), fs, order, mean_subtraction, normalize, num_workers, use_lowpass)
        self.filter_width = SimulationParameter(float(filter_width))
        self._store_design((lo + hi) / 2, hi - lo)
        if plot:
            object.__setattr__(self, "figure", plot_responses(self))

    @staticmethod
    def _first_channel(data: Any) -> Tuple[Any, bool]:
        """``(x, batched)``: channel 0 of ``(T,)``, ``(T, C)`` or ``(B, T, C)`` input as ``(B, T)``."""
        if data.ndim == 1:
            data = data[:, None]
        batched = data.ndim == 3
        return (data[..., 0] if batched else data[None, :, 0]), batched

    def _check_input(self, input_data: Any) -> Any:
        try:
            data = self._input_array(input_data)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{self._label}: input cannot be read as a numeric array ({e}).") from None
        if data.dtype.kind not in "biuf":
            raise ValueError(f"{self._label}: input must be numeric (got dtype {data.dtype}).")
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim not in (2, 3) or data.shape[-1] < 1:
            raise ValueError(
                f"{self._label}: input has shape {tuple(data.shape)}; expected (T,), (T, C) or "
                f"(B, T, C) (channel 0 is filtered)."
            )
        if data.shape[-1] > 1:
            warnings.warn(
                f"{self._label}: input has {data.shape[-1]} channels (shape {tuple(data.shape)}); only "
                f"channel 0 is filtered, the others are ignored. A signal is (T,), (T, 1) or (B, T, 1); "
                f"a (1, T) row reads as one time step of T channels.",
                RockpoolWarning, stacklevel=4,
            )
        self._check_finite(data)
        return data

    def _postprocess(self, y: Any, xp: Any) -> Any:
        if self.normalize:
            m = xp.max(xp.abs(y)) if y.size else 1.0
            y = y / xp.where(m > 0, m, 1.0)
        if self.mean_subtraction and y.size:
            y = y - xp.mean(y)
        return y

    def as_graph(self):
        """Filter banks have no computational graph.

        Raises:
            NotImplementedError: always.
        """
        raise NotImplementedError(f"{self.class_name}: filter banks have no computational graph (as_graph).")


class _NativeBank(_FilterBankBase):
    def evolve(self, input_data: Any, record: bool = False) -> Tuple[np.ndarray, Dict, Dict]:
        """Filter ``(T,)``, ``(T, C)`` or ``(B, T, C)`` input (channel 0); return ``(y, {}, {})``."""
        signal = _signal()
        x, batched = self._first_channel(np.asarray(input_data, dtype=np.float64))  # (B, T)
        if x.shape[1] == 0:  # no samples: nothing to filter (SciPy refuses empty signals)
            y0 = np.zeros(x.shape + (self.sos_bandpass.shape[0],))
            return (y0 if batched else y0[0]), {}, {}

        def channel(c: int) -> np.ndarray:
            y = signal.sosfilt(self.sos_bandpass[c], x, axis=1)
            return signal.sosfilt(self.sos_lowpass, np.abs(y), axis=1) if self.use_lowpass else y

        n = self.sos_bandpass.shape[0]
        if self.num_workers > 1:
            with ThreadPoolExecutor(self.num_workers) as pool:
                chans = list(pool.map(channel, range(n)))
        else:
            chans = [channel(c) for c in range(n)]
        y = np.stack(chans, axis=-1) if chans else np.zeros(x.shape + (0,))
        y = self._postprocess(y, np)
        return (y if batched else y[0]), {}, {}


class ButterFilter(_NativeBank):
    """A bank of Butterworth band-pass filters at given centre frequencies (NumPy/SciPy).

    See the module docstring for the pipeline. Channel ``c`` passes ``[f_c - b_c/2, f_c + b_c/2]``;
    the smoothing low-pass cutoff is ``cutoff_fs = min_c (f_c - b_c/2)``.

    Args:
        frequency: Centre frequencies in Hz (scalar or ``(N,)``); the shape is ``(1, N)``.
        bandwidth: Bandwidths in Hz (scalar, or one per channel).
        fs: Sampling frequency in Hz.
        order: Filter order (band-pass: ``order`` second-order sections per channel).
        mean_subtraction: Subtract the global mean of the output.
        normalize: Divide by the global maximum of ``|output|``.
        num_workers: Threads over channels (results are identical).
        use_lowpass: Rectify and low-pass (default); ``False``: the signed band-pass output.

    Raises:
        ValueError: band edges outside ``(0, fs/2)``, or a bandwidth of another length.

    Example:
        >>> import numpy as np
        >>> fb = ButterFilter([500, 1000, 2000], bandwidth=200, fs=16000)
        >>> t = np.arange(16000) / 16000
        >>> y, _, _ = fb(np.sin(2 * np.pi * 1000 * t)[:, None])
        >>> y.shape, fb.cutoff_fs, int(np.argmax(y[8000:].mean(0)))
        ((16000, 3), 400.0, 1)
    """

    def __init__(self, frequency: Any, bandwidth: Any, fs: float = 44100.0, order: int = 2,
                 mean_subtraction: bool = False, normalize: bool = False, num_workers: int = 1,
                 use_lowpass: bool = True):
        self._init_butter(frequency, bandwidth, fs, order, mean_subtraction, normalize, num_workers, use_lowpass)


def _mel_shape(shape: Union[int, Tuple[int, ...]]) -> int:
    if isinstance(shape, (int, np.integer)):
        return int(shape)
    shape = tuple(shape)
    if len(shape) != 2 or shape[0] != 1:
        raise ValueError("The input dimension ('shape[0]') must be '1'")
    return int(shape[1])


class ButterMelFilter(_NativeBank):
    """A mel-spaced bank of Butterworth band-pass filters (NumPy/SciPy).

    Band edges from :func:`mel_band_edges`; the smoothing low-pass cutoff is ``cutoff_fs`` (also
    the lowest band edge). See the module docstring for the pipeline.

    Args:
        shape: ``N`` or ``(1, N)``: number of channels.
        fs: Sampling frequency in Hz.
        cutoff_fs: Lowest band edge and low-pass cutoff, Hz.
        filter_width: Relative width: each band is ``[lo, lo * (1 + filter_width / N)]``.
        mean_subtraction, normalize, order, num_workers, use_lowpass: As :class:`ButterFilter`.
        plot: Plot the frequency responses (needs matplotlib); the figure is kept in ``figure``.

    Example:
        >>> import numpy as np
        >>> fb = ButterMelFilter((1, 16), fs=16000.0)
        >>> t = np.arange(16000) / 16000
        >>> y, _, _ = fb(np.sin(2 * np.pi * 1000 * t)[:, None])
        >>> int(np.argmax(y[8000:].mean(0))), round(float(y[8000:, 5].mean()), 5)
        (5, 0.37989)
    """

    def __init__(self, shape: Union[int, Tuple[int, ...]] = (1, 64), fs: float = 44100.0,
                 cutoff_fs: float = 100.0, filter_width: float = 2.0, mean_subtraction: bool = False,
                 normalize: bool = False, order: int = 2, num_workers: int = 1, plot: bool = False,
                 use_lowpass: bool = True):
        self._init_mel(shape, fs, cutoff_fs, filter_width, mean_subtraction, normalize, order, num_workers, plot,
                       use_lowpass)


def plot_responses(bank: Any, n_points: int = 4096) -> Any:
    """Plot the band-pass magnitude responses of a filter bank; returns the figure (matplotlib)."""
    plt = require("matplotlib.pyplot", "plot")
    signal = _signal()
    fig, ax = plt.subplots(figsize=(7, 3))
    freqz = getattr(signal, "freqz_sos", None) or signal.sosfreqz  # renamed in SciPy 1.15
    for sos in np.asarray(bank.sos_bandpass):
        w, h = freqz(sos, worN=n_points, fs=bank.fs)
        ax.plot(w, 20 * np.log10(np.maximum(np.abs(h), 1e-12)), lw=0.8)
    ax.set(xlabel="frequency (Hz)", ylabel="gain (dB)", ylim=(-60, 5), title=bank.class_name)
    return fig
