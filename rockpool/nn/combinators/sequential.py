"""Sequential composition of modules: :func:`Sequential`, :class:`ModSequential`, :class:`JaxSequential`.

``Sequential(*mods)`` chains modules so that the output of each is the input of the next::

    y = f_n( ... f_2( f_1(x) ) ... )

It is a factory: the result is a :class:`JaxSequential` (a pytree, usable inside ``jax.jit`` /
``jax.grad``) when any part is a :class:`~rockpool.nn.modules.JaxModule`, else a
:class:`ModSequential` (NumPy backend, updates its state in place when called). Both share
:class:`SequentialMixin`, which holds the naming, size checks, indexing and the evolve loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, Optional, Tuple, Union

from rockpool.nn.modules.module import Module

if TYPE_CHECKING:  # the mixins are always combined with Module; tell the type checker
    _MixinBase = Module
else:
    _MixinBase = object

__all__ = ["Sequential", "SequentialMixin", "ModSequential", "JaxSequential", "TorchSequential"]  # noqa: F822 (lazy)

Tree = Dict[str, Any]


def _is_jax_module(mod: Any) -> bool:
    """True if ``mod`` is a JaxModule, without importing JAX when no JAX module was ever loaded."""
    import sys

    jm = sys.modules.get("rockpool.nn.modules.jax.jax_module")
    return jm is not None and isinstance(mod, jm.JaxModule)


def _named_modules(owner: str, args: tuple) -> Tuple[Tuple[Optional[str], Module], ...]:
    """Turn ``(*mods)`` or ``(OrderedDict(name=mod, ...),)`` into ``((name or None, mod), ...)``."""
    items: Tuple[Tuple[Optional[str], Any], ...]
    if len(args) == 1 and isinstance(args[0], Mapping):
        items = tuple((str(k), v) for k, v in args[0].items())
    else:
        items = tuple((None, m) for m in args)
    for i, (name, mod) in enumerate(items):
        if not isinstance(mod, Module):
            where = f"'{name}'" if name is not None else f"number {i}"
            raise TypeError(
                f"{owner}: part {where} is a {type(mod).__name__}, not a Module. Pass modules "
                f"(e.g. {owner}(LinearJax((2, 3)), RateJax(3))) or one OrderedDict of name -> module."
            )
    return items


class SequentialMixin(_MixinBase):
    """Shared logic of :class:`ModSequential`, :class:`JaxSequential` (and the residual combinators).

    Submodules are registered in order under their names; the combinator's shape is
    ``(first.size_in, last.size_out)``, ``spiking_input`` comes from the first part and
    ``spiking_output`` from the last. Parts can be read back by position (``net[0]``,
    ``net[-1]``), by name (``net['1_RateJax']``) or as attributes (``getattr(net, '1_RateJax')``).
    """

    _submodule_names: Tuple[str, ...]  # set by Module.__init__
    # - The input is passed to the first part as given (numbers and lists become arrays); each part
    #   checks its own input, and a width that the first part cannot take is reported here
    _input_rule = "chain"

    def __init__(self, *args, **kwargs):
        items = _named_modules(type(self).__name__, args)
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}: unexpected keyword arguments {sorted(kwargs)}; pass the "
                f"modules positionally, or one OrderedDict to name them."
            )
        first = items[0][1] if items else None
        super().__init__(  # type: ignore[call-arg]
            shape=self._shape_of(items),
            spiking_input=first.spiking_input if first is not None else False,
            spiking_output=items[-1][1].spiking_output if items else False,
        )
        for name, mod in items:
            self._add(mod, name)

    # ------------------------------------------------------------------ building
    @staticmethod
    def _shape_of(items) -> tuple:
        if not items:
            return (0, 0)
        size_in, size_out = items[0][1].size_in, items[-1][1].size_out
        if size_in is None or size_out is None:
            return ()
        return (size_in, size_out)

    def _check_neighbours(self, prev: Module, mod: Module, name: str) -> None:
        if prev.size_out is None or mod.size_in is None or prev.size_out == mod.size_in:
            return
        raise ValueError(
            f"{self._label}: cannot connect {prev.full_name.strip()} (output size {prev.size_out}) "
            f"to {type(mod).__name__} '{name}' (input size {mod.size_in}). Neighbouring modules must "
            f"have matching sizes; insert a weight layer, e.g. LinearJax(({prev.size_out}, {mod.size_in}))."
        )

    def _add(self, mod: Module, name: Optional[str] = None) -> Module:
        names = self._submodule_names
        if name is None:
            name = f"{len(names)}_{type(mod).__name__}"
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self._label}: a submodule name must be a non-empty string (got {name!r}).")
        if name in names or name in self.__dict__ or hasattr(type(self), name):
            raise ValueError(
                f"{self._label}: the name '{name}' is already used in this network; choose another "
                f"name with append(mod, name=...) or an OrderedDict key."
            )
        if names:
            self._check_neighbours(self.__dict__[names[-1]], mod, name)
        setattr(self, name, mod)  # registers (and names) the submodule
        self._update_shape()
        return self.__dict__[name]

    def _update_shape(self) -> None:
        mods = list(self.modules().values())
        d = self.__dict__
        d["_shape"] = self._shape_of([(None, m) for m in mods])
        d["_spiking_input"] = mods[0].spiking_input if mods else False
        d["_spiking_output"] = mods[-1].spiking_output if mods else False
        self._changed_static("_shape")

    def append(self, mod: Module, name: Optional[str] = None) -> "SequentialMixin":
        """Add a module at the end of the chain.

        Args:
            mod: The module to add; its ``size_in`` must equal the current ``size_out``.
            name: Its name; default ``f"{index}_{ClassName}"``.

        Returns:
            ``self`` (the combinator is modified in place: this is a construction step).

        Raises:
            ValueError: If the sizes do not match or the name is already used.
        """
        _named_modules(type(self).__name__, (mod,))
        self._add(mod, name)
        return self

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self._submodule_names)

    def __iter__(self) -> Iterator[Module]:
        d = self.__dict__
        return iter([d[n] for n in self._submodule_names])

    def __getitem__(self, key: Union[int, str]) -> Module:
        names = self._submodule_names
        if isinstance(key, str):
            if key not in names:
                raise KeyError(f"{self._label}: no submodule named '{key}'; submodules are {list(names)}.")
            return self.__dict__[key]
        try:
            return self.__dict__[names[key]]
        except IndexError:
            raise IndexError(
                f"{self._label}: index {key} is out of range for {len(names)} submodules."
            ) from None
        except TypeError:
            raise TypeError(
                f"{self._label}: index with an int or a submodule name, not {type(key).__name__}."
            ) from None

    # ------------------------------------------------------------------ evolution
    def _evolve_chain(self, data: Any, record: bool) -> Tuple[Any, Tree, Tree]:
        d = self.__dict__
        names = self._submodule_names
        new_state: Tree = {}
        recorded: Tree = {}
        x = data
        for i, name in enumerate(names):
            x, sub_state, sub_record = d[name](x, record=record)
            new_state[name] = sub_state
            if record:
                recorded[name] = sub_record
                recorded[f"{name}_output"] = x
            if i < len(names) - 1:
                x = self._join(i, x)
        return x, new_state, recorded

    def _join(self, i: int, x: Any) -> Any:
        """What passes from part ``i`` to part ``i + 1`` (the output itself; FFwdStack weights it)."""
        return x

    def _check_input(self, input_data: Any) -> Any:
        data = super()._check_input(input_data)
        if not self._submodule_names:
            return data
        first = self.__dict__[self._submodule_names[0]]
        rule, n = getattr(first, "_input_rule", None), self.size_in
        if rule in ("neurons", "weights") and n is not None and data.ndim >= (2 if rule == "neurons" else 1):
            if data.shape[-1] not in (1, n):
                raise ValueError(
                    f"{self._label}: input has {data.shape[-1]} channels, expected {n} (shape (T, {n}) "
                    f"or (B, T, {n}); the first module is {first.full_name.strip()})."
                )
        return data

    def _chain_input(self, input_data: Any) -> Any:
        """The input of the first part: an array (``evolve`` may be called directly with a list)."""
        if isinstance(input_data, (list, tuple, int, float)):
            return self._read_input(input_data)
        return input_data

    def evolve(self, input_data, record: bool = False) -> Tuple[Any, Tree, Tree]:
        """Pass ``input_data`` through each submodule in turn.

        Args:
            input_data: Whatever the first part takes: ``(T, size_in)`` or ``(B, T, size_in)`` for
                the built-in modules (neuron modules return ``(B, T, N)``, treating ``(T, N)`` as
                batch 1; weight layers keep the input's rank).
            record: If ``True``, return each submodule's record under its name plus its output
                under ``f"{name}_output"``.

        Returns:
            ``(output, new_state, record)`` where ``new_state`` is ``{name: submodule_state}``.
        """
        return self._evolve_chain(self._chain_input(input_data), record)


class ModSequential(SequentialMixin, Module):
    """A chain of NumPy :class:`~rockpool.nn.modules.Module` s (build it with :func:`Sequential`).

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.combinators import Sequential
        >>> from rockpool.nn.modules import Linear, Rate
        >>> net = Sequential(Linear((2, 3)), Rate(3))
        >>> net(np.ones((5, 2)))[0].shape
        (1, 5, 3)
    """


class TorchSequential(SequentialMixin):
    """The torch sequential combinator of the Rockpool API; rockpool has no torch backend.

    The class exists (so code that imports it still loads) but instantiating it raises
    ``ImportError``; use :func:`Sequential` with NumPy or JAX modules instead.

    Example:
        >>> from rockpool.nn.combinators.sequential import TorchSequential
        >>> TorchSequential()
        Traceback (most recent call last):
        ...
        ImportError: TorchSequential needs the `torch` backend, which rockpool does not provide; build networks with Sequential(...) of NumPy or JAX modules.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise ImportError(
            f"{cls.__name__} needs the `torch` backend, which rockpool does not provide; build "
            f"networks with Sequential(...) of NumPy or JAX modules."
        )


def _make_jax_class(name: str, mixin: type, doc: str, module: str) -> type:
    """Create ``class name(mixin, JaxModule)`` on first use, so importing combinators never imports JAX."""
    from rockpool.nn.modules.jax.jax_module import JaxModule

    return type(name, (mixin, JaxModule), {"__doc__": doc, "__module__": module, "__qualname__": name})


_JAX_SEQUENTIAL_DOC = """A chain of :class:`~rockpool.nn.modules.JaxModule` s (build it with :func:`Sequential`).

    A pytree like any JaxModule: pass it to ``jax.jit`` / ``jax.grad``; an eager call runs one
    compiled evolve of the whole chain. Only JaxModules may be parts (``ValueError`` otherwise).

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.combinators import Sequential
        >>> from rockpool.nn.modules import LinearJax, RateJax
        >>> net = Sequential(LinearJax((2, 3)), RateJax(3))
        >>> net(np.ones((5, 2)))[0].shape
        (1, 5, 3)
    """


def _lazy_jax_getattr(namespace: Dict[str, Any], name: str, mixin: type, doc: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` that creates the JAX combinator ``name`` on first use (so importing
    the combinators never imports JAX) and then keeps it in the module's ``namespace``."""

    def __getattr__(attr: str) -> Any:
        if attr != name:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {attr!r}")
        if name not in namespace:
            namespace[name] = _make_jax_class(name, mixin, doc, namespace["__name__"])
        return namespace[name]

    return __getattr__


def _any_jax(owner: str, mods: tuple) -> bool:
    """Check the parts given to a factory; ``True`` if any is a JaxModule (build the JAX class)."""
    return any(_is_jax_module(m) for _, m in _named_modules(owner, mods))


__getattr__ = _lazy_jax_getattr(globals(), "JaxSequential", SequentialMixin, _JAX_SEQUENTIAL_DOC)


class _FactoryMeta(type):
    """Lets ``isinstance(net, Sequential)`` be true for every combinator the factory builds."""

    _mixin: type = SequentialMixin

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, cls._mixin)

    def __subclasscheck__(cls, sub: type) -> bool:
        return isinstance(sub, type) and issubclass(sub, cls._mixin)


class Sequential(metaclass=_FactoryMeta):
    """Build a sequential network: ``y = f_n( ... f_1(x))``.

    Returns a :class:`JaxSequential` if any part is a JaxModule, else a :class:`ModSequential`.
    Parts are named ``f"{index}_{ClassName}"``, or by the keys of one ``OrderedDict`` argument.
    Neighbouring parts must agree on sizes (``ValueError`` naming both otherwise). The network's
    shape is ``(first.size_in, last.size_out)`` (``(0, 0)`` with no parts). The input goes to
    the first part as given (each part shapes its own input, so a network ending in a neuron
    module returns ``(B, T, size_out)``). Evolving returns the output, ``new_state = {name:
    state}`` and, with ``record=True``, ``{name: record, f"{name}_output": output}``.

    Args:
        *mods: The modules, in order, or one ``OrderedDict`` mapping names to modules.

    Example:
        >>> from rockpool.nn.combinators import Sequential
        >>> from rockpool.nn.modules import LinearJax, InstantJax
        >>> import jax.numpy as jnp
        >>> print(Sequential(LinearJax((4, 2)), InstantJax(2, jnp.tanh)))
        JaxSequential  with shape (4, 2) {
            LinearJax '0_LinearJax' with shape (4, 2)
            InstantJax '1_InstantJax' with shape (2,)
        }
    """

    def __new__(cls, *mods: Union[Module, Mapping]) -> Any:
        net = __getattr__("JaxSequential") if _any_jax("Sequential", mods) else ModSequential
        return net(*mods)
