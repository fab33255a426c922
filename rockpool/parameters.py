"""Registered attribute kinds: :class:`Parameter`, :class:`State`, :class:`SimulationParameter`, :class:`Constant`.

Assigning one of these wrappers to a module attribute registers the attribute with the module:

>>> import numpy as np
>>> from rockpool.nn.modules import Module
>>> from rockpool.parameters import Parameter, State
>>> class M(Module):
...     def __init__(self, shape):
...         super().__init__(shape)
...         self.w = Parameter(shape=self.shape, init_func=np.zeros, family="weights")
...         self.v = State(np.zeros(self.shape[-1]))
...     def evolve(self, x, record=False):
...         return x @ self.w, {}, {}
>>> M((2, 3)).parameters("weights")["w"].shape
(2, 3)

The *kind* (the wrapper's class) says what an attribute is; the *family* (a free string such as
``"weights"`` or ``"taus"``) is a tag used to filter queries. ``Constant(x)`` marks a value as
non-trainable: a :class:`Parameter` given a ``Constant`` registers as a :class:`SimulationParameter`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple, Union

import numpy as np

__all__ = ["ParameterBase", "Parameter", "State", "SimulationParameter", "Constant"]

ShapeLike = Union[int, Tuple[int, ...], List[Tuple[int, ...]], None]


class Constant:
    """Mark a value as constant (not trainable).

    ``Parameter(Constant(x))`` and ``module.attr = Constant(x)`` register ``x`` as a
    :class:`SimulationParameter`, so it is absent from ``parameters()`` and untouched by training.

    Args:
        value: The value to freeze.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value: Any = value.value if isinstance(value, Constant) else value

    def __repr__(self) -> str:
        return f"Constant({self.value!r})"


class ParameterShapeError(ValueError):
    """Concrete data of the wrong shape for a registered attribute (a module constructor names itself)."""

    labelled: bool = False
    got: Optional[Tuple[int, ...]] = None  # the shape that was given


def _normalise_shapes(shape: ShapeLike) -> Optional[Tuple[Tuple[int, ...], ...]]:
    """Return a tuple of acceptable shapes (alternatives), or ``None`` for "any shape"."""
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)):
        return ((int(shape),),)
    if isinstance(shape, list):  # a list of acceptable alternatives
        return tuple(_normalise_shapes(s)[0] for s in shape)  # type: ignore[index]
    return (tuple(int(s) for s in shape),)


def _is_numeric(data: Any) -> bool:
    return isinstance(data, (int, float, complex, np.number, np.bool_, bool, np.ndarray, list)) or (
        hasattr(data, "shape") and hasattr(data, "dtype")
    )


class ParameterBase:
    """Base class of registered module attributes.

    Args:
        data: Concrete initial value. A scalar given for a registered shape is broadcast to it.
        family: Optional tag used to filter queries (``"weights"``, ``"taus"``, ...). May also be
            given as the second positional argument.
        init_func: Called as ``init_func(shape)`` to build the value when ``data`` is ``None``.
        shape: The expected shape, or a list of acceptable alternative shapes (the first one is used
            with ``init_func`` and for broadcasting scalars).
    """

    __slots__ = ("data", "family", "init_func", "shapes", "constant")

    def __init__(
        self,
        data: Any = None,
        family: Optional[str] = None,
        init_func: Optional[Callable[[Tuple[int, ...]], Any]] = None,
        shape: ShapeLike = None,
    ):
        self.constant = isinstance(data, Constant)
        if self.constant:
            data = data.value
        self.family = family
        self.init_func = init_func
        self.shapes = _normalise_shapes(shape)

        if data is None:
            if init_func is None:
                if self.shapes is None:
                    raise ValueError(
                        f"{type(self).__name__}: give either concrete `data`, or `shape=` together with `init_func=`."
                    )
                self.data = None  # a registered placeholder with a known shape
                return
            if self.shapes is None:
                raise ValueError(
                    f"{type(self).__name__}: `init_func` needs `shape=` to know what to build."
                )
            data = init_func(self.shapes[0])

        if self.shapes is not None and _is_numeric(data) and not callable(data):
            got = tuple(np.shape(data))
            if got not in self.shapes:
                if got == () or (np.size(data) == 1 and got == (1,)):
                    # - Broadcast a scalar to the first acceptable shape
                    data = np.broadcast_to(np.asarray(data).reshape(()), self.shapes[0]).copy()
                else:
                    want = " or ".join(str(s) for s in self.shapes)
                    err = ParameterShapeError(
                        f"{type(self).__name__}{' (' + family + ')' if family else ''}: "
                        f"data has shape {got}, expected {want}."
                    )
                    err.got = got
                    raise err
        self.data = data

    def __repr__(self) -> str:
        fam = f", family={self.family!r}" if self.family else ""
        return f"{type(self).__name__}({self.data!r}{fam})"


class _Parameter(ParameterBase):
    """A configuration value of a network, usually trainable (weights, time constants, biases)."""

    __slots__ = ()


class _State(ParameterBase):
    """A value that evolves during simulation (membrane potentials, synaptic currents, rng keys)."""

    __slots__ = ()


class _SimulationParameter(ParameterBase):
    """A value the simulator needs but that does not define the network (``dt``, noise level, ...)."""

    __slots__ = ()


for _cls, _public in ((_Parameter, "Parameter"), (_State, "State"), (_SimulationParameter, "SimulationParameter")):
    _cls.__name__ = _cls.__qualname__ = _public

# - After `self.w = Parameter(...)` the attribute holds an array, not the wrapper. Type checkers
#   infer an attribute's type from its first assignment, so they see the wrappers as functions
#   returning `Any`; at run time the names are the classes above.
if TYPE_CHECKING:

    def Parameter(data: Any = None, family: Optional[str] = None, init_func: Optional[Callable] = None, shape: ShapeLike = None) -> Any: ...  # noqa: E501

    def State(data: Any = None, family: Optional[str] = None, init_func: Optional[Callable] = None, shape: ShapeLike = None) -> Any: ...  # noqa: E501

    def SimulationParameter(data: Any = None, family: Optional[str] = None, init_func: Optional[Callable] = None, shape: ShapeLike = None) -> Any: ...  # noqa: E501

else:
    Parameter, State, SimulationParameter = _Parameter, _State, _SimulationParameter


def registered_kind(wrapper: ParameterBase) -> type:
    """The kind an attribute is registered as: a ``Constant`` parameter becomes a simulation parameter."""
    return _SimulationParameter if wrapper.constant else type(wrapper)
