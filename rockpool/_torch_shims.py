"""Names of the reference library's torch backend, which this library does not have.

They exist so that code importing them keeps importing; using one raises ``ModuleNotFoundError``
(the error type the reference raises without torch). Importing them never warns.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["missing_torch", "torch_function"]


def missing_torch(name: str) -> ModuleNotFoundError:
    """The error raised when ``name`` (a torch-backed object) is used.

    Example:
        >>> str(missing_torch("LowPass"))[:31]
        "Missing the 'torch' backend. 'L"
    """
    return ModuleNotFoundError(
        f"Missing the 'torch' backend. '{name}' objects, and others relying on 'torch' are not "
        f"available. This library has NumPy and JAX backends only (e.g. use ExpSynJax, or "
        f"rockpool.transform.functional for parameter transforms)."
    )


def torch_function(name: str) -> Callable[..., Any]:
    """A stand-in for the torch-backed function ``name`` that raises :func:`missing_torch` when called."""

    def stub(*args: Any, **kwargs: Any) -> Any:
        raise missing_torch(name)

    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = f"``{name}`` needs the torch backend, which is not available (raises ModuleNotFoundError)."
    return stub
