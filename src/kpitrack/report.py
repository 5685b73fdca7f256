"""Tables and JSON-ready records for people: the 自评表, the 双监控 lights, the underperformers, the profile.

The core gives exact records (:mod:`kpitrack.scoring`, :mod:`kpitrack.monitoring`);
this module lays them out: the self-evaluation table (项目支出绩效自评表) in its
usual column order, the monitoring table (绩效运行监控表), the list of projects
needing correction (纠偏), and the profile in force with the source of each rule.
Numbers are rounded to two places here and only here.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import tabulate as _tabulate_module
import wcwidth
from tabulate import tabulate

from kpitrack import thresholds
from kpitrack.audit import AuditedRow, AuditedTable, Finding, Summary
from kpitrack.explanations import Explanation, cutoff_missing, year_end_missing
from kpitrack.model import LEVEL2, Indicator, Project, unit_from_name
from kpitrack.monitoring import IndicatorStatus, Light, ProjectStatus, Reason, Underperformer
from kpitrack.numbers import json_number, rounded, show
from kpitrack.problems import MAX_SHOWN, Problem, Severity, more_problems
from kpitrack.profile import Profile, Rating, RowRounding
from kpitrack.readings import Grade, GradeWord, Reading, ValueWords
from kpitrack.scoring import IndicatorScore, ProjectScore, Status
from kpitrack.store import ActualsView, ImportResult, WriteSummary
from kpitrack.thresholds import format_decimal

if TYPE_CHECKING:  # the API's records, laid out here; the API itself evaluates through this module's rows
    from kpitrack.api import CheckReport, GoalsLoaded, History

__all__ = [
    "audit_json",
    "audit_order",
    "audit_record",
    "profile_text",
    "render_audit",
    "render_scores",
    "render_statuses",
    "render_underperformers",
    "score_json",
    "score_line",
    "score_record",
    "score_row_json",
    "status_json",
    "status_line",
    "status_record",
    "status_row_json",
    "underperformer_record",
]


def _num(value: Decimal | None) -> int | float | None:
    return json_number(value, places=True)


# --- JSON text ----------------------------------------------------------------------
#
# ``score`` and ``status`` write a province's records (a million indicator rows) as
# JSON text directly: building a dict per row and handing it to ``json.dumps``, which
# sets its encoder up afresh on every call, cost several times more.  The text is
# exactly what ``json.dumps(record, ensure_ascii=False)`` gives (``tests/test_report_json.py``):
# strings go through the json module's own escaping, numbers through ``repr`` as json
# does, and the separators are json's ``", "`` and ``": "``.  The dict forms
# (:func:`score_record`, :func:`status_record`) are read back from the text, so the
# fields are written in one place only.

_string = json.encoder.encode_basestring  # the json module's escaping of a str, with ensure_ascii=False


def _number(value: Decimal | None) -> str:
    """A decimal as a JSON number rounded to two places (see :func:`_num`); ``null`` for None."""
    return "null" if value is None else _number_text(value)


def _number_text(value: Decimal) -> str:
    """``repr(json_number(value, places=True))``, made from the rounded decimal's own text.

    A number rounded to two places with at most 15 significant digits is printed by
    ``repr`` of its float exactly as its decimal text without trailing zeros (a float
    holds 15 significant digits exactly, and ``repr`` is the shortest text that reads
    back), and an integral one as its integer; larger numbers take the float's way.
    """
    value = rounded(value)
    if not -_EXACT_IN_FLOAT < value < _EXACT_IN_FLOAT:
        return repr(json_number(value))
    text = str(value)  # exponent -2: always plain digits, two of them after the point
    if text.endswith("00"):
        return str(int(value))  # integral (-0.00 is 0, as json_number gives)
    return text[:-1] if text.endswith("0") else text


_EXACT_IN_FLOAT = Decimal("1e13")  # below it, two places make at most 15 significant digits


def _optional(text: str | None) -> str:
    return "null" if text is None else _string(text)


def _reading(reading: Reading | None) -> str:
    return "null" if reading is None else _string(str(reading))


def _joined(texts: Iterable[str]) -> str:
    """JSON texts as the items of an array."""
    return ", ".join(texts)


def _show(value: Decimal | None, suffix: str = "") -> str:
    return "" if value is None else f"{show(value)}{suffix}"


def _percent(rate: Decimal | None) -> str:
    return "" if rate is None else _show(rate * 100, "%")


def _actual(reading: Reading | None) -> str | None:
    return None if reading is None else str(reading)


# --- tables -------------------------------------------------------------------------
#
# The 自评表 and the monitoring table of every project of a province are a hundred
# thousand small tables: ``tabulate`` infers each cell's type and measures it afresh,
# ~0.4 ms a table, which made ``score`` as a table four times slower than as JSON.
# :func:`_table` lays out tables of one-line text cells exactly as ``tabulate(rows,
# headers, disable_numparse=True)`` does in its default "simple" format
# (``tests/test_report_tables.py`` holds the two equal), and remembers each cell's
# display width: a province repeats its tier names, targets and statuses.  Any
# other cell (a line break, a tab, a terminal escape, an unprintable character,
# spaces at either end, which ``tabulate`` strips) goes to ``tabulate`` itself.

_WIDE = bool(getattr(_tabulate_module, "WIDE_CHARS_MODE", False))  # tabulate measures CJK as two columns
_widths: dict[str, int] = {}


def _width(text: str) -> int:
    """The display width of a cell as ``tabulate`` measures it; -1 for a cell only ``tabulate`` lays out."""
    found = _widths.get(text)
    if found is None:
        if len(_widths) > 200_000:
            _widths.clear()
        plain = text == text.strip() and not any(mark in text for mark in "\n\r\t\x1b")
        found = _widths[text] = (wcwidth.wcswidth(text) if _WIDE else len(text)) if plain else -1
    return found


def _table(rows: list[list[str]], headers: list[str]) -> str:
    """``tabulate(rows, headers=headers, disable_numparse=True)`` for one-line text cells, made faster."""
    widths = [_width(header) + 2 for header in headers]  # tabulate's minimum padding of a header
    known = _widths.get
    measured = [[known(cell) or _width(cell) for cell in row] for row in rows]  # (an empty cell is measured again)
    if not rows or not headers or min(widths) < 2 or any(len(row) != len(headers) or min(row) < 0 for row in measured):
        return tabulate(rows, headers=headers, disable_numparse=True)
    for sizes in measured:
        widths = [max(pair) for pair in zip(widths, sizes, strict=True)]

    def line(texts: list[str], sizes: list[int]) -> str:
        # tabulate ends the header and every row at its last visible character
        cells = zip(texts, sizes, widths, strict=True)
        return "  ".join([f"{text}{' ' * (width - size)}" for text, size, width in cells]).rstrip()

    lines = [line(headers, [_width(header) for header in headers]), "  ".join(["-" * width for width in widths])]
    lines += [line(row, sizes) for row, sizes in zip(rows, measured, strict=True)]
    return "\n".join(lines)


# --- the self-evaluation (自评表) ------------------------------------------------------

_STATUS_WORDS = {
    Status.MET: "达成",
    Status.MISSED: "未达成",
    Status.MISSING: "缺数据",
    Status.NOT_APPLICABLE: "不适用",
    Status.FLAGGED: "需说明",
}


# project id → ids of its indicators explained for the period, and 预算执行 when its budget row is
Explained = Mapping[str, Collection[str]]


def explained_by_project(found: Iterable[Explanation]) -> dict[str, set[str]]:
    """Explanations (from ``Workspace.explanations``) as :data:`Explained`, for the lists of missing ones."""
    by_project: dict[str, set[str]] = {}
    for explanation in found:
        by_project.setdefault(explanation.project, set()).add(explanation.indicator)
    return by_project


def score_json(scores: Iterable[ProjectScore], explained: Explained | None = None) -> Iterator[str]:
    """Each project's self-evaluation as one line of compact JSON, one by one (streamed).

    Fields: ``project``, ``name``, ``year``, ``total``, ``grade``, ``execution``
    (``budget``, ``spent``, ``rate``, ``rate_percent``, ``score``, ``weight``,
    ``explain``), ``indicators`` (``id``, ``name``, ``level1``, ``level2``, ``target``,
    ``actual``, ``weight``, ``score``, ``status``, ``method``, ``explain``, and
    ``flags`` / ``last_year`` when there are any), ``rescaled_from``, ``explain``,
    ``missing_explanations`` (the ids of the indicators that need a 偏差原因分析及改进措施
    and have none in ``explained``).  Numbers are rounded to two places.
    """
    explained = explained or {}
    for score in scores:
        yield score_line(score, _joined(map(score_row_json, score.indicators)), explained.get(score.project.id, ()))


def score_line(score: ProjectScore, rows: str, explained: Collection[str] = ()) -> str:
    """:func:`score_json`'s line of one project, its indicator rows given as the text of their JSON items.

    A province repeats the same indicator rows: an evaluation pass writes each distinct
    row's text once (:func:`score_row_json`) and joins the texts of a project's rows.
    ``explained``: the ids of the project's indicators explained for the year end.
    """
    missing = year_end_missing(score, explained)
    project, execution = score.project, score.execution
    rate = execution.rate
    return (
        f'{{"project": {_string(project.id)}, "name": {_string(project.name)}, "year": {project.year!r}, '
        f'"total": {_number(score.total)}, "grade": {_string(score.grade.value)}, '
        f'"execution": {{"budget": {_number(execution.budget)}, "spent": {_number(execution.spent)}, '
        f'"rate": {_number(rate)}, "rate_percent": {_number(None if rate is None else rate * 100)}, '
        f'"score": {_number(execution.score)}, "weight": {_number(execution.weight)}, '
        f'"explain": {_string(execution.explain)}}}, '
        f'"indicators": [{rows}], '
        f'"rescaled_from": {_number(score.rescaled_from)}, "explain": {_string(score.explain)}, '
        f'"missing_explanations": [{_joined(map(_string, missing))}]}}'
    )


def score_record(score: ProjectScore, explained: Explained | None = None) -> dict[str, Any]:
    """One project's self-evaluation as JSON-ready data: :func:`score_json`'s fields."""
    record: dict[str, Any] = json.loads(next(score_json([score], explained)))
    return record


def _score_definition(indicator: Indicator) -> str:
    return (
        f'"id": {_string(indicator.id)}, "name": {_string(indicator.name)}, "level1": {_string(indicator.level1)}, '
        f'"level2": {_string(indicator.level2)}, "target": {_string(str(indicator.target))}'
    )


def score_row_json(item: IndicatorScore) -> str:
    """One indicator row of :func:`score_json`, as JSON text."""
    flags = f', "flags": [{", ".join(map(_string, item.flags))}]' if item.flags else ""
    last_year = f', "last_year": {_reading(item.last_year)}' if item.last_year is not None else ""
    return (
        f'{{{_score_definition(item.indicator)}, "actual": {_reading(item.actual)}, "weight": {_number(item.weight)}, '
        f'"score": {_number(item.score)}, "status": {_string(item.status.value)}, '
        f'"method": {_string(item.method.value)}, "explain": {_string(item.explain)}{flags}{last_year}}}'
    )


def render_scores(scores: Iterable[ProjectScore], explained: Explained | None = None) -> str:
    """The 项目支出绩效自评表 of each project, one after another."""
    return "\n\n".join(render_score(score, (explained or {}).get(score.project.id, ())) for score in scores)


def render_score(score: ProjectScore, explained: Collection[str] = ()) -> str:
    """One project's 项目支出绩效自评表: the budget row, one row per indicator, the total and what needs explaining."""
    project, execution = score.project, score.execution
    head = [
        f"项目支出绩效自评表 ({project.year})  {project.id} {project.name}  预算单位: {project.unit}",
        _table(
            [
                [
                    _show(execution.budget),
                    _show(execution.spent),
                    _percent(execution.rate),
                    _show(execution.weight),
                    _show(execution.score),
                ]
            ],
            ["全年预算数(万元)", "全年执行数", "执行率", "分值", "得分"],
        ),
    ]
    rows = [
        [
            item.indicator.level1,
            item.indicator.level2,
            item.indicator.name,
            str(item.indicator.target),
            _actual(item.actual) or "—",
            _show(item.weight),
            _show(item.score),
            _STATUS_WORDS[item.status],
            item.explain,
        ]
        for item in score.indicators
    ]
    table = _table(
        rows, ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "完成情况", "计算"]
    )
    total = f"总分 {_show(score.total)}  等级 {score.grade.value}  ({score.explain})"
    flagged = [f"  {i.indicator.id}: {flag}" for i in score.indicators for flag in i.flags]
    lines = [*head, table, total]
    if flagged:
        lines += ["需说明 (偏差原因分析及改进措施):", *flagged]
    missing = year_end_missing(score, explained)
    if missing:
        lines.append(f"缺少说明 (missing explanations): {', '.join(missing)}")
    return "\n".join(lines)


