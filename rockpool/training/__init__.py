"""Training utilities: losses (:mod:`~rockpool.training.jax_loss`), the :func:`fit` loop,
checkpoints and data-parallel helpers.

Names load lazily: ``import rockpool.training`` does not import JAX.

Example:
    >>> import numpy as np
    >>> from rockpool.nn.modules import LinearJax
    >>> from rockpool.training import fit, jax_loss
    >>> data = [(np.ones((10, 2)), np.zeros((10, 1)))] * 4
    >>> trained, history = fit(LinearJax((2, 1)), jax_loss.mse, data, "adam", epochs=5, lr=1e-2)
    >>> history.steps, bool(history.loss[-1] < history.loss[0])
    (20, True)
"""

from importlib import import_module as _import_module

_LAZY = {
    "fit": "rockpool.training.loop",
    "History": "rockpool.training.loop",
    "TrainingError": "rockpool.training.loop",
    "NonFiniteLossError": "rockpool.training.loop",
    "BatchShapeError": "rockpool.training.loop",
    "make_optimizer": "rockpool.training.loop",
    "save_checkpoint": "rockpool.training.checkpoint",
    "load_checkpoint": "rockpool.training.checkpoint",
    "load_module": "rockpool.training.checkpoint",
    "read_metadata": "rockpool.training.checkpoint",
    "Checkpoint": "rockpool.training.checkpoint",
    "CheckpointMismatchError": "rockpool.training.checkpoint",
    "CheckpointError": "rockpool.training.checkpoint",
    "data_parallel_mesh": "rockpool.training.parallel",
    "shard_batch": "rockpool.training.parallel",
    "replicate": "rockpool.training.parallel",
}
_SUBMODULES = ("jax_loss", "jax_debug", "checkpoint", "parallel", "loop")

__all__ = [*_LAZY, *_SUBMODULES]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(_import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return _import_module(f"rockpool.training.{name}")
    raise AttributeError(f"module 'rockpool.training' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
