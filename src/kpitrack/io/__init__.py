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
    from kpitrack.io import goalfile

    return goalfile.load_paths(paths)
