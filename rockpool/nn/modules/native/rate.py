"""NumPy rate neurons (:class:`Rate`), the native twin of :class:`~rockpool.nn.modules.RateJax`.

Also holds the backend-independent specification of the model (:class:`_RateBase`: equations,
arguments, registered attributes) and the activation-name lookup, shared with the JAX twin.
Importing this file never imports JAX.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple, Union

import numpy as np

from rockpool.nn.modules.module import Module
from rockpool.nn.modules.native.exp_syn import channel_shape
from rockpool.parameters import Parameter, SimulationParameter, State

__all__ = ["Rate", "relu", "sigmoid", "tanh", "get_activation"]


def relu(x: np.ndarray, threshold: Any) -> np.ndarray:
    """Rectified linear activation ``(x - threshold) * (x - threshold > 0)``."""
    y = x - threshold
    return y * (y > 0)


def sigmoid(x: np.ndarray, threshold: Any) -> np.ndarray:
    """Sigmoid activation ``(tanh(x - threshold) + 1) / 2``."""
    return (np.tanh(x - threshold) + 1) / 2


def tanh(x: np.ndarray, threshold: Any) -> np.ndarray:
    """Hyperbolic tangent activation ``tanh(x - threshold)``."""
    return np.tanh(x - threshold)


def activation_table(relu: Callable, sigmoid: Callable, tanh: Callable) -> Dict[str, Callable]:
    """The accepted activation names (any case) mapped to a backend's three activations."""
    return {"relu": relu, "r": relu, "sigmoid": sigmoid, "sig": sigmoid, "s": sigmoid, "tanh": tanh, "t": tanh}


_ACTIVATIONS = activation_table(relu, sigmoid, tanh)


def get_activation(
    activation_func: Union[str, Callable],
    owner: str = "Rate",
    activations: Optional[Dict[str, Callable]] = None,
) -> Callable:
    """Resolve an activation given as a callable ``f(x, threshold)`` or a case-insensitive name.

    Args:
        activation_func: A callable ``f(x, threshold)``, or one of ``relu``/``r``,
            ``sigmoid``/``sig``/``s``, ``tanh``/``t`` (any case).
        owner: Module label used in the error message.
        activations: The name table (default: the NumPy activations of this file).

    Raises:
        ValueError: for an unknown name (the message lists the accepted names).
    """
    table = _ACTIVATIONS if activations is None else activations
    if callable(activation_func):
        return activation_func
    if isinstance(activation_func, str) and activation_func.lower() in table:
        return table[activation_func.lower()]
    raise ValueError(
        f"{owner}: unknown activation_func {activation_func!r}. Accepted names (any case): "
        f"{', '.join(table)}; or pass a callable f(x, threshold)."
    )


def _rate_shape(cls: str, shape: Any, arrays: Tuple[Any, ...]) -> Tuple[int]:
    """``(N,)`` from an int, a 1-tuple (or a square 2-tuple), or the first concrete array given."""
    if shape is None:
        for a in arrays:
            if a is not None and np.ndim(getattr(a, "value", a)) > 0:
                return (int(np.shape(getattr(a, "value", a))[0]),)
        raise ValueError(
            f"{cls}: give `shape` (the number of neurons N), or a concrete tau/bias/threshold/w_rec array."
        )
    return channel_shape(cls, shape, "rate neurons have as many inputs as outputs")


