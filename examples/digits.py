"""Real data end to end: a spiking network learns handwritten digits, then travels through NIR.

The workflow of ``python -m rockpool demo``, in plain code:

1. load scikit-learn's bundled handwritten digits (1,797 images, 8 x 8 pixels, no download),
   split them 75 / 25 (stratified, fixed split seed) and encode each image as Poisson spike
   trains: one input channel per pixel, T = 32 steps of 1 ms;
2. build a recurrent LIF network (64 -> 128 recurrent LIF -> 10) whose class score is its
   read-out averaged over time;
3. train it with ``fit`` (Adam with a cosine learning-rate decay, softmax cross-entropy,
   projected bounds on time constants and thresholds, a checkpoint, fresh spikes every epoch);
4. measure the accuracy on the held-out digits;
5. export the trained network to NIR, read it back and check it gives the same test accuracy.

Run (needs ``pip install 'rockpool[all]'``)::

    python examples/digits.py [--epochs 60] [--seed 0] [--out examples/output/digits] [--quick]

It prints the accuracy and timing and writes ``digits_result.png`` (accuracy during training, the
confusion matrix and one digit's spikes), ``digits_checkpoint.npz`` and ``digits.nir``.
"""

from __future__ import annotations

import argparse
import time
import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from rockpool.datasets import spiking_digits
from rockpool.graph import read_nir, write_nir
from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import LIFJax, LinearJax
from rockpool.training import fit, jax_loss


def cross_entropy(output, labels):
    """Softmax cross-entropy of the time-averaged read-out ``(B, T, 10)``."""
    logits = jnp.mean(output, axis=1) * 10.0
    logp = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=-1))


def predict(net, x):
    """The class with the largest time-averaged read-out."""
    output, _, _ = net.reset_state()(x)
    return np.argmax(np.asarray(output).mean(axis=1), axis=-1)


def plot_result(curve, y_test, pred, net, x_test, path):
    """Accuracy during training, the confusion matrix, and the spikes of one test digit."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2), gridspec_kw={"width_ratios": [1.3, 1, 1.3]})
    ax = axes[0]
    ax.plot(curve["step"], 100 * np.array(curve["test"]), "o-", ms=3, label="held-out test digits")
    ax.axhline(10, color="0.5", ls=":", label="chance")
    ax.set(xlabel="Training step (batch of 64)", ylabel="Test accuracy (%)", ylim=(0, 101),
           title=f"Accuracy during training (final {100 * curve['test'][-1]:.1f} %)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")

    cm = np.zeros((10, 10), int)
    np.add.at(cm, (y_test, pred), 1)
    ax = axes[1]
    ax.imshow(cm, cmap="Blues")
    for i, j in zip(*np.nonzero(cm), strict=True):
        ax.text(j, i, cm[i, j], ha="center", va="center", fontsize=7,
                color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set(xticks=range(10), yticks=range(10), xlabel="Predicted digit", ylabel="True digit",
           title=f"Confusion matrix ({len(y_test)} test digits)")

    ax = axes[2]
    k = int(np.nonzero(y_test == 3)[0][0])
    hidden, _, _ = net[1](net[0](x_test[k:k + 1])[0])
    t_in, n_in = np.nonzero(x_test[k])
    t_h, n_h = np.nonzero(np.asarray(hidden)[0])
    ax.scatter(t_in, n_in, s=5, marker="|", c="k", label="input (64 pixels)")
    ax.scatter(t_h, n_h + 70, s=5, marker="|", c="tab:blue", label="hidden LIF (128)")
    ax.set(xlabel="Time (ms)", ylabel="Input channel | 70 + hidden neuron", xlim=(0, x_test.shape[1]),
           title=f"Spikes for one test digit (predicted {pred[k]})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 0.5), fontsize="small", frameon=False)
    inset = ax.inset_axes([1.03, 0.58, 0.25, 0.42])
    inset.imshow(x_test[k].mean(axis=0).reshape(8, 8), cmap="gray_r")
    inset.set(xticks=[], yticks=[])
    inset.set_title("the digit\n(input spike rate)", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output", "digits")


def main(epochs: int = 60, seed: int = 0, out: str = OUT, quick: bool = False) -> dict:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    T, n_hidden, batch = (16, 32, 32) if quick else (32, 128, 64)

    # - 1. data: 75 % training, 25 % held-out test digits, Poisson spikes (p = 0.5 x per 1 ms step)
    data = spiking_digits("poisson", T=T, test_fraction=0.25, split_seed=0, seed=seed,
                          max_rate=500.0, n_samples=300 if quick else None)
    x_test, y_test = data.test_set()
    print(data)

    # - 2. network: 64 pixels -> 128 recurrent LIF neurons -> 10 read-out channels
    np.random.seed(seed)
    net = Sequential(
        LinearJax((data.n_channels, n_hidden)),
        LIFJax(n_hidden, has_rec=True, tau_mem=20e-3, tau_syn=5e-3),
        LinearJax((n_hidden, 10)),
    )
    lower, upper = jax_loss.make_bounds(net.parameters())
    lower["1_LIFJax"].update(tau_mem=5e-3, tau_syn=2e-3, threshold=0.1)

    # - 3. training: fresh spikes and batch order every epoch, test accuracy after each epoch
    steps_per_epoch = len(data.labels_train) // batch
    schedule = optax.cosine_decay_schedule(3e-3, epochs * steps_per_epoch, alpha=0.05)
    curve = {"step": [0], "test": [float(np.mean(predict(net, x_test) == y_test))]}

    def on_epoch(epoch, history, model):
        curve["step"].append(history.steps)
        curve["test"].append(float(np.mean(predict(model, x_test) == y_test)))

    t0 = time.perf_counter()
    trained, history = fit(net, cross_entropy, data.train_batches(batch), optax.adam(schedule),
                           epochs=epochs, bounds=(lower, upper), on_epoch=on_epoch,
                           checkpoint=out_dir / "digits_checkpoint.npz", checkpoint_every=200)
    train_s = time.perf_counter() - t0

    # - 4. held-out accuracy
    pred = predict(trained, x_test)
    accuracy = float(np.mean(pred == y_test))
    print(f"seed {seed}: test accuracy {accuracy:.1%} on {len(y_test)} held-out digits after "
          f"{history.steps} steps in {train_s:.1f} s ({history.steps_per_s:.0f} steps/s)")

    # - 5. NIR: export, read back, same accuracy
    write_nir(trained, out_dir / "digits.nir")
    reloaded = read_nir(out_dir / "digits.nir")
    accuracy_nir = float(np.mean(predict(reloaded, x_test) == y_test))
    print(f"NIR round trip: test accuracy {accuracy_nir:.1%} "
          f"({'the same' if accuracy_nir == accuracy else 'DIFFERENT'})")

    plot_result(curve, y_test, pred, trained, x_test, out_dir / "digits_result.png")
    return {"accuracy": accuracy, "accuracy_nir": accuracy_nir, "train_s": train_s,
            "steps": history.steps, "seed": seed, "curve": curve}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default 60, --quick: 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights, spikes, batch order")
    parser.add_argument("--out", default=OUT, help="output folder (default examples/output/digits)")
    parser.add_argument("--quick", action="store_true", help="a small, seconds-long version")
    args = parser.parse_args()
    main(args.epochs if args.epochs is not None else (2 if args.quick else 60), args.seed, args.out, args.quick)
