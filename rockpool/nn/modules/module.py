"""The :class:`Module` base class: attribute registry, queries, functional API, input checks, repr.

A module is a tree: registered attributes (:class:`~rockpool.parameters.Parameter`,
:class:`~rockpool.parameters.State`, :class:`~rockpool.parameters.SimulationParameter`) plus
submodules, both kept in assignment order. Values live as plain attributes (``mod.tau`` is an
array); the registry only records *what* each attribute is (kind, family, acceptable shapes,
initial value), so every query is a walk over the registry and the submodule names.

The NumPy backend (this class) updates state in place when called. :class:`JaxModule` overrides
:meth:`Module._writable` so that every functional call (``set_attributes``, ``reset_state``,
``reset_parameters``) works on a shallow copy and leaves the original untouched.
"""

from __future__ import annotations

import functools
import warnings
from abc import ABC, abstractmethod
from collections import OrderedDict
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np

from rockpool.parameters import Constant, ParameterBase, ParameterShapeError, registered_kind
from rockpool.parameters import _Parameter as Parameter
from rockpool.parameters import _SimulationParameter as SimulationParameter
from rockpool.parameters import _State as State
from rockpool._warnings import RockpoolWarning
from rockpool.nn.modules._validation import (
    _ValidationMixin,
    _SCALAR_SETTINGS,
    _argument_with_shape,
    _check_arguments,
    _check_scalar_setting,
    _is_array,
    _is_number,
)
from rockpool.nn.modules._inputs import _InputMixin

__all__ = ["Module", "ModuleBase", "RockpoolWarning", "shape_tuple"]

Family = Optional[Union[str, Tuple[str, ...], List[str]]]
Tree = Dict[str, Any]


class _Attr:
    """Registry entry of one attribute: what it is, not its value.

    ``shapes`` is a tuple of acceptable shapes (``None``: any). ``initial`` is the value the
    attribute had when registered; ``reset_state`` / ``reset_parameters`` restore it exactly.
    """

    __slots__ = ("kind", "family", "shapes", "initial")

    def __init__(self, kind: type, family: Optional[str], shapes, initial: Any):
        self.kind, self.family, self.shapes, self.initial = kind, family, shapes, initial

    def key(self) -> tuple:
        return (self.kind, self.family, self.shapes)


def _family_set(family: Family) -> Optional[frozenset]:
    if family is None:
        return None
    if isinstance(family, str):
        return frozenset((family,))
    return frozenset(family)


def shape_tuple(owner: str, shape: Any) -> Tuple[int, ...]:
    """``shape`` (an int, or a sequence of ints) as a tuple of non-negative ints, else ``ValueError``.

    Whole floats (``4.0``) are accepted; ``3.5``, negative sizes and non-numbers are not.
    """
    items = (shape,) if isinstance(shape, (int, float, np.number)) else shape
    try:
        items = tuple(items)
        ok = all(
            not isinstance(s, bool) and isinstance(s, (int, float, np.number)) and float(s).is_integer() and s >= 0
            for s in items
        )
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(
            f"{owner}: shape must be a whole number >= 0 or a tuple of them (got {shape!r}); sizes "
            f"count channels (inputs, outputs, neurons)."
        )
    return tuple(int(s) for s in items)


def _naming_shape_errors(init: Callable) -> Callable:
    """Wrap a module's ``__init__``: check its arguments at the door, and name the module in errors.

    ``Parameter(np.ones(2), "taus", shape=(3,))`` cannot know which module it belongs to; the
    innermost module constructor that sees the error prefixes its class name, once. Rockpool's own
    modules also have their arguments checked before anything is built (:func:`_check_arguments`):
    complex numbers, NaN, text where a number is expected, and ``dt`` / ``noise_std`` that are not
    one finite real number are errors naming the module and the argument.
    """
    own = init.__module__.startswith("rockpool.")

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        if own:
            _check_arguments(type(self).__name__, init, args, kwargs)
        try:
            init(self, *args, **kwargs)
        except ParameterShapeError as e:
            if e.labelled:
                if not own or type(self).__name__ in str(e):
                    raise
                outer = ParameterShapeError(f"{type(self).__name__}: {e}")  # a submodule's argument
                outer.labelled = True
                raise outer from None
            arg = _argument_with_shape(init, args, kwargs, e.got) if own else None
            err = ParameterShapeError(f"{type(self).__name__}: {f'argument {arg!r}: ' if arg else ''}{e}")
            err.labelled = True
            raise err from None
        except (ValueError, TypeError) as e:
            # - A library error that does not say which module it is about gets the class name
            name = type(self).__name__
            if name not in str(e):
                raise (TypeError if isinstance(e, TypeError) else ValueError)(f"{name}: {e}") from e
            raise

    return __init__


