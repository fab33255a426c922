"""NIR import: node semantics (LIF, IF, LI, I, Threshold, recurrence), NIR-paper-style graphs, and
one clear error for every kind of bad file or graph."""

import h5py
import nir
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rockpool.graph import from_nir, read_nir, to_nir, write_nir
from rockpool.graph.nir import NIRImportError
from rockpool.nn.modules import LIF

DT = 1e-3


def _graph(*nodes):
    return nir.NIRGraph.from_list(*nodes)


def _x(T=60, n=2, seed=0, scale=1.0):
    return np.random.default_rng(seed).random((T, n)) * scale


def _run(g, x, **kw):
    net = from_nir(g, backend="native", dt=DT, **kw)
    out, _, rec = net(x, record=True)
    return np.asarray(out).reshape(len(x), -1), rec


# ---------------------------------------------------------------------------------------------- node semantics
def test_lif_and_if_nodes_follow_nir_equations():
    x = _x(scale=2.0)
    lif = nir.LIF(
        tau=np.array([0.01, 0.02]),
        r=np.array([10.0, 20.0]),
        v_leak=np.array([0.0, 0.1]),
        v_threshold=np.array([1.0, 0.8]),
        v_reset=np.array([0.0, -0.3]),
    )
    v, ref = np.zeros(2), []
    for t in range(len(x)):  # tau dV/dt = v_leak - V + r x, held for dt
        v = v + DT / lif.tau * (lif.v_leak - v + lif.r * x[t])
        s = (v >= lif.v_threshold) * 1.0
        v = np.where(s > 0, lif.v_reset, v)
        ref.append(s)
    out, _ = _run(_graph(lif), x)
    assert out.sum() > 5
    np.testing.assert_array_equal(out, np.array(ref))

    if_node = nir.IF(
        r=np.array([100.0, 300.0]), v_threshold=np.array([1.0, 1.0]), v_reset=np.array([0.0, 0.2])
    )
    v, ref = np.zeros(2), []
    for t in range(len(x)):  # dV/dt = r x
        v = v + DT * if_node.r * x[t]
        s = (v >= 1.0) * 1.0
        v = np.where(s > 0, if_node.v_reset, v)
        ref.append(s)
    out, _ = _run(_graph(if_node), x)
    assert out.sum() > 5
    np.testing.assert_array_equal(out, np.array(ref))


def test_li_integrator_and_threshold_nodes():
    x = _x()
    li = nir.LI(tau=np.array([0.005, 0.02]), r=np.array([2.0, 0.5]), v_leak=np.array([0.1, -0.2]))
    v, ref = np.zeros(2), []
    for t in range(len(x)):
        v = v + DT / li.tau * (li.v_leak - v + li.r * x[t])
        ref.append(v)
    out, _ = _run(_graph(li), x)
    np.testing.assert_allclose(out, np.array(ref), rtol=1e-12)

    integ = nir.I(r=np.array([100.0, 50.0]))
    out, _ = _run(_graph(integ), x)
    np.testing.assert_allclose(out, np.cumsum(x * DT * integ.r, axis=0), rtol=1e-12)

    th = nir.Threshold(threshold=np.array([0.3, 0.7]))
    out, _ = _run(_graph(th), x)
    np.testing.assert_array_equal(out, (x > th.threshold) * 1.0)
    # - and back out: Threshold and LI keep their node types
    g = to_nir(from_nir(_graph(li, th), dt=DT))
    kinds = sorted(type(n).__name__ for n in g.nodes.values())
    assert kinds == ["Input", "LI", "Linear", "Output", "Threshold"]  # the Linear carries r


