"""JAX-backed modules. Importing this package imports JAX."""

from rockpool._optional import require

require("jax", "jax")  # a missing JAX is an ImportError naming the extra to install

from rockpool.nn.modules.jax.jax_module import JaxModule

__all__ = ["JaxModule", "LIFODEJax"]


def __getattr__(name: str):
    if name == "LIFODEJax":  # loaded on first use
        from rockpool.nn.modules.jax.lif_ode_jax import LIFODEJax

        return LIFODEJax
    raise AttributeError(f"module 'rockpool.nn.modules.jax' has no attribute {name!r}")
