"""Flat goal tables (扁平绩效目标表): goals exported as one row per indicator, in CSV or XLSX.

Budget systems export the performance-goal tables (项目支出绩效目标表) of a whole
region as flat tables rather than one document per project.  This module reads them
into the same :class:`~kpitrack.model.Project` records as the TOML goal files.

The layout
----------
A *table* is a CSV file (UTF-8 with or without BOM, GBK/GB18030 or UTF-16, as
:mod:`kpitrack.io.textfile` reads them) or one sheet of an XLSX
workbook.  Its first row holds column headers, in Chinese or English (case and
spaces do not matter, and a trailing unit such as ``（万元）`` is ignored):

=====================  ====================  ===========================================
column                 English alias         meaning
=====================  ====================  ===========================================
项目编码 (项目id)      project               project id (required on every row; a blank
                                             cell repeats the previous row's, as in a
                                             merged cell)
项目名称               name                  project name
单位 (预算单位)        unit                  budget unit (预算单位)
主管部门               department            the supervising department (optional)
实施单位               agency                the implementing unit (optional)
年度                   year                  budget year, e.g. 2021
年度资金总额           budget                budget (万元), the 全年预算数
(全年预算数)
年初预算数             initial_budget        the budget first approved (万元, optional)
财政拨款               fiscal                fiscal funds, 本年财政拨款 (万元)
上年结转资金           carryover             carried over from last year (万元, optional)
其他资金               other                 other funds (万元)
项目总体目标           goal                  the project's overall goal (年度总体目标)
实际完成情况           outcome               what the goal achieved (year end, optional)
Q1..Q4 (第一季度…)     Q1 Q2 Q3 Q4           fund-release plan by quarter (万元)
H1 H2 (上半年 下半年)  H1 H2                 fund-release plan by half-year (万元)
一级指标               level1                level 1 (产出/效益/满意度); inferred from
                                             level 2 when blank
二级指标               level2                level 2 (数量指标 …); blank repeats the
                                             previous row's level 1 and level 2
三级指标 (指标名称)    indicator             the indicator's name
指标编码               indicator_id          the indicator's id (default: its position,
                                             I01, I02 … within the project)
指标值 (目标值)        target                the target, in the target language
分值 (权重)            weight                the indicator's weight (optional)
汇总方式               aggregate             sum (累计) or latest (最新): how quarters combine
预算执行率分值         execution             optional: the table's own 预算执行率 weight
一级指标分值           level1_weight         optional: the weight of the row's level 1 (产出
                                             40 …), on any of its rows (repeats must agree)
=====================  ====================  ===========================================

The last two columns are the table's own scoring section, as a goal file's
``[scoring]`` (``execution`` and ``tiers``): a table printed with 产出 40 / 效益 30 /
满意度 20 scores by those weights.  A level 2 the national tree does not know
(项目立项 under 项目决策) belongs to the level 1 it is printed under.

Money (年度资金总额, 财政拨款, 其他资金, the plan) is in 万元, or says its unit:
``125000元`` is 12.5 万元.  A blank 指标值 is read as a qualitative target whose
criterion is the indicator's name, with a warning.

A row that fills the indicator columns is an indicator of the project named in its
项目编码; project columns on that row (or on a row without indicator columns) give
the project's data.  So both common exports read the same way: one sheet with the
project's money on its first row (or on every row: repeated values must agree), or
two sheets 项目 (projects) and 指标 (indicators) joined by 项目编码.  A folder is read
as all the ``.csv``/``.xlsx`` files in it, and tables of different files join too.
When the indicator rows carry no 年度, the project's year comes from its project row.

Errors are collected, never raised, and located by file, sheet, row and column as
written in the file: ``goals.xlsx: 指标 row 17, column 指标值: cannot read target
'≥9O%' …`` or ``goals.csv: row 17, column target: …``.

Speed matters at province scale (a million indicator rows): each distinct target
string is parsed once per level-2 category (:func:`parse_target` is cached), and rows
are read as plain lists by column position.
"""

from __future__ import annotations

import csv
import functools
import operator
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

import attrs

