"""Timed modules (api.md §2): TimedModule, TimedModuleWrapper, module.timed(), v1 adapters."""

from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rockpool.nn.combinators import Sequential
from rockpool.nn.layers import Layer
from rockpool.nn.modules import (
    LIF,
    JaxModule,
    ExpSyn,
    Linear,
    Module,
    Rate,
    RateJax,
    RockpoolWarning,
    TimedModule,
    TimedModuleWrapper,
    astimedmodule,
)
from rockpool.nn.modules.timed_module import LayerToTimedModule
from rockpool.parameters import Parameter
from rockpool.timeseries import TSContinuous, TSEvent

DT = 1e-3


def eye(n, dt=DT, **kw):
    """A timed identity: output = input, so rasters and samples can be read back."""
    return Linear((n, n), weight=np.eye(n), **kw).timed(dt=dt)


class _Two(TimedModule):
    """A parent of two wrapped rate layers with different time steps (2.2 nesting)."""

    def __init__(self, dt_a=1e-3, dt_b=2e-3):
        super().__init__(dt=1e-3, shape=(2, 2))
        self.a = Rate(2, tau=0.02, dt=dt_a).timed()
        self.b = Linear((2, 2), weight=2 * np.eye(2)).timed(dt=dt_b)

    def evolve(self, ts_input=None, duration=None, num_timesteps=None, kwargs_timeseries=None, record=False):
        x, sa, ra = self.a(ts_input, duration, num_timesteps, record=record)
        y, sb, rb = self.b(x, duration, num_timesteps, kwargs_timeseries, record)
        return y, {"a": sa, "b": sb}, {"a": ra, "b": rb}


# ---------------------------------------------------------------- 2.2 TimedModule
def test_timed_module_needs_dt_registers_it_and_is_abstract():
    class Bare(TimedModule):
        def evolve(self, ts_input=None, duration=None, num_timesteps=None, kwargs_timeseries=None, record=False):
            _, x, _ = self._prepare_input(ts_input, duration, num_timesteps)
            return self._gen_timeseries(x, **kwargs_timeseries), {}, {}

    with pytest.raises(TypeError):
        Bare()  # dt is required
    with pytest.raises(TypeError):
        Bare(dt=None)
    with pytest.raises(ValueError, match="dt"):
        Bare(dt=-1e-3)
    with pytest.raises(TypeError):
        TimedModule(dt=1e-3)  # abstract: no evolve
    m = Bare(1e-3, shape=(2, 3))
    assert m.simulation_parameters() == {"dt": 1e-3} and m.parameters() == {}
    assert m.shape == (2, 3) and m.input_type is TSContinuous and m.output_type is TSContinuous
    s = Bare(1e-3, True, True, shape=2)
    assert s.input_type is TSEvent and s.output_type is TSEvent and s.add_events is True


def test_t_is_steps_times_dt_and_rounds_down():
    m = eye(2, dt=0.1)
    m.t = 0.35
    assert m.t == pytest.approx(0.3) and m.timestep == 3
    m.t = 0.3  # 0.3 / 0.1 = 2.9999999999999996 still reads back 0.3
    assert m.timestep == 3
    m(num_timesteps=2)
    assert m.t == pytest.approx(0.5)
    m.dt = 0.25  # a new step keeps the time (in whole new steps)
    assert m.timestep == 2 and m.t == pytest.approx(0.5)
    m.reset_time()
    assert m.t == 0.0


def test_reset_time_and_reset_all_cover_the_tree():
    net = _Two()
    net.a.module.x = np.ones(2)
    net(num_timesteps=2)
    assert net.t > 0 and net.a.t == pytest.approx(net.t) and net.b.t == pytest.approx(net.t)
    assert net.reset_all() is net
    assert net.t == net.a.t == net.b.t == 0.0
    np.testing.assert_array_equal(net.a.module.x, 0.0)


