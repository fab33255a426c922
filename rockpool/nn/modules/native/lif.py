"""NumPy leaky integrate-and-fire neurons (:class:`LIF`), twin of :class:`~rockpool.nn.modules.LIFJax`.

Also holds the backend-independent helpers shared with the JAX twin (shape parsing, per-synapse
broadcasting, spike-input checks), so that importing this module never imports JAX.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Optional, Tuple, Union

import numpy as np

from rockpool.nn.modules.module import Module, RockpoolWarning, shape_tuple
from rockpool.parameters import Parameter, SimulationParameter, State

__all__ = ["LIF"]

Array = Any


# ---------------------------------------------------------------------------------------------- shapes
def lif_shape(cls: str, shape: Any) -> Tuple[int, int]:
    """``(Nin, Nout)`` from ``N``, ``(N,)`` or ``(Nin, Nout)``; ``Nin`` must be a multiple of ``Nout``."""
    shape = shape_tuple(cls, shape)
    if len(shape) == 1:
        shape = (shape[0], shape[0])
    if len(shape) != 2 or shape[1] < 1 or shape[0] < 1:
        raise ValueError(f"{cls}: shape must be an int N or a tuple (Nin, Nout), got {shape!r}.")
    n_in, n_out = shape
    if n_in % n_out:
        raise ValueError(
            f"{cls}: attribute 'shape' is {shape}: Nin = {n_in} must be an integer multiple of "
            f"Nout = {n_out} (Nin // Nout synapses per neuron). E.g. shape=({2 * n_out}, {n_out}) "
            f"gives 2 synapses per neuron."
        )
    return n_in, n_out


def syn_param(cls: str, name: str, value: Any, n_out: int, n_syn: int) -> Any:
    """Broadcast a per-synapse value to ``(Nout, n_syn)``: accepts a scalar, ``(Nout,)`` (one value
    per neuron), ``(n_syn,)`` (one per synapse index, when ``n_syn != Nout``), ``(Nout, 1)`` or
    ``(Nout, n_syn)``."""
    if value is None:
        return None
    arr = np.asarray(getattr(value, "value", value))
    if arr.ndim == 1 and arr.shape[0] == n_out:  # (Nout,) is per neuron, even if n_syn == Nout
        arr = arr[:, None]
    try:
        out = np.broadcast_to(arr, (n_out, n_syn)).copy()
    except ValueError:
        raise ValueError(
            f"{cls}: attribute '{name}' has shape {arr.shape}; expected (Nout, n_syn) = "
            f"({n_out}, {n_syn}), (Nout,), or a scalar."
        ) from None
    return out


def check_spike_input(label: str, data: Any) -> None:
    """Warn if a concrete spike input is negative or not integer-valued."""
    arr = np.asarray(data)
    if arr.dtype.kind in "bu":
        return
    bad_neg = bool(np.any(arr < 0))
    bad_int = arr.dtype.kind == "f" and bool(np.any(arr != np.floor(arr)))
    if bad_neg or bad_int:
        what = " and ".join(w for w, b in (("negative", bad_neg), ("non-integer", bad_int)) if b)
        warnings.warn(
            f"{label}: spiking_input=True but the input has {what} values; spike inputs should be "
            f"counts of events per time step (0, 1, 2, ...). Pass spiking_input=False for "
            f"continuous currents.",
            RockpoolWarning,
            stacklevel=4,
        )


def raw_key(label: str, rng_key: Any = None) -> np.ndarray:
    """A raw PRNG key (uint32, shape ``(2,)``) from ``None`` (random), an int seed (the key
    ``jax.random.PRNGKey(seed)`` would give), or a raw / typed JAX key; else ``ValueError``."""
    if rng_key is None:
        return np.random.randint(0, 2**31 - 1, size=2).astype(np.uint32)
    if isinstance(rng_key, (int, np.integer)) and not isinstance(rng_key, bool):
        seed = int(rng_key)
        return np.array([(seed >> 32) & 0xFFFFFFFF, seed & 0xFFFFFFFF], dtype=np.uint32)
    if "key<" in str(getattr(rng_key, "dtype", "")):  # a typed JAX key (JAX is loaded if one exists)
        import jax

        rng_key = jax.random.key_data(rng_key)
    key = np.asarray(rng_key)
    if key.shape != (2,) or key.dtype.kind not in "iu":
        raise ValueError(
            f"{label}: rng_key must be an int seed or a PRNG key (uint32, shape (2,)); got dtype "
            f"{key.dtype} shape {key.shape}. Use e.g. rng_key=0 or rng_key=jax.random.PRNGKey(0)."
        )
    return key.astype(np.uint32)


def _spike_count(v: np.ndarray, th: np.ndarray, max_spikes: Any) -> np.ndarray:
    n = np.minimum(np.floor(v / th), max_spikes)
    return np.where(v >= th, n, 0.0)


RESET_MODES = ("subtract", "to_value")
INTEGRATIONS = ("exp", "euler")


def check_mode(cls: str, name: str, value: Any, allowed: Tuple[str, ...]) -> str:
    """Validate a string option (``reset_mode`` / ``integration``), naming the module and choices."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{cls}: '{name}' must be one of {list(allowed)}, got {value!r}.")
    return value


