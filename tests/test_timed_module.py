"""Timed modules: TimedModule, TimedModuleWrapper and Module.timed()."""

import numpy as np
import pytest

from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import (
    LIF,
    LIFJax,
    Linear,
    LinearJax,
    Module,
    Rate,
    RockpoolWarning,
    TimedModule,
    TimedModuleWrapper,
)
from rockpool.timeseries import TSContinuous, TSEvent

DT = 1e-3


def test_timed_requires_dt_for_modules_without_one():
    with pytest.raises(ValueError, match=r"Linear.*timed\(dt=1e-3\)"):
        Linear((2, 2)).timed()
    t = Linear((2, 2)).timed(dt=2e-3)
    assert isinstance(t, TimedModuleWrapper) and t.dt == 2e-3
    r = Rate(2, dt=5e-4)
    assert r.timed().dt == 5e-4 and r.timed(dt=5e-4).dt == 5e-4
    with pytest.warns(RockpoolWarning, match="steps with its own dt = 0.0005"):
        assert r.timed(dt=1e-3).dt == 1e-3
    with pytest.raises(ValueError, match="positive"):
        Rate(2).timed(dt=-1.0)
    with pytest.raises(TypeError, match="rockpool Module"):
        TimedModuleWrapper("rate")


def test_continuous_input_matches_clocked_evolution_and_time_advances():
    x = np.random.rand(20, 3)
    ref = Rate(3, tau=0.01)
    ref_out = ref(x)[0][0]
    tmod = Rate(3, tau=0.01).timed()
    ts = TSContinuous.from_clocked(x, dt=DT)
    out, new_state, rec = tmod(ts)
    assert isinstance(out, TSContinuous) and rec == {}
    assert out.t_start == 0.0 and np.isclose(out.t_stop, 0.02) and np.isclose(tmod.t, 0.02)
    np.testing.assert_allclose(out.samples, ref_out)
    np.testing.assert_allclose(new_state["x"], ref.x)
    assert tmod.timestep == 20


def test_two_calls_continue_state_and_time():
    x = np.random.rand(20, 2)
    ts = TSContinuous.from_clocked(x, dt=DT)
    whole = Rate(2).timed()(ts)[0]
    tmod = Rate(2).timed()
    a, _, _ = tmod(ts, duration=0.01)
    b, _, _ = tmod(ts)  # runs from t = 0.01 to the end of the input
    assert np.isclose(b.t_start, 0.01) and np.isclose(b.t_stop, 0.02)
    np.testing.assert_allclose(np.concatenate([a.samples, b.samples]), whole.samples)
    tmod.reset_time()
    assert tmod.t == 0.0 and tmod.timestep == 0


def test_event_input_is_rasterised_with_presence_or_counts():
    ev = TSEvent([0.0001, 0.0002, 0.0025], [0, 0, 1], t_start=0.0, t_stop=0.004, num_channels=2)
    eye = Linear((2, 2), weight=np.eye(2))
    out = eye.timed(dt=DT)(ev)[0]
    assert out.samples.tolist() == [[1, 0], [0, 0], [0, 1], [0, 0]]
    out = Linear((2, 2), weight=np.eye(2)).timed(dt=DT, add_events=True)(ev)[0]
    assert out.samples.tolist() == [[2, 0], [0, 0], [0, 1], [0, 0]]
    # - Fewer channels than the module: missing channels are silent
    one = TSEvent([0.0015], [0], t_start=0.0, t_stop=0.002, num_channels=1)
    out = Linear((2, 2), weight=np.eye(2)).timed(dt=DT)(one)[0]
    assert out.samples.tolist() == [[0, 0], [1, 0]]
    with pytest.raises(ValueError, match="3 channels"):
        Linear((2, 2)).timed(dt=DT)(TSEvent([0.0], [2], t_stop=0.001, num_channels=3))


def test_spiking_output_is_tsevent_and_matches_module():
    x = (np.random.rand(50, 3) < 0.3).astype(float) * 3
    lif_ref = LIF(3, tau_syn=0.01, threshold=0.5)
    ref = lif_ref(x)[0][0]
    ev_in = TSEvent.from_raster(x.astype(int), dt=DT)
    tmod = LIF(3, tau_syn=0.01, threshold=0.5).timed(add_events=True)
    out, _, _ = tmod(ev_in, kwargs_timeseries={"name": "spikes"})
    assert isinstance(out, TSEvent) and out.name == "spikes" and out.num_channels == 3
    assert ref.sum() > 0 and len(out) == int(ref.sum())  # multi-spikes become repeated events
    np.testing.assert_array_equal(out.raster(DT, add_events=True), ref)


