"""Parameter transformer wrappers: a module that evolves another module with transformed parameters.

A wrapper holds the wrapped module as its submodule ``'module'``; its stored (trainable)
parameters stay untransformed, and every evolution uses a transformed copy (dropout, stochastic
quantisation, your own :meth:`_transform`). Gradients reach the stored parameters through the
transform.

* :class:`ParameterTransformerMixin` (NumPy modules): a fresh draw from NumPy's global generator
  on every call; the wrapped module is evolved with the transformed parameters, which are then
  restored.
* :class:`JaxParameterTransformerMixin` (JAX modules, ours: the transform is really applied in
  ``evolve``, and the wrapper is an ordinary pytree that crosses ``jax.jit``, ``jax.grad`` and
  ``jax.vmap``). Randomness comes from the ``rng_key`` state: the draw uses
  ``fold_in(rng_key, param_seed(parameters))`` (see
  :func:`~rockpool.transform.functional.param_seed`), so it is reproducible, changes when the key
  advances (``evolve`` returns ``split(rng_key)[0]``) *and* when the parameters change. That makes
  the wrappers work inside :func:`~rockpool.training.fit`, which resets the state every step:
  every optimiser step still gets a fresh draw. :meth:`transformed_parameters` uses the same draw
  as the next ``evolve`` ("burn in" a transform after training).

Selection: ``families=None`` transforms every parameter; otherwise ``families`` pair up with
``transform_params`` by position (a scalar ``transform_params`` applies to all). A length
mismatch, or a family the module does not have, is a ``ValueError`` (ours).
"""

from __future__ import annotations

import collections.abc
from typing import Any, Dict, List, Tuple

import numpy as np

from rockpool.parameters import State

__all__ = ["ParameterTransformerMixin", "JaxParameterTransformerMixin", "deep_update"]

Tree = Dict[str, Any]


def deep_update(source: dict, overrides: collections.abc.Mapping) -> dict:
    """Merge ``overrides`` into ``source`` recursively (in place) and return ``source``.

    Nested mappings are merged, other values replaced, new keys added.

    Example:
        >>> deep_update({"a": {"b": 1, "c": 2}}, {"a": {"c": 3}, "d": 4})
        {'a': {'b': 1, 'c': 3}, 'd': 4}
    """
    for key, value in overrides.items():
        if isinstance(value, collections.abc.Mapping) and isinstance(source.get(key), dict):
            deep_update(source[key], value)
        elif isinstance(value, collections.abc.Mapping):
            source[key] = deep_update({}, value)
        else:
            source[key] = value
    return source


