"""Lazy imports of optional dependencies, with errors that name the extra to install."""

from importlib import import_module
from types import ModuleType

__all__ = ["require"]


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise an ``ImportError`` naming the extra that provides it.

    Example:
        >>> np = require("numpy", "core")
    """
    try:
        return import_module(module)
    except ImportError as e:
        raise ImportError(
            f"This feature needs the optional package '{module.split('.')[0]}', which is not "
            f"installed. Install it with: pip install 'rockpool[{extra}]'"
        ) from e