def test_jax_module_state_is_kept_and_functional_api_delegates():
    mod = LIFJax(2, tau_syn=0.01, threshold=0.5)
    tmod = mod.timed()
    ts = TSContinuous.from_clocked(np.full((10, 2), 0.3), dt=DT)
    out, new_state, _ = tmod(ts)
    assert isinstance(out, TSEvent)
    assert float(np.sum(new_state["vmem"])) != 0.0
    np.testing.assert_array_equal(np.asarray(tmod.state()["vmem"]), np.asarray(new_state["vmem"]))
    assert float(np.sum(mod.vmem)) == 0.0  # the original JAX module is untouched
    assert tmod.module is not mod
    # - parameters / simulation parameters / attribute reads are the module's
    assert set(tmod.parameters()) == set(mod.parameters())
    assert tmod.simulation_parameters()["dt"] == mod.dt
    assert tmod.attributes_named("tau_mem").keys() == {"tau_mem"}
    np.testing.assert_array_equal(np.asarray(tmod.tau_mem), np.asarray(mod.tau_mem))
    assert tmod.modules() == mod.modules()
    # - set_attributes / reset_* update the wrapper and return it
    assert tmod.set_attributes({"threshold": np.full(2, 2.0)}) is tmod
    np.testing.assert_allclose(np.asarray(tmod.module.threshold), 2.0)
    assert tmod.reset_state() is tmod
    assert float(np.sum(np.abs(tmod.state()["vmem"]))) == 0.0
    assert tmod.reset_parameters() is tmod
    np.testing.assert_allclose(np.asarray(tmod.module.threshold), 0.5)
    # - assignment of a registered attribute goes to the module (functionally, for JAX)
    held = tmod.module
    tmod.threshold = np.full(2, 3.0)
    np.testing.assert_allclose(np.asarray(tmod.module.threshold), 3.0)
    np.testing.assert_allclose(np.asarray(held.threshold), 0.5)
    native = Rate(2).timed()
    native.tau = np.full(2, 0.05)
    np.testing.assert_allclose(native.module.tau, 0.05)
    native.note = "plain attributes stay on the wrapper"
    assert native.note.startswith("plain") and not hasattr(native.module, "note")
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        _ = tmod.nonsense


def test_record_returns_timeseries_on_the_same_time_base():
    net = Sequential(LinearJax((2, 3)), LIFJax(3))
    tmod = net.timed(dt=DT)
    tmod(duration=0.005)
    out, _, rec = tmod(TSContinuous.from_clocked(np.ones((10, 2)), dt=DT, t_start=0.005), record=True)
    vmem = rec["1_LIFJax"]["vmem"]
    assert isinstance(vmem, TSContinuous) and vmem.num_channels == 3
    assert np.isclose(vmem.t_start, 0.005) and len(vmem.times) == 10
    np.testing.assert_allclose(np.diff(vmem.times), DT)
    assert rec["0_LinearJax_output"].num_channels == 3
    assert rec["1_LIFJax"]["isyn"].num_channels == 3  # (Nout, n_syn) flattened


def test_duration_num_timesteps_and_no_input():
    tmod = Rate(2).timed()
    out, _, _ = tmod(duration=0.0035)  # rounded up to whole steps
    assert len(out.times) == 4 and np.allclose(out.samples, 0.0)
    out, _, _ = tmod(num_timesteps=3)
    assert len(out.times) == 3 and np.isclose(out.t_start, 0.004)
    out, _, _ = tmod(num_timesteps=0)
    assert len(out.times) == 0 and np.isclose(tmod.t, 0.007)
    with pytest.raises(ValueError, match="cannot tell how long"):
        tmod()
    with pytest.raises(ValueError, match="whole number"):
        tmod(num_timesteps=-1)
    with pytest.raises(ValueError, match="duration must be"):
        tmod(duration=-0.1)
    ts = TSContinuous.from_clocked(np.ones((3, 2)), dt=DT)
    with pytest.raises(ValueError, match="not after the module's current time"):
        tmod(ts)


def test_continuous_input_edge_cases():
    tmod = Linear((3, 3), weight=np.eye(3)).timed(dt=DT)
    one = TSContinuous.from_clocked(np.array([[1.0], [2.0]]), dt=DT)
    out = tmod(one)[0]
    assert out.samples.tolist() == [[1, 1, 1], [2, 2, 2]]  # one channel broadcasts
    # - input defined on [0.002, 0.004]: zero before it
    late = TSContinuous.from_clocked(np.ones((2, 3)), dt=DT, t_start=0.002)
    tmod.reset_time()
    out = tmod(late)[0]
    assert out.samples[:, 0].tolist() == [0, 0, 1, 1]
    # - a periodic series repeats
    per = TSContinuous.from_clocked(np.array([[1.0], [0.0]]), dt=DT, periodic=True)
    tmod.reset_time()
    assert tmod(per, num_timesteps=4)[0].samples[:, 0].tolist() == [1, 0, 1, 0]
    with pytest.raises(ValueError, match="2 channels"):
        tmod(TSContinuous.from_clocked(np.ones((2, 2)), dt=DT), num_timesteps=2)
    # - a clocked array is used as is
    tmod.reset_time()
    assert tmod(np.ones((2, 3)))[0].samples.sum() == 6
    with pytest.raises(ValueError, match=r"shape \(5, 3\)"):
        tmod(np.ones((2, 3)), num_timesteps=5)