# --- mid-year monitoring (双监控) --------------------------------------------------------


def status_json(statuses: Iterable[ProjectStatus], explained: Explained | None = None) -> Iterator[str]:
    """Each project's monitoring result as one line of compact JSON, one by one (streamed).

    Fields: ``project``, ``name``, ``as_of``, ``light``, ``p``, ``basis``, ``budget``
    (``budget``, ``spent``, ``rate``, ``q``, ``planned``, ``plan_rate``, ``light``,
    ``expected``, ``likelihood``, ``explain``), ``indicators`` (``id``, ``name``,
    ``target``, ``actual``, ``light``, ``ratio``, ``expected``, ``likelihood``, ``explain``),
    ``missing_explanations`` (the red and yellow items with no explanation in ``explained``:
    ``预算执行`` first when the budget row is one, then indicator ids).
    """
    explained = explained or {}
    for status in statuses:
        yield status_line(
            status, _joined(map(status_row_json, status.indicators)), explained.get(status.project.id, ())
        )


def status_line(status: ProjectStatus, rows: str, explained: Collection[str] = ()) -> str:
    """:func:`status_json`'s line of one project, its indicator rows given as the text of their JSON items.

    ``explained``: the ids of the project's indicators explained for the cut-off.
    """
    missing = cutoff_missing(status, explained)
    project, budget = status.project, status.budget
    likelihood = budget.likelihood.value if budget.likelihood else None
    return (
        f'{{"project": {_string(project.id)}, "name": {_string(project.name)}, '
        f'"as_of": {_string(str(status.as_of))}, "light": {_string(status.light.value)}, '
        f'"p": {_number(status.p)}, "basis": {_string(status.basis.value)}, '
        f'"budget": {{"budget": {_number(budget.budget)}, "spent": {_number(budget.spent)}, '
        f'"rate": {_number(budget.rate)}, "q": {_number(budget.q)}, "planned": {_number(budget.planned)}, '
        f'"plan_rate": {_number(budget.plan_rate)}, "light": {_string(budget.light.value)}, '
        f'"expected": {_number(budget.expected)}, "likelihood": {_optional(likelihood)}, '
        f'"explain": {_string(budget.explain)}}}, '
        f'"indicators": [{rows}], '
        f'"missing_explanations": [{_joined(map(_string, missing))}]}}'
    )


