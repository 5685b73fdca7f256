"""``kpitrack check``, ``kpitrack import-disclosure`` and ``goals load``: goal tables (绩效目标表) in and checked.

``check`` loads goal files, runs :func:`kpitrack.checks.validate`, prints every
problem and a summary of the projects; it exits 1 when there is any error (warnings
alone pass).  ``import-disclosure`` reads a budget disclosure's text (部门预算公开) and
writes one goal file per project, or nothing at all when anything could not be read.
:func:`run_goals_load` (``goals load``) checks goal files the same way and writes them
into the database, all or nothing.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tabulate import tabulate

from kpitrack import checks
from kpitrack.cli._memory import no_cycle_collection
from kpitrack.cli._options import add_db, add_format, add_profile, load_profile
from kpitrack.cli._output import dump_json, json_number, print_problems
from kpitrack.io import disclosure, goalfile, intake, load_goals
from kpitrack.model import LEVEL1, Project
from kpitrack.problems import Problem, ProblemsFound, Severity, has_errors
from kpitrack.store import open_store
from kpitrack.store.engine import resolve_url
from kpitrack.thresholds import format_decimal


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = subparsers.add_parser(
        "check",
        help="validate goal files (绩效目标表) and summarise the projects",
        description="Load goal files, report every problem (file and field), and summarise the projects. "
        "Exits 1 on any error; warnings alone pass.",
    )
    check.add_argument(
        "goals", nargs="*", type=Path, default=[Path("goals")], metavar="GOALS", help="goal files or folders (goals/)"
    )
    add_format(check)
    add_profile(check)
    check.set_defaults(handler=run_check)

    importer = subparsers.add_parser(
        "import-disclosure",
        help="write goal files from a budget disclosure's text (项目支出绩效目标表 + 资金分配情况)",
        description="Read every 项目支出绩效目标表 of a budget disclosure in text form, with each project's fund plan "
        "from 第三部分 七, and write one goal file per project. Nothing is written if anything cannot be read.",
    )
    importer.add_argument("file", type=Path, metavar="FILE", help="the disclosure as UTF-8 text")
    importer.add_argument("--out", type=Path, default=Path("goals"), help="folder for the goal files (goals/)")
    importer.add_argument("--prefix", default="p", help="project id prefix: p → p01, p02 … (default p)")
    importer.set_defaults(handler=run_import)

    goals = subparsers.add_parser("goals", help="goals in the database: load goal files (绩效目标表)")
    goal_commands = goals.add_subparsers(dest="goals_command", metavar="COMMAND", required=True)
    load = goal_commands.add_parser(
        "load",
        help="load goal files into the database (idempotent; a changed target is a dated revision)",
        description="Load goal files (TOML or flat CSV/XLSX tables) into the database. Loading again changes "
        "nothing; a changed target, weight or name is recorded as a revision with today's date.",
    )
    load.add_argument("goals", nargs="+", type=Path, metavar="GOALS", help="goal files or folders")
    add_db(load)
    load.set_defaults(handler=run_goals_load)


def run_check(args: argparse.Namespace) -> int:
    tier_weights = load_profile(args.profile).tier_weights  # they judge the indicator weights
    projects, problems = load_goals(args.goals)
    problems = problems + checks.validate(projects, tier_weights)
    if args.format == "json":
        dump_json(_payload(projects, problems))
    else:
        for problem in problems:
            print(problem)
        if problems:
            print()
        print(_summary(projects))
        errors = sum(p.severity is Severity.ERROR for p in problems)
        warnings = sum(p.severity is Severity.WARNING for p in problems)
        notes = sum(p.severity is Severity.NOTE for p in problems)
        noted = f", {_count(notes, 'note')} (inferred readings to confirm)" if notes else ""
        print(f"\n{_count(len(projects), 'project')}, {_count(errors, 'error')}, {_count(warnings, 'warning')}{noted}")
    return 1 if has_errors(problems) else 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _counts(project: Project) -> dict[str, int]:
    counts = {level1: len(project.tier(level1)) for level1 in LEVEL1}
    other = len(project.indicators) - sum(counts.values())
    if other:
        counts["other"] = other
    return counts


def _plan_text(project: Project) -> str:
    return " / ".join(f"{key} {format_decimal(amount)}" for key, amount in project.plan)


def _summary(projects: Sequence[Project]) -> str:
    tiers = [level1.removesuffix("指标") for level1 in LEVEL1]
    headers = ["id", "name", "year", "budget (万元)", "plan", *tiers, "all"]
    rows: list[list[str]] = []
    for project in projects:
        counts = _counts(project)
        rows.append(
            [
                project.id,
                project.name,
                str(project.year),
                format_decimal(project.budget),
                _plan_text(project),
                *(str(counts[level1]) for level1 in LEVEL1),
                str(len(project.indicators)),
            ]
        )
    totals = _totals(projects)
    rows.append(
        [
            "total",
            f"{totals['projects']} projects",
            "",
            format_decimal(sum((p.budget for p in projects), Decimal(0))),
            "",
            *(str(totals["by_level1"][level1]) for level1 in LEVEL1),
            str(totals["indicators"]),
        ]
    )
    align = ("left", "left", "left", "right", "left", "right", "right", "right", "right")
    return tabulate(rows, headers=headers, disable_numparse=True, colalign=align)


def _totals(projects: Sequence[Project]) -> dict[str, Any]:
    by_level1 = {level1: sum(len(p.tier(level1)) for p in projects) for level1 in LEVEL1}
    return {
        "projects": len(projects),
        "indicators": sum(len(p.indicators) for p in projects),
        "by_level1": by_level1,
        "budget": json_number(sum((p.budget for p in projects), Decimal(0))),
    }


def _payload(projects: Sequence[Project], problems: Sequence[Problem]) -> dict[str, Any]:
    return {
        "projects": [
            {
                "id": p.id,
                "name": p.name,
                "unit": p.unit,
                "year": p.year,
                "budget": json_number(p.budget),
                "fiscal": json_number(p.fiscal),
                "other": json_number(p.other),
                "plan": {key: json_number(amount) for key, amount in p.plan},
                "indicators": _counts(p) | {"total": len(p.indicators)},
                "source": p.source,
            }
            for p in projects
        ],
        "totals": _totals(projects),
        "problems": [{"where": p.where, "message": p.message, "severity": p.severity.value} for p in problems],
    }


def run_import(args: argparse.Namespace) -> int:
    if not goalfile.PROJECT_ID.match(f"{args.prefix}01"):
        raise ProblemsFound([Problem("--prefix", f"{args.prefix!r} does not make valid project ids")])
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as failure:
        reason = "not UTF-8 text" if isinstance(failure, UnicodeDecodeError) else failure.strerror or str(failure)
        raise ProblemsFound([Problem(str(args.file), f"cannot read the file: {reason}")]) from None
    projects, problems = disclosure.read(text, str(args.file), prefix=args.prefix)
    files = {args.out / f"{project.id}.toml": goalfile.dumps(project) for project in projects}
    for path, content in files.items():
        # A goal file the reader would reject is a bug of the writer: refuse rather than write it.
        _, found = goalfile.loads(content, str(path))
        problems.extend(found)
    print_problems(problems)
    if has_errors(problems):
        print(f"nothing written: {sum(p.severity is Severity.ERROR for p in problems)} errors")
        return 1
    _write_all(args.out, files)
    for path in files:
        print(f"wrote {path}")
    budget = format_decimal(sum((p.budget for p in projects), Decimal(0)))
    indicators = sum(len(p.indicators) for p in projects)
    print(f"{len(projects)} projects, {indicators} indicators, {budget} 万元")
    return 0


def _write_all(folder: Path, files: dict[Path, str]) -> None:
    """Write every file beside its final name first, then move them into place together."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staged = []
        for path, content in files.items():
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.write_text(content, encoding="utf-8")
            staged.append((temporary, path))
        for temporary, path in staged:
            os.replace(temporary, path)
    except OSError as failure:
        raise ProblemsFound([Problem(str(folder), f"cannot write: {failure.strerror or failure}")]) from None


