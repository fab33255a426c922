"""JAX-backed modules. Importing this package imports JAX."""

from rockpool.nn.modules.jax.jax_module import JaxModule

__all__ = ["JaxModule"]