def status_record(status: ProjectStatus, explained: Explained | None = None) -> dict[str, Any]:
    """One project's monitoring result as JSON-ready data: :func:`status_json`'s fields."""
    record: dict[str, Any] = json.loads(next(status_json([status], explained)))
    return record


def _status_definition(indicator: Indicator) -> str:
    return (
        f'"id": {_string(indicator.id)}, "name": {_string(indicator.name)}, "target": {_string(str(indicator.target))}'
    )


def status_row_json(item: IndicatorStatus) -> str:
    """One indicator row of :func:`status_json`, as JSON text."""
    likelihood = item.likelihood.value if item.likelihood else None
    return (
        f'{{{_status_definition(item.indicator)}, "actual": {_reading(item.actual)}, '
        f'"light": {_string(item.light.value)}, '
        f'"ratio": {_number(item.ratio)}, "expected": {_number(item.expected)}, '
        f'"likelihood": {_optional(likelihood)}, "explain": {_string(item.explain)}}}'
    )


_LIGHT_WORDS = {
    Light.BLUE: "蓝 blue",
    Light.GREEN: "绿 green",
    Light.YELLOW: "黄 yellow",
    Light.RED: "红 red",
    Light.NO_DATA: "无数据 no data",
    Light.NOT_APPLICABLE: "不适用",
}


