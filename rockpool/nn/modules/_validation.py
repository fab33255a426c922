"""Checks at the door for module constructors and assignments (used by :mod:`.module`).

Constructor arguments of rockpool's own modules are checked before anything is built: complex
numbers, NaN, text where a number is expected, empty arrays, size-0 shapes, and ``dt`` /
``noise_std`` that are not one finite real number are errors naming the module and the argument.
Also here: the one-edit distance behind the "did you mean" warning for attribute typos.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

import numpy as np

from rockpool._warnings import RockpoolWarning
from rockpool.parameters import Constant

__all__: list = []


def _is_array(x: Any) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, type)


_SIGNATURES: Dict[Callable, Any] = {}


def _argument_with_shape(init: Callable, args: tuple, kwargs: dict, shape: Any) -> Optional[str]:
    """The name of the constructor argument that has ``shape`` (to name it in a shape error)."""
    sig = _SIGNATURES.get(init)
    if sig is None or shape is None:
        return None
    try:
        bound = sig.bind(None, *args, **kwargs)
    except TypeError:
        return None
    found = [n for n, v in list(bound.arguments.items())[1:] if n != "shape" and _is_array(v) and tuple(v.shape) == tuple(shape)]
    if not found:
        found = [n for n, v in list(bound.arguments.items())[1:] if n != "shape" and isinstance(v, (list, tuple)) and np.shape(v) == tuple(shape)]
    return found[0] if len(found) == 1 else None
_SCALAR_SETTINGS = ("dt", "noise_std")


def _check_arguments(owner: str, init: Callable, args: tuple, kwargs: dict) -> None:
    """Reject constructor arguments that can only be mistakes, naming ``owner`` and the argument."""
    import inspect

    sig = _SIGNATURES.get(init)
    if sig is None:
        sig = _SIGNATURES[init] = inspect.signature(init)
    try:
        bound = sig.bind(None, *args, **kwargs)
    except TypeError:
        return  # the call itself will say what is wrong with the arguments
    params = sig.parameters
    shape = bound.arguments.get("shape")
    if isinstance(shape, (int, np.integer, tuple, list)) and not isinstance(shape, bool):
        sizes = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        if any(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n == 0 for n in sizes):
            raise ValueError(
                f"{owner}: shape {shape!r} has a size of 0; a module with no inputs, outputs or "
                f"neurons computes nothing. Give sizes >= 1."
            )
    for i, (name, value) in enumerate(bound.arguments.items()):
        if name in _SCALAR_SETTINGS and value is None and params[name].default is not None:
            raise TypeError(f"{owner}: '{name}' must be a number, not None (default {params[name].default}).")
        if i == 0 or name in ("shape", "args", "kwargs") or value is None or callable(value):
            continue
        if isinstance(value, Constant):
            value = value.value
        default = params[name].default if name in params else inspect.Parameter.empty
        if isinstance(value, (str, bytes)):
            if isinstance(default, (int, float)) and not isinstance(default, bool):
                raise TypeError(f"{owner}: argument '{name}' must be a number (got the text {value!r}).")
            continue
        if name in _SCALAR_SETTINGS:
            _check_scalar_setting(owner, name, value)
            continue
        if isinstance(value, (bool, dict)) or not (_is_array(value) or isinstance(value, (int, float, complex, list, tuple))):
            continue
        if _is_tracer_like(value):
            continue
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError):
            continue
        if arr.dtype.kind == "c":
            raise TypeError(f"{owner}: argument '{name}' is complex ({arr.dtype}); pass real numbers.")
        numeric_default = isinstance(default, (int, float)) and not isinstance(default, bool)
        if arr.dtype.kind in "US" and not numeric_default:
            continue  # a list of names (e.g. astimedmodule's parameters=["weights"])
        if arr.dtype.kind in "USOV" and not isinstance(default, str):
            raise TypeError(f"{owner}: argument '{name}' must be numbers; got {arr.dtype} values.")
        if arr.size == 0 and default is not inspect.Parameter.empty:
            raise ValueError(f"{owner}: argument '{name}' is empty (shape {arr.shape}); pass a number or an array.")
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise ValueError(f"{owner}: argument '{name}' contains NaN; pass finite numbers.")


def _is_tracer_like(value: Any) -> bool:
    return hasattr(value, "aval") and not isinstance(value, np.ndarray) and type(value).__name__.endswith("Tracer")


def _check_scalar_setting(owner: str, name: str, value: Any) -> None:
    """``dt`` / ``noise_std``: one finite real number (ranges are checked on registration)."""
    if _is_tracer_like(value):
        return
    what = "the time step in seconds" if name == "dt" else "the noise standard deviation"
    if isinstance(value, (bool, str, bytes)) or not (_is_array(value) or isinstance(value, (int, float, complex))):
        raise TypeError(f"{owner}: '{name}' ({what}) must be a real number; got a {type(value).__name__}.")
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{owner}: '{name}' ({what}) must be a real number; got dtype {arr.dtype}.")
    if arr.ndim:
        raise ValueError(
            f"{owner}: '{name}' ({what}) must be a single number for the whole module; got an array "
            f"of shape {arr.shape}."
        )
    if not np.isfinite(arr):
        raise ValueError(f"{owner}: '{name}' ({what}) must be finite; got {float(arr)}.")


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


class _ValidationMixin:
    """The value checks of :class:`~rockpool.nn.modules.Module` (a mixin, to keep that file short):
    registered arrays must be real numbers, Parameters finite, activations shape-preserving;
    typos in attribute names and families warn."""

    _registry: Dict[str, Any]
    _submodule_names: tuple
    _time_constants: tuple

    if TYPE_CHECKING:  # provided by Module

        @property
        def _label(self) -> str: ...

        @property
        def size_out(self) -> Optional[int]: ...

        @property
        def _xp(self) -> Any: ...

        def _to_array(self, value: Any) -> Any: ...

        def _is_concrete(self, value: Any) -> bool: ...

    def _warn_typo(self, name: str) -> None:
        """Warn when a new plain attribute is one edit away from a registered one (``mod.tua = x``)."""
        close = [n for n in list(self._registry) + list(self._submodule_names) if _one_edit(name, n)]
        if close:
            warnings.warn(
                f"{self._label}: '{name}' is not a registered attribute, so this assignment creates a "
                f"new plain attribute and changes nothing in the simulation. Did you mean "
                f"'{close[0]}'?",
                RockpoolWarning,
                stacklevel=3,
            )

    def _registered_array(self, name: str, kind: type, value: Any) -> Any:
        """``value`` as the backend's array, or an error naming the module and attribute."""
        what = kind.__name__
        if isinstance(value, (str, bytes, dict, set)) or hasattr(value, "_registry"):
            raise TypeError(f"{self._label}: {what} '{name}' must be numbers; got a {type(value).__name__}.")
        if not _is_tracer_like(value) and np.iscomplexobj(value):
            raise TypeError(f"{self._label}: {what} '{name}' is complex; pass real numbers.")
        try:
            arr = self._to_array(value)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{self._label}: {what} '{name}' cannot be read as numbers ({e}).") from None
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{self._label}: {what} '{name}' must be real numbers; got dtype {arr.dtype}.")
        return arr

    def _check_finite_value(self, name: str, value: Any) -> None:
        """Parameters must be finite: NaN / inf are errors naming the module and attribute. The one
        exception is ``+inf`` in a time constant, which means "no decay" (a perfect integrator)."""
        if not self._is_concrete(value) or getattr(value, "dtype", np.dtype("f")).kind != "f":
            return
        if not self._all_finite(value, name in self._time_constants):
            raise ValueError(
                f"{self._label}: Parameter '{name}' contains NaN or inf; parameters must be finite"
                f"{' (a time constant may be +inf: no decay)' if name in self._time_constants else ''}. "
                f"Bounds for training are not parameters: use jax_loss.make_bounds for those."
            )

    def _all_finite(self, value: Any, allow_pos_inf: bool = False) -> bool:
        v = np.asarray(value)
        return bool((np.isfinite(v) | (v == np.inf)).all() if allow_pos_inf else np.isfinite(v).all())

    def _check_activation(self, name: str, fn: Callable) -> None:
        """Call a custom activation once on zeros of the neurons' shape; it must keep the shape."""
        n = self.size_out or 0
        probe = self._xp.zeros((1, n))
        threshold = self.__dict__.get("threshold", 0.0)
        try:
            out = fn(probe, threshold if threshold is not None else 0.0)
        except Exception as e:
            raise ValueError(
                f"{self._label}: the activation {getattr(fn, '__name__', fn)!r} fails on input of "
                f"shape (1, {n}) ({type(e).__name__}: {e}); it is called as f(x, threshold) on "
                f"arrays of shape (B, {n})."
            ) from None
        if tuple(np.shape(out)) != (1, n):
            raise ValueError(
                f"{self._label}: the activation {getattr(fn, '__name__', fn)!r} returns shape "
                f"{tuple(np.shape(out))} for input of shape (1, {n}); an activation must act "
                f"element-wise and keep the shape."
            )

    def _checked_query(self, kind: type, family: Any) -> Dict[str, Any]:
        from rockpool.nn.modules.module import _family_set

        out = self._query(kind, family)  # type: ignore[attr-defined]
        if family is not None and not out:
            known = self._families()
            unknown = sorted(_family_set(family) - known)  # type: ignore[operator]
            if unknown:
                warnings.warn(
                    f"{self._label}: no attribute has the family {', '.join(map(repr, unknown))}; the "
                    f"families here are {sorted(known)}. (Families match by exact string.)",
                    RockpoolWarning,
                    stacklevel=3,
                )
        return out

    def _families(self) -> set:
        fams = {a.family for a in self._registry.values() if a.family is not None}
        for n in self._submodule_names:
            fams |= self.__dict__[n]._families()
        return fams
