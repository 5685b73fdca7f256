"""Mid-year monitoring (双监控): each light rule at its band edges, the plan basis, the underperformers."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from kpitrack.model import FundPlan, Indicator, Project
from kpitrack.monitoring import (
    Light,
    Likelihood,
    assess,
    light_for_ratio,
    underperformers_midyear,
    underperformers_year_end,
)
from kpitrack.periods import Period
from kpitrack.profile import DEFAULT, ElapsedBasis
from kpitrack.readings import Progress, read
from kpitrack.scoring import evaluate
from kpitrack.thresholds import parse

D = Decimal
NO_PLAN = FundPlan()
PLAN_BASIS = attrs.evolve(DEFAULT, elapsed_basis=ElapsedBasis.PLAN)


def indicator(id: str, target: str, level2: str = "数量指标", name: str = "指标") -> Indicator:
    return Indicator.create(id=id, name=name, level2=level2, target=parse(target, level2))


def project(*indicators: Indicator, budget: str = "100", plan: FundPlan = NO_PLAN, id: str = "P1") -> Project:
    return Project(id=id, name=f"项目{id}", unit="局", year=2021, budget=D(budget), indicators=indicators, plan=plan)


def progress(proj: Project, quarter: int, spent: str = "0", **actuals: str) -> Progress:
    readings = {}
    for key, text in actuals.items():
        ind = proj.indicator(key)
        assert ind is not None
        readings[key] = read(ind, text, DEFAULT.grade_bands)
    return Progress(project=proj, as_of=Period.quarter(2021, quarter), actuals=readings, spent=D(spent))


@pytest.mark.parametrize(
    ("ratio", "light"),
    [
        ("0.5999", Light.RED),  # red < 0.6
        ("0.6", Light.YELLOW),  # 0.6 ≤ yellow
        ("0.7999", Light.YELLOW),  # yellow < 0.8
        ("0.8", Light.GREEN),  # 0.8 ≤ green
        ("1.1999", Light.GREEN),
        ("1.2", Light.BLUE),  # blue ≥ 1.2
    ],
)
def test_ratio_bands__red_yellow_green_blue_at_their_edges(ratio: str, light: Light) -> None:
    assert light_for_ratio(D(ratio), DEFAULT) is light


@pytest.mark.parametrize(
    ("spent", "light"),
    [("29.99", Light.RED), ("30", Light.YELLOW), ("39.99", Light.YELLOW), ("40", Light.GREEN), ("60", Light.BLUE)],
)
def test_budget_light__q_is_execution_rate_over_elapsed_share(spent: str, light: Light) -> None:
    # budget 100 at 2021Q2: p = 0.5; q = (spent / 100) / 0.5, so 30 → 0.6, 40 → 0.8, 60 → 1.2
    status = assess(progress(project(budget="100"), 2, spent), DEFAULT)
    assert status.budget.light is light
    assert status.budget.q == D(spent) / 100 / D("0.5")


def test_budget_light__shows_execution_against_the_release_plan_too() -> None:
    proj = project(budget="35", plan=FundPlan((("Q2", D(10)), ("Q3", D(15)), ("Q4", D(10)))))
    status = assess(progress(proj, 3, "20"), DEFAULT)
    # by Q3 the plan released 10 + 15 = 25; 20 / 25 = 80 %; time basis q = (20/35) / 0.75 = 0.7619 → yellow
    assert status.budget.planned == 25
    assert status.budget.plan_rate == D("0.8")
    assert status.budget.light is Light.YELLOW
    assert "20 of 25 planned = 80%" in status.budget.explain


def test_half_year_plan__plan_basis_uses_released_share() -> None:
    # 阳光食品: 182万元 planned 上半年 91 / 下半年 91
    proj = project(budget="182", plan=FundPlan((("H1", D(91)), ("H2", D(91)))))
    # 2021Q3, spent 60: time basis p = 0.75, q = (60/182) / 0.75 = 0.4396 → red
    assert assess(progress(proj, 3, "60"), DEFAULT).budget.light is Light.RED
    # plan basis: by Q3 only H1 is due, p = 91/182 = 0.5, q = (60/182) / 0.5 = 0.6593 → yellow
    plan = assess(progress(proj, 3, "60"), PLAN_BASIS)
    assert (plan.p, plan.basis) == (D("0.5"), ElapsedBasis.PLAN)
    assert plan.budget.light is Light.YELLOW
    assert plan.budget.q == D(60) / D(182) / D("0.5")


def test_half_year_plan__nothing_due_in_q1_is_not_a_red_light() -> None:
    proj = project(budget="182", plan=FundPlan((("H1", D(91)), ("H2", D(91)))))
    status = assess(progress(proj, 1, "0"), PLAN_BASIS)
    assert status.p == 0
    assert status.budget.light is Light.GREEN


@pytest.mark.parametrize(
    ("done", "light"),
    [("29", Light.RED), ("30", Light.YELLOW), ("39", Light.YELLOW), ("40", Light.GREEN), ("60", Light.BLUE)],
)
def test_flow_indicator__v_is_cumulative_over_prorated_target(done: str, light: Light) -> None:
    # ≥100家 at Q2: v = done / (100 × 0.5): 30 → 0.6, 40 → 0.8, 60 → 1.2
    proj = project(indicator("a", "≥100家"))
    status = assess(progress(proj, 2, "50", a=done), DEFAULT).indicators[0]
    assert status.light is light
    assert status.ratio == D(done) / 50
    assert status.expected == D(done) * 2  # linear extrapolation: done / p


def test_flow_indicator__likelihood_by_catch_up_pace() -> None:
    proj = project(indicator("a", "≥100家"))
    # Q2, 20 done: the rest needs (100 − 20) / (100 × 0.5) = 1.6 × the planned pace ≤ 2 → 有可能
    assert assess(progress(proj, 2, a="20"), DEFAULT).indicators[0].likelihood is Likelihood.POSSIBLE
    # Q3, 20 done: (100 − 20) / (100 × 0.25) = 3.2 > 2 → 完全不可能
    assert assess(progress(proj, 3, a="20"), DEFAULT).indicators[0].likelihood is Likelihood.IMPOSSIBLE
    # green items carry no likelihood
    assert assess(progress(proj, 2, a="50"), DEFAULT).indicators[0].likelihood is None


@pytest.mark.parametrize(
    ("latest", "light"),
    [("90%", Light.GREEN), ("72%", Light.GREEN), ("71.9%", Light.YELLOW), ("54%", Light.YELLOW), ("53.9%", Light.RED)],
)
def test_level_indicator__latest_value_against_target(latest: str, light: Light) -> None:
    # ≥90% is a level: ratio = latest / 90; 72 / 90 = 0.8, 54 / 90 = 0.6
    proj = project(indicator("s", "≥90%", "满意度指标"))
    assert assess(progress(proj, 2, "50", s=latest), DEFAULT).indicators[0].light is light


@pytest.mark.parametrize(("spent", "light"), [("12", Light.GREEN), ("12.01", Light.RED)])
def test_reverse_indicator__green_within_cap_else_red(spent: str, light: Light) -> None:
    proj = project(indicator("c", "≤12万元", "成本指标"))
    status = assess(progress(proj, 2, c=spent), DEFAULT).indicators[0]
    assert status.light is light
    if light is Light.RED:
        assert status.likelihood is Likelihood.IMPOSSIBLE  # money spent cannot be unspent


@pytest.mark.parametrize(("grade", "light"), [("达成", Light.GREEN), ("部分达成", Light.YELLOW), ("未达成", Light.RED)])
def test_graded_indicator__achieved_green_partial_yellow_missed_red(grade: str, light: Light) -> None:
    proj = project(indicator("e", "效果明显", "社会效益指标"))
    assert assess(progress(proj, 2, e=grade), DEFAULT).indicators[0].light is light


def test_no_data__own_state_that_does_not_colour_the_project() -> None:
    proj = project(indicator("a", "≥100家"), indicator("e", "效果明显", "社会效益指标"))
    status = assess(progress(proj, 2, "50", a="50"), DEFAULT)
    assert [i.light for i in status.indicators] == [Light.GREEN, Light.NO_DATA]
    assert status.light is Light.GREEN
    assert [i.indicator.id for i in status.no_data] == ["e"]


def test_no_data__a_project_with_nothing_recorded_is_no_data() -> None:
    proj = project(indicator("a", "≥100家"))
    assert assess(progress(proj, 2, "50"), DEFAULT).light is Light.NO_DATA


def test_deadline_passed_with_nothing_recorded__red() -> None:
    proj = project(indicator("d", "2021年6月30日前", "时效指标"))
    assert assess(progress(proj, 1, "25"), DEFAULT).indicators[0].light is Light.NO_DATA  # not due yet
    assert assess(progress(proj, 2, "50"), DEFAULT).indicators[0].light is Light.RED


def test_project_light__worst_of_its_lights() -> None:
    proj = project(indicator("a", "≥100家"), indicator("e", "效果明显", "社会效益指标"))
    # budget green (q = 1), a blue, e red → red
    assert assess(progress(proj, 2, "50", a="70", e="未达成"), DEFAULT).light is Light.RED
    # budget yellow (q = 0.6), a blue, e green → yellow
    assert assess(progress(proj, 2, "30", a="70", e="达成"), DEFAULT).light is Light.YELLOW


def test_trend_level__against_last_year_at_mid_year() -> None:
    proj = project(indicator("t", "逐年提高", "社会效益指标", name="知晓率（%）"))
    base = progress(proj, 2, "50", t="88%")
    last = {"t": read(proj.indicators[0], "80%", DEFAULT.grade_bands)}
    assert assess(attrs.evolve(base, last_year=last), DEFAULT).indicators[0].light is Light.GREEN
    assert assess(base, DEFAULT).indicators[0].light is Light.NO_DATA  # nothing to compare with


def test_underperformers_midyear__red_then_yellow_worst_first() -> None:
    a = indicator("a", "≥100家")
    statuses = [
        assess(progress(project(a, id="green"), 2, "50", a="50"), DEFAULT),
        assess(progress(project(a, id="yellow"), 2, "35", a="50"), DEFAULT),  # budget q 0.7
        assess(progress(project(a, id="red1"), 2, "50", a="20"), DEFAULT),  # a v 0.4
        assess(progress(project(a, id="red2"), 2, "10", a="20"), DEFAULT),  # budget q 0.2, a v 0.4
    ]
    listed = underperformers_midyear(statuses)
    assert [u.project.id for u in listed] == ["red2", "red1", "yellow"]
    reasons = listed[0].reasons
    assert [r.what for r in reasons] == ["预算执行", "a"]
    assert reasons[0].shortfall == D(40)  # 100 × 0.5 due − 10 spent
    assert reasons[1].shortfall == D(60)  # 100 − 40 expected at year end


def test_underperformers_year_end__below_cut_off_missing_data_low_execution() -> None:
    a, s = indicator("a", "≥100家"), indicator("s", "≥90%", "满意度指标")
    scores = [
        # fine: 10 + 50 + 30 (no 效益: rescaled) … full marks
        evaluate(progress(project(a, s, id="fine"), 4, "100", a="100", s="90%"), DEFAULT),
        # low: a 50 / 100 × 50 = 25; total (10 + 25 + 10) × 100 / 70 = 64.29
        evaluate(progress(project(a, s, id="low"), 4, "100", a="50", s="90%"), DEFAULT),
        # missing s: (10 + 50 + 0) × 100 / 70 = 85.71
        evaluate(progress(project(a, s, id="missing"), 4, "100", a="100"), DEFAULT),
        # execution 85 %: (8.5 + 50 + 10) × 100 / 70 = 97.86, but below the 0.9 floor
        evaluate(progress(project(a, s, id="slow"), 4, "85", a="100", s="90%"), DEFAULT),
    ]
    listed = underperformers_year_end(scores, DEFAULT)
    assert [u.project.id for u in listed] == ["low", "missing", "slow"]
    assert listed[0].standing == "64.29 中 (below 80)"
    assert [(r.what, r.points_lost) for r in listed[0].reasons] == [("a", D(25))]
    assert listed[1].reasons[0].what == "s" and listed[1].reasons[0].detail.startswith("missing")
    assert listed[2].reasons[0].shortfall == D(15)  # 100 − 85 万元 unspent
    assert "execution below 90%" in listed[2].standing


def test_underperformers_year_end__cut_offs_come_from_the_profile() -> None:
    a = indicator("a", "≥100家")
    score = evaluate(progress(project(a, id="p"), 4, "100", a="50"), DEFAULT)
    # (10 + 25) × 100 / 60 = 58.33
    assert underperformers_year_end([score], DEFAULT)
    assert not underperformers_year_end([score], attrs.evolve(DEFAULT, underperforming_below=D(50)))
