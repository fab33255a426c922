"""Weight layer (:class:`Linear`) and instantaneous function layer (:class:`Instant`), NumPy backend.

Also holds the backend-independent specification of both layers (:class:`_LinearBase`,
:class:`_InstantBase`: arguments, shape checks, registered attributes), shared with the JAX twins
:class:`~rockpool.nn.modules.LinearJax` and :class:`~rockpool.nn.modules.InstantJax`. Importing this
file never imports JAX.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple, Union

import numpy as np

from rockpool.nn.modules.module import Module, shape_tuple
from rockpool.parameters import Parameter, SimulationParameter

__all__ = ["Linear", "Instant", "kaiming", "uniform_sqrt"]


def kaiming(shape: Tuple[int, ...]) -> np.ndarray:
    r"""Kaiming (He) uniform initialisation: :math:`U[\pm\sqrt{6 / N_{in}}]`, ``N_in = shape[0]``.

    Example:
        >>> w = kaiming((4, 3))
        >>> w.shape, bool(np.all(np.abs(w) <= np.sqrt(6 / 4)))
        ((4, 3), True)
    """
    lim = np.sqrt(6.0 / shape[0])
    return np.random.uniform(-lim, lim, shape)


def uniform_sqrt(shape: Tuple[int, ...]) -> np.ndarray:
    r"""Uniform initialisation :math:`U[\pm\sqrt{1 / N}]` with ``N = shape[-1]`` (biases of ``Linear``).

    Example:
        >>> b = uniform_sqrt((4,))
        >>> b.shape, bool(np.all(np.abs(b) <= 0.5))
        ((4,), True)
    """
    lim = np.sqrt(1.0 / shape[-1])
    return np.random.uniform(-lim, lim, shape)


def _identity(x: Any) -> Any:
    """The identity function (module level, so identical modules share one compiled evolve)."""
    return x


def _linear_shape(cls: str, shape: Any, weight: Any) -> Tuple[int, int]:
    """``(Nin, Nout)`` from ``shape`` or the shape of a concrete ``weight``; else ``ValueError``."""
    if shape is None and weight is not None:
        shape = np.shape(getattr(weight, "value", weight))
    if shape is not None:
        shape = shape_tuple(cls, shape)
    if shape is None or len(shape) != 2:
        raise ValueError(
            f"{cls}: shape must be a 2-tuple (Nin, Nout), got {shape!r}. "
            f"E.g. {cls}((3, 4)) maps 3 input channels to 4 outputs."
        )
    n_in, n_out = shape
    return int(n_in), int(n_out)


class _LinearBase(Module):
    r"""A linear weight layer :math:`y = x W + b` (stateless); the spec shared by both backends.

    The output is ``input @ weight (+ bias)`` with the array library's matmul rules, so it keeps
    the input's rank: ``(B, T, Nin) -> (B, T, Nout)``, ``(T, Nin) -> (T, Nout)``, a single sample
    ``(Nin,) -> (Nout,)``, and a scalar ``x`` gives ``x * weight`` ``(Nin, Nout)``. Each time step
    is mapped independently. A width-1 input is broadcast to all ``Nin`` channels; any other width
    is a ``ValueError`` naming the module.

    Attributes:
        weight: ``(Nin, Nout)`` weights (Parameter, family ``"weights"``), initialised by
            ``weight_init_func`` (default :func:`kaiming`: uniform in ``+-sqrt(6 / Nin)``).
        bias: ``(Nout,)`` biases (Parameter, family ``"biases"``, only when ``has_bias``),
            initialised by ``bias_init_func`` (default :func:`uniform_sqrt`: uniform in
            ``+-sqrt(1 / Nout)``). Without a bias, ``bias`` is the plain integer ``0`` (not a
            registered attribute, so ``parameters()`` holds only ``weight``).
    """

    _input_rule = "weights"

    def __init__(
        self,
        shape: Optional[Tuple[int, int]] = None,
        weight: Any = None,
        bias: Any = None,
        has_bias: bool = False,
        weight_init_func: Callable[[Tuple[int, ...]], Any] = kaiming,
        bias_init_func: Callable[[Tuple[int, ...]], Any] = uniform_sqrt,
        spiking_input: bool = False,
        spiking_output: bool = False,
    ):
        """
        Args:
            shape: ``(Nin, Nout)``; inferred from a concrete ``weight`` when ``None``.
            weight: Concrete ``(Nin, Nout)`` initial weights (default: ``weight_init_func(shape)``).
            bias: Concrete ``(Nout,)`` (or scalar) initial bias; giving it implies ``has_bias``.
            has_bias: Whether the layer has a bias (default ``False``).
            weight_init_func: Called with ``(Nin, Nout)``; returns the initial weights.
            bias_init_func: Called with ``(Nout,)``; returns the initial biases.
            spiking_input: Whether the input is spiking.
            spiking_output: Whether the output is spiking.
        """
        shape = _linear_shape(type(self).__name__, shape, weight)
        super().__init__(shape=shape, spiking_input=spiking_input, spiking_output=spiking_output)
        n_in, n_out = shape
        for what, fn in (("weight_init_func", weight_init_func), ("bias_init_func", bias_init_func)):
            if not callable(fn):
                raise ValueError(f"{self._label}: `{what}` must be callable (shape -> array), got {fn!r}.")
        self.weight = Parameter(weight, "weights", init_func=weight_init_func, shape=shape)
        if bias is not None or has_bias:
            self.bias = Parameter(bias, "biases", init_func=bias_init_func, shape=(n_out,))
        else:
            self.bias = 0  # a plain attribute, as documented: no bias parameter

    @property
    def has_bias(self) -> bool:
        """Whether this layer has a bias."""
        return self._has_registered_attribute("bias")


class Linear(_LinearBase):
    r"""A linear weight layer ``y = x W + b`` (NumPy backend, float64; stateless).

    The model, arguments and attributes are those of :class:`_LinearBase` (shared with
    :class:`~rockpool.nn.modules.LinearJax`): ``weight`` ``(Nin, Nout)`` (family ``"weights"``) and
    an optional ``bias`` ``(Nout,)`` (family ``"biases"``). The output keeps the input's rank.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import Linear
        >>> lin = Linear((3, 2), weight=np.ones((3, 2)))
        >>> lin(np.ones((4, 3)))[0].shape
        (4, 2)
    """

    def evolve(self, input_data: np.ndarray, record: bool = False) -> Tuple[np.ndarray, Dict, Dict]:
        """Return ``(input_data @ weight + bias, {}, {})``, keeping the input's rank."""
        x = np.asarray(input_data, dtype=np.float64)
        y = x * self.weight if x.ndim == 0 else x @ self.weight
        if self.has_bias:
            y = y + self.bias
        return y, {}, {}


