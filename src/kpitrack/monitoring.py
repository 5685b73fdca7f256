"""Mid-year monitoring (绩效运行监控, "双监控") and the underperformers list: pure functions.

At a cut-off (a month's end; 1-7月 is the central rule's), :func:`assess` puts a light
on a project's money and on each of its indicators, and the project takes the worst
of them:

- p, the share of the year that should be done (序时进度): months elapsed / 12, or in the
  ``plan`` basis the cumulative planned release (资金分配) / budget;
- budget (预算执行): q = (spent / budget) / p, also shown against the release plan;
- flow indicators (counts, money): v = cumulative actual / (T × p);
- level indicators (rates, satisfaction): the latest value against the target;
- reverse indicators (caps, costs): green while within T, else red;
- graded ones (qualitative, trend, deadlines): 达成 green, 部分达成 yellow, 未达成 red.

Bands come from the profile: red < 0.6 ≤ yellow < 0.8 ≤ green, blue ≥ 1.2 (ahead).

**No data.**  An indicator with nothing recorded yet gets the light ``no data``.  It
does not colour the project (at Q1 most graded indicators are not yet judged, and
a grey project would hide the real reds), but it is listed as a reason, and a
project where no indicator has data at all is ``no data`` itself.

**Likelihood** (完成可能性) of a red or yellow item: 完全不可能 when the year is over
and the target is missed, when a cap is already exceeded by a flow, or when the rest
of the year would need more than ``impossible_catch_up`` (default 2) times the
planned pace; 确定能 when the target is already reached; otherwise 有可能.

:func:`underperformers_midyear` lists red then yellow projects; :func:`underperformers_year_end`
lists the projects below the cut-off, with missing data, or with execution below the floor.
Both put the worst first and give the reasons with the points or money they cost.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Protocol

import attrs
import pendulum

from kpitrack.model import Aggregate, Indicator, Project
from kpitrack.numbers import show
from kpitrack.periods import Period, due_date
from kpitrack.profile import ElapsedBasis, Profile
from kpitrack.readings import Grade, Progress, Reading, ReadingKind
from kpitrack.scoring import ProjectScore, Status
from kpitrack.thresholds import Kind, Op

__all__ = [
    "BudgetStatus",
    "IndicatorStatus",
    "Light",
    "Likelihood",
    "ProjectStatus",
    "Reason",
    "Underperformer",
    "assess",
    "assess_indicator",
    "assessor",
    "budget_status",
    "elapsed_share",
    "light_for_ratio",
    "project_status",
    "underperformers_midyear",
    "underperformers_year_end",
]

ZERO, ONE = Decimal(0), Decimal(1)


class Light(enum.Enum):
    """A monitoring light (预警等级), worst last in :data:`_RANK`."""

    BLUE = "blue"  # ahead of schedule
    GREEN = "green"
    NO_DATA = "no data"
    YELLOW = "yellow"
    RED = "red"
    NOT_APPLICABLE = "n/a"


_RANK = {Light.NOT_APPLICABLE: 0, Light.BLUE: 1, Light.GREEN: 2, Light.NO_DATA: 3, Light.YELLOW: 4, Light.RED: 5}


class Likelihood(enum.Enum):
    """Likelihood of meeting the year's target (完成目标可能性), as the monitoring form asks."""

    CERTAIN = "确定能"
    POSSIBLE = "有可能"
    IMPOSSIBLE = "完全不可能"


@attrs.frozen
class IndicatorStatus:
    """One indicator's light at the cut-off, with the ratio judged and the expected year end."""

    indicator: Indicator
    actual: Reading | None
    light: Light
    ratio: Decimal | None
    expected: Decimal | None
    likelihood: Likelihood | None
    explain: str

    @property
    def needs_attention(self) -> bool:
        return self.light in (Light.RED, Light.YELLOW)


