"""Native (NumPy) Rate, Linear and Instant against closed-form dynamics and plain maths."""

import numpy as np
import pytest

from rockpool.nn.modules import Instant, Linear, Rate
from rockpool.nn.modules.native.rate import relu, sigmoid, tanh
from rockpool.parameters import Constant

# ---------------------------------------------------------------------------- Rate


def test_rate_defaults():
    mod = Rate(4)
    assert mod.shape == (4,)
    np.testing.assert_array_equal(mod.tau, np.full(4, 0.02))
    np.testing.assert_array_equal(mod.bias, np.zeros(4))
    np.testing.assert_array_equal(mod.threshold, np.zeros(4))
    np.testing.assert_array_equal(mod.x, np.zeros(4))
    assert not mod.has_rec and "w_rec" not in mod.parameters()
    assert mod.dt == 1e-3 and mod.noise_std == 0.0 and mod.act_fn is relu
    assert mod.parameters("taus").keys() == {"tau"}
    assert mod.parameters("bias").keys() == {"bias"}
    assert mod.parameters("thresholds").keys() == {"threshold"}
    assert list(mod.state()) == ["x"]
    assert list(mod.simulation_parameters()) == ["dt", "noise_std", "act_fn"]


def test_rate_constant_tau_is_not_trainable():
    mod = Rate(3, tau=Constant(0.05))
    assert list(mod.parameters()) == ["bias", "threshold"]
    np.testing.assert_array_equal(mod.simulation_parameters()["tau"], np.full(3, 0.05))
    _, _, rec = mod(np.ones((1, 3)), record=True)
    np.testing.assert_allclose(rec["x"][0, 0], np.full(3, 1e-3 / 0.05))


def test_rate_shape_forms_and_inference():
    assert Rate((5,)).shape == (5,)
    assert Rate(tau=np.full(3, 0.05)).shape == (3,)
    assert Rate(w_rec=np.zeros((2, 2))).shape == (2,)
    with pytest.raises(ValueError, match="give `shape`"):
        Rate()


def test_rate_euler_closed_form():
    """relu, threshold 0, constant input i: x_t = i (1 - (1 - dt/tau)^t) exactly for Euler."""
    tau = np.array([0.02, 0.05, 0.1])
    i = np.array([0.5, 1.0, 2.0])
    mod = Rate(3, tau=tau, dt=1e-3)
    T = 200
    out, state, rec = mod(np.broadcast_to(i, (T, 3)), record=True)
    t = np.arange(1, T + 1)[:, None]
    expected = i * (1 - (1 - 1e-3 / tau) ** t)
    np.testing.assert_allclose(rec["x"][0], expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out[0], expected, rtol=1e-12, atol=1e-15)  # relu of a positive x
    np.testing.assert_array_equal(state["x"], rec["x"][0, -1])
    np.testing.assert_array_equal(rec["rec_input"], np.zeros((1, T, 3)))
    assert out.dtype == np.float64


def test_rate_fixed_point_with_bias_and_threshold():
    """x approaches i + bias; the output is relu(x - threshold)."""
    mod = Rate(3, bias=np.array([0.5, -0.25, 0.0]), threshold=np.array([0.2, 0.0, 2.0]), tau=0.02)
    out, state, _ = mod(np.ones((2000, 3)))
    np.testing.assert_allclose(state["x"], [1.5, 0.75, 1.0], rtol=1e-9)
    np.testing.assert_allclose(out[0, -1], [1.3, 0.75, 0.0], rtol=1e-9, atol=1e-12)


def test_rate_state_carries_over_between_calls():
    mod = Rate(2, tau=0.05)
    whole, _, _ = mod(np.ones((20, 2)))
    mod.reset_state()
    first, _, _ = mod(np.ones((12, 2)))
    second, _, _ = mod(np.ones((8, 2)))
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, rtol=1e-14)


def test_rate_recurrence_closed_form():
    """One neuron with self-weight w: dx = -x + i + w x, so x_t = i/(1-w) (1 - (1 - (1-w) dt/tau)^t)."""
    w, i, tau, dt = 0.5, 1.0, 0.02, 1e-3
    mod = Rate(1, tau=tau, w_rec=np.array([[w]]), dt=dt)
    assert mod.has_rec
    T = 100
    out, _, rec = mod(np.full((T, 1), i), record=True)
    t = np.arange(1, T + 1)
    expected = i / (1 - w) * (1 - (1 - (1 - w) * dt / tau) ** t)
    np.testing.assert_allclose(rec["x"][0, :, 0], expected, rtol=1e-12)
    # - rec_input(t) = H(x(t-1)) @ W_rec
    prev = np.concatenate([[0.0], expected[:-1]])
    np.testing.assert_allclose(rec["rec_input"][0, :, 0], w * prev, rtol=1e-12, atol=1e-15)


