"""Shared output helpers for the commands: JSON with exact decimals shown as numbers."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kpitrack.problems import Problem

__all__ = ["dump_json", "json_number", "print_problems", "rounded"]

TWO_PLACES = Decimal("0.01")


def rounded(value: Decimal) -> Decimal:
    """Round half up to two decimals for display (the computation stays exact)."""
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def json_number(value: Decimal | None, *, places: bool = False) -> int | float | None:
    """A Decimal as a JSON number: an int when integral, else the shortest float that prints it.

    Only for output: floats never take part in a computation.
    """
    if value is None:
        return None
    if places:
        value = rounded(value)
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def dump_json(payload: Any, *, lines: bool = False) -> None:
    """Print JSON (UTF-8, Chinese left readable); with ``lines``, one object per line."""
    if lines:
        for item in payload:
            print(json.dumps(item, ensure_ascii=False))
    else:
        print(json.dumps(payload, ensure_ascii=False, indent=2))


def print_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
