"""Constructor forms of Parameter / State / SimulationParameter / Constant and how modules register them."""

import numpy as np
import pytest

from rockpool.nn.modules import Module
from rockpool.parameters import Constant, Parameter, ParameterBase, SimulationParameter, State


class Holder(Module):
    """A module that registers whatever wrappers it is given."""

    def __init__(self, shape=(3,), **attrs):
        super().__init__(shape=shape)
        for k, v in attrs.items():
            setattr(self, k, v)

    def evolve(self, x, record=False):
        return x, {}, {}


@pytest.mark.parametrize("kind", [Parameter, State, SimulationParameter])
def test_concrete_data(kind):
    p = kind(np.arange(3.0))
    np.testing.assert_array_equal(p.data, [0.0, 1.0, 2.0])
    assert p.family is None and p.shapes is None and p.init_func is None
    assert isinstance(p, ParameterBase)


@pytest.mark.parametrize("kind", [Parameter, State, SimulationParameter])
def test_shape_and_init_func(kind):
    calls = []

    def init(s):
        calls.append(s)
        return np.full(s, 7.0)

    p = kind(shape=(2, 3), init_func=init, family="weights")
    assert calls == [(2, 3)]
    np.testing.assert_array_equal(p.data, np.full((2, 3), 7.0))
    assert p.shapes == ((2, 3),)


def test_int_shape_is_a_vector():
    p = Parameter(shape=4, init_func=np.zeros)
    assert p.data.shape == (4,) and p.shapes == ((4,),)


def test_family_positional_or_keyword():
    a = Parameter(np.ones(2), "taus")
    b = Parameter(np.ones(2), family="taus")
    c = State(np.ones(2), "x-family")
    assert a.family == b.family == "taus"
    assert c.family == "x-family"
    assert "family='taus'" in repr(a)


def test_list_of_alternative_shapes():
    scalar = Parameter(0.5, "taus", shape=[(3,), ()])
    assert scalar.shapes == ((3,), ())
    assert np.shape(scalar.data) == ()  # () is acceptable, so no broadcast
    vec = Parameter(np.ones(3), "taus", shape=[(3,), ()])
    assert vec.data.shape == (3,)
    built = Parameter(shape=[(3,), ()], init_func=np.ones)  # init_func gets the first shape
    assert built.data.shape == (3,)
    with pytest.raises(ValueError, match=r"\(3,\) or \(\)"):
        Parameter(np.ones(2), "taus", shape=[(3,), ()])


def test_scalar_broadcast_to_shape():
    p = Parameter(0.05, "taus", shape=(4,))
    np.testing.assert_array_equal(p.data, np.full(4, 0.05))
    one = Parameter(np.array([2.0]), shape=(2, 2))  # a size-1 array broadcasts too
    np.testing.assert_array_equal(one.data, np.full((2, 2), 2.0))
    p.data[0] = 1.0  # broadcasting gives a writable copy
    assert p.data[1] == 0.05


def test_wrong_shape_error():
    with pytest.raises(
        ValueError, match=r"Parameter \(weights\): data has shape \(2, 2\), expected \(3, 2\)"
    ):
        Parameter(np.ones((2, 2)), "weights", shape=(3, 2))


def test_missing_data_and_shape_errors():
    with pytest.raises(ValueError, match="give either concrete `data`"):
        Parameter()
    with pytest.raises(ValueError, match="needs `shape=`"):
        State(init_func=np.zeros)


def test_placeholder_with_shape_only():
    p = Parameter(shape=(2,))
    assert p.data is None and p.shapes == ((2,),)


def test_constant_wrapper():
    c = Constant(np.ones(2))
    assert isinstance(Constant(c).value, np.ndarray)  # nesting unwraps
    assert repr(Constant(3)) == "Constant(3)"
    p = Parameter(Constant(np.ones(3)), "taus")
    assert p.constant
    np.testing.assert_array_equal(p.data, np.ones(3))


def test_constant_is_not_a_parameter_in_modules():
    m = Holder(
        tau=Parameter(Constant(np.ones(3)), "taus"),
        w=Constant(np.zeros(3)),
        v=Parameter(np.ones(3)),
    )
    assert list(m.parameters()) == ["v"]
    assert list(m.simulation_parameters()) == ["tau", "w"]
    # - The family survives the conversion
    assert list(m.simulation_parameters("taus")) == ["tau"]


def test_module_registers_values_as_arrays():
    m = Holder(
        a=Parameter([1, 2, 3]),
        b=State(np.float32(2.0)),
        c=SimulationParameter(0.1),
        f=SimulationParameter(np.tanh),
    )
    assert isinstance(m.a, np.ndarray) and m.a.shape == (3,)
    assert m.b.dtype == np.float64  # floats become float64 in the NumPy backend
    assert m.c == 0.1 and isinstance(m.c, float)  # Python scalars stay Python scalars
    assert m.f is np.tanh
    assert m.parameters() == {"a": m.a}


def test_registered_value_is_snapshotted():
    data = np.zeros(3)
    m = Holder(a=Parameter(data))
    m.a = np.ones(3)
    m.reset_parameters()
    np.testing.assert_array_equal(m.a, np.zeros(3))
    data[:] = 5  # mutating the caller's array later does not change the reset value
    m.reset_parameters()
    np.testing.assert_array_equal(m.a, np.zeros(3))
    m2 = Holder(a=Parameter(np.zeros(3)))
    m2.a[...] = 9.0  # in-place mutation of the live value does not leak into the reset value
    m2.reset_parameters()
    np.testing.assert_array_equal(m2.a, np.zeros(3))


def test_reregistering_is_an_error():
    m = Holder(a=Parameter(np.zeros(3)))
    with pytest.raises(
        ValueError, match=r"Holder: attribute 'a' is already registered as a Parameter"
    ):
        m.a = Parameter(np.ones(3))
    np.testing.assert_array_equal(m.a, np.zeros(3))


def test_parameter_shape_fixed_at_registration():
    m = Holder(a=Parameter(np.zeros((2, 3))))  # no shape given: the data's shape is registered
    with pytest.raises(
        ValueError,
        match=r"The new value assigned to a must be of shape \(2, 3\) \(got \(3, 2\)\)\.",
    ):
        m.a = np.zeros((3, 2))
    m.a = 1.0  # a scalar broadcasts
    np.testing.assert_array_equal(m.a, np.ones((2, 3)))
