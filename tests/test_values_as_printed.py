"""Targets and values as published tables print them: truth tables, the profile's result words, and scores.

Every expected score is computed by hand in the comment beside it.
"""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from kpitrack import scoring
from kpitrack.io import profilefile
from kpitrack.model import Aggregate, Indicator, default_aggregate
from kpitrack.profile import DEFAULT
from kpitrack.readings import DEFAULT_WORDS, Grade, InvalidReading, Reading, ReadingKind, read, read_money
from kpitrack.thresholds import Kind, Op, parse

D = Decimal
QTY, TIME, COST, SOC = "数量指标", "时效指标", "成本指标", "社会效益指标"

# (text, category, unit in the name, kind, op, value, unit, canonical, inferred?)
TRUTH = [
    ("1.5万亩", QTY, "", Kind.COMPARE, Op.GE, "15000", "亩", "≥15000亩", True),
    ("≥1.5万亩", QTY, "", Kind.COMPARE, Op.GE, "15000", "亩", "≥15000亩", False),
    ("≥3万人次", QTY, "", Kind.COMPARE, Op.GE, "30000", "人次", "≥30000人次", False),
    ("≥120万平方米", QTY, "", Kind.COMPARE, Op.GE, "1200000", "平方米", "≥1200000平方米", False),
    ("≥50㎡", QTY, "", Kind.COMPARE, Op.GE, "50", "m²", "≥50m²", False),
    ("≥10m³", QTY, "", Kind.COMPARE, Op.GE, "10", "m³", "≥10m³", False),
    ("≥100KM", QTY, "", Kind.COMPARE, Op.GE, "100", "km", "≥100km", False),
    ("≥100M", QTY, "", Kind.COMPARE, Op.GE, "100", "M", "≥100M", False),
    ("≤800元/人*月", COST, "", Kind.COMPARE, Op.LE, "800", "元/人·月", "≤800元/人·月", False),
    ("≥4次/年", QTY, "", Kind.COMPARE, Op.GE, "4", "次/年", "≥4次/年", False),
    ("≥85分", SOC, "", Kind.COMPARE, Op.GE, "85", "分", "≥85分", False),
    ("1个。", QTY, "", Kind.COMPARE, Op.GE, "1", "个", "≥1个", True),
    ("≤280万元；", COST, "", Kind.COMPARE, Op.LE, "280", "万元", "≤280万元", False),
    ("≥90%以上", SOC, "", Kind.COMPARE, Op.GE, "90", "%", "≥90%", False),
    ("6个月内", TIME, "", Kind.DURATION, Op.LE, "6", "个月", "≤6个月", False),
    ("30日内", TIME, "", Kind.DURATION, Op.LE, "30", "天", "≤30天", False),
    ("1年内", TIME, "", Kind.DURATION, Op.LE, "1", "年", "≤1年", False),
    ("10", TIME, "个月", Kind.DURATION, Op.LE, "10", "个月", "≤10个月", True),
    ("0起", SOC, "", Kind.COMPARE, Op.LE, "0", "起", "≤0起", True),
    ("0次", QTY, "", Kind.COMPARE, Op.LE, "0", "次", "≤0次", True),
    ("至少开展3次督查", QTY, "", Kind.COMPARE, Op.GE, "3", "次", "≥3次", True),
    ("每亩250", COST, "", Kind.COMPARE, Op.LE, "250", "元/亩", "≤250元/亩", True),
    ("按标准800元/人发放", COST, "", Kind.EXACT, Op.EQ, "800", "元/人", "=800元/人", True),
]


@pytest.mark.parametrize(
    ("text", "category", "name_unit", "kind", "op", "value", "unit", "canonical", "inferred"), TRUTH
)
def test_targets_as_printed(
    text: str, category: str, name_unit: str, kind: Kind, op: Op, value: str, unit: str, canonical: str, inferred: bool
) -> None:
    parsed = parse(text, category, name_unit=name_unit)
    assert (parsed.kind, parsed.op, parsed.value, parsed.unit) == (kind, op, D(value), unit)
    assert str(parsed) == canonical
    assert bool(parsed.inferred) is inferred
    assert parse(canonical, category, name_unit=name_unit) == parsed


