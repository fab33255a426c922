"""The demo's second part: the training tutorial's stateful rate network.

``Sequential(LinearJax((2000, 200)), RateJax(200, activation_func="tanh"), LinearJax((200, 2)))``
learns the tutorial's random sin-mapping task (3 classes of frozen noise input, T = 100 steps, each
mapped to a smooth 2-D target) with the tutorial's loss (``mse`` + ``l2sqr_norm`` regularisation)
and its bounds (``make_bounds``, ``tau >= 11 ms``), enforced by projected updates
(``fit(..., bounds=...)``) rather than the tutorial's ``bounds_cost`` penalty, which lets the loss
spike by 1e3 whenever a time constant crosses the bound.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np

__all__ = ["MultiClassRandomSinMapping", "train_tutorial"]


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

    _say(f"[2/2] Stateful rate network {net.shape} on the sin-mapping task: {epochs} epochs x {len(ds)} samples", verbose)
    trained: Any
    trained, hist = fit(net, loss_mse_reg, ds, "adam", epochs=epochs, lr=5e-4,
                        bounds=(lower, upper), progress=progress, desc="rate net")
    save_checkpoint(out / "rate_network.npz", trained, step=hist.steps)

    fig = plotting.plot_loss(hist, title="Stateful rate network: training loss")
    fig.axes[0].set_xlabel("Training step (one sample)")
    fig.axes[0].set_ylabel("Loss: MSE + 0.1 x L2 of the parameters")
    fig.savefig(out / "rate_loss.png", dpi=110, bbox_inches="tight")
    plt = plotting._pyplot()
    fig, axes = plt.subplots(len(ds), 1, figsize=(8, 2.4 * len(ds)), sharex=True)
    mses = []
    for i, ax in enumerate(np.atleast_1d(axes)):
        x, y = ds[i]
        output, _, _ = trained.reset_state()(x)
        mses.append(float(np.mean((np.asarray(output[0]) - y) ** 2)))
        plotting.plot_outputs(output, y, dt=float(trained[1].dt), ax=ax, title=f"Class {i}: output (solid) vs target (dashed)")
        ax.set_ylabel("Output / target (a.u.)")
    fig.suptitle("Stateful rate network after training: the three classes of the sin-mapping task")
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
