"""Command line entry point: ``python -m rockpool demo``."""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rockpool", description="rockpool command line")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the demo")
    args = parser.parse_args(argv)
    if args.command == "demo":
        example = Path(__file__).resolve().parent.parent / "examples" / "low_level_api.py"
        runpy.run_path(str(example), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