def _as_list(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return value
    return [value]


def _paths(tree: Any, prefix: Tuple[str, ...] = ()) -> List[Tuple[str, ...]]:
    if isinstance(tree, dict):
        out: List[Tuple[str, ...]] = []
        for k, v in tree.items():
            out += _paths(v, prefix + (k,))
        return out
    return [prefix]


def _get(tree: Tree, path: Tuple[str, ...]) -> Any:
    for k in path:
        tree = tree[k]
    return tree


def _set(tree: Tree, path: Tuple[str, ...], value: Any) -> None:
    for k in path[:-1]:
        tree = tree[k]
    tree[path[-1]] = value


def _copy_dicts(tree: Any) -> Any:
    return {k: _copy_dicts(v) for k, v in tree.items()} if isinstance(tree, dict) else tree


def _require_module(cls: str, module: Any) -> None:
    if not all(hasattr(module, a) for a in ("parameters", "evolve", "shape", "spiking_input")):
        raise TypeError(
            f"{cls}: expected a module to wrap (e.g. LinearJax((3, 4)) or a Sequential), got a "
            f"{type(module).__name__}."
        )


class _TransformerBase:
    """Shared construction and selection logic of both mixins."""

    _default_transform_params: Any = None

    def _init_wrapper(self, module: Any, families: Any, transform_params: Any) -> None:
        cls = type(self).__name__
        if not hasattr(module, "parameters") or not hasattr(module, "evolve"):
            raise TypeError(f"{cls}: expected a module to wrap, got a {type(module).__name__}.")
        if transform_params is None:
            transform_params = self._default_transform_params
        self.module = module  # type: ignore[assignment]
        fams = _as_list(families)
        tps = _as_list(transform_params)
        if fams is not None:
            if tps is not None and len(tps) == 1 and len(fams) > 1:
                tps = type(tps)(list(tps) * len(fams))
            if tps is not None and len(tps) != len(fams):
                raise ValueError(
                    f"{cls}: 'transform_params' has {len(tps)} entries but 'families' has "
                    f"{len(fams)} ({list(fams)}); give one per family, or a single value for all."
                )
            from rockpool.transform.functional import available_families

            avail = available_families(module)
            missing = [f for f in fams if f not in avail]
            if missing:
                raise ValueError(
                    f"{cls}: the wrapped {module.full_name.strip()} has no parameters of famil"
                    f"{'y' if len(missing) == 1 else 'ies'} {missing}; available families: {avail}."
                )
        for tp in tps or ():
            self._check_transform_param(tp)
        self.families = fams
        self.transform_params = tps

    def _check_transform_param(self, tp: Any) -> None:
        """Hook: validate one transform parameter (e.g. a probability)."""

    def _selection(self) -> List[Tuple[Tuple[str, ...], Any]]:
        """``(path, transform_param)`` pairs of the leaves to transform, paths under ``'module'``."""
        if self.families is None:  # type: ignore[attr-defined]
            tp = self.transform_params[0] if self.transform_params else None  # type: ignore[attr-defined]
            return [(("module",) + p, tp) for p in _paths(self.module.parameters())]  # type: ignore[attr-defined]
        out: Dict[Tuple[str, ...], Any] = {}
        tps = self.transform_params or [None] * len(self.families)  # type: ignore[attr-defined]
        for fam, tp in zip(self.families, tps, strict=True):  # type: ignore[attr-defined]
            for p in _paths(self.module.parameters(fam)):  # type: ignore[attr-defined]
                if p and p not in out:
                    out[p] = tp
        order = _paths(self.module.parameters())  # type: ignore[attr-defined]
        return [(("module",) + p, out[p]) for p in order if p in out]

    def _repr_lines(self, indent: str) -> str:
        return f"{indent}{type(self).__name__}({self.module.class_name} 'module' with shape {self.module.shape})"  # type: ignore[attr-defined]

    def _transform(self, param: Any, tf_params: Any) -> Any:
        """Transform one parameter array (elementwise, shape-preserving). Subclasses implement."""
        raise NotImplementedError(f"{type(self).__name__} must implement _transform(param, tf_params).")


class ParameterTransformerMixin(_TransformerBase):
    """Mixin for NumPy parameter transformers: ``class T(ParameterTransformerMixin, Module)``.

    Args:
        module: The module to wrap (submodule ``'module'``).
        families: Family name(s) to transform (``None``: every parameter).
        transform_params: Setting(s) for :meth:`_transform`, one per family or one for all.

    Example:
        >>> from rockpool.nn.modules import Linear, Module
        >>> class Scale(ParameterTransformerMixin, Module):
        ...     def _transform(self, p, k):
        ...         return p * k
        >>> lin = Linear((2, 3))
        >>> p = Scale(lin, families="weights", transform_params=2.0).transformed_parameters()
        >>> bool((p["module"]["weight"] == 2 * lin.weight).all())
        True
    """

    def __init__(self, module: Any, families: Any = None, transform_params: Any = None, *args, **kwargs):
        _require_module(type(self).__name__, module)
        super().__init__(  # type: ignore[call-arg]
            module.shape, module.spiking_input, module.spiking_output, *args, **kwargs
        )
        self._init_wrapper(module, families, transform_params)

    def transformed_parameters(self) -> Tree:
        """The full parameter tree ``{'module': {...}}`` with the selected leaves transformed (a fresh draw)."""
        params = _copy_dicts(self.parameters())  # type: ignore[attr-defined]
        for path, tp in self._selection():
            _set(params, path, self._transform(np.array(_get(params, path)), tp))
        return params

    def evolve(self, input_data: Any, record: bool = False) -> Tuple[Any, Tree, Tree]:
        """Evolve the wrapped module with transformed parameters, then restore the stored ones."""
        original = _copy_dicts(self.module.parameters())
        self.module.set_attributes(self.transformed_parameters()["module"])
        try:
            out, state, rec = self.module.evolve(input_data, record=record)
        finally:
            self.module.set_attributes(original)
        return out, {"module": state}, ({"module": rec} if record else {})


class JaxParameterTransformerMixin(_TransformerBase):
    """Mixin for JAX parameter transformers: ``class T(JaxParameterTransformerMixin, JaxModule)``.

    Subclasses implement ``_transform(self, param, tf_params)``; a random transform overrides
    ``_transform_with_key(self, param, tf_params, key)`` instead, which receives one key per leaf
    (``fold_in(draw_key, leaf_index)``; see the module docstring for the draw key).

    Args:
        module: The JAX module to wrap (submodule ``'module'``).
        families: Family name(s) to transform (``None``: every parameter).
        transform_params: Setting(s) for :meth:`_transform`, one per family or one for all.
        rng_key: Initial key (the stored key is ``jax.random.split(rng_key)[1]``); default drawn
            from NumPy's global generator.

    Example:
        >>> import jax.numpy as jnp
        >>> from rockpool.nn.modules import LinearJax, JaxModule
        >>> class Scale(JaxParameterTransformerMixin, JaxModule):
        ...     def _transform(self, p, k):
        ...         return p * k
        >>> w = Scale(LinearJax((2, 3), weight=jnp.ones((2, 3))), "weights", 2.0)
        >>> w(jnp.ones((1, 2)))[0].tolist()
        [[4.0, 4.0, 4.0]]
    """

    def __init__(
        self, module: Any, families: Any = None, transform_params: Any = None, rng_key: Any = None,
        *args, **kwargs,
    ):
        import jax

        from rockpool.nn.modules.jax.jax_module import JaxModule, new_rng_key

        if not isinstance(module, JaxModule):
            raise TypeError(
                f"{type(self).__name__} wraps JAX modules; got a {type(module).__name__}. Use the "
                f"factory (e.g. Dropout(mod)) to get the NumPy version for NumPy modules."
            )
        _require_module(type(self).__name__, module)
        super().__init__(  # type: ignore[call-arg]
            module.shape, module.spiking_input, module.spiking_output, *args, **kwargs
        )
        self._init_wrapper(module, families, transform_params)
        label = type(self).__name__
        key = new_rng_key(label, None) if rng_key is None else jax.random.split(new_rng_key(label, rng_key))[1]
        self.rng_key = State(key)

    def _is_identity(self) -> bool:
        """Hook: ``True`` when the settings make the transform a no-op (then nothing is drawn)."""
        return False

    def _draw_key(self, params: Tree) -> Any:
        import jax

        from rockpool.transform.functional import param_seed

        return jax.random.fold_in(self.rng_key, param_seed(params))

    def transformed_parameters(self) -> Tree:
        """The full parameter tree ``{'module': {...}}`` with the selected leaves transformed.

        Uses the stored ``rng_key`` without advancing it: repeated calls give the same result,
        the draw the next ``evolve`` will use.
        """
        import jax

        params = _copy_dicts(self.parameters())  # type: ignore[attr-defined]
        if self._is_identity():
            return params
        key = self._draw_key(params)
        for i, (path, tp) in enumerate(self._selection()):
            new = self._transform_with_key(_get(params, path), tp, jax.random.fold_in(key, i))
            _set(params, path, new)
        return params

    def _transform_with_key(self, param: Any, tf_params: Any, key: Any) -> Any:
        """Transform one leaf with its own key; the default ignores the key and calls :meth:`_transform`."""
        return self._transform(param, tf_params)

    def evolve(self, input_data: Any, record: bool = False) -> Tuple[Any, Tree, Tree]:
        """Evolve the wrapped module with transformed parameters; advance ``rng_key``."""
        import jax

        inner = self.module  # type: ignore[attr-defined]
        if not self._is_identity():
            inner = inner.set_attributes(self.transformed_parameters()["module"])
        out, state, rec = inner.evolve(input_data, record=record)
        new_state = {"module": state, "rng_key": jax.random.split(self.rng_key)[0]}  # type: ignore[attr-defined]
        return out, new_state, ({"module": rec} if record else {})
