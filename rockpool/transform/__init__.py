"""Transforms for hardware-robust training: device mismatch, parameter dropout, stochastic and
post-training quantisation.

* :func:`mismatch_generator` (:mod:`rockpool.transform.mismatch`): draw mismatched parameters.
* :mod:`rockpool.transform.functional`: pure tree transforms (``mismatch``, ``dropout``,
  ``stochastic_round``) with explicit keys, for ``jit`` / ``grad`` / ``vmap``.
* :mod:`rockpool.transform.dropout`, :mod:`rockpool.transform.quantize`: wrapper modules that
  evolve a module with transformed parameters (:class:`~rockpool.transform.param_transformer.JaxParameterTransformerMixin`).
* :mod:`rockpool.transform.quantize_methods`: post-training quantisation to integer weights.
* :mod:`rockpool.transform.training`: train with ``fit`` under parameter noise
  (:func:`~rockpool.transform.training.noisy_loss`).

Names load lazily: ``import rockpool.transform`` imports neither JAX nor SciPy.

Example:
    >>> from rockpool.transform import mismatch_generator
    >>> from rockpool.transform.dropout import Dropout
"""

from rockpool._lazy import lazy_exports

_LAZY = {"mismatch_generator": "rockpool.transform.mismatch"}
_SUBMODULES = ("mismatch", "param_transformer", "dropout", "quantize", "quantize_methods",
               "functional", "training", "torch_transform")

__all__ = [*_LAZY, *_SUBMODULES]

_getattr, __dir__ = lazy_exports(globals(), _LAZY)


def __getattr__(name: str):
    if name in _SUBMODULES:
        from importlib import import_module

        return import_module(f"rockpool.transform.{name}")
    return _getattr(name)