def render_statuses(statuses: Iterable[ProjectStatus], explained: Explained | None = None) -> str:
    """The 绩效运行监控 table of each project, one after another."""
    return "\n\n".join(render_status(status, (explained or {}).get(status.project.id, ())) for status in statuses)


def render_status(status: ProjectStatus, explained: Collection[str] = ()) -> str:
    """One project's 绩效运行监控 table: budget row, then one row per indicator."""
    budget = status.budget
    head = (
        f"绩效运行监控 {status.as_of}  {status.project.id} {status.project.name}  "
        f"项目 {_LIGHT_WORDS[status.light]}  (p = {_show(status.p)}, {status.basis.value})"
    )
    rows = [
        [
            "预算执行",
            _show(budget.budget),
            _show(budget.spent),
            _LIGHT_WORDS[budget.light],
            _show(budget.expected),
            budget.likelihood.value if budget.likelihood else "",
            budget.explain,
        ]
    ]
    rows += [
        [
            f"{item.indicator.id} {item.indicator.name}",
            str(item.indicator.target),
            _actual(item.actual) or "—",
            _LIGHT_WORDS[item.light],
            _show(item.expected),
            item.likelihood.value if item.likelihood else "",
            item.explain,
        ]
        for item in status.indicators
    ]
    table = _table(rows, ["", "目标", "累计/最新", "预警", "预计全年", "完成可能性", "计算"])
    missing = cutoff_missing(status, explained)
    if missing:
        return f"{head}\n{table}\n缺少说明 (missing explanations): {', '.join(missing)}"
    return f"{head}\n{table}"


# --- the underperformers -------------------------------------------------------------


def _reason_record(reason: Reason) -> dict[str, Any]:
    return {
        "what": reason.what,
        "name": reason.name,
        "detail": reason.detail,
        "points_lost": _num(reason.points_lost),
        "shortfall": _num(reason.shortfall),
    }


def underperformer_record(item: Underperformer) -> dict[str, Any]:
    record: dict[str, Any] = {
        "project": item.project.id,
        "name": item.project.name,
        "standing": item.standing,
        "reasons": [_reason_record(r) for r in item.reasons],
    }
    if item.total is not None:
        record["total"] = _num(item.total)
    if item.light is not None:
        record["light"] = item.light.value
    return record


def json_array(texts: Iterable[str]) -> Iterator[str]:
    """The pieces of a JSON array of the objects' texts, one object per line, as ``--format json`` prints them.

    Streamed: a province's records are written as they are made (the web's ``/api/`` sends the same text).
    """
    before = "[\n"
    for text in texts:
        yield before + text
        before = ",\n"
    yield "\n]\n" if before == ",\n" else "[\n]\n"


def underperformer_json(items: Iterable[Underperformer]) -> Iterator[str]:
    """Each listed project as one line of compact JSON: :func:`underperformer_record`'s fields."""
    for item in items:
        yield json.dumps(underperformer_record(item), ensure_ascii=False)


def underperforming_heading(year: int, as_of: object | None, profile: Profile) -> str:
    """What the list holds: the red and yellow projects at a cut-off, or the year end's rules."""
    if as_of is not None:
        return f"Red and yellow projects at {as_of}"
    return (
        f"Underperforming in {year} (total below {show(profile.underperforming_below)}, missing data, "
        f"or execution below {show(profile.execution_floor * 100)}%)"
    )


def render_underperformers(items: list[Underperformer], heading: str) -> str:
    if not items:
        return f"{heading}: none"
    lines = [f"{heading}: {len(items)}"]
    for rank, item in enumerate(items, 1):
        lines.append(f"{rank}. {item.project.id} {item.project.name}  {item.standing}")
        rows = [
            [
                reason.what if reason.what == reason.name else f"{reason.what} {reason.name}",
                _show(reason.points_lost),
                _show(reason.shortfall),
                reason.detail,
            ]
            for reason in item.reasons
        ]
        if rows:
            table = _table(rows, ["", "失分", "差额", "原因"])
            lines.append("\n".join(f"   {line}" for line in table.splitlines()))
    return "\n".join(lines)


# --- the profile ---------------------------------------------------------------------


def _toml_value(value: object) -> str:
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _inline(mapping: Mapping[Any, Any]) -> str:
    def key(k: object) -> str:
        return str(k.value) if isinstance(k, Rating | Grade) else str(k)

    return "{ " + ", ".join(f'"{key(k)}" = {_toml_value(v)}' for k, v in mapping.items()) + " }"


def _words_inline(words: ValueWords) -> str:
    """The words printed as results, as a profile file writes them: "是" = "达成", "基本达到" = ["部分达成", 75]."""

    def meaning(word: GradeWord) -> str:
        if word.score is None:
            return _toml_value(word.grade.value)
        return f"[{_toml_value(word.grade.value)}, {_toml_value(word.score)}]"

    return "{ " + ", ".join(f'"{w}" = {meaning(m)}' for w, m in words.words.items()) + " }"


