"""The low-level Module API (seed page 001) on native modules: naming, queries, functional API, errors."""

import copy
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rockpool.nn.modules import Instant, Linear, Module, Rate, RockpoolWarning
from rockpool.parameters import Constant, Parameter, SimulationParameter, State

# ---------------------------------------------------------------------------- helpers


class FFwdNet(Module):
    """The page-001 ``ffwd_net``, with a native Rate submodule and the full evolve."""

    def __init__(self, shape, **kwargs):
        super().__init__(shape=shape, **kwargs)
        self.w_ffwd = Parameter(shape=self.shape, init_func=lambda s: np.zeros(s), family="weights")
        self.neurons = Rate(self.shape[-1])

    def evolve(self, input_data, record=False):
        new_state, recorded_state = {}, {}
        x = input_data @ self.w_ffwd
        if record:
            recorded_state["weighted_input"] = x
        x, submod_state, submod_record = self.neurons(x, record=record)
        new_state["neurons"] = submod_state
        recorded_state["neurons"] = submod_record
        return x, new_state, recorded_state


class Outer(Module):
    """Two levels of nesting, with an attribute-less container in the middle."""

    def __init__(self):
        super().__init__(shape=(2, 3))
        self.lin = Linear((2, 3), has_bias=True)
        self.inner = Inner()
        self.gain = SimulationParameter(2.0)

    def evolve(self, x, record=False):
        y, _, _ = self.lin(x)
        y, s, r = self.inner(y, record=record)
        return self.gain * y, {"inner": s}, ({"inner": r} if record else {})


class Inner(Module):
    def __init__(self):
        super().__init__(shape=3)
        self.rate = Rate(3)

    def evolve(self, x, record=False):
        y, s, r = self.rate(x, record=record)
        return y, {"rate": s}, ({"rate": r} if record else {})


def tree_equal(a, b):
    """Same keys in the same order and equal leaves, recursively."""
    if isinstance(a, dict) or isinstance(b, dict):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and list(a) == list(b)
            and all(tree_equal(a[k], b[k]) for k in a)
        )
    if callable(a) or callable(b):
        return a is b
    return np.array_equal(np.asarray(a), np.asarray(b))


def snapshot(mod):
    return copy.deepcopy(
        {"p": mod.parameters(), "s": mod.state(), "sp": mod.simulation_parameters()}
    )


def concrete_rate(**kw):
    return Rate(3, tau=np.array([0.02, 0.03, 0.05]), bias=np.array([0.1, 0.0, -0.1]), **kw)


# ---------------------------------------------------------------------------- printing and naming


def test_repr_top_level_and_nested():
    mod = Rate(4)
    assert repr(mod) == str(mod) == "Rate  with shape (4,)"
    assert str(Rate(4, tau=np.ones(4))) == "Rate  with shape (4,)"
    assert (
        str(FFwdNet((4, 6)))
        == "FFwdNet  with shape (4, 6) {\n    Rate 'neurons' with shape (6,)\n}"
    )
    assert str(Outer()) == (
        "Outer  with shape (2, 3) {\n"
        "    Linear 'lin' with shape (2, 3)\n"
        "    Inner 'inner' with shape (3,) {\n"
        "        Rate 'rate' with shape (3,)\n"
        "    }\n"
        "}"
    )


def test_names():
    net = FFwdNet((4, 6))
    assert net.name == "" and net.full_name == "FFwdNet " and net.class_name == "FFwdNet"
    assert net.neurons.name == "'neurons'"
    assert net.neurons.full_name == "Rate 'neurons'"
    assert net.neurons.class_name == "Rate"


def test_shapes_and_sizes():
    assert Rate(3).shape == (3,) and Rate((3,)).shape == (3,)
    net = FFwdNet((4, 6))
    assert net.shape == (4, 6) and net.size_in == 4 and net.size_out == 6
    assert Instant((2, 5, 7)).shape == (2, 5, 7)
    with pytest.warns(DeprecationWarning, match="size_out"):
        assert net.size == 6


