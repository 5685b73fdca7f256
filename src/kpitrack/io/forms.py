"""The official forms (报表) as workbooks: 自评表, 绩效运行监控表 and 绩效目标表, out and back in.

:func:`write` fills a form's layout (:mod:`kpitrack.io.layout`, a description read from
a TOML file) with the API's records: a summary sheet (汇总) first, then one sheet per
project named by its id, print-ready (A4 landscape, one page wide, the indicator header
repeated on every page, borders, a CJK font, widths that fit the text).  Every cell is
a value, never a formula (:mod:`kpitrack.io.cells`).  Numbers are rounded half up to two
places by :func:`kpitrack.numbers.rounded`, as ``score --format json`` rounds them.

:func:`read_filled` recognises a filled-in form by its title and its indicator header
and returns what a unit wrote in the ``input`` columns, and in the ``input`` cells of
the budget row (项目资金: its 偏差原因, 完成目标可能性 and 纠偏措施), each cell located as
``p04!E12``; the API turns that into values and explanations.

The fields a layout may name are those of :data:`FIELDS`; what each holds is made
here from the records (:class:`FormSheet`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import wcwidth

from kpitrack.explanations import BUDGET, Explanation
from kpitrack.io.cells import put
from kpitrack.io.layout import Column, Layout, Placed, grid
from kpitrack.io.output import check_writable, replacing
from kpitrack.io.workbook import DAMAGED, unsaved_formulas, value_text
from kpitrack.model import Indicator, Project
from kpitrack.monitoring import IndicatorStatus, Light, ProjectStatus
from kpitrack.numbers import rounded
from kpitrack.periods import Period
from kpitrack.problems import Problem, ProblemsFound
from kpitrack.scoring import IndicatorScore, ProjectScore
from kpitrack.thresholds import format_decimal

__all__ = [
    "BUDGET_INPUTS",
    "FIELDS",
    "INDICATOR_FIELDS",
    "LIGHT_WORDS",
    "PROJECT_FIELDS",
    "FilledRow",
    "FilledSheet",
    "FormSheet",
    "Percent",
    "read_filled",
    "write",
]

SUMMARY_SHEET = "汇总"
SHEET_NAME = 31  # the most characters a worksheet's name may have

LIGHT_WORDS = {
    Light.BLUE: "蓝灯",
    Light.GREEN: "绿灯",
    Light.YELLOW: "黄灯",
    Light.RED: "红灯",
    Light.NO_DATA: "无数据",
    Light.NOT_APPLICABLE: "不适用",
}


@attrs.frozen
class Percent:
    """A rate shown as a percentage (执行率, 序时进度): written as a number formatted ``0.00%``."""

    value: Decimal


Value = str | Decimal | int | Percent | None


@attrs.frozen
class FormSheet:
    """What one project's sheet shows: its goals, and its score or its status, and its explanations.

    ``explained`` holds the form's period's explanations by indicator id (the budget
    row's under :data:`~kpitrack.explanations.BUDGET`); ``missing`` what needs one and
    has none (:func:`kpitrack.explanations.cutoff_missing`).
    """

    project: Project
    score: ProjectScore | None = None
    status: ProjectStatus | None = None
    explained: Mapping[str, Explanation] = attrs.field(factory=dict)
    missing: tuple[str, ...] = ()


@attrs.frozen
class _Row:
    """One indicator's row: its indicator and the values of its fields."""

    indicator: Indicator
    values: Mapping[str, Value]


# -- the fields a layout may name ------------------------------------------------------------


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else rounded(value)


def _project_fields(sheet: FormSheet) -> dict[str, Value]:
    project = sheet.project
    return {
        "project": project.id,
        "name": project.name,
        "unit": project.unit,
        "department": project.department or project.unit,
        "agency": project.agency or project.unit,
        "budget": _money(project.budget),
        "initial_budget": _money(project.initial_budget if project.initial_budget is not None else project.budget),
        "fiscal": _money(project.fiscal),
        "carryover": _money(project.carryover),
        "other": _money(project.other),
        "goal": project.goal,
        "outcome": project.outcome,
        "plan": " ".join(f"{key} {format_decimal(amount)}" for key, amount in project.plan),
        "indicators": len(project.indicators),
        "missing": "、".join(sheet.missing),
    }


def _score_fields(sheet: FormSheet) -> dict[str, Value]:
    score = sheet.score
    if score is None:
        return {}
    execution = score.execution
    return {
        "spent": _money(execution.spent),
        "execution_weight": rounded(execution.weight),
        "execution_rate": None if execution.rate is None else Percent(execution.rate),
        "execution_score": rounded(execution.score),
        "weight_total": rounded(execution.weight + sum((i.weight for i in score.indicators), Decimal(0))),
        "total": rounded(score.total),
        "grade": score.grade.value,
    }


def _status_fields(sheet: FormSheet) -> dict[str, Value]:
    status = sheet.status
    if status is None:
        return {}
    budget = status.budget
    values: dict[str, Value] = {
        "light": LIGHT_WORDS[status.light],
        "budget_light": LIGHT_WORDS[budget.light],
        "schedule": Percent(status.p),
        "expected_spent": _money(budget.expected),
        "budget_estimate": budget.likelihood.value if budget.likelihood else "",
        **_budget_explanation(sheet.explained.get(BUDGET)),
    }
    if sheet.score is None:  # the monitoring form: money to the cut-off
        values["spent"] = _money(budget.spent)
        values["execution_rate"] = None if budget.rate is None else Percent(budget.rate)
    return values


def _budget_explanation(explanation: Explanation | None) -> dict[str, Value]:
    """The budget row's explanation as the unit wrote it (blank when none): import reads these cells back.

    Only what was recorded, never the engine's own estimate of the likelihood: a cell
    kpitrack filled would come back as if the unit had written it, as an explanation.
    """
    return {
        "budget_cause": explanation.cause.value if explanation and explanation.cause else "",
        "budget_explanation": explanation.text if explanation else "",
        "budget_likelihood": explanation.likelihood.value if explanation and explanation.likelihood else "",
        "budget_measures": explanation.measures if explanation else "",
    }


def _indicator_fields(indicator: Indicator) -> dict[str, Value]:
    return {
        "level1": indicator.level1,
        "level2": indicator.level2,
        "indicator": indicator.name,
        "target": str(indicator.target),
        "unit": indicator.unit,
        "weight": None if indicator.weight is None else rounded(indicator.weight),
    }


def _score_row(item: IndicatorScore, explanation: Explanation | None) -> dict[str, Value]:
    return {
        **_indicator_fields(item.indicator),
        "actual": "" if item.actual is None else str(item.actual),
        "weight": rounded(item.weight),
        "score": rounded(item.score),
        "explanation": explanation.text if explanation else "",
    }


def _status_row(item: IndicatorStatus, explanation: Explanation | None) -> dict[str, Value]:
    expected = "" if item.expected is None else f"{format_decimal(rounded(item.expected))}{item.indicator.unit}"
    return {
        **_indicator_fields(item.indicator),
        "to_date": "" if item.actual is None else str(item.actual),
        "expected": expected,
        "light": LIGHT_WORDS[item.light],
        "cause": explanation.cause.value if explanation and explanation.cause else "",
        "explanation": explanation.text if explanation else "",
        "likelihood": explanation.likelihood.value if explanation and explanation.likelihood else "",
        "measures": explanation.measures if explanation else "",
        "note": "",
    }


def _rows(form: str, sheet: FormSheet) -> list[_Row]:
    explained = sheet.explained.get
    if form == "selfeval" and sheet.score is not None:
        return [_Row(i.indicator, _score_row(i, explained(i.indicator.id))) for i in sheet.score.indicators]
    if form == "monitor" and sheet.status is not None:
        return [_Row(i.indicator, _status_row(i, explained(i.indicator.id))) for i in sheet.status.indicators]
    return [_Row(i, _indicator_fields(i)) for i in sheet.project.indicators]


# The fields a layout may name, with what each shows.  A field a form has no record for
# (a score on the monitoring form) is an empty cell.
PROJECT_FIELDS = {
    "project": "the project id",
    "name": "项目名称",
    "unit": "预算单位",
    "department": "主管部门 (default: the budget unit)",
    "agency": "实施单位 (default: the budget unit)",
    "budget": "全年预算数 (万元)",
    "initial_budget": "年初预算数 (default: the budget)",
    "fiscal": "本年财政拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
    "goal": "年度总体目标",
    "outcome": "its 实际完成情况",
    "plan": "the fund-release plan, e.g. 'Q2 10 Q3 15'",
    "indicators": "how many indicators",
    "missing": "the indicators still missing an explanation",
    "spent": "全年执行数 (自评表) or 1-N月执行数 (监控表)",
    "execution_weight": "预算执行率's 分值",
    "execution_rate": "执行率",
    "execution_score": "预算执行率's 得分",
    "weight_total": "the 分值 of all rows (100)",
    "total": "总分",
    "grade": "等级",
    "light": "the project's light (预警)",
    "budget_light": "the budget's light",
    "schedule": "序时进度 (share of the year elapsed, or planned)",
    "expected_spent": "全年预计执行数",
    "budget_estimate": "the budget's 完成目标可能性 as kpitrack estimates it from the pace (not read back)",
    "budget_cause": "the budget row's 原因类别 (import reads it, as an input cell)",
    "budget_explanation": "the budget row's 偏差原因分析 text (import reads it, as an input cell)",
    "budget_likelihood": "the budget row's 完成目标可能性 as the unit states it (import reads it, as an input cell)",
    "budget_measures": "the budget row's 纠偏措施 (import reads it, as an input cell)",
}
# The budget row's cells import reads back (``input = true`` in the head), and the
# explanation field each fills, named as an indicator row's input columns are.
BUDGET_INPUTS = {
    "budget_cause": "cause",
    "budget_explanation": "explanation",
    "budget_likelihood": "likelihood",
    "budget_measures": "measures",
}
INDICATOR_FIELDS = {
    "level1": "一级指标",
    "level2": "二级指标",
    "indicator": "三级指标 (what import matches the row by)",
    "target": "年度指标值",
    "unit": "度量单位",
    "weight": "分值",
    "actual": "实际完成值 (the year to date; import reads it)",
    "score": "得分",
    "explanation": "偏差原因分析及改进措施, or a cut-off's 偏差原因 text (import reads it)",
    "to_date": "1-N月执行情况 (import reads it)",
    "expected": "全年预计完成情况",
    "light": "预警",
    "cause": "原因类别 (import reads it)",
    "likelihood": "完成目标可能性 (import reads it)",
    "measures": "纠偏措施 (import reads it)",
    "note": "备注 (left empty)",
}
FIELDS: Mapping[str, tuple[str, ...]] = {
    "head": tuple(PROJECT_FIELDS),
    "columns": tuple(INDICATOR_FIELDS),
    "summary": tuple(PROJECT_FIELDS),
    "inputs": tuple(BUDGET_INPUTS),
}


def _sheet_values(sheet: FormSheet) -> dict[str, Value]:
    return {**_project_fields(sheet), **_score_fields(sheet), **_status_fields(sheet)}


# -- writing ---------------------------------------------------------------------------------


def write(
    path: Path,
    layout: Layout,
    sheets: Sequence[FormSheet],
    *,
    year: int,
    as_of: Period | None = None,
    force: bool = False,
) -> None:
    """Write the form for ``sheets`` to ``path``: a summary sheet, then one sheet per project.

    All or nothing: the workbook is written beside ``path`` and moved into place, so a
    failure leaves no half-written file; an existing file is replaced only with ``force``.
    """
    check_writable(path, force=force)
    long = [sheet.project.id for sheet in sheets if len(sheet.project.id) > SHEET_NAME]
    if long:
        reason = f"longer than a sheet's name may be ({SHEET_NAME} characters); the sheets are named by project id"
        raise ProblemsFound([Problem(key, reason) for key in long])
    import openpyxl

    workbook = openpyxl.Workbook()
    words = {"{year}": str(year), "{month}": str(as_of.last if as_of else 12)}
    _summary(workbook.active, layout, sheets, _words(layout.title, words))
    for sheet in sheets:
        _project_sheet(workbook.create_sheet(sheet.project.id), layout, sheet, words)
    with replacing(path, force=force) as temporary:
        workbook.save(temporary)


def _words(text: str, words: Mapping[str, str]) -> str:
    """A layout's text with ``{year}`` and ``{month}`` filled in (other braces are left alone)."""
    for key, word in words.items():
        text = text.replace(key, word)
    return text


class _Styles:
    """The fonts, borders and alignments of one layout (openpyxl style objects, made once)."""

    def __init__(self, layout: Layout) -> None:
        from openpyxl.styles import Alignment, Border, Font, Side

        thin = Side(style="thin")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.font = Font(name=layout.font, size=layout.size)
        self.bold = Font(name=layout.font, size=layout.size, bold=True)
        self.title = Font(name=layout.font, size=layout.size + 6, bold=True)
        self.align = {
            "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
            "left": Alignment(horizontal="left", vertical="center", wrap_text=True),
        }


def _put(sheet: Any, row: int, column: int, value: Value, styles: _Styles, *, align: str = "center") -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, Percent):
        put(cell, value.value.quantize(Decimal("0.0001")))
        cell.number_format = "0.00%"
    else:
        put(cell, value)
        if isinstance(value, Decimal):
            cell.number_format = "0.00"
    cell.font = styles.font
    cell.alignment = styles.align[align]


