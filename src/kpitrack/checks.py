"""Validation of goal tables (绩效目标审核): what a finance officer would catch before approving.

Each check is a small named function ``(projects) -> Iterable[Problem]`` (those that
judge by the indicator tree and weights take the profile too); :func:`validate` runs
them all.  A project's own scoring section is laid over the profile for its checks,
as for its score.  Problems are located as ``<source>: indicators[12]``, where the
source is the project's :attr:`~kpitrack.model.Project.source` (the goal file it was
read from) and indices count from 0 in the project's indicator order.  Errors make
``kpitrack check`` fail; warnings point at what looks wrong but may be intended.

The checks:

- duplicate project ids (same id and year) and duplicate indicator ids in a project;
- indicator weights (分值): if one indicator of a level-1 tier has a weight, all must,
  and they must add up to the tier's weight (产出 50, 效益 30, 满意度 10 by default);
- the fund plan (资金分配情况) must add up to the budget, and use either quarters or
  half-years; 财政拨款 + 其他资金 must make the budget when given;
- cost caps (成本指标 with ≤ in money) adding up to more than the budget (warning);
- a cap (≤, <) on a count, which is normally a minimum (warning: likely a typo for ≥);
- missing level-1 categories and unknown level-2 names (warnings), an indicator
  printed under another level 1 than its level 2's (warning: it is scored under its
  level 2's tier), a deadline in another year than the project's (warning);
- a goal table's own scoring section (``[scoring]``): tiers the profile knows (or
  that the table declares), no negative weight; weights that do not make 100 with it
  (70/20/10 + 10) warn that the total is rescaled;
- every target reading that was inferred rather than written (a direction from the
  category, a unit from the name, a number from a sentence): a note to confirm;
- an indicator whose id or name is a word reserved for the budget row (预算执行,
  资金执行, 项目资金): its explanations would be the budget's (warning).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal

from kpitrack.explanations import BUDGET, is_budget
from kpitrack.model import Indicator, Project
from kpitrack.problems import Problem, Severity, has_errors
from kpitrack.profile import DEFAULT, Profile
from kpitrack.profile import validate as validate_profile
from kpitrack.thresholds import MONEY_UNITS, Kind, Op, UnitFamily, format_decimal, unit_family

__all__ = ["CHECKS", "REVERSE_NAME_WORDS", "Check", "Validation", "validate"]

# Words in an indicator's name that make smaller counts better (complaints, accidents,
# failures …): a ≤ on such a count is meant, not a typo.
REVERSE_NAME_WORDS = (
    "投诉",
    "事故",
    "死亡",
    "伤亡",
    "故障",
    "违法",
    "违规",
    "违纪",
    "不合格",
    "差错",
    "失误",
    "超标",
    "损失",
    "逾期",
    "退回",
    "上访",
    "信访",
    "纠纷",
    "发生",
    "事件",
)

Check = Callable[[Sequence[Project]], Iterable[Problem]]


def validate(projects: Sequence[Project], profile: Profile = DEFAULT) -> list[Problem]:
    """Every problem the checks find in ``projects`` under ``profile``, in check order."""
    return [problem for check in _checks(profile) for problem in check(projects)]


def _checks(profile: Profile) -> list[Check]:
    """:data:`CHECKS`, with the profile given to those that judge by it, then the weights and scoring sections."""
    by_tree: dict[Check, Check] = {
        check_level1_present: functools.partial(check_level1_present, profile=profile),
        check_levels: functools.partial(check_levels, profile=profile),
    }
    return [
        *(by_tree.get(check, check) for check in CHECKS),
        functools.partial(check_weights, profile=profile),
        functools.partial(check_project_scoring, profile=profile),
    ]


class Validation:
    """:func:`validate` for projects that arrive in batches, as a province streamed into the store.

    :meth:`check` each batch as it comes; :attr:`problems` then lists every problem in
    the order :func:`validate` gives for all the projects at once (check by check).
    Duplicate project ids are found across batches (it remembers each id and where it
    was, not the project); every other check looks at one project at a time.
    """

    def __init__(self, profile: Profile = DEFAULT) -> None:
        first: dict[tuple[str, int], str] = {}
        duplicates = functools.partial(_duplicate_projects, first=first)
        self._checks: list[Check] = [
            duplicates if check is check_duplicate_projects else check for check in _checks(profile)
        ]
        self._found: list[list[Problem]] = [[] for _ in self._checks]

    def check(self, batch: Sequence[Project]) -> bool:
        """Run every check on ``batch``; True if it found an error."""
        errors = False
        for check, found in zip(self._checks, self._found, strict=True):
            before = len(found)
            found.extend(check(batch))
            errors = errors or has_errors(found[before:])
        return errors

    @property
    def problems(self) -> list[Problem]:
        return [problem for found in self._found for problem in found]


def _where(project: Project, index: int | None = None) -> str:
    base = project.source or f"project {project.id}"
    return base if index is None else f"{base}: indicators[{index}]"


def _money(value: Decimal) -> str:
    return f"{format_decimal(value)} 万元"


def check_duplicate_projects(projects: Sequence[Project]) -> Iterator[Problem]:
    """The same project id twice in one year (two files describing one project)."""
    return _duplicate_projects(projects, {})


def _duplicate_projects(projects: Sequence[Project], first: dict[tuple[str, int], str]) -> Iterator[Problem]:
    """Duplicates of the projects already in ``first`` ((id, year) → where), which it learns the new ones into."""
    for project in projects:
        key = (project.id, project.year)
        if key in first:
            yield Problem(
                _where(project), f"duplicate project id {project.id!r} ({project.year}), also in {first[key]}"
            )
        else:
            first[key] = _where(project)


def check_duplicate_indicators(projects: Sequence[Project]) -> Iterator[Problem]:
    for project in projects:
        seen: dict[str, int] = {}
        for index, indicator in enumerate(project.indicators):
            if indicator.id in seen:
                yield Problem(
                    _where(project, index),
                    f"duplicate indicator id {indicator.id!r}, also indicators[{seen[indicator.id]}]",
                )
            else:
                seen[indicator.id] = index


def check_weights(projects: Sequence[Project], profile: Profile = DEFAULT) -> Iterator[Problem]:
    """Weights (分值) inside a level-1 tier: all or none, adding up to the tier's weight.

    The tiers are the profile's with the project's own scoring section over them, and
    an indicator counts in its level 2's tier (:meth:`Profile.tier_of`), as in scoring.
    """
    for project in projects:
        if all(i.weight is None for i in project.indicators):
            continue  # most goal tables give no weights: nothing to check
        tree = profile.for_project(project.scoring)
        tiers = [tree.tier_of(i) for i in project.indicators]
        for level1 in dict.fromkeys(tiers):
            tier = [(index, i) for index, i in enumerate(project.indicators) if tiers[index] == level1]
            weighted = [(index, i) for index, i in tier if i.weight is not None]
            if not weighted:
                continue
            missing = [f"indicators[{index}] ({i.id})" for index, i in tier if i.weight is None]
            if missing:
                yield Problem(
                    _where(project),
                    f"{level1}: some indicators have a weight and {', '.join(missing)} do not; give all or none",
                )
                continue
            total = sum((i.weight for _, i in weighted if i.weight is not None), Decimal(0))
            expected = tree.tier_weights.get(level1)
            if expected is not None and total != expected:
                yield Problem(
                    _where(project),
                    f"{level1}: indicator weights add up to {format_decimal(total)}, "
                    f"expected the tier weight {format_decimal(expected)}",
                )


def check_project_scoring(projects: Sequence[Project], profile: Profile = DEFAULT) -> Iterator[Problem]:
    """A goal table's own scoring section: tiers the profile has (or the table declares), no negative weight.

    Weights that do not make 100 (a table printed with 产出 70 / 效益 20 / 满意度 10
    plus 10 for execution) are a warning: the rows score as printed and the total is
    rescaled to 100, as when weights are out of play.
    """
    for project in projects:
        scoring = project.scoring
        if not scoring:
            continue
        declared = set(scoring.level2.values())
        unknown = [name for name in scoring.tiers if name not in profile.tier_weights and name not in declared]
        for name in unknown:
            yield Problem(
                f"{_where(project)}: scoring.tiers.{name}",
                f"unknown tier; the profile's are {', '.join(profile.tier_weights)} "
                '(a tier of the table\'s own is a table: { weight = 20, level2 = ["…"] })',
            )
        if unknown:
            continue
        tree = profile.for_project(scoring)
        for problem in validate_profile(tree):
            if problem.where == "scoring.tiers":  # the sum: printed tables may make 110 (70/20/10 + 10)
                yield Problem(
                    f"{_where(project)}: scoring",
                    f"the table's weights make {format_decimal(tree.total_weight)}, not 100: its total is rescaled "
                    f"to 100 (× 100 / {format_decimal(tree.total_weight)})",
                    Severity.WARNING,
                )
            elif problem.where.startswith(("scoring.tiers.", "scoring.execution")):
                yield problem.at(_where(project))


def check_plan_total(projects: Sequence[Project]) -> Iterator[Problem]:
    """The fund-release plan (资金分配情况) releases the whole budget."""
    for project in projects:
        if not project.plan.entries:
            yield Problem(_where(project), "no fund plan (资金分配情况)", Severity.WARNING)
        elif project.plan.total != project.budget:
            yield Problem(
                _where(project),
                f"the fund plan adds up to {_money(project.plan.total)}, but the budget is {_money(project.budget)}",
            )


def check_plan_keys(projects: Sequence[Project]) -> Iterator[Problem]:
    """A plan is by quarter (Q1..Q4) or by half-year (H1, H2), not both."""
    for project in projects:
        keys = [key for key, _ in project.plan]
        if any(k.startswith("Q") for k in keys) and any(k.startswith("H") for k in keys):
            yield Problem(
                _where(project),
                f"the fund plan mixes quarters and half-years ({', '.join(keys)}); use one or the other",
            )


def check_funding_split(projects: Sequence[Project]) -> Iterator[Problem]:
    """本年财政拨款 + 上年结转资金 + 其他资金 = 年度资金总额, when the split is given."""
    for project in projects:
        sources = [("fiscal", project.fiscal), ("carryover", project.carryover), ("other", project.other)]
        if all(amount is None for _, amount in sources):
            continue
        # Without a carry-over the message reads as before: fiscal + other.
        shown = [(name, amount or Decimal(0)) for name, amount in sources if name != "carryover" or amount is not None]
        total = sum((amount for _, amount in shown), Decimal(0))
        if total != project.budget:
            parts = " + ".join(f"{name} {format_decimal(amount)}" for name, amount in shown)
            yield Problem(_where(project), f"{parts} = {_money(total)}, but the budget is {_money(project.budget)}")


def _cost_cap(indicator: Indicator) -> Decimal | None:
    """A cost indicator's cap in 万元, when it is one (``≤25万元``, bare ``25万元`` under 成本指标)."""
    target = indicator.target
    if not indicator.is_cost or target.kind is not Kind.COMPARE or target.op not in (Op.LE, Op.LT):
        return None
    unit = target.unit or indicator.unit
    if target.value is None or unit not in MONEY_UNITS:
        return None
    return target.value * MONEY_UNITS[unit]


