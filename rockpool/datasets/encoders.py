r"""Spike encoders: pure functions from real-valued arrays to ``(B, T, N)`` spike arrays.

Every encoder takes NumPy or JAX arrays (anything :func:`numpy.asarray` accepts), checks them at
the door (shape, finiteness, range) and returns a NumPy array on the clock of step ``dt``; its
statistics follow a closed form, stated in each docstring and checked by the tests.

============================  ===============================  =================================
encoder                       code                             output
============================  ===============================  =================================
:func:`poisson_encode`        rate: intensity -> firing prob.  ``bool``, random (``seed``)
:func:`latency_encode`        time to first spike              ``bool``, one spike at most
:func:`delta_encode`          threshold crossings of a signal  ``int32`` counts, UP/DOWN channels
:func:`scan_encode`           an image scanned row by row      as :func:`delta_encode`
============================  ===============================  =================================

Feed the result to a network as it is (``net(spikes)``), or turn it into event series with
:func:`to_tsevents`. The encoders run in NumPy on concrete arrays: call them on data, outside
``jax.jit`` (JAX arrays are accepted and converted).

Example:
    >>> import numpy as np
    >>> from rockpool.datasets import latency_encode, to_tsevents
    >>> s = latency_encode(np.array([[1.0, 0.5, 0.0]]), T=5)
    >>> s.shape, s.dtype.name, np.argmax(s[0], axis=0).tolist()
    ((1, 5, 3), 'bool', [0, 2, 0])
    >>> to_tsevents(s, dt=1e-3)[0]
    non-periodic `TSEvent` object `sample 0` from t=0.0 to 0.005. Channels: 3. Events: 2
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Union

import numpy as np

__all__ = ["poisson_encode", "latency_encode", "delta_encode", "scan_encode", "to_tsevents"]


# ---------------------------------------------------------------------------------------- checks
def _check_steps(fn: str, T: Any, name: str = "T (the number of time steps)") -> int:
    if (isinstance(T, bool) or not isinstance(T, (int, float, np.integer, np.floating))
            or not np.isfinite(T) or int(T) != T or T < 1):
        raise ValueError(f"{fn}: {name} must be a whole number >= 1 (got {T!r}).")
    return int(T)


def _check_positive(fn: str, name: str, value: Any, unit: str = "") -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not v > 0.0 or not np.isfinite(v):
        raise ValueError(f"{fn}: {name} must be a finite number > 0{unit} (got {value!r}).")
    return v


def _as_real(fn: str, x: Any, what: str) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_):
        raise ValueError(f"{fn}: {what} must be a numeric array (got dtype {a.dtype}).")
    if np.iscomplexobj(a):
        raise ValueError(f"{fn}: {what} must be real (got complex values).")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{fn}: {what} contains NaN or inf; clean the data before encoding.")
    return a


def _intensities(fn: str, x: Any) -> np.ndarray:
    """``(N,)`` -> ``(1, N)``; ``(B, *features)`` -> ``(B, N)``; values checked to lie in [0, 1]."""
    a = _as_real(fn, x, "the input")
    if a.ndim == 0:
        raise ValueError(
            f"{fn}: the input must be (N,) or (B, N) intensities (or (B, H, W) images); got a scalar."
        )
    a = a.reshape(1, -1) if a.ndim == 1 else a.reshape(a.shape[0], int(np.prod(a.shape[1:])))
    if a.size and (a.min() < 0.0 or a.max() > 1.0):
        raise ValueError(
            f"{fn}: intensities must lie in [0, 1] (got values from {a.min():.4g} to {a.max():.4g}). "
            f"Scale the data first, e.g. x / x.max() (pixel values of the digits: x / 16)."
        )
    return a


# ---------------------------------------------------------------------------------------- encoders
def poisson_encode(
    x: Any, T: int, max_rate: float = 100.0, dt: float = 1e-3,
    seed: Union[int, Sequence[int]] = 0,
) -> np.ndarray:
    r"""Rate coding: each channel fires at random with a rate proportional to its intensity.

    Channel ``n`` of sample ``b`` spikes in each step independently with probability

    .. math:: p_{bn} = x_{bn} \cdot \text{max\_rate} \cdot dt

    (a Bernoulli process, the discrete-time Poisson process with at most one spike per step). The
    spike count over ``T`` steps is binomial: mean :math:`T p`, variance :math:`T p (1 - p)`; the
    gaps between spikes are geometric with mean :math:`1 / p` steps.

    Args:
        x: Intensities in ``[0, 1]``: ``(N,)``, ``(B, N)`` or ``(B, *features)`` (e.g. images
            ``(B, H, W)``, flattened to ``N = H * W`` channels in C order).
        T: Number of time steps.
        max_rate: Firing rate of intensity 1, Hz.
        dt: Time step, s. ``max_rate * dt`` must be at most 1.
        seed: Seed of the random draws, an int or a sequence of ints (same seed and inputs,
            same spikes).

    Returns:
        ``(B, T, N)`` boolean spikes (``B = 1`` for an ``(N,)`` input).

    Example:
        >>> s = poisson_encode(np.full((1, 1000), 0.5), T=100, max_rate=200.0, seed=3)
        >>> round(float(s.mean()), 2)  # p = 0.5 * 200 Hz * 1 ms
        0.1
    """
    fn = "poisson_encode"
    T = _check_steps(fn, T)
    max_rate, dt = _check_positive(fn, "max_rate", max_rate, " Hz"), _check_positive(fn, "dt", dt, " s")
    if max_rate * dt > 1.0:
        raise ValueError(
            f"{fn}: max_rate * dt = {max_rate * dt:.4g} is a spike probability per step and must be "
            f"<= 1; lower max_rate (at most {1.0 / dt:.4g} Hz for dt = {dt:.4g} s) or dt."
        )
    p = _intensities(fn, x) * (max_rate * dt)
    rng = np.random.default_rng(seed)
    return rng.random((p.shape[0], T, p.shape[1])) < p[:, None, :]


def latency_encode(
    x: Any,
    T: int,
    mode: str = "linear",
    tau: float = 5e-3,
    threshold: float = 0.2,
    dt: float = 1e-3,
) -> np.ndarray:
    r"""Latency (time-to-first-spike) coding: a stronger input spikes earlier, each channel once.

    * ``mode="linear"``: channel ``n`` spikes in step :math:`k = \mathrm{round}((1 - x_n)(T - 1))`
      (intensity 1 in the first step, intensity 0 in the last); channels with
      :math:`x_n \le` ``threshold`` stay silent.
    * ``mode="log"``: each channel is an RC circuit charged by its intensity,
      :math:`V(t) = x_n (1 - e^{-t / \tau})`, and spikes when ``V`` reaches ``threshold``
      :math:`\theta`: at :math:`t^* = \tau \ln(x_n / (x_n - \theta))` for :math:`x_n > \theta`,
      i.e. in step :math:`k = \lfloor t^* / dt \rfloor` (the step :math:`[k\,dt, (k+1)\,dt)` in
      which ``V`` crosses). Spikes later than step ``T - 1`` are dropped.

    Deterministic (no seed): the same input always gives the same spikes.

    Args:
        x: Intensities in ``[0, 1]``: ``(N,)``, ``(B, N)`` or ``(B, *features)``.
        T: Number of time steps.
        mode: ``"linear"`` or ``"log"``.
        tau: Time constant of the RC circuit (``mode="log"``), s.
        threshold: Intensities at or below it never spike; in ``"log"`` mode it is the firing
            threshold :math:`\theta` of the RC circuit (must be in ``[0, 1)``; > 0 for ``"log"``).
        dt: Time step, s (``mode="log"``).

    Returns:
        ``(B, T, N)`` boolean spikes, at most one per channel.

    Example:
        >>> s = latency_encode(np.array([1.0, 0.6, 0.3]), T=4, mode="log", tau=2e-3, threshold=0.25)
        >>> np.argmax(s[0], axis=0).tolist()  # floor(tau ln(x / (x - 0.25)) / dt)
        [0, 1, 3]
        >>> latency_encode(np.array([1.0, 0.6, 0.3]), T=3, mode="log", tau=2e-3, threshold=0.25)[0].sum(0).tolist()
        [1, 1, 0]
    """
    fn = "latency_encode"
    T = _check_steps(fn, T)
    if mode not in ("linear", "log"):
        raise ValueError(f"{fn}: mode must be 'linear' or 'log' (got {mode!r}).")
    threshold = float(threshold)
    if not 0.0 <= threshold < 1.0 or (mode == "log" and threshold == 0.0):
        raise ValueError(
            f"{fn}: threshold must lie in [0, 1) (and be > 0 for mode='log') (got {threshold!r})."
        )
    a = _intensities(fn, x)
    active = a > threshold
    if mode == "linear":
        step = np.round((1.0 - a) * (T - 1))
    else:
        tau, dt = _check_positive(fn, "tau", tau, " s"), _check_positive(fn, "dt", dt, " s")
        with np.errstate(divide="ignore", invalid="ignore"):
            t_star = tau * np.log(a / (a - threshold))
        # - a tiny tolerance so that t* = k dt exactly (in decimal) is not pushed to k - 1 by rounding
        step = np.where(active, np.floor(t_star / dt + 1e-9), T)
    active &= step < T
    out = np.zeros((a.shape[0], T, a.shape[1]), dtype=bool)
    b, n = np.nonzero(active)
    out[b, step[b, n].astype(np.int64), n] = True
    return out


def _signal(fn: str, signal: Any) -> np.ndarray:
    a = _as_real(fn, signal, "the signal")
    if a.ndim == 1:
        return a.reshape(1, -1, 1)
    if a.ndim == 2:
        return a[None]
    if a.ndim == 3:
        return a
    raise ValueError(f"{fn}: the signal must be (T,), (T, C) or (B, T, C) (got shape {a.shape}).")


def delta_encode(signal: Any, threshold: float, initial: Optional[float] = None) -> np.ndarray:
    r"""Delta (send-on-delta) coding: an event each time a signal moves by ``threshold``.

    Each channel keeps a reference level :math:`r`, starting at ``initial`` (default: the first
    sample). At every step, if the signal :math:`x_t \ge r + \theta` the channel emits
    :math:`k = \lfloor (x_t - r) / \theta \rfloor` UP events and :math:`r \leftarrow r + k\theta`;
    if :math:`x_t \le r - \theta` it emits :math:`k = \lfloor (r - x_t) / \theta \rfloor` DOWN
    events and :math:`r \leftarrow r - k\theta`. Hence after every step
    :math:`|x_t - r_t| < \theta` and :math:`r_t = r_0 + \theta (\#\text{UP} - \#\text{DOWN})`: the
    events reconstruct the signal to within one threshold. A monotone ramp from ``a`` to ``b``
    (starting at ``r_0 = a``) gives :math:`\lfloor |b - a| / \theta \rfloor` events.

    Args:
        signal: ``(T,)``, ``(T, C)`` or ``(B, T, C)``, NumPy or JAX.
        threshold: The level step :math:`\theta` (> 0), in units of the signal.
        initial: Starting reference level of every channel; default the first sample (so the
            first step has no event).

    Returns:
        ``(B, T, 2 C)`` ``int32`` event counts: channel ``2c`` counts UP events of signal channel
        ``c``, channel ``2c + 1`` its DOWN events. Counts are 0/1 while the signal moves less than
        one threshold per step (sample finer, e.g. :func:`scan_encode`'s ``steps_per_row``).

    Example:
        >>> ev = delta_encode(np.array([0.0, 0.25, 0.5, 0.3, 0.0]), threshold=0.2)
        >>> ev[0].T.tolist()  # UP to 0.2, UP to 0.4; 0.3 is within 0.2 of 0.4; 2 DOWN to 0.0
        [[0, 1, 1, 0, 0], [0, 0, 0, 0, 2]]
    """
    fn = "delta_encode"
    theta = _check_positive(fn, "threshold", threshold)
    x = _signal(fn, signal)
    B, T, C = x.shape
    out = np.zeros((B, T, 2 * C), dtype=np.int32)
    if T == 0:
        return out
    if initial is None:
        ref = x[:, 0, :].copy()
    else:
        ref = np.full((B, C), float(_as_real(fn, initial, "initial")))
    for t in range(T):
        d = x[:, t, :] - ref
        # - a tiny tolerance so that a signal exactly k thresholds away (in decimal) counts k events
        up = np.floor(np.maximum(d, 0.0) / theta + 1e-9)
        down = np.floor(np.maximum(-d, 0.0) / theta + 1e-9)
        out[:, t, 0::2] = up
        out[:, t, 1::2] = down
        ref += (up - down) * theta
    return out


def scan_encode(images: Any, threshold: float = 0.1, steps_per_row: int = 4) -> np.ndarray:
    r"""Scan an image from top to bottom and emit delta events for each pixel column.

    The image is framed by a blank (zero) row above and below, each column becomes a signal over
    time by linear interpolation between rows (``steps_per_row`` steps per row, the last of them
    exactly on the row), and :func:`delta_encode` turns it into UP /
    DOWN events with reference starting at 0 (the blank background). An edge from 0 to intensity
    ``v`` and back to 0 therefore gives :math:`\lfloor v / \theta \rfloor` UP events, then as many
    DOWN events. It is the 2-D version of a spiking sensor scanned line by line.

    Args:
        images: ``(H, W)`` or ``(B, H, W)`` intensities (any real range), NumPy or JAX.
        threshold: The level step :math:`\theta` (> 0), in units of the image.
        steps_per_row: Time steps per row (>= 1). More steps, fewer multi-event steps.

    Returns:
        ``(B, T, 2 W)`` ``int32`` event counts with ``T = (H + 1) * steps_per_row``; channel ``2c``:
        UP events of pixel column ``c``, ``2c + 1``: its DOWN events.

    Example:
        >>> ev = scan_encode(np.array([[0.0, 1.0], [0.0, 1.0]]), threshold=0.5, steps_per_row=2)
        >>> ev.shape, ev[0].sum(axis=0).tolist()  # column 1 rises by 1 and falls by 1: 2 + 2 events
        ((1, 6, 4), [0, 0, 2, 2])
    """
    fn = "scan_encode"
    a = _as_real(fn, images, "images")
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"{fn}: images must be (H, W) or (B, H, W) (got shape {a.shape}).")
    steps = _check_steps(fn, steps_per_row, "steps_per_row")
    _check_positive(fn, "threshold", threshold)
    B, H, W = a.shape
    padded = np.concatenate([np.zeros((B, 1, W)), a, np.zeros((B, 1, W))], axis=1)
    pos = np.arange(1, (H + 1) * steps + 1) / steps  # positions in padded rows, up to H + 1
    lo = np.minimum(np.floor(pos).astype(np.int64), H)
    frac = (pos - lo)[None, :, None]
    signal = padded[:, lo, :] * (1.0 - frac) + padded[:, np.minimum(lo + 1, H + 1), :] * frac
    return delta_encode(signal, threshold, initial=0.0)


def to_tsevents(spikes: Any, dt: float, t_start: float = 0.0, name: str = "sample") -> List[Any]:
    """Turn ``(B, T, N)`` (or ``(T, N)``) spike counts into one :class:`~rockpool.timeseries.TSEvent` per sample.

    Step ``k`` covers ``[t_start + k dt, t_start + (k + 1) dt)``; its events are placed at the
    step's centre (a count ``c`` gives ``c`` events), so ``ts.raster(dt, add_events=True)`` gives
    back the raster. Each series runs from ``t_start`` to ``t_start + T dt`` with ``N`` channels.

    Args:
        spikes: Boolean or non-negative integer counts, ``(B, T, N)`` or ``(T, N)``.
        dt: Time step, s.
        t_start: Time of the start of step 0, s.
        name: Series are named ``"<name> <b>"``.

    Returns:
        A list of ``B`` :class:`~rockpool.timeseries.TSEvent`.

    Example:
        >>> ts = to_tsevents(np.array([[1, 0], [0, 2]]), dt=0.1)[0]
        >>> ts.times.round(3).tolist(), ts.channels.tolist()
        ([0.05, 0.15, 0.15], [0, 1, 1])
    """
    from rockpool.timeseries import TSEvent

    fn = "to_tsevents"
    s = np.asarray(spikes)
    if s.ndim == 2:
        s = s[None]
    if s.ndim != 3:
        raise ValueError(f"{fn}: spikes must be (T, N) or (B, T, N) (got shape {s.shape}).")
    if s.dtype == object or not (np.issubdtype(s.dtype, np.number) or s.dtype == np.bool_):
        raise ValueError(f"{fn}: spikes must be boolean or integer counts (got dtype {s.dtype}).")
    if s.dtype != np.bool_ and s.size and (
        not np.all(np.isfinite(s)) or np.any(s < 0) or np.any(s != np.round(s))
    ):
        raise ValueError(f"{fn}: spikes must be non-negative whole counts.")
    dt = _check_positive(fn, "dt", dt, " s")
    if not isinstance(t_start, (int, float, np.integer, np.floating)) or not np.isfinite(t_start):
        raise ValueError(f"{fn}: t_start must be a finite number of seconds (got {t_start!r}).")
    T, N = s.shape[1], s.shape[2]
    series = []
    for b in range(s.shape[0]):
        steps, chans = np.nonzero(s[b])
        reps = s[b][steps, chans].astype(np.int64)
        times = t_start + (np.repeat(steps, reps) + 0.5) * dt
        series.append(TSEvent(times, np.repeat(chans, reps), t_start=t_start,
                              t_stop=t_start + T * dt, num_channels=N, name=f"{name} {b}"))
    return series