def test_spiking_flags():
    mod = Rate(3)
    assert mod.spiking_input is False and mod.spiking_output is False
    mod = Rate(3, spiking_input=True, spiking_output=True)
    assert mod.spiking_input is True and mod.spiking_output is True
    assert Linear((2, 2), spiking_input=True).spiking_input


def test_constructor_contract_errors():
    class NoSuper(Module):
        def __init__(self):
            self.w = Parameter(np.zeros(2))

        def evolve(self, x, record=False):
            return x, {}, {}

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(shape\)"):
        NoSuper()
    with pytest.raises(TypeError, match="unexpected constructor arguments"):
        FFwdNet((2, 3), bogus=7)


# ---------------------------------------------------------------------------- queries


def test_parameters_state_simulation_parameters():
    net = FFwdNet((4, 6))
    p = net.parameters()
    assert list(p) == ["w_ffwd", "neurons"]
    assert list(p["neurons"]) == ["tau", "bias", "threshold"]
    np.testing.assert_array_equal(p["w_ffwd"], np.zeros((4, 6)))
    np.testing.assert_array_equal(p["neurons"]["tau"], np.full(6, 0.02))
    assert net.state() == {"neurons": {"x": net.neurons.x}}
    sp = net.simulation_parameters()
    assert list(sp) == ["neurons"] and list(sp["neurons"]) == ["dt", "noise_std", "act_fn"]
    assert sp["neurons"]["dt"] == 1e-3


def test_family_filters():
    net = FFwdNet((4, 6))
    taus = net.parameters("taus")
    assert list(taus) == ["neurons"] and list(taus["neurons"]) == ["tau"]  # no w_ffwd
    weights = net.parameters("weights")
    assert list(weights) == ["w_ffwd"]  # the submodule has no weights: its empty dict is dropped
    both = net.parameters(["weights", "taus"])
    assert list(both) == ["w_ffwd", "neurons"] and list(both["neurons"]) == ["tau"]
    assert tree_equal(net.parameters(("weights", "taus")), both)
    with pytest.warns(RockpoolWarning, match="no attribute has the family .nothing."):  # a likely typo
        assert net.parameters("nothing") == {}
    assert net.state("weights") == {}
    assert list(net.parameters(["bias", "thresholds"])["neurons"]) == ["bias", "threshold"]


def test_empty_subdicts_kept_without_filter():
    net = Outer()
    assert net.state() == {"lin": {}, "inner": {"rate": {"x": net.inner.rate.x}}}
    assert list(net.simulation_parameters()) == ["gain", "lin", "inner"]
    assert net.simulation_parameters()["lin"] == {}
    assert net.parameters("biases") == {"lin": {"bias": net.lin.bias}}


def test_modules_order():
    net = Outer()
    mods = net.modules()
    assert isinstance(mods, OrderedDict)
    assert list(mods) == ["lin", "inner"]
    assert mods["inner"] is net.inner
    assert list(net.inner.modules()) == ["rate"]
    assert Rate(2).modules() == OrderedDict()


def test_attributes_named():
    net = Outer()
    assert tree_equal(net.attributes_named("tau"), {"inner": {"rate": {"tau": net.inner.rate.tau}}})
    got = net.attributes_named(["bias", "gain", "x"])
    assert list(got) == ["gain", "lin", "inner"]
    assert list(got["inner"]["rate"]) == ["bias", "x"]  # registry order, any kind
    assert net.attributes_named("missing") == {}


def test_attribute_registry_and_family_helpers():
    net = FFwdNet((2, 3))
    attrs, mods = net._get_attribute_registry()
    assert attrs == {"w_ffwd": ("Parameter", "weights")}
    assert list(mods) == ["neurons"]
    assert tree_equal(net._get_attribute_family("Parameter", "taus"), net.parameters("taus"))
    with pytest.raises(ValueError, match="Unknown attribute kind"):
        net._get_attribute_family("Weights")