def check_cost_caps(projects: Sequence[Project]) -> Iterator[Problem]:
    """Cost caps (成本指标) that add up to more than the budget cannot all be spent."""
    for project in projects:
        caps = [cap for i in project.indicators if i.is_cost and (cap := _cost_cap(i)) is not None]
        total = sum(caps, Decimal(0))
        if total > project.budget:
            yield Problem(
                _where(project),
                f"成本指标 caps add up to {_money(total)}, more than the budget of {_money(project.budget)}",
                Severity.WARNING,
            )


def check_capped_counts(projects: Sequence[Project]) -> Iterator[Problem]:
    """A ≤ on a count is usually a typo for ≥ (``公开监督抽检结果（次）≦1``).

    The rule: the target is an explicit ≤ or < on a count unit (次, 家, 件 …, from
    the target or the name), outside 成本指标, and the name has none of the words of
    things one wants fewer of (投诉, 事故, 故障, 不合格 …: :data:`REVERSE_NAME_WORDS`).
    """
    for project in projects:
        for index, indicator in enumerate(project.indicators):
            message = _capped_count(indicator)
            if message is not None:
                yield Problem(_where(project, index), message, Severity.WARNING)


def _capped_count(indicator: Indicator) -> str | None:
    """What :func:`check_capped_counts` says of the indicator, if anything."""
    target = indicator.target
    if target.kind is not Kind.COMPARE or not target.is_reverse or indicator.is_cost:
        return None
    if unit_family(target.unit or indicator.unit) is not UnitFamily.COUNT:
        return None
    if any(word in indicator.name for word in REVERSE_NAME_WORDS):
        return None
    assert target.op is not None and target.value is not None
    typo = f"≥{format_decimal(target.value)}{target.unit}"
    return (
        f"{indicator.name!r} caps a count at {target} ({indicator.unit}); counts are normally a minimum: "
        f"is it a typo for {typo}?"
    )


