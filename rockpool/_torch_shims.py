"""Names of the reference library's torch backend, which this library does not have.

They exist so that code importing them keeps importing; using one raises ``ModuleNotFoundError``
(the error type the reference raises without torch). Importing them never warns.

The mechanism is the one of :mod:`rockpool.utilities.backend_management` (placeholder classes
and functions, one message); these names quote with ``'`` as the reference does for its
torch-only modules, and the message says what to use instead.
"""

from __future__ import annotations

from typing import Any, Callable

from rockpool.utilities.backend_management import (
    _missing_message,
    _placeholder_class,
    _placeholder_function,
)

__all__ = ["missing_torch", "torch_function", "torch_class"]

_QUOTE = "'"
_HINT = (
    "This library has NumPy and JAX backends only (e.g. use ExpSynJax, or "
    "rockpool.transform.functional for parameter transforms)."
)


def missing_torch(name: str) -> ModuleNotFoundError:
    """The error raised when ``name`` (a torch-backed object) is used.

    Example:
        >>> str(missing_torch("LowPass"))[:31]
        "Missing the 'torch' backend. 'L"
    """
    return ModuleNotFoundError(_missing_message(name, "torch", _QUOTE, _HINT))


def torch_function(name: str) -> Callable[..., Any]:
    """A stand-in for the torch-backed function ``name`` that raises :func:`missing_torch` when called."""
    return _placeholder_function(name, "torch", _QUOTE, _HINT)


def torch_class(name: str, doc: str, module: str) -> type:
    """A placeholder for the torch-backed class ``name`` (see
    :func:`~rockpool.utilities.backend_management.missing_backend_shim`): it can be imported and
    subclassed; instantiating it raises :func:`missing_torch`."""
    return _placeholder_class(name, "torch", _QUOTE, _HINT, doc=doc, module=module)
