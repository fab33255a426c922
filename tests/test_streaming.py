"""Streaming inference over long inputs and the fail-fast memory estimate."""

import time

import jax
import numpy as np
import pytest

from rockpool.nn import streaming
from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import LIFJax, LinearJax

np.random.seed(4)
NET = Sequential(LinearJax((2, 6)), LIFJax(6, has_rec=True), LinearJax((6, 3)), LIFJax(3))
X = (np.random.default_rng(1).random((2, 230, 2)) * 2).astype(np.float32)


@pytest.fixture(scope="module")
def plain():
    return NET(X, record=True)


def test_stream_equals_plain_call(plain):
    out0, st0, rec0 = plain
    out, st, rec = streaming.stream(NET, X, chunk=64, record="host")  # 64, 64, 64, 38
    assert isinstance(out, np.ndarray) and out.shape == (2, 230, 3)
    np.testing.assert_allclose(out, out0, rtol=1e-5, atol=1e-5)
    for path, leaf in jax.tree_util.tree_leaves_with_path(rec0):
        got = dict(jax.tree_util.tree_leaves_with_path(rec))[path]
        assert isinstance(got, np.ndarray)
        np.testing.assert_allclose(got, leaf, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(st["1_LIFJax"]["vmem"][0], st0["1_LIFJax"]["vmem"], rtol=1e-4, atol=1e-3)


def test_stream_without_outputs_and_continuing(plain):
    out, st, rec = streaming.stream(NET, X[:, :100], chunk=64, outputs=False)
    assert out is None and rec == {}
    # - continue from the carried (batched) state: the same as one long call
    out2, st2, _ = streaming.stream(NET, X[:, 100:], chunk=64, state=st)
    np.testing.assert_allclose(out2, plain[0][:, 100:], rtol=1e-5, atol=1e-5)
    one = streaming.unbatch_state(st2, 1)
    np.testing.assert_allclose(one["1_LIFJax"]["vmem"], NET(X[1])[1]["1_LIFJax"]["vmem"], rtol=1e-4, atol=1e-3)


def test_stream_host_memory_check(monkeypatch):
    monkeypatch.setattr(streaming, "available_bytes", lambda device=None: 1000)
    with pytest.raises(streaming.MemoryEstimateError, match="record=False") as e:
        streaming.stream(NET, X, chunk=64, record=True)
    assert e.value.needed > 1000 and e.value.available == 1000
    with pytest.raises(ValueError, match="record must be"):
        streaming.stream(NET, X, chunk=64, record="disk")


def test_plain_call_fails_fast_with_estimate(monkeypatch):
    """A 2,000,000-step eager call with record=True that does not fit: an error before any work."""
    lif = LIFJax(4)
    x = np.zeros((2_000_000, 4), np.float32)
    need = streaming.estimate_call_bytes(lif, (1,) + x.shape, record=True)
    assert need >= 4 * x.nbytes  # four records of the input's size (and more)
    monkeypatch.setattr(streaming, "available_bytes", lambda device=None: need // 4)
    t0 = time.perf_counter()
    with pytest.raises(streaming.MemoryEstimateError) as e:
        lif(x, record=True)
    assert time.perf_counter() - t0 < 60  # (generous) it did not evolve 2e6 steps first
    msg = str(e.value)
    assert "LIFJax" in msg and "2000000 time steps" in msg and "GB" in msg
    assert "stream(net, x, chunk=" in msg and "record=False" in msg
    assert isinstance(e.value, MemoryError)


def test_small_calls_are_not_checked(monkeypatch):
    monkeypatch.setattr(streaming, "available_bytes", lambda device=None: 1)
    NET(X)  # below CHECK_MIN_STEPS: no estimate, no error
    assert streaming.check_call_memory.__doc__


def test_stream_and_evolve_chunked_wrong_inputs_are_clear_errors():
    from rockpool.nn.modules import LIF

    # - a native module cannot be scanned / vmapped: name the JAX twin
    for fn, name in ((streaming.stream, "stream"), (streaming.evolve_chunked, "evolve_chunked")):
        with pytest.raises(TypeError, match=f"{name}: net must be a JAX module .*got LIF.*LIFJax"):
            fn(LIF(2), np.ones((10, 2)), 5)
    # - a state without the batch axis, or for another batch size, names the entry and the fix
    with pytest.raises(ValueError, match=r"stream: state entry \['1_LIFJax'\]\['isyn'\] has shape \(6, 1\), "
                                         r"expected \(2, 6, 1\).*batch_state\(net, 2\)"):
        streaming.stream(NET, X[:, :10], chunk=5, state=NET.state())
    with pytest.raises(ValueError, match=r"evolve_chunked: state entry .* expected \(2, 6, 1\)"):
        streaming.evolve_chunked(NET, X[:, :10], 5, state=streaming.batch_state(NET, 3))
    with pytest.raises(ValueError, match="stream: state must have the structure"):
        streaming.stream(NET, X[:, :10], chunk=5, state={"vmem": np.zeros((2, 6))})
    # - stream is eager (host arrays): inside jit, point to evolve_chunked
    with pytest.raises(TypeError, match="inside jax.jit.*evolve_chunked"):
        jax.jit(lambda x: streaming.stream(NET, x, 5)[0])(X[:, :10])
