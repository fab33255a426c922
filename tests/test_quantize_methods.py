"""Post-training quantisation (spec robustness §1.4): check values, ours-fixes, no mutation."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rockpool.transform.quantize_methods import (
    channel_quantize,
    global_quantize,
    validate_weights_to_2d,
    validate_weights_to_3d,
    WeightShapeError,
)


def _spec(**kw):
    spec = dict(
        weights_in=np.array([[0.5, -1.0], [0.25, 2.0]]), weights_rec=np.array([[0.0, 0.1], [-0.3, 0.0]]),
        weights_out=np.array([[1.0], [-0.5]]), threshold=np.array([1.0, 3.0]), threshold_out=np.array([0.7]),
        dash_mem=np.array([2.5, 3.5]), dash_mem_out=np.array([4.4]), dash_syn=np.array([1.5, 0.5]),
        dash_syn_2=np.array([2.6, 7.0]), dash_syn_out=np.array([3.0]),
    )
    spec.update(kw)
    return spec


def _plain(q):
    return {k: (v[..., 0] if v.ndim == 3 else v).tolist() for k, v in q.items()}


def test_global_check_values():
    q = global_quantize(**_spec())
    assert all(v.dtype == np.int64 for v in q.values()) and q["weights_in"].shape == (2, 2, 1)
    p = _plain(q)
    assert p["weights_in"] == [[32, -64], [16, 127]] and p["weights_rec"] == [[0, 6], [-19, 0]]
    assert p["weights_out"] == [[127], [-64]] and p["threshold"] == [64, 190] and p["threshold_out"] == [89]
    assert (p["dash_mem"], p["dash_mem_out"], p["dash_syn"], p["dash_syn_2"], p["dash_syn_out"]) == (
        [2, 4], [4], [2, 0], [3, 7], [3])
    f = _plain(global_quantize(**_spec(), fuzzy_scaling=True))
    assert f["weights_in"] == [[30, -61], [15, 122]] and f["weights_rec"] == [[0, 6], [-18, 0]]
    assert f["weights_out"] == [[73], [-36]] and f["threshold"] == [61, 183] and f["threshold_out"] == [51]
    b = _plain(global_quantize(**_spec(bias=np.array([0.2, -4.0]), bias_out=np.array([0.3]))))
    assert b["weights_in"] == [[16, -32], [8, 64]] and b["weights_rec"] == [[0, 3], [-10, 0]]
    assert b["threshold"] == [32, 95] and b["bias"] == [6, -127]
    assert b["bias_out"] == [38]  # ours: the output scale (the reference used the hidden one: 10)
    t = _plain(global_quantize(**_spec(threshold=np.array([10.0, 30.0])), bits_per_threshold=8))
    assert t["weights_in"] == [[2, -4], [1, 8]] and t["weights_rec"] == [[0, 0], [-1, 0]]
    assert t["threshold"] == [42, 127]
    assert set(global_quantize(**_spec(), extra="ignored")) == set(_spec())


def test_channel_check_values_and_no_mutation():
    bias, bias_out = np.array([0.2, -0.4]), np.array([0.3])
    spec = _spec(bias=bias, bias_out=bias_out)
    copies = {k: np.copy(v) for k, v in spec.items()}
    c = _plain(channel_quantize(**spec, fuzzy_scaling=True))
    assert c["weights_in"] == [[127, -64], [64, 127]] and c["weights_rec"] == [[0, 6], [-76, 0]]
    assert c["weights_out"] == [[127], [-64]] and c["threshold"] == [254, 190] and c["threshold_out"] == [89]
    assert c["bias"] == [51, -25]  # ours: scaled even with one synapse per neuron
    assert c["bias_out"] == [38]
    global_quantize(**spec)
    for k, v in spec.items():
        np.testing.assert_array_equal(v, copies[k], err_msg=k)  # ref bug: channel_quantize overwrote biases


def test_output_overflow_rescales_only_its_group_and_fuzzy_clips():
    base = _plain(global_quantize(**_spec()))
    q = _plain(global_quantize(**_spec(threshold_out=np.array([1000.0]))))
    assert q["weights_rec"] == base["weights_rec"]  # ref bug: rescaled by the output correction
    assert q["threshold_out"] == [32767]
    w = np.zeros((2, 2))
    w[0, 0], w[1, 1] = 0.01, 5.0  # an outlier beyond |mean| + 2 std
    f = global_quantize(**_spec(weights_in=w, weights_rec=np.full((2, 2), 0.01)), fuzzy_scaling=True)
    assert np.abs(f["weights_in"]).max() == 127
    z = global_quantize(**_spec(weights_in=np.zeros((2, 2)), weights_rec=np.zeros((2, 2))), fuzzy_scaling=True)
    assert z["threshold"].tolist() == [1, 3] and (z["weights_in"] == 0).all()  # s = 1, no -2**63


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**31 - 1))
def test_random_specs_stay_in_range(n_in, n_hid, n_syn, seed):
    rng = np.random.RandomState(seed)
    spec = _spec(
        weights_in=rng.randn(n_in, n_hid, n_syn), weights_rec=rng.randn(n_hid, n_hid, n_syn),
        weights_out=rng.randn(n_hid, 2), threshold=rng.rand(n_hid) * 10 + 0.1,
        threshold_out=rng.rand(2) + 0.1, dash_mem=rng.rand(n_hid), dash_syn=rng.rand(n_hid),
        dash_syn_2=rng.rand(n_hid), dash_mem_out=rng.rand(2), dash_syn_out=rng.rand(2),
    )
    for fn in (global_quantize, channel_quantize):
        q = fn(**spec)
        for k in ("weights_in", "weights_rec", "weights_out"):
            assert np.abs(q[k]).max() <= 127, (fn.__name__, k)
        assert q["threshold"].max() <= 32767 and q["weights_in"].shape == (n_in, n_hid, n_syn)


def test_validators():
    assert validate_weights_to_3d(np.ones((2, 3))).shape == (2, 3, 1)
    assert validate_weights_to_3d(np.ones((2, 3, 2))).shape == (2, 3, 2)
    with pytest.raises(AssertionError, match="2D or 3D"):
        validate_weights_to_3d(np.ones(3))
    with pytest.raises(AssertionError, match="must be 2D"):
        validate_weights_to_2d(np.ones((2, 3, 1)))
    with pytest.raises(ValueError, match="weights_rec"):
        global_quantize(**_spec(weights_rec=None))


@pytest.mark.parametrize("fn", [global_quantize, channel_quantize])
@pytest.mark.parametrize("kw, match", [
    ({"weights_rec": np.zeros((3, 3))}, r"weights_rec must be \(2, 2\[, N_syn\]\)"),
    ({"weights_out": np.zeros((3, 1))}, r"weights_out must be \(2, N_out\)"),
    ({"threshold": np.ones(3)}, r"'threshold' must be \(2,\)"),
    ({"threshold_out": np.ones(2)}, r"'threshold_out' must be \(1,\)"),
    ({"bias": np.ones(3)}, r"'bias' must be \(2,\)"),
    ({"bits_per_weight": 2.5}, "bits_per_weight must be a whole number from 2 to 32"),
    ({"bits_per_threshold": 70}, "bits_per_threshold must be a whole number from 2 to 32"),
    ({"weights_in": "abc"}, "'weights_in' must be a numeric array"),
])
def test_misshapen_specs_are_clear_errors(fn, kw, match):
    # - QA pass: these used to quantise silently (global) or fail deep in NumPy (channel)
    with pytest.raises(ValueError, match=match):
        fn(**_spec(**kw))


def test_weight_shape_error_is_value_and_assertion_error():
    with pytest.raises(WeightShapeError) as err:
        global_quantize(**_spec(weights_in=np.ones(2)))
    assert isinstance(err.value, ValueError) and isinstance(err.value, AssertionError)