@attrs.frozen
class BudgetStatus:
    """预算执行 at the cut-off: against elapsed time (or plan), and against the release plan."""

    budget: Decimal
    spent: Decimal
    rate: Decimal | None  # spent / budget
    p: Decimal
    q: Decimal | None  # rate / p
    planned: Decimal  # cumulative planned release by the cut-off
    plan_rate: Decimal | None  # spent / planned
    light: Light
    expected: Decimal | None  # year-end spending if the pace holds
    likelihood: Likelihood | None
    explain: str

    @property
    def needs_attention(self) -> bool:
        """Red or yellow, as an indicator's: the monitoring form then asks for its cause (偏差原因)."""
        return self.light in (Light.RED, Light.YELLOW)


@attrs.frozen
class ProjectStatus:
    """A project's 双监控 result at ``as_of``: the lights and the worst of them."""

    project: Project
    as_of: Period
    p: Decimal
    basis: ElapsedBasis
    budget: BudgetStatus
    indicators: tuple[IndicatorStatus, ...]
    light: Light

    @property
    def no_data(self) -> tuple[IndicatorStatus, ...]:
        return tuple(s for s in self.indicators if s.light is Light.NO_DATA)


def light_for_ratio(ratio: Decimal, profile: Profile) -> Light:
    """red < red_below ≤ yellow < green_from ≤ green < blue_from ≤ blue."""
    bands = profile.monitoring
    if ratio < bands.red_below:
        return Light.RED
    if ratio < bands.green_from:
        return Light.YELLOW
    if ratio < bands.blue_from:
        return Light.GREEN
    return Light.BLUE


def elapsed_share(project: Project, as_of: Period, profile: Profile) -> tuple[Decimal, ElapsedBasis]:
    """p: the time share, or in the plan basis the planned release share (time when there is no plan)."""
    if profile.elapsed_basis is ElapsedBasis.PLAN and project.plan.entries and project.budget > 0:
        return project.plan.released_by(as_of.last) / project.budget, ElapsedBasis.PLAN
    return as_of.elapsed, ElapsedBasis.TIME


def assess(progress: Progress, profile: Profile) -> ProjectStatus:
    """The 双监控 lights of one project at ``progress.as_of``: budget, each indicator, the project (worst)."""
    project, as_of = progress.project, progress.as_of
    p, basis = elapsed_share(project, as_of, profile)
    budget = budget_status(project, progress.spent, as_of, p, profile)
    actuals, last_years = progress.actuals, progress.last_year
    indicators = tuple(
        assess_indicator(indicator, actuals.get(indicator.id), last_years.get(indicator.id), p, as_of, profile)
        for indicator in project.indicators
    )
    return project_status(project, as_of, (p, basis), budget, indicators)


def project_status(
    project: Project,
    as_of: Period,
    elapsed: tuple[Decimal, ElapsedBasis],
    budget: BudgetStatus,
    indicators: tuple[IndicatorStatus, ...],
) -> ProjectStatus:
    """A project's lights put together: it takes the worst, unless no indicator has data yet."""
    judged = [s.light for s in indicators if s.light not in (Light.NO_DATA, Light.NOT_APPLICABLE)]
    if indicators and not judged:
        light = Light.NO_DATA if _RANK[budget.light] < _RANK[Light.YELLOW] else budget.light
    else:
        light = max([budget.light, *judged], key=_RANK.__getitem__)
    return ProjectStatus(project, as_of, elapsed[0], elapsed[1], budget, indicators, light)


def assessor(profile: Profile) -> Callable[[Progress], ProjectStatus]:
    """:func:`assess` under ``profile``, as a function of the progress alone (to map over many projects)."""
    return functools.partial(_assess_under, profile)


def _assess_under(profile: Profile, progress: Progress) -> ProjectStatus:
    return assess(progress, profile)


def _likelihood(done: Decimal, target: Decimal, p: Decimal, profile: Profile) -> Likelihood:
    """From the pace the rest of the year would need, relative to the planned pace."""
    if done >= target:
        return Likelihood.CERTAIN
    if p >= 1:
        return Likelihood.IMPOSSIBLE
    catch_up = (target - done) / (target * (1 - p))
    return Likelihood.IMPOSSIBLE if catch_up > profile.monitoring.impossible_catch_up else Likelihood.POSSIBLE


