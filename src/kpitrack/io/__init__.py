"""The edges that read and write files: goal files, flat goal tables, disclosures, spreadsheets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kpitrack.model import Project
from kpitrack.problems import Problem

__all__ = ["load_goals"]


def load_goals(paths: Sequence[Path]) -> tuple[list[Project], list[Problem]]:
    """Load goals from TOML goal files, flat CSV/XLSX goal tables, or folders of them.

    Every file is read and every problem collected before anything is returned.
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
    if tables:
        more, found = flat.load_paths(tables)
        projects.extend(more)
        problems.extend(found)
    return projects, problems
