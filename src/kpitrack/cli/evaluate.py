"""Scoring and monitoring from the command line: ``score``, ``status``, ``underperforming``, ``profile show``.

``score`` fills the year-end self-evaluation (项目支出绩效自评表) of each project,
``status`` shows the mid-year lights (双监控) at a cut-off (a month or quarter end), ``underperforming``
lists the projects that fall short with their reasons, and ``profile show`` prints
the rules in force.  Each parses its arguments, asks the API
(:class:`kpitrack.api.Workspace`) and prints what :mod:`kpitrack.report` lays out.
"""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation

import attrs

from kpitrack import limits, report
from kpitrack.api import parse_cut_off
from kpitrack.cli._options import add_db, add_format, add_profile, add_unit, load_profile, workspace
from kpitrack.cli._output import print_json_lines, print_texts
from kpitrack.problems import Problem, ProblemsFound


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    score = subparsers.add_parser(
        "score",
        help="the year-end self-evaluation (自评表): each project out of 100, with its grade",
        description="Score each project's year: budget execution, every indicator (weight, score, status, method "
        "and the arithmetic), the total and the grade (优/良/中/差).",
    )
    score.add_argument("--year", type=int, required=True)
    _common(score)
    score.set_defaults(handler=run_score)

    status = subparsers.add_parser(
        "status",
        help="mid-year monitoring (双监控): lights for money and indicators at a cut-off (a month or quarter end)",
        description="Per project at the cut-off: the budget light (execution against elapsed time, and against "
        "the release plan), a light per indicator, the expected year-end value and the project light (worst).",
    )
    status.add_argument(
        "--as-of", required=True, metavar="PERIOD", help="the cut-off: a month (2021-07 is 1-7月) or a quarter (2021Q2)"
    )
    _common(status)
    status.set_defaults(handler=run_status)

    under = subparsers.add_parser(
        "underperforming",
        help="the projects that fall short, worst first, with their reasons",
        description="Without --as-of: year end, projects whose total is below the cut-off, with missing data, or "
        "whose execution rate is below the floor. With --as-of: the red projects at that quarter, then yellow.",
    )
    under.add_argument("--year", type=int, required=True)
    under.add_argument("--as-of", metavar="PERIOD", help="a cut-off of --year (2021-07, 2021Q2) for the mid-year list")
    under.add_argument("--below", metavar="TOTAL", help="year-end cut-off (default from the profile: 80)")
    under.add_argument("--floor", metavar="RATE", help="year-end execution floor, e.g. 0.9 (default from the profile)")
    _common(under)
    under.set_defaults(handler=run_underperforming)

    profile = subparsers.add_parser("profile", help="the scoring profile (评分规则) in force")
    commands = profile.add_subparsers(dest="profile_command", metavar="COMMAND", required=True)
    show = commands.add_parser(
        "show",
        help="print the profile in force, with the source of each rule",
        description="Print the profile in force in the profile-file format; each rule says where it comes from.",
    )
    add_profile(show)
    show.set_defaults(handler=run_profile_show)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", action="append", metavar="ID", help="only this project (repeatable)")
    add_unit(parser)
    add_profile(parser)
    add_format(parser)
    add_db(parser)


def _decimal(option: str, text: str | None) -> Decimal | None:
    """The option's number: a cut-off total or rate, never negative."""
    if text is None:
        return None
    try:
        value = limits.number(Decimal(text), text)
    except InvalidOperation:
        raise ProblemsFound([Problem(option, f"{text!r} is not a number")]) from None
    except limits.OutOfBounds as beyond:
        raise ProblemsFound([Problem(option, str(beyond))]) from None
    if value < 0:
        raise ProblemsFound([Problem(option, f"{text!r} is negative")])
    return value


def run_score(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        if args.format == "json":
            print_json_lines(ws.score_json(args.year, units=args.unit, projects=args.project))
        else:
            scores = ws.score(args.year, units=args.unit, projects=args.project)
            explained = report.explained_by_project(ws.explanations(args.year, units=args.unit, projects=args.project))
            print_texts(report.render_score(score, explained.get(score.project.id, ())) for score in scores)
    return 0


def run_status(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        as_of = parse_cut_off(args.as_of, where="--as-of")
        if args.format == "json":
            print_json_lines(ws.status_json(as_of, units=args.unit, projects=args.project))
        else:
            statuses = ws.status(as_of, units=args.unit, projects=args.project)
            explained = report.explained_by_project(ws.explanations(as_of, units=args.unit, projects=args.project))
            print_texts(report.render_status(status, explained.get(status.project.id, ())) for status in statuses)
    return 0


def run_underperforming(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        profile = ws.profile
        below, floor = _decimal("--below", args.below), _decimal("--floor", args.floor)
        if below is not None:
            profile = attrs.evolve(profile, underperforming_below=below)
        if floor is not None:
            profile = attrs.evolve(profile, execution_floor=floor)
        as_of = None if args.as_of is None else parse_cut_off(args.as_of, where="--as-of", year=args.year)
        found = ws.underperforming(args.year, as_of, units=args.unit, projects=args.project, profile=profile)
    if args.format == "json":
        print_json_lines(report.underperformer_json(found))
    else:
        print(report.render_underperformers(found, report.underperforming_heading(args.year, as_of, profile)))
    return 0


def run_profile_show(args: argparse.Namespace) -> int:
    print(report.profile_text(load_profile(args.profile)))
    return 0
