"""rockpool: build, simulate and train stateful and spiking neural networks (NumPy and JAX backends).

``import rockpool`` is light: JAX, matplotlib and other optional dependencies load only when a
module that needs them is used.
"""

from importlib import import_module as _import_module

__version__ = "0.1.0"

_LAZY = {
    name: "rockpool.timeseries"
    for name in (
        "TimeSeries",
        "TSContinuous",
        "TSEvent",
        "TSDictOnDisk",
        "load_ts_from_file",
        "set_global_ts_plotting_backend",
        "get_global_ts_plotting_backend",
    )
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(_import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rockpool' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