def test_direct_access_and_deletion():
    net = FFwdNet((2, 3))
    assert net.w_ffwd.shape == (2, 3) and net.neurons.tau.shape == (3,)
    del net.w_ffwd
    assert "w_ffwd" not in net.parameters()
    net.neurons = None  # a plain value replaces the submodule
    assert net.modules() == OrderedDict()
    net.neurons = Rate(3)
    net.neurons = Parameter(np.ones(3), "weights")  # so does a registered attribute
    assert net.modules() == OrderedDict() and list(net.parameters()) == ["neurons"]
    with pytest.raises(
        ValueError, match="FFwdNet: 'neurons' is a registered attribute, not a submodule"
    ):
        net.neurons = Rate(3)
    np.testing.assert_array_equal(net.neurons, np.ones(3))


# ---------------------------------------------------------------------------- functional API (native: in place)


def test_set_attributes_in_place_returns_self():
    net = FFwdNet((2, 3))
    params = net.parameters()
    params["w_ffwd"] = np.ones((2, 3))
    params["neurons"]["tau"] = np.full(3, 0.05)
    out = net.set_attributes(params)
    assert out is net
    np.testing.assert_array_equal(net.w_ffwd, np.ones((2, 3)))
    np.testing.assert_array_equal(net.neurons.tau, np.full(3, 0.05))
    net.set_attributes({"neurons": {"bias": 0.5}})  # partial trees, scalars broadcast
    np.testing.assert_array_equal(net.neurons.bias, np.full(3, 0.5))
    net.set_attributes({"neurons": {"dt": 2e-3}})  # simulation parameters too
    assert net.neurons.dt == 2e-3


def test_reset_state_and_parameters():
    net = FFwdNet((2, 3))
    net.w_ffwd = np.ones((2, 3))
    net.neurons.tau = 0.05
    out, new_state, _ = net(np.ones((4, 2)))
    assert np.all(net.neurons.x > 0) and tree_equal(net.state(), new_state)
    assert net.reset_state() is net
    np.testing.assert_array_equal(net.neurons.x, np.zeros(3))
    np.testing.assert_array_equal(net.w_ffwd, np.ones((2, 3)))  # parameters untouched
    assert net.reset_parameters() is net
    np.testing.assert_array_equal(net.w_ffwd, np.zeros((2, 3)))
    np.testing.assert_array_equal(net.neurons.tau, np.full(3, 0.02))


def test_reset_restores_concrete_initial_values():
    mod = Rate(3, tau=np.array([0.1, 0.2, 0.3]))
    mod.tau = np.full(3, 0.5)
    mod.reset_parameters()
    np.testing.assert_array_equal(mod.tau, [0.1, 0.2, 0.3])
    mod._reset_attribute("tau")
    np.testing.assert_array_equal(mod.tau, [0.1, 0.2, 0.3])


# ---------------------------------------------------------------------------- evolution contract


def test_auto_batch():
    mod = Rate(3)
    data, (x,) = mod._auto_batch(np.ones((5, 3)), (np.zeros(3),))
    assert data.shape == (1, 5, 3) and x.shape == (1, 3)
    data, (x, s) = mod._auto_batch(
        np.ones((2, 5, 3)), (np.arange(3.0), np.zeros(())), target_shapes=((3,), (4,))
    )
    assert data.shape == (2, 5, 3) and x.shape == (2, 3) and s.shape == (2, 4)
    np.testing.assert_array_equal(x[1], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"Rate: input has 4 channels, expected 3"):
        mod._auto_batch(np.ones((5, 4)), ())
    with pytest.raises(ValueError, match=r"expected \(T, 3\) or \(B, T, 3\)"):
        mod._auto_batch(np.ones((1, 1, 5, 3)), ())


def test_call_contract_and_state_kept():
    mod = concrete_rate()
    inp = np.random.rand(5, 3)
    out, state, rec = mod(inp)
    assert out.shape == (1, 5, 3) and rec == {}
    assert list(state) == ["x"] and state["x"].shape == (3,)
    np.testing.assert_array_equal(mod.x, state["x"])  # the native module applies its new state
    out2, _, rec2 = mod(inp, record=True)
    assert not np.allclose(out2, out)  # evolution continued from the stored state
    assert list(rec2) == ["rec_input", "x"] and rec2["x"].shape == (1, 5, 3)


