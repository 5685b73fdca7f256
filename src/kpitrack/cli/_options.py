"""Options that several commands share (--db, --format, --profile, --unit), declared in one place."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from kpitrack.io import profilefile
from kpitrack.problems import ProblemsFound
from kpitrack.profile import DEFAULT, Profile
from kpitrack.store import Store

__all__ = ["add_db", "add_format", "add_profile", "add_unit", "chosen_projects", "load_profile"]


def add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", help="database URL (default: $KPITRACK_DB, else sqlite:///kpitrack.db)")


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="table for people (default), json for scripts"
    )


def add_profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile", type=Path, metavar="FILE", help="a scoring profile file over the default (see `profile show`)"
    )


def add_unit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--unit", action="append", metavar="UNIT", help="only the projects of this budget unit (预算单位, repeatable)"
    )


def chosen_projects(
    store: Store, year: int, named: Sequence[str] | None, units: Sequence[str] | None
) -> list[str] | None:
    """The ids of the projects named (in their order), then those of ``units`` not named; None for every project."""
    if not units:
        return list(named) if named else None
    seen = set(named or ())
    return [*(named or ()), *(key for key in store.unit_projects(year, units) if key not in seen)]


def load_profile(path: Path | None) -> Profile:
    """The profile in force: the default, or a profile file over it (its problems are fatal)."""
    if path is None:
        return DEFAULT
    profile, problems = profilefile.load(path)
    if profile is None:
        raise ProblemsFound(problems)
    return profile
