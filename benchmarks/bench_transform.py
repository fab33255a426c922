"""Cost of the robustness transforms in a training step, against the same step without them.

Network: ``LinearJax(40->256) - LIFJax(256) - LinearJax(256->4) - LIFJax(4)``, B = 64, T = 200,
spike-count cross-entropy, optax Adam; every implementation is one jitted step (value_and_grad +
update, parameter and optimiser buffers donated), timed in the same process, rounds interleaved:

* ``plain``: the step without any transform (the baseline); ``plain_repeat`` is the same step
  compiled and timed again, a control for the noise of the run;
* ``off``: the same step through ``noisy_loss`` with ``mismatch(..., rel_std=0)`` (switched off);
* ``dropout_off``: the network wrapped in ``JaxDropout(p=0)``;
* ``mismatch``: ``noisy_loss`` + ``mismatch(params, key, 0.2)`` on every parameter, a fresh key per
  step from :func:`~rockpool.transform.training.step_key`;
* ``handwritten_mismatch``: the same perturbation written by hand in pure JAX
  (``p * (1 + 0.2 * normal(fold_in(key, i)))``, the key folded with the step counter);
* ``dropout``: the network wrapped in ``JaxDropout(p=0.1)`` on the weights;
* ``adversarial``: ``make_adversarial_loss(..., attack_steps=3)`` (informational: an attack costs
  about two forward/backward passes per step).

Each row has ``step_ms`` and ``ratio_vs_plain`` (step time over the plain step's; targets: ``off``
~1.0, ``mismatch`` <= 1.3). The summary row also counts the instructions of the optimised programs
(``hlo_ops``) of the plain, ``off`` and ``dropout_off`` gradients.

Usage: ``python benchmarks/bench_transform.py [--quick]``
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from _common import emit, interleaved_medians  # noqa: E402

from rockpool.nn.combinators import Sequential  # noqa: E402
from rockpool.nn.modules import LIFJax, LinearJax  # noqa: E402
from rockpool.training.adversarial_jax import make_adversarial_loss  # noqa: E402
from rockpool.transform.dropout import JaxDropout  # noqa: E402
from rockpool.transform.functional import mismatch  # noqa: E402
from rockpool.transform.training import noisy_loss  # noqa: E402

B, T, NIN, NH, NOUT = 64, 200, 40, 256, 4


def ce(out, y):
    return optax.softmax_cross_entropy_with_integer_labels(out.sum(axis=1), y).mean()


def make_step(net, loss_p, opt):
    """One fused, donated step for a loss of the form ``loss(params, net, x, y)``."""

    def step(params, opt_state, count, x, y):
        value, grads = jax.value_and_grad(loss_p)(params, net, x, y, count)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, count + 1, value

    return jax.jit(step, donate_argnums=(0, 1))


def main(quick: bool = False) -> None:
    rng = np.random.RandomState(0)
    x = jnp.asarray((rng.rand(B, T, NIN) < 0.05).astype(np.float32))
    y = jnp.asarray(rng.randint(0, NOUT, B).astype(np.int32))
    np.random.seed(0)
    net = Sequential(LinearJax((NIN, NH)), LIFJax(NH), LinearJax((NH, NOUT)), LIFJax(NOUT))
    opt = optax.adam(1e-4)
    key = jax.random.PRNGKey(0)

    def plain(p, n, x, y, count):
        return ce(n.reset_state().set_attributes(p)(x)[0], y)

    off_loss = noisy_loss(ce, lambda p, k: mismatch(p, k, 0.0), key)
    mm_loss = noisy_loss(ce, lambda p, k: mismatch(p, k, 0.2), key)
    adv_loss = make_adversarial_loss(ce, key, attack_steps=3)

    def handwritten(p, n, x, y, count):
        k = jax.random.fold_in(key, count)
        leaves, tdef = jax.tree_util.tree_flatten(p)
        noisy = [v * (1 + 0.2 * jax.random.normal(jax.random.fold_in(k, i), v.shape)) for i, v in enumerate(leaves)]
        return ce(n.reset_state().set_attributes(jax.tree_util.tree_unflatten(tdef, noisy))(x)[0], y)

    def wrapped(p, n, x, y, count):
        return ce(n.reset_state().set_attributes(p)(x)[0], y)

    cases = {
        "plain": (net, plain),
        "plain_repeat": (net, plain),  # the same step again: shows the run's noise level
        "off": (net, lambda p, n, x, y, c: off_loss(p, n, x, y)),
        "dropout_off": (JaxDropout(net, transform_params=0.0, rng_key=0), wrapped),
        "mismatch": (net, lambda p, n, x, y, c: mm_loss(p, n, x, y)),
        "handwritten_mismatch": (net, handwritten),
        "dropout": (JaxDropout(net, "weights", 0.1, rng_key=0), wrapped),
        "adversarial": (net, lambda p, n, x, y, c: adv_loss(p, n, x, y)),
    }
    state = {}
    fns = {}
    for name, (mod, loss) in cases.items():
        step = make_step(mod, loss, opt)
        params = jax.tree_util.tree_map(jnp.copy, mod.parameters())  # donated: not the module's buffers
        state[name] = [params, opt.init(params), jnp.zeros((), jnp.int32)]

        def run(name=name, step=step):
            st = state[name]
            st[0], st[1], st[2], v = step(st[0], st[1], st[2], x, y)
            return v

        fns[name] = run
    # - "switched off" is checked structurally too: after XLA's optimisation (dead code removed:
    #   the unused key derivation) the off step has as many instructions as the plain one, so any
    #   timing difference between them is the machine's noise
    def hlo_ops(name):
        mod, loss = cases[name]
        fn = jax.jit(jax.value_and_grad(lambda p: loss(p, mod, x, y, jnp.zeros((), jnp.int32))))
        text = fn.lower(mod.parameters()).compile().as_text()
        return sum(1 for line in text.splitlines() if " = " in line and not line.lstrip().startswith("//"))

    ops = {name: hlo_ops(name) for name in ("plain", "off", "dropout_off")}
    med = interleaved_medians(fns, rounds=3 if quick else 7, inner=2 if quick else 5)
    for name, sec in med.items():
        emit("transform_step", name, step_ms=1e3 * sec, ratio_vs_plain=sec / med["plain"])
    emit("transform_step", "summary", hlo_ops=ops, plain_repeat=med["plain_repeat"] / med["plain"], off=med["off"] / med["plain"], dropout_off=med["dropout_off"] / med["plain"],
         mismatch=med["mismatch"] / med["plain"], mismatch_vs_handwritten=med["mismatch"] / med["handwritten_mismatch"])


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    main(ap.parse_args().quick)
