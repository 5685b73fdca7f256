"""Options that several commands share (--db, --format, --profile), declared in one place."""

from __future__ import annotations

import argparse
from pathlib import Path

from kpitrack.io import profilefile
from kpitrack.problems import ProblemsFound
from kpitrack.profile import DEFAULT, Profile

__all__ = ["add_db", "add_format", "add_profile", "load_profile"]


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


def load_profile(path: Path | None) -> Profile:
    """The profile in force: the default, or a profile file over it (its problems are fatal)."""
    if path is None:
        return DEFAULT
    profile, problems = profilefile.load(path)
    if profile is None:
        raise ProblemsFound(problems)
    return profile
