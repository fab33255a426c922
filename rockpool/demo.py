"""The demo behind ``python -m rockpool demo``: train two networks, write plots and a summary.

1. **Stateful rate network** (the training tutorial): ``Sequential(LinearJax((2000, 200)),
   RateJax(200, activation_func="tanh"), LinearJax((200, 2)))`` learns the tutorial's random
   sin-mapping task (3 classes of frozen noise input, T = 100 steps, each mapped to a smooth 2-D
   target) with the tutorial's loss (``mse`` + ``l2sqr_norm`` regularisation) and its bounds
   (``make_bounds``, ``tau >= 11 ms``), enforced by projected updates (``fit(..., bounds=...)``)
   rather than the tutorial's ``bounds_cost`` penalty, which lets the loss spike by 1e3 whenever a
   time constant crosses the bound.
2. **Spiking classifier**: ``Sequential(LinearJax((40, 64)), LIFJax(64), LinearJax((64, 4)))``
   classifies jittered spike patterns (:func:`rockpool.datasets.spike_pattern_classification`)
   from the time-averaged readout (softmax cross-entropy), with time constants and thresholds kept
   in range by projected updates (``fit(..., bounds=...)``).

Both train with :func:`~rockpool.training.loop.fit`. The output folder receives PNG plots, a
checkpoint of each trained network and ``summary.json`` / ``summary.txt`` (final loss, accuracy, steps/s).

Example::

    from rockpool.demo import run_demo
    summary = run_demo("demo_output", quick=True)
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, Optional, Union

import numpy as np

__all__ = ["run_demo", "train_tutorial", "train_spiking_classifier"]


def _say(msg: str, verbose: bool) -> None:
    if verbose:
        print(msg, flush=True)


# ---------------------------------------------------------------------------------------- task 1
class MultiClassRandomSinMapping:
    """The training tutorial's task: frozen random input noise mapped to random sinusoids."""

    def __init__(self, num_classes: int = 3, sample_length: int = 100, input_channels: int = 2000,
                 target_channels: int = 2, seed: int = 0):
        rng = np.random.default_rng(seed)
        self._inputs = (rng.standard_normal((num_classes, sample_length, input_channels)) + 1.0).astype(np.float32)
        phase = rng.random((num_classes, 1, target_channels)) * 2 * np.pi
        omega = rng.random((num_classes, 1, target_channels)) * sample_length / 50
        time_base = np.atleast_2d(np.arange(sample_length) / sample_length).T
        self._targets = np.sin(2 * np.pi * omega * time_base + phase).astype(np.float32)

    def __len__(self) -> int:
        return len(self._inputs)

    def __getitem__(self, i: int):
        return self._inputs[i], self._targets[i]


