"""The edges that read and write files: goal files, flat goal tables, disclosures, spreadsheets."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs

from kpitrack.model import Project
from kpitrack.problems import Problem

__all__ = ["GoalStream", "load_goals", "stream_goals"]


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
            holds_tables = any(p.suffix.lower() in flat.SUFFIXES for p in path.iterdir())
            if holds_tables:
                tables.append(path)
            if not holds_tables or any(path.glob("*.toml")):
                toml.append(path)
        elif path.suffix.lower() in flat.SUFFIXES:
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
