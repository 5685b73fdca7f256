"""The target language (指标值): a truth table of every target in the seed, other real forms, and invalid inputs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kpitrack.thresholds import InvalidThreshold, Kind, Op, Threshold, parse

D = Decimal
QTY, QUAL, TIME, COST = "数量指标", "质量指标", "时效指标", "成本指标"
SOC, SUS, SAT = "社会效益指标", "可持续影响指标", "满意度指标"

# (target text, level-2 category, kind, op, value, unit, canonical): every distinct
# target of the seed's ten goal tables, with the category it stands under.
SEED_TARGETS = [
    ("1人", QTY, Kind.COMPARE, Op.GE, "1", "人", "≥1人"),
    ("10000份", QTY, Kind.COMPARE, Op.GE, "10000", "份", "≥10000份"),
    ("4次", QTY, Kind.COMPARE, Op.GE, "4", "次", "≥4次"),
    ("2次", QTY, Kind.COMPARE, Op.GE, "2", "次", "≥2次"),
    ("3次", QTY, Kind.COMPARE, Op.GE, "3", "次", "≥3次"),
    ("1次", QTY, Kind.COMPARE, Op.GE, "1", "次", "≥1次"),
    ("4家", QTY, Kind.COMPARE, Op.GE, "4", "家", "≥4家"),
    ("2台", QTY, Kind.COMPARE, Op.GE, "2", "台", "≥2台"),
    ("1500家", QTY, Kind.COMPARE, Op.GE, "1500", "家", "≥1500家"),
    ("800件", QTY, Kind.COMPARE, Op.GE, "800", "件", "≥800件"),
    ("100人次", QTY, Kind.COMPARE, Op.GE, "100", "人次", "≥100人次"),
    ("≧485", QTY, Kind.COMPARE, Op.GE, "485", "", "≥485"),
    ("≧4", QTY, Kind.COMPARE, Op.GE, "4", "", "≥4"),
    ("≧15", QTY, Kind.COMPARE, Op.GE, "15", "", "≥15"),
    ("≧400", QTY, Kind.COMPARE, Op.GE, "400", "", "≥400"),
    ("≧11", QTY, Kind.COMPARE, Op.GE, "11", "", "≥11"),
    ("≧1", QTY, Kind.COMPARE, Op.GE, "1", "", "≥1"),
    ("≧35000", QTY, Kind.COMPARE, Op.GE, "35000", "", "≥35000"),
    ("≧8", QTY, Kind.COMPARE, Op.GE, "8", "", "≥8"),
    ("≧10000", QTY, Kind.COMPARE, Op.GE, "10000", "", "≥10000"),
    ("≧2", QTY, Kind.COMPARE, Op.GE, "2", "", "≥2"),
    ("≧20", QTY, Kind.COMPARE, Op.GE, "20", "", "≥20"),
    ("≧52", QTY, Kind.COMPARE, Op.GE, "52", "", "≥52"),
    ("≧3", QTY, Kind.COMPARE, Op.GE, "3", "", "≥3"),
    ("≧30", QTY, Kind.COMPARE, Op.GE, "30", "", "≥30"),
    ("≧9", QTY, Kind.COMPARE, Op.GE, "9", "", "≥9"),
    ("≧1次", QTY, Kind.COMPARE, Op.GE, "1", "次", "≥1次"),
    ("≧100批次", QTY, Kind.COMPARE, Op.GE, "100", "批次", "≥100批次"),
    ("≥4", QTY, Kind.COMPARE, Op.GE, "4", "", "≥4"),
    ("≥1", QTY, Kind.COMPARE, Op.GE, "1", "", "≥1"),
    ("≥2", QTY, Kind.COMPARE, Op.GE, "2", "", "≥2"),
    ("≥5", QTY, Kind.COMPARE, Op.GE, "5", "", "≥5"),
    ("=4次", QTY, Kind.EXACT, Op.EQ, "4", "次", "=4次"),
    ("=12次", QTY, Kind.EXACT, Op.EQ, "12", "次", "=12次"),
    ("100%", QUAL, Kind.COMPARE, Op.GE, "100", "%", "≥100%"),
    ("100%", TIME, Kind.COMPARE, Op.GE, "100", "%", "≥100%"),
    ("100%", SOC, Kind.COMPARE, Op.GE, "100", "%", "≥100%"),
    ("≥80%", QUAL, Kind.COMPARE, Op.GE, "80", "%", "≥80%"),
    ("≥90%", QUAL, Kind.COMPARE, Op.GE, "90", "%", "≥90%"),
    ("≥95%", QUAL, Kind.COMPARE, Op.GE, "95", "%", "≥95%"),
    ("≥85%", QUAL, Kind.COMPARE, Op.GE, "85", "%", "≥85%"),
    ("≥30%", QUAL, Kind.COMPARE, Op.GE, "30", "%", "≥30%"),
    ("≥5%", QUAL, Kind.COMPARE, Op.GE, "5", "%", "≥5%"),
    ("≥70%", QUAL, Kind.COMPARE, Op.GE, "70", "%", "≥70%"),
    ("≧50%", QUAL, Kind.COMPARE, Op.GE, "50", "%", "≥50%"),
    ("≧5%", QUAL, Kind.COMPARE, Op.GE, "5", "%", "≥5%"),
    ("≦5%", QUAL, Kind.COMPARE, Op.LE, "5", "%", "≤5%"),
    ("≤0.52%", QUAL, Kind.COMPARE, Op.LE, "0.52", "%", "≤0.52%"),
    ("1.8件/万人", QUAL, Kind.COMPARE, Op.GE, "1.8", "件/万人", "≥1.8件/万人"),
    ("12月", TIME, Kind.DURATION, Op.LE, "12", "个月", "≤12个月"),
    ("12个月", TIME, Kind.DURATION, Op.LE, "12", "个月", "≤12个月"),
    ("=12月", TIME, Kind.DURATION, Op.EQ, "12", "个月", "=12个月"),
    ("5万", COST, Kind.COMPARE, Op.LE, "5", "万元", "≤5万元"),
    ("25万元", COST, Kind.COMPARE, Op.LE, "25", "万元", "≤25万元"),
    ("10万元", COST, Kind.COMPARE, Op.LE, "10", "万元", "≤10万元"),
    ("75万元", COST, Kind.COMPARE, Op.LE, "75", "万元", "≤75万元"),
    ("113万元", COST, Kind.COMPARE, Op.LE, "113", "万元", "≤113万元"),
    ("2万元", COST, Kind.COMPARE, Op.LE, "2", "万元", "≤2万元"),
    ("182万元", COST, Kind.COMPARE, Op.LE, "182", "万元", "≤182万元"),
    ("20万元", COST, Kind.COMPARE, Op.LE, "20", "万元", "≤20万元"),
    ("≦12", COST, Kind.COMPARE, Op.LE, "12", "", "≤12"),
    ("≦10", COST, Kind.COMPARE, Op.LE, "10", "", "≤10"),
    ("≦8", COST, Kind.COMPARE, Op.LE, "8", "", "≤8"),
    ("≦5", COST, Kind.COMPARE, Op.LE, "5", "", "≤5"),
    ("≦20", COST, Kind.COMPARE, Op.LE, "20", "", "≤20"),
    ("≦30", COST, Kind.COMPARE, Op.LE, "30", "", "≤30"),
    ("≦43", COST, Kind.COMPARE, Op.LE, "43", "", "≤43"),
    ("≦7", COST, Kind.COMPARE, Op.LE, "7", "", "≤7"),
    ("≦3", COST, Kind.COMPARE, Op.LE, "3", "", "≤3"),
    ("≧100%", SOC, Kind.COMPARE, Op.GE, "100", "%", "≥100%"),
    ("≧100%", SUS, Kind.COMPARE, Op.GE, "100", "%", "≥100%"),
    ("=100%", SOC, Kind.EXACT, Op.EQ, "100", "%", "=100%"),
    ("=100%", SUS, Kind.EXACT, Op.EQ, "100", "%", "=100%"),
    ("≥90%", SUS, Kind.COMPARE, Op.GE, "90", "%", "≥90%"),
    ("≦1", SOC, Kind.COMPARE, Op.LE, "1", "", "≤1"),
    ("≥90%", SAT, Kind.COMPARE, Op.GE, "90", "%", "≥90%"),
    ("≥95%", SAT, Kind.COMPARE, Op.GE, "95", "%", "≥95%"),
    ("≦0", SAT, Kind.COMPARE, Op.LE, "0", "", "≤0"),
    ("≦1", SAT, Kind.COMPARE, Op.LE, "1", "", "≤1"),
    ("≦5", SAT, Kind.COMPARE, Op.LE, "5", "", "≤5"),
    ("≦10", SAT, Kind.COMPARE, Op.LE, "10", "", "≤10"),
]

# Targets without a number: (text, category, kind, canonical).
SEED_WORD_TARGETS = [
    ("2021年1-12月", TIME, Kind.DEADLINE, "2021年1-12月"),
    ("逐年提高", SOC, Kind.TREND, "逐年提高"),
    ("逐年加强", SOC, Kind.TREND, "逐年加强"),
    ("逐年提升", SOC, Kind.TREND, "逐年提升"),
    ("逐年增强", SOC, Kind.TREND, "逐年增强"),
    ("逐步提高", SOC, Kind.TREND, "逐步提高"),
    ("持续提高", SUS, Kind.TREND, "持续提高"),
    ("持续提升", SUS, Kind.TREND, "持续提升"),
    ("持续", SUS, Kind.QUALITATIVE, "持续"),
    ("长期", SUS, Kind.QUALITATIVE, "长期"),
]


@pytest.mark.parametrize(("text", "category", "kind", "op", "value", "unit", "canonical"), SEED_TARGETS)
def test_every_numeric_seed_target(
    text: str, category: str, kind: Kind, op: Op, value: str, unit: str, canonical: str
) -> None:
    parsed = parse(text, category)
    assert (parsed.kind, parsed.op, parsed.value, parsed.unit) == (kind, op, D(value), unit)
    assert str(parsed) == canonical
    assert parse(canonical, category) == parsed  # the canonical form round-trips


@pytest.mark.parametrize(("text", "category", "kind", "canonical"), SEED_WORD_TARGETS)
def test_every_word_seed_target(text: str, category: str, kind: Kind, canonical: str) -> None:
    parsed = parse(text, category)
    assert parsed.kind is kind
    assert parsed.value is None
    assert str(parsed) == canonical
    assert parse(canonical, category) == parsed


def test_the_seed_window_is_the_whole_year() -> None:
    assert parse("2021年1-12月") == Threshold(kind=Kind.DEADLINE, year=2021, start_month=1, end_month=12)


# Other real forms: (text, category, canonical).
OTHER_FORMS = [
    (">= 485", None, "≥485"),
    ("≧485", None, "≥485"),
    ("＞５", None, ">5"),
    ("> 5次", None, ">5次"),
    ("＜3%", None, "<3%"),
    ("< 3%", None, "<3%"),
    ("<=90万元", None, "≤90万元"),
    ("≤90万元", None, "≤90万元"),
    ("＝4次", None, "=4次"),
    ("═4次", None, "=4次"),
    ("==4次", None, "=4次"),
    ("不低于90%", None, "≥90%"),
    ("不少于3次", None, "≥3次"),
    ("达到95%", None, "≥95%"),
    ("90%以上", None, "≥90%"),
    ("不高于5%", None, "≤5%"),
    ("不超过90万元", None, "≤90万元"),
    ("5万元以内", None, "≤5万元"),
    ("3次以下", None, "≤3次"),
    ("≥100百分比", None, "≥100%"),
    ("≥ 90 %", None, "≥90%"),
    ("1,500家", None, "≥1500家"),
    ("３０万元", COST, "≤30万元"),
    ("0.5亿元", COST, "≤0.5亿元"),
    ("800元", COST, "≤800元"),
    ("90%-95%", None, "90%-95%"),
    ("90-95%", None, "90%-95%"),
    ("85～90", None, "85-90"),
    ("85~90分", None, "85分-90分"),
    ("30天", TIME, "≤30天"),
    ("6个月", QTY, "≥6个月"),
    ("年底前", TIME, "年底前"),
    ("2021年12月底前", TIME, "2021年12月底前"),
    ("6月30日前", TIME, "6月30日前"),
    ("2021年1月-12月", TIME, "2021年1-12月"),
    ("2021.01-2021.12", TIME, "2021年1-12月"),
    ("效果明显", None, "效果明显"),
    ("稳步提升", None, "稳步提升"),
    ("持续提高", None, "持续提高"),
    ("逐年下降", None, "逐年下降"),
]


@pytest.mark.parametrize(("text", "category", "canonical"), OTHER_FORMS)
def test_other_real_forms(text: str, category: str | None, canonical: str) -> None:
    parsed = parse(text, category)
    assert str(parsed) == canonical
    assert parse(canonical, category) == parsed


def test_operator_spellings_are_equal() -> None:
    assert parse("≧485") == parse(">= 485") == parse("≥485") == parse("不少于485")
    assert parse("≦12") == parse("<=12") == parse("≤ 12") == parse("不超过12")


def test_a_bare_number_takes_its_direction_from_the_category() -> None:
    assert parse("10万元", COST).op is Op.LE
    assert parse("10万元", QTY).op is Op.GE
    assert parse("12个月", TIME).op is Op.LE
    assert parse("12个月", QTY).op is Op.GE
    assert parse("100%", QUAL).op is Op.GE


def test_an_inferred_operator_is_remembered_but_not_part_of_equality() -> None:
    assert not parse("1500家").explicit
    assert parse("≥1500家").explicit
    assert parse("1500家") == parse("≥1500家")


def test_a_downward_trend_is_marked() -> None:
    assert parse("逐年下降").downward
    assert not parse("逐年提高").downward


def test_satisfied_by_applies_the_operator() -> None:
    assert parse("≥90%").satisfied_by(D("90"))
    assert not parse("≥90%").satisfied_by(D("89.99"))
    assert parse(">5").satisfied_by(D("5.01"))
    assert not parse(">5").satisfied_by(D("5"))
    assert parse("≤0").satisfied_by(D("0"))
    assert not parse("≤0").satisfied_by(D("1"))
    assert parse("<3").satisfied_by(D("2"))
    assert parse("=4次").satisfied_by(D("4"))
    assert not parse("=4次").satisfied_by(D("5"))
    assert parse("90%-95%").satisfied_by(D("95"))
    assert not parse("90%-95%").satisfied_by(D("95.1"))


def test_reverse_targets() -> None:
    assert parse("25万元", COST).is_reverse
    assert parse("≤0.52%").is_reverse
    assert not parse("≥90%").is_reverse


# Invalid and ambiguous inputs, each with its exact reason (the message quotes the text).
INVALID = [
    ("≥9O%", "unknown unit 'O%'"),  # letter O typed for the digit 0
    ("≥", "an operator needs a number after it"),
    ("", "the target is empty"),
    ("   ", "the target is empty"),
    ("≥90%%", "unknown unit '%%'"),
    ("95%-90%", "the range's lower end is above its upper end"),
    ("90%-95次", "the two ends of the range have different units (%, 次)"),
    ("2021年3-1月", "months 3-1 are not a window inside one year"),
    ("13月底前", "13 is not a month"),
    ("2021年2月30日前", "2月30日 is not a date"),
    ("2022.07-2024.03", "a window longer than twelve months cannot be a year's target"),
    ("2022年1月-2023年6月", "a window longer than twelve months cannot be a year's target"),
    ("2022-2023", "a span of years is not a target; write the months (2022年1月-2023年12月)"),
    ("99999年底前", "the year 99999 is outside 1900–2199"),  # a typo for a year (kpitrack.limits)
    ("5万", "'万' without a unit is ambiguous outside 成本指标; write 万元 or the count"),
    ("≥1.2.3", "expected a number with an optional unit"),
    ("约90%", "'约' makes the number approximate; write it with an operator (≥, ≤) or as a range"),
    ("≤5 万元 左右", "'左右' makes the number approximate; write it with an operator (≥, ≤) or as a range"),
    ("100余家", "'余' makes the number approximate; write it with an operator (≥, ≤) or as a range"),
    ("≥90%以下", "the operator ≥ and the word '以下' disagree"),
    ("≥3次督查", "unknown unit '次督查'"),
    ("≥5完成时间", "unknown unit '完成时间'"),
    ("≥5年度", "unknown unit '年度'"),
    ("≥5T", "unknown unit 'T'"),
]


@pytest.mark.parametrize(("text", "reason"), INVALID)
def test_invalid_targets_are_errors_that_quote_the_text(text: str, reason: str) -> None:
    with pytest.raises(InvalidThreshold) as raised:
        parse(text)
    assert str(raised.value) == f"cannot read target {text!r}: {reason}"


def test_a_word_operator_without_a_number_is_qualitative_text() -> None:
    # 不低于 alone has no digit and no sign: it is free text an evaluator judges.
    assert parse("不低于").kind is Kind.QUALITATIVE
