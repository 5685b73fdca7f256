"""Scoring profiles (评分规则): every number and variant of the self-evaluation and 双监控 as data.

The year-end self-evaluation (单位自评, 项目支出绩效自评表) and the mid-year
monitoring (绩效运行监控, 双监控) are driven by a :class:`Profile`: tier weights
(一级指标分值), the budget-execution weight (预算执行率), the formula variants,
the qualitative grade bands (定性指标评分档次), the grade cut-offs (优/良/中/差),
the light bands of monitoring and the underperforming cut-offs.  :data:`DEFAULT`
follows 财政部《项目支出绩效评价管理办法》(财预〔2020〕10号) as written in
``domain.md``; a profile file (``io/profilefile.py``) overrides any part of it.

Scoring and monitoring read their numbers from here and nowhere else, so a
province's rules (预算执行率 20 points, 产出 40 …) are one small file away.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, TypeVar

import attrs

from kpitrack.model import BENEFIT, LEVEL2, OUTPUT, SATISFACTION, Indicator, ProjectScoring
from kpitrack.problems import Problem
from kpitrack.readings import DEFAULT_WORDS, Grade, GradeBands, ValueWords

__all__ = [
    "DEFAULT",
    "ElapsedBasis",
    "ExactVariant",
    "Halves",
    "MonitoringBands",
    "Profile",
    "Rating",
    "ReverseVariant",
    "RowRounding",
    "bands_80_50",
    "validate",
]


class ReverseVariant(enum.Enum):
    """How a reverse (≤, cost) indicator over its cap scores."""

    RATIO = "ratio"  # weight × T / A
    LINEAR = "linear"  # weight × (1 − (A − T) / T), floored at 0


class ExactVariant(enum.Enum):
    """How an equality target (=) scores."""

    FORWARD = "forward"  # as forward; A ≠ T is flagged
    STRICT = "strict"  # full only when equal, else 0


class Halves(enum.Enum):
    """Which way a half goes when a row's score is rounded."""

    HALF_UP = "half_up"  # 四舍五入: 8.25 → 8.3
    HALF_DOWN = "half_down"  # 8.25 → 8.2


@attrs.frozen
class RowRounding:
    """How each row's score (得分) is rounded before the total: some provinces print rows to 1 decimal or whole points.

    ``places`` None keeps the exact score (the default: only display rounds, in
    :mod:`kpitrack.numbers`); 2, 1 or 0 decimals otherwise.  A scoring rule, applied by
    :mod:`kpitrack.scoring`, not a way of showing numbers.
    """

    places: int | None = None
    halves: Halves = Halves.HALF_UP

    def __str__(self) -> str:
        if self.places is None:
            return "none"
        digits = "integer" if self.places == 0 else f"{self.places} decimal{'s' if self.places > 1 else ''}"
        return f"{digits}, {self.halves.value.replace('_', ' ')}"


ROW_PLACES = (2, 1, 0)  # the row roundings seen in published tables


class ElapsedBasis(enum.Enum):
    """What p, the share of the year that should be done, is measured against in 双监控."""

    TIME = "time"  # quarters elapsed / 4
    PLAN = "plan"  # cumulative planned release (资金分配) / budget


class Rating(enum.Enum):
    """The self-evaluation grade of a project's total (自评等级)."""

    EXCELLENT = "优"
    GOOD = "良"
    FAIR = "中"
    POOR = "差"


@attrs.frozen
class MonitoringBands:
    """Light bands of 双监控 on a ratio (actual against the pro-rated target).

    red below ``red_below`` ≤ yellow below ``green_from`` ≤ green; blue (ahead) from ``blue_from``.
    ``impossible_catch_up``: a red or yellow item is judged 完全不可能 when the rest of
    the year would need more than this multiple of the planned pace to reach the target.
    """

    red_below: Decimal = Decimal("0.6")
    green_from: Decimal = Decimal("0.8")
    blue_from: Decimal = Decimal("1.2")
    impossible_catch_up: Decimal = Decimal(2)


K = TypeVar("K")
V = TypeVar("V")


def _frozen_mapping(value: Mapping[K, V]) -> Mapping[K, V]:
    """A read-only copy, so a frozen profile cannot be changed through its mappings."""
    return MappingProxyType(dict(value))


_DEFAULT_BANDS: GradeBands = MappingProxyType(
    {
        Grade.ACHIEVED: (Decimal(80), Decimal(100)),
        Grade.PARTIAL: (Decimal(60), Decimal(80)),
        Grade.MISSED: (Decimal(0), Decimal(60)),
    }
)


def bands_80_50() -> GradeBands:
    """The variant qualitative bands: 达成 [80, 100], 部分达成 [50, 80), 未达成 [0, 50)."""
    return MappingProxyType(
        {
            Grade.ACHIEVED: (Decimal(80), Decimal(100)),
            Grade.PARTIAL: (Decimal(50), Decimal(80)),
            Grade.MISSED: (Decimal(0), Decimal(50)),
        }
    )


NATIONAL = "default (财预〔2020〕10号)"
LOCAL = "default (kpitrack: no national text fixes it)"

