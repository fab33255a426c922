"""Combinators: Sequential (ModSequential / JaxSequential), Residual, FFwdStack."""

from collections import OrderedDict

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import assert_trees_close
from hypothesis import given
from hypothesis import strategies as st

from rockpool.nn.combinators import FFwdStack, ModSequential, Residual, Sequential
from rockpool.nn.combinators.ffwd_stack import ModFFwdStack
from rockpool.nn.combinators.residual import ModResidual
from rockpool.nn.modules import (
    Instant,
    InstantJax,
    JaxModule,
    Linear,
    LinearJax,
    Module,
    Rate,
    RateJax,
)
from rockpool.parameters import Parameter, State


class Leak(JaxModule):
    """Tiny stateful JAX module for tests: x <- x + (i - x) * 0.1; output x; record x."""

    def __init__(self, shape, spiking_input=False, spiking_output=False):
        super().__init__(shape=shape, spiking_input=spiking_input, spiking_output=spiking_output)
        self.gain = Parameter(np.ones(self.shape), "gains", shape=self.shape)
        self.x = State(shape=self.shape, init_func=np.zeros)

    def evolve(self, data, record=False):
        data, (x,) = self._auto_batch(data, (self.x,))

        def step(x, i):
            x = x + (i * self.gain - x) * 0.1
            return x, x

        xf, xs = jax.lax.scan(step, x, jnp.swapaxes(data, 0, 1).astype(jnp.float32))
        xs = jnp.swapaxes(xs, 0, 1)
        return xs, {"x": xf[0]}, ({"x": xs} if record else {})


class LeakNp(Module):
    """NumPy twin of Leak."""

    def __init__(self, shape):
        super().__init__(shape=shape)
        self.gain = Parameter(np.ones(self.shape), "gains", shape=self.shape)
        self.x = State(shape=self.shape, init_func=np.zeros)

    def evolve(self, data, record=False):
        data, (x,) = self._auto_batch(data, (self.x,))
        x = np.array(x, dtype=float)
        xs = np.zeros(data.shape)
        for t in range(data.shape[1]):
            x = x + (data[:, t] * self.gain - x) * 0.1
            xs[:, t] = x
        return xs, {"x": x[0]}, ({"x": xs} if record else {})


def test_repr_matches_spec():
    net = Sequential(LinearJax((2000, 8)), InstantJax(8, jnp.tanh), LinearJax((8, 2)))
    assert repr(net) == (
        "JaxSequential  with shape (2000, 2) {\n"
        "    LinearJax '0_LinearJax' with shape (2000, 8)\n"
        "    InstantJax '1_InstantJax' with shape (8,)\n"
        "    LinearJax '2_LinearJax' with shape (8, 2)\n"
        "}"
    )
    assert str(net) == repr(net)
    nested = Sequential(Sequential(LinearJax((3, 4)), RateJax(4)), LinearJax((4, 1)))
    assert repr(nested) == (
        "JaxSequential  with shape (3, 1) {\n"
        "    JaxSequential '0_JaxSequential' with shape (3, 4) {\n"
        "        LinearJax '0_LinearJax' with shape (3, 4)\n"
        "        RateJax '1_RateJax' with shape (4,)\n"
        "    }\n"
        "    LinearJax '1_LinearJax' with shape (4, 1)\n"
        "}"
    )


def test_factory_picks_backend():
    jnet = Sequential(LinearJax((3, 4)), RateJax(4))
    nnet = Sequential(Linear((3, 4)), Rate(4))
    assert type(jnet).__name__ == "JaxSequential" and isinstance(jnet, JaxModule)
    assert type(nnet) is ModSequential and not isinstance(nnet, JaxModule)
    assert isinstance(jnet, Sequential) and isinstance(nnet, Sequential)
    assert not isinstance(LinearJax((2, 2)), Sequential)
    # - a native module inside a JAX network is refused with a message that names it
    with pytest.raises(ValueError, match="Rate.*not a JaxModule"):
        Sequential(LinearJax((3, 4)), Rate(4))
    with pytest.raises(TypeError, match="not a Module"):
        Sequential(LinearJax((3, 4)), "RateJax")


