"""NIR export / import: node mapping, round trips (in memory and through .nir files), errors."""

import sys

import nir
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rockpool.graph import from_nir, read_nir, to_nir, write_nir
from rockpool.nn.combinators import FFwdStack, Residual, Sequential
from rockpool.nn.modules import (
    LIF,
    ExpSyn,
    ExpSynJax,
    InstantJax,
    LIFJax,
    Linear,
    LinearJax,
    Rate,
    RateJax,
)


def _spikes(T, N, p=0.2, seed=1):
    return (np.random.default_rng(seed).random((T, N)) < p).astype(np.float32)


def _net3(rec=False):
    """A 3-layer spiking network with weights that make every layer spike."""
    rng = np.random.default_rng(0)
    return Sequential(
        LinearJax((4, 6), weight=rng.normal(0, 0.6, (4, 6))),
        LIFJax(6, tau_mem=0.02, tau_syn=0.01, bias=0.01, threshold=0.5),
        LinearJax((6, 5), weight=rng.normal(0, 0.6, (6, 5)), has_bias=True),
        LIFJax(5, tau_mem=np.linspace(0.01, 0.05, 5), tau_syn=0.005, has_rec=rec, threshold=0.4),
        LinearJax((5, 3), weight=rng.normal(0, 0.8, (5, 3))),
        LIFJax(3, tau_mem=0.03, tau_syn=0.01, threshold=0.3),
    )


def test_linear_and_affine_nodes():
    lin = LinearJax((2, 3))
    g = to_nir(lin)
    node = g.nodes["LinearJax"]
    assert isinstance(node, nir.Linear) and node.weight.shape == (3, 2)
    np.testing.assert_array_equal(node.weight, np.asarray(lin.weight, dtype=np.float64).T)
    assert g.edges == [("input", "LinearJax"), ("LinearJax", "output")]
    back = from_nir(g)
    assert isinstance(back, LinearJax)
    np.testing.assert_array_equal(np.asarray(back.weight), np.asarray(lin.weight))

    aff = Linear((2, 3), has_bias=True)
    node = to_nir(aff, name="layer").nodes["layer"]
    assert isinstance(node, nir.Affine)
    np.testing.assert_array_equal(node.bias, aff.bias)
    back = from_nir(to_nir(aff), backend="native")
    assert isinstance(back, Linear)
    np.testing.assert_array_equal(back.bias, aff.bias)
    np.testing.assert_array_equal(back.weight, aff.weight)


def test_lif_maps_to_cubalif_with_documented_convention():
    """Held convention: a forward-Euler simulator stepping the node reproduces our steps."""
    dt = 1e-3
    mod = LIFJax(3, tau_mem=0.04, tau_syn=0.01, bias=0.2, threshold=0.7, dt=dt)
    node = to_nir(mod).nodes["LIFJax"]
    assert isinstance(node, nir.CubaLIF)
    a, b = np.exp(-dt / 0.01), np.exp(-dt / 0.04)
    np.testing.assert_allclose(
        1 - dt / node.tau_syn, a, rtol=1e-7
    )  # Euler decay == our decay (float32 tau)
    np.testing.assert_allclose(1 - dt / node.tau_mem, b, rtol=1e-7)
    np.testing.assert_allclose(node.w_in, a * node.tau_syn / dt)  # I = a (I + x)
    np.testing.assert_allclose(node.r, node.tau_mem / dt)
    np.testing.assert_allclose(node.v_leak, 0.2 * node.tau_mem / dt)
    np.testing.assert_allclose(node.v_threshold, 0.7)
    np.testing.assert_array_equal(node.v_reset, 0.0)
    assert node.metadata["rockpool_class"] == "LIF" and node.metadata["dt"] == dt
    assert node.metadata["reset_mode"] == "subtract" and node.metadata["input_convention"] == "held"
    # - forward-Euler LIF (as imported from the peers): snnTorch's exact convention
    eul = LIF(
        3,
        tau_mem=0.04,
        tau_syn=0.01,
        dt=dt,
        integration="euler",
        reset_mode="to_value",
        v_reset=-0.1,
    )
    node = to_nir(eul).nodes["LIF"]
    np.testing.assert_allclose(node.tau_syn, 0.01)
    np.testing.assert_allclose(node.w_in * dt / node.tau_syn, 1.0)  # snnTorch's w_scale == 1
    np.testing.assert_allclose(node.r, node.tau_mem / dt)
    np.testing.assert_allclose(node.v_reset, -0.1)
    # - Dirac convention: input gains are dt times the held ones
    dirac = to_nir(eul, input_convention="dirac").nodes["LIF"]
    np.testing.assert_allclose(dirac.w_in, node.w_in * dt)
    assert dirac.metadata["input_convention"] == "dirac"
    with pytest.raises(ValueError, match="input_convention"):
        to_nir(eul, input_convention="box")


