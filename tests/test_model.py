"""The goal-table model: level inference, units from names, flow vs level, fund plans, quarters."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest
from hypothesis import given
from tests.conftest import periods

from kpitrack.model import Aggregate, FundPlan, Indicator, level1_of, normalise_level2, unit_from_name
from kpitrack.periods import InvalidPeriod, Period, plan_month
from kpitrack.thresholds import parse

D = Decimal


@pytest.mark.parametrize(
    ("level2", "level1"),
    [
        ("数量指标", "产出指标"),
        ("成本指标", "产出指标"),
        ("社会效益指标", "效益指标"),
        ("社会效益", "效益指标"),
        ("可持续影响指标", "效益指标"),
        ("满意度\n指标", "满意度指标"),
        ("服务对象满意度指标", "满意度指标"),
        ("不存在指标", None),
    ],
)
def test_level1_is_inferred_from_level2(level2: str, level1: str | None) -> None:
    assert level1_of(level2) == level1


def test_split_cells_are_joined() -> None:
    assert normalise_level2("满意度\n指标") == "满意度指标"


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("开展食品生产、经营企业监督检查（家）", "家"),
        ("违法企业处理率（%）", "%"),
        ("食品生产、经营安全监管成本（万元）", "万元"),
        ("检查频次(次)", "次"),
        ("社会公众满意度", ""),
        ("聘请第三方开展公开标准的监督检查及标准制定成本（万元）", "万元"),
    ],
)
def test_unit_from_the_name(name: str, unit: str) -> None:
    assert unit_from_name(name) == unit


def make(name: str, target: str, level2: str = "数量指标", **kwargs: object) -> Indicator:
    return Indicator.create(id="x1", name=name, level2=level2, target=parse(target, level2), **kwargs)  # type: ignore[arg-type]


def test_counts_and_money_are_flows_rates_are_levels() -> None:
    assert make("检查频次（次）", "≧15").aggregate is Aggregate.SUM
    assert make("印制宣传资料", "10000份").aggregate is Aggregate.SUM
    assert make("监管成本（万元）", "≦12", level2="成本指标").aggregate is Aggregate.SUM
    assert make("覆盖率（%）", "≥90%", level2="质量指标").aggregate is Aggregate.LATEST
    assert make("万人有效发明专利拥有量", "1.8件/万人", level2="质量指标").aggregate is Aggregate.LATEST
    assert make("满意度", "逐年提高", level2="社会效益指标").aggregate is Aggregate.LATEST


def test_a_goal_can_override_the_aggregation() -> None:
    assert make("在册企业数（家）", "≧485", aggregate=Aggregate.LATEST).aggregate is Aggregate.LATEST


def test_the_unit_comes_from_the_target_else_the_name() -> None:
    assert make("监督检查（家）", "≧485").unit == "家"
    assert make("监督检查（家）", "≧485批次").unit == "批次"
    assert make("满意度", "≥90%").unit == "%"


def test_a_quarterly_plan_releases_cumulatively() -> None:
    plan = FundPlan((("Q2", D(10)), ("Q3", D(15)), ("Q4", D(10))))
    assert plan.total == D(35)
    assert [plan.released_by(month) for month in (3, 6, 9, 12)] == [D(0), D(10), D(25), D(35)]
    # A month's cut-off counts what fell due by then: at July, Q2's 10 and not yet Q3's.
    assert [plan.released_by(month) for month in (5, 7, 8)] == [D(0), D(10), D(10)]
    assert not plan.by_half_year


def test_a_half_year_plan_is_due_at_the_end_of_q2_and_q4() -> None:
    plan = FundPlan((("H1", D(91)), ("H2", D(91))))
    assert [plan.released_by(month) for month in (3, 6, 9, 12)] == [D(0), D(91), D(91), D(182)]
    assert plan.by_half_year


def test_quarters() -> None:
    q3 = Period.parse("2021Q3")
    assert q3 == Period.quarter(2021, 3) == Period.parse("2021-q3") == Period.parse("2021年第三季度")
    assert str(q3) == "2021Q3"
    assert q3.start == pendulum.date(2021, 7, 1)
    assert q3.end == pendulum.date(2021, 9, 30)
    assert q3.elapsed == D("0.75")
    assert (q3.first, q3.last, q3.label, q3.is_quarter) == (7, 9, "Q3", True)
    assert Period.quarter(2021, 2) < Period.quarter(2021, 3) < Period.quarter(2022, 1)


def test_months_and_half_years() -> None:
    july = Period.parse("2021-07")
    assert (
        july == Period.month(2021, 7) == Period.parse("2021-7") == Period.parse("2021年7月") == Period.parse("2021/07")
    )
    assert (str(july), july.label, july.months(), july.is_quarter) == ("2021-07", "7月", "1-7月", False)
    assert Period.month(2021, 1).months() == "1月" and Period.quarter(2021, 1).months() == "1-3月"
    assert july.start == pendulum.date(2021, 7, 1) and july.end == pendulum.date(2021, 7, 31)
    # 序时进度 by months elapsed: seven twelfths, exactly as Decimal divides it.
    assert july.elapsed == D(7) / D(12)
    h1 = Period.parse("2021H1")
    assert h1 == Period.half(2021, 1) == Period.parse("2021年上半年") == Period(2021, 1, 6)
    assert (str(h1), str(Period.parse("2021年下半年")), h1.label, h1.elapsed) == ("2021H1", "2021H2", "H1", D("0.5"))
    run = Period.parse("2021年4-7月")
    assert run == Period.parse("2021-04..07") == Period(2021, 4, 7)
    assert (str(run), run.label) == ("2021-04..07", "4-7月")
    # A period of every kind reads back from its own text.
    for period in (july, h1, run, Period.quarter(2021, 4), Period(2021, 1, 12)):
        assert Period.parse(str(period)) == period


def test_overlaps_and_cut_offs() -> None:
    july, q3 = Period.month(2021, 7), Period.quarter(2021, 3)
    assert july.overlaps(q3) and q3.overlaps(july)
    assert not july.overlaps(Period.quarter(2021, 2)) and not july.overlaps(Period.month(2022, 7))
    assert Period(2021, 4, 7).overlaps(Period.quarter(2021, 2))
    # A cut-off at a quarter's end is that quarter, however it is written; any other month is itself.
    assert Period.month(2021, 6).cut_off == Period.half(2021, 1).cut_off == Period.quarter(2021, 2)
    assert july.cut_off == july and Period(2021, 4, 7).cut_off == july


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2021Q5", "expected a month, quarter or half year"),
        ("2021", "expected a month, quarter or half year"),
        ("Q3", "expected a month, quarter or half year"),
        ("21Q3", "expected a month, quarter or half year"),
        ("2021Q0", "expected a month, quarter or half year"),
        ("2021H3", "expected a month, quarter or half year"),
        ("2021-13", "a month is 1 to 12"),
        ("2021-00", "a month is 1 to 12"),
        ("2021-07..04", "month 7 comes after month 4"),
    ],
)
def test_bad_periods(text: str, reason: str) -> None:
    with pytest.raises(InvalidPeriod, match=reason):
        Period.parse(text)


def test_plan_keys() -> None:
    assert [plan_month(k) for k in ("Q1", "Q2", "Q3", "Q4", "H1", "H2")] == [3, 6, 9, 12, 6, 12]
    with pytest.raises(InvalidPeriod):
        plan_month("Q5")


def _months(period: Period) -> set[tuple[int, int]]:
    return {(period.year, month) for month in range(period.first, period.last + 1)}


@given(periods(), periods())
def test_periods_are_sets_of_months(a: Period, b: Period) -> None:
    """A period reads back from its text, overlaps another exactly when they share a month, and sorts by months."""
    assert Period.parse(str(a)) == a
    assert a.overlaps(b) == bool(_months(a) & _months(b))
    if a.year == b.year and not a.overlaps(b):  # periods of a year that do not overlap sort as their months do
        assert (a < b) == (a.last < b.first)
    assert a.cut_off.last == a.last and a.cut_off.year == a.year and a.cut_off.cut_off == a.cut_off
    assert a.elapsed == Decimal(a.last) / 12
