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

__all__ = ["Linear", "Instant"]


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

    ``x`` has shape ``(T, Nin)`` or ``(B, T, Nin)``; the output keeps the input's rank:
    ``(T, Nout)`` or ``(B, T, Nout)``. Each time step is mapped independently.

    Attributes:
        weight: ``(Nin, Nout)`` weights (Parameter, family ``"weights"``), initialised uniformly in
            ``[-sqrt(6 / Nin), sqrt(6 / Nin)]``.
        bias: ``(Nout,)`` biases (Parameter, family ``"biases"``; only when ``has_bias``),
            initialised uniformly in ``[-sqrt(1 / Nout), sqrt(1 / Nout)]``.
    """

    def __init__(
        self,
        shape: Optional[Tuple[int, int]] = None,
        weight: Any = None,
        bias: Any = None,
        has_bias: bool = False,
        spiking_input: bool = False,
        spiking_output: bool = False,
    ):
        """
        Args:
            shape: ``(Nin, Nout)``; inferred from a concrete ``weight`` when ``None``.
            weight: Concrete ``(Nin, Nout)`` initial weights (default: random, see above).
            bias: Concrete ``(Nout,)`` (or scalar) initial bias; giving it implies ``has_bias``.
            has_bias: Whether the layer has a bias.
            spiking_input: Whether the input is spiking.
            spiking_output: Whether the output is spiking.
        """
        shape = _linear_shape(type(self).__name__, shape, weight)
        super().__init__(shape=shape, spiking_input=spiking_input, spiking_output=spiking_output)
        n_in, n_out = shape
        w_lim = np.sqrt(6.0 / n_in)
        self.weight = Parameter(
            weight, "weights", init_func=lambda s: np.random.uniform(-w_lim, w_lim, s), shape=shape
        )
        if bias is not None or has_bias:
            b_lim = np.sqrt(1.0 / n_out)
            self.bias = Parameter(
                bias, "biases", init_func=lambda s: np.random.uniform(-b_lim, b_lim, s), shape=(n_out,)
            )

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
        y = np.asarray(input_data, dtype=np.float64) @ self.weight
        if self.has_bias:
            y = y + self.bias
        return y, {}, {}


class _InstantBase(Module):
    r"""Apply a function instantaneously: :math:`y(t) = f(x(t))` (stateless); the shared spec.

    ``x`` has shape ``(T, N)`` or ``(B, T, N)``; like the linear layers, the output keeps the
    input's rank (``function`` is applied to the whole input array at once and is expected to be
    elementwise or at least shape-preserving). Integer and boolean inputs are cast to float.

    Attributes:
        function: The function (SimulationParameter, static), default the identity.
    """

    _example_function = "np.tanh"  # named in the error for a non-callable `function`

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
        array([[0., 0., 0.],
               [0., 0., 0.]])
    """

    def evolve(self, input_data: np.ndarray, record: bool = False) -> Tuple[np.ndarray, Dict, Dict]:
        """Return ``(function(input_data), {}, {})``, keeping the input's rank."""
        return self.function(np.asarray(input_data, dtype=np.float64)), {}, {}
