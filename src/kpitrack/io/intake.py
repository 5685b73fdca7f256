"""Goals taken in for the store (绩效目标入库): read, built and checked, as a stream of projects.

:func:`checked_goals` reads goal files (TOML, flat CSV/XLSX tables, folders of them),
builds the projects one at a time and checks them in batches with
:class:`kpitrack.checks.Validation`.  The stream hands on the projects of each batch
while no problem so far is an error; after the first error it hands on nothing more,
but still builds and checks every project, so that every problem is reported; at its
end an error raises :class:`ProblemsFound`, which rolls back a store writing the
stream in one transaction.  :attr:`CheckedGoals.problems` is then every problem, in
the order ``kpitrack check`` gives them: reading's first, then check by check.

A province's tables (a million and a half indicator rows) take about as long to read,
build and check as to write.  With ``fork=True`` all of that runs in a forked child
process, which sends the checked projects over a pipe, a batch at a time, while this
process writes them: the two overlap on a machine with two CPUs (see
:data:`FORK_MIN_BYTES` for what that gave, and from which size).  A batch travels as
plain tuples, each distinct indicator once (the flat reader shares one frozen
:class:`~kpitrack.model.Indicator` among all the projects that have it, and the
receiving side keeps that sharing).
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import multiprocessing
import os
import pickle
import signal
import sys
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import attrs

from kpitrack import checks
from kpitrack.io import flat, stream_goals
from kpitrack.model import Indicator, Project
from kpitrack.problems import Problem, ProblemsFound, has_errors

__all__ = ["BATCH", "FORK_MIN_BYTES", "CheckedGoals", "checked_goals", "worth_forking"]

BATCH = 1000  # projects checked (and sent) at a time
# Flat tables of at least this many bytes (about 450,000 indicator rows) are read in a second
# process; None: never.  Measured at 100,000 projects (164 MB) on the 2-core machine
# (benchmarks/README.md, goal loading): quiet, two processes took 22.6 / 21.1 s (28.8-32.5 s CPU)
# against 24.9 / 24.1 s in one (22-23 s CPU), and 16-20 s against 21.5-22 s with one core free;
# with both cores taken by other work they were not faster (18-32 s against 21-31 s): the writer
# alone has 14 s of work, which starts once the child has read every row.
FORK_MIN_BYTES: int | None = 50_000_000
# Linux's largest pipe buffer for anyone: the child writes a whole batch (some 450 kB) and goes on
# with the next while this process writes the one before (the default 64 kB made them take turns).
_PIPE_BYTES = 2**20

_FIELDS = tuple(field.name for field in attrs.fields(Project))
_INDICATORS = _FIELDS.index("indicators")


@attrs.frozen
class CheckedGoals:
    """Checked projects as a stream, and every problem once the stream is exhausted (or has raised)."""

    projects: Generator[Project, None, None]
    problems: list[Problem]
    _stop: Callable[[], None] = lambda: None

    def close(self) -> None:
        """Stop reading (and end the second process, if there is one) when the stream was not read to its end."""
        self.projects.close()
        self._stop()  # the stream's own cleanup runs only if it was ever started

    def __enter__(self) -> CheckedGoals:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def worth_forking(paths: Sequence[Path]) -> bool:
    """Whether reading ``paths`` in a second process can pay: large flat tables, fork, and two CPUs or more."""
    if FORK_MIN_BYTES is None or "fork" not in multiprocessing.get_all_start_methods():
        return False
    return len(os.sched_getaffinity(0)) >= 2 and _table_bytes(paths) >= FORK_MIN_BYTES


def _table_bytes(paths: Sequence[Path]) -> int:
    files = (p for path in paths for p in (sorted(path.iterdir()) if path.is_dir() else [path]))
    total = 0
    for file in files:
        if file.suffix.lower() in flat.SUFFIXES:
            with contextlib.suppress(OSError):  # a missing file is reported by the reader
                total += file.stat().st_size
    return total


def checked_goals(
    paths: Sequence[Path], tier_weights: Mapping[str, Decimal] = checks.TIER_WEIGHTS, *, fork: bool = False
) -> CheckedGoals:
    """The projects of ``paths``, checked batch by batch; read in a forked child process if ``fork``.

    In this process every file is read before this returns (the projects are built as
    the stream is consumed); with ``fork`` the child starts reading at once.
    """
    problems: list[Problem] = []
    if fork:
        child, receiver = started = _start(paths, tier_weights)
        return CheckedGoals(_received(started, problems), problems, lambda: _end(child, receiver))
    return CheckedGoals(_checked(paths, tier_weights, problems), problems)


def _checked(
    paths: Sequence[Path], tier_weights: Mapping[str, Decimal], problems: list[Problem]
) -> Generator[Project, None, None]:
    goals = stream_goals(paths)
    return _checking(goals.projects, goals.problems, checks.Validation(tier_weights), problems)


def _checking(
    projects: Iterator[Project], read: list[Problem], validation: checks.Validation, problems: list[Problem]
) -> Generator[Project, None, None]:
    errors, looked_at = False, 0
    while batch := list(itertools.islice(projects, BATCH)):
        errors = validation.check(batch) or errors or has_errors(read[looked_at:])
        looked_at = len(read)
        if not errors:
            yield from batch
    problems.extend(read + validation.problems)
    if errors or has_errors(read[looked_at:]):
        raise ProblemsFound(problems)


# -- the second process --------------------------------------------------------------------
#
# Messages, each one pickle: ("batch", new indicators, projects as tuples) while the
# projects pass their checks, then ("end", every problem, whether any is an error).


def _start(paths: Sequence[Path], tier_weights: Mapping[str, Decimal]) -> tuple[Any, Connection]:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the default size
        fcntl.fcntl(sender.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    sys.stdout.flush()  # what is buffered now would be written twice, once by each process
    sys.stderr.flush()
    child = context.Process(target=_child, args=(paths, tier_weights, sender), name="kpitrack goal reader")
    child.start()
    sender.close()
    return child, receiver


def _child(paths: Sequence[Path], tier_weights: Mapping[str, Decimal], sender: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends this process
    problems: list[Problem] = []
    numbers: dict[int, int] = {}  # id of an Indicator already sent → its number
    sent: list[Indicator] = []  # keeps each sent Indicator alive, so no other object takes its id
    projects = _checked(paths, tier_weights, problems)
    try:
        while batch := list(itertools.islice(projects, BATCH)):
            new: list[Indicator] = []
            rows = [_row(project, numbers, sent, new) for project in batch]
            sender.send_bytes(pickle.dumps(("batch", new, rows), pickle.HIGHEST_PROTOCOL))
    except ProblemsFound:
        sender.send_bytes(pickle.dumps(("end", problems, True), pickle.HIGHEST_PROTOCOL))
    else:
        sender.send_bytes(pickle.dumps(("end", problems, False), pickle.HIGHEST_PROTOCOL))
    finally:
        sender.close()


def _row(project: Project, numbers: dict[int, int], sent: list[Indicator], new: list[Indicator]) -> list[Any]:
    """The project's fields in order, its indicators as the numbers they were (or are now) sent under."""
    indicators = []
    for indicator in project.indicators:
        number = numbers.get(id(indicator))
        if number is None:
            number = numbers[id(indicator)] = len(sent)
            sent.append(indicator)
            new.append(indicator)
        indicators.append(number)
    row = [getattr(project, field) for field in _FIELDS]
    row[_INDICATORS] = indicators
    return row


def _received(started: tuple[Any, Connection], problems: list[Problem]) -> Generator[Project, None, None]:
    child, receiver = started
    indicators: list[Indicator] = []
    try:
        while True:
            try:
                data = receiver.recv_bytes()
            except EOFError:
                child.join()
                where = "goals load"
                reason = f"the process reading the goals ended before it finished (exit code {child.exitcode})"
                raise ProblemsFound([Problem(where, reason)]) from None
            message = pickle.loads(data)
            if message[0] == "end":
                problems.extend(message[1])
                if message[2]:
                    raise ProblemsFound(problems)
                return
            _, new, rows = message
            indicators.extend(new)
            for row in rows:
                row[_INDICATORS] = tuple([indicators[number] for number in row[_INDICATORS]])
                yield Project(*row)
    finally:
        _end(child, receiver)


def _end(child: Any, receiver: Connection) -> None:
    receiver.close()
    if child.is_alive():
        child.terminate()
    child.join()
