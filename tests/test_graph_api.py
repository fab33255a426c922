"""api.md §4 (rockpool.graph), numbered behaviours: SetList, nodes and modules, _convert_from,
graph_modules' (absent) shape rules, module graphs, connect_modules, bag_graph order,
find_recurrent_modules, replace_module."""

from dataclasses import dataclass

import numpy as np
import pytest

from rockpool.graph import (
    AliasConnection,
    GenericNeurons,
    GraphHolder,
    GraphModule,
    GraphModuleBase,
    GraphNode,
    LIFNeuronWithSynsRealValue,
    LinearWeights,
    RateNeuronWithSynsRealValue,
    SetList,
    as_GraphHolder,
    bag_graph,
    connect_modules,
    find_modules_of_subclass,
    find_recurrent_modules,
    replace_module,
)
from rockpool.graph import graph_modules


# ---------------------------------------------------------------------------- 4.2 SetList
def test_setlist_drops_repeats_on_construction_append_extend_add():
    s = SetList([3, 1, 3, 2])
    assert s == [3, 1, 2] and isinstance(s, list)
    s.append(1)
    s.extend([2, 4, 4])
    s.add(3)
    s.add(5)
    assert s == [3, 1, 2, 4, 5]
    # - unhashable elements are fine (membership by `in`)
    u = SetList([[1], [1], {"a": 1}])
    assert u == [[1], {"a": 1}]
    # - insert, item assignment and + are plain list operations
    s.insert(0, 5)
    s[1] = 1
    assert s == [5, 1, 1, 2, 4, 5] and s + [5] == [5, 1, 1, 2, 4, 5, 5]


# ---------------------------------------------------------------------------- 4.3 nodes and modules
def test_node_methods_and_repr():
    n = GraphNode()
    m = GraphModule._factory(1, 1, "m")
    n.add_source(m)
    n.add_sink(m)
    n.add_sink(m)
    assert n.source_modules == [m] and n.sink_modules == [m]
    assert repr(n) == f"GraphNode {id(n)} with 1 source modules and 1 sink modules"
    n.remove_source(m)
    n.remove_sink(m)
    n.remove_sink(m)  # absent: silent
    assert n.source_modules == [] and n.sink_modules == []
    assert n == n and n != GraphNode()  # compared by identity
    assert len({n, GraphNode()}) == 2  # hashable


def test_module_base_edits_only_its_lists_and_repr():
    a, b = GraphNode(), GraphNode()
    base = GraphModuleBase([a], [b], "base", None)
    assert isinstance(base.input_nodes, SetList)
    assert a.sink_modules == [] and b.source_modules == []
    c = GraphNode()
    base.add_input(c)
    base.add_output(c)
    assert c.sink_modules == [] and c.source_modules == []
    base.remove_input(GraphNode())  # absent: silent
    base.clear_inputs()
    base.clear_outputs()
    assert base.input_nodes == [] and base.output_nodes == []
    assert repr(GraphModuleBase([a], [b], "x", None)) == 'GraphModuleBase "x" with 1 input nodes -> 1 output nodes'
    holder = GraphHolder([a], [b, c], "", None)
    assert repr(holder) == "GraphHolder with 1 input nodes -> 2 output nodes"
    with pytest.raises(TypeError):
        GraphModuleBase([a], [b], "missing computational module")  # all four are required


def test_graph_module_links_and_unlinks_nodes():
    g = GraphModule._factory(2, 1, "g")
    assert all(n.sink_modules == [g] for n in g.input_nodes) and g.output_nodes[0].source_modules == [g]
    n = GraphNode()
    g.add_input(n)
    assert n.sink_modules == [g]
    g.remove_input(n)
    assert n.sink_modules == [] and g.size_in == 2
    outs = list(g.output_nodes)
    g.clear_outputs()
    assert outs[0].source_modules == [] and g.output_nodes == []


def test_factory_passes_extra_fields_and_as_graph_holder():
    w = LinearWeights._factory(2, 3, "w", None, np.ones((2, 3)))
    assert (w.size_in, w.size_out, w.name) == (2, 3, "w") and w.weights.shape == (2, 3)
    h = as_GraphHolder(w)
    assert isinstance(h, GraphHolder) and h.name == "w" and h.computational_module is None
    assert all(x is y for x, y in zip(h.input_nodes, w.input_nodes, strict=True))
    assert w.input_nodes[0].sink_modules == [w]  # w stays connected; the holder is not linked
    assert h not in w.input_nodes[0].sink_modules


# ---------------------------------------------------------------------------- 4.3 _convert_from
@pytest.mark.parametrize("cls_name", ["GraphModule", *graph_modules.__all__])
def test_convert_from_has_no_rules_by_default(cls_name):
    import rockpool.graph as graph

    cls = getattr(graph, cls_name)
    for arg in (GenericNeurons._factory(1, 1, "n"), None, 3):
        with pytest.raises(ValueError, match=f"No conversion rules implemented for the class {cls_name}"):
            cls._convert_from(arg)


