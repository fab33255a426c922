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

import inspect
import sys
import time
import weakref
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

# - Optimiser names accepted by `fit(optimizer="...")` (all from optax)
OPTIMIZER_NAMES = (
    "adam", "adamw", "adamax", "amsgrad", "nadam", "radam", "adabelief", "adafactor", "adagrad",
    "adadelta", "adan", "lamb", "lion", "novograd", "rmsprop", "sgd", "sign_sgd", "yogi",
)
DEFAULT_LR = 1e-3
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


# ---------------------------------------------------------------------------------------- optimisers
@dataclass(frozen=True)
class _Optax:
    """An optax ``GradientTransformation``."""

    tx: Any

    def init(self, params: Tree) -> Any:
        return self.tx.init(params)

    def apply(self, count, grads: Tree, state: Any, params: Tree) -> Tuple[Tree, Any]:
        import optax

        updates, state = self.tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state


@dataclass(frozen=True)
class _ExampleLibraries:
    """A ``jax.example_libraries.optimizers`` triple ``(init_fun, update_fun, get_params)``."""

    init_fun: Callable
    update_fun: Callable
    get_params: Callable

    def init(self, params: Tree) -> Any:
        return self.init_fun(params)

    def apply(self, count, grads: Tree, state: Any, params: Tree) -> Tuple[Tree, Any]:
        state = self.update_fun(count, grads, state)
        return self.get_params(state), state


_NAMED: Dict[Tuple[str, Any], Any] = {}


def make_optimizer(optimizer: Any = None, lr: Optional[float] = None) -> Any:
    """An optax optimiser from a name (``"adam"``, ``"sgd"``, ...) and a learning rate.

    Args:
        optimizer: ``None`` (Adam), a name from ``OPTIMIZER_NAMES``, or an optax
            ``GradientTransformation`` (returned as is).
        lr: Learning rate (a float or an optax schedule) for a named optimiser; default 1e-3.

    Returns:
        An optax ``GradientTransformation``. The same name and rate give the same object, so a
        second :func:`fit` call reuses the compiled step.

    Example:
        >>> tx = make_optimizer("sgd", lr=0.1)
    """
    if optimizer is None:
        optimizer = "adam"
    if not isinstance(optimizer, str):
        if lr is not None:
            raise ValueError(
                "fit: `lr` only applies to an optimiser given by name (e.g. optimizer='adam', "
                "lr=1e-3); set the learning rate inside the optimiser object you passed instead."
            )
        return optimizer
    name = optimizer.lower().strip()
    if name not in OPTIMIZER_NAMES:
        import difflib

        close = difflib.get_close_matches(name, OPTIMIZER_NAMES, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ValueError(
            f"fit: unknown optimiser name '{optimizer}'.{hint} Known names: "
            f"{', '.join(OPTIMIZER_NAMES)}; or pass any optax GradientTransformation."
        )
    import optax

    rate = DEFAULT_LR if lr is None else lr
    try:
        key = (name, rate)
        hash(key)
    except TypeError:
        return getattr(optax, name)(rate)
    if key not in _NAMED:
        _NAMED[key] = getattr(optax, name)(rate)
    return _NAMED[key]


def _adapter(optimizer: Any, lr: Optional[float]) -> Any:
    opt = make_optimizer(optimizer, lr)
    if hasattr(opt, "init") and hasattr(opt, "update"):
        return _Optax(opt)
    if isinstance(opt, tuple) and len(opt) == 3 and all(callable(f) for f in opt):
        return _ExampleLibraries(*opt)
    raise TypeError(
        f"fit: optimizer must be a name ({', '.join(OPTIMIZER_NAMES[:4])}, ...), an optax "
        f"GradientTransformation or a jax.example_libraries.optimizers triple; got {type(opt).__name__}."
    )


# ---------------------------------------------------------------------------------------- the step
_FORMS: "weakref.WeakKeyDictionary[Callable, str]" = weakref.WeakKeyDictionary()


def _loss_form(loss: Callable, form: str) -> str:
    if form in ("params", "output"):
        return form
    if form != "auto":
        raise ValueError(f"fit: loss_form must be 'auto', 'params' or 'output' (got {form!r}).")
    try:
        return _FORMS[loss]
    except (KeyError, TypeError):
        pass
    found = _detect_form(loss)
    try:
        _FORMS[loss] = found
    except TypeError:  # not weak-referenceable
        pass
    return found


def _detect_form(loss: Callable) -> str:
    try:
        sig = inspect.signature(loss)
    except (TypeError, ValueError):
        sig = None
    if sig is not None:
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        ps = list(sig.parameters.values())
        if not any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in ps):
            required = [p for p in ps if p.kind in kinds and p.default is inspect.Parameter.empty]
            if len(required) == 4:
                return "params"
            if len(required) == 2:
                return "output"
    raise ValueError(
        "fit: cannot tell how to call the loss from its signature. Write it either as "
        "loss(params, net, inputs, target) (it sets the parameters and evolves the net itself, as "
        "in the training tutorial) or as loss(output, target), or pass loss_form='params' / 'output'."
    )


