"""The reference library's torch losses (``rockpool.training.torch_loss``): not available.

Importing this module works; using any name from it raises ``ModuleNotFoundError`` (no torch
backend here). The JAX losses are in :mod:`rockpool.training.jax_loss`.

Example:
    >>> import rockpool.training.torch_loss as tl
    >>> try:
    ...     tl.summed_exp_boundary_loss(1.0)
    ... except ModuleNotFoundError as e:
    ...     print(type(e).__name__)
    ModuleNotFoundError
"""

from rockpool._torch_shims import torch_function

__all__: list = []


def __getattr__(name: str):
    if name.startswith("_") or name.startswith("pytest"):  # not a loss name (tools probe these)
        raise AttributeError(f"module 'rockpool.training.torch_loss' has no attribute {name!r}")
    return torch_function(name)
