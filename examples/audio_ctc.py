"""Synthetic audio -> mel filter bank -> spiking network, trained with the CTC loss on label sequences.

Each sample is a short "utterance": a sequence of 1-3 tokens, where token ``k`` is a burst of a
tone at its own frequency (with random pitch jitter, duration and amplitude), separated by
silences, in background noise. The label is the token sequence (e.g. ``[2, 1, 1]``); where the
tokens are in time is not given. The audio (8 kHz) runs through
:class:`~rockpool.nn.modules.ButterMelFilter` (16 mel channels, rectified and smoothed), is
down-sampled to 10 ms frames, and drives ``LinearJax -> LIFJax -> ExpSynJax -> LinearJax``; the
output is read as per-frame class scores (class 0 = blank). Training minimises
:func:`rockpool.training.ctc_loss.ctc_loss_batch` (batched CTC with padding masks, on optax) with
Adam; decoding is greedy (best class per frame, merge repeats, drop blanks).

Run::

    python examples/audio_ctc.py           # about a minute
    python examples/audio_ctc.py --fast    # a few seconds (what the tests run)
"""

from __future__ import annotations

import argparse
import time
from typing import Any, Dict, List, Tuple

import jax
import numpy as np
import optax

from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import ButterMelFilter, ExpSynJax, LIFJax, LinearJax
from rockpool.training.ctc_loss import ctc_loss_batch

FS = 8000.0
FRAME = 80  # samples per 10 ms frame
TONES = (400.0, 900.0, 2000.0)  # token k = 1, 2, 3


def synth_utterances(n: int, seed: int, max_tokens: int = 3, duration: float = 0.4) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(audio (n, samples), labels (n, max_tokens) zero-padded, label_lengths (n,))``."""
    rng = np.random.default_rng(seed)
    n_samp = int(duration * FS)
    audio = 0.02 * rng.standard_normal((n, n_samp))
    labels = np.zeros((n, max_tokens), np.int32)
    lengths = rng.integers(1, max_tokens + 1, n).astype(np.int32)
    t = np.arange(n_samp) / FS
    for i in range(n):
        pos = int(rng.uniform(0.01, 0.03) * FS)
        for j in range(lengths[i]):
            k = int(rng.integers(1, len(TONES) + 1))
            labels[i, j] = k
            dur = int(rng.uniform(0.05, 0.08) * FS)
            f = TONES[k - 1] * rng.uniform(0.97, 1.03)
            env = np.hanning(dur) * rng.uniform(0.5, 1.0)
            audio[i, pos:pos + dur] += env * np.sin(2 * np.pi * f * t[:dur])
            pos += dur + int(rng.uniform(0.03, 0.05) * FS)
    return audio, labels, lengths


def front_end(audio: np.ndarray, n_channels: int = 16) -> np.ndarray:
    """Mel filter bank (batched: each utterance filtered along time), then 10 ms frames, scaled."""
    fb = ButterMelFilter(n_channels, fs=FS, cutoff_fs=100.0)
    y, _, _ = fb(audio[..., None])  # (B, samples, channels)
    frames = y[:, : y.shape[1] // FRAME * FRAME].reshape(y.shape[0], -1, FRAME, n_channels).mean(axis=2)
    return (frames / np.percentile(frames, 99)).astype(np.float32)


def build_net(n_in: int, hidden: int, n_classes: int, seed: int) -> Any:
    np.random.seed(seed)
    net = Sequential(
        LinearJax((n_in, hidden)),
        LIFJax(hidden, tau_mem=0.04, tau_syn=0.02, dt=FRAME / FS),
        ExpSynJax(hidden, tau=0.04, dt=FRAME / FS),
        LinearJax((hidden, n_classes), has_bias=True),
    )
    return net


def loss_fn(params: Any, net: Any, x: Any, labels: Any, lengths: Any) -> Any:
    out, _, _ = net.reset_state().set_attributes(params)(x)
    log_probs = jax.nn.log_softmax(out * 0.25)  # 0.25 = dt / tau: the synapses' gain
    return ctc_loss_batch(log_probs, labels, None, lengths, reduction="mean")


def greedy_decode(scores: np.ndarray) -> List[List[int]]:
    best = np.argmax(scores, axis=-1)
    out = []
    for row in best:
        merged = [k for i, k in enumerate(row) if i == 0 or k != row[i - 1]]
        out.append([int(k) for k in merged if k != 0])
    return out


def run(fast: bool = False, seed: int = 0, verbose: bool = True) -> Dict[str, Any]:
    """Train and evaluate; returns losses and the test sequence accuracy."""
    n_train, n_test, steps, hidden = (64, 32, 60, 32) if fast else (768, 256, 4000, 64)
    audio, labels, lengths = synth_utterances(n_train + n_test, seed)
    t0 = time.perf_counter()
    feats = front_end(audio)
    t_front = time.perf_counter() - t0
    x_tr, x_te = feats[:n_train], feats[n_train:]
    net = build_net(feats.shape[-1], hidden, len(TONES) + 1, seed)
    params = net.parameters(("weights", "biases"))
    opt = optax.adam(1e-2)
    opt_state = opt.init(params)

    @jax.jit
    def step(params, opt_state, x, lab, lens):
        loss, grads = jax.value_and_grad(loss_fn)(params, net, x, lab, lens)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    rng = np.random.default_rng(seed)
    losses = []
    t0 = time.perf_counter()
    for i in range(steps):
        idx = rng.choice(n_train, 32, replace=False)
        params, opt_state, loss = step(params, opt_state, x_tr[idx], labels[idx], lengths[idx])
        losses.append(float(loss))
        if verbose and (i % 500 == 0 or i == steps - 1):
            print(f"step {i:4d}  CTC loss {losses[-1]:.3f}")
    t_train = time.perf_counter() - t0
    out, _, _ = net.reset_state().set_attributes(params)(x_te)
    decoded = greedy_decode(np.asarray(out))
    truth = [labels[n_train + i, : lengths[n_train + i]].tolist() for i in range(n_test)]
    seq_acc = float(np.mean([d == t for d, t in zip(decoded, truth, strict=True)]))
    result = {"losses": losses, "sequence_accuracy": seq_acc, "front_end_s": t_front, "train_s": t_train,
              "examples": list(zip(truth[:5], decoded[:5], strict=True))}
    if verbose:
        print(f"test sequence accuracy {100 * seq_acc:.1f} % ({n_test} utterances; front end {t_front:.1f} s, "
              f"training {t_train:.0f} s)")
        for t, d in result["examples"]:
            print(f"  label {t}  decoded {d}")
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    run(args.fast, args.seed)
