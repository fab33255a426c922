""":class:`TSDictOnDisk`: a dictionary whose time series live in temporary files."""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import MutableMapping
from typing import Any, Dict, Hashable, Iterator, Mapping, Union

from rockpool.timeseries.base import TimeSeries

__all__ = ["TSDictOnDisk"]


class TSDictOnDisk(MutableMapping):
    """A mutable mapping whose :class:`TimeSeries` values are kept in private temporary files.

    Other values stay in memory. Reading a series loads a fresh copy (changing it does not change
    the stored one). Iteration yields the keys of other values first, then those of series. The
    files are deleted when the dictionary is garbage-collected.

    Args:
        data: initial items (a dict or another ``TSDictOnDisk``).

    Example:
        >>> from rockpool.timeseries import TSEvent
        >>> d = TSDictOnDisk({"spikes": TSEvent([0.1], [0], t_stop=1.0), "lr": 1e-3})
        >>> list(d), d["spikes"].times.tolist()
        (['lr', 'spikes'], [0.1])
    """

    def __init__(self, data: Union[Dict[Hashable, Any], "TSDictOnDisk"] = {}) -> None:  # noqa: B006 - read only
        self._dir = tempfile.mkdtemp(prefix="rockpool_tsdict_")
        self._finalizer = weakref.finalize(self, shutil.rmtree, self._dir, ignore_errors=True)
        self._files: Dict[Hashable, str] = {}
        self._other: Dict[Hashable, Any] = {}
        self._counter = 0
        self.insert(data)

    def insert(self, data: Mapping[Hashable, Any]) -> None:
        """Add every item of ``data`` (later keys overwrite), like :meth:`update`."""
        for k, v in data.items():
            self[k] = v

    def __setitem__(self, key: Hashable, value: Any) -> None:
        self._discard(key)
        if isinstance(value, TimeSeries) and hasattr(value, "save"):
            self._counter += 1
            path = os.path.join(self._dir, f"{self._counter}.npz")
            value.save(path)
            self._files[key] = path
        else:
            self._other[key] = value

    def _discard(self, key: Hashable) -> bool:
        if key in self._files:
            os.remove(self._files.pop(key))
            return True
        if key in self._other:
            del self._other[key]
            return True
        return False

    def __getitem__(self, key: Hashable) -> Any:
        if key in self._files:
            from rockpool.timeseries.io import load_ts_from_file

            return load_ts_from_file(self._files[key])
        if key in self._other:
            return self._other[key]
        raise KeyError(key)

    def __delitem__(self, key: Hashable) -> None:
        if not self._discard(key):
            raise KeyError(key)

    def __iter__(self) -> Iterator[Hashable]:
        yield from list(self._other)
        yield from list(self._files)

    def __len__(self) -> int:
        return len(self._files) + len(self._other)

    def __contains__(self, key: object) -> bool:
        try:
            return key in self._files or key in self._other
        except TypeError:  # unhashable
            return False

    def __repr__(self) -> str:
        return (f"TSDictOnDisk.\nKeys of stored TimeSeries objects:\n{list(self._files)}\n"
                f"Other keys:\n{list(self._other)}")
