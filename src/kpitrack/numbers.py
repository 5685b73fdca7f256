"""How exact numbers are shown (显示精度): computed exactly, rounded half up (四舍五入) once, at display.

Scores, money and measured values stay exact Decimals through every computation;
the explanation texts, the tables and the JSON records all round through
:func:`rounded`, so a total and the sum its explanation shows can never disagree.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["CENT", "SETTLED", "json_number", "rounded", "show"]

CENT = Decimal("0.01")  # display precision: two places, as published tables print
# The precision at which values are settled before any decision or display: a tier split
# equally (50 / 6) has shares that are not finite decimals, and 28-digit arithmetic leaves
# their sum a hair off the exact value (94.7649999…9 for an exact 94.765).
SETTLED = Decimal("1e-12")


def rounded(value: Decimal) -> Decimal:
    """``value`` at display precision, half up (四舍五入)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def show(value: Decimal) -> str:
    """A number for an explanation or a table: rounded half up to two places, without trailing zeros."""
    text = format(rounded(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def json_number(value: Decimal | None, *, places: bool = False) -> int | float | None:
    """A Decimal as a JSON number: an int when integral, else the shortest float that prints it.

    Only for output: floats never take part in a computation.  ``places`` rounds to
    display precision first.
    """
    if value is None:
        return None
    if places:
        value = rounded(value)
    if value == value.to_integral_value():
        return int(value)
    return float(value)