from kpitrack import limits, thresholds
from kpitrack.io import table_files
from kpitrack.io.goalfile import INDICATOR_ID, PROJECT_ID
from kpitrack.io.textfile import csv_rows
from kpitrack.io.workbook import read_sheets
from kpitrack.model import (
    LEVEL2,
    Aggregate,
    FundPlan,
    Indicator,
    Project,
    ProjectScoring,
    level1_of,
    normalise_level1,
    normalise_level2,
    unit_from_name,
)
from kpitrack.periods import PLAN_KEYS
from kpitrack.problems import Problem, ProblemsFound, Severity, has_errors
from kpitrack.readings import read_money

__all__ = ["load_paths", "parse_target", "read_paths"]


PROJECT_FIELDS = (
    "name",
    "unit",
    "department",
    "agency",
    "year",
    "budget",
    "initial_budget",
    "fiscal",
    "carryover",
    "other",
    "goal",
    "outcome",
    "execution",
    *PLAN_KEYS,
)
INDICATOR_FIELDS = ("level1", "level2", "indicator", "indicator_id", "target", "weight", "aggregate", "level1_weight")

# Header spellings (after normalisation: NFKC, no spaces, lower case, unit suffix dropped) → field.
_HEADERS = {
    "project": ("项目编码", "项目id", "项目代码", "项目编号", "project", "project_id"),
    "name": ("项目名称", "name", "project_name"),
    "unit": ("单位", "预算单位", "单位名称", "unit"),
    "year": ("年度", "预算年度", "year"),
    "department": ("主管部门", "department"),
    "agency": ("实施单位", "agency"),
    "budget": ("年度资金总额", "资金总额", "项目资金", "预算数", "全年预算数", "budget"),
    "initial_budget": ("年初预算数", "initial_budget"),
    "fiscal": ("财政拨款", "其中:财政拨款", "本年财政拨款", "fiscal"),
    "carryover": ("上年结转资金", "上年结转", "carryover"),
    "other": ("其他资金", "other"),
    "goal": ("项目总体目标", "总体目标", "年度总体目标", "goal"),
    "outcome": ("实际完成情况", "outcome"),
    "Q1": ("q1", "第一季度", "一季度", "1季度"),
    "Q2": ("q2", "第二季度", "二季度", "2季度"),
    "Q3": ("q3", "第三季度", "三季度", "3季度"),
    "Q4": ("q4", "第四季度", "四季度", "4季度"),
    "H1": ("h1", "上半年"),
    "H2": ("h2", "下半年"),
    "level1": ("一级指标", "level1"),
    "level2": ("二级指标", "level2"),
    "indicator": ("三级指标", "指标名称", "indicator", "indicator_name"),
    "indicator_id": ("指标编码", "指标id", "指标代码", "indicator_id"),
    "target": ("指标值", "目标值", "target"),
    "weight": ("分值", "权重", "weight"),
    "aggregate": ("汇总方式", "汇总", "aggregate"),
    "execution": ("预算执行率分值", "执行率分值", "execution"),
    "level1_weight": ("一级指标分值", "level1_weight"),
}
_HEADER_FIELDS = {spelling: field for field, spellings in _HEADERS.items() for spelling in spellings}
_UNIT_SUFFIX_RE = re.compile(r"[(（][^()（）]*[)）]$")

_AGGREGATES = {
    "sum": Aggregate.SUM,
    "累计": Aggregate.SUM,
    "求和": Aggregate.SUM,
    "合计": Aggregate.SUM,
    "latest": Aggregate.LATEST,
    "最新": Aggregate.LATEST,
    "期末": Aggregate.LATEST,
}
_MONEY_RE = re.compile(r"^(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)(?:万元|万)?$")
_YEAR_RE = re.compile(r"^(?P<year>\d{4})(?:\.0)?年?$")


@functools.lru_cache(maxsize=65536)
def parse_target(text: str, level2: str, name_unit: str = "") -> thresholds.Threshold:
    """:func:`kpitrack.thresholds.parse`, once per distinct (target, level-2 category, unit in the name)."""
    return thresholds.parse(text, level2, name_unit=name_unit)