def train_tutorial(out: Path, epochs: int, seed: int, quick: bool, progress: Optional[bool],
                   verbose: bool = True) -> Dict[str, Any]:
    """Task 1: train the tutorial's stateful rate network; write plots; return a summary dict."""
    from rockpool import plotting
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LinearJax, RateJax
    from rockpool.training import jax_loss as l, save_checkpoint
    from rockpool.training.loop import fit

    n_in, n_hidden, T = (100, 16, 50) if quick else (2000, 200, 100)
    ds = MultiClassRandomSinMapping(3, T, n_in, 2, seed=seed)
    np.random.seed(seed)
    net: Any = Sequential(LinearJax((n_in, n_hidden)), RateJax(n_hidden, activation_func="tanh"), LinearJax((n_hidden, 2)))
    lower, upper = l.make_bounds(net.parameters())
    lower["1_RateJax"]["tau"] = 11e-3  # the tutorial's 10 ms, plus a margin: float32(0.01) < 10 * dt

    def loss_mse_reg(parameters, net, inputs, target):
        net = net.reset_state()
        net = net.set_attributes(parameters)
        output, _, _ = net(inputs)
        mse = l.mse(output, target)
        reg = l.l2sqr_norm(parameters) * 1e-1
        return mse + reg

    _say(f"[1/2] Stateful rate network {net.shape} on the sin-mapping task: {epochs} epochs x {len(ds)} samples", verbose)
    trained: Any
    trained, hist = fit(net, loss_mse_reg, ds, "adam", epochs=epochs, lr=5e-4,
                        bounds=(lower, upper), progress=progress, desc="rate net")
    save_checkpoint(out / "rate_network.npz", trained, step=hist.steps)

    plotting.plot_loss(hist, path=out / "rate_loss.png", title="Stateful rate network: training loss")
    plt = plotting._pyplot()
    fig, axes = plt.subplots(len(ds), 1, figsize=(8, 2.4 * len(ds)), sharex=True)
    mses = []
    for i, ax in enumerate(np.atleast_1d(axes)):
        x, y = ds[i]
        output, _, _ = trained.reset_state()(x)
        mses.append(float(np.mean((np.asarray(output[0]) - y) ** 2)))
        plotting.plot_outputs(output, y, dt=float(trained[1].dt), ax=ax, title=f"Class {i}: output (solid) vs target (dashed)")
    fig.tight_layout()
    fig.savefig(out / "rate_outputs.png", dpi=110)
    plt.close("all")
    return {
        "network": str(net.shape),
        "epochs": hist.epochs_completed,
        "steps": hist.steps,
        "initial_loss": float(hist.loss[0]),
        "final_loss": float(hist.loss[-len(ds):].mean()),
        "final_mse": float(np.mean(mses)),
        "min_tau_ms": float(np.min(np.asarray(trained[1].tau)) * 1e3),
        "steps_per_s": hist.steps_per_s,
        "compile_s": hist.first_step_s,
        "wall_s": hist.wall_s,
    }


# ---------------------------------------------------------------------------------------- task 2
def train_spiking_classifier(out: Path, epochs: int, seed: int, quick: bool, progress: Optional[bool],
                             verbose: bool = True) -> Dict[str, Any]:
    """Task 2: train a LIF classifier on synthetic spike patterns; write plots; return a summary."""
    import jax
    import jax.numpy as jnp

    from rockpool import plotting
    from rockpool.datasets import spike_pattern_classification
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LIFJax, LinearJax
    from rockpool.training import jax_loss as l, save_checkpoint
    from rockpool.training.loop import fit

    n_classes, n_channels = 4, 40
    n_train, n_test, T, n_hidden, batch = (32, 32, 50, 16, 16) if quick else (256, 128, 100, 64, 32)
    x_train, y_train = spike_pattern_classification(n_train, n_classes, n_channels, T, seed=seed)
    x_test, y_test = spike_pattern_classification(n_test, n_classes, n_channels, T, seed=seed, sample_seed=seed + 1000)
    batches = [(x_train[i:i + batch], y_train[i:i + batch]) for i in range(0, n_train, batch)]

    np.random.seed(seed)
    net: Any = Sequential(LinearJax((n_channels, n_hidden)), LIFJax(n_hidden), LinearJax((n_hidden, n_classes)))
    lower, upper = l.make_bounds(net.parameters())
    lower["1_LIFJax"].update(tau_mem=5e-3, tau_syn=2e-3, threshold=0.1)

    def cross_entropy(output, labels):
        logits = jnp.mean(output, axis=1) * 10.0  # time-averaged readout
        logp = jax.nn.log_softmax(logits, axis=-1)
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=-1))

    def accuracy(model, x, y) -> float:
        output, _, _ = model.reset_state()(x)
        return float(np.mean(np.argmax(np.asarray(output).mean(axis=1), axis=-1) == y))

    _say(f"[2/2] Spiking classifier {net.shape} on {n_classes} spike patterns: {epochs} epochs x {len(batches)} batches of {batch}", verbose)
    acc0 = accuracy(net, x_test, y_test)
    trained: Any
    trained, hist = fit(net, cross_entropy, batches, "adam", epochs=epochs, lr=2e-3,
                        bounds=(lower, upper), progress=progress, desc="LIF net")
    save_checkpoint(out / "spiking_classifier.npz", trained, step=hist.steps)
    acc_train, acc_test = accuracy(trained, x_train, y_train), accuracy(trained, x_test, y_test)

    plotting.plot_loss(hist, path=out / "snn_loss.png", title="Spiking classifier: cross-entropy loss")
    sample = x_test[:1]
    output, _, record = trained.reset_state()(sample, record=True)
    dt = float(trained[1].dt)
    plotting.plot_raster(sample, dt=dt, path=out / "snn_input.png",
                         title=f"Input spike pattern (class {int(y_test[0])})")
    plotting.plot_lif_record(record, dt=dt, path=out / "snn_lif_record.png", max_traces=6,
                             threshold=float(np.mean(np.asarray(trained[1].threshold))),
                             title="Hidden LIF layer")
    plotting.plot_traces(output, dt=dt, path=out / "snn_readout.png", ylabel="Readout",
                         title=f"Readout (class {int(y_test[0])}; predicted {int(np.argmax(np.asarray(output)[0].mean(0)))})")
    plotting._pyplot().close("all")
    return {
        "network": str(net.shape),
        "epochs": hist.epochs_completed,
        "steps": hist.steps,
        "initial_loss": float(hist.loss[0]),
        "final_loss": float(hist.epoch_loss[-1]),
        "test_accuracy_before": acc0,
        "train_accuracy": acc_train,
        "test_accuracy": acc_test,
        "chance": 1.0 / n_classes,
        "steps_per_s": hist.steps_per_s,
        "compile_s": hist.first_step_s,
        "wall_s": hist.wall_s,
    }


