"""Base classes of the computational graph: :class:`GraphNode`, :class:`GraphModuleBase`,
:class:`GraphModule`, :class:`GraphHolder`, plus :class:`SetList` and :func:`as_GraphHolder`.

The data model
--------------
A computational graph describes *what* a network computes, independently of the simulator:

* A :class:`GraphNode` is one scalar signal channel (a wire). It knows the graph modules that
  drive it (``source_modules``) and those that read it (``sink_modules``). Several sources on one
  node add up.
* A :class:`GraphModule` is a computation (weights, neurons, ...). It reads the ordered list
  ``input_nodes`` and drives the ordered list ``output_nodes``; channel ``i`` of its input is
  ``input_nodes[i]``. Creating a ``GraphModule`` connects it to its nodes (it adds itself to each
  node's ``sink_modules`` / ``source_modules``).
* A :class:`GraphHolder` is a named *view* of a subgraph: it only lists the subgraph's entry and
  exit nodes and does not connect itself to them. ``Module.as_graph()`` of a network returns a
  ``GraphHolder``; walking from its ``input_nodes`` through the sink modules reaches every
  module of the network. Graphs may contain cycles (a recurrent weight matrix feeds neuron
  outputs back to their inputs), so walkers must remember what they have visited
  (:func:`rockpool.graph.utils.bag_graph` does).
* Every graph module keeps ``computational_module``: the rockpool module it was made from (or
  ``None``), so tools can go back from graph to simulator.

Example:
    >>> from rockpool.graph import GraphModule, GraphNode
    >>> g = GraphModule._factory(2, 3, "layer")
    >>> len(g.input_nodes), len(g.output_nodes)
    (2, 3)
    >>> g in g.input_nodes[0].sink_modules
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

__all__ = ["SetList", "GraphNode", "GraphModuleBase", "GraphModule", "GraphHolder", "as_GraphHolder"]


class SetList(list):
    """A list that keeps insertion order and holds each item at most once.

    Repeats are dropped on construction (the first occurrence wins) and by :meth:`append`,
    :meth:`extend`, :meth:`add` and ``+=``. Membership is tested with ``in``, so unhashable items
    are fine (graph nodes compare by identity). Other list operations (``insert``, item
    assignment, ``+``) are the plain list operations.

    Example:
        >>> s = SetList([1, 2, 1, 3])
        >>> s.add(2)
        >>> s
        [1, 2, 3]
    """

    def __init__(self, iterable: Iterable[Any] = ()):
        super().__init__()
        for item in iterable:
            self.append(item)

    def append(self, item: Any) -> None:
        """Append ``item`` unless it is already present."""
        if item not in self:
            super().append(item)

    def add(self, item: Any) -> None:
        """Alias of :meth:`append` (set-like spelling)."""
        self.append(item)

    def extend(self, iterable: Iterable[Any]) -> None:
        """Append every item not already present, in order."""
        for item in iterable:
            self.append(item)

    def __iadd__(self, other: Iterable[Any]) -> "SetList":  # type: ignore[override,misc]
        self.extend(other)
        return self

    def copy(self) -> "SetList":
        return SetList(self)


@dataclass(eq=False)
class GraphNode:
    """One signal channel of a graph, connecting source modules (summed) to sink modules.

    Attributes:
        source_modules: Graph modules that drive this node.
        sink_modules: Graph modules that read this node.
    """

    source_modules: SetList = field(default_factory=SetList)
    sink_modules: SetList = field(default_factory=SetList)

    def __post_init__(self):
        self.source_modules = SetList(self.source_modules)
        self.sink_modules = SetList(self.sink_modules)

    def add_source(self, module: "GraphModuleBase") -> None:
        """Register ``module`` as a source (driver) of this node."""
        self.source_modules.append(module)

    def add_sink(self, module: "GraphModuleBase") -> None:
        """Register ``module`` as a sink (reader) of this node."""
        self.sink_modules.append(module)

    def remove_source(self, module: "GraphModuleBase") -> None:
        """Remove ``module`` from the sources (no error if absent)."""
        if module in self.source_modules:
            self.source_modules.remove(module)

    def remove_sink(self, module: "GraphModuleBase") -> None:
        """Remove ``module`` from the sinks (no error if absent)."""
        if module in self.sink_modules:
            self.sink_modules.remove(module)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__} {id(self)} with {len(self.source_modules)} source modules "
            f"and {len(self.sink_modules)} sink modules"
        )


def _make_nodes(n: int) -> SetList:
    return SetList(GraphNode() for _ in range(int(n)))


@dataclass(eq=False, repr=False)
class GraphModuleBase:
    """Common base of graph modules and graph holders.

    Attributes:
        input_nodes: The ordered input channels.
        output_nodes: The ordered output channels.
        name: A human-readable name.
        computational_module: The rockpool module this graph object was made from (or ``None``).
    """

    input_nodes: SetList
    output_nodes: SetList
    name: str
    computational_module: Any

    def __post_init__(self):
        self.input_nodes = SetList(self.input_nodes)
        self.output_nodes = SetList(self.output_nodes)
        for n in list(self.input_nodes) + list(self.output_nodes):
            if not isinstance(n, GraphNode):
                raise TypeError(
                    f"{type(self).__name__} '{self.name}': input_nodes and output_nodes must hold "
                    f"GraphNode objects (got {type(n).__name__})."
                )

    @classmethod
    def _factory(
        cls,
        size_in: int,
        size_out: int,
        name: Optional[str] = None,
        computational_module: Any = None,
        *args,
        **kwargs,
    ) -> "GraphModuleBase":
        """Build an object of this class with ``size_in`` fresh input and ``size_out`` fresh output nodes.

        Extra arguments are passed on to the class (e.g. ``weights=`` for :class:`LinearWeights`).
        """
        if name is None:
            name = f"{cls.__name__}_{id(object())}"
        return cls(_make_nodes(size_in), _make_nodes(size_out), name, computational_module, *args, **kwargs)

    @property
    def size_in(self) -> int:
        """Number of input nodes."""
        return len(self.input_nodes)

    @property
    def size_out(self) -> int:
        """Number of output nodes."""
        return len(self.output_nodes)

    def add_input(self, node: GraphNode) -> None:
        """Append an input node."""
        self.input_nodes.append(node)

    def add_output(self, node: GraphNode) -> None:
        """Append an output node."""
        self.output_nodes.append(node)

    def remove_input(self, node: GraphNode) -> None:
        """Remove an input node (no error if absent)."""
        if node in self.input_nodes:
            self.input_nodes.remove(node)

    def remove_output(self, node: GraphNode) -> None:
        """Remove an output node (no error if absent)."""
        if node in self.output_nodes:
            self.output_nodes.remove(node)

    def clear_inputs(self) -> None:
        """Disconnect all inputs."""
        for n in list(self.input_nodes):
            self.remove_input(n)

    def clear_outputs(self) -> None:
        """Disconnect all outputs."""
        for n in list(self.output_nodes):
            self.remove_output(n)

    def __repr__(self) -> str:
        named = f' "{self.name}"' if self.name else ""
        return f"{type(self).__name__}{named} with {self.size_in} input nodes -> {self.size_out} output nodes"


@dataclass(eq=False, repr=False)
class GraphModule(GraphModuleBase):
    """A computation in a graph: it reads ``input_nodes`` and drives ``output_nodes``.

    Creating one registers it with its nodes (as sink of each input node, source of each output
    node); :meth:`add_input` / :meth:`remove_input` etc. keep both sides consistent.

    Example:
        >>> g = GraphModule._factory(2, 1, "sum")
        >>> g.output_nodes[0].source_modules[0] is g
        True
    """

    def __post_init__(self):
        super().__post_init__()
        for n in self.input_nodes:
            n.add_sink(self)
        for n in self.output_nodes:
            n.add_source(self)

    def add_input(self, node: GraphNode) -> None:
        super().add_input(node)
        node.add_sink(self)

    def add_output(self, node: GraphNode) -> None:
        super().add_output(node)
        node.add_source(self)

    def remove_input(self, node: GraphNode) -> None:
        super().remove_input(node)
        node.remove_sink(self)

    def remove_output(self, node: GraphNode) -> None:
        super().remove_output(node)
        node.remove_source(self)

    @classmethod
    def _convert_from(cls, mod: "GraphModule") -> "GraphModule":
        """Convert the graph module ``mod`` to this class (the hook of graph-rewriting tools).

        The base implementation (and every class in :mod:`rockpool.graph.graph_modules`) has no
        conversion rules and raises ``ValueError``. A subclass that can represent other graph
        modules (a hardware neuron class, say) overrides it: return ``mod`` itself when it is
        already of the class, else build a module of the class from ``mod``'s fields with the
        same node counts, put it in ``mod``'s place with
        :func:`~rockpool.graph.utils.replace_module`, and return it.

        Raises:
            ValueError: No conversion rules are implemented for this class.

        Example:
            >>> GraphModule._convert_from(GraphModule._factory(1, 1, "m"))
            Traceback (most recent call last):
            ...
            ValueError: No conversion rules implemented for the class GraphModule.
        """
        raise ValueError(f"No conversion rules implemented for the class {cls.__name__}.")


@dataclass(eq=False, repr=False)
class GraphHolder(GraphModuleBase):
    """A named view of a subgraph: its entry (``input_nodes``) and exit (``output_nodes``) nodes.

    A holder does not connect itself to its nodes; the modules inside the subgraph do.
    """


def as_GraphHolder(g: GraphModuleBase) -> GraphHolder:
    """Wrap a graph module (or holder) in a :class:`GraphHolder` with the same input/output nodes.

    The holder has the same node objects (in new lists), the same name and no
    ``computational_module``; ``g`` stays connected.

    Example:
        >>> gm = GraphModule._factory(2, 2, "m")
        >>> h = as_GraphHolder(gm)
        >>> h.input_nodes == gm.input_nodes, h.computational_module
        (True, None)
    """
    if not isinstance(g, GraphModuleBase):
        raise TypeError(f"as_GraphHolder: expected a graph module, got {type(g).__name__}.")
    return GraphHolder(SetList(g.input_nodes), SetList(g.output_nodes), g.name, None)