# (text, canonical, year it ends, start month, end month, day, words)
DATES = [
    ("2022年9月", "2022年9月底前", 2022, None, 9, None, ""),
    ("2022年9月完成", "2022年9月底前", 2022, None, 9, None, ""),
    ("2022年底", "2022年12月底前", 2022, None, 12, None, ""),
    ("2022年底前", "2022年12月底前", 2022, None, 12, None, ""),
    ("12月底前100%到位", "年底前100%到位", None, None, 12, None, "100%到位"),
    ("2022.07-2023.03", "2022年7月-2023年3月", 2023, 7, 3, None, ""),
    ("2022年7月-2023年3月", "2022年7月-2023年3月", 2023, 7, 3, None, ""),
    ("2022.1.1-2022.12.31", "2022年1-12月", 2022, 1, 12, None, ""),
    ("2022.3.1-2022.6.15", "2022年3月-6月15日", 2022, 3, 6, 15, ""),
    ("2022年全年", "2022年1-12月", 2022, 1, 12, None, ""),
]


@pytest.mark.parametrize(("text", "canonical", "year", "start", "end", "day", "words"), DATES)
def test_dates_and_windows(
    text: str, canonical: str, year: int | None, start: int | None, end: int, day: int | None, words: str
) -> None:
    parsed = parse(text, TIME)
    assert parsed.kind is Kind.DEADLINE
    assert (parsed.year, parsed.start_month, parsed.end_month, parsed.day, parsed.words) == (
        year,
        start,
        end,
        day,
        words,
    )
    assert str(parsed) == canonical
    assert parse(canonical, TIME) == parsed


def test_scaled_units_equal_their_base_and_zero_words_are_zero_targets() -> None:
    assert parse("1.5万亩") == parse("15000亩")
    assert parse("零事故") == parse("≤0")
    assert parse("完成3个乡镇5个村的改造").kind is Kind.QUALITATIVE  # no single reading
    assert parse("完成3个乡镇5个村的改造").inferred == (
        "the text carries several numbers, so no single reading: judged as qualitative",
    )


def test_a_score_unit_stands_and_a_rate_stands() -> None:
    assert default_aggregate(parse("≥85分"), "分") is Aggregate.LATEST
    assert default_aggregate(parse("≤800元/人·月"), "元/人·月") is Aggregate.LATEST
    assert default_aggregate(parse("≥1.5万亩"), "亩") is Aggregate.SUM


def indicator(target: str, level2: str = QTY, name: str = "指标") -> Indicator:
    return Indicator.create(id="x1", name=name, level2=level2, target=parse(target, level2))


AREA = indicator("≥1.5万亩")
LENGTH = indicator("≥2km")
MONEY = indicator("≤150万元", COST)
QUAL = indicator("效果明显", SOC)
TREND = indicator("逐年提高", SOC, "社会公众知晓率（%）")
DEADLINE = indicator("年底前", TIME)

# (indicator, value as printed, canonical reading)
VALUES = [
    (AREA, "15000亩", "15000亩"),
    (AREA, "1.5万亩", "15000亩"),
    (AREA, "1.5万", "15000亩"),
    (AREA, "≥16000亩", "16000亩"),
    (LENGTH, "≥266米", "0.266km"),
    (LENGTH, "2500m", "2.5km"),
    (MONEY, "150万", "150万元"),
    (MONEY, "1250000元", "125万元"),
    (QUAL, "是", "达成"),
    (QUAL, "有效", "达成"),
    (QUAL, "及时", "达成"),
    (QUAL, "显著", "达成"),
    (QUAL, "达成预期指标", "达成"),
    (QUAL, "良好", "达成"),
    (QUAL, "完成", "达成"),
    (QUAL, "基本达到", "部分达成 75"),
    (QUAL, "较好", "部分达成"),
    (QUAL, "未完成", "未达成"),
    (QUAL, "否", "未达成"),
    (QUAL, "基本达到 65", "部分达成 65"),
    (TREND, "是", "达成"),
    (TREND, "88%", "88%"),
    (DEADLINE, "11月", "2022-11-30"),
    (DEADLINE, "7月15日", "2022-07-15"),
]


@pytest.mark.parametrize(("target", "text", "expected"), VALUES)
def test_values_as_printed(target: Indicator, text: str, expected: str) -> None:
    assert str(read(target, text, DEFAULT.grade_bands, DEFAULT.value_words, year=2022)) == expected