@functools.lru_cache(maxsize=4096)
def _level2(text: str) -> str:
    return normalise_level2(text)


@functools.lru_cache(maxsize=4096)
def _level1(text: str) -> str:
    return normalise_level1(text)


def _normalise_header(text: str) -> str:
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()
    if cleaned not in _HEADER_FIELDS:
        cleaned = _UNIT_SUFFIX_RE.sub("", cleaned)
    return cleaned


@attrs.frozen
class _Table:
    """One CSV file or one XLSX sheet: its headers as written and its rows as text."""

    file: str
    sheet: str | None
    headers: tuple[str, ...]
    rows: Iterator[tuple[int, list[str]]]

    def where(self, row: int, header: str | None = None) -> str:
        place = f"{self.sheet} row {row}" if self.sheet else f"row {row}"
        column = f", column {header}" if header else ""
        return f"{self.file}: {place}{column}"


@attrs.frozen
class _Columns:
    """A table whose headers have been read: which header each field is written as."""

    table: _Table
    written: dict[str, str]  # field → header as written

    def where(self, row: int, field: str | None = None) -> str:
        return self.table.where(row, self.written[field] if field else None)


# One indicator row as read: its cells (level 1, level 2, name, id, target, weight, aggregate),
# then the table and row number it came from.  A bare tuple: a province holds a million and a
# half of them until every table is read, and a named tuple's constructor alone cost 1.3 s.
_Cells = tuple[str, str, str, str, str, str, str, _Columns, int]
_Fields = dict[str, tuple[str, _Columns, int]]  # a project's fields: text as written, its sheet and row


def _text(fields: _Fields, field: str) -> str:
    """A project's free-text field (goal, 主管部门 …), empty when its column is absent."""
    return fields[field][0] if field in fields else ""


class _IndicatorRow(NamedTuple):
    """One indicator row's :data:`_Cells` by name, with where it is: looked at only for a problem."""

    level1: str
    level2: str
    name: str
    id: str
    target: str
    weight: str
    aggregate: str
    columns: _Columns
    number: int

    def where(self, field: str | None = None) -> str:
        return self.columns.where(self.number, field)


@attrs.define
class _ProjectDraft:
    """A project's fields and indicator rows as gathered from its rows, with where each came from."""

    id: str
    year: int | None
    first_where: str
    fields: dict[str, tuple[str, _Columns, int]] = attrs.field(factory=dict)  # field → (text, table, row)
    rows: list[_Cells] = attrs.field(factory=list)
    tiers: dict[str, tuple[str, _Columns, int]] = attrs.field(factory=dict)  # level 1 → (its weight, table, row)


