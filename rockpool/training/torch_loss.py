"""Losses for the torch backend of the Rockpool API, which rockpool does not provide.

Importing this module raises ``ModuleNotFoundError`` naming the missing backend (as it does in
Rockpool without torch); the JAX losses are in :mod:`rockpool.training.jax_loss`.
"""

raise ModuleNotFoundError(
    "Missing the `torch` backend: rockpool.training.torch_loss relies on `torch`, which rockpool "
    "does not provide. Use the JAX losses in rockpool.training.jax_loss."
)
