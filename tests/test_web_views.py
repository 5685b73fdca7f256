"""The overview's choosing of rows (filters, sort, paging) and the data version a web write leads to."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kpitrack.monitoring import Light
from kpitrack.store import ImportResult, WriteSummary
from kpitrack.web.views import OverviewRow, Selection, UnitSummary, pages, select, worst_units, written


def row(code: str, unit: str, light: Light, total: str, grade: str, rate: str | None = "0.5") -> OverviewRow:
    return OverviewRow(
        code, f"项目{code}", unit, Decimal(100), Decimal(50), None if rate is None else Decimal(rate),
        Decimal("0.5"), light, Decimal(total), grade,
    )  # fmt: skip


ROWS = [
    row("a1", "甲局", Light.GREEN, "95", "优"),
    row("a2", "甲局", Light.RED, "55", "差", rate=None),  # no budget: no execution rate
    row("b1", "乙局", Light.YELLOW, "82", "良", rate="0.9"),
    row("b2", "乙局", Light.NO_DATA, "70", "中", rate="0.1"),
]


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (Selection(), ["a1", "a2", "b1", "b2"]),
        (Selection(units=("乙局",)), ["b1", "b2"]),
        (Selection(light="red"), ["a2"]),
        (Selection(grade="良"), ["b1"]),
        (Selection(search="A2"), ["a2"]),  # ids and names, any case
        (Selection(search="项目b"), ["b1", "b2"]),
        (Selection(sort="light"), ["a2", "b1", "b2", "a1"]),  # worst first: red, yellow, no data, green
        (Selection(sort="total", descending=True), ["a1", "b1", "b2", "a2"]),
        (Selection(sort="rate"), ["a2", "b2", "a1", "b1"]),  # no rate sorts below any rate
        (Selection(sort="grade"), ["a1", "b1", "b2", "a2"]),  # 优 良 中 差
        (Selection(sort="id", descending=True), ["b2", "b1", "a2", "a1"]),
        (Selection(units=("甲局",), sort="total"), ["a2", "a1"]),
    ],
)
def test_select(chosen: Selection, expected: list[str]) -> None:
    assert [r.id for r in select(ROWS, chosen)] == expected


@pytest.mark.parametrize(("count", "expected"), [(0, 1), (1, 1), (50, 1), (51, 2), (100_000, 2000)])
def test_pages(count: int, expected: int) -> None:
    assert pages(count, 50) == expected


def test_worst_units_first() -> None:
    units = [
        UnitSummary("甲", 3, 0, 1, Decimal(90)),
        UnitSummary("乙", 3, 2, 0, Decimal(80)),
        UnitSummary("丙", 3, 2, 1, Decimal(85)),
        UnitSummary("丁", 3, 0, 1, Decimal(70)),
    ]
    assert [u.unit for u in worst_units(units, 3)] == ["丙", "乙", "丁"]


def test_the_version_a_write_leads_to() -> None:
    result = ImportResult(actuals=WriteSummary(added=3, superseded=1), spending=WriteSummary(added=1, unchanged=2))
    assert written((10, 153, 0, 411, 29, 0), result) == (10, 153, 0, 414, 30, 0)
