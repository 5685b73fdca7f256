"""Properties of scoring: for any recorded values, no score leaves [0, weight] and no total leaves [0, 100]."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitrack.model import Indicator, Project
from kpitrack.monitoring import Light, assess
from kpitrack.periods import Period
from kpitrack.profile import DEFAULT, ExactVariant, Profile, ReverseVariant, bands_80_50
from kpitrack.readings import Grade, Progress, Reading, ReadingKind
from kpitrack.scoring import evaluate, score_indicator
from kpitrack.thresholds import parse

# Targets of every kind, each with the level-2 category that gives it its meaning.
TARGETS = [
    ("≥90%", "质量指标"),
    ("1500家", "数量指标"),
    (">80%", "质量指标"),
    ("≤12万元", "成本指标"),
    ("<5万元", "成本指标"),
    ("≦0件", "社会效益指标"),
    ("=4次", "数量指标"),
    ("≥0次", "数量指标"),
    ("90%-95%", "质量指标"),
    ("逐年提高", "社会效益指标"),
    ("逐年下降", "社会效益指标"),
    ("效果明显", "社会效益指标"),
    ("长期", "可持续影响指标"),
    ("年底前", "时效指标"),
    ("2021年1-6月", "时效指标"),
    ("12月", "时效指标"),
    ("≥3个月", "社会效益指标"),
]

numbers = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)
readings = st.one_of(
    st.none(),
    st.just(Reading(ReadingKind.NOT_APPLICABLE)),
    numbers.map(lambda n: Reading(ReadingKind.NUMBER, number=n)),
    st.builds(
        lambda g, s: Reading(ReadingKind.GRADE, grade=g, score=s),
        st.sampled_from(Grade),
        st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=1)),
    ),
    st.dates(min_value=pendulum.date(2020, 1, 1), max_value=pendulum.date(2023, 1, 1)).map(
        lambda d: Reading(ReadingKind.DATE, date=pendulum.date(d.year, d.month, d.day))
    ),
)
profiles = st.builds(
    lambda reverse, exact, variant: attrs.evolve(
        DEFAULT, reverse=reverse, exact=exact, grade_bands=bands_80_50() if variant else DEFAULT.grade_bands
    ),
    st.sampled_from(ReverseVariant),
    st.sampled_from(ExactVariant),
    st.booleans(),
)
weights = st.decimals(min_value=0, max_value=50, places=4)


def make(i: int, target: str, level2: str, weight: Decimal | None = None) -> Indicator:
    return Indicator.create(id=f"i{i}", name="指标", level2=level2, target=parse(target, level2), weight=weight)


@settings(max_examples=400)
@given(st.sampled_from(TARGETS), readings, readings, weights, profiles)
def test_no_indicator_score_leaves_zero_to_weight(
    target: tuple[str, str], actual: Reading | None, last: Reading | None, weight: Decimal, profile: Profile
) -> None:
    result = score_indicator(make(0, *target), actual, last, weight, profile, year=2021)
    assert 0 <= result.score <= weight
    assert result.explain


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(st.sampled_from(TARGETS), readings, readings, st.one_of(st.none(), weights)), min_size=0, max_size=12
    ),
    st.decimals(min_value=0, max_value=1000, places=2),
    numbers,
    profiles,
    st.integers(min_value=1, max_value=4),
)
def test_no_total_leaves_zero_to_hundred(
    rows: list[tuple[tuple[str, str], Reading | None, Reading | None, Decimal | None]],
    budget: Decimal,
    spent: Decimal,
    profile: Profile,
    quarter: int,
) -> None:
    # per-indicator weights (分值) are sometimes given, and need not add up: the total still stays in [0, 100]
    indicators = tuple(make(i, *target, weight=w) for i, (target, _, _, w) in enumerate(rows))
    project = Project(id="P", name="p", unit="u", year=2021, budget=budget, indicators=indicators)
    actuals = {f"i{i}": row[1] for i, row in enumerate(rows) if row[1] is not None}
    last_year = {f"i{i}": row[2] for i, row in enumerate(rows) if row[2] is not None}
    progress = Progress(
        project=project, as_of=Period.quarter(2021, quarter), actuals=actuals, spent=spent, last_year=last_year
    )
    result = evaluate(progress, profile)
    assert 0 <= result.total <= 100
    for item in result.indicators:
        assert 0 <= item.score <= item.weight
    assert 0 <= result.execution.score <= profile.execution_weight
    # monitoring never fails on the same records, and always gives the project a light
    assert isinstance(assess(progress, profile).light, Light)
