"""Tables and JSON-ready records for people: the 自评表, the 双监控 lights, the underperformers, the profile.

The core gives exact records (:mod:`kpitrack.scoring`, :mod:`kpitrack.monitoring`);
this module lays them out: the self-evaluation table (项目支出绩效自评表) in its
usual column order, the monitoring table (绩效运行监控表), the list of projects
needing correction (纠偏), and the profile in force with the source of each rule.
Numbers are rounded to two places here and only here.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from tabulate import tabulate

from kpitrack.cli._output import json_number, rounded
from kpitrack.monitoring import IndicatorStatus, Light, ProjectStatus, Reason, Underperformer
from kpitrack.profile import Profile, Rating
from kpitrack.readings import Grade, Reading
from kpitrack.scoring import IndicatorScore, ProjectScore, Status
from kpitrack.thresholds import format_decimal

__all__ = [
    "profile_text",
    "render_scores",
    "render_statuses",
    "render_underperformers",
    "score_json",
    "score_record",
    "status_json",
    "status_record",
    "underperformer_record",
]

_Item = TypeVar("_Item")


def _num(value: Decimal | None) -> int | float | None:
    return None if value is None else _rounded_number(value)


@functools.lru_cache(maxsize=65536)
def _rounded_number(value: Decimal) -> int | float | None:
    # Cached: equal decimals give the same number, and a province repeats its weights and values.
    return json_number(value, places=True)


def _dumps(data: Any) -> str:
    """``json.dumps(data, ensure_ascii=False)``, written out by hand for the records built here.

    The records hold only str, int, float, bool, None, lists and dicts with str keys.
    ``json.dumps`` sets up its encoder afresh on every call, which costs more than
    encoding a small record; a province's score is a million of them.  Strings go
    through the json module's own escaping, numbers through ``repr`` as json does, so
    the text is the same (``tests/test_report_json.py`` compares them).
    """
    kind = type(data)
    if kind is str:
        return _string(data)
    if kind is dict:
        return "{" + ", ".join(f"{_string(key)}: {_dumps(value)}" for key, value in data.items()) + "}"
    if data is None:
        return "null"
    if kind is bool:
        return "true" if data else "false"
    if kind is int or kind is float:
        return json.dumps(data) if kind is float and not math.isfinite(data) else repr(data)
    if kind is list or kind is tuple:
        return "[" + ", ".join(map(_dumps, data)) + "]"
    raise TypeError(f"{kind.__name__} is not a JSON value of a report record")


_string = json.encoder.encode_basestring  # the json module's escaping of a str, with ensure_ascii=False


def _json_texts(
    items: Iterable[Any],
    head: Callable[[Any], dict[str, Any]],
    rows: Callable[[Any], Iterable[_Item]],
    row: Callable[[_Item], dict[str, Any]],
    tail: Callable[[Any], dict[str, Any]],
    *,
    limit: int = 200_000,
) -> Iterator[str]:
    """Each item as the compact JSON of ``{**head, "indicators": [row…], **tail}``, row texts encoded once.

    The scoring and monitoring memos hand out one shared record per distinct
    indicator case, so a row's JSON text is remembered by the record's identity;
    the entry keeps the record, so the identity is not reused while remembered.
    The text is exactly ``json.dumps`` of the whole record (a test checks it).
    """
    texts: dict[int, tuple[Any, str]] = {}
    for item in items:
        if len(texts) > limit:
            texts.clear()
        parts = []
        for one in rows(item):
            found = texts.get(id(one))
            if found is None:
                found = texts[id(one)] = (one, _dumps(row(one)))
            parts.append(found[1])
        before, after = _dumps(head(item)), _dumps(tail(item))
        closing = "]}" if after == "{}" else f"], {after[1:]}"
        yield f'{before[:-1]}, "indicators": [{", ".join(parts)}{closing}'


def _show(value: Decimal | None, suffix: str = "") -> str:
    return "" if value is None else f"{format_decimal(rounded(value))}{suffix}"


def _percent(rate: Decimal | None) -> str:
    return "" if rate is None else _show(rate * 100, "%")


def _actual(reading: Reading | None) -> str | None:
    return None if reading is None else str(reading)


# --- the self-evaluation (自评表) ------------------------------------------------------

_STATUS_WORDS = {
    Status.MET: "达成",
    Status.MISSED: "未达成",
    Status.MISSING: "缺数据",
    Status.NOT_APPLICABLE: "不适用",
    Status.FLAGGED: "需说明",
}


def _indicator_record(item: IndicatorScore) -> dict[str, Any]:
    indicator = item.indicator
    record: dict[str, Any] = {
        "id": indicator.id,
        "name": indicator.name,
        "level1": indicator.level1,
        "level2": indicator.level2,
        "target": str(indicator.target),
        "actual": _actual(item.actual),
        "weight": _num(item.weight),
        "score": _num(item.score),
        "status": item.status.value,
        "method": item.method.value,
        "explain": item.explain,
    }
    if item.flags:
        record["flags"] = list(item.flags)
    if item.last_year is not None:
        record["last_year"] = str(item.last_year)
    return record


def score_record(score: ProjectScore) -> dict[str, Any]:
    """One project's self-evaluation as JSON-ready data (numbers rounded to two places)."""
    return {**_score_head(score), "indicators": [_indicator_record(i) for i in score.indicators], **_score_tail(score)}


