"""The year-end self-evaluation (单位自评, 项目支出绩效自评表): pure scoring functions.

:func:`evaluate` turns one project's recorded year (:class:`~kpitrack.readings.Progress`)
into a :class:`ProjectScore` out of 100: the budget-execution row (预算执行率), one
:class:`IndicatorScore` per indicator (分值, 得分) with the method used and a one-line
explanation of the arithmetic, the total and the grade (优/良/中/差).  Every number
and variant comes from a :class:`~kpitrack.profile.Profile`; the formulas are those
of ``domain.md`` §5.  Computation is exact (Decimal); display rounds (:mod:`kpitrack.numbers`),
and a profile may round each row's score before the total (``row_rounding``, a province's rule).
A project's own scoring section (its printed weights) is laid over the profile first.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal
from typing import TypeVar

import attrs
import pendulum

from kpitrack.model import Indicator, Project
from kpitrack.numbers import SETTLED, show
from kpitrack.periods import due_date
from kpitrack.profile import ExactVariant, Halves, Profile, Rating, ReverseVariant, RowRounding
from kpitrack.readings import Grade, Progress, Reading, ReadingKind
from kpitrack.thresholds import Kind, Op, Threshold, convert, duration_step

__all__ = [
    "ExecutionScore",
    "IndicatorScore",
    "Method",
    "ProjectScore",
    "Status",
    "evaluate",
    "evaluator",
    "indicator_weights",
    "round_row",
    "score_execution",
    "score_indicator",
]

ZERO, HUNDRED = Decimal(0), Decimal(100)


class Status(enum.Enum):
    """The outcome of one indicator (完成情况)."""

    MET = "met"
    MISSED = "missed"
    MISSING = "missing"  # no usable actual: missing data, not a miss
    NOT_APPLICABLE = "not_applicable"
    FLAGGED = "flagged"  # over-achievement, exact mismatch, or no strict improvement: needs an explanation


class Method(enum.Enum):
    """Which rule scored an indicator."""

    FORWARD = "forward"
    REVERSE = "reverse"
    ZERO = "zero"
    EXACT = "exact"
    RANGE = "range"
    GRADED = "graded"
    TREND = "trend"  # measured against last year's actual
    TREND_GRADED = "trend-graded"
    DEADLINE = "deadline"
    DURATION = "duration"
    NOT_APPLICABLE = "not-applicable"
    MISSING = "missing"


@attrs.frozen
class IndicatorScore:
    """One row of the 自评表: weight (分值), actual (实际完成值), score (得分) and why."""

    indicator: Indicator
    actual: Reading | None
    weight: Decimal
    score: Decimal
    status: Status
    method: Method
    explain: str
    flags: tuple[str, ...] = ()
    last_year: Reading | None = None

    @property
    def points_lost(self) -> Decimal:
        """Weight not earned; zero for a not-applicable indicator (it is excluded)."""
        return ZERO if self.status is Status.NOT_APPLICABLE else self.weight - self.score

    @property
    def needs_explanation(self) -> bool:
        """Scores below its weight or is flagged: needs 偏差原因分析及改进措施."""
        return self.status is Status.FLAGGED or self.points_lost > 0


@attrs.frozen
class ExecutionScore:
    """The budget-execution row (预算执行率): 全年执行数 / 全年预算数 × weight, capped at the weight."""

    budget: Decimal
    spent: Decimal
    rate: Decimal | None  # None when the budget is zero: the row is not applicable
    score: Decimal
    explain: str
    weight: Decimal = Decimal(10)

    @property
    def points_lost(self) -> Decimal:
        return ZERO if self.rate is None else self.weight - self.score


@attrs.frozen
class ProjectScore:
    """A project's self-evaluation: total out of 100 and its grade (自评得分, 等级).

    ``rescaled_from`` is the weight that was available when not-applicable
    indicators or empty tiers were excluded (e.g. 90), and None when nothing was.
    """

    project: Project
    total: Decimal
    grade: Rating
    execution: ExecutionScore
    indicators: tuple[IndicatorScore, ...]
    rescaled_from: Decimal | None = None
    explain: str = ""

    @property
    def project_id(self) -> str:
        return self.project.id

    @property
    def settled_total(self) -> Decimal:
        """The total at the precision that grades and cut-offs compare (see ``SETTLED``)."""
        return self.total.quantize(SETTLED)

    @property
    def missing(self) -> tuple[IndicatorScore, ...]:
        return tuple(i for i in self.indicators if i.status is Status.MISSING)


# ---------------------------------------------------------------------------
# The pipeline: weights → indicators → execution → total.


def evaluate(progress: Progress, profile: Profile) -> ProjectScore:
    """Score one project's year (单位自评) under ``profile``: weights → indicators → execution → total.

    The project's own scoring section (``Project.scoring``: the weights its table
    prints) is laid over ``profile`` first; each row is then rounded by the profile's
    ``row_rounding`` before the total.
    """
    project = progress.project
    profile = profile.for_project(project.scoring)
    weights = indicator_weights(project, profile)
    year, start, rule = project.year, project.start, profile.row_rounding
    scores = tuple(
        round_row(
            score_indicator(
                indicator,
                progress.actuals.get(indicator.id),
                progress.last_year.get(indicator.id),
                weights[indicator.id],
                profile,
                year=year,
                start=start,
            ),
            rule,
        )
        for indicator in project.indicators
    )
    execution = round_row(score_execution(project.budget, progress.spent, profile), rule)
    return _total(project, execution, scores, profile)


_HALVES = {Halves.HALF_UP: ROUND_HALF_UP, Halves.HALF_DOWN: ROUND_HALF_DOWN}
_Row = TypeVar("_Row", "IndicatorScore", "ExecutionScore")


def round_row(row: _Row, rule: RowRounding) -> _Row:
    """A row's score (得分) rounded as the profile says (2, 1 or 0 places; half up or down), the rounding explained.

    The exact score is settled first (as totals are), so a score that is exactly
    8.25 rounds as 8.25 does, whatever digits 28-digit division left.
    """
    if rule.places is None:
        return row
    exact = row.score.quantize(SETTLED)
    score = exact.quantize(Decimal(1).scaleb(-rule.places), rounding=_HALVES[rule.halves])
    if score == exact:
        return attrs.evolve(row, score=score)
    explain = f"{row.explain}; row rounded ({rule}): {format(exact.normalize(), 'f')} → {format(score, 'f')}"
    return attrs.evolve(row, score=score, explain=explain)


def evaluator(profile: Profile) -> Callable[[Progress], ProjectScore]:
    """:func:`evaluate` under ``profile``, as a function of the progress alone (to map over many projects)."""
    return functools.partial(_evaluate_under, profile)


def _evaluate_under(profile: Profile, progress: Progress) -> ProjectScore:
    return evaluate(progress, profile)


def indicator_weights(project: Project, profile: Profile) -> Mapping[str, Decimal]:
    """Each indicator's weight (分值): its own when given, else its tier's remainder split equally.

    An indicator counts in its level 2's tier (``Profile.tier_of``); one whose tier is
    not a tier of the profile weighs nothing (``check`` reports it).  Exact division:
    50 / 6 stays 8.333…; only display (or the profile's row rounding) rounds.
    """
    tier_weights = profile.tier_weights
    tiers: dict[str, list[Indicator]] = {}  # the members of each tier, in one pass
    weights: dict[str, Decimal] = {}
    for indicator in project.indicators:
        tier = profile.tier_of(indicator)
        if tier in tier_weights:
            tiers.setdefault(tier, []).append(indicator)
        else:
            weights[indicator.id] = ZERO
    for tier, tier_weight in tier_weights.items():
        members = tiers.get(tier, ())
        given, unweighted = ZERO, 0
        for indicator in members:
            if indicator.weight is None:
                unweighted += 1
            else:
                given += indicator.weight
        share = max(tier_weight - given, ZERO) / unweighted if unweighted else ZERO
        for indicator in members:
            weights[indicator.id] = share if indicator.weight is None else indicator.weight
    return weights


def score_execution(budget: Decimal, spent: Decimal, profile: Profile) -> ExecutionScore:
    """预算执行率: rate = spent / budget; score = weight × min(rate, 1)."""
    weight = profile.execution_weight
    if budget <= 0:
        return ExecutionScore(budget, spent, None, ZERO, "no budget: execution not applicable", weight)
    rate = spent / budget
    score = weight * min(rate, Decimal(1))
    explain = f"{show(spent)} / {show(budget)} = {show(rate * 100)}%"
    explain += f" → full {show(weight)}" if rate >= 1 else f" × {show(weight)} = {show(score)}"
    return ExecutionScore(budget, spent, rate, score, explain, weight)


def _total(
    project: Project, execution: ExecutionScore, scores: tuple[IndicatorScore, ...], profile: Profile
) -> ProjectScore:
    """Sum of the scores, rescaled to 100 over the weight actually in play.

    Not-applicable indicators, tiers without indicators (``check`` flags those) and
    a zero budget take their weight out of play; the total is then the sum × 100 /
    the remaining weight, and the explanation says what was excluded.
    """
    excluded: list[str] = []
    raw = available = ZERO  # the sums of the scores and weights in play
    for item in scores:
        if item.status is not Status.NOT_APPLICABLE:
            raw += item.score
            available += item.weight
        elif item.weight > 0:
            excluded.append(f"{item.indicator.id} 不适用 {show(item.weight)}")
    present = {profile.tier_of(indicator) for indicator in project.indicators}
    for tier, tier_weight in profile.tier_weights.items():
        if tier_weight > 0 and tier not in present:
            excluded.append(f"no {tier} {show(tier_weight)}")
    if execution.rate is None and execution.weight > 0:
        excluded.append(f"预算执行率 {show(execution.weight)}")
    if execution.rate is not None:
        raw += execution.score
        available += execution.weight
    # A tier split equally (50 / 7) has shares that are not finite decimals: 28-digit
    # arithmetic leaves seven full shares at 49.99…9.  Decisions (whether anything is
    # rescaled, which grade) are taken on values settled far below any displayed digit,
    # so that they follow what the rules mean: all weights in play make exactly 100, and
    # a total of exactly 90 is 优.  The total itself keeps its full precision.
    settled = available.quantize(SETTLED)
    if settled <= 0:
        return ProjectScore(
            project, ZERO, profile.rating(ZERO), execution, scores, settled, "nothing applicable to score"
        )
    # The total is settled too: the exact sum of exact scores, which 28-digit arithmetic
    # can leave a hair below a half cent (94.7649…9 for an exact 94.765); settled, it
    # rounds at display as the exact value does (94.77), here and in the explanation.
    # Always over the sum in play, settled or not: a fully met project is exactly 100 even
    # when its shares are 50/7, and no total exceeds 100 (no score exceeds its weight).
    settled_raw = raw.quantize(SETTLED)
    if settled == HUNDRED:
        total = settled_raw
        rescaled, explain = None, f"sum {show(settled_raw)}"
    else:
        total = (raw * HUNDRED / available).quantize(SETTLED)
        rescaled = settled
        why = f"excluded: {', '.join(excluded)}" if excluded else "the weights given do not make 100"
        explain = (
            f"sum {show(settled_raw)} of {show(available)} ({why}) → {show(settled_raw)} × 100 / {show(available)} "
            f"= {show(total)}"
        )
    return ProjectScore(project, total, profile.rating(total), execution, scores, rescaled, explain)


# ---------------------------------------------------------------------------
# One indicator.


@attrs.define  # made for each distinct case of a province and never changed; frozen would cost its setattr
class _Case:
    """What a scoring rule needs: the indicator, its weight, the profile and the dates."""

    indicator: Indicator
    weight: Decimal
    profile: Profile
    year: int | None
    start: pendulum.Date | None
    last_year: Reading | None = None

    @property
    def target(self) -> Threshold:
        return self.indicator.target

    def result(
        self,
        actual: Reading | None,
        score: Decimal,
        status: Status,
        method: Method,
        explain: str,
        flags: tuple[str, ...] = (),
    ) -> IndicatorScore:
        return IndicatorScore(
            self.indicator, actual, self.weight, score, status, method, explain, flags, self.last_year
        )


def score_indicator(
    indicator: Indicator,
    actual: Reading | None,
    last_year: Reading | None,
    weight: Decimal,
    profile: Profile,
    *,
    year: int | None = None,
    start: pendulum.Date | None = None,
) -> IndicatorScore:
    """Score one indicator's year actual against its target (one row of the 自评表).

    ``year`` is the budget year (for deadlines without a year of their own) and
    ``start`` the project's start date (durations count from it, else from 1 January).
    """
    if actual is None:
        return IndicatorScore(
            indicator, None, weight, ZERO, Status.MISSING, Method.MISSING, "no actual recorded: missing data, scores 0"
        )
    if actual.kind is ReadingKind.NOT_APPLICABLE:
        return IndicatorScore(
            indicator,
            actual,
            weight,
            ZERO,
            Status.NOT_APPLICABLE,
            Method.NOT_APPLICABLE,
            "不适用: excluded, total rescaled",
        )
    # The case carries last year's reading, so every rule's result records it.
    case = _Case(indicator, weight, profile, year, start, last_year)
    return _BY_KIND[indicator.target.kind](case, actual, last_year)


def _unusable(case: _Case, actual: Reading, wanted: str) -> IndicatorScore:
    return case.result(
        actual,
        ZERO,
        Status.MISSING,
        Method.MISSING,
        f"{actual} cannot score target {case.target}: {wanted}; scores 0 as missing data",
    )


def _number(case: _Case, actual: Reading) -> Decimal:
    """The actual in the target's unit (units of one family convert exactly: 元/万元/亿元, m/km)."""
    assert actual.number is not None
    target_unit = case.target.unit
    converted = convert(actual.number, actual.unit, target_unit) if actual.unit and target_unit else None
    return actual.number if converted is None else converted


def _score_compare(case: _Case, actual: Reading, last_year: Reading | None) -> IndicatorScore:
    if actual.kind is not ReadingKind.NUMBER:
        return _unusable(case, actual, "it needs a measured number")
    target = case.target
    assert target.op is not None and target.value is not None
    value = _number(case, actual)
    if target.is_reverse:
        if target.value <= 0:
            return _zero(case, actual, value)
        return _reverse(case, actual, value, target.value, target.op, str(target), Method.REVERSE)
    return _forward(case, actual, value, target.value, target.op, str(target), Method.FORWARD, over=True)


def _forward(
    case: _Case,
    actual: Reading,
    value: Decimal,
    target: Decimal,
    op: Op,
    label: str,
    method: Method,
    *,
    over: bool,
) -> IndicatorScore:
    """A ≥ T → full; else weight × A / T.  No bonus; A ≥ factor × T is flagged."""
    w = case.weight
    strict = op is Op.GT
    if value > target or (value == target and not strict):
        flags: tuple[str, ...] = ()
        factor = case.profile.over_achievement
        if over and target > 0 and value >= factor * target:
            flags = (
                f"over-achievement: {show(value)} ≥ {show(factor)} × {show(target)}; "
                "explain, or the evaluator reduces the score",
            )
        status = Status.FLAGGED if flags else Status.MET
        return case.result(
            actual, w, status, method, f"{label}: {show(value)} ≥ {show(target)} → full {show(w)}", flags
        )
    if value == target:  # strict > not met at equality
        flag = f"{show(value)} = {show(target)}: {label} needs strictly more; the evaluator decides"
        return case.result(
            actual, w, Status.FLAGGED, method, f"{label}: {show(value)} = {show(target)} → {show(w)}", (flag,)
        )
    if target <= 0:
        return case.result(actual, ZERO, Status.MISSED, method, f"{label}: {show(value)} < {show(target)} → 0")
    score = w * value / target
    return case.result(
        actual, score, Status.MISSED, method, f"{show(value)} / {show(target)} × {show(w)} = {show(score)}"
    )


def _reverse(
    case: _Case, actual: Reading, value: Decimal, target: Decimal, op: Op, label: str, method: Method
) -> IndicatorScore:
    """A ≤ T → full; else weight × T / A (variant linear: weight × (1 − (A − T) / T), floored at 0)."""
    w = case.weight
    strict = op is Op.LT
    if value < target or (value == target and not strict):
        return case.result(actual, w, Status.MET, method, f"{label}: {show(value)} ≤ {show(target)} → full {show(w)}")
    if value == target:
        flag = f"{show(value)} = {show(target)}: {label} needs strictly less; the evaluator decides"
        return case.result(
            actual, w, Status.FLAGGED, method, f"{label}: {show(value)} = {show(target)} → {show(w)}", (flag,)
        )
    if target <= 0:
        return _zero(case, actual, value)
    if case.profile.reverse is ReverseVariant.LINEAR:
        score = max(w * (1 - (value - target) / target), ZERO)
        explain = f"(1 − ({show(value)} − {show(target)}) / {show(target)}) × {show(w)} = {show(score)}"
    else:
        score = w * target / value
        explain = f"{show(target)} / {show(value)} × {show(w)} = {show(score)}"
    return case.result(actual, score, Status.MISSED, method, explain)


def _zero(case: _Case, actual: Reading, value: Decimal) -> IndicatorScore:
    """A zero target (≤0, e.g. complaints): full if A ≤ 0, else 0."""
    w = case.weight
    if value <= 0:
        return case.result(actual, w, Status.MET, Method.ZERO, f"≤0: {show(value)} ≤ 0 → full {show(w)}")
    return case.result(actual, ZERO, Status.MISSED, Method.ZERO, f"≤0: {show(value)} > 0 → 0")


def _score_exact(case: _Case, actual: Reading, last_year: Reading | None) -> IndicatorScore:
    """= T: scored as forward, A ≠ T flagged; variant strict: full only when equal, else 0."""
    if actual.kind is not ReadingKind.NUMBER:
        return _unusable(case, actual, "it needs a measured number")
    target = case.target
    assert target.value is not None
    value, w = _number(case, actual), case.weight
    if target.value == 0:  # =0 (no accidents): a zero target, full only at 0
        if value == 0:
            return case.result(actual, w, Status.MET, Method.ZERO, f"{target}: {show(value)} = 0 → full {show(w)}")
        return case.result(actual, ZERO, Status.MISSED, Method.ZERO, f"{target}: {show(value)} ≠ 0 → 0")
    if value == target.value:
        return case.result(
            actual, w, Status.MET, Method.EXACT, f"{target}: {show(value)} = {show(target.value)} → full {show(w)}"
        )
    if case.profile.exact is ExactVariant.STRICT:
        return case.result(
            actual, ZERO, Status.MISSED, Method.EXACT, f"{target} (strict): {show(value)} ≠ {show(target.value)} → 0"
        )
    scored = _forward(case, actual, value, target.value, Op.GE, str(target), Method.EXACT, over=False)
    flag = f"{show(value)} ≠ {show(target.value)}: an equality target missed exactly; explain"
    return attrs.evolve(scored, status=Status.FLAGGED, flags=(*scored.flags, flag))


def _score_range(case: _Case, actual: Reading, last_year: Reading | None) -> IndicatorScore:
    """a–b: full inside; weight × A / a below; weight × b / A above."""
    if actual.kind is not ReadingKind.NUMBER:
        return _unusable(case, actual, "it needs a measured number")
    target = case.target
    assert target.value is not None and target.upper is not None
    value, w, low, high = _number(case, actual), case.weight, target.value, target.upper
    if low <= value <= high:
        return case.result(
            actual, w, Status.MET, Method.RANGE, f"{target}: {show(low)} ≤ {show(value)} ≤ {show(high)} → full"
        )
    if value < low:
        score = w * value / low
        explain = f"below {target}: {show(value)} / {show(low)} × {show(w)} = {show(score)}"
    else:
        score = w * high / value
        explain = f"above {target}: {show(high)} / {show(value)} × {show(w)} = {show(score)}"
    return case.result(actual, score, Status.MISSED, Method.RANGE, explain)


def _graded(case: _Case, actual: Reading, method: Method, prefix: str = "") -> IndicatorScore:
    """A grade with an optional score in its band; without one, the profile's default share."""
    assert actual.grade is not None
    profile, w, grade = case.profile, case.weight, actual.grade
    flags: tuple[str, ...] = ()
    if actual.score is not None and profile.in_band(grade, actual.score):
        share, label = actual.score, f"{grade.value} {show(actual.score)}%"
    else:
        share = profile.grade_defaults[grade]
        label = f"{grade.value} (default {show(share)}%)"
        if actual.score is not None:
            low, high = profile.grade_bands[grade]
            flags = (
                f"recorded score {show(actual.score)} is outside the band [{show(low)}, {show(high)}] "
                f"of {grade.value} in this profile; the default {show(share)}% is used",
            )
    score = w * share / HUNDRED
    status = Status.FLAGGED if flags else (Status.MET if grade is Grade.ACHIEVED else Status.MISSED)
    return case.result(actual, score, status, method, f"{prefix}{label} × {show(w)} = {show(score)}", flags)


def _score_qualitative(case: _Case, actual: Reading, last_year: Reading | None) -> IndicatorScore:
    if actual.kind is not ReadingKind.GRADE:
        return _unusable(case, actual, "a qualitative target takes a grade (达成/部分达成/未达成)")
    return _graded(case, actual, Method.GRADED)


def _score_trend(case: _Case, actual: Reading, last_year: Reading | None) -> IndicatorScore:
    """Against last year's measured value when both years are recorded, else from the grade."""
    target = case.target
    if actual.kind is ReadingKind.GRADE:
        why = "no measured values of both years" if last_year is None else "graded this year"
        return _graded(case, actual, Method.TREND_GRADED, prefix=f"{target} ({why}): ")
    if actual.kind is not ReadingKind.NUMBER:
        return _unusable(case, actual, "a trend takes a measured value or a grade")
    if last_year is None or last_year.kind is not ReadingKind.NUMBER or last_year.number is None:
        return _unusable(case, actual, "no last-year value to compare with and no grade recorded")
    value, before = _number(case, actual), last_year.number
    label = f"{target} vs last year {show(before)}"
    if target.downward:
        return _reverse(case, actual, value, before, Op.LT, label, Method.TREND)
    return _forward(case, actual, value, before, Op.GT, label, Method.TREND, over=False)


def _score_deadline(case: _Case, actual: Reading, last_year: Reading | None) -> IndicatorScore:
    """Done by the deadline → full; a grade → graded; a completion after the deadline → 0."""
    if actual.kind is ReadingKind.GRADE:
        return _graded(case, actual, Method.GRADED, prefix=f"{case.target}: ")
    if actual.kind is not ReadingKind.DATE or actual.date is None:
        return _unusable(case, actual, "a deadline takes a completion date or a grade")
    target = case.target
    due = due_date(target, case.year or actual.date.year)
    return _by_date(case, actual, actual.date, due, Method.DEADLINE)


def _by_date(case: _Case, actual: Reading, done: pendulum.Date, due: pendulum.Date, method: Method) -> IndicatorScore:
    w = case.weight
    if done <= due:
        explain = f"{case.target}: done {done.to_date_string()} ≤ {due.to_date_string()} → full {show(w)}"
        return case.result(actual, w, Status.MET, method, explain)
    explain = f"{case.target}: done {done.to_date_string()} after {due.to_date_string()}, no grade → 0"
    return case.result(actual, ZERO, Status.MISSED, method, explain)


def _score_duration(case: _Case, actual: Reading, last_year: Reading | None) -> IndicatorScore:
    """Within T months (or days) → full; a grade → graded; otherwise 0 with the reason.

    A duration to reach at least (≥12个月 of service) scores as forward instead.
    """
    target = case.target
    assert target.op is not None and target.value is not None
    if actual.kind is ReadingKind.GRADE:
        return _graded(case, actual, Method.GRADED, prefix=f"{target}: ")
    if actual.kind is ReadingKind.DATE and actual.date is not None:
        begin = case.start or pendulum.date(case.year or actual.date.year, 1, 1)
        step = duration_step(target.unit)
        if step is None:
            return _unusable(case, actual, f"a duration in {target.unit} takes the time it took, not a date")
        amount = int(target.value) * step[1]
        due = begin.add(days=amount) if step[0] == "days" else begin.add(months=amount).subtract(days=1)
        return _by_date(case, actual, actual.date, due, Method.DURATION)
    if actual.kind is not ReadingKind.NUMBER:
        return _unusable(case, actual, "a duration takes a number of months, a completion date or a grade")
    value, w = _number(case, actual), case.weight
    if target.op in (Op.GE, Op.GT):
        return _forward(case, actual, value, target.value, target.op, str(target), Method.DURATION, over=False)
    within = value < target.value if target.op is Op.LT else value <= target.value
    if within:
        explain = f"{target}: {show(value)} ≤ {show(target.value)} → full {show(w)}"
        return case.result(actual, w, Status.MET, Method.DURATION, explain)
    explain = f"{target}: took {show(value)}{target.unit} > {show(target.value)}, no grade → 0"
    return case.result(actual, ZERO, Status.MISSED, Method.DURATION, explain)


_BY_KIND: dict[Kind, Callable[[_Case, Reading, Reading | None], IndicatorScore]] = {
    Kind.COMPARE: _score_compare,
    Kind.EXACT: _score_exact,
    Kind.RANGE: _score_range,
    Kind.QUALITATIVE: _score_qualitative,
    Kind.TREND: _score_trend,
    Kind.DEADLINE: _score_deadline,
    Kind.DURATION: _score_duration,
}