def check_level1_present(projects: Sequence[Project], profile: Profile = DEFAULT) -> Iterator[Problem]:
    """Every goal table has indicators in each tier of its profile (产出, 效益, 满意度 by default)."""
    for project in projects:
        if not project.indicators:
            yield Problem(_where(project), "no indicators: scored on budget execution alone", Severity.WARNING)
            continue
        tree = profile.for_project(project.scoring)
        present = {tree.tier_of(indicator) for indicator in project.indicators}
        missing = [tier for tier, weight in tree.tier_weights.items() if weight > 0 and tier not in present]
        if missing:
            yield Problem(_where(project), f"no {', '.join(missing)} indicators", Severity.WARNING)


def check_levels(projects: Sequence[Project], profile: Profile = DEFAULT) -> Iterator[Problem]:
    """Level-2 names are known to the profile's tree, and an indicator is printed under its level 2's tier.

    One printed under another level 1 (an 经济效益指标 row inside the 产出 block) is
    scored under its level 2's tier: a warning names both.
    """
    for project in projects:
        tree = profile.for_project(project.scoring)
        for index, indicator in enumerate(project.indicators):
            expected = tree.level2_tiers.get(indicator.level2)
            if expected is None:
                yield Problem(
                    _where(project, index),
                    f"unknown level-2 category {indicator.level2!r}; known: {', '.join(tree.level2_tiers)}",
                    Severity.WARNING,
                )
            elif indicator.level1 and expected != indicator.level1:
                yield Problem(
                    _where(project, index),
                    f"{indicator.name!r} is printed under level 1 {indicator.level1!r}, but its level 2 "
                    f"{indicator.level2!r} belongs to {expected!r}: it is scored under {expected!r}",
                    Severity.WARNING,
                )
            if indicator.level1 and expected is None and indicator.level1 not in tree.tier_weights:
                yield Problem(
                    _where(project, index),
                    f"unknown level-1 category {indicator.level1!r}; known: {', '.join(tree.tier_weights)}",
                    Severity.WARNING,
                )