def budget_status(project: Project, spent: Decimal, as_of: Period, p: Decimal, profile: Profile) -> BudgetStatus:
    """预算执行 at ``as_of``: the light of q = execution rate / p, and the rate against the release plan."""
    budget = project.budget
    planned = project.plan.released_by(as_of.last) if project.plan.entries else budget * p
    plan_rate = spent / planned if planned > 0 else None
    against_plan = f"; {show(spent)} of {show(planned)} planned = {show(plan_rate * 100)}%" if plan_rate else ""
    if budget <= 0:
        return BudgetStatus(budget, spent, None, p, None, planned, plan_rate, Light.NOT_APPLICABLE, None, None, "")
    rate = spent / budget
    if p <= 0:
        light = Light.GREEN if spent == 0 else Light.BLUE
        explain = f"nothing planned by {as_of}: spent {show(spent)}"
        return BudgetStatus(budget, spent, rate, p, None, planned, plan_rate, light, None, None, explain)
    q = rate / p
    light = light_for_ratio(q, profile)
    expected = spent / p
    likelihood = _likelihood(spent, budget, p, profile) if light in (Light.RED, Light.YELLOW) else None
    explain = f"q = {show(rate * 100)}% / {show(p * 100)}% = {show(q)}{against_plan}"
    return BudgetStatus(budget, spent, rate, p, q, planned, plan_rate, light, expected, likelihood, explain)


def assess_indicator(
    indicator: Indicator,
    actual: Reading | None,
    last_year: Reading | None,
    p: Decimal,
    as_of: Period,
    profile: Profile,
) -> IndicatorStatus:
    """One indicator's light at ``as_of``, with p the share of the year that should be done."""
    target = indicator.target

    def status(
        light: Light,
        explain: str,
        ratio: Decimal | None = None,
        expected: Decimal | None = None,
        likelihood: Likelihood | None = None,
    ) -> IndicatorStatus:
        if light not in (Light.RED, Light.YELLOW):
            likelihood = None
        return IndicatorStatus(indicator, actual, light, ratio, expected, likelihood, explain)

    if actual is None:
        return _nothing_recorded(indicator, as_of, status)
    if actual.kind is ReadingKind.NOT_APPLICABLE:
        return status(Light.NOT_APPLICABLE, "不适用")
    if actual.kind is ReadingKind.GRADE:
        assert actual.grade is not None
        light = {Grade.ACHIEVED: Light.GREEN, Grade.PARTIAL: Light.YELLOW, Grade.MISSED: Light.RED}[actual.grade]
        likely = Likelihood.IMPOSSIBLE if p >= 1 else Likelihood.POSSIBLE
        return status(light, f"graded {actual.grade.value}", likelihood=likely)
    if actual.kind is ReadingKind.DATE:
        assert actual.date is not None
        due = _due(indicator, as_of)
        if due is None or actual.date <= due:
            return status(Light.GREEN, f"done {actual.date.to_date_string()}")
        return status(
            Light.RED,
            f"done {actual.date.to_date_string()} after {due.to_date_string()}",
            likelihood=Likelihood.IMPOSSIBLE,
        )
    assert actual.number is not None
    value = actual.number
    if target.kind is Kind.TREND:
        if last_year is None or last_year.number is None:
            return status(Light.NO_DATA, f"{value} recorded but no last-year value to compare with")
        before = last_year.number
        if target.downward:
            return _cap(status, value, before, flow=False, p=p, label=f"last year {show(before)}")
        return _level(status, value, before, Op.GT, p, profile, label=f"last year {show(before)}")
    if target.kind is Kind.QUALITATIVE or target.value is None:
        return status(Light.NO_DATA, f"{value} cannot be judged against {target}")
    flow = indicator.aggregate is Aggregate.SUM
    if target.is_reverse or (target.kind is Kind.DURATION and target.op in (Op.LE, Op.LT, Op.EQ)):
        return _cap(status, value, target.value, flow=flow, p=p, label=str(target))
    if flow:
        return _flow(status, value, target.value, p, profile, label=str(target))
    if target.kind is Kind.RANGE and target.upper is not None and value > target.upper:
        ratio = target.upper / value
        light = light_for_ratio(ratio, profile)
        return status(light, f"above {target}: {show(target.upper)} / {show(value)} = {show(ratio)}", ratio, value)
    return _level(status, value, target.value, target.op or Op.GE, p, profile, label=str(target))


