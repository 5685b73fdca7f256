"""Recorded actual values (实际完成值) and how a quarter's values combine into the year's.

A :class:`Reading` is what a unit reports for one indicator in one quarter: a
measured number in the indicator's unit, an evaluator's grade for a qualitative or
trend target (达成 / 部分达成 / 未达成, optionally with a score inside the grade's
band), a completion date for a deadline or duration, or 不适用 (not applicable).
:func:`read` checks the text against the indicator and says exactly what is wrong.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

import attrs
import pendulum

from kpitrack import limits
from kpitrack.model import Aggregate, Indicator, Project
from kpitrack.periods import Quarter
from kpitrack.thresholds import MONEY_UNITS, Kind, UnitFamily, format_decimal, unit_family

__all__ = ["Grade", "GradeBands", "InvalidReading", "Progress", "Reading", "ReadingKind", "combine", "read"]


class InvalidReading(ValueError):
    """A recorded value that does not fit its indicator."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"cannot record {text!r}: {reason}")
        self.text = text
        self.reason = reason


class Grade(enum.Enum):
    """An evaluator's judgement of a qualitative target (定性指标 grades of 财预〔2020〕10号)."""

    ACHIEVED = "达成"  # 达成年度指标
    PARTIAL = "部分达成"  # 部分达成年度指标并具有一定效果
    MISSED = "未达成"  # 未达成年度指标且效果较差


# Score band of each grade, in percent of the indicator's weight: [low, high].
GradeBands = Mapping[Grade, tuple[Decimal, Decimal]]


class ReadingKind(enum.Enum):
    NUMBER = "number"
    GRADE = "grade"
    DATE = "date"
    NOT_APPLICABLE = "n/a"


@attrs.frozen
class Reading:
    """One recorded value; ``str()`` gives the canonical text that :func:`read` accepts."""

    kind: ReadingKind
    number: Decimal | None = None
    unit: str = ""
    grade: Grade | None = None
    score: Decimal | None = None  # percent of the weight, inside the grade's band
    date: pendulum.Date | None = None

    def __str__(self) -> str:
        if self.kind is ReadingKind.NUMBER:
            assert self.number is not None
            return f"{format_decimal(self.number)}{self.unit}"
        if self.kind is ReadingKind.GRADE:
            assert self.grade is not None
            return self.grade.value + (f" {format_decimal(self.score)}" if self.score is not None else "")
        if self.kind is ReadingKind.DATE:
            assert self.date is not None
            return self.date.to_date_string()
        return NOT_APPLICABLE


NOT_APPLICABLE = "不适用"
_NOT_APPLICABLE_WORDS = frozenset({"不适用", "n/a", "na", "不涉及"})
_GRADE_WORDS = {
    "达成": Grade.ACHIEVED,
    "达成年度指标": Grade.ACHIEVED,
    "已达成": Grade.ACHIEVED,
    "部分达成": Grade.PARTIAL,
    "部分达成年度指标并具有一定效果": Grade.PARTIAL,
    "未达成": Grade.MISSED,
    "未达成年度指标且效果较差": Grade.MISSED,
}
_GRADE_RE = re.compile(r"^(?P<grade>[^\d\s:：(（]+)\s*[:：(（]?\s*(?P<score>\d+(?:\.\d+)?)?\s*%?\s*[)）]?$")
_NUMBER_RE = re.compile(r"^(?P<num>[-+]?\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>\D*)$")
_DATE_RE = re.compile(r"^(?P<y>\d{4})\s*[-./年]\s*(?P<m>\d{1,2})\s*(?:月)?\s*(?:[-./]?\s*(?P<d>\d{1,2})\s*日?)?$")
_UNIT_ALIASES = {"百分比": "%", "月": "个月", "日": "天"}


def read(indicator: Indicator, text: str, bands: GradeBands) -> Reading:
    """Read a recorded value for ``indicator``; raise :class:`InvalidReading` if it does not fit."""
    cleaned = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    if not cleaned:
        raise InvalidReading(text, "the value is empty")
    if cleaned.lower() in _NOT_APPLICABLE_WORDS:
        return Reading(ReadingKind.NOT_APPLICABLE)
    kind = indicator.target.kind
    grade = _read_grade(text, cleaned, bands)
    if grade is not None:
        if kind in (Kind.QUALITATIVE, Kind.TREND, Kind.DEADLINE, Kind.DURATION):
            return grade
        raise InvalidReading(text, f"a grade fits only a qualitative target; {indicator.id} needs a number")
    if kind in (Kind.DEADLINE, Kind.DURATION):
        date = _read_date(cleaned)
        if date is not None:
            return Reading(ReadingKind.DATE, date=date)
        if kind is Kind.DEADLINE:
            raise InvalidReading(text, "a deadline takes a completion date (2021-11-30), month (2021-11) or a grade")
    if kind is Kind.QUALITATIVE:
        raise InvalidReading(
            text, "a qualitative target takes a grade: 达成, 部分达成 or 未达成 (optionally with a score)"
        )
    return _read_number(indicator, text, cleaned)


