"""The performance-goal table (项目支出绩效目标表) as frozen records.

A :class:`Project` is one budget project with its money (budget, fiscal and other
funds, the fund-release plan 资金分配情况) and its indicator tree: level 1 (产出 /
效益 / 满意度), level 2 (数量, 质量, 时效, 成本, 社会效益 …) and the concrete
:class:`Indicator` with its target (指标值).  The records know nothing of files or
databases; loaders at the edges build them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from types import MappingProxyType

import attrs
import pendulum

from kpitrack.periods import plan_month
from kpitrack.thresholds import Kind, Threshold, UnitFamily, unit_family

__all__ = [
    "LEVEL1",
    "LEVEL2",
    "Aggregate",
    "FundPlan",
    "Indicator",
    "Project",
    "ProjectScoring",
    "default_aggregate",
    "level1_of",
    "normalise_level2",
    "unit_from_name",
]

OUTPUT, BENEFIT, SATISFACTION = "产出指标", "效益指标", "满意度指标"
# The national indicator tree (财预〔2020〕10号): the default profile's tiers and their level 2s.
# A profile may define other tiers (项目决策 / 项目管理 …): scoring and the checks take the
# tree from the profile (``Profile.tier_of``); these constants only name the default one and
# let readers infer a level 1 the table left blank.
LEVEL1 = (OUTPUT, BENEFIT, SATISFACTION)

# Level-2 categories (二级指标) by their canonical name, with the level 1 they belong to.
LEVEL2 = {
    "数量指标": OUTPUT,
    "质量指标": OUTPUT,
    "时效指标": OUTPUT,
    "成本指标": OUTPUT,
    "经济效益指标": BENEFIT,
    "社会效益指标": BENEFIT,
    "生态效益指标": BENEFIT,
    "可持续影响指标": BENEFIT,
    "服务对象满意度指标": SATISFACTION,
    "满意度指标": SATISFACTION,
}
_LEVEL1_ALIASES = {"产出": OUTPUT, "效益": BENEFIT, "满意度": SATISFACTION}


def normalise_level2(name: str) -> str:
    """``社会效益`` → ``社会效益指标``; strips the line breaks and spaces of split cells."""
    cleaned = re.sub(r"\s+", "", name)
    if cleaned in LEVEL2:
        return cleaned
    if cleaned + "指标" in LEVEL2:
        return cleaned + "指标"
    return cleaned


def normalise_level1(name: str) -> str:
    cleaned = re.sub(r"\s+", "", name)
    return _LEVEL1_ALIASES.get(cleaned, cleaned)


def level1_of(level2: str) -> str | None:
    """The level-1 category a level-2 category belongs to, or None if unknown."""
    return LEVEL2.get(normalise_level2(level2))


class Aggregate(enum.Enum):
    """How an indicator's quarterly actuals combine into the year's actual."""

    SUM = "sum"  # flows: counts done, money spent
    LATEST = "latest"  # levels: rates, ratios, satisfaction


_NAME_UNIT_RE = re.compile(r"[（(]\s*([^（()）]{1,8}?)\s*[)）]\s*[。.]?\s*$")


def unit_from_name(name: str) -> str:
    """The unit an indicator's name carries, as in ``检查频次（次）`` or ``覆盖率（%）``."""
    match = _NAME_UNIT_RE.search(name)
    if match is None:
        return ""
    unit = match.group(1).replace("％", "%")
    if unit == "百分比":
        return "%"
    if unit == "月":
        return "个月"
    if unit_family(unit) is UnitFamily.COUNT and not re.fullmatch(r"[\u4e00-\u9fff]{1,3}", unit):
        return ""
    return unit


def default_aggregate(target: Threshold, unit: str) -> Aggregate:
    """Counts and money are flows (sum); rates, levels and judgements stand (latest)."""
    if target.kind in (Kind.COMPARE, Kind.EXACT, Kind.RANGE) and unit_family(unit) in (
        UnitFamily.COUNT,
        UnitFamily.MONEY,
    ):
        return Aggregate.SUM
    return Aggregate.LATEST


