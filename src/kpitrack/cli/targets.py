"""``kpitrack parse-target``: the target language (指标值) for people and scripts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from kpitrack import report
from kpitrack.cli._options import add_format
from kpitrack.cli._output import dump_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "parse-target",
        help="parse target strings (指标值) and show their kind, operator, value and unit",
        description="Parse target strings. Give them as arguments, or '-' to read one per line from stdin.",
    )
    parser.add_argument(
        "targets", nargs="+", metavar="TARGET", help="a target such as ≥90%% or 1500家; '-' reads stdin"
    )
    parser.add_argument("--category", help="the indicator's level-2 category (e.g. 成本指标): decides bare numbers")
    parser.add_argument(
        "--name",
        default="",
        help="the indicator's name (e.g. 完成时限（月）): the unit in its brackets is read for a bare duration",
    )
    add_format(parser)
    parser.set_defaults(handler=run)


def _texts(arguments: list[str]) -> Iterator[str]:
    for argument in arguments:
        if argument == "-":
            yield from (line.rstrip("\n") for line in sys.stdin if line.strip())
        else:
            yield argument


def run(args: argparse.Namespace) -> int:
    records = [report.target_record(text, args.category, args.name) for text in _texts(args.targets)]
    if args.format == "json":
        dump_json(records, lines=True)
    else:
        print(report.render_targets(records))
    return 1 if any("error" in r for r in records) else 0
