"""Time series: continuous signals (:class:`TSContinuous`) and event streams (:class:`TSEvent`).

A series lives on ``[t_start, t_stop]`` (seconds); it is the timed counterpart of the clocked
``(T, channels)`` arrays that modules evolve on (:meth:`TSContinuous.from_clocked` /
:meth:`TSContinuous.to_clocked`, :meth:`TSEvent.from_raster` / :meth:`TSEvent.raster`).
``save()`` / :func:`load_ts_from_file` use ``.npz`` files; :class:`TSDictOnDisk` keeps series in
temporary files; ``plot()`` draws with matplotlib (imported only then) or holoviews.

Files: ``base`` (:class:`TimeSeries`), ``continuous`` (+ ``continuous_ops``), ``event``, ``io``,
``ondisk``, ``plotting``. scipy (interpolation) is imported when a series is first sampled.

Example:
    >>> import numpy as np
    >>> ts = TSContinuous.from_clocked(np.arange(4.0), dt=0.1, name="ramp")
    >>> ts([0.05, 0.25]).ravel().tolist()
    [0.0, 2.0]
"""

from rockpool.timeseries.base import _TOLERANCE_ABSOLUTE as _TOLERANCE_ABSOLUTE
from rockpool.timeseries.base import _TOLERANCE_RELATIVE as _TOLERANCE_RELATIVE
from rockpool.timeseries.base import TimeSeries
from rockpool.timeseries.continuous import TSContinuous
from rockpool.timeseries.event import TSEvent
from rockpool.timeseries.io import load_ts_from_file
from rockpool.timeseries.ondisk import TSDictOnDisk
from rockpool.timeseries.plotting import get_global_ts_plotting_backend, set_global_ts_plotting_backend

__all__ = [
    "TimeSeries",
    "TSEvent",
    "TSContinuous",
    "TSDictOnDisk",
    "set_global_ts_plotting_backend",
    "get_global_ts_plotting_backend",
    "load_ts_from_file",
]

TIME_TOLERANCE = _TOLERANCE_ABSOLUTE  # the absolute time tolerance (s), under its earlier public name