def _simulate_cubalif(node, x, dt):
    """Held-spike forward-Euler CubaLIF, NIR's equations step by step (reset to v_reset)."""
    i = np.zeros(x.shape[1])
    v = np.zeros(x.shape[1])
    out = []
    for t in range(x.shape[0]):
        i = i + dt / node.tau_syn * (-i + node.w_in * x[t])
        v = v + dt / node.tau_mem * (node.v_leak - v + node.r * i)
        s = (v >= node.v_threshold).astype(float)
        v = np.where(s > 0, node.v_reset, v)
        out.append(s)
    return np.array(out)


def test_export_runs_identically_under_nir_equations():
    """Our export, stepped with NIR's equations (held spikes, forward Euler), gives our spikes."""
    dt = 1e-3
    rng = np.random.default_rng(7)
    lif = LIF(
        4,
        tau_mem=[0.01, 0.02, 0.03, 0.05],
        tau_syn=0.004,
        threshold=0.8,
        dt=dt,
        max_spikes_per_dt=1,
        reset_mode="to_value",
        v_reset=0.0,
    )
    x = rng.random((120, 4)) * 0.6
    node = to_nir(lif).nodes["LIF"]
    np.testing.assert_array_equal(_simulate_cubalif(node, x, dt), lif(x)[0][0])
    # - the same through a Dirac-convention file read back by the importer (foreign path)
    g = to_nir(lif, input_convention="dirac")
    for n in g.nodes.values():
        n.metadata.pop("rockpool_class", None)
    back = from_nir(g, backend="native")
    np.testing.assert_array_equal(back(x)[0], lif.reset_state()(x)[0])


@pytest.mark.parametrize("rec", [False, True])
def test_three_layer_spiking_net_round_trip_through_file(tmp_path, rec):
    net = _net3(rec)
    path = tmp_path / "net.nir"
    write_nir(net, path)
    back = read_nir(path)
    assert [type(m).__name__ for m in back] == [type(m).__name__ for m in net]
    assert list(back.modules()) == list(net.modules())
    if rec:
        np.testing.assert_array_equal(np.asarray(back[3].w_rec), np.asarray(net[3].w_rec))
    x = _spikes(100, 4)
    out, _, rec1 = net(x, record=True)
    out2, _, rec2 = back(x, record=True)
    assert float(np.sum(out)) > 0 and float(np.sum(rec1["1_LIFJax_output"])) > 0  # non-trivial
    np.testing.assert_array_equal(np.asarray(out), np.asarray(out2))
    np.testing.assert_array_equal(
        np.asarray(rec1["3_LIFJax"]["vmem"]), np.asarray(rec2["3_LIFJax"]["vmem"])
    )
    # - The file also loads as a plain NIR graph with the expected structure
    g = nir.read(str(path))
    assert isinstance(g.nodes["1_LIFJax"], nir.CubaLIF)
    assert ("3_LIFJax.w_rec" in g.nodes) == rec
    if rec:
        assert ("3_LIFJax", "3_LIFJax.w_rec") in g.edges and (
            "3_LIFJax.w_rec",
            "3_LIFJax",
        ) in g.edges


def test_native_round_trip_and_cross_backend():
    rng = np.random.default_rng(2)
    net = Sequential(
        Linear((3, 4), weight=rng.normal(0, 0.5, (3, 4))),
        LIF(4, tau_syn=0.01, threshold=0.3, has_rec=True),
    )
    g = to_nir(net)
    back = from_nir(g, backend="native")
    assert type(back).__name__ == "ModSequential" and isinstance(back[1], LIF)
    x = _spikes(80, 3).astype(np.float64)
    np.testing.assert_array_equal(net(x)[0], back(x)[0])
    jax_net = from_nir(g)  # the same graph on the JAX backend
    assert type(jax_net).__name__ == "JaxSequential"
    np.testing.assert_allclose(np.asarray(jax_net(x)[0]), back.reset_state()(x)[0], atol=1.0)


