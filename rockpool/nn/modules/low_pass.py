"""``LowPass``: the reference library's torch-only exponential smoothing module; not available here."""

from __future__ import annotations

from typing import Any

from rockpool._torch_shims import missing_torch

__all__ = ["LowPass"]


class LowPass:
    """Exponential smoothing with a torch backend in the reference library: not available.

    Constructing one raises ``ModuleNotFoundError``; :class:`~rockpool.nn.modules.ExpSynJax` or
    :class:`~rockpool.nn.modules.ExpSyn` do the same smoothing.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        raise missing_torch("LowPass")