def test_evolve_is_pure():
    mod = concrete_rate()
    before = snapshot(mod)
    out, state, _ = mod.evolve(np.ones((1, 4, 3)))
    assert tree_equal(snapshot(mod), before)
    assert np.all(state["x"] > 0)


def test_batch_axis_and_broadcast_width_one():
    mod = concrete_rate()
    single, _, _ = mod(np.ones((4, 3)))
    mod.reset_state()
    batched, state, _ = mod(np.ones((2, 4, 3)))
    assert batched.shape == (2, 4, 3) and state["x"].shape == (3,)
    np.testing.assert_allclose(batched[1], single[0])
    mod.reset_state()
    narrow, _, _ = mod(np.ones((4, 1)))
    np.testing.assert_allclose(narrow, single)


def test_bool_and_int_inputs():
    mod = concrete_rate()
    a, _, _ = mod(np.ones((3, 3), dtype=bool))
    mod.reset_state()
    b, _, _ = mod(np.ones((3, 3), dtype=int))
    mod.reset_state()
    c, _, _ = mod(np.ones((3, 3)))
    assert a.dtype == np.float64
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, c)


def test_page_001_network_evolves_and_records():
    net = FFwdNet((4, 6))
    net.w_ffwd = np.ones((4, 6))
    out, state, rec = net(np.random.rand(5, 4), record=True)
    assert out.shape == (1, 5, 6)
    assert list(rec) == ["weighted_input", "neurons"] and list(rec["neurons"]) == ["rec_input", "x"]
    assert tree_equal(net.state(), state)


# ---------------------------------------------------------------------------- bad inputs


def check_unchanged_and_usable(mod, before, twin):
    """``mod`` holds ``before`` and evolves exactly like an untouched ``twin``."""
    assert tree_equal(snapshot(mod), before)
    inp = np.linspace(0, 1, 12).reshape(4, 3)
    np.testing.assert_array_equal(mod(inp)[0], twin(inp)[0])


@pytest.mark.parametrize(
    "bad, match",
    [
        (
            np.ones((5, 4)),
            r"Rate: input has 4 channels, expected 3 \(shape \(T, 3\) or \(B, T, 3\); a single "
            r"channel \(T, 1\) is broadcast to all 3\)",
        ),
        (np.ones((1, 2, 5, 3)), r"Rate: input has 4 dimensions \(shape \(1, 2, 5, 3\)\); expected"),
        (np.ones((2, 1, 5, 3, 1)), r"Rate: input has 5 dimensions"),
        (np.array([["a", "b", "c"]]), r"Rate: input must be numeric \(got dtype <U1\)"),
        ([[{}, {}, {}]], r"Rate: input must be numeric"),
        (np.array([[0.0, np.nan, 0.0]]), r"Rate: input contains NaN or inf"),
        (np.array([[0.0, np.inf, 0.0]]), r"Rate: input contains NaN or inf"),
    ],
)
def test_bad_input_rejected(bad, match):
    mod, twin = concrete_rate(), concrete_rate()
    mod(np.ones((2, 3)))
    twin(np.ones((2, 3)))
    before = snapshot(mod)
    with pytest.raises(ValueError, match=match):
        mod(bad)
    check_unchanged_and_usable(mod, before, twin)


def test_bad_input_in_submodule_names_it():
    net = FFwdNet((4, 6))
    # - A user module's evolve receives its input unchanged (here: NumPy's own matmul error)
    with pytest.raises(ValueError, match="matmul"):
        net(np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"Rate 'neurons': input has 5 channels, expected 6"):
        net.neurons(np.ones((3, 5)))


@pytest.mark.parametrize("tau", [0.0, -0.02, np.array([0.02, 0.0, 0.02])])
def test_nonpositive_tau_at_construction(tau):
    with pytest.raises(ValueError, match=r"Rate: 'tau' must be > 0 everywhere"):
        Rate(3, tau=tau)


