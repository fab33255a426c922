"""The :class:`JaxModule` base class: modules as JAX pytrees, functional updates, compiled eager calls.

How the pytree works (DESIGN.md decision 2):

* **Flatten** returns the values of registered Parameters and States (and any array-valued
  SimulationParameter) as leaves, then the submodules as children (JAX flattens those in turn).
  Everything else in the instance ``__dict__`` (class, shape, name, registry, Python-valued
  simulation parameters such as ``dt`` or an activation function, user attributes) is *static*
  aux data, held in an :class:`_Aux` that is cached on the instance.
* **Unflatten** creates the object with ``object.__new__``, copies the static dict and sets the
  children: a handful of dict operations, no ``__init__``, no checks, so it also accepts the
  placeholder leaves JAX uses internally.
* :class:`_Aux` compares by *value* for hashable statics and by identity otherwise, so two
  identically configured modules share one compiled function, while the aux keeps every
  identity-compared object alive (ids cannot be recycled while a cache entry holds them).

Functional calls copy the module once (a shallow ``__dict__`` copy per module on the changed path);
arrays are immutable and never copied.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from typing import Any, Tuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.tree_util import GetAttrKey, register_pytree_with_keys

from rockpool.nn.modules import _memory
from rockpool.nn.modules.module import Module, Tree, _is_array
from rockpool.parameters import _SimulationParameter as SimulationParameter

__all__ = ["JaxModule"]

_SKIP = ("_aux_cache",)


def _static_key(name: str, value: Any) -> Any:
    if name == "_registry":
        return tuple((n, a.key()) for n, a in value.items())
    try:
        hash(value)
    except TypeError:
        return ("<id>", id(value))
    if isinstance(value, np.generic):
        return (type(value), value.item())
    return value


class _Aux:
    """Static (hashable) part of a flattened module; equal for identically configured modules."""

    __slots__ = ("cls", "names", "n_leaves", "static", "key", "hash")

    def __init__(self, cls: type, leaves: Tuple[str, ...], subs: Tuple[str, ...], static: dict):
        self.cls = cls
        self.names = leaves + subs
        self.n_leaves = len(leaves)
        self.static = static
        self.key = (cls, leaves, subs, tuple((k, _static_key(k, v)) for k, v in static.items()))
        self.hash = hash(self.key)

    def __eq__(self, other: Any) -> bool:
        return self is other or (type(other) is _Aux and self.hash == other.hash and self.key == other.key)

    def __hash__(self) -> int:
        return self.hash

    def __repr__(self) -> str:
        return f"<{self.cls.__name__} {self.names}>"


def _make_aux(mod: "JaxModule") -> _Aux:
    d = mod.__dict__
    reg = d["_registry"]
    leaves = tuple(
        n for n, a in reg.items() if a.kind is not SimulationParameter or _is_array(d[n])
    )
    subs = d["_submodule_names"]
    skip = set(leaves) | set(subs) | set(_SKIP)
    static = {k: v for k, v in d.items() if k not in skip}
    aux = _Aux(type(mod), leaves, subs, static)
    d["_aux_cache"] = aux
    return aux


def _flatten(mod: "JaxModule"):
    d = mod.__dict__
    aux = d.get("_aux_cache") or _make_aux(mod)
    return [d[n] for n in aux.names], aux


def _flatten_with_keys(mod: "JaxModule"):
    d = mod.__dict__
    aux = d.get("_aux_cache") or _make_aux(mod)
    return [(GetAttrKey(n), d[n]) for n in aux.names], aux


def _unflatten(aux: _Aux, children) -> "JaxModule":
    obj: JaxModule = object.__new__(aux.cls)
    d = obj.__dict__
    d.update(aux.static)
    d.update(zip(aux.names, children))  # noqa: B905 (lengths match by construction)
    d["_aux_cache"] = aux
    return obj


def _debug_checks() -> bool:
    """Whether rockpool.debug asked for checks inside compiled code (never imports it)."""
    mod = sys.modules.get("rockpool.debug")
    return mod is not None and mod.enabled()


def _float_dtype():
    return jnp.result_type(float)


def _is_tracer(x: Any) -> bool:
    return isinstance(x, jax.core.Tracer)


def new_rng_key(label: str, rng_key: Any = None) -> jax.Array:
    """A raw JAX PRNG key (uint32, shape ``(2,)``) for a module's ``rng_key`` state.

    Args:
        label: The module's name, for the error message.
        rng_key: ``None`` (two random words from NumPy's global generator), an int seed
            (``jax.random.PRNGKey(seed)``), a raw key, or a new-style typed key (``jax.random.key``).

    Raises:
        ValueError: for anything else.
    """
    if rng_key is None:
        # - Two random words are a valid raw (threefry) key
        return jnp.asarray(np.random.randint(0, 2**32, size=2, dtype=np.uint64).astype(np.uint32))
    if isinstance(rng_key, (int, np.integer)) and not isinstance(rng_key, bool):
        return jax.random.PRNGKey(int(rng_key))
    key = rng_key
    if hasattr(key, "dtype") and jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    key = jnp.asarray(key)
    if key.shape != (2,) or not jnp.issubdtype(key.dtype, jnp.integer):
        raise ValueError(
            f"{label}: rng_key must be an int seed or a PRNG key (uint32, shape (2,)); "
            f"got dtype {key.dtype} shape {key.shape}. Use e.g. rng_key=jax.random.PRNGKey(0)."
        )
    return key.astype(jnp.uint32)


def maybe_positive(value: Any) -> bool:
    """Trace-time decision "is this > 0 anywhere?": exact for concrete values, ``True`` for traced ones."""
    if _is_tracer(value):
        return True
    return bool(np.any(np.asarray(value) > 0))


def _ordered(tree: Any) -> Any:
    """dicts -> OrderedDicts: JAX sorts dict keys in outputs but keeps an OrderedDict's order."""
    return OrderedDict((k, _ordered(v)) for k, v in tree.items()) if isinstance(tree, dict) else tree


def _plain(tree: Any) -> Any:
    return {k: _plain(v) for k, v in tree.items()} if isinstance(tree, dict) else tree


def _evolve_and_check(mod: "JaxModule", data, record: bool):
    output, new_state, recorded = mod.evolve(data, record=record)
    checked = mod._input_rule is not None  # a user module's input is its own business
    finite = jnp.all(jnp.isfinite(data)) if checked and jnp.issubdtype(data.dtype, jnp.inexact) else True
    return (output, _ordered(new_state), _ordered(recorded)), finite


_compiled_evolve = jax.jit(_evolve_and_check, static_argnums=2)
# - One dispatch and one scalar back to the host (not the whole array)
_finite = jax.jit(lambda x, pos_inf: (jnp.isfinite(x) | (pos_inf & (x == jnp.inf))).all(), static_argnums=1)


class JaxModule(Module):
    """Base class for modules with a JAX backend.

    Every subclass (including a user's) is registered as a JAX pytree automatically, so a module
    can be passed to ``jax.jit``, ``jax.grad`` and ``jax.vmap`` directly. JAX modules are
    immutable in use: ``set_attributes``, ``reset_state`` and ``reset_parameters`` return a new
    module. An eager call runs a compiled (and cached) ``evolve``.

    Example:
        >>> from rockpool.nn.modules import RateJax
        >>> mod = RateJax(3)
        >>> output, new_state, record = mod(np.ones((10, 3)))
        >>> mod = mod.set_attributes(new_state)
    """

    _rockpool_pytree_registry: list = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_pytree_with_keys(cls, _flatten_with_keys, _unflatten, _flatten)
        JaxModule._rockpool_pytree_registry.append(cls)

    # - Pytree API (for users who call them directly)
    def tree_flatten(self) -> Tuple[list, _Aux]:
        """Flatten this module tree for Jax: ``(children, aux_data)``."""
        return _flatten(self)

    @classmethod
    def tree_unflatten(cls, aux_data: _Aux, children) -> "JaxModule":
        """Rebuild a module from :meth:`tree_flatten` output without calling ``__init__``."""
        return _unflatten(aux_data, children)

    # - Backend hooks
    def _register_module(self, name: str, mod: Module) -> None:
        if not isinstance(mod, JaxModule):
            raise ValueError(
                f"{self._label}: submodule '{name}' is a {mod.class_name}, which is not a JaxModule. "
                f"A JaxModule can only contain JaxModules; use the JAX version of the module "
                f"(e.g. RateJax instead of Rate) or make the parent a plain Module."
            )
        super()._register_module(name, mod)

    def _named(self, name: str) -> "JaxModule":
        if self._name is not None and self._name != name:
            mod = self._shallow_copy()  # do not rename a module that is used elsewhere
        else:
            mod = self
        mod.__dict__["_name"] = name
        mod._changed_static("_name")
        return mod

    def _changed_static(self, name: str) -> None:
        self.__dict__.pop("_aux_cache", None)

    def __setattr__(self, name: str, value: Any) -> None:
        if _is_tracer(value) and name in self.__dict__.get("_registry", ()) and not self._is_traced():
            raise ValueError(
                f"{self._label}: assigning a traced value to '{name}' inside jax.jit / grad / vmap "
                f"would store a tracer in a module that lives outside the traced function (JAX "
                f"modules are immutable in use). Return a new module instead: "
                f"mod = mod.set_attributes({{'{name}': value}})."
            )
        super().__setattr__(name, value)
        if name not in self._registry:
            self.__dict__.pop("_aux_cache", None)

    def _is_traced(self) -> bool:
        """Whether this module was built inside a trace (its array leaves are tracers)."""
        d = self.__dict__
        return any(_is_tracer(d.get(n)) for n in d["_registry"])

    def _all_finite(self, value: Any, allow_pos_inf: bool = False) -> bool:
        if isinstance(value, jax.Array) and value.is_fully_addressable:
            if all(d.platform == "cpu" for d in value.devices()):  # host memory: NumPy, no dispatch
                return super()._all_finite(np.asarray(value), allow_pos_inf)
            return bool(_finite(value, allow_pos_inf))  # a device reduction, one scalar back
        return super()._all_finite(value, allow_pos_inf)

    def _to_array(self, value: Any) -> Any:
        if isinstance(value, jax.Array):
            arr = value
        else:
            arr = jnp.asarray(value)
        if jnp.issubdtype(arr.dtype, jax.dtypes.prng_key):
            arr = jax.random.key_data(arr)  # a new-style typed key: keep its raw uint32 data
        if jnp.issubdtype(arr.dtype, jnp.floating):
            fd = _float_dtype()
            if arr.dtype != fd:
                arr = arr.astype(fd)
        return arr

    def _snapshot(self, value: Any) -> Any:
        return value

    def _broadcast(self, value: Any, shape: Tuple[int, ...]) -> Any:
        return jnp.broadcast_to(value, shape)

    def _is_concrete(self, value: Any) -> bool:
        return not _is_tracer(value)

    def _shallow_copy(self) -> "JaxModule":
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    def _writable(self) -> "JaxModule":
        return self._shallow_copy()

    @property
    def _xp(self):
        return jnp

    # - Evolution
    def _input_array(self, data: Any) -> Any:
        if isinstance(data, jax.Array):
            return data
        if isinstance(data, (list, tuple)) and any(map(_is_tracer, jax.tree_util.tree_leaves(data))):
            return jnp.asarray(data)  # a list of traced values
        arr = np.asarray(data)
        if arr.dtype.kind == "f" and arr.dtype != _float_dtype():
            arr = arr.astype(_float_dtype())
        return arr

    def _broadcast_input(self, data: Any, shape: tuple) -> Any:
        return jnp.broadcast_to(data, shape)

    def _check_finite(self, data: Any) -> None:
        pass  # checked inside the compiled call (eager) or impossible (traced)

    def __call__(self, input_data, record: bool = False, *args, **kwargs) -> Tuple[Any, Tree, Tree]:
        # - `jax.jit(mod)(x, record=True)` traces `record`: a non-Python-bool record means "record"
        #   (the decision stays a Python one, so nothing is added to the compiled time loop)
        record = True if _is_tracer(record) else bool(record)
        data = self._check_input(input_data)
        streaming = sys.modules.get("rockpool.nn.streaming")  # long sequences: see that module
        if streaming is not None and not (args or kwargs) and isinstance(data, (np.ndarray, jax.Array)):
            chunked = streaming.call_hook(self, data, record)  # traced data too (fit(remat=K))
            if chunked is not None:
                return chunked
        if (
            args
            or kwargs
            or not isinstance(data, (np.ndarray, jax.Array))  # a user module's non-array input
            or _is_tracer(data)
            or any(map(_is_tracer, jax.tree_util.tree_leaves(self)))
        ):
            # - Inside a user's jit/grad/vmap (or with extra arguments): trace evolve directly
            #   (the checks of concrete values are off; rockpool.debug traces them in on request)
            if _debug_checks():
                from rockpool import debug

                debug.traced_checks(self, jnp.asarray(data))
            return self.evolve(data, *args, record=record, **kwargs)  # type: ignore[misc]
        if data.ndim >= 2 and int(np.prod(data.shape[:-1])) >= _memory.LONG_CALL_STEPS:
            from rockpool.nn.streaming import check_call_memory

            # - very long calls: XLA's estimate (working memory included), suggesting a chunk size
            check_call_memory(self, data.shape, data.dtype, record)
        else:  # the rest: a sub-microsecond bound on the outputs and records
            _memory.check_evolve_memory(self, data, record, lambda: _compiled_evolve.eval_shape(self, data, record))
        (output, new_state, recorded), finite = _compiled_evolve(self, data, record)
        if not _is_tracer(finite) and not bool(finite):
            raise ValueError(f"{self._label}: input contains NaN or inf values.")
        return output, _plain(new_state), _plain(recorded)
