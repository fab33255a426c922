"""Computational graph: base classes, graph modules, utilities, as_graph() of every module class."""

from collections import OrderedDict

import numpy as np
import pytest

from rockpool.graph import (
    AliasConnection,
    ExpSynapsesRealValue,
    GenericNeurons,
    GraphHolder,
    GraphModule,
    GraphNode,
    InstantNeurons,
    LIFNeuronWithSynsRealValue,
    LinearWeights,
    RateNeuronWithSynsRealValue,
    SetList,
    as_GraphHolder,
    bag_graph,
    connect_modules,
    find_modules_of_subclass,
    find_recurrent_modules,
    register_graph_converter,
    replace_module,
)
from rockpool.nn.combinators import FFwdStack, Residual, Sequential
from rockpool.nn.modules import (
    LIF,
    ExpSyn,
    ExpSynJax,
    Instant,
    InstantJax,
    LIFJax,
    Linear,
    LinearJax,
    Module,
    Rate,
    RateJax,
)


# ---------------------------------------------------------------- SetList
def test_setlist_keeps_order_and_uniqueness():
    s = SetList([3, 1, 3, 2, 1])
    assert s == [3, 1, 2]
    s.append(3)
    s.extend([4, 2, 5])
    assert s == [3, 1, 2, 4, 5]
    s.add(5)
    s.add(6)
    assert s == [3, 1, 2, 4, 5, 6]
    s += [7, 7]
    assert s[-1] == 7 and s.count(7) == 1
    assert isinstance(s.copy(), SetList) and s.copy() == s
    # - insert, item assignment and + are the plain list operations
    s.insert(0, 3)
    s[1] = 7
    assert s[:3] == [3, 7, 1] and s + [3] == [3, 7, 1, 2, 4, 5, 6, 7, 3]


def test_setlist_uses_identity_for_nodes():
    a, b = GraphNode(), GraphNode()
    s = SetList([a, b, a])
    assert len(s) == 2 and s[0] is a and s[1] is b


# ---------------------------------------------------------------- base classes
def test_graph_module_registers_with_nodes():
    g = GraphModule._factory(2, 3, "g")
    assert (g.size_in, g.size_out) == (2, 3)
    assert all(g in n.sink_modules for n in g.input_nodes)
    assert all(g in n.source_modules for n in g.output_nodes)
    n = GraphNode()
    g.add_input(n)
    assert g.size_in == 3 and n.sink_modules[0] is g
    g.remove_input(n)
    assert g.size_in == 2 and len(n.sink_modules) == 0
    g.add_output(n)
    assert n.source_modules[0] is g
    g.remove_output(n)
    assert len(n.source_modules) == 0 and g.size_out == 3
    g.clear_inputs()
    g.clear_outputs()
    assert g.size_in == g.size_out == 0
    assert "GraphModule \"g\" with 0 input nodes -> 0 output nodes" == repr(g)


def test_graph_node_repr_and_removal_of_absent_module_is_harmless():
    n = GraphNode()
    g = GraphModule._factory(1, 1, "x")
    n.remove_sink(g)
    n.remove_source(g)
    assert repr(n) == f"GraphNode {id(n)} with 0 source modules and 0 sink modules"


def test_graph_holder_does_not_connect_and_as_graphholder_copies_nodes():
    g = GraphModule._factory(2, 2, "m", computational_module="cm")
    h = GraphHolder(g.input_nodes, g.output_nodes, "h", None)
    assert h not in g.input_nodes[0].sink_modules
    h2 = as_GraphHolder(g)
    assert isinstance(h2, GraphHolder)
    assert list(h2.input_nodes) == list(g.input_nodes) and h2.computational_module is None
    assert h2.input_nodes is not g.input_nodes  # a separate list
    h.remove_input(h.input_nodes[0])
    assert h.size_in == 1 and g.size_in == 2
    with pytest.raises(TypeError, match="graph module"):
        as_GraphHolder("not a graph")
    with pytest.raises(TypeError, match="GraphNode"):
        GraphModule([1], [], "bad", None)