@dataclass(frozen=True)
class _Config:
    """Static configuration of the compiled step (part of the jit cache key)."""

    loss: Callable
    form: str
    opt: Any
    bounded: bool
    net_def: Any  # treedef of the network: its leaves are passed as a flat list (cheaper per call)


def _scalar_loss(value: Any) -> Any:
    value = jnp.asarray(value)
    if value.shape != () or not jnp.issubdtype(value.dtype, jnp.floating):
        raise ValueError(
            f"fit: the loss must return a scalar float, but it returned shape {value.shape} dtype "
            f"{value.dtype}. Reduce it, e.g. with jnp.mean(...) (jax_loss.mse does)."
        )
    return value


def _clip(params: Tree, lower: Tree, upper: Tree) -> Tree:
    out = {}
    for k, v in params.items():
        if isinstance(v, dict):
            out[k] = _clip(v, lower.get(k, {}), upper.get(k, {}))
        else:
            if k in lower:
                v = jnp.maximum(v, lower[k].astype(v.dtype))
            if k in upper:
                v = jnp.minimum(v, upper[k].astype(v.dtype))
            out[k] = v
    return out


def _step(cfg: _Config, params, opt_state, failed, count, net_leaves, x, y, bounds):
    net = jax.tree_util.tree_unflatten(cfg.net_def, net_leaves)

    def objective(p):
        if cfg.form == "params":
            return _scalar_loss(cfg.loss(p, net, x, y))
        out, _, _ = net.reset_state().set_attributes(p)(x)
        return _scalar_loss(cfg.loss(out, y))

    value, grads = jax.value_and_grad(objective)(params)
    # - Sticky guard: from the first non-finite loss or gradient on, the parameters stay as they
    #   were, so the host can read the losses back late and still hand out the last good
    #   parameters. Zeroed gradients keep the optimiser state finite. (Selecting the whole old
    #   optimiser state instead cost about 15 % of a step on CPU.)
    #   The check sums every gradient (NaN and inf propagate through sums): an and-reduction of
    #   isfinite over a 400k-element gradient took 4x as long as its sum on CPU.
    total = value
    for g in jax.tree_util.tree_leaves(grads):
        total = total + jnp.sum(g)
    failed = failed | ~jnp.isfinite(total)
    grads = jax.tree_util.tree_map(lambda g: jnp.where(failed, jnp.zeros_like(g), g), grads)
    new_params, new_state = cfg.opt.apply(count, grads, opt_state, params)
    if cfg.bounded:
        new_params = _clip(new_params, *bounds)
    new_params = jax.tree_util.tree_map(lambda new, old: jnp.where(failed, old, new), new_params, params)
    return new_params, new_state, failed, count + 1, value


_train_step = jax.jit(_step, static_argnums=0, donate_argnums=(1, 2))  # params, optimiser state


def _cache_size() -> int:
    """Number of compiled variants of the step (-1 where JAX does not say)."""
    size = getattr(_train_step, "_cache_size", None)
    return size() if size is not None else -1


def _prepare_impl(opt: Any, params: Tree, opt_state: Any, step: Any):
    if opt_state is None:
        opt_state = opt.init(params)
    params, opt_state = jax.tree_util.tree_map(jnp.copy, (params, opt_state))
    return params, opt_state, jnp.zeros((), bool), jnp.asarray(step, jnp.int32)


_prepare = jax.jit(_prepare_impl, static_argnums=0)