def test_dt_of_a_tree_is_the_least_common_multiple():
    assert _Two(1e-3, 1e-3).dt == pytest.approx(1e-3)
    assert _Two(1e-3, 2e-3).dt == pytest.approx(2e-3)
    assert _Two(1e-3, 1.5e-3).dt == pytest.approx(3e-3)
    with pytest.raises(ValueError, match="common multiple"):
        _Two(1e-3, 0.70007e-3)


def test_determine_timesteps_priorities_and_rounding():
    m = eye(1)
    per = TSContinuous.from_clocked(np.arange(4.0), dt=DT, periodic=True)
    assert m._determine_timesteps(per, 0.5, 3) == 3  # num_timesteps first
    assert m._determine_timesteps(per, 0.0039) == 3  # then duration, rounded down
    assert m._determine_timesteps(None, 0.00399999) == 4  # unless within ~1e-5 of the next step
    m.t = 0.01
    assert m._determine_timesteps(per) == 4  # a periodic input: one period, whatever t
    late = TSContinuous.from_clocked(np.ones(20), dt=DT)  # ends at 0.02
    assert m._determine_timesteps(late) == 10  # from t to t_stop
    with pytest.raises(ValueError, match="appropriate evolution duration"):
        m._determine_timesteps(TSContinuous.from_clocked(np.ones(5), dt=DT))  # ends before t
    with pytest.raises(ValueError, match="appropriate evolution duration"):
        m._determine_timesteps(TSContinuous.from_clocked(np.ones(10), dt=DT))  # ends exactly at t
    with pytest.raises(TypeError, match="must be supplied"):
        m._determine_timesteps()
    with pytest.raises(ValueError, match="whole number"):
        m._determine_timesteps(num_timesteps=-1)
    with pytest.raises(ValueError, match="duration"):
        m._determine_timesteps(duration=-0.1)


def test_gen_time_trace_and_prepare_input_without_input():
    m = eye(3)
    np.testing.assert_allclose(m._gen_time_trace(0.5, 3), [0.5, 0.501, 0.502])
    m.t = 0.002
    times, x, n = m._prepare_input(duration=0.003)
    assert n == 3 and x.shape == (3, 3) and not x.any()
    np.testing.assert_allclose(times, [0.002, 0.003, 0.004])


def test_prepare_input_samples_continuous_input_exactly():
    m = eye(2)
    x = np.random.default_rng(0).normal(size=(30, 2))
    ts = TSContinuous.from_clocked(x, dt=DT)
    whole = m._prepare_input(ts)[1]
    np.testing.assert_array_equal(whole, x)
    # - from a later t the clock times are float-rounded, yet the same samples are read
    m.t = 0.013
    times, part, n = m._prepare_input(ts)
    assert n == 17
    np.testing.assert_array_equal(part, x[13:])
    # - one channel is broadcast; other widths are errors
    one = TSContinuous.from_clocked(np.arange(3.0), dt=DT)
    m.reset_time()
    np.testing.assert_array_equal(m._prepare_input(one)[1], [[0, 0], [1, 1], [2, 2]])
    with pytest.raises(ValueError, match="3 channels"):
        m._prepare_input(TSContinuous.from_clocked(np.ones((3, 3)), dt=DT))
    # - sampling a non-periodic input outside its range is an error
    with pytest.raises(ValueError, match="defined on"):
        m._prepare_input(one, num_timesteps=5)
    late = TSContinuous.from_clocked(np.ones(3), dt=DT, t_start=0.002)
    with pytest.raises(ValueError, match="defined on"):
        m._prepare_input(late)


