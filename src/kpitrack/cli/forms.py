"""``kpitrack form``: the official forms as workbooks (自评表, 绩效运行监控表, 绩效目标表).

Asks the API for the records a form shows (scores, lights, explanations, goals) and
hands them to :mod:`kpitrack.io.forms`, which fills the form's layout.  A filled-in
copy comes back through ``kpitrack import``.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from kpitrack.api import Workspace, parse_cut_off
from kpitrack.cli._options import add_db, add_profile, add_unit, workspace
from kpitrack.explanations import Explanation, cutoff_missing, year_end_missing
from kpitrack.io import forms, layout
from kpitrack.periods import Period
from kpitrack.problems import Problem, ProblemsFound

__all__ = ["register"]

# The file name of each form in a per-unit folder (--split-by unit).
_FILE_NAMES = {"selfeval": "自评表", "monitor": "监控表", "goals": "目标表"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    form = subparsers.add_parser(
        "form",
        help="write an official form as a workbook: selfeval (自评表), monitor (监控表), goals (目标表)",
        description="Write one sheet per project in the official layout, after a summary sheet (汇总): "
        "selfeval is the 项目支出绩效自评表 of the year, monitor the 绩效运行监控表 at a cut-off (--as-of, "
        "default the year's second quarter), goals the 绩效目标表 as approved. Print-ready (A4 landscape). "
        "A unit's filled-in copy comes back with `kpitrack import`.",
    )
    form.add_argument("form", choices=layout.FORMS, metavar="FORM", help="selfeval | monitor | goals")
    form.add_argument("--year", type=int, required=True)
    form.add_argument("--as-of", metavar="PERIOD", help="the monitoring cut-off in --year: 2021-07 (1-7月) or 2021Q2")
    form.add_argument("--project", action="append", metavar="ID", help="only this project (repeatable)")
    add_unit(form)
    form.add_argument(
        "--out", type=Path, required=True, metavar="FILE.xlsx", help="the workbook (a folder with --split-by)"
    )
    form.add_argument("--split-by", choices=("unit",), help="one workbook per budget unit, in the folder --out")
    form.add_argument("--force", action="store_true", help="replace an existing workbook")
    form.add_argument("--layout", type=Path, metavar="FILE", help="a province's layout file instead of kpitrack's")
    add_profile(form)
    add_db(form)
    form.set_defaults(handler=run_form)


def run_form(args: argparse.Namespace) -> int:
    chosen = _layout(args.form, args.layout)
    as_of = _cut_off(args.form, args.year, args.as_of)
    with workspace(args) as ws:
        sheets = _sheets(ws, args.form, args.year, as_of, units=args.unit, projects=args.project)
    if not sheets:
        raise ProblemsFound([Problem("--year", f"no goals for {args.year} in the database")])
    for path, part in _workbooks(args, sheets):
        forms.write(path, chosen, part, year=args.year, as_of=as_of, force=args.force)
        print(f"wrote {path}: {len(part)} projects")
    return 0


def _layout(form: str, path: Path | None) -> layout.Layout:
    if path is None:
        return layout.builtin(form)
    chosen = layout.load(path, forms.FIELDS)
    if chosen.form != form:
        raise ProblemsFound([Problem(f"{path}: form", f"is a layout of {chosen.form!r}, not of {form!r}")])
    return chosen


def _cut_off(form: str, year: int, as_of: str | None) -> Period:
    """The cut-off: --as-of for the monitoring form (default Q2), the year end for the others."""
    if as_of is not None:
        return parse_cut_off(as_of, where="--as-of", year=year)
    return Period.quarter(year, 2 if form == "monitor" else 4)


def _sheets(
    ws: Workspace,
    form: str,
    year: int,
    as_of: Period,
    *,
    units: Sequence[str] | None,
    projects: Sequence[str] | None,
) -> list[forms.FormSheet]:
    """Each chosen project's records for ``form``, in id order."""
    if form == "goals":
        return [forms.FormSheet(project) for project in ws.projects(year, units=units, projects=projects)]
    statuses = {s.project.id: s for s in ws.status(as_of, units=units, projects=projects)}
    if form == "monitor":
        explained = _by_project(ws.explanations(as_of, units=units, projects=projects))
        return [
            forms.FormSheet(
                status.project,
                status=status,
                explained=explained.get(key, {}),
                missing=cutoff_missing(status, explained.get(key, {})),
            )
            for key, status in statuses.items()
        ]
    explained = _by_project(ws.explanations(year, units=units, projects=projects))
    return [
        forms.FormSheet(
            score.project,
            score=score,
            status=statuses.get(score.project.id),
            explained=explained.get(score.project.id, {}),
            missing=year_end_missing(score, explained.get(score.project.id, {})),
        )
        for score in ws.score(year, units=units, projects=projects)
    ]


def _by_project(found: Sequence[Explanation]) -> dict[str, dict[str, Explanation]]:
    by_project: dict[str, dict[str, Explanation]] = defaultdict(dict)
    for explanation in found:
        by_project[explanation.project][explanation.indicator] = explanation
    return by_project


def _workbooks(args: argparse.Namespace, sheets: list[forms.FormSheet]) -> list[tuple[Path, list[forms.FormSheet]]]:
    """One workbook at --out, or with --split-by unit one per budget unit in the folder --out."""
    if args.split_by is None:
        return [(args.out, sheets)]
    if args.out.exists() and not args.out.is_dir():
        raise ProblemsFound([Problem(str(args.out), "is a file; --split-by unit writes into a folder")])
    args.out.mkdir(parents=True, exist_ok=True)
    by_unit: dict[str, list[forms.FormSheet]] = defaultdict(list)
    for sheet in sheets:
        by_unit[sheet.project.unit].append(sheet)
    name = _FILE_NAMES[args.form]
    return [(args.out / f"{_file_safe(unit)}-{name}.xlsx", part) for unit, part in sorted(by_unit.items())]


def _file_safe(text: str) -> str:
    """A unit's name as a file name: path separators and characters Windows refuses become ``_``."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("._") or "unit"
