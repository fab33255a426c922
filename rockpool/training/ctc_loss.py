"""Connectionist temporal classification (CTC) loss: :func:`ctc_loss_numpy`, :func:`ctc_loss_jax`,
:func:`ctc_loss_batch` (ours) and the torch-only :func:`ctc_loss_torch` shim.

Class 0 is the blank. An alignment :math:`\\pi` of length :math:`S` (``seq_length``) maps to a
label by merging repeats and dropping blanks; the loss is the negative log-likelihood

.. math:: L = -\\log \\sum_{\\pi \\to l} \\prod_{t < S} \\exp(\\mathrm{log\\_prob}[t, \\pi_t])

computed with the forward recursion over the extended label ``(0, l1, 0, l2, ..., 0)``. No softmax
is applied: ``log_prob`` is used as given (pass ``jax.nn.log_softmax(logits)``). There is no
reduction over the label length. A label that cannot fit into ``seq_length`` frames (repeated
symbols need a blank between them) gives about ``big_num``.

The JAX functions are built on :func:`optax.ctc_loss` (which normalises its input with a
log-softmax; we add back the per-frame normaliser, so that unnormalised scores are used as
given). They are differentiable and jit-able with a traced ``seq_length`` (a mask, not a slice).

Example:
    >>> import numpy as np
    >>> lp = np.log(np.full((3, 2), 0.5))
    >>> round(ctc_loss_numpy([1], lp, 3), 6)  # 6 of the 8 alignments give [1]: -log(0.75)
    0.287682
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

__all__ = ["ctc_loss_numpy", "ctc_loss_jax", "ctc_loss_batch", "ctc_loss_torch"]


def _check(label: Any, log_prob: Any, seq_length: Any, fn: str):
    lp_shape = np.shape(log_prob)
    if len(lp_shape) != 2:
        raise ValueError(
            f"{fn}: log_prob must have shape (T, C) (time bins x classes, class 0 the blank); got "
            f"shape {lp_shape}. For a batch (B, T, C) use ctc_loss_batch."
        )
    T, C = lp_shape
    lab = np.asarray(label)
    if lab.ndim != 1:
        raise ValueError(f"{fn}: label must be a 1-D sequence of class ids; got shape {lab.shape}.")
    if lab.size and (lab.dtype.kind not in "iu" and not np.all(lab == np.round(lab))):
        raise ValueError(f"{fn}: label ids must be integers (got {lab}).")
    if lab.size and (lab.min() < 1 or lab.max() > C - 1):
        raise ValueError(
            f"{fn}: label ids must be in 1..{C - 1} (0 is the blank, C = {C} classes); got {lab.tolist()}."
        )
    if _concrete(seq_length):
        sl = np.asarray(seq_length)
        if sl.shape != () or sl.dtype.kind not in "iufb" or not np.isfinite(sl) or sl != np.round(sl):
            raise ValueError(f"{fn}: seq_length must be a whole number in 0..T = 0..{T} (got {seq_length!r}).")
        s = int(sl)
        if not 0 <= s <= T:
            raise ValueError(f"{fn}: seq_length must be in 0..T = 0..{T} (got {s}).")
    return lab.astype(np.int64), T, C


def _check_lengths(fn: str, name: str, value: Any, B: int, upper: int, upper_name: str) -> None:
    """A concrete ``(B,)`` vector of whole numbers in ``0..upper``."""
    v = np.asarray(value)
    if v.size != B or v.ndim > 1:
        raise ValueError(f"{fn}: {name} must be ({B},), one length per batch element (got shape {v.shape}).")
    if v.dtype.kind not in "iub" and not np.all(v == np.round(v)):
        raise ValueError(f"{fn}: {name} must be whole numbers (got {v.tolist()}).")
    if v.size and (v.min() < 0 or v.max() > upper):
        raise ValueError(f"{fn}: {name} must lie in 0..{upper_name} = 0..{upper} (got {v.tolist()}).")


def _check_batch(fn: str, B: int, T: int, C: int, labels: Any, input_lengths: Any,
                 label_lengths: Any) -> None:
    """Checks of :func:`ctc_loss_batch` on whatever is concrete (traced values pass unchecked)."""
    lab_shape = np.shape(labels)
    if not (len(lab_shape) == 2 and lab_shape[0] == B) and not (len(lab_shape) == 1 and B == 1):
        raise ValueError(
            f"{fn}: labels must be (B, L) = ({B}, L), padded at the end (got shape {lab_shape})."
        )
    L = lab_shape[-1]
    if input_lengths is not None and _concrete(input_lengths):
        _check_lengths(fn, "input_lengths", input_lengths, B, T, "T")
    if label_lengths is not None and _concrete(label_lengths):
        _check_lengths(fn, "label_lengths", label_lengths, B, L, "L")
    if _concrete(labels) and (label_lengths is None or _concrete(label_lengths)):
        lab = np.asarray(labels).reshape(B, L)
        n = np.full(B, L) if label_lengths is None else np.asarray(label_lengths).reshape(B)
        valid = lab[np.arange(L)[None, :] < n[:, None]]
        if valid.size and (valid.min() < 1 or valid.max() > C - 1):
            raise ValueError(
                f"{fn}: label ids (within label_lengths) must be in 1..{C - 1} (0 is the blank, C = {C} "
                f"classes); got values from {valid.min()} to {valid.max()}. Pad with any id, but "
                f"pass label_lengths."
            )


def _concrete(x: Any) -> bool:
    try:
        import jax

        return not isinstance(x, jax.core.Tracer)
    except ImportError:  # pragma: no cover - NumPy only
        return True


def ctc_loss_numpy(label: Any, log_prob: Any, seq_length: int, big_num: float = 1e10) -> float:
    """CTC negative log-likelihood of one label sequence (NumPy).

    Args:
        label: Class ids ``(L,)`` in ``1..C-1`` (may be empty).
        log_prob: ``(T, C)`` log-probabilities (used as given).
        seq_length: Number of leading time bins to use (``0..T``).
        big_num: ``-big_num`` stands for ``log(0)``.

    Raises:
        ValueError: ``log_prob`` not 2-D, ids outside ``1..C-1``, ``seq_length`` outside ``0..T``.

    Example:
        >>> lp = np.log(np.array([[0.5, 0.5], [0.5, 0.5]]))
        >>> round(ctc_loss_numpy([1], lp, 2), 6)  # alignments 1-, -1, 11: 3/4
        0.287682
    """
    lab, T, C = _check(label, log_prob, seq_length, "ctc_loss_numpy")
    lp = np.asarray(log_prob, dtype=np.float64)
    if np.any(np.isnan(lp)):
        raise ValueError("ctc_loss_numpy: log_prob contains NaN (-inf for log(0) is fine).")
    S = int(seq_length)
    if lab.size == 0:
        return float(-np.sum(lp[:S, 0]))
    if S == 0:
        return float(big_num)
    ext = np.zeros(2 * lab.size + 1, dtype=np.int64)
    ext[1::2] = lab
    # - skip transitions s-2 -> s are allowed onto a symbol that differs from the one two back
    skip = np.zeros(ext.size, bool)
    skip[2:] = (ext[2:] != 0) & (ext[2:] != ext[:-2])
    neg = -float(big_num)
    alpha = np.full(ext.size, neg)
    alpha[0] = lp[0, 0]
    alpha[1] = lp[0, ext[1]]
    for t in range(1, S):
        a1 = np.concatenate([[neg], alpha[:-1]])
        a2 = np.where(skip, np.concatenate([[neg, neg], alpha[:-2]]), neg)
        alpha = np.logaddexp(np.logaddexp(alpha, a1), a2) + lp[t, ext]
    return float(-np.logaddexp(alpha[-1], alpha[-2]))


def ctc_loss_batch(log_probs: Any, labels: Any, input_lengths: Any = None, label_lengths: Any = None,
                   reduction: str = "none", big_num: float = 1e10) -> Any:
    """Batched CTC loss with padding (ours), on :func:`optax.ctc_loss` (``blank_id=0``).

    Args:
        log_probs: ``(B, T, C)`` log-probabilities (used as given).
        labels: ``(B, L)`` class ids, padded at the end (padding values are ignored).
        input_lengths: ``(B,)`` valid time bins (default ``T``); may be traced.
        label_lengths: ``(B,)`` valid label entries (default ``L``); may be traced.
        reduction: ``"none"`` (``(B,)``), ``"mean"`` or ``"sum"``.
        big_num: Loss of a label that cannot fit.

    Raises:
        ValueError: misshapen inputs; lengths outside ``0..T`` / ``0..L``; label ids outside
            ``1..C-1`` within the label lengths (checked where the values are concrete, not traced).

    Example:
        >>> import jax, jax.numpy as jnp
        >>> lp = jax.nn.log_softmax(jnp.zeros((2, 4, 3)))
        >>> ctc_loss_batch(lp, jnp.array([[1, 2], [1, 0]]), label_lengths=jnp.array([2, 1])).shape
        (2,)
    """
    import jax.numpy as jnp

    x = jnp.asarray(log_probs)
    if x.ndim != 3:
        raise ValueError(f"ctc_loss_batch: log_probs must be (B, T, C); got shape {x.shape}.")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"ctc_loss_batch: reduction must be 'none', 'mean' or 'sum' (got {reduction!r}).")
    B, T, C = x.shape
    _check_batch("ctc_loss_batch", B, T, C, labels, input_lengths, label_lengths)
    labels = jnp.asarray(labels, jnp.int32).reshape(B, -1)
    L = labels.shape[1]
    in_len = jnp.full((B,), T) if input_lengths is None else jnp.asarray(input_lengths).reshape(B)
    lab_len = jnp.full((B,), L) if label_lengths is None else jnp.asarray(label_lengths).reshape(B)
    if T == 0:  # no frames: only the empty label is possible (loss 0)
        loss = jnp.where(lab_len > 0, jnp.asarray(big_num, x.dtype), jnp.zeros((B,), x.dtype))
    else:
        loss = _core()(x, labels, in_len, lab_len, jnp.asarray(big_num, x.dtype))
    if reduction == "mean":
        return jnp.mean(loss)
    if reduction == "sum":
        return jnp.sum(loss)
    return loss


_CORE: Any = None


def _core():
    """The per-sequence loss, compiled once per shape (eager calls are cached; inlined under jit)."""
    global _CORE
    if _CORE is None:
        import jax

        _CORE = jax.jit(_ctc_per_sequence)
    return _CORE


def _ctc_per_sequence(x, labels, in_len, lab_len, big_num):
    import jax
    import jax.numpy as jnp
    import optax

    T, L = x.shape[1], labels.shape[1]
    t_pad = (jnp.arange(T)[None] >= in_len[:, None]).astype(x.dtype)
    l_valid = jnp.arange(L)[None] < lab_len[:, None]
    safe_labels = jnp.where(l_valid, labels, 1)
    if L:
        raw = optax.ctc_loss(x, t_pad, safe_labels, 1.0 - l_valid.astype(x.dtype), blank_id=0)
    else:
        raw = -jnp.sum(jax.nn.log_softmax(x)[..., 0] * (1 - t_pad), axis=1)
    # - optax normalises with a log-softmax per frame: add the normaliser back over valid frames
    loss = raw - jnp.sum(jax.nn.logsumexp(x, axis=-1) * (1 - t_pad), axis=1)
    repeats = jnp.sum((safe_labels[:, 1:] == safe_labels[:, :-1]) & l_valid[:, 1:], axis=1) if L > 1 else 0
    feasible = in_len >= lab_len + repeats
    return jnp.where(feasible, loss, big_num)


def ctc_loss_jax(label: Any, log_prob: Any, seq_length: Any, big_num: float = 1e10) -> Any:
    """CTC negative log-likelihood of one label sequence (JAX; on :func:`optax.ctc_loss`).

    Same arguments and checks as :func:`ctc_loss_numpy`; ``seq_length`` may be traced (jit with
    it dynamic), ``log_prob`` may be traced (differentiable). Returns a float32 scalar.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> lp = jnp.log(jnp.full((2, 2), 0.5))
        >>> f = jax.jit(ctc_loss_jax)
        >>> round(float(f(jnp.array([1]), lp, 2)), 5)
        0.28768
    """
    import jax.numpy as jnp

    if _concrete(label):
        lab, T, C = _check(label, log_prob, seq_length, "ctc_loss_jax")
        label = jnp.asarray(lab, jnp.int32)
    x = jnp.asarray(log_prob)
    if x.ndim != 2:
        raise ValueError(f"ctc_loss_jax: log_prob must have shape (T, C); got {x.shape}.")
    out = ctc_loss_batch(x[None], jnp.asarray(label, jnp.int32)[None], jnp.asarray(seq_length)[None],
                         None, "none", big_num)
    return out[0]


def ctc_loss_torch(*args: Any, **kwargs: Any) -> Optional[Any]:
    """The torch version of the reference library; not available here (no torch backend).

    Raises:
        ImportError: always.
    """
    raise ImportError("Torch backend not available.")
