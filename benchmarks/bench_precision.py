"""Mixed precision on case b: rockpool float32 and ``set_precision(net, "bf16")`` vs hand-written float32.

Case b of ``spec/performance.md``: ``LinearJax(700->256) - LIFJax(256) - LinearJax(256->20) -
LIFJax(20)``, B=64, T=250, softmax cross-entropy on output spike counts, optax Adam; one jitted
``value_and_grad`` + update per step. Timed in the same process as the hand-written pure-JAX float32
baseline of ``bench_snn.py`` (custom-VJP LIF loop in its best form: accumulating backward pass,
flat products), rounds interleaved, medians.

Every variant trains the two weight matrices (the neurons' time constants and thresholds stay at
their initial values, as in most SNN training), with Adam at lr 1e-4 on the cross-entropy of
``0.1 * output spike counts``.

Accuracy: both rockpool variants start from the same parameters and train for the same number of
steps on the synthetic spike-pattern task (:func:`rockpool.datasets.spike_pattern_classification`,
20 classes, 700 channels, T=250, 512 training samples); test accuracy on 512 held-out samples, and
the fraction of test samples on which the float32 and bf16 networks predict the same class.

Usage::

    python benchmarks/bench_precision.py [--quick] [--rounds 7] [--steps 300]
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jax
import jax.numpy as jnp
import numpy as np

from _common import emit, interleaved_medians, peak_bytes
from bench_snn import flat_matmul, hand_lif, hand_lif_params


def _setup(quick: bool, lr: float = 1e-4, in_scale: float = 0.3, out_scale: float = 1.0,
           logit_scale: float = 0.1):
    import optax

    from rockpool.datasets import spike_pattern_classification
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LIFJax, LinearJax
    from rockpool.nn.modules.jax.precision import set_precision

    B, T, Nin, H, C = (16, 100, 200, 64, 10) if quick else (64, 250, 700, 256, 20)
    n_train, n_test = (4 * B, 2 * B) if quick else (8 * B, 8 * B)
    x_all, y_all = spike_pattern_classification(
        n_samples=n_train + n_test, n_classes=C, n_channels=Nin, T=T, rate=15.0, seed=3
    )
    np.random.seed(2)
    net32 = Sequential(LinearJax((Nin, H)), LIFJax(H, tau_mem=0.02, tau_syn=0.01),
                       LinearJax((H, C)), LIFJax(C, tau_mem=0.02, tau_syn=0.01))
    # - As examples/lif_classification.py, input weights scaled for spiking input; read-out weights
    #   unscaled, so that the output neurons fire from the start (a silent read-out gets no
    #   surrogate gradient)
    net32 = net32.set_attributes({"0_LinearJax": {"weight": net32[0].weight * in_scale},
                                  "2_LinearJax": {"weight": net32[2].weight * out_scale}})
    net16 = set_precision(net32, "bf16")
    opt = optax.adam(lr)

    def weights(net):  # the trained parameters: the two weight matrices
        return {"0_LinearJax": {"weight": jnp.copy(net[0].weight)},
                "2_LinearJax": {"weight": jnp.copy(net[2].weight)}}

    def rock_loss(params, net, x, y):
        out, _, _ = net.reset_state().set_attributes(params)(x)
        return optax.softmax_cross_entropy_with_integer_labels(out.sum(1) * logit_scale, y).mean()

    @partial(jax.jit, donate_argnums=(0, 1))
    def rock_step(params, opt_state, net, x, y):
        loss, g = jax.value_and_grad(rock_loss)(params, net, x, y)
        upd, opt_state = opt.update(g, opt_state, params)
        return optax.apply_updates(params, upd), opt_state, loss

    # - Hand-written float32: the same maths; the neuron parameters are arguments (as the module's
    #   are), not compile-time constants
    lif_p = lambda m: {k: jnp.array(getattr(m, k), jnp.float32).reshape(-1) for k in hand_lif_params(1)}
    neurons = (lif_p(net32[1]), lif_p(net32[3]))
    hp = {"w0": jnp.copy(net32[0].weight), "w2": jnp.copy(net32[2].weight)}

    def hand_loss(p, x, y, lp=neurons):
        s = hand_lif(lp[0], flat_matmul(x, p["w0"]), accum=True)
        o = hand_lif(lp[1], flat_matmul(s, p["w2"]), accum=True)
        return optax.softmax_cross_entropy_with_integer_labels(o.sum(1) * logit_scale, y).mean()

    @partial(jax.jit, donate_argnums=(0, 1))
    def hand_step(p, opt_state, x, y, lp):
        loss, g = jax.value_and_grad(hand_loss)(p, x, y, lp)
        upd, opt_state = opt.update(g, opt_state, p)
        return optax.apply_updates(p, upd), opt_state, loss

    @jax.jit
    def predict(params, net, x):
        out, _, _ = net.reset_state().set_attributes(params)(x)
        return jnp.argmax(out.sum(1), axis=-1)

    # - Same loss and gradients at the start (so the timing compares the same computation)
    x0, y0 = jnp.asarray(x_all[:B]), jnp.asarray(y_all[:B])
    l_r, g_r = jax.value_and_grad(rock_loss)(weights(net32), net32, x0, y0)
    l_h, g_h = jax.value_and_grad(hand_loss)(hp, x0, y0)
    np.testing.assert_allclose(float(l_r), float(l_h), rtol=1e-4)
    g1, g2 = np.asarray(g_r["0_LinearJax"]["weight"]), np.asarray(g_h["w0"])
    assert np.linalg.norm(g1 - g2) <= 1e-2 * np.linalg.norm(g2), "rockpool and hand gradients differ"

    data = (jnp.asarray(x_all[:n_train]), jnp.asarray(y_all[:n_train]),
            jnp.asarray(x_all[n_train:]), jnp.asarray(y_all[n_train:]))
    return dict(B=B, net32=net32, net16=net16, opt=opt, rock_step=rock_step,
                hand_step=hand_step, neurons=neurons,
                hand_params=hp, predict=predict, data=data, weights=weights)


def timing(s, rounds: int):
    cp = lambda t: jax.tree.map(jnp.copy, t)
    xtr, ytr = s["data"][0], s["data"][1]
    x, y = xtr[: s["B"]], ytr[: s["B"]]
    opt = s["opt"]
    state = {
        "rockpool_f32": [s["weights"](s["net32"]), opt.init(s["weights"](s["net32"])), s["net32"]],
        "rockpool_bf16": [s["weights"](s["net16"]), opt.init(s["weights"](s["net16"])), s["net16"]],
    }
    hand = [cp(s["hand_params"]), opt.init(s["hand_params"])]

    def run(key):
        st = state[key]
        st[0], st[1], loss = s["rock_step"](st[0], st[1], st[2], x, y)
        return loss

    def run_hand():
        hand[0], hand[1], loss = s["hand_step"](hand[0], hand[1], x, y, s["neurons"])
        return loss

    fns = {"hand_jax_f32": run_hand, "rockpool_f32": partial(run, "rockpool_f32"),
           "rockpool_bf16": partial(run, "rockpool_bf16")}
    for f in fns.values():  # compile (twice: weakly typed initial values may recompile once)
        f()
        f()
    times = interleaved_medians(fns, rounds=rounds, inner=3)
    mem = {
        k: peak_bytes(s["rock_step"], cp(state[k][0]), opt.init(state[k][0]), state[k][2], x, y)
        for k in state
    }
    mem["hand_jax_f32"] = peak_bytes(s["hand_step"], cp(hand[0]), opt.init(hand[0]), x, y, s["neurons"])
    base = times["hand_jax_f32"]
    for k, t in times.items():
        emit("b_precision", k, ms=t * 1e3, time_ratio_vs_hand_f32=t / base,
             memory_ratio_vs_hand_f32=mem[k] / mem["hand_jax_f32"], load=os.getloadavg()[0])
    return times


def accuracy(s, steps: int):
    xtr, ytr, xte, yte = s["data"]
    B, opt = s["B"], s["opt"]
    n_batches = xtr.shape[0] // B
    result, preds = {}, {}
    for key in ("net32", "net16"):
        net = s[key]
        params = s["weights"](net)
        ost = opt.init(params)
        losses = []
        for i in range(steps):
            b = i % n_batches
            params, ost, loss = s["rock_step"](params, ost, net, xtr[b * B:(b + 1) * B], ytr[b * B:(b + 1) * B])
            losses.append(loss)
        pred = np.concatenate([np.asarray(s["predict"](params, net, xte[k:k + B]))
                               for k in range(0, xte.shape[0], B)])
        acc = float(np.mean(pred == np.asarray(yte)))
        name = {"net32": "rockpool_f32", "net16": "rockpool_bf16"}[key]
        result[name], preds[name] = acc, pred
        emit("b_precision_accuracy", name, steps=steps, test_accuracy=acc, n_test=int(xte.shape[0]),
             final_loss=float(np.mean(jax.device_get(losses[-10:]))))
    emit("b_precision_accuracy", "bf16_vs_f32", steps=steps,
         accuracy_difference=result["rockpool_bf16"] - result["rockpool_f32"],
         same_prediction=float(np.mean(preds["rockpool_bf16"] == preds["rockpool_f32"])))
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=None, help="training steps (default 300; 20 with --quick)")
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--in-scale", type=float, default=0.3)
    ap.add_argument("--out-scale", type=float, default=1.0)
    ap.add_argument("--logit-scale", type=float, default=0.1)
    ap.add_argument("--no-timing", action="store_true")
    args = ap.parse_args(argv)
    s = _setup(args.quick, args.lr, args.in_scale, args.out_scale, args.logit_scale)
    if not args.no_timing:
        timing(s, 2 if args.quick else args.rounds)
    accuracy(s, args.steps or (20 if args.quick else 300))


if __name__ == "__main__":
    main()
