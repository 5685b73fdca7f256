"""Recorded values (实际完成值) checked against their indicator: a truth table, then the rejects with reasons."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from kpitrack.model import Aggregate, Indicator
from kpitrack.profile import DEFAULT
from kpitrack.readings import Grade, InvalidReading, Reading, ReadingKind, combine, read
from kpitrack.thresholds import parse


def indicator(target: str, level2: str = "数量指标", name: str = "指标") -> Indicator:
    return Indicator.create(id="x1", name=name, level2=level2, target=parse(target, level2))


COUNT = indicator("≥10000份")
PERCENT = indicator("≥80%", "质量指标")
COST = indicator("25万元", "成本指标")
TREND = indicator("逐年提高", "社会效益指标", "社会公众知晓率（%）")
QUALITATIVE = indicator("长期", "可持续影响指标")
DEADLINE = indicator("年底前", "时效指标")
DURATION = indicator("12个月", "时效指标")


@pytest.mark.parametrize(
    ("target", "text", "expected"),
    [
        (COUNT, "3000", "3000份"),
        (COUNT, "3,000份", "3000份"),
        (PERCENT, "85%", "85%"),
        (PERCENT, "85", "85%"),
        (PERCENT, "85.5 %", "85.5%"),
        (COST, "30000元", "3万元"),
        (COST, "12.5万元", "12.5万元"),
        (TREND, "88%", "88%"),
        (TREND, "部分达成 70", "部分达成 70"),
        (QUALITATIVE, "达成", "达成"),
        (QUALITATIVE, "达成年度指标", "达成"),
        (DEADLINE, "2021-11", "2021-11-30"),
        (DEADLINE, "2021年11月20日", "2021-11-20"),
        (DURATION, "11个月", "11个月"),
        (COUNT, "不适用", "不适用"),
        (QUALITATIVE, "n/a", "不适用"),
    ],
)
def test_accepted_values_read_to_their_canonical_text(target: Indicator, text: str, expected: str) -> None:
    assert str(read(target, text, DEFAULT.grade_bands)) == expected


@pytest.mark.parametrize(
    ("target", "text", "reason"),
    [
        (COUNT, "85%", "unit '%' does not fit indicator x1, which is measured in 份"),
        (COUNT, "-5", "a recorded value cannot be negative"),
        (COST, "-3万元", "a recorded value cannot be negative"),
        (COUNT, "lots", "expected a number in 份"),
        (COUNT, "", "the value is empty"),
        (COUNT, "达成", "a grade fits only a qualitative target; x1 needs a number"),
        (
            QUALITATIVE,
            "85",
            "a qualitative target takes a grade: 达成, 部分达成 or 未达成 (optionally with a score), "
            f"or a word of the profile: {DEFAULT.value_words.accepted()}",
        ),
        (
            QUALITATIVE,
            "部分达成 85",
            "a score of 85 is outside the band of 部分达成 [60, 80) (percent of the weight)",
        ),
        (DEADLINE, "soon", "a deadline takes a completion date (2021-11-30), month (2021-11) or a grade"),
    ],
)
def test_rejected_values_say_why(target: Indicator, text: str, reason: str) -> None:
    with pytest.raises(InvalidReading) as raised:
        read(target, text, DEFAULT.grade_bands)
    assert raised.value.reason == reason
    assert raised.value.text == text


def test_a_grade_keeps_its_score_and_a_deadline_its_date() -> None:
    assert read(QUALITATIVE, "部分达成 70", DEFAULT.grade_bands) == Reading(
        ReadingKind.GRADE, grade=Grade.PARTIAL, score=Decimal(70)
    )
    assert read(DEADLINE, "2021-11-20", DEFAULT.grade_bands).date == pendulum.date(2021, 11, 20)


def number(text: str, unit: str = "份") -> Reading:
    return Reading(ReadingKind.NUMBER, number=Decimal(text), unit=unit)


def test_flows_add_up_and_levels_keep_the_latest() -> None:
    quarters = [number("0.1"), number("0.2"), Reading(ReadingKind.NOT_APPLICABLE), number("3")]
    assert combine(Aggregate.SUM, quarters) == number("3.3")
    assert combine(Aggregate.LATEST, [number("80", "%"), number("85", "%")]) == number("85", "%")
    assert combine(Aggregate.SUM, []) is None