def test_factory_default_name_and_graph_module_classes_validate():
    assert GraphModule._factory(1, 1).name.startswith("GraphModule_")
    with pytest.raises(ValueError, match=r"expected \(2, 3\)"):
        LinearWeights._factory(2, 3, "w", None, np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"biases have shape"):
        LinearWeights._factory(2, 3, "w", None, np.ones((2, 3)), np.ones(2))
    assert GenericNeurons._factory(5, 2, "n").size_in == 5  # no rule on the node counts
    with pytest.raises(ValueError, match="as many inputs as outputs"):
        AliasConnection._factory(2, 3, "a")
    lif = LIFNeuronWithSynsRealValue._factory(4, 2, "lif", None, 0.01, [0.1, 0.2, 0.3, 0.4])
    assert lif.tau_mem == 0.01 and lif.tau_syn == [0.1, 0.2, 0.3, 0.4]  # stored as given
    assert lif.threshold == [] and lif.bias == [] and lif.dt is None
    rate = RateNeuronWithSynsRealValue._factory(3, 3, "r", None, 0.05, [0.1], 1e-3)
    assert (rate.tau, rate.bias, rate.dt, rate.activation) == (0.05, [0.1], 1e-3, "relu")
    syn = ExpSynapsesRealValue._factory(2, 2, "s", None)
    assert syn.tau.tolist() == [0.01, 0.01]


# ---------------------------------------------------------------- utilities
def _chain3():
    a = LinearWeights._factory(2, 3, "a", None, np.ones((2, 3)))
    b = GenericNeurons._factory(3, 3, "b")
    c = LinearWeights._factory(3, 1, "c", None, np.ones((3, 1)))
    connect_modules(a, b)
    connect_modules(b, c)
    return a, b, c


def test_connect_modules_merges_nodes():
    a, b, c = _chain3()
    assert list(a.output_nodes) == list(b.input_nodes)
    assert list(b.output_nodes) == list(c.input_nodes)
    assert b in a.output_nodes[0].sink_modules and a in b.input_nodes[0].source_modules
    nodes, modules = bag_graph(a)
    assert len(nodes) == 2 + 3 + 3 + 1 and len(modules) == 3


def test_connect_modules_with_indices_and_errors():
    a = GraphModule._factory(1, 3, "a")
    b = GraphModule._factory(2, 1, "b")
    connect_modules(a, b, [2, 0], [1, 0])
    assert b.input_nodes[1] is a.output_nodes[2] and b.input_nodes[0] is a.output_nodes[0]
    with pytest.raises(ValueError, match="cannot connect 3 output"):
        connect_modules(a, GraphModule._factory(2, 1, "c"))
    # - Connecting into a holder updates the holder's node list
    inner = GraphModule._factory(3, 1, "inner")
    h = as_GraphHolder(inner)
    connect_modules(a, h)
    assert list(h.input_nodes) == list(a.output_nodes) == list(inner.input_nodes)
    # - One module cannot read one node twice
    d = GraphModule._factory(2, 1, "d")
    with pytest.raises(ValueError, match="connected twice"):
        connect_modules(a, d, [0, 0], [0, 1])


def test_bag_graph_walks_backwards_and_through_cycles():
    a, b, c = _chain3()
    rec = LinearWeights(b.output_nodes, b.input_nodes, "rec", None, np.eye(3))
    nodes, modules = bag_graph(as_GraphHolder(c))  # start at the end: walks back
    assert set(map(id, modules)) == {id(a), id(b), id(c), id(rec)}
    assert len(nodes) == 9
    assert set(map(id, find_modules_of_subclass(a, LinearWeights))) == {id(a), id(c), id(rec)}
    assert find_modules_of_subclass(a, GenericNeurons) == [b]
    mods, recurrent = find_recurrent_modules(a)
    assert len(mods) == 4 and set(map(id, recurrent)) == {id(b), id(rec)}


def test_find_recurrent_modules_self_loop_and_acyclic():
    a, b, c = _chain3()
    assert len(find_recurrent_modules(a)[1]) == 0
    loop = GraphModule._factory(2, 2, "loop")
    connect_modules(loop, loop)
    _, rec = find_recurrent_modules(loop)
    assert rec == [loop]