# Every rule of a profile by its key in a profile file, with where the default comes from.
RULES: Mapping[str, str] = MappingProxyType(
    {
        "scoring.execution": NATIONAL,
        "scoring.tiers": NATIONAL,
        "scoring.row_rounding": LOCAL,
        "scoring.reverse": NATIONAL,
        "scoring.exact": NATIONAL,
        "scoring.over_achievement": NATIONAL,
        "scoring.qualitative.bands": NATIONAL,
        "scoring.qualitative.defaults": LOCAL,
        "scoring.qualitative.words": LOCAL,
        "scoring.qualitative.free_text": LOCAL,
        "scoring.grades": NATIONAL,
        "monitoring.red_below": LOCAL,
        "monitoring.green_from": LOCAL,
        "monitoring.blue_from": LOCAL,
        "monitoring.impossible_catch_up": LOCAL,
        "monitoring.elapsed": LOCAL,
        "underperforming.below": LOCAL,
        "underperforming.execution_floor": LOCAL,
    }
)


@attrs.frozen
class Profile:
    """The rules in force for scoring and monitoring.  All weights and scores are points or percent.

    ``grade_bands`` and ``grade_defaults`` are in percent of an indicator's weight;
    ``value_words`` maps the words printed as qualitative results to grades (with a
    word's own score where it has one, in percent too);
    ``grade_cutoffs`` maps 优/良/中 to the lowest total that earns it (差 is the rest);
    ``execution_floor`` is a rate (0.9 = 90 %) and ``underperforming_below`` a total.
    ``sources`` maps each rule key (see :data:`RULES`) to where its value comes from.

    The indicator tree is data too: ``tier_weights`` names the level-1 tiers (一级指标)
    and ``level2_tiers`` which tier each level-2 category (二级指标) belongs to; the
    default is the national tree (产出 / 效益 / 满意度), a department's may be
    项目决策 / 项目管理 / 项目产出 / 项目效益.
    """

    name: str = "default"
    tier_weights: Mapping[str, Decimal] = attrs.field(
        factory=lambda: {OUTPUT: Decimal(50), BENEFIT: Decimal(30), SATISFACTION: Decimal(10)},
        converter=_frozen_mapping,
    )
    level2_tiers: Mapping[str, str] = attrs.field(factory=lambda: LEVEL2, converter=_frozen_mapping)
    execution_weight: Decimal = Decimal(10)
    row_rounding: RowRounding = RowRounding()
    reverse: ReverseVariant = ReverseVariant.RATIO
    exact: ExactVariant = ExactVariant.FORWARD
    over_achievement: Decimal = Decimal("1.2")
    grade_bands: GradeBands = attrs.field(factory=lambda: _DEFAULT_BANDS, converter=_frozen_mapping)
    grade_defaults: Mapping[Grade, Decimal] = attrs.field(
        factory=lambda: {Grade.ACHIEVED: Decimal(100), Grade.PARTIAL: Decimal(70), Grade.MISSED: Decimal(30)},
        converter=_frozen_mapping,
    )
    # The words tables print for qualitative results (是, 基本达到, 未完成 …) and their grades.
    value_words: ValueWords = DEFAULT_WORDS
    grade_cutoffs: Mapping[Rating, Decimal] = attrs.field(
        factory=lambda: {Rating.EXCELLENT: Decimal(90), Rating.GOOD: Decimal(80), Rating.FAIR: Decimal(60)},
        converter=_frozen_mapping,
    )
    monitoring: MonitoringBands = MonitoringBands()
    elapsed_basis: ElapsedBasis = ElapsedBasis.TIME
    underperforming_below: Decimal = Decimal(80)
    # 0.9: a year-end execution rate under 90 % already costs a full point of the 10
    # execution points, and 90 % is the usual year-end spending expectation in budget
    # practice; projects below it are the ones whose money should be looked at.
    execution_floor: Decimal = Decimal("0.9")
    sources: Mapping[str, str] = attrs.field(factory=lambda: RULES, converter=_frozen_mapping)

    def rating(self, total: Decimal) -> Rating:
        """优 ≥ 90, 良 [80, 90), 中 [60, 80), 差 below (by the profile's cut-offs)."""
        for rating in (Rating.EXCELLENT, Rating.GOOD, Rating.FAIR):
            if total >= self.grade_cutoffs[rating]:
                return rating
        return Rating.POOR

    def in_band(self, grade: Grade, score: Decimal) -> bool:
        """Is a score (percent of the weight) inside the grade's band?  The top band is closed."""
        low, high = self.grade_bands[grade]
        return low <= score <= high if high == 100 else low <= score < high

    @property
    def total_weight(self) -> Decimal:
        return self.execution_weight + sum(self.tier_weights.values(), Decimal(0))

    def tier_of(self, indicator: Indicator) -> str:
        """The tier an indicator is scored under: its level 2's when the tree knows it, else its level 1 as printed.

        So an 经济效益指标 row printed inside the 产出 block still counts under 效益
        (``check`` warns of it).
        """
        return self.level2_tiers.get(indicator.level2) or indicator.level1

    def with_tiers(self, weights: Mapping[str, Decimal], level2: Mapping[str, str] | None = None) -> Profile:
        """The profile with tier weights (and level-2 memberships) laid over its own.

        Weights of tiers it has re-weight them (产出 40 …) and keep the others; a tier
        it does not have starts a tree of its own: then the tiers are exactly those
        given, and the level-2 categories of dropped tiers belong to none.
        """
        if all(name in self.tier_weights for name in weights):
            tiers = {**self.tier_weights, **weights}
            members = {**self.level2_tiers, **(level2 or {})}
        else:
            tiers = dict(weights)
            members = {name: tier for name, tier in self.level2_tiers.items() if tier in tiers}
            members.update(level2 or {})
        tree: dict[str, Any] = {"tier_weights": tiers, "level2_tiers": members}
        return attrs.evolve(self, **tree)

    def for_project(self, scoring: ProjectScoring) -> Profile:
        """This profile under a goal table's own scoring section (its printed weights); itself when it has none."""
        if not scoring:
            return self
        profile = self.with_tiers(scoring.tiers, scoring.level2) if scoring.tiers or scoring.level2 else self
        if scoring.execution is not None:
            profile = attrs.evolve(profile, execution_weight=scoring.execution)
        return profile


