"""TOML as kpitrack's files take it (goal files, profiles): numbers as exact Decimals, syntax errors located.

One reader for every TOML file, so that ``3.7`` is never a float and a syntax error
names the file, line and column the same way everywhere.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from typing import Any

from kpitrack.problems import Problem

__all__ = ["parse"]


def parse(text: str, where: str) -> tuple[dict[str, Any] | None, Problem | None]:
    """The TOML document's tables (floats read as Decimal), or None and the located syntax problem."""
    try:
        return tomllib.loads(text, parse_float=Decimal), None
    except tomllib.TOMLDecodeError as invalid:
        return None, _syntax_problem(where, invalid)


def _syntax_problem(where: str, invalid: tomllib.TOMLDecodeError) -> Problem:
    message = str(invalid)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match is None:
        return Problem(where, f"not valid TOML: {message}")
    reason = message[: match.start()]
    return Problem(f"{where}:{match.group(1)}", f"not valid TOML: {reason} (column {match.group(2)})")
