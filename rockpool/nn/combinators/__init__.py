"""Combinators: build networks out of modules.

* :func:`Sequential` chains modules (``JaxSequential`` if any part is a JaxModule, else ``ModSequential``).
* :func:`Residual` adds a skip connection around a chain.
* :func:`FFwdStack` joins modules with trainable weight matrices.

Importing this package does not import JAX; the JAX combinator classes are created on first use.
"""

from rockpool._lazy import lazy_exports
from rockpool.nn.combinators.ffwd_stack import FFwdStack, FFwdStackMixin, ModFFwdStack
from rockpool.nn.combinators.residual import ModResidual, Residual, ResidualMixin
from rockpool.nn.combinators.sequential import ModSequential, Sequential, SequentialMixin

_LAZY = {
    "JaxSequential": "rockpool.nn.combinators.sequential",
    "JaxResidual": "rockpool.nn.combinators.residual",
    "JaxFFwdStack": "rockpool.nn.combinators.ffwd_stack",
    # - Placeholders (rockpool has no torch backend): importable, instantiating raises
    "TorchModule": "rockpool.nn.modules.missing_backends",
    "TorchResidual": "rockpool.nn.combinators.residual",
}

__all__ = [
    "Sequential",
    "SequentialMixin",
    "ModSequential",
    "Residual",
    "ResidualMixin",
    "ModResidual",
    "FFwdStack",
    "FFwdStackMixin",
    "ModFFwdStack",
    *_LAZY,
]


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)
