"""XLSX workbooks read as text (电子表格): every sheet whole, every cell as the person sees it.

The one place where a spreadsheet cell becomes text for the readers (actuals and
spending in :mod:`kpitrack.io.tables`, goal tables in :mod:`kpitrack.io.flat`):

- **Whole sheets.**  openpyxl's read-only mode trusts the size a workbook records
  (``<dimension ref="A1:D2"/>``); writers that get it wrong would lose every row
  and column beyond it, silently.  The recorded size is dropped and the rows read
  to their end.
- **Formulas without a saved value** (a workbook written by a program and never
  opened in Excel or WPS) are a located problem, not a blank: the value a person
  sees there was never stored in the file.
- **Damaged files** (truncated, not a zip, a renamed CSV) are one clean problem.
- **Cell text**: 85% stays 85%, 0.1 stays 0.1, a date is 2021-11-30, an error cell
  is refused quoting what it shows.

openpyxl is imported here only, and only when a workbook is read.
"""

from __future__ import annotations

import datetime
import re
import zipfile
import zlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from kpitrack.problems import Problem, ProblemsFound
from kpitrack.thresholds import format_decimal

__all__ = ["DAMAGED", "ErrorCell", "cell_text", "read_sheets", "unsaved_formulas", "value_text"]

# What a damaged workbook raises from openpyxl, zipfile and the XML parser while it is read.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, ElementTree.ParseError, OSError)
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class ErrorCell(ValueError):
    """A cell that shows an error (``#DIV/0!``, ``#REF!``) instead of a value."""


def cell_text(cell: Any) -> str:
    """A read cell as the text a person typed or sees: 85% stays 85%, a date is 2021-11-30.

    Raises :class:`ErrorCell` for a cell that shows an error (``#DIV/0!``).
    """
    value = getattr(cell, "value", None)
    if value is not None and getattr(cell, "data_type", None) == "e":
        raise ErrorCell(f"the cell shows the error {value}: correct it in the workbook")
    return value_text(value, getattr(cell, "number_format", "") or "")


def value_text(value: Any, number_format: str) -> str:
    """A cell's value as text, shown in its number format (``0%``): :func:`cell_text` without the error check."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in number_format:
            # A percentage cell holds 0.9 and shows 90%: what people see is what they mean.
            number *= 100
            return f"{format_decimal(number)}%" if number.is_finite() else str(value)
        return format_decimal(number) if number.is_finite() else str(value)
    return str(value)


def read_sheets(path: Path) -> Iterator[tuple[str, Iterator[tuple[int, list[str]]]]]:
    """Each sheet's title and its rows as text, numbered as the spreadsheet shows them (from 1).

    A damaged workbook, an error cell or a formula without a saved value raises
    :class:`ProblemsFound`, located.  The workbook is closed when the iteration ends.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, *DAMAGED) as error:
        raise _damaged(path, error) from None
    try:
        for sheet in workbook.worksheets:
            where = f"{path}: sheet {sheet.title}"
            try:
                sheet.reset_dimensions()  # the recorded size may be smaller than the sheet
                unsaved = unsaved_formulas(sheet, f"{where}, cell ")
            except DAMAGED as error:
                raise _damaged(path, error) from None
            if unsaved:
                raise ProblemsFound(unsaved)  # the command line shows the first MAX_SHOWN
            yield sheet.title, _rows(path, where, sheet)
    finally:
        workbook.close()


_SAVE_IT = "open and save it in Excel/WPS, or type the value"


def _rows(path: Path, where: str, sheet: Any) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            try:
                texts = [cell_text(cell) for cell in cells]
            except ErrorCell:
                raise ProblemsFound(_error_cells(where, number, cells)) from None
            yield number, texts
    except DAMAGED as error:
        raise _damaged(path, error) from None


def _error_cells(where: str, number: int, cells: Any) -> Iterator[Problem]:
    """Every error cell of a row, located by its column letter."""
    from openpyxl.utils import get_column_letter

    for column, cell in enumerate(cells, start=1):
        try:
            cell_text(cell)
        except ErrorCell as error:
            yield Problem(f"{where}, cell {get_column_letter(column)}{number}", str(error))


def _damaged(path: Path, error: BaseException) -> ProblemsFound:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return ProblemsFound([Problem(str(path), f"not a readable workbook (damaged or not XLSX): {reason}")])


def unsaved_formulas(sheet: Any, at: str) -> list[Problem]:
    """A problem for each formula of a read-only ``sheet`` without a saved value, located ``{at}{cell}``.

    openpyxl reads such a cell as empty: a value typed as a formula in a workbook no
    spreadsheet program saved would be taken for a blank.
    """
    return [
        Problem(f"{at}{cell}", f"formula {formula!r} has no saved value: {_SAVE_IT}")
        for cell, formula in _formulas_without_value(sheet).items()
    ]


def _formulas_without_value(sheet: Any) -> dict[str, str]:
    """The cells of ``sheet`` holding a formula but no saved result: cell → the formula (``=A1*2``).

    openpyxl's value-only reading shows such a cell as empty, so the sheet's XML is
    looked at itself; only when it holds a formula at all (one pass over the bytes),
    so a sheet of plain values costs one decompression.
    """
    if not _has_formula(sheet):
        return {}
    found: dict[str, str] = {}
    shared: dict[str, str] = {}
    with sheet._get_source() as source:  # the sheet's XML in the workbook's zip
        for _, element in ElementTree.iterparse(source):
            if element.tag != f"{_MAIN}c":
                if element.tag == f"{_MAIN}row":
                    element.clear()
                continue
            formula = element.find(f"{_MAIN}f")
            if formula is None:
                continue
            text = formula.text or ""
            group = formula.get("si") if formula.get("t") == "shared" else None
            if group is not None:  # a shared formula is written once, on its first cell
                text = shared.setdefault(group, text) if text else shared.get(group, "")
            value = element.find(f"{_MAIN}v")
            if value is None or (not value.text and element.get("t") != "str"):
                found[element.get("r", "?")] = f"={text}"
    return found


def _has_formula(sheet: Any) -> bool:
    tail = b""
    with sheet._get_source() as source:
        while chunk := source.read(1 << 20):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False