def score_json(scores: Iterable[ProjectScore]) -> Iterator[str]:
    """Each project's :func:`score_record` as compact JSON text, one by one (streamed)."""
    return _json_texts(scores, _score_head, lambda s: s.indicators, _indicator_record, _score_tail)


def _score_tail(score: ProjectScore) -> dict[str, Any]:
    return {"rescaled_from": _num(score.rescaled_from), "explain": score.explain}


def _score_head(score: ProjectScore) -> dict[str, Any]:
    execution = score.execution
    return {
        "project": score.project.id,
        "name": score.project.name,
        "year": score.project.year,
        "total": _num(score.total),
        "grade": score.grade.value,
        "execution": {
            "budget": _num(execution.budget),
            "spent": _num(execution.spent),
            "rate": _num(execution.rate),
            "rate_percent": _num(None if execution.rate is None else execution.rate * 100),
            "score": _num(execution.score),
            "weight": _num(execution.weight),
            "explain": execution.explain,
        },
    }


def render_scores(scores: Iterable[ProjectScore]) -> str:
    """The 项目支出绩效自评表 of each project, one after another."""
    return "\n\n".join(_render_score(score) for score in scores)


def _render_score(score: ProjectScore) -> str:
    project, execution = score.project, score.execution
    head = [
        f"项目支出绩效自评表 ({project.year})  {project.id} {project.name}  预算单位: {project.unit}",
        tabulate(
            [
                [
                    _show(execution.budget),
                    _show(execution.spent),
                    _percent(execution.rate),
                    _show(execution.weight),
                    _show(execution.score),
                ]
            ],
            headers=["全年预算数(万元)", "全年执行数", "执行率", "分值", "得分"],
            disable_numparse=True,
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
    table = tabulate(
        rows,
        headers=["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "完成情况", "计算"],
        disable_numparse=True,
    )
    total = f"总分 {_show(score.total)}  等级 {score.grade.value}  ({score.explain})"
    flagged = [f"  {i.indicator.id}: {flag}" for i in score.indicators for flag in i.flags]
    lines = [*head, table, total]
    if flagged:
        lines += ["需说明 (偏差原因分析及改进措施):", *flagged]
    return "\n".join(lines)


# --- mid-year monitoring (双监控) --------------------------------------------------------


def _indicator_status_record(item: IndicatorStatus) -> dict[str, Any]:
    return {
        "id": item.indicator.id,
        "name": item.indicator.name,
        "target": str(item.indicator.target),
        "actual": _actual(item.actual),
        "light": item.light.value,
        "ratio": _num(item.ratio),
        "expected": _num(item.expected),
        "likelihood": item.likelihood.value if item.likelihood else None,
        "explain": item.explain,
    }


def status_record(status: ProjectStatus) -> dict[str, Any]:
    """One project's monitoring result as JSON-ready data."""
    return {**_status_head(status), "indicators": [_indicator_status_record(i) for i in status.indicators]}


def status_json(statuses: Iterable[ProjectStatus]) -> Iterator[str]:
    """Each project's :func:`status_record` as compact JSON text, one by one (streamed)."""
    return _json_texts(statuses, _status_head, lambda s: s.indicators, _indicator_status_record, lambda s: {})


def _status_head(status: ProjectStatus) -> dict[str, Any]:
    budget = status.budget
    return {
        "project": status.project.id,
        "name": status.project.name,
        "as_of": str(status.as_of),
        "light": status.light.value,
        "p": _num(status.p),
        "basis": status.basis.value,
        "budget": {
            "budget": _num(budget.budget),
            "spent": _num(budget.spent),
            "rate": _num(budget.rate),
            "q": _num(budget.q),
            "planned": _num(budget.planned),
            "plan_rate": _num(budget.plan_rate),
            "light": budget.light.value,
            "expected": _num(budget.expected),
            "likelihood": budget.likelihood.value if budget.likelihood else None,
            "explain": budget.explain,
        },
    }


_LIGHT_WORDS = {
    Light.BLUE: "蓝 blue",
    Light.GREEN: "绿 green",
    Light.YELLOW: "黄 yellow",
    Light.RED: "红 red",
    Light.NO_DATA: "无数据 no data",
    Light.NOT_APPLICABLE: "不适用",
}


def render_statuses(statuses: Iterable[ProjectStatus]) -> str:
    """The 绩效运行监控 table of each project: budget row, then one row per indicator."""
    blocks = []
    for status in statuses:
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
        table = tabulate(
            rows,
            headers=["", "目标", "累计/最新", "预警", "预计全年", "完成可能性", "计算"],
            disable_numparse=True,
        )
        blocks.append(f"{head}\n{table}")
    return "\n\n".join(blocks)


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
            table = tabulate(rows, headers=["", "失分", "差额", "原因"], disable_numparse=True)
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


def profile_text(profile: Profile) -> str:
    """The profile in force, in the profile-file format, each rule with its source as a comment."""
    src = profile.sources
    cutoffs = {k: v for k, v in profile.grade_cutoffs.items() if k is not Rating.POOR}
    sections: list[tuple[str, list[tuple[str, str, str]]]] = [
        (
            "scoring",
            [
                ("execution", _toml_value(profile.execution_weight), "scoring.execution"),
                ("tiers", _inline(profile.tier_weights), "scoring.tiers"),
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
        width = max(len(f"{k} = {v}") for k, v, _ in rules)
        lines += [f"{f'{k} = {v}':<{width}}  # {src.get(rule, '')}" for k, v, rule in rules]
    return "\n".join(lines)
