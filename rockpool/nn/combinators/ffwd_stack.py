"""Feed-forward stacks: modules joined by trainable weight matrices (:func:`FFwdStack`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Optional, Tuple, Union

import numpy as np

from rockpool.nn.combinators.sequential import (
    SequentialMixin,
    _any_jax,
    _FactoryMeta,
    _lazy_jax_getattr,
    _named_modules,
)
from rockpool.nn.modules.module import Module
from rockpool.parameters import Parameter
from rockpool.utilities.backend_management import missing_backend_shim

__all__ = ["FFwdStack", "FFwdStackMixin", "ModFFwdStack", "JaxFFwdStack", "TorchFFwdStack", "kaiming_uniform"]  # noqa: F822

TorchFFwdStack = missing_backend_shim("TorchFFwdStack", "torch")  # rockpool has no torch backend


def kaiming_uniform(shape: Tuple[int, int]) -> np.ndarray:
    """Weights drawn from :math:`U[-\\sqrt{6 / N_{in}}, \\sqrt{6 / N_{in}}]` for ``shape = (N_in, N_out)``."""
    lim = np.sqrt(6.0 / shape[0])
    return np.random.uniform(-lim, lim, size=shape)


class FFwdStackMixin(SequentialMixin):
    """Shared logic of :class:`ModFFwdStack` and :class:`JaxFFwdStack`.

    Part ``i`` and part ``i + 1`` are joined by ``weight_i`` of shape
    ``(part_i.size_out, part_{i+1}.size_in)``; neighbouring sizes need not match.
    """

    _weight_init_func: Callable[[Tuple[int, ...]], Any]

    def __init__(self, *args, weight_init_func: Optional[Callable[[Tuple[int, int]], Any]] = None, **kwargs):
        super().__init__(*args, **kwargs)
        if len(self) == 0:
            raise ValueError(f"{self._label}: give at least one module to stack.")
        object.__setattr__(self, "_weight_init_func", weight_init_func or kaiming_uniform)
        mods = list(self)
        for i in range(len(mods) - 1):
            self._add_weight(i, mods[i], mods[i + 1])

    def _check_neighbours(self, prev: Module, mod: Module, name: str) -> None:
        pass  # a weight matrix adapts the sizes

    def _add_weight(self, i: int, prev: Module, mod: Module) -> None:
        name = f"weight_{i}"
        if name in self._submodule_names:
            raise ValueError(f"{self._label}: the name '{name}' is reserved for a weight matrix; rename the submodule.")
        if prev.size_out is None or mod.size_in is None:
            raise ValueError(
                f"{self._label}: cannot size {name}: {prev.full_name.strip()} and "
                f"{mod.full_name.strip()} must both have a known shape."
            )
        setattr(
            self,
            name,
            Parameter(shape=(prev.size_out, mod.size_in), init_func=self._weight_init_func, family="weights"),
        )

    def append(self, mod: Module, name: Optional[str] = None) -> "FFwdStackMixin":
        """Add a module at the end of the stack, joined to the current last module by a new weight."""
        _named_modules(type(self).__name__, (mod,))
        n = len(self)
        if name is not None and name == f"weight_{n - 1}":
            raise ValueError(f"{self._label}: the name '{name}' is reserved for a weight matrix.")
        prev = self[-1]
        added = self._add(mod, name)
        self._add_weight(n - 1, prev, added)
        return self

    def _join(self, i: int, x: Any) -> Any:
        """Weight the output of part ``i`` by ``weight_i`` (the record keeps it before weighting)."""
        return x @ self.__dict__[f"weight_{i}"]


class ModFFwdStack(FFwdStackMixin, Module):
    """Feed-forward stack of NumPy modules (build it with :func:`FFwdStack`)."""


_JAX_FFWD_DOC = """Feed-forward stack of JaxModules (build it with :func:`FFwdStack`)."""


__getattr__ = _lazy_jax_getattr(globals(), "JaxFFwdStack", FFwdStackMixin, _JAX_FFWD_DOC)


class _FFwdMeta(_FactoryMeta):
    _mixin = FFwdStackMixin


class FFwdStack(metaclass=_FFwdMeta):
    """Build a stack of modules joined by trainable weight matrices.

    For parts :math:`f_0, \\dots, f_{n-1}` the stack computes

    .. math:: y = f_{n-1}( \\dots f_1( f_0(x) W_0 ) \\dots W_{n-2})

    where ``weight_i`` (:math:`W_i`, family ``"weights"``, shape ``(f_i.size_out,
    f_{i+1}.size_in)``) is inserted between consecutive parts only: there is no weight before the
    first part or after the last (put a ``LinearJax`` / ``Linear`` in front with
    :func:`~rockpool.nn.combinators.Sequential` if you need input weights). Weights are drawn
    from :math:`U[\\pm\\sqrt{6 / N_{in}}]` unless ``weight_init_func(shape)`` is given.

    Returns a ``JaxFFwdStack`` if any part is a JaxModule, else a ``ModFFwdStack``.

    Args:
        *mods: The modules, in order, or one ``OrderedDict`` of name -> module.
        weight_init_func: Called with each weight shape ``(N_in, N_out)``; returns the initial weights.

    Example:
        >>> from rockpool.nn.combinators import FFwdStack
        >>> from rockpool.nn.modules import RateJax
        >>> net = FFwdStack(RateJax(4), RateJax(3))
        >>> net.weight_0.shape, net.shape
        ((4, 3), (4, 3))
    """

    def __new__(
        cls,
        *mods: Union[Module, Mapping],
        weight_init_func: Optional[Callable[[Tuple[int, int]], Any]] = None,
    ) -> Any:
        net = __getattr__("JaxFFwdStack") if _any_jax("FFwdStack", mods) else ModFFwdStack
        return net(*mods, weight_init_func=weight_init_func)
