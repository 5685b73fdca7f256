"""The ``kpitrack`` command line: thin wrappers that load, call the core, and print.

Each command group lives in its own module with a ``register(subparsers)``
function; this module only assembles them and turns expected failures (bad
input, an unreachable database) into a message and an exit code, never a
traceback.
"""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Sequence

from kpitrack import __version__
from kpitrack.cli import _groups
from kpitrack.problems import MAX_SHOWN, Problem, ProblemsFound, more_problems

__all__ = ["main"]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command ended by Ctrl-C


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
        _print_problems(found.problems)
        return EXIT_PROBLEMS
    except BrokenPipeError:  # `kpitrack … | head`
        return EXIT_OK
    except KeyboardInterrupt:  # a write in progress is rolled back, a file being written removed
        print("kpitrack: interrupted (Ctrl-C); nothing was changed", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # a database or disk fault is one line; anything else is a bug
        message = _fault(error, args)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return EXIT_PROBLEMS
    return code


def _print_problems(problems: Sequence[Problem]) -> None:
    """Every problem on a line of its own, the first :data:`MAX_SHOWN` of them and then their count.

    An import has already kept only its first problems and counted the rest
    (:func:`~kpitrack.problems.more_problems`, one line more): printed as they are.
    """
    shown = problems if len(problems) <= MAX_SHOWN + 1 else problems[:MAX_SHOWN]
    for problem in shown:
        print(problem, file=sys.stderr)
    if len(shown) < len(problems):
        print(more_problems(len(problems) - MAX_SHOWN), file=sys.stderr)


def _fault(error: Exception, args: argparse.Namespace) -> str | None:
    """The one line that ends a command which met a fault outside its input (database, disk), or None.

    The one place where such faults become messages: the database's by
    :func:`kpitrack.store.engine.database_fault`, the file system's here.
    """
    from kpitrack.store.engine import database_fault, shown_url

    found = database_fault(error)
    if found is not None:
        return f"{shown_url(getattr(args, 'db', None))}: {found}"
    if isinstance(error, OSError):
        where = error.filename if error.filename is not None else "kpitrack"
        reason = "the disk is full" if error.errno == errno.ENOSPC else error.strerror or str(error)
        return f"{where}: {reason}; nothing was changed"
    return None
