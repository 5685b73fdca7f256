"""The edges that read and write files: goal files, flat goal tables, disclosures, spreadsheets."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs

from kpitrack.model import Project
from kpitrack.problems import Problem

__all__ = ["TABLE_SUFFIXES", "GoalStream", "load_goals", "stream_goals", "table_files"]

TABLE_SUFFIXES = frozenset({".csv", ".xlsx"})  # what a flat table (goals, values, a 自评表) may be


def table_files(
    paths: Sequence[Path], problems: list[Problem], what: str, suffixes: frozenset[str] = TABLE_SUFFIXES
) -> Iterator[Path]:
    """The table files of ``paths`` (folders give theirs, sorted); others are problems naming ``what``."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix.lower() in suffixes)
        elif not path.exists():
            problems.append(Problem(str(path), "no such file or folder"))
        elif path.suffix.lower() not in suffixes:
            problems.append(Problem(str(path), f"{what} is a .csv or .xlsx file"))
        else:
            yield path


@attrs.frozen
class GoalStream:
    """Goals (绩效目标表) read from files, built into projects one at a time as ``projects`` is consumed.

    ``problems`` holds what reading the files found, and grows while the projects are
    built: it is complete once ``projects`` is exhausted.  Only projects without a
    problem are yielded.
    """

    projects: Iterator[Project]
    problems: list[Problem]


def stream_goals(paths: Sequence[Path]) -> GoalStream:
    """Read TOML goal files, flat CSV/XLSX goal tables, or folders of them; build the projects lazily.

    Every file is read before this returns; a province's million indicator rows are
    then turned into records project by project, so a consumer that writes them in
    batches never holds them all.
    """
    from kpitrack.io import flat, goalfile

    toml: list[Path] = []
    tables: list[Path] = []
    for path in paths:
        if path.is_dir():
            holds_tables = any(p.suffix.lower() in TABLE_SUFFIXES for p in path.iterdir())
            if holds_tables:
                tables.append(path)
            if not holds_tables or any(path.glob("*.toml")):
                toml.append(path)
        elif path.suffix.lower() in TABLE_SUFFIXES:
            tables.append(path)
        else:
            toml.append(path)
    projects, problems = goalfile.load_paths(toml) if toml else ([], [])
    from_tables = flat.read_paths(tables, problems) if tables else iter(())
    return GoalStream(itertools.chain(projects, from_tables), problems)


def load_goals(paths: Sequence[Path]) -> tuple[list[Project], list[Problem]]:
    """Load goals from TOML goal files, flat CSV/XLSX goal tables, or folders of them.

    Every file is read and every problem collected before anything is returned.
    """
    goals = stream_goals(paths)
    projects = list(goals.projects)
    return projects, goals.problems
