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


def _make_hand_lif(has_rec: bool, time_major: bool, accum: bool = False):
    """Hand-written LIF with a custom VJP; residuals: spikes, pre-reset potential and current.

    ``time_major``: a ``lax.scan`` over ``(T, B, N)`` arrays (the caller transposes); otherwise a
    ``fori_loop`` that reads and writes the ``(B, T, N)`` arrays in place.

    ``accum``: the backward pass as ``LIFJax`` writes it since 2026-11-30 (the threshold,
    ``tau_mem`` and bias gradients accumulated elementwise in ``(B, N)`` carries and reduced once
    after the loop, instead of per-step batch reductions and a time-shifted copy of the block).
    Not the spec's baseline; in the training cases the ``hand_jax_accum`` variant also uses flat
    ``(B * T, N)`` feed-forward products (:func:`flat_matmul`), as ``LinearJax`` does: the best
    hand-written formulation we know, and so the baseline.
    """
    ax = 0 if time_major else 1

    def loop(body, init, xs, T, reverse=False):
        if time_major:
            return jax.lax.scan(body, init, xs, reverse=reverse)
        bufs0 = None

        def fbody(k, c):
            carry, bufs = c
            t = T - 1 - k if reverse else k
            x_t = jax.tree.map(lambda a: jax.lax.dynamic_index_in_dim(a, t, 1, False), xs)
            carry, ys = body(carry, x_t)
            if bufs is None:
                return carry, ys
            bufs = jax.tree.map(lambda b, y: jax.lax.dynamic_update_index_in_dim(b, y, t, 1), bufs, ys)
            return carry, bufs

        # - output buffers shaped like one step's outputs, with a time axis at 1
        ys_shape = jax.eval_shape(lambda c, x: body(c, x)[1], init,
                                  jax.tree.map(lambda a: a[:, 0], xs))
        bufs0 = jax.tree.map(lambda y: jnp.zeros((y.shape[0], T) + y.shape[1:], y.dtype), ys_shape)
        carry, bufs = jax.lax.fori_loop(0, T, fbody, (init, bufs0))
        return carry, bufs

    def run_fwd(a, b, bias, th, w_rec, x, keep):
        B, T, N = (x.shape[1], x.shape[0], x.shape[2]) if time_major else x.shape
        z = jnp.zeros((B, N), x.dtype)

        def body(carry, x_t):
            i, v, s = carry
            if has_rec:
                x_t = x_t + s @ w_rec
            i = (i + x_t) * a
            vp = v * b + i + bias
            s = _spk(vp, th)
            v = vp - s * th
            return (i, v, s), ((s, vp, i) if keep else s)

        return loop(body, (z, z, z), x, T)[1]

    @jax.custom_vjp
    def lif(a, b, bias, th, w_rec, x):
        return run_fwd(a, b, bias, th, w_rec, x, False)

    def fwd(a, b, bias, th, w_rec, x):
        s, vp, i = run_fwd(a, b, bias, th, w_rec, x, True)
        return s, (a, b, th, w_rec, s, vp, i)

    def bwd(res, g_s):
        a, b, th, w_rec, s_all, vp_all, i_all = res
        T = s_all.shape[ax]
        B, N = (s_all.shape[1], s_all.shape[2]) if time_major else (s_all.shape[0], s_all.shape[2])
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

        def body_accum(carry, xs):
            gi, gv, gsr, gth, gb, gbias, gvp_next = carry
            gs_out, vp, s = xs
            m = (vp >= th - 0.5).astype(vp.dtype)
            gb = gb + gvp_next * (vp - s * th)
            gs = gs_out + gsr - gv * th
            gth = gth - gv * s - gs * m * vp / (th * th)
            gvp = gv + gs * m / th
            gx = (gi + gvp) * a
            gsr = gx @ w_rec.T if has_rec else z
            return (gx, gvp * b, gsr, gth, gb, gbias + gvp, gvp), gx

        first = lambda y: jnp.concatenate([jnp.expand_dims(z, ax), jax.lax.slice_in_dim(y, 0, T - 1, axis=ax)], ax)
        if accum:
            carry, gx = loop(body_accum, (z,) * 7, (g_s, vp_all, s_all), T, reverse=True)
            gth, g_b, g_bias = (jnp.sum(c, 0) for c in carry[3:6])  # initial v is 0: no v0 term
        else:
            carry, (gx, gvp) = loop(
                body, (z, z, z, jnp.zeros((N,), z.dtype)), (g_s, vp_all, s_all), T, reverse=True
            )
            gth = carry[3]
            g_b = jnp.sum(gvp * first(vp_all - s_all * th), (0, 1))
            g_bias = jnp.sum(gvp, (0, 1))
        g_a = jnp.sum(gx * i_all, (0, 1)) / (a * a)
        g_w = None
        if has_rec:
            g_w = first(s_all).reshape(-1, N).T @ gx.reshape(-1, N)  # one matmul over all B*T rows
        return g_a, g_b, g_bias, gth, g_w, gx

    lif.defvjp(fwd, bwd)
    return lif


