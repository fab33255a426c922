"""Arithmetic and joining of :class:`~rockpool.timeseries.TSContinuous` (a mixin of that class)."""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

from rockpool.timeseries.base import TimeSeries

__all__: List[str] = []

_Op = Callable[[Any, Any], Any]


def _nan_to_zero(x: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(x), 0.0, x)


def _operators(op: _Op, symbol: str, nan_is_zero: bool) -> Tuple[Callable, Callable, Callable]:
    """Forward, reflected and in-place operator methods for ``op``."""

    def forward(self: "_ContinuousOps", other: Any) -> Any:
        return self._binary(other, op, symbol, nan_is_zero)

    def reflected(self: "_ContinuousOps", other: Any) -> Any:
        return self._binary(other, op, symbol, nan_is_zero, reflected=True)

    def inplace(self: "_ContinuousOps", other: Any) -> Any:
        res = self._binary(other, op, symbol + "=", nan_is_zero)
        if res is NotImplemented:
            return NotImplemented
        self._samples = res._samples
        return self

    return forward, reflected, inplace


def _as_list(other: Any) -> List[Any]:
    return [other] if isinstance(other, TimeSeries) else list(other)


class _ContinuousOps:
    """Operators (``+ - * / // ** @``, unary ``-``, ``abs``) and ``append_t`` / ``append_c`` / ``merge``."""

    _samples: np.ndarray
    _times: np.ndarray
    _t_start: float
    _t_stop: float
    _label: str

    # ------------------------------------------------------------------ arithmetic
    def _operand(self, other: Any, symbol: str) -> Any:
        """``other`` as an array that broadcasts against the samples, or ``NotImplemented``."""
        a = self._samples
        if isinstance(other, _ContinuousOps):
            b = other(self._times)  # type: ignore[operator]  # other's own range rules apply
            if b.shape[1] != a.shape[1] and 1 not in (a.shape[1], b.shape[1]):
                raise ValueError(
                    f"{self._label} {symbol} {other._label}: channel counts {a.shape[1]} and "
                    f"{b.shape[1]} differ (a 1-channel series broadcasts over channels)."
                )
            return b
        if isinstance(other, TimeSeries):
            return NotImplemented
        b = np.asarray(other)
        if b.dtype == object or not (np.issubdtype(b.dtype, np.number) or b.dtype == np.bool_):
            return NotImplemented
        try:
            shape = np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            shape = ()
        if len(shape) != 2 or shape[0] != a.shape[0]:
            raise ValueError(
                f"{self._label} {symbol} array: the array must broadcast against the samples of shape "
                f"{a.shape} (a scalar, shape ({a.shape[1]},), ({a.shape[0]}, 1) or {a.shape}); got "
                f"shape {b.shape}."
            )
        return b

    def _binary(self, other: Any, op: _Op, symbol: str, nan_is_zero: bool, reflected: bool = False) -> Any:
        b = self._operand(other, symbol)
        if b is NotImplemented:
            return NotImplemented
        a = self._samples
        if nan_is_zero:
            a, b = _nan_to_zero(a), _nan_to_zero(np.asarray(b, dtype=np.float64))
        res = op(b, a) if reflected else op(a, b)
        out = self.copy()  # type: ignore[attr-defined]
        out._samples = np.asarray(res, dtype=np.float64).reshape(a.shape[0], -1)
        return out

    __add__, __radd__, __iadd__ = _operators(np.add, "+", True)
    __sub__, __rsub__, __isub__ = _operators(np.subtract, "-", True)
    __mul__, __rmul__, __imul__ = _operators(np.multiply, "*", False)
    __truediv__, __rtruediv__, __itruediv__ = _operators(np.true_divide, "/", False)
    __floordiv__, __rfloordiv__, __ifloordiv__ = _operators(np.floor_divide, "//", False)
    __pow__, __rpow__, __ipow__ = _operators(np.power, "**", False)

    def __neg__(self) -> Any:
        out = self.copy()  # type: ignore[attr-defined]
        out._samples = -out._samples
        return out

    def __abs__(self) -> Any:
        out = self.copy()  # type: ignore[attr-defined]
        out._samples = np.abs(out._samples)
        return out

    def __matmul__(self, matrix: Any) -> Any:
        """``ts @ W`` with ``W`` of shape ``(C, M)`` (or ``(C,)``): a series with ``M`` (or 1) channels."""
        if isinstance(matrix, TimeSeries):
            return NotImplemented
        w = np.asarray(matrix, dtype=np.float64)
        if w.ndim not in (1, 2) or w.shape[0] != self._samples.shape[1]:
            raise ValueError(
                f"{self._label} @ matrix: the matrix must have shape ({self._samples.shape[1]}, M) "
                f"(got {w.shape})."
            )
        out = self.copy()  # type: ignore[attr-defined]
        out._samples = (self._samples @ w).reshape(self._times.size, -1)
        return out

    def __imatmul__(self, matrix: Any) -> Any:
        res = self.__matmul__(matrix)
        if res is NotImplemented:
            return NotImplemented
        self._samples = res._samples
        return self

    # ------------------------------------------------------------------ joining
    def append_c(self, other: Any, inplace: bool = False) -> Any:
        """Add the channels of ``other`` (sampled at this series' times) after this one's.

        Example:
            >>> from rockpool.timeseries import TSContinuous
            >>> a = TSContinuous([0.0, 1.0], [1.0, 2.0])
            >>> a.append_c(a * 10).samples.tolist()
            [[1.0, 10.0], [2.0, 20.0]]
        """
        if not isinstance(other, _ContinuousOps):
            raise TypeError(
                f"{self._label}.append_c: expected one TSContinuous (got {type(other).__name__}); "
                "append several series one at a time."
            )
        out = self._target(inplace)  # type: ignore[attr-defined]
        if other.isempty():  # type: ignore[attr-defined]
            return out
        if out.isempty():
            out._samples = np.zeros((0, out._samples.shape[1] + other._samples.shape[1]))
            return out
        out._samples = np.concatenate([out._samples, other(out._times)], axis=1)  # type: ignore[operator]
        return out

    def _checked_others(self, other: Any, what: str) -> List[Any]:
        others = _as_list(other)
        for o in others:
            if not isinstance(o, _ContinuousOps):
                raise TypeError(f"{self._label}.{what}: expected TSContinuous (got {type(o).__name__}).")
        return others

    def _join_channels(self, n_ch: Optional[int], o: Any, what: str) -> int:
        c = o._samples.shape[1]
        if n_ch is not None and c != n_ch:
            raise ValueError(
                f"{self._label}.{what}: {o._label} has {c} channel(s), expected {n_ch}. Use "
                "append_c() to add channels."
            )
        return c

    def append_t(
        self, other: Any, offset: Union[None, float, Sequence[Optional[float]]] = None, inplace: bool = False
    ) -> Any:
        """Append series after this one in time.

        Each appended series is shifted so that its ``t_start`` lands at the running ``t_stop`` +
        offset; the running ``t_stop`` becomes its shifted ``t_stop``. ``offset=None``: the median
        sample interval of the series before it in the chain (0 with fewer than 2 samples). A list of
        offsets pairs with the series (``zip``); empty series are skipped.

        Example:
            >>> from rockpool.timeseries import TSContinuous
            >>> a = TSContinuous([0.0, 1.0], [1.0, 2.0], t_stop=2.0)
            >>> b = TSContinuous([3.0], [5.0], t_start=2.0, t_stop=4.0)
            >>> c = a.append_t(b); c.times.tolist(), c.t_stop
            ([0.0, 1.0, 4.0], 5.0)
        """
        others = self._checked_others(other, "append_t")
        offsets = [offset] * len(others) if offset is None or np.ndim(offset) == 0 else list(offset)  # type: ignore[arg-type]
        out = self._target(inplace)  # type: ignore[attr-defined]
        n_ch = None if out.isempty() and out.num_channels == 0 else out.num_channels
        times, samples = [out._times], [out._samples]
        running, prev = out._t_stop, self
        for o, off in zip(others, offsets):  # noqa: B905 - zip truncation is the documented behaviour
            if o.isempty():
                continue
            n_ch = self._join_channels(n_ch, o, "append_t")
            if off is None:
                off = float(np.median(np.diff(prev._times))) if len(prev._times) >= 2 else 0.0
            shift = running + float(off) - o.t_start  # type: ignore[arg-type]
            times.append(o._times + shift)
            samples.append(o._samples)
            running, prev = o.t_stop + shift, o
        if n_ch is not None and samples[0].shape[1] != n_ch:
            samples[0] = np.zeros((0, n_ch))
        out._set_samples(np.concatenate(times), np.concatenate(samples))
        out._t_stop = max(running, out._t_stop)
        if out._times.size:
            out._t_start = min(out._t_start, float(out._times[0]))
        return out

    def merge(self, other: Any, remove_duplicates: bool = True, inplace: bool = False) -> Any:
        """Interleave the samples of series with the same channels, by time (``self`` first at equal
        times). With ``remove_duplicates`` a sample at a time already present in earlier material is
        dropped. Empty series are ignored; the limits become the union.

        Example:
            >>> from rockpool.timeseries import TSContinuous
            >>> a = TSContinuous([0.0, 2.0], [0.0, 2.0]); b = TSContinuous([1.0, 2.0], [1.0, 9.0])
            >>> a.merge(b).samples.ravel().tolist()
            [0.0, 1.0, 2.0]
        """
        others = [o for o in self._checked_others(other, "merge") if not o.isempty()]
        out = self._target(inplace)  # type: ignore[attr-defined]
        n_ch = None if out.isempty() and out.num_channels == 0 else out.num_channels
        times, samples = [out._times], [out._samples]
        t0, t1 = out._t_start, out._t_stop
        for o in others:
            n_ch = self._join_channels(n_ch, o, "merge")
            keep = ~np.isin(o._times, np.concatenate(times)) if remove_duplicates else slice(None)
            times.append(o._times[keep])
            samples.append(o._samples[keep])
            t0, t1 = min(t0, o.t_start), max(t1, o.t_stop)
        if n_ch is not None and samples[0].shape[1] != n_ch:
            samples[0] = np.zeros((0, n_ch))
        out._set_samples(np.concatenate(times), np.concatenate(samples))
        out._t_start, out._t_stop = t0, t1
        return out

    def _set_samples(self, times: np.ndarray, samples: np.ndarray) -> None:
        """Set times and samples, stable-sorted by time."""
        order = np.argsort(times, kind="stable")
        self._times, self._samples = times[order], samples[order]
