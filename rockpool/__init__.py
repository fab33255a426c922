"""rockpool: build, simulate and train stateful and spiking neural networks (NumPy and JAX backends).

``import rockpool`` is light: JAX, matplotlib and other optional dependencies load only when a
module that needs them is used.
"""

from rockpool._lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)
