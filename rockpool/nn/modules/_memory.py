"""Fail fast when a call's outputs (and records) cannot fit in memory.

An eager call of a JAX module with ``record=True`` over a long input keeps every recorded state at
every time step: ``B * T * (sum of state sizes)`` numbers. When that is more than the memory there
is, XLA either dies with an allocation error deep in a traceback or the machine swaps until it
hangs. :func:`check_evolve_memory` estimates the bytes from shapes and dtypes *before* anything
runs and raises :class:`OutOfMemoryEstimateError` (a :class:`MemoryError`) with the estimate and
what to do instead.

The check costs a few microseconds: a rough upper bound from the input and state sizes decides
whether the exact estimate (``jax.eval_shape`` of the call, cached by JAX per structure and shape)
is needed at all.

Example:
    >>> from rockpool.nn.modules._memory import check_fits
    >>> check_fits(1_000, "RateJax", "the record", available=10**9)  # fits: no error
"""

from __future__ import annotations

import math
import os
import time
from typing import Any, Callable, Optional, Tuple

import numpy as np

__all__ = [
    "OutOfMemoryEstimateError",
    "available_bytes",
    "tree_bytes",
    "check_fits",
    "check_evolve_memory",
    "MemoryEstimateError",
    "host_available",
    "ADVICE",
    "LONG_CALL_STEPS",
]

ADVICE = "evolve in chunks (rockpool streaming) or record=False"
# - Eager JAX calls with at least this many (batch x time) steps get XLA's full estimate
#   (rockpool.nn.streaming.check_call_memory) instead of the rough bound of check_evolve_memory
LONG_CALL_STEPS = 1 << 20
FRACTION = 0.8  # of the available memory that one call's results may take
_ROUGH = 0.25  # below this share of the available memory the rough bound suffices
_CACHE_SECONDS = 1.0
_cache: Tuple[float, Optional[int]] = (-1e9, None)


class MemoryEstimateError(MemoryError):
    """A call would need more memory than is available; raised before anything is allocated.

    Attributes:
        needed: Estimated bytes.
        available: Bytes available on the device (host memory for the CPU backend).
    """

    def __init__(self, message: str, needed: int, available: int):
        super().__init__(message)
        self.needed, self.available = needed, available


OutOfMemoryEstimateError = MemoryEstimateError  # the name of the first version


def host_available() -> Optional[int]:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def _device_available() -> Optional[int]:
    """Free memory of JAX's default device when it reports one (GPUs, TPUs), else ``None``."""
    import sys

    if "jax" not in sys.modules:
        return None
    import jax

    try:
        stats = jax.devices()[0].memory_stats()
    except Exception:  # backends without memory statistics
        return None
    if not stats or "bytes_limit" not in stats:
        return None
    return int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))


def available_bytes(refresh: bool = False) -> Optional[int]:
    """Bytes available to a call's results: the default accelerator's free memory if it reports
    one, else the host's available memory (``MemAvailable`` in ``/proc/meminfo``, or ``sysconf``).
    ``None`` where neither can be read. Cached for a second."""
    global _cache
    now = time.monotonic()
    if not refresh and now - _cache[0] < _CACHE_SECONDS:
        return _cache[1]
    avail = _device_available()
    if avail is None:
        avail = host_available()
    _cache = (now, avail)
    return avail


def tree_bytes(tree: Any) -> int:
    """Total bytes of the arrays (or ``ShapeDtypeStruct`` s) in a pytree."""
    import jax

    total = 0
    for leaf in jax.tree_util.tree_leaves(tree):
        shape, dtype = getattr(leaf, "shape", None), getattr(leaf, "dtype", None)
        if shape is None or dtype is None:
            continue
        total += int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    return total


def _fmt(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} TiB"


def check_fits(needed: int, label: str, what: str = "the outputs", available: Optional[int] = None,
               fraction: float = FRACTION) -> None:
    """Raise :class:`OutOfMemoryEstimateError` if ``needed`` bytes exceed ``fraction`` of the
    available memory (``available``, default :func:`available_bytes`).

    Args:
        needed: Estimated bytes.
        label: Who needs them (a module's name), for the message.
        what: What they are for (``"the outputs and record"``).
        available: Bytes available (default: measured).
        fraction: Share of the available memory the call may take.
    """
    avail = available_bytes() if available is None else available
    if avail is None or needed <= fraction * avail:
        return
    raise OutOfMemoryEstimateError(
        f"{label}: {what} of this call would need about {_fmt(needed)}, but only {_fmt(avail)} "
        f"is available. {ADVICE[0].upper() + ADVICE[1:]} (or a shorter input / smaller batch).",
        needed,
        avail,
    )


def check_evolve_memory(mod: Any, data: Any, record: bool, exact: Optional[Callable[[], Any]] = None) -> None:
    """Check that calling ``mod`` on ``data`` (with ``record``) leaves room for the results.

    Args:
        mod: The module about to be called.
        data: Its input, shape ``(T, N)`` or ``(B, T, N)``.
        record: Whether records are requested.
        exact: Optional ``() -> tree of ShapeDtypeStruct`` of the call's results, used only when
            the rough bound is close to the available memory.
    """
    shape = data.shape
    if len(shape) < 2:
        return
    steps = math.prod(shape[:-1])  # B * T
    avail = available_bytes()
    if not steps or avail is None:
        return
    # - Rough bound, 8 bytes a number: the output, and for a record a few arrays per state
    #   element (e.g. spikes, vmem, isyn). Only when it comes near the limit is it made exact.
    width = (mod.size_out or shape[-1]) + shape[-1]
    if steps * width * 8 <= _ROUGH * avail and not record:
        return
    if record:
        import jax

        width += 3 * sum(math.prod(s.shape) for s in jax.tree_util.tree_leaves(mod.state()))
    rough = steps * width * 8
    if rough <= _ROUGH * avail:
        return
    needed = tree_bytes(exact()) if exact is not None else rough
    check_fits(needed, mod._label, "the outputs and record" if record else "the outputs", avail)