def _rnn(rec_node, spyx_style=False):
    """Input -> Affine -> CubaLIF with a recurrent node -> Output, as a flat graph or as Spyx's
    nested subgraph (input entering through the recurrent weights)."""
    n = 3
    cuba = nir.CubaLIF(
        tau_syn=np.full(n, 0.004),
        tau_mem=np.full(n, 0.01),
        r=np.full(n, 10.0),
        v_leak=np.zeros(n),
        v_threshold=np.ones(n),
        w_in=np.full(n, 1.0),
    )
    w_in = nir.Affine(weight=np.random.default_rng(1).normal(1.0, 0.5, (n, 2)), bias=np.zeros(n))
    if not spyx_style:
        nodes = {
            "input": nir.Input(np.array([2])),
            "w": w_in,
            "lif": cuba,
            "rec": rec_node,
            "output": nir.Output(np.array([n])),
        }
        edges = [("input", "w"), ("w", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")]
        return nir.NIRGraph(nodes=nodes, edges=edges)
    sub = nir.NIRGraph(
        nodes={
            "i": nir.Input(np.array([n])),
            "lif": cuba,
            "rec": rec_node,
            "o": nir.Output(np.array([n])),
        },
        edges=[("i", "rec"), ("rec", "lif"), ("lif", "rec"), ("lif", "o")],
    )
    nodes = {
        "input": nir.Input(np.array([2])),
        "w": w_in,
        "layer": sub,
        "output": nir.Output(np.array([n])),
    }
    return nir.NIRGraph(nodes=nodes, edges=[("input", "w"), ("w", "layer"), ("layer", "output")])


def test_recurrence_written_as_linear_or_zero_bias_affine():
    w = np.random.default_rng(2).normal(0, 2.0, (3, 3))
    x = _x(80, 2, seed=3, scale=2.0)
    out_lin, _ = _run(_rnn(nir.Linear(weight=w)), x)
    out_aff, _ = _run(_rnn(nir.Affine(weight=w, bias=np.zeros(3))), x)
    np.testing.assert_array_equal(out_lin, out_aff)
    net = from_nir(_rnn(nir.Affine(weight=w, bias=np.zeros(3))), backend="native", dt=DT)
    assert net[1].has_rec
    np.testing.assert_allclose(net[1].w_rec, w.T * 1.0 * DT / 0.004)  # NIR layout, input gain
    out_ff, _ = _run(_rnn(nir.Linear(weight=np.zeros((3, 3)))), x)
    assert not np.array_equal(out_lin, out_ff)  # the loop matters
    with pytest.raises(NIRImportError, match="non-zero bias"):
        from_nir(_rnn(nir.Affine(weight=w, bias=np.ones(3))))


def test_spyx_style_recurrent_subgraph():
    w = np.random.default_rng(2).normal(0, 0.8, (3, 3))
    x = _x(80, 2, seed=3, scale=1.5)
    # - NIR's meaning: the input passes through the recurrent weights too
    net = from_nir(_rnn(nir.Linear(weight=w), spyx_style=True), backend="native", dt=DT)
    assert [type(m).__name__ for m in net] == ["Linear", "Linear", "LIF"] and net[-1].has_rec
    # - Spyx's meaning: the input goes straight to the neurons
    spyx = from_nir(
        _rnn(nir.Linear(weight=w), spyx_style=True), backend="native", convention="spyx", dt=DT
    )
    assert [type(m).__name__ for m in spyx] == ["Linear", "LIF"] and spyx[1].has_rec
    assert spyx(x)[0].shape == (1, 80, 3)


def test_nir_paper_style_graphs_load_and_run(tmp_path):
    """Small graphs of the kinds published with the NIR paper (which cannot be fetched here): a
    recurrent CubaLIF classifier with an LI readout (braille task) and an IF / Integrator net."""
    rng = np.random.default_rng(0)
    n_in, n_h, n_out = 12, 38, 7
    rnn = nir.NIRGraph(
        nodes={
            "input": nir.Input(np.array([n_in])),
            "fc1": nir.Affine(weight=rng.normal(0, 2.0, (n_h, n_in)), bias=rng.normal(0, 0.1, n_h)),
            "lif1": nir.CubaLIF(
                tau_syn=np.full(n_h, 5e-3),
                tau_mem=np.full(n_h, 2e-2),
                r=np.full(n_h, 20.0),
                v_leak=np.zeros(n_h),
                v_threshold=np.ones(n_h),
                w_in=np.full(n_h, 5.0),
            ),
            "lif1.w_rec": nir.Affine(weight=rng.normal(0, 0.3, (n_h, n_h)), bias=np.zeros(n_h)),
            "fc2": nir.Affine(weight=rng.normal(0, 1.0, (n_out, n_h)), bias=np.zeros(n_out)),
            "li": nir.LI(tau=np.full(n_out, 1e-2), r=np.ones(n_out), v_leak=np.zeros(n_out)),
            "output": nir.Output(np.array([n_out])),
        },
        edges=[
            ("input", "fc1"),
            ("fc1", "lif1"),
            ("lif1", "lif1.w_rec"),
            ("lif1.w_rec", "lif1"),
            ("lif1", "fc2"),
            ("fc2", "li"),
            ("li", "output"),
        ],
    )
    nir.write(str(tmp_path / "braille.nir"), rnn)
    x = (rng.random((2, 100, n_in)) < 0.3).astype(np.float32)
    net = read_nir(tmp_path / "braille.nir", backend="native")
    out, _, rec = net(x, record=True)
    assert out.shape == (2, 100, n_out) and np.all(np.isfinite(np.asarray(out)))
    assert np.asarray(rec["lif1_output"]).sum() > 0  # the hidden layer spikes
    g2 = _graph(
        nir.Linear(weight=rng.normal(0, 1, (4, n_in))),
        nir.IF(r=np.full(4, 200.0), v_threshold=np.ones(4)),
        nir.Linear(weight=rng.normal(0, 1, (2, 4))),
        nir.I(r=np.ones(2)),
    )
    out2 = from_nir(g2, backend="native")(x)[0]
    assert out2.shape == (2, 100, 2) and np.abs(np.asarray(out2)).max() > 0


# ---------------------------------------------------------------------------------------------- errors
def _good(tmp_path):
    path = tmp_path / "good.nir"
    write_nir(LIF(2), path)
    return path


def test_missing_file(tmp_path):
    with pytest.raises(NIRImportError, match=r"file '.*nope.nir' does not exist"):
        read_nir(tmp_path / "nope.nir")
    with pytest.raises(NIRImportError, match="is a directory"):
        read_nir(tmp_path)


def test_garbage_file(tmp_path):
    path = tmp_path / "garbage.nir"
    path.write_bytes(b"this is not hdf5 at all" * 10)
    with pytest.raises(
        NIRImportError, match=r"garbage.nir' is not an HDF5 file.*write_nir or nir.write"
    ):
        read_nir(path)


def test_truncated_file(tmp_path):
    data = _good(tmp_path).read_bytes()
    path = tmp_path / "cut.nir"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        NIRImportError, match=r"cut.nir' is (truncated or corrupt|not a valid NIR graph)"
    ):
        read_nir(path)


def test_hdf5_that_is_not_a_nir_graph(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.arange(3)
    with pytest.raises(NIRImportError, match=r"other.h5' is an HDF5 file but not a NIR graph"):
        read_nir(path)


def test_shapes_that_do_not_chain(tmp_path):
    g = nir.NIRGraph(
        nodes={
            "input": nir.Input(np.array([2])),
            "a": nir.Linear(weight=np.ones((3, 2))),
            "b": nir.Linear(weight=np.ones((4, 5))),
            "output": nir.Output(np.array([4])),
        },
        edges=[("input", "a"), ("a", "b"), ("b", "output")],
        type_check=False,
    )
    path = tmp_path / "chain.nir"
    nir.write(str(path), g)
    with pytest.raises(
        NIRImportError,
        match=r"chain.nir', edge 'a' -> 'b': 'a' \(nir.Linear\) has 3 outputs but 'b'",
    ):
        read_nir(path)


def _cuba(n=2, **kw):
    p = dict(
        tau_syn=np.full(n, 5e-3),
        tau_mem=np.full(n, 1e-2),
        r=np.full(n, 10.0),
        v_leak=np.zeros(n),
        v_threshold=np.ones(n),
        w_in=np.full(n, 5.0),
    )
    node = nir.CubaLIF(**p)
    for k, v in kw.items():  # set after construction: nir checks some shapes, a file need not
        setattr(node, k, v)
    return node


@pytest.mark.parametrize(
    "node, match",
    [
        (
            _cuba(v_threshold=np.array([1.0, np.nan])),
            r"node 'cubalif': parameter 'v_threshold' contains NaN",
        ),
        (_cuba(w_in=np.ones(3)), r"not a valid NIR graph \(node 'cubalif', nir.CubaLIF"),
        (_cuba(v_reset=np.zeros((3, 1))), r"not a valid NIR graph \(node 'cubalif', nir.CubaLIF"),
        (_cuba(tau_syn=np.full(2, 1e-4)), r"node 'cubalif': 'tau_syn' .* is shorter than dt"),
        (
            nir.Conv1d(
                input_shape=4,
                weight=np.ones((2, 2, 3)),
                stride=1,
                padding=0,
                dilation=1,
                groups=1,
                bias=np.zeros(2),
            ),
            r"node 'conv1d' is a nir.Conv1d, which rockpool cannot represent",
        ),
        (
            nir.Linear(weight=np.array([[1.0, np.inf], [0, 1]])),
            r"node 'linear': weight contains NaN or infinite",
        ),
    ],
)
def test_bad_nodes_name_file_node_and_fix(tmp_path, node, match):
    path = tmp_path / "bad.nir"
    nir.write(str(path), _graph(node))
    with pytest.raises(NIRImportError, match=r"file '.*bad.nir'(, | is )" + match):
        read_nir(path)


def test_bad_parameter_shape_in_memory():
    g = _graph(nir.Linear(weight=np.eye(2)), _cuba(v_reset=np.zeros((3, 1))))
    with pytest.raises(
        NIRImportError,
        match=r"node 'cubalif': parameter 'v_reset' has shape \(3, 1\); expected \(2,\)",
    ):
        from_nir(g)


def test_bad_convention_and_backend():
    g = _graph(nir.Linear(weight=np.eye(2)))
    with pytest.raises(ValueError, match="convention must be one of"):
        from_nir(g, convention="brian")
    with pytest.raises(ValueError, match="backend must be"):
        from_nir(g, backend="torch")


def test_errors_are_value_errors():
    assert issubclass(NIRImportError, ValueError)
    assert from_nir(_graph(nir.Linear(weight=np.eye(2)))).size_in == 2


@given(
    tau_syn=st.floats(1e-3, 0.05),
    tau_mem=st.floats(1e-3, 0.05),
    w_in=st.floats(0.1, 20.0),
    r=st.floats(0.1, 50.0),
    v_leak=st.floats(-1.0, 1.0),
    dirac=st.booleans(),
)
def test_property_foreign_cubalif_membrane_follows_nir_equations(
    tau_syn, tau_mem, w_in, r, v_leak, dirac
):
    """Any CubaLIF (below threshold): the membrane is NIR's held-spike forward-Euler solution."""
    node = nir.CubaLIF(
        tau_syn=np.array([tau_syn]),
        tau_mem=np.array([tau_mem]),
        r=np.array([r]),
        v_leak=np.array([v_leak]),
        v_threshold=np.array([1e9]),
        w_in=np.array([w_in]),
    )
    x = _x(40, 1, seed=4)
    i = v = 0.0
    ref = []
    for t in range(40):
        i = i + DT / tau_syn * (-i + w_in * x[t, 0])
        v = v + DT / tau_mem * (v_leak - v + r * i)
        ref.append(v)
    if dirac:  # the same node written in the Dirac convention
        node.w_in = node.w_in * DT
        node.metadata = {"input_convention": "dirac", "dt": DT}
    net = from_nir(_graph(node), backend="native", dt=DT)
    _, _, rec = net(x, record=True)
    # - the LIF's record (a diagonal Linear in front carries the gain unless it is 1)
    vmem = rec["vmem"] if "vmem" in rec else rec[list(net.modules())[-1]]["vmem"]
    np.testing.assert_allclose(vmem[0, :, 0], ref, rtol=1e-9, atol=1e-12)


def test_nir_import_error_is_exported_from_rockpool_graph(tmp_path):
    # - QA pass: the README names NIRImportError; users catch it from the package
    import rockpool.graph as graph

    assert graph.NIRImportError is NIRImportError and issubclass(NIRImportError, ValueError)
    bad = tmp_path / "half.nir"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 40)  # an HDF5 signature, nothing after it
    with pytest.raises(graph.NIRImportError, match="half.nir"):
        read_nir(bad)
