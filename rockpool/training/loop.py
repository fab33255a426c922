"""The training loop users don't have to write: :func:`fit`.

One compiled step does what the tutorial's hand-written loop does (reset the state, set the
parameters, evolve, compute the loss and its gradient, update with the optimiser), fused into one
``jax.jit`` call with the parameter and optimiser buffers donated. The loop around it keeps the
device busy: losses stay on the device and are read back in groups, so there is no per-step host
synchronisation unless a per-step callback asks for one.

Example:
    >>> import numpy as np
    >>> from rockpool.nn.modules import LinearJax
    >>> from rockpool.training import fit, jax_loss
    >>> net = LinearJax((3, 2))
    >>> data = [(np.ones((4, 10, 3)), np.zeros((4, 10, 2)))] * 5
    >>> trained, history = fit(net, jax_loss.mse, data, "adam", epochs=2, lr=1e-2, progress=False)
    >>> len(history.loss), bool(history.loss[-1] < history.loss[0])
    (10, True)
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from rockpool._optional import require

require("jax", "jax")  # a missing JAX is an ImportError naming the extra to install

import jax
import jax.numpy as jnp
import numpy as np

from rockpool.nn.modules.jax.jax_module import JaxModule
from rockpool.training import checkpoint as _ckpt
from rockpool.training import _fit_checks as _checks
from rockpool.training._step import (  # noqa: F401 (re-exported: the public names live here)
    DEFAULT_LR,
    OPTIMIZER_NAMES,
    _adapter,
    _align_bounds,
    _cache_size,
    _Config,
    _loss_form,
    _prepare,
    _train_step,
    make_optimizer,
)

__all__ = [
    "fit",
    "History",
    "TrainingError",
    "NonFiniteLossError",
    "BatchShapeError",
    "make_optimizer",
]

Tree = Dict[str, Any]
Batch = Tuple[Any, Any]

_FLUSH_SECONDS = 2.0  # read losses back at least this often (stops soon after a NaN)
_PROGRESS_SECONDS = 0.5  # refresh the loss shown on the progress bar this often


# ---------------------------------------------------------------------------------------- errors
class TrainingError(RuntimeError):
    """Training stopped early. Nothing trained is lost: ``error.net`` holds the module with the last
    good parameters, ``error.history`` the losses so far, ``error.checkpoint`` the checkpoint file
    written on the way out (or ``None``)."""

    def __init__(self, message: str, net: Any = None, history: Optional["History"] = None,
                 checkpoint: Optional[Path] = None):
        super().__init__(message)
        self.net, self.history, self.checkpoint = net, history, checkpoint


class NonFiniteLossError(TrainingError, FloatingPointError):
    """The loss or its gradient became NaN or infinite; ``error.step`` is the offending step."""

    step: int = -1


class BatchShapeError(TrainingError, ValueError):
    """A batch had a different shape or dtype than the first one (that would recompile the step)."""


# ---------------------------------------------------------------------------------------- history
@dataclass
class History:
    """What :func:`fit` returns next to the trained module.

    Attributes:
        loss: Loss of every step (before that step's update), shape ``(steps,)``.
        epoch: Epoch index of every step, shape ``(steps,)``.
        epochs_completed: Number of complete epochs.
        wall_s: Seconds spent in this call of :func:`fit`.
        first_step_s: Seconds of the first step of this call (includes compilation).
        steps_per_s: Steps per second in this call, not counting the first (compiling) step.
        stopped: ``None`` when all epochs ran, else why training stopped early.
    """

    loss: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    epoch: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    epochs_completed: int = 0
    wall_s: float = 0.0
    first_step_s: float = 0.0
    steps_per_s: float = 0.0
    stopped: Optional[str] = None

    @property
    def steps(self) -> int:
        """Number of steps run, including those of a resumed checkpoint."""
        return int(self.loss.shape[0])

    @property
    def epoch_loss(self) -> np.ndarray:
        """Mean loss of each epoch that has steps."""
        if not self.loss.size:
            return np.zeros(0, np.float64)
        return np.array([self.loss[self.epoch == e].mean() for e in np.unique(self.epoch)])

    def __len__(self) -> int:
        return self.steps


# ---------------------------------------------------------------------------------------- helpers
def _signature(batch: Batch) -> Tuple:
    x, y = batch
    if all(hasattr(a, "shape") and hasattr(a, "dtype") for a in batch):  # fast path: two arrays
        canon = jax.dtypes.canonicalize_dtype
        return x.shape, canon(x.dtype), y.shape, canon(y.dtype)
    leaves, treedef = jax.tree_util.tree_flatten(batch)
    return treedef, tuple(
        (tuple(np.shape(leaf)), jax.dtypes.canonicalize_dtype(getattr(leaf, "dtype", None) or np.result_type(leaf)))
        for leaf in leaves
    )


def _describe_sig(sig: Tuple) -> str:
    pairs = [(sig[0], sig[1]), (sig[2], sig[3])] if len(sig) == 4 else sig[1]
    return ", ".join(f"{tuple(s)}{' ' + str(d) if d != np.float32 else ''}" for s, d in pairs)


def _copy_tree(tree: Any) -> Any:
    return jax.tree_util.tree_map(lambda a: jnp.array(a, copy=True), tree)


def _epoch_batches(data: Any, epoch: int) -> Iterable:
    if callable(data) and not hasattr(data, "__iter__") and not hasattr(data, "__getitem__"):
        return data(epoch)
    return data


def _progress_bar(progress: Optional[bool], total: Optional[int], initial: int, desc: str):
    if progress is None:
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)())
        if not progress:
            return None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return None
    elif not progress:
        return None
    else:
        from rockpool._optional import require

        tqdm = require("tqdm.auto", "progress").tqdm
    return tqdm(total=total, initial=initial, desc=desc, unit="step")


class _Run:
    """Mutable bookkeeping of one :func:`fit` call (host-side losses, positions, timing)."""

    def __init__(self, loss: List[float], epoch: List[int], batch: List[int]):
        self.loss, self.epoch, self.batch = loss, epoch, batch
        self.pending: List[Tuple[Any, Any, int, int]] = []  # (loss, failed, epoch, batch) on device
        self.bad_step: Optional[int] = None  # global index of the first non-finite step
        self.bad_pos: Tuple[int, int] = (0, 0)  # its (epoch, batch)
        self.bad_value: float = float("nan")
        self.last_flush = time.perf_counter()

    def flush(self) -> None:
        """Read pending device losses back; note the first non-finite step."""
        if not self.pending:
            return
        # - The failure flag is sticky: the last one says whether any step failed
        any_failed = bool(self.pending[-1][1])
        values = jax.device_get([p[0] for p in self.pending])
        flags = jax.device_get([p[1] for p in self.pending]) if any_failed else [False] * len(values)
        for (_, _, e, b), v, f in zip(self.pending, values, flags, strict=True):
            if self.bad_step is not None:
                break
            if bool(f):
                self.bad_step, self.bad_pos, self.bad_value = len(self.loss), (e, b), float(v)
                break
            self.loss.append(float(v))
            self.epoch.append(e)
            self.batch.append(b)
        self.pending = []
        self.last_flush = time.perf_counter()

    def history(self, epochs_completed: int, stopped: Optional[str], t0: float, t_first: float,
                n_steps: int) -> History:
        wall = time.perf_counter() - t0
        first = t_first - t0 if n_steps else 0.0
        if n_steps > 1 and wall > first:
            rate = (n_steps - 1) / (wall - first)  # steady state, without the compiling step
        elif n_steps == 1 and first > 0:
            rate = 1.0 / first
        else:
            rate = 0.0
        return History(
            loss=np.asarray(self.loss, dtype=np.float32),
            epoch=np.asarray(self.epoch, dtype=np.int64),
            epochs_completed=epochs_completed,
            wall_s=wall,
            first_step_s=first,
            steps_per_s=rate,
            stopped=stopped,
        )


# ---------------------------------------------------------------------------------------- fit
def fit(
    net: JaxModule,
    loss: Callable,
    data: Any,
    optimizer: Any = None,
    epochs: int = 1,
    *,
    lr: Optional[float] = None,
    loss_form: str = "auto",
    family: Optional[Union[str, Tuple[str, ...], List[str]]] = None,
    bounds: Optional[Tuple[Tree, Tree]] = None,
    on_step: Optional[Callable[[int, float, Tree], Optional[bool]]] = None,
    on_epoch: Optional[Callable[[int, History, JaxModule], Optional[bool]]] = None,
    progress: Optional[bool] = None,
    checkpoint: Optional[Union[str, Path]] = None,
    checkpoint_every: Optional[int] = None,
    resume: bool = False,
    devices: Any = None,
    desc: str = "fit",
    remat: Optional[int] = None,
    tbptt: Optional[int] = None,
    tbptt_update: str = "window",
) -> Tuple[JaxModule, History]:
    """Train a JAX module: compile one step, run it over the data for some epochs.

    Each step is one ``jax.jit`` call that resets the network state, sets the parameters, evolves
    the network, computes the loss and its gradient and applies the optimiser (buffers donated).
    It compiles once: every batch must have the shape and dtype of the first one.

    Args:
        net: The :class:`~rockpool.nn.modules.JaxModule` to train (left untouched).
        loss: Either ``loss(params, net, inputs, target)`` (the training tutorial's form: it resets
            the state, sets ``params``, evolves ``net`` and returns a scalar) or ``loss(output,
            target)`` (``fit`` does the rest). Detected from the number of required arguments.
        data: An iterable of ``(input, target)`` batches, iterated once per epoch (a list, a
            dataset with ``__getitem__``, ...), or a function ``epoch -> iterable`` (e.g. to
            shuffle per epoch). Inputs are ``(T, Nin)`` or ``(B, T, Nin)``.
        optimizer: ``None`` (Adam), a name (``"adam"``, ``"sgd"``, ... see ``OPTIMIZER_NAMES``),
            an optax ``GradientTransformation``, or a ``jax.example_libraries.optimizers`` triple.
        epochs: Total number of epochs (including those already run when resuming).
        lr: Learning rate for an optimiser given by name (default 1e-3).
        loss_form: ``"auto"``, ``"params"`` or ``"output"`` (see ``loss``).
        family: Train only parameters of this family (e.g. ``"weights"``); default all.
        bounds: ``(lower, upper)`` trees as from ``jax_loss.make_bounds(net.parameters())``:
            parameters are clipped into the bounds after every update (projected gradient
            descent). A penalty (``jax_loss.bounds_cost``) inside the loss works as well.
        on_step: ``on_step(step, loss, params)`` after every step (``step`` counts completed
            steps from 1; ``params`` is a copy). Return ``True`` to stop. Reading the loss back
            every step costs a host synchronisation per step.
        on_epoch: ``on_epoch(epoch, history, net)`` after every epoch (``epoch`` from 0; ``net``
            holds the parameters so far). Return ``True`` to stop.
        progress: Show a tqdm progress bar with the loss. ``None``: only on a terminal.
        checkpoint: Checkpoint file (``.npz``; see :mod:`rockpool.training.checkpoint`). Written
            every ``checkpoint_every`` steps, at the end, and when training stops early.
        checkpoint_every: Steps between checkpoints (requires ``checkpoint``).
        resume: If ``True`` and ``checkpoint`` exists, continue from it: parameters, optimiser
            state, step, position in the epoch and loss history are restored, so the losses are
            those of an uninterrupted run (given the same data order).
        devices: Data parallelism: ``None`` (default device), ``"all"``, a number of devices, or a
            list of devices. Each batch is split along its batch axis over a
            :class:`jax.sharding.Mesh`; parameters are replicated. See
            :mod:`rockpool.training.parallel` for several GPUs and several hosts.
        desc: Label of the progress bar.
        remat: Bounded-memory BPTT: evolve in chunks of this many steps, recomputed in the
            backward pass (same gradients; memory about ``T / remat`` states plus one chunk).
            See :mod:`rockpool.training.tbptt`.
        tbptt: Truncated BPTT: cut each ``(B, T, N)`` batch into windows of this many steps, carry
            the state between windows, stop gradients at window boundaries (needs the
            ``loss(output, target)`` form). History keeps one loss per batch (mean over windows).
        tbptt_update: ``"window"`` (one optimiser update per window) or ``"sequence"`` (one per
            batch, from the windows' mean gradient). Only with ``tbptt``.

    Returns:
        ``(trained_net, history)``: the module with the trained parameters and a :class:`History`.

    Raises:
        NonFiniteLossError: the loss or a gradient became NaN/inf; ``error.net`` holds the
            parameters from before that step (also written to ``checkpoint`` if given).
        BatchShapeError: a batch differs in shape or dtype from the first one.
        ValueError: a loss that does not return a scalar, an unknown optimiser name, bad bounds.

    Any exception in the middle of training (including ``KeyboardInterrupt``) first writes the
    checkpoint (if given) and is raised with ``.net`` and ``.history`` attached.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import LinearJax
        >>> from rockpool.training import jax_loss
        >>> batches = [(np.ones((4, 10, 2)), np.zeros((4, 10, 1)))] * 3
        >>> trained, hist = fit(LinearJax((2, 1)), jax_loss.mse, batches, "adam", epochs=2, lr=1e-2)
        >>> hist.steps, hist.epochs_completed
        (6, 2)

        With several devices, ``fit(..., devices="all")`` splits the batch axis over them.
    """
    if not isinstance(net, JaxModule):
        raise TypeError(
            f"fit trains JAX modules (JaxModule); got a {type(net).__name__}. Use the JAX version "
            f"of the module (e.g. RateJax instead of Rate)."
        )
    epochs = _checks.check_arguments(data, epochs, checkpoint_every)
    if checkpoint_every is not None and (checkpoint is None or int(checkpoint_every) < 1):
        raise ValueError("fit: checkpoint_every=N needs checkpoint='file.npz' and N >= 1.")
    if resume and checkpoint is None:
        raise ValueError("fit: resume=True needs checkpoint='file.npz' to resume from.")
    form = _loss_form(loss, loss_form)
    opt = _adapter(optimizer, lr)
    checkpoint = None if checkpoint is None else Path(checkpoint)
    is_writer = jax.process_index() == 0

    # - Starting point: the network, or the checkpoint to resume from
    loss_hist: List[float] = []
    epoch_hist: List[int] = []
    batch_hist: List[int] = []
    step, start_epoch, start_batch = 0, 0, 0
    params = net.parameters(family)
    if not jax.tree_util.tree_leaves(params):
        raise ValueError(
            f"fit: {net._label} has no parameters{'' if family is None else f' of family {family!r}'} to train."
        )
    _checks.check_trainable(params, net._label)
    opt_state = None
    if resume and checkpoint is not None and checkpoint.exists():
        template = jax.eval_shape(opt.init, params)
        ck = _ckpt.load_checkpoint(checkpoint, net, template, optimizer=opt.name)
        net, opt_state = ck.net, ck.opt_state
        params = net.parameters(family)
        info = ck.extra.get("fit", {})
        step = int(ck.step or 0)
        start_epoch, start_batch = int(info.get("epoch", 0)), int(info.get("batch", 0))
        loss_hist, epoch_hist, batch_hist = list(info.get("loss", [])), list(info.get("loss_epoch", [])), list(info.get("loss_batch", []))
    bnds = _align_bounds(bounds, params, net.parameters()) if bounds is not None else None
    bounded = bnds is not None and bool(jax.tree_util.tree_leaves(bnds))
    if not bounded:
        bnds = None

    # - Fresh buffers (the step donates, i.e. deletes, its parameter and optimiser buffers) and
    #   the optimiser's initial state, in one compiled call
    mesh = None
    params, opt_state, failed, count = _prepare(opt, params, opt_state, np.int32(step))
    if devices is not None:
        from rockpool.training import parallel

        mesh = parallel.data_parallel_mesh(devices)
        params, opt_state, failed, count, net, bnds = parallel.replicate(
            (params, opt_state, failed, count, net, bnds), mesh
        )

    net_leaves, net_def = jax.tree_util.tree_flatten(net)
    cfg = _Config(loss, form, opt, bounded, net_def)
    step_fn: Callable = _train_step
    if remat is not None or tbptt is not None or tbptt_update != "window":  # long sequences: tbptt.py
        from rockpool.training import tbptt as _long

        cfg, step_fn = _long.long_config(cfg, remat, tbptt, tbptt_update), _long.train_step  # type: ignore[assignment]
    run = _Run(loss_hist, epoch_hist, batch_hist)
    first_sig = None
    n_steps = 0
    t0 = time.perf_counter()
    t_first = t0
    stopped: Optional[str] = None
    epochs_completed = start_epoch
    try:
        total_per_epoch = len(data)  # type: ignore[arg-type]
    except TypeError:
        total_per_epoch = None
    bar = _progress_bar(
        progress, None if total_per_epoch is None else total_per_epoch * epochs, step, desc
    )
    last_shown = time.perf_counter()

    def current_net(copy: bool = False) -> JaxModule:
        # - Unchecked: mid-training snapshots must never fail (a time constant pushed below zero
        #   is reported when training ends, not by losing the run)
        return _with_params(net, _copy_tree(params) if copy else params)

    def save(reason_epoch: int, reason_batch: int) -> Optional[Path]:
        if checkpoint is None:
            return None
        if is_writer:
            extra = {"fit": {"epoch": reason_epoch, "batch": reason_batch, "loss": run.loss,
                             "loss_epoch": run.epoch, "loss_batch": run.batch}}
            with guard:  # a Ctrl-C mid-write would only cost this write; finish it first
                _ckpt.save_checkpoint(checkpoint, current_net(), opt_state, step=len(run.loss), extra=extra,
                                      optimizer=opt.name)
        return checkpoint

    def raise_nonfinite() -> None:
        # - The sticky guard in the step kept the parameters and optimiser state from before the
        #   bad step, however late the host noticed; the checkpoint resumes at the bad step.
        bad, (e, b) = run.bad_step, run.bad_pos
        path = save(e, b)
        hist = run.history(epochs_completed, "non-finite loss", t0, t_first, n_steps)
        err = NonFiniteLossError(
            f"fit: the loss or its gradient became non-finite (loss {run.bad_value}) at step {bad} "
            f"(epoch {e}, batch {b}). Training stopped; the parameters from before that step are "
            f"in error.net{f' and saved to {str(path)!r}' if path else ''}. Lower the learning "
            f"rate, add bounds, or check the data of that batch.",
            current_net(), hist, path,
        )
        err.step = int(bad or 0)
        raise err

    def flush() -> None:
        with guard:
            run.flush()
        if run.bad_step is not None:
            raise_nonfinite()

    epoch = start_epoch
    batch_idx = start_batch
    cache_before = _cache_size()
    guard = _checks.InterruptGuard().install()
    try:
        for epoch in range(start_epoch, epochs):
            batches = _epoch_batches(data, epoch)
            batch_idx = 0
            skip = start_batch if epoch == start_epoch else 0
            got_any = False
            for batch_idx, item in enumerate(batches):
                got_any = True
                if batch_idx < skip:
                    continue
                x, y = _checks.split_pair(item, batch_idx, epoch)
                sig = _signature((x, y))
                if first_sig is None:
                    _checks.check_first_batch(net, loss, form, x, y)
                    first_sig = sig
                elif sig != first_sig:
                    raise BatchShapeError(
                        f"fit: batch {batch_idx} of epoch {epoch} (step {len(run.loss) + len(run.pending)}) "
                        f"has (input, target) shapes [{_describe_sig(sig)}], but the first batch had "
                        f"[{_describe_sig(first_sig)}]. fit compiles one step for one shape; make all "
                        f"batches the same shape (pad, or drop the last partial batch), or call fit "
                        f"once per shape."
                    )
                if mesh is not None:
                    if np.ndim(x) != 3:
                        raise ValueError(
                            f"fit: data-parallel training needs batched inputs of shape (B, T, N); "
                            f"got {np.shape(x)}."
                        )
                    x, y = parallel.shard_batch((x, y), mesh)
                if not n_steps:
                    # - Compile outside the guarded section (nothing is donated yet, so Ctrl-C
                    #   during compilation stops at once); the call below then hits the caches
                    _precompile(step_fn, cfg, params, opt_state, failed, count, net_leaves, x, y, bnds, mesh)
                with guard:  # the step donates `params`: a Ctrl-C waits until its results are held
                    params, opt_state, failed, count, value = step_fn(
                        cfg, params, opt_state, failed, count, net_leaves, x, y, bnds
                    )
                    run.pending.append((value, failed, epoch, batch_idx))
                    n_steps += 1
                    step += 1
                if n_steps == 1:
                    # - Time the compilation (when there was one) without stalling cached runs
                    if _cache_size() != cache_before:
                        jax.block_until_ready(value)
                    t_first = time.perf_counter()
                now = time.perf_counter()
                want_progress = bar is not None and now - last_shown > _PROGRESS_SECONDS
                if on_step is not None or want_progress or now - run.last_flush > _FLUSH_SECONDS:
                    flush()
                if bar is not None:
                    bar.update(1)
                    if want_progress and run.loss:
                        bar.set_postfix(loss=f"{run.loss[-1]:.4g}", refresh=False)
                        last_shown = now
                if checkpoint_every is not None and step % int(checkpoint_every) == 0:
                    flush()
                    save(epoch, batch_idx + 1)
                if on_step is not None and on_step(step, run.loss[-1], _copy_tree(params)):
                    stopped = "on_step"
                    break
            if not got_any:
                raise ValueError(
                    f"fit: `data` yielded no batches in epoch {epoch}. Pass a non-empty list or "
                    f"dataset (a one-shot iterator is empty after the first epoch)."
                )
            if stopped:
                flush()
                save(epoch, batch_idx + 1)
                break
            epochs_completed = epoch + 1
            if on_epoch is not None:
                flush()
                hist = run.history(epochs_completed, None, t0, t_first, n_steps)
                if on_epoch(epoch, hist, current_net(copy=True)):
                    stopped = "on_epoch"
                    save(epoch + 1, 0)
                    break
        else:
            flush()
            save(epochs, 0)
    except NonFiniteLossError:
        raise
    except BaseException as e:
        # - Keep what was trained: flush, checkpoint, attach the module and history, re-raise.
        #   The guard made every step atomic, so `params` / `opt_state` are those of the last
        #   completed step (never donated buffers), whenever the exception arrived.
        snapshot: Optional[JaxModule]
        path = None
        with guard:
            try:
                run.flush()
                snapshot = current_net()
            except Exception:  # the device may be the problem
                snapshot = None
            if snapshot is not None and run.bad_step is None and _is_alive(params, opt_state):
                pos = (run.epoch[-1], run.batch[-1] + 1) if run.epoch else (start_epoch, start_batch)
                path = save(*pos)
                if path is not None:
                    e.add_note(f"fit: the training state so far was saved to '{path}'; fit(..., resume=True) continues.")
        e.net = snapshot  # type: ignore[attr-defined]
        e.history = run.history(epochs_completed, type(e).__name__, t0, t_first, n_steps)  # type: ignore[attr-defined]
        e.checkpoint = path  # type: ignore[attr-defined]
        raise
    finally:
        guard.uninstall()
        if bar is not None:
            if run.loss:
                bar.set_postfix(loss=f"{run.loss[-1]:.4g}", refresh=False)
            bar.close()

    history = run.history(epochs_completed, stopped, t0, t_first, n_steps)
    try:
        trained: Any = net.set_attributes(params)  # checked: positive time constants etc.
    except ValueError as e:
        raise TrainingError(
            f"fit: training moved parameters out of their valid range: {e} Constrain them with "
            f"bounds=make_bounds(...) (e.g. lower[...]['tau'] = 10 * dt) or a bounds_cost term in "
            f"the loss. error.net holds the (unchecked) trained module"
            f"{f', and {str(checkpoint)!r} the checkpoint' if checkpoint else ''}.",
            current_net(), history, checkpoint,
        ) from e
    return trained, history


_COMPILED: Dict[Any, None] = {}  # step variants compiled in this process (keys only, bounded)


def _precompile(step_fn: Any, cfg: _Config, params, opt_state, failed, count, net_leaves, x, y, bnds,
                mesh) -> None:
    """Compile the step for these arguments ahead of the (guarded) first call, unless it is known
    to be compiled already (lowering again costs about a millisecond)."""
    size = _cache_size()
    if size < len(_COMPILED):  # jax.clear_caches() emptied the step's cache
        _COMPILED.clear()
    try:
        key: Any = (cfg, _signature((x, y)), jax.tree_util.tree_structure((bnds, opt_state)),
                    None if mesh is None else id(mesh))
        hash(key)
    except TypeError:
        key = None
    if key is not None and key in _COMPILED:
        return
    step_fn.lower(cfg, params, opt_state, failed, count, net_leaves, x, y, bnds).compile()
    if key is not None:
        if len(_COMPILED) > 256:
            _COMPILED.clear()
        _COMPILED[key] = None


def _is_alive(*trees: Any) -> bool:
    """No leaf was deleted (donated to a step that failed)."""
    return not any(getattr(a, "is_deleted", lambda: False)() for a in jax.tree_util.tree_leaves(trees))


def _with_params(net: JaxModule, tree: Tree) -> JaxModule:
    """``net`` with new parameter values, assigned without validation (shapes are unchanged)."""
    new = net._shallow_copy()
    d = new.__dict__
    for k, v in tree.items():
        d[k] = _with_params(d[k], v) if isinstance(v, dict) else v
    return new