def _tiers_inline(profile: Profile) -> str:
    """The tiers as a profile file writes them: a weight, or for a tier not of the national tree its level 2s too."""

    def tier(name: str, weight: Decimal) -> str:
        members = [level2 for level2, owner in profile.level2_tiers.items() if owner == name]
        if members == [level2 for level2, owner in LEVEL2.items() if owner == name]:
            return _toml_value(weight)
        listed = ", ".join(_toml_value(level2) for level2 in members)
        return f"{{ weight = {_toml_value(weight)}, level2 = [{listed}] }}"

    return "{ " + ", ".join(f'"{name}" = {tier(name, w)}' for name, w in profile.tier_weights.items()) + " }"


def _rounding_inline(rule: RowRounding) -> str:
    if rule.places is None:
        return '"none"'
    return f"{{ places = {rule.places}, mode = {_toml_value(rule.halves.value)} }}"


def profile_text(profile: Profile) -> str:
    """The profile in force, in the profile-file format, each rule with its source as a comment."""
    src = profile.sources
    cutoffs = {k: v for k, v in profile.grade_cutoffs.items() if k is not Rating.POOR}
    sections: list[tuple[str, list[tuple[str, str, str]]]] = [
        (
            "scoring",
            [
                ("execution", _toml_value(profile.execution_weight), "scoring.execution"),
                ("tiers", _tiers_inline(profile), "scoring.tiers"),
                ("row_rounding", _rounding_inline(profile.row_rounding), "scoring.row_rounding"),
                ("reverse", _toml_value(profile.reverse.value), "scoring.reverse"),
                ("exact", _toml_value(profile.exact.value), "scoring.exact"),
                ("over_achievement", _toml_value(profile.over_achievement), "scoring.over_achievement"),
                ("grades", _inline(cutoffs), "scoring.grades"),
            ],
        ),
        (
            "scoring.qualitative",
            [
                ("bands", _inline(profile.grade_bands), "scoring.qualitative.bands"),
                ("defaults", _inline(profile.grade_defaults), "scoring.qualitative.defaults"),
                ("words", _words_inline(profile.value_words), "scoring.qualitative.words"),
                *(
                    [("free_text", _toml_value(profile.value_words.free_text.value), "scoring.qualitative.free_text")]
                    if profile.value_words.free_text is not None
                    else []
                ),
            ],
        ),
        (
            "monitoring",
            [
                ("red_below", _toml_value(profile.monitoring.red_below), "monitoring.red_below"),
                ("green_from", _toml_value(profile.monitoring.green_from), "monitoring.green_from"),
                ("blue_from", _toml_value(profile.monitoring.blue_from), "monitoring.blue_from"),
                (
                    "impossible_catch_up",
                    _toml_value(profile.monitoring.impossible_catch_up),
                    "monitoring.impossible_catch_up",
                ),
                ("elapsed", _toml_value(profile.elapsed_basis.value), "monitoring.elapsed"),
            ],
        ),
        (
            "underperforming",
            [
                ("below", _toml_value(profile.underperforming_below), "underperforming.below"),
                ("execution_floor", _toml_value(profile.execution_floor), "underperforming.execution_floor"),
            ],
        ),
    ]
    lines = [f"name = {_toml_value(profile.name)}"]
    for title, rules in sections:
        lines += ["", f"[{title}]"]
        width = max((len(f"{k} = {v}") for k, v, _ in rules if len(f"{k} = {v}") <= 80), default=0)
        lines += [f"{f'{k} = {v}':<{width}}  # {src.get(rule, '')}" for k, v, rule in rules]
    return "\n".join(lines)


# --- recording: what was written, every version, the year so far ------------------------


def recorded_text(what: str, value: str, summary: WriteSummary) -> str:
    """What ``record`` or ``spend`` did with one value."""
    if summary.unchanged:
        return f"{what}: unchanged (the same value is already recorded)"
    if summary.superseded:
        return f"{what}: recorded {value} (supersedes the earlier value)"
    return f"{what}: recorded {value}"


def _summary_line(name: str, summary: WriteSummary) -> str:
    superseding = f"{summary.superseded} superseding earlier values"
    return f"{name}: {summary.added} recorded ({superseding}), {summary.unchanged} unchanged"


def render_import(result: ImportResult) -> str:
    """What an import did (or would do, in a dry run) to actuals and to spending."""
    lines = [_summary_line("actuals", result.actuals), _summary_line("spending", result.spending)]
    explained = result.explanations
    if explained.added or explained.unchanged:
        lines.append(_summary_line("explanations", explained))
    if result.blank:
        lines.append(f"{result.blank} row{'s' if result.blank > 1 else ''} left blank: not reported, not recorded")
    if result.dry_run:
        lines.extend(_corrections(result))
        lines.append("dry run: nothing written")
    return "\n".join(lines)


def _corrections(result: ImportResult) -> list[str]:
    """A dry run's list of the values it would write over different ones, old → new, and how many more."""
    if not result.corrections:
        return []
    unlisted = result.actuals.superseded + result.spending.superseded - len(result.corrections)
    more = [f"  … and {unlisted:,} more"] if unlisted > 0 else []
    return ["would correct (old → new):", *(f"  {correction}" for correction in result.corrections), *more]


