"""Long sequences: bounded-memory training (rematerialised chunks), streaming inference, memory checks.

Backpropagation through time keeps every step's intermediate values, so the memory of a training
step grows linearly with the number of time steps ``T``. Here the time axis is cut into chunks of
``K`` steps and a ``lax.scan`` runs over the chunks, carrying the network's state; each chunk's
evolution is wrapped in :func:`jax.checkpoint`, so the backward pass recomputes a chunk's internals
when it needs them. What is stored is the state at each chunk boundary (``T / K`` small arrays),
the internals of one chunk at a time (``K`` steps) and the network's output; the gradients are those
of plain backpropagation through time.

Nothing in a module's code changes: a chunk is evolved with the module's own ``evolve`` (through
the functional API), one batch element per :func:`jax.vmap` lane, so each lane's new state (a
module returns the state of its batch element 0) is exactly that element's state. Random keys in
the state are folded with the batch index, so noisy modules draw independent noise per element
(different draws than an unchunked evolution, with the same statistics).

Three ways in:

* :func:`remat` (a context manager): every network evolved inside it, at its outermost call,
  evolves in rematerialised chunks, with no change to the loss or the network. ``fit(...,
  remat=K)`` uses it.
* :func:`evolve_chunked`: the functional form, with an explicit (batched) state in and out, for
  hand-written truncated BPTT or custom loops.
* :func:`stream`: inference over very long inputs, chunk by chunk, with the state carried, outputs
  and records copied to host memory (or not kept at all). Memory is bounded by one chunk.

Before a call that would need more memory than is available, :func:`check_call_memory` raises a
:class:`MemoryEstimateError` that states XLA's estimate and suggests :func:`stream` or
``record=False`` (an eager ``module(x)`` call over many steps runs it automatically).

Example::

    from rockpool.nn import streaming

    def loss(params, net, x, y):
        with streaming.remat(chunk=100):          # T / 100 rematerialised chunks
            out, _, _ = net.reset_state().set_attributes(params)(x)
        return ((out - y) ** 2).mean()

    grads = jax.grad(loss)(net.parameters(), net, x, y)           # the gradients of plain BPTT
    out, state, _ = streaming.stream(net, x_long, chunk=20_000)   # state: leaves (B, ...)

"""

from __future__ import annotations

import contextlib
import contextvars
from functools import partial
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rockpool.nn.modules import _memory

__all__ = [
    "remat",
    "evolve_chunked",
    "stream",
    "batch_state",
    "unbatch_state",
    "estimate_call_bytes",
    "available_bytes",
    "check_call_memory",
    "MemoryEstimateError",
]

Tree = Dict[str, Any]

# - The active remat chunk length (None: plain evolution). Read at trace time.
_CHUNK: contextvars.ContextVar[Optional[int]] = contextvars.ContextVar("rockpool_remat_chunk", default=None)
# - Eager calls with at least this many (batch x time) steps check their memory first
CHECK_MIN_STEPS = _memory.LONG_CALL_STEPS


# - One error for every up-front memory check (rockpool/nn/modules/_memory.py)
MemoryEstimateError = _memory.MemoryEstimateError


# ---------------------------------------------------------------------------------------- state
def _chunk_len(chunk: Any, where: str) -> int:
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or int(chunk) < 1:
        raise ValueError(f"{where}: chunk must be a positive int (number of time steps); got {chunk!r}.")
    return int(chunk)


def _check_net(net: Any, where: str) -> None:
    """A clear error for anything but a JAX module (native NumPy modules cannot be traced)."""
    from rockpool.nn.modules.jax.jax_module import JaxModule

    if not isinstance(net, JaxModule):
        name = type(net).__name__
        raise TypeError(
            f"{where}: net must be a JAX module (JaxModule); got {name}. Chunked evolution runs the "
            f"module inside jax.lax.scan / jax.vmap; use the JAX version of the module (e.g. LIFJax "
            f"instead of LIF), or evolve a native module in pieces yourself: its state is kept between calls."
        )


def _check_state(net: Any, state: Tree, batch: int, where: str) -> None:
    """``state`` must be ``net``'s state tree with a leading ``(batch,)`` axis on every leaf."""
    ref = net.state()
    got_def, ref_def = jax.tree_util.tree_structure(state), jax.tree_util.tree_structure(ref)
    if got_def != ref_def:  # type: ignore[operator]
        raise ValueError(
            f"{where}: state must have the structure of {type(net).__name__}'s state (as from "
            f"batch_state(net, {batch}) or a previous call); got {got_def}, expected {ref_def}."
        )
    for (path, s), r in zip(jax.tree_util.tree_leaves_with_path(state), jax.tree_util.tree_leaves(ref), strict=True):
        want = (batch,) + tuple(np.shape(r))
        if tuple(np.shape(s)) != want:
            raise ValueError(
                f"{where}: state entry {jax.tree_util.keystr(path)} has shape {tuple(np.shape(s))}, "
                f"expected {want} (a leading batch axis of {batch}, the input's batch size). Build it "
                f"with batch_state(net, {batch}), or pass the state a previous call returned."
            )