def test_prepare_input_rasterises_events_as_counts_or_presence():
    ev = TSEvent([0.0001, 0.0002, 0.002, 0.0035], [0, 0, 1, 1], t_start=0.0, t_stop=0.004, num_channels=2)
    Spk = Linear((2, 2), weight=np.eye(2), spiking_input=True)
    counts = TimedModuleWrapper(Spk, add_events=True, dt=DT)._prepare_input(ev)[1]
    assert counts.tolist() == [[2, 0], [0, 0], [0, 1], [0, 1]]  # an event on a bin edge opens that bin
    presence = Spk.timed(dt=DT)._prepare_input(ev)[1]
    assert presence.dtype == bool and presence.astype(int).tolist() == [[1, 0], [0, 0], [0, 1], [0, 1]]
    # - from a later t, bins start at t; a 1-channel TSEvent is broadcast
    m = TimedModuleWrapper(Linear((3, 3), spiking_input=True), dt=DT)
    m.t = 0.002
    one = TSEvent([0.0025, 0.004], [0, 0], t_stop=0.005, num_channels=1)
    assert m._prepare_input(one)[1].tolist() == [[1, 1, 1], [0, 0, 0], [1, 1, 1]]
    with pytest.raises(ValueError, match="2 channels"):
        m._prepare_input(TSEvent([0.003], [1], t_stop=0.005, num_channels=2))
    # - periodic events repeat past their end
    m.reset_time()
    per = TSEvent([0.0005], [0], t_start=0.0, t_stop=0.002, periodic=True, num_channels=1)
    assert m._prepare_input(per, num_timesteps=6)[1][:, 0].astype(int).tolist() == [1, 0, 1, 0, 1, 0]


def test_prepare_input_rejects_the_wrong_kind_of_input():
    ev = TSEvent([0.001], [0], t_stop=0.002, num_channels=2)
    ts = TSContinuous.from_clocked(np.ones((2, 2)), dt=DT)
    with pytest.raises(TypeError, match="accepts TSContinuous"):
        eye(2)(ev)
    with pytest.raises(TypeError, match="accepts TSEvent"):
        ExpSyn(2).timed()(ts)
    with pytest.raises(TypeError, match="time series"):
        eye(2)(np.ones((2, 2)))


def test_gen_timeseries_names_times_and_events():
    m = eye(2)
    m.t = 0.004
    ts = m._gen_timeseries(np.ones((1, 3, 2)))
    assert isinstance(ts, TSContinuous) and ts.name == "Output samples"
    assert ts.t_start == pytest.approx(0.004) and ts.t_stop == pytest.approx(0.007)
    np.testing.assert_allclose(ts.times, [0.004, 0.005, 0.006])
    ts = m._gen_tscontinuous(np.ones((2, 2)), dt=0.5, t_start=1.0, name="x", periodic=True)
    assert ts.name == "x" and ts.periodic and ts.t_stop == 2.0
    with pytest.raises(ValueError, match="batch of 2"):
        m._gen_timeseries(np.ones((2, 3, 2)))
    spk = LIF(3).timed()
    ev = spk._gen_timeseries(np.array([[0, 2, 0], [1, 0, 0]]))
    assert isinstance(ev, TSEvent) and ev.name == "Output events" and ev.num_channels == 3
    np.testing.assert_allclose(ev.times, [0.0005, 0.0005, 0.0015])
    assert ev.channels.tolist() == [1, 1, 0] and ev.t_stop == pytest.approx(0.002)
    ev = spk._gen_tsevent(np.array([[0, 1, 0]]), spikes_at_bin_start=True, num_channels=5)
    assert ev.times.tolist() == [0.0] and ev.num_channels == 5
    with pytest.raises(ValueError, match="non-negative"):
        spk._gen_timeseries(-np.ones((1, 3)))
    # - a submodule's output is named after it
    net = _Two()
    y, _, _ = net(num_timesteps=1)
    assert y.name == "Output samples 'b'"


