"""Training-step speed of the training tutorial's two networks, against hand-written JAX.

Cases (Nin = 2000, 3 classes, T = 100, one sample per step as in the tutorial):

* ``tutorial_mlp``: Sequential(LinearJax(2000->8), InstantJax(tanh), LinearJax(8->2)), loss ``mse``.
* ``tutorial_stateful``: Sequential(LinearJax(2000->200), RateJax(200, tanh), LinearJax(200->2)),
  loss ``mse + 1e3 * l2sqr_norm + 1e3 * bounds_cost`` with a 10 ms lower bound on ``tau``.

One training step is what the tutorial's loop does: ``loss_vgf(params, net, x, y)`` (a jitted
``value_and_grad`` of the page's loss, which resets the network state, sets the parameters and
evolves the network) followed by the jitted Adam ``update_fun`` (``jax.example_libraries``).
The baseline is the same maths written directly in JAX (weights as arrays, forward-Euler rate
neurons in a ``lax.scan``, the same loss terms, the same Adam), with the same two jitted calls.
Inputs are device arrays for both, so the input transfer is not measured.

Each case prints ``BENCH {json}`` lines: ``steps_per_s`` and ``compile_s`` (lower + compile of the
value-and-grad function) per implementation, with ``ratio_steps`` / ``ratio_compile`` against the
baseline (targets: steps >= 0.9x, compile <= 1.5x), plus ``tutorial_stateful_pytree``: the time
to flatten and unflatten the stateful network (what JAX does on every jitted call).

Usage: ``python benchmarks/bench_tutorial.py [--quick]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from itertools import count
from typing import Any, Callable, Dict

os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from _common import compile_seconds, emit, interleaved_medians  # noqa: E402
from jax.example_libraries.optimizers import adam  # noqa: E402

NIN, NOUT, NUM_CLASSES, T = 2000, 2, 3, 100
DT, TAU_MIN = 1e-3, 10e-3


def make_data(seed: int = 0):
    rng = np.random.RandomState(seed)
    inputs = rng.randn(NUM_CLASSES, T, NIN) + 1.0
    phase = rng.rand(NUM_CLASSES, 1, NOUT) * 2 * np.pi
    omega = rng.rand(NUM_CLASSES, 1, NOUT) * T / 50
    time_base = np.atleast_2d(np.arange(T) / T).T
    targets = np.sin(2 * np.pi * omega * time_base + phase)
    return (
        [jnp.asarray(x, jnp.float32) for x in inputs],
        [jnp.asarray(y, jnp.float32) for y in targets],
    )


# ---------------------------------------------------------------------------- rockpool
def rockpool_case(stateful: bool):
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import InstantJax, LinearJax, RateJax
    from rockpool.training import jax_loss as l

    if stateful:
        net = Sequential(LinearJax((NIN, 200)), RateJax(200, activation_func="tanh"), LinearJax((200, NOUT)))
        lower, upper = l.make_bounds(net.parameters())
        lower["1_RateJax"]["tau"] = TAU_MIN

        def loss(parameters, net, inputs, target):
            net = net.reset_state()
            net = net.set_attributes(parameters)
            output, _, _ = net(inputs)
            mse = l.mse(output, target)
            reg = l.l2sqr_norm(parameters) * 1e3
            bounds = l.bounds_cost(parameters, lower, upper) * 1e3
            return mse + reg + bounds

    else:
        net = Sequential(LinearJax((NIN, 8)), InstantJax(8, jnp.tanh), LinearJax((8, NOUT)))

        def loss(parameters, net, inputs, target):
            net = net.reset_state()
            net = net.set_attributes(parameters)
            output, _, _ = net(inputs)
            return l.mse(output, target)

    return net, loss


# ---------------------------------------------------------------------------- pure JAX
def baseline_case(stateful: bool, net):
    """The same networks by hand; initial parameters copied from the rockpool network."""
    p = net.parameters()
    if stateful:
        params = {
            "w0": p["0_LinearJax"]["weight"],
            "tau": p["1_RateJax"]["tau"],
            "bias": p["1_RateJax"]["bias"],
            "threshold": p["1_RateJax"]["threshold"],
            "w2": p["2_LinearJax"]["weight"],
        }

        def loss(params, inputs, target):
            i = inputs @ params["w0"]  # (T, 200): input weighting outside the loop
            alpha = DT / params["tau"]
            drive = (i + params["bias"]) * alpha
            decay = 1.0 - alpha

            def step(x, d):
                x = decay * x + d
                return x, x

            _, xs = jax.lax.scan(step, jnp.zeros(200, jnp.float32), drive)  # state reset to 0
            out = jnp.tanh(xs - params["threshold"]) @ params["w2"]
            mse = jnp.mean((out - target) ** 2)
            leaves = jax.tree_util.tree_leaves(params)
            reg = sum(jnp.mean(x**2) for x in leaves) / len(leaves) * 1e3
            viol = TAU_MIN - params["tau"]
            mask = viol > 0
            bounds = jnp.sum(jnp.where(mask, jnp.exp(jnp.where(mask, viol, 0.0)), 0.0)) * 1e3
            return mse + reg + bounds

    else:
        params = {"w0": p["0_LinearJax"]["weight"], "w2": p["2_LinearJax"]["weight"]}

        def loss(params, inputs, target):
            out = jnp.tanh(inputs @ params["w0"]) @ params["w2"]
            return jnp.mean((out - target) ** 2)

    return params, loss


# ---------------------------------------------------------------------------- harness
class Trainer:
    """The tutorial's loop body as a zero-argument callable (one training step per call)."""

    def __init__(self, loss_vgf: Callable, update_fun: Callable, get_params: Callable, opt_state, xs, ys, net=None):
        self.loss_vgf, self.update_fun, self.get_params = loss_vgf, update_fun, get_params
        self.opt_state, self.xs, self.ys, self.net = opt_state, xs, ys, net
        self.i_trial = count()

    def __call__(self):
        i = next(self.i_trial)
        x, y = self.xs[i % NUM_CLASSES], self.ys[i % NUM_CLASSES]
        params = self.get_params(self.opt_state)
        if self.net is None:
            loss_val, grads = self.loss_vgf(params, x, y)
        else:
            loss_val, grads = self.loss_vgf(params, self.net, x, y)
        self.opt_state = self.update_fun(i, grads, self.opt_state)
        return loss_val