def test_names_indexing_and_attributes():
    net = Sequential(LinearJax((3, 4)), RateJax(4), LinearJax((4, 2)))
    assert list(net.modules()) == ["0_LinearJax", "1_RateJax", "2_LinearJax"]
    assert net.shape == (3, 2) and net.size_in == 3 and net.size_out == 2
    assert net[0].shape == (3, 4) and net[-1].shape == (4, 2)
    assert net["1_RateJax"] is net[1] is getattr(net, "1_RateJax")
    assert net[1].name == "'1_RateJax'" and net.name == ""
    assert len(net) == 3 and [m.shape for m in net] == [(3, 4), (4,), (4, 2)]
    with pytest.raises(KeyError, match="1_RateJax"):
        net["nope"]
    with pytest.raises(IndexError, match="3 submodules"):
        net[3]

    named = Sequential(OrderedDict([("inp", LinearJax((3, 4))), ("hidden", RateJax(4))]))
    assert list(named.modules()) == ["inp", "hidden"]
    assert named.hidden is named[1] and named.hidden.name == "'hidden'"
    assert set(named.parameters()) == {"inp", "hidden"}


def test_size_mismatch_names_both_modules():
    with pytest.raises(ValueError) as e:
        Sequential(LinearJax((3, 4)), RateJax(5))
    msg = str(e.value)
    assert "LinearJax '0_LinearJax'" in msg and "RateJax '1_RateJax'" in msg
    assert "4" in msg and "5" in msg
    with pytest.raises(ValueError, match="Linear '0_Linear'.*3.*Rate '1_Rate'.*2"):
        Sequential(Linear((2, 3)), Rate(2))


def test_append_checks_sizes_and_names():
    net = Sequential(LinearJax((3, 4)))
    assert net.append(RateJax(4)) is net
    assert net.shape == (3, 4) and list(net.modules()) == ["0_LinearJax", "1_RateJax"]
    net.append(LinearJax((4, 2)), name="readout")
    assert net.shape == (3, 2) and net.readout is net[-1]
    with pytest.raises(ValueError, match="input size 3"):
        net.append(LinearJax((3, 1)))
    with pytest.raises(ValueError, match="'readout' is already used"):
        net.append(LinearJax((2, 2)), name="readout")
    with pytest.raises(ValueError, match="already used"):
        net.append(LinearJax((2, 2)), name="append")
    assert len(net) == 3  # failed appends left the network unchanged
    # - the appended network evolves and is a valid pytree with the new part
    out, state, _ = net(np.ones((5, 3)))
    assert out.shape == (1, 5, 2) and list(state) == ["0_LinearJax", "1_RateJax", "readout"]
    empty = Sequential()
    empty.append(Linear((2, 3)))
    assert empty.shape == (2, 3)


def test_spiking_flags_from_ends():
    net = Sequential(Leak(3, spiking_input=True), Leak(3, spiking_output=False), Leak(3, spiking_output=True))
    assert net.spiking_input and net.spiking_output
    net2 = Sequential(Leak(3), Leak(3, spiking_input=True))
    assert not net2.spiking_input and not net2.spiking_output


