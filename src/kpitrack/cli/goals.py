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
from decimal import Decimal
from pathlib import Path

from kpitrack import report
from kpitrack.api import check_goals
from kpitrack.cli._memory import no_cycle_collection
from kpitrack.cli._options import add_db, add_format, add_profile, load_profile, workspace
from kpitrack.cli._output import dump_json, print_problems
from kpitrack.io import disclosure, goalfile
from kpitrack.io.textfile import read_text
from kpitrack.problems import Problem, ProblemsFound, Severity, has_errors
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
    importer.add_argument("file", type=Path, metavar="FILE", help="the disclosure as text (UTF-8 or GBK)")
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
    add_profile(load)  # its tiers judge the indicator weights, as in `check`
    add_db(load)
    load.set_defaults(handler=run_goals_load)


def run_check(args: argparse.Namespace) -> int:
    checked = check_goals(args.goals, load_profile(args.profile))
    if args.format == "json":
        dump_json(report.check_record(checked))
    else:
        print(report.render_check(checked))
    return 0 if checked.ok else 1


def run_import(args: argparse.Namespace) -> int:
    if not goalfile.PROJECT_ID.match(f"{args.prefix}01"):
        raise ProblemsFound([Problem("--prefix", f"{args.prefix!r} does not make valid project ids")])
    try:
        text = read_text(args.file)  # UTF-8, or GBK as saved on Chinese Windows
    except OSError as failure:
        raise ProblemsFound([Problem(str(args.file), f"cannot read the file: {failure.strerror or failure}")]) from None
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
    """``goals load``: check the goal files and write them (all or nothing); print problems, then what changed."""
    with no_cycle_collection(), workspace(args) as ws:
        loaded = ws.load_goals(args.goals)
    print(report.render_goals_loaded(loaded))
    return 0