def test_nested_calls_convert_counts_and_share_the_clock():
    net = _Two()  # a: 1 ms, b: 2 ms, parent: 2 ms
    y, state, rec = net(num_timesteps=3)  # 3 parent steps = 6 ms
    assert len(y.times) == 3 and net.a.t == pytest.approx(0.006) and net.b.t == pytest.approx(0.006)
    assert set(state) == {"a", "b"} and state["a"].keys() == {"x"}
    y, _, _ = net(duration=0.004)
    assert len(y.times) == 2 and y.t_start == pytest.approx(0.006) and net.t == pytest.approx(0.01)
    per = TSContinuous.from_clocked(np.array([[1.0, 0.0], [0.0, 1.0]] * 2), dt=DT, periodic=True)
    for _ in range(2):  # a periodic input keeps evolving, one period (4 ms = 2 steps) per call
        y, _, _ = net(per)
        assert len(y.times) == 2
    assert net.t == pytest.approx(0.018) and net.a.t == pytest.approx(0.018)
    # - the same as evolving the chain by hand: b (2 ms) samples a's output (1 ms) every other step
    fresh = _Two()
    y, _, _ = fresh(per)
    ref = Rate(2, tau=0.02)(per.samples)[0][0]
    np.testing.assert_allclose(y.samples, 2 * ref[[0, 2]])


class _Skip(_Two):
    """Evolves only its first child: the second must still follow the parent's clock."""

    def evolve(self, ts_input=None, duration=None, num_timesteps=None, kwargs_timeseries=None, record=False):
        return self.a(ts_input, duration, num_timesteps, record=record)


def test_every_timed_module_of_the_tree_reports_the_parents_t():
    net = _Skip()  # parent dt 2 ms; b is not called
    net(num_timesteps=3)
    assert net.t == net.a.t == net.b.t == pytest.approx(0.006)
    y, _, _ = net.b(num_timesteps=1)  # b continues from the shared clock
    assert y.t_start == pytest.approx(0.006)


@settings(max_examples=15)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=4))
def test_evolving_in_chunks_equals_evolving_at_once(chunks):
    x = np.random.default_rng(len(chunks)).random((sum(chunks), 2))
    ts = TSContinuous.from_clocked(x, dt=DT)
    whole = Rate(2, tau=0.01).timed()(ts)[0].samples
    t = Rate(2, tau=0.01).timed()
    parts = [t(ts, num_timesteps=n)[0] for n in chunks]
    assert [p.t_start for p in parts] == pytest.approx(np.cumsum([0] + chunks[:-1]) * DT)
    np.testing.assert_allclose(np.concatenate([p.samples for p in parts]), whole)


def test_timed_module_set_attributes_ignores_unknown_keys_and_applies_known_ones():
    net = _Two()
    _, state, _ = net(num_timesteps=2)
    assert net.set_attributes({**state, "unknown": 1, "a": {"_module": {"tau": np.full(2, 0.05)}}}) is net
    np.testing.assert_allclose(net.a.module.tau, 0.05)
    net.set_attributes({"a": {"x": np.full(2, 0.7)}})  # a wrapper's flat state goes to its module
    np.testing.assert_allclose(net.a.module.x, 0.7)
    with pytest.raises(ValueError, match="shape"):
        net.set_attributes({"a": {"_module": {"tau": np.ones(3)}}})  # known keys are still checked


def test_custom_timed_module_repr_follows_the_module_format():
    text = repr(_Two())
    assert text.splitlines()[0] == "_Two  with shape (2, 2) {"
    assert "    TimedModuleWrapper 'a' with shape (2, 2) {" in text
    assert "        Rate '_module' with shape (2,)" in text and "dt" not in text


# ---------------------------------------------------------------- 2.3 TimedModuleWrapper
def test_wrapper_checks_its_module_and_picks_dt():
    with pytest.raises(TypeError, match="clocked"):
        TimedModuleWrapper("rate")
    with pytest.raises(TypeError, match="timed module"):
        TimedModuleWrapper(Rate(2).timed())
    with pytest.raises(TypeError, match="timed module"):
        TimedModuleWrapper(_Two())
    with pytest.raises(KeyError, match=r"timed\(dt=1e-3\)"):
        Linear((2, 2)).timed()
    assert Linear((2, 2)).timed(dt=2e-3).dt == 2e-3
    r = Rate(2, dt=5e-4)
    assert r.timed().dt == 5e-4 and r.timed(dt=5e-4).dt == 5e-4
    with pytest.warns(RockpoolWarning, match="ignored"):
        assert Rate(2, dt=5e-4).timed(dt=1e-3).dt == 5e-4  # the module's own dt wins
    assert Sequential(Linear((2, 3)), Rate(3, dt=2e-3)).timed().dt == 2e-3  # (ours) shared sub dt
    with pytest.raises(KeyError):
        Sequential(Rate(2, dt=1e-3), Rate(2, dt=2e-3)).timed()