DEFAULT = Profile()


def validate(profile: Profile) -> list[Problem]:
    """Every way a profile is inconsistent, located by rule key (``scoring.tiers.产出指标``)."""
    problems: list[Problem] = []
    for name, weight in profile.tier_weights.items():
        if weight < 0:
            problems.append(Problem(f"scoring.tiers.{name}", f"a weight cannot be negative ({weight})"))
    if profile.execution_weight < 0:
        problems.append(Problem("scoring.execution", f"a weight cannot be negative ({profile.execution_weight})"))
    if profile.total_weight != 100:
        parts = " + ".join(f"{k} {v}" for k, v in profile.tier_weights.items())
        problems.append(
            Problem(
                "scoring.tiers",
                f"tier weights and the execution weight must make 100, not {profile.total_weight} "
                f"(预算执行率 {profile.execution_weight} + {parts})",
            )
        )
    if profile.row_rounding.places not in (None, *ROW_PLACES):
        problems.append(
            Problem("scoring.row_rounding.places", f"must be 2, 1 or 0 decimals, not {profile.row_rounding.places}")
        )
    if profile.over_achievement <= 1:
        problems.append(Problem("scoring.over_achievement", f"must be above 1, not {profile.over_achievement}"))
    problems += _validate_bands(profile)
    cut = profile.grade_cutoffs
    if not (100 >= cut[Rating.EXCELLENT] > cut[Rating.GOOD] > cut[Rating.FAIR] >= 0):
        problems.append(Problem("scoring.grades", "cut-offs must be ordered 100 ≥ 优 > 良 > 中 ≥ 0"))
    bands = profile.monitoring
    if not (0 < bands.red_below < bands.green_from <= 1 < bands.blue_from):
        problems.append(Problem("monitoring", "bands must be ordered 0 < red_below < green_from ≤ 1 < blue_from"))
    if bands.impossible_catch_up < 1:
        problems.append(Problem("monitoring.impossible_catch_up", "must be at least 1"))
    if not 0 <= profile.underperforming_below <= 100:
        problems.append(Problem("underperforming.below", "must be a total between 0 and 100"))
    if not 0 <= profile.execution_floor <= 1:
        problems.append(Problem("underperforming.execution_floor", "must be a rate between 0 and 1 (0.9 = 90%)"))
    return problems


def _validate_bands(profile: Profile) -> list[Problem]:
    problems: list[Problem] = []
    bands = profile.grade_bands
    achieved, partial, missed = bands[Grade.ACHIEVED], bands[Grade.PARTIAL], bands[Grade.MISSED]
    ordered = (
        missed[0] == 0
        and achieved[1] == 100
        and missed[0] < missed[1] == partial[0] < partial[1] == achieved[0] < achieved[1]
    )
    if not ordered:
        problems.append(
            Problem(
                "scoring.qualitative.bands",
                "bands must tile [0, 100] in order: 未达成 [0, a), 部分达成 [a, b), 达成 [b, 100]",
            )
        )
        return problems
    for word, meaning in profile.value_words.words.items():
        if meaning.score is not None and not profile.in_band(meaning.grade, meaning.score):
            low, high = bands[meaning.grade]
            closing = "]" if high == 100 else ")"
            problems.append(
                Problem(
                    f"scoring.qualitative.words.{word}",
                    f"the score {meaning.score} lies outside the band [{low}, {high}{closing} of {meaning.grade.value}",
                )
            )
    for grade, score in profile.grade_defaults.items():
        if not profile.in_band(grade, score):
            low, high = bands[grade]
            closing = "]" if high == 100 else ")"
            problems.append(
                Problem(
                    f"scoring.qualitative.defaults.{grade.value}",
                    f"the default score {score} lies outside the band [{low}, {high}{closing} of {grade.value}",
                )
            )
    return problems
