"""What :func:`~rockpool.training.fit` checks before it compiles anything, and its Ctrl-C guard.

* :func:`check_arguments` / :func:`check_first_batch`: ``data``, ``epochs``, trainable dtypes and
  the first batch against the network (rank, width, what the loss makes of output and target),
  so a mistake is a clear ``ValueError`` / ``TypeError`` instead of an XLA trace.
* :class:`InterruptGuard`: the training step donates (deletes) its parameter and optimiser buffers.
  A ``KeyboardInterrupt`` raised between the step's return and the assignment of its results would
  leave the loop holding deleted arrays. The guard defers SIGINT inside such critical sections and
  raises it (as the ``KeyboardInterrupt`` it is) as soon as the section ends, so the loop always
  holds the parameters and optimiser state of the last completed step.
"""

from __future__ import annotations

import inspect
import numbers
import signal
import sys
import threading
from typing import Any, Optional, Tuple

import jax
import numpy as np

__all__ = ["check_arguments", "check_first_batch", "check_trainable", "InterruptGuard"]


# ---------------------------------------------------------------------------------------- arguments
def _check_data_function(data: Any) -> None:
    """``data`` as a function is called with the epoch number: it must accept one argument."""
    try:
        sig = inspect.signature(data)
    except (TypeError, ValueError):  # builtins without a signature: let the call decide
        return
    try:
        sig.bind(0)
    except TypeError:
        name = getattr(data, "__name__", type(data).__name__)
        raise TypeError(
            f"fit: data is a function, so fit calls it once per epoch as data(epoch) and iterates "
            f"what it returns, but {name}{sig} does not take an epoch argument. Give it one "
            f"(e.g. def batches(epoch): ...), or pass the iterable itself (e.g. a list)."
        ) from None


def check_epochs(epochs: Any) -> int:
    """``epochs`` as an int >= 0 (whole floats such as ``3.0`` accepted), else a clear error."""
    ok = isinstance(epochs, numbers.Integral) and not isinstance(epochs, bool)
    if not ok and isinstance(epochs, (float, np.floating)) and float(epochs).is_integer():
        ok = True
    if not ok:
        raise TypeError(f"fit: epochs must be a whole number >= 0 (got {epochs!r}).")
    if int(epochs) < 0:
        raise ValueError(f"fit: epochs must be >= 0 (got {int(epochs)}).")
    return int(epochs)


def check_arguments(data: Any, epochs: Any, checkpoint_every: Any) -> int:
    """Check ``data``, ``epochs`` and ``checkpoint_every``; return ``epochs`` as an int."""
    epochs = check_epochs(epochs)
    if data is None:
        raise TypeError(
            "fit: data is None. Pass a list (or dataset) of (input, target) pairs, e.g. "
            "[(x, y)] with x of shape (B, T, Nin), or a function epoch -> such an iterable."
        )
    if isinstance(data, (str, bytes, dict)) or not (
        callable(data) or hasattr(data, "__iter__") or hasattr(data, "__getitem__")
    ):
        raise TypeError(
            f"fit: data must be an iterable of (input, target) pairs (a list, a dataset) or a "
            f"function epoch -> iterable; got a {type(data).__name__}."
        )
    if callable(data) and not hasattr(data, "__iter__") and not hasattr(data, "__getitem__"):
        _check_data_function(data)
    if hasattr(data, "__next__") and iter(data) is data and epochs > 1:
        raise ValueError(
            "fit: `data` is a one-shot iterator (e.g. a generator), so epochs after the first "
            "would be empty. Pass a list or a dataset, or a function epoch -> iterable."
        )
    if checkpoint_every is not None and (
        isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, numbers.Integral)
    ):
        raise TypeError(f"fit: checkpoint_every must be a whole number of steps (got {checkpoint_every!r}).")
    return epochs


def check_trainable(params: Any, label: str) -> None:
    """Integer (or boolean) parameters have no gradient: name them and say what to do."""
    for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]:
        dtype = np.dtype(leaf.dtype) if hasattr(leaf, "dtype") else np.result_type(leaf)
        if dtype.kind not in "fc":
            where = "/".join(str(getattr(k, "key", k)) for k in path)
            raise ValueError(
                f"fit: parameter '{where}' of {label} holds {dtype} values, which have no gradient. "
                f"Make it a float array, freeze it with Constant(...), or train only some families "
                f"with fit(..., family='weights')."
            )


def split_pair(item: Any, batch_idx: int, epoch: int) -> Tuple[Any, Any]:
    """``(input, target)`` of one item of ``data``, else a clear error."""
    if isinstance(item, (str, bytes, dict)) or not isinstance(item, (tuple, list)) or len(item) != 2:
        what = f"a {type(item).__name__}"
        if isinstance(item, (tuple, list)):
            what += f" of length {len(item)}"
        elif hasattr(item, "shape"):
            what += f" of shape {tuple(item.shape)}"
        raise ValueError(
            f"fit: each item of `data` must be an (input, target) pair; item {batch_idx} of epoch "
            f"{epoch} is {what}. Pass e.g. [(x, y), ...] or list(zip(inputs, targets))."
        )
    x, y = item
    for name, a in (("input", x), ("target", y)):
        if a is None:
            raise ValueError(f"fit: the {name} of item {batch_idx} of epoch {epoch} is None.")
    return x, y


