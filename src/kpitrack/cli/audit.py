"""``kpitrack audit``: 复核 of filled-in self-evaluation tables (项目支出绩效自评表).

Reads the tables (flat or official layout, CSV or XLSX), re-scores every row, the
budget line and the total by the profile's rules through the API
(:func:`kpitrack.api.audit_files`), and prints what :mod:`kpitrack.report` lays out;
``--out`` writes the annotated workbook (:func:`kpitrack.io.selfeval.write_report`).
"""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kpitrack import api, report
from kpitrack.audit import DEFAULT_TOLERANCE, FLAGS
from kpitrack.cli._options import add_format, add_profile
from kpitrack.cli._output import print_json_lines, print_problems
from kpitrack.io import forms, layout
from kpitrack.io.selfeval import write_report
from kpitrack.problems import Problem, ProblemsFound

_EPILOG = f"""\
Flags: {", ".join(FLAGS)}.
Exit code: 0 when every table is consistent; 1 when any table has a flag or a file could not be read
(the files that could be read are still audited and reported); 2 for a usage error."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="复核: re-score filled-in self-evaluation tables (自评表) and flag what breaks the rules",
        description=(
            "Read filled-in 自评表, the flat table\n"
            "  项目, 一级指标, 二级指标, 三级指标, 年度指标值, 实际完成值, 分值, 得分[, 偏差原因分析及改进措施]\n"
            "or the official workbook layout (CSV or XLSX). Re-score every row, the budget line and\n"
            "the total by the profile's rules; report each row's published and expected score and flags."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="a .csv or .xlsx file, or a folder")
    add_profile(parser)
    parser.add_argument(
        "--tolerance",
        default=str(DEFAULT_TOLERANCE),
        metavar="POINTS",
        help=f"a published score this close to the rules' is consistent (default {DEFAULT_TOLERANCE})",
    )
    add_format(parser)
    parser.add_argument(
        "--layout",
        type=Path,
        action="append",
        metavar="FILE",
        help="a province's 自评表 layout (as `form --layout`): its column headers are read too (repeatable)",
    )
    parser.add_argument("--out", type=Path, metavar="REPORT.xlsx", help="write the rows with the rules' scores")
    parser.add_argument("--force", action="store_true", help="replace an existing --out file")
    parser.set_defaults(handler=run)


def _tolerance(text: str) -> Decimal:
    """--tolerance as exact points: a number, 0 or more."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise ProblemsFound([Problem("--tolerance", f"{text!r} is not a number of points (0 or more)")])
    return value


def run(args: argparse.Namespace) -> int:
    """Audit the files; print the tables (or JSON) and any file that could not be read; exit 1 on any flag."""
    tolerance = _tolerance(args.tolerance)
    if args.out is not None and args.out.exists() and not args.force:
        raise ProblemsFound([Problem(str(args.out), "already exists; give --force to replace it")])
    layouts = [layout.load(path, forms.FIELDS) for path in args.layout or ()]
    audited = api.audit_files(args.files, args.profile, tolerance=tolerance, layouts=layouts)
    print_problems(audited.problems)
    if args.format == "json":
        print_json_lines(report.audit_json(audited.tables))
    else:
        print(report.render_audit(audited.tables, audited.summary))
    if args.out is not None:
        problem = write_report(args.out, report.audit_order(audited.tables), force=args.force)
        if problem is not None:
            raise ProblemsFound([problem])
    return 0 if audited.ok else 1
