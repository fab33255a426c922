"""Find where NaNs come from in a JAX network: :func:`debug_evolution`, :func:`debug_optimisation`,
:func:`flatten`.

Both checks return ``None`` when everything is finite and raise a ``ValueError`` that names every
offending entry otherwise (one line each), e.g. ``Network parameter 1_LIFJax_bias_0_0 contains
NaNs``. Ours: :func:`debug_optimisation` reports a NaN instead of crashing, naming the loss or the
gradient leaves and the first time step at which the evolution produced a NaN.

Example:
    >>> import numpy as np
    >>> from rockpool.nn.modules import RateJax
    >>> net = RateJax(2)
    >>> debug_evolution(net, net.state(), net.parameters(), np.ones((5, 2))) is None
    True
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, List, Optional

import numpy as np

__all__ = ["flatten", "debug_evolution", "debug_optimisation"]


def flatten(generic_collection: Any, sep: str = "_") -> "OrderedDict[str, Any]":
    """Flatten nested dicts / lists / tuples / arrays into one level, one entry per scalar.

    Keys join the dict keys and indices with ``sep``; each scalar leaf adds a final ``sep + "0"``.
    Sets are kept whole; empty sub-dicts vanish; ragged lists raise NumPy's ``ValueError``.

    Example:
        >>> list(flatten({"a": 1, "b": {"c": [2, 3]}}).items())
        [('a_0', 1), ('b_c_0_0', 2), ('b_c_1_0', 3)]
    """
    out: "OrderedDict[str, Any]" = OrderedDict()

    def walk(obj: Any, prefix: str) -> None:
        join = (lambda k: f"{prefix}{sep}{k}") if prefix else (lambda k: str(k))
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, join(k))
        elif isinstance(obj, (set, frozenset)):
            out[join(0)] = obj
        elif isinstance(obj, (list, tuple)) or (hasattr(obj, "shape") and np.ndim(obj) > 0):
            arr = np.asarray(obj)
            if arr.dtype == object:
                for i, v in enumerate(obj):
                    walk(v, join(i))
                return
            for idx in np.ndindex(arr.shape):
                key = sep.join(str(i) for i in idx)
                out[join(key) + f"{sep}0"] = arr[idx].item()
        else:
            value = np.asarray(obj).item() if hasattr(obj, "shape") else obj
            out[join(0)] = value

    walk(generic_collection, "")
    return out


def _nan_entries(tree: Any, what: str) -> List[str]:
    lines = []
    for k, v in flatten(tree).items():
        try:
            bad = bool(np.isnan(v))
        except TypeError:
            bad = False
        if bad:
            lines.append(f"{what} {k} contains NaNs")
    return lines


def _first_nan_step(output: Any) -> Optional[int]:
    arr = np.asarray(output)
    if arr.ndim < 2 or arr.dtype.kind != "f":
        return None
    t_axis = 1 if arr.ndim == 3 else 0
    bad = np.isnan(np.moveaxis(arr, t_axis, 0).reshape(arr.shape[t_axis], -1)).any(axis=1)
    return int(np.argmax(bad)) if bad.any() else None


def _evolve_unchecked(jmod: Any, state: Any, parameters: Any, inputs: Any):
    """Evolve with ``state`` / ``parameters`` written without the assignment checks (NaNs are what
    we are looking for, and a checked assignment would refuse them)."""
    import jax.numpy as jnp

    mod = _merge(_merge(jmod, state), parameters)
    return mod.evolve(jnp.asarray(inputs), record=False)


def _merge(mod: Any, tree: Any) -> Any:
    """A shallow copy of ``mod`` with the values of ``tree`` written as they are."""
    new = mod._shallow_copy()
    for k, v in tree.items():
        new.__dict__[k] = _merge(new.__dict__[k], v) if isinstance(v, dict) else v
    return new


def debug_evolution(jmod: Any, state: Any, parameters: Any, input: Any) -> None:  # noqa: A002
    """Evolve ``jmod`` with ``parameters`` and ``state`` on ``input`` and report NaNs.

    Checks the parameters, the state before evolution, the output and the state after evolution.

    Raises:
        ValueError: one line per NaN entry (``Network parameter ...``, ``Pre-evolve network state
            ...``, ``Network output contained NaNs (first at time step t)``, ``Post-evolve network
            state ...``).
    """
    lines = _nan_entries(parameters, "Network parameter")
    lines += _nan_entries(state, "Pre-evolve network state")
    output, new_state, _ = _evolve_unchecked(jmod, state, parameters, input)
    if np.isnan(np.asarray(output)).any():
        lines.append(f"Network output contained NaNs (first at time step {_first_nan_step(output)})")
    lines += _nan_entries(new_state, "Post-evolve network state")
    if lines:
        raise ValueError("\n".join(lines))
    return None


def debug_optimisation(jmod: Any, parameters: Any, input: Any, target: Any,  # noqa: A002
                       vgf_loss: Callable[[Any, Any, Any, Any], Any]) -> None:
    """Call ``vgf_loss(parameters, jmod, input, target) -> (loss, grads)`` and report NaNs.

    Raises:
        ValueError: naming NaNs in the parameters, input or target, a NaN loss, every NaN gradient
            entry, and the first time step at which the evolution produced a NaN output.

    Example:
        >>> import jax, numpy as np
        >>> from rockpool.nn.modules import LinearJax
        >>> from rockpool.training import jax_loss
        >>> def loss(p, net, x, y):
        ...     return jax_loss.mse(net.set_attributes(p)(x)[0], y)
        >>> net = LinearJax((2, 1))
        >>> debug_optimisation(net, net.parameters(), np.ones((3, 2)), np.zeros((3, 1)),
        ...                    jax.value_and_grad(loss)) is None
        True
    """
    lines = _nan_entries(parameters, "Network parameter")
    if np.isnan(np.asarray(input, dtype=float)).any():
        lines.append(f"Input contains NaNs (first at time step {_first_nan_step(input)})")
    if np.isnan(np.asarray(target, dtype=float)).any():
        lines.append("Target contains NaNs")
    try:
        loss, grads = vgf_loss(parameters, jmod, input, target)
    except ValueError as e:  # e.g. a module refusing NaN input: report it with the rest
        lines.append(f"Evaluating the loss failed: {e}")
        raise ValueError("\n".join(lines)) from e
    if np.isnan(np.asarray(loss)).any():
        lines.append("Loss is NaN")
    lines += _nan_entries(grads, "Gradient of parameter")
    if lines:
        try:
            output, _, _ = _evolve_unchecked(jmod, jmod.state(), parameters, input)
            step = _first_nan_step(output)
            if step is not None:
                lines.append(f"The network output first contains NaNs at time step {step}")
        except Exception as e:  # noqa: BLE001 - diagnosis only; the report is what matters
            lines.append(f"(could not locate the first NaN time step: {e})")
        raise ValueError("\n".join(lines))
    return None
