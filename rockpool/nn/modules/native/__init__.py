"""NumPy-backed modules (the "native" twins of the JAX modules)."""
