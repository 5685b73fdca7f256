"""Filled-in self-evaluation tables (项目支出绩效自评表) in, the audited workbook out.

Two layouts are read, from CSV (UTF-8 with or without BOM, UTF-16, GBK) or XLSX:

- the **flat** table: one row per line under a header row that has a 项目 column::

      项目, 一级指标, 二级指标, 三级指标, 年度指标值, 实际完成值, 分值, 得分[, 偏差原因分析及改进措施]

  Rows sharing a 项目 value are one table (a blank 项目 repeats the row above); one
  file may hold many.  The budget line is the row whose 三级指标 is 预算执行率, with
  年度指标值 = 全年预算数 and 实际完成值 = 全年执行数 (万元, or with their unit: 350000元);
  the row whose 一级指标 is 总分 carries the published total in 得分 and the grade in
  实际完成值.
- the **official** 自评表 (财预〔2020〕10号 附件, and the sheets ``kpitrack form selfeval``
  writes): one project per sheet, or several one under another.  The 绩效指标 header
  row is found by its cells anywhere in the sheet; blank (merged) 一级/二级 cells
  repeat the row above; the 项目资金 block above it (年初预算数, 全年预算数, 全年执行数,
  分值, 执行率, 得分; 万元 unless its label says 元) is the budget line; the 总分 row
  ends the table, with 等级 beside or under it; the project is the cell after 项目名称.

Both accept the published variants: the target split over 指标性质 / 指标值 / 度量单位
cells (in one header row or under a 年度指标值 row), a province's own column names
(权重 for 分值, 完成值, 未完成原因分析; 调整后预算数, 预算执行数, 总额 in the funds block),
a vendor's English headers (findex, sindex, name, indexval, actualvalue, actualweight,
score, kpi_remark), tier weights printed in the 一级指标 cell (产出指标（50分）), 小计
rows, blank cells.  Rows are numbered as the file shows them.  A file that cannot be
read, or holds no such table, is a located :class:`~kpitrack.problems.Problem`; the
other files are still read.

:func:`write_report` writes the audited tables to a workbook: the rows as read with
the rules' scores beside them, each flagged cell filled and commented with why.
"""

from __future__ import annotations

import csv
import functools
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path
from typing import Any

import attrs

from kpitrack import audit
from kpitrack.audit import AuditedRow, AuditedTable, FilledTable, FundLine, IndicatorLine, TotalLine
from kpitrack.io import table_files
from kpitrack.io.cells import put
from kpitrack.io.layout import Layout
from kpitrack.io.textfile import csv_rows
from kpitrack.io.workbook import read_sheets
from kpitrack.numbers import rounded
from kpitrack.problems import Problem, ProblemsFound

__all__ = ["SUFFIXES", "read_file", "read_paths", "write_report"]

SUFFIXES = frozenset({".csv", ".xlsx", ".xlsm"})

# Header spellings (NFKC, no spaces, lower case, a trailing （分）/（万元） dropped) → field.
_HEADERS = {
    "project": ("项目", "项目名称", "project"),
    "level1": ("一级指标", "findex"),
    "level2": ("二级指标", "sindex"),
    "name": ("三级指标", "指标名称", "name"),
    "target": ("年度指标值", "指标值", "目标值", "indexval"),
    "nature": ("指标性质",),
    "unit": ("度量单位", "计量单位"),
    "actual": ("实际完成值", "全年实际值", "实际值", "完成值", "actualvalue"),
    "weight": ("分值", "权重", "actualweight"),
    "score": ("得分", "score"),
    "reason": (
        "偏差原因分析及改进措施",
        "偏差原因分析",
        "偏差原因",
        "偏差说明",
        "未完成原因分析",
        "未完成原因",
        "kpi_remark",
    ),
}
_FIELDS = {spelling: field for field, spellings in _HEADERS.items() for spelling in spellings}
_NEEDED = frozenset({"name", "target", "actual", "score"})
# The field each column is reported as in findings: the 自评表's own column names.
_FIELD_NAMES = {
    "level1": audit.LEVEL1,
    "level2": audit.LEVEL2,
    "name": audit.NAME,
    "target": audit.TARGET,
    "actual": audit.ACTUAL,
    "weight": audit.WEIGHT,
    "score": audit.SCORE,
    "reason": audit.REASON,
}
_FUND_HEADERS = {
    "initial": ("年初预算数", "年初预算"),
    "budget": ("全年预算数", "调整后预算数", "调整后预算", "全年预算"),
    "spent": ("全年执行数", "预算执行数", "实际执行数", "执行数"),
    "weight": ("分值", "权重"),
    "rate": ("执行率", "预算执行率"),
    "score": ("得分",),
}
_FUND_FIELDS = {
    "initial": audit.INITIAL,
    "budget": audit.BUDGET,
    "spent": audit.SPENT,
    "weight": audit.WEIGHT,
    "rate": audit.RATE,
    "score": audit.SCORE,
}
_FUND_TOTALS = frozenset({"年度资金总额", "总额", "合计", "资金总额"})
_SUFFIX_RE = re.compile(r"[(（][^()（）]*[)）]$")
_YEAR_RE = re.compile(r"(\d{4})\s*年度")
_NATURE_OPS = {"正向指标": "≥", "正向": "≥", "反向指标": "≤", "反向": "≤", "定性": "", "定量": "", "定性指标": ""}
_TOTAL_WORDS = frozenset({"总分", "合计", "总计", "得分合计"})
_SUBTOTAL_WORDS = frozenset({"小计"})

