"""Recording the year from the command line (记录): goals in, values and money in, history out.

Commands: ``goals load``, ``record``, ``spend``, ``import``, ``template``,
``history`` and ``actuals``.  Each takes ``--db URL`` (default: ``$KPITRACK_DB``,
else ``kpitrack.db`` here).  Bad input is printed as ``where: message`` lines and
exits 1, with nothing written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kpitrack import report
from kpitrack.api import parse_period
from kpitrack.cli._options import add_db, add_format, add_profile, add_unit, workspace
from kpitrack.cli._output import dump_json
from kpitrack.explanations import BUDGET
from kpitrack.io import forms, layout
from kpitrack.io.output import check_writable, replacing
from kpitrack.io.tables import ACTUALS_COLUMNS, EXPLANATION_COLUMNS, SPENDING_COLUMNS, write_template
from kpitrack.problems import Problem, ProblemsFound

_IMPORT_HELP = f"""\
The file says what it holds by its header row (column order, case and extra columns do not matter):
  actuals:  {", ".join(ACTUALS_COLUMNS)}   (note optional)
  spending: {", ".join(SPENDING_COLUMNS)}   (note optional; amounts in 万元)
An actuals table may carry explanations: {", ".join(EXPLANATION_COLUMNS)} (period 2021: the year end's
偏差原因分析及改进措施; a quarter or month: that cut-off's cause, likelihood and 纠偏措施). On a spending table, or
an actuals row naming the indicator {BUDGET} with a blank value, they explain the budget row (项目资金).
A CSV file is one table; an XLSX workbook may hold one per sheet (as `kpitrack template` writes it).
A workbook of `kpitrack form selfeval|monitor` is read as that form: what a unit filled in (实际完成值,
1-N月执行情况, the explanations) is imported, every bad cell located as sheet!cell.
Rows with a blank value or amount are skipped. The whole file is checked first: if any row is bad,
nothing is imported and every bad row is reported. Importing the same file twice adds nothing."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    record = subparsers.add_parser(
        "record",
        help="record an indicator's actual value for a period: a quarter, month or half year (实际完成值)",
        description="Record a value: a number in the indicator's unit (3000, 85%%), a grade for a qualitative "
        "or trend target (达成 / 部分达成 70 / 未达成), a completion date or month for a deadline (2021-11-30, "
        "2021-11), or 不适用. A value for a period that already has one supersedes it; a period that overlaps "
        "another recorded (2021Q3 over 2021-07) is refused.",
    )
    record.add_argument("project", metavar="PROJECT", help="project id or exact name")
    record.add_argument("indicator", metavar="INDICATOR", help="indicator id or exact name")
    record.add_argument("value", metavar="VALUE")
    _period(record, required=True)
    _who(record)
    record.set_defaults(handler=run_record)

    spend = subparsers.add_parser(
        "spend",
        help="record money spent by a project in a period (资金执行, 万元)",
        description="Record money spent in a quarter, month or half year, in 万元. A second amount for the same "
        "period supersedes it.",
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
    importer.add_argument(
        "--layout",
        type=Path,
        action="append",
        metavar="FILE",
        help="a province's form layout (repeatable)",
    )
    add_profile(importer)
    add_db(importer)
    importer.set_defaults(handler=run_import)

    template = subparsers.add_parser(
        "template",
        help="write a fill-in XLSX workbook for a period (one row per indicator, and spending)",
        description="Write a workbook with an actuals sheet (one row per indicator, target and unit shown, the "
        "value cell empty) and a spending sheet, for units to fill in, each row with the explanation columns "
        "偏差原因, 原因类别, 完成可能性, 纠偏措施 (on a spending row: the budget's); `kpitrack import` reads it back. "
        "More indicators than a sheet holds (1,048,575) continue on sheets 'actuals 2', ….",
    )
    _period(template, required=True)
    template.add_argument("--project", action="append", metavar="PROJECT", help="only this project (repeatable)")
    add_unit(template)
    template.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx")
    template.add_argument("--force", action="store_true", help="replace --out if it exists")
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
        help="a project's values by period and year to date beside the targets",
        description="Per indicator: the values of each period, the year to date as the indicator combines them "
        "(sum for flows, latest for levels) and the target; then the money spent.",
    )
    actuals.add_argument("project", metavar="PROJECT", help="project id or exact name")
    _period(actuals, required=False, help_text="up to this period's end (default: the whole latest year)")
    add_format(actuals)
    add_db(actuals)
    actuals.set_defaults(handler=run_actuals)


_PERIOD = "a quarter (2021Q3), a month (2021-07) or a half year (2021H1); periods of one value must not overlap"


def _period(parser: argparse.ArgumentParser, *, required: bool, help_text: str = _PERIOD) -> None:
    parser.add_argument("--period", required=required, metavar="PERIOD", help=help_text)


def _who(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--note", default="", help="why: the source, or the reason for a correction")
    parser.add_argument("--by", default=None, help="who records it (default: the OS user)")
    add_profile(parser)  # its grade bands decide which scores a grade may carry
    add_db(parser)


# -- handlers ------------------------------------------------------------------


def run_record(args: argparse.Namespace) -> int:
    period = parse_period(args.period, where="--period")
    with workspace(args) as ws:
        result = ws.record(args.project, args.indicator, args.value, period=period, note=args.note, by=args.by)
    print(report.recorded_text(f"{args.project}/{args.indicator} {period}", args.value, result.actuals))
    return 0


def run_spend(args: argparse.Namespace) -> int:
    period = parse_period(args.period, where="--period")
    with workspace(args) as ws:
        result = ws.spend(args.project, args.amount, period=period, note=args.note, by=args.by)
    print(report.recorded_text(f"{args.project} {period} spent", f"{args.amount} 万元", result.spending))
    return 0


def run_import(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        layouts = [layout.load(path, forms.FIELDS) for path in args.layout or ()]
        result = ws.import_values([args.file], dry_run=args.dry_run, by=args.by, layouts=layouts)
    print(report.render_import(result))
    return 0


def run_template(args: argparse.Namespace) -> int:
    check_writable(args.out, force=args.force)  # before the work, not after it
    with workspace(args) as ws:
        period = parse_period(args.period, where="--period")
        projects = ws.projects(period.year, units=args.unit, projects=args.project)
    if not projects:
        raise ProblemsFound([Problem("--period", f"no goals for {period.year} in the database")])
    with replacing(args.out, force=args.force) as temporary:
        written = write_template(temporary, period, projects)
    sheets = f" (actuals on {len(written.actual_sheets)} sheets)" if len(written.actual_sheets) > 1 else ""
    print(f"wrote {args.out}: {written.indicators} indicators of {written.projects} projects for {period}{sheets}")
    return 0


def run_history(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        history = ws.history(args.project, args.indicator, year=args.year)
    if args.format == "json":
        dump_json(report.history_record(history))
    else:
        print(report.render_history(history))
    return 0


def run_actuals(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        period = None if args.period is None else parse_period(args.period, where="--period")
        view = ws.actuals(args.project, period)
    if args.format == "json":
        dump_json(report.actuals_record(view))
    else:
        print(report.render_actuals(view))
    return 0


__all__ = ["register"]
