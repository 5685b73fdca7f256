"""Bad files made the way real ones go bad, for the hostile-input corpus (tests/test_hostile.py).

Each builder returns the file's bytes: CSV in the encodings Excel and WPS save
(GBK, UTF-16 with BOM, UTF-8 with BOM), workbooks written by openpyxl and then
damaged by editing their zip (a recorded size smaller than the sheet, formulas
without a saved value, error cells, truncation).
"""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

ACTUALS_HEADER = "project,indicator,period,value,note\n"
SPENDING_HEADER = "project,period,amount,note\n"
FLAT_HEADER = "项目编码,项目名称,单位,年度,年度资金总额,二级指标,三级指标,指标值\n"
FLAT_ROW = "f01,测试项目,测试单位,2021,10,数量指标,培训人次,100人次\n"


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def workbook(sheets: dict[str, Sequence[Sequence[Any]]], percent: Sequence[str] = ()) -> bytes:
    """An XLSX workbook with these sheets of rows; cells named in ``percent`` formatted as 0%."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
        for cell in percent:
            sheet[cell].number_format = "0%"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def edit_sheets(data: bytes, change: Any) -> bytes:
    """The workbook with ``change(xml) -> xml`` applied to every worksheet's XML."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = change(content)
            target.writestr(item, content)
    return out.getvalue()


def with_dimension(data: bytes, ref: str) -> bytes:
    """The workbook claiming its sheets are only ``ref`` (e.g. A1:B2) big, as some writers record."""
    recorded = f'<dimension ref="{ref}"/>'.encode()
    return edit_sheets(data, lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', recorded, xml))


def without_cached_values(data: bytes) -> bytes:
    """The workbook with the saved results of its formulas removed (as a program that wrote it leaves them)."""
    return edit_sheets(data, lambda xml: re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", xml))


def formula_workbook(header: Sequence[str], row: Sequence[Any], formula_at: int, formula: str) -> bytes:
    """A one-row sheet whose cell at ``formula_at`` holds ``formula`` and no saved value."""
    cells = list(row)
    cells[formula_at] = formula
    return workbook({"actuals": [header, cells]})


def error_cell_workbook(header: Sequence[str], row: Sequence[Any], at: int, shown: str) -> bytes:
    """A one-row sheet whose cell at ``at`` is an error cell showing ``shown`` (#DIV/0!), as Excel saves one."""
    marker = "ERRORCELLMARKER"
    cells = list(row)
    cells[at] = marker
    pattern = rb'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>' + marker.encode() + rb"</t></is></c>"
    error = rb'<c r="\1" t="e"><v>' + shown.encode() + rb"</v></c>"
    return edit_sheets(workbook({"actuals": [header, cells]}), lambda xml: re.sub(pattern, error, xml))


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, content in files.items():
            target.writestr(name, content)
    return out.getvalue()


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a SQLite database, in a fixed order: equal dumps, unchanged database."""
    with sqlite3.connect(path) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {}
        for table in sorted(tables):
            rows = connection.execute(f'SELECT * FROM "{table}"').fetchall()
            found[table] = sorted(rows, key=repr)
    connection.close()
    return found
