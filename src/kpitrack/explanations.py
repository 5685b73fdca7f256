"""Explanations (情况说明) the forms ask for, and which ones are still missing: pure functions.

The 自评表 wants a 偏差原因分析及改进措施 for every indicator that scores below its
weight or is flagged (:attr:`kpitrack.scoring.IndicatorScore.needs_explanation`); the
绩效运行监控表 wants, for every red or yellow indicator at a cut-off, the cause of the
deviation (偏差原因: 经费保障 / 制度保障 / 人员保障 / 硬件条件保障 / 其他) with its
text, the likelihood of meeting the target (完成目标可能性) and the 纠偏 measures.

An explanation belongs to a project's indicator and a *period*: the year (``2021``)
for the year end, a quarter (``2021Q2``) for a cut-off.  The store keeps every
version, who wrote it and when, as it keeps values.

The monitoring form's budget row (项目资金: 预算执行) is explained the same way: it is
named by the reserved word :data:`BUDGET` (or one of :data:`BUDGET_WORDS`) where an
indicator would be, and its explanations have ``indicator == BUDGET``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection

import attrs

from kpitrack.monitoring import Likelihood, ProjectStatus
from kpitrack.periods import InvalidPeriod, Period
from kpitrack.scoring import ProjectScore

__all__ = [
    "BUDGET",
    "BUDGET_WORDS",
    "Cause",
    "Explanation",
    "InvalidExplanation",
    "Likelihood",
    "cutoff_missing",
    "is_budget",
    "is_year_end",
    "parse_cause",
    "parse_likelihood",
    "parse_period",
    "year_end_missing",
]


# The budget row (预算执行) where an indicator is named for an explanation: the word kpitrack
# prints, and every word a unit may write for it.  Reserved: an indicator named so is warned
# about (kpitrack.checks), as its explanations would be the budget's.
BUDGET = "预算执行"
BUDGET_WORDS = frozenset({BUDGET, "资金执行", "项目资金"})


def is_budget(word: str) -> bool:
    """``预算执行``, ``资金执行`` or ``项目资金`` (spaces aside): the budget row, not an indicator."""
    return re.sub(r"\s+", "", word) in BUDGET_WORDS


class InvalidExplanation(ValueError):
    """A cause, likelihood or period that is not one the forms know; quotes the text."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{text!r}: {reason}")
        self.text = text
        self.reason = reason


class Cause(enum.Enum):
    """The cause category of a deviation (偏差原因分析), as 财预〔2019〕136号's monitoring form lists them."""

    FUNDING = "经费保障"
    RULES = "制度保障"
    STAFF = "人员保障"
    HARDWARE = "硬件条件保障"
    OTHER = "其他"


@attrs.frozen
class Explanation:
    """One version of an indicator's explanation for a period (``"2021"``: the year end; ``"2021Q2"``: a cut-off).

    ``indicator`` is the indicator's id, or :data:`BUDGET` for the budget row.  ``text`` is the
    偏差原因分析及改进措施 (year end) or the cause's text (cut-off); ``cause``, ``likelihood``
    and ``measures`` (纠偏措施) belong to cut-offs.
    """

    project: str
    indicator: str
    period: str
    text: str
    cause: Cause | None = None
    likelihood: Likelihood | None = None
    measures: str = ""
    recorded_by: str = ""
    recorded_at: str = ""
    current: bool = True

    @property
    def year_end(self) -> bool:
        return is_year_end(self.period)

    @property
    def budget(self) -> bool:
        """Explains the budget row (预算执行), not an indicator."""
        return self.indicator == BUDGET

    def same_content(self, other: Explanation) -> bool:
        """Says the same (who wrote it and when aside): a second import of it changes nothing."""
        return (self.text, self.cause, self.likelihood, self.measures) == (
            other.text,
            other.cause,
            other.likelihood,
            other.measures,
        )


def _choice(text: str, members: type[enum.Enum], what: str) -> enum.Enum:
    cleaned = re.sub(r"\s+", "", text)
    for member in members:
        if cleaned == member.value:
            return member
    known = " / ".join(str(member.value) for member in members)
    raise InvalidExplanation(text, f"not a {what} (one of {known})")


def parse_cause(text: str) -> Cause:
    """``经费保障`` → :attr:`Cause.FUNDING`; anything else raises :class:`InvalidExplanation`."""
    cause = _choice(text, Cause, "cause category (原因类别)")
    assert isinstance(cause, Cause)
    return cause


def parse_likelihood(text: str) -> Likelihood:
    """``有可能`` → :attr:`Likelihood.POSSIBLE`; anything else raises :class:`InvalidExplanation`."""
    likelihood = _choice(text, Likelihood, "likelihood (完成可能性)")
    assert isinstance(likelihood, Likelihood)
    return likelihood


def parse_period(text: str) -> str:
    """The canonical period of an explanation: ``2021`` (year end) or a cut-off such as ``2021Q2`` or ``2021-07``.

    A cut-off is named as :attr:`kpitrack.periods.Period.cut_off` names it, so ``2021-06``
    and ``2021H1`` are ``2021Q2``: one explanation per cut-off, however it is written.
    """
    cleaned = text.strip()
    if re.fullmatch(r"\d{4}年?(度)?", cleaned):
        return cleaned[:4]
    try:
        return str(Period.parse(cleaned).cut_off)
    except InvalidPeriod:
        raise InvalidExplanation(text, "expected a year like 2021, or a cut-off like 2021Q2 or 2021-07") from None


def is_year_end(period: str) -> bool:
    """Whether an explanation's canonical period is the year end (``2021``) rather than a cut-off."""
    return len(period) == 4


def year_end_missing(score: ProjectScore, explained: Collection[str]) -> tuple[str, ...]:
    """The ids of the indicators whose 自评表 row needs a 偏差原因分析及改进措施 and has none in ``explained``.

    The budget row is never listed here, though a year-end budget explanation may be
    written: the 自评表's 项目资金 block has no 偏差原因 cell (only the indicator rows
    have one), its 预算执行率 row is scored, not judged, and the rule that asks for a text
    (domain §5) names the indicators.  Listing under-execution would also ask almost
    every project for one (a year rarely ends at exactly 100%), drowning the misses the
    list is for; ``underperforming`` already lists execution below the floor.
    """
    return tuple(
        item.indicator.id for item in score.indicators if item.needs_explanation and item.indicator.id not in explained
    )


def cutoff_missing(status: ProjectStatus, explained: Collection[str]) -> tuple[str, ...]:
    """The red and yellow items at a cut-off with no explanation in ``explained``: :data:`BUDGET` first, then ids.

    The budget row (预算执行) is one of them when its light is red or yellow: the
    monitoring form asks its cause, text and likelihood as for an indicator (domain §6).
    """
    budget = (BUDGET,) if status.budget.needs_attention and BUDGET not in explained else ()
    return budget + tuple(
        item.indicator.id for item in status.indicators if item.needs_attention and item.indicator.id not in explained
    )