def test_other_text_is_an_error_naming_the_words_unless_the_profile_takes_it() -> None:
    with pytest.raises(InvalidReading) as raised:
        read(QUAL, "群众反映良好", DEFAULT.grade_bands)
    message = str(raised.value)
    assert message.startswith(
        "cannot record '群众反映良好': a qualitative target takes a grade: 达成, 部分达成 or 未达成 "
        "(optionally with a score), or a word of the profile: 达成: 已达成, 达成预期指标"
    )
    assert "部分达成: 基本达到, 基本完成" in message and "未达成: 否, 未完成" in message
    lenient, problems = profilefile.loads('[scoring.qualitative]\nfree_text = "达成"\n', "p.toml")
    assert problems == [] and lenient is not None
    assert read(QUAL, "群众反映良好", lenient.grade_bands, lenient.value_words) == Reading(
        ReadingKind.GRADE, grade=Grade.ACHIEVED
    )


def test_a_month_without_a_year_needs_the_year() -> None:
    with pytest.raises(InvalidReading) as raised:
        read(DEADLINE, "7月", DEFAULT.grade_bands)
    assert str(raised.value) == "cannot record '7月': a month without a year needs the indicator's year; write 2021-07"


def test_a_province_edits_the_words_in_its_profile_file() -> None:
    text = '[scoring.qualitative.words]\n"较好" = ["达成", 85]\n"基本达到" = "部分达成"\n"还行" = "部分达成"\n'
    profile, problems = profilefile.loads(text, "p.toml")
    assert problems == [] and profile is not None
    words = profile.value_words.words
    assert (words["较好"].grade, words["较好"].score) == (Grade.ACHIEVED, D(85))
    assert (words["基本达到"].grade, words["基本达到"].score) == (Grade.PARTIAL, None)
    assert words["还行"].grade is Grade.PARTIAL and words["是"] == DEFAULT_WORDS.words["是"]
    assert profile.sources["scoring.qualitative.words"] == "p.toml"


def test_a_word_score_outside_its_band_is_refused() -> None:
    profile, problems = profilefile.loads('[scoring.qualitative.words]\n"较好" = ["部分达成", 85]\n', "p.toml")
    assert profile is None
    assert [str(p) for p in problems] == [
        "p.toml: scoring.qualitative.words.较好: the score 85 lies outside the band [60, 80) of 部分达成"
    ]


MONEY_TEXTS = [
    ("12.5", D("12.5")),
    ("12.5万元", D("12.5")),
    ("125000元", D("12.5")),
    ("1,250,000元", D("125")),
    ("0.1亿元", D("1000")),
    ("150万", D("150")),
]


@pytest.mark.parametrize(("text", "amount"), MONEY_TEXTS)
def test_money_in_yuan_is_stored_in_wan_exactly(text: str, amount: Decimal) -> None:
    assert read_money(text) == amount


def test_scaled_and_family_units_score_exactly() -> None:
    # 15000亩 against ≥1.5万亩 is met exactly: full 10.
    met = read(AREA, "15000亩", DEFAULT.grade_bands)
    assert scoring.score_indicator(AREA, met, None, D(10), DEFAULT).score == D(10)
    # 1.2万亩 = 12000 of 15000: 12000 / 15000 × 10 = 8.
    short = read(AREA, "1.2万亩", DEFAULT.grade_bands)
    assert scoring.score_indicator(AREA, short, None, D(10), DEFAULT).score == D(8)
    # 1500 m against ≥2 km: 1.5 / 2 × 10 = 7.5.
    metres = read(LENGTH, "1500米", DEFAULT.grade_bands)
    assert scoring.score_indicator(LENGTH, metres, None, D(10), DEFAULT).score == D("7.5")
    # 基本达到 scores its own 75 % of a weight of 8: 6.
    basic = read(QUAL, "基本达到", DEFAULT.grade_bands)
    assert scoring.score_indicator(QUAL, basic, None, D(8), DEFAULT).score == D(6)


def test_a_duration_in_years_is_due_a_year_after_the_start() -> None:
    within = indicator("1年内", TIME)
    done = Reading(ReadingKind.DATE, date=pendulum.date(2022, 12, 31))
    late = Reading(ReadingKind.DATE, date=pendulum.date(2023, 1, 1))
    # From 1 January 2022, one year (12 months) runs to 31 December 2022.
    assert scoring.score_indicator(within, done, None, D(5), DEFAULT, year=2022).score == D(5)
    assert scoring.score_indicator(within, late, None, D(5), DEFAULT, year=2022).score == D(0)
