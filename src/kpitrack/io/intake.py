"""Goals taken in for the store (绩效目标入库): read, built and checked, as a stream of projects.

:func:`checked_goals` reads goal files (TOML, flat CSV/XLSX tables, folders of them),
builds the projects one at a time and checks them in batches with
:class:`kpitrack.checks.Validation`.  The stream hands on the projects of each batch
while no problem so far is an error; after the first error it hands on nothing more,
but still builds and checks every project, so that every problem is reported; at its
end an error raises :class:`ProblemsFound`, which rolls back a store writing the
stream in one transaction.  :attr:`CheckedGoals.problems` is then every problem, in
the order ``kpitrack check`` gives them: reading's first, then check by check.
"""

from __future__ import annotations

import itertools
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path

import attrs

from kpitrack import checks
from kpitrack.io import stream_goals
from kpitrack.model import Project
from kpitrack.problems import Problem, ProblemsFound, has_errors
from kpitrack.profile import Profile

__all__ = ["BATCH", "CheckedGoals", "checked_goals"]

BATCH = 1000  # projects checked at a time


@attrs.frozen
class CheckedGoals:
    """Checked projects as a stream, and every problem once the stream is exhausted (or has raised)."""

    projects: Generator[Project, None, None]
    problems: list[Problem]

    def close(self) -> None:
        """Stop reading when the stream was not read to its end."""
        self.projects.close()

    def __enter__(self) -> CheckedGoals:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def checked_goals(paths: Sequence[Path], profile: Profile) -> CheckedGoals:
    """The projects of ``paths``, checked batch by batch under ``profile`` (as ``check`` does).

    Every file is read before this returns; the projects are built as the stream is consumed.
    """
    problems: list[Problem] = []
    goals = stream_goals(paths)
    return CheckedGoals(_checking(goals.projects, goals.problems, checks.Validation(profile), problems), problems)


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
