"""The bounds on input (kpitrack.limits) as truth tables: what passes, and what is refused and why."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kpitrack import limits


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "35",
        "12.5",
        "0.50",
        "999999999999999",
        "-999999999999999",
        "0.00000000000000000001",
        "1E+5",
        "35.1234567890",
    ],
)
def test_numbers_within_the_bounds_pass_unchanged(text: str) -> None:
    value = Decimal(text)
    assert limits.number(value) is value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1e26", "too large: at most 15 digits before the decimal point"),
        ("1e999", "too large: at most 15 digits before the decimal point"),
        ("1000000000000000", "too large: at most 15 digits before the decimal point"),
        ("-1000000000000000", "too large: at most 15 digits before the decimal point"),
        ("NaN", "not a finite number"),
        ("sNaN", "not a finite number"),
        ("Infinity", "not a finite number"),
        ("-Infinity", "not a finite number"),
        ("1e-21", "too precise: at most 20 digits after the decimal point"),
        ("123456789012345.000000000000000000001", "too precise: at most 20 digits after the decimal point"),
    ],
)
def test_numbers_beyond_meaning_are_refused_quoting_the_text(text: str, reason: str) -> None:
    with pytest.raises(limits.OutOfBounds) as refused:
        limits.number(Decimal(text), text)
    assert (refused.value.text, refused.value.reason, str(refused.value)) == (text, reason, f"{text!r}: {reason}")


@pytest.mark.parametrize(
    ("year", "ok"),
    [(1900, True), (2021, True), (2199, True), (1899, False), (2200, False), (99999, False), (-1, False)],
)
def test_years(year: int, ok: bool) -> None:
    if ok:
        assert limits.year(year) == year
    else:
        with pytest.raises(limits.OutOfBounds, match=f"the year {year} is outside 1900–2199"):
            limits.year(year)


@pytest.mark.parametrize(
    ("text", "one_line", "fault"),
    [
        ("法制宣传工作经费", False, None),
        ("满意度\n指标", False, None),  # a cell broken over two lines, as real tables print it
        ("满意度\n指标", True, "contains a line break or tab (U+000A)"),
        ("a\tb", True, "contains a line break or tab (U+0009)"),
        ("a\x00b", False, "contains a control character (U+0000)"),
        ("\x1b[31m", False, "contains a control character (U+001B)"),
        ("\x7f", False, "contains a control character (U+007F)"),
        ("c1\x85", False, "contains a control character (U+0085)"),
        ("名" * 1000, False, None),
        ("名" * 1001, False, "is 1001 characters long; at most 1000"),
    ],
)
def test_texts(text: str, one_line: bool, fault: str | None) -> None:
    assert limits.text_fault(text, one_line=one_line) == fault


def test_the_schema_takes_its_widths_from_the_limits() -> None:
    from kpitrack.store import schema

    widths = {
        (table.name, column.name): getattr(column.type, "length", None)
        for table in (schema.projects, schema.indicators, schema.actuals)
        for column in table.columns
    }
    assert widths[("projects", "code")] == widths[("indicators", "code")] == limits.ID_LENGTH
    assert widths[("indicators", "unit")] == widths[("actuals", "unit")] == limits.UNIT_LENGTH
    assert widths[("indicators", "level2")] == limits.LEVEL_LENGTH
    assert widths[("actuals", "recorded_by")] == limits.WHO_LENGTH
