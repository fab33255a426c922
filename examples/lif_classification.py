"""Train a spiking network (LinearJax - LIFJax - LinearJax - LIFJax) to classify spike patterns.

The task (:func:`rockpool.datasets.spike_pattern_classification`) has frozen random Poisson spike
patterns, one per class, presented with spike-time jitter, dropped spikes and background spikes.
The network's prediction is the output neuron that fires most; the loss is the softmax
cross-entropy of the output spike counts. Training uses optax Adam on ``net.parameters()``, with
one jitted ``value_and_grad`` + update per step (surrogate gradients through the LIF neurons).

Run::

    python examples/lif_classification.py [--steps 150] [--quick]
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from rockpool.datasets import spike_pattern_classification
from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import LIFJax, LinearJax


def build_net(n_in: int, n_hidden: int, n_out: int, seed: int = 0, scale: float = 0.3):
    """LinearJax -> LIFJax -> LinearJax -> LIFJax, with input weights scaled for spiking input."""
    np.random.seed(seed)
    net = Sequential(
        LinearJax((n_in, n_hidden)),
        LIFJax(n_hidden, tau_mem=0.02, tau_syn=0.01),
        LinearJax((n_hidden, n_out)),
        LIFJax(n_out, tau_mem=0.02, tau_syn=0.01),
    )
    # - One input spike charges V by about tau_syn / dt times its weight: start with small weights
    return net.set_attributes({
        "0_LinearJax": {"weight": net[0].weight * scale},
        "2_LinearJax": {"weight": net[2].weight * scale},
    })


def loss_fn(params, net, x, y):
    net = net.reset_state().set_attributes(params)
    out, _, _ = net(x)
    counts = out.sum(axis=1)  # (B, classes): spike counts are the logits
    return optax.softmax_cross_entropy_with_integer_labels(counts, y).mean()


def accuracy(net, params, x, y) -> float:
    out, _, _ = net.reset_state().set_attributes(params)(x)
    counts = np.asarray(out.sum(axis=1))
    return float(np.mean(np.argmax(counts, axis=1) == y))


def train(steps: int = 150, n_train: int = 256, n_classes: int = 4, batch: int = 64,
          lr: float = 1e-3, seed: int = 0, verbose: bool = True) -> dict:
    """Train on a fresh task; return the final train and test accuracy and the time taken."""
    x_train, y_train = spike_pattern_classification(n_train, n_classes, seed=seed)
    x_test, y_test = spike_pattern_classification(256, n_classes, seed=seed, sample_seed=seed + 100)
    net = build_net(x_train.shape[-1], 64, n_classes, seed)
    opt = optax.adam(lr)
    params = net.parameters()
    opt_state = opt.init(params)

    @jax.jit
    def step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, net, x, y)
        updates, opt_state = opt.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        # - keep time constants and thresholds positive
        for name in ("1_LIFJax", "3_LIFJax"):
            p = dict(params[name])
            for k in ("tau_mem", "tau_syn", "threshold"):
                p[k] = jnp.maximum(p[k], 2e-3 if k != "threshold" else 0.05)
            params = {**params, name: p}
        return params, opt_state, loss

    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for i in range(steps):
        idx = rng.choice(n_train, batch, replace=False)
        params, opt_state, loss = step(params, opt_state, jnp.asarray(x_train[idx]), jnp.asarray(y_train[idx]))
        if verbose and (i % 25 == 0 or i == steps - 1):
            print(f"step {i:4d}  loss {float(loss):.4f}")
    elapsed = time.perf_counter() - t0
    result = {
        "train_accuracy": accuracy(net, params, x_train, y_train),
        "test_accuracy": accuracy(net, params, x_test, y_test),
        "seconds": elapsed,
        "chance": 1.0 / n_classes,
    }
    if verbose:
        print(f"train accuracy {result['train_accuracy']:.3f}  test accuracy {result['test_accuracy']:.3f}"
              f"  (chance {result['chance']:.2f}; {elapsed:.1f} s)")
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--quick", action="store_true", help="40 steps")
    args = ap.parse_args()
    train(40 if args.quick else args.steps)