class _Make(Protocol):
    """The local ``status(...)`` builder of :func:`assess_indicator`."""

    def __call__(
        self,
        light: Light,
        explain: str,
        ratio: Decimal | None = None,
        expected: Decimal | None = None,
        likelihood: Likelihood | None = None,
    ) -> IndicatorStatus: ...


def _nothing_recorded(indicator: Indicator, as_of: Period, status: _Make) -> IndicatorStatus:
    due = _due(indicator, as_of)
    if due is not None and as_of.end >= due:
        return status(
            Light.RED,
            f"deadline {due.to_date_string()} passed with no completion recorded",
            likelihood=Likelihood.IMPOSSIBLE,
        )
    return status(Light.NO_DATA, f"nothing recorded by {as_of}")


def _due(indicator: Indicator, as_of: Period) -> pendulum.Date | None:
    target = indicator.target
    if target.kind is not Kind.DEADLINE:
        return None
    return due_date(target, as_of.year)


def _flow(status: _Make, value: Decimal, target: Decimal, p: Decimal, profile: Profile, label: str) -> IndicatorStatus:
    """v = cumulative / (T × p); expected year end = cumulative / p."""
    if target <= 0 or p <= 0:
        return status(Light.GREEN, f"{label}: nothing due yet ({show(value)} done)")
    ratio = value / (target * p)
    expected = value / p
    explain = f"v = {show(value)} / ({show(target)} × {show(p)}) = {show(ratio)}; year end ≈ {show(expected)}"
    return status(light_for_ratio(ratio, profile), explain, ratio, expected, _likelihood(value, target, p, profile))


def _level(
    status: _Make, value: Decimal, target: Decimal, op: Op, p: Decimal, profile: Profile, label: str
) -> IndicatorStatus:
    """The latest value against the target: met → green (blue from the blue band), else by the ratio."""
    met = value > target if op is Op.GT else value >= target
    if target <= 0:
        light = Light.GREEN if met else Light.RED
        return status(light, f"{label}: latest {show(value)}", None, value)
    ratio = value / target
    light = light_for_ratio(ratio, profile)
    if met and light in (Light.RED, Light.YELLOW):
        light = Light.GREEN
    if not met and light is Light.BLUE:
        light = Light.GREEN
    if not met and value == target:
        light = Light.YELLOW  # a strict improvement target not yet improved on
    likely = Likelihood.IMPOSSIBLE if p >= 1 else Likelihood.POSSIBLE
    explain = f"{label}: latest {show(value)} / {show(target)} = {show(ratio)}"
    return status(light, explain, ratio, value, likely)


def _cap(status: _Make, value: Decimal, cap: Decimal, *, flow: bool, p: Decimal, label: str) -> IndicatorStatus:
    """A reverse indicator: green while within the cap, else red."""
    expected = value / p if flow and p > 0 else value
    if value <= cap:
        return status(Light.GREEN, f"{label}: {show(value)} within {show(cap)}", None, expected)
    likely = Likelihood.IMPOSSIBLE if flow or p >= 1 else Likelihood.POSSIBLE
    return status(Light.RED, f"{label}: {show(value)} over {show(cap)}", None, expected, likely)


# ---------------------------------------------------------------------------
# The underperformers (绩效较差/需纠偏的项目).


@attrs.frozen
class Reason:
    """Why a project is listed: what pulls it down, and by how much (points lost or money short)."""

    what: str  # indicator id, or "预算执行"
    name: str
    detail: str
    points_lost: Decimal | None = None
    shortfall: Decimal | None = None


@attrs.frozen
class Underperformer:
    """A listed project with its standing (light, or total and grade) and its reasons, worst first."""

    project: Project
    standing: str
    reasons: tuple[Reason, ...]
    total: Decimal | None = None
    light: Light | None = None
    # Its sort key in its list (smaller is worse).
    rank: tuple[Any, ...] = attrs.field(default=(), eq=False, repr=False)


