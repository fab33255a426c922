"""The demo behind ``python -m rockpool demo``: a spiking network learns real handwritten digits.

1. **Spiking digits classifier** (:mod:`rockpool.demo.digits`, the main job): scikit-learn's
   bundled handwritten digits (1,797 images of 8 x 8 pixels; no download) are Poisson-encoded
   into spikes, a recurrent LIF network is trained with :func:`~rockpool.training.fit`
   (checkpointed, progress bar), evaluated on the held-out 25 %, exported to NIR, read back and
   checked to give the same test accuracy.
2. **Stateful rate network** (:mod:`rockpool.demo.rate`): the training tutorial's network and
   task, trained with the tutorial's loss and bounds.

The output folder receives PNG plots, checkpoints, ``digits.nir`` and ``summary.json`` /
``summary.txt`` (accuracy, training time, steps/s, parameter count). Everything is seeded.

Example::

    from rockpool.demo import run_demo
    summary = run_demo("demo_output", quick=True)
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, Optional, Union

from rockpool.demo.digits import train_digits
from rockpool.demo.rate import MultiClassRandomSinMapping, train_tutorial

__all__ = ["run_demo", "train_digits", "train_tutorial", "MultiClassRandomSinMapping"]


def _summary_text(summary: Dict[str, Any]) -> str:
    d, r = summary["digits"], summary["rate_network"]
    return "\n".join([
        "rockpool demo summary",
        f"  seed {summary['seed']}, quick={summary['quick']}, total {summary['total_s']:.1f} s",
        f"1. spiking digits classifier {d['network']} ({d['layers']}; {d['n_parameters']:,} parameters)",
        f"   data: {d['n_train']} training / {d['n_test']} held-out test digits (stratified split, "
        f"split seed {d['split_seed']}), Poisson spikes, T = {d['T']} steps of {d['dt_s'] * 1e3:g} ms",
        f"   test accuracy {d['test_accuracy']:.1%} (before training {d['test_accuracy_before']:.1%}, "
        f"chance {d['chance']:.0%}); training digits {d['train_accuracy']:.1%}",
        f"   training: {d['epochs']} epochs, {d['steps']} steps of {d['batch_size']} in {d['train_s']:.1f} s "
        f"({d['steps_per_s']:.0f} steps/s, compile {d['compile_s']:.1f} s; evaluation {d['eval_s']:.1f} s extra); "
        f"loss {d['initial_loss']:.3g} -> {d['final_loss']:.3g}",
        f"   NIR round trip (digits.nir): test accuracy {d['test_accuracy_nir']:.1%} "
        f"({'same' if d['nir_same_accuracy'] else 'DIFFERENT'}), largest output difference "
        f"{d['nir_max_output_difference']:.3g}",
        f"2. stateful rate network {r['network']}: {r['epochs']} epochs, {r['steps']} steps",
        f"   loss {r['initial_loss']:.4g} -> {r['final_loss']:.4g} (output MSE {r['final_mse']:.4g}); "
        f"min tau {r['min_tau_ms']:.1f} ms; {r['steps_per_s']:.0f} steps/s (compile {r['compile_s']:.1f} s)",
    ])


def run_demo(
    out_dir: Union[str, Path] = "demo_output",
    epochs: Optional[int] = None,
    seed: int = 0,
    quick: bool = False,
    progress: Optional[bool] = None,
    verbose: bool = True,
) -> Dict[str, Any]:
    """Train both demo networks, write plots, checkpoints, the NIR file and a summary into ``out_dir``.

    Args:
        out_dir: Output folder (created if needed).
        epochs: Epochs for both tasks; default 60 (digits) and 1000 (rate network, as in the
            tutorial).
        seed: Seed of the initial weights, the spike encoding and the batch order (the
            train / test split is fixed).
        quick: Small networks, a subset of the digits and few epochs (seconds instead of a
            minute).
        progress: Progress bars (``None``: on a terminal).
        verbose: Print what happens and where the results are.

    Returns:
        The summary dict also written to ``out_dir/summary.json``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    e_rate = epochs if epochs is not None else (20 if quick else 1000)
    summary: Dict[str, Any] = {"seed": seed, "quick": quick}
    summary["digits"] = train_digits(out, epochs, seed, quick, progress, verbose)
    summary["rate_network"] = train_tutorial(out, e_rate, seed, quick, progress, verbose)
    summary["total_s"] = time.perf_counter() - t0
    summary["files"] = sorted(p.name for p in out.iterdir() if p.suffix in (".png", ".npz", ".nir"))
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    text = _summary_text(summary)
    (out / "summary.txt").write_text(text + "\n")
    if verbose:
        print(text)
        print(f"Results in {out.resolve()}: {', '.join(summary['files'])}, summary.json, summary.txt")
    return summary