def batch_state(net: Any, batch: int) -> Tree:
    """The state of ``net`` replicated over a batch axis: every leaf gets a leading ``(batch,)`` axis.

    Random keys (leaves named ``rng_key``) are folded with the batch index, so batch elements draw
    independent noise.

    Example:
        >>> from rockpool.nn.modules import LIFJax
        >>> batch_state(LIFJax(3), 4)["vmem"].shape
        (4, 3)
    """

    def rep(path: Tuple, leaf: Any) -> Any:
        leaf = jnp.asarray(leaf)
        name = getattr(path[-1], "key", None) if path else None
        if name == "rng_key":
            return jax.vmap(lambda i: jax.random.fold_in(leaf, i))(jnp.arange(batch))
        return jnp.broadcast_to(leaf, (batch,) + leaf.shape)

    return jax.tree_util.tree_map_with_path(rep, net.state())


def unbatch_state(state: Tree, index: int = 0) -> Tree:
    """One batch element of a batched state tree (e.g. to ``net.set_attributes`` it).

    Example:
        >>> from rockpool.nn.modules import LIFJax
        >>> unbatch_state(batch_state(LIFJax(3), 4))["vmem"].shape
        (3,)
    """
    return jax.tree_util.tree_map(lambda s: s[index], state)


def _merge(template: Tree, new: Tree) -> Tree:
    """``new``'s values in ``template``'s structure and dtypes (missing entries keep the template's)."""
    out: Tree = {}
    for k, t in template.items():
        if isinstance(t, dict):
            out[k] = _merge(t, new.get(k, {}) if isinstance(new, dict) else {})
        else:
            v = new.get(k, t) if isinstance(new, dict) else t
            out[k] = jnp.asarray(v, dtype=jnp.asarray(t).dtype).reshape(jnp.shape(t))
    return out


# ---------------------------------------------------------------------------------------- one chunk
@contextlib.contextmanager
def _plain() -> Iterator[None]:
    token = _CHUNK.set(None)
    try:
        yield
    finally:
        _CHUNK.reset(token)


def _chunk(net: Any, state: Tree, x: Any, record: bool) -> Tuple[Any, Tree, Tree]:
    """Evolve ``x`` ``(B, K, N)`` from the batched ``state``; one batch element per vmap lane."""

    def one(st: Tree, xb: Any) -> Tuple[Any, Tree, Tree]:
        out, new, rec = net.set_attributes(st)(xb[None], record=record)  # (1, K, N): batch of one
        return out[0], _merge(st, new), jax.tree_util.tree_map(lambda r: r[0], rec)

    with _plain():
        return jax.vmap(one)(state, x)


def _chunk_at(net: Any, state: Tree, x: Any, start: Any, size: int, record: bool) -> Tuple[Any, Tree, Tree]:
    xc = lax.dynamic_slice_in_dim(x, start, size, axis=1)  # sliced inside the checkpoint: not stored
    return _chunk(net, state, xc, record)


# ---------------------------------------------------------------------------------------- chunked evolve
def evolve_chunked(
    net: Any,
    x: Any,
    chunk: int,
    *,
    remat: bool = True,
    record: bool = False,
    state: Optional[Tree] = None,
) -> Tuple[Any, Tree, Tree]:
    """Evolve ``net`` over ``x`` in chunks of ``chunk`` steps, carrying the (batched) state.

    Usable eagerly and inside ``jax.jit`` / ``jax.grad``; outputs, final state and records equal
    those of ``net(x)`` (to float rounding), and so do gradients.

    Args:
        net: A JAX module (a whole network).
        x: Input ``(T, N)`` or ``(B, T, N)``.
        chunk: Steps per chunk ``K``. The last chunk is shorter when ``K`` does not divide ``T``.
        remat: Wrap each chunk in :func:`jax.checkpoint`: the backward pass recomputes it, so a
            gradient stores about ``T / K`` states plus one chunk's internals instead of all ``T``
            steps. ``False``: plain chunked evolution (all residuals kept).
        record: Also return the records (stored for all ``T`` steps).
        state: Batched state (leaves with a leading batch axis, as from :func:`batch_state` or a
            previous call); default: the network's state replicated over the batch.

    Returns:
        ``(output (B, T, Nout), final batched state, record)``.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import LIFJax
        >>> lif = LIFJax(2)
        >>> out, st, _ = evolve_chunked(lif, np.ones((3, 50, 2)), chunk=20)
        >>> out.shape, st["vmem"].shape
        ((3, 50, 2), (3, 2))
    """
    k = _chunk_len(chunk, "evolve_chunked")
    _check_net(net, "evolve_chunked")
    if not _traced(net, x, state):  # eager call: run it compiled (cached per shape and chunk)
        return _jitted_evolve_chunked(net, x, k, bool(remat), bool(record), state)
    return _evolve_chunked(net, x, k, bool(remat), bool(record), state)