def _align_bounds(bounds: Any, params: Tree, all_params: Tree) -> Tuple[Tree, Tree]:
    """Keep only finite bounds, as arrays, in trees mirroring ``params``."""
    if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2):
        raise ValueError(
            "fit: bounds must be a pair (lower, upper) of trees like make_bounds(net.parameters()) "
            "returns; leaves are scalars or arrays, -inf / inf (or missing) for no bound."
        )

    def walk(b: Any, p: Tree, full: Tree, path: str, sign: float) -> Tree:
        if b is None:
            return {}
        if not isinstance(b, dict):
            raise ValueError(f"fit: bounds at '{path or '<root>'}' must be a dict mirroring the parameters.")
        out: Tree = {}
        for k, v in b.items():
            where = f"{path}.{k}" if path else k
            if k not in full:
                raise ValueError(
                    f"fit: bounds name '{where}', which is not a parameter of the network; "
                    f"known here: {list(full)}."
                )
            if k not in p:
                continue  # a parameter that is not being trained
            if isinstance(p[k], dict):
                sub = walk(v, p[k], full[k], where, sign)
                if sub:
                    out[k] = sub
                continue
            if v is None:
                continue
            arr = np.asarray(v, dtype=np.float64)
            if np.all(arr == sign * np.inf):
                continue
            try:
                np.broadcast_shapes(arr.shape, np.shape(p[k]))
            except ValueError:
                raise ValueError(
                    f"fit: bound for '{where}' has shape {arr.shape}, which does not broadcast to "
                    f"the parameter's shape {np.shape(p[k])}."
                ) from None
            out[k] = jnp.asarray(arr, dtype=p[k].dtype)
        return out

    lower, upper = bounds
    return walk(lower, params, all_params, "", -1.0), walk(upper, params, all_params, "", 1.0)


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
            batch, from the windows' mean gradient).

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
    epochs = int(epochs)
    if epochs < 0:
        raise ValueError(f"fit: epochs must be >= 0 (got {epochs}).")
    if checkpoint_every is not None and (checkpoint is None or int(checkpoint_every) < 1):
        raise ValueError("fit: checkpoint_every=N needs checkpoint='file.npz' and N >= 1.")
    if resume and checkpoint is None:
        raise ValueError("fit: resume=True needs checkpoint='file.npz' to resume from.")
    if hasattr(data, "__next__") and iter(data) is data:
        if epochs > 1:
            raise ValueError(
                "fit: `data` is a one-shot iterator (e.g. a generator), so epochs after the first "
                "would be empty. Pass a list or a dataset, or a function epoch -> iterable."
            )
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
    opt_state = None
    if resume and checkpoint is not None and checkpoint.exists():
        template = jax.eval_shape(opt.init, params)
        ck = _ckpt.load_checkpoint(checkpoint, net, template)
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
    if remat is not None or tbptt is not None:  # long sequences (rockpool/training/tbptt.py)
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
            _ckpt.save_checkpoint(checkpoint, current_net(), opt_state, step=len(run.loss), extra=extra)
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
        run.flush()
        if run.bad_step is not None:
            raise_nonfinite()

    epoch = start_epoch
    batch_idx = start_batch
    cache_before = _cache_size()
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
                try:
                    x, y = item
                except (TypeError, ValueError):
                    raise ValueError(
                        f"fit: each item of `data` must be an (input, target) pair; item {batch_idx} "
                        f"of epoch {epoch} is a {type(item).__name__}."
                    ) from None
                sig = _signature((x, y))
                if first_sig is None:
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
                params, opt_state, failed, count, value = step_fn(
                    cfg, params, opt_state, failed, count, net_leaves, x, y, bnds
                )
                run.pending.append((value, failed, epoch, batch_idx))
                n_steps += 1
                if n_steps == 1:
                    # - Time the compilation (when there was one) without stalling cached runs
                    if _cache_size() != cache_before:
                        jax.block_until_ready(value)
                    t_first = time.perf_counter()
                step += 1
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
        # - Keep what was trained: flush, checkpoint, attach the module and history, re-raise
        snapshot: Optional[JaxModule]
        try:
            run.flush()
            snapshot = current_net()
        except Exception:  # the device (or an interrupted donation) may be the problem
            snapshot = None
        path = None
        if snapshot is not None and n_steps and run.bad_step is None and run.epoch:
            path = save(run.epoch[-1], run.batch[-1] + 1)
            if path is not None:
                e.add_note(f"fit: the training state so far was saved to '{path}'; fit(..., resume=True) continues.")
        e.net = snapshot  # type: ignore[attr-defined]
        e.history = run.history(epochs_completed, type(e).__name__, t0, t_first, n_steps)  # type: ignore[attr-defined]
        e.checkpoint = path  # type: ignore[attr-defined]
        raise
    finally:
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


def _with_params(net: JaxModule, tree: Tree) -> JaxModule:
    """``net`` with new parameter values, assigned without validation (shapes are unchanged)."""
    new = net._shallow_copy()
    d = new.__dict__
    for k, v in tree.items():
        d[k] = _with_params(d[k], v) if isinstance(v, dict) else v
    return new
