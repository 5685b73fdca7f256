"""Safe cell values (单元格文本): what kpitrack writes into a workbook is a value, never a formula.

A spreadsheet reads text that starts with ``=``, ``+``, ``-`` or ``@`` as a formula:
a target such as ``=4次`` would become a broken formula, and a goal name could carry
a live ``=HYPERLINK(…)`` into every copy of a form.  Every workbook kpitrack writes
(the fill-in template, the official forms) puts its text through this module, so
such text is stored as a string and shown with a quote prefix (Excel and LibreOffice
then keep it as text when a person edits the cell, too).
"""

from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_START", "put", "safe"]

FORMULA_START = ("=", "+", "-", "@")


def _formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def put(cell: Any, value: object) -> None:
    """Set an openpyxl cell's value; text a spreadsheet would take for a formula stays text."""
    cell.value = value
    if _formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def safe(sheet: Any, value: object) -> object:
    """A value for a write-only sheet's ``append``: itself, or a text cell when it looks like a formula."""
    if not _formula_like(value):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet)
    put(cell, value)
    return cell