def decays(dt: Any, tau_syn: Any, tau_mem: Any, integration: str, xp: Any = np) -> Tuple[Any, Any]:
    """Per-step decay factors ``(a, b)`` of synapse and membrane: ``exp(-dt/tau)`` for
    ``integration="exp"``, ``1 - dt/tau`` (forward Euler) for ``"euler"``."""
    if integration == "euler":
        return 1.0 - dt / tau_syn, 1.0 - dt / tau_mem
    return xp.exp(-dt / tau_syn), xp.exp(-dt / tau_mem)


class _LIFBase(Module):
    r"""Leaky integrate-and-fire spiking neurons with exponential synapses (spec of both backends).

    ``Nout`` neurons, each with ``n_syn = Nin // Nout`` synapses. Per time step of length ``dt``
    (seconds), for neuron ``n`` and synapse ``k``::

        I_syn[n, k] += S_in(t)[n, k] + (S(t-1) @ W_rec)[n, k]
        I_syn[n, k] *= exp(-dt / tau_syn[n, k])
        V[n]        *= exp(-dt / tau_mem[n])
        V[n]        += sum_k I_syn[n, k] + bias[n] + noise_std * sqrt(dt) * xi(t)
        S(t)[n]      = min(floor(V[n] / threshold[n]), max_spikes_per_dt) if V[n] >= threshold[n] else 0
        V[n]        -= S(t)[n] * threshold[n]          (subtractive reset, reset_mode="subtract")
        V[n]         = v_reset[n] if S(t)[n] > 0       (reset_mode="to_value")

    ``integration="euler"`` (the forward-Euler convention of snnTorch, Norse and Spyx, used for
    NIR files they write) replaces the first three lines by::

        I_syn[n, k]  = (1 - dt / tau_syn[n, k]) * I_syn[n, k] + S_in(t)[n, k] + (S(t-1) @ W_rec)[n, k]
        V[n]         = (1 - dt / tau_mem[n]) * V[n] + sum_k I_syn[n, k] + bias[n] + noise

    (the input is added after the decay, so ``tau_syn = dt`` is a synapse-free neuron). Both
    options are static (decided when the evolution is traced); the default path is unchanged.

    with ``xi(t)`` standard normal noise (so ``noise_std`` is the standard deviation after one
    second), seeded from the ``rng_key`` state; the key advances on every evolve and
    ``reset_state()`` restores the initial key.

    **Synapse layout.** The input has ``Nin = Nout * n_syn`` channels; channel ``j`` feeds synapse
    ``j % n_syn`` of neuron ``j // n_syn`` (the input is reshaped to ``(B, T, Nout, n_syn)``). The
    recurrent weights ``w_rec`` ``(Nout, Nin)`` map the previous step's output spikes onto those same
    ``Nin`` synaptic inputs.

    Inputs: ``(T, Nin)`` or ``(B, T, Nin)`` (spikes or currents; bool/int accepted). Output: spike
    counts ``(B, T, Nout)``.

    Attributes:
        tau_mem: ``(Nout,)`` membrane time constants, s (Parameter ``"taus"``, default 0.02).
        tau_syn: ``(Nout, n_syn)`` synaptic time constants, s (Parameter ``"taus"``, default 0.02).
        bias: ``(Nout,)`` constant input current (Parameter ``"bias"``, default 0).
        threshold: ``(Nout,)`` firing thresholds (Parameter ``"thresholds"``, default 1).
        w_rec: ``(Nout, Nin)`` recurrent weights (Parameter ``"weights"``; only if ``has_rec``).
        spikes, vmem: ``(Nout,)``; isyn: ``(Nout, n_syn)``; rng_key: ``(2,)`` uint32 (States).
        v_reset: ``(Nout,)`` reset potential (Parameter ``"thresholds"``; only if
            ``reset_mode="to_value"``, default 0).
        dt, noise_std, max_spikes_per_dt, reset_mode, integration: SimulationParameters.

    Records (``record=True``), each ``(B, T, ...)``: ``irec`` and ``isyn`` ``(.., Nout, n_syn)``,
    ``vmem`` (after reset) and ``spikes`` ``(.., Nout)``.
    """

    _positive_attributes: Tuple[str, ...] = ("tau_mem", "tau_syn", "threshold")
    _input_rule = "neurons"  # input made (B, T, Nin); scalars, 1-D and width-1 inputs broadcast
    _time_constants = ("tau_mem", "tau_syn")
    _dt_ratio = 1.0

    def _init_lif(
        self,
        shape: Union[int, Tuple[int, ...]],
        tau_mem: Any,
        tau_syn: Any,
        bias: Any,
        threshold: Any,
        has_rec: bool,
        w_rec: Any,
        weight_init_func: Optional[Callable[[Tuple[int, ...]], Any]],
        noise_std: float,
        dt: float,
        max_spikes_per_dt: Any,
        spiking_input: bool,
        spiking_output: bool,
        rng_key: Any,
        register_extra_simulation_parameters: Optional[Callable[[], None]] = None,
        reset_mode: str = "subtract",
        v_reset: Any = None,
        integration: str = "exp",
    ) -> None:
        """Initialise the module (the arguments are documented on the public classes' ``__init__``).

        ``register_extra_simulation_parameters`` registers a backend's own simulation parameters;
        it is called after ``max_spikes_per_dt``, before the Parameters.
        """
        cls = type(self).__name__
        n_in, n_out = lif_shape(cls, shape)
        super().__init__(shape=(n_in, n_out), spiking_input=spiking_input, spiking_output=spiking_output)
        n_syn = n_in // n_out
        # - Simulation parameters first, so the dt check sees the time constants
        self.dt = SimulationParameter(float(dt))
        self.noise_std = SimulationParameter(float(noise_std))
        if max_spikes_per_dt is None:
            raise ValueError(f"{cls}: 'max_spikes_per_dt' must be a whole number >= 1 (got None).")
        self.max_spikes_per_dt = SimulationParameter(max_spikes_per_dt)  # checked in _check_value
        self.reset_mode = SimulationParameter(check_mode(cls, "reset_mode", reset_mode, RESET_MODES))
        self.integration = SimulationParameter(check_mode(cls, "integration", integration, INTEGRATIONS))
        if register_extra_simulation_parameters is not None:
            register_extra_simulation_parameters()

        self.tau_mem = Parameter(tau_mem, "taus", init_func=lambda s: np.full(s, 0.02), shape=(n_out,))
        self.tau_syn = Parameter(
            syn_param(cls, "tau_syn", tau_syn, n_out, n_syn), "taus",
            init_func=lambda s: np.full(s, 0.02), shape=(n_out, n_syn),
        )
        self.bias = Parameter(bias, "bias", init_func=np.zeros, shape=(n_out,))
        self.threshold = Parameter(threshold, "thresholds", init_func=np.ones, shape=(n_out,))
        if reset_mode == "to_value":
            self.v_reset = Parameter(v_reset, "thresholds", init_func=np.zeros, shape=(n_out,))
        elif v_reset is not None:
            raise ValueError(
                f"{cls}: 'v_reset' is only used with reset_mode='to_value' (got reset_mode={reset_mode!r}). "
                f"Pass reset_mode='to_value' to reset to v_reset, or drop v_reset."
            )
        if w_rec is not None or has_rec:
            if w_rec is not None and tuple(np.shape(w_rec)) != (n_out, n_in):
                raise ValueError(
                    f"{cls}: attribute 'w_rec' has shape {tuple(np.shape(w_rec))}; expected "
                    f"(Nout, Nin) = ({n_out}, {n_in}) (output spikes -> synaptic inputs)."
                )
            lim = 0.1 / np.sqrt(n_out)
            init = weight_init_func or (lambda s: np.random.uniform(-lim, lim, s))
            self.w_rec = Parameter(w_rec, "weights", init_func=init, shape=(n_out, n_in))

        self.spikes = State(shape=(n_out,), init_func=np.zeros)
        self.isyn = State(shape=(n_out, n_syn), init_func=np.zeros)
        self.vmem = State(shape=(n_out,), init_func=np.zeros)
        self._init_rng(rng_key)

    def _init_rng(self, rng_key: Any) -> None:
        """Register the ``rng_key`` state (backend hook): a uint32 ``(2,)`` seed for NumPy."""
        self.rng_key = State(raw_key(type(self).__name__, rng_key))

    def _check_value(self, name: str, value: Any) -> None:
        super()._check_value(name, value)
        if name == "max_spikes_per_dt" and self._is_concrete(value) and not callable(value):
            v = np.asarray(value)
            if v.dtype.kind not in "biuf" or v.ndim or not v >= 1 or v != np.floor(v):
                raise ValueError(
                    f"{self._label}: 'max_spikes_per_dt' must be a whole number >= 1 (got {value!r}); "
                    f"e.g. max_spikes_per_dt=1 for binary spikes, or 2**16 (the default)."
                )

    @property
    def has_rec(self) -> bool:
        """Whether this layer has recurrent weights."""
        return self._has_registered_attribute("w_rec")

    @property
    def n_syn(self) -> int:
        """Synapses per neuron, ``Nin // Nout``."""
        return self.shape[0] // self.shape[-1]

    def _convert_static(self, name: str, value: Any) -> Any:
        # - validate `lif.reset_mode = ...` / `set_attributes` now, not at the next call
        if name == "reset_mode":
            check_mode(self._label, name, value, RESET_MODES)
            if value == "to_value" and not self._has_registered_attribute("v_reset"):
                raise ValueError(
                    f"{self._label}: reset_mode='to_value' needs the 'v_reset' parameter, which is "
                    f"registered at construction; build the module with reset_mode='to_value'."
                )
        elif name == "integration":
            check_mode(self._label, name, value, INTEGRATIONS)
        return super()._convert_static(name, value)

    def _reset_target(self) -> Any:
        """``v_reset`` for ``reset_mode="to_value"``, else ``None`` (subtractive reset)."""
        if self.reset_mode == "to_value":
            if not self._has_registered_attribute("v_reset"):
                raise ValueError(
                    f"{self._label}: reset_mode='to_value' needs the 'v_reset' parameter, which is "
                    f"registered at construction; build the module with reset_mode='to_value'."
                )
            return self.v_reset
        check_mode(self._label, "reset_mode", self.reset_mode, RESET_MODES)
        return None

    def _check_input(self, input_data: Any) -> Any:
        data = super()._check_input(input_data)
        if self.spiking_input and self._is_concrete(data):
            check_spike_input(self._label, data)
        return data


