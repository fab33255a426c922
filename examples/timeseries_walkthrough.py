"""A walk through ``rockpool.timeseries``: continuous signals, events, joining, saving and plotting.

Run with ``python examples/timeseries_walkthrough.py [--out DIR]``. It needs NumPy, scipy and
matplotlib (no JAX), runs in about a second, prints each step and saves ``timeseries.png`` into
``--out`` (default ``examples/output``).
"""

from __future__ import annotations

import argparse
import io
import tempfile
import warnings
from pathlib import Path

import numpy as np

from rockpool.timeseries import TSContinuous, TSDictOnDisk, TSEvent, load_ts_from_file


def continuous_series() -> TSContinuous:
    print("# 1. A continuous signal: samples at given times, interpolated in between")
    t = np.linspace(0.0, 1.0, 11)
    sig = TSContinuous(t, np.stack([np.sin(2 * np.pi * t), np.cos(2 * np.pi * t)], axis=1),
                       name="sine/cosine", units="a.u.", interp_kind="linear")
    print(sig)
    print("sampled at t = 0.05, 0.5:", sig([0.05, 0.5]).round(3).tolist())

    # - The lookup is exact: the default "previous" kind returns the sample at the largest time <= t.
    #   Clocked times are float products (3 * 0.1 = 0.30000000000000004), so 0.3 is before sample 3.
    steps = TSContinuous.from_clocked(np.arange(5.0), dt=0.1, name="steps")
    print(f"sample 3 lies at t = {float(steps.times[3])!r}; steps(0.3) = {steps(0.3)[0, 0]}, "
          f"steps(times[3]) = {steps(steps.times[3])[0, 0]}")

    # - Out of range: an error by default, or NaN with a warning when the series allows it
    try:
        sig(1.5)
    except ValueError as e:
        print("sampling beyond the data raises:", type(e).__name__)
    sig.beyond_range_exception = False
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        print("...or gives NaN:", sig(1.5).tolist())
    sig.beyond_range_exception = True

    # - Clip inserts the interpolated values at the limits; slicing keeps the samples in [a, b)
    part = sig.clip(0.25, 0.75, channels=[0])
    print("clip(0.25, 0.75):", part.times.tolist(), part.samples.ravel().round(3).tolist())
    print("sig[0.2:0.5] times:", sig[0.2:0.5].times.round(2).tolist())
    return sig


def arithmetic_and_joining(sig: TSContinuous) -> TSContinuous:
    print("\n# 2. Arithmetic between series on different time bases, and joining")
    ramp = TSContinuous([0.0, 1.0], [0.0, 1.0], interp_kind="linear", name="ramp")
    mixed = sig * ramp + 1  # the ramp is sampled at sig's times; a 1-channel series broadcasts
    print(mixed, "->", mixed.samples[-1].round(3).tolist())
    weighted = sig @ np.array([[1.0], [-1.0]])  # mix channels
    print("sig @ W has", weighted.num_channels, "channel")
    both = sig.append_t(sig)  # offset=None: one median sample interval between the two
    print("append_t:", both)
    print("append_c:", sig.append_c(ramp))
    return both


def events() -> TSEvent:
    print("\n# 3. Events: a time and a channel each, on [t_start, t_stop)")
    ev = TSEvent([0.05, 0.12, 0.12, 0.31], [0, 2, 2, 1], t_start=0.0, t_stop=0.4, name="spikes")
    ev.print()
    counts = ev.raster(dt=0.1, add_events=True)
    print("raster (counts):", counts.tolist())
    back = TSEvent.from_raster(counts, dt=0.1)  # events at bin centres
    print("from_raster:", back.times.round(2).tolist(), back.channels.tolist())
    print("clip(0.1, 0.4, remap_channels=True):", ev.clip(0.1, 0.4, remap_channels=True).channels.tolist())
    periodic = TSEvent([0.5], [0], t_start=0.0, t_stop=1.0, periodic=True)
    print("a periodic event stream over [0, 3):", periodic(0.0, 3.0)[0].tolist())
    return ev


def saving(sig: TSContinuous, ev: TSEvent) -> None:
    print("\n# 4. Saving and loading (.npz), and a dictionary that keeps series on disk")
    buf = io.BytesIO()
    ev.save(buf, dtype_channels="uint8")
    buf.seek(0)
    print("loaded:", load_ts_from_file(buf))
    with tempfile.TemporaryDirectory() as d:
        sig.save(Path(d) / "sig", verbose=True)
        print("loaded:", TSContinuous.load(Path(d) / "sig.npz"))
    store = TSDictOnDisk({"signal": sig, "spikes": ev, "note": "any other value stays in memory"})
    print(store)


def plot(sig: TSContinuous, ev: TSEvent, out_dir: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(2, 1, figsize=(7, 5), sharex=True)
    sig.plot(target=a, dt=0.01, stagger=2.5)
    ev.plot(target=b, s=200)
    fig.tight_layout()
    path = out_dir / "timeseries.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"\nsaved {path}")
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "output"))
    args = parser.parse_args(argv)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    sig = continuous_series()
    arithmetic_and_joining(sig)
    ev = events()
    saving(sig, ev)
    plot(sig, ev, out_dir)


if __name__ == "__main__":
    main()