class _RateBase(Module):
    r"""Leaky rate neurons, simulated with forward Euler (the spec shared by both backends).

    For each neuron, per time step ``t`` of length ``dt`` (seconds)::

        rec(t)  = H(x(t-1)) @ W_rec                      # only when has_rec; else rec = 0
        dx      = -x(t-1) + i(t) + rec(t) + bias + n(t)
        x(t)    = x(t-1) + dx * dt / tau
        out(t)  = H(x(t)) = act_fn(x(t), threshold)

    i.e. :math:`\tau \dot{x} = -x + i(t) + W_{rec}^T H(x) + b + \eta(t)` with ``H`` the
    activation. ``W_rec[j, k]`` is the weight from neuron ``j`` to neuron ``k`` (row-vector
    convention, as in :class:`Linear`). The state starts at ``x = 0``.

    Noise convention (``noise_std``, the standard deviation after one second): ``n(t)`` is white
    noise scaled so that its contribution to ``x`` in one step is ``noise_std * sqrt(dt) * N(0, 1)``,
    i.e. ``n(t) = noise_std * tau / sqrt(dt) * N(0, 1)``. Without the leak, ``x`` diffuses with
    standard deviation ``noise_std`` after one second, independently of ``dt`` and ``tau``; with
    the leak, ``x`` is an Ornstein-Uhlenbeck process with stationary std
    ``noise_std * sqrt(dt / (1 - (1 - dt/tau)^2)) ~= noise_std * sqrt(tau / 2)``. Nothing random
    is computed when ``noise_std == 0``.

    Activations ``H`` (``activation_func``; a callable ``f(x, threshold)`` or a case-insensitive
    name): ``relu``/``r`` -> ``(x - th) * (x - th > 0)`` (default); ``sigmoid``/``sig``/``s`` ->
    ``(tanh(x - th) + 1) / 2``; ``tanh``/``t`` -> ``tanh(x - th)``.

    Inputs have shape ``(T, N)`` or ``(B, T, N)`` (bool/int inputs are cast); the output has
    shape ``(B, T, N)``.

    Attributes:
        tau: ``(N,)`` time constants in seconds (Parameter, family ``"taus"``, default 0.02).
        bias: ``(N,)`` bias inputs (Parameter, family ``"bias"``, default 0).
        threshold: ``(N,)`` activation thresholds (Parameter, family ``"thresholds"``, default 0).
        w_rec: ``(N, N)`` recurrent weights (Parameter, family ``"weights"``; only when ``has_rec``;
            default ``N(0, 1) / sqrt(N)``).
        rng_key: PRNG key, uint32 ``(2,)`` (State; JAX backend only, registered before ``x``).
        x: ``(N,)`` neuron state (State).
        dt: time step in seconds (SimulationParameter, default 1e-3).
        noise_std: noise level (SimulationParameter, default 0.0).
        act_fn: the activation ``f(x, threshold)`` (SimulationParameter).

    Records (``record=True``): ``rec_input`` and ``x``, each ``(B, T, N)`` (``rec_input`` is zero
    without recurrence). With ``record=False`` the record is ``{}``.
    """

    _positive_attributes = ("tau",)
    _time_constants = ("tau",)
    _dt_ratio = 10.0  # forward Euler is only accurate for dt << tau
    _input_rule = "neurons"
    _activations: Dict[str, Callable] = _ACTIVATIONS  # the backend's activation names

    def _init_rate(
        self,
        shape: Optional[Union[int, Tuple[int, ...]]],
        tau: Any,
        bias: Any,
        threshold: Any,
        w_rec: Any,
        has_rec: bool,
        activation_func: Union[str, Callable],
        noise_std: float,
        dt: float,
        spiking_input: bool,
        spiking_output: bool,
        rng_key: Any = None,
    ) -> None:
        """Initialise the module (the arguments are documented on the public ``__init__``)."""
        n = _rate_shape(type(self).__name__, shape, (tau, bias, threshold, w_rec))[0]
        super().__init__(shape=(n,), spiking_input=spiking_input, spiking_output=spiking_output)

        self.tau = Parameter(tau, "taus", init_func=lambda s: np.full(s, 0.02), shape=(n,))
        self.bias = Parameter(bias, "bias", init_func=np.zeros, shape=(n,))
        self.threshold = Parameter(threshold, "thresholds", init_func=np.zeros, shape=(n,))
        if w_rec is not None or has_rec:
            self.w_rec = Parameter(
                w_rec,
                "weights",
                init_func=lambda s: np.random.standard_normal(s) / np.sqrt(s[0]),
                shape=(n, n),
            )
        self._init_rng(rng_key)
        self.x = State(shape=(n,), init_func=np.zeros)

        self.dt = SimulationParameter(float(dt))
        self.noise_std = SimulationParameter(float(noise_std))
        self.act_fn = SimulationParameter(get_activation(activation_func, self._label, self._activations))

    def _convert_static(self, name: str, value: Any) -> Any:
        if name == "act_fn":  # `mod.act_fn = "tanh"` works like activation_func="tanh"
            return get_activation(value, self._label, self._activations)
        return value

    def _init_rng(self, rng_key: Any) -> None:  # noqa: B027 (a hook: NumPy noise uses the global RNG)
        """Register a random key state (backend hook; none for NumPy)."""

    @property
    def has_rec(self) -> bool:
        """Whether this module has recurrent weights ``w_rec``."""
        return self._has_registered_attribute("w_rec")


