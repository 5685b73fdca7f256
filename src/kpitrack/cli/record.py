"""Recording the year from the command line (记录): goals in, values and money in, history out.

Commands: ``goals load``, ``record``, ``spend``, ``import``, ``template``,
``history`` and ``actuals``.  Each takes ``--db URL`` (default: ``$KPITRACK_DB``,
else ``kpitrack.db`` here).  Bad input is printed as ``where: message`` lines and
exits 1, with nothing written.
"""

from __future__ import annotations

import argparse
import getpass
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tabulate import tabulate

from kpitrack.cli._options import add_db, add_format, add_profile, add_unit, chosen_projects, load_profile
from kpitrack.cli._output import dump_json, json_number
from kpitrack.io.tables import ACTUALS_COLUMNS, SPENDING_COLUMNS, read_tables, write_template
from kpitrack.periods import InvalidPeriod, Quarter
from kpitrack.problems import Problem, ProblemsFound
from kpitrack.readings import Reading
from kpitrack.store import ActualRow, ImportResult, SpendingRow, WriteSummary, open_store
from kpitrack.thresholds import format_decimal

_IMPORT_HELP = f"""\
The file says what it holds by its header row (column order, case and extra columns do not matter):
  actuals:  {", ".join(ACTUALS_COLUMNS)}   (note optional)
  spending: {", ".join(SPENDING_COLUMNS)}   (note optional; amounts in 万元)
A CSV file is one table; an XLSX workbook may hold one per sheet (as `kpitrack template` writes it).
Rows with a blank value or amount are skipped. The whole file is checked first: if any row is bad,
nothing is imported and every bad row is reported. Importing the same file twice adds nothing."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    record = subparsers.add_parser(
        "record",
        help="record an indicator's actual value for a quarter (实际完成值)",
        description="Record a value: a number in the indicator's unit (3000, 85%%), a grade for a qualitative "
        "or trend target (达成 / 部分达成 70 / 未达成), a completion date or month for a deadline (2021-11-30, "
        "2021-11), or 不适用. A value for a quarter that already has one supersedes it.",
    )
    record.add_argument("project", metavar="PROJECT", help="project id or exact name")
    record.add_argument("indicator", metavar="INDICATOR", help="indicator id or exact name")
    record.add_argument("value", metavar="VALUE")
    _period(record, required=True)
    _who(record)
    record.set_defaults(handler=run_record)

    spend = subparsers.add_parser(
        "spend",
        help="record money spent by a project in a quarter (资金执行, 万元)",
        description="Record money spent in a quarter, in 万元. A second amount for the same quarter supersedes it.",
    )
    spend.add_argument("project", metavar="PROJECT", help="project id or exact name")
    spend.add_argument("amount", metavar="AMOUNT", help="万元, e.g. 12.5")
    _period(spend, required=True)
    _who(spend)
    spend.set_defaults(handler=run_spend)

    importer = subparsers.add_parser(
        "import",
        help="import actuals or spending from a CSV or XLSX file",
        description=_IMPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importer.add_argument("file", type=Path, metavar="FILE")
    importer.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    importer.add_argument("--by", default=None, help="who reports (default: the OS user)")
    add_profile(importer)
    add_db(importer)
    importer.set_defaults(handler=run_import)

    template = subparsers.add_parser(
        "template",
        help="write a fill-in XLSX workbook for a quarter (one row per indicator, and spending)",
        description="Write a workbook with an actuals sheet (one row per indicator, target and unit shown, the "
        "value cell empty) and a spending sheet, for units to fill in; `kpitrack import` reads it back. "
        "More indicators than a sheet holds (1,048,575) continue on sheets 'actuals 2', ….",
    )
    _period(template, required=True)
    template.add_argument("--project", action="append", metavar="PROJECT", help="only this project (repeatable)")
    add_unit(template)
    template.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx")
    add_db(template)
    template.set_defaults(handler=run_template)

    history = subparsers.add_parser(
        "history",
        help="every recorded version of a project's values, with who, when and why",
        description="Show every version recorded for a project (or one indicator), superseded ones marked, "
        "and the project's goal revisions.",
    )
    history.add_argument("project", metavar="PROJECT", help="project id or exact name")
    history.add_argument("indicator", nargs="?", metavar="INDICATOR", help="indicator id or exact name")
    history.add_argument("--year", type=int, help="the goals' year (default: the latest)")
    add_format(history)
    add_db(history)
    history.set_defaults(handler=run_history)

    actuals = subparsers.add_parser(
        "actuals",
        help="a project's quarterly values and year to date beside the targets",
        description="Per indicator: the quarterly values, the year to date as the indicator combines them "
        "(sum for flows, latest for levels) and the target; then the money spent.",
    )
    actuals.add_argument("project", metavar="PROJECT", help="project id or exact name")
    _period(actuals, required=False, help_text="up to this quarter (default: the whole latest year)")
    add_format(actuals)
    add_db(actuals)
    actuals.set_defaults(handler=run_actuals)


def _period(parser: argparse.ArgumentParser, *, required: bool, help_text: str = "the quarter, e.g. 2021Q3") -> None:
    parser.add_argument("--period", required=required, metavar="QUARTER", help=help_text)


def _who(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--note", default="", help="why: the source, or the reason for a correction")
    parser.add_argument("--by", default=None, help="who records it (default: the OS user)")
    add_profile(parser)  # its grade bands decide which scores a grade may carry
    add_db(parser)


def _user(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in a bare container
        return "unknown"


def _quarter(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except InvalidPeriod as invalid:
        raise ProblemsFound([Problem("--period", f"{text!r}: {invalid.reason}")]) from None


def _summary(name: str, summary: WriteSummary) -> str:
    superseding = f"{summary.superseded} superseding earlier values"
    return f"{name}: {summary.added} recorded ({superseding}), {summary.unchanged} unchanged"


def _check(result: ImportResult) -> ImportResult:
    if result.problems:
        raise ProblemsFound(result.problems)
    return result


# -- handlers ------------------------------------------------------------------


def run_record(args: argparse.Namespace) -> int:
    quarter = _quarter(args.period)
    row = ActualRow("", 0, args.project.strip(), args.indicator.strip(), str(quarter), args.value, args.note)
    bands = load_profile(args.profile).grade_bands
    with open_store(args.db) as store:
        result = _check(store.record_rows([row], by=_user(args.by), bands=bands))
    what = f"{args.project}/{args.indicator} {quarter}"
    if result.actuals.unchanged:
        print(f"{what}: unchanged (the same value is already recorded)")
    elif result.actuals.superseded:
        print(f"{what}: recorded {args.value} (supersedes the earlier value)")
    else:
        print(f"{what}: recorded {args.value}")
    return 0


def run_spend(args: argparse.Namespace) -> int:
    quarter = _quarter(args.period)
    row = SpendingRow("", 0, args.project.strip(), str(quarter), args.amount, args.note)
    bands = load_profile(args.profile).grade_bands
    with open_store(args.db) as store:
        result = _check(store.record_rows(spending_rows=[row], by=_user(args.by), bands=bands))
    what = f"{args.project} {quarter} spent"
    if result.spending.unchanged:
        print(f"{what}: unchanged (the same amount is already recorded)")
    else:
        note = " (supersedes the earlier amount)" if result.spending.superseded else ""
        print(f"{what}: {args.amount} 万元{note}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    tables, problems = read_tables(args.file)
    if problems:
        raise ProblemsFound(problems)
    actual_rows = itertools.chain.from_iterable(table.actuals for table in tables)  # streamed, not held
    spending_rows = itertools.chain.from_iterable(table.spending for table in tables)
    bands, by = load_profile(args.profile).grade_bands, _user(args.by)
    with open_store(args.db) as store:
        result = _check(store.record_rows(actual_rows, spending_rows, by=by, bands=bands, dry_run=args.dry_run))
    print(_summary("actuals", result.actuals))
    print(_summary("spending", result.spending))
    if result.dry_run:
        print("dry run: nothing written")
    return 0


def run_template(args: argparse.Namespace) -> int:
    quarter = _quarter(args.period)
    with open_store(args.db) as store:
        named = [store.find_project(key, quarter.year).id for key in args.project or ()]  # by id or name
        projects = store.projects(quarter.year, chosen_projects(store, quarter.year, named, args.unit))
    if not projects:
        raise ProblemsFound([Problem("--period", f"no goals for {quarter.year} in the database")])
    written = write_template(args.out, quarter, projects)
    sheets = f" (actuals on {len(written.actual_sheets)} sheets)" if len(written.actual_sheets) > 1 else ""
    print(f"wrote {args.out}: {written.indicators} indicators of {written.projects} projects for {quarter}{sheets}")
    return 0


def run_history(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        project = store.find_project(args.project, args.year)
        indicator = None
        if args.indicator is not None:
            found = project.indicator(args.indicator)
            if found is None:
                raise ProblemsFound(
                    [Problem(args.indicator, f"project {project.id} has no indicator with this id or name")]
                )
            indicator = found.id
        entries = store.history(project, indicator)
        revisions = [
            r for r in store.revisions(project.id, project.year) if indicator is None or r.indicator == indicator
        ]
    if args.format == "json":
        dump_json(
            {
                "project": project.id,
                "year": project.year,
                "versions": [
                    {
                        "indicator": e.indicator,
                        "period": str(e.period),
                        "value": e.text,
                        "note": e.note,
                        "recorded_by": e.recorded_by,
                        "recorded_at": e.recorded_at,
                        "current": e.current,
                    }
                    for e in entries
                ],
                "revisions": [
                    {
                        "indicator": r.indicator,
                        "field": r.field,
                        "old": r.old,
                        "new": r.new,
                        "date": r.revised_on.isoformat(),
                    }
                    for r in revisions
                ],
            }
        )
        return 0
    print(f"{project.id} {project.name} ({project.year})")
    rows = [
        (
            e.indicator or "spent",
            str(e.period),
            e.text,
            "" if e.current else "superseded",
            e.recorded_by,
            e.recorded_at[:19].replace("T", " "),
            e.note,
        )
        for e in entries
    ]
    print(
        tabulate(rows, headers=["indicator", "period", "value", "state", "by", "at (UTC)", "note"])
        if rows
        else "nothing recorded"
    )
    if revisions:
        print("\ngoal revisions (目标调整):")
        for revision in revisions:
            print(f"  {revision}")
    return 0


def _reading_json(reading: Reading | None) -> dict[str, Any] | None:
    if reading is None:
        return None
    return {
        "text": str(reading),
        "kind": reading.kind.value,
        "value": json_number(reading.number),
        "unit": reading.unit,
        "grade": reading.grade.value if reading.grade is not None else None,
        "score": json_number(reading.score),
        "date": reading.date.isoformat() if reading.date is not None else None,
    }


def run_actuals(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        if args.period:
            quarter = _quarter(args.period)
            project = store.find_project(args.project, quarter.year)
        else:
            project = store.find_project(args.project)
            quarter = Quarter(project.year, 4)
        view = store.actuals(project, quarter)
    quarters = quarter.quarters_to_date()
    if args.format == "json":
        dump_json(
            {
                "project": project.id,
                "name": project.name,
                "year": project.year,
                "as_of": str(quarter),
                "indicators": [
                    {
                        "id": row.indicator.id,
                        "name": row.indicator.name,
                        "level1": row.indicator.level1,
                        "level2": row.indicator.level2,
                        "target": str(row.indicator.target),
                        "unit": row.indicator.unit,
                        "aggregate": row.indicator.aggregate.value,
                        "quarters": {str(q): _reading_json(row.quarters.get(q)) for q in quarters},
                        "to_date": _reading_json(row.to_date),
                    }
                    for row in view.indicators
                ],
                "spending": {str(q): json_number(view.spending.get(q)) for q in quarters},
                "spent": json_number(view.spent),
                "budget": json_number(project.budget),
            }
        )
        return 0
    print(f"{project.id} {project.name} ({project.year}), to {quarter}")
    headers = ["indicator", "name", *(f"Q{q.number}" for q in quarters), "to date", "target", "how"]
    rows: list[Sequence[str]] = []
    for row in view.indicators:
        values = [str(row.quarters[q]) if q in row.quarters else "" for q in quarters]
        to_date = str(row.to_date) if row.to_date is not None else "—"
        rows.append(
            [
                row.indicator.id,
                _short(row.indicator.name),
                *values,
                to_date,
                str(row.indicator.target),
                row.indicator.aggregate.value,
            ]
        )
    spent = [format_decimal(view.spending[q]) if q in view.spending else "" for q in quarters]
    rows.append(
        [
            "spent",
            "资金执行 (万元)",
            *spent,
            format_decimal(view.spent),
            f"budget {format_decimal(project.budget)}",
            "sum",
        ]
    )
    print(tabulate(rows, headers=headers, disable_numparse=True))
    return 0


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


__all__ = ["register"]
