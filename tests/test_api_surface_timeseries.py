"""Every public name of api.md §1 (rockpool.timeseries) exists at its import paths with the listed signature.

Signatures are written here as in the spec and compared with ``inspect.signature``: the listed
parameters must come first, in order, with the same names, defaults and kinds (``*args`` /
``**kwargs``). Extra trailing parameters are allowed only with a default (e.g. ``plotting_backend``).
"""

import inspect

import pytest

import rockpool
import rockpool.timeseries as T

EXPORTS = ["TimeSeries", "TSEvent", "TSContinuous", "TSDictOnDisk", "set_global_ts_plotting_backend",
           "get_global_ts_plotting_backend", "load_ts_from_file"]

# - (object path, spec signature without self/cls)
SIGNATURES = [
    ("set_global_ts_plotting_backend", "backend, verbose=True"),
    ("get_global_ts_plotting_backend", ""),
    ("load_ts_from_file", "path, expected_type=None"),
    # 1.3 TimeSeries
    ("TimeSeries", "times=[], periodic=False, t_start=None, t_stop=None, plotting_backend=None, name='unnamed'"),
    ("TimeSeries.delay", "offset, inplace=False"),
    ("TimeSeries.start_at", "t, inplace=False"),
    ("TimeSeries.start_at_zero", "inplace=False"),
    ("TimeSeries.contains", "times"),
    ("TimeSeries.copy", ""),
    ("TimeSeries.isempty", ""),
    ("TimeSeries.print", "*args, **kwargs"),
    ("TimeSeries.set_plotting_backend", "backend, verbose=True"),
    ("TimeSeries.load", "path, expected_type=None"),
    ("TimeSeries.concatenate_t", "series, offset=None"),
    # 1.4 TSContinuous
    ("TSContinuous", "times=None, samples=None, num_channels=None, periodic=False, t_start=None, t_stop=None, "
                     "name='unnamed', units=None, interp_kind='previous', fill_value='extrapolate'"),
    ("TSContinuous.from_clocked", "samples, dt, t_start=0.0, periodic=False, name=None, interp_kind='previous'"),
    ("TSContinuous.to_clocked", "dt"),
    ("TSContinuous.__call__", "times"),
    ("TSContinuous._interpolate", "times"),
    ("TSContinuous.clip", "t_start=None, t_stop=None, channels=None, include_stop=True, sample_limits=True, "
                          "inplace=False"),
    ("TSContinuous.resample", "times, channels=None, inplace=False"),
    ("TSContinuous.append_c", "other, inplace=False"),
    ("TSContinuous.append_t", "other, offset=None, inplace=False"),
    ("TSContinuous.merge", "other, remove_duplicates=True, inplace=False"),
    ("TSContinuous.print", "full=False, num_first=4, num_last=4, limit_shorten=10"),
    ("TSContinuous.plot", "times=None, target=None, channels=None, stagger=None, skip=None, dt=None, *args, "
                          "**kwargs"),
    ("TSContinuous.save", "path, verbose=False, dtype_times=None, dtype_samples=None"),
    ("TSContinuous.to_dict", "dtype_times=None, dtype_samples=None"),
    ("TSContinuous.load", "path"),
    # 1.5 TSEvent
    ("TSEvent", "times=None, channels=None, periodic=False, t_start=None, t_stop=None, name=None, "
                "num_channels=None"),
    ("TSEvent.__call__", "t_start=None, t_stop=None, channels=None"),
    ("TSEvent.clip", "t_start=None, t_stop=None, channels=None, remap_channels=False, inplace=False"),
    ("TSEvent.remap_channels", "channel_map, inplace=False"),
    ("TSEvent.raster", "dt, t_start=None, t_stop=None, num_timesteps=None, channels=None, add_events=False"),
    ("TSEvent.xraster", "dt, t_start=None, t_stop=None, num_timesteps=None, channels=None, add_events=None, "
                        "endpoint=None"),
    ("TSEvent.from_raster", "raster, dt=1.0, t_start=0.0, t_stop=None, name=None, periodic=False, "
                            "num_channels=None, spikes_at_bin_start=False"),
    ("TSEvent.append_c", "other, inplace=False"),
    ("TSEvent.append_t", "other, offset=0, remove_duplicates=False, inplace=False"),
    ("TSEvent.merge", "other, delay=0, remove_duplicates=False, inplace=False"),
    ("TSEvent.print", "full=False, num_first=4, num_last=4, limit_shorten=10"),
    ("TSEvent.plot", "time_limits=None, target=None, channels=None, *args, **kwargs"),
    ("TSEvent.save", "path, verbose=False, dtype_times=None, dtype_channels=None"),
    ("TSEvent.to_dict", "dtype_times=None, dtype_channels=None"),
    ("TSEvent.load", "path"),
    # 1.7 TSDictOnDisk
    ("TSDictOnDisk", "data={}"),
    ("TSDictOnDisk.insert", "data"),
]