def test_nonpositive_tau_on_assignment():
    mod, twin = concrete_rate(), concrete_rate()
    before = snapshot(mod)
    with pytest.raises(ValueError, match=r"Rate: 'tau' must be > 0 everywhere \(got min -1\)"):
        mod.tau = -1.0
    with pytest.raises(ValueError, match=r"'tau' must be > 0"):
        mod.set_attributes({"tau": np.array([0.1, 0.0, 0.1])})
    net = FFwdNet((2, 3))
    with pytest.raises(ValueError, match=r"Rate 'neurons': 'tau' must be > 0"):
        net.set_attributes({"neurons": {"tau": np.zeros(3)}})
    np.testing.assert_array_equal(net.neurons.tau, np.full(3, 0.02))
    check_unchanged_and_usable(mod, before, twin)


def test_short_tau_warns():
    with pytest.warns(
        RockpoolWarning, match=r"Rate: tau \(min 0.005 s\) is shorter than 10 \* dt = 0.01 s"
    ):
        Rate(3, tau=0.005)
    mod = Rate(3)
    with pytest.warns(RockpoolWarning, match="tau"):
        mod.tau = np.array([0.02, 0.001, 0.02])
    mod = Rate(3)
    with pytest.warns(RockpoolWarning, match="Use a smaller dt"):
        mod.dt = 0.005


def test_wrong_shape_assignment():
    mod, twin = concrete_rate(), concrete_rate()
    before = snapshot(mod)
    with pytest.raises(
        ValueError,
        match=r"Rate: The new value assigned to tau must be of shape \(3,\) \(got \(4,\)\)\.",
    ):
        mod.tau = np.ones(4)
    with pytest.raises(
        ValueError, match=r"The new value assigned to tau must be of shape \(3,\) \(got \(4,\)\)\."
    ):
        mod.set_attributes({"tau": np.ones(4)})
    with pytest.raises(
        ValueError, match=r"The new value assigned to x must be of shape \(3,\) \(got \(2, 3\)\)\."
    ):
        mod.x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"attribute 'tau' expects an array, got a dict"):
        mod.tau = {"a": 1}
    check_unchanged_and_usable(mod, before, twin)


def test_set_attributes_unknown_and_mismatched():
    net, twin = FFwdNet((3, 3)), FFwdNet((3, 3))
    net.w_ffwd = twin.w_ffwd = np.eye(3)
    before = snapshot(net)
    with pytest.raises(
        ValueError,
        match=r"FFwdNet: set_attributes got unknown key 'w_fwd'; known keys here are \['w_ffwd', 'neurons'\]",
    ):
        net.set_attributes({"w_fwd": np.ones((3, 3))})
    with pytest.raises(
        ValueError, match=r"Rate 'neurons': set_attributes got unknown key 'neurons.tua'"
    ):
        net.set_attributes(
            {"w_ffwd": np.ones((3, 3)), "neurons": {"tua": 1.0}}
        )  # nothing is applied
    with pytest.raises(
        ValueError, match=r"'neurons.tau' is an attribute but the new value is a dict"
    ):
        net.set_attributes({"neurons": {"tau": {"x": 1.0}}})
    with pytest.raises(
        ValueError, match=r"Rate 'neurons': set_attributes expects a dict at 'neurons', got ndarray"
    ):
        net.set_attributes({"neurons": np.ones(3)})
    with pytest.raises(ValueError, match=r"expects a dict at '<root>', got list"):
        net.set_attributes([1, 2])
    check_unchanged_and_usable(net, before, twin)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match=r"data has shape \(4,\), expected \(3,\)"):
        Rate(3, bias=np.ones(4))
    with pytest.raises(ValueError, match="Rate: shape must be an int N or"):
        Rate((2, 3))


# ---------------------------------------------------------------------------- properties over random trees

FAMILIES = [None, "weights", "taus", "bias"]
KINDS = [Parameter, State, SimulationParameter]
ATTR = st.tuples(
    st.sampled_from(KINDS),
    st.sampled_from(FAMILIES),
    st.lists(st.integers(1, 3), max_size=2).map(tuple),
)


