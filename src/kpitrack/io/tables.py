"""Flat tables of recorded values (实际完成值) and money spent (资金执行): CSV and XLSX in, templates out.

A file says what it holds by its header row (case, spaces and column order do not
matter; other columns, such as the template's display columns, are ignored):

- **actuals**: ``project, indicator, period, value`` (and optionally ``note``), and
  optionally the explanations (情况说明) ``偏差原因, 原因类别, 完成可能性, 纠偏措施``:
  with a year as the period (``2021``) the 偏差原因 is the year end's 偏差原因分析及改进措施
  (the row's value is then left blank); with a quarter or month it is that cut-off's cause, with
  its category (经费保障 / 制度保障 / 人员保障 / 硬件条件保障 / 其他), the likelihood of
  meeting the target (确定能 / 有可能 / 完全不可能) and the 纠偏措施;
- **spending**: ``project, period, amount`` (and optionally ``note``), amounts in 万元,
  and optionally the same explanation columns: they explain the project's budget row
  (预算执行) for that period, as an actuals row naming the indicator ``预算执行`` (or
  资金执行, 项目资金) with a blank value does.

A CSV file is one table, in any encoding :mod:`kpitrack.io.textfile` reads (UTF-8,
GBK, UTF-16); an XLSX workbook may hold one table per sheet (the template has an
``actuals`` and a ``spending`` sheet), read by :mod:`kpitrack.io.workbook`.  A row
whose value (or amount) is blank is not reported yet and is skipped, so a partly
filled template imports what was filled; :attr:`Table.blank` counts those rows
(lines with no cell filled at all are not rows).  Rows are numbered as a
spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

import attrs

from kpitrack.explanations import BUDGET
from kpitrack.io.cells import safe
from kpitrack.io.textfile import CsvFormat, csv_format, csv_rows
from kpitrack.io.workbook import read_sheets
from kpitrack.model import Project
from kpitrack.periods import Period
from kpitrack.problems import Problem, ProblemsFound
from kpitrack.store.explaining import ExplanationRow
from kpitrack.store.recording import ActualRow, SpendingRow

# openpyxl is imported where a workbook is read or written: most commands never touch
# one, and it would add a tenth of a second to the start of each.

__all__ = [
    "ACTUALS",
    "ACTUALS_COLUMNS",
    "EXPLANATION_COLUMNS",
    "SHEET_ROWS",
    "SPENDING",
    "SPENDING_COLUMNS",
    "Blanks",
    "Table",
    "TemplateSummary",
    "read_tables",
    "write_template",
]

ACTUALS, SPENDING = "actuals", "spending"
ACTUALS_COLUMNS = ("project", "indicator", "period", "value", "note")
SPENDING_COLUMNS = ("project", "period", "amount", "note")
# The explanation columns of the actuals layout, and the ExplanationRow field each fills.
EXPLANATION_COLUMNS = {"偏差原因": "text", "原因类别": "cause", "完成可能性": "likelihood", "纠偏措施": "measures"}
_REQUIRED = {ACTUALS: frozenset(ACTUALS_COLUMNS[:4]), SPENDING: frozenset(SPENDING_COLUMNS[:3])}
_VALUE_COLUMN = {ACTUALS: "value", SPENDING: "amount"}


@attrs.define
class Blanks:
    """How many rows of a table were left blank (not reported), as of its last reading.

    A row with no value that explains something (偏差原因 …) was reported: it is not
    counted; nor is an empty line, which is no row.
    """

    count: int = 0
    explaining: tuple[int, ...] = ()  # positions of the explanation columns

    def note(self, values: list[str]) -> None:
        """Count a row without a value, unless it is empty or explains something."""
        width = len(values)
        if any(cell.strip() for cell in values) and not any(values[i].strip() for i in self.explaining if i < width):
            self.count += 1


@attrs.frozen
class Table:
    """One CSV file or XLSX sheet, and which kind of table it is.

    ``rows`` can be iterated more than once; a CSV file's rows are read from the
    file as they are iterated (a province's actuals are millions of rows), an XLSX
    sheet's rows are held.  ``blank`` is the number of rows skipped as not reported,
    known once the rows have been read through.
    """

    kind: str
    source: str
    rows: Iterable[ActualRow] | Iterable[SpendingRow]
    explanations: Iterable[ExplanationRow] = ()
    blanks: Blanks = attrs.field(factory=Blanks)

    @property
    def blank(self) -> int:
        return self.blanks.count

    @property
    def actuals(self) -> Iterable[ActualRow]:
        return self.rows if self.kind == ACTUALS else ()  # type: ignore[return-value]

    @property
    def spending(self) -> Iterable[SpendingRow]:
        return self.rows if self.kind == SPENDING else ()  # type: ignore[return-value]


def read_tables(path: Path) -> tuple[list[Table], list[Problem]]:
    """Read a CSV or XLSX file of actuals or spending; every problem with the header is reported."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _read_csv(path)
        if suffix in (".xlsx", ".xlsm"):
            return _read_xlsx(path)
    except OSError as error:
        return [], [Problem(str(path), f"cannot read the file: {error.strerror or error}")]
    return [], [Problem(str(path), "expected a .csv or .xlsx file")]


def _kind(header: Sequence[str]) -> str | None:
    names = set(header)
    if _REQUIRED[ACTUALS] <= names:
        return ACTUALS
    if _REQUIRED[SPENDING] <= names and "indicator" not in names:
        return SPENDING
    return None


def _header_problem(where: str, header: Sequence[str]) -> Problem:
    shown = ", ".join(h for h in header if h) or "(empty)"
    return Problem(
        where,
        f"header {shown!r} is neither actuals ({', '.join(ACTUALS_COLUMNS)}) "
        f"nor spending ({', '.join(SPENDING_COLUMNS)})",
    )


def _picker(kind: str, header: list[str]) -> tuple[Callable[[list[str]], tuple[str, ...]], int]:
    """What to take from a row of cells (in ActualRow / SpendingRow order), and where its value is."""
    wanted = ACTUALS_COLUMNS if kind == ACTUALS else SPENDING_COLUMNS
    indexes = [header.index(name) if name in header else -1 for name in wanted]
    value_index = indexes[wanted.index(_VALUE_COLUMN[kind])]
    if -1 not in indexes:  # every column present (usual): one C call picks them all
        pick, width = itemgetter(*indexes), max(indexes) + 1
        return lambda values: pick(values) if len(values) >= width else _padded(values, indexes), value_index
    return lambda values: _padded(values, indexes), value_index


def _padded(values: list[str], indexes: list[int]) -> tuple[str, ...]:
    width = len(values)
    return tuple(values[i] if 0 <= i < width else "" for i in indexes)


def _rows(
    kind: str, source: str, header: list[str], rows: Iterable[tuple[int, list[str]]], blanks: Blanks
) -> Iterator[Any]:
    """The rows that hold a value, as ActualRow or SpendingRow, cells stripped; ``blanks`` counts the others."""
    blanks.count = 0
    blanks.explaining = tuple(i for i, column in enumerate(header) if column in EXPLANATION_COLUMNS)
    if kind == ACTUALS and set(ACTUALS_COLUMNS) <= set(header):
        return _actual_rows(source, header, rows, blanks)  # not through one more generator: a province has millions
    return _picked_rows(kind, source, header, rows, blanks)


def _picked_rows(
    kind: str, source: str, header: list[str], rows: Iterable[tuple[int, list[str]]], blanks: Blanks
) -> Iterator[Any]:
    """:func:`_rows` of any table: its columns picked by name, missing ones empty."""
    pick, value_index = _picker(kind, header)
    make = ActualRow if kind == ACTUALS else SpendingRow
    # Built with tuple.__new__, as make._make does without its length check: on a
    # province's six million rows, the named tuple's own __new__ costs seconds.
    new, strip = tuple.__new__, str.strip
    for number, values in rows:
        if value_index >= len(values) or not values[value_index].strip():
            blanks.note(values)  # not reported yet (a blank template row)
            continue
        yield new(make, (source, number, *map(strip, pick(values))))


def _actual_rows(
    source: str, header: list[str], rows: Iterable[tuple[int, list[str]]], blanks: Blanks
) -> Iterator[ActualRow]:
    """:func:`_rows` of a table of actuals with every column (a province's file): the same rows, less per row."""
    indexes = [header.index(name) for name in ACTUALS_COLUMNS]
    pick, width = itemgetter(*indexes), max(indexes) + 1
    new = tuple.__new__
    for number, values in rows:
        if len(values) < width:
            values = values + [""] * (width - len(values))
        project, indicator, period, value, note = pick(values)
        value = value.strip()
        if value:
            yield new(
                ActualRow, (source, number, project.strip(), indicator.strip(), period.strip(), value, note.strip())
            )
        else:
            blanks.note(values)  # not reported yet (a blank template row)


def _table(kind: str, source: str, header: list[str], rows: Iterable[tuple[int, list[str]]]) -> Table:
    blanks = Blanks()
    if not _explains(header):
        return Table(kind, source, tuple(_rows(kind, source, header, rows, blanks)), blanks=blanks)
    held = list(rows)
    values = tuple(_rows(kind, source, header, held, blanks))
    return Table(kind, source, values, tuple(_explanations(source, header, held)), blanks)


def _explains(header: Sequence[str]) -> bool:
    """A table (of actuals or of spending) with any explanation column (偏差原因 …)."""
    return any(column in header for column in EXPLANATION_COLUMNS)


def _explanations(source: str, header: list[str], rows: Iterable[tuple[int, list[str]]]) -> Iterator[ExplanationRow]:
    """The rows that explain something (any explanation cell filled), as ExplanationRow.

    A table without an ``indicator`` column (spending) explains the budget row (预算执行).
    """
    wanted = {column: header.index(column) for column in EXPLANATION_COLUMNS if column in header}
    keys = {name: header.index(name) if name in header else None for name in ("project", "indicator", "period")}
    for number, values in rows:
        cells = {field: _at(values, wanted.get(column)) for column, field in EXPLANATION_COLUMNS.items()}
        if not any(cells.values()):
            continue
        where = f"{source}: row {number}"
        places = {field: f"{where}, column {column}" for column, field in EXPLANATION_COLUMNS.items()}
        places.update((name, f"{where}, column {name}") for name, index in keys.items() if index is not None)
        project, indicator, period = (_at(values, index) for index in keys.values())
        yield ExplanationRow(
            where, project, indicator if keys["indicator"] is not None else BUDGET, period, places=places, **cells
        )


def _at(values: Sequence[str], index: int | None) -> str:
    return values[index].strip() if index is not None and index < len(values) else ""


def _normalise_header(cells: Iterable[Any]) -> list[str]:
    return ["".join(str(c).split()).lower() if c is not None else "" for c in cells]


def _read_csv(path: Path) -> tuple[list[Table], list[Problem]]:
    try:
        how = csv_format(path)
        with csv_rows(path, how) as reader:
            header = _normalise_header(next(reader, []))
    except ProblemsFound as found:
        return [], list(found.problems)
    except csv.Error as error:
        return [], [Problem(f"{path}: line 1", f"cannot read the file: {error}")]
    kind = _kind(header)
    if kind is None:
        return [], [_header_problem(f"{path}: row 1", header)]
    blanks = Blanks()  # counted by the reading of values, not of explanations
    explained = _CsvRows(path, how, kind, header, Blanks(), explanations=True) if _explains(header) else ()
    return [Table(kind, str(path), _CsvRows(path, how, kind, header, blanks), explained, blanks)], []


@attrs.frozen
class _CsvRows:
    """The rows of a CSV table, read from the file each time they are iterated (each reading counts the blanks)."""

    path: Path
    how: CsvFormat
    kind: str
    header: list[str]
    blanks: Blanks
    explanations: bool = False  # the rows' explanations (ExplanationRow), not their values

    def __iter__(self) -> Iterator[Any]:
        with csv_rows(self.path, self.how) as reader:
            try:
                next(reader, None)
                numbered = enumerate(reader, start=2)
                if self.explanations:
                    yield from _explanations(str(self.path), self.header, numbered)
                else:
                    yield from _rows(self.kind, str(self.path), self.header, numbered, self.blanks)
            except (OSError, UnicodeDecodeError, csv.Error) as error:
                # Found while the rows stream into an import: raised, so that the
                # import's transaction is rolled back and the problem printed.
                problem = Problem(f"{self.path}: line {reader.line_num}", f"cannot read the file: {error}")
                raise ProblemsFound([problem]) from None


def _read_xlsx(path: Path) -> tuple[list[Table], list[Problem]]:
    tables: list[Table] = []
    problems: list[Problem] = []
    try:
        for title, rows in read_sheets(path):
            first = next(rows, None)
            if first is None:
                continue
            header = _normalise_header(first[1])
            source = f"{path}: sheet {title}"
            kind = _kind(header)
            if kind is None:
                if any(header):
                    problems.append(_header_problem(f"{source}, row 1", header))
                continue
            tables.append(_table(kind, source, header, rows))
    except ProblemsFound as found:
        return [], [*problems, *found.problems]
    if not tables and not problems:
        problems.append(Problem(str(path), "the workbook has no sheet of actuals or spending"))
    return tables, problems


# -- the fill-in template ------------------------------------------------------

_ACTUALS_TEMPLATE = (
    ("project", 10),
    ("project_name", 28),
    ("indicator", 10),
    ("level1", 12),
    ("level2", 14),
    ("indicator_name", 40),
    ("target", 14),
    ("unit", 8),
    ("period", 10),
    ("value", 14),
    ("note", 30),
)
_SPENDING_TEMPLATE = (
    ("project", 10),
    ("project_name", 28),
    ("budget", 12),
    ("planned_to_date", 16),
    ("period", 10),
    ("amount", 14),
    ("note", 30),
)
# After the values, the explanations a unit may write on the same row (the budget's on the spending row).
_EXPLANATION_TEMPLATE = (("偏差原因", 30), ("原因类别", 12), ("完成可能性", 12), ("纠偏措施", 30))
_FILLED_IN = {"value", "amount", "note", *EXPLANATION_COLUMNS}
_TO_FILL = (None,) * (2 + len(_EXPLANATION_TEMPLATE))  # the value (or amount), the note, the explanations


SHEET_ROWS = 1_048_576  # the most rows a worksheet holds (Excel's limit), the header row included


@attrs.frozen
class TemplateSummary:
    """What :func:`write_template` wrote: indicator rows, projects, and the sheets of actuals."""

    indicators: int
    projects: int
    actual_sheets: tuple[str, ...]


def write_template(path: Path, period: Period, projects: Iterable[Project]) -> TemplateSummary:
    """A fill-in workbook for one period: sheets of actuals (one row per indicator) and of spending.

    The workbook is streamed (openpyxl's write-only mode): a province's 1.5 M
    indicator rows never sit in memory as cells.  A sheet holds at most
    :data:`SHEET_ROWS` rows, so more indicators than that continue on a second
    sheet of actuals ("actuals 2", …) with the same header; ``kpitrack import``
    reads every sheet.
    """
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    named = str(period)
    held = list(projects)  # the spending sheet comes after the actuals
    rows = (
        (p.id, p.name, i.id, i.level1, i.level2, i.name, str(i.target), i.unit, named, *_TO_FILL)
        for p in held
        for i in p.indicators
    )
    written, sheets = _sheets(workbook, ACTUALS, (*_ACTUALS_TEMPLATE, *_EXPLANATION_TEMPLATE), rows, _FILLED_IN)
    spending = ((p.id, p.name, p.budget, p.plan.released_by(period.last), named, *_TO_FILL) for p in held)
    _sheets(workbook, SPENDING, (*_SPENDING_TEMPLATE, *_EXPLANATION_TEMPLATE), spending, _FILLED_IN)
    workbook.save(path)
    return TemplateSummary(written, len(held), sheets)


def _sheets(
    workbook: Any, title: str, layout: Sequence[tuple[str, int]], rows: Iterator[Sequence[Any]], editable: set[str]
) -> tuple[int, tuple[str, ...]]:
    """Write ``rows`` under a header on as many sheets as they need (``title``, ``title 2``, …).

    The columns to fill in are formatted as text (so that 85% or 2021-11 stays as
    typed) and shaded; the header is bold and stays in view.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    titles: list[str] = []
    written = 0
    row = next(rows, None)
    while row is not None or not titles:  # a header even when there are no rows
        sheet = workbook.create_sheet(title if not titles else f"{title} {len(titles) + 1}")
        titles.append(sheet.title)
        for index, (_, width) in enumerate(layout, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        header = []
        for name, _ in layout:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        # An empty cell to fill in, written as it is wherever its column is (openpyxl
        # writes an appended row out at once).
        blank = WriteOnlyCell(sheet, value=None)
        blank.number_format = "@"
        blank.fill = PatternFill("solid", fgColor="FFF2CC")
        to_fill = [name in editable for name, _ in layout]
        room = SHEET_ROWS - 1
        while row is not None and room:
            # Text such as a target '=4次' or a name '=HYPERLINK(…)' stays text (kpitrack.io.cells).
            sheet.append([blank if fill else safe(sheet, value) for value, fill in zip(row, to_fill, strict=True)])
            written += 1
            room -= 1
            row = next(rows, None)
    return written, tuple(titles)