PROPERTIES = {
    "TimeSeries": ["times", "t_start", "t_stop", "duration", "plotting_backend", "name"],
    "TSContinuous": ["samples", "num_channels", "num_traces", "min", "max", "interp_kind"],
    "TSEvent": ["times", "channels", "num_channels", "t_stop"],
}
READ_ONLY = {("TimeSeries", "duration"), ("TimeSeries", "plotting_backend"), ("TSContinuous", "num_channels"),
             ("TSContinuous", "num_traces"), ("TSContinuous", "min"), ("TSContinuous", "max")}

CONTINUOUS_OPERATORS = ["__add__", "__radd__", "__iadd__", "__sub__", "__rsub__", "__isub__", "__mul__", "__rmul__",
                        "__imul__", "__truediv__", "__rtruediv__", "__itruediv__", "__floordiv__", "__rfloordiv__",
                        "__ifloordiv__", "__pow__", "__rpow__", "__ipow__", "__neg__", "__abs__", "__matmul__",
                        "__imatmul__", "__iter__", "__len__", "__getitem__", "__repr__", "__str__"]


def _spec_params(spec):
    namespace = {}
    exec(f"def f({spec}): pass", namespace)  # noqa: S102 - our own literal table
    return list(inspect.signature(namespace["f"]).parameters.values())


def _resolve(path):
    obj = T
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def test_exports_at_both_import_paths():
    assert sorted(T.__all__) == sorted(EXPORTS)
    for name in EXPORTS:
        assert getattr(rockpool, name) is getattr(T, name)
        assert name in dir(rockpool)


@pytest.mark.parametrize("path, spec", SIGNATURES, ids=[p for p, _ in SIGNATURES])
def test_signature(path, spec):
    obj = _resolve(path)
    actual = list(inspect.signature(obj).parameters.values())
    if "." in path and inspect.isfunction(obj):  # an instance method looked up on the class
        assert actual[0].name == "self"
        actual = actual[1:]
    expected = _spec_params(spec)
    assert len(actual) >= len(expected), f"{path}: {actual} lacks parameters of ({spec})"
    for want, got in zip(expected, actual, strict=False):
        assert got.name == want.name, f"{path}: parameter {got.name!r}, spec says {want.name!r}"
        assert got.default == want.default, f"{path}.{got.name}: default {got.default!r}, spec {want.default!r}"
        if want.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            assert got.kind == want.kind, f"{path}: {got.name} kind"
    for extra in actual[len(expected):]:
        assert extra.default is not inspect.Parameter.empty or extra.kind in (
            inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD), f"{path}: extra {extra.name} needs a default"


def test_class_and_static_methods():
    assert inspect.ismethod(T.TimeSeries.load) and inspect.ismethod(T.TimeSeries.concatenate_t)
    assert T.TSEvent.concatenate_t.__self__ is T.TSEvent  # a classmethod on every subclass
    for name in ("from_clocked",):
        assert callable(getattr(T.TSContinuous, name))
    assert callable(T.TSEvent.from_raster)


@pytest.mark.parametrize("cls", sorted(PROPERTIES))
def test_properties(cls):
    klass = getattr(T, cls)
    for name in PROPERTIES[cls]:
        prop = inspect.getattr_static(klass, name, None)
        if prop is None:  # inherited
            prop = next(inspect.getattr_static(k, name) for k in klass.__mro__ if name in vars(k))
        assert isinstance(prop, property), f"{cls}.{name} is not a property"
        assert (prop.fset is None) == ((cls, name) in READ_ONLY), f"{cls}.{name}: setter presence"


def test_instance_attributes_and_defaults():
    ts = T.TSContinuous([0.0, 1.0], [1.0, 2.0])
    assert (ts.fill_value, ts.beyond_range_exception, ts.approx_limit_times, ts.units, ts.periodic) == (
        "extrapolate", True, True, None, False)
    for name in CONTINUOUS_OPERATORS:
        assert callable(getattr(T.TSContinuous, name)), name
    for name in ("__call__", "__getitem__", "__iter__", "__len__", "__repr__", "xraster", "remap_channels"):
        assert callable(getattr(T.TSEvent, name)), name
    assert inspect.isgeneratorfunction(T.TSEvent.xraster)
    from collections.abc import MutableMapping

    assert issubclass(T.TSDictOnDisk, MutableMapping)
