"""Rockpool v1 layers: the :class:`Layer` base class, for code adapted with
:func:`~rockpool.nn.modules.astimedmodule` / :class:`~rockpool.nn.modules.timed_module.LayerToTimedModule`.

Only the base class is provided (the v1 neuron layers themselves are not part of this library).
"""

from rockpool.nn.layers.layer import Layer

__all__ = ["Layer"]