def history_record(history: History) -> dict[str, Any]:
    """Every version of a project's values and its goal revisions, as JSON-ready data."""
    return {
        "project": history.project.id,
        "year": history.project.year,
        "versions": [
            {
                "indicator": e.indicator,
                "period": str(e.period),
                "value": e.text,
                "note": e.note,
                "recorded_by": e.recorded_by,
                "recorded_at": e.recorded_at,
                "current": e.current,
            }
            for e in history.entries
        ],
        "revisions": [
            {"indicator": r.indicator, "field": r.field, "old": r.old, "new": r.new, "date": r.revised_on.isoformat()}
            for r in history.revisions
        ],
        "explanations": [
            {
                "indicator": x.indicator,
                "period": x.period,
                "text": x.text,
                "cause": x.cause.value if x.cause else None,
                "likelihood": x.likelihood.value if x.likelihood else None,
                "measures": x.measures,
                "recorded_by": x.recorded_by,
                "recorded_at": x.recorded_at,
                "current": x.current,
            }
            for x in history.explanations
        ],
    }


def render_history(history: History) -> str:
    """Every version, superseded ones marked, with who, when (UTC) and why; then the goal revisions."""
    project = history.project
    rows = [
        (
            e.indicator or "spent",
            str(e.period),
            e.text,
            "" if e.current else "superseded",
            e.recorded_by,
            e.recorded_at[:19].replace("T", " "),
            e.note,
        )
        for e in history.entries
    ]
    headers = ["indicator", "period", "value", "state", "by", "at (UTC)", "note"]
    lines = [
        f"{project.id} {project.name} ({project.year})",
        tabulate(rows, headers=headers) if rows else "nothing recorded",
    ]
    if history.revisions:
        lines.append("\ngoal revisions (目标调整):")
        lines.extend(f"  {revision}" for revision in history.revisions)
    if history.explanations:
        lines.append("\nexplanations (情况说明):")
        lines.append(tabulate([_explanation_row(x) for x in history.explanations], headers=_EXPLANATION_HEADERS))
    return "\n".join(lines)


_EXPLANATION_HEADERS = [
    "indicator",
    "period",
    "explanation",
    "cause",
    "likelihood",
    "measures",
    "state",
    "by",
    "at (UTC)",
]


def _explanation_row(explanation: Explanation) -> list[str]:
    return [
        explanation.indicator,
        explanation.period,
        explanation.text,
        explanation.cause.value if explanation.cause else "",
        explanation.likelihood.value if explanation.likelihood else "",
        explanation.measures,
        "" if explanation.current else "superseded",
        explanation.recorded_by,
        explanation.recorded_at[:19].replace("T", " "),
    ]


def _reading_record(reading: Reading | None) -> dict[str, Any] | None:
    if reading is None:
        return None
    return {
        "text": str(reading),
        "kind": reading.kind.value,
        "value": json_number(reading.number),
        "unit": reading.unit,
        "grade": reading.grade.value if reading.grade is not None else None,
        "score": json_number(reading.score),
        "date": reading.date.isoformat() if reading.date is not None else None,
    }


def actuals_record(view: ActualsView) -> dict[str, Any]:
    """A project's values by period (``quarters``) and year to date beside its targets, as JSON-ready data."""
    project, quarters = view.project, view.periods()
    return {
        "project": project.id,
        "name": project.name,
        "year": project.year,
        "as_of": str(view.as_of),
        "indicators": [
            {
                "id": row.indicator.id,
                "name": row.indicator.name,
                "level1": row.indicator.level1,
                "level2": row.indicator.level2,
                "target": str(row.indicator.target),
                "unit": row.indicator.unit,
                "aggregate": row.indicator.aggregate.value,
                "quarters": {str(q): _reading_record(row.quarters.get(q)) for q in quarters},
                "to_date": _reading_record(row.to_date),
            }
            for row in view.indicators
        ],
        "spending": {str(q): json_number(view.spending.get(q)) for q in quarters},
        "spent": json_number(view.spent),
        "budget": json_number(project.budget),
    }


def render_actuals(view: ActualsView) -> str:
    """Per indicator: the periods' values, the year to date, the target and how periods combine; then money."""
    project, quarters = view.project, view.periods()
    headers = ["indicator", "name", *(q.label for q in quarters), "to date", "target", "how"]
    rows: list[list[str]] = []
    for row in view.indicators:
        values = [str(row.quarters[q]) if q in row.quarters else "" for q in quarters]
        to_date = str(row.to_date) if row.to_date is not None else "—"
        name = row.indicator.name if len(row.indicator.name) <= 24 else row.indicator.name[:23] + "…"
        rows.append(
            [row.indicator.id, name, *values, to_date, str(row.indicator.target), row.indicator.aggregate.value]
        )
    spent = [format_decimal(view.spending[q]) if q in view.spending else "" for q in quarters]
    rows.append(
        [
            "spent",
            "资金执行 (万元)",
            *spent,
            format_decimal(view.spent),
            f"budget {format_decimal(project.budget)}",
            "sum",
        ]
    )
    heading = f"{project.id} {project.name} ({project.year}), to {view.as_of}"
    return f"{heading}\n{tabulate(rows, headers=headers, disable_numparse=True)}"


# --- goal tables: the check and the load -------------------------------------------------


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _tiers(projects: Sequence[Project], profile: Profile) -> list[str]:
    """The tiers the summary counts in: the profile's, then those projects declare in their own sections."""
    names = dict.fromkeys(profile.tier_weights)
    for project in projects:
        if project.scoring:
            names.update(dict.fromkeys(profile.for_project(project.scoring).tier_weights))
    return list(names)


def _counts(project: Project, profile: Profile, tiers: Sequence[str]) -> dict[str, int]:
    """Indicators per tier, each counted in the tier it scores under (its level 2's, ``Profile.tier_of``)."""
    tree = profile.for_project(project.scoring)
    counts = dict.fromkeys(tiers, 0)
    other = 0
    for indicator in project.indicators:
        tier = tree.tier_of(indicator)
        if tier in counts:
            counts[tier] += 1
        else:
            other += 1
    if other:
        counts["other"] = other
    return counts