class _Book:
    """Everything read from all tables, joined into projects at the end."""

    def __init__(self, problems: list[Problem]) -> None:
        self.drafts: dict[tuple[str, int | None], _ProjectDraft] = {}
        self.problems = problems

    # -- reading ---------------------------------------------------------------------------

    def read(self, table: _Table) -> None:
        columns: dict[str, int] = {}
        written: dict[str, str] = {}
        for position, header in enumerate(table.headers):
            if not header.strip():
                continue
            field = _HEADER_FIELDS.get(_normalise_header(header))
            if field is None:
                self.problems.append(
                    Problem(table.where(1, header), f"unknown column {header!r}; see the flat table layout")
                )
            elif field in columns:
                self.problems.append(Problem(table.where(1, header), f"column {header!r} repeats {written[field]!r}"))
            else:
                columns[field] = position
                written[field] = header
        if "project" not in columns:
            self.problems.append(Problem(table.where(1), "no project id column (项目编码 / project)"))
            return
        indicator_columns = [f for f in INDICATOR_FIELDS if f in columns]
        if indicator_columns and ("indicator" not in columns or "target" not in columns):
            missing = " and ".join(f for f in ("indicator", "target") if f not in columns)
            self.problems.append(Problem(table.where(1), f"indicator columns need {missing} (三级指标, 指标值)"))
            return
        project_columns = [(f, columns[f]) for f in PROJECT_FIELDS if f in columns and f != "year"]
        self._read_rows(_Columns(table, written), columns, project_columns)

    def _read_rows(
        self,
        sheet: _Columns,
        columns: dict[str, int],
        project_columns: list[tuple[str, int]],
    ) -> None:
        table = sheet.table
        width = len(table.headers)
        at = columns.get
        project_at, year_at = columns["project"], at("year")
        indicator_at, target_at = at("indicator"), at("target")
        level1_at, level2_at, id_at = at("level1"), at("level2"), at("indicator_id")
        weight_at, aggregate_at, tier_at = at("weight"), at("aggregate"), at("level1_weight")
        # The same few texts fill most cells of a province (level names, ids, targets):
        # keeping one copy of each saves hundreds of megabytes until the rows are built.
        shared: dict[str, str] = {}
        share = shared.setdefault
        project_fields = [field for field, _ in project_columns]
        project_cells = _cells([position for _, position in project_columns])
        project, level1, level2 = "", "", ""
        year: int | None = None
        read_year = ""  # the year text last read, so a column of 2021s is read once
        draft: _ProjectDraft | None = None
        for number, row in table.rows:
            if len(row) < width:
                row = row + [""] * (width - len(row))
            project_text = row[project_at].strip()
            year_text = row[year_at].strip() if year_at is not None else ""
            if project_text and project_text != project:
                level1, level2 = "", ""
                project = project_text
                year, read_year = None, ""
                draft = None
            if year_text and year_text != read_year:
                year, read_year = self._year(year_text, sheet.where(number, "year")), year_text
                draft = None
            if not project:
                if any(cell.strip() for cell in row):
                    self.problems.append(Problem(sheet.where(number, "project"), "no project id"))
                continue
            if draft is None:  # a new project or year; rows of one project usually follow each other
                draft = self._draft(project, year, sheet, number)
            cells = project_cells(row)
            if any(cells):  # most rows of a one-sheet table leave the project columns blank
                for field, cell in zip(project_fields, cells, strict=True):
                    if cell and (text := cell.strip()):
                        self._project_field(draft, field, text, sheet, number)
            if indicator_at is None or target_at is None:
                continue
            name, target = row[indicator_at].strip(), row[target_at].strip()
            level1_text = row[level1_at].strip() if level1_at is not None else ""
            level2_text = row[level2_at].strip() if level2_at is not None else ""
            if level2_text:
                level1, level2 = share(level1_text, level1_text), share(level2_text, level2_text)
            elif level1_text:
                level1 = share(level1_text, level1_text)
            if tier_at is not None and (tier_text := row[tier_at].strip()):
                self._tier_weight(draft, _level1(level1) or level1_of(_level2(level2)) or "", tier_text, sheet, number)
            if not name and not target:
                continue
            draft.rows.append(
                (
                    level1,
                    level2,
                    share(name, name),
                    share(code, code) if id_at is not None and (code := row[id_at].strip()) else "",
                    share(target, target),
                    row[weight_at].strip() if weight_at is not None else "",
                    row[aggregate_at].strip() if aggregate_at is not None else "",
                    sheet,
                    number,
                )
            )

    def _draft(self, project: str, year: int | None, sheet: _Columns, number: int) -> _ProjectDraft:
        key = (project, year)
        draft = self.drafts.get(key)
        if draft is None:
            if not PROJECT_ID.match(project):
                self.problems.append(
                    Problem(
                        sheet.where(number, "project"),
                        f"{project!r} is not a valid project id (a letter or digit, then letters, digits, _ . -)",
                    )
                )
            draft = self.drafts[key] = _ProjectDraft(project, year, sheet.where(number))
        return draft

    def _year(self, text: str, where: str) -> int | None:
        match = _YEAR_RE.match(text)
        if match is None:
            self.problems.append(Problem(where, f"cannot read year {text!r}: expected a year such as 2021"))
            return None
        try:
            return limits.year(int(match.group("year")), text)
        except limits.OutOfBounds as beyond:
            self.problems.append(Problem(where, str(beyond)))
            return None

    def _project_field(self, draft: _ProjectDraft, field: str, text: str, sheet: _Columns, number: int) -> None:
        known = draft.fields.get(field)
        unfit = limits.text_fault(text, limit=limits.GOAL_LENGTH if field == "goal" else limits.NAME_LENGTH)
        if unfit is not None:
            self.problems.append(Problem(sheet.where(number, field), f"{text!r} {unfit}"))
        elif known is None:
            draft.fields[field] = (text, sheet, number)
        elif known[0] != text and not _same_amount(known[0], text):
            first = known[1].where(known[2], field)
            self.problems.append(
                Problem(
                    sheet.where(number, field),
                    f"project {draft.id}: {text!r} differs from {known[0]!r} given at {first}",
                )
            )

    def _tier_weight(self, draft: _ProjectDraft, tier: str, text: str, sheet: _Columns, number: int) -> None:
        """A level 1's weight (一级指标分值) given on one of its rows; repeats must agree."""
        where = sheet.where(number, "level1_weight")
        if not tier:
            self.problems.append(Problem(where, f"a level-1 weight ({text!r}) on a row without a level 1"))
            return
        known = draft.tiers.get(tier)
        if known is None:
            draft.tiers[tier] = (text, sheet, number)
        elif known[0] != text and not _same_amount(known[0], text):
            first = known[1].where(known[2], "level1_weight")
            self.problems.append(Problem(where, f"{tier}: {text!r} differs from {known[0]!r} given at {first}"))

    # -- joining ---------------------------------------------------------------------------

    def projects(self) -> Iterator[Project]:
        """Build the projects one at a time, dropping each one's rows once it is built."""
        self._resolve_years()
        drafts, self.drafts = self.drafts, {}
        for key in list(drafts):
            project = self._project(drafts.pop(key))
            if project is not None:
                yield project

    def _resolve_years(self) -> None:
        """Indicator rows without a year join the project row that has one."""
        years: dict[str, list[int]] = {}
        for project, year in self.drafts:
            if year is not None:
                years.setdefault(project, []).append(year)
        for (project, year), draft in list(self.drafts.items()):
            if year is not None:
                continue
            known = years.get(project, [])
            if len(known) != 1:
                # Kept without a year: its other problems are still reported, and it is not loaded.
                reason = (
                    "no year (年度) is given for it"
                    if not known
                    else f"it exists for {', '.join(map(str, sorted(known)))}: give 年度"
                )
                self.problems.append(Problem(draft.first_where, f"project {project}: {reason}"))
                continue
            del self.drafts[(project, None)]
            target = self.drafts[(project, known[0])]
            for field, (text, sheet, number) in draft.fields.items():
                self._project_field(target, field, text, sheet, number)
            target.rows.extend(draft.rows)

    def _project(self, draft: _ProjectDraft) -> Project | None:
        before = len(self.problems)
        fields = draft.fields
        for required, header in (("name", "项目名称"), ("unit", "单位"), ("budget", "年度资金总额")):
            if required not in fields:
                self.problems.append(Problem(draft.first_where, f"project {draft.id}: no {header} ({required}) given"))
        budget = self._money(fields, "budget")
        fiscal = self._money(fields, "fiscal")
        other = self._money(fields, "other")
        initial_budget, carryover = self._money(fields, "initial_budget"), self._money(fields, "carryover")
        plan = FundPlan(tuple((key, amount) for key in PLAN_KEYS if (amount := self._money(fields, key)) is not None))
        indicators = self._indicators(draft.rows)
        scoring = self._scoring(draft)
        if has_errors(self.problems[before:]) or budget is None or draft.year is None:
            return None
        return Project(
            id=draft.id,
            name=fields["name"][0],
            unit=fields["unit"][0],
            year=draft.year,
            budget=budget,
            indicators=indicators,
            fiscal=fiscal,
            other=other,
            goal=_text(fields, "goal"),
            plan=plan,
            department=_text(fields, "department"),
            agency=_text(fields, "agency"),
            initial_budget=initial_budget,
            carryover=carryover,
            outcome=_text(fields, "outcome"),
            scoring=scoring,
            source=draft.first_where,
        )

    def _scoring(self, draft: _ProjectDraft) -> ProjectScoring:
        """The table's own scoring section: its 预算执行率 and level-1 weights, when it prints them.

        Level 2s the national tree does not know belong to the level 1 they are printed under.
        """
        execution = self._points(draft.fields.get("execution"), "execution")
        tiers = {tier: self._points(cell, "level1_weight") for tier, cell in draft.tiers.items()}
        weights = {tier: weight for tier, weight in tiers.items() if weight is not None}
        members = {
            _level2(row[1]): tier
            for row in draft.rows
            if (tier := _level1(row[0])) in weights and _level2(row[1]) not in LEVEL2
        }
        return ProjectScoring(execution, weights, members)

    def _points(self, cell: tuple[str, _Columns, int] | None, field: str) -> Decimal | None:
        if cell is None:
            return None
        text, sheet, number = cell
        points = _amount(text)
        if points is None:
            self.problems.append(
                Problem(sheet.where(number, field), f"cannot read weight {text!r}: expected a number of points")
            )
        return points

    def _money(self, fields: _Fields, field: str) -> Decimal | None:
        """An amount in 万元, or with its unit (``125000元``): :func:`kpitrack.readings.read_money`."""
        if field not in fields:
            return None
        text, sheet, number = fields[field]
        amount = read_money(text)
        if isinstance(amount, str):
            where = sheet.where(number, field)
            self.problems.append(Problem(where, f"cannot read amount {text!r}: {amount}"))
            return None
        # Converted from 元 (125000元 → 12.5000 万元): as if written 12.5; plain 万元 stays as written.
        return Decimal(thresholds.format_decimal(amount)) if "元" in text else amount

    def _indicators(self, rows: list[_Cells]) -> tuple[Indicator, ...]:
        indicators: list[Indicator] = []
        add = indicators.append
        for position, row in enumerate(rows, start=1):
            level1, level2, name, code, target, weight, aggregate, _, _ = row
            try:
                add(_indicator(code or f"I{position:02d}", name, level1, level2, target, weight, aggregate))
            except _BadRow:
                self.problems.extend(_row_problems(_IndicatorRow._make(row)))
                continue
            if not target:
                self.problems.append(
                    Problem(
                        _IndicatorRow._make(row).where("target"),
                        f"blank: read as a qualitative target, judged by the indicator's name {name!r}",
                        Severity.WARNING,
                    )
                )
        return tuple(indicators)


