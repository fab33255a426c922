"""``LowPass``: the reference library's torch-only exponential smoothing module; not available here."""

from __future__ import annotations

from rockpool._torch_shims import torch_class

__all__ = ["LowPass"]


LowPass = torch_class(
    "LowPass",
    doc="Exponential smoothing with a torch backend in the reference library: not available.\n\n"
    "Constructing one raises ``ModuleNotFoundError``; :class:`~rockpool.nn.modules.ExpSynJax` or "
    ":class:`~rockpool.nn.modules.ExpSyn` do the same smoothing.",
    module=__name__,
)