Grid = list[tuple[int, list[str]]]  # a sheet's rows as text: (row number, cells)


def read_paths(paths: Sequence[Path], layouts: Sequence[Layout] = ()) -> tuple[list[FilledTable], list[Problem]]:
    """Every table in the files (and folders) given, and every problem of the files that could not be read.

    ``layouts`` are a province's 自评表 layouts (:mod:`kpitrack.io.layout`): their indicator
    column headers are read as the standard ones are.
    """
    words = _vocabulary(layouts)
    tables: list[FilledTable] = []
    problems: list[Problem] = []
    for path in table_files(paths, problems, "a self-evaluation table", SUFFIXES):
        found, trouble = read_file(path, words)
        tables += found
        problems += trouble
    return tables, problems


def read_file(path: Path, words: Mapping[str, str] = _FIELDS) -> tuple[list[FilledTable], list[Problem]]:
    """The tables of one CSV or XLSX file (flat or official layout), or why there are none."""
    try:
        grids = _csv_grids(path) if path.suffix.lower() == ".csv" else _xlsx_grids(path)
    except ProblemsFound as unreadable:  # not text in any encoding read, a damaged workbook, an error cell …
        return [], list(unreadable.problems)
    except (OSError, csv.Error) as error:
        return [], [Problem(str(path), f"cannot read the file: {getattr(error, 'strerror', None) or error}")]
    tables: list[FilledTable] = []
    problems: list[Problem] = []
    for sheet, grid in grids:
        found, trouble = _tables(str(path), sheet, grid, words)
        tables += found
        problems += trouble
    if not tables and not problems:
        problems.append(
            Problem(
                str(path),
                "no self-evaluation table: expected a header row with 一级指标, 二级指标, 三级指标, "
                "年度指标值, 实际完成值, 分值, 得分",
            )
        )
    return tables, problems


# A layout's indicator fields (:data:`kpitrack.io.forms.FIELDS`) → the reader's.
_LAYOUT_FIELDS = {
    "level1": "level1",
    "level2": "level2",
    "indicator": "name",
    "target": "target",
    "actual": "actual",
    "weight": "weight",
    "score": "score",
    "explanation": "reason",
}


def _vocabulary(layouts: Sequence[Layout]) -> Mapping[str, str]:
    """The header spellings read: the standard ones, and each layout's indicator column headers."""
    words = dict(_FIELDS)
    for layout in layouts:
        for column in layout.columns:
            field = _LAYOUT_FIELDS.get(column.field)
            if field is not None:
                words[_key(column.header)] = field
    return words


# -- files into grids of text ----------------------------------------------------------------


def _csv_grids(path: Path) -> list[tuple[str | None, Grid]]:
    """A CSV file as one grid, in whatever encoding the import reads (:func:`kpitrack.io.textfile.csv_rows`)."""
    with csv_rows(path) as reader:
        return [(None, [(number, cells) for number, cells in enumerate(reader, start=1)])]


def _xlsx_grids(path: Path) -> list[tuple[str | None, Grid]]:
    """Each sheet as a grid of the text people see (:func:`kpitrack.io.workbook.read_sheets`)."""
    return [(title, list(rows)) for title, rows in read_sheets(path)]


