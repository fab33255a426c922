"""Utilities to build, walk and edit computational graphs.

Graphs may contain cycles (recurrent weights), so every walker here keeps a visited set.

Example:
    >>> import numpy as np
    >>> from rockpool.graph import LinearWeights, GenericNeurons, connect_modules, bag_graph
    >>> w = LinearWeights._factory(2, 3, "w", None, np.ones((2, 3)))
    >>> n = GenericNeurons._factory(3, 3, "n")
    >>> connect_modules(w, n)
    >>> nodes, modules = bag_graph(w)
    >>> len(nodes), len(modules)
    (8, 2)
"""

from __future__ import annotations

from typing import Iterator, Optional, Sequence, Tuple, Type

from rockpool.graph.graph_base import GraphHolder, GraphModule, GraphModuleBase, GraphNode, SetList

__all__ = [
    "connect_modules",
    "bag_graph",
    "find_modules_of_subclass",
    "find_recurrent_modules",
    "replace_module",
]


def _replace_in(nodes: SetList, old: GraphNode, new: GraphNode, owner: GraphModuleBase) -> None:
    """Put ``new`` where ``old`` is in a node list, keeping its position."""
    for i, n in enumerate(nodes):
        if n is old:
            if any(m is new for m in nodes):
                raise ValueError(
                    f"{owner!r} would be connected twice to the same node; a graph module cannot "
                    f"read or drive one node on two channels."
                )
            list.__setitem__(nodes, i, new)


def _merge_nodes(keep: GraphNode, drop: GraphNode) -> None:
    """Make every module connected to ``drop`` use ``keep`` instead."""
    if keep is drop:
        return
    for m in list(drop.sink_modules):
        _replace_in(m.input_nodes, drop, keep, m)
        keep.add_sink(m)
    for m in list(drop.source_modules):
        _replace_in(m.output_nodes, drop, keep, m)
        keep.add_source(m)
    drop.sink_modules = SetList()
    drop.source_modules = SetList()


def connect_modules(
    source: GraphModuleBase,
    dest: GraphModuleBase,
    source_indices: Optional[Sequence[int]] = None,
    dest_indices: Optional[Sequence[int]] = None,
) -> None:
    """Connect outputs of ``source`` to inputs of ``dest`` (in place), by merging the nodes.

    Output node ``source_indices[k]`` of ``source`` and input node ``dest_indices[k]`` of
    ``dest`` become one node (the source's, which takes the place of the destination's node in
    ``dest.input_nodes``); every module that used the destination's node now uses the source's,
    and the replaced node is left detached. Both default to all channels, in order.

    Args:
        source: The graph module (or holder) whose outputs are connected.
        dest: The graph module (or holder) whose inputs receive them.
        source_indices: Which output channels of ``source`` to connect.
        dest_indices: Which input channels of ``dest`` they connect to.

    Raises:
        ValueError: If the numbers of channels to connect differ.
    """
    src_idx = list(range(source.size_out)) if source_indices is None else list(source_indices)
    dst_idx = list(range(dest.size_in)) if dest_indices is None else list(dest_indices)
    if len(src_idx) != len(dst_idx):
        raise ValueError(
            f"connect_modules: cannot connect {len(src_idx)} output channel(s) of {source!r} to "
            f"{len(dst_idx)} input channel(s) of {dest!r}; give matching index lists."
        )
    for si, di in zip(src_idx, dst_idx, strict=True):
        keep = source.output_nodes[si]
        drop = dest.input_nodes[di]
        _merge_nodes(keep, drop)
        if dest.input_nodes[di] is not keep:  # a holder (or a dest not registered with the node)
            list.__setitem__(dest.input_nodes, di, keep)


