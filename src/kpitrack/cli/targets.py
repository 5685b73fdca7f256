"""``kpitrack parse-target``: the target language (指标值) for people and scripts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

from tabulate import tabulate

from kpitrack import thresholds
from kpitrack.cli._options import add_format
from kpitrack.cli._output import dump_json
from kpitrack.model import unit_from_name
from kpitrack.numbers import json_number


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


def describe(text: str, category: str | None, name: str = "") -> dict[str, Any]:
    """One target as a JSON-ready record, or its error.

    ``inferred`` lists what the reading took from elsewhere than the text's own
    signs (a direction from the category, a unit from the name, a number from a
    sentence), for the user to confirm; it is empty when the text says it all.
    """
    try:
        parsed = thresholds.parse(text, category, name_unit=unit_from_name(name))
    except thresholds.InvalidThreshold as invalid:
        return {"text": text, "error": str(invalid)}
    record: dict[str, Any] = {
        "text": text,
        "kind": parsed.kind.value,
        "op": parsed.op.value if parsed.op else None,
        "value": json_number(parsed.value),
        "unit": parsed.unit,
        "canonical": str(parsed),
    }
    if parsed.kind is thresholds.Kind.RANGE:
        record["upper"] = json_number(parsed.upper)
    if parsed.kind is thresholds.Kind.DEADLINE:
        record.update(year=parsed.year, start_month=parsed.start_month, end_month=parsed.end_month, day=parsed.day)
    if parsed.kind is thresholds.Kind.TREND:
        record["direction"] = "down" if parsed.downward else "up"
    if not parsed.explicit:
        record["inferred_op"] = True
    record["inferred"] = list(parsed.inferred)
    return record


def run(args: argparse.Namespace) -> int:
    records = [describe(text, args.category, args.name) for text in _texts(args.targets)]
    if args.format == "json":
        dump_json(records, lines=True)
    else:
        rows = [
            (
                r["text"],
                r.get("kind", "ERROR"),
                r.get("op") or "",
                r.get("value", ""),
                r.get("unit", ""),
                r.get("canonical") or r["error"],
                "; ".join(r.get("inferred", ())),
            )
            for r in records
        ]
        print(tabulate(rows, headers=["target", "kind", "op", "value", "unit", "canonical / error", "inferred"]))
    return 1 if any("error" in r for r in records) else 0