@dataclass(eq=False, repr=False)
class _ChipNeurons(GenericNeurons):
    """A hardware-style class with a conversion rule (the documented override pattern)."""

    taus: list = None  # type: ignore[assignment]

    @classmethod
    def _convert_from(cls, mod):
        if isinstance(mod, cls):
            return mod
        if isinstance(mod, LIFNeuronWithSynsRealValue):
            new = cls._factory(mod.size_in, mod.size_out, mod.name, mod.computational_module, list(mod.tau_mem))
            replace_module(mod, new)
            return new
        return super()._convert_from(mod)


def test_convert_from_override_replaces_the_module_in_place():
    w = LinearWeights._factory(2, 2, "w", None, np.eye(2))
    lif = LIFNeuronWithSynsRealValue._factory(2, 2, "lif", None, [0.01, 0.02])
    connect_modules(w, lif)
    chip = _ChipNeurons._convert_from(lif)
    assert isinstance(chip, _ChipNeurons) and chip.taus == [0.01, 0.02]
    assert _ChipNeurons._convert_from(chip) is chip
    assert list(chip.input_nodes) == list(w.output_nodes) and lif.input_nodes == []
    assert find_modules_of_subclass(w, _ChipNeurons) == [chip]
    with pytest.raises(ValueError, match="_ChipNeurons"):
        _ChipNeurons._convert_from(w)


@pytest.mark.parametrize("has_rec", [False, True])
def test_neuron_layer_graph_is_a_holder_that_survives_convert_from(has_rec):
    # - api.md 4.4: LIF(Jax)/Rate(Jax).as_graph() is a GraphHolder around the neurons, so the graph a
    #   mapper holds still reaches the converted neurons after replace_module swapped them in
    from rockpool.nn.modules import LIF, LIFJax

    for cls in (LIF, LIFJax):
        g = cls((4, 2), has_rec=has_rec).as_graph()
        assert isinstance(g, GraphHolder)
        (lif,) = find_modules_of_subclass(g, LIFNeuronWithSynsRealValue)
        chip = _ChipNeurons._convert_from(lif)
        assert find_modules_of_subclass(g, _ChipNeurons) == [chip]
        assert find_modules_of_subclass(g, LIFNeuronWithSynsRealValue) == []
        assert len(bag_graph(g)[1]) == (2 if has_rec else 1)


# ---------------------------------------------------------------------------- 4.4 graph_modules
def test_linear_weights_checks_shapes_and_requires_weights():
    with pytest.raises(ValueError):
        LinearWeights._factory(2, 3, "w", None, np.ones((3, 2)))
    with pytest.raises(ValueError):
        LinearWeights._factory(2, 3, "w", None, np.ones((2, 3)), np.ones(2))
    with pytest.raises(TypeError):
        LinearWeights._factory(2, 3, "w")
    lw = LinearWeights._factory(1, 2, "w", None, [[1.0, 2.0]], [0.0, 1.0])  # lists are fine
    assert lw.weights.shape == (1, 2) and lw.biases.shape == (2,)


@pytest.mark.parametrize("size_in, size_out", [(2, 3), (0, 2), (5, 2), (3, 3)])
def test_neuron_graph_modules_accept_any_counts(size_in, size_out):
    for cls in (GenericNeurons, LIFNeuronWithSynsRealValue, RateNeuronWithSynsRealValue):
        g = cls._factory(size_in, size_out, "n")
        assert (g.size_in, g.size_out) == (size_in, size_out)
    lif = LIFNeuronWithSynsRealValue._factory(size_in, size_out, "lif", None, [1.0], 0.5, np.ones(7), [], 1e-3)
    assert lif.tau_mem == [1.0] and lif.tau_syn == 0.5 and lif.threshold.shape == (7,) and lif.dt == 1e-3
    rate = RateNeuronWithSynsRealValue._factory(size_in, size_out, "r", None, [1, 2, 3], 0.0, 1e-2)
    assert (rate.tau, rate.bias, rate.dt) == ([1, 2, 3], 0.0, 1e-2)


def test_alias_connection_needs_equal_counts():
    assert AliasConnection._factory(3, 3, "a").size_out == 3
    with pytest.raises(ValueError):
        AliasConnection._factory(2, 3, "a")