# -- grids into tables ---------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def _key(cell: str) -> str:
    """A cell as a header key: NFKC, no spaces, lower case, a trailing （unit） dropped (cached: tables repeat)."""
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell)).lower()
    return cleaned if cleaned in _FIELDS else _SUFFIX_RE.sub("", cleaned)


def _header(cells: Sequence[str], words: Mapping[str, str]) -> dict[str, int] | None:
    """The columns of an indicator header row (field → position), or None if the row is not one."""
    columns: dict[str, int] = {}
    for position, cell in enumerate(cells):
        field = words.get(_key(cell))
        if field is not None and field not in columns:
            columns[field] = position
    return columns if columns.keys() >= _NEEDED else None


@attrs.frozen
class _Columns:
    """A header row read: field → position, and field → the column as written (for locating)."""

    at: dict[str, int]
    labels: dict[str, str]

    def cell(self, cells: Sequence[str], field: str) -> str:
        position = self.at.get(field)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    def target(self, cells: Sequence[str]) -> str:
        """年度指标值, or the split 指标性质 + 指标值 + 度量单位 cells joined (≥ 95 %)."""
        value = self.cell(cells, "target")
        nature = self.cell(cells, "nature")
        unit = self.cell(cells, "unit")
        if "nature" not in self.at and "unit" not in self.at:
            return value
        op = _NATURE_OPS.get(re.sub(r"\s+", "", nature), nature)
        if value and unit and value.endswith(unit):
            unit = ""
        return f"{op}{value}{unit}" if value else ""


def _columns(header: Sequence[str], at: dict[str, int], letters: bool) -> _Columns:
    labels = {}
    for field, position in at.items():
        name = _FIELD_NAMES.get(field)
        if name is not None:
            written = re.sub(r"\s+", "", header[position])
            labels[name] = f"{written} ({_letter(position)})" if letters else written
    if "nature" in at or "unit" in at:
        labels[audit.TARGET] = "指标性质/指标值/度量单位"
    return _Columns(at, labels)


