"""Small synthetic data sets, generated on the fly (no download).

:func:`spike_pattern_classification` builds a classic spiking benchmark: each class is one frozen
random Poisson spike pattern over ``n_channels`` input channels; each sample is its class's pattern
with every spike time jittered, some spikes dropped, and background spikes added. A network must
recognise the pattern from spike *timing* and channel identity; the mean rate carries little
information (all classes are drawn with the same rate).

Example:
    >>> from rockpool.datasets import spike_pattern_classification
    >>> x, y = spike_pattern_classification(n_samples=8, n_classes=2, seed=1)
    >>> x.shape, x.dtype.name, y.shape
    ((8, 100, 40), 'float32', (8,))
"""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

__all__ = ["spike_pattern_classification", "spike_patterns"]


def spike_patterns(
    n_classes: int = 4, n_channels: int = 40, T: int = 100, rate: float = 20.0, dt: float = 1e-3,
    seed: int = 0,
) -> np.ndarray:
    """The frozen class templates: ``(n_classes, T, n_channels)`` 0/1 Poisson rasters.

    Each channel of each class fires as a Poisson process of ``rate`` Hz (at most one spike per
    time step of ``dt`` seconds). Depends only on ``seed`` and the shape arguments.
    """
    rng = np.random.default_rng([seed, 0])
    return (rng.random((n_classes, T, n_channels)) < rate * dt).astype(np.float32)


def spike_pattern_classification(
    n_samples: int = 256,
    n_classes: int = 4,
    n_channels: int = 40,
    T: int = 100,
    rate: float = 20.0,
    jitter: float = 2e-3,
    drop_prob: float = 0.1,
    noise_rate: float = 2.0,
    dt: float = 1e-3,
    seed: int = 0,
    sample_seed: Optional[int] = None,
) -> Tuple[np.ndarray, np.ndarray]:
    """A spike-pattern classification task: ``(inputs, labels)``.

    Class ``c`` has a frozen template :math:`P_c` (:func:`spike_patterns`, Poisson at ``rate`` Hz on
    each channel). A sample of class ``c`` moves each template spike at time :math:`t_k` to
    :math:`\\mathrm{round}(t_k + \\mathcal{N}(0, \\text{jitter}^2) / dt)` (clipped to the trial),
    deletes it with probability ``drop_prob``, and adds background Poisson spikes at ``noise_rate``
    Hz. Labels are balanced (``i % n_classes``) and shuffled.

    Args:
        n_samples: Number of samples ``B``.
        n_classes: Number of classes (templates).
        n_channels: Input channels ``Nin``.
        T: Time steps per sample.
        rate: Template firing rate per channel, Hz.
        jitter: Standard deviation of the spike-time jitter, seconds.
        drop_prob: Probability that a template spike is missing from a sample.
        noise_rate: Rate of extra background spikes per channel, Hz.
        dt: Time step, seconds.
        seed: Seed of the templates (the task). Same seed, same classes.
        sample_seed: Seed of the sample noise; defaults to ``seed``. Use another value to draw a
            test set of the same task.

    Returns:
        ``inputs``: ``(B, T, Nin)`` float32 spike rasters (0/1); ``labels``: ``(B,)`` int32.
    """
    for name, value in (("n_samples", n_samples), ("n_classes", n_classes),
                        ("n_channels", n_channels), ("T", T)):
        if int(value) != value or value < 1:
            raise ValueError(f"spike_pattern_classification: {name} must be a whole number >= 1 (got {value!r}).")
    if not 0.0 <= drop_prob <= 1.0:
        raise ValueError(f"spike_pattern_classification: drop_prob must lie in [0, 1] (got {drop_prob!r}).")
    for name, v in (("rate", rate), ("noise_rate", noise_rate), ("jitter", jitter)):
        if not v >= 0.0:
            raise ValueError(f"spike_pattern_classification: {name} must be >= 0 (got {v!r}).")
    if not dt > 0.0:
        raise ValueError(f"spike_pattern_classification: dt must be > 0 seconds (got {dt!r}).")
    templates = spike_patterns(n_classes, n_channels, T, rate, dt, seed)
    rng = np.random.default_rng([seed if sample_seed is None else sample_seed, 1])
    labels = rng.permutation(np.arange(n_samples) % n_classes).astype(np.int32)
    x = np.zeros((n_samples, T, n_channels), np.float32)
    for b, c in enumerate(labels):
        t, ch = np.nonzero(templates[c])
        keep = rng.random(t.size) >= drop_prob
        t = t[keep] + np.round(rng.normal(0.0, jitter / dt, keep.sum())).astype(int)
        x[b, np.clip(t, 0, T - 1), ch[keep]] = 1.0
    x = np.maximum(x, rng.random(x.shape) < noise_rate * dt).astype(np.float32)
    return x, labels
