"""Find where NaNs enter a JAX network: in its parameters, its state, its output or its gradients.

:func:`flatten` turns any nested collection into one entry per scalar, keyed by its path, so a NaN
can be named precisely (``tau_1_0`` is element 1 of ``tau``). :func:`debug_evolution` and
:func:`debug_optimisation` run a network (or a loss and its gradient) once and raise a
``ValueError`` naming every entry that holds a NaN, with the first time step where the output
turned NaN.

Example:
    >>> import numpy as np
    >>> from rockpool.training.jax_debug import flatten
    >>> dict(flatten({"a": 1, "b": {"tau": np.array([0.1, np.nan])}}))
    {'a_0': 1, 'b_tau_0_0': np.float64(0.1), 'b_tau_1_0': np.float64(nan)}
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, List, Mapping, Optional

import numpy as np

__all__ = ["flatten", "debug_evolution", "debug_optimisation"]


def flatten(generic_collection: Any, sep: str = "_") -> "OrderedDict[str, Any]":
    """One entry per scalar element of a nested collection, keyed by its path.

    Dict keys and array / list indices are joined with ``sep``; every scalar adds a final
    ``sep + "0"`` (``{'a': 1, 'b': {'c': 2}}`` -> ``a_0``, ``b_c_0``; a ``(2,)`` array ``tau`` ->
    ``tau_0_0``, ``tau_1_0``). Empty sub-dicts contribute nothing.

    Args:
        generic_collection: Nested dicts, lists, tuples, arrays (NumPy or JAX) and scalars.
        sep: Separator of the key parts.

    Returns:
        ``OrderedDict`` from path to scalar element, in traversal order.

    Raises:
        ValueError: For ragged lists (they are not arrays).

    Example:
        >>> list(flatten({"w": [[1, 2]], "x": 3.0}))
        ['w_0_0_0', 'w_0_1_0', 'x_0']
    """
    out: "OrderedDict[str, Any]" = OrderedDict()
    _flatten_into(out, generic_collection, "", sep)
    return out


def _flatten_into(out: "OrderedDict[str, Any]", item: Any, key: str, sep: str) -> None:
    join = (lambda part: f"{key}{sep}{part}") if key else str
    if isinstance(item, Mapping):
        for k, v in item.items():
            _flatten_into(out, v, join(k), sep)
        return
    if isinstance(item, (list, tuple)):
        try:
            item = np.asarray(item)
        except ValueError as err:
            raise ValueError(
                f"jax_debug.flatten: the list at '{key or '<root>'}' is ragged (its elements have different "
                f"shapes), so it has no element-wise entries; use a dict or equal-length lists. ({err})"
            ) from None
    if item is None:
        return
    arr = np.asarray(item)
    if arr.ndim == 0:
        out[join(0)] = arr[()] if not np.isscalar(item) else item
        return
    for i, sub in enumerate(arr):
        _flatten_into(out, sub, join(i), sep)


def _nan_keys(tree: Any) -> List[str]:
    """Keys of :func:`flatten` whose value is NaN (non-numeric entries are skipped)."""
    bad = []
    for k, v in flatten(tree).items():
        try:
            if np.isnan(v):
                bad.append(k)
        except TypeError:
            continue
    return bad


def _first_nan_step(output: Any) -> Optional[int]:
    """The first time step (axis -2 of a ``(B, T, N)`` / ``(T, N)`` output) holding a NaN."""
    arr = np.asarray(output)
    if arr.ndim < 2 or not np.issubdtype(arr.dtype, np.floating):
        return None
    steps = np.nonzero(np.isnan(arr).any(axis=tuple(i for i in range(arr.ndim) if i != arr.ndim - 2)))[0]
    return int(steps[0]) if steps.size else None


def _describe(what: str, keys: List[str], limit: int = 10) -> str:
    shown = ", ".join(keys[:limit]) + (f" (and {len(keys) - limit} more)" if len(keys) > limit else "")
    return f"Network {what} {shown} contains NaNs"


def debug_evolution(jmod: Any, state: Any, parameters: Any, input: Any) -> None:
    """Evolve ``jmod`` once with the given parameters and state; raise if a NaN appears anywhere.

    Args:
        jmod: A :class:`~rockpool.nn.modules.JaxModule`.
        state: A state tree for ``jmod`` (e.g. ``jmod.state()``).
        parameters: A parameter tree for ``jmod`` (e.g. ``jmod.parameters()``).
        input: The input to evolve over.

    Returns:
        ``None`` when the parameters, the state, the output and the record are free of NaNs.

    Raises:
        ValueError: Naming each entry that contains NaNs (``Network parameter tau_0_0 contains
            NaNs``), and the first time step at which the output is NaN.

    Example:
        >>> import jax.numpy as jnp
        >>> from rockpool.nn.modules import RateJax
        >>> net = RateJax(2)
        >>> debug_evolution(net, net.state(), net.parameters(), jnp.ones((5, 2))) is None
        True
    """
    if problems := _evolution_problems(jmod, state, parameters, input):
        _raise("debug_evolution", jmod, problems)


def _evolution_problems(jmod: Any, state: Any, parameters: Any, input: Any) -> List[str]:
    problems = []
    for what, tree in (("parameter", parameters), ("state", state)):
        if keys := _nan_keys(tree):
            problems.append(_describe(what, keys))
    if problems:  # - the module would reject NaN parameters: report them without evolving
        return problems
    mod = jmod.set_attributes(parameters).set_attributes(state)
    output, new_state, record = mod(input, record=True)
    for what, tree in (("output", {"output": output}), ("new state", new_state), ("record", record)):
        if keys := _nan_keys(tree):
            problems.append(_describe(what, keys))
    step = _first_nan_step(output)
    if step is not None:
        problems.append(f"the output is first NaN at time step {step}")
    return problems


def _raise(where: str, jmod: Any, problems: List[str]) -> None:
    raise ValueError(
        f"{where}({type(jmod).__name__}): " + "; ".join(problems) + ". Check the named entries (e.g. a "
        "time constant of 0, a division by zero, a learning rate too high) and bound the parameters."
    )


def debug_optimisation(
    jmod: Any, parameters: Any, input: Any, target: Any, vgf_loss: Callable[..., Any]
) -> None:
    """Compute a loss and its gradient once with ``vgf_loss``; raise if either holds a NaN.

    Args:
        jmod: The network.
        parameters: Its parameter tree.
        input: A batch of input.
        target: The matching target.
        vgf_loss: ``vgf_loss(parameters, jmod, input, target) -> (loss, gradients)``, e.g. a
            ``jax.value_and_grad`` of a loss function.

    Returns:
        ``None`` when the loss and every gradient entry are free of NaNs.

    Raises:
        ValueError: Naming the NaN loss and gradient entries and, when the network's evolution
            already produces NaNs, what :func:`debug_evolution` finds (with the first NaN time step).

    Example:
        >>> import jax, jax.numpy as jnp
        >>> from rockpool.nn.modules import LinearJax
        >>> net = LinearJax((2, 1))
        >>> def loss(p, mod, x, y):
        ...     return jnp.mean((mod.set_attributes(p)(x)[0] - y) ** 2)
        >>> vgf = jax.value_and_grad(loss)
        >>> debug_optimisation(net, net.parameters(), jnp.ones((4, 2)), jnp.zeros((4, 1)), vgf) is None
        True
    """
    loss, grads = vgf_loss(parameters, jmod, input, target)
    problems = []
    if keys := _nan_keys({"loss": loss}):
        problems.append(_describe("loss", keys))
    if keys := _nan_keys(grads):
        problems.append(_describe("gradient", keys))
    if not problems:
        return None
    problems += [f"in evolution: {p}" for p in _evolution_problems(jmod, jmod.state(), parameters, input)]
    _raise("debug_optimisation", jmod, problems)
