"""The ``kpitrack`` command line: thin wrappers that load, call the core, and print.

Each command group lives in its own module with a ``register(subparsers)``
function; this module only assembles them and turns expected failures (bad
input, an unreachable database) into a message and an exit code, never a
traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kpitrack import __version__
from kpitrack.cli import _groups
from kpitrack.problems import ProblemsFound

__all__ = ["main"]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpitrack",
        description="Track performance goals (绩效目标): record actuals, score the year, list the underperformers.",
    )
    parser.add_argument("--version", action="version", version=f"kpitrack {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in _groups.REGISTRARS:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except ProblemsFound as found:
        for problem in found.problems:
            print(problem, file=sys.stderr)
        return EXIT_PROBLEMS
    except BrokenPipeError:  # `kpitrack … | head`
        return EXIT_OK
    return code
