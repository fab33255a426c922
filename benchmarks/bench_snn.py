"""Spiking-network benchmarks: rockpool ``LinearJax`` + ``LIFJax`` against hand-written pure JAX.

Cases (full size; ``--quick`` shrinks them):

* ``a_inference``: ``LinearJax(512->512) + LIFJax(512)``, B=32, T=1000, forward only.
* ``b_train``: ``LinearJax(700->256) - LIFJax(256) - LinearJax(256->20) - LIFJax(20)``, B=64, T=250,
  softmax cross-entropy on output spike counts, optax Adam; one jitted value_and_grad + update.
* ``c_train_rec``: as b with a recurrent hidden layer (``has_rec=True``, 256x256).

Each case runs next to a hand-written pure-JAX implementation of the same maths (same parameters
trained: weights, ``tau_mem``, ``tau_syn``, ``bias``, ``threshold``) in the same process, rounds
interleaved. The baseline is written independently of the library: a time-major ``lax.scan`` whose
backward pass is a hand-written ``jax.custom_vjp`` (the fastest hand-written form in
``spec/performance.md``). One ``BENCH {json}`` line per case and implementation.

Usage::

    python benchmarks/bench_snn.py [--quick] [--cases a,b,c] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jax
import jax.numpy as jnp
import numpy as np

from _common import compile_seconds, emit, interleaved_medians, peak_bytes

DT = 1e-3


# ------------------------------------------------------------------------------------- hand-written
def _spk(v, th):
    return jnp.where(v >= th, jnp.floor(v / th), 0.0)


def _hand_lif_fwd_scan(a, b, bias, th, w_rec, x_tm, keep):
    """Time-major LIF (one synapse per neuron): x_tm (T, B, N). Returns spikes (T, B, N) [+ residuals]."""
    B, N = x_tm.shape[1:]
    z = jnp.zeros((B, N), x_tm.dtype)

    def body(carry, x_t):
        i, v, s = carry
        if w_rec is not None:
            x_t = x_t + s @ w_rec
        i = (i + x_t) * a
        vp = v * b + i + bias
        s = _spk(vp, th)
        v = vp - s * th
        return (i, v, s), ((s, vp, i) if keep else s)

    _, ys = jax.lax.scan(body, (z, z, z), x_tm)
    return ys


def _make_hand_lif(has_rec: bool):
    @jax.custom_vjp
    def lif(a, b, bias, th, w_rec, x_tm):
        return _hand_lif_fwd_scan(a, b, bias, th, w_rec, x_tm, False)

    def fwd(a, b, bias, th, w_rec, x_tm):
        s, vp, i = _hand_lif_fwd_scan(a, b, bias, th, w_rec, x_tm, True)
        return s, (a, b, th, w_rec, s, vp, i)

    def bwd(res, g_s):
        a, b, th, w_rec, s_all, vp_all, i_all = res
        B, N = s_all.shape[1:]
        z = jnp.zeros((B, N), vp_all.dtype)

        def body(carry, xs):
            gi, gv, gsr, gth = carry
            gs_out, vp, s = xs
            m = (vp >= th - 0.5).astype(vp.dtype)
            gs = gs_out + gsr - gv * th
            gth = gth - jnp.sum(gv * s, 0) - jnp.sum(gs * m * vp, 0) / (th * th)
            gvp = gv + gs * m / th
            gx = (gi + gvp) * a
            gsr = gx @ w_rec.T if has_rec else z
            return (gx, gvp * b, gsr, gth), (gx, gvp)

        carry, (gx, gvp) = jax.lax.scan(
            body, (z, z, z, jnp.zeros((N,), z.dtype)), (g_s, vp_all, s_all), reverse=True
        )
        gth = carry[3]
        v_prev = jnp.concatenate([z[None], (vp_all - s_all * th)[:-1]], 0)
        g_b = jnp.sum(gvp * v_prev, (0, 1))
        g_a = jnp.sum(gx * i_all, (0, 1)) / (a * a)
        g_w = None
        if has_rec:
            s_prev = jnp.concatenate([z[None], s_all[:-1]], 0)
            g_w = jnp.einsum("tbn,tbm->nm", s_prev, gx)
        return g_a, g_b, jnp.sum(gvp, (0, 1)), gth, g_w, gx

    lif.defvjp(fwd, bwd)
    return lif


_HAND_LIF = {False: _make_hand_lif(False), True: _make_hand_lif(True)}


def hand_lif(p, x_tm, rec_w=None):
    a = jnp.exp(-DT / p["tau_syn"])
    b = jnp.exp(-DT / p["tau_mem"])
    return _HAND_LIF[rec_w is not None](a, b, p["bias"], p["threshold"], rec_w, x_tm)


def hand_lif_params(n):
    return {
        "tau_mem": jnp.full((n,), 0.02),
        "tau_syn": jnp.full((n,), 0.02),
        "bias": jnp.zeros((n,)),
        "threshold": jnp.ones((n,)),
    }


# ------------------------------------------------------------------------------------- cases
def _row(case, impl, t, comp, mem, base=None):
    fields = {"ms": t * 1e3, "compile_s": comp, "peak_mb": mem / 2**20}
    if base is not None:
        fields.update(
            throughput_ratio=base[0] / t, compile_ratio=comp / base[1], memory_ratio=mem / base[2]
        )
    return emit(case, impl, **fields)


def case_a(quick: bool, rounds: int):
    from rockpool.nn.modules import LIFJax, LinearJax

    B, T, N = (4, 100, 64) if quick else (32, 1000, 512)
    rng = np.random.default_rng(0)
    x = jnp.asarray((rng.random((B, T, N)) < 0.05).astype(np.float32))
    lin, lif = LinearJax((N, N)), LIFJax(N)
    w = lin.weight

    @jax.jit
    def rock(lin, lif, x):
        return lif(lin(x)[0])[0]

    @jax.jit
    def hand(w, p, x):
        h = jnp.swapaxes(x, 0, 1) @ w
        return jnp.swapaxes(_hand_lif_fwd_scan(
            jnp.exp(-DT / p["tau_syn"]), jnp.exp(-DT / p["tau_mem"]), p["bias"], p["threshold"], None, h, False
        ), 0, 1)

    p = hand_lif_params(N)
    np.testing.assert_allclose(np.asarray(rock(lin, lif, x)), np.asarray(hand(w, p, x)), atol=1e-3)
    args = {"hand_jax": (hand, (w, p, x)), "rockpool": (rock, (lin, lif, x))}
    return _report("a_inference", args, rounds)


def _train_setup(quick: bool, has_rec: bool):
    import optax

    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LIFJax, LinearJax

    B, T, Nin, H, C = (8, 50, 70, 32, 5) if quick else (64, 250, 700, 256, 20)
    rng = np.random.default_rng(1)
    x = jnp.asarray((rng.random((B, T, Nin)) < 0.02).astype(np.float32))
    y = jnp.asarray(rng.integers(0, C, B))
    np.random.seed(2)
    net = Sequential(
        LinearJax((Nin, H)), LIFJax(H, has_rec=has_rec), LinearJax((H, C)), LIFJax(C)
    )
    opt = optax.adam(1e-3)

    def rock_loss(params, net, x, y):
        net = net.reset_state().set_attributes(params)
        out, _, _ = net(x)
        return optax.softmax_cross_entropy_with_integer_labels(out.sum(1), y).mean()

    @partial(jax.jit, donate_argnums=(0, 1))
    def rock_step(params, opt_state, net, x, y):
        loss, g = jax.value_and_grad(rock_loss)(params, net, x, y)
        upd, opt_state = opt.update(g, opt_state, params)
        return optax.apply_updates(params, upd), opt_state, loss

    # - Hand-written: the same parameters, initial values and maths
    names = list(net.modules())
    hp = {
        "w0": net[0].weight, "w2": net[2].weight,
        "l1": hand_lif_params(H), "l3": hand_lif_params(C),
    }
    if has_rec:
        hp["wr"] = net[1].w_rec

    def hand_loss(p, x, y):
        h = jnp.swapaxes(x, 0, 1) @ p["w0"]
        s = hand_lif(p["l1"], h, p.get("wr"))
        o = hand_lif(p["l3"], s @ p["w2"])
        return optax.softmax_cross_entropy_with_integer_labels(o.sum(0), y).mean()

    @partial(jax.jit, donate_argnums=(0, 1))
    def hand_step(p, opt_state, x, y):
        loss, g = jax.value_and_grad(hand_loss)(p, x, y)
        upd, opt_state = opt.update(g, opt_state, p)
        return optax.apply_updates(p, upd), opt_state, loss

    # - Same loss and same gradients at the start (checked, so the comparison is fair)
    params = net.parameters()
    l_r, g_r = jax.value_and_grad(rock_loss)(params, net, x, y)
    l_h, g_h = jax.value_and_grad(hand_loss)(hp, x, y)
    np.testing.assert_allclose(float(l_r), float(l_h), rtol=1e-4)
    np.testing.assert_allclose(np.asarray(g_r[names[0]]["weight"]), np.asarray(g_h["w0"]), rtol=1e-3, atol=1e-5)

    cp = lambda t: jax.tree.map(jnp.copy, t)  # donated buffers must not alias the net's arrays
    state = {"rockpool": [cp(params), opt.init(params)], "hand_jax": [cp(hp), opt.init(hp)]}

    def run_rock():
        st = state["rockpool"]
        st[0], st[1], loss = rock_step(st[0], st[1], net, x, y)
        return loss

    def run_hand():
        st = state["hand_jax"]
        st[0], st[1], loss = hand_step(st[0], st[1], x, y)
        return loss

    fresh_r = (net.parameters(), opt.init(net.parameters()))
    fresh_h = (hp, opt.init(hp))
    return {
        "hand_jax": (hand_step, (jax.tree.map(jnp.copy, fresh_h[0]), jax.tree.map(jnp.copy, fresh_h[1]), x, y), run_hand),
        "rockpool": (rock_step, (jax.tree.map(jnp.copy, fresh_r[0]), jax.tree.map(jnp.copy, fresh_r[1]), net, x, y), run_rock),
    }


def _fresh_compile_seconds(jitted, args, repeats=2):
    """Trace + compile time with JAX's in-memory caches cleared first (best of ``repeats``)."""
    best = float("inf")
    for _ in range(repeats):
        jax.clear_caches()
        best = min(best, compile_seconds(jitted, *args))
    return best


def _report(case, impls, rounds):
    fns, comp, mem = {}, {}, {}
    for k, v in impls.items():
        jitted, args = v[0], v[1]
        comp[k] = _fresh_compile_seconds(jitted, args)
        mem[k] = peak_bytes(jitted, *args)
        fns[k] = v[2] if len(v) > 2 else partial(jitted, *args)
    times = interleaved_medians(fns, rounds=rounds, inner=3)
    base = (times["hand_jax"], comp["hand_jax"], mem["hand_jax"])
    rows = [_row(case, "hand_jax", times["hand_jax"], comp["hand_jax"], mem["hand_jax"])]
    rows.append(_row(case, "rockpool", times["rockpool"], comp["rockpool"], mem["rockpool"], base))
    return rows


def case_b(quick: bool, rounds: int):
    return _report("b_train", _train_setup(quick, False), rounds)


def case_c(quick: bool, rounds: int):
    return _report("c_train_rec", _train_setup(quick, True), rounds)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--cases", default="a,b,c")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    rows = []
    for c in args.cases.split(","):
        rows += {"a": case_a, "b": case_b, "c": case_c}[c.strip()](args.quick, args.rounds)
    return rows


if __name__ == "__main__":
    main()
