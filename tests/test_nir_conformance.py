"""NIR files written by snnTorch 1.0, Norse 1.1 and Spyx 1.0 (fixtures in tests/data/nir/, made by
tools/nir_conformance/make_fixtures.py) import and reproduce the peers' own simulations; our
exports of the same networks keep the peers' conventions and rebuild identically."""

from pathlib import Path

import nir
import numpy as np
import pytest

from rockpool.graph import from_nir, read_nir, to_nir

DATA = Path(__file__).parent / "data" / "nir"
X = np.load(DATA / "inputs.npz")["spikes"].astype(np.float64)  # (B, T, 8) input spikes

# - Steps by which the peer's output trails ours (the documented one-step conventions): Spyx emits
#   each spike one step after the crossing, so its spikes trail ours by one step per spiking layer
SHIFT = {"snntorch": 0, "norse": 0, "spyx": 2}
CASES = [(peer, kind) for peer in ("snntorch", "norse", "spyx") for kind in ("ff", "rec", "li")]


def _shift(peer, kind):
    return 1 if (peer, kind) == ("spyx", "li") else SHIFT[peer]  # the Spyx readout does not delay


def _readout(net, rec):
    """The membrane trace of the readout layer: the last LIF's ``vmem`` (snnTorch's readout is a
    nir.LIF that never fires), or the output of the last leaky integrator (a ``Rate``)."""
    name, last = list(net.modules().items())[-1]
    if type(last).__name__.startswith("LIF"):
        return np.asarray(rec[name]["vmem"])
    names = [k for k, m in net.modules().items() if type(m).__name__.startswith("Rate")]
    return np.asarray(rec[f"{names[-1]}_output"])


def _compare(peer, kind, net, x=X):
    ref = np.load(DATA / f"{peer}_{kind}.npz")
    out, _, rec = net(x, record=True)
    out = np.asarray(out)
    T, d = out.shape[1], _shift(peer, kind)
    if "spikes" in ref:
        theirs, ours = ref["spikes"][:, d:], out[:, : T - d]
        assert np.all(ref["spikes"][:, :d] == 0)  # nothing before the first possible spike
        np.testing.assert_array_equal(theirs.sum(axis=1), ours.sum(axis=1))  # counts per neuron
        np.testing.assert_array_equal(theirs, ours)  # and the times
    if "vmem" in ref:
        v_ref = ref["vmem"]
        v = _readout(net, rec)
        a, b = v_ref[:, d:], v[:, : T - d]
        assert np.abs(a).max() > 0.1  # a real trace
        assert np.abs(a - b).max() <= 0.01 * np.abs(a).max()  # within 1 %


@pytest.mark.parametrize("peer, kind", CASES)
def test_peer_file_reproduces_the_peer(peer, kind):
    net = read_nir(DATA / f"{peer}_{kind}.nir", backend="native", convention=peer)
    _compare(peer, kind, net)


@pytest.mark.parametrize("peer", ["snntorch", "norse", "spyx"])
def test_peer_recurrent_file_on_the_jax_backend(peer):
    net = read_nir(DATA / f"{peer}_rec.nir", convention=peer)
    assert type(net[1]).__name__ == "LIFJax" and net[1].has_rec
    _compare(peer, "rec", net, X.astype(np.float32))


def test_peer_spikes_are_real():
    """The fixtures exercise the neurons: every network spikes, and some neuron several times
    in a row (so that one spike per step and the reset matter)."""
    for peer, kind in CASES:
        ref = np.load(DATA / f"{peer}_{kind}.npz")
        if kind != "li" or peer == "spyx":
            assert ref["spikes"].sum() > 20, (peer, kind)


def test_foreign_defaults_are_one_spike_and_reset_to_value():
    net = read_nir(DATA / "snntorch_ff.nir", backend="native", convention="snntorch")
    lif = net[1]
    assert (
        lif.max_spikes_per_dt == 1 and lif.reset_mode == "to_value" and lif.integration == "euler"
    )
    np.testing.assert_array_equal(lif.v_reset, 0.0)
    assert lif.dt == 1e-4  # snnTorch's hard-coded dt
    spyx = read_nir(DATA / "spyx_ff.nir", backend="native", convention="spyx")[1]
    assert spyx.reset_mode == "subtract" and spyx.dt == 1.0


def test_wrong_convention_gives_other_outputs():
    """The convention matters: reading a snnTorch file as Spyx's changes the spikes."""
    ref = np.load(DATA / "snntorch_ff.npz")["spikes"]
    net = read_nir(DATA / "snntorch_ff.nir", backend="native", convention="spyx", dt=1e-4)
    assert not np.array_equal(net(X)[0], ref)


@pytest.mark.parametrize("peer, kind", CASES)
def test_our_export_of_a_peer_network_keeps_its_conventions(peer, kind):
    """Export, re-import: identical outputs; the nodes are what the peer's reader expects."""
    net = read_nir(DATA / f"{peer}_{kind}.nir", backend="native", convention=peer)
    g = to_nir(net)
    back = from_nir(g, backend="native")
    np.testing.assert_array_equal(back(X)[0], net.reset_state()(X)[0])
    cubas = [n for n in g.nodes.values() if isinstance(n, nir.CubaLIF)]
    assert cubas
    for node in cubas:
        dt = node.metadata["dt"]
        assert node.metadata["integration"] == "euler"
        np.testing.assert_allclose(
            node.w_in * dt / node.tau_syn, 1.0, rtol=1e-12
        )  # snnTorch's w_scale
        np.testing.assert_allclose(node.r, node.tau_mem / dt, rtol=1e-12)
        np.testing.assert_array_equal(node.v_leak, 0.0)
    if peer == "snntorch":
        assert all(n.metadata["dt"] == 1e-4 for n in cubas)