def _plan_text(project: Project) -> str:
    return " / ".join(f"{key} {format_decimal(amount)}" for key, amount in project.plan)


def _check_summary(projects: Sequence[Project], profile: Profile) -> str:
    tiers = _tiers(projects, profile)
    headers = ["id", "name", "year", "budget (万元)", "plan", *(tier.removesuffix("指标") for tier in tiers), "all"]
    rows: list[list[str]] = []
    for project in projects:
        counts = _counts(project, profile, tiers)
        rows.append(
            [
                project.id,
                project.name,
                str(project.year),
                format_decimal(project.budget),
                _plan_text(project),
                *(str(counts[tier]) for tier in tiers),
                str(len(project.indicators)),
            ]
        )
    totals = _totals(projects, profile, tiers)
    rows.append(
        [
            "total",
            f"{totals['projects']} projects",
            "",
            format_decimal(sum((p.budget for p in projects), Decimal(0))),
            "",
            *(str(totals["by_level1"][tier]) for tier in tiers),
            str(totals["indicators"]),
        ]
    )
    align = ("left", "left", "left", "right", "left", *(["right"] * (len(tiers) + 1)))
    return tabulate(rows, headers=headers, disable_numparse=True, colalign=align)


def _totals(projects: Sequence[Project], profile: Profile, tiers: Sequence[str]) -> dict[str, Any]:
    by_level1 = dict.fromkeys(tiers, 0)
    for project in projects:
        for tier, count in _counts(project, profile, tiers).items():
            if tier in by_level1:
                by_level1[tier] += count
    return {
        "projects": len(projects),
        "indicators": sum(len(p.indicators) for p in projects),
        "by_level1": by_level1,
        "budget": json_number(sum((p.budget for p in projects), Decimal(0))),
    }


def _check_payload(projects: Sequence[Project], problems: Sequence[Problem], profile: Profile) -> dict[str, Any]:
    tiers = _tiers(projects, profile)
    return {
        "projects": [
            {
                "id": p.id,
                "name": p.name,
                "unit": p.unit,
                "year": p.year,
                "budget": json_number(p.budget),
                "fiscal": json_number(p.fiscal),
                "other": json_number(p.other),
                "plan": {key: json_number(amount) for key, amount in p.plan},
                "indicators": _counts(p, profile, tiers) | {"total": len(p.indicators)},
                "source": p.source,
            }
            for p in projects
        ],
        "totals": _totals(projects, profile, tiers),
        "problems": [{"where": p.where, "message": p.message, "severity": p.severity.value} for p in problems],
    }


def check_record(checked: CheckReport) -> dict[str, Any]:
    """The check of goal files as JSON-ready data: the projects, totals and every problem."""
    return _check_payload(checked.projects, checked.problems, checked.profile)


def render_check(checked: CheckReport) -> str:
    """The problems (``where: message``; the first :data:`MAX_SHOWN`, then their count), the projects, the counts.

    The JSON record keeps every problem; the counts below count every one.
    """
    problems, projects = checked.problems, checked.projects
    lines = [str(problem) for problem in problems[:MAX_SHOWN]]
    if len(problems) > MAX_SHOWN:
        lines.append(str(more_problems(len(problems) - MAX_SHOWN)))
    if problems:
        lines.append("")
    lines.append(_check_summary(projects, checked.profile))
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = sum(p.severity is Severity.WARNING for p in problems)
    notes = sum(p.severity is Severity.NOTE for p in problems)
    noted = f", {_count(notes, 'note')} (inferred readings to confirm)" if notes else ""
    counts = f"{_count(len(projects), 'project')}, {_count(errors, 'error')}, {_count(warnings, 'warning')}{noted}"
    lines.append(f"\n{counts}")
    return "\n".join(lines)


def render_goals_loaded(loaded: GoalsLoaded) -> str:
    """The load's warnings, then each project added, revision recorded and project unchanged, and the counts."""
    lines = [str(problem) for problem in loaded.warnings if problem.severity is not Severity.NOTE]  # check lists notes
    lines += [f"added      {code} ({year})" for code, year in loaded.added]
    lines += [f"revised    {revision}" for revision in loaded.revised]
    lines += [f"unchanged  {code} ({year})" for code, year in loaded.unchanged]
    revised = len({(r.project, r.year) for r in loaded.revised})
    lines.append(f"{len(loaded.added)} added, {revised} revised, {len(loaded.unchanged)} unchanged")
    return "\n".join(lines)


# --- the audit of filled-in self-evaluation tables (复核) -----------------------------------------


def audit_order(tables: Sequence[AuditedTable]) -> list[AuditedTable]:
    """Grouped by file (in the order the files were given), the worst table of each file first."""
    files: dict[str, list[AuditedTable]] = {}
    for table in tables:
        files.setdefault(table.table.file, []).append(table)
    return [t for group in files.values() for t in sorted(group, key=lambda t: t.badness, reverse=True)]