def check_deadline_year(projects: Sequence[Project]) -> Iterator[Problem]:
    """A deadline or window (``2020年1-12月``) in another year than the project's."""
    for project in projects:
        for index, indicator in enumerate(project.indicators):
            target = indicator.target
            if target.kind is Kind.DEADLINE and target.year is not None and target.year != project.year:
                yield Problem(
                    _where(project, index),
                    f"deadline {target} is not in the project's year {project.year}",
                    Severity.WARNING,
                )


def check_inferred_readings(projects: Sequence[Project]) -> Iterator[Problem]:
    """Every target read with something the text did not say (:attr:`Threshold.inferred`): notes to confirm.

    Never a silent misreading: ``1500家`` under 数量指标 is read ≥1500家, ``每亩250``
    under 成本指标 ≤250元/亩; the user sees each such reading and why.
    """
    for project in projects:
        for index, indicator in enumerate(project.indicators):
            target = indicator.target
            if target.inferred:
                yield Problem(
                    _where(project, index),
                    f"target of {indicator.name!r} read as {target} ({target.kind.value}): "
                    + "; ".join(target.inferred),
                    Severity.NOTE,
                )


def check_reserved_names(projects: Sequence[Project]) -> Iterator[Problem]:
    """An indicator named by a budget-row word (预算执行 …): explaining it would explain the budget instead.

    A warning, not an error: its values are still recorded (they name it by its id).
    """
    for project in projects:
        for index, indicator in enumerate(project.indicators):
            for what, word in (("id", indicator.id), ("name", indicator.name)):
                if is_budget(word):
                    message = (
                        f"indicator {what} {word!r} is reserved for the budget row ({BUDGET}): an explanation "
                        "naming it explains the budget; rename the indicator"
                    )
                    yield Problem(_where(project, index), message, Severity.WARNING)
                    break  # one warning an indicator


CHECKS: tuple[Check, ...] = (
    check_duplicate_projects,
    check_duplicate_indicators,
    check_plan_total,
    check_plan_keys,
    check_funding_split,
    check_cost_caps,
    check_capped_counts,
    check_level1_present,
    check_levels,
    check_deadline_year,
    check_inferred_readings,
    check_reserved_names,
)
