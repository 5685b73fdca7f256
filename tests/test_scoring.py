"""The year-end self-evaluation (单位自评): every formula of domain.md §5, computed by hand."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pendulum
import pytest

from kpitrack.model import Indicator, Project
from kpitrack.numbers import SETTLED, rounded
from kpitrack.periods import Period
from kpitrack.profile import DEFAULT, ExactVariant, Profile, Rating, ReverseVariant, bands_80_50
from kpitrack.readings import Grade, InvalidReading, Progress, Reading, ReadingKind, read
from kpitrack.scoring import (
    IndicatorScore,
    Method,
    Status,
    evaluate,
    indicator_weights,
    score_execution,
    score_indicator,
)
from kpitrack.thresholds import parse

D = Decimal
TEN = D(10)


def indicator(
    target: str, level2: str = "数量指标", *, id: str = "i1", name: str = "指标", weight: str | None = None
) -> Indicator:
    return Indicator.create(
        id=id, name=name, level2=level2, target=parse(target, level2), weight=D(weight) if weight else None
    )


def score(
    target: str,
    actual: str | None,
    level2: str = "数量指标",
    *,
    profile: Profile = DEFAULT,
    last_year: str | None = None,
    weight: Decimal = TEN,
    name: str = "指标",
) -> IndicatorScore:
    """Score one indicator with weight 10 from the recorded texts, as a unit would write them."""
    ind = indicator(target, level2, name=name)
    reading = read(ind, actual, profile.grade_bands) if actual is not None else None
    before = read(ind, last_year, profile.grade_bands) if last_year is not None else None
    return score_indicator(ind, reading, before, weight, profile, year=2021)


# --- forward (≥, bare non-cost) -------------------------------------------------


def test_forward__below_target_scores_w_times_A_over_T() -> None:
    result = score("≥90%", "84%", "质量指标")
    # 84 / 90 × 10 = 9.333…
    assert result.score == D(84) / D(90) * TEN
    assert result.explain == "84 / 90 × 10 = 9.33"
    assert (result.status, result.method) == (Status.MISSED, Method.FORWARD)


def test_forward__at_or_above_target_scores_full_weight() -> None:
    result = score("≥90%", "90%", "质量指标")
    assert (result.score, result.status) == (TEN, Status.MET)
    assert result.explain == "≥90%: 90 ≥ 90 → full 10"


def test_forward_bare_count__1500家_is_at_least() -> None:
    result = score("1500家", "1200")
    # 1200 / 1500 × 10 = 8
    assert result.score == D(8)


def test_over_achievement__capped_at_weight_and_flagged_from_1_2_T() -> None:
    just_under = score("≥100家", "119")
    assert (just_under.score, just_under.status, just_under.flags) == (TEN, Status.MET, ())
    over = score("≥100家", "120")  # 120 ≥ 1.2 × 100
    assert over.score == TEN
    assert over.status is Status.FLAGGED
    assert over.flags and "over-achievement" in over.flags[0]


def test_over_achievement_factor_comes_from_the_profile() -> None:
    lenient = attrs.evolve(DEFAULT, over_achievement=D("1.5"))
    assert score("≥100家", "120", profile=lenient).status is Status.MET
    assert score("≥100家", "150", profile=lenient).status is Status.FLAGGED


def test_strict_greater__equality_is_flagged_not_silently_met() -> None:
    result = score(">80%", "80%", "质量指标")
    assert result.status is Status.FLAGGED
    assert result.score == TEN


# --- reverse (≤, cost) -------------------------------------------------------------


def test_reverse__within_cap_scores_full() -> None:
    result = score("≤12万元", "11.5", "成本指标", weight=D(50) / 9)
    # 50 / 9 = 5.555… points; 11.5 ≤ 12 → full
    assert result.score == D(50) / 9
    assert result.explain == "≤12万元: 11.5 ≤ 12 → full 5.56"
    assert result.method is Method.REVERSE


def test_reverse_ratio_variant__cost_overrun_scores_T_over_A() -> None:
    result = score("≤12万元", "15", "成本指标")
    # 12 / 15 × 10 = 8
    assert result.score == D(8)
    assert result.explain == "12 / 15 × 10 = 8"
    assert result.status is Status.MISSED


def test_reverse_linear_variant__scores_one_minus_relative_overrun_floored_at_zero() -> None:
    linear = attrs.evolve(DEFAULT, reverse=ReverseVariant.LINEAR)
    # (1 − (15 − 12) / 12) × 10 = 0.75 × 10 = 7.5
    assert score("≤12万元", "15", "成本指标", profile=linear).score == D("7.5")
    # (1 − (30 − 12) / 12) = −0.5 → floored at 0
    assert score("≤12万元", "30", "成本指标", profile=linear).score == 0


def test_reverse_money_in_yuan_converts_exactly() -> None:
    # 150000元 = 15万元 → 12 / 15 × 10 = 8
    assert score("≤12万元", "150000元", "成本指标").score == D(8)


def test_bare_number_under_cost_is_a_cap() -> None:
    # "5万" under 成本指标 means ≤5万元: 6 → 5 / 6 × 10 = 8.333…
    assert score("5万", "6", "成本指标").score == D(5) / D(6) * TEN


# --- zero target ---------------------------------------------------------------


def test_zero_target__one_complaint_scores_zero() -> None:
    result = score("≦0件", "1", "社会效益指标")
    assert (result.score, result.status, result.method) == (0, Status.MISSED, Method.ZERO)
    assert result.explain == "≤0: 1 > 0 → 0"


def test_zero_target__no_complaint_scores_full() -> None:
    result = score("≦0件", "0", "社会效益指标")
    assert (result.score, result.status, result.method) == (TEN, Status.MET, Method.ZERO)


# --- exact (=) -------------------------------------------------------------------


def test_exact__equal_scores_full_and_is_met() -> None:
    result = score("=4次", "4")
    assert (result.score, result.status, result.method) == (TEN, Status.MET, Method.EXACT)


def test_exact_forward_variant__below_scores_as_forward_and_is_flagged() -> None:
    result = score("=4次", "3")
    # 3 / 4 × 10 = 7.5, and 3 ≠ 4 is flagged
    assert (result.score, result.status) == (D("7.5"), Status.FLAGGED)


def test_exact_forward_variant__above_scores_full_and_is_flagged() -> None:
    result = score("=4次", "5")
    assert (result.score, result.status) == (TEN, Status.FLAGGED)


def test_exact_strict_variant__full_only_when_equal() -> None:
    strict = attrs.evolve(DEFAULT, exact=ExactVariant.STRICT)
    assert score("=4次", "4", profile=strict).score == TEN
    assert score("=4次", "5", profile=strict).score == 0
    assert score("=4次", "3", profile=strict).status is Status.MISSED


# --- range ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("92%", TEN),  # inside 90–95 → full
        ("90%", TEN),  # the ends are inside
        ("95%", TEN),
        ("81%", D(9)),  # below: 81 / 90 × 10 = 9
        ("100%", D("9.5")),  # above: 95 / 100 × 10 = 9.5
    ],
)
def test_range__full_inside_A_over_a_below_b_over_A_above(actual: str, expected: Decimal) -> None:
    result = score("90%-95%", actual, "质量指标")
    assert result.score == expected
    assert result.method is Method.RANGE


# --- qualitative -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "expected", "explain"),
    [
        ("达成", TEN, "达成 (default 100%) × 10 = 10"),
        ("部分达成", D(7), "部分达成 (default 70%) × 10 = 7"),
        ("未达成", D(3), "未达成 (default 30%) × 10 = 3"),
    ],
)
def test_qualitative_bare_grade__scores_the_default_100_70_30(grade: str, expected: Decimal, explain: str) -> None:
    result = score("效果明显", grade, "社会效益指标")
    assert (result.score, result.explain, result.method) == (expected, explain, Method.GRADED)


def test_qualitative_with_score__uses_the_score_inside_the_band() -> None:
    result = score("效果明显", "部分达成 75", "社会效益指标")
    # 75% × 10 = 7.5
    assert result.score == D("7.5")
    assert result.status is Status.MISSED


def test_qualitative_80_60_bands__a_partial_score_of_55_is_rejected() -> None:
    ind = indicator("效果明显", "社会效益指标")
    with pytest.raises(InvalidReading, match=r"outside the band of 部分达成 \[60, 80\)"):
        read(ind, "部分达成 55", DEFAULT.grade_bands)


def test_qualitative_80_50_bands__a_partial_score_of_55_is_accepted() -> None:
    variant = attrs.evolve(DEFAULT, grade_bands=bands_80_50())
    result = score("效果明显", "部分达成 55", "社会效益指标", profile=variant)
    # 55% × 10 = 5.5
    assert result.score == D("5.5")
    with pytest.raises(InvalidReading, match=r"outside the band of 未达成 \[0, 50\)"):
        read(indicator("效果明显", "社会效益指标"), "未达成 55", variant.grade_bands)


def test_qualitative_score_recorded_under_another_profile__default_share_and_flagged() -> None:
    # 部分达成 55 was valid under 80/50; scored under 80/60 it falls back to 70 % and is flagged.
    ind = indicator("效果明显", "社会效益指标")
    reading = Reading(ReadingKind.GRADE, grade=Grade.PARTIAL, score=D(55))
    result = score_indicator(ind, reading, None, TEN, DEFAULT)
    assert (result.score, result.status) == (D(7), Status.FLAGGED)


def test_qualitative_target_with_a_number__is_missing_data_not_a_crash() -> None:
    ind = indicator("效果明显", "社会效益指标")
    result = score_indicator(ind, Reading(ReadingKind.NUMBER, number=D(5)), None, TEN, DEFAULT)
    assert (result.score, result.status) == (0, Status.MISSING)


AWARENESS = "业务知晓率（%）"


# --- trend ------------------------------------------------------------------------


def test_trend_with_last_year__forward_against_last_years_value() -> None:
    result = score("逐年提高", "78%", "社会效益指标", last_year="80%", name=AWARENESS)
    # 78 / 80 × 10 = 9.75
    assert (result.score, result.method, result.status) == (D("9.75"), Method.TREND, Status.MISSED)
    improved = score("逐年提高", "88%", "社会效益指标", last_year="80%", name=AWARENESS)
    assert (improved.score, improved.status) == (TEN, Status.MET)
    assert "vs last year 80" in improved.explain


def test_trend_with_last_year__no_improvement_is_not_met() -> None:
    # 提高 needs strictly more: 80 after 80 is flagged for the evaluator.
    result = score("逐年提高", "80%", "社会效益指标", last_year="80%", name=AWARENESS)
    assert result.status is Status.FLAGGED
    assert result.method is Method.TREND


def test_trend_downward__reverse_against_last_year() -> None:
    result = score("逐年下降", "10", "社会效益指标", last_year="8")
    # 8 / 10 × 10 = 8
    assert (result.score, result.method) == (D(8), Method.TREND)
    assert score("逐年下降", "5", "社会效益指标", last_year="8").status is Status.MET


def test_trend_without_last_year__graded_and_says_so() -> None:
    result = score("逐年提高", "部分达成", "社会效益指标")
    assert (result.score, result.method) == (D(7), Method.TREND_GRADED)
    assert "no measured values of both years" in result.explain


def test_trend_measured_without_last_year_and_no_grade__missing_data() -> None:
    result = score("逐年提高", "88%", "社会效益指标", name=AWARENESS)
    assert (result.score, result.status) == (0, Status.MISSING)
    assert "no last-year value" in result.explain


# --- deadlines and durations -------------------------------------------------------


def test_deadline__done_within_window_scores_full() -> None:
    result = score("2021年1-12月", "2021-11-30", "时效指标")
    assert (result.score, result.status, result.method) == (TEN, Status.MET, Method.DEADLINE)


def test_deadline__done_after_the_deadline_without_grade_is_missed() -> None:
    result = score("年底前", "2022-01-15", "时效指标")
    assert (result.score, result.status) == (0, Status.MISSED)
    assert "after 2021-12-31" in result.explain


def test_deadline__late_with_a_grade_is_graded() -> None:
    result = score("年底前", "部分达成", "时效指标")
    assert (result.score, result.method) == (D(7), Method.GRADED)


def test_duration__within_T_months_full_else_zero_with_reason() -> None:
    assert score("12月", "11", "时效指标").score == TEN  # ≤12个月
    late = score("12月", "13", "时效指标")
    assert (late.score, late.status, late.method) == (0, Status.MISSED, Method.DURATION)
    assert "took 13个月 > 12" in late.explain


def test_duration__completion_date_counts_from_1_January() -> None:
    # 12 months from 2021-01-01 end on 2021-12-31
    assert score("12个月", "2021-12-31", "时效指标").score == TEN
    assert score("12个月", "2022-01-05", "时效指标").score == 0


def test_duration__counts_from_the_project_start_when_known() -> None:
    ind = indicator("6个月", "时效指标")
    done = Reading(ReadingKind.DATE, date=pendulum.date(2021, 9, 30))
    # from 2021-04-01, 6 months end on 2021-09-30
    assert score_indicator(ind, done, None, TEN, DEFAULT, year=2021, start=pendulum.date(2021, 4, 1)).score == TEN
    assert score_indicator(ind, done, None, TEN, DEFAULT, year=2021, start=pendulum.date(2021, 4, 2)).score == TEN
    assert score_indicator(ind, done, None, TEN, DEFAULT, year=2021, start=pendulum.date(2021, 3, 1)).score == 0


# --- missing and not applicable ------------------------------------------------------


def test_missing_actual__scores_zero_and_is_missing_not_missed() -> None:
    result = score("≥90%", None, "质量指标")
    assert (result.score, result.status, result.method) == (0, Status.MISSING, Method.MISSING)


def test_not_applicable__excluded_with_its_own_status() -> None:
    result = score("≥90%", "不适用", "质量指标")
    assert (result.status, result.method, result.points_lost) == (Status.NOT_APPLICABLE, Method.NOT_APPLICABLE, 0)


# --- weights, execution, totals ----------------------------------------------------


def project(*indicators: Indicator, budget: str = "100") -> Project:
    return Project(id="P1", name="测试项目", unit="测试局", year=2021, budget=D(budget), indicators=indicators)


def progress(proj: Project, spent: str, **actuals: str) -> Progress:
    readings = {}
    for key, text in actuals.items():
        ind = proj.indicator(key)
        assert ind is not None
        readings[key] = read(ind, text, DEFAULT.grade_bands)
    return Progress(project=proj, as_of=Period.quarter(2021, 4), actuals=readings, spent=D(spent))


def test_weights__tier_split_equally_exactly() -> None:
    proj = project(
        indicator("≥1次", id="a"),
        indicator("≥1次", id="b"),
        indicator("≥1次", id="c"),
        indicator("≥90%", "满意度指标", id="s"),
    )
    weights = indicator_weights(proj, DEFAULT)
    assert weights["a"] == D(50) / 3  # 16.666… kept exact
    assert weights["s"] == TEN


def test_weights__given_weights_kept_rest_of_tier_split() -> None:
    proj = project(indicator("≥1次", id="a", weight="20"), indicator("≥1次", id="b"), indicator("≥1次", id="c"))
    weights = indicator_weights(proj, DEFAULT)
    # 产出 50: a has 20, b and c share (50 − 20) / 2 = 15
    assert (weights["a"], weights["b"], weights["c"]) == (D(20), D(15), D(15))


def test_execution__rate_and_score_capped_at_weight() -> None:
    under = score_execution(D(35), D(30), DEFAULT)
    # 30 / 35 = 85.71 %; 10 × 30 / 35 = 8.571…
    assert under.score == TEN * D(30) / D(35)
    assert under.explain == "30 / 35 = 85.71% × 10 = 8.57"
    over = score_execution(D(35), D(40), DEFAULT)
    assert (over.score, over.rate) == (TEN, D(40) / D(35))


def test_not_applicable__total_rescaled_to_100_over_the_rest() -> None:
    proj = project(
        indicator("≥10次", id="a"),
        indicator("≥10次", id="b"),
        indicator("效果明显", "社会效益指标", id="e"),
        indicator("≥90%", "满意度指标", id="s"),
    )
    result = evaluate(progress(proj, "100", a="10", b="不适用", e="达成", s="90%"), DEFAULT)
    # b (25 points) is excluded: 10 + 25 + 30 + 10 = 75 of 75 → 100
    assert result.total == 100
    assert result.rescaled_from == D(75)
    assert "excluded: b 不适用 25" in result.explain
    half = evaluate(progress(proj, "50", a="5", b="不适用", e="达成", s="90%"), DEFAULT)
    # 5 + 12.5 + 30 + 10 = 57.5 of 75 → 57.5 × 100 / 75 = 76.666…
    assert half.total == (D("57.5") * 100 / 75).quantize(SETTLED)  # exact to 12 places, as every total
    assert half.grade is Rating.FAIR


def test_missing_tier__total_rescaled_and_said_in_explain() -> None:
    proj = project(indicator("≥10次", id="a"), indicator("≥90%", "满意度指标", id="s"))
    result = evaluate(progress(proj, "100", a="10", s="90%"), DEFAULT)
    # no 效益指标: 10 + 50 + 10 = 70 of 70 → 100
    assert (result.total, result.rescaled_from) == (100, D(70))
    assert "no 效益指标 30" in result.explain


@pytest.mark.parametrize(
    ("total", "rating"),
    [
        ("90", Rating.EXCELLENT),
        ("89.99", Rating.GOOD),
        ("80", Rating.GOOD),
        ("79.99", Rating.FAIR),
        ("60", Rating.FAIR),
        ("59.99", Rating.POOR),
        ("0", Rating.POOR),
    ],
)
def test_grade_cut_offs__you_90_liang_80_zhong_60(total: str, rating: Rating) -> None:
    assert DEFAULT.rating(D(total)) is rating


def seed_project() -> Project:
    """法制宣传工作经费 of the seed: 35万元, 13 output, 3 benefit and 1 satisfaction indicators."""
    rows = [
        ("q1", "聘请法律顾问人数", "数量指标", "1人"),
        ("q2", "印制法律法规宣传资料", "数量指标", "10000份"),
        ("q3", "全年开展法律法规宣传", "数量指标", "4次"),
        ("q4", "组织执法人员、信息宣传培训", "数量指标", "4次"),
        ("q5", "组织开展法治讲座", "数量指标", "2次"),
        ("q6", "与主流媒体签订合作协议", "数量指标", "4家"),
        ("q7", "购云台相机数量", "数量指标", "2台"),
        ("k1", "组织全局职工参加无纸化法律学习合格率", "质量指标", "100%"),
        ("k2", "组织机关干部撰写信息，投稿率达到比例", "质量指标", "≥80%"),
        ("t1", "项目所需时间", "时效指标", "12月"),
        ("c1", "普法工作成本", "成本指标", "5万"),
        ("c2", "聘请法律顾问成本", "成本指标", "5万"),
        ("c3", "宣传、培训活动经费", "成本指标", "25万元"),
        ("b1", "提高全局干部职工法治意识及社会公众对我局业务知晓比率", "社会效益指标", "逐年提高"),
        ("b2", "引导各行各业重视发展质量意识，提升企业质量管理水平", "社会效益指标", "逐年提高"),
        ("b3", "持续推动社会公众通过媒介了解相关政策并运用到生活中的影响力。", "可持续影响指标", "长期"),
        ("s1", "社会公众满意度", "满意度指标", "≥90%"),
    ]
    return project(*(indicator(t, l2, id=i, name=n) for i, n, l2, t in rows), budget="35")


def test_seed_project_total__computed_by_hand() -> None:
    proj = seed_project()
    actuals = dict(q1="1", q2="8000", q3="4", q4="4", q5="2", q6="4", q7="2", k1="100%", k2="85%", t1="12")
    actuals |= dict(c1="4.5", c2="5", c3="25", b2="部分达成", b3="达成", s1="92%")
    base = progress(proj, "33", **actuals)
    last_year = {"b1": Reading(ReadingKind.NUMBER, number=D(80), unit="%")}
    this_year = {**base.actuals, "b1": Reading(ReadingKind.NUMBER, number=D(88), unit="%")}
    result = evaluate(attrs.evolve(base, actuals=this_year, last_year=last_year), DEFAULT)
    # 产出: 13 indicators of 50/13 each; all met except 8000 of 10000份 → 0.8 × 50/13
    #       12 × 50/13 + 0.8 × 50/13 = 640/13 = 49.23
    # 效益: 3 × 10: b1 88 > 80 last year → 10; b2 部分达成 → 7; b3 达成 → 10 = 27
    # 满意度: 92 ≥ 90 → 10
    # 预算执行率: 33 / 35 × 10 = 66/7 = 9.43
    # total = 640/13 + 27 + 10 + 66/7 = 95.659… → 95.66, 优
    expected = D(640) / 13 + 27 + 10 + D(66) / 7
    assert result.total == expected.quantize(SETTLED)
    assert rounded(result.total) == D("95.66")
    assert result.grade is Rating.EXCELLENT
    by_id = {s.indicator.id: s for s in result.indicators}
    assert by_id["b1"].method is Method.TREND
    assert by_id["b2"].method is Method.TREND_GRADED
    assert by_id["q2"].explain == "8000 / 10000 × 3.85 = 3.08"
    assert by_id["t1"].method is Method.DURATION


def test_twenty_point_execution_profile__weights_and_total() -> None:
    province = Profile(
        name="预算执行率 20",
        execution_weight=D(20),
        tier_weights={"产出指标": D(40), "效益指标": D(30), "满意度指标": D(10)},
    )
    proj = project(
        indicator("≥10次", id="a"),
        indicator("≥10次", id="b"),
        indicator("效果明显", "社会效益指标", id="e"),
        indicator("≥90%", "满意度指标", id="s"),
        budget="50",
    )
    result = evaluate(progress(proj, "40", a="10", b="5", e="部分达成", s="90%"), province)
    # 预算执行率 40 / 50 × 20 = 16; a 20; b 5 / 10 × 20 = 10; e 70 % × 30 = 21; s 10
    # total = 16 + 20 + 10 + 21 + 10 = 77 → 中
    assert result.execution.score == D(16)
    assert result.total == D(77)
    assert result.grade is Rating.FAIR
    # the same data under the default: 8 + 25 + 12.5 + 21 + 10 = 76.5
    assert evaluate(progress(proj, "40", a="10", b="5", e="部分达成", s="90%"), DEFAULT).total == D("76.5")


def test_equal_shares_that_are_not_finite_decimals__a_full_project_totals_exactly_100() -> None:
    # 产出 50 split over 7 indicators (50/7 = 7.142857…), 效益 30 over 3, 满意度 10 over 1, execution 10:
    # every indicator met and the budget spent → 50 + 30 + 10 + 10 = 100 exactly, graded 优, nothing rescaled.
    outputs = [indicator("≥1次", id=f"q{n}") for n in range(7)]
    benefits = [indicator("≥1次", "社会效益指标", id=f"s{n}") for n in range(3)]
    proj = project(*outputs, *benefits, indicator("≥90%", "满意度指标", id="sat"))
    actuals = {f"q{n}": "1" for n in range(7)} | {f"s{n}": "1" for n in range(3)} | {"sat": "90"}
    result = evaluate(progress(proj, "100", **actuals), DEFAULT)
    assert result.total == 100
    assert result.rescaled_from is None
    assert result.explain == "sum 100"


def test_equal_shares__a_total_of_exactly_90_is_优_not_良() -> None:
    # The same project with its 满意度 indicator (10 points) at 0% and the budget spent:
    # 50 + 30 + 0 + 10 = 90 exactly → 优 (≥ 90), even though each output share is 50/7.
    outputs = [indicator("≥1次", id=f"q{n}") for n in range(7)]
    benefits = [indicator("≥1次", "社会效益指标", id=f"s{n}") for n in range(3)]
    proj = project(*outputs, *benefits, indicator("≥90%", "满意度指标", id="sat"))
    actuals = {f"q{n}": "1" for n in range(7)} | {f"s{n}": "1" for n in range(3)} | {"sat": "0"}
    result = evaluate(progress(proj, "100", **actuals), DEFAULT)
    assert result.total == 90  # seven shares of 50/7 at 28 digits, settled
    assert result.grade.value == "优"