def run_goals_load(args: argparse.Namespace) -> int:
    """``goals load``: check the goal files and write them (all or nothing); print problems, then what changed.

    Large tables going into SQLite are read and checked in a second process while this
    one writes (:func:`kpitrack.io.intake.worth_forking`, from
    :data:`~kpitrack.io.intake.FORK_MIN_BYTES`); PostgreSQL, whose server already
    works beside this process, and smaller files take the one-process path.
    """
    fork = _is_sqlite(args.db) and intake.worth_forking(args.goals)
    with no_cycle_collection(), intake.checked_goals(args.goals, fork=fork) as goals, open_store(args.db) as store:
        report = store.load_goals(goals.projects)
    for problem in goals.problems:
        print(problem)
    for code, year in report.added:
        print(f"added      {code} ({year})")
    for revision in report.revised:
        print(f"revised    {revision}")
    for code, year in report.unchanged:
        print(f"unchanged  {code} ({year})")
    revised = len({(r.project, r.year) for r in report.revised})
    print(f"{len(report.added)} added, {revised} revised, {len(report.unchanged)} unchanged")
    return 0


def _is_sqlite(url: str | None) -> bool:
    try:
        return sa.engine.make_url(resolve_url(url)).get_backend_name() == "sqlite"
    except sa.exc.ArgumentError:  # open_store reports a bad URL
        return False