def test_replace_module_with_module_and_with_holder():
    a, b, c = _chain3()
    new = GenericNeurons._factory(3, 3, "new")
    assert replace_module(b, new) is None
    assert list(new.input_nodes) == list(a.output_nodes) and list(new.output_nodes) == list(c.input_nodes)
    assert b.size_in == 0 and all(b not in n.sink_modules for n in a.output_nodes)
    _, modules = bag_graph(a)
    assert new in modules and b not in modules
    # - Replace by a subgraph (two modules) held in a holder
    x = LinearWeights._factory(3, 3, "x", None, np.eye(3))
    y = GenericNeurons._factory(3, 3, "y")
    connect_modules(x, y)
    h = GraphHolder(x.input_nodes, y.output_nodes, "sub", None)
    replace_module(new, h)
    assert list(h.input_nodes) == list(a.output_nodes) and list(x.input_nodes) == list(a.output_nodes)
    assert list(y.output_nodes) == list(c.input_nodes)
    _, modules = bag_graph(a)
    assert {m.name for m in modules} == {"a", "x", "y", "c"}
    with pytest.raises(ValueError, match="has 2 inputs"):
        replace_module(x, GraphModule._factory(2, 3, "bad"))


# ---------------------------------------------------------------- as_graph of modules
@pytest.mark.parametrize("cls", [Linear, LinearJax])
def test_linear_as_graph(cls):
    mod = cls((2, 3), has_bias=True)
    g = mod.as_graph()
    assert isinstance(g, LinearWeights) and g.computational_module is mod
    np.testing.assert_allclose(g.weights, np.asarray(mod.weight), rtol=1e-6)
    np.testing.assert_allclose(g.biases, np.asarray(mod.bias), rtol=1e-6)
    assert cls((2, 3)).as_graph().biases is None


@pytest.mark.parametrize("cls", [Rate, RateJax])
def test_rate_as_graph(cls):
    mod = cls(3, tau=0.05, bias=0.1, threshold=0.2, activation_func="tanh", dt=2e-3)
    holder = mod.as_graph()
    # - api.md 4.4: a GraphHolder around the neuron module (the live graph for replace_module)
    assert isinstance(holder, GraphHolder) and holder.computational_module is mod
    assert bag_graph(holder)[1] == find_modules_of_subclass(holder, RateNeuronWithSynsRealValue)
    g = find_modules_of_subclass(holder, RateNeuronWithSynsRealValue)[0]
    assert g.computational_module is mod and list(g.input_nodes) == list(holder.input_nodes)
    assert g.activation == "tanh" and g.dt == 2e-3
    np.testing.assert_allclose(g.tau, 0.05)
    np.testing.assert_allclose(g.bias, 0.1, rtol=1e-6)
    np.testing.assert_allclose(g.threshold, 0.2, rtol=1e-6)
    custom = cls(2, activation_func=lambda x, t: x)
    assert callable(custom.as_graph().output_nodes[0].source_modules[0].activation)
    rec = cls(3, has_rec=True).as_graph()
    assert isinstance(rec, GraphHolder)
    _, recurrent = find_recurrent_modules(rec)
    w = [m for m in recurrent if isinstance(m, LinearWeights)][0]
    np.testing.assert_allclose(w.weights, np.asarray(rec.computational_module.w_rec), rtol=1e-6)


@pytest.mark.parametrize("cls", [LIF, LIFJax])
def test_lif_as_graph(cls):
    mod = cls((4, 2), tau_mem=0.03, tau_syn=[[0.01, 0.02], [0.03, 0.04]], bias=0.1, threshold=2.0)
    holder = mod.as_graph()
    assert isinstance(holder, GraphHolder) and (holder.size_in, holder.size_out) == (4, 2)
    (g,) = bag_graph(holder)[1]
    assert isinstance(g, LIFNeuronWithSynsRealValue) and (g.size_in, g.size_out) == (4, 2)
    np.testing.assert_allclose(g.tau_syn, [[0.01, 0.02], [0.03, 0.04]], rtol=1e-6)
    np.testing.assert_allclose(g.threshold, 2.0)
    assert g.dt == float(mod.dt)
    rec = cls((4, 2), has_rec=True).as_graph()
    assert isinstance(rec, GraphHolder)
    w = find_modules_of_subclass(rec, LinearWeights)[0]
    assert w.weights.shape == (2, 4)
    assert list(w.input_nodes) == list(rec.output_nodes) and list(w.output_nodes) == list(rec.input_nodes)