def test_evolve_chains_state_and_record():
    net = Sequential(LinearJax((3, 4)), Leak(4), LinearJax((4, 2)))
    x = np.random.rand(2, 6, 3)
    out, state, rec = net(x)
    assert rec == {}
    # - the same computation by hand
    h = x @ np.asarray(net[0].weight)
    h2, s2, _ = net[1](h)
    np.testing.assert_allclose(out, np.asarray(h2) @ np.asarray(net[2].weight), rtol=1e-5, atol=1e-6)
    assert list(state) == ["0_LinearJax", "1_Leak", "2_LinearJax"]
    assert state["0_LinearJax"] == {} and set(state["1_Leak"]) == {"x"}
    np.testing.assert_allclose(state["1_Leak"]["x"], s2["x"], rtol=1e-6)
    # - the module is not mutated by evolving; set_attributes applies the new state
    assert np.all(np.asarray(net[1].x) == 0)
    net2 = net.set_attributes(state)
    np.testing.assert_allclose(net2[1].x, s2["x"], rtol=1e-6)
    assert np.all(np.asarray(net[1].x) == 0)

    out_r, _, rec = net(x, record=True)
    np.testing.assert_allclose(out_r, out, rtol=1e-6)
    assert list(rec) == ["0_LinearJax", "0_LinearJax_output", "1_Leak", "1_Leak_output", "2_LinearJax", "2_LinearJax_output"]
    assert rec["1_Leak"]["x"].shape == (2, 6, 4)
    np.testing.assert_allclose(rec["2_LinearJax_output"], out, rtol=1e-6)
    np.testing.assert_allclose(rec["1_Leak_output"], h2, rtol=1e-5, atol=1e-6)
    # - a (T, N) input is batch 1
    out1, _, _ = net(x[0])
    assert out1.shape == (1, 6, 2)
    np.testing.assert_allclose(out1[0], out[0], rtol=1e-5, atol=1e-6)


def test_input_width_checked_with_network_name():
    net = Sequential(LinearJax((3, 4)), Leak(4))
    with pytest.raises(ValueError, match="JaxSequential.*4 channels, expected 3"):
        net(np.ones((5, 4)))


def test_jit_and_grad_equal_eager():
    net = Sequential(LinearJax((3, 4)), Leak(4), LinearJax((4, 2)))
    x = np.random.rand(5, 3).astype(np.float32)
    target = np.random.rand(5, 2).astype(np.float32)

    def loss(p, net, x):
        net = net.reset_state().set_attributes(p)
        out, _, _ = net(x)
        return jnp.mean((out - target) ** 2)

    p = net.parameters()
    eager = loss(p, net, x)
    value, grads = jax.jit(jax.value_and_grad(loss))(p, net, x)
    np.testing.assert_allclose(value, eager, rtol=1e-6)
    assert jax.tree_util.tree_structure(grads) == jax.tree_util.tree_structure(p)
    # - a finite-difference check of one weight
    eps = 1e-2
    w = np.asarray(p["2_LinearJax"]["weight"]).copy()
    w[1, 0] += eps
    p_plus = {**p, "2_LinearJax": {"weight": jnp.asarray(w)}}
    fd = (loss(p_plus, net, x) - eager) / eps
    np.testing.assert_allclose(grads["2_LinearJax"]["weight"][1, 0], fd, rtol=5e-2, atol=1e-4)


def test_pytree_round_trip():
    net = Sequential(LinearJax((3, 4)), Leak(4), LinearJax((4, 2)))
    leaves, treedef = jax.tree_util.tree_flatten(net)
    net2 = jax.tree_util.tree_unflatten(treedef, leaves)
    assert type(net2) is type(net) and repr(net2) == repr(net)
    assert net2[1] is not net[1] and net2[1].name == "'1_Leak'"
    assert_trees_close(net2.parameters(), net.parameters())
    x = np.random.rand(4, 3)
    np.testing.assert_allclose(net2(x)[0], net(x)[0], rtol=1e-6)


def test_native_sequential_updates_in_place_and_matches_jax():
    names = ("inp", "leak", "out")
    nnet = Sequential(OrderedDict(zip(names, (Linear((3, 4)), LeakNp(4), Linear((4, 2))), strict=True)))
    jnet = Sequential(OrderedDict(zip(names, (LinearJax((3, 4)), Leak(4), LinearJax((4, 2))), strict=True)))
    jnet = jnet.set_attributes(nnet.parameters())
    x = np.random.rand(2, 7, 3)
    nout, nstate, nrec = nnet(x, record=True)
    jout, jstate, jrec = jnet(x, record=True)
    np.testing.assert_allclose(nout, jout, rtol=1e-4, atol=1e-5)
    assert_trees_close(nstate, jstate, rtol=1e-4, atol=1e-5)
    assert list(nrec) == list(jrec)
    # - NumPy networks keep their new state
    np.testing.assert_allclose(nnet[1].x, nstate["leak"]["x"])
    assert np.any(nnet[1].x != 0)
    nnet.reset_state()
    assert np.all(nnet[1].x == 0)


