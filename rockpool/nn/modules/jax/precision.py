"""Mixed precision for JAX networks: a per-network policy for the weight products, off by default.

Policies:

* ``"float32"`` (default, also ``None``): everything in float32 (float64 under ``jax_enable_x64``).
* ``"bf16"``: the forward weight products ``x @ W`` of :class:`~rockpool.nn.modules.LinearJax`
  run with bfloat16 operands and float32 accumulation (``preferred_element_type``). Parameters,
  states, the neuron dynamics and the optimiser stay float32. Spike counts up to 256 are exact in
  bfloat16; weights are rounded to 8 significant bits in the product only (the stored float32
  weights are updated at full precision, so small updates are never lost). The backward products
  (input and weight gradients) run in float32: on CPU the bfloat16 versions of the transposed
  products were slower than float32 (measured: 64-72 ms vs 33-56 ms on case b's shapes), and
  float32 gradients are more accurate.

The policy is static configuration (decided at trace time): :func:`set_precision` returns a copy of
the network whose modules carry it, so a bf16 network and a float32 network compile separately and
the default path is unchanged. It survives the functional API (``set_attributes``,
``reset_state``) and :func:`~rockpool.training.fit`.

Example:
    >>> import numpy as np
    >>> from rockpool.nn.modules import LinearJax
    >>> lin = LinearJax((3, 2), weight=np.full((3, 2), 0.5))
    >>> fast = set_precision(lin, "bf16")
    >>> get_precision(fast), get_precision(lin)
    ('bf16', 'float32')
    >>> np.allclose(fast(np.ones((4, 3)))[0], lin(np.ones((4, 3)))[0])
    True
"""

from __future__ import annotations

from typing import Any, Optional

import jax
import jax.numpy as jnp

__all__ = ["set_precision", "get_precision", "matmul", "POLICIES"]

POLICIES = ("float32", "bf16")
_ATTR = "_precision"  # static entry in a module's __dict__ (part of the jit cache key)


def _check(policy: Optional[str]) -> str:
    if policy is None:
        return "float32"
    p = str(policy).lower().replace("bfloat16", "bf16")
    if p not in POLICIES:
        raise ValueError(
            f"set_precision: unknown precision policy {policy!r}; choose one of {list(POLICIES)} "
            f"('bf16': bfloat16 weight products with float32 accumulation)."
        )
    return p


def set_precision(net: Any, policy: Optional[str]) -> Any:
    """A copy of ``net`` (and all its submodules) using the precision ``policy``.

    Args:
        net: A JAX module or network.
        policy: ``"bf16"``, ``"float32"`` or ``None`` (float32).

    Returns:
        A new module; ``net`` is left untouched.

    Example:
        >>> from rockpool.nn.modules import LinearJax
        >>> get_precision(set_precision(LinearJax((2, 2)), "bf16"))
        'bf16'
    """
    p = _check(policy)
    if not hasattr(net, "_shallow_copy"):  # NumPy modules: float64 throughout, no policy
        raise TypeError(
            f"set_precision: {getattr(net, '_label', type(net).__name__)} is not a JAX module; the "
            f"precision policy applies to JAX networks (use LinearJax / LIFJax / ... and JaxSequential)."
        )
    new = net._shallow_copy()
    d = new.__dict__
    if p == "float32":
        d.pop(_ATTR, None)
    else:
        d[_ATTR] = p
    d.pop("_aux_cache", None)
    for name in d.get("_submodule_names", ()):
        d[name] = set_precision(d[name], policy)
    return new


def get_precision(module: Any) -> str:
    """The precision policy of ``module`` (``"float32"`` unless :func:`set_precision` changed it)."""
    return module.__dict__.get(_ATTR, "float32")


@jax.custom_vjp
def _bf16_matmul(x: Any, w: Any) -> Any:
    return jnp.matmul(x.astype(jnp.bfloat16), w.astype(jnp.bfloat16), preferred_element_type=x.dtype)


def _bf16_fwd(x: Any, w: Any):
    return _bf16_matmul(x, w), (x, w)


def _bf16_bwd(res: Any, g: Any):
    x, w = res
    gx = g @ w.T
    gw = x.reshape(-1, x.shape[-1]).T @ g.reshape(-1, g.shape[-1])  # one product over all rows
    return gx, gw


_bf16_matmul.defvjp(_bf16_fwd, _bf16_bwd)


def matmul(x: Any, w: Any, policy: Optional[str] = None) -> Any:
    """``x @ w`` under a precision policy (``None`` / ``"float32"``: exactly ``x @ w``).

    Example:
        >>> import numpy as np
        >>> matmul(np.ones((2, 3), np.float32), np.ones((3, 4), np.float32), "bf16").dtype
        dtype('float32')
    """
    if policy is None or policy == "float32":
        return x @ w
    return _bf16_matmul(jnp.asarray(x), jnp.asarray(w))
