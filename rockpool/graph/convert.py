"""``Module.as_graph()`` converters, one per module class, found through a registry.

``Module.as_graph()`` calls :func:`module_to_graph`, which walks the module's class hierarchy and
uses the first registered converter. Built-in converters are registered by class *name* for
classes defined inside rockpool (so converting a NumPy module never imports JAX); register your
own with :func:`register_graph_converter` (by class or by name).

What each converter returns:

* a weight or synapse layer (``Linear``, ``ExpSyn``, ``Instant``) returns its
  :class:`~rockpool.graph.GraphModule` itself;
* a neuron layer (``Rate``, ``LIF``: the neuron module, plus a ``..._recurrent_...``
  :class:`~rockpool.graph.LinearWeights` loop when it has ``w_rec``) or a network (``Sequential``,
  ``Residual``, ``FFwdStack``) returns a :class:`~rockpool.graph.GraphHolder` whose
  ``input_nodes``/``output_nodes`` are the layer's or network's, as in the reference.

Every graph object keeps the module it came from in ``computational_module``.

Example:
    >>> from rockpool.nn.modules import Linear, Rate
    >>> from rockpool.nn.combinators import Sequential
    >>> g = Sequential(Linear((2, 3)), Rate(3)).as_graph()
    >>> (len(g.input_nodes), len(g.output_nodes))
    (2, 3)
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Union

import numpy as np

from rockpool.graph.graph_base import GraphHolder, GraphModuleBase, SetList
from rockpool.graph.graph_modules import (
    AliasConnection,
    ExpSynapsesRealValue,
    InstantNeurons,
    LIFNeuronWithSynsRealValue,
    LinearWeights,
    RateNeuronWithSynsRealValue,
)
from rockpool.graph.utils import _merge_nodes, connect_modules

__all__ = ["register_graph_converter", "module_to_graph"]

Converter = Callable[[Any], GraphModuleBase]
_BY_NAME: Dict[str, Converter] = {}
_BY_CLASS: Dict[type, Converter] = {}


def register_graph_converter(*classes: Union[type, str]) -> Callable[[Converter], Converter]:
    """Decorator registering ``fn(module) -> graph`` as the ``as_graph()`` of some module classes.

    Args:
        classes: Module classes, or class names (names only match classes defined in rockpool).

    Example:
        >>> from rockpool.graph import register_graph_converter, GraphModule
        >>> @register_graph_converter("MyModule")
        ... def _convert(mod):
        ...     return GraphModule._factory(mod.size_in, mod.size_out, "my", mod)
    """

    def deco(fn: Converter) -> Converter:
        for c in classes:
            if isinstance(c, str):
                _BY_NAME[c] = fn
            else:
                _BY_CLASS[c] = fn
        return fn

    return deco


def module_to_graph(module: Any) -> GraphModuleBase:
    """Convert a module to a computational graph (what ``module.as_graph()`` calls).

    Raises:
        NotImplementedError: If no converter is registered for the module's class.
    """
    for klass in type(module).__mro__:
        fn = _BY_CLASS.get(klass)
        if fn is None and klass.__module__.startswith("rockpool."):
            fn = _BY_NAME.get(klass.__name__)
        if fn is not None:
            return fn(module)
    known = sorted(set(_BY_NAME) | {c.__name__ for c in _BY_CLASS})
    raise NotImplementedError(
        f"{type(module).__name__}.as_graph(): no computational graph is defined for class "
        f"{type(module).__name__}. Classes with a graph: {', '.join(known)}. Register a converter "
        f"with rockpool.graph.register_graph_converter({type(module).__name__})."
    )


# ---------------------------------------------------------------------------- helpers
def _arr(x: Any) -> np.ndarray:
    return np.array(x, dtype=float)


def _gname(mod: Any, part: str = "") -> str:
    """Graph names are unique per module object: ``f"{Class}_{name}_{id}"`` (``name`` as in the
    module's repr: quoted for a submodule, empty at top level), with ``part`` after the class."""
    return f"{mod.class_name}_{part + '_' if part else ''}{mod.name}_{id(mod)}"


def _activation_name(fn: Any) -> Any:
    """A rockpool activation as its name (``"relu"``, ...); any other callable as itself."""
    name = getattr(fn, "__name__", None)
    if name in ("relu", "sigmoid", "tanh") and getattr(fn, "__module__", "").startswith("rockpool."):
        return name
    return fn


def _neuron_holder(neurons: GraphModuleBase, mod: Any) -> GraphHolder:
    """A holder around the neurons of ``mod`` (as the reference returns for ``Rate``/``LIF``), plus,
    if ``mod`` has recurrent weights ``w_rec``, those weights from the neurons' outputs back to their
    inputs. Hardware mappers replace the neuron module in place (``replace_module``), so the holder
    keeps pointing at the live graph."""
    if "w_rec" in mod._registry:
        LinearWeights(
            neurons.output_nodes, neurons.input_nodes, _gname(mod, "recurrent"), mod, _arr(mod.w_rec)
        )
    return GraphHolder(SetList(neurons.input_nodes), SetList(neurons.output_nodes), neurons.name, mod)


# ---------------------------------------------------------------------------- converters
@register_graph_converter("Linear", "LinearJax")
def _linear(mod: Any) -> GraphModuleBase:
    bias = _arr(mod.bias) if "bias" in mod._registry else None
    return LinearWeights._factory(mod.size_in, mod.size_out, _gname(mod), mod, _arr(mod.weight), bias)


@register_graph_converter("Instant", "InstantJax")
def _instant(mod: Any) -> GraphModuleBase:
    return InstantNeurons._factory(mod.size_in, mod.size_out, _gname(mod), mod, mod.function)


@register_graph_converter("Rate", "RateJax")
def _rate(mod: Any) -> GraphModuleBase:
    n = mod.size_out
    neurons = RateNeuronWithSynsRealValue._factory(
        n,
        n,
        _gname(mod),
        mod,
        tau=_arr(mod.tau),
        bias=_arr(mod.bias),
        dt=float(mod.dt),
        threshold=_arr(mod.threshold),
        activation=_activation_name(mod.act_fn),
    )
    return _neuron_holder(neurons, mod)


@register_graph_converter("LIF", "LIFJax")
def _lif(mod: Any) -> GraphModuleBase:
    n_out = mod.size_out
    neurons = LIFNeuronWithSynsRealValue._factory(
        mod.size_in,
        n_out,
        _gname(mod),
        mod,
        tau_mem=np.broadcast_to(_arr(mod.tau_mem), (n_out,)).copy(),
        tau_syn=np.broadcast_to(_arr(mod.tau_syn), (n_out, mod.size_in // n_out)).copy(),
        threshold=np.broadcast_to(_arr(mod.threshold), (n_out,)).copy(),
        bias=np.broadcast_to(_arr(mod.bias), (n_out,)).copy(),
        dt=float(mod.dt),
    )
    return _neuron_holder(neurons, mod)


@register_graph_converter("ExpSyn", "ExpSynJax")
def _expsyn(mod: Any) -> GraphModuleBase:
    return ExpSynapsesRealValue._factory(
        mod.size_in, mod.size_out, _gname(mod), mod, _arr(mod.tau), float(mod.dt)
    )


def _chain(mod: Any, weights: bool = False) -> GraphHolder:
    subs = list(mod.modules().items())
    if not subs:
        raise ValueError(f"{mod._label}.as_graph(): the network has no submodules.")
    graphs = []
    for i, (_name, sub) in enumerate(subs):
        if weights and i > 0:
            w = getattr(mod, f"weight_{i - 1}")
            graphs.append(
                LinearWeights._factory(w.shape[0], w.shape[1], _gname(mod, f"weight_{i - 1}"), mod, _arr(w))
            )
        graphs.append(sub.as_graph())
    for a, b in zip(graphs[:-1], graphs[1:], strict=True):
        connect_modules(a, b)
    return GraphHolder(SetList(graphs[0].input_nodes), SetList(graphs[-1].output_nodes), _gname(mod), mod)


@register_graph_converter("SequentialMixin", "ModSequential", "JaxSequential")
def _sequential(mod: Any) -> GraphModuleBase:
    return _chain(mod)


@register_graph_converter("FFwdStackMixin", "ModFFwdStack", "JaxFFwdStack")
def _ffwd_stack(mod: Any) -> GraphModuleBase:
    return _chain(mod, weights=True)


@register_graph_converter("ResidualMixin", "ModResidual", "JaxResidual")
def _residual(mod: Any) -> GraphModuleBase:
    holder = _chain(mod)
    skip = AliasConnection._factory(mod.size_in, mod.size_out, _gname(mod, "skip"), mod)
    # - The skip path reads the block's input nodes and adds into its output nodes
    for keep, drop in zip(holder.input_nodes, list(skip.input_nodes), strict=True):
        _merge_nodes(keep, drop)
    for keep, drop in zip(holder.output_nodes, list(skip.output_nodes), strict=True):
        _merge_nodes(keep, drop)
    return holder


@register_graph_converter("TimedModuleWrapper")
def _timed_wrapper(mod: Any) -> GraphModuleBase:
    return mod.module.as_graph()
