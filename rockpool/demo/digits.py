"""The demo's main job: a spiking network classifies real handwritten digits, end to end.

1. **Data**: scikit-learn's 1,797 digits (8 x 8 pixels), 75 % / 25 % stratified train / test
   split (``split_seed=0``), Poisson rate coding: pixel intensity ``x`` in ``[0, 1]`` fires with
   probability ``0.5 x`` per 1 ms step, for ``T = 32`` steps (:func:`rockpool.datasets.spiking_digits`).
   Every epoch draws fresh spikes and a fresh batch order; the test set is encoded once.
2. **Network**: ``Sequential(LinearJax((64, 128)), LIFJax(128, has_rec=True), LinearJax((128, 10)))``:
   a recurrent layer of current-based LIF neurons (``tau_mem`` 20 ms, ``tau_syn`` 5 ms) and a
   linear read-out; the class score is the read-out averaged over time.
3. **Training**: :func:`~rockpool.training.fit` with Adam and a cosine learning-rate decay,
   softmax cross-entropy, time constants and thresholds kept in range by projected updates,
   a checkpoint every 200 steps, and the test accuracy measured after every epoch.
4. **Export**: the trained network is written to NIR (``digits.nir``), read back, and must give
   the same test accuracy (and the same outputs).

Outputs: ``digits_loss.png``, ``digits_accuracy.png``, ``digits_confusion.png``,
``digits_rasters.png``, ``digits_checkpoint.npz``, ``digits.nir``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

__all__ = ["DigitsConfig", "build_network", "train_digits"]


class DigitsConfig:
    """Sizes and hyper-parameters of the digits job (``quick``: a seconds-long smoke test).

    Example:
        >>> DigitsConfig(quick=True).epochs, DigitsConfig().n_hidden
        (2, 128)
    """

    def __init__(self, quick: bool = False, epochs: Optional[int] = None):
        self.T = 16 if quick else 32
        self.n_hidden = 32 if quick else 128
        self.batch = 32 if quick else 64
        self.n_samples = 300 if quick else None  # all 1797
        self.epochs = epochs if epochs is not None else (2 if quick else 60)
        self.lr = 3e-3
        self.max_rate = 500.0  # Hz: p = 0.5 per 1 ms step at full intensity
        self.tau_mem, self.tau_syn = 20e-3, 5e-3
        self.test_fraction = 0.25
        self.split_seed = 0
        self.checkpoint_every = 200


def build_network(n_in: int, n_hidden: int, n_out: int, tau_mem: float = 20e-3,
                  tau_syn: float = 5e-3) -> Any:
    """``Sequential(LinearJax((n_in, n_hidden)), LIFJax(n_hidden, has_rec=True), LinearJax((n_hidden, n_out)))``.

    Example:
        >>> build_network(64, 16, 10)[1].w_rec.shape
        (16, 16)
    """
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LIFJax, LinearJax

    return Sequential(
        LinearJax((n_in, n_hidden)),
        LIFJax(n_hidden, has_rec=True, tau_mem=tau_mem, tau_syn=tau_syn),
        LinearJax((n_hidden, n_out)),
    )


def _loss_and_predict():
    import jax
    import jax.numpy as jnp

    def cross_entropy(output, labels):
        logits = jnp.mean(output, axis=1) * 10.0  # time-averaged read-out, scaled
        logp = jax.nn.log_softmax(logits, axis=-1)
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=-1))

    def predict(model: Any, x: np.ndarray) -> np.ndarray:
        output, _, _ = model.reset_state()(x)
        return np.argmax(np.asarray(output).mean(axis=1), axis=-1)

    return cross_entropy, predict


def train_digits(out: Path, epochs: Optional[int], seed: int, quick: bool,
                 progress: Optional[bool], verbose: bool = True) -> Dict[str, Any]:
    """Train, evaluate, export and re-import the digits classifier; write plots; return a summary.

    Args:
        out: Output folder (exists).
        epochs: Training epochs (``None``: 60, ``quick``: 2).
        seed: Seed of the initial weights, the spike encoding and the batch order.
        quick: 300 digits, 32 hidden neurons, T = 16: a smoke test.
        progress: Progress bar (``None``: on a terminal).
        verbose: Print what is trained.

    Returns:
        The summary dict (accuracies before / after training and after the NIR round trip,
        timing, parameter count, the accuracy curve).

    Example::

        summary = train_digits(Path("out"), None, seed=0, quick=False, progress=True)
    """
    import jax
    import optax

    from rockpool.datasets import spiking_digits
    from rockpool.demo import _figures as figures
    from rockpool.graph import read_nir, write_nir
    from rockpool.training import jax_loss as l
    from rockpool.training.loop import fit

    cfg = DigitsConfig(quick, epochs)
    data = spiking_digits("poisson", T=cfg.T, test_fraction=cfg.test_fraction, split_seed=cfg.split_seed,
                          seed=seed, n_samples=cfg.n_samples, max_rate=cfg.max_rate)
    x_test, y_test = data.test_set()
    n_monitor = min(len(y_test), len(data.labels_train))  # training digits tracked for the train accuracy
    x_train_m, y_train_m = (a[:n_monitor] for a in data.train_set())
    batches = data.train_batches(cfg.batch)
    steps_per_epoch = len(data.labels_train) // cfg.batch

    np.random.seed(seed)
    net: Any = build_network(data.n_channels, cfg.n_hidden, 10, cfg.tau_mem, cfg.tau_syn)
    n_params = int(sum(np.size(p) for p in jax.tree_util.tree_leaves(net.parameters())))
    lower, upper = l.make_bounds(net.parameters())
    lower["1_LIFJax"].update(tau_mem=5e-3, tau_syn=2e-3, threshold=0.1)
    schedule = optax.cosine_decay_schedule(cfg.lr, cfg.epochs * steps_per_epoch, alpha=0.05)
    cross_entropy, predict = _loss_and_predict()

    curve: Dict[str, List[float]] = {"step": [0.0], "test": [], "train": []}
    eval_s = [0.0]

    def evaluate(model: Any) -> None:
        t0 = time.perf_counter()
        curve["test"].append(float(np.mean(predict(model, x_test) == y_test)))
        curve["train"].append(float(np.mean(predict(model, x_train_m) == y_train_m)))
        eval_s[0] += time.perf_counter() - t0

    def on_epoch(epoch: int, hist: Any, model: Any) -> None:
        curve["step"].append(float(hist.steps))
        evaluate(model)

    evaluate(net)
    eval_s[0] = 0.0  # count only the evaluations during training
    if verbose:
        print(f"[1/2] Spiking digits classifier {net.shape}, {n_params:,} parameters: {data!r}; "
              f"{cfg.epochs} epochs x {steps_per_epoch} batches of {cfg.batch}", flush=True)
    ckpt = out / "digits_checkpoint.npz"
    trained: Any
    trained, hist = fit(net, cross_entropy, batches, optax.adam(schedule), epochs=cfg.epochs,
                        bounds=(lower, upper), on_epoch=on_epoch, progress=progress,
                        desc="digits", checkpoint=ckpt, checkpoint_every=cfg.checkpoint_every)
    train_s = hist.wall_s - eval_s[0]

    # - the held-out test, then the NIR round trip
    pred = predict(trained, x_test)
    acc_test = float(np.mean(pred == y_test))
    write_nir(trained, out / "digits.nir")
    reloaded: Any = read_nir(out / "digits.nir")
    out_a, _, _ = trained.reset_state()(x_test)
    out_b, _, _ = reloaded.reset_state()(x_test)
    pred_nir = np.argmax(np.asarray(out_b).mean(axis=1), axis=-1)
    acc_nir = float(np.mean(pred_nir == y_test))
    max_diff = float(np.max(np.abs(np.asarray(out_a) - np.asarray(out_b))))

    figures.plot_digits_loss(hist, out / "digits_loss.png")
    figures.plot_accuracy_curve(curve, out / "digits_accuracy.png")
    figures.plot_confusion(y_test, pred, out / "digits_confusion.png")
    figures.plot_digit_rasters(trained, data, out / "digits_rasters.png")
    figures.close_all()
    return {
        "task": "scikit-learn handwritten digits (8x8), Poisson rate coding",
        "network": str(net.shape),
        "layers": "Linear 64->{0}, recurrent LIF {0}, Linear {0}->10".format(cfg.n_hidden),
        "n_parameters": n_params,
        "n_train": int(len(data.labels_train)),
        "n_test": int(len(y_test)),
        "T": data.T,
        "dt_s": data.dt,
        "split_seed": cfg.split_seed,
        "epochs": hist.epochs_completed,
        "steps": hist.steps,
        "batch_size": cfg.batch,
        "initial_loss": float(hist.loss[0]),
        "final_loss": float(hist.epoch_loss[-1]),
        "test_accuracy_before": curve["test"][0],
        "train_accuracy": curve["train"][-1],
        "test_accuracy": acc_test,
        "test_accuracy_nir": acc_nir,
        "nir_max_output_difference": max_diff,
        "nir_same_accuracy": acc_nir == acc_test,
        "chance": 0.1,
        "train_s": train_s,
        "eval_s": eval_s[0],
        "steps_per_s": (hist.steps - 1) / (train_s - hist.first_step_s)
        if hist.steps > 1 and train_s > hist.first_step_s else hist.steps_per_s,
        "compile_s": hist.first_step_s,
        "accuracy_curve": {k: v for k, v in curve.items()},
    }
