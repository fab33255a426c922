"""Which computational backends are available, and placeholders for the ones that are not.

rockpool computes with NumPy and JAX. Other backends of the Rockpool API (torch, sinabs,
sinabs-exodus, ...) are not implemented here; their class names still exist as *placeholders*
(:func:`missing_backend_shim`), so code that imports them, subclasses them or tests
``isinstance`` against them keeps working, and using one raises a ``ModuleNotFoundError`` that
names the missing backend.

Example:
    >>> from rockpool.utilities.backend_management import backend_available, missing_backend_shim
    >>> backend_available("numpy")
    True
    >>> LIFTorch = missing_backend_shim("LIFTorch", "torch")
    >>> isinstance(object(), LIFTorch)
    False
"""

from __future__ import annotations

import importlib.util
from typing import Any, Callable, Dict, NoReturn, Optional

__all__ = [
    "backend_available",
    "list_backends",
    "check_backend",
    "missing_backend_shim",
    "missing_backend_error",
]

# - Backend name -> the importable module that provides it
_BACKEND_MODULES: Dict[str, str] = {
    "numpy": "numpy",
    "numba": "numba",
    "jax": "jax",
    "torch": "torch",
    "sinabs": "sinabs",
    "sinabs-exodus": "sinabs.exodus",
    "exodus": "sinabs.exodus",
    "brian": "brian2",
    "brian2": "brian2",
    "samna": "samna",
    "nir": "nir",
    "nirtorch": "nirtorch",
}

# - What `list_backends()` reports, in order
_LISTED = ("numpy", "numba", "jax", "torch", "sinabs", "sinabs-exodus", "brian", "cuda", "samna")


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a missing parent package, or a broken one
        return False


def _cuda_available() -> bool:
    """True if a CUDA device is visible to JAX (without importing JAX when it is not installed)."""
    if not _importable("jax"):
        return False
    try:
        import jax

        return any(d.platform == "gpu" for d in jax.devices())
    except RuntimeError:
        return False


def backend_available(*backend_names: str) -> bool:
    """``True`` iff every named backend can be imported.

    Names are backend names (``"numpy"``, ``"jax"``, ``"torch"``, ``"sinabs"``,
    ``"sinabs-exodus"``, ``"brian"``, ``"samna"``, ``"nir"``, ``"nirtorch"``, ``"cuda"``) or plain
    module names.

    Example:
        >>> backend_available("numpy", "jax")
        True
    """
    for name in backend_names:
        if name == "cuda":
            if not _cuda_available():
                return False
        elif not _importable(_BACKEND_MODULES.get(name, name)):
            return False
    return True


def list_backends() -> None:
    """Print whether each computational backend is available.

    Example:
        >>> list_backends()  # doctest: +ELLIPSIS
        Backend 'numpy': available.
        ...
    """
    for name in _LISTED:
        state = "available" if backend_available(name) else "not available"
        print(f"Backend '{name}': {state}.")


def _missing_message(class_name: str, backend_name: str, quote: str = "`", hint: str = "") -> str:
    """The text of every missing-backend error (placeholder classes and functions alike).

    ``quote`` surrounds the names (the reference quotes with backticks here, with ``'`` for its
    torch-only modules); ``hint`` (what to use instead) is appended when given.
    """
    q = quote
    if backend_available(*[b.strip() for b in backend_name.split(",")]):
        text = (
            f"{q}{class_name}{q} objects, and others relying on {q}{backend_name}{q}, are not implemented "
            f"in this library (it computes with NumPy and JAX)."
        )
    else:
        text = (
            f"Missing the {q}{backend_name}{q} backend. {q}{class_name}{q} objects, and others relying on "
            f"{q}{backend_name}{q} are not available."
        )
    return f"{text} {hint}" if hint else text


def missing_backend_error(class_name: str, backend_name: str) -> NoReturn:
    """Raise the ``ModuleNotFoundError`` for using ``class_name``, which needs ``backend_name``.

    Example:
        >>> missing_backend_error("LIFTorch", "torch")
        Traceback (most recent call last):
        ...
        ModuleNotFoundError: Missing the `torch` backend. `LIFTorch` objects, and others relying on `torch` are not available.
    """
    raise ModuleNotFoundError(_missing_message(class_name, backend_name))


