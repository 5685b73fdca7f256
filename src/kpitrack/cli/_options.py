"""Options that several commands share (--db, --format, --profile, --unit), declared in one place."""

from __future__ import annotations

import argparse
from pathlib import Path

import kpitrack
from kpitrack.api import Workspace, read_profile
from kpitrack.profile import Profile

__all__ = ["add_db", "add_format", "add_profile", "add_unit", "load_profile", "workspace"]


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


def load_profile(path: Path | None) -> Profile:
    """The profile in force: the default, or a profile file over it (its problems are fatal)."""
    return read_profile(path)


def workspace(args: argparse.Namespace) -> Workspace:
    """The workspace the command's ``--db`` and ``--profile`` name."""
    return kpitrack.open(getattr(args, "db", None), profile=getattr(args, "profile", None))
