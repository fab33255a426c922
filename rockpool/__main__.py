"""Command line entry point: ``python -m rockpool demo [--epochs N] [--out DIR] [--seed S] [--quick]``.

The demo trains a spiking LIF classifier of real handwritten digits (scikit-learn's bundled data
set), exports it to NIR and checks the re-imported network, then trains the training tutorial's
stateful rate network (see :mod:`rockpool.demo`); plots (PNG), checkpoints, the NIR file and a
summary land in the output folder.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rockpool",
        description="rockpool: build, simulate and train stateful and spiking neural networks.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="train a spiking classifier of handwritten digits and a stateful rate network",
        description=(
            "Train (1) a recurrent spiking LIF network on scikit-learn's handwritten digits "
            "(Poisson spike encoding, held-out test split), export it to NIR, read it back and "
            "check its test accuracy, and (2) the training tutorial's stateful rate network on "
            "its sin-mapping task, with progress bars. Plots (PNG), checkpoints (.npz), the NIR "
            "file and a summary (summary.json, summary.txt: accuracy, training time, steps/s, "
            "parameter count) are written to the output folder. Needs the extras jax, plot, nir "
            "and data (pip install 'rockpool[all]')."
        ),
    )
    demo.add_argument("--epochs", type=int, default=None, metavar="N",
                      help="epochs for both tasks (default: 60 for the digits, 1000 for the rate network)")
    demo.add_argument("--out", default="demo_output", metavar="DIR",
                      help="output folder (default: ./demo_output)")
    demo.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the initial weights, spike encoding and batch order; the train / test split is fixed (default: 0)")
    demo.add_argument("--quick", action="store_true", help="small networks, 300 digits and few epochs: a smoke test in seconds")
    demo.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "demo":
        if args.epochs is not None and args.epochs < 1:
            print("python -m rockpool demo: --epochs must be at least 1", file=sys.stderr)
            return 2
        if not 0 <= args.seed < 2**32:
            print("python -m rockpool demo: --seed must be an integer from 0 to 2**32 - 1",
                  file=sys.stderr)
            return 2
        if os.path.exists(args.out) and not os.path.isdir(args.out):
            print(f"python -m rockpool demo: --out {args.out!r} exists and is not a folder; "
                  f"give a folder name", file=sys.stderr)
            return 2
        from rockpool.demo import run_demo

        try:
            run_demo(args.out, epochs=args.epochs, seed=args.seed, quick=args.quick,
                     progress=False if args.no_progress else None)
        except ImportError as e:  # an optional dependency is missing: say which extra to install
            if "pip install 'rockpool[" not in str(e):
                raise
            print(f"python -m rockpool demo: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