def run_case(name: str, stateful: bool, rounds: int, inner: int, compile_reps: int) -> Dict[str, Any]:
    np.random.seed(0)
    xs, ys = make_data()
    net, rp_loss = rockpool_case(stateful)
    base_params, base_loss = baseline_case(stateful, net)

    init_fun, update_fun, get_params = adam(1e-4)
    update_fun = jax.jit(update_fun)
    rp = Trainer(jax.jit(jax.value_and_grad(rp_loss)), update_fun, get_params, init_fun(net.parameters()), xs, ys, net)
    base = Trainer(jax.jit(jax.value_and_grad(base_loss)), update_fun, get_params, init_fun(base_params), xs, ys)

    # - same maths: the first losses agree
    l_rp, l_base = float(rp()), float(base())
    assert abs(l_rp - l_base) <= 1e-3 * max(1.0, abs(l_base)), (name, l_rp, l_base)

    med = interleaved_medians({"rockpool": rp, "baseline": base}, rounds=rounds, inner=inner)

    # - compile time of the value-and-grad function, fresh jit each time, interleaved
    comp: Dict[str, list] = {"rockpool": [], "baseline": []}
    for _ in range(compile_reps):
        comp["rockpool"].append(
            compile_seconds(jax.jit(jax.value_and_grad(lambda *a: rp_loss(*a))), net.parameters(), net, xs[0], ys[0])
        )
        comp["baseline"].append(
            compile_seconds(jax.jit(jax.value_and_grad(lambda *a: base_loss(*a))), base_params, xs[0], ys[0])
        )
    c = {k: statistics.median(v) for k, v in comp.items()}

    rows = {}
    for impl in ("baseline", "rockpool"):
        rows[impl] = emit(
            name,
            impl,
            steps_per_s=1.0 / med[impl],
            step_ms=med[impl] * 1e3,
            compile_s=c[impl],
            ratio_steps=med["baseline"] / med[impl],
            ratio_compile=c[impl] / c["baseline"],
        )

    if stateful:
        pytree_timing(net, base_params, reps=200 if rounds < 5 else 2000)
    return rows


def pytree_timing(net, base_params, reps: int) -> None:
    """Microseconds to flatten and to unflatten the stateful network (and the plain param dict)."""
    tu = jax.tree_util

    def per_call_us(fn: Callable[[], Any]) -> float:
        best = []
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(reps):
                fn()
            best.append((time.perf_counter() - t0) / reps * 1e6)
        return statistics.median(best)

    leaves, treedef = tu.tree_flatten(net)
    net2 = tu.tree_unflatten(treedef, leaves)
    assert repr(net2) == repr(net)
    flat = per_call_us(lambda: tu.tree_flatten(net))
    unflat = per_call_us(lambda: tu.tree_unflatten(treedef, leaves))
    pleaves, ptreedef = tu.tree_flatten(base_params)
    pflat = per_call_us(lambda: tu.tree_flatten(base_params))
    punflat = per_call_us(lambda: tu.tree_unflatten(ptreedef, pleaves))
    emit("tutorial_stateful_pytree", "rockpool", flatten_us=flat, unflatten_us=unflat, leaves=len(leaves))
    emit("tutorial_stateful_pytree", "baseline", flatten_us=pflat, unflatten_us=punflat, leaves=len(pleaves))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run, noisier numbers)")
    ap.add_argument("--case", choices=["mlp", "stateful", "all"], default="all")
    args = ap.parse_args(argv)
    rounds, inner, compile_reps = (3, 5, 2) if args.quick else (25, 30, 3)
    if args.case in ("mlp", "all"):
        run_case("tutorial_mlp", False, rounds, inner, compile_reps)
    if args.case in ("stateful", "all"):
        run_case("tutorial_stateful", True, rounds, inner, compile_reps)


if __name__ == "__main__":
    main()
