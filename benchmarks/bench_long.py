"""Long sequences: training memory and step time vs T, plain BPTT vs rematerialised chunks; streaming.

Network: ``LinearJax(256->256) - LIFJax(256) - LinearJax(256->20) - LIFJax(20)``, B=32, input 2 %
spikes (bool), softmax cross-entropy on output spike counts, optax Adam, one jitted
``value_and_grad`` + update per step. Three implementations per ``T``:

* ``hand_jax``: hand-written pure JAX (``bench_snn.py``'s custom-VJP LIF loop, its fastest
  ``accum`` form), plain BPTT;
* ``rockpool``: the same network through the module API, plain BPTT;
* ``rockpool_remat``: the same inside ``rockpool.nn.streaming.remat(chunk=K)``.

Per ``T``: one process times all three (rounds interleaved, medians) and reports XLA's memory
estimate of each compiled step (arguments + outputs + temporaries; temporaries alone too); then
one fresh process per implementation runs the step and reports its peak RSS (``ru_maxrss``) and
the RSS growth from just before the first step. Gradients of the remat step are checked against
plain BPTT in every timing process.

``--case stream``: a 2,000,000-step inference with :func:`rockpool.nn.streaming.stream` (B=1,
16 input channels, 256 + 20 LIF neurons, ``record=False``), peak RSS; then the same input for a batch
of 8 through the plain path with ``record=True``, which must fail fast with the memory estimate
(with batch 1 the records take about 12 GB and fit a 23 GB machine: it then runs, in 135 s).

Usage::

    python benchmarks/bench_long.py [--quick] [--Ts 250,1000,5000,20000] [--chunk 100] [--plot docs/long_sequences.png]
    python benchmarks/bench_long.py --case stream [--steps 2000000]
    python benchmarks/bench_long.py --case big --Ts 100000      # remat only (plain would need ~25 GB)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from functools import partial

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

B, NIN, H, C = 32, 256, 256, 20
IMPLS = ("hand_jax", "rockpool", "rockpool_remat")


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _build(T: int, chunk: int):
    """The three jitted steps and their arguments for sequence length ``T``."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax

    from bench_snn import flat_matmul, hand_lif, hand_lif_params
    from rockpool.nn import streaming
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LIFJax, LinearJax

    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.random((B, T, NIN)) < 0.02)
    y = jnp.asarray(rng.integers(0, C, B))
    np.random.seed(1)
    net = Sequential(LinearJax((NIN, H)), LIFJax(H), LinearJax((H, C)), LIFJax(C))
    opt = optax.adam(1e-3)

    def rock_loss(params, net, x, y, k):
        net = net.reset_state().set_attributes(params)
        if k is None:
            out, _, _ = net(x)
        else:
            with streaming.remat(chunk=k):
                out, _, _ = net(x)
        return optax.softmax_cross_entropy_with_integer_labels(out.sum(1), y).mean()

    @partial(jax.jit, donate_argnums=(0, 1), static_argnums=5)
    def rock_step(params, opt_state, net, x, y, k):
        loss, g = jax.value_and_grad(rock_loss)(params, net, x, y, k)
        upd, opt_state = opt.update(g, opt_state, params)
        return optax.apply_updates(params, upd), opt_state, loss

    hp = {"w0": net[0].weight, "w2": net[2].weight, "l1": hand_lif_params(H), "l3": hand_lif_params(C)}

    def hand_loss(p, x, y):
        s = hand_lif(p["l1"], flat_matmul(x, p["w0"]), accum=True)
        o = hand_lif(p["l3"], flat_matmul(s, p["w2"]), accum=True)
        return optax.softmax_cross_entropy_with_integer_labels(o.sum(1), y).mean()

    @partial(jax.jit, donate_argnums=(0, 1))
    def hand_step(p, opt_state, x, y):
        loss, g = jax.value_and_grad(hand_loss)(p, x, y)
        upd, opt_state = opt.update(g, opt_state, p)
        return optax.apply_updates(p, upd), opt_state, loss

    cp = lambda t: jax.tree.map(jnp.copy, t)
    params = net.parameters()
    k = min(chunk, T)
    impls = {
        "hand_jax": (hand_step, lambda: (cp(hp), opt.init(hp), x, y)),
        "rockpool": (rock_step, lambda: (cp(params), opt.init(params), net, x, y, None)),
        "rockpool_remat": (rock_step, lambda: (cp(params), opt.init(params), net, x, y, k)),
    }
    grads = jax.jit(jax.grad(rock_loss), static_argnums=4)
    check = lambda: (grads(params, net, x, y, None), grads(params, net, x, y, k))
    return impls, check


def _xla_bytes(jitted, args):
    m = jitted.lower(*args).compile().memory_analysis()
    total = m.argument_size_in_bytes + m.output_size_in_bytes + m.temp_size_in_bytes - m.alias_size_in_bytes
    return int(total), int(m.temp_size_in_bytes)