@pytest.mark.parametrize("jax", [True, False])
def test_expsyn_and_rate_round_trip(jax):
    syn = (ExpSynJax if jax else ExpSyn)(3, tau=[0.01, 0.02, 0.03])
    g = to_nir(syn)
    node = list(g.nodes.values())[1]
    assert isinstance(node, nir.LI) and node.metadata["rockpool_class"] == "ExpSyn"
    a = np.exp(-1e-3 / np.array([0.01, 0.02, 0.03]))
    np.testing.assert_allclose(1 - 1e-3 / node.tau, a)  # forward Euler reproduces the decay
    np.testing.assert_allclose(node.r * 1e-3 / node.tau, a)  # I = a (I + x)
    back = from_nir(g, backend="jax" if jax else "native")
    assert type(back) is type(syn)
    x = _spikes(30, 3)
    np.testing.assert_allclose(np.asarray(back(x)[0]), np.asarray(syn(x)[0]), rtol=1e-6)

    rate = (RateJax if jax else Rate)(
        3, tau=0.05, bias=0.1, threshold=0.2, activation_func="sigmoid", has_rec=True
    )
    node = to_nir(rate).nodes[type(rate).__name__]
    assert isinstance(node, nir.LI) and node.metadata["activation"] == "sigmoid"
    np.testing.assert_array_equal(node.r, 1.0)
    back = from_nir(to_nir(rate), backend="jax" if jax else "native")
    assert type(back) is type(rate)
    xr = np.random.default_rng(3).random((20, 3))
    np.testing.assert_allclose(np.asarray(back(xr)[0]), np.asarray(rate(xr)[0]), rtol=1e-5)


def test_rate_with_custom_activation_is_rejected():
    with pytest.raises(ValueError, match="custom activation"):
        to_nir(RateJax(2, activation_func=lambda x, t: x))


def test_residual_and_ffwdstack_round_trip(tmp_path):
    rng = np.random.default_rng(4)
    res = Sequential(
        LinearJax((3, 4), weight=rng.normal(0, 0.5, (3, 4))),
        Residual(LinearJax((4, 4), weight=rng.normal(0, 0.5, (4, 4))), LIFJax(4, threshold=0.3)),
        ExpSynJax(4),
    )
    g = to_nir(res)
    sub = g.nodes["1_JaxResidual"]
    assert isinstance(sub, nir.NIRGraph) and ("input", "output") in sub.edges
    write_nir(g, tmp_path / "res.nir")
    back = from_nir(tmp_path / "res.nir")
    assert type(back[1]).__name__ == "JaxResidual"
    x = _spikes(40, 3)
    np.testing.assert_array_equal(np.asarray(back(x)[0]), np.asarray(res(x)[0]))

    stack = FFwdStack(LIFJax(2, threshold=0.3), LIFJax(3, threshold=0.3))
    gs = to_nir(stack)
    assert isinstance(gs.nodes["weight_0"], nir.Linear)
    back = from_nir(gs)
    assert [type(m).__name__ for m in back] == ["LIFJax", "LinearJax", "LIFJax"]
    x = _spikes(40, 2, p=0.5)
    np.testing.assert_array_equal(np.asarray(back(x)[0]), np.asarray(stack(x)[0]))

    top = Residual(LinearJax((2, 2)))  # a residual block at the top level
    back = from_nir(to_nir(top))
    assert type(back).__name__ == "JaxResidual"
    xr = rng.random((5, 2))
    np.testing.assert_allclose(np.asarray(back(xr)[0]), np.asarray(top(xr)[0]), rtol=1e-6)


def test_timed_wrapper_exports_its_module():
    mod = LIFJax(2)
    g = to_nir(mod.timed())
    assert isinstance(g.nodes["LIFJax"], nir.CubaLIF)


def test_export_errors_name_the_module():
    with pytest.raises(ValueError, match="InstantJax '1_InstantJax'"):
        to_nir(Sequential(LinearJax((2, 2)), InstantJax(2)))
    with pytest.raises(ValueError, match="2 synapses per neuron with different tau_syn"):
        to_nir(LIFJax((4, 2), tau_syn=[[0.01, 0.02], [0.01, 0.02]]))


def test_lif_with_several_synapses_per_neuron_exports_a_summing_layer():
    rng = np.random.default_rng(5)
    lif = LIF(
        (6, 2), tau_syn=[0.01, 0.03], threshold=0.5, has_rec=True, w_rec=rng.normal(0, 0.3, (2, 6))
    )
    g = to_nir(lif)
    summing = g.nodes["LIF.synapses"].weight
    assert summing.tolist() == [[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]]
    assert g.nodes["LIF.w_rec"].weight.shape == (2, 2)
    back = from_nir(g, backend="native")
    assert [type(m).__name__ for m in back] == ["Linear", "LIF"]
    x = _spikes(60, 6, p=0.3).astype(float)
    out = lif(x)[0]
    assert out.sum() > 0
    np.testing.assert_array_equal(back(x)[0], out)


