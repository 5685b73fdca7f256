"""Goal files (绩效目标文件): one project's performance-goal table (项目支出绩效目标表) as TOML.

One file per project, meant to be edited by hand::

    id = "p01"                       # stable project id: a letter or digit, then letters, digits, _ . -
    name = "法制宣传工作经费"
    unit = "昌吉州市场监督管理局"       # budget unit (预算单位)
    year = 2021
    budget = 35                      # 万元; a whole number or a decimal (12.5), or text with its unit ("125000元")
    department = "昌吉州市场监督管理局"   # optional: 主管部门
    agency = "昌吉州市场监督管理局"       # optional: 实施单位
    initial_budget = 35              # optional: 年初预算数 (万元; default: budget, the 全年预算数)
    fiscal = 35                      # optional: 本年财政拨款 (万元)
    carryover = 0                    # optional: 上年结转资金 (万元)
    other = 0                        # optional: 其他资金 (万元)
    plan = { Q2 = 10, Q3 = 15, Q4 = 10 }   # fund-release plan (资金分配情况): Q1..Q4, or H1/H2 by half-year
    window = ["2021-01", "2021-12"]  # optional: 资金执行时间, first and last month
    goal = "…"                       # optional: 年度总体目标 (项目总体目标)
    outcome = "…"                    # optional: the goal's 实际完成情况, written at year end

    [scoring]                        # optional: the table's printed weights (a profile file's keys)
    execution = 10
    tiers = { "产出指标" = 40, "效益指标" = 30, "满意度指标" = 20 }

    [[indicators]]
    id = "qty1"                      # a letter, then letters, digits, _ . -; unique in the project
    level1 = "产出指标"                # optional: inferred from level2
    level2 = "数量指标"
    name = "聘请法律顾问人数"
    target = "1人"                    # 指标值, read by kpitrack.thresholds.parse; "" (blank): judged by the name
    weight = 5                       # optional: 分值
    aggregate = "sum"                # optional: sum | latest (default from the unit)
    unit = "人"                       # optional: default from the target, else the name's （单位）

Reading is strict: unknown keys are errors (a typo must not pass silently), numbers
are exact (TOML floats are read as ``Decimal``), ``year = "2021"`` is not a year and
``budget = "35"`` is not money.  Every problem in every file is collected and
reported as ``goals/x.toml: indicators[3].target: cannot read target '≥9O%': …``;
array positions count from 0, as in the file's ``[[indicators]]`` order.

Why plain code rather than a cattrs converter: a goal file is not the shape of the
model (targets are parsed with their level-2 category as context, level 1, units
and aggregation are inferred by ``Indicator.create``), and the messages must be in
the domain's words with the bad text quoted; a small strict reader that collects
``path: message`` strings says this more directly than translating cattrs'
exception groups.  Whether a plan mixes quarters with half-years, weights add up and
the like are judged by :mod:`kpitrack.checks`, not here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pendulum
import tomli_w

from kpitrack import limits, thresholds
from kpitrack.io import strict_toml
from kpitrack.io.profilefile import read_project_scoring
from kpitrack.io.textfile import read_text
from kpitrack.model import (
    Aggregate,
    FundPlan,
    Indicator,
    Project,
    ProjectScoring,
    default_aggregate,
    level1_of,
    normalise_level2,
    unit_from_name,
)
from kpitrack.periods import PLAN_KEYS
from kpitrack.problems import Problem, ProblemsFound, Severity
from kpitrack.readings import read_money

__all__ = ["INDICATOR_ID", "PROJECT_ID", "dumps", "load_paths", "loads"]

# \Z, not $: "p01\n" is no id.  Letters, digits and _ . - only, so an id is never a path.
PROJECT_ID = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_.-]{{0,{limits.ID_LENGTH - 1}}}\Z")
INDICATOR_ID = re.compile(rf"^[A-Za-z][A-Za-z0-9_.-]{{0,{limits.ID_LENGTH - 1}}}\Z")
# How long a text may be and whether it must be one line, by key (an indicator's: "indicator.key");
# any other text is a name or a target: limits.NAME_LENGTH, line breaks allowed (cells of real tables have them).
_TEXT_RULES = {
    "id": (limits.ID_LENGTH, True),
    "goal": (limits.GOAL_LENGTH, False),
    "indicator.id": (limits.ID_LENGTH, True),
    "indicator.unit": (limits.UNIT_LENGTH, True),
    "indicator.level1": (limits.LEVEL_LENGTH, False),
    "indicator.level2": (limits.LEVEL_LENGTH, False),
}

_PROJECT_KEYS = (
    "id",
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
    "plan",
    "window",
    "goal",
    "outcome",
    "scoring",
    "indicators",
)
# The optional texts and amounts the official forms print (自评表): written only when set.
_FORM_TEXTS = ("department", "agency")
_FORM_MONEY = ("initial_budget", "carryover")
_INDICATOR_KEYS = ("id", "level1", "level2", "name", "target", "weight", "aggregate", "unit")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")

T = TypeVar("T")


class _Missing:
    """Marks an optional key that is absent (distinct from any TOML value)."""


MISSING = _Missing()


def _describe(value: object) -> str:
    """The offending value as the user wrote it, for messages."""
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__  # dates and times: TOML has them, goal files do not use them


class _Table:
    """One TOML table read strictly: typed getters that record ``path: message`` problems."""

    def __init__(
        self,
        raw: Mapping[str, Any],
        path: str,
        known: Sequence[str],
        errors: list[str],
        warnings: list[tuple[str, str]],
    ) -> None:
        self.raw = raw
        self.path = path
        self.errors = errors
        self.warnings = warnings
        for key in raw:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.error(key, f"unknown key{hint}")

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, message: str) -> None:
        self.errors.append(f"{self.at(key)}: {message}")

    def warn(self, key: str, message: str) -> None:
        self.warnings.append((self.at(key), message))

    def get(self, key: str, required: bool, convert: Callable[[Any], T | None], expected: str) -> T | None:
        if key not in self.raw:
            if required:
                self.error(key, "required key is missing")
            return None
        value = self.raw[key]
        converted = convert(value)
        if converted is None:
            self.error(key, f"expected {expected}, got {_describe(value)}")
        return converted

    def text(self, key: str, *, required: bool = True, empty: bool = False) -> str | None:
        value = self.get(key, required, lambda v: v if isinstance(v, str) else None, "a string")
        if value is not None and not empty and not value.strip():
            self.error(key, "must not be empty")
            return None
        limit, one_line = _TEXT_RULES.get(f"indicator.{key}" if self.path else key, (limits.NAME_LENGTH, False))
        fault = limits.text_fault(value, limit=limit, one_line=one_line) if value is not None else None
        if fault is not None:
            self.error(key, f"{value!r} {fault}")
            return None
        return value

    def year(self, key: str) -> int | None:
        """An integer that is a plausible year (:data:`kpitrack.limits.YEARS`)."""
        value = self.get(
            key, True, lambda v: v if isinstance(v, int) and not isinstance(v, bool) else None, "an integer"
        )
        try:
            return limits.year(value) if value is not None else None
        except limits.OutOfBounds as beyond:
            self.error(key, beyond.reason)
            return None

    def money(self, key: str, *, required: bool = True) -> Decimal | None:
        """Money in 万元: an exact number, or a string with its unit (``"125000元"`` is 12.5), never negative."""
        if isinstance(self.raw.get(key), str):
            amount = _money_text(self.raw[key])
            if isinstance(amount, str):
                self.error(key, amount)
                return None
            return amount
        return self.points(key, required=required)

    def points(self, key: str, *, required: bool = True) -> Decimal | None:
        """A non-negative exact number: an integer or a decimal, never a string or a float."""
        value = self.get(key, required, _finite_number, "a number")
        if value is not None:
            try:
                limits.number(value)
            except limits.OutOfBounds as beyond:
                self.error(key, f"{_describe(value)} is {beyond.reason}")
                return None
        if value is not None and value < 0:
            self.error(key, f"must not be negative, got {value}")
            return None
        return value


def _finite_number(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return Decimal(value) if Decimal(value).is_finite() else None


def _money_text(text: str) -> Decimal | str:
    """An amount written with its unit (``"125000元"``, ``"12.5万元"``) in 万元, exactly; or why it is not one.

    A bare number in quotes (``"35"``) stays an error: an amount as text must say its unit.
    """
    if not re.search(r"元\s*$", text):
        return f"expected a number (万元), or an amount with its unit such as '125000元', got {_describe(text)}"
    amount = read_money(text)
    if isinstance(amount, str):
        return f"cannot read amount {text!r}: {amount}"
    return Decimal(thresholds.format_decimal(amount))  # 12.5, as if written 12.5 (not 12.5000)


def _exact_number(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    try:
        return limits.number(Decimal(value))
    except limits.OutOfBounds:  # reported as "expected a number, got 1E+26"
        return None


def loads(text: str, where: str) -> tuple[Project | None, list[Problem]]:
    """Read one goal file's text; ``where`` names it in problems (and becomes ``Project.source``).

    Returns the project, or None when the file has any error, and every problem found.
    """
    raw, syntax = strict_toml.parse(text, where)
    if raw is None:
        return None, [syntax] if syntax else []
    errors: list[str] = []
    warnings: list[tuple[str, str]] = []  # (path, message): a warning is located as the checks' are
    project = _project(raw, where, errors, warnings)
    problems = [Problem(where, message) for message in errors]
    problems += [Problem(f"{where}: {path}", message, Severity.WARNING) for path, message in warnings]
    return (None if errors else project), problems


def _project(raw: Mapping[str, Any], where: str, errors: list[str], warnings: list[tuple[str, str]]) -> Project | None:
    table = _Table(raw, "", _PROJECT_KEYS, errors, warnings)
    project_id = table.text("id")
    if project_id is not None and not PROJECT_ID.match(project_id):
        table.error("id", f"{project_id!r} is not a valid project id (a letter or digit, then letters, digits, _ . -)")
    name, unit = table.text("name"), table.text("unit", empty=True)
    year, budget = table.year("year"), table.money("budget")
    fiscal, other = table.money("fiscal", required=False), table.money("other", required=False)
    goal = table.text("goal", required=False, empty=True)
    outcome = table.text("outcome", required=False, empty=True)
    department, agency = (table.text(key, required=False, empty=True) for key in _FORM_TEXTS)
    initial_budget, carryover = (table.money(key, required=False) for key in _FORM_MONEY)
    plan = _plan(table)
    window = _window(table)
    scoring = ProjectScoring()
    if "scoring" in table.raw:
        scoring, found = read_project_scoring(table.raw["scoring"], "")
        errors.extend(str(problem) for problem in found)
    indicators = _indicators(table)
    if errors:
        return None
    assert project_id is not None and name is not None and unit is not None
    assert year is not None and budget is not None and plan is not None and indicators is not None
    start, end = window if window is not None else (None, None)
    return Project(
        id=project_id,
        name=name,
        unit=unit,
        year=year,
        budget=budget,
        indicators=indicators,
        fiscal=fiscal,
        other=other,
        goal=goal or "",
        plan=plan,
        start=start,
        end=end,
        department=department or "",
        agency=agency or "",
        initial_budget=initial_budget,
        carryover=carryover,
        outcome=outcome or "",
        scoring=scoring,
        source=where,
    )


def _plan(table: _Table) -> FundPlan | None:
    raw = table.get("plan", True, lambda v: v if isinstance(v, dict) else None, "a table like { Q2 = 10, Q3 = 15 }")
    if raw is None:
        return None
    entries: list[tuple[str, Decimal]] = []
    ok = True
    for key, value in raw.items():
        if key not in PLAN_KEYS:
            table.error(f"plan.{key}", "not a plan entry: use Q1..Q4 (quarters) or H1, H2 (half-years)")
            ok = False
            continue
        amount = _money_text(value) if isinstance(value, str) else _exact_number(value)
        if isinstance(amount, str):
            table.error(f"plan.{key}", amount)
            ok = False
            continue
        if amount is None or amount < 0:
            table.error(f"plan.{key}", f"expected a non-negative amount in 万元, got {_describe(value)}")
            ok = False
            continue
        entries.append((key, amount))
    # Canonical order (Q1..Q4, H1, H2) so that equal plans compare equal however they were written.
    entries.sort(key=lambda entry: PLAN_KEYS.index(entry[0]))
    return FundPlan(tuple(entries)) if ok else None


def _window(table: _Table) -> tuple[pendulum.Date, pendulum.Date] | None:
    if "window" not in table.raw:
        return None
    raw = table.raw["window"]
    if not (isinstance(raw, list) and len(raw) == 2):
        table.error("window", f'expected two months like ["2021-01", "2021-12"], got {_describe(raw)}')
        return None
    months = [_month(table, f"window[{i}]", value) for i, value in enumerate(raw)]
    start, end = months
    if start is None or end is None:
        return None
    if start > end:
        table.error("window", f"starts ({raw[0]}) after it ends ({raw[1]})")
        return None
    return start, end.end_of("month")


def _month(table: _Table, key: str, value: object) -> pendulum.Date | None:
    match = _MONTH_RE.match(value) if isinstance(value, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        table.error(key, f"expected a month like '2021-01', got {_describe(value)}")
        return None
    return pendulum.date(int(match.group(1)), int(match.group(2)), 1)


def _indicators(table: _Table) -> tuple[Indicator, ...] | None:
    raw = table.raw.get("indicators", [])
    if not (isinstance(raw, list) and all(isinstance(item, dict) for item in raw)):
        table.error("indicators", "expected an array of tables ([[indicators]])")
        return None
    built = [
        _indicator(_Table(item, f"indicators[{i}]", _INDICATOR_KEYS, table.errors, table.warnings))
        for i, item in enumerate(raw)
    ]
    if any(indicator is None for indicator in built):
        return None
    return tuple(indicator for indicator in built if indicator is not None)


def _indicator(row: _Table) -> Indicator | None:
    before = len(row.errors)
    indicator_id = row.text("id")
    if indicator_id is not None and not INDICATOR_ID.match(indicator_id):
        row.error("id", f"{indicator_id!r} is not a valid indicator id (a letter, then letters, digits, _ . -)")
    level1 = row.text("level1", required=False)
    level2 = row.text("level2")
    name = row.text("name")
    target_text = row.text("target", empty=True)
    weight = row.points("weight", required=False)
    aggregate_text = row.text("aggregate", required=False)
    unit = row.text("unit", required=False, empty=True)
    aggregate = None
    if aggregate_text is not None:
        try:
            aggregate = Aggregate(aggregate_text)
        except ValueError:
            row.error("aggregate", f"{aggregate_text!r} is not one of sum, latest")
    target = None
    # Without its level 2 a bare target's meaning is unknown: report the missing level 2 only.
    if target_text is not None and not target_text.strip() and name:
        target = thresholds.criterion(name)
        row.warn("target", f"blank: read as a qualitative target, judged by the indicator's name {name!r}")
    elif target_text is not None and level2 is not None:
        try:
            category = normalise_level2(level2) if level2 else None
            target = thresholds.parse(target_text, category, name_unit=unit_from_name(name or ""))
        except thresholds.InvalidThreshold as invalid:
            row.error("target", str(invalid))
    if len(row.errors) > before:
        return None
    assert indicator_id is not None and level2 is not None and name is not None and target is not None
    return Indicator.create(
        id=indicator_id,
        name=name,
        level1=level1,
        level2=level2,
        target=target,
        weight=weight,
        aggregate=aggregate,
        unit=unit,
    )


def load_paths(paths: Sequence[Path]) -> tuple[list[Project], list[Problem]]:
    """Load goal files and folders of them (their ``*.toml``, sorted by name).

    Every file is read and every problem in every file collected; a file with an
    error contributes no project.
    """
    projects: list[Project] = []
    problems: list[Problem] = []
    for file in _expand(paths, problems):
        try:
            text = read_text(file)
        except (OSError, UnicodeDecodeError) as failure:
            problems.append(Problem(str(file), f"cannot read the file: {_reason(failure)}"))
            continue
        except ProblemsFound as unreadable:
            problems.extend(unreadable.problems)
            continue
        project, found = loads(text, str(file))
        problems.extend(found)
        if project is not None:
            projects.append(project)
    return projects, problems


def _expand(paths: Sequence[Path], problems: list[Problem]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            if not found:
                problems.append(Problem(str(path), "no goal files (*.toml) in this folder"))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            problems.append(Problem(str(path), "no such file or folder"))
    return files


def _reason(failure: Exception) -> str:
    if isinstance(failure, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(failure, OSError) and failure.strerror:
        return failure.strerror
    return str(failure)


def dumps(project: Project) -> str:
    """The goal file for ``project``; ``loads(dumps(p), where)`` gives back an equal project.

    Inferred values (level 1, unit, aggregation) are written only where they differ
    from what reading would infer, and targets in their canonical form (``1人``
    under 数量指标 becomes ``≥1人``, showing the direction the engine uses); a blank
    target (judged by the name) stays blank.
    """
    head: dict[str, Any] = {
        "id": project.id,
        "name": project.name,
        "unit": project.unit,
    }
    head.update((key, getattr(project, key)) for key in _FORM_TEXTS if getattr(project, key))
    head.update(year=project.year, budget=_number(project.budget))
    for key in ("initial_budget", "fiscal", "carryover", "other"):
        if getattr(project, key) is not None:
            head[key] = _number(getattr(project, key))
    parts = [tomli_w.dumps(head).rstrip("\n")]
    plan = ", ".join(f"{key} = {_value(_number(amount))}" for key, amount in project.plan)
    parts.append(f"plan = {{ {plan} }}" if plan else "plan = {}")
    if project.start is not None and project.end is not None:
        months = [project.start.format("YYYY-MM"), project.end.format("YYYY-MM")]
        parts.append(f"window = [{_value(months[0])}, {_value(months[1])}]")
    for key in ("goal", "outcome"):
        if getattr(project, key):
            parts.append(tomli_w.dumps({key: getattr(project, key)}, multiline_strings=True).rstrip("\n"))
    text = "\n".join(parts) + "\n"
    if project.scoring:
        text += "\n" + _scoring_table(project.scoring)
    for indicator in project.indicators:
        text += "\n[[indicators]]\n" + tomli_w.dumps(_indicator_row(indicator))
    return text


def _indicator_row(indicator: Indicator) -> dict[str, Any]:
    row: dict[str, Any] = {"id": indicator.id}
    if indicator.level1 != (level1_of(indicator.level2) or ""):
        row["level1"] = indicator.level1
    blank = indicator.target == thresholds.criterion(indicator.name)
    row.update(level2=indicator.level2, name=indicator.name, target="" if blank else str(indicator.target))
    if indicator.weight is not None:
        row["weight"] = _number(indicator.weight)
    if indicator.aggregate is not default_aggregate(indicator.target, indicator.unit):
        row["aggregate"] = indicator.aggregate.value
    if indicator.unit != (indicator.target.unit or unit_from_name(indicator.name)):
        row["unit"] = indicator.unit
    return row


def _scoring_table(scoring: ProjectScoring) -> str:
    """The ``[scoring]`` section of a goal file, as :func:`read_project_scoring` reads it."""
    table: dict[str, Any] = {}
    if scoring.execution is not None:
        table["execution"] = _number(scoring.execution)
    declared = {tier: [l2 for l2, owner in scoring.level2.items() if owner == tier] for tier in scoring.tiers}
    table["tiers"] = {
        tier: {"weight": _number(weight), "level2": declared[tier]} if declared[tier] else _number(weight)
        for tier, weight in scoring.tiers.items()
    }
    if not scoring.tiers:
        del table["tiers"]
    return tomli_w.dumps({"scoring": table})


def _number(value: Decimal) -> int | Decimal:
    """Whole amounts as TOML integers (35, not 35.0); others as exact decimals."""
    return int(value) if value == value.to_integral_value() else value


def _value(value: object) -> str:
    """One value in TOML notation."""
    return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")
