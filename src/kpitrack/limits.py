"""What input may hold (输入的界限): numbers, years and texts beyond which a value means nothing.

Every reader turns text into numbers, years and names in its own way, but all of
them end here: a number read from a target, a value, an amount, a weight or a
profile passes :func:`number`; a year passes :func:`year`; a name, a note or a unit
passes :func:`text`.  A value beyond these bounds (``1e26`` 万元, a 40-digit count,
the year 99999, a NUL in a note) is refused where it is read, with its location,
instead of being stored and later breaking ``score`` for the whole year.

The bounds are far beyond any real table: a province's whole budget is about
10^8 万元, and no count, rate or money in a goal table needs more than
:data:`MAX_DIGITS` digits before the point or :data:`MAX_PLACES` after it.  Text
lengths are the database's own column widths (the schema uses these constants), so
a too-long id is refused at input rather than by PostgreSQL halfway through a load.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = [
    "GOAL_LENGTH",
    "ID_LENGTH",
    "LEVEL_LENGTH",
    "MAX_DIGITS",
    "MAX_PLACES",
    "NAME_LENGTH",
    "UNIT_LENGTH",
    "WHO_LENGTH",
    "YEARS",
    "OutOfBounds",
    "number",
    "text_fault",
    "year",
]

MAX_DIGITS = 15  # digits before the decimal point: up to 999 万亿
MAX_PLACES = 20  # digits after it
YEARS = range(1900, 2200)  # budget years (预算年度) and the years of dates

ID_LENGTH = 64  # project and indicator ids (projects.code, indicators.code)
LEVEL_LENGTH = 32  # 一级/二级指标 names
UNIT_LENGTH = 32  # 计量单位
WHO_LENGTH = 128  # who recorded a value (--by)
NAME_LENGTH = 1000  # names and notes: longer is a pasted document, not a name
GOAL_LENGTH = 20_000  # a project's overall goal (项目总体目标): paragraphs

_LIMIT = Decimal(10) ** MAX_DIGITS


class OutOfBounds(ValueError):
    """A number or year that can be read but means nothing: ``reason`` says which bound it passes."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{text!r}: {reason}")
        self.text = text
        self.reason = reason


def number(value: Decimal, text: str | None = None) -> Decimal:
    """``value`` if it is a finite number within the bounds; else :class:`OutOfBounds` quoting ``text``."""
    shown = text if text is not None else str(value)
    if not value.is_finite():
        raise OutOfBounds(shown, "not a finite number")
    if abs(value) >= _LIMIT:
        raise OutOfBounds(shown, f"too large: at most {MAX_DIGITS} digits before the decimal point")
    if _places(value) > MAX_PLACES:
        raise OutOfBounds(shown, f"too precise: at most {MAX_PLACES} digits after the decimal point")
    return value


def _places(value: Decimal) -> int:
    """Digits after the decimal point, trailing zeros not counted (0.50 has one); exact, never rounded."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # a finite number
    zeros = len(digits) - len(bytes(digits).rstrip(b"\0"))  # digits are 0..9: trailing zero digits
    return max(-(exponent + zeros), 0)


def year(value: int, text: str | None = None) -> int:
    """``value`` if it is a plausible year (:data:`YEARS`); else :class:`OutOfBounds`."""
    if value not in YEARS:
        shown = text if text is not None else str(value)
        raise OutOfBounds(shown, f"the year {value} is outside {YEARS.start}–{YEARS.stop - 1}")
    return value


# Control characters other than tab and line breaks, which cells of real tables hold
# (a name broken over two lines in a merged cell).  NUL ends a string in C and SQLite.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BREAK = re.compile(r"[\t\n\r\u2028\u2029]")


def text_fault(value: str, *, limit: int = NAME_LENGTH, one_line: bool = False) -> str | None:
    """Why ``value`` cannot be stored as a name, note or unit, or None when it can.

    ``one_line``: line breaks and tabs are refused too (ids, units, who recorded).
    """
    found = _CONTROL.search(value)
    if found is not None:
        return f"contains a control character (U+{ord(found.group()):04X})"
    if one_line and (found := _BREAK.search(value)) is not None:
        return f"contains a line break or tab (U+{ord(found.group()):04X})"
    if len(value) > limit:
        return f"is {len(value)} characters long; at most {limit}"
    return None
