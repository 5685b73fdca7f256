"""How the commands print: problems one per line, JSON arrays streamed one item per line, blocks of text."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from kpitrack import report
from kpitrack.problems import Problem

__all__ = ["dump_json", "print_json_lines", "print_problems", "print_texts"]


def dump_json(payload: Any, *, lines: bool = False) -> None:
    """Print JSON (UTF-8, Chinese left readable); with ``lines``, one object per line."""
    if lines:
        for item in payload:
            print(json.dumps(item, ensure_ascii=False))
    else:
        print(json.dumps(payload, ensure_ascii=False, indent=2))


def print_json_lines(texts: Iterable[str]) -> None:
    """A JSON array of the objects' texts, one per line, printed as they come: memory stays flat."""
    sys.stdout.writelines(report.json_array(texts))


def print_texts(texts: Iterable[str]) -> None:
    """Blocks of text separated by an empty line, printed as they come."""
    write = sys.stdout.write
    before = ""
    for text in texts:
        write(before)
        write(text)
        before = "\n\n"
    if before:
        write("\n")


def print_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
