"""A timed spiking network driven by Poisson events: time series in, time series out.

Run with ``python examples/time_series.py [--out DIR] [--duration SECONDS]``. The script

1. draws Poisson spike trains (16 channels, 30 Hz) as a :class:`~rockpool.timeseries.TSEvent`;
2. builds a two-layer LIF network (16 -> 24 -> 4, ``dt`` = 1 ms) and wraps it with ``.timed()``;
3. evolves it in two halves (the wrapper keeps its clock; the JAX network's new state is passed
   back with ``set_attributes``), recording states;
4. saves ``raster.png`` (input and output spikes) and ``vmem.png`` (output membrane potentials,
   with the firing threshold) into ``--out`` (default ``examples/output``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import LIFJax, LinearJax
from rockpool.timeseries import TSEvent


def poisson_events(rate_hz: float, n_channels: int, duration: float, rng: np.random.Generator) -> TSEvent:
    """Independent Poisson spike trains on ``[0, duration)``."""
    n = rng.poisson(rate_hz * duration * n_channels)
    times = np.sort(rng.uniform(0.0, duration, n))
    channels = rng.integers(0, n_channels, n)
    return TSEvent(times, channels, t_start=0.0, t_stop=duration, num_channels=n_channels, name="input")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "output"))
    parser.add_argument("--duration", type=float, default=1.0, help="seconds of simulation")
    args = parser.parse_args(argv)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(0)
    np.random.seed(0)
    n_in, n_hidden, n_out, dt = 16, 24, 4, 1e-3
    threshold = 1.0

    # - Input: Poisson events in continuous time
    spikes_in = poisson_events(30.0, n_in, args.duration, rng)
    print(spikes_in)

    # - A clocked network, made timed: it rasterises events at its dt and returns TSEvent output
    net = Sequential(
        LinearJax((n_in, n_hidden), weight=rng.normal(0.012, 0.01, (n_in, n_hidden)), spiking_input=True),
        LIFJax(n_hidden, tau_mem=0.02, tau_syn=0.01, threshold=threshold, dt=dt),
        LinearJax((n_hidden, n_out), weight=rng.normal(0.012, 0.012, (n_hidden, n_out))),
        LIFJax(n_out, tau_mem=0.03, tau_syn=0.01, threshold=threshold, dt=dt),
    )
    tnet = net.timed(dt=dt, add_events=True)
    print(tnet)

    # - Evolve in two halves: the wrapper keeps its clock; a JAX network is immutable, so its new
    #   state is passed back to the wrapper between the calls
    half = args.duration / 2
    out_a, state, rec_a = tnet(spikes_in, duration=half, record=True)
    tnet = tnet.set_attributes(state)
    out_b, _, rec_b = tnet(spikes_in, record=True)  # from t = half to the end of the input
    print(f"evolved to t = {tnet.t:.3f} s; output {out_a} then {out_b}")
    # - Records are the network's own: (batch, time, neurons) arrays on the wrapper's clock
    vmem = np.concatenate([rec_a["3_LIFJax"]["vmem"][0], rec_b["3_LIFJax"]["vmem"][0]])
    times = np.arange(vmem.shape[0]) * dt

    # - Plots (matplotlib without a display)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_in, ax_out) = plt.subplots(2, 1, sharex=True, figsize=(8, 5), height_ratios=[3, 1])
    t_in, c_in = spikes_in()
    ax_in.plot(t_in, c_in, "|", color="k", markersize=5)
    ax_in.set_ylabel("input channel")
    ax_in.set_title(f"Poisson input ({len(spikes_in)} events) and network output")
    t_out, c_out = out_a()
    t_out2, c_out2 = out_b()
    ax_out.plot(np.concatenate([t_out, t_out2]), np.concatenate([c_out, c_out2]), "|", color="C3", markersize=9)
    ax_out.set_ylabel("output neuron")
    ax_out.set_yticks(range(n_out))
    ax_out.set_ylim(-0.5, n_out - 0.5)
    ax_out.set_xlabel("time (s)")
    ax_out.axvline(half, color="0.6", lw=0.8, ls="--")
    fig.tight_layout()
    raster_path = out_dir / "raster.png"
    fig.savefig(raster_path, dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    for i in range(n_out):
        ax.plot(times, vmem[:, i], lw=0.8, label=f"neuron {i}")
    ax.axhline(threshold, color="k", ls=":", lw=1, label="threshold")
    ax.axvline(half, color="0.6", lw=0.8, ls="--")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("membrane potential")
    ax.set_title("Output layer membrane potentials (subtractive reset after each spike)")
    ax.legend(loc="upper right", fontsize=8, ncol=3)
    fig.tight_layout()
    vmem_path = out_dir / "vmem.png"
    fig.savefig(vmem_path, dpi=100)
    plt.close(fig)

    n_spikes_out = len(t_out) + len(t_out2)
    print(f"input events: {len(spikes_in)}, output spikes: {n_spikes_out}")
    print(f"saved {raster_path} and {vmem_path}")
    return {"raster": raster_path, "vmem": vmem_path, "spikes_out": n_spikes_out}


if __name__ == "__main__":
    main()
