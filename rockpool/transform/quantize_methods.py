"""Post-training quantisation of a Xylo-style network specification to integer weights.

Both functions take the float specification (weights, thresholds, bit-shift decays "dashes") and
return a dict of ``int64`` arrays to merge into it: ``spec.update(global_quantize(**spec))``.
Unknown keyword arguments are ignored, so a whole specification can be splatted. Inputs are never
modified (ours: the reference's ``channel_quantize`` overwrote the caller's biases).

Notation: ``W = 2**(bits_per_weight - 1) - 1`` (127), ``Tm = 2**(bits_per_threshold - 1) - 1``
(32767), ``rnd`` = NumPy's round-half-to-even. Dashes are only rounded.

:func:`global_quantize` scales each group (hidden: input + recurrent weights, hidden threshold;
output: output weights, output threshold) by one factor ``s = W / max|w|`` (biases of the group
included in the max), rounds, and if the largest threshold then exceeds ``Tm`` rescales that
group by ``r = Tm / max(th)`` and rounds again. With ``fuzzy_scaling=True`` the maximum is replaced
by ``|mean(v)| + 2 std(v)`` over the non-zero weights ``v`` (outliers are then clipped to
``+-W``). Ours, where the reference is wrong: the output bias uses the output scale; a threshold
correction rescales only its own group, biases included; all-zero weights use ``s = 1``.

:func:`channel_quantize` does the same per target neuron, with one rounding: ``s_j = W / max_i
|w_ij|`` over every weight onto neuron ``j``, replaced by ``Tm / threshold_j`` when the threshold
would overflow; biases use ``s_j`` (always, ours).

Example:
    >>> import numpy as np
    >>> spec = dict(weights_in=np.array([[0.5, -1.0], [0.25, 2.0]]),
    ...             weights_rec=np.array([[0.0, 0.1], [-0.3, 0.0]]),
    ...             weights_out=np.array([[1.0], [-0.5]]), threshold=np.array([1.0, 3.0]),
    ...             threshold_out=np.array([0.7]), dash_mem=np.array([2.5, 3.5]),
    ...             dash_mem_out=np.array([4.4]), dash_syn=np.array([1.5, 0.5]),
    ...             dash_syn_2=np.array([2.6, 7.0]), dash_syn_out=np.array([3.0]))
    >>> q = global_quantize(**spec)
    >>> q["weights_in"][..., 0].tolist(), q["threshold"].tolist(), q["threshold_out"].tolist()
    ([[32, -64], [16, 127]], [64, 190], [89])
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

__all__ = ["global_quantize", "channel_quantize", "validate_weights_to_2d", "validate_weights_to_3d",
           "WeightShapeError"]


class WeightShapeError(ValueError, AssertionError):
    """Misshapen weights. A ``ValueError``, and an ``AssertionError`` as the reference raised (its
    check was an ``assert``, which ``python -O`` strips; ours always runs)."""


def validate_weights_to_3d(weights: Any) -> np.ndarray:
    """2-D ``(N_pre, N_post)`` weights as ``(N_pre, N_post, 1)``; 3-D unchanged (a copy).

    Example:
        >>> validate_weights_to_3d(np.ones((2, 3))).shape
        (2, 3, 1)
    """
    w = np.array(weights)
    if w.ndim not in (2, 3):
        raise WeightShapeError(
            f"Weight arrays must be 2D or 3D: (N_pre, N_post) or (N_pre, N_post, N_syn) (got shape "
            f"{w.shape})."
        )
    return w[..., None] if w.ndim == 2 else w


def validate_weights_to_2d(weights: Any) -> np.ndarray:
    """Check that output weights are 2-D and return a copy.

    Example:
        >>> validate_weights_to_2d(np.ones((2, 1))).shape
        (2, 1)
    """
    w = np.array(weights)
    if w.ndim != 2:
        raise WeightShapeError(f"Output weights must be 2D: (N_hid, N_out) (got shape {w.shape}).")
    return w


def _arr(name: str, value: Any) -> np.ndarray:
    if value is None:
        raise ValueError(f"quantize: '{name}' is required (got None); pass an array (zeros if unused).")
    try:
        arr = np.array(value, dtype=float)  # a copy: inputs are never modified
    except (TypeError, ValueError) as e:
        raise ValueError(f"quantize: '{name}' must be a numeric array ({e}).") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"quantize: '{name}' contains NaN or inf values.")
    return arr


def _limits(bits_per_weight: int, bits_per_threshold: int) -> Tuple[int, int]:
    for name, bits in (("bits_per_weight", bits_per_weight), ("bits_per_threshold", bits_per_threshold)):
        if (isinstance(bits, bool) or not isinstance(bits, (int, float, np.integer, np.floating))
                or not np.isfinite(bits) or int(bits) != bits or not 2 <= bits <= 32):
            raise ValueError(
                f"quantize: {name} must be a whole number from 2 to 32 (sign bit included; the "
                f"results are int64) (got {bits!r})."
            )
    return 2 ** (int(bits_per_weight) - 1) - 1, 2 ** (int(bits_per_threshold) - 1) - 1


def _check_shapes(wi: np.ndarray, wr: np.ndarray, wo: np.ndarray,
                  per_neuron: Dict[str, Optional[np.ndarray]]) -> None:
    """Input, recurrent and output weights must chain; per-neuron vectors must match (or be scalars)."""
    n_hid, n_out = wi.shape[1], wo.shape[1]
    if wr.shape[:2] != (n_hid, n_hid):
        raise WeightShapeError(
            f"quantize: weights_in {wi.shape} has {n_hid} hidden neurons, so weights_rec must be "
            f"({n_hid}, {n_hid}[, N_syn]) (got {wr.shape})."
        )
    if wo.shape[0] != n_hid:
        raise WeightShapeError(
            f"quantize: weights_out must be ({n_hid}, N_out) for {n_hid} hidden neurons (got {wo.shape})."
        )
    for name, v in per_neuron.items():
        n = n_out if name.endswith("_out") else n_hid
        if v is not None and v.shape not in ((), (n,)):
            raise ValueError(
                f"quantize: '{name}' must be ({n},), one value per "
                f"{'output' if name.endswith('_out') else 'hidden'} neuron, or a scalar (got shape {v.shape})."
            )


def _group_scale(weights: Tuple[np.ndarray, ...], extra: Tuple[np.ndarray, ...], w_max: int,
                 fuzzy: bool) -> float:
    if fuzzy:
        v = np.concatenate([w.ravel() for w in weights])
        v = v[v != 0]
        m = abs(np.mean(v)) + 2 * np.std(v) if v.size else 0.0
    else:
        m = max([float(np.max(np.abs(a))) if a.size else 0.0 for a in weights + extra])
    return w_max / m if m > 0 else 1.0


def _quantize_group(weights, threshold, bias, w_max, t_max, fuzzy):
    """One group of :func:`global_quantize`: scaled, rounded and threshold-corrected weights."""
    s = _group_scale(tuple(weights), () if bias is None else (bias,), w_max, fuzzy)
    ws = [np.round(w * s) for w in weights]
    if fuzzy:
        ws = [np.clip(w, -w_max, w_max) for w in ws]
    th = np.round(threshold * s)
    b = None if bias is None else np.round(bias * s)
    if th.size and np.max(th) > t_max:
        r = t_max / np.max(th)
        ws = [np.round(w * r) for w in ws]
        th = np.round(th * r)
        b = None if b is None else np.round(b * r)
    return ws, th, b


def _dashes(dash_mem, dash_mem_out, dash_syn, dash_syn_2, dash_syn_out) -> Dict[str, np.ndarray]:
    named = dict(dash_mem=dash_mem, dash_mem_out=dash_mem_out, dash_syn=dash_syn,
                 dash_syn_2=dash_syn_2, dash_syn_out=dash_syn_out)
    return {k: np.round(_arr(k, v)).astype(np.int64) for k, v in named.items()}


def global_quantize(
    weights_in: Any, weights_rec: Any, weights_out: Any, threshold: Any, threshold_out: Any,
    dash_mem: Any, dash_mem_out: Any, dash_syn: Any, dash_syn_2: Any, dash_syn_out: Any,
    bias: Optional[Any] = None, bias_out: Optional[Any] = None, fuzzy_scaling: bool = False,
    bits_per_weight: int = 8, bits_per_threshold: int = 16, *_: Any, **__: Any,
) -> Dict[str, np.ndarray]:
    """Quantise with one scale per group (hidden, output); see the module docstring.

    Args:
        weights_in: ``(Nin, Nhid[, Nsyn])``.
        weights_rec: ``(Nhid, Nhid[, Nsyn])``.
        weights_out: ``(Nhid, Nout)``.
        threshold, dash_mem, dash_syn, dash_syn_2, bias: ``(Nhid,)``.
        threshold_out, dash_mem_out, dash_syn_out, bias_out: ``(Nout,)``.
        fuzzy_scaling: Scale by ``|mean| + 2 std`` of the non-zero weights instead of the maximum.
        bits_per_weight: Weight bits, sign included.
        bits_per_threshold: Threshold bits, sign included.

    Returns:
        ``int64`` arrays under the ten input names (input / recurrent weights 3-D), plus
        ``bias`` / ``bias_out`` when given.
    """
    w_max, t_max = _limits(bits_per_weight, bits_per_threshold)
    wi = validate_weights_to_3d(_arr("weights_in", weights_in))
    wr = validate_weights_to_3d(_arr("weights_rec", weights_rec))
    wo = validate_weights_to_2d(_arr("weights_out", weights_out))
    b = None if bias is None else _arr("bias", bias)
    bo = None if bias_out is None else _arr("bias_out", bias_out)
    th, th_o = _arr("threshold", threshold), _arr("threshold_out", threshold_out)
    _check_shapes(wi, wr, wo, dict(threshold=th, threshold_out=th_o, bias=b, bias_out=bo))
    (wi_q, wr_q), th, b_q = _quantize_group([wi, wr], th, b, w_max, t_max, fuzzy_scaling)
    (wo_q,), th_o, bo_q = _quantize_group([wo], th_o, bo, w_max, t_max, fuzzy_scaling)
    out = dict(weights_in=wi_q, weights_rec=wr_q, weights_out=wo_q, threshold=th, threshold_out=th_o)
    out = {k: v.astype(np.int64) for k, v in out.items()}
    out.update(_dashes(dash_mem, dash_mem_out, dash_syn, dash_syn_2, dash_syn_out))
    if b_q is not None:
        out["bias"] = b_q.astype(np.int64)
    if bo_q is not None:
        out["bias_out"] = bo_q.astype(np.int64)
    return out


def _channel_factors(incoming: np.ndarray, threshold: np.ndarray, w_max: int, t_max: int):
    """Per-neuron ``(s_j, f_j)``: weight scale and the threshold-corrected factor."""
    m = np.max(np.abs(incoming), axis=0) if incoming.shape[0] else np.zeros(incoming.shape[1:])
    s = np.where(m > 0, w_max / np.where(m > 0, m, 1.0), 1.0)
    overflow = np.round(threshold * s) > t_max
    f = np.where(overflow, t_max / np.where(threshold != 0, threshold, 1.0), s)
    return s, f


def channel_quantize(
    weights_in: Any, weights_rec: Any, weights_out: Any, threshold: Any, threshold_out: Any,
    dash_mem: Any, dash_mem_out: Any, dash_syn: Any, dash_syn_2: Any, dash_syn_out: Any,
    bias: Optional[Any] = None, bias_out: Optional[Any] = None, bits_per_weight: int = 8,
    bits_per_threshold: int = 16, *_: Any, **__: Any,
) -> Dict[str, np.ndarray]:
    """Quantise with one scale per target neuron; arguments and result as :func:`global_quantize`.

    Example:
        >>> q = channel_quantize(np.array([[0.5, -1.0], [0.25, 2.0]]),
        ...                      np.array([[0.0, 0.1], [-0.3, 0.0]]), np.array([[1.0], [-0.5]]),
        ...                      np.array([1.0, 3.0]), np.array([0.7]), [2.5, 3.5], [4.4],
        ...                      [1.5, 0.5], [2.6, 7.0], [3.0])
        >>> q["weights_rec"][..., 0].tolist(), q["threshold"].tolist()
        ([[0, 6], [-76, 0]], [254, 190])
    """
    w_max, t_max = _limits(bits_per_weight, bits_per_threshold)
    wi = validate_weights_to_3d(_arr("weights_in", weights_in))
    wr = validate_weights_to_3d(_arr("weights_rec", weights_rec))
    wo = validate_weights_to_2d(_arr("weights_out", weights_out))
    th, th_o = _arr("threshold", threshold), _arr("threshold_out", threshold_out)
    b = None if bias is None else _arr("bias", bias)
    bo = None if bias_out is None else _arr("bias_out", bias_out)
    _check_shapes(wi, wr, wo, dict(threshold=th, threshold_out=th_o, bias=b, bias_out=bo))
    n_hid = wi.shape[1]
    incoming = np.concatenate([np.moveaxis(wi, 1, 0).reshape(n_hid, -1),
                               np.moveaxis(wr, 1, 0).reshape(n_hid, -1)], axis=1).T
    s, f = _channel_factors(incoming, th, w_max, t_max)
    s_o, f_o = _channel_factors(wo, th_o, w_max, t_max)
    out = {
        "weights_in": np.round(wi * f[None, :, None]),
        "weights_rec": np.round(wr * f[None, :, None]),
        "weights_out": np.round(wo * f_o[None, :]),
        "threshold": np.round(th * f),
        "threshold_out": np.round(th_o * f_o),
    }
    if b is not None:
        out["bias"] = np.round(b * s)
    if bo is not None:
        out["bias_out"] = np.round(bo * s_o)
    res = {k: v.astype(np.int64) for k, v in out.items()}
    res.update(_dashes(dash_mem, dash_mem_out, dash_syn, dash_syn_2, dash_syn_out))
    return res