def time_one_T(T: int, chunk: int, rounds: int, impls_wanted) -> None:
    """Child process: interleaved timing and XLA memory estimates of the implementations at ``T``."""
    import jax
    import numpy as np

    from _common import emit, interleaved_medians

    impls, check = _build(T, chunk)
    impls = {k: v for k, v in impls.items() if k in impls_wanted}
    g_plain, g_remat = check() if "rockpool" in impls else (None, None)
    if g_plain is not None:
        flat = lambda g: np.concatenate([np.ravel(a) for a in jax.tree_util.tree_leaves(g)])
        a, b = flat(g_plain), flat(g_remat)
        grad_rel = float(np.linalg.norm(a - b) / max(np.linalg.norm(a), 1e-30))
        del g_plain, g_remat
    else:
        grad_rel = float("nan")
    mem = {k: _xla_bytes(f, make()) for k, (f, make) in impls.items()}
    state = {k: list(make()) for k, (f, make) in impls.items()}

    def run(k):
        f, _ = impls[k]
        st = state[k]
        st[0], st[1], loss = f(*st)
        return loss

    fns = {k: partial(run, k) for k in impls}
    for f in fns.values():
        f()
    times = interleaved_medians(fns, rounds=rounds, inner=1)
    base_t = times.get("hand_jax")
    base_m = mem.get("hand_jax", (None, None))
    plain_t, plain_m = times.get("rockpool"), mem.get("rockpool", (None, None))
    for k in impls:
        row = dict(T=T, chunk=chunk if "remat" in k else None, ms=times[k] * 1e3,
                   xla_mb=mem[k][0] / 2**20, xla_temp_mb=mem[k][1] / 2**20, load=os.getloadavg()[0])
        if base_t:
            row.update(time_ratio_vs_hand=times[k] / base_t, xla_ratio_vs_hand=mem[k][0] / base_m[0])
        if plain_t and k == "rockpool_remat":
            row.update(time_ratio_vs_plain=times[k] / plain_t, xla_ratio_vs_plain=mem[k][0] / plain_m[0],
                       xla_temp_ratio_vs_plain=mem[k][1] / plain_m[1], grad_rel_diff=grad_rel)
        emit("long_train", k, **row)


def _hwm_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return _peak_rss_mb()


def rss_one(T: int, chunk: int, impl: str) -> None:
    """Child process: compile one implementation's step, then run it twice; print its peak RSS as JSON.

    The peak is the execution's: compilation happens first (ahead of time) and the kernel's peak-RSS
    mark is reset after it (``/proc/self/clear_refs``), so compiler memory is not counted.
    """
    import jax

    impls, _ = _build(T, chunk)
    f, make = impls[impl]
    args = make()
    compiled = f.lower(*args).compile()
    dynamic = args[:-1] if impl.startswith("rockpool") else args  # the static chunk argument is baked in
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset the peak RSS mark (Linux >= 4.0)
    except OSError:
        pass
    before = _rss_mb()
    t0 = time.perf_counter()
    for _ in range(2):
        out = compiled(*dynamic)
        dynamic = (out[0], out[1]) + tuple(dynamic[2:])
    jax.block_until_ready(out[2])
    peak = _hwm_mb()
    print("RSS " + json.dumps({"T": T, "impl": impl, "peak_rss_mb": peak, "before_mb": before,
                               "growth_mb": peak - before, "s_two_steps": time.perf_counter() - t0}),
          flush=True)


def _child(args) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (HERE, os.path.dirname(HERE), os.environ.get("PYTHONPATH")) if p)}
    env.setdefault("JAX_PLATFORMS", "cpu")
    proc = subprocess.run([sys.executable, os.path.abspath(__file__)] + args, capture_output=True, text=True, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith("RSS "):
            return json.loads(line[4:])
    sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
    return {"error": proc.returncode}


def sweep(Ts, chunk: int, rounds: int, plot: str, impls_wanted) -> None:
    from _common import emit

    rows = []
    for T in Ts:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (HERE, os.path.dirname(HERE), os.environ.get("PYTHONPATH")) if p)}
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--child-time", str(T), "--chunk", str(chunk),
             "--rounds", str(rounds), "--impls", ",".join(impls_wanted)],
            capture_output=True, text=True, env=env,
        )
        for line in proc.stdout.splitlines():
            if line.startswith("BENCH "):
                print(line, flush=True)
                rows.append(json.loads(line[6:]))
        if proc.returncode:
            sys.stderr.write(proc.stderr[-4000:])
        rss = {impl: _child(["--child-rss", str(T), "--chunk", str(chunk), "--impls", impl]) for impl in impls_wanted}
        for impl, r in rss.items():
            emit("long_rss", impl, T=T, **{k: v for k, v in r.items() if k not in ("T", "impl")})
            for row in rows:
                if row["T"] == T and row["impl"] == impl:
                    row.update(peak_rss_mb=r.get("peak_rss_mb"), rss_growth_mb=r.get("growth_mb"))
    print(json.dumps(rows))
    if plot:
        _plot(rows, plot)


