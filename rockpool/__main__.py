"""Command line entry point: ``python -m rockpool demo [--epochs N] [--out DIR] [--seed S] [--quick]``.

The demo trains the training tutorial's stateful rate network and a spiking LIF classifier (see
:mod:`rockpool.demo`), then writes plots (PNG), checkpoints and a summary into the output folder.
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
        help="train a stateful rate network and a spiking classifier; write plots and a summary",
        description=(
            "Train (1) the training tutorial's stateful rate network on its sin-mapping task and "
            "(2) a spiking LIF classifier on synthetic spike patterns, with progress bars. Plots "
            "(PNG), checkpoints (.npz) and a summary (summary.json, summary.txt: final loss, "
            "accuracy, steps/s) are written to the output folder."
        ),
    )
    demo.add_argument("--epochs", type=int, default=None, metavar="N",
                      help="epochs for both tasks (default: 1000 for the rate network, 40 for the classifier)")
    demo.add_argument("--out", default="demo_output", metavar="DIR",
                      help="output folder (default: ./demo_output)")
    demo.add_argument("--seed", type=int, default=0, metavar="S", help="seed of data and initial weights (default: 0)")
    demo.add_argument("--quick", action="store_true", help="small networks and few epochs: a smoke test in seconds")
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

        run_demo(args.out, epochs=args.epochs, seed=args.seed, quick=args.quick,
                 progress=False if args.no_progress else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
