"""Smoothed softmax readouts over spiking input: ``SoftmaxJax`` and ``LogSoftmaxJax``.

Run with ``python examples/softmax.py``. A random spike raster (B=2 trials, T=200 steps of 1 ms,
8 input channels) is weighted, smoothed by an exponential synapse (tau = 100 ms) and turned into
class probabilities over 3 outputs, separately at every time step of every trial.
"""

import numpy as np
import jax.numpy as jnp

from rockpool.nn.modules import LogSoftmaxJax, SoftmaxJax

np.random.seed(1)

# - A spike raster (batch, time, channels) of booleans: 9 input channels in 3 groups; in each
#   trial, the group of the trial's class fires at 40 Hz and the others at 10 Hz
B, T, Nin, Nout = 2, 200, 9, 3
classes = [0, 2]
rates = np.full((B, 1, Nin), 10.0)
for b, c in enumerate(classes):
    rates[b, 0, 3 * c : 3 * c + 3] = 40.0
spikes = np.random.rand(B, T, Nin) < rates * 1e-3
print(f"input spikes: shape {spikes.shape}, {int(spikes.sum())} spikes; classes {classes}")

# - Each group of inputs votes for one class
weight = np.kron(np.eye(Nout), np.ones((3, 1))) * 0.1

# - Build the readouts (same weights, so the two can be compared)
smax = SoftmaxJax(weight=weight, has_bias=False, tau=0.1, dt=1e-3)
log_smax = LogSoftmaxJax((Nin, Nout), weight=weight, has_bias=False, tau=0.1)
print(smax)
print(log_smax)

# - Evolve both modules over the spikes
probs, state, record = smax(spikes, record=True)
log_probs, _, _ = log_smax(spikes)
print(f"output shape: {probs.shape}")
print("recorded:", sorted(record))

# - At every (trial, time step) the probabilities over the channels sum to 1
sums = np.asarray(probs.sum(axis=-1))
print(f"per-step sums: min {sums.min():.6f}, max {sums.max():.6f}")
print("probabilities sum to 1 at every step:", bool(np.allclose(sums, 1.0, atol=1e-5)))

# - Log-softmax agrees with the log of the softmax
print("log-softmax == log(softmax):", bool(jnp.allclose(log_probs, jnp.log(probs), atol=1e-5)))

# - Probabilities at a few time steps of trial 0, and the class chosen at the end of each trial
for t in (0, 49, 99, 199):
    print(f"t = {t + 1:3d} ms: p = {np.round(np.asarray(probs[0, t]), 3)}")
print("predicted class per trial:", np.asarray(probs[:, -1].argmax(-1)).tolist())

# - The smoothing state after the evolution, to carry on with set_attributes
smax = smax.set_attributes(state)
print("smooth.isyn after evolution:", np.round(np.asarray(smax.smooth.isyn), 3))
