"""Train a spiking network three ways and measure how it survives device mismatch and 8-bit weights.

The same network (LinearJax - LIFJax - LinearJax - LIFJax) learns the spike-pattern task of
:func:`rockpool.datasets.spike_pattern_classification` with :func:`rockpool.training.fit`:

* **plain**: softmax cross-entropy of the output spike counts;
* **noise**: the same loss evaluated with freshly mismatched weights at every step
  (:func:`rockpool.transform.training.noisy_loss` + :func:`rockpool.transform.functional.mismatch`);
* **adversarial**: :func:`rockpool.training.adversarial_jax.make_adversarial_loss` (network-aware
  adversarial training, Buechel et al. 2021): the task loss plus the damage a signed-gradient
  attack can do within a relative box around the weights (half the epochs plain, then
  adversarial fine-tuning).

Each trained network is then evaluated under relative Gaussian mismatch of **all** its parameters
(weights, time constants, thresholds: ``p * (1 + level * z)``) at several levels, with many
mismatch draws per level (``jax.vmap`` over keys), and after post-training quantisation to 8-bit
weights with :func:`rockpool.transform.quantize_methods.global_quantize` (weights and thresholds
scaled together, so the spikes only change by the rounding).

Run::

    python examples/robust_training.py            # full size, 3 seeds, writes docs/robust_training.png
    python examples/robust_training.py --fast     # a few seconds (what the tests run)
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any, Dict, List

import jax
import jax.numpy as jnp
import numpy as np
import optax

from rockpool.datasets import spike_pattern_classification
from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import LIFJax, LinearJax
from rockpool.training import fit
from rockpool.training.adversarial_jax import make_adversarial_loss
from rockpool.transform.functional import mismatch
from rockpool.transform.quantize_methods import global_quantize
from rockpool.transform.training import noisy_loss

METHODS = ("plain", "noise", "adversarial")
# - a surrogate with long tails: an output neuron that is silent at the start still gets a gradient
SURROGATE = "fast_sigmoid"


def build_net(n_in: int, n_hidden: int, n_out: int, seed: int) -> Any:
    """LinearJax -> LIFJax -> LinearJax -> LIFJax with small initial weights (spiking input)."""
    np.random.seed(seed)
    net = Sequential(
        LinearJax((n_in, n_hidden)), LIFJax(n_hidden, tau_mem=0.02, tau_syn=0.01, surrogate=SURROGATE),
        LinearJax((n_hidden, n_out)), LIFJax(n_out, tau_mem=0.02, tau_syn=0.01, surrogate=SURROGATE),
    )
    p = net.parameters()
    return net.set_attributes({"0_LinearJax": {"weight": p["0_LinearJax"]["weight"] * 0.3},
                               "2_LinearJax": {"weight": p["2_LinearJax"]["weight"] * 0.3}})


def counts_ce(output: Any, labels: Any) -> Any:
    """Softmax cross-entropy of the output spike counts (the counts are the logits)."""
    return optax.softmax_cross_entropy_with_integer_labels(output.sum(axis=1), labels).mean()


def counts_kl(nominal: Any, attacked: Any) -> Any:
    """KL divergence between the class distributions of the nominal and the attacked network."""
    p = jax.nn.log_softmax(nominal.sum(axis=1))
    q = jax.nn.log_softmax(attacked.sum(axis=1))
    return jnp.mean(jnp.sum(jnp.exp(p) * (p - q), axis=-1))


def make_loss(method: str, seed: int, cfg: Dict[str, Any]) -> Any:
    key = jax.random.PRNGKey(1000 + seed)
    if method == "plain":
        return counts_ce
    if method == "noise":
        level = cfg["noise_level"]
        return noisy_loss(counts_ce, lambda p, k: mismatch(p, k, level), key)
    return make_adversarial_loss(
        counts_ce, key, mismatch_loss=counts_kl, mismatch_level=cfg["adv_level"],
        beta_robustness=cfg["beta"], attack_steps=cfg["attack_steps"], initial_std=1e-3,
    )


def _accuracy(net: Any, x: Any, y: Any, level: Any, key: Any) -> Any:
    """Test accuracy of ``net`` with all its parameters mismatched by ``level`` (relative std)."""
    params = mismatch(net.parameters(), key, level)
    out, _, _ = net.reset_state().set_attributes(params)(x)
    return jnp.mean(jnp.argmax(out.sum(axis=1), axis=-1) == y)


# - compiled once per network structure and data shape, vmapped over mismatch draws
_accuracy_draws = jax.jit(jax.vmap(_accuracy, (None, None, None, None, 0)))


def accuracy_under_mismatch(net: Any, x: Any, y: Any, levels: List[float], draws: int, seed: int) -> np.ndarray:
    """Accuracy for each level and draw, ``(len(levels), draws)``: all parameters perturbed."""
    keys = jax.random.split(jax.random.PRNGKey(seed), draws)
    x, y = jnp.asarray(x), jnp.asarray(y)
    return np.stack([np.asarray(_accuracy_draws(net, x, y, jnp.float32(lv), keys)) for lv in levels])


def quantise_8bit(net: Any) -> Any:
    """8-bit weights via ``global_quantize``: each layer's weights and threshold scaled together."""
    p = net.parameters()
    w_in, w_out = np.asarray(p["0_LinearJax"]["weight"]), np.asarray(p["2_LinearJax"]["weight"])
    th, th_out = np.asarray(p["1_LIFJax"]["threshold"]), np.asarray(p["3_LIFJax"]["threshold"])
    zeros_h, zeros_o = np.zeros_like(th), np.zeros_like(th_out)
    q = global_quantize(w_in, np.zeros((th.size, th.size)), w_out, th, th_out, zeros_h, zeros_o,
                        zeros_h, zeros_h, zeros_o, bits_per_weight=8)
    assert np.abs(q["weights_in"]).max() <= 127 and np.abs(q["weights_out"]).max() <= 127
    return net.set_attributes({
        "0_LinearJax": {"weight": q["weights_in"][..., 0].astype(np.float32)},
        "1_LIFJax": {"threshold": q["threshold"].astype(np.float32)},
        "2_LinearJax": {"weight": q["weights_out"].astype(np.float32)},
        "3_LIFJax": {"threshold": q["threshold_out"].astype(np.float32)},
    })


