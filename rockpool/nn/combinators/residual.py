"""Residual blocks: ``y = f_n( ... f_1(x)) + x`` (:func:`Residual`, :class:`ModResidual`, :class:`JaxResidual`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional, Tuple, Union

from rockpool.nn.combinators.sequential import (
    SequentialMixin,
    Tree,
    _any_jax,
    _FactoryMeta,
    _lazy_jax_getattr,
    _named_modules,
)
from rockpool.nn.modules.module import Module
from rockpool.utilities.backend_management import missing_backend_shim

__all__ = ["Residual", "ResidualMixin", "ModResidual", "JaxResidual", "TorchResidual"]  # noqa: F822

TorchResidual = missing_backend_shim("TorchResidual", "torch")  # rockpool has no torch backend


class ResidualMixin(SequentialMixin):
    """Shared logic of :class:`ModResidual` and :class:`JaxResidual`: a chain plus a skip connection.

    The chain's input and output sizes must be equal (``ValueError`` otherwise).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if len(self) == 0:
            raise ValueError(f"{self._label}: give at least one module to wrap in a residual block.")
        self._check_residual(self.size_out)

    def _check_residual(self, size_out: Optional[int]) -> None:
        if self.size_in is not None and size_out is not None and size_out != self.size_in:
            raise ValueError(
                f"{self._label}: a residual block adds its input to its output, so the output size "
                f"({size_out}) must equal the input size ({self.size_in}). Change the last module's "
                f"output size to {self.size_in}."
            )

    def append(self, mod: Module, name: Optional[str] = None) -> "ResidualMixin":
        """Add a module at the end of the chain; its output size must equal the block's input size."""
        _named_modules(type(self).__name__, (mod,))
        self._check_residual(mod.size_out)
        self._add(mod, name)
        return self

    def evolve(self, input_data, record: bool = False) -> Tuple[Any, Tree, Tree]:
        """Evolve the chain and add the input to its output.

        Returns:
            ``(output, new_state, record)``: the chain's output plus the input (broadcast: a
            ``(T, N)`` input adds to a ``(B, T, N)`` chain output); state and record as
            :class:`~rockpool.nn.combinators.Sequential`.
        """
        data = self._chain_input(input_data)
        out, new_state, recorded = self._evolve_chain(data, record)
        return out + data, new_state, recorded


class ModResidual(ResidualMixin, Module):
    """Residual block of NumPy modules (build it with :func:`Residual`).

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.combinators import Residual
        >>> from rockpool.nn.modules import Linear
        >>> Residual(Linear((3, 3)))(np.ones((4, 3)))[0].shape
        (4, 3)
    """


_JAX_RESIDUAL_DOC = """Residual block of JaxModules (build it with :func:`Residual`).

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.combinators import Residual
        >>> from rockpool.nn.modules import LinearJax
        >>> Residual(LinearJax((3, 3)))(np.ones((4, 3)))[0].shape
        (4, 3)
    """


__getattr__ = _lazy_jax_getattr(globals(), "JaxResidual", ResidualMixin, _JAX_RESIDUAL_DOC)


class _ResidualMeta(_FactoryMeta):
    _mixin = ResidualMixin


class Residual(metaclass=_ResidualMeta):
    """Build a residual block: the chained submodules' output plus the input,

    .. math:: y(t) = f_n( \\dots f_1(x(t))) + x(t)

    Returns a :class:`JaxResidual` if any part is a JaxModule, else a :class:`ModResidual`.
    Parts are named and indexed as in :func:`~rockpool.nn.combinators.Sequential`; the chain must
    map ``N`` channels to ``N`` channels. The output is the chain's output plus the input, with
    array broadcasting (``(B, T, N)`` when the chain ends in a neuron module; a chain of weight
    layers keeps the input's rank).

    Args:
        *mods: The modules of the residual branch, or one ``OrderedDict`` of name -> module.

    Example:
        >>> from rockpool.nn.combinators import Residual
        >>> from rockpool.nn.modules import LinearJax
        >>> print(Residual(LinearJax((3, 3))))
        JaxResidual  with shape (3, 3) {
            LinearJax '0_LinearJax' with shape (3, 3)
        }
    """

    def __new__(cls, *mods: Union[Module, Mapping]) -> Any:
        net = __getattr__("JaxResidual") if _any_jax("Residual", mods) else ModResidual
        return net(*mods)