def spec_strategy(depth):
    children = st.just([]) if depth == 0 else st.lists(spec_strategy(depth - 1), max_size=2)
    return st.fixed_dictionaries({"attrs": st.lists(ATTR, max_size=3), "children": children})


SPEC = spec_strategy(2)


class Node(Module):
    """A module built from a random spec: attributes p9, p8, ... and submodules sub9, sub8, ..."""

    def __init__(self, spec, rng):
        super().__init__(shape=(2,))
        for i, (kind, family, shape) in enumerate(spec["attrs"]):
            setattr(self, f"p{9 - i}", kind(np.asarray(rng.standard_normal(shape)), family=family))
        for j, child in enumerate(spec["children"]):
            setattr(self, f"sub{9 - j}", Node(child, rng))

    def evolve(self, x, record=False):
        return x, {}, {}


def expected_tree(spec, values, kind=None, families=None, names=None):
    """The query result a spec should give; ``values`` mirrors the spec with the arrays."""
    filtered = families is not None or names is not None
    out = {}
    for i, (k, fam, _) in enumerate(spec["attrs"]):
        name = f"p{9 - i}"
        if (
            (kind is None or k is kind)
            and (families is None or fam in families)
            and (names is None or name in names)
        ):
            out[name] = values[name]
    for j, child in enumerate(spec["children"]):
        sub = expected_tree(child, values[f"sub{9 - j}"], kind, families, names)
        if sub or not filtered:
            out[f"sub{9 - j}"] = sub
    return out


def all_values(mod):
    out = {n: getattr(mod, n) for n in mod._registry}
    out.update({n: all_values(m) for n, m in mod.modules().items()})
    return out


def perturbed(tree, rng):
    return {
        k: perturbed(v, rng) if isinstance(v, dict) else v + rng.uniform(1, 2, np.shape(v))
        for k, v in tree.items()
    }


@given(spec=SPEC, seed=st.integers(0, 2**16))
def test_random_tree_queries(spec, seed):
    mod = Node(spec, np.random.default_rng(seed))
    values = all_values(mod)
    # - Unfiltered queries keep every submodule (empty or not), in registration order
    for kind, query in [
        (Parameter, mod.parameters),
        (State, mod.state),
        (SimulationParameter, mod.simulation_parameters),
    ]:
        assert tree_equal(query(), expected_tree(spec, values, kind))
    # - Family filters select exactly the tagged attributes, and drop empty subtrees (a family
    #   that a random tree lacks warns as a likely typo: not the point here)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RockpoolWarning)
        for fams in [["weights"], ["taus", "bias"], ["weights", "taus", "bias"]]:
            for arg in (fams[0] if len(fams) == 1 else fams, tuple(fams), list(fams)):
                assert tree_equal(
                    mod.parameters(arg), expected_tree(spec, values, Parameter, set(fams))
                )
                assert tree_equal(mod.state(arg), expected_tree(spec, values, State, set(fams)))
    assert tree_equal(
        mod.attributes_named(["p9", "p7"]), expected_tree(spec, values, None, None, {"p9", "p7"})
    )
    assert list(mod.modules()) == [f"sub{9 - j}" for j in range(len(spec["children"]))]


@given(spec=SPEC, seed=st.integers(0, 2**16))
def test_random_tree_set_and_reset(spec, seed):
    rng = np.random.default_rng(seed)
    mod = Node(spec, rng)
    initial_p, initial_s, initial_sp = copy.deepcopy(
        (mod.parameters(), mod.state(), mod.simulation_parameters())
    )

    new_p, new_s, new_sp = (
        perturbed(initial_p, rng),
        perturbed(initial_s, rng),
        perturbed(initial_sp, rng),
    )
    # - A bad key anywhere leaves everything unchanged
    with pytest.raises(ValueError, match="unknown key 'nope'"):
        mod.set_attributes({**new_p, "nope": 1.0})
    assert tree_equal(mod.parameters(), initial_p)

    assert mod.set_attributes(new_p) is mod
    assert mod.set_attributes(new_s) is mod
    assert mod.set_attributes(new_sp) is mod
    assert tree_equal(mod.parameters(), new_p)
    assert tree_equal(mod.state(), new_s)
    assert tree_equal(mod.simulation_parameters(), new_sp)

    assert mod.reset_state() is mod
    assert tree_equal(mod.state(), initial_s)
    assert tree_equal(mod.parameters(), new_p)  # parameters untouched by reset_state
    assert mod.reset_parameters() is mod
    assert tree_equal(mod.parameters(), initial_p)
    assert tree_equal(mod.simulation_parameters(), new_sp)  # simulation parameters are not reset


