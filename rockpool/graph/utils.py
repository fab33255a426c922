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

from typing import Dict, List, Optional, Sequence, Set, Tuple, Type

from rockpool.graph.graph_base import GraphModule, GraphModuleBase, GraphNode, SetList

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
    source_output_indices: Optional[Sequence[int]] = None,
    dest_input_indices: Optional[Sequence[int]] = None,
) -> None:
    """Connect outputs of ``source`` to inputs of ``dest`` (in place), by merging the nodes.

    Output node ``source_output_indices[k]`` of ``source`` and input node
    ``dest_input_indices[k]`` of ``dest`` become one node (the source's); every module that used
    the destination's node now uses the source's. Both default to all channels, in order.

    Args:
        source: The graph module (or holder) whose outputs are connected.
        dest: The graph module (or holder) whose inputs receive them.
        source_output_indices: Which output channels of ``source`` to connect.
        dest_input_indices: Which input channels of ``dest`` they connect to.

    Raises:
        ValueError: If the numbers of channels to connect differ.
    """
    src_idx = list(range(source.size_out)) if source_output_indices is None else list(source_output_indices)
    dst_idx = list(range(dest.size_in)) if dest_input_indices is None else list(dest_input_indices)
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


def bag_graph(graph: GraphModuleBase) -> Tuple[SetList, SetList]:
    """Collect every node and every graph module connected to ``graph``.

    Walks forwards and backwards from the graph's input and output nodes, so recurrent cycles and
    side branches are found too. Holders are not connected to nodes, so only :class:`GraphModule`
    objects are returned.

    Returns:
        ``(nodes, modules)``: two :class:`SetList`, in the order they were reached.
    """
    nodes, modules = SetList(), SetList()
    seen_nodes, seen_mods = set(), set()
    stack: List[GraphNode] = list(reversed(list(graph.input_nodes) + list(graph.output_nodes)))
    if isinstance(graph, GraphModule):
        seen_mods.add(id(graph))
        modules.append(graph)
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        list.append(nodes, node)
        for m in list(node.sink_modules) + list(node.source_modules):
            if id(m) in seen_mods:
                continue
            seen_mods.add(id(m))
            list.append(modules, m)
            stack.extend(reversed(list(m.input_nodes) + list(m.output_nodes)))
    return nodes, modules


def find_modules_of_subclass(graph: GraphModuleBase, cls: Type) -> SetList:
    """All graph modules connected to ``graph`` that are instances of ``cls``."""
    _, modules = bag_graph(graph)
    return SetList(m for m in modules if isinstance(m, cls))


def _successors(m: GraphModuleBase) -> List[GraphModuleBase]:
    out, seen = [], set()
    for n in m.output_nodes:
        for s in n.sink_modules:
            if id(s) not in seen:
                seen.add(id(s))
                out.append(s)
    return out


def find_recurrent_modules(graph: GraphModuleBase) -> Tuple[SetList, SetList]:
    """Find the graph modules that lie on a cycle (recurrent loops).

    Returns:
        ``(modules, recurrent_modules)``: all modules of the graph, and those that are part of a
        cycle (a strongly connected component of more than one module, or a module feeding itself).
    """
    _, modules = bag_graph(graph)
    # - Tarjan's strongly connected components, iterative
    index: Dict[int, int] = {}
    low: Dict[int, int] = {}
    on_stack: Set[int] = set()
    stack: List[GraphModuleBase] = []
    recurrent: Set[int] = set()
    counter = 0
    for root in modules:
        if id(root) in index:
            continue
        work = [(root, iter(_successors(root)))]
        index[id(root)] = low[id(root)] = counter
        counter += 1
        stack.append(root)
        on_stack.add(id(root))
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if id(w) not in index:
                    index[id(w)] = low[id(w)] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(id(w))
                    work.append((w, iter(_successors(w))))
                    advanced = True
                    break
                if id(w) in on_stack:
                    low[id(v)] = min(low[id(v)], index[id(w)])
            if advanced:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[id(u)] = min(low[id(u)], low[id(v)])
            if low[id(v)] == index[id(v)]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(id(w))
                    comp.append(w)
                    if w is v:
                        break
                if len(comp) > 1 or any(s is v for s in _successors(v)):
                    recurrent.update(id(c) for c in comp)
    return modules, SetList(m for m in modules if id(m) in recurrent)


def replace_module(target: GraphModule, replacement: GraphModuleBase) -> GraphModuleBase:
    """Put ``replacement`` (a graph module or a holder of a subgraph) in the place of ``target``.

    ``replacement`` must have as many input and output nodes as ``target``. Afterwards every
    module that was connected to ``target`` is connected to ``replacement`` and ``target`` is
    disconnected.

    Returns:
        ``replacement``.
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
    return replacement