def _frame(sheet: Any, first_row: int, last_row: int, first_column: int, last_column: int, styles: _Styles) -> None:
    """Borders on every cell of a block (a merged range shows the borders of all its cells)."""
    for row in sheet.iter_rows(min_row=first_row, max_row=last_row, min_col=first_column, max_col=last_column):
        for cell in row:
            cell.border = styles.border


def _place(
    sheet: Any, placed: Iterable[Placed], values: Mapping[str, Value], words: Mapping[str, str], styles: _Styles
) -> None:
    for item in placed:
        cell = item.cell
        value = values.get(cell.field) if cell.field else _words(cell.text, words)
        _put(sheet, item.row, item.column, value, styles, align=cell.align)
        if not cell.field:
            sheet.cell(row=item.row, column=item.column).font = styles.bold
        if item.last_row > item.row or item.last_column > item.column:
            sheet.merge_cells(
                start_row=item.row, start_column=item.column, end_row=item.last_row, end_column=item.last_column
            )
        _frame(sheet, item.row, item.last_row, item.column, item.last_column, styles)


def _project_sheet(sheet: Any, layout: Layout, data: FormSheet, words: Mapping[str, str]) -> None:
    styles = _Styles(layout)
    width = layout.width
    values = _sheet_values(data)
    _title(sheet, _words(layout.title, words), width, styles)
    head, _ = grid(layout.head, width, first_row=2)
    _place(sheet, head, values, words, styles)
    header_row = 2 + len(layout.head)
    for column, spec in enumerate(layout.columns, start=1):
        _put(sheet, header_row, column, _words(spec.header, words), styles)
        sheet.cell(row=header_row, column=column).font = styles.bold
    _frame(sheet, header_row, header_row, 1, width, styles)
    rows = _rows(layout.form, data)
    first = header_row + 1
    for offset, row in enumerate(rows):
        for column, spec in enumerate(layout.columns, start=1):
            _put(sheet, first + offset, column, row.values.get(spec.field), styles, align=spec.align)
    if rows:
        _frame(sheet, first, first + len(rows) - 1, 1, width, styles)
        _merge_down(sheet, layout.columns, rows, first)
    after = first + len(rows)
    foot, _ = grid(layout.foot, width, first_row=after)
    _place(sheet, foot, values, words, styles)
    signature_row = after + len(layout.foot) + 1
    if layout.signature:
        _put(sheet, signature_row, 1, layout.signature, styles, align="left")
        sheet.merge_cells(start_row=signature_row, start_column=1, end_row=signature_row, end_column=width)
    _fit(sheet, layout.widths, [*head, *foot], rows, layout.columns, words)
    _heights(sheet, layout.size, skip={1, signature_row})
    _print_ready(sheet, header_row, width)


