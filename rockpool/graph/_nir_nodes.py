"""NIR neuron nodes -> rockpool modules, per file convention (used by :mod:`rockpool.graph.nir`).

Every neuron node becomes a module whose discrete-time update is exactly the update the
convention prescribes (see the table in :mod:`rockpool.graph.nir`); input gains that the module
cannot carry itself are returned as a pending :class:`Gain`, which the caller folds into the
preceding weights (and the recurrent weights).
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional

import numpy as np

from rockpool._warnings import RockpoolWarning

__all__ = ["CONVENTIONS", "Gain", "NIRImportError", "li_identity", "Heaviside", "import_neuron"]

#: Default time step of each convention (snnTorch hard-codes 1e-4 s; Spyx counts in steps).
CONVENTIONS: Dict[str, float] = {"nir": 1e-3, "snntorch": 1e-4, "norse": 1e-3, "spyx": 1.0}


class NIRImportError(ValueError):
    """A NIR graph or file that rockpool cannot read; the message names the file, node and fix."""


class Gain:
    """A pending diagonal input gain (per neuron) in front of a module."""

    def __init__(self, gain: np.ndarray):
        self.gain = gain


def exact_li(mod: Any) -> Any:
    """A ``Rate`` that implements a NIR leaky integrator integrates with its own ``tau``.

    Native ``Rate`` integrates with ``max(tau, 10 dt)`` (the reference's stabiliser, api.md 5.5); a
    NIR ``LI`` is exact forward Euler, so the clip is switched off on this instance.
    """
    if ".native." in type(mod).__module__:
        mod._dt_ratio = 1.0
    return mod


def li_identity(x: Any, threshold: Any) -> Any:
    """Identity activation of a ``Rate`` module that implements a NIR leaky integrator (``nir.LI``):
    the module's output is the membrane potential itself."""
    return x


class Heaviside:
    """``y = 1.0 where x > threshold else 0.0`` (``nir.Threshold``), for NumPy and JAX arrays.

    Example:
        >>> import numpy as np
        >>> Heaviside(np.array([0.5, 1.0]))(np.array([[0.6, 1.0]]))
        array([[1., 0.]])
    """

    def __init__(self, threshold: Any):
        self.threshold = np.asarray(threshold, dtype=np.float64)

    def __call__(self, x: Any) -> Any:
        return (x > self.threshold) * 1.0

    def __repr__(self) -> str:
        return f"Heaviside(threshold={self.threshold.tolist()})"


def _f64(x: Any) -> np.ndarray:
    return np.array(x, dtype=np.float64)


def param(where: str, node: Any, key: str, n: int, default: Any = None) -> np.ndarray:
    """Node parameter ``key`` as a finite float64 ``(n,)`` vector (a scalar is broadcast)."""
    value = getattr(node, key, None)
    if value is None:
        if default is None:
            raise NIRImportError(
                f"{where}: parameter '{key}' is missing. Write the node with '{key}' set."
            )
        value = default
    arr = _f64(value)
    if arr.size == n and arr.ndim > 1:
        arr = arr.reshape(n)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.size not in (1, n)):
        raise NIRImportError(
            f"{where}: parameter '{key}' has shape {arr.shape}; expected ({n},) or a scalar "
            f"(one value per neuron). Rewrite the node with matching parameter shapes."
        )
    arr = np.broadcast_to(arr.reshape(-1) if arr.ndim else arr, (n,)).copy()
    if not np.all(np.isfinite(arr)):
        raise NIRImportError(
            f"{where}: parameter '{key}' contains NaN or infinite values ({arr.tolist()}). "
            f"Export the network again after fixing the parameters."
        )
    return arr


def size_of(node: Any, key: str) -> int:
    """Number of neurons of a neuron node, from parameter ``key``."""
    return int(_f64(getattr(node, key)).size)


def _positive(
    where: str, key: str, arr: np.ndarray, dt: float, convention: str, euler: bool = True
) -> None:
    if np.any(arr <= 0):
        raise NIRImportError(
            f"{where}: '{key}' must be > 0 (got {arr.tolist()}). Time constants are in seconds."
        )
    if euler and np.any(arr < dt * (1 - 1e-6)):
        raise NIRImportError(
            f"{where}: '{key}' (min {arr.min():g}) is shorter than dt = {dt:g}; forward Euler (the "
            f"'{convention}' convention) is unstable there. Pass the dt the file was written for "
            f"(from_nir(..., dt=...)) or the right convention (snnTorch files: convention='snntorch')."
        )


