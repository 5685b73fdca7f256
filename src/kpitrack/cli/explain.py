"""``kpitrack explain``: write an indicator's explanation (情况说明) for the year end or a cut-off.

The 自评表 asks for a 偏差原因分析及改进措施 beside every indicator that scores below
its weight or is flagged (``--year``); the 绩效运行监控表 asks, for every red or yellow
indicator at a cut-off (``--as-of``), the cause with its category, the likelihood of
meeting the target and the 纠偏 measures.  ``score`` and ``status`` list the ones missing.
The indicator ``预算执行`` (or 资金执行, 项目资金) names the budget row (项目资金), which a
cut-off asks to explain too when its light is red or yellow.
"""

from __future__ import annotations

import argparse

from kpitrack.cli._options import add_db, workspace
from kpitrack.explanations import BUDGET, Cause, Likelihood

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    explain = subparsers.add_parser(
        "explain",
        help="explain an indicator's deviation (偏差原因) for the year end or a cut-off",
        description="Write the 偏差原因分析及改进措施 of an indicator for the year end (--year), or the cause of "
        f"its deviation at a cut-off (--as-of) with its category, likelihood and 纠偏 measures. {BUDGET} as the "
        "indicator explains the budget row instead. A second explanation supersedes the first; `kpitrack score` "
        "and `status` list the ones still missing.",
    )
    explain.add_argument("project", metavar="PROJECT", help="project id or exact name")
    explain.add_argument(
        "indicator", metavar="INDICATOR", help=f"indicator id or exact name, or {BUDGET} for the budget row (项目资金)"
    )
    explain.add_argument("text", metavar="TEXT", help="偏差原因分析及改进措施 (year end) or the cause's text")
    period = explain.add_mutually_exclusive_group(required=True)
    period.add_argument("--year", type=int, help="the year end's 自评表")
    period.add_argument(
        "--as-of", metavar="PERIOD", help="a monitoring cut-off: a month (2021-07) or a quarter (2021Q2)"
    )
    explain.add_argument("--cause", help=f"the cause category: {' / '.join(c.value for c in Cause)}")
    explain.add_argument("--likelihood", help=f"of meeting the target: {' / '.join(x.value for x in Likelihood)}")
    explain.add_argument("--measures", help="纠偏措施: what the unit will do")
    explain.add_argument("--by", default=None, help="who writes it (default: the OS user)")
    add_db(explain)
    explain.set_defaults(handler=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    period = str(args.year) if args.year is not None else args.as_of
    with workspace(args) as ws:
        result = ws.explain(
            args.project,
            args.indicator,
            args.text,
            year=args.year,
            as_of=args.as_of,
            cause=args.cause,
            likelihood=args.likelihood,
            measures=args.measures,
            by=args.by,
        )
    summary = result.explanations
    what = f"{args.project}/{args.indicator} {period}"
    if summary.unchanged:
        print(f"{what}: unchanged (the same explanation is already recorded)")
    else:
        print(f"{what}: explained" + (" (supersedes the earlier explanation)" if summary.superseded else ""))
    return 0