class _BadRow(Exception):
    """An indicator row with a problem: :func:`_row_problems` says which, located."""


@functools.lru_cache(maxsize=65536)
def _indicator(id: str, name: str, level1: str, level2: str, target: str, weight: str, aggregate: str) -> Indicator:
    """The indicator of one row's cells, built once per distinct cells.

    A province repeats the same indicators (same id, name and target) across thousands
    of projects; the records are frozen, so equal rows share one.  A bad row raises
    :class:`_BadRow`, and :func:`_row_problems` then says what is wrong with it.
    """
    if not name or not level2 or (id and not INDICATOR_ID.match(id)) or _text_faults(name, level1, level2):
        raise _BadRow
    normalised = _level2(level2)
    try:
        threshold = parse_target(target, normalised, unit_from_name(name)) if target else thresholds.criterion(name)
    except thresholds.InvalidThreshold:
        raise _BadRow from None
    points = _amount(weight) if weight else None
    how = _AGGREGATES.get(aggregate.lower()) if aggregate else None
    if (weight and points is None) or (aggregate and how is None):
        raise _BadRow
    return Indicator.create(
        id=id,
        name=name,
        level1=_level1(level1) if level1 else None,
        level2=normalised,
        target=threshold,
        weight=points,
        aggregate=how,
    )