def test_rate_recurrence_matches_reference_loop():
    rng = np.random.default_rng(1)
    n, T, B = 4, 30, 3
    w = rng.normal(size=(n, n)) / 2
    tau = rng.uniform(0.02, 0.1, n)
    bias, th = rng.normal(size=n) * 0.1, rng.uniform(0, 0.2, n)
    inp = rng.normal(size=(B, T, n))
    mod = Rate(n, tau=tau, bias=bias, threshold=th, w_rec=w, activation_func="tanh")
    out, state, rec = mod(inp, record=True)

    x = np.zeros((B, n))
    for t in range(T):
        rec_in = np.tanh(x - th) @ w  # row-vector convention: W_rec[j, k] is j -> k
        x = x + (-x + inp[:, t] + rec_in + bias) * 1e-3 / tau
        np.testing.assert_allclose(rec["rec_input"][:, t], rec_in, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(out[:, t], np.tanh(x - th), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(state["x"], x[0], rtol=1e-12)


def test_rate_has_rec_default_init():
    mod = Rate(200, has_rec=True)
    assert mod.w_rec.shape == (200, 200)
    assert mod.parameters("weights").keys() == {"w_rec"}
    assert abs(mod.w_rec.std() * np.sqrt(200) - 1) < 0.05  # N(0, 1) / sqrt(N)
    mod.w_rec = np.zeros((200, 200))
    mod.reset_parameters()
    assert mod.w_rec.std() > 0  # reset restores the drawn initial weights


@pytest.mark.parametrize(
    "name, fn",
    [
        ("relu", lambda y: y * (y > 0)),
        ("R", lambda y: y * (y > 0)),
        ("Sigmoid", lambda y: (np.tanh(y) + 1) / 2),
        ("sig", lambda y: (np.tanh(y) + 1) / 2),
        ("s", lambda y: (np.tanh(y) + 1) / 2),
        ("TANH", np.tanh),
        ("t", np.tanh),
    ],
)
def test_rate_activation_names(name, fn):
    th = np.array([0.0, 0.1, -0.2])
    mod = Rate(3, threshold=th, activation_func=name)
    inp = np.linspace(-2, 2, 30).reshape(10, 3)
    out, _, rec = mod(inp, record=True)
    np.testing.assert_allclose(out, fn(rec["x"] - th), rtol=1e-14)


def test_rate_activation_functions_and_callable():
    y = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(relu(y, 0.5), [0.0, 0.0, 1.5])
    np.testing.assert_allclose(sigmoid(y, 0.0), (np.tanh(y) + 1) / 2)
    np.testing.assert_allclose(tanh(y, 1.0), np.tanh(y - 1))
    mod = Rate(2, activation_func=lambda x, th: 3 * x + th, threshold=1.0)
    out, _, rec = mod(np.ones((3, 2)), record=True)
    np.testing.assert_allclose(out, 3 * rec["x"] + 1)


def test_rate_unknown_activation():
    with pytest.raises(
        ValueError,
        match=r"Rate: unknown activation_func 'softplus'. Accepted names \(any case\): relu, r, sigmoid, sig, s, tanh, t",
    ):
        Rate(2, activation_func="softplus")


def test_rate_noise_only_when_requested():
    mod = Rate(3)
    state = np.random.get_state()
    a, _, _ = mod(np.ones((10, 3)))
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2] == after[2]
    mod.reset_state()
    b, _, _ = mod(np.ones((10, 3)))
    np.testing.assert_array_equal(a, b)
    noisy = Rate(3, noise_std=0.1)
    c, _, _ = noisy(np.ones((10, 3)))
    assert not np.allclose(a, c)


def test_rate_noise_statistics_match_convention():
    """Per step x gets noise_std sqrt(dt) N(0,1); so Var x_T = s^2 dt (1 - a^2T) / (1 - a^2), a = 1 - dt/tau."""
    s, dt, tau, T, B, n = 0.3, 1e-3, 0.02, 60, 1000, 4
    mod = Rate(n, tau=tau, dt=dt, noise_std=s, activation_func="tanh")
    np.random.seed(42)
    _, _, rec = mod(np.zeros((B, T, n)), record=True)
    a = 1 - dt / tau
    var = s**2 * dt * (1 - a ** (2 * np.arange(1, T + 1))) / (1 - a**2)
    got = rec["x"].reshape(B, T, n).transpose(1, 0, 2).reshape(T, -1).std(axis=1)
    np.testing.assert_allclose(got[[9, 29, 59]], np.sqrt(var[[9, 29, 59]]), rtol=0.05)
    assert abs(rec["x"].mean()) < 0.1 * np.sqrt(var[-1])

    # - Linear in noise_std for the same random draws (zero input, zero state)
    double = Rate(n, tau=tau, dt=dt, noise_std=2 * s, activation_func="tanh")
    np.random.seed(42)
    _, _, rec2 = double(np.zeros((B, T, n)), record=True)
    np.testing.assert_allclose(rec2["x"], 2 * rec["x"], rtol=1e-12, atol=1e-15)


def test_rate_noise_std_is_std_after_one_second_for_any_dt():
    """With a negligible leak, x diffuses to std noise_std after one second, whatever dt is."""
    s = 0.5
    for dt in (1e-3, 1e-2):
        mod = Rate(2, tau=1e4, dt=dt, noise_std=s)
        np.random.seed(3)
        _, state, rec = mod(np.zeros((2000, int(round(1 / dt)), 2)), record=True)
        np.testing.assert_allclose(rec["x"][:, -1].std(), s, rtol=0.05)


# ---------------------------------------------------------------------------- Linear


def test_linear_maths_and_rank():
    w = np.arange(6.0).reshape(3, 2)
    lin = Linear((3, 2), weight=w)
    x = np.random.rand(4, 3)
    y, state, rec = lin(x)
    assert y.shape == (4, 2) and state == {} and rec == {}
    np.testing.assert_allclose(y, x @ w, rtol=1e-14)
    xb = np.random.rand(2, 4, 3)
    np.testing.assert_allclose(lin(xb)[0], xb @ w, rtol=1e-14)
    assert lin(xb)[0].shape == (2, 4, 2)
    assert lin(np.ones((2, 3), dtype=bool))[0].dtype == np.float64
    assert lin(xb, record=True)[2] == {}


def test_linear_bias():
    lin = Linear((3, 2), weight=np.ones((3, 2)), bias=np.array([1.0, -1.0]))
    assert lin.has_bias
    np.testing.assert_allclose(lin(np.ones((1, 3)))[0], [[4.0, 2.0]])
    assert lin.parameters("biases").keys() == {"bias"}
    assert lin.parameters("weights").keys() == {"weight"}
    assert "bias" not in Linear((3, 2)).parameters()
    assert Linear((3, 2), has_bias=True).bias.shape == (2,)


def test_linear_init_ranges():
    lin = Linear((24, 400), has_bias=True)
    w_lim, b_lim = np.sqrt(6 / 24), np.sqrt(1 / 400)
    assert np.all(np.abs(lin.weight) <= w_lim) and np.abs(lin.weight).max() > 0.95 * w_lim
    assert np.all(np.abs(lin.bias) <= b_lim) and np.abs(lin.bias).max() > 0.9 * b_lim
    np.testing.assert_allclose(lin.weight.std(), w_lim / np.sqrt(3), rtol=0.05)


def test_linear_shapes_and_errors():
    assert Linear(weight=np.zeros((3, 5))).shape == (3, 5)
    for bad in (3, (3,), (1, 2, 3), None):
        with pytest.raises(ValueError, match=r"Linear: shape must be a 2-tuple \(Nin, Nout\)"):
            Linear(bad)
    lin = Linear((3, 2))
    with pytest.raises(ValueError, match=r"Linear: input has 4 channels, expected 3"):
        lin(np.ones((5, 4)))
    with pytest.raises(
        ValueError,
        match=r"The new value assigned to weight must be of shape \(3, 2\) \(got \(2, 3\)\)",
    ):
        lin.weight = np.ones((2, 3))


# ---------------------------------------------------------------------------- Instant


def test_instant():
    ins = Instant(3)
    x = np.random.randn(4, 3)
    np.testing.assert_array_equal(ins(x)[0][0], x)  # identity by default; (B, T, N) out
    ins = Instant(3, np.tanh)
    y, state, rec = ins(x)
    assert y.shape == (1, 4, 3) and state == {} and rec == {}
    np.testing.assert_allclose(y[0], np.tanh(x))
    assert ins(np.ones((2, 4, 3)))[0].shape == (2, 4, 3)
    assert ins.simulation_parameters() == {"function": np.tanh}
    assert ins.parameters() == {}
    assert ins(np.ones((1, 3), dtype=int))[0].dtype == np.float64
    assert str(ins) == "Instant  with shape (3,)"
    with pytest.raises(ValueError, match="Instant: `function` must be callable"):
        Instant(3, 2.0)
    with pytest.raises(ValueError, match="Instant: input has 2 channels, expected 3"):
        ins(np.ones((4, 2)))