@pytest.mark.parametrize("cls", [ExpSyn, ExpSynJax])
def test_expsyn_and_instant_as_graph(cls):
    g = cls(3, tau=0.02).as_graph()
    assert isinstance(g, ExpSynapsesRealValue)
    np.testing.assert_allclose(g.tau, 0.02)
    icls = Instant if cls is ExpSyn else InstantJax
    fn = np.tanh
    gi = icls(3, fn).as_graph()
    assert isinstance(gi, InstantNeurons) and gi.function is fn and gi.size_in == 3


@pytest.mark.parametrize("jax", [False, True])
def test_sequential_residual_ffwdstack_as_graph(jax):
    L, R, F = (LinearJax, RateJax, LIFJax) if jax else (Linear, Rate, LIF)
    net = Sequential(L((2, 3)), R(3, has_rec=True), L((3, 1)))
    g = net.as_graph()
    assert isinstance(g, GraphHolder) and g.computational_module is net
    assert (g.size_in, g.size_out) == (2, 1)
    _, modules = bag_graph(g)
    assert len(modules) == 4  # two weights, neurons, recurrent weights
    assert {m.computational_module.name for m in modules} == {"'0_%s'" % L.__name__, "'1_%s'" % R.__name__, "'2_%s'" % L.__name__}
    # - The chain is wired: first weights feed the neurons
    lin0 = [m for m in modules if m.computational_module is net[0]][0]
    assert lin0.name == f"{L.__name__}_'0_{L.__name__}'_{id(net[0])}"
    assert any(isinstance(m, RateNeuronWithSynsRealValue) for m in lin0.output_nodes[0].sink_modules)

    res = Residual(L((3, 3)), F(3))
    gr = res.as_graph()
    _, mods = bag_graph(gr)
    skip = find_modules_of_subclass(gr, AliasConnection)[0]
    assert list(skip.input_nodes) == list(gr.input_nodes) and list(skip.output_nodes) == list(gr.output_nodes)
    neurons = find_modules_of_subclass(gr, LIFNeuronWithSynsRealValue)[0]
    assert set(map(id, gr.output_nodes[0].source_modules)) == {id(skip), id(neurons)}

    stack = FFwdStack(R(2), F(3))
    gs = stack.as_graph()
    ws = find_modules_of_subclass(gs, LinearWeights)
    assert len(ws) == 1 and ws[0].weights.shape == (2, 3)
    np.testing.assert_allclose(ws[0].weights, np.asarray(stack.weight_0), rtol=1e-6)

    nested = Sequential(OrderedDict(a=net, b=Residual(L((1, 1)))))
    gn = nested.as_graph()
    assert (gn.size_in, gn.size_out) == (2, 1) and len(bag_graph(gn)[1]) == 6


def test_as_graph_unknown_class_raises_and_registry_extends():
    class Mystery(Module):
        def evolve(self, x, record=False):
            return x, {}, {}

    with pytest.raises(NotImplementedError, match="Mystery"):
        Mystery(2).as_graph()

    @register_graph_converter(Mystery)
    def _conv(mod):
        return GraphModule._factory(mod.size_in, mod.size_out, "mystery", mod)

    g = Mystery(2).as_graph()
    assert g.name == "mystery" and g.size_in == 2

    # - A user class that merely shares a built-in name is not converted as that class
    class Linear(Module):  # noqa: F811 - deliberately the same name
        def evolve(self, x, record=False):
            return x, {}, {}

    with pytest.raises(NotImplementedError, match="Linear"):
        Linear(2).as_graph()


def test_timed_wrapper_as_graph_is_the_module_graph():
    mod = Linear((2, 3))
    g = mod.timed(dt=1e-3).as_graph()
    assert isinstance(g, LinearWeights) and g.computational_module is mod