def underperformers_midyear(statuses: Iterable[ProjectStatus]) -> list[Underperformer]:
    """Red projects, then yellow; within a light, most red items, then most yellow, then budget pace."""
    listed = [
        Underperformer(s.project, s.light.value, _midyear_reasons(s), light=s.light, rank=_worst_first(s))
        for s in statuses
        if s.light in (Light.RED, Light.YELLOW)
    ]
    listed.sort(key=_by_rank)
    return listed


def _worst_first(s: ProjectStatus) -> tuple[int, int, int, Decimal]:
    lights = [s.budget.light, *(i.light for i in s.indicators)]
    q = s.budget.q if s.budget.q is not None else Decimal(99)
    return (-_RANK[s.light], -lights.count(Light.RED), -lights.count(Light.YELLOW), q)


def _midyear_reasons(status: ProjectStatus) -> tuple[Reason, ...]:
    reasons: list[Reason] = []
    budget = status.budget
    if budget.light in (Light.RED, Light.YELLOW):
        behind = budget.budget * status.p - budget.spent
        likely = f", {budget.likelihood.value}" if budget.likelihood else ""
        reasons.append(
            Reason("预算执行", "预算执行", f"{budget.light.value}: {budget.explain}{likely}", shortfall=behind)
        )
    for light in (Light.RED, Light.YELLOW):
        for item in status.indicators:
            if item.light is light:
                likely = f", {item.likelihood.value}" if item.likelihood else ""
                shortfall = None
                target = item.indicator.target.value
                if item.expected is not None and target is not None and not item.indicator.target.is_reverse:
                    shortfall = max(target - item.expected, ZERO)
                reasons.append(
                    Reason(
                        item.indicator.id,
                        item.indicator.name,
                        f"{light.value}: {item.explain}{likely}",
                        shortfall=shortfall,
                    )
                )
    if status.no_data:
        # One line for all of them: at mid-year many graded indicators are not yet judged.
        ids = ", ".join(i.indicator.id for i in status.no_data)
        count = len(status.no_data)
        detail = f"nothing usable recorded by {status.as_of} for {count} indicator{'s' * (count > 1)}: {ids}"
        reasons.append(Reason("no data", "no data", detail))
    return tuple(reasons)


def underperformers_year_end(scores: Iterable[ProjectScore], profile: Profile) -> list[Underperformer]:
    """Projects whose total is below the cut-off, with missing data, or with execution below the floor.

    Worst total first; each reason says how many points an indicator or the money lost.
    """
    listed: list[Underperformer] = []
    for score in scores:
        execution = score.execution
        low_execution = execution.rate is not None and execution.rate < profile.execution_floor
        below = score.settled_total < profile.underperforming_below
        if not (below or score.missing or low_execution):
            continue
        reasons: list[Reason] = []
        if execution.points_lost > 0 or low_execution:
            shortfall = execution.budget - execution.spent
            reasons.append(
                Reason(
                    "预算执行", "预算执行", execution.explain, points_lost=execution.points_lost, shortfall=shortfall
                )
            )
        for item in score.indicators:
            if item.status is Status.MISSING:
                reasons.append(
                    Reason(item.indicator.id, item.indicator.name, f"missing: {item.explain}", item.points_lost)
                )
            elif item.points_lost > 0 or item.status is Status.FLAGGED:
                reasons.append(
                    Reason(
                        item.indicator.id, item.indicator.name, f"{item.status.value}: {item.explain}", item.points_lost
                    )
                )
        reasons.sort(key=lambda r: -(r.points_lost or ZERO))
        standing = f"{show(score.total)} {score.grade.value}"
        labels = [
            label
            for label, hit in (
                (f"below {show(profile.underperforming_below)}", below),
                ("missing data", bool(score.missing)),
                (f"execution below {show(profile.execution_floor * 100)}%", low_execution),
            )
            if hit
        ]
        why = f"{standing} ({'; '.join(labels)})"
        listed.append(Underperformer(score.project, why, tuple(reasons), score.total, rank=(score.total,)))
    listed.sort(key=_by_rank)
    return listed


def _by_rank(item: Underperformer) -> tuple[Any, ...]:
    return item.rank
