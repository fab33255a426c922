"""Lazy re-exports for package ``__init__`` files (PEP 562), so that importing a package stays light."""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable, Dict, List, Tuple


def lazy_exports(
    namespace: Dict[str, Any], lazy: Dict[str, str]
) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` that import ``lazy`` names on first use.

    Args:
        namespace: The package's ``globals()``; a loaded name is cached there.
        lazy: Public name -> the module that defines it.

    Example:
        >>> from rockpool._lazy import lazy_exports
        >>> ns = {"__name__": "pkg"}
        >>> getattr_, dir_ = lazy_exports(ns, {"sqrt": "math"})
        >>> getattr_("sqrt")(4.0), "sqrt" in ns, "sqrt" in dir_()
        (2.0, True, True)
    """

    def __getattr__(name: str) -> Any:
        if name in lazy:
            value = getattr(import_module(lazy[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")

    def __dir__() -> List[str]:
        return sorted(set(namespace) | set(lazy))

    return __getattr__, __dir__