def run_seed(seed: int, cfg: Dict[str, Any], verbose: bool = True) -> Dict[str, Any]:
    """Train the three variants on one task seed; evaluate under mismatch and after quantisation."""
    x_tr, y_tr = spike_pattern_classification(cfg["n_train"], cfg["classes"], T=cfg["T"], seed=seed)
    x_te, y_te = spike_pattern_classification(cfg["n_test"], cfg["classes"], T=cfg["T"], seed=seed,
                                              sample_seed=seed + 100)
    b = cfg["batch"]
    batches = lambda epoch: [  # noqa: E731 - a fresh shuffle per epoch
        (x_tr[i], y_tr[i]) for i in np.split(np.random.default_rng([seed, epoch]).permutation(len(y_tr)),
                                            len(y_tr) // b)]
    out: Dict[str, Any] = {}
    for method in METHODS:
        net = build_net(x_tr.shape[-1], cfg["hidden"], cfg["classes"], seed)
        t0 = time.perf_counter()
        epochs = cfg["epochs"]
        if method == "adversarial":
            # - warm start: half the epochs plain, then adversarial fine-tuning (from scratch the
            #   robustness term can win before the task is learnt: a silent network is robust)
            net, _ = fit(net, counts_ce, batches, "adam", epochs=epochs // 2, lr=cfg["lr"],
                         family="weights", progress=False)
            epochs -= epochs // 2
        trained, hist = fit(net, make_loss(method, seed, cfg), batches, "adam", epochs=epochs,
                            lr=cfg["lr"], family="weights", progress=False)
        seconds = time.perf_counter() - t0
        acc = accuracy_under_mismatch(trained, x_te, y_te, cfg["levels"], cfg["draws"], seed)
        q_acc = float(accuracy_under_mismatch(quantise_8bit(trained), x_te, y_te, [0.0], cfg["draws"], seed).mean())
        out[method] = {"acc": acc.tolist(), "quantised_8bit": q_acc, "train_s": seconds,
                       "final_loss": float(hist.loss[-1])}
        if verbose:
            means = " ".join(f"{100 * m:5.1f}" for m in acc.mean(axis=1))
            print(f"seed {seed} {method:11s} acc % at {cfg['levels']}: {means}  8-bit {100 * q_acc:5.1f}"
                  f"  ({seconds:.0f} s)")
    return out


FULL = dict(n_train=512, n_test=256, classes=4, T=100, hidden=64, batch=64, epochs=20, lr=3e-3,
            noise_level=0.2, adv_level=0.2, beta=0.25, attack_steps=4,
            levels=[0.0, 0.1, 0.2, 0.3], draws=64)
FAST = dict(FULL, n_train=32, n_test=16, T=30, hidden=16, batch=16, epochs=2, draws=3, attack_steps=1)


def plot(results: Dict[str, Any], levels: List[float], path: str) -> None:
    """Accuracy against mismatch: mean over seeds and draws, band = 10th-90th percentile of draws."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    pct = 100 * np.asarray(levels)
    for method, colour in zip(METHODS, ("tab:gray", "tab:blue", "tab:red"), strict=True):
        acc = 100 * np.concatenate([np.asarray(r[method]["acc"]) for r in results.values()], axis=1)
        ax.plot(pct, acc.mean(axis=1), "o-", color=colour, label=method)
        ax.fill_between(pct, np.percentile(acc, 10, axis=1), np.percentile(acc, 90, axis=1), color=colour, alpha=0.2)
    ax.set(xlabel="relative parameter mismatch (%)", ylabel="test accuracy (%)",
           title=f"LIF classifier under mismatch ({len(results)} seeds)")
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: Any = None) -> Dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="tiny sizes (seconds)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--figure", default="docs/robust_training.png")
    ap.add_argument("--json", default=None, help="write the numbers here")
    args = ap.parse_args(argv)
    cfg = FAST if args.fast else FULL
    seeds = 1 if args.fast else args.seeds
    results = {seed: run_seed(seed, cfg, verbose=not args.fast) for seed in range(seeds)}
    summary = {m: {"acc_mean": np.mean([np.mean(r[m]["acc"], axis=1) for r in results.values()], axis=0).tolist(),
                   "quantised_8bit": float(np.mean([r[m]["quantised_8bit"] for r in results.values()]))}
               for m in METHODS}
    if not args.fast:
        for m in METHODS:
            print(f"{m:11s} mean acc %: " + " ".join(f"{100 * a:5.1f}" for a in summary[m]["acc_mean"])
                  + f"   8-bit: {100 * summary[m]['quantised_8bit']:5.1f}")
        plot(results, cfg["levels"], args.figure)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"config": cfg, "results": results, "summary": summary}, f)
    return {"results": results, "summary": summary, "levels": cfg["levels"]}


if __name__ == "__main__":
    main()
