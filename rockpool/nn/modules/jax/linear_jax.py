"""JAX weight layer (:class:`LinearJax`) and instantaneous function layer (:class:`InstantJax`)."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple, Union

import jax.numpy as jnp
import numpy as np

from rockpool.nn.modules.jax.jax_module import JaxModule, _float_dtype
from rockpool.parameters import Parameter, SimulationParameter

__all__ = ["LinearJax", "InstantJax"]

Array = Any


def _identity(x: Any) -> Any:
    """The identity function (module level, so identical modules share one compiled evolve)."""
    return x


def _linear_shape(cls: str, shape: Any, weight: Any) -> Tuple[int, int]:
    """``(Nin, Nout)`` from ``shape`` or the shape of a concrete ``weight``; else ``ValueError``."""
    if shape is None and weight is not None:
        shape = np.shape(getattr(weight, "value", weight))
    if shape is None or isinstance(shape, (int, np.integer)) or len(tuple(shape)) != 2:
        raise ValueError(
            f"{cls}: shape must be a 2-tuple (Nin, Nout), got {shape!r}. "
            f"E.g. {cls}((3, 4)) maps 3 input channels to 4 outputs."
        )
    return tuple(int(s) for s in shape)  # type: ignore[return-value]


class LinearJax(JaxModule):
    r"""A linear weight layer :math:`y = x W + b` (JAX backend; stateless).

    ``x`` has shape ``(T, Nin)`` or ``(B, T, Nin)``; the output keeps the input's rank:
    ``(T, Nout)`` or ``(B, T, Nout)``. Each time step is mapped independently, as one matrix
    product over all rows. Bool/int inputs (spikes) are cast to float32 (float64 under
    ``jax_enable_x64``). Same maths as the NumPy twin :class:`~rockpool.nn.modules.Linear`.

    Attributes:
        weight: ``(Nin, Nout)`` weights (Parameter, family ``"weights"``), initialised uniformly in
            ``[-sqrt(6 / Nin), sqrt(6 / Nin)]``.
        bias: ``(Nout,)`` biases (Parameter, family ``"biases"``; only when ``has_bias``),
            initialised uniformly in ``[-sqrt(1 / Nout), sqrt(1 / Nout)]``.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import LinearJax
        >>> lin = LinearJax((3, 2), weight=np.ones((3, 2)))
        >>> lin(np.ones((4, 3)))[0].shape
        (4, 2)
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
        r"""
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
        return "bias" in self._registry

    def evolve(self, input_data: Array, record: bool = False) -> Tuple[Array, Dict, Dict]:
        """Return ``(input_data @ weight + bias, {}, {})``, keeping the input's rank."""
        y = jnp.asarray(input_data, dtype=_float_dtype()) @ self.weight
        if self.has_bias:
            y = y + self.bias
        return y, {}, {}


class InstantJax(JaxModule):
    r"""Apply a function instantaneously: :math:`y(t) = f(x(t))` (JAX backend; stateless).

    ``x`` has shape ``(T, N)`` or ``(B, T, N)``; like :class:`LinearJax`, the output keeps the
    input's rank (``function`` is applied to the whole input array at once and should be
    elementwise, or at least shape-preserving, and written with ``jax.numpy``). Bool/int inputs
    are cast to float. Same maths as the NumPy twin :class:`~rockpool.nn.modules.Instant`.

    Attributes:
        function: The function (SimulationParameter, static), default the identity.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> from rockpool.nn.modules import InstantJax
        >>> InstantJax(3, jnp.tanh)(np.zeros((2, 3)))[0].shape
        (2, 3)
    """

    def __init__(
        self,
        shape: Optional[Union[int, Tuple[int, ...]]] = None,
        function: Callable[[Array], Array] = _identity,
        spiking_input: bool = False,
        spiking_output: bool = False,
    ):
        r"""
        Args:
            shape: Number of channels ``N`` (an int or a tuple).
            function: Function applied to the input array (use ``jax.numpy``); default identity.
            spiking_input: Whether the input is spiking.
            spiking_output: Whether the output is spiking.
        """
        if shape is None:
            raise ValueError(f"{type(self).__name__}: give `shape` (the number of channels N).")
        super().__init__(shape=shape, spiking_input=spiking_input, spiking_output=spiking_output)
        if not callable(function):
            raise ValueError(
                f"{self._label}: `function` must be callable (e.g. jnp.tanh), got {function!r}."
            )
        self.function = SimulationParameter(function)

    def evolve(self, input_data: Array, record: bool = False) -> Tuple[Array, Dict, Dict]:
        """Return ``(function(input_data), {}, {})``, keeping the input's rank."""
        return self.function(jnp.asarray(input_data, dtype=_float_dtype())), {}, {}
