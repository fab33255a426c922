"""Loading time series from ``.npz`` files written by ``TSContinuous.save`` / ``TSEvent.save``.

File layout (string values are encoded in key names, with an empty array as the value):
``times``, ``samples`` / ``channels``, ``t_start`` and ``t_stop`` (0-d), ``periodic`` (0-d bool),
``num_channels`` (0-d, events), ``interp_kind_<kind>`` (continuous), ``name_<name>`` and
``type_<class name>``.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from rockpool.timeseries.base import PathLike, TimeSeries
from rockpool.timeseries.continuous import TSContinuous
from rockpool.timeseries.event import TSEvent

__all__ = ["load_ts_from_file"]

_TYPES = {"TSContinuous": TSContinuous, "TSEvent": TSEvent}


def _string_key(arrays: Dict[str, np.ndarray], prefix: str, default: Optional[str] = None) -> Optional[str]:
    for k in arrays:
        if k.startswith(prefix):
            return k[len(prefix) :]
    return default


def load_ts_from_file(path: PathLike, expected_type: Any = None) -> TimeSeries:
    """Load a series saved with ``save()``; returns a :class:`TSContinuous` or :class:`TSEvent`.

    Args:
        path: the file name, used as given (no ``.npz`` is appended), or a binary file object.
        expected_type: a class name (``"TSEvent"``) or class; a file holding another type is an error.

    Raises:
        FileNotFoundError: no such file. KeyError: the file has no ``type_*`` entry.
        TypeError: the stored type differs from ``expected_type`` (or is unknown).

    Example:
        >>> import io
        >>> buf = io.BytesIO(); TSContinuous([0.0], [1.0], name="a").save(buf); _ = buf.seek(0)
        >>> load_ts_from_file(buf)
        non-periodic TSContinuous object `a` from t=0.0 to 0.0. Samples: 1. Channels: 1
    """
    where = repr(path) if isinstance(path, (str, bytes)) or hasattr(path, "__fspath__") else "the file"
    loaded = np.load(path, allow_pickle=False)
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(f"{where} is not a time series file (expected an .npz archive written by save()).")
    with loaded as npz:
        arrays = {k: npz[k] for k in npz.files}
    ts_type = _string_key(arrays, "type_")
    if ts_type is None:
        raise KeyError(f"{where} holds no 'type_*' entry, so it was not written by TSContinuous/TSEvent.save().")
    if expected_type is not None:
        expected = expected_type if isinstance(expected_type, str) else expected_type.__name__
        if ts_type != expected:
            raise TypeError(f"{where} holds a {ts_type}, expected a {expected}. Use load_ts_from_file(path) to load any type.")
    if ts_type not in _TYPES:
        raise TypeError(f"{where} holds an unknown series type {ts_type!r} (expected one of {list(_TYPES)}).")
    common: Dict[str, Any] = dict(
        t_start=float(arrays["t_start"]),
        t_stop=float(arrays["t_stop"]),
        periodic=bool(arrays["periodic"]),
        name=_string_key(arrays, "name_", "unnamed"),
    )
    times = arrays["times"].astype(np.float64)
    if ts_type == "TSContinuous":
        samples = arrays["samples"].astype(np.float64)
        return TSContinuous(times, samples.reshape(times.size, -1) if samples.ndim != 2 else samples,
                            interp_kind=_string_key(arrays, "interp_kind_") or "previous", **common)
    return TSEvent(times, arrays["channels"].astype(np.int64), num_channels=int(arrays["num_channels"]), **common)