def audit_record(table: AuditedTable) -> dict[str, Any]:
    """One audited table as JSON-ready data.

    Fields: ``project``, ``file``, ``sheet``, ``total_published``, ``total_rules``,
    ``grade_published``, ``grade_rules``, ``flags``, ``findings`` (the table's own:
    ``flag``, ``field``, ``message``), and ``rows``: each with ``row`` (the file's row
    number), ``indicator`` (三级指标; 预算执行率 and 总分 for those rows), ``weight``,
    ``published``, ``expected``, ``explain``, ``flags`` and ``messages`` (``flag: why``).
    Published figures are as printed; the rules' are rounded to two places.
    """
    return {
        "project": table.table.project,
        "file": table.table.file,
        "sheet": table.table.sheet,
        "total_published": json_number(table.total_published),
        "total_rules": _num(table.total_rules),
        "grade_published": table.grade_published,
        "grade_rules": table.grade_rules.value if table.grade_rules is not None else None,
        "flags": list(table.flags),
        "findings": [_finding_record(finding) for finding in table.findings],
        "rows": [_audited_row_record(row) for row in table.rows],
    }


def _finding_record(finding: Finding) -> dict[str, str]:
    return {"flag": finding.flag, "field": finding.field, "message": finding.message}


def _audited_row_record(row: AuditedRow) -> dict[str, Any]:
    return {
        "row": row.row,
        "indicator": row.indicator,
        "weight": _num(row.weight),
        "published": json_number(row.published),
        "expected": _num(row.expected),
        "explain": row.explain,
        "flags": list(row.flags),
        "messages": [f"{finding.flag}: {finding.message}" for finding in row.findings],
    }


def audit_json(tables: Sequence[AuditedTable]) -> Iterator[str]:
    """Each audited table (in :func:`audit_order`) as one line of JSON: :func:`audit_record`'s fields."""
    for table in audit_order(tables):
        yield json.dumps(audit_record(table), ensure_ascii=False)


def render_audit(tables: Sequence[AuditedTable], summary: Summary) -> str:
    """Each table audited (grouped by file, worst first), then the summary over all files."""
    blocks = [_render_audited(table) for table in audit_order(tables)]
    return "\n\n".join([*blocks, _render_audit_summary(summary)])


def _render_audited(table: AuditedTable) -> str:
    source = table.table
    totals = f"总分 {_show(table.total_published) or '—'} printed, {_show(table.total_rules) or '—'} by the rules"
    grades = ""
    if table.grade_published or table.grade_rules is not None:
        rules = table.grade_rules.value if table.grade_rules is not None else "—"
        grades = f"; 等级 {table.grade_published or '—'} printed, {rules} by the rules"
    verdict = f"flags: {', '.join(table.flags)}" if table.flags else "consistent"
    head = f"{source.source}: {source.project}  ({totals}{grades})  {verdict}"
    rows = [
        [
            str(row.row),
            row.indicator,
            _show(row.weight),
            _show(row.published) if row.published is not None else "—",
            _show(row.expected) if row.expected is not None else "—",
            ", ".join(row.flags),
            "; ".join(f.message for f in row.findings) if row.findings else row.explain,
        ]
        for row in table.rows
    ]
    lines = [head, _table(rows, ["行", "三级指标", "分值", "得分", "复核", "标记", "说明"])]
    lines += [f"  {finding.flag}: {finding.message}" for finding in table.findings]
    return "\n".join(lines)


def _render_audit_summary(summary: Summary) -> str:
    lines = [
        f"复核 summary: {_count(summary.tables, 'table')} audited, {_count(summary.rows, 'row')}, "
        f"{_count(summary.flagged_rows, 'row')} flagged, {_count(summary.totals_off, 'table')} whose total is off"
    ]
    if summary.problems:
        lines.append(f"  {_count(summary.problems, 'problem')} reading the files (printed above)")
    lines += [f"  {flag}: {count}" for flag, count in summary.by_flag.items()]
    return "\n".join(lines)


# --- targets (parse-target) ---------------------------------------------------------------


def target_record(text: str, category: str | None, name: str = "") -> dict[str, Any]:
    """How a target string (指标值) reads, as a JSON-ready record, or its error (``parse-target``).

    ``inferred`` lists what the reading took from elsewhere than the text's own
    signs (a direction from the category, a unit from the name, a number from a
    sentence), for the user to confirm; it is empty when the text says it all.
    """
    try:
        parsed = thresholds.parse(text, category, name_unit=unit_from_name(name))
    except thresholds.InvalidThreshold as invalid:
        return {"text": text, "error": str(invalid)}
    record: dict[str, Any] = {
        "text": text,
        "kind": parsed.kind.value,
        "op": parsed.op.value if parsed.op else None,
        "value": json_number(parsed.value),
        "unit": parsed.unit,
        "canonical": str(parsed),
    }
    if parsed.kind is thresholds.Kind.RANGE:
        record["upper"] = json_number(parsed.upper)
    if parsed.kind is thresholds.Kind.DEADLINE:
        record.update(year=parsed.year, start_month=parsed.start_month, end_month=parsed.end_month, day=parsed.day)
    if parsed.kind is thresholds.Kind.TREND:
        record["direction"] = "down" if parsed.downward else "up"
    if not parsed.explicit:
        record["inferred_op"] = True
    record["inferred"] = list(parsed.inferred)
    return record


def render_targets(records: Sequence[Mapping[str, Any]]) -> str:
    """:func:`target_record`'s records as a table: kind, operator, value, unit, canonical text or error."""
    rows = [
        (
            r["text"],
            r.get("kind", "ERROR"),
            r.get("op") or "",
            r.get("value", ""),
            r.get("unit", ""),
            r.get("canonical") or r["error"],
            "; ".join(r.get("inferred", ())),
        )
        for r in records
    ]
    return tabulate(rows, headers=["target", "kind", "op", "value", "unit", "canonical / error", "inferred"])