_HAND_LIF = {
    (r, tm, acc): _make_hand_lif(r, tm, acc) for r in (False, True) for tm in (False, True) for acc in (False, True)
}


def hand_lif(p, x, rec_w=None, time_major=False, accum=False):
    """Hand-written LIF layer on ``(B, T, N)`` input (``(T, B, N)`` if ``time_major``)."""
    a = jnp.exp(-DT / p["tau_syn"])
    b = jnp.exp(-DT / p["tau_mem"])
    return _HAND_LIF[(rec_w is not None, time_major, accum)](a, b, p["bias"], p["threshold"], rec_w, x)


def flat_matmul(x, w):
    """``x @ w`` for ``(B, T, N)`` ``x`` as one ``(B * T, N)`` product (XLA CPU computes the weight
    gradient of the flat product 10-15 % faster than that of the 3-D one)."""
    return (x.reshape(-1, x.shape[-1]) @ w).reshape(x.shape[:-1] + (w.shape[-1],))


def hand_lif_params(n):
    return {
        "tau_mem": jnp.full((n,), 0.02),
        "tau_syn": jnp.full((n,), 0.02),
        "bias": jnp.zeros((n,)),
        "threshold": jnp.ones((n,)),
    }


# ------------------------------------------------------------------------------------- cases
def _row(case, impl, t, comp, mem, base=None, baseline=None):
    fields = {"ms": t * 1e3, "compile_s": comp, "peak_mb": mem / 2**20}
    if base is not None:
        fields.update(
            baseline=baseline,
            throughput_ratio=base[0] / t,
            compile_ratio=comp / base[1],
            memory_ratio=mem / base[2],
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
        return hand_lif(p, x @ w)

    @jax.jit
    def hand_scan(w, p, x):
        return jnp.swapaxes(hand_lif(p, jnp.swapaxes(x, 0, 1) @ w, time_major=True), 0, 1)

    p = hand_lif_params(N)
    ref = np.asarray(hand(w, p, x))
    np.testing.assert_allclose(np.asarray(rock(lin, lif, x)), ref, atol=1e-3)
    np.testing.assert_allclose(np.asarray(hand_scan(w, p, x)), ref, atol=1e-3)
    args = {
        "hand_jax": (hand, (w, p, x)),
        "hand_jax_scan": (hand_scan, (w, p, x)),
        "rockpool": (rock, (lin, lif, x)),
    }
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

    def hand_loss(p, x, y, tm=False, acc=False):
        if tm:  # time-major: one transpose of the input, sum over time at axis 0
            x = jnp.swapaxes(x, 0, 1)
        mm = flat_matmul if acc else (lambda a, b: a @ b)
        s = hand_lif(p["l1"], mm(x, p["w0"]), p.get("wr"), tm, acc)
        o = hand_lif(p["l3"], mm(s, p["w2"]), None, tm, acc)
        return optax.softmax_cross_entropy_with_integer_labels(o.sum(0 if tm else 1), y).mean()

    @partial(jax.jit, donate_argnums=(0, 1), static_argnums=(4, 5))
    def hand_step(p, opt_state, x, y, tm=False, acc=False):
        loss, g = jax.value_and_grad(hand_loss)(p, x, y, tm, acc)
        upd, opt_state = opt.update(g, opt_state, p)
        return optax.apply_updates(p, upd), opt_state, loss

    # - Same loss and same gradients at the start (checked, so the comparison is fair)
    params = net.parameters()
    l_r, g_r = jax.value_and_grad(rock_loss)(params, net, x, y)
    l_h, g_h = jax.value_and_grad(hand_loss)(hp, x, y)
    np.testing.assert_allclose(float(l_r), float(l_h), rtol=1e-4)
    # - float32 rounding differs between the two loops; the recurrent case amplifies it a little
    g1, g2 = np.asarray(g_r[names[0]]["weight"]), np.asarray(g_h["w0"])
    assert np.linalg.norm(g1 - g2) <= 1e-2 * np.linalg.norm(g2), "rockpool and hand gradients differ"

    cp = lambda t: jax.tree.map(jnp.copy, t)  # donated buffers must not alias the net's arrays
    l_s, g_s = jax.value_and_grad(hand_loss)(hp, x, y, True)
    np.testing.assert_allclose(float(l_s), float(l_h), rtol=1e-4)
    _, g_a = jax.value_and_grad(hand_loss)(hp, x, y, False, True)
    for k in ("tau_mem", "tau_syn", "threshold", "bias"):  # the accumulating backward: same gradients
        ga, gh = np.asarray(g_a["l1"][k]), np.asarray(g_h["l1"][k])
        assert np.linalg.norm(ga - gh) <= 1e-3 * np.linalg.norm(gh) + 1e-12, k
    state = {
        "rockpool": [cp(params), opt.init(params)],
        "hand_jax": [cp(hp), opt.init(hp)],
        "hand_jax_scan": [cp(hp), opt.init(hp)],
        "hand_jax_accum": [cp(hp), opt.init(hp)],
    }

    def run_rock():
        st = state["rockpool"]
        st[0], st[1], loss = rock_step(st[0], st[1], net, x, y)
        return loss

    def run_hand(key="hand_jax", tm=False, acc=False):
        st = state[key]
        st[0], st[1], loss = hand_step(st[0], st[1], x, y, tm, acc)
        return loss

    fresh_r = (net.parameters(), opt.init(net.parameters()))
    fresh_h = (hp, opt.init(hp))
    return {
        "hand_jax": (hand_step, (cp(fresh_h[0]), cp(fresh_h[1]), x, y), run_hand),
        "hand_jax_scan": (
            hand_step, (cp(fresh_h[0]), cp(fresh_h[1]), x, y, True), partial(run_hand, "hand_jax_scan", True)
        ),
        "hand_jax_accum": (
            hand_step, (cp(fresh_h[0]), cp(fresh_h[1]), x, y, False, True),
            partial(run_hand, "hand_jax_accum", False, True),
        ),
        "rockpool": (rock_step, (cp(fresh_r[0]), cp(fresh_r[1]), net, x, y), run_rock),
    }


def _fresh_compile_seconds(jitted, args, repeats=3):
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
    # - The baseline is the fastest hand-written variant
    best = min((k for k in times if k.startswith("hand")), key=times.get)
    base = (times[best], comp[best], mem[best])
    rows = [_row(case, k, times[k], comp[k], mem[k]) for k in times if k.startswith("hand")]
    rows.append(_row(case, "rockpool", times["rockpool"], comp["rockpool"], mem["rockpool"], base, best))
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