def test_wrapper_nests_the_module_under__module():
    rate = Rate(3)
    t = Sequential(Linear((2, 3)), rate).timed(dt=DT)
    assert t.module.modules()["1_Rate"] is rate
    assert t.parameters() == {"_module": t.module.parameters()}
    assert list(t.state()) == ["_module"] and t.state()["_module"]["1_Rate"].keys() == {"x"}
    sp = t.simulation_parameters()
    assert sp["dt"] == DT and sp["_module"] == t.module.simulation_parameters()
    assert t.modules() == OrderedDict(_module=t.module)
    assert Rate(5).timed().shape == (5, 5) and t.shape == (2, 3)
    assert LIF(2).timed().input_type is TSContinuous and LIF(2).timed().output_type is TSEvent
    assert ExpSyn(2).timed().input_type is TSEvent and ExpSyn(2).timed().output_type is TSContinuous
    # - a timed module holding wrappers nests them the same way
    p = _Two().parameters()
    assert set(p["a"]["_module"]) == {"tau", "bias", "threshold"} and set(p["b"]["_module"]) == {"weight"}


def test_wrapper_repr_at_top_level_and_as_submodule():
    t = Sequential(Linear((2, 3)), Rate(3)).timed(dt=DT)
    assert repr(t) == (
        "TimedModuleWrapper  with shape (2, 3) {\n"
        "    ModSequential '_module' with shape (2, 3) {\n"
        "        Linear '0_Linear' with shape (2, 3)\n"
        "        Rate '1_Rate' with shape (3,)\n"
        "    }\n"
        "} with ModSequential '_module' as module"
    )
    assert str(t) == repr(t)

    class Holder(TimedModule):
        def __init__(self):
            super().__init__(dt=DT, shape=(4, 4))
            self.sub = Rate(4).timed()

        def evolve(self, ts_input=None, duration=None, num_timesteps=None, kwargs_timeseries=None, record=False):
            return self.sub(ts_input, duration, num_timesteps, kwargs_timeseries, record)

    assert repr(Holder()).splitlines()[1:] == [
        "    TimedModuleWrapper 'sub' with shape (4, 4) {",
        "        Rate '_module' with shape (4,)",
        "    }",
        "}",
    ]


def test_wrapper_returns_the_modules_own_state_and_raw_record():
    x = np.random.default_rng(1).random((20, 2))
    net = Sequential(Linear((2, 3)), Rate(3, tau=0.01))
    t = net.timed(dt=DT)
    out, new_state, rec = t(TSContinuous.from_clocked(x, dt=DT), record=True)
    assert isinstance(out, TSContinuous) and out.t_start == 0.0 and out.t_stop == pytest.approx(0.02)
    assert set(new_state) == {"0_Linear", "1_Rate"} and "_module" not in new_state
    assert rec["1_Rate"]["x"][0].shape == (20, 3)  # part, state, batch element -> (T, N)
    assert isinstance(rec["0_Linear_output"], np.ndarray)
    np.testing.assert_allclose(out.samples, rec["1_Rate_output"][0])
    # - the output matches the clocked module on the same array
    fresh = Sequential(Linear((2, 3), weight=net[0].weight), Rate(3, tau=0.01))
    np.testing.assert_allclose(out.samples, fresh(x)[0][0])


class _TwoOut(Module):
    def __init__(self, n):
        super().__init__(shape=(n, n))

    def evolve(self, x, record=False):
        x = np.asarray(x, dtype=float)
        return (x, 2 * x), {}, {}