def _letter(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(position + 1)


def _tables(
    file: str, sheet: str | None, grid: Grid, words: Mapping[str, str]
) -> tuple[list[FilledTable], list[Problem]]:
    """The tables of one grid: flat when the header has a 项目 column, else official blocks."""
    for index in range(len(grid)):
        found = _header_at(grid, index, words, letters=sheet is not None)
        if found is None:
            continue
        columns, body = found
        if "project" in columns.at:
            return _flat(file, sheet, columns, grid[body:])
        return _official(file, sheet, grid, words), []
    return [], []


def _header_at(grid: Grid, index: int, words: Mapping[str, str], *, letters: bool) -> tuple[_Columns, int] | None:
    """The header at ``index`` and the index of its first body row.

    A split target is often a two-row header: 年度指标值 over 指标性质 / 指标值 / 度量单位;
    the second row's cells then say where the parts are.
    """
    cells = grid[index][1]
    at = _header(cells, words)
    if at is None:
        return None
    if index + 1 < len(grid):
        below = grid[index + 1][1]
        parts = {words.get(_key(cell)): position for position, cell in enumerate(below)}
        if "nature" in parts or "unit" in parts:
            merged = [b if b.strip() else a for a, b in zip_longest(cells, below, fillvalue="")]
            at.update({field: position for field, position in parts.items() if field in ("target", "nature", "unit")})
            return _columns(merged, at, letters), index + 2
    return _columns(cells, at, letters), index + 1


def _flat(file: str, sheet: str | None, columns: _Columns, rows: Grid) -> tuple[list[FilledTable], list[Problem]]:
    """Rows grouped by 项目 (a blank cell repeats the one above), in the order projects first appear."""
    groups: dict[str, list[tuple[int, list[str]]]] = {}
    problems: list[Problem] = []
    project = ""
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        project = columns.cell(cells, "project") or project
        if not project:
            where = f"{file}: sheet {sheet}, row {number}" if sheet else f"{file}: row {number}"
            problems.append(Problem(where, "no 项目 on this row or above it"))
            continue
        groups.setdefault(project, []).append((number, cells))
    tables = [_table(file, sheet, name, columns, group, None) for name, group in groups.items()]
    return tables, problems


def _table(file: str, sheet: str | None, project: str, columns: _Columns, rows: Grid, year: int | None) -> FilledTable:
    """One table's lines: indicator rows (一级/二级 carried down), the budget line, the 总分 row."""
    lines: list[IndicatorLine] = []
    fund: FundLine | None = None
    total: TotalLine | None = None
    level1 = level2 = ""
    labels = dict(columns.labels)
    for number, cells in rows:
        first, name = columns.cell(cells, "level1"), columns.cell(cells, "name")
        if any(_key(cell) in _TOTAL_WORDS for cell in cells):
            total = _total(number, cells, columns)
            if total.grade:  # printed in the 实际完成值 column
                labels[audit.GRADE_FIELD] = labels.get(audit.ACTUAL, audit.ACTUAL)
            continue
        if _key(name) == audit.EXECUTION_NAME or (not name and _key(first) == audit.EXECUTION_NAME):
            fund = FundLine(
                number,
                budget=columns.cell(cells, "target"),
                spent=columns.cell(cells, "actual"),
                weight=columns.cell(cells, "weight"),
                score=columns.cell(cells, "score"),
            )
            labels[audit.BUDGET] = labels.get(audit.TARGET, audit.TARGET)
            labels[audit.SPENT] = labels.get(audit.ACTUAL, audit.ACTUAL)
            continue
        second = columns.cell(cells, "level2")
        if first:
            level1, level2 = first, second
        elif second:
            level2 = second
        target = columns.target(cells)
        if (not name and not target) or _key(name) in _SUBTOTAL_WORDS:
            continue  # a spacer, a tier label alone on its row, or a tier's subtotal (小计)
        lines.append(
            IndicatorLine(
                number,
                level1,
                level2,
                name,
                target,
                columns.cell(cells, "actual"),
                columns.cell(cells, "weight"),
                columns.cell(cells, "score"),
                columns.cell(cells, "reason") if "reason" in columns.at else None,
            )
        )
    return FilledTable(project, file, tuple(lines), fund, total, sheet, year, labels)


def _total(number: int, cells: Sequence[str], columns: _Columns) -> TotalLine:
    """The 总分 row: the total in the 得分 column, else the last number on the row; the grade in 实际完成值."""
    total = columns.cell(cells, "score")
    if not total:
        numbers = [cell.strip() for cell in cells if re.fullmatch(r"\s*\d+(?:\.\d+)?\s*分?\s*", cell)]
        total = numbers[-1] if numbers else ""
    return TotalLine(number, total, columns.cell(cells, "actual"))


def _official(file: str, sheet: str | None, grid: Grid, words: Mapping[str, str]) -> list[FilledTable]:
    """The official 自评表: each indicator header starts a table, whose head lies above it."""
    tables: list[FilledTable] = []
    start = 0  # where the current table's head (title, 项目名称, 项目资金) begins
    index = 0
    while index < len(grid):
        found = _header_at(grid, index, words, letters=sheet is not None)
        if found is None:
            index += 1
            continue
        columns, first = found
        end = _block_end(grid, first, words)
        head = grid[start:index]
        body = grid[first : end + 1]
        table = _table(file, sheet, _project_name(head) or sheet or file, columns, body, _year(head))
        fund = _fund(head, letters=sheet is not None)
        if fund is not None and table.fund is None:
            line, labels = fund
            table = attrs.evolve(table, fund=line, columns={**table.columns, **labels})
        if table.total is not None and not table.total.grade:
            grade = _grade_near(grid, end)
            table = attrs.evolve(table, total=attrs.evolve(table.total, grade=grade))
        tables.append(table)
        start = index = end + 1
    return tables


def _block_end(grid: Grid, first: int, words: Mapping[str, str]) -> int:
    """The index of the row that ends a table: its 总分 row, the row before the next header, or the last."""
    for index in range(first, len(grid)):
        cells = grid[index][1]
        if any(_key(cell) in _TOTAL_WORDS for cell in cells):
            return index
        if _header(cells, words) is not None:
            return index - 1
    return len(grid) - 1


def _project_name(head: Grid) -> str:
    for _, cells in head:
        for position, cell in enumerate(cells):
            if _key(cell) == "项目名称":
                return next((c.strip() for c in cells[position + 1 :] if c.strip()), "")
    return ""


def _year(head: Grid) -> int | None:
    for _, cells in head:
        for cell in cells:
            match = _YEAR_RE.search(cell)
            if match is not None:
                return int(match.group(1))
    return None


def _fund(head: Grid, *, letters: bool) -> tuple[FundLine, dict[str, str]] | None:
    """The 项目资金 block: its header row (全年预算数, 全年执行数 …) and the 年度资金总额 row under it."""
    for index, (_, cells) in enumerate(head):
        keys = [_key(cell) for cell in cells]
        at = {field: keys.index(name) for field, names in _FUND_HEADERS.items() for name in names if name in keys}
        if "budget" in at and "spent" in at:
            line = _fund_line(head[index + 1 :], at, _money_unit(head[: index + 1]))
            if line is None:
                return None
            labels = {
                _FUND_FIELDS[field]: f"{_written(cells[at[field]])} ({_letter(at[field])})"
                if letters
                else _written(cells[at[field]])
                for field in at
            }
            return line, labels
    return None


def _fund_line(rows: Grid, at: dict[str, int], unit: str) -> FundLine | None:
    """The budget line under the block's header: the 年度资金总额 (总额) row.

    When that row prints no budget (blank or 0) while a row under it does (其中：本年
    财政拨款), the money is that row's; 分值, 执行率 and 得分 are the 总额 row's.
    """
    below = [(n, values) for n, values in rows if _cell(values, at["budget"])]
    total = next((r for r in below if any(_key(c).rstrip(":") in _FUND_TOTALS for c in r[1])), None)
    money = total
    if total is None or _is_zero(_cell(total[1], at["budget"])):
        money = next((r for r in below if not _is_zero(_cell(r[1], at["budget"]))), total)
    if money is None:
        return None
    number, values = money
    scored = total[1] if total is not None else values
    cells = {
        field: _cell(values, at.get(field)).strip("/") or _cell(scored, at.get(field))
        for field in ("weight", "score", "rate")
    }
    return FundLine(
        number,
        budget=_cell(values, at.get("budget")),
        spent=_cell(values, at.get("spent")),
        weight=cells["weight"],
        score=cells["score"],
        rate=cells["rate"],
        initial=_cell(values, at.get("initial")),
        unit=unit,
    )


def _written(cell: str) -> str:
    return re.sub(r"\s+", "", cell)


def _is_zero(text: str) -> bool:
    """A blank amount, or one that reads as 0 (0, 0.00)."""
    return re.fullmatch(r"[0.,\s]*", text) is not None


def _money_unit(rows: Grid) -> str:
    """万元 unless the 项目资金 label (or a money header) says 元."""
    for _, cells in reversed(rows):
        for cell in cells:
            text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell))
            if ("资金" in text or "预算数" in text) and ("(元)" in text or "(单位:元)" in text):
                return "元"
            if "资金" in text and "万元" in text:
                return "万元"
    return "万元"


