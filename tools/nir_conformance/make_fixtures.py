"""NIR conformance fixtures: networks built in snnTorch, Norse and Spyx, their ``.nir`` files and
their outputs on fixed input spikes, written to ``tests/data/nir/``; then the other direction:
rockpool imports each file, exports it again, and each peer loads our export and must agree.

Not run by CI (it needs torch, snnTorch, Norse and Spyx). Set up a separate virtual environment::

    python3 -m venv /work/peers-venv
    /work/peers-venv/bin/pip install torch==2.13.0            # the CPU wheel
    echo "torch==2.13.0" > /tmp/c.txt
    /work/peers-venv/bin/pip install -c /tmp/c.txt snntorch==1.0.0 norse==1.1.0 spyx==1.0.0 nir==1.0.8

and run from the repository root::

    PYTHONPATH=$PWD /work/peers-venv/bin/python tools/nir_conformance/make_fixtures.py [--check-only]

Each network: 8 inputs -> 10 hidden neurons (CubaLIF; recurrent in the ``rec`` networks) -> 4
outputs (CubaLIF, or a leaky-integrator readout in the ``li`` networks), 80 steps, batch 2, on
the Bernoulli(0.25) input spikes stored in ``inputs.npz``. The reference output of each network
is the peer's own simulation of the network it built (what the file describes; see the README's
"Graphs and NIR" section for each peer's conventions and its quirks).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "nir"
T, B, NI, NH, NO = 80, 2, 8, 10, 4
RNG = np.random.default_rng(1234)


def inputs() -> np.ndarray:
    """Fixed input spikes, (B, T, NI) float32 0/1."""
    path = DATA / "inputs.npz"
    if path.exists():
        return np.load(path)["spikes"]
    x = (np.random.default_rng(0).random((B, T, NI)) < 0.25).astype(np.float32)
    np.savez_compressed(path, spikes=x)
    return x


def weights(n_out: int, n_in: int, scale: float) -> np.ndarray:
    return (RNG.normal(0.0, scale / np.sqrt(n_in), (n_out, n_in))).astype(np.float32)


def save(name: str, graph, **arrays) -> None:
    import nir

    nir.write(str(DATA / f"{name}.nir"), graph, compression=None)  # small files: no chunking
    np.savez_compressed(
        DATA / f"{name}.npz", **{k: np.asarray(v, np.float32) for k, v in arrays.items()}
    )
    counts = arrays["spikes"].sum(axis=1) if "spikes" in arrays else None
    print(
        f"  {name}: wrote .nir + .npz; spike counts per output neuron {counts.tolist() if counts is not None else '-'}"
    )


# ============================================================================ snnTorch
def snntorch_nets(x: np.ndarray) -> None:
    import snntorch as snn
    import torch
    from snntorch import utils
    from snntorch.export_nir import export_to_nir

    torch.manual_seed(0)

    # - reset_delay=False: the reset happens in the step of the spike, as NIR's CubaLIF says (and
    #   as snnTorch's own importer builds it); snnTorch's default (True) zeroes the membrane one
    #   step later instead, which NIR cannot express

    def synaptic(n, **kw):
        return snn.Synaptic(
            alpha=torch.tensor(RNG.uniform(0.6, 0.9, n), dtype=torch.float32),
            beta=torch.tensor(RNG.uniform(0.8, 0.95, n), dtype=torch.float32),
            threshold=torch.ones(n),
            init_hidden=True,
            reset_mechanism="zero",
            reset_delay=False,
            **kw,
        )

    def linear(n_in, n_out, scale):
        lin = torch.nn.Linear(n_in, n_out)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(weights(n_out, n_in, scale)))
            lin.bias.copy_(torch.from_numpy(RNG.normal(0, 0.05, n_out).astype(np.float32)))
        return lin

    def run(net, readout_mem=False):
        utils.reset(net)
        spikes, mem = [], []
        with torch.no_grad():
            for t in range(T):
                out = net(torch.from_numpy(x[:, t]))
                spikes.append(out[0].numpy())
                mem.append(out[-1].numpy())
        return np.stack(spikes, 1), np.stack(mem, 1)

    # - feed-forward
    net = torch.nn.Sequential(
        linear(NI, NH, 1.5), synaptic(NH), linear(NH, NO, 1.5), synaptic(NO, output=True)
    )
    sp, _ = run(net)
    save("snntorch_ff", export_to_nir(net, torch.zeros(NI)), spikes=sp)

    # - recurrent: RSynaptic's all-to-all recurrence (written as an Affine with zero bias).
    #   snnTorch 1.0's RSynaptic.forward crashes with reset_delay=False (it reads the undefined
    #   locals `spk` / `mem`); this subclass runs the same steps with the state attributes.
    class RSynaptic(snn.RSynaptic):
        def forward(self, input_):
            for k in ("spk", "syn", "mem"):
                if getattr(self, k).shape != input_.shape:
                    setattr(self, k, torch.zeros_like(input_))
            self.reset = self.mem_reset(self.mem)
            self.syn, self.mem = self.state_function(input_)
            self.spk = self.fire(self.mem)
            self.mem = self.mem - (self.spk / self.graded_spikes_factor - self.reset) * self.mem
            return self.spk

    rec = RSynaptic(
        alpha=torch.tensor(RNG.uniform(0.6, 0.9, NH), dtype=torch.float32),
        beta=torch.tensor(RNG.uniform(0.8, 0.95, NH), dtype=torch.float32),
        threshold=torch.ones(NH),
        all_to_all=True,
        linear_features=NH,
        init_hidden=True,
        reset_mechanism="zero",
        reset_delay=False,
    )
    with torch.no_grad():
        rec.recurrent.weight.copy_(torch.from_numpy(weights(NH, NH, 1.0)))
        rec.recurrent.bias.zero_()
    net = torch.nn.Sequential(
        linear(NI, NH, 1.5), rec, linear(NH, NO, 1.0), synaptic(NO, output=True)
    )
    sp, _ = run(net)
    save("snntorch_rec", export_to_nir(net, torch.zeros(NI)), spikes=sp)

    # - leaky-integrator readout: snn.Leaky without reset and with an unreachable threshold
    #   (snnTorch writes it as a nir.LIF); the membrane is the readout
    leaky = snn.Leaky(
        beta=torch.tensor(RNG.uniform(0.85, 0.95, NO), dtype=torch.float32),
        threshold=torch.full((NO,), 1e3),
        init_hidden=True,
        reset_mechanism="none",
        output=True,
    )
    net = torch.nn.Sequential(linear(NI, NH, 2.5), synaptic(NH), linear(NH, NO, 1.0), leaky)
    sp, mem = run(net)
    assert sp.sum() == 0
    save("snntorch_li", export_to_nir(net, torch.zeros(NI)), spikes=sp, vmem=mem)


# ============================================================================ Norse
def norse_nets(x: np.ndarray) -> None:
    import nir
    import norse.torch as nt
    import torch

    torch.manual_seed(0)
    dt = 1e-3

    def lif_params(n):
        return nt.LIFParameters(
            tau_syn_inv=torch.tensor(1 / RNG.uniform(2e-3, 6e-3, n), dtype=torch.float32),
            tau_mem_inv=torch.tensor(1 / RNG.uniform(8e-3, 2e-2, n), dtype=torch.float32),
            v_th=torch.ones(n),
            v_leak=torch.zeros(n),
            v_reset=torch.zeros(n),
        )

    def linear(n_in, n_out, scale, bias=True):
        lin = torch.nn.Linear(n_in, n_out, bias=bias)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(weights(n_out, n_in, scale)))
            if bias:
                lin.bias.copy_(torch.from_numpy(RNG.normal(0, 0.05, n_out).astype(np.float32)))
        return lin

    def run(net):
        outs, state = [], None
        with torch.no_grad():
            for t in range(T):
                o, state = net(torch.from_numpy(x[:, t]), state)
                outs.append(o.numpy())
        return np.stack(outs, 1)

    def export(net):
        # - Norse 1.1 writes tau = dt / tau_inv: dt=1 gives the time constants in seconds
        return nt.to_nir(net, torch.zeros(NI), dt=1.0)

    # - feed-forward
    net = nt.SequentialState(
        linear(NI, NH, 25.0),
        nt.LIFCell(lif_params(NH), dt=dt),
        linear(NH, NO, 15.0),
        nt.LIFCell(lif_params(NO), dt=dt),
    )
    save("norse_ff", export(net), spikes=run(net))

    # - recurrent: LIFRecurrentCell (Norse 1.1 has no NIR export for it: the graph is written
    #   from the cell's parameters as Norse writes its other nodes, Affine weights, zero bias)
    p = lif_params(NH)
    p_cell = p._replace(
        v_leak=torch.tensor(0.0), v_reset=torch.tensor(0.0)
    )  # the cell wants scalars here
    cell = nt.LIFRecurrentCell(NI, NH, p_cell, dt=dt, autapses=True)
    with torch.no_grad():
        cell.input_weights.copy_(torch.from_numpy(weights(NH, NI, 40.0)))
        cell.recurrent_weights.copy_(torch.from_numpy(weights(NH, NH, 10.0)))
    out_lin, out_lif = linear(NH, NO, 15.0), nt.LIFCell(lif_params(NO), dt=dt)
    net = nt.SequentialState(cell, out_lin, out_lif)
    sp = run(net)

    def cuba(q):  # what Norse's exporter writes for a LIFCell (with tau in seconds, see export())
        return nir.CubaLIF(
            tau_syn=(1 / q.tau_syn_inv).numpy(),
            tau_mem=(1 / q.tau_mem_inv).numpy(),
            r=np.ones_like(q.v_th.numpy()),
            v_leak=q.v_leak.numpy(),
            v_threshold=q.v_th.numpy(),
        )

    hidden = cuba(p)
    zeros = np.zeros(NH, np.float32)
    nodes = {
        "input": nir.Input(input_type=np.array([NI])),
        "0": nir.Affine(weight=cell.input_weights.detach().numpy(), bias=zeros),
        "1": hidden,
        "1.w_rec": nir.Affine(weight=cell.recurrent_weights.detach().numpy(), bias=zeros),
        "2": nir.Affine(weight=out_lin.weight.detach().numpy(), bias=out_lin.bias.detach().numpy()),
        "3": cuba(out_lif.p),
        "output": nir.Output(output_type=np.array([NO])),
    }
    edges = [
        ("input", "0"),
        ("0", "1"),
        ("1", "1.w_rec"),
        ("1.w_rec", "1"),
        ("1", "2"),
        ("2", "3"),
        ("3", "output"),
    ]
    save("norse_rec", nir.NIRGraph(nodes=nodes, edges=edges), spikes=sp)

    # - leaky-integrator readout (LIBoxCell, written as nir.LI); its output is the membrane
    li = nt.LIBoxCell(
        nt.LIBoxParameters(
            tau_mem_inv=torch.tensor(1 / RNG.uniform(5e-3, 2e-2, NO), dtype=torch.float32),
            v_leak=torch.zeros(NO),
        ),
        dt=dt,
    )
    net = nt.SequentialState(
        linear(NI, NH, 40.0), nt.LIFCell(lif_params(NH), dt=dt), linear(NH, NO, 5.0), li
    )
    save("norse_li", export(net), vmem=run(net))


# ============================================================================ Spyx
def spyx_nets(x: np.ndarray) -> None:
    import jax.numpy as jnp
    import spyx.nir as snir
    import spyx.nn as snn
    from flax import nnx

    rngs = nnx.Rngs(0)
    shape_in, shape_out = {"input": np.array([NI])}, {"output": np.array([NO])}

    def linear(n_in, n_out, scale):
        # - No bias: Spyx's spikes come one step late per layer, so a bias acts for one more step
        #   than the (delayed) spikes at the start; with biases the outputs agree after that
        #   transient only, without them exactly (shifted)
        lin = nnx.Linear(n_in, n_out, use_bias=False, rngs=rngs)
        lin.kernel[...] = jnp.asarray(weights(n_out, n_in, scale).T)
        return lin

    def cuba(n, cls=None):
        layer = (cls or snn.CuBaLIF)((n,), rngs=rngs)
        layer.alpha[...] = jnp.asarray(RNG.uniform(0.6, 0.9, n).astype(np.float32))
        layer.beta[...] = jnp.asarray(RNG.uniform(0.8, 0.95, n).astype(np.float32))
        return layer

    def run(model, all_states=False):
        xt = jnp.asarray(np.swapaxes(x, 0, 1))  # time-major
        init = model.initial_state(B)

        def step(state, x_t):
            out, new = model(x_t, state)
            return new, (out, new)

        import jax

        _, (outs, states) = jax.lax.scan(step, init, xt)
        return np.swapaxes(np.asarray(outs), 0, 1), states

    # - feed-forward
    model = snn.Sequential(linear(NI, NH, 4.0), cuba(NH), linear(NH, NO, 3.0), cuba(NO))
    sp, _ = run(model)
    save("spyx_ff", snir.to_nir(model, shape_in, shape_out, dt=1), spikes=sp)

    # - recurrent
    rec = cuba(NH, snn.RCuBaLIF)
    rec.recurrent_w[...] = jnp.asarray(weights(NH, NH, 1.5).T)
    model = snn.Sequential(linear(NI, NH, 2.5), rec, linear(NH, NO, 2.0), cuba(NO))
    sp, _ = run(model)
    save("spyx_rec", snir.to_nir(model, shape_in, shape_out, dt=1), spikes=sp)

    # - leaky-integrator readout: PSU_LIF (written as nir.LI + nir.Threshold); V is the readout
    psu = snn.PSU_LIF((NO,), threshold=0.5, rngs=rngs)
    psu.beta[...] = jnp.asarray(RNG.uniform(0.8, 0.95, NO).astype(np.float32))
    model = snn.Sequential(linear(NI, NH, 2.5), cuba(NH), linear(NH, NO, 1.0), psu)
    sp, states = run(model)
    vmem = np.swapaxes(np.asarray(states[3]), 0, 1)
    save("spyx_li", snir.to_nir(model, shape_in, shape_out, dt=1), spikes=sp, vmem=vmem)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check-only", action="store_true", help="only run the export checks (rockpool -> peers)"
    )
    args = ap.parse_args()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    DATA.mkdir(parents=True, exist_ok=True)
    x = inputs()
    if not args.check_only:
        for name, fn in (("snnTorch", snntorch_nets), ("Norse", norse_nets), ("Spyx", spyx_nets)):
            print(f"{name}:")
            fn(x)
    sys.path.insert(0, str(ROOT))
    from tools.nir_conformance.check_exports import check_all

    ok = check_all(DATA, x)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