def _python_scalar(x: Any) -> Any:
    """A NumPy scalar (``np.float64(1e-3)``) as the Python number it stands for; anything else as is.

    Simulation parameters given as numbers are static configuration (Python decisions at trace
    time); a NumPy scalar would otherwise become an array leaf, traced inside compiled code.
    """
    return x.item() if isinstance(x, np.generic) and x.dtype.kind in "biuf" else x


class Module(_InputMixin, _ValidationMixin, ABC):
    """Base class of all modules (NumPy backend).

    Subclasses register attributes in ``__init__`` by assigning wrappers
    (``self.w = Parameter(...)``) or submodules (``self.neurons = Rate(4)``), and implement
    :meth:`evolve`. Calling a module prepares the input, evolves, and (for this NumPy backend)
    stores the new state in the module. The built-in modules check and shape their input (see
    ``_input_rule``); a subclass of your own receives its input unchanged, exactly as given (a
    scalar, a list, any rank), and may call :meth:`_auto_batch` in ``evolve`` to get the
    neuron modules' ``(B, T, N)`` convention.

    Args:
        shape: The module's shape: an ``int`` or a tuple; ``shape[0]`` is the input size and
            ``shape[-1]`` the output size.
        spiking_input: Whether the module expects spikes as input.
        spiking_output: Whether the module emits spikes.

    Example:
        >>> from rockpool.nn.modules import Rate
        >>> print(Rate(4))
        Rate  with shape (4,)
    """

    # - Attributes that must be > 0 when concrete, and attributes compared to `dt` (warn if
    #   shorter than `_dt_ratio * dt`). Subclasses override.
    _positive_attributes: Tuple[str, ...] = ()
    _time_constants: Tuple[str, ...] = ()
    _dt_ratio: float = 1.0
    # - What the warning for a time constant shorter than `_dt_ratio * dt` says happens
    _short_time_constant_note: str = (
        "the simulation will be inaccurate or unstable. Use a smaller dt or a longer {name}."
    )
    # - Checked for every module, whatever the subclass lists: the time step must be > 0, a noise
    #   level >= 0 (concrete values only, Python numbers included)
    _always_positive: Tuple[str, ...] = ("dt",)
    _non_negative_attributes: Tuple[str, ...] = ("noise_std",)
    # - Callable simulation parameters probed once with zeros of the neurons' shape
    _activation_attributes: Tuple[str, ...] = ("act_fn",)

    # - Internal attributes, set in `__init__` (declared for type checkers)
    _registry: Dict[str, _Attr]
    _submodule_names: Tuple[str, ...]
    _name: Optional[str]
    _shape: Tuple[int, ...]
    _spiking_input: bool
    _spiking_output: bool

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            cls.__init__ = _naming_shape_errors(init)  # type: ignore[method-assign]

    def __init__(
        self,
        shape: Optional[Union[int, Tuple[int, ...]]] = None,
        spiking_input: bool = False,
        spiking_output: bool = False,
        *args,
        **kwargs,
    ):
        if args or kwargs:
            extra = [repr(a) for a in args] + [f"{k}=" for k in kwargs]
            raise TypeError(
                f"{type(self).__name__}: unexpected constructor arguments {', '.join(extra)}."
            )
        d = self.__dict__
        d["_registry"] = {}
        d["_submodule_names"] = ()
        d["_name"] = None
        d["_shape"] = () if shape is None else shape_tuple(type(self).__name__, shape)
        d["_spiking_input"] = bool(spiking_input)
        d["_spiking_output"] = bool(spiking_output)

    # ------------------------------------------------------------------ registry
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        reg = d.get("_registry")
        if reg is None:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__(shape) before assigning attributes."
            )
        if isinstance(value, Constant):
            value = SimulationParameter(value)
        if isinstance(value, ParameterBase):
            self._register_attribute(name, value)
        elif isinstance(value, Module):
            self._register_module(name, value)
        elif name in reg:
            self._assign(name, value, checked=False)
        else:
            if name in d.get("_submodule_names", ()):
                d["_submodule_names"] = tuple(n for n in d["_submodule_names"] if n != name)
            elif name not in d and not name.startswith("_") and reg and not hasattr(type(self), name):
                self._warn_typo(name)
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        if name in d["_registry"]:
            d["_registry"] = {k: v for k, v in d["_registry"].items() if k != name}
        d["_submodule_names"] = tuple(n for n in d["_submodule_names"] if n != name)
        object.__delattr__(self, name)

    def _register_attribute(self, name: str, wrapper: ParameterBase) -> None:
        """Record an attribute in the registry and set its value."""
        if name in self._registry:
            raise ValueError(
                f"{self._label}: attribute '{name}' is already registered as a "
                f"{self._registry[name].kind.__name__}; assign a plain value to change it."
            )
        if name in self._submodule_names:  # an attribute replaces a submodule of the same name
            self.__dict__["_submodule_names"] = tuple(n for n in self._submodule_names if n != name)
        kind = registered_kind(wrapper)
        value = wrapper.data
        if kind is SimulationParameter:
            value = _python_scalar(value)  # `dt=np.float64(1e-3)` stays static, like `dt=1e-3`
        if kind is not SimulationParameter or (_is_array(value) or isinstance(value, (list, tuple))):
            if value is not None and not callable(value):
                value = self._registered_array(name, kind, value)
        if value is not None:
            self._check_value(name, value)
            if kind is Parameter:
                self._check_finite_value(name, value)
            elif callable(value) and name in self._activation_attributes:
                self._check_activation(name, value)
        shapes = wrapper.shapes
        if shapes is None and value is not None and _is_array(value) and kind is not SimulationParameter:
            shapes = (tuple(value.shape),)
        # - Copy-on-write: registries may be shared with copies of this module
        self.__dict__["_registry"] = {
            **self._registry,
            name: _Attr(kind, wrapper.family, shapes, self._snapshot(value)),
        }
        self.__dict__[name] = value
        self._changed_static(name)
        self._check_time_constants(name)

    def _register_module(self, name: str, mod: "Module") -> None:
        """Add a submodule to the module registry."""
        if name in self._registry:
            raise ValueError(f"{self._label}: '{name}' is a registered attribute, not a submodule.")
        mod = mod._named(name)
        d = self.__dict__
        if name not in d["_submodule_names"]:
            d["_submodule_names"] = d["_submodule_names"] + (name,)
        d[name] = mod
        self._changed_static(name)

    def _named(self, name: str) -> "Module":
        """Set this module's name (NumPy modules are renamed in place)."""
        self.__dict__["_name"] = name
        return self

    def _has_registered_attribute(self, name: str) -> bool:
        return name in self._registry

    def _get_attribute_registry(self) -> Tuple[Dict, Dict]:
        """``(registered attributes, submodules)``: name -> (kind name, family) and name -> module."""
        attrs = {n: (a.kind.__name__, a.family) for n, a in self._registry.items()}
        return attrs, dict(self.modules())

    # - Backend hooks (JaxModule overrides these)
    def _to_array(self, value: Any) -> Any:
        # - A copy: the module must not share memory with the caller's array (or with a
        #   `new_state` it returned), else writing into one silently changes the other
        arr = np.array(value)
        if arr.dtype.kind == "f" and arr.dtype != np.float64:
            arr = arr.astype(np.float64)
        return arr

    def _snapshot(self, value: Any) -> Any:
        return value.copy() if isinstance(value, np.ndarray) else value

    def _is_concrete(self, value: Any) -> bool:
        return True

    def _changed_static(self, name: str) -> None:  # noqa: B027 (a hook; NumPy modules cache nothing)
        """Called when something other than a Parameter/State value changes."""

    def _writable(self) -> "Module":
        """The module that a functional call modifies: ``self`` here, a copy for JaxModule."""
        return self

    # - Assignment with checks
    def _assign(self, name: str, value: Any, checked: bool = True) -> None:
        """Assign a new value (converted and shape-checked). ``checked``: the value was already
        validated by ``set_attributes``; a plain assignment also checks a Parameter's finiteness."""
        attr = self._registry[name]
        if attr.kind is SimulationParameter:
            value = self._static_value(name, value)
        if attr.kind is SimulationParameter and not _is_array(value):
            if isinstance(value, (list, tuple)) and attr.shapes is not None:
                value = self._to_array(value)
            else:
                self.__dict__[name] = value
                self._changed_static(name)
                self._check_time_constants(name)
                return
        value = self._converted(name, attr, value)
        self._check_value(name, value)
        if not checked and attr.kind is Parameter:
            self._check_finite_value(name, value)
        self.__dict__[name] = value
        if attr.kind is SimulationParameter:
            self._changed_static(name)
        self._check_time_constants(name)

    def _converted(self, name: str, attr: _Attr, value: Any) -> Any:
        """Convert ``value`` to the backend's array type and check it against the registered shape."""
        if isinstance(value, Module) or isinstance(value, dict):
            raise ValueError(
                f"{self._label}: attribute '{name}' expects an array, got a {type(value).__name__}."
            )
        try:
            value = self._to_array(value)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{self._label}: cannot assign {value!r} to '{name}': {e}") from None
        if value.dtype.kind not in "biuf":
            raise ValueError(
                f"{self._label}: cannot assign a value of dtype {value.dtype} to '{name}'; "
                f"expected real numbers (a float or int array)."
            )
        current_dtype = getattr(self.__dict__.get(name), "dtype", None)
        if current_dtype is not None and value.dtype != current_dtype:
            if value.dtype.kind in "biu" and current_dtype.kind in "fiu":
                value = value.astype(current_dtype)  # `mod.tau = 1` keeps tau floating point
            elif value.dtype.kind == "f" and current_dtype.kind in "iu":
                raise ValueError(
                    f"{self._label}: '{name}' holds integers ({current_dtype}) but the new value is "
                    f"{value.dtype}; assign an integer array (e.g. the '{name}' of a new_state)."
                )
        shapes = attr.shapes
        if shapes is not None and tuple(value.shape) not in shapes:
            if value.ndim == 0 or (value.ndim == 1 and value.shape[0] == 1):
                value = self._broadcast(value.reshape(()), shapes[0])
            else:
                want = " or ".join(str(s) for s in shapes)
                raise ValueError(
                    f"{self._label}: The new value assigned to {name} must be of shape {want} "
                    f"(got {tuple(value.shape)})."
                )
        return value

    def _broadcast(self, value: Any, shape: Tuple[int, ...]) -> Any:
        return np.broadcast_to(value, shape).copy()

    def _static_value(self, name: str, value: Any) -> Any:
        """Prepare a new value of a SimulationParameter: a concrete NumPy / 0-d scalar assigned to a
        static (Python) value stays a Python number, :meth:`_convert_static` resolves it, and the
        result is checked."""
        current = self.__dict__.get(name)
        if _is_array(current):
            numbers = isinstance(value, (int, float, list, tuple)) and not isinstance(value, bool)
            if numbers:
                value = self._to_array(value)  # `mod.tau = 0.1` on a Constant tau: still an array
        elif current is not None and _is_array(value) and np.ndim(value) == 0 and self._is_concrete(value):
            value = np.asarray(value).item()
        try:
            value = self._convert_static(name, _python_scalar(value))
        except (TypeError, ValueError) as e:
            if f"'{name}'" in str(e):
                raise
            raise type(e)(f"{self._label}: cannot assign to '{name}': {e}") from None
        if _is_number(current) and _is_array(value) and self._is_concrete(value) and np.ndim(value):
            raise ValueError(
                f"{self._label}: '{name}' is a single number for the whole module; got an array of "
                f"shape {tuple(np.shape(value))}."
            )
        if _is_number(current) and not _is_array(value) and self._is_concrete(value):
            if not _is_number(value):
                raise TypeError(
                    f"{self._label}: '{name}' is a number; the new value must be one too (got "
                    f"{value!r} of type {type(value).__name__})."
                )
            if value != value:
                raise ValueError(f"{self._label}: '{name}' cannot be NaN.")
        if callable(current) and not callable(value):
            raise TypeError(
                f"{self._label}: '{name}' holds a function; the new value must be a function too "
                f"(got a {type(value).__name__})."
            )
        self._check_value(name, value)
        if callable(value) and name in self._activation_attributes:
            self._check_activation(name, value)
        return value

    def _convert_static(self, name: str, value: Any) -> Any:
        """Hook: convert / validate a new value of a SimulationParameter (e.g. an activation name)."""
        return value

    def _check_value(self, name: str, value: Any) -> None:
        """Reject concrete non-positive values of positive attributes (time constants, ``dt``, ...)
        and negative noise levels, naming the module, the attribute, and what to pass instead."""
        if name in _SCALAR_SETTINGS and self._is_concrete(value) and not isinstance(value, ParameterBase):
            _check_scalar_setting(self._label, name, value)
        strict = name in self._positive_attributes or name in self._always_positive
        if not strict and name not in self._non_negative_attributes:
            return
        if isinstance(value, bool) or not (_is_array(value) or isinstance(value, (int, float))):
            return
        if not self._is_concrete(value):
            return
        v = np.asarray(value)
        if not v.size or v.dtype.kind not in "biuf":
            return
        if strict and not np.all(v > 0):
            if name == "dt":
                hint = "dt is the time step in seconds; e.g. dt=1e-3."
            elif name in self._time_constants:
                hint = f"Time constants are in seconds; e.g. {name}=0.02."
            else:
                hint = f"Pass a positive {name}."
            raise ValueError(f"{self._label}: '{name}' must be > 0 everywhere (got min {np.min(v):g}). {hint}")
        if not strict and not np.all(v >= 0):
            raise ValueError(
                f"{self._label}: '{name}' must be >= 0 (got min {np.min(v):g}); use 0 to switch it off."
            )

    def _check_time_constants(self, changed: str) -> None:
        if changed != "dt" and changed not in self._time_constants:
            return
        d = self.__dict__
        dt = d.get("dt")
        if dt is None or not self._is_concrete(dt) or _is_array(dt) and np.ndim(dt) > 0:
            return
        for tname in self._time_constants if changed == "dt" else (changed,):
            tau = d.get(tname)
            if tau is None or not self._is_concrete(tau) or not np.size(tau):
                continue
            tmin = float(np.min(np.asarray(tau)))
            if tmin < self._dt_ratio * float(dt) * (1 - 1e-6):  # float32 rounding at the limit is fine
                warnings.warn(
                    f"{self._label}: {tname} (min {tmin:g} s) is shorter than "
                    f"{self._dt_ratio:g} * dt = {self._dt_ratio * float(dt):g} s; "
                    + self._short_time_constant_note.format(name=tname, limit=self._dt_ratio * float(dt)),
                    RockpoolWarning,
                    stacklevel=4,
                )

    # ------------------------------------------------------------------ naming and shape
    @property
    def _label(self) -> str:
        return self.full_name.strip()

    @property
    def class_name(self) -> str:
        """Class name of ``self``."""
        return type(self).__name__

    @property
    def name(self) -> str:
        """The attribute name of this module in quotes (``"'neurons'"``), or ``''`` at top level."""
        return f"'{self._name}'" if self._name is not None else ""

    @property
    def full_name(self) -> str:
        """The class name and module name together."""
        return f"{self.class_name} {self.name}"

    @property
    def shape(self) -> tuple:
        """The shape of this module."""
        return self._shape

    @property
    def size_in(self) -> Optional[int]:
        """The number of input channels."""
        return self._shape[0] if self._shape else None

    @property
    def size_out(self) -> Optional[int]:
        """The number of output channels."""
        return self._shape[-1] if self._shape else None

    @property
    def size(self) -> Optional[int]:
        """(DEPRECATED) The output size of this module; use ``size_out``."""
        warnings.warn("`size` is deprecated; use `size_out`.", DeprecationWarning, stacklevel=2)
        return self.size_out

    @property
    def spiking_input(self) -> bool:
        """If ``True``, this module receives spiking input."""
        return self._spiking_input

    @property
    def spiking_output(self) -> bool:
        """If ``True``, this module sends spiking output."""
        return self._spiking_output

    def __repr__(self) -> str:
        return self._repr_lines("")

    def _repr_lines(self, indent: str) -> str:
        line = f"{indent}{self.class_name} {self.name} with shape {self.shape}"
        subs = self.modules()
        if not subs:
            return line
        inner = "\n".join(m._repr_lines(indent + "    ") for m in subs.values())
        return f"{line} {{\n{inner}\n{indent}}}"

    __str__ = __repr__

    # ------------------------------------------------------------------ queries
    def modules(self) -> "OrderedDict[str, Module]":
        """Direct submodules, by name, in assignment order."""
        d = self.__dict__
        return OrderedDict((n, d[n]) for n in self._submodule_names)

    def _query(self, kind: Optional[type], family: Family = None, names=None) -> Tree:
        fams = _family_set(family)
        filtered = fams is not None or names is not None
        d = self.__dict__
        out: Tree = {}
        for n, a in self._registry.items():
            if kind is not None and not issubclass(a.kind, kind):
                continue
            if fams is not None and a.family not in fams:
                continue
            if names is not None and n not in names:
                continue
            out[n] = d[n]
        for n in self._submodule_names:
            sub = d[n]._query(kind, family, names)
            if sub or not filtered:
                out[n] = sub
        return out

    def _get_attribute_family(self, type_name: str, family: Family = None) -> Tree:
        """Attributes of kind ``type_name`` (``"Parameter"``, ``"State"``, ...) in ``family``."""
        kinds = {"Parameter": Parameter, "State": State, "SimulationParameter": SimulationParameter}
        if type_name not in kinds:
            raise ValueError(f"Unknown attribute kind '{type_name}'; expected one of {list(kinds)}.")
        return self._query(kinds[type_name], family)

    def parameters(self, family: Family = None) -> Tree:
        """Nested dict of the Parameters of this module and its submodules.

        Args:
            family: Only return parameters of this family (a string, or a list/tuple of them).
                A family that no attribute of the tree has warns (with the families that exist).
        """
        return self._checked_query(Parameter, family)

    def state(self, family: Family = None) -> Tree:
        """Nested dict of the States of this module and its submodules."""
        return self._checked_query(State, family)

    def simulation_parameters(self, family: Family = None) -> Tree:
        """Nested dict of the SimulationParameters of this module and its submodules."""
        return self._checked_query(SimulationParameter, family)

    def attributes_named(self, name: Union[str, Iterable[str]]) -> Tree:
        """Nested dict of registered attributes called ``name`` (or any of several names)."""
        names = frozenset((name,)) if isinstance(name, str) else frozenset(name)
        return self._query(None, None, names)

    # ------------------------------------------------------------------ functional API
    def set_attributes(self, new_attributes: Tree) -> "Module":
        """Assign a (partial) tree of new attribute values to this module and its submodules.

        The whole tree is validated first (unknown keys, shapes, values), so a bad tree changes
        nothing. NumPy modules are updated in place and returned; JAX modules return a new module.
        """
        self._validate_tree(new_attributes, ())
        return self._apply_tree(new_attributes)

    def _validate_tree(self, tree: Any, path: Tuple[str, ...]) -> None:
        where = ".".join(path) or "<root>"
        if not isinstance(tree, dict):
            raise ValueError(
                f"{self._label}: set_attributes expects a dict at '{where}', got {type(tree).__name__}."
            )
        reg, d = self._registry, self.__dict__
        for key, value in tree.items():
            if key in reg:
                if isinstance(value, dict):
                    raise ValueError(
                        f"{self._label}: '{'.'.join(path + (key,))}' is an attribute but the new "
                        f"value is a dict (mismatched tree)."
                    )
                attr = reg[key]
                if attr.kind is SimulationParameter:
                    value = self._static_value(key, value)
                    if not _is_array(value):
                        continue
                value = self._converted(key, attr, value)
                self._check_value(key, value)
                if attr.kind is Parameter:
                    self._check_finite_value(key, value)
            elif key in self._submodule_names:
                d[key]._validate_tree(value, path + (key,))
            else:
                known = list(reg) + list(self._submodule_names)
                raise ValueError(
                    f"{self._label}: set_attributes got unknown key '{'.'.join(path + (key,))}'; "
                    f"known keys here are {known}."
                )

    def _apply_tree(self, tree: Tree) -> "Module":
        mod = self._writable()
        copied = mod is not self
        subs = mod._submodule_names
        for key in subs:
            # - A copy (JaxModule) copies every submodule too, not only those on the changed path:
            #   else `new.sub.tau = x` on the returned module would also change the original
            if key in tree or copied:
                mod.__dict__[key] = mod.__dict__[key]._apply_tree(tree.get(key, {}))
        for key, value in tree.items():
            if key not in subs:
                mod._assign(key, value)
        return mod

    def _initial_tree(self, kind: type) -> Tree:
        out: Tree = {n: self._snapshot(a.initial) for n, a in self._registry.items() if a.kind is kind}
        for n in self._submodule_names:
            out[n] = self.__dict__[n]._initial_tree(kind)
        return out

    def reset_state(self) -> "Module":
        """Reset all States of this module and its submodules to their initial values."""
        return self._apply_tree(self._initial_tree(State))

    def reset_parameters(self) -> "Module":
        """Reset all Parameters of this module and its submodules to their initial values."""
        return self._apply_tree(self._initial_tree(Parameter))

    def _reset_attribute(self, name: str) -> "Module":
        """Reset one attribute to its initial value."""
        return self._apply_tree({name: self._snapshot(self._registry[name].initial)})

    # ------------------------------------------------------------------ evolution
    @abstractmethod
    def evolve(self, input_data, record: bool = False) -> Tuple[Any, Tree, Tree]:
        """Evolve over ``input_data`` of shape ``(T, size_in)`` or ``(B, T, size_in)``.

        Returns:
            ``(output, new_state, record)``.
        """

    def __call__(self, input_data, record: bool = False, *args, **kwargs) -> Tuple[Any, Tree, Tree]:
        data = self._check_input(input_data)
        output, new_state, recorded = self.evolve(data, *args, record=record, **kwargs)  # type: ignore[misc]
        if new_state:
            # - A user subclass may return any state tree (e.g. a child's flat state, which the
            #   reference accepts): apply the part it owns. Built-in modules stay strict.
            self.set_attributes(new_state if self._input_rule is not None else self._owned_part(new_state))
        return output, new_state, recorded

    def _owned_part(self, tree: Any) -> Any:
        """The part of a state tree whose keys this module (or its submodules) owns."""
        if not isinstance(tree, dict):
            return tree  # a mismatch: let set_attributes name it
        subs = self.modules()
        return {
            k: subs[k]._owned_part(v) if k in subs else v
            for k, v in tree.items()
            if k in subs or self._has_registered_attribute(k)
        }

    @property
    def _xp(self):
        return np

    # ------------------------------------------------------------------ conversions
    def timed(self, output_num: int = 0, dt: Optional[float] = None, add_events: bool = False):
        """Wrap this module to evolve over time series (a :class:`~rockpool.nn.modules.TimedModuleWrapper`).

        The wrapper rasterises :class:`~rockpool.timeseries.TSEvent` input (or samples
        :class:`~rockpool.timeseries.TSContinuous` input) at ``dt``, evolves this module, and
        returns a ``TSEvent`` (spiking output) or ``TSContinuous``; it keeps the state and a clock
        between calls.

        Args:
            output_num: Which output to use if the module returns several.
            dt: Time step in seconds (default: this module's ``dt``, or for a combinator the ``dt``
                its submodules share; required when there is none).
            add_events: Count events per time bin instead of marking presence.

        Example:
            >>> from rockpool.nn.modules import Rate
            >>> Rate(2).timed().dt
            0.001
        """
        from rockpool.nn.modules.timed_module import TimedModuleWrapper

        return TimedModuleWrapper(self, output_num=output_num, dt=dt, add_events=add_events)

    def as_graph(self):
        """Convert this module to a computational graph (:mod:`rockpool.graph`).

        Dispatches by class to the converters registered in :mod:`rockpool.graph.convert`.

        Raises:
            NotImplementedError: If no graph is defined for this module's class.
        """
        from rockpool.graph.convert import module_to_graph

        return module_to_graph(self)

    def _wrap_recorded_state(
        self, recorded_dict: Tree, t_start: float = 0.0, dt: Optional[float] = None
    ) -> Dict[str, Any]:
        """Wrap a record of ``(B, T, ...)`` arrays as :class:`~rockpool.timeseries.TSContinuous`.

        Batch element 0 is kept; trailing axes are flattened into channels. Nested records of
        submodules are wrapped recursively.

        Args:
            recorded_dict: The record returned by ``evolve(..., record=True)``.
            t_start: Time of the first step, in seconds.
            dt: Time step in seconds (default: this module's ``dt``, else 1.0).
        """
        from rockpool.timeseries import TSContinuous

        if dt is None:
            dt = getattr(self, "dt", None)
            dt = 1.0 if dt is None else dt
        out: Dict[str, Any] = {}
        for key, value in recorded_dict.items():
            if isinstance(value, dict):
                sub = self.__dict__.get(key)
                sub = sub if isinstance(sub, Module) else self
                out[key] = sub._wrap_recorded_state(value, t_start, dt)
                continue
            arr = np.asarray(value)
            if arr.ndim >= 3:
                arr = arr[0]
            arr = arr.reshape(arr.shape[0], -1) if arr.ndim else arr.reshape(1, 1)
            out[key] = TSContinuous.from_clocked(arr, dt=float(dt), t_start=t_start, name=key)
        return out


ModuleBase = Module