def rows_from_log(path: str):
    """The sweep's rows from a saved log of its BENCH lines (to redraw the plot)."""
    train, rss = {}, {}  # the last row of each (T, impl) wins
    with open(path) as f:
        for line in f:
            if line.startswith("BENCH "):
                r = json.loads(line[6:])
                if r["case"] in ("long_train", "long_rss"):
                    (train if r["case"] == "long_train" else rss)[(r["T"], r["impl"])] = r
    rows = list(train.values())
    for r in rows:
        q = rss.get((r["T"], r["impl"]), {})
        r.update(peak_rss_mb=q.get("peak_rss_mb"), rss_growth_mb=q.get("growth_mb"))
    return rows


def _plot(rows, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for impl, (color, marker, ls) in zip(IMPLS, (("k", "", "--"), ("C0", "o", "-"), ("C1", "s", "-")), strict=True):
        rs = sorted((r for r in rows if r["impl"] == impl), key=lambda r: r["T"])
        if not rs:
            continue
        Ts = [r["T"] for r in rs]
        axes[0].plot(Ts, [r["xla_mb"] / 1024 for r in rs], color=color, marker=marker, ls=ls,
                     label=f"{impl} (XLA estimate)")
        with_rss = [r for r in rs if r.get("peak_rss_mb")]
        if with_rss:
            axes[0].plot([r["T"] for r in with_rss], [r["peak_rss_mb"] / 1024 for r in with_rss], color=color,
                         marker=marker, ls=":", alpha=0.6, label=f"{impl} (peak RSS, whole process)")
        rt = [r for r in rs if r.get("time_ratio_vs_hand")]
        axes[1].plot([r["T"] for r in rt], [r["time_ratio_vs_hand"] for r in rt], color=color, marker=marker,
                     ls=ls, label=impl)
    axes[0].set(xscale="log", yscale="log", xlabel="time steps T", ylabel="training-step memory (GiB)")
    axes[1].set(xscale="log", xlabel="time steps T", ylim=(0, 1.6),
                ylabel="step time / hand-written BPTT (same run)")
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("B=32, 256 LIF neurons (+20 readout): plain BPTT vs rematerialised chunks")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"plot saved to {path}")


def stream_case(steps: int, chunk: int) -> None:
    import jax
    import numpy as np

    from _common import emit
    from rockpool.nn import streaming
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LIFJax, LinearJax

    np.random.seed(0)
    net = Sequential(LinearJax((16, 256)), LIFJax(256), LinearJax((256, 20)), LIFJax(20))
    x = (np.random.default_rng(0).random((1, steps, 16)) < 0.05).astype(np.float32)
    before = _rss_mb()
    t0 = time.perf_counter()
    out, state, _ = streaming.stream(net, x, chunk=chunk, record=False)
    dt = time.perf_counter() - t0
    emit("stream_2M", "rockpool_stream", steps=steps, chunk=chunk, seconds=dt, us_per_step=dt / steps * 1e6,
         peak_rss_mb=_peak_rss_mb(), rss_before_mb=before, input_mb=x.nbytes / 2**20,
         output_mb=out.nbytes / 2**20, spikes=float(out.sum()))
    # - The plain path with records, for a batch of 8 (a broadcast view: nothing is copied)
    xb = np.broadcast_to(x, (8,) + x.shape[1:])
    t0 = time.perf_counter()
    try:
        net(xb, record=True)
        emit("stream_2M", "plain_record", failed_fast=False, seconds=time.perf_counter() - t0)
    except streaming.MemoryEstimateError as e:
        emit("stream_2M", "plain_record", failed_fast=True, seconds=time.perf_counter() - t0,
             needed_gb=e.needed / 1e9, available_gb=e.available / 1e9, message=str(e)[:400])
    del jax


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--case", default="train", choices=("train", "stream", "big", "rss"))
    ap.add_argument("--Ts", default="250,1000,2000,5000,10000,20000")
    ap.add_argument("--chunk", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=2_000_000)
    ap.add_argument("--plot", default="")
    ap.add_argument("--impls", default=",".join(IMPLS))
    ap.add_argument("--from-log", default="", help="redraw --plot from a saved log of BENCH lines")
    ap.add_argument("--child-time", type=int, default=0)
    ap.add_argument("--child-rss", type=int, default=0)
    args = ap.parse_args(argv)
    impls = tuple(args.impls.split(","))
    if args.from_log:
        return _plot(rows_from_log(args.from_log), args.plot or "long_sequences.png")
    if args.child_time:
        return time_one_T(args.child_time, args.chunk, args.rounds, impls)
    if args.child_rss:
        return rss_one(args.child_rss, args.chunk, impls[0])
    if args.case == "stream":
        return stream_case(20_000 if args.quick else args.steps, 2_000 if args.quick else 20_000)
    Ts = [250, 1000] if args.quick else [int(t) for t in args.Ts.split(",")]
    if args.case == "big":
        impls = ("rockpool_remat",)
    if args.case == "rss":  # only the peak-RSS processes
        from _common import emit

        for T in Ts:
            for impl in impls:
                r = _child(["--child-rss", str(T), "--chunk", str(args.chunk), "--impls", impl])
                emit("long_rss", impl, T=T, **{k: v for k, v in r.items() if k not in ("T", "impl")})
        return None
    return sweep(Ts, args.chunk, 2 if args.quick else args.rounds, args.plot, impls)


if __name__ == "__main__":
    main()
