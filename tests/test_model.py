"""The goal-table model: level inference, units from names, flow vs level, fund plans, quarters."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from kpitrack.model import Aggregate, FundPlan, Indicator, level1_of, normalise_level2, unit_from_name
from kpitrack.periods import InvalidPeriod, Quarter, plan_quarter
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
    assert [plan.released_by(q) for q in (1, 2, 3, 4)] == [D(0), D(10), D(25), D(35)]
    assert not plan.by_half_year


def test_a_half_year_plan_is_due_at_the_end_of_q2_and_q4() -> None:
    plan = FundPlan((("H1", D(91)), ("H2", D(91))))
    assert [plan.released_by(q) for q in (1, 2, 3, 4)] == [D(0), D(91), D(91), D(182)]
    assert plan.by_half_year


def test_quarters() -> None:
    q3 = Quarter.parse("2021Q3")
    assert q3 == Quarter(2021, 3) == Quarter.parse("2021-q3") == Quarter.parse("2021年第三季度")
    assert str(q3) == "2021Q3"
    assert q3.start == pendulum.date(2021, 7, 1)
    assert q3.end == pendulum.date(2021, 9, 30)
    assert q3.elapsed == D("0.75")
    assert q3.quarters_to_date() == (Quarter(2021, 1), Quarter(2021, 2), Quarter(2021, 3))
    assert Quarter.containing(pendulum.date(2021, 11, 30)) == Quarter(2021, 4)
    assert Quarter(2021, 2) < Quarter(2021, 3) < Quarter(2022, 1)


@pytest.mark.parametrize("text", ["2021Q5", "2021", "Q3", "21Q3", "2021Q0"])
def test_bad_quarters(text: str) -> None:
    with pytest.raises(InvalidPeriod, match="expected a quarter like 2021Q3"):
        Quarter.parse(text)


def test_plan_keys() -> None:
    assert [plan_quarter(k) for k in ("Q1", "Q2", "Q3", "Q4", "H1", "H2")] == [1, 2, 3, 4, 2, 4]
    with pytest.raises(InvalidPeriod):
        plan_quarter("Q5")