def check_backend(backend_name: str, requirements: Any = None, throw_exception: bool = True) -> bool:
    """Check that a backend (and optionally further required modules) can be imported.

    Args:
        backend_name: The backend to check (see :func:`backend_available`).
        requirements: Further backend or module names that must all be importable (a name or a
            list of names); default: just ``backend_name``.
        throw_exception: If ``True`` (default), raise ``ModuleNotFoundError`` naming the missing
            backend instead of returning ``False``.

    Returns:
        ``True`` if everything is available.

    Example:
        >>> check_backend("numpy")
        True
        >>> check_backend("no-such-backend", throw_exception=False)
        False
    """
    if requirements is None:
        names = [backend_name]
    elif isinstance(requirements, str):
        names = [backend_name, requirements]
    else:
        names = [backend_name, *requirements]
    ok = backend_available(*names)
    if not ok and throw_exception:
        raise ModuleNotFoundError(
            f"Missing the `{backend_name}` backend (needs {', '.join(names)}). Install it to use "
            f"the classes that rely on it."
        )
    return ok


class _MissingBackendMeta(type):
    """Metaclass of placeholders: subclassing works; instances, attributes and ``isinstance`` don't."""

    _shim_class_name: str
    _shim_backend: str
    _shim_quote: str
    _shim_hint: str

    def _fail(cls) -> NoReturn:
        raise ModuleNotFoundError(
            _missing_message(cls._shim_class_name, cls._shim_backend, cls._shim_quote, cls._shim_hint)
        )

    def __call__(cls, *args: Any, **kwargs: Any) -> NoReturn:
        cls._fail()

    def __getattr__(cls, name: str) -> NoReturn:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # keep Python's protocol look-ups (copy, pickle, doctest) working
        cls._fail()

    def __instancecheck__(cls, instance: Any) -> bool:
        return False

    def __subclasscheck__(cls, subclass: type) -> bool:
        return isinstance(subclass, _MissingBackendMeta) and type.__subclasscheck__(cls, subclass)


def _placeholder_class(
    class_name: str,
    backend_name: str,
    quote: str = "`",
    hint: str = "",
    doc: Optional[str] = None,
    module: str = __name__,
) -> type:
    """The placeholder class behind :func:`missing_backend_shim` (and the torch-only names of
    ``rockpool._torch_shims``): the error quotes names with ``quote`` and ends with ``hint``."""
    return _MissingBackendMeta(
        class_name,
        (),
        {
            "_shim_class_name": class_name,
            "_shim_backend": backend_name,
            "_shim_quote": quote,
            "_shim_hint": hint,
            "__module__": module,
            "__doc__": doc
            or f"Placeholder for `{class_name}`: needs the `{backend_name}` backend, which is missing.",
        },
    )


def _placeholder_function(name: str, backend_name: str, quote: str = "`", hint: str = "") -> Callable[..., Any]:
    """A stand-in for the function ``name`` of a missing backend: calling it raises the
    ``ModuleNotFoundError`` of :func:`_missing_message`."""

    def stub(*args: Any, **kwargs: Any) -> NoReturn:
        raise ModuleNotFoundError(_missing_message(name, backend_name, quote, hint))

    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = f"``{name}`` needs the {backend_name} backend, which is not available (raises ModuleNotFoundError)."
    return stub


def missing_backend_shim(class_name: str, backend_name: str) -> type:
    """A placeholder class for ``class_name``, which needs the missing backend ``backend_name``.

    The placeholder can be imported and subclassed, and ``isinstance(x, Placeholder)`` is always
    ``False``; instantiating it (or a subclass) or reading a class attribute raises
    ``ModuleNotFoundError`` naming the backend.

    Example:
        >>> TorchModule = missing_backend_shim("TorchModule", "torch")
        >>> class Mine(TorchModule):
        ...     pass
        >>> Mine()
        Traceback (most recent call last):
        ...
        ModuleNotFoundError: Missing the `torch` backend. `TorchModule` objects, and others relying on `torch` are not available.
    """
    return _placeholder_class(class_name, backend_name)