def test_module_graphs_names_and_kinds():
    from rockpool.nn.combinators import Residual, Sequential
    from rockpool.nn.modules import LIFJax, Linear, LinearJax, Rate

    lin = LinearJax((2, 3))
    g = lin.as_graph()
    assert isinstance(g, LinearWeights) and g.biases is None and g.name == f"LinearJax__{id(lin)}"
    assert Linear((2, 3), has_bias=True).as_graph().biases.shape == (3,)
    holder = LIFJax((4, 2)).as_graph()
    assert isinstance(holder, GraphHolder) and (holder.size_in, holder.size_out) == (4, 2)
    (lif,) = bag_graph(holder)[1]
    assert isinstance(lif, LIFNeuronWithSynsRealValue) and np.shape(lif.tau_syn) == (2, 2)
    rec = Rate(3, has_rec=True)
    rg = rec.as_graph()
    assert isinstance(rg, GraphHolder)
    loop = find_modules_of_subclass(rg, LinearWeights)[0]
    assert "_recurrent_" in loop.name
    net = Sequential(LinearJax((2, 3)), LIFJax(3))
    sg = net.as_graph()
    assert isinstance(sg, GraphHolder) and (sg.size_in, sg.size_out) == (2, 3)
    res = Residual(LinearJax((3, 3)), LIFJax(3)).as_graph()
    assert isinstance(res, GraphHolder) and len(find_modules_of_subclass(res, AliasConnection)) == 1


# ---------------------------------------------------------------------------- 4.5 utils
def test_connect_modules_replaces_dest_nodes_in_place():
    a = GraphModule._factory(1, 3, "a")
    b = GraphModule._factory(2, 1, "b")
    old = list(b.input_nodes)
    assert connect_modules(a, b, [2, 0], [1, 0]) is None
    assert b.input_nodes[0] is a.output_nodes[0] and b.input_nodes[1] is a.output_nodes[2]
    assert b in a.output_nodes[0].sink_modules and b in a.output_nodes[2].sink_modules
    assert all(n.sink_modules == [] and n.source_modules == [] for n in old)  # detached
    with pytest.raises(ValueError):
        connect_modules(a, GraphModule._factory(2, 1, "c"))  # 3 outputs, 2 inputs


def _holder_over_chain():
    a, b, c = (GraphModule._factory(1, 1, name) for name in "ABC")
    connect_modules(a, b)
    connect_modules(b, c)
    return GraphHolder(a.input_nodes, c.output_nodes, "holder", None), a, b, c


def test_bag_graph_order_and_holders_dropped():
    holder, a, b, c = _holder_over_chain()
    nodes, modules = bag_graph(holder)
    assert [m.name for m in modules] == ["A", "B", "C"]  # the holder is traversed, not returned
    assert nodes[0] is holder.input_nodes[0] and nodes[1] is holder.output_nodes[0]
    assert nodes[2] is a.output_nodes[0] and len(nodes) == 4
    # - the bags may be given (and are extended)
    nb, mb = SetList(), SetList()
    bag_graph(c, nb, mb)
    assert [m.name for m in mb] == ["C", "B", "A"]  # from C: inputs first, sources first


def test_find_modules_of_subclass_in_bag_order():
    w1 = LinearWeights._factory(1, 2, "w1", None, np.ones((1, 2)))
    n = GenericNeurons._factory(2, 2, "n")
    w2 = LinearWeights._factory(2, 1, "w2", None, np.ones((2, 1)))
    connect_modules(w1, n)
    connect_modules(n, w2)
    assert [m.name for m in find_modules_of_subclass(w1, LinearWeights)] == ["w1", "w2"]
    assert [m.name for m in find_modules_of_subclass(w2, LinearWeights)] == ["w2", "w1"]


def test_find_recurrent_modules_example():
    # - X -> Y <-> Z: Y reads the node that X and Z both drive
    x, y, z = (GraphModule._factory(1, 1, name) for name in "XYZ")
    connect_modules(x, y)
    connect_modules(y, z)
    z.remove_output(z.output_nodes[0])
    z.add_output(y.input_nodes[0])
    modules, recurrent = find_recurrent_modules(x)
    assert [m.name for m in modules] == ["X", "Z", "Y"] and [m.name for m in recurrent] == ["Z", "Y"]
    assert isinstance(modules, SetList) and isinstance(recurrent, SetList)
    # - a module connected to itself counts
    loop = GraphModule._factory(1, 1, "loop")
    connect_modules(loop, loop)
    assert find_recurrent_modules(loop)[1] == [loop]


def test_replace_module_swaps_nodes():
    holder, a, b, c = _holder_over_chain()
    new = GraphModule._factory(1, 1, "new")
    assert replace_module(b, new) is None
    assert new.input_nodes[0] is a.output_nodes[0] and new.output_nodes[0] is c.input_nodes[0]
    assert a.output_nodes[0].sink_modules == [new] and c.input_nodes[0].source_modules == [new]
    assert [m.name for m in bag_graph(holder)[1]] == ["A", "new", "C"]
    with pytest.raises(ValueError):
        replace_module(new, GraphModule._factory(2, 1, "bad"))
