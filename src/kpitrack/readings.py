"""Recorded actual values (实际完成值) and how the values of a year's periods combine into the year's.

A :class:`Reading` is what a unit reports for one indicator in one period (a quarter, a month …): a
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
from types import MappingProxyType

import attrs
import pendulum

from kpitrack import limits
from kpitrack.model import Aggregate, Indicator, Project
from kpitrack.periods import Period
from kpitrack.thresholds import (
    MONEY_UNITS,
    Kind,
    UnitFamily,
    convert,
    format_decimal,
    read_quantity_unit,
    unit_family,
)

__all__ = [
    "DEFAULT_WORDS",
    "Grade",
    "GradeBands",
    "GradeWord",
    "InvalidReading",
    "Progress",
    "Reading",
    "ReadingKind",
    "ValueWords",
    "combine",
    "last_period",
    "read",
    "read_money",
]


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
# The grades by their own names: always accepted, whatever the profile's words.
_GRADE_NAMES = {
    "达成": Grade.ACHIEVED,
    "达成年度指标": Grade.ACHIEVED,
    "部分达成": Grade.PARTIAL,
    "部分达成年度指标并具有一定效果": Grade.PARTIAL,
    "未达成": Grade.MISSED,
    "未达成年度指标且效果较差": Grade.MISSED,
}


@attrs.frozen
class GradeWord:
    """What a word printed as a qualitative result (实际完成值) means: a grade, and its own score if any.

    ``score`` is in percent of the weight, inside the grade's band; None takes the
    grade's default (基本达到 has its own, 75, where a bare 部分达成 takes 70).
    """

    grade: Grade
    score: Decimal | None = None


@attrs.frozen
class ValueWords:
    """The words a province's tables print for qualitative results, mapped to the three grades (profile data).

    ``free_text`` is the grade any other text takes (达成 for a province that reads
    a written account of the result as achieved); None makes other text an error
    that names the accepted words.
    """

    words: Mapping[str, GradeWord]
    free_text: Grade | None = None

    def accepted(self) -> str:
        """The profile's words, grade by grade, for an error message."""
        return "; ".join(
            f"{grade.value}: {', '.join(w for w, meaning in self.words.items() if meaning.grade is grade)}"
            for grade in Grade
        )


def _words(grade: Grade, *words: str) -> dict[str, GradeWord]:
    return {word: GradeWord(grade) for word in words}


# Words seen in published 自评表 (domain.md §7); which grade each means is a province's choice.
DEFAULT_WORDS = ValueWords(
    words=MappingProxyType(
        {
            **_words(
                Grade.ACHIEVED,
                "已达成",
                "达成预期指标",
                "达成预期目标",
                "达到预期",
                "达到",
                "已达到",
                "是",
                "有效",
                "及时",
                "显著",
                "明显",
                "效果明显",
                "完成",
                "已完成",
                "全部完成",
                "按时完成",
                "良好",
                "优",
                "优秀",
                "好",
                "满意",
                "合格",
                "达标",
                "到位",
                "符合",
            ),
            "基本达到": GradeWord(Grade.PARTIAL, Decimal(75)),
            "基本完成": GradeWord(Grade.PARTIAL, Decimal(75)),
            "基本达成": GradeWord(Grade.PARTIAL, Decimal(75)),
            **_words(Grade.PARTIAL, "较好", "一般", "部分完成", "基本满意", "基本及时", "较显著", "较为显著"),
            **_words(
                Grade.MISSED,
                "否",
                "未完成",
                "未达到",
                "无效",
                "不及时",
                "不显著",
                "较差",
                "差",
                "不合格",
                "不满意",
                "未到位",
            ),
        }
    )
)