@given(batch=st.integers(1, 3), T=st.integers(1, 4))
def test_batch_equals_loop(batch, T):
    net = _BATCH_NET  # NumPy: each call updates the state in place, so reset before each
    x = np.random.RandomState(batch * 10 + T).rand(batch, T, 2)
    out, _, _ = net.reset_state()(x)
    for b in range(batch):
        np.testing.assert_allclose(net.reset_state()(x[b])[0][0], out[b], rtol=1e-5, atol=1e-6)


_BATCH_NET = ModSequential(Linear((2, 3)), LeakNp(3), Instant(3, np.tanh))


def test_residual_adds_input():
    res = Residual(LinearJax((3, 3)), Leak(3))
    assert type(res).__name__ == "JaxResidual" and res.shape == (3, 3)
    x = np.random.rand(2, 5, 3)
    out, state, rec = res(x, record=True)
    chain = Sequential(LinearJax((3, 3)), Leak(3)).set_attributes(res.parameters())
    ref, _, _ = chain(x)
    np.testing.assert_allclose(out, np.asarray(ref) + x, rtol=1e-5, atol=1e-6)
    assert list(state) == ["0_LinearJax", "1_Leak"] and "1_Leak_output" in rec
    with pytest.raises(ValueError, match="output size \\(2\\) must equal the input size \\(3\\)"):
        Residual(LinearJax((3, 2)))
    with pytest.raises(ValueError, match="must equal the input size"):
        res.append(LinearJax((3, 2)))
    # - native twin, and use inside a Sequential
    nres = Residual(Linear((2, 2)))
    assert type(nres) is ModResidual
    xo = np.random.rand(4, 2)
    np.testing.assert_allclose(nres(xo)[0], xo @ nres[0].weight + xo)  # weight layers keep the rank
    net = Sequential(LinearJax((4, 3)), res)
    assert net(np.ones((3, 4)))[0].shape == (1, 3, 3)
    assert "JaxResidual '1_JaxResidual' with shape (3, 3) {" in repr(net)


def test_ffwd_stack_weights():
    stack = FFwdStack(Leak(3), Leak(4), Leak(2))
    assert type(stack).__name__ == "JaxFFwdStack" and stack.shape == (3, 2)
    weights = stack.parameters("weights")
    assert list(weights) == ["weight_0", "weight_1"]
    assert weights["weight_0"].shape == (3, 4) and weights["weight_1"].shape == (4, 2)
    assert set(stack.parameters()) == {"weight_0", "weight_1", "0_Leak", "1_Leak", "2_Leak"}
    x = np.random.rand(1, 5, 3)
    out, state, rec = stack(x, record=True)
    h, _, _ = stack[0](x)
    h, _, _ = stack[1](np.asarray(h) @ np.asarray(stack.weight_0))
    h, _, _ = stack[2](np.asarray(h) @ np.asarray(stack.weight_1))
    np.testing.assert_allclose(out, h, rtol=1e-5, atol=1e-6)
    assert list(state) == ["0_Leak", "1_Leak", "2_Leak"] and "0_Leak_output" in rec
    # - weights are trainable: gradients reach them
    g = jax.grad(lambda p: jnp.sum(stack.set_attributes(p)(x)[0]))(stack.parameters())
    assert np.any(np.asarray(g["weight_0"]) != 0)
    # - init function, native twin, append
    nstack = FFwdStack(LeakNp(2), LeakNp(3), weight_init_func=np.ones)
    assert type(nstack) is ModFFwdStack and np.all(nstack.weight_0 == 1)
    nstack.append(LeakNp(5))
    assert nstack.weight_1.shape == (3, 5) and nstack.shape == (2, 5)
    assert nstack(np.ones((4, 2)))[0].shape == (1, 4, 5)