def _quiet(build: Any) -> Any:
    """Build a module without the forward-Euler step-size warning: the convention asks for it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RockpoolWarning)
        return build()


def _lif(
    C: Any,
    n: int,
    dt: float,
    tau_syn: np.ndarray,
    tau_mem: np.ndarray,
    bias: np.ndarray,
    threshold: np.ndarray,
    v_reset: Optional[np.ndarray],
    rec: Optional[np.ndarray],
) -> Any:
    kwargs: Dict[str, Any] = dict(
        tau_mem=tau_mem,
        tau_syn=tau_syn.reshape(n, 1),
        bias=bias,
        threshold=threshold,
        dt=dt,
        integration="euler",
        max_spikes_per_dt=1,
    )
    if v_reset is not None:
        kwargs.update(reset_mode="to_value", v_reset=v_reset)
    if rec is not None:
        kwargs.update(has_rec=True, w_rec=rec)
    return _quiet(lambda: C.LIF((n, n), **kwargs))


def _spiking(
    where: str,
    node: Any,
    rec: Optional[np.ndarray],
    C: Any,
    dt: float,
    convention: str,
    held_scale: float,
) -> List[Any]:
    """``CubaLIF`` / ``LIF`` / ``IF`` -> forward-Euler ``LIF`` (see :func:`import_neuron`)."""
    import nir

    spyx, norse = convention == "spyx", convention == "norse"
    key = (
        "tau_mem"
        if isinstance(node, nir.CubaLIF)
        else ("tau" if isinstance(node, nir.LIF) else "v_threshold")
    )
    n = size_of(node, key)
    th = param(where, node, "v_threshold", n)
    r = param(where, node, "r", n, 1.0)
    if not isinstance(node, nir.CubaLIF):  # the input gain of a node without synapse is r
        r = r * held_scale
    if isinstance(node, nir.IF):
        tau_mem = np.full(n, np.inf)
        k_mem = np.full(n, dt)  # dv/dt = R I: the held input adds dt * R * x per step
        v_leak = np.zeros(n)
    else:
        tau_mem = param(where, node, "tau_mem" if isinstance(node, nir.CubaLIF) else "tau", n)
        _positive(
            where, "tau_mem" if isinstance(node, nir.CubaLIF) else "tau", tau_mem, dt, convention
        )
        k_mem = dt / tau_mem
        v_leak = param(where, node, "v_leak", n, 0.0)
    if isinstance(node, nir.CubaLIF):
        tau_syn = param(where, node, "tau_syn", n)
        _positive(where, "tau_syn", tau_syn, dt, convention)
        w_in = param(where, node, "w_in", n, 1.0) * held_scale
        syn_gain = w_in if norse else (dt / tau_syn) * w_in  # Norse adds w_in * x as a jump
    else:
        tau_syn = np.full(n, dt)  # no synapse: with forward Euler, I = 0 * I + x
        syn_gain = np.ones(n)
    if spyx:  # Spyx ignores w_in, r and v_leak: I = alpha I + x, V = beta V + I
        gain, bias, v_reset = np.ones(n), np.zeros(n), None
    else:
        gain, bias = syn_gain * k_mem * r, k_mem * v_leak
        v_reset = param(where, node, "v_reset", n, 0.0)
    w_rec = None if rec is None else rec * gain[None, :]
    mod = _lif(C, n, dt, tau_syn, tau_mem, bias, th, v_reset, w_rec)
    return [mod] if np.all(gain == 1.0) else [Gain(gain), mod]


def import_neuron(
    where: str,
    node: Any,
    rec: Optional[np.ndarray],
    C: Any,
    dt: float,
    convention: str,
    held_scale: float,
) -> List[Any]:
    """Modules (and pending gains) for one foreign NIR neuron node.

    Args:
        where: ``"file 'x.nir', node 'n'"`` for messages.
        node: The NIR node.
        rec: Recurrent weights ``(N, N)`` in rockpool layout (before gains), or ``None``.
        C: The backend's classes.
        dt: Time step, s.
        convention: One of :data:`CONVENTIONS`.
        held_scale: ``1`` for held-spike files, ``1/dt`` for Dirac-convention files (scales the
            input gains ``w_in`` / ``r``).
    """
    import nir

    spyx = convention == "spyx"
    kind = type(node).__name__
    if isinstance(node, (nir.CubaLIF, nir.LIF, nir.IF)):
        return _spiking(where, node, rec, C, dt, convention, held_scale)
    if rec is not None:
        raise NIRImportError(
            f"{where}: a nir.{kind} with recurrent weights cannot be represented (rockpool's "
            f"recurrent layers are LIF neurons). Remove the recurrent loop or use a spiking node."
        )
    if isinstance(node, nir.LI):
        n = size_of(node, "tau")
        tau = param(where, node, "tau", n)
        _positive(where, "tau", tau, dt, convention)
        r = param(where, node, "r", n, 1.0) * held_scale
        v_leak = param(where, node, "v_leak", n, 0.0)
        # - Rate: x += dt/tau (-x + i + b) is the held-input forward-Euler LI; Spyx: V = beta V + x
        gain = tau / dt if spyx else r
        bias = np.zeros(n) if spyx else v_leak
        mod = exact_li(_quiet(lambda: C.Rate((n,), tau=tau, bias=bias, activation_func=li_identity, dt=dt)))
        return [mod] if np.all(gain == 1.0) else [Gain(gain), mod]
    if isinstance(node, nir.I):
        n = size_of(node, "r")
        r = param(where, node, "r", n) * held_scale
        # - ExpSyn with tau = inf integrates: I = (I + x) * 1
        mod = C.ExpSyn((n,), tau=np.full(n, np.inf), dt=dt)
        gain = r if spyx else r * dt
        return [mod] if np.all(gain == 1.0) else [Gain(gain), mod]
    if isinstance(node, nir.Threshold):
        n = size_of(node, "threshold")
        th = param(where, node, "threshold", n)
        return [C.Instant((n,), function=Heaviside(th))]
    raise NIRImportError(f"{where}: nir.{kind} is not a neuron node rockpool imports.")