class Rate(_RateBase):
    r"""Leaky rate neurons, simulated with forward Euler (NumPy backend, float64).

    Equations, noise convention, activations, attributes and records as in ``_RateBase`` (shared
    with :class:`~rockpool.nn.modules.RateJax`)::

        dx = -x + i(t) + H(x) @ W_rec + bias + n(t);   x += dx * dt / tau;   out = H(x)

    Noise is drawn from NumPy's global generator, only when ``noise_std > 0``. The module keeps
    its state between calls (``x`` of batch element 0).

    Short time constants: forward Euler diverges when ``dt`` approaches ``tau``, so this module
    integrates with an effective time constant of at least ``10 * dt``, per neuron:
    ``x += dx * dt / max(tau, 10 * dt)``. The stored ``tau`` is unchanged. ``Rate(5, dt=1)``
    (``tau`` 0.02 s) therefore behaves as ``tau = 10`` s and stays finite (constant input 1 gives
    0.1, 0.19, 0.271, ...); a ``RockpoolWarning`` says so when such a ``tau`` or ``dt`` is set.
    (:class:`~rockpool.nn.modules.RateJax` does not clip; it warns that it will be unstable.)

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import Rate
        >>> mod = Rate(4)
        >>> print(mod)
        Rate  with shape (4,)
        >>> out, state, rec = mod(np.ones((5, 4)), record=True)
        >>> out.shape, sorted(rec)
        ((1, 5, 4), ['rec_input', 'x'])
    """

    _short_time_constant_note = (
        "Rate integrates with max({name}, {limit:g} s) per neuron (the stored {name} is "
        "unchanged), so the simulation stays stable but slower than {name}. Use a smaller dt for "
        "the dynamics of {name}."
    )

    def __init__(
        self,
        shape: Optional[Union[int, Tuple[int, ...]]] = None,
        tau: Any = None,
        bias: Any = None,
        threshold: Any = None,
        w_rec: Any = None,
        has_rec: bool = False,
        activation_func: Union[str, Callable] = "relu",
        noise_std: float = 0.0,
        dt: float = 1e-3,
        spiking_input: bool = False,
        spiking_output: bool = False,
    ):
        """
        Args:
            shape: Number of neurons ``N`` (an int or ``(N,)``); inferred from a concrete
                ``tau``/``bias``/``threshold``/``w_rec`` array when ``None``.
            tau: Time constants in seconds (scalar or ``(N,)``); default 0.02.
            bias: Bias (scalar or ``(N,)``); default 0.
            threshold: Activation threshold (scalar or ``(N,)``); default 0.
            w_rec: Concrete ``(N, N)`` recurrent weights. Giving it implies ``has_rec=True``.
            has_rec: Whether the neurons have recurrent connections ``w_rec``.
            activation_func: Callable ``f(x, threshold)`` or a name (see class docstring).
            noise_std: Noise std after one second (see class docstring); 0 disables noise.
            dt: Time step in seconds.
            spiking_input: Whether the input is spiking.
            spiking_output: Whether the output is spiking.
        """
        self._init_rate(
            shape, tau, bias, threshold, w_rec, has_rec, activation_func, noise_std, dt,
            spiking_input, spiking_output,
        )

    def evolve(
        self, input_data: np.ndarray, record: bool = False
    ) -> Tuple[np.ndarray, Dict[str, np.ndarray], Dict[str, np.ndarray]]:
        """Evolve over ``(T, N)`` or ``(B, T, N)`` input; return ``(output, new_state, record)``."""
        data, (x,) = self._auto_batch(np.asarray(input_data, dtype=np.float64), (self.x,))
        x = np.array(x, dtype=np.float64)  # a writable (B, N) copy
        batches, steps, n = data.shape
        act: Callable = self.act_fn  # type: ignore[assignment]
        th = self.threshold
        # - Forward Euler is unstable for dt ~ tau: integrate with at least 10 dt (see the class doc)
        alpha = self.dt / np.maximum(self.tau, self._dt_ratio * self.dt)
        has_rec = self.has_rec
        w_rec = self.w_rec if has_rec else None

        # - Work that does not depend on the state is done on the whole block
        drive = data + self.bias
        if np.any(np.asarray(self.noise_std) > 0):
            noise = self.noise_std * np.sqrt(self.dt) * np.random.standard_normal(data.shape)
        else:
            noise = None

        outputs = np.empty((batches, steps, n))
        rec_inputs = np.zeros((batches, steps, n) if record else (0, 0, 0))
        xs = np.empty((batches, steps, n) if record else (0, 0, 0))
        h = act(x, th)
        for t in range(steps):
            dx = drive[:, t] - x
            if has_rec:
                rec = h @ w_rec
                dx = dx + rec
                if record:
                    rec_inputs[:, t] = rec
            x = x + dx * alpha
            if noise is not None:
                x = x + noise[:, t]
            h = act(x, th)
            outputs[:, t] = h
            if record:
                xs[:, t] = x

        rec_dict = {"rec_input": rec_inputs, "x": xs} if record else {}
        return outputs, {"x": x[0]}, rec_dict