def _traced(*trees: Any) -> bool:
    return any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(trees))


def _evolve_chunked(net: Any, x: Any, k: int, remat: bool, record: bool, state: Optional[Tree]):
    x = jnp.asarray(x)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3:
        raise ValueError(f"evolve_chunked: input must be (T, N) or (B, T, N); got shape {tuple(x.shape)}.")
    B, T = x.shape[:2]
    if state is not None:
        _check_state(net, state, B, "evolve_chunked")
    st0: Tree = batch_state(net, B) if state is None else state
    fn: Callable[..., Any] = partial(_chunk_at, record=bool(record))
    if remat:
        fn = jax.checkpoint(fn, static_argnums=(4,))
    n, r = divmod(T, k)
    outs, recs = [], []
    if n:

        def body(st: Tree, c: Any) -> Tuple[Tree, Tuple[Any, Tree]]:
            o, st, rc = fn(net, st, x, c * k, k)
            return st, (o, rc)

        st0, (o, rc) = lax.scan(body, st0, jnp.arange(n))
        # - (n, B, K, ...) -> (B, n * K, ...)
        join = lambda a: jnp.moveaxis(a, 0, 1).reshape((B, n * k) + a.shape[3:])
        outs.append(join(o))
        recs.append(jax.tree_util.tree_map(join, rc))
    if r or not n:
        o, st0, rc = fn(net, st0, x, n * k, r)
        outs.append(o)
        recs.append(rc)
    out = outs[0] if len(outs) == 1 else jnp.concatenate(outs, axis=1)
    rec = recs[0] if len(recs) == 1 else jax.tree_util.tree_map(lambda *a: jnp.concatenate(a, axis=1), *recs)
    return out, st0, (rec if record else {})


_jitted_evolve_chunked = jax.jit(_evolve_chunked, static_argnums=(2, 3, 4))


@contextlib.contextmanager
def remat(chunk: int) -> Iterator[None]:
    """Evolve networks in rematerialised chunks of ``chunk`` steps inside this block.

    The outermost module call inside the block (``net(x)``, e.g. in a loss function) runs
    :func:`evolve_chunked` with ``remat=True`` and returns what ``net(x)`` returns (the new state
    of batch element 0). It is decided at trace time: enter the block inside the function you
    ``jax.jit`` / ``jax.grad``. ``fit(..., remat=K)`` does this for you. Native (NumPy) modules
    called inside the block evolve as usual: they are not differentiated, so there is nothing to
    rematerialise.

    Example:
        >>> import numpy as np, jax
        >>> from rockpool.nn.modules import LIFJax
        >>> lif = LIFJax(2)
        >>> def loss(params, x):
        ...     with remat(chunk=10):
        ...         return lif.set_attributes(params)(x)[0].sum()
        >>> jax.grad(loss)(lif.parameters(), np.ones((40, 2)))["tau_mem"].shape
        (2,)
    """
    token = _CHUNK.set(_chunk_len(chunk, "remat"))
    try:
        yield
    finally:
        _CHUNK.reset(token)


def active_chunk() -> Optional[int]:
    """The chunk length of the enclosing :func:`remat` block (``None`` outside one)."""
    return _CHUNK.get()


def call_hook(net: Any, data: Any, record: bool) -> Optional[Tuple[Any, Tree, Tree]]:
    """What ``JaxModule.__call__`` runs first: chunked evolution inside :func:`remat`, else ``None``."""
    k = _CHUNK.get()
    if k is None:
        return None
    with _plain():
        out, st, rec = evolve_chunked(net, data, k, remat=True, record=record)
        if jnp.ndim(data) == 2:  # rank-preserving modules (LinearJax) return (T, N) for (T, N)
            ref = jax.eval_shape(lambda n, d: n.evolve(d)[0], net, data)
            if len(ref.shape) == 2:
                out = out[0]
    return out, unbatch_state(st), rec