_GRADE_RE = re.compile(r"^(?P<grade>[^\d\s:：(（]+)\s*[:：(（]?\s*(?P<score>\d+(?:\.\d+)?)?\s*%?\s*[)）]?$")
_NUMBER_RE = re.compile(
    r"^(?P<op>[≥≤><=≧≦]=?|不低于|不少于|不超过|不高于|达到)?\s*(?P<num>[-+]?\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>\D*)$"
)
_DATE_RE = re.compile(r"^(?P<y>\d{4})\s*[-./年]\s*(?P<m>\d{1,2})\s*(?:月)?\s*(?:[-./]?\s*(?P<d>\d{1,2})\s*[日号]?)?$")
_MONTH_RE = re.compile(r"^(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*[日号])?(?:底|末)?$")
_MONEY_RE = re.compile(r"^(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>万元|万|元|千元|亿元|亿)?$")


def read(
    indicator: Indicator,
    text: str,
    bands: GradeBands,
    words: ValueWords = DEFAULT_WORDS,
    *,
    year: int | None = None,
) -> Reading:
    """Read a recorded value for ``indicator``; raise :class:`InvalidReading` if it does not fit.

    ``words`` are the profile's words for qualitative results; ``year`` is the
    indicator's year, which a completion month printed without one (``7月``) takes.
    """
    cleaned = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().rstrip("。.;；,，")
    if not cleaned:
        raise InvalidReading(text, "the value is empty")
    if cleaned.lower() in _NOT_APPLICABLE_WORDS:
        return Reading(ReadingKind.NOT_APPLICABLE)
    kind = indicator.target.kind
    graded = kind in (Kind.QUALITATIVE, Kind.TREND, Kind.DEADLINE, Kind.DURATION)
    grade = _read_grade(text, cleaned, bands, words)
    if grade is not None:
        if graded:
            return grade
        raise InvalidReading(text, f"a grade fits only a qualitative target; {indicator.id} needs a number")
    if kind in (Kind.DEADLINE, Kind.DURATION):
        date = _read_date(cleaned, indicator.target.year or year)
        if date is not None:
            return Reading(ReadingKind.DATE, date=date)
    if kind is Kind.QUALITATIVE or (kind is Kind.TREND and not re.search(r"\d", cleaned)):
        if words.free_text is not None:
            return Reading(ReadingKind.GRADE, grade=words.free_text)
        raise InvalidReading(
            text,
            "a qualitative target takes a grade: 达成, 部分达成 or 未达成 (optionally with a score), "
            f"or a word of the profile: {words.accepted()}",
        )
    if kind is Kind.DEADLINE:
        raise InvalidReading(text, "a deadline takes a completion date (2021-11-30), month (2021-11) or a grade")
    return _read_number(indicator, text, cleaned)


def _read_grade(original: str, cleaned: str, bands: GradeBands, words: ValueWords) -> Reading | None:
    match = _GRADE_RE.match(cleaned)
    if match is None:
        return None
    word = match.group("grade")
    meaning = GradeWord(_GRADE_NAMES[word]) if word in _GRADE_NAMES else words.words.get(word)
    if meaning is None:
        return None
    grade = meaning.grade
    if match.group("score") is None:
        return Reading(ReadingKind.GRADE, grade=grade, score=meaning.score)
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


def _read_date(cleaned: str, year: int | None) -> pendulum.Date | None:
    match = _DATE_RE.match(cleaned)
    if match is not None:
        found_year, month, day = int(match.group("y")), int(match.group("m")), match.group("d")
    else:
        match = _MONTH_RE.match(cleaned)
        if match is None:
            return None
        if year is None:
            raise InvalidReading(cleaned, "a month without a year needs the indicator's year; write 2021-07")
        found_year, month, day = year, int(match.group("m")), match.group("d")
    try:
        limits.year(found_year)
    except limits.OutOfBounds as beyond:
        raise InvalidReading(cleaned, beyond.reason) from None
    try:
        if day:
            return pendulum.date(found_year, month, int(day))
        return pendulum.date(found_year, month, 1).end_of("month")
    except ValueError:
        raise InvalidReading(cleaned, "not a real date") from None