def check_first_batch(net: Any, loss: Any, form: str, x: Any, y: Any) -> None:
    """Shape-check the first batch without compiling: the input against the network and, for a
    ``loss(output, target)``, the target against the network's output."""
    xs = np.shape(x)
    n = net.size_in
    if len(xs) not in (2, 3) or (n is not None and xs[-1] not in (n, 1)):
        raise ValueError(
            f"fit: the inputs have shape {xs}, but {net._label} takes (T, {n}) or (B, T, {n})."
        )
    if form != "output":
        return
    x_spec = jax.ShapeDtypeStruct(xs, jax.dtypes.canonicalize_dtype(np.result_type(x)))
    y_spec = jax.ShapeDtypeStruct(np.shape(y), jax.dtypes.canonicalize_dtype(np.result_type(y)))
    out = _forward.eval_shape(net, x_spec)
    ys, os_ = tuple(y_spec.shape), tuple(getattr(out, "shape", ()))
    if len(ys) == len(os_) and ys and ys[-1] != os_[-1] and np.issubdtype(y_spec.dtype, np.floating):
        raise ValueError(
            f"fit: the targets have {ys[-1]} channels (shape {ys}) but {net._label} outputs "
            f"{os_[-1]} (shape {os_}). Give targets of the output's shape."
        )
    try:
        jax.eval_shape(loss, out, y_spec)
    except Exception as e:  # the user's loss: any error it raises is about these shapes
        raise ValueError(
            f"fit: the loss cannot combine the network output (shape {os_}) with the target "
            f"(shape {ys}): {type(e).__name__}: {e}"
        ) from None


def _forward_impl(net: Any, x: Any) -> Any:
    return net(x)[0]


_forward = jax.jit(_forward_impl)  # eval_shape through jit: traced once per structure and shape


def check_bounds_order(lower: Any, upper: Any) -> None:
    """Lower bounds must not exceed upper bounds (and must not be NaN)."""

    def walk(lo: Any, hi: Any, path: str) -> None:
        for k, a in lo.items():
            where = f"{path}.{k}" if path else k
            if isinstance(a, dict):
                walk(a, hi.get(k, {}), where)
                continue
            a = np.asarray(a)
            if np.isnan(a).any():
                raise ValueError(f"fit: lower bound of '{where}' contains NaN; use -inf for no bound.")
            if k in hi:
                b = np.asarray(hi[k])
                if np.any(a > b):
                    raise ValueError(
                        f"fit: bounds for '{where}' have lower > upper (lower max {a.max():g}, "
                        f"upper min {b.min():g}); swap them or fix the tree."
                    )
        for k, b in hi.items():
            if not isinstance(b, dict) and np.isnan(np.asarray(b)).any():
                where = f"{path}.{k}" if path else k
                raise ValueError(f"fit: upper bound of '{where}' contains NaN; use inf for no bound.")

    walk(lower, upper, "")


# ---------------------------------------------------------------------------------------- Ctrl-C
class InterruptGuard:
    """Defer SIGINT inside ``with guard:`` sections; deliver it when the outermost one ends.

    Installed for the duration of one :func:`fit` call (main thread only; elsewhere Python does not
    deliver signals anyway). Outside a section the previous handler runs at once, so Ctrl-C during
    compilation or data loading stops immediately. The sections are short (one step dispatch and
    its bookkeeping, a flush, a checkpoint write), so a deferred interrupt arrives within one step.

    Python swallows an exception raised inside a garbage-collector callback, a ``__del__`` or a
    weakref callback (it prints "Exception ignored in ..." and carries on), and JAX runs such
    callbacks often. A Ctrl-C that lands in one would be lost, and the run would go on as if nothing
    had been pressed. While installed, the guard also watches ``sys.unraisablehook``: a swallowed
    ``KeyboardInterrupt`` is kept and delivered at the next section boundary instead.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.pending: Optional[Tuple[int, Any]] = None
        self.previous: Any = None
        self.previous_unraisable: Any = None
        self.installed = False

    def install(self) -> "InterruptGuard":
        if threading.current_thread() is not threading.main_thread():
            return self
        previous = signal.getsignal(signal.SIGINT)
        if not callable(previous):  # SIG_IGN / SIG_DFL / set outside Python: leave it alone
            return self
        self.previous = previous
        signal.signal(signal.SIGINT, self._handle)
        self.previous_unraisable = sys.unraisablehook
        sys.unraisablehook = self._unraisable
        self.installed = True
        return self

    def uninstall(self) -> None:
        if self.installed:
            signal.signal(signal.SIGINT, self.previous)
            if sys.unraisablehook == self._unraisable:  # unless someone replaced it meanwhile
                sys.unraisablehook = self.previous_unraisable
            self.installed = False
            pending, self.pending = self.pending, None
            if pending is not None:
                self.previous(*pending)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.depth:
            self.pending = (signum, frame)
            return
        self.previous(signum, frame)

    def _unraisable(self, unraisable: Any) -> None:
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
            self.pending = (signal.SIGINT, None)  # a Ctrl-C that Python would have dropped
            return
        self.previous_unraisable(unraisable)

    def __enter__(self) -> "InterruptGuard":
        if not self.depth and self.pending is not None:
            pending, self.pending = self.pending, None
            self.previous(*pending)  # a Ctrl-C swallowed outside a section: deliver it now
        self.depth += 1
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.depth -= 1
        if not self.depth and self.pending is not None and exc_type is None:
            pending, self.pending = self.pending, None
            self.previous(*pending)  # default handler: raises KeyboardInterrupt here