def bag_graph(
    graph: GraphModuleBase,
    nodes_bag: Optional[SetList] = None,
    modules_bag: Optional[SetList] = None,
) -> Tuple[SetList, SetList]:
    """Collect every node and every graph module connected to ``graph``, depth first.

    Visiting a module not seen yet records it, adds all its input nodes and then all its output
    nodes to the node bag, then, for each input node, visits the node's source modules and then
    its sink modules, and does the same for each output node. So the walk goes forwards and
    backwards (side branches and recurrent cycles are found) and, for a holder over
    ``A -> B -> C``, the node bag starts with the holder's input nodes, then its output nodes,
    then the inner nodes. :class:`GraphHolder` objects are traversed but left out of the
    returned modules. (The walk keeps its own stack, so deep graphs do not hit Python's
    recursion limit.)

    Args:
        graph: Where to start (a graph module or a holder).
        nodes_bag: Nodes already collected (extended in place); default empty.
        modules_bag: Modules already visited (extended in place); default empty.

    Returns:
        ``(nodes, modules)``: two :class:`SetList`, in the order they were reached.
    """
    nodes_bag = SetList() if nodes_bag is None else nodes_bag
    modules_bag = SetList() if modules_bag is None else modules_bag
    seen_nodes = {id(n) for n in nodes_bag}
    seen_mods = {id(m) for m in modules_bag}

    def neighbours(mod: GraphModuleBase) -> Iterator[GraphModuleBase]:
        for node in (*mod.input_nodes, *mod.output_nodes):
            yield from list(node.source_modules)
            yield from list(node.sink_modules)

    def enter(mod: GraphModuleBase) -> Iterator[GraphModuleBase]:
        seen_mods.add(id(mod))
        list.append(modules_bag, mod)
        for node in (*mod.input_nodes, *mod.output_nodes):
            if id(node) not in seen_nodes:
                seen_nodes.add(id(node))
                list.append(nodes_bag, node)
        return neighbours(mod)

    stack = [] if id(graph) in seen_mods else [enter(graph)]
    while stack:
        for mod in stack[-1]:
            if id(mod) not in seen_mods:
                stack.append(enter(mod))
                break
        else:
            stack.pop()
    return nodes_bag, SetList(m for m in modules_bag if not isinstance(m, GraphHolder))


def find_modules_of_subclass(graph: GraphModuleBase, cls: Type) -> SetList:
    """All graph modules connected to ``graph`` that are instances of ``cls``."""
    _, modules = bag_graph(graph)
    return SetList(m for m in modules if isinstance(m, cls))


def find_recurrent_modules(graph: GraphModuleBase) -> Tuple[SetList, SetList]:
    """Find the graph modules with a direct recurrent loop.

    A module is recurrent when some module is both a source of one of its input nodes and a sink
    of one of its output nodes (a module connected to itself counts): a neuron population and its
    recurrent weights are both recurrent. ``X -> Y <-> Z`` gives ``([X, Z, Y], [Z, Y])``.

    Returns:
        ``(modules, recurrent_modules)``: all modules of the graph and the recurrent ones, both
        in :func:`bag_graph` order.
    """
    _, modules = bag_graph(graph)
    recurrent = SetList()
    for m in modules:
        sources = {id(s) for n in m.input_nodes for s in n.source_modules}
        if any(id(s) in sources for n in m.output_nodes for s in n.sink_modules):
            recurrent.append(m)
    return modules, recurrent


def replace_module(target: GraphModule, replacement: GraphModuleBase) -> None:
    """Put ``replacement`` (a graph module or a holder of a subgraph) in the place of ``target``.

    ``replacement`` must have as many input and output nodes as ``target``. Afterwards every
    module that was connected to ``target`` is connected to ``replacement`` (each node swaps
    ``target`` for ``replacement``) and ``target`` is disconnected. Returns ``None``.

    Raises:
        ValueError: If the node counts differ.
    """
    if replacement.size_in != target.size_in or replacement.size_out != target.size_out:
        raise ValueError(
            f"replace_module: {replacement!r} has {replacement.size_in} inputs / "
            f"{replacement.size_out} outputs, but {target!r} has {target.size_in} / {target.size_out}."
        )
    for i, (tn, rn) in enumerate(zip(list(target.input_nodes), list(replacement.input_nodes), strict=True)):
        tn.remove_sink(target)
        _merge_nodes(tn, rn)
        if replacement.input_nodes[i] is not tn:  # a holder is not registered with its nodes
            list.__setitem__(replacement.input_nodes, i, tn)
    for i, (tn, rn) in enumerate(zip(list(target.output_nodes), list(replacement.output_nodes), strict=True)):
        tn.remove_source(target)
        _merge_nodes(tn, rn)
        if replacement.output_nodes[i] is not tn:
            list.__setitem__(replacement.output_nodes, i, tn)
    if isinstance(target, GraphModule):
        target.input_nodes = SetList()
        target.output_nodes = SetList()