def test_constant_in_tree_is_not_trainable():
    class M(Module):
        def __init__(self):
            super().__init__(shape=2)
            self.tau = Constant(np.ones(2))
            self.w = Parameter(np.ones(2), "weights")

        def evolve(self, x, record=False):
            return x, {}, {}

    m = M()
    assert list(m.parameters()) == ["w"]
    assert list(m.simulation_parameters()) == ["tau"]


def leaf_paths(tree, prefix=()):
    for k, v in tree.items():
        if isinstance(v, dict):
            yield from leaf_paths(v, prefix + (k,))
        else:
            yield prefix + (k,)


def get_path(tree, path):
    for k in path:
        tree = tree[k]
    return tree


@given(spec=SPEC, seed=st.integers(0, 2**16), data=st.data())
def test_random_tree_partial_update_changes_only_named_leaves(spec, seed, data):
    rng = np.random.default_rng(seed)
    mod = Node(spec, rng)
    before = copy.deepcopy(mod.parameters())
    paths = list(leaf_paths(before))
    chosen = data.draw(st.lists(st.sampled_from(paths), unique=True) if paths else st.just([]))
    partial = {}
    for path in chosen:
        node = partial
        for k in path[:-1]:
            node = node.setdefault(k, {})
        node[path[-1]] = get_path(before, path) + 1.0
    mod.set_attributes(partial)
    after = mod.parameters()
    for path in paths:
        expected = get_path(before, path) + (1.0 if path in chosen else 0.0)
        np.testing.assert_array_equal(get_path(after, path), expected)


# ---------------------------------------------------------------------------- review R1 regressions
@pytest.mark.parametrize(
    "attr, value, match",
    [
        ("dt", 0.0, r"Rate: 'dt' must be > 0 everywhere \(got min 0\)\. dt is the time step in seconds"),
        ("dt", -1e-3, r"'dt' must be > 0"),
        ("noise_std", -0.1, r"Rate: 'noise_std' must be >= 0 \(got min -0.1\); use 0"),
    ],
)
def test_bad_simulation_parameters_rejected_everywhere(attr, value, match):
    with pytest.raises(ValueError, match=match):
        Rate(3, **{attr: value})
    mod = Rate(3)
    with pytest.raises(ValueError, match=match):
        setattr(mod, attr, value)
    with pytest.raises(ValueError, match=match):
        mod.set_attributes({"bias": np.ones(3), attr: value})
    # - the module is unchanged and usable
    assert mod.dt == 1e-3 and mod.noise_std == 0.0 and np.all(mod.bias == 0)
    assert mod(np.ones((2, 3)))[0].shape == (1, 2, 3)


def test_numpy_scalar_simulation_parameters_stay_python_numbers():
    mod = Rate(3, dt=np.float32(1e-3))
    mod.dt = np.float64(2e-4)
    mod.noise_std = np.array(0.0)
    mod.set_attributes({"dt": np.float32(1e-4)})
    assert type(mod.dt) is float and type(mod.noise_std) is float
    assert mod.dt == pytest.approx(1e-4)