def _graph(*nodes):
    return nir.NIRGraph.from_list(*nodes)


def test_import_of_foreign_cubalif_folds_the_gain():
    n, dt = 3, 1e-3
    tau_mem, tau_syn = np.full(n, 0.02), np.full(n, 0.005)
    w = np.arange(6, dtype=float).reshape(n, 2)
    # - w_in = 2 tau_syn / dt, r = tau_mem / dt: each held unit input raises I by 2, V by I
    cuba = nir.CubaLIF(
        tau_syn=tau_syn,
        tau_mem=tau_mem,
        r=tau_mem / dt,
        v_leak=np.zeros(n),
        v_threshold=np.ones(n),
        w_in=2 * tau_syn / dt,
    )
    net = from_nir(_graph(nir.Affine(weight=w, bias=np.ones(n)), cuba), dt=dt)
    np.testing.assert_allclose(np.asarray(net[0].weight), 2 * w.T)
    np.testing.assert_allclose(np.asarray(net[0].bias), 2 * np.ones(n))
    lif = net[1]
    assert float(lif.dt) == dt and lif.integration == "euler" and lif.reset_mode == "to_value"
    assert float(np.asarray(lif.max_spikes_per_dt)) == 1  # NIR neurons emit one spike per step
    # - no preceding layer: a diagonal layer is inserted
    net = from_nir(_graph(cuba), dt=dt)
    assert [type(m).__name__ for m in net] == ["LinearJax", "LIFJax"]
    np.testing.assert_allclose(np.asarray(net[0].weight), 2 * np.eye(n))


def test_foreign_cubalif_runs_nir_equations():
    """A foreign CubaLIF (reset to v_reset, strong input) gives NIR's spikes: one per step at most."""
    dt = 1e-3
    node = nir.CubaLIF(
        tau_syn=np.array([0.002, 0.005]),
        tau_mem=np.array([0.01, 0.02]),
        r=np.array([8.0, 30.0]),
        v_leak=np.array([0.1, 0.0]),
        v_threshold=np.array([1.0, 0.5]),
        v_reset=np.array([-0.2, 0.1]),
        w_in=np.array([3.0, 9.0]),
    )
    x = np.random.default_rng(3).random((150, 2)) * 3.0
    ref = _simulate_cubalif(node, x, dt)
    assert 0 < ref.sum() and ref.max() == 1
    for backend in ("native", "jax"):
        out = np.asarray(from_nir(_graph(node), backend=backend, dt=dt)(x)[0][0])
        np.testing.assert_array_equal(out, ref)


def test_scale_node_imports_as_diagonal_linear():
    back = from_nir(_graph(nir.Scale(scale=np.array([1.0, 2.0]))))
    np.testing.assert_allclose(np.asarray(back.weight), np.diag([1.0, 2.0]))


def test_unrepresentable_nodes_raise_naming_the_node():
    conv = nir.Conv1d(
        input_shape=4,
        weight=np.ones((2, 2, 3)),
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=np.zeros(2),
    )
    with pytest.raises(
        ValueError, match=r"node '.*' is a nir.Conv1d, which rockpool cannot represent"
    ) as e:
        from_nir(_graph(conv))
    assert "Supported nodes" in str(e.value)


def test_unsupported_structures_raise():
    # - branching: the input feeds two nodes that do not form a residual block
    g = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([2])),
            "a": nir.Linear(weight=np.eye(2)),
            "b": nir.Linear(weight=np.eye(2)),
            "output": nir.Output(output_type=np.array([2])),
        },
        edges=[("input", "a"), ("input", "b"), ("a", "output"), ("b", "output")],
    )
    with pytest.raises(ValueError, match="node 'input'.*2 outgoing edges"):
        from_nir(g)
    two_inputs = nir.NIRGraph(
        nodes={
            "i1": nir.Input(input_type=np.array([2])),
            "i2": nir.Input(input_type=np.array([2])),
            "a": nir.Linear(weight=np.eye(2)),
            "output": nir.Output(output_type=np.array([2])),
        },
        edges=[("i1", "a"), ("i2", "a"), ("a", "output")],
    )
    with pytest.raises(ValueError, match="exactly one Input"):
        from_nir(two_inputs)
    with pytest.raises(ValueError, match="backend must be"):
        from_nir(_graph(nir.Linear(weight=np.eye(2))), backend="torch")
    with pytest.raises(TypeError, match="nir.NIRGraph or a filename"):
        from_nir(42)