# ---------------------------------------------------------------------------------------- both
def _summary_text(summary: Dict[str, Any]) -> str:
    r, s = summary["rate_network"], summary["spiking_classifier"]
    return "\n".join([
        "rockpool demo summary",
        f"  seed {summary['seed']}, quick={summary['quick']}, total {summary['total_s']:.1f} s",
        f"1. stateful rate network {r['network']}: {r['epochs']} epochs, {r['steps']} steps",
        f"   loss {r['initial_loss']:.4g} -> {r['final_loss']:.4g} (output MSE {r['final_mse']:.4g}); "
        f"min tau {r['min_tau_ms']:.1f} ms; {r['steps_per_s']:.0f} steps/s (compile {r['compile_s']:.1f} s)",
        f"2. spiking classifier {s['network']}: {s['epochs']} epochs, {s['steps']} steps",
        f"   loss {s['initial_loss']:.4g} -> {s['final_loss']:.4g}; accuracy: train {s['train_accuracy']:.0%}, "
        f"test {s['test_accuracy']:.0%} (before training {s['test_accuracy_before']:.0%}, chance "
        f"{s['chance']:.0%}); {s['steps_per_s']:.0f} steps/s (compile {s['compile_s']:.1f} s)",
    ])


def run_demo(
    out_dir: Union[str, Path] = "demo_output",
    epochs: Optional[int] = None,
    seed: int = 0,
    quick: bool = False,
    progress: Optional[bool] = None,
    verbose: bool = True,
) -> Dict[str, Any]:
    """Train both demo networks, write plots, checkpoints and a summary into ``out_dir``.

    Args:
        out_dir: Output folder (created if needed).
        epochs: Epochs for both tasks; default 1000 (rate network, as in the tutorial) and 40
            (spiking classifier).
        seed: Seed of the data sets and the initial weights.
        quick: Small networks and few epochs (seconds instead of about a minute).
        progress: Progress bars (``None``: on a terminal).
        verbose: Print what happens and where the results are.

    Returns:
        The summary dict also written to ``out_dir/summary.json``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    e_rate = epochs if epochs is not None else (20 if quick else 1000)
    e_snn = epochs if epochs is not None else (3 if quick else 40)
    summary: Dict[str, Any] = {"seed": seed, "quick": quick}
    summary["rate_network"] = train_tutorial(out, e_rate, seed, quick, progress, verbose)
    summary["spiking_classifier"] = train_spiking_classifier(out, e_snn, seed, quick, progress, verbose)
    summary["total_s"] = time.perf_counter() - t0
    summary["files"] = sorted(p.name for p in out.iterdir() if p.suffix in (".png", ".npz"))
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    text = _summary_text(summary)
    (out / "summary.txt").write_text(text + "\n")
    if verbose:
        print(text)
        print(f"Results in {out.resolve()}: {', '.join(summary['files'])}, summary.json, summary.txt")
    return summary