def _row_problems(row: _IndicatorRow) -> Iterator[Problem]:
    """Every problem of a bad indicator row, located at its column."""
    if not row.name:
        yield Problem(row.where("indicator"), "no indicator name")
    if not row.level2:
        yield Problem(row.where(), f"indicator {row.name!r} has no level 2 (二级指标)")
    for field, text, fault in _text_faults(row.name, row.level1, row.level2):
        yield Problem(row.where(field if field in row.columns.written else None), f"{text!r} {fault}")
    if row.id and not INDICATOR_ID.match(row.id):
        yield Problem(
            row.where("indicator_id"),
            f"{row.id!r} is not a valid indicator id (a letter, then letters, digits, _ . -)",
        )
    try:
        if row.target:
            parse_target(row.target, _level2(row.level2), unit_from_name(row.name))
    except thresholds.InvalidThreshold as invalid:
        yield Problem(row.where("target"), str(invalid))
    if row.weight and _amount(row.weight) is None:
        yield Problem(row.where("weight"), f"cannot read weight {row.weight!r}: expected a number of points")
    if row.aggregate and _AGGREGATES.get(row.aggregate.lower()) is None:
        yield Problem(
            row.where("aggregate"),
            f"cannot read aggregate {row.aggregate!r}: expected sum (累计) or latest (最新)",
        )