def _cell(cells: Sequence[str], position: int | None) -> str:
    return cells[position].strip() if position is not None and position < len(cells) else ""


def _grade_near(grid: Grid, index: int) -> str:
    """等级 printed on the 总分 row or the two rows under it (自评等级: 优, or a cell 等级 then 优)."""
    for _, cells in grid[index : index + 3]:
        for position, cell in enumerate(cells):
            key = _key(cell)
            if "等级" not in key:
                continue
            rest = re.sub(r".*等级[:：]?", "", key)
            if rest:
                return rest
            return next((c.strip() for c in cells[position + 1 :] if c.strip()), "")
    return ""


# -- the audited workbook --------------------------------------------------------------------

_OUT_COLUMNS = (
    ("行", 6),
    (audit.LEVEL1, 12),
    (audit.LEVEL2, 14),
    (audit.NAME, 30),
    (audit.TARGET, 14),
    (audit.ACTUAL, 14),
    (audit.WEIGHT, 8),
    (audit.SCORE, 8),
    (audit.REASON, 24),
    ("复核得分", 10),
    ("复核计算", 48),
    ("标记", 24),
)
_AT = {name: position for position, (name, _) in enumerate(_OUT_COLUMNS, start=1)}
# Where a finding about a field is shown in the written sheet.
_SHOWN_AT = {
    audit.BUDGET: audit.TARGET,
    audit.INITIAL: audit.TARGET,
    audit.SPENT: audit.ACTUAL,
    audit.RATE: audit.ACTUAL,
    audit.GRADE_FIELD: audit.ACTUAL,
}
_FLAGGED_FILL = "FFC7CE"  # light red: the rules disagree
_ROUNDING_FILL = "FFEB9C"  # light yellow: explained by a rounding rule


