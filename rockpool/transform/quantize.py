"""Stochastic quantisation wrappers: :func:`StochasticQuantize`, :class:`JaxStochasticQuantize`,
:class:`ModStochasticQuantize`.

Unbiased stochastic rounding of the selected parameters to the grid ``scale * k`` (integers by
default): ``q = scale * (floor(x / scale) + Bernoulli(x / scale - floor(x / scale)))``, so 2.3
becomes 2 with probability 0.7 and 3 with probability 0.3, and ``E[q] = x``. ``transform_params``
is accepted and ignored (as in the reference). With ``families=None`` every parameter is rounded,
time constants included (0.02 -> 0 or 1): pass ``families="weights"``. To quantise to ``b`` bits,
choose ``scale = max|w| / (2**(b-1) - 1)``.

The gradient through the rounding is zero by default (as in the reference);
``straight_through=True`` (ours) passes it through unchanged, the usual choice for
quantisation-aware training.

Example:
    >>> import jax.numpy as jnp
    >>> from rockpool.nn.modules import LinearJax
    >>> q = StochasticQuantize(LinearJax((2, 2), weight=jnp.full((2, 2), 2.3)), "weights", rng_key=0)
    >>> sorted(set(q.transformed_parameters()["module"]["weight"].ravel().tolist())) <= [2.0, 3.0]
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rockpool.nn.modules.jax.jax_module import JaxModule
from rockpool.nn.modules.module import Module
from rockpool.transform.functional import round_leaf
from rockpool.transform.param_transformer import JaxParameterTransformerMixin, ParameterTransformerMixin

__all__ = ["StochasticQuantize", "JaxStochasticQuantize", "ModStochasticQuantize"]


def _check_scale(cls: str, scale: Any) -> float:
    try:
        scale = float(scale)
    except (TypeError, ValueError):
        raise ValueError(
            f"{cls}: 'scale' (the grid step) must be one positive number (got {scale!r:.60})."
        ) from None
    if not scale > 0:
        raise ValueError(f"{cls}: 'scale' (the grid step) must be > 0 (got {scale}).")
    return scale


class ModStochasticQuantize(ParameterTransformerMixin, Module):
    """Stochastic rounding of a NumPy module's parameters (NumPy's global RNG, fresh on each call).

    Args:
        module: The module to wrap.
        families: Families to round (``None``: all parameters).
        transform_params: Ignored.
        scale: Grid step (default 1).

    Example:
        >>> from rockpool.nn.modules import Linear
        >>> q = ModStochasticQuantize(Linear((3, 3), weight=np.full((3, 3), -0.7)), "weights")
        >>> set(q.transformed_parameters()["module"]["weight"].ravel()) <= {-1.0, 0.0}
        True
    """

    def __init__(self, module: Any, families: Any = None, transform_params: Any = None, scale: float = 1.0):
        super().__init__(module, families, transform_params)
        self.scale = _check_scale(type(self).__name__, scale)

    def _transform(self, param: Any, tf_params: Any) -> Any:
        x = np.asarray(param, dtype=float) / self.scale
        lo = np.floor(x)
        return (lo + (np.random.rand(*x.shape) < (x - lo))) * self.scale


class JaxStochasticQuantize(JaxParameterTransformerMixin, JaxModule):
    """Stochastic rounding of a JAX module's parameters, drawn from the ``rng_key`` state.

    Args:
        module: The JAX module to wrap.
        families: Families to round (``None``: all parameters).
        transform_params: Ignored.
        rng_key: Initial key.
        scale: Grid step (default 1).
        straight_through: Identity gradient through the rounding (default: zero gradient).

    Example:
        >>> import jax, jax.numpy as jnp
        >>> from rockpool.nn.modules import LinearJax
        >>> q = JaxStochasticQuantize(LinearJax((1, 1), weight=jnp.ones((1, 1)) * 0.3), "weights",
        ...                           rng_key=0, scale=0.25, straight_through=True)
        >>> loss = lambda p: q.set_attributes(p)(jnp.ones((1, 1)))[0].sum()
        >>> float(jax.grad(loss)(q.parameters())["module"]["weight"][0, 0])
        1.0
    """

    def __init__(self, module: Any, families: Any = None, transform_params: Any = None,
                 rng_key: Any = None, scale: float = 1.0, straight_through: bool = False):
        super().__init__(module, families, transform_params, rng_key)
        self.scale = _check_scale(type(self).__name__, scale)
        self.straight_through = bool(straight_through)

    def _transform_with_key(self, param: Any, tf_params: Any, key: Any) -> Any:
        return round_leaf(param, key, self.scale, self.straight_through)


def StochasticQuantize(mod: Any, *args: Any, **kwargs: Any) -> Any:
    """Wrap ``mod`` in stochastic quantisation: :class:`JaxStochasticQuantize` for a JAX module,
    else :class:`ModStochasticQuantize`.

    Example:
        >>> from rockpool.nn.modules import Linear
        >>> StochasticQuantize(Linear((2, 2))).class_name
        'ModStochasticQuantize'
    """
    if isinstance(mod, JaxModule):
        return JaxStochasticQuantize(mod, *args, **kwargs)
    return ModStochasticQuantize(mod, *args, **kwargs)