# ---------------------------------------------------------------------------------------- memory
def available_bytes(device: Any = None) -> int:
    """Bytes available for new arrays on ``device`` (default: the first device).

    Accelerators report their free memory (``memory_stats``); for the CPU backend this is the
    host's available memory (``MemAvailable`` in ``/proc/meminfo``, else ``sysconf``).
    """
    if device is not None and device.platform == "cpu":
        avail = _memory.host_available()
    else:
        avail = _memory.available_bytes(refresh=True)
    return (1 << 62) if avail is None else avail  # unknown: do not block


def _evolve_plain(net: Any, x: Any, record: bool) -> Tuple[Any, Tree, Tree]:
    with _plain():
        return net.evolve(x, record=record)


_jitted_plain = jax.jit(_evolve_plain, static_argnums=2)


def estimate_call_bytes(net: Any, shape: Tuple[int, ...], dtype: Any = np.float32, record: bool = False) -> int:
    """XLA's memory estimate for ``net(x)`` with ``x`` of this shape: arguments + outputs + temporaries.

    Only compiles (abstract shapes; nothing is allocated or run).

    Example:
        >>> from rockpool.nn.modules import LIFJax
        >>> estimate_call_bytes(LIFJax(4), (1, 1000, 4), record=True) > 4 * 1000 * 4 * 4
        True
    """
    spec = jax.ShapeDtypeStruct(tuple(shape), np.dtype(dtype))
    compiled = _jitted_plain.lower(net, spec, bool(record)).compile()
    m = compiled.memory_analysis()
    if m is None:  # backend without an analysis: outputs only
        outs = jax.eval_shape(lambda n, a: _evolve_plain(n, a, bool(record)), net, spec)
        return int(sum(np.prod(a.shape) * a.dtype.itemsize for a in jax.tree_util.tree_leaves(outs)))
    return int(m.argument_size_in_bytes + m.output_size_in_bytes + m.temp_size_in_bytes - m.alias_size_in_bytes)


def _gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"


def check_call_memory(net: Any, shape: Tuple[int, ...], dtype: Any = np.float32, record: bool = False,
                      headroom: float = 0.9) -> int:
    """Raise :class:`MemoryEstimateError` if ``net(x)`` would need more than ``headroom`` x the available memory.

    Returns:
        The estimate in bytes (when it fits).

    Example:
        >>> from rockpool.nn.modules import LIFJax
        >>> check_call_memory(LIFJax(4), (1, 100, 4)) > 0
        True
    """
    avail = available_bytes()
    # - A lower bound first (input + outputs + records, from shapes alone: no compilation), then
    #   XLA's full estimate of the compiled call
    spec = jax.ShapeDtypeStruct(tuple(shape), np.dtype(dtype))
    outs = jax.eval_shape(lambda n, a: _evolve_plain(n, a, bool(record)), net, spec)
    needed = sum(int(np.prod(a.shape)) * a.dtype.itemsize for a in jax.tree_util.tree_leaves(outs))
    needed += int(np.prod(shape)) * np.dtype(dtype).itemsize
    what = "at least"
    if needed <= headroom * avail:
        needed, what = estimate_call_bytes(net, shape, dtype, record), "about"
    if needed > headroom * avail:
        B, T = (1, shape[0]) if len(shape) == 2 else shape[:2]
        label = getattr(net, "_label", type(net).__name__)
        k = max(1, int(T * headroom * avail / max(needed, 1) / 4))
        k = min(k, 100_000)
        tail = (" (record='host' copies the records to host memory, if they fit there); or call with "
                "record=False (records are most of it)") if record else ""
        raise MemoryEstimateError(
            f"{label}: evolving an input of shape {tuple(shape)} (batch {B}, {T} time steps) with "
            f"record={bool(record)} needs {what} {_gb(needed)} ("
            f"{'input, outputs and records alone' if what == 'at least' else 'XLA estimate: input, outputs, records and working memory'}"
            f"), but only {_gb(avail)} is "
            f"available on {jax.devices()[0].platform}. Evolve it in chunks instead: "
            f"rockpool.nn.streaming.stream(net, x, chunk={k}) keeps one chunk on the device{tail}.",
            needed, avail,
        )
    return needed


# ---------------------------------------------------------------------------------------- streaming
_stream_chunk = jax.jit(_chunk, static_argnums=3)


def _host_buffer(spec: Any, B: int, T: int) -> np.ndarray:
    return np.empty((B, T) + tuple(spec.shape[2:]), dtype=spec.dtype)


