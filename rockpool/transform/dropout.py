"""Parameter dropout wrappers: :func:`Dropout`, :class:`JaxDropout`, :class:`ModDropout`.

Each selected parameter element is set to 0 with probability ``p`` (``transform_params``, the
**drop** probability in both backends; ours: the reference's NumPy version read it as the keep
probability), kept otherwise, without rescaling unless ``scale_by_keep=True`` (inverted dropout).
Default ``p = 0.5`` (ours); ``p`` outside ``[0, 1)`` is a ``ValueError``. ``p = 0`` is a no-op
that draws nothing (the wrapper then costs nothing).

The JAX version draws one independent mask per leaf (ours; see
:mod:`rockpool.transform.param_transformer` for the key schedule), really applies it in
``evolve`` and crosses ``jax.jit`` / ``jax.grad`` / ``jax.vmap``; ``straight_through=True`` gives
the identity gradient.

Example:
    >>> import numpy as np
    >>> from rockpool.nn.modules import LinearJax
    >>> net = Dropout(LinearJax((4, 3)), families="weights", transform_params=0.5, rng_key=0)
    >>> print(net)
    JaxDropout(LinearJax 'module' with shape (4, 3))
    >>> out, state, _ = net(np.ones((10, 4)))
    >>> net = net.set_attributes(state)  # advances the key: the next call draws a new mask
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rockpool.nn.modules.jax.jax_module import JaxModule
from rockpool.nn.modules.module import Module
from rockpool.transform.functional import dropout_leaf
from rockpool.transform.param_transformer import JaxParameterTransformerMixin, ParameterTransformerMixin

__all__ = ["Dropout", "JaxDropout", "ModDropout"]


def _check_p(cls: str, p: Any) -> None:
    if isinstance(p, (int, float, np.number)) and not isinstance(p, bool):
        if not 0 <= float(p) < 1:
            raise ValueError(
                f"{cls}: the drop probability (transform_params) must be in [0, 1); got {p}. "
                f"E.g. transform_params=0.2 zeroes about 20 % of the selected parameters."
            )
    else:
        raise ValueError(f"{cls}: transform_params must be a number in [0, 1) (got {p!r}).")


class ModDropout(ParameterTransformerMixin, Module):
    """Parameter dropout around a NumPy module (fresh mask from NumPy's global RNG on each call).

    Args:
        module: The module to wrap.
        families: Families to drop (``None``: all parameters).
        transform_params: Drop probability ``p`` per family (default 0.5).
        scale_by_keep: Divide kept values by ``1 - p``.

    Example:
        >>> from rockpool.nn.modules import Linear
        >>> p = ModDropout(Linear((50, 40)), "weights", 0.25).transformed_parameters()
        >>> 0.2 < float((p["module"]["weight"] == 0).mean()) < 0.3
        True
    """

    _default_transform_params = 0.5

    def __init__(self, module: Any, families: Any = None, transform_params: Any = None,
                 scale_by_keep: bool = False):
        super().__init__(module, families, transform_params)
        self.scale_by_keep = bool(scale_by_keep)

    def _check_transform_param(self, tp: Any) -> None:
        _check_p(type(self).__name__, tp)

    def _transform(self, param: Any, tf_params: Any) -> Any:
        keep = np.random.rand(*np.shape(param)) >= tf_params
        kept = param / (1 - tf_params) if self.scale_by_keep else param
        return np.where(keep, kept, 0.0)


class JaxDropout(JaxParameterTransformerMixin, JaxModule):
    """Parameter dropout around a JAX module; the mask is drawn from the ``rng_key`` state.

    Args:
        module: The JAX module to wrap.
        families: Families to drop (``None``: all parameters).
        transform_params: Drop probability ``p`` per family (default 0.5).
        rng_key: Initial key.
        scale_by_keep: Divide kept values by ``1 - p`` (inverted dropout).
        straight_through: Identity gradient through the mask.

    Example:
        >>> import jax.numpy as jnp
        >>> from rockpool.nn.modules import LinearJax
        >>> d = JaxDropout(LinearJax((100, 10), weight=jnp.ones((100, 10))), "weights", 0.3, rng_key=1)
        >>> 0.25 < float((d.transformed_parameters()["module"]["weight"] == 0).mean()) < 0.35
        True
    """

    _default_transform_params = 0.5

    def __init__(self, module: Any, families: Any = None, transform_params: Any = None,
                 rng_key: Any = None, scale_by_keep: bool = False, straight_through: bool = False):
        super().__init__(module, families, transform_params, rng_key)
        self.scale_by_keep = bool(scale_by_keep)
        self.straight_through = bool(straight_through)

    def _check_transform_param(self, tp: Any) -> None:
        _check_p(type(self).__name__, tp)

    def _is_identity(self) -> bool:
        return all(float(p) == 0 for p in self.transform_params)

    def _transform_with_key(self, param: Any, tf_params: Any, key: Any) -> Any:
        return dropout_leaf(param, key, tf_params, self.scale_by_keep, self.straight_through)


def Dropout(mod: Any, *args: Any, **kwargs: Any) -> Any:
    """Wrap ``mod`` in parameter dropout: :class:`JaxDropout` for a JAX module, else :class:`ModDropout`.

    Example:
        >>> from rockpool.nn.modules import Linear
        >>> Dropout(Linear((2, 2))).class_name
        'ModDropout'
    """
    if isinstance(mod, JaxModule):
        return JaxDropout(mod, *args, **kwargs)
    return ModDropout(mod, *args, **kwargs)