def write_report(path: Path, tables: Sequence[AuditedTable], *, force: bool = False) -> Problem | None:
    """The audited tables as a workbook: a summary sheet, then each table's rows with the rules' scores.

    Every flagged cell is filled and carries a comment saying why.  Written to a
    temporary file beside ``path`` and moved into place, so a failure leaves nothing
    half-written; an existing file is refused unless ``force``.
    """
    if path.exists() and not force:
        return Problem(str(path), "already exists; give --force to replace it")
    import openpyxl

    workbook = openpyxl.Workbook()
    summary = workbook.worksheets[0]
    summary.title = "复核汇总"
    _write_summary(summary, tables)
    names = {summary.title}
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.table.project, names))
        _write_table(sheet, table)
    # Beside the target, so the move is atomic; made by openpyxl itself, so it gets the
    # permissions any new file gets here (a mkstemp file would be private to its owner).
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        try:
            workbook.save(temporary)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as error:
        return Problem(str(path), f"cannot write the report: {error.strerror or error}")
    return None


def _sheet_name(project: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", project).strip() or "table"
    name, n = base[:31], 2
    while name in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _append(sheet: Any, values: Sequence[object]) -> int:
    """Append a row and give its number; text a spreadsheet would take for a formula (=100%) stays text."""
    sheet.append(list(values))
    number: int = sheet.max_row
    for cell in sheet[number]:
        put(cell, cell.value)
    return number


def _write_summary(sheet: Any, tables: Sequence[AuditedTable]) -> None:
    from openpyxl.styles import Font

    _append(sheet, ["文件", "项目", "总分 (published)", "总分 (rules)", "等级", "等级 (rules)", "标记"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for table in tables:
        _append(
            sheet,
            [
                table.table.source,
                table.table.project,
                _number(table.total_published),
                _number(table.total_rules),
                table.grade_published,
                table.grade_rules.value if table.grade_rules is not None else "",
                ", ".join(table.flags),
            ],
        )
    for letter, width in zip("ABCDEFG", (40, 30, 14, 14, 8, 10, 40), strict=True):
        sheet.column_dimensions[letter].width = width


def _write_table(sheet: Any, table: AuditedTable) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    _append(sheet, [f"{table.table.project}  ({table.table.source})"])
    _append(sheet, [name for name, _ in _OUT_COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for position, (_, width) in enumerate(_OUT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A3"
    for row in table.rows:
        _mark(sheet, _append(sheet, _cells(row)), row.findings)
    for finding in table.findings:
        number = _append(sheet, ["", "复核", "", "", "", "", "", "", "", "", finding.message, finding.flag])
        _mark(sheet, number, [finding])


def _cells(row: AuditedRow) -> list[Any]:
    line = row.line
    flags = ", ".join(row.flags)
    expected, explain = _number(row.expected), row.explain
    if isinstance(line, IndicatorLine):
        return [
            row.row,
            line.level1,
            line.level2,
            line.name,
            line.target,
            line.actual,
            line.weight,
            line.score,
            line.reason or "",
            expected,
            explain,
            flags,
        ]
    if isinstance(line, FundLine):
        budget = f"{line.budget} (年初 {line.initial})" if line.initial else line.budget
        spent = f"{line.spent} (执行率 {line.rate})" if line.rate else line.spent
        return [
            row.row,
            "",
            "",
            audit.EXECUTION_NAME,
            budget,
            spent,
            line.weight,
            line.score,
            "",
            expected,
            explain,
            flags,
        ]
    assert isinstance(line, TotalLine)
    return [row.row, audit.TOTAL_FIELD, "", "", "", line.grade, "", line.total, "", expected, explain, flags]


def _mark(sheet: Any, number: int, findings: Iterable[audit.Finding]) -> None:
    """Fill each flagged cell and comment it with every finding about it."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_column: dict[int, list[audit.Finding]] = {}
    for finding in findings:
        column = _AT.get(_SHOWN_AT.get(finding.field, finding.field), _AT[audit.SCORE])
        by_column.setdefault(column, []).append(finding)
    for column, found in by_column.items():
        cell = sheet.cell(row=number, column=column)
        colour = _ROUNDING_FILL if all(f.flag == audit.ROUNDING for f in found) else _FLAGGED_FILL
        cell.fill = PatternFill("solid", fgColor=colour)
        text = "\n".join(f"{f.flag}: {f.message}" for f in found)
        cell.comment = Comment(text, "kpitrack audit", width=360, height=max(80, 40 * len(found)))


def _number(value: Decimal | None) -> Decimal | None:
    """A figure for a cell, at display precision (two places, half up)."""
    return None if value is None else rounded(value)