def test_missing_nir_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "nir", None)
    with pytest.raises(ImportError, match=r"rockpool\[nir\]"):
        to_nir(LinearJax((2, 2)))


@given(
    tau_mem=st.floats(0.002, 0.2),
    tau_syn=st.floats(0.002, 0.2),
    bias=st.floats(-0.5, 0.5),
    threshold=st.floats(0.1, 3.0),
    dt=st.sampled_from([1e-4, 1e-3, 2e-3]),
)
def test_round_trip_keeps_lif_parameters_exactly(tau_mem, tau_syn, bias, threshold, dt):
    """Property: to_nir -> from_nir rebuilds our own LIF with the same parameters (to 1 ulp)."""
    assume(min(tau_mem, tau_syn) >= dt)  # shorter time constants warn: not a valid configuration
    lif = LIF(2, tau_mem=tau_mem, tau_syn=tau_syn, bias=bias, threshold=threshold, dt=dt)
    back = from_nir(to_nir(lif), backend="native")
    assert back.dt == dt
    for name in ("tau_mem", "tau_syn", "threshold"):
        np.testing.assert_array_equal(getattr(back, name), getattr(lif, name))
    np.testing.assert_allclose(back.bias, lif.bias, rtol=1e-15, atol=0)


def test_round_trip_keeps_lif_max_spikes_and_noise(tmp_path):
    # regression: max_spikes_per_dt and noise_std were dropped on export, changing the outputs
    net = Sequential(Linear((2, 2), weight=np.eye(2)), LIF(2, threshold=0.1, max_spikes_per_dt=1))
    path = tmp_path / "net.nir"
    write_nir(net, path)
    x = np.ones((20, 2)) * 5.0
    ref = np.asarray(net(x)[0])
    assert ref.max() == 1.0  # capped at one spike per step
    for backend in ("native", "jax"):
        back = read_nir(path, backend=backend)
        assert float(np.asarray(back[1].max_spikes_per_dt)) == 1.0
        np.testing.assert_array_equal(np.asarray(back(x)[0]), ref)
    assert from_nir(to_nir(Rate(2, noise_std=0.1)), backend="native").noise_std == 0.1
    assert float(from_nir(to_nir(LIFJax(2, noise_std=0.2))).noise_std) == pytest.approx(0.2)


def test_for_snntorch_export_keeps_the_network_in_snntorchs_time_base():
    """dt = 1e-3 network, exponential steps: the file satisfies snnTorch's reader (dt = 1e-4,
    w_in = tau_syn/dt, r = tau_mem/dt) and reads back as the same network."""
    rng = np.random.default_rng(0)
    kw = dict(reset_mode="to_value", max_spikes_per_dt=1)
    net = Sequential(
        Linear((8, 10), weight=rng.normal(0, 1.2, (8, 10))),
        LIF(
            10, tau_mem=0.02, tau_syn=0.005, has_rec=True, w_rec=rng.normal(0, 0.5, (10, 10)), **kw
        ),
        Linear(
            (10, 4), weight=rng.normal(0, 1.0, (10, 4)), has_bias=True, bias=rng.normal(0, 0.1, 4)
        ),
        LIF(4, tau_mem=0.03, tau_syn=0.01, **kw),
    )
    x = (rng.random((2, 150, 8)) < 0.3).astype(float)
    ref = net(x)[0]
    g = to_nir(net, for_snntorch=True)
    for node in (g.nodes["1_LIF"], g.nodes["3_LIF"]):
        np.testing.assert_allclose(node.w_in * 1e-4 / node.tau_syn, 1.0)
        np.testing.assert_allclose(node.r, node.tau_mem / 1e-4)
        assert node.metadata["dt"] == 1e-4 and node.metadata["rockpool_dt"] == 1e-3
    np.testing.assert_allclose(1 - 1e-4 / g.nodes["1_LIF"].tau_syn, np.exp(-1e-3 / 0.005))
    out = from_nir(g, backend="native", convention="snntorch")(x)[0]
    assert ref.sum() > 50
    np.testing.assert_array_equal(out, ref)
    with pytest.raises(ValueError, match="cannot be folded"):
        to_nir(LIF(2), for_snntorch=True)  # nothing in front to fold exp(-dt/tau_syn) into