@attrs.frozen
class Indicator:
    """A level-3 indicator (三级指标) with its target value (指标值).

    ``unit`` is the unit actuals are recorded in: the target's own unit, or the one
    the name carries in brackets when the target has none (``≧485`` under
    ``开展…监督检查（家）``).
    """

    id: str
    name: str
    level1: str
    level2: str
    target: Threshold
    unit: str = ""
    weight: Decimal | None = None
    aggregate: Aggregate = Aggregate.LATEST

    @classmethod
    def create(
        cls,
        *,
        id: str,
        name: str,
        level2: str,
        target: Threshold,
        level1: str | None = None,
        weight: Decimal | None = None,
        aggregate: Aggregate | None = None,
        unit: str | None = None,
    ) -> Indicator:
        """Build an indicator, inferring level 1, unit and aggregation where not given."""
        level2 = normalise_level2(level2)
        resolved_level1 = normalise_level1(level1) if level1 else (level1_of(level2) or "")
        resolved_unit = unit if unit is not None else (target.unit or unit_from_name(name))
        return cls(
            id=id,
            name=name,
            level1=resolved_level1,
            level2=level2,
            target=target,
            unit=resolved_unit,
            weight=weight,
            aggregate=aggregate or default_aggregate(target, resolved_unit),
        )

    @property
    def is_cost(self) -> bool:
        return self.level2 == "成本指标"


@attrs.frozen
class FundPlan:
    """The fund-release plan (资金分配情况): money due by quarter (Q1..Q4) or half-year (H1, H2)."""

    entries: tuple[tuple[str, Decimal], ...] = ()

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount in self.entries), Decimal(0))

    @property
    def by_half_year(self) -> bool:
        return any(key.startswith("H") for key, _ in self.entries)

    def released_by(self, month: int) -> Decimal:
        """Cumulative money planned for release by the end of month 1..12 (an entry is due at its last month)."""
        return sum((amount for key, amount in self.entries if plan_month(key) <= month), Decimal(0))

    def __iter__(self) -> Iterator[tuple[str, Decimal]]:
        return iter(self.entries)


def _weights(value: Mapping[str, Decimal]) -> Mapping[str, Decimal]:
    return MappingProxyType(dict(value))


def _names(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


@attrs.frozen
class ProjectScoring:
    """A goal table's own scoring section (``[scoring]``): the weights it prints, over the profile's.

    ``execution`` is the 预算执行率 weight; ``tiers`` the weights of the level-1 tiers
    (一级指标分值) it names, in its order; ``level2`` the level-2 categories of tiers the
    table defines itself (项目决策 → 项目立项 …).  Empty: the profile's rules alone.
    :meth:`kpitrack.profile.Profile.for_project` lays it over a profile.
    """

    execution: Decimal | None = None
    tiers: Mapping[str, Decimal] = attrs.field(factory=dict, converter=_weights)
    level2: Mapping[str, str] = attrs.field(factory=dict, converter=_names)

    def __bool__(self) -> bool:
        return self.execution is not None or bool(self.tiers) or bool(self.level2)

    def __hash__(self) -> int:  # its mappings are read-only views, which do not hash
        return hash((self.execution, tuple(sorted(self.tiers.items())), tuple(sorted(self.level2.items()))))


@attrs.frozen
class Project:
    """A budget project (项目) with its goal table and money, all in 万元.

    ``budget`` is the year's budget (全年预算数, after adjustments); ``initial_budget``
    the budget as first approved (年初预算数, None: the same).  The sources of the
    money (资金来源) are ``fiscal`` (本年财政拨款), ``carryover`` (上年结转资金) and
    ``other`` (其他资金).  ``department`` (主管部门) and ``agency`` (实施单位) stand
    beside the budget unit on the forms; ``goal`` is the 年度总体目标 and ``outcome``
    its 实际完成情况.

    ``scoring`` is the table's own scoring section, when it prints its weights
    (产出 40 / 效益 30 / 满意度 20 …); scoring lays it over the profile in force.
    """

    id: str
    name: str
    unit: str
    year: int
    budget: Decimal
    indicators: tuple[Indicator, ...] = ()
    fiscal: Decimal | None = None
    other: Decimal | None = None
    goal: str = ""
    plan: FundPlan = FundPlan()
    start: pendulum.Date | None = None
    end: pendulum.Date | None = None
    department: str = ""
    agency: str = ""
    initial_budget: Decimal | None = None
    carryover: Decimal | None = None
    outcome: str = ""
    scoring: ProjectScoring = ProjectScoring()
    # Where the project was read from (a goal file, a table row), for locating problems;
    # like beancount's entry meta, it takes no part in equality.
    source: str = attrs.field(default="", eq=False)

    def indicator(self, key: str) -> Indicator | None:
        """Look an indicator up by id, or else by its exact name."""
        for indicator in self.indicators:
            if indicator.id == key:
                return indicator
        for indicator in self.indicators:
            if indicator.name == key:
                return indicator
        return None

    def tier(self, level1: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.level1 == level1)
