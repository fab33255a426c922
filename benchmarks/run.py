"""Run every benchmark (``benchmarks/bench_*.py``) and summarise their ``BENCH`` lines.

Usage::

    python benchmarks/run.py                  # all benchmarks, full rounds
    python benchmarks/run.py --quick          # smoke run: fewer rounds, noisier numbers
    python benchmarks/run.py -k tutorial      # only files whose name contains "tutorial"
    python benchmarks/run.py --json out.json  # also save every BENCH row

Each benchmark runs in its own process (a clean JAX runtime each), with ``JAX_PLATFORMS=cpu``
unless already set. Exit status is non-zero if any benchmark failed.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import time
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))


def run_one(path: str, quick: bool) -> Dict[str, Any]:
    cmd = [sys.executable, path] + (["--quick"] if quick else [])
    env = {**os.environ}
    env.setdefault("JAX_PLATFORMS", "cpu")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (HERE, os.path.dirname(HERE), env.get("PYTHONPATH")) if p)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    rows: List[Dict[str, Any]] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        if line.startswith("BENCH "):
            try:
                rows.append(json.loads(line[len("BENCH "):]))
            except json.JSONDecodeError:
                pass
    rc = proc.wait()
    return {"file": os.path.basename(path), "rc": rc, "seconds": time.perf_counter() - t0, "rows": rows}


def summary(results: List[Dict[str, Any]]) -> str:
    lines = ["", "== benchmark summary =="]
    for res in results:
        status = "ok" if res["rc"] == 0 else f"FAILED (exit {res['rc']})"
        lines.append(f"{res['file']}: {status}, {res['seconds']:.1f} s")
        for row in res["rows"]:
            if row.get("impl") == "baseline":
                continue
            ratios = {k: v for k, v in row.items() if k.startswith("ratio")}
            extra = ", ".join(f"{k}={v:.3g}" for k, v in ratios.items()) or ", ".join(
                f"{k}={v}" for k, v in row.items() if k not in ("case", "impl")
            )
            lines.append(f"  {row['case']} [{row['impl']}]: {extra}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Run the rockpool benchmarks.")
    ap.add_argument("--quick", action="store_true", help="pass --quick to every benchmark")
    ap.add_argument("-k", dest="pattern", default="", help="only run files whose name contains this")
    ap.add_argument("--json", dest="json_out", default=None, help="write all BENCH rows to this file")
    args = ap.parse_args(argv)

    files = sorted(glob.glob(os.path.join(HERE, "bench_*.py")))
    files = [f for f in files if args.pattern in os.path.basename(f)]
    if not files:
        print(f"no benchmarks match '{args.pattern}' in {HERE}", file=sys.stderr)
        return 2
    results = []
    for path in files:
        print(f"-- {os.path.basename(path)}{' --quick' if args.quick else ''}", flush=True)
        results.append(run_one(path, args.quick))
    print(summary(results))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump([row for r in results for row in r["rows"]], f, indent=1)
    return 0 if all(r["rc"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