def stream(
    net: Any,
    x: Any,
    chunk: int,
    *,
    record: Any = False,
    outputs: bool = True,
    state: Optional[Tree] = None,
) -> Tuple[Optional[np.ndarray], Tree, Tree]:
    """Inference over a very long input, chunk by chunk, with the state carried from chunk to chunk.

    The device holds one chunk at a time (the input may be a NumPy array in host memory); outputs
    (and records, if asked for) are copied into preallocated host arrays while the next chunk runs.
    Before allocating, the host memory needed is compared with what is available, and a clear
    :class:`MemoryEstimateError` is raised if it does not fit.

    Args:
        net: A JAX module (a whole network).
        x: Input ``(T, N)`` or ``(B, T, N)`` (host or device array).
        chunk: Steps per chunk (one compilation for the full chunks, one for a shorter last chunk).
        record: ``False`` (default: nothing recorded), ``True`` or ``"host"`` (records of every step
            in host memory).
        outputs: ``False``: do not keep the outputs (e.g. when only the final state matters).
        state: Batched initial state (see :func:`batch_state`); default the network's state.

    Returns:
        ``(output (B, T, Nout) NumPy array or None, final batched state, record dict of NumPy arrays)``.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import LIFJax
        >>> out, st, rec = stream(LIFJax(2), np.ones((1, 1000, 2)), chunk=256, record=True)
        >>> out.shape, rec["vmem"].shape
        ((1, 1000, 2), (1, 1000, 2))
    """
    k = _chunk_len(chunk, "stream")
    _check_net(net, "stream")
    if _traced(net, x, state):
        raise TypeError(
            "stream: called inside jax.jit / jax.grad / jax.vmap (the input, state or network is traced). "
            "stream runs eagerly and copies every chunk into host (NumPy) arrays; inside a transformed "
            "function use rockpool.nn.streaming.evolve_chunked(net, x, chunk) instead."
        )
    if record not in (False, True, "host"):
        raise ValueError(f"stream: record must be False, True or 'host'; got {record!r}.")
    rec_on = bool(record)
    xs = x if isinstance(x, (np.ndarray, jax.Array)) else np.asarray(x)
    if xs.ndim == 2:
        xs = xs[None]
    if xs.ndim != 3:
        raise ValueError(f"stream: input must be (T, N) or (B, T, N); got shape {tuple(xs.shape)}.")
    B, T = int(xs.shape[0]), int(xs.shape[1])
    if state is None:
        state = batch_state(net, B)
    _check_state(net, state, B, "stream")
    k = min(k, max(T, 1))
    spec_x = jax.ShapeDtypeStruct((B, k) + tuple(xs.shape[2:]), xs.dtype)
    o_spec, _, r_spec = jax.eval_shape(lambda n, s, a: _chunk(n, s, a, rec_on), net, state, spec_x)
    specs = ([o_spec] if outputs else []) + jax.tree_util.tree_leaves(r_spec)
    need = sum(B * T * int(np.prod(s.shape[2:])) * s.dtype.itemsize for s in specs)
    avail = available_bytes(jax.devices("cpu")[0]) if jax.devices()[0].platform != "cpu" else available_bytes()
    if need > 0.9 * avail:
        raise MemoryEstimateError(
            f"stream: keeping {'outputs' if outputs else ''}{' and ' if outputs and rec_on else ''}"
            f"{'records' if rec_on else ''} of {T} steps (batch {B}) needs {_gb(need)} of host memory, "
            f"but only {_gb(avail)} is available. Pass record=False"
            f"{' and/or outputs=False' if outputs else ''}, or stream shorter pieces and reduce each one.",
            need, avail,
        )
    out_host = _host_buffer(o_spec, B, T) if outputs else None
    rec_host = jax.tree_util.tree_map(lambda s: _host_buffer(s, B, T), r_spec) if rec_on else {}

    def store(pending: Tuple[Any, Any, int, int]) -> None:
        o, rc, t0, t1 = pending
        if out_host is not None:
            out_host[:, t0:t1] = np.asarray(o)
        if rec_on:
            jax.tree_util.tree_map(lambda h, d: h.__setitem__((slice(None), slice(t0, t1)), np.asarray(d)), rec_host, rc)

    pending = None
    for t0 in range(0, T, k):
        t1 = min(T, t0 + k)
        o, state, rc = _stream_chunk(net, state, jnp.asarray(xs[:, t0:t1]), rec_on)  # dispatched asynchronously
        if pending is not None:
            store(pending)
        pending = (o, rc, t0, t1)
    if pending is not None:
        store(pending)
    return out_host, state, rec_host
