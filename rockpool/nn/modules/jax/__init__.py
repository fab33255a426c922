"""JAX-backed modules. Importing this package imports JAX."""

from rockpool._optional import require

require("jax", "jax")  # a missing JAX is an ImportError naming the extra to install

from rockpool.nn.modules.jax.jax_module import JaxModule

__all__ = ["JaxModule"]
