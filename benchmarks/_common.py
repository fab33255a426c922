"""Shared benchmark machinery: interleaved timing, compile time, memory, one JSON line per case.

Every case is timed next to its baseline in the same process, rounds interleaved, so a noisy
machine still gives a trustworthy ratio. Output lines look like::

    BENCH {"case": "tutorial_mlp", "impl": "rockpool", "steps_per_s": 2431.2, ...}
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any, Callable, Dict

import jax


def block(x: Any) -> Any:
    return jax.block_until_ready(x)


def timed_call(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    block(fn())
    return time.perf_counter() - t0


def interleaved_medians(fns: Dict[str, Callable[[], Any]], rounds: int = 7, inner: int = 5) -> Dict[str, float]:
    """Median seconds per call of each function, alternating between them round by round."""
    samples: Dict[str, list] = {k: [] for k in fns}
    for f in fns.values():  # warm up
        block(f())
    for _ in range(rounds):
        for k, f in fns.items():
            t0 = time.perf_counter()
            for _ in range(inner):
                out = f()
            block(out)
            samples[k].append((time.perf_counter() - t0) / inner)
    return {k: statistics.median(v) for k, v in samples.items()}


def compile_seconds(jitted: Any, *args, **kwargs) -> float:
    """Wall time to lower and compile ``jitted`` for these arguments (no execution)."""
    t0 = time.perf_counter()
    jitted.lower(*args, **kwargs).compile()
    return time.perf_counter() - t0


def peak_bytes(jitted: Any, *args, **kwargs) -> int:
    """XLA's memory estimate for one call: arguments + outputs + temporaries."""
    m = jitted.lower(*args, **kwargs).compile().memory_analysis()
    if m is None:
        return -1
    return int(m.argument_size_in_bytes + m.output_size_in_bytes + m.temp_size_in_bytes - m.alias_size_in_bytes)


def emit(case: str, impl: str, **fields: Any) -> Dict[str, Any]:
    row = {"case": case, "impl": impl, **{k: (round(v, 6) if isinstance(v, float) else v) for k, v in fields.items()}}
    print("BENCH " + json.dumps(row), flush=True)
    return row
