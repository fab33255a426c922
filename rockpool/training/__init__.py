"""Training utilities: losses (:mod:`~rockpool.training.jax_loss`), the :func:`fit` loop,
checkpoints and data-parallel helpers.

Names load lazily: ``import rockpool.training`` does not import JAX.

Example:
    >>> from rockpool.training import fit  # doctest: +SKIP
    >>> trained, history = fit(net, loss, data, "adam", epochs=10, lr=1e-3)  # doctest: +SKIP
"""

import sys as _sys
import types as _types
from importlib import import_module as _import_module

_LAZY = {
    "fit": "rockpool.training.fit",
    "History": "rockpool.training.fit",
    "TrainingError": "rockpool.training.fit",
    "NonFiniteLossError": "rockpool.training.fit",
    "BatchShapeError": "rockpool.training.fit",
    "make_optimizer": "rockpool.training.fit",
    "save_checkpoint": "rockpool.training.checkpoint",
    "load_checkpoint": "rockpool.training.checkpoint",
    "load_module": "rockpool.training.checkpoint",
    "read_metadata": "rockpool.training.checkpoint",
    "Checkpoint": "rockpool.training.checkpoint",
    "CheckpointMismatchError": "rockpool.training.checkpoint",
    "data_parallel_mesh": "rockpool.training.parallel",
    "shard_batch": "rockpool.training.parallel",
    "replicate": "rockpool.training.parallel",
}
_SUBMODULES = ("jax_loss", "checkpoint", "parallel")  # fit.py: see _TrainingPackage

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


class _TrainingPackage(_types.ModuleType):
    """``rockpool.training.fit`` is the *function*, although ``fit.py`` is also a submodule.

    Importing a submodule makes Python set it as an attribute of its package, which would replace
    the function ``fit`` by the module ``rockpool.training.fit`` as soon as anything imports that
    module directly. A property on the package's class keeps the public name pointing at the
    function; ``from rockpool.training.fit import History`` still works (it reads ``sys.modules``).
    """

    @property
    def fit(self):
        return _import_module("rockpool.training.fit").fit

    @fit.setter
    def fit(self, value) -> None:
        pass  # the import system storing the submodule: keep the function


_sys.modules[__name__].__class__ = _TrainingPackage
