"""Overhead of the ``fit`` training loop against hand-written jitted loops, in the same process.

Case ``fit_tutorial_stateful``: the training tutorial's stateful network
(``Sequential(LinearJax(2000->200), RateJax(200, tanh), LinearJax(200->2))``, T = 100, 3 samples,
one sample per step), loss ``mse + l2sqr_norm + bounds_cost`` (10 ms lower bound on ``tau``), Adam.

Implementations, each timed over whole training runs of ``EPOCHS`` epochs from a fresh optimiser
state (so the loop's per-call setup is included), rounds interleaved:

* ``handwritten_tutorial``: the tutorial's loop: ``jax.jit(jax.value_and_grad(loss))`` then a
  jitted ``jax.example_libraries.optimizers.adam`` update, losses kept on the device.
* ``handwritten_fused``: the best hand-written loop: one jitted step (value_and_grad + optax Adam
  update) with the parameter and optimiser buffers donated.
* ``fit``: ``rockpool.training.fit(net, loss, dataset, optax.adam(1e-4), epochs=EPOCHS)``.

Inputs are device arrays for all three. Fields: ``steps_per_s``, ``step_ms`` (wall-clock
medians) and ``cpu_ms_per_step`` (process CPU time, less disturbed by other load on a shared
machine); for ``fit``, ``ratio_vs_fused`` / ``ratio_vs_tutorial`` (fit steps/s over the baseline's,
wall clock; target >= 0.95), the same from CPU time (``ratio_cpu_vs_*``) and ``first_step_s``
(compile + first step). The first loss of ``fit`` is checked against the tutorial loop's.

``fit``'s step also guards against NaN (a sum over every gradient and two selects, about 3 % of a
step here); the hand-written loops do not.

Usage: ``python benchmarks/bench_fit.py [--quick] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Dict

os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from _common import emit, interleaved_medians  # noqa: E402
from jax.example_libraries.optimizers import adam  # noqa: E402

from rockpool.nn.combinators import Sequential  # noqa: E402
from rockpool.nn.modules import LinearJax, RateJax  # noqa: E402
from rockpool.training import fit  # noqa: E402
from rockpool.training import jax_loss as l  # noqa: E402

LR = 1e-4


def make_case(nin: int, nhidden: int, T: int, n_classes: int = 3, seed: int = 0):
    rng = np.random.RandomState(seed)
    inputs = rng.randn(n_classes, T, nin) + 1.0
    phase = rng.rand(n_classes, 1, 2) * 2 * np.pi
    omega = rng.rand(n_classes, 1, 2) * T / 50
    t = np.atleast_2d(np.arange(T) / T).T
    targets = np.sin(2 * np.pi * omega * t + phase)
    ds = [(jnp.asarray(inputs[i], jnp.float32), jnp.asarray(targets[i], jnp.float32)) for i in range(n_classes)]
    np.random.seed(seed)
    net = Sequential(LinearJax((nin, nhidden)), RateJax(nhidden, activation_func="tanh"), LinearJax((nhidden, 2)))
    lower, upper = l.make_bounds(net.parameters())
    lower["1_RateJax"]["tau"] = 10e-3

    def loss(parameters, net, inputs, target):
        net = net.reset_state()
        net = net.set_attributes(parameters)
        output, _, _ = net(inputs)
        return l.mse(output, target) + l.l2sqr_norm(parameters) * 1e3 + l.bounds_cost(parameters, lower, upper) * 1e3

    return net, ds, loss


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller network and fewer rounds")
    ap.add_argument("--rounds", type=int, default=None)
    args = ap.parse_args(argv)
    if args.quick:
        nin, nh, T, epochs, rounds = 200, 32, 50, 10, args.rounds or 3
    else:
        nin, nh, T, epochs, rounds = 2000, 200, 100, 10, args.rounds or 11
    net, ds, loss = make_case(nin, nh, T)
    steps = epochs * len(ds)

    # - The tutorial's loop
    init_fun, update_fun, get_params = adam(LR)
    loss_vgf = jax.jit(jax.value_and_grad(loss))
    update_jit = jax.jit(update_fun)

    def tutorial():
        opt_state = init_fun(net.parameters())
        losses, i = [], 0
        for _ in range(epochs):
            for x, y in ds:
                value, grads = loss_vgf(get_params(opt_state), net, x, y)
                opt_state = update_jit(i, grads, opt_state)
                losses.append(value)
                i += 1
        return losses[-1], get_params(opt_state)

    # - The best hand-written loop: one fused, donated step
    tx = optax.adam(LR)

    def _fused(params, opt_state, x, y):
        value, grads = jax.value_and_grad(loss)(params, net, x, y)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, value

    fused_step = jax.jit(_fused, donate_argnums=(0, 1))

    def fused():
        params = jax.tree_util.tree_map(jnp.copy, net.parameters())
        opt_state = tx.init(params)
        losses = []
        for _ in range(epochs):
            for x, y in ds:
                params, opt_state, value = fused_step(params, opt_state, x, y)
                losses.append(value)
        return losses[-1], params

    # - fit
    hist_box = {}

    def with_fit():
        trained, hist = fit(net, loss, ds, tx, epochs=epochs, progress=False)
        hist_box["h"] = hist
        return hist.loss[-1], trained.parameters()

    first = hist_box
    with_fit()
    first_step_s = first["h"].first_step_s
    # - Same computation: the first losses agree
    l_tut = float(loss_vgf(net.parameters(), net, *ds[0])[0])
    assert np.isclose(first["h"].loss[0], l_tut, rtol=1e-5), (first["h"].loss[0], l_tut)

    fns = {"fit": with_fit, "handwritten_fused": fused, "handwritten_tutorial": tutorial}
    times = interleaved_medians(fns, rounds=rounds, inner=1)
    # - CPU time of the process too: on a shared machine it is less disturbed by other load
    cpu: Dict[str, list] = {k: [] for k in fns}
    for _ in range(rounds):
        for k, f in fns.items():
            c0 = time.process_time()
            jax.block_until_ready(f())
            cpu[k].append(time.process_time() - c0)
    cpu_s = {k: statistics.median(v) for k, v in cpu.items()}
    case = "fit_tutorial_stateful"
    shape = {"nin": nin, "nhidden": nh, "T": T, "steps_per_call": steps}
    for impl in ("handwritten_tutorial", "handwritten_fused"):
        emit(case, impl, steps_per_s=steps / times[impl], step_ms=1e3 * times[impl] / steps,
             cpu_ms_per_step=1e3 * cpu_s[impl] / steps, **shape)
    emit(
        case,
        "fit",
        steps_per_s=steps / times["fit"],
        step_ms=1e3 * times["fit"] / steps,
        cpu_ms_per_step=1e3 * cpu_s["fit"] / steps,
        ratio_vs_fused=times["handwritten_fused"] / times["fit"],
        ratio_vs_tutorial=times["handwritten_tutorial"] / times["fit"],
        ratio_cpu_vs_fused=cpu_s["handwritten_fused"] / cpu_s["fit"],
        ratio_cpu_vs_tutorial=cpu_s["handwritten_tutorial"] / cpu_s["fit"],
        first_step_s=first_step_s,
        **shape,
    )


if __name__ == "__main__":
    main()