class _InstantBase(Module):
    r"""Apply a function instantaneously: :math:`y(t) = f(x(t))` (stateless); the shared spec.

    The input is made ``(B, T, N)`` like that of the neuron modules (``(T, N)`` is batch 1; a scalar
    or a width-1 input is broadcast to all channels; a 1-D input is time) and the output is
    ``(B, T, N)``: ``function`` is applied to the whole ``(B, T, N)`` block at once and is expected
    to be elementwise or at least shape-preserving. Integer and boolean inputs are cast to float.

    Attributes:
        function: The function (SimulationParameter, static), default the identity.
    """

    _example_function = "np.tanh"  # named in the error for a non-callable `function`
    _input_rule = "neurons"

    def __init__(
        self,
        shape: Optional[Union[int, Tuple[int, ...]]] = None,
        function: Callable[[Any], Any] = _identity,
        spiking_input: bool = False,
        spiking_output: bool = False,
    ):
        """
        Args:
            shape: Number of channels ``N`` (an int or a tuple).
            function: Function applied to the input array (written with the backend's array
                library: ``numpy`` or ``jax.numpy``); default the identity.
            spiking_input: Whether the input is spiking.
            spiking_output: Whether the output is spiking.
        """
        if shape is None:
            raise ValueError(f"{type(self).__name__}: give `shape` (the number of channels N).")
        super().__init__(shape=shape, spiking_input=spiking_input, spiking_output=spiking_output)
        if not callable(function):
            raise ValueError(
                f"{self._label}: `function` must be callable (e.g. {self._example_function}), "
                f"got {function!r}."
            )
        self.function = SimulationParameter(function)


class Instant(_InstantBase):
    r"""Apply a function instantaneously: ``y(t) = function(x(t))`` (NumPy backend; stateless).

    Arguments and attributes as in :class:`_InstantBase` (shared with
    :class:`~rockpool.nn.modules.InstantJax`). Integer and boolean inputs are cast to float64.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import Instant
        >>> Instant(3, np.tanh)(np.zeros((2, 3)))[0]
        array([[[0., 0., 0.],
                [0., 0., 0.]]])
    """

    def evolve(self, input_data: np.ndarray, record: bool = False) -> Tuple[np.ndarray, Dict, Dict]:
        """Return ``(function(input_data), {}, {})`` with the input made ``(B, T, N)``."""
        data, _ = self._auto_batch(np.asarray(input_data, dtype=np.float64))
        return self.function(data), {}, {}