def _read_grade(original: str, cleaned: str, bands: GradeBands) -> Reading | None:
    match = _GRADE_RE.match(cleaned)
    if match is None or match.group("grade") not in _GRADE_WORDS:
        return None
    grade = _GRADE_WORDS[match.group("grade")]
    if match.group("score") is None:
        return Reading(ReadingKind.GRADE, grade=grade)
    try:
        score = limits.number(Decimal(match.group("score")))
    except limits.OutOfBounds as beyond:
        raise InvalidReading(original, f"the score is {beyond.reason}") from None
    low, high = bands[grade]
    # The top band is closed ([80, 100]); the others are half-open ([60, 80)).
    inside = low <= score <= high if high == 100 else low <= score < high
    if not inside:
        closing = "]" if high == 100 else ")"
        raise InvalidReading(
            original,
            f"a score of {format_decimal(score)} is outside the band of {grade.value} "
            f"[{format_decimal(low)}, {format_decimal(high)}{closing} (percent of the weight)",
        )
    return Reading(ReadingKind.GRADE, grade=grade, score=score)


def _read_date(cleaned: str) -> pendulum.Date | None:
    match = _DATE_RE.match(cleaned)
    if match is None:
        return None
    year, month = int(match.group("y")), int(match.group("m"))
    try:
        limits.year(year)
    except limits.OutOfBounds as beyond:
        raise InvalidReading(cleaned, beyond.reason) from None
    try:
        if match.group("d"):
            return pendulum.date(year, month, int(match.group("d")))
        return pendulum.date(year, month, 1).end_of("month")
    except ValueError:
        raise InvalidReading(cleaned, "not a real date") from None


def _read_number(indicator: Indicator, original: str, cleaned: str) -> Reading:
    match = _NUMBER_RE.match(cleaned)
    if match is None:
        raise InvalidReading(original, f"expected a number in {indicator.unit or 'the indicator unit'}")
    try:
        number = limits.number(Decimal(match.group("num").replace(",", "")))
    except InvalidOperation:  # pragma: no cover - the regex admits only numbers
        raise InvalidReading(original, "not a number") from None
    except limits.OutOfBounds as beyond:
        raise InvalidReading(original, f"the number is {beyond.reason}") from None
    unit = match.group("unit").strip()
    unit = _UNIT_ALIASES.get(unit, unit)
    expected = indicator.unit
    if number < 0:
        raise InvalidReading(original, "a recorded value cannot be negative")
    if not unit or unit == expected:
        return Reading(ReadingKind.NUMBER, number=number, unit=expected)
    if unit in MONEY_UNITS and expected in MONEY_UNITS:
        # Money converts exactly between 元, 万元 and 亿元.
        converted = number * MONEY_UNITS[unit] / MONEY_UNITS[expected]
        return Reading(ReadingKind.NUMBER, number=converted, unit=expected)
    if not expected and unit_family(unit) is UnitFamily.COUNT:
        return Reading(ReadingKind.NUMBER, number=number, unit=unit)
    wanted = f"in {expected}" if expected else "without a unit"
    raise InvalidReading(original, f"unit {unit!r} does not fit indicator {indicator.id}, which is measured {wanted}")


def combine(aggregate: Aggregate, readings: Sequence[Reading]) -> Reading | None:
    """The year-to-date actual from the quarters' readings, in quarter order.

    Flows add their numbers up; levels keep the latest reading.  Not-applicable
    quarters are skipped by a flow unless every quarter is not applicable.
    """
    if not readings:
        return None
    if aggregate is Aggregate.LATEST:
        return readings[-1]
    numbers = [r for r in readings if r.kind is ReadingKind.NUMBER]
    if not numbers:
        return readings[-1]
    total = sum((r.number for r in numbers if r.number is not None), Decimal(0))
    return Reading(ReadingKind.NUMBER, number=total, unit=numbers[-1].unit)


@attrs.frozen
class Progress:
    """What has been recorded for one project up to a quarter: the input of scoring and monitoring.

    ``actuals`` maps an indicator id to its actual to date, already combined from
    the quarters (sum for flows, latest for levels); an indicator with nothing
    recorded is absent.  ``spent`` is the money spent to date (万元).  ``last_year``
    maps an indicator id to last year's year-end actual of the same project, for
    trend targets (逐年提高).  The per-project path builds it with :func:`combine`;
    the bulk path builds it from SQL aggregates; both must give equal records.
    """

    project: Project
    as_of: Quarter
    actuals: Mapping[str, Reading] = attrs.field(factory=dict)
    spent: Decimal = Decimal(0)
    last_year: Mapping[str, Reading] = attrs.field(factory=dict)
