"""Reporting periods: the quarters (季度) and half-years (半年) of a budget year, on pendulum."""

from __future__ import annotations

import re
from decimal import Decimal

import attrs
import pendulum

from kpitrack import limits
from kpitrack.thresholds import Threshold

__all__ = ["PLAN_KEYS", "InvalidPeriod", "Quarter", "due_date", "plan_quarter"]


class InvalidPeriod(ValueError):
    """A period string that is not a quarter such as ``2021Q3``."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"cannot read period {text!r}: {reason}")
        self.text = text
        self.reason = reason


_QUARTER_RE = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_CHINESE_QUARTER_RE = re.compile(r"^(\d{4})年?第?([1-4一二三四])季度?$")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


@attrs.frozen(order=True, cache_hash=True)  # a memo key for every indicator of a province
class Quarter:
    """A calendar quarter of a budget year (the Chinese fiscal year is the calendar year)."""

    year: int
    number: int = attrs.field(validator=attrs.validators.in_(range(1, 5)))

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Read ``2021Q3``, ``2021-Q3``, ``2021q3`` or ``2021年第三季度``."""
        cleaned = text.strip()
        match = _QUARTER_RE.match(cleaned) or _CHINESE_QUARTER_RE.match(cleaned)
        if match is None:
            raise InvalidPeriod(text, "expected a quarter like 2021Q3")
        year, digit = int(match.group(1)), match.group(2)
        try:
            limits.year(year)
        except limits.OutOfBounds as beyond:
            raise InvalidPeriod(text, beyond.reason) from None
        return cls(year, _CHINESE_DIGITS.get(digit) or int(digit))

    @classmethod
    def containing(cls, day: pendulum.Date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> pendulum.Date:
        return pendulum.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> pendulum.Date:
        return self.start.add(months=2).end_of("month")

    @property
    def last_month(self) -> int:
        return 3 * self.number

    @property
    def elapsed(self) -> Decimal:
        """Share of the year elapsed at the quarter's end (p in 双监控): 0.25 … 1."""
        return Decimal(self.number) / 4

    def previous_year(self) -> Quarter:
        return Quarter(self.year - 1, self.number)

    def quarters_to_date(self) -> tuple[Quarter, ...]:
        """This year's quarters up to and including this one."""
        return tuple(Quarter(self.year, n) for n in range(1, self.number + 1))


# A fund-release plan is keyed by quarter (Q1..Q4) or by half-year (H1, H2), in this
# order; a half-year's money counts as released by the end of its last quarter.
_PLAN_KEYS = {"Q1": 1, "Q2": 2, "Q3": 3, "Q4": 4, "H1": 2, "H2": 4}
PLAN_KEYS = tuple(_PLAN_KEYS)


def plan_quarter(key: str) -> int:
    """The quarter by whose end a plan entry (``Q3``, ``H1``) is due."""
    try:
        return _PLAN_KEYS[key]
    except KeyError:
        raise InvalidPeriod(key, "a plan entry is Q1..Q4 or H1/H2") from None


def due_date(target: Threshold, year: int) -> pendulum.Date:
    """The day a deadline target (``2021年1-12月``, ``年底前``, ``2021年6月30日前``) falls due.

    Its own year, else the budget ``year``; its last month, else December; its day,
    else the month's last.
    """
    month = target.end_month or 12
    on_year = target.year or year
    return pendulum.date(on_year, month, target.day) if target.day else pendulum.date(on_year, month, 1).end_of("month")
