"""Spike encoders and small offline data sets (nothing is downloaded).

* Encoders (:mod:`rockpool.datasets.encoders`): pure functions from arrays (NumPy or JAX) to
  ``(B, T, N)`` spike arrays: :func:`poisson_encode` (rate coding), :func:`latency_encode`
  (time to first spike), :func:`delta_encode` (threshold-crossing events of a signal) and
  :func:`scan_encode` (an image scanned row by row into delta events). :func:`to_tsevents` turns
  any of them into :class:`~rockpool.timeseries.TSEvent` series.
* Real data (:mod:`rockpool.datasets.digits`): :func:`spiking_digits` loads scikit-learn's
  bundled handwritten digits (1,797 images of 8 x 8 pixels, 10 classes), splits them (stratified,
  fixed seed), spike-encodes them and yields batches in the shape
  :func:`~rockpool.training.fit` takes. Needs ``pip install 'rockpool[data]'``.
* Synthetic data (:mod:`rockpool.datasets.synthetic`): :func:`spike_pattern_classification`,
  frozen Poisson spike patterns with jitter.

Example:
    >>> import numpy as np
    >>> from rockpool.datasets import poisson_encode
    >>> poisson_encode(np.array([[0.0, 1.0]]), T=5, max_rate=1000.0, seed=0).astype(int)[0].T.tolist()
    [[0, 0, 0, 0, 0], [1, 1, 1, 1, 1]]
"""

from rockpool.datasets.digits import SpikingDigits, spiking_digits
from rockpool.datasets.encoders import (
    delta_encode,
    latency_encode,
    poisson_encode,
    scan_encode,
    to_tsevents,
)
from rockpool.datasets.synthetic import spike_pattern_classification, spike_patterns

__all__ = [
    "poisson_encode",
    "latency_encode",
    "delta_encode",
    "scan_encode",
    "to_tsevents",
    "spiking_digits",
    "SpikingDigits",
    "spike_pattern_classification",
    "spike_patterns",
]