class _TwoOut(Module):
    def __init__(self, n):
        super().__init__(shape=(n, n))

    def evolve(self, x, record=False):
        x = np.asarray(x, dtype=float)
        return (x, 2 * x), {}, {}


class _Negative(Module):
    def __init__(self):
        super().__init__(shape=(1, 1), spiking_output=True)

    def evolve(self, x, record=False):
        return -np.ones_like(x, dtype=float), {}, {}


def test_output_num_and_bad_spiking_output():
    t = _TwoOut(2).timed(output_num=1, dt=DT)
    assert t.output_num == 1
    assert t(np.ones((2, 2)))[0].samples.tolist() == [[2, 2], [2, 2]]
    with pytest.raises(ValueError, match="negative values"):
        _Negative().timed(dt=DT)(num_timesteps=2)


class _Chain(TimedModule):
    """Two timed stages with different time steps."""

    def __init__(self):
        super().__init__(shape=(2, 2), dt=1e-3)
        self.fast = Rate(2, tau=0.01, dt=1e-3).timed()
        self.slow = Linear((2, 2), weight=2 * np.eye(2)).timed(dt=2e-3)

    def evolve(self, ts_input, duration, num_timesteps, kwargs_timeseries, record):
        x, s1, r1 = self.fast(ts_input, duration=duration, record=record)
        y, s2, r2 = self.slow(x, duration=duration, kwargs_timeseries=kwargs_timeseries, record=record)
        return y, {"fast": s1, "slow": s2}, ({"fast": r1, "slow": r2} if record else {})


def test_timed_module_subclass_with_submodules_of_different_dt():
    chain = _Chain()
    assert chain.timed() is chain
    ts = TSContinuous.from_clocked(np.ones((10, 2)), dt=1e-3)
    y, state, rec = chain(ts, kwargs_timeseries={"name": "y"}, record=True)
    assert y.name == "y" and len(y.times) == 5  # the slow stage steps at 2 ms
    np.testing.assert_allclose(np.diff(y.times), 2e-3)
    fast_out = chain.fast.module.x  # reached after 10 fast steps
    assert np.all(fast_out > 0)
    # - slow samples the fast output at its own steps: fast step 2k (value after that step)
    ref = Rate(2, tau=0.01)(np.ones((10, 2)))[0][0]
    np.testing.assert_allclose(y.samples, 2 * ref[::2])
    assert set(state) == {"fast", "slow"} and "x" in rec["fast"]
    assert np.isclose(chain.t, 0.01) and np.isclose(chain.fast.t, 0.01) and np.isclose(chain.slow.t, 0.01)
    assert set(chain.parameters()) == {"fast", "slow"}
    chain.reset_time()
    assert chain.fast.t == 0.0 and chain.slow.t == 0.0
    assert "dt 0.001 s" in repr(chain) and "Rate" in repr(chain)


def test_dt_setter_keeps_time_and_repr():
    tmod = Rate(2).timed()
    tmod(num_timesteps=4)
    tmod.dt = 2e-3
    assert np.isclose(tmod.t, 0.004) and tmod.timestep == 0
    assert tmod.module.dt == 2e-3  # the module's own step follows
    tmod(num_timesteps=1)
    assert np.isclose(tmod.t, 0.006)
    assert repr(tmod).startswith("TimedModuleWrapper  with shape (2,) (dt 0.002 s, t = 0.006 s) {")
    assert "    Rate  with shape (2,)" in repr(tmod)
    with pytest.raises(ValueError, match="positive"):
        tmod.dt = 0.0


def test_last_event_of_a_tsevent_with_default_t_stop_is_not_dropped():
    # regression: t_stop defaults to just after the last event, whose bin edge ended the clock
    tmod = Linear((1, 1), weight=np.ones((1, 1))).timed(dt=DT)
    out, _, _ = tmod(TSEvent([0.001, 0.005], [0, 0]))
    assert out.samples.ravel().tolist() == [0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    assert tmod.t == pytest.approx(0.006)


def test_combinator_takes_dt_of_its_submodules():
    net = Sequential(Linear((2, 3)), LIF(3, dt=2e-3))
    assert net.timed().dt == 2e-3
    with pytest.raises(ValueError, match="no single `dt`"):
        Sequential(Rate(2, dt=1e-3), Rate(2, dt=2e-3)).timed()
