"""The budget-disclosure importer (部门预算公开): goal tables out of a disclosure's text form.

A unit's published budget (such as the seed, 昌吉州市场监督管理局's 2021 部门预算)
carries one performance-goal table (项目支出绩效目标表) per project and, in 第三部分
七 (项目支出情况说明), each project's fund-release plan (资金分配情况) and execution
window (资金执行时间).  In the text form, a table cell is a line that starts with a
tab, a line without a tab continues the cell above (``满意度`` / ``指标``), and rows
are separated by blank lines.

:func:`read` turns such a text into :class:`~kpitrack.model.Project` records:

- the header rows give the year (``（2021年）``), 预算单位, 项目名称, 年度资金总额 /
  财政拨款 / 其他资金 and 项目总体目标;
- each indicator row gives 一级 / 二级 / 三级 / 指标值, where an empty cell means
  "same as above"; a missing level-1 label is inferred from level 2 (the seed has
  no 效益指标 label at all);
- layout junk (``[bookmark: _GoBack]``, stray spaces) is dropped;
- the plan is found by matching the table's 项目名称 against section 七's names,
  which carry the unit as a prefix (法制宣传工作经费 ↔ 州市场监督管理局法制宣传工作经费).

Projects are numbered in document order (``p01`` …); indicators by level 2 and
position (``qty1`` 数量, ``qual1`` 质量, ``time1`` 时效, ``cost1`` 成本, ``econ1``
经济效益, ``soc1`` 社会效益, ``eco1`` 生态效益, ``sus1`` 可持续影响, ``sat1`` 满意度).
Anything that cannot be read is a located problem (``seed.txt: table 3, row 7: …``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import attrs
import pendulum

from kpitrack import thresholds
from kpitrack.model import (
    FundPlan,
    Indicator,
    Project,
    level1_of,
    normalise_level1,
    normalise_level2,
    unit_from_name,
)
from kpitrack.problems import Problem, Severity

__all__ = ["ID_PREFIXES", "read"]

# Indicator id prefix by level-2 category (二级指标).
ID_PREFIXES = {
    "数量指标": "qty",
    "质量指标": "qual",
    "时效指标": "time",
    "成本指标": "cost",
    "经济效益指标": "econ",
    "社会效益指标": "soc",
    "生态效益指标": "eco",
    "可持续影响指标": "sus",
    "满意度指标": "sat",
    "服务对象满意度指标": "sat",
}
_OTHER_PREFIX = "ind"

_TITLE = "项目支出绩效目标表"
_BOOKMARK_RE = re.compile(r"\[bookmark:[^\]]*\]")
_YEAR_RE = re.compile(r"^[（(](\d{4})年度?[)）]$")
_PLAN_HEADER_RE = re.compile(r"^\s*\d+\s*[、.．]\s*项目名称[：:]\s*(?P<name>.+?)\s*$")
_PLAN_FIELD_RE = re.compile(
    r"^\s*(?P<label>设立的政策依据|预算安排规模|项目承担单位|资金分配情况|资金执行时间)[：:]\s*(?P<value>.*?)\s*$"
)
_PLAN_PART_RE = re.compile(r"^(?:第(?P<q>[一二三四1-4])季度|(?P<h>上半年|下半年))\s*(?P<amount>\d+(?:\.\d+)?)\s*万元$")
_WINDOW_RE = re.compile(r"^(\d{4})[.．年-](\d{1,2})月?\s*[-—–~～至]\s*(\d{4})[.．年-](\d{1,2})月?$")
_QUARTERS = {"一": "Q1", "二": "Q2", "三": "Q3", "四": "Q4", "1": "Q1", "2": "Q2", "3": "Q3", "4": "Q4"}
_HALVES = {"上半年": "H1", "下半年": "H2"}


@attrs.frozen
class _Row:
    """One table row: its cells, cleaned, and the line it starts on (1-based)."""

    number: int
    line: int
    cells: tuple[str, ...]


@attrs.frozen
class _Table:
    number: int
    line: int
    rows: tuple[_Row, ...]


@attrs.frozen
class _PlanEntry:
    """One project of 第三部分 七: its name, 预算安排规模 and fund plan."""

    line: int
    name: str
    budget: Decimal | None
    plan: FundPlan | None
    start: pendulum.Date | None
    end: pendulum.Date | None


def read(text: str, where: str, *, prefix: str = "p") -> tuple[list[Project], list[Problem]]:
    """Every goal table of a disclosure as a project, and every problem found on the way."""
    lines = text.splitlines()
    problems: list[Problem] = []
    entries = _plan_entries(lines, where, problems)
    tables = _tables(lines)
    if not tables:
        problems.append(Problem(where, f"no {_TITLE} found"))
    projects: list[Project] = []
    used: set[int] = set()
    unreadable = False
    for table in tables:
        project = _project(table, f"{prefix}{table.number:02d}", where, problems)
        if project is None:
            unreadable = True
            continue
        entry = _match(project.name, entries, f"{where}: table {table.number}", problems)
        if entry is not None:
            if entry.line in used:
                problems.append(
                    Problem(f"{where}: table {table.number}", f"资金分配情况 of line {entry.line} matches two tables")
                )
            used.add(entry.line)
            project = _with_plan(project, entry, f"{where}:{entry.line}", problems)
        projects.append(project)
    for entry in entries if not unreadable else ():  # an unreadable table would have matched one
        if entry.line not in used:
            problems.append(
                Problem(f"{where}:{entry.line}", f"no goal table for {entry.name!r} of 第三部分 七", Severity.WARNING)
            )
    return projects, problems


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", _BOOKMARK_RE.sub("", text)).strip()


def _tables(lines: Sequence[str]) -> list[_Table]:
    """Split the text at each 项目支出绩效目标表 title and read the rows that follow it."""
    starts = [i for i, line in enumerate(lines) if re.sub(r"\s+", "", line) == _TITLE]
    tables = []
    for number, start in enumerate(starts, 1):
        end = starts[number] if number < len(starts) else len(lines)
        tables.append(_Table(number, start + 1, _rows(lines, start + 1, end)))
    return tables


def _rows(lines: Sequence[str], start: int, end: int) -> tuple[_Row, ...]:
    """Rows between two titles; the table ends early at text that is not a cell."""
    rows: list[_Row] = []
    cells: list[list[str]] = []
    first_line = start
    for index in range(start, end):
        line = lines[index]
        if "\t" not in line and not line.strip():  # a blank line closes the row
            _close(rows, cells, first_line)
            cells = []
        elif line.startswith("\t"):
            if not cells:
                first_line = index + 1
            cells.append([line[1:]])
        elif cells:  # a line without a tab continues the cell above it
            cells[-1].append(line)
        else:  # free text after a blank line: the table is over
            break
    _close(rows, cells, first_line)
    return tuple(rows)


def _close(rows: list[_Row], cells: list[list[str]], line: int) -> None:
    cleaned = tuple(_join(fragments) for fragments in cells)
    if any(cleaned):
        rows.append(_Row(len(rows) + 1, line, cleaned))


def _join(fragments: list[str]) -> str:
    """A cell split over lines: Chinese joins without a space (满意度 + 指标 → 满意度指标)."""
    text = ""
    for fragment in (_clean(f) for f in fragments):
        if text and fragment and text[-1].isascii() and text[-1].isalnum() and fragment[0].isascii():
            text += " "
        text += fragment
    return text


_LABELS = {
    "预算单位": "unit",
    "项目名称": "name",
    "年度资金总额": "budget",
    "财政拨款": "fiscal",
    "其中财政拨款": "fiscal",
    "其他资金": "other",
    "项目总体目标": "goal",
}


def _label(cell: str) -> str | None:
    return _LABELS.get(re.sub(r"[\s：:，,]", "", cell))


def _project(table: _Table, project_id: str, where: str, problems: list[Problem]) -> Project | None:
    at = f"{where}: table {table.number}"
    before = len([p for p in problems if p.severity is Severity.ERROR])
    fields: dict[str, str] = {}
    year: int | None = None
    indicator_rows: list[_Row] = []
    for row in table.rows:
        if indicator_rows or row.cells[0] == "一级指标":
            indicator_rows.append(row)
            continue
        match = _YEAR_RE.match(row.cells[0])
        if match is not None:
            year = int(match.group(1))
            continue
        for i, cell in enumerate(row.cells[:-1]):
            key = _label(cell)
            if key is not None and key not in fields:
                fields[key] = row.cells[i + 1]
    for key, label in (("unit", "预算单位"), ("name", "项目名称"), ("budget", "年度资金总额")):
        if not fields.get(key):
            problems.append(Problem(at, f"no {label} found in the table"))
    if year is None:
        problems.append(Problem(at, "no year such as （2021年） found above the table"))
    money = {
        key: _amount(fields[key], f"{at}: {key}", problems) for key in ("budget", "fiscal", "other") if key in fields
    }
    indicators = _indicators(indicator_rows, at, problems)
    if len([p for p in problems if p.severity is Severity.ERROR]) > before:
        return None
    assert year is not None and money.get("budget") is not None
    return Project(
        id=project_id,
        name=fields["name"],
        unit=fields["unit"],
        year=year,
        budget=money["budget"] or Decimal(0),
        indicators=indicators,
        fiscal=money.get("fiscal"),
        other=money.get("other"),
        goal=fields.get("goal", ""),
        source=at,
    )


def _amount(text: str, at: str, problems: list[Problem]) -> Decimal | None:
    cleaned = re.sub(r"\s|万元$", "", text)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        problems.append(Problem(at, f"cannot read the amount {text!r} (万元)"))
        return None
    return value


def _indicators(rows: Sequence[_Row], at: str, problems: list[Problem]) -> tuple[Indicator, ...]:
    """Indicator rows under the 一级/二级/三级/指标值 header; empty cells repeat the row above."""
    if not rows:
        problems.append(Problem(at, "no indicator rows (一级指标 / 二级指标 / 三级指标 / 指标值)"))
        return ()
    level1, level2 = "", ""
    counters: dict[str, int] = {}
    indicators: list[Indicator] = []
    for row in rows[1:]:
        where = f"{at}, row {row.number}"
        if len(row.cells) != 4:
            problems.append(
                Problem(
                    where, f"expected 4 cells (一级, 二级, 三级, 指标值), found {len(row.cells)}: {list(row.cells)}"
                )
            )
            continue
        label1, label2, name, target_text = row.cells
        if label2:
            level2 = normalise_level2(label2)
            level1 = level1_of(level2) or level1  # a new level 2 decides its level 1 when no label says otherwise
            if level1_of(level2) is None:
                problems.append(Problem(where, f"unknown level-2 category {label2!r}", Severity.WARNING))
        if label1:
            level1 = normalise_level1(label1)
            inferred = level1_of(level2)
            if inferred is not None and inferred != level1:
                problems.append(Problem(where, f"level 1 {label1!r} contradicts level 2 {level2!r} ({inferred})"))
                continue
        if not level2:
            problems.append(Problem(where, "no level-2 category (二级指标) in this row or above it"))
            continue
        if not name:
            problems.append(Problem(where, "the indicator has no name (三级指标)"))
            continue
        if not target_text:
            problems.append(Problem(where, f"{name!r} has no target (指标值)"))
            continue
        try:
            target = thresholds.parse(target_text, level2, name_unit=unit_from_name(name))
        except thresholds.InvalidThreshold as invalid:
            problems.append(Problem(where, str(invalid)))
            continue
        prefix = ID_PREFIXES.get(level2, _OTHER_PREFIX)
        counters[prefix] = counters.get(prefix, 0) + 1
        indicators.append(
            Indicator.create(
                id=f"{prefix}{counters[prefix]}", name=name, level1=level1 or None, level2=level2, target=target
            )
        )
    return tuple(indicators)


def _plan_entries(lines: Sequence[str], where: str, problems: list[Problem]) -> list[_PlanEntry]:
    """The numbered projects of 第三部分 七 with their 预算安排规模, 资金分配情况 and 资金执行时间."""
    entries = []
    for index, line in enumerate(lines):
        header = _PLAN_HEADER_RE.match(_BOOKMARK_RE.sub("", line)) if not line.startswith("\t") else None
        if header is None:
            continue
        fields: dict[str, tuple[int, str]] = {}
        for offset, following in enumerate(lines[index + 1 : index + 8], index + 2):
            field = _PLAN_FIELD_RE.match(_BOOKMARK_RE.sub("", following))
            if field is None:
                break
            fields[field.group("label")] = (offset, field.group("value"))
        if "资金分配情况" not in fields:
            continue  # a 项目名称 line without a plan is not a section 七 entry
        budget = None
        if "预算安排规模" in fields:
            line_number, value = fields["预算安排规模"]
            budget = _amount(value, f"{where}:{line_number}: 预算安排规模", problems)
        plan = _plan(*fields["资金分配情况"], where, problems)
        start = end = None
        if "资金执行时间" in fields:
            start, end = _window(*fields["资金执行时间"], where, problems)
        entries.append(_PlanEntry(index + 1, _clean(header.group("name")), budget, plan, start, end))
    return entries


def _plan(line: int, text: str, where: str, problems: list[Problem]) -> FundPlan | None:
    """``第二季度10万元，第三季度15万元`` or ``上半年91万元，下半年91万元``."""
    entries: dict[str, Decimal] = {}
    ok = True
    for part in (p.strip() for p in re.split(r"[，,；;、。]", text)):
        if not part:
            continue
        match = _PLAN_PART_RE.match(re.sub(r"\s+", "", part))
        if match is None:
            problems.append(Problem(f"{where}:{line}", f"资金分配情况: cannot read {part!r}"))
            ok = False
            continue
        key = _QUARTERS[match.group("q")] if match.group("q") else _HALVES[match.group("h")]
        if key in entries:
            problems.append(Problem(f"{where}:{line}", f"资金分配情况: {part!r} repeats {key}"))
            ok = False
        entries[key] = Decimal(match.group("amount"))
    if ok and not entries:
        problems.append(Problem(f"{where}:{line}", "资金分配情况 is empty"))
        ok = False
    order = ("Q1", "Q2", "Q3", "Q4", "H1", "H2")
    return FundPlan(tuple(sorted(entries.items(), key=lambda e: order.index(e[0])))) if ok else None


def _window(
    line: int, text: str, where: str, problems: list[Problem]
) -> tuple[pendulum.Date | None, pendulum.Date | None]:
    """``2021.01-2021.12`` → the first day of January and the last of December."""
    match = _WINDOW_RE.match(re.sub(r"\s+", "", text))
    if match is not None:
        y1, m1, y2, m2 = (int(g) for g in match.groups())
        if 1 <= m1 <= 12 and 1 <= m2 <= 12 and (y1, m1) <= (y2, m2):
            return pendulum.date(y1, m1, 1), pendulum.date(y2, m2, 1).end_of("month")
    problems.append(Problem(f"{where}:{line}", f"资金执行时间: cannot read {text!r} (expected 2021.01-2021.12)"))
    return None, None


def _match(name: str, entries: Sequence[_PlanEntry], at: str, problems: list[Problem]) -> _PlanEntry | None:
    """The section-七 entry for a table's project name: the same name, else one ending with or containing it."""
    for test in (str.__eq__, str.endswith, str.__contains__):
        found = [entry for entry in entries if test(entry.name, name)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(repr(e.name) for e in found)
            problems.append(Problem(at, f"{name!r} matches several projects of 第三部分 七: {names}"))
            return None
    problems.append(Problem(at, f"no 资金分配情况 for {name!r} in 第三部分 七"))
    return None


def _with_plan(project: Project, entry: _PlanEntry, at: str, problems: list[Problem]) -> Project:
    if entry.budget is not None and entry.budget != project.budget:
        problems.append(
            Problem(
                at,
                f"预算安排规模 {entry.budget} 万元 differs from the table's 年度资金总额 {project.budget} 万元",
                Severity.WARNING,
            )
        )
    return attrs.evolve(project, plan=entry.plan or FundPlan(), start=entry.start, end=entry.end)