def _title(sheet: Any, text: str, width: int, styles: _Styles) -> None:
    _put(sheet, 1, 1, text, styles)
    sheet.cell(row=1, column=1).font = styles.title
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.row_dimensions[1].height = 30


def _merge_down(sheet: Any, columns: Sequence[Column], rows: Sequence[_Row], first: int) -> None:
    """Merge equal cells down each ``merge`` column; a run also ends where one in a merged column to its left does."""
    starts = {0}
    for column, spec in enumerate(columns, start=1):
        if not spec.merge:
            continue
        field = spec.field
        starts |= {n for n in range(1, len(rows)) if rows[n].values.get(field) != rows[n - 1].values.get(field)}
        bounds = [*sorted(starts), len(rows)]
        for low, high in itertools.pairwise(bounds):
            if high - low > 1:
                sheet.merge_cells(
                    start_row=first + low, start_column=column, end_row=first + high - 1, end_column=column
                )


def _display_width(value: object) -> int:
    text = "" if value is None else str(value)
    return max((wcwidth.wcswidth(line) for line in text.splitlines()), default=0)


_WIDEST = 60  # a wider text wraps instead


def _fit(
    sheet: Any,
    widths: Sequence[float],
    placed: Sequence[Placed],
    rows: Sequence[_Row],
    columns: Sequence[Column],
    words: Mapping[str, str],
) -> None:
    """Column widths that fit the text: the layout's widths, widened to the longest single-column cell."""
    from openpyxl.utils import get_column_letter

    wanted = [float(w) for w in widths]
    for column, spec in enumerate(columns):
        texts = [_words(spec.header, words), *(row.values.get(spec.field) for row in rows)]
        longest = max(_display_width(_shown(text)) for text in texts)
        wanted[column] = max(wanted[column], min(longest + 2, _WIDEST))
    for item in placed:
        # What a unit writes in the head (the budget row's 偏差原因) wraps in its cell, as it
        # would on paper, rather than widening a column the indicator rows share.
        if item.column == item.last_column and not item.cell.input:
            value = sheet.cell(row=item.row, column=item.column).value
            wanted[item.column - 1] = max(wanted[item.column - 1], min(_display_width(value) + 2, _WIDEST))
    for index, width in enumerate(wanted, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _heights(sheet: Any, size: float, skip: set[int]) -> None:
    """Rows tall enough for their wrapped text (a spreadsheet does not grow a merged cell's row itself)."""
    from openpyxl.utils import get_column_letter

    widths = {c: sheet.column_dimensions[get_column_letter(c)].width for c in range(1, sheet.max_column + 1)}
    spans: dict[tuple[int, int], tuple[int, int]] = {}  # a merge's first cell → its last row and column
    for merged in sheet.merged_cells.ranges:
        spans[(merged.min_row, merged.min_col)] = (merged.max_row, merged.max_col)
    lines: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row):
        for cell in row:
            if cell.value is None or cell.row in skip or not hasattr(cell, "column"):
                continue
            last_row, last_column = spans.get((cell.row, cell.column), (cell.row, cell.column))
            if last_row > cell.row:
                continue  # a cell over several rows has their height
            room = max(sum(widths[c] for c in range(cell.column, last_column + 1)) - 1, 1)
            text = str(_shown(cell.value))
            needed = sum(max(1, -(-wcwidth.wcswidth(line) // int(room))) for line in text.splitlines() or [""])
            lines[cell.row] = max(lines.get(cell.row, 1), needed)
    for number, count in lines.items():
        if count > 1:
            sheet.row_dimensions[number].height = round(count * size * 1.5 + 4, 1)


def _shown(value: object) -> object:
    if isinstance(value, Percent):
        return f"{value.value * 100:.2f}%"
    return value


def _print_ready(sheet: Any, header_row: int | None, width: int) -> None:
    """A4 landscape, one page wide (as many long as needed), the header row repeated on each page."""
    from openpyxl.utils import get_column_letter

    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    if header_row is not None:
        sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_area = f"A1:{get_column_letter(width)}{sheet.max_row}"


def _summary(sheet: Any, layout: Layout, sheets: Sequence[FormSheet], title: str) -> None:
    """The summary sheet (汇总): one row per project with the layout's summary columns."""
    from openpyxl.utils import get_column_letter

    sheet.title = SUMMARY_SHEET
    styles = _Styles(layout)
    width = len(layout.summary)
    _title(sheet, f"{title} 汇总", width, styles)
    for column, spec in enumerate(layout.summary, start=1):
        _put(sheet, 2, column, spec.header, styles)
        sheet.cell(row=2, column=column).font = styles.bold
    for offset, data in enumerate(sheets):
        values = _sheet_values(data)
        for column, spec in enumerate(layout.summary, start=1):
            _put(sheet, 3 + offset, column, values.get(spec.field), styles, align=spec.align)
    _frame(sheet, 2, 2 + len(sheets), 1, width, styles)
    for column, spec in enumerate(layout.summary, start=1):
        longest = max([_display_width(sheet.cell(row=r, column=column).value) for r in range(2, 3 + len(sheets))])
        sheet.column_dimensions[get_column_letter(column)].width = max(spec.width, min(longest + 2, _WIDEST))
    _print_ready(sheet, 2, width)


# -- reading a filled form back ----------------------------------------------------------------


@attrs.frozen
class FilledRow:
    """One indicator row of a filled form: the indicator as named, and the input cells (text, place)."""

    indicator: str
    where: str  # the indicator's cell: p04!C12
    cells: Mapping[str, tuple[str, str]]


@attrs.frozen
class FilledSheet:
    """A project's filled sheet: which form, its year and cut-off month, the project and the rows."""

    form: str
    source: str  # the workbook
    sheet: str
    year: int
    month: int
    project: str  # the sheet's name: the project id kpitrack wrote
    name: str  # the 项目名称 cell
    rows: tuple[FilledRow, ...]
    budget: FilledRow | None = None  # the budget row's input cells (项目资金), named as an indicator row's


def _title_pattern(layout: Layout) -> re.Pattern[str]:
    escaped = re.escape(layout.title)
    escaped = escaped.replace(re.escape("{year}"), r"(?P<year>\d{4})")
    escaped = escaped.replace(re.escape("{month}"), r"(?P<month>\d{1,2})")
    return re.compile(rf"^\s*{escaped}\s*$")


def read_filled(path: Path, layouts: Sequence[Layout]) -> tuple[list[FilledSheet], list[Problem]]:
    """The forms in a workbook: each sheet whose first cell is a layout's title; ([], []) when none is.

    A sheet with a form's title but not its indicator header is a problem, located.
    """
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return [], []
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    patterns = [(layout, _title_pattern(layout)) for layout in layouts]
    try:
        forms, problems = _form_sheets(
            str(path), openpyxl.load_workbook(path, read_only=True, data_only=True), patterns
        )
        if not forms:
            return [], []  # a table of actuals (perhaps a province's): read by the table reader
        workbook = openpyxl.load_workbook(path, data_only=True)
    except (InvalidFileException, *DAMAGED):
        return [], []  # the table reader says why
    found: list[FilledSheet] = []
    try:
        for sheet in workbook.worksheets:
            title = sheet.cell(row=1, column=1).value
            for layout, pattern in patterns:
                match = pattern.match(title) if isinstance(title, str) else None
                if match is not None:
                    filled = _read_sheet(str(path), sheet, layout, match, problems)
                    if filled is not None:
                        found.append(filled)
                    break
    finally:
        workbook.close()
    return found, problems


def _form_sheets(
    source: str, workbook: Any, patterns: Sequence[tuple[Layout, re.Pattern[str]]]
) -> tuple[list[str], list[Problem]]:
    """The sheets whose first cell is a form's title, and a problem for each formula there without a saved value.

    Read without loading the sheets.  A form kpitrack writes holds no formula; one a unit
    typed and no spreadsheet program saved would read as a blank cell.
    """
    forms: list[str] = []
    problems: list[Problem] = []
    try:
        for sheet in workbook.worksheets:
            first = next(sheet.iter_rows(max_row=1, max_col=1, values_only=True), (None,))[0]
            if isinstance(first, str) and any(pattern.match(first) for _, pattern in patterns):
                forms.append(sheet.title)
                problems.extend(unsaved_formulas(sheet, f"{source}: {sheet.title}!"))
        return forms, problems
    finally:
        workbook.close()


def _read_sheet(
    source: str, sheet: Any, layout: Layout, match: re.Match[str], problems: list[Problem]
) -> FilledSheet | None:
    year = int(match.group("year"))
    month = int(match.groupdict().get("month") or 12)
    words = {"{year}": str(year), "{month}": str(month)}
    headers = [_words(spec.header, words) for spec in layout.columns]
    header_row = _find_header(sheet, headers)
    if header_row is None:
        problems.append(
            Problem(f"{source}: {sheet.title}!A1", f"a {match.group(0).strip()!r} without its header row {headers}")
        )
        return None
    text: Callable[[int, int], str] = lambda r, c: value_text(  # noqa: E731
        sheet.cell(row=r, column=c).value, sheet.cell(row=r, column=c).number_format
    ).strip()
    head, _ = grid(layout.head, layout.width, first_row=2)
    name = next((text(item.row, item.column) for item in head if item.cell.field == "name"), "")
    budget = _budget_row(sheet, head, text)
    fields = [spec.field for spec in layout.columns]
    indicator_column = fields.index("indicator") + 1
    inputs = [(column, spec.field) for column, spec in enumerate(layout.columns, start=1) if spec.input]
    rows = []
    for number in range(header_row + 1, sheet.max_row + 1):
        indicator = text(number, indicator_column)
        if not indicator:
            break  # the foot (总分 …) or the end
        cells = {field: (text(number, c), f"{sheet.title}!{_coordinate(number, c)}") for c, field in inputs}
        rows.append(FilledRow(indicator, f"{sheet.title}!{_coordinate(number, indicator_column)}", cells))
    return FilledSheet(layout.form, source, sheet.title, year, month, sheet.title, name, tuple(rows), budget)


def _budget_row(sheet: Any, head: Sequence[Placed], text: Callable[[int, int], str]) -> FilledRow | None:
    """The budget row's input cells (项目资金: 原因类别, 偏差原因分析 …), located at the first of them; None if none."""
    placed = sorted((item for item in head if item.cell.input and item.cell.field in BUDGET_INPUTS), key=_at)
    if not placed:
        return None
    cells = {
        BUDGET_INPUTS[item.cell.field]: (text(item.row, item.column), f"{sheet.title}!{_coordinate(*_at(item))}")
        for item in placed
    }
    return FilledRow(BUDGET, f"{sheet.title}!{_coordinate(*_at(placed[0]))}", cells)


def _at(item: Placed) -> tuple[int, int]:
    return item.row, item.column


def _find_header(sheet: Any, headers: Sequence[str]) -> int | None:
    width = len(headers)
    for number, row in enumerate(sheet.iter_rows(max_col=width, values_only=True), start=1):
        if [str(v).strip() if v is not None else "" for v in row] == list(headers):
            return number
    return None


def _coordinate(row: int, column: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"
