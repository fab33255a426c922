"""Components for loss functions of JAX networks: errors, regularisers, parameter bounds, (log-)softmax.

All functions are differentiable, work under ``jax.jit`` / ``jax.grad``, and take parameter trees
as returned by ``net.parameters()``.

Example:
    >>> import jax.numpy as jnp
    >>> from rockpool.training import jax_loss as l
    >>> float(l.mse(jnp.array([1.0, 2.0]), jnp.array([1.0, 4.0])))
    2.0
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from rockpool._optional import require

require("jax", "jax")  # a missing JAX is an ImportError naming the extra to install

import jax
import jax.numpy as jnp
import numpy as np

from rockpool.utilities.jax_tree_utils import bound_at, flatten_with_paths

__all__ = [
    "mse",
    "sse",
    "l2sqr_norm",
    "l0_norm_approx",
    "make_bounds",
    "bounds_cost",
    "softmax",
    "logsoftmax",
]

Tree = Dict[str, Any]

# - Violations above this are continued linearly, so the cost and its gradient stay finite
_EXP_CAP = 50.0


def mse(output: Any, target: Any) -> jax.Array:
    """Mean squared error, broadcasting ``output`` against ``target``.

    .. math:: \\mathrm{MSE}(y, \\hat{y}) = \\frac{1}{N} \\sum_i (y_i - \\hat{y}_i)^2

    where the mean runs over every element of the broadcast shape (e.g. a ``(1, T, N)`` output
    against a ``(T, N)`` target).

    Args:
        output: Network output, e.g. ``(B, T, N)``.
        target: Target, broadcastable against ``output``.

    Returns:
        A scalar.
    """
    return jnp.mean(jnp.square(jnp.asarray(output) - jnp.asarray(target)))


def sse(output: Any, target: Any) -> jax.Array:
    """Sum of squared errors, :math:`\\sum_i (y_i - \\hat{y}_i)^2` (broadcasting like :func:`mse`)."""
    return jnp.sum(jnp.square(jnp.asarray(output) - jnp.asarray(target)))


def _leaves(params: Any) -> list:
    return [jnp.asarray(x) for x in jax.tree_util.tree_leaves(params)]


def l2sqr_norm(params: Tree) -> jax.Array:
    """Squared L2 norm for regularisation: the mean over leaves of each leaf's mean square.

    .. math:: R_2(\\Theta) = \\frac{1}{|\\Theta|} \\sum_{\\theta \\in \\Theta} \\frac{1}{|\\theta|} \\sum_i \\theta_i^2

    so every parameter array counts equally, whatever its size. Returns 0 for an empty tree.

    Args:
        params: A tree of parameter arrays (``net.parameters()``).
    """
    leaves = _leaves(params)
    if not leaves:
        return jnp.zeros(())
    return jnp.asarray(sum(jnp.mean(jnp.square(x)) for x in leaves)) / len(leaves)


def l0_norm_approx(params: Tree, sigma: float = 1e-4) -> jax.Array:
    """A smooth, differentiable count of the non-zero parameter elements (encourages sparsity).

    .. math:: \\tilde{L}_0(\\Theta) = \\sum_{\\theta \\in \\Theta} \\sum_i \\frac{\\theta_i^2}{\\theta_i^2 + \\sigma}

    Each element contributes about 1 when :math:`|\\theta_i| \\gg \\sqrt{\\sigma}` and about 0 near zero.

    Args:
        params: A tree of parameter arrays.
        sigma: Smoothing scale (:math:`\\sigma > 0`); smaller is closer to the true count.
    """
    total = jnp.zeros(())
    for x in _leaves(params):
        x2 = jnp.square(x)
        total = total + jnp.sum(x2 / (x2 + sigma))
    return total


def make_bounds(params: Tree) -> Tuple[Tree, Tree]:
    """Template bounds for :func:`bounds_cost`: ``(lower, upper)`` filled with ``-inf`` / ``inf``.

    Both are plain dicts with the structure of ``params`` (keys sorted, as ``jax.tree_util``
    returns them). Replace leaves to impose bounds; a scalar bounds every element of its parameter.

    Example:
        >>> lower, upper = make_bounds({"rate": {"tau": jnp.ones(3), "bias": jnp.zeros(3)}})
        >>> lower
        {'rate': {'bias': -inf, 'tau': -inf}}
        >>> lower["rate"]["tau"] = 10e-3
    """
    lower = jax.tree_util.tree_map(lambda _: -float("inf"), params)
    upper = jax.tree_util.tree_map(lambda _: float("inf"), params)
    return lower, upper


def _is_static_inf(bound: Any, sign: float) -> bool:
    """True if ``bound`` is concretely +-inf everywhere, so it can be skipped at trace time."""
    if bound is None:
        return True
    if isinstance(bound, jax.core.Tracer):
        return False
    try:
        b = np.asarray(bound)
    except Exception:
        return False
    return b.dtype.kind == "f" and bool(np.all(b == sign * np.inf))


def _violation_cost(violation: jax.Array) -> jax.Array:
    """:math:`\\sum_i e^{v_i}` over elements with :math:`v_i > 0`, safe for infinite bounds.

    The "double where" keeps infinities out of ``exp`` and out of the gradient: elements that do
    not violate get ``v = 0`` before the exponential, and contribute exactly zero.
    """
    mask = violation > 0
    v = jnp.where(mask, violation, 0.0)
    capped = jnp.minimum(v, _EXP_CAP)
    cost = jnp.exp(capped) * (1.0 + (v - capped))  # linear continuation beyond the cap
    return jnp.sum(jnp.where(mask, cost, 0.0))


def _check_bound_keys(params: Any, bounds: Any, what: str, path: Tuple[str, ...]) -> None:
    """A key of a bounds tree that names no parameter is a typo that would silently drop a bound."""
    if not isinstance(bounds, dict):
        return
    if not isinstance(params, dict):
        raise ValueError(
            f"bounds_cost: {what} has a sub-tree at '{'.'.join(path)}', but that parameter is an "
            f"array; give a scalar or an array bound there."
        )
    for k, sub in bounds.items():
        if k not in params:
            where = ".".join(path + (str(k),))
            raise ValueError(
                f"bounds_cost: {what} names '{where}', which is not in the parameter tree; known keys "
                f"there are {list(params)}. Build bounds with make_bounds(params) and edit its leaves."
            )
        _check_bound_keys(params[k], sub, what, path + (str(k),))


def bounds_cost(params: Tree, lower_bounds: Optional[Tree] = None, upper_bounds: Optional[Tree] = None) -> jax.Array:
    """Cost of parameter elements outside their bounds.

    For each element :math:`\\theta_i` with lower bound :math:`l_i` and upper bound :math:`u_i`:

    .. math:: C = \\sum_i [\\theta_i < l_i] \\, e^{l_i - \\theta_i} + [\\theta_i > u_i] \\, e^{\\theta_i - u_i}

    so each violating element costs at least 1 and the cost grows quickly with the violation
    (linearly beyond a violation of 50, to stay finite). Elements inside their bounds cost nothing.
    The gradient is finite everywhere, also for infinite bounds (no ``inf - inf``; no NaN under
    ``jax_debug_nans``).

    Args:
        params: The parameter tree (``net.parameters()``).
        lower_bounds: A tree like the one from :func:`make_bounds`. Missing entries (or a ``None``
            tree) mean no bound; a scalar placed at a sub-tree bounds every parameter below it.
        upper_bounds: As ``lower_bounds``, for upper bounds.

    Returns:
        The scalar cost.

    Example:
        >>> lower, upper = make_bounds({"tau": jnp.array([0.005, 0.02])})
        >>> lower["tau"] = 0.01
        >>> float(bounds_cost({"tau": jnp.array([0.005, 0.02])}, lower, upper)) > 1.0
        True
    """
    _check_bound_keys(params, lower_bounds, "lower_bounds", ())
    _check_bound_keys(params, upper_bounds, "upper_bounds", ())
    total = jnp.zeros(())
    for path, x in flatten_with_paths(params):
        x = jnp.asarray(x)
        if lower_bounds is not None:
            lo = bound_at(lower_bounds, path)
            if not _is_static_inf(lo, -1.0):
                total = total + _violation_cost(jnp.asarray(lo, dtype=x.dtype) - x)
        if upper_bounds is not None:
            hi = bound_at(upper_bounds, path)
            if not _is_static_inf(hi, 1.0):
                total = total + _violation_cost(x - jnp.asarray(hi, dtype=x.dtype))
    return total


def _check_temperature(temperature: Any) -> None:
    if isinstance(temperature, (int, float, np.number)) and not temperature > 0:
        raise ValueError(f"softmax: temperature must be > 0 (got {temperature}); e.g. temperature=1.0.")


def softmax(x: Any, temperature: float = 1.0) -> jax.Array:
    """Softmax over the last axis, with temperature :math:`T`.

    .. math:: S(x)_j = \\frac{e^{(x_j - m) / T}}{\\sum_k e^{(x_k - m) / T}}, \\quad m = \\max_k x_k

    (subtracting the maximum changes nothing mathematically and avoids overflow).
    """
    _check_temperature(temperature)
    z = jnp.asarray(x) / temperature
    z = z - jax.lax.stop_gradient(jnp.max(z, axis=-1, keepdims=True))
    e = jnp.exp(z)
    return e / jnp.sum(e, axis=-1, keepdims=True)


def logsoftmax(x: Any, temperature: float = 1.0) -> jax.Array:
    """Log-softmax over the last axis, with temperature :math:`T` (for cross-entropy losses).

    .. math:: \\log S(x)_j = \\frac{x_j - m}{T} - \\log \\sum_k e^{(x_k - m) / T}, \\quad m = \\max_k x_k
    """
    _check_temperature(temperature)
    z = jnp.asarray(x) / temperature
    z = z - jax.lax.stop_gradient(jnp.max(z, axis=-1, keepdims=True))
    return z - jnp.log(jnp.sum(jnp.exp(z), axis=-1, keepdims=True))
