"""Input and parameter checks inside compiled code, when asked for (``jax.experimental.checkify``).

By default a JAX module checks its input (NaN / inf) and its parameters (NaN / inf, time constants
``> 0``) only where the values are concrete: on eager calls, at construction and on assignment.
Inside a user's ``jax.jit`` / ``grad`` / ``vmap`` the values are tracers, and the checks are off,
so compiled code carries no cost for them.

:func:`checked` turns them on inside compiled code: it runs a function under
``jax.experimental.checkify`` with rockpool's checks traced in, and raises
:class:`CheckFailed` (a ``ValueError``) naming the module and what failed::

    from rockpool import debug

    step = jax.jit(lambda net, x: net(x)[0].sum())
    debug.checked(step)(net, x_with_nan)      # ValueError: "RateJax: input contains NaN or inf"

:func:`checks` is the switch itself, for those who call ``checkify`` themselves::

    with debug.checks():
        err, out = checkify.checkify(jax.jit(f))(net, x)
    err.throw()

The switch is part of JAX's compilation cache key, so a function compiled without checks is
compiled again (once) with them.

Example:
    >>> import numpy as np, jax
    >>> from rockpool.nn.modules import RateJax
    >>> from rockpool import debug
    >>> f = jax.jit(lambda net, x: net(x)[0].sum())
    >>> x = np.ones((5, 2)); x[2, 1] = np.nan
    >>> try:
    ...     debug.checked(f)(RateJax(2), x)
    ... except debug.CheckFailed as e:
    ...     print(str(e).splitlines()[0])
    RateJax: input contains NaN or inf values (inside compiled code).
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable, Iterator

from rockpool._optional import require

require("jax", "jax")

import jax.numpy as jnp  # noqa: E402
from jax.experimental import checkify  # noqa: E402

__all__ = ["checks", "checked", "enabled", "CheckFailed"]


def _make_state() -> Any:
    try:
        from jax._src import config as _config

        return _config.bool_state(
            "rockpool_debug_checks",
            False,
            "Trace rockpool's input and parameter checks into compiled code (rockpool.debug).",
            include_in_jit_key=True,
            include_in_trace_context=True,
        )
    except Exception:  # an older / newer JAX without this API: a plain switch
        return None


_STATE = _make_state()
_PLAIN = [False]


class CheckFailed(ValueError):
    """A rockpool check failed inside compiled code (see :func:`checked`)."""


def enabled() -> bool:
    """Whether the checks are traced into compiled code now."""
    return bool(_STATE.value) if _STATE is not None else _PLAIN[0]


@contextlib.contextmanager
def checks(on: bool = True) -> Iterator[None]:
    """Context manager: trace rockpool's input and parameter checks into code compiled inside it."""
    if _STATE is not None:
        with _STATE(on):
            yield
        return
    old, _PLAIN[0] = _PLAIN[0], on
    try:
        yield
    finally:
        _PLAIN[0] = old


def checked(fn: Callable) -> Callable:
    """``fn`` with rockpool's checks traced in (via ``checkify``); a failed check raises
    :class:`CheckFailed` naming the module and the problem.

    Args:
        fn: Any function of JAX values and modules (often already ``jax.jit``-ed).

    Returns:
        A function with the same arguments and results.
    """
    run = checkify.checkify(fn, errors=checkify.user_checks)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with checks(True):
            err, out = run(*args, **kwargs)
        msg = err.get()
        if msg is not None:
            raise CheckFailed(msg.replace(" (`check` failed)", ""))
        return out

    return wrapper


def traced_checks(mod: Any, data: Any) -> None:
    """Called by a JAX module's traced ``__call__`` when :func:`enabled`: checkify checks of the
    input and of the parameters of ``mod`` and its submodules."""
    if jnp.issubdtype(data.dtype, jnp.inexact):
        checkify.check(jnp.all(jnp.isfinite(data)), f"{mod._label}: input contains NaN or inf values (inside compiled code).")
    _check_parameters(mod)


def _check_parameters(mod: Any) -> None:
    from rockpool.parameters import _Parameter

    d = mod.__dict__
    for name, attr in mod._registry.items():
        value = d.get(name)
        if value is None or not hasattr(value, "dtype") or not jnp.issubdtype(value.dtype, jnp.floating):
            continue
        if name in mod._positive_attributes or name in mod._always_positive:
            checkify.check(
                jnp.all(value > 0),
                f"{mod._label}: '{name}' must be > 0 everywhere (min {{m}}) (inside compiled code).",
                m=jnp.min(value) if value.size else jnp.zeros(()),
            )
        if attr.kind is _Parameter:
            ok = jnp.isfinite(value)
            if name in mod._time_constants:
                ok = ok | (value == jnp.inf)
            checkify.check(jnp.all(ok), f"{mod._label}: Parameter '{name}' contains NaN or inf (inside compiled code).")
    for sub in mod.modules().values():
        _check_parameters(sub)