def test_wrapper_output_num_and_kwargs_timeseries():
    t = _TwoOut(2).timed(output_num=1, dt=DT)
    out, _, _ = t(TSContinuous.from_clocked(np.ones((2, 2)), dt=DT), kwargs_timeseries={"name": "twice"})
    assert out.samples.tolist() == [[2, 2], [2, 2]] and out.name == "twice"


def test_wrapper_continues_in_time():
    t = eye(2)
    ts = TSContinuous.from_clocked(np.arange(10.0), dt=DT)
    a, _, _ = t(ts, duration=0.004)
    b, _, _ = t(ts)  # from t = 4 ms to the end
    assert np.concatenate([a.samples, b.samples])[:, 0].tolist() == list(range(10))
    with pytest.raises(ValueError, match="appropriate evolution duration"):
        t(ts)  # its end is not after t
    c, _, _ = t(ts.delay(t.t))  # moved to start at the current t
    assert c.samples[:, 0].tolist() == list(range(10)) and c.t_start == pytest.approx(0.01)
    t.reset_time()
    assert t(ts)[0].samples[:, 0].tolist() == list(range(10))
    per = TSContinuous.from_clocked(np.arange(3.0), dt=DT, periodic=True)
    outs = [t(per)[0] for _ in range(3)]  # one more period per call, sampled periodically
    assert [o.samples[:, 0].tolist() for o in outs] == [[1, 2, 0]] * 3  # t = 10 ms is 1 ms into a period
    assert outs[2].t_start == pytest.approx(0.016)


def test_wrapper_state_resets_and_module_replacement():
    t = Rate(2).timed()
    t(TSContinuous.from_clocked(np.ones((5, 2)), dt=DT))
    assert np.all(t.module.x > 0)  # a NumPy module keeps its new state
    assert t.reset_state() is t and not t.module.x.any()
    t(num_timesteps=3)
    assert t.reset_all() is t and t.t == 0.0
    new = Rate(2, tau=0.05)
    t._module = new
    assert t.module is new and t.module.name == "'_module'"
    np.testing.assert_allclose(t.parameters()["_module"]["tau"], 0.05)


def test_wrapper_set_attributes_accepts_what_its_evolution_returned():
    t = RateJax(2).timed()
    ts = TSContinuous.from_clocked(np.ones((5, 2)), dt=DT)
    _, new_state, _ = t(ts)
    assert float(np.sum(t.module.x)) == 0.0  # a JAX module is not updated by the call
    assert t.set_attributes(new_state) is t  # flat keys of the wrapped module (ours: applied)
    np.testing.assert_allclose(np.asarray(t.module.x), np.asarray(new_state["x"]))
    t.set_attributes({"_module": {"tau": np.full(2, 0.05)}, "dt": 2e-3})
    np.testing.assert_allclose(np.asarray(t.module.tau), 0.05)
    assert t.dt == 2e-3 and t.module.dt == 1e-3  # the wrapper's own dt

    class Outer(JaxModule):  # a user module returning its child's flat state
        def __init__(self):
            super().__init__(shape=(2, 2))
            self.inner = RateJax(2)

        def evolve(self, x, record=False):
            out, state, _ = self.inner(x)
            return out, state, {}

    w = Outer().timed(dt=DT)
    _, state, _ = w(ts)
    assert set(state) == {"x", "rng_key"}
    assert w.set_attributes(state) is w  # matches neither the wrapper nor Outer: no error


def test_wrapper_attributes_do_not_pass_through():
    t = Rate(2).timed()
    with pytest.raises(AttributeError):
        _ = t.tau
    with pytest.raises(AttributeError, match=r"tmod.module.tau"):
        t.tau = np.ones(2)
    t.note = "plain attributes stay on the wrapper"
    assert not hasattr(t.module, "note")
    t.dt = 2e-3
    assert t.module.dt == 1e-3
    assert t.timed() is t


