"""Data parallelism with :mod:`jax.sharding`: a 1-D device mesh, batch-sharded inputs, replicated
parameters. Nothing home-made: XLA inserts the gradient all-reduce itself.

:func:`~rockpool.training.loop.fit` uses these helpers when given ``devices=``; they also work
in a hand-written loop:

>>> import jax, numpy as np
>>> from rockpool.nn.modules import LinearJax
>>> net = LinearJax((2, 1))
>>> def loss_fn(params, net, x, y):
...     out, _, _ = net.set_attributes(params)(x)
...     return ((out - y) ** 2).mean()
>>> mesh = data_parallel_mesh()                      # all devices
>>> params = replicate(net.parameters(), mesh)
>>> x, y = shard_batch((np.ones((4, 10, 2)), np.zeros((4, 10, 1))), mesh)  # split the batch
>>> loss, grads = jax.jit(jax.value_and_grad(loss_fn))(params, net, x, y)
>>> grads["weight"].shape
(2, 1)

**Several GPUs on one host**: ``fit(..., devices="all")`` (or a number, or a list of devices) runs
each batch split over the devices; the batch size must be a multiple of the device count.

**Several hosts**: start the same script on every host and call ``jax.distributed.initialize()``
first (on a SLURM or Cloud TPU cluster it needs no arguments; otherwise pass
``coordinator_address="host0:1234", num_processes=N, process_id=i``). ``jax.devices()`` then lists
the devices of all hosts. Each process iterates over *its own* part of the data (e.g.
``dataset[jax.process_index()::jax.process_count()]``): :func:`shard_batch` assembles the global
batch from the process-local batches with ``jax.make_array_from_process_local_data``, so the global
batch is ``process_count()`` times the local one. Only process 0 writes checkpoints.

The recipe, as ``tests/test_multiprocess.py`` runs it in two processes on one machine (losses and
parameters equal a one-process run on the whole batch)::

    import jax
    jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPU only; GPUs use NCCL
    jax.distributed.initialize(coordinator_address="10.0.0.1:1234",  # process 0's host
                               num_processes=N, process_id=i)
    local = [(x[i * b:(i + 1) * b], y[i * b:(i + 1) * b]) for x, y in batches]  # b = B // N
    trained, history = fit(net, loss, local, "adam", devices="all")
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

from rockpool._optional import require

require("jax", "jax")  # a missing JAX is an ImportError naming the extra to install

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

__all__ = ["data_parallel_mesh", "batch_sharding", "replicated_sharding", "shard_batch", "replicate"]

AXIS = "batch"

DevicesLike = Union[None, int, str, Sequence[Any]]


def data_parallel_mesh(devices: DevicesLike = None) -> Mesh:
    """A 1-D :class:`jax.sharding.Mesh` with axis ``"batch"``.

    Args:
        devices: ``None`` or ``"all"``: every device (``jax.devices()``); an ``int`` ``n``: the first
            ``n`` devices; or an explicit sequence of devices.

    Example:
        >>> data_parallel_mesh(1).devices.shape
        (1,)
    """
    available = jax.devices()
    if devices is None or (isinstance(devices, str) and devices == "all"):
        chosen = list(available)
    elif isinstance(devices, str):
        raise ValueError(f"devices={devices!r}: expected None, 'all', a number, or a list of devices.")
    elif isinstance(devices, (int, np.integer)):
        n = int(devices)
        if n < 1 or n > len(available):
            raise ValueError(
                f"devices={n}: there are {len(available)} devices ({available[0].platform}). "
                f"On CPU, start Python with XLA_FLAGS=--xla_force_host_platform_device_count={max(n, 1)} "
                f"to simulate more."
            )
        chosen = list(available[:n])
    else:
        chosen = list(devices)
        if not chosen:
            raise ValueError("devices=[]: give at least one device.")
    return Mesh(np.array(chosen, dtype=object), (AXIS,))


def batch_sharding(mesh: Mesh) -> NamedSharding:
    """Sharding that splits the leading (batch) axis over the mesh."""
    return NamedSharding(mesh, PartitionSpec(AXIS))


def replicated_sharding(mesh: Mesh) -> NamedSharding:
    """Sharding that keeps a full copy on every device of the mesh."""
    return NamedSharding(mesh, PartitionSpec())


def shard_batch(tree: Any, mesh: Mesh, batch_size: Optional[int] = None) -> Any:
    """Place a batch on the mesh, split along its leading axis.

    Leaves whose leading axis has length ``batch_size`` (default: the first leaf's leading axis) are
    split over the devices; other leaves (e.g. a scalar target) are replicated. With several
    processes, each process passes its local batch and gets the global array.

    Raises:
        ValueError: if the batch size is not a multiple of the number of devices.

    Example:
        >>> x = shard_batch(np.zeros((4, 10, 3)), data_parallel_mesh(1))
    """
    leaves = jax.tree_util.tree_leaves(tree)
    if batch_size is None:
        first = leaves[0] if leaves else None
        if first is None or np.ndim(first) == 0:
            raise ValueError("shard_batch: the first leaf needs a leading batch axis (shape (B, ...)).")
        batch_size = int(np.shape(first)[0])
    n_local = len(mesh.local_devices) if jax.process_count() > 1 else mesh.devices.size
    if batch_size % n_local:
        raise ValueError(
            f"Data parallel training over {n_local} devices needs a batch size that is a multiple of "
            f"{n_local} (got {batch_size}). Change the batch size, drop the last partial batch, or "
            f"use fewer devices."
        )
    split, rep = batch_sharding(mesh), replicated_sharding(mesh)
    multi = jax.process_count() > 1

    def place(x: Any) -> Any:
        shards = np.ndim(x) > 0 and np.shape(x)[0] == batch_size
        sharding = split if shards else rep
        if multi and shards:
            return jax.make_array_from_process_local_data(sharding, np.asarray(x))
        return jax.device_put(x, sharding)

    return jax.tree_util.tree_map(place, tree)


def replicate(tree: Any, mesh: Mesh) -> Any:
    """Place a copy of every leaf of ``tree`` on each device of the mesh (parameters, optimiser state).

    Example:
        >>> p = replicate({"w": np.ones(3)}, data_parallel_mesh(1))
    """
    return jax.device_put(tree, replicated_sharding(mesh))