def read_money(text: str) -> Decimal | str:
    """Money in 万元 from ``12.5``, ``12.5万元``, ``125000元`` or ``0.1亿元``, exactly; or why it is not money."""
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if not cleaned:
        return "the amount is empty"
    if cleaned.startswith("-"):
        return "an amount cannot be negative"
    match = _MONEY_RE.match(cleaned)
    if match is None:
        return "expected an amount in 万元, such as 12.5 (or with its unit: 125000元)"
    unit = match.group("unit") or "万元"
    unit = {"万": "万元", "亿": "亿元"}.get(unit, unit)
    try:
        amount = limits.number(Decimal(match.group("num").replace(",", "")))
    except InvalidOperation:  # pragma: no cover - the regex admits only numbers
        return "not a number"
    except limits.OutOfBounds as beyond:
        return f"the amount is {beyond.reason}"
    converted = convert(amount, unit, "万元")
    assert converted is not None  # every money unit converts to 万元
    return converted


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
    written = match.group("unit").strip()
    expected = indicator.unit
    if number < 0:
        raise InvalidReading(original, "a recorded value cannot be negative")
    if written in ("万", "亿"):
        # 150万 against a 万元 indicator is 150 万元; against a count it is 1500000 of them.
        written = written + "元" if expected in MONEY_UNITS else (written + expected if expected else written)
    resolved = read_quantity_unit(written) if written else ("", Decimal(1))
    if resolved is None:
        wanted = f"in {expected}" if expected else "without a unit"
        raise InvalidReading(
            original, f"unit {written!r} does not fit indicator {indicator.id}, which is measured {wanted}"
        )
    unit, scale = resolved
    number = number * scale
    if not unit or unit == expected:
        return Reading(ReadingKind.NUMBER, number=_plain(number), unit=expected)
    converted = convert(number, unit, expected) if expected else None
    if converted is not None:
        # Units of one family convert exactly: 元 to 万元, 米 to 公里, 万亩 to 亩.
        return Reading(ReadingKind.NUMBER, number=_plain(converted), unit=expected)
    if not expected and unit_family(unit) is UnitFamily.COUNT:
        return Reading(ReadingKind.NUMBER, number=_plain(number), unit=unit)
    wanted = f"in {expected}" if expected else "without a unit"
    raise InvalidReading(
        original, f"unit {written!r} does not fit indicator {indicator.id}, which is measured {wanted}"
    )


def _plain(number: Decimal) -> Decimal:
    """A converted number without a spurious exponent or fraction (15000, not 1.5E+4 or 15000.0)."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


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


def last_period(aggregate: Aggregate, to_date: Reading, earlier: Reading | None) -> Reading:
    """The value of the last period that makes the year to date ``to_date``, after ``earlier`` periods.

    A form reports the year to date (实际完成值, 1-N月执行情况), the store keeps periods:
    for a flow the last period is the difference (``to_date`` less the earlier periods'
    sum), for a level or a judgement it is ``to_date`` itself.  A flow whose year to date
    is below what earlier periods already add up to raises :class:`InvalidReading`.
    """
    numbers = to_date.kind is ReadingKind.NUMBER and earlier is not None and earlier.kind is ReadingKind.NUMBER
    if aggregate is Aggregate.LATEST or not numbers:
        return to_date
    assert to_date.number is not None and earlier is not None and earlier.number is not None
    rest = to_date.number - earlier.number
    if rest < 0:
        raise InvalidReading(
            str(to_date), f"less than the {earlier} the earlier periods already add up to (a flow only grows)"
        )
    return attrs.evolve(to_date, number=rest)


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
    as_of: Period
    actuals: Mapping[str, Reading] = attrs.field(factory=dict)
    spent: Decimal = Decimal(0)
    last_year: Mapping[str, Reading] = attrs.field(factory=dict)