# ---------------------------------------------------------------- 2.4 v1 adapters
class _Gain(Layer):
    """A v1 layer: output = input @ weights, with a running sum as state."""

    def __init__(self, weights, dt=1.0, noise_std=0.0, name="unnamed"):
        super().__init__(weights, dt, noise_std, name)
        self.total = np.zeros(self.size)

    def reset_state(self):
        self.total = np.zeros(self.size)

    def evolve(self, ts_input=None, duration=None, num_timesteps=None, verbose=False):
        times, x, n = self._prepare_input(ts_input, duration, num_timesteps)
        y = x @ self.weights
        self.total = self.total + y.sum(axis=0)
        self._timestep += n
        return TSContinuous(times, y, t_start=times[0], t_stop=times[-1] + self.dt, name=self.name)


def test_v1_layer_base():
    layer = _Gain(2 * np.eye(2), dt=0.5, name="g")
    assert layer.size_in == 2 and layer.size == layer.size_out == 2 and layer.noise_std == 0.0
    out = layer.evolve(TSContinuous.from_clocked(np.ones((2, 2)), dt=0.5))
    assert out.samples.tolist() == [[2, 2], [2, 2]] and layer.t == 1.0
    layer.reset_all()
    assert layer.t == 0.0 and not layer.total.any()
    with pytest.raises(ValueError, match="dt"):
        _Gain(np.eye(2), dt=0)
    with pytest.raises(TypeError):
        Layer(np.eye(2))  # abstract


def test_astimedmodule_and_layer_to_timed_module():
    Timed = astimedmodule(_Gain, parameters=["weights"], states=["total"], simulation_parameters=["noise_std"])
    Timed2 = astimedmodule(parameters=["weights"])(_Gain)
    mod = Timed(np.eye(2), dt=0.1)
    assert isinstance(mod, LayerToTimedModule) and isinstance(Timed2(np.eye(2)), TimedModule)
    assert repr(mod) == "_Gain 'unnamed' with shape (2, 2)"
    assert mod.dt == 0.1 and mod.t == 0.0
    assert mod.simulation_parameters() == {"dt": 0.1, "noise_std": 0.0}
    out, state, rec = mod(TSContinuous.from_clocked(np.ones((3, 2)), dt=0.1))
    assert state == {} and rec == {} and mod.t == pytest.approx(0.3)
    assert out.samples.tolist() == [[1, 1]] * 3
    np.testing.assert_allclose(mod.state()["total"], [3, 3])
    # - reading and assigning reach the layer, also through set_attributes
    mod.weights = 3 * np.eye(2)
    np.testing.assert_allclose(mod._module.weights, 3 * np.eye(2))
    params = mod.parameters()
    params["weights"] = 4 * np.eye(2)
    mod.set_attributes({**params, "unknown": 0})
    np.testing.assert_allclose(mod._module.weights, 4 * np.eye(2))
    np.testing.assert_allclose(mod.weights, 4 * np.eye(2))
    mod.reset_all()
    assert mod.t == 0.0 and not mod._module.total.any()
    with pytest.raises(ValueError, match="Layer"):
        astimedmodule(Rate)
    with pytest.raises(ValueError, match="Layer"):
        astimedmodule(parameters=["w"])(object)
    with pytest.raises(ValueError, match="no attribute 'nope'"):
        astimedmodule(_Gain, parameters=["nope"])(np.eye(2))
    with pytest.raises(TypeError, match="v1"):
        LayerToTimedModule(Rate(2))


def test_timed_parameters_register_as_usual():
    class WithParam(TimedModule):
        def __init__(self):
            super().__init__(dt=DT, shape=(1, 1))
            self.gain = Parameter(np.ones(1), "weights")

        def evolve(self, ts_input=None, duration=None, num_timesteps=None, kwargs_timeseries=None, record=False):
            _, x, _ = self._prepare_input(ts_input, duration, num_timesteps)
            return self._gen_timeseries(x * self.gain, **kwargs_timeseries), {}, {}

    m = WithParam()
    assert m.parameters("weights") == {"gain": np.ones(1)}
    out, _, _ = m(TSContinuous.from_clocked(np.full(3, 2.0), dt=DT))
    assert out.samples.ravel().tolist() == [2.0, 2.0, 2.0]