def test_assigned_values_must_be_real_and_keep_integer_dtypes():
    class M(Module):
        def __init__(self):
            super().__init__(2)
            self.w = Parameter(np.zeros(2))
            self.count = State(np.zeros(2, dtype=np.int64))

        def evolve(self, x, record=False):
            return x, {}, {}

    mod = M()
    with pytest.raises(ValueError, match=r"M: cannot assign a value of dtype complex128 to 'w'; expected real"):
        mod.w = np.ones(2) * 1j
    with pytest.raises(ValueError, match=r"cannot assign a value of dtype <U1 to 'w'"):
        mod.set_attributes({"w": np.array(["a", "b"])})
    with pytest.raises(ValueError, match=r"'count' holds integers \(int64\) but the new value is float64"):
        mod.count = np.array([1.5, 2.0])
    mod.count = np.array([1, 2], dtype=np.int8)
    assert mod.count.dtype == np.int64 and np.all(mod.w == 0)


def test_zero_batch_is_a_value_error_naming_the_module():
    with pytest.raises(ValueError, match=r"Rate: input has batch size 0 \(shape \(0, 4, 3\)\)"):
        Rate(3)(np.ones((0, 4, 3)))


def test_native_modules_do_not_share_memory_with_callers():
    tau = np.full(3, 0.05)
    mod = Rate(3, tau=tau)
    tau[:] = -1.0  # the caller reuses its buffer
    np.testing.assert_allclose(mod.tau, 0.05)
    new_tau = np.full(3, 0.04)
    mod.set_attributes({"tau": new_tau})
    new_tau[:] = -1.0
    np.testing.assert_allclose(mod.tau, 0.04)
    _, new_state, _ = mod(np.ones((4, 3)))
    x = mod.x.copy()
    new_state["x"][:] = 100.0  # editing the returned state does not edit the module
    np.testing.assert_array_equal(mod.x, x)


def test_activation_can_be_set_by_name_after_construction():
    mod = Rate(2)
    mod.act_fn = "TANH"
    out, _, _ = mod(np.full((3, 2), 5.0))
    assert np.all(out > 0) and np.all(out < 1)
    mod.set_attributes({"act_fn": "sig"})
    assert mod.act_fn(np.zeros(1), 0.0)[0] == 0.5
    with pytest.raises(ValueError, match=r"Rate: unknown activation_func 'bogus'"):
        mod.set_attributes({"act_fn": "bogus"})
    assert mod.act_fn(np.zeros(1), 0.0)[0] == 0.5


def test_one_dt_warning_per_short_time_constant():
    mod = Rate(3, tau=0.02)
    with pytest.warns(RockpoolWarning) as rec:
        mod.dt = 0.01
    assert len(rec) == 1


@pytest.mark.parametrize("shape", [-1, 2.5, (3, -2), (3.5, 2), "3", None.__class__])
def test_bad_shapes_are_value_errors_naming_the_module(shape):
    for cls in (Rate, Linear):
        with pytest.raises(ValueError, match=f"{cls.__name__}: shape must be a whole number >= 0"):
            cls(shape)


def test_number_assigned_to_constant_array_keeps_its_shape():
    mod = Rate(3, tau=Constant(0.05))
    mod.set_attributes({"tau": 0.1})
    assert isinstance(mod.tau, np.ndarray) and mod.tau.shape == (3,)
    np.testing.assert_allclose(mod.tau, 0.1)
    with pytest.raises(ValueError, match=r"The new value assigned to tau must be of shape \(3,\) \(got \(2,\)\)"):
        mod.tau = [1.0, 2.0]
    with pytest.raises(ValueError, match=r"'tau' must be > 0"):
        mod.tau = -1.0


def test_wrong_shaped_constructor_argument_names_the_innermost_module():
    with pytest.raises(ValueError, match=r"^Rate: argument 'bias': Parameter \(bias\): data has shape \(4,\), expected \(3,\)"):
        Rate(3, bias=np.ones(4))

    class Outer(Module):
        def __init__(self):
            super().__init__(3)
            self.neurons = Rate(3, tau=np.ones(2))

        def evolve(self, x, record=False):
            return x, {}, {}

    with pytest.raises(ValueError, match=r"^Rate: argument .tau.: Parameter \(taus\): data has shape \(2,\)"):
        Outer()
