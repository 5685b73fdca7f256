"""The views as XLSX workbooks (下载): the overview's rows and the underperformer lists, as shown.

Written with openpyxl's write-only mode, so a province's 100,000 rows stream to
the file instead of building a sheet in memory.  Numbers are written as numbers
(rounded half up to two places, as the pages show them).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook

from kpitrack.numbers import rounded
from kpitrack.web.views import Listed, OverviewRow

__all__ = ["overview_xlsx", "underperformers_xlsx"]

Cell = str | Decimal | None


def _number(value: Decimal | None) -> Decimal | None:
    return None if value is None else rounded(value)


def _workbook(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Cell]]]]) -> bytes:
    book = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(list(headers))
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def overview_xlsx(rows: Iterable[OverviewRow], t: Callable[..., str], light_word: Callable[..., str]) -> bytes:
    """The overview's rows (filtered and sorted as on the page, every page) as one sheet."""
    headers = [t(k) for k in ("id", "name", "unit", "budget", "spent", "execution", "elapsed", "light", "score")]
    headers.append(t("grade"))
    body = (
        [
            row.id,
            row.name,
            row.unit,
            _number(row.budget),
            _number(row.spent),
            _number(None if row.rate is None else row.rate * 100),
            _number(row.elapsed * 100),
            light_word(row.light),
            _number(row.total),
            row.grade,
        ]
        for row in rows
    )
    return _workbook([(t("overview"), headers, body)])


def underperformers_xlsx(
    lists: Sequence[tuple[str, Sequence[Listed]]], t: Callable[..., str], light_word: Callable[..., str]
) -> bytes:
    """Each list (mid-year, year end) as a sheet: one row per reason, the project's columns repeated."""
    headers = [t(k) for k in ("id", "name", "unit", "standing", "indicator", "points_lost", "shortfall", "reasons")]

    def rows(items: Sequence[Listed]) -> Iterable[Sequence[Cell]]:
        for item in items:
            standing = item.standing if item.light is None else light_word(item.light)
            for reason in item.reasons or ():
                what = reason.what if reason.what == reason.name else f"{reason.what} {reason.name}"
                yield [
                    item.id,
                    item.name,
                    item.unit,
                    standing,
                    what,
                    _number(reason.points_lost),
                    _number(reason.shortfall),
                    reason.detail,
                ]
            if not item.reasons:
                yield [item.id, item.name, item.unit, standing, None, None, None, None]

    return _workbook([(title[:31], headers, rows(items)) for title, items in lists])