class LIF(_LIFBase):
    r"""Leaky integrate-and-fire spiking neurons with exponential synapses (NumPy backend, float64).

    Same model, equations and attributes as :class:`~rockpool.nn.modules.LIFJax` (see
    ``_LIFBase``). The module keeps its state between calls (NumPy modules update in place). Noise
    is drawn with NumPy, seeded from the ``rng_key`` state (so it differs from the JAX twin's
    noise).

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import LIF
        >>> lif = LIF(1, tau_mem=0.02, tau_syn=0.02)
        >>> out, state, rec = lif(np.full((100, 1), 2.0))
        >>> int(out.sum()) > 0
        True
    """

    def __init__(
        self,
        shape: Union[int, Tuple[int, ...]],
        tau_mem: Any = None,
        tau_syn: Any = None,
        bias: Any = None,
        threshold: Any = None,
        has_rec: bool = False,
        w_rec: Any = None,
        weight_init_func: Optional[Callable[[Tuple[int, ...]], Any]] = None,
        noise_std: float = 0.0,
        dt: float = 1e-3,
        max_spikes_per_dt: Any = 2**16,
        spiking_input: bool = False,
        spiking_output: bool = True,
        rng_key: Any = None,
        reset_mode: str = "subtract",
        v_reset: Any = None,
        integration: str = "exp",
    ):
        """Arguments as for :class:`~rockpool.nn.modules.LIFJax` (no surrogate: NumPy does not train)."""
        self._init_lif(
            shape, tau_mem, tau_syn, bias, threshold, has_rec, w_rec, weight_init_func, noise_std,
            dt, max_spikes_per_dt, spiking_input, spiking_output, rng_key, None, reset_mode, v_reset,
            integration,
        )

    def evolve(self, input_data: Array, record: bool = False) -> Tuple[Array, Dict, Dict]:
        """Evolve over ``(T, Nin)`` or ``(B, T, Nin)`` input; returns ``(spikes, new_state, record)``."""
        n_out, n_syn = self.shape[-1], self.n_syn
        data, (s, i, v) = self._auto_batch(
            np.asarray(input_data, dtype=np.float64), (self.spikes, self.isyn, self.vmem)
        )
        s, i, v = (np.array(z, dtype=np.float64) for z in (s, i, v))
        B, T = data.shape[:2]
        x = data.reshape(B, T, n_out, n_syn)
        integ = check_mode(self._label, "integration", self.integration, INTEGRATIONS)
        a, b = decays(self.dt, np.asarray(self.tau_syn), np.asarray(self.tau_mem), integ)
        v_reset = self._reset_target()
        v_reset = None if v_reset is None else np.asarray(v_reset, dtype=np.float64)
        euler = integ == "euler"
        th, bias = np.asarray(self.threshold), np.asarray(self.bias)
        w_rec = np.asarray(self.w_rec) if self.has_rec else None

        # - The key advances on every evolve, as in LIFJax; noise is drawn only when there is noise
        rng = np.random.default_rng(np.asarray(self.rng_key, dtype=np.uint32))
        new_key, noise = rng.integers(0, 2**32, size=2, dtype=np.uint32), None
        if np.any(np.asarray(self.noise_std) > 0):
            noise = rng.standard_normal((B, T, n_out)) * (self.noise_std * np.sqrt(self.dt))

        spikes = np.zeros((B, T, n_out))
        if record:
            irec = np.zeros((B, T, n_out, n_syn))
            isyn = np.zeros((B, T, n_out, n_syn))
            vmem = np.zeros((B, T, n_out))
        for t in range(T):
            inp = x[:, t]
            if w_rec is not None:
                r = (s @ w_rec).reshape(B, n_out, n_syn)
                inp = inp + r
            i = i * a + inp if euler else (i + inp) * a
            v = v * b + i.sum(-1) + bias
            if noise is not None:
                v = v + noise[:, t]
            s = _spike_count(v, th, self.max_spikes_per_dt)
            v = v - s * th if v_reset is None else np.where(s > 0, v_reset, v)
            spikes[:, t] = s
            if record:
                if w_rec is not None:
                    irec[:, t] = r
                isyn[:, t], vmem[:, t] = i, v

        new_state = {"spikes": s[0], "isyn": i[0], "vmem": v[0], "rng_key": new_key}
        rec = {"irec": irec, "isyn": isyn, "vmem": vmem, "spikes": spikes} if record else {}
        return spikes, new_state, rec
