"""The compiled training step of :func:`~rockpool.training.fit` and what it needs: optimiser
adapters (optax, ``jax.example_libraries.optimizers``), loss-form detection, bounds.

One step resets the network state, sets the parameters, evolves, computes the loss and its gradient
and applies the optimiser; it is one ``jax.jit`` call with the parameter and optimiser buffers
donated (see :mod:`rockpool.training.loop` for how the loop keeps an interrupted step safe).
"""

from __future__ import annotations

import inspect
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

import jax
import jax.numpy as jnp
import numpy as np

Tree = Dict[str, Any]

# - Optimiser names accepted by `fit(optimizer="...")` (all from optax)
OPTIMIZER_NAMES = (
    "adam", "adamw", "adamax", "amsgrad", "nadam", "radam", "adabelief", "adafactor", "adagrad",
    "adadelta", "adan", "lamb", "lion", "novograd", "rmsprop", "sgd", "sign_sgd", "yogi",
)
DEFAULT_LR = 1e-3

# ---------------------------------------------------------------------------------------- optimisers
@dataclass(frozen=True)
class _Optax:
    """An optax ``GradientTransformation``."""

    tx: Any
    name: Optional[str] = None  # the name given to fit (recorded in checkpoints)

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
    name: Optional[str] = None

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
        return _Optax(opt, optimizer.lower().strip() if isinstance(optimizer, str) else None)
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

    from rockpool.training._fit_checks import check_bounds_order

    lower, upper = bounds
    lo, hi = walk(lower, params, all_params, "", -1.0), walk(upper, params, all_params, "", 1.0)
    check_bounds_order(lo, hi)
    return lo, hi