def _text_faults(name: str, level1: str, level2: str) -> list[tuple[str, str, str]]:
    """What cannot be stored of an indicator's texts: (field, text, why) each."""
    texts = (
        ("indicator", name, limits.NAME_LENGTH),
        ("level1", level1, limits.LEVEL_LENGTH),
        ("level2", level2, limits.LEVEL_LENGTH),
    )
    found = [(field, text, limits.text_fault(text, limit=limit)) for field, text, limit in texts]
    return [(field, text, fault) for field, text, fault in found if fault is not None]


def _cells(positions: list[int]) -> Callable[[list[str]], Sequence[str]]:
    """A function picking the cells at ``positions`` out of a row, at C speed."""
    if len(positions) < 2:  # itemgetter gives a bare cell for one position, and takes no fewer
        return lambda row: tuple(row[position] for position in positions)
    return operator.itemgetter(*positions)


def _amount(text: str) -> Decimal | None:
    match = _MONEY_RE.match(text)
    if match is None:
        return None
    try:
        return limits.number(Decimal(match.group("num").replace(",", "")))
    except InvalidOperation:  # pragma: no cover - the regex admits only numbers
        return None
    except limits.OutOfBounds:  # reported as an amount that cannot be read, quoted
        return None


def _same_amount(first: str, second: str) -> bool:
    """Repeated project cells agree when they are the same amount (35 and 35.00)."""
    a, b = _amount(first), _amount(second)
    return a is not None and a == b


# -- files ---------------------------------------------------------------------------------


def _csv_tables(path: Path) -> Iterator[_Table]:
    with csv_rows(path) as reader:
        headers = next(reader, None)
        if headers is None:
            return
        yield _Table(str(path), None, tuple(headers), enumerate(reader, start=2))


def _xlsx_tables(path: Path) -> Iterator[_Table]:
    for title, rows in read_sheets(path):
        first = next(rows, None)
        if first is None or not any(h.strip() for h in first[1]):
            continue
        yield _Table(str(path), title, tuple(first[1]), rows)


def _read_file(book: _Book, path: Path) -> None:
    tables = _csv_tables(path) if path.suffix.lower() == ".csv" else _xlsx_tables(path)
    try:
        for table in tables:
            book.read(table)
    except ProblemsFound as found:  # not text kpitrack reads, a damaged workbook, a formula without its value
        book.problems.extend(found.problems)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        book.problems.append(Problem(str(path), f"cannot read the file: {error}"))


def read_paths(paths: Sequence[Path], problems: list[Problem]) -> Iterator[Project]:
    """Read flat goal tables (files or folders of ``.csv``/``.xlsx``); build their projects lazily.

    Every file is read before this returns, and its problems appended to ``problems``;
    the projects are built one at a time as the iterator is consumed (so a province
    need not be held as records all at once), each appending its own problems.  Only
    projects without a problem are yielded.  Project-level rules (weights, plans,
    duplicate ids) are left to :mod:`kpitrack.checks`, which runs on goals of every format.
    """
    book = _Book(problems)
    for path in table_files(paths, problems, "a flat goal table"):
        _read_file(book, path)
    return book.projects()


def load_paths(paths: Sequence[Path]) -> tuple[list[Project], list[Problem]]:
    """Read flat goal tables into projects: the projects read without a problem, and every problem found."""
    problems: list[Problem] = []
    projects = list(read_paths(paths, problems))
    return projects, problems
