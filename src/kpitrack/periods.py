"""Reporting periods: spans of months of a budget year (月, 季度, 半年), on pendulum.

A value is recorded for a :class:`Period`: a month (``2021-07``), a quarter
(``2021Q3``), a half year (``2021H1``), or any run of months a form reports at once
(``2021-04..07``: what a 1-7月 监控表 adds to values recorded up to March).  Within a
year an indicator's periods never overlap, so "the year to date at a cut-off" is
every period that ends by the cut-off's month: flows add them up, levels keep the
last.  A cut-off (``--as-of``) is a period too; only its last month counts.
"""

from __future__ import annotations

import re
from decimal import Decimal

import attrs
import pendulum

from kpitrack import limits
from kpitrack.thresholds import Threshold

__all__ = ["PLAN_KEYS", "InvalidPeriod", "Period", "due_date", "plan_month"]


class InvalidPeriod(ValueError):
    """A period string that is not a month, quarter, half year or run of months of a year."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"cannot read period {text!r}: {reason}")
        self.text = text
        self.reason = reason


_EXPECTED = "expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1"
_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "上": 1, "下": 2}
_FORMS = (
    (re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE), "quarter"),
    (re.compile(r"^(\d{4})年?第?([1-4一二三四])季度?$"), "quarter"),
    (re.compile(r"^(\d{4})\s*-?\s*H([12])$", re.IGNORECASE), "half"),
    (re.compile(r"^(\d{4})年?([上下])半年$"), "half"),
    (re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})年(\d{1,2})月(?:份)?$"), "month"),
    (re.compile(r"^(\d{4})\s*-\s*(\d{1,2})\s*\.\.\s*(\d{1,2})$"), "months"),
    (re.compile(r"^(\d{4})年(\d{1,2})\s*[-—–至到~]\s*(\d{1,2})月$"), "months"),
)


@attrs.frozen(order=True, cache_hash=True)  # a memo key for every indicator of a province
class Period:
    """The months ``first``..``last`` of budget year ``year`` (the Chinese fiscal year is the calendar year).

    Periods of one year that do not overlap sort the same by first and by last month.
    """

    year: int
    first: int = attrs.field(validator=attrs.validators.in_(range(1, 13)))
    last: int = attrs.field(validator=attrs.validators.in_(range(1, 13)))

    def __attrs_post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError(f"a period's first month {self.first} is after its last {self.last}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(year, month, month)

    @classmethod
    def quarter(cls, year: int, number: int) -> Period:
        return cls(year, 3 * number - 2, 3 * number)

    @classmethod
    def half(cls, year: int, number: int) -> Period:
        return cls(year, 6 * number - 5, 6 * number)

    @classmethod
    def year_end(cls, year: int) -> Period:
        """The cut-off of the year end (the fourth quarter, as ``score`` reads the year)."""
        return cls.quarter(year, 4)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read ``2021Q3``, ``2021年第三季度``, ``2021H1``, ``2021年上半年``, ``2021-07``, ``2021年7月``.

        And a run of months: ``2021-04..07``, ``2021年4-7月``.
        """
        cleaned = text.strip()
        found = next(((m, kind) for pattern, kind in _FORMS if (m := pattern.match(cleaned)) is not None), None)
        if found is None:
            raise InvalidPeriod(text, _EXPECTED)
        match, kind = found
        year = int(match.group(1))
        try:
            limits.year(year)
        except limits.OutOfBounds as beyond:
            raise InvalidPeriod(text, beyond.reason) from None
        numbers = [_DIGITS.get(group) or int(group) for group in match.groups()[1:]]
        if kind == "quarter":
            return cls.quarter(year, numbers[0])
        if kind == "half":
            return cls.half(year, numbers[0])
        first, last = numbers[0], numbers[-1]
        if not (1 <= first <= 12 and 1 <= last <= 12):
            raise InvalidPeriod(text, "a month is 1 to 12")
        if first > last:
            raise InvalidPeriod(text, f"month {first} comes after month {last}")
        return cls(year, first, last)

    def __str__(self) -> str:
        if self.first == self.last:
            return f"{self.year}-{self.last:02d}"
        if self.is_quarter:
            return f"{self.year}Q{self.last // 3}"
        if self.last - self.first == 5 and self.last % 6 == 0:
            return f"{self.year}H{self.last // 6}"
        return f"{self.year}-{self.first:02d}..{self.last:02d}"

    @property
    def label(self) -> str:
        """The period within its year, as a column heading: ``Q3``, ``H1``, ``7月``, ``4-7月``."""
        text = str(self)[4:]
        if text[0] in "QH":
            return text
        return f"{self.first}月" if self.first == self.last else f"{self.first}-{self.last}月"

    @property
    def is_quarter(self) -> bool:
        return self.last - self.first == 2 and self.last % 3 == 0

    @property
    def start(self) -> pendulum.Date:
        return pendulum.date(self.year, self.first, 1)

    @property
    def end(self) -> pendulum.Date:
        return pendulum.date(self.year, self.last, 1).end_of("month")

    @property
    def elapsed(self) -> Decimal:
        """Share of the year elapsed at the period's end (p in 双监控, 序时进度): months elapsed / 12."""
        return Decimal(self.last) / 12

    def previous_year(self) -> Period:
        return Period(self.year - 1, self.first, self.last)

    def overlaps(self, other: Period) -> bool:
        return self.year == other.year and self.first <= other.last and other.first <= self.last

    @property
    def cut_off(self) -> Period:
        """The cut-off at this period's end as forms and ``status`` name it: the quarter ending then, else the month.

        ``2021-06`` and ``2021H1`` are the cut-off ``2021Q2``; ``2021-07`` stays itself.
        """
        return Period.quarter(self.year, self.last // 3) if self.last % 3 == 0 else Period.month(self.year, self.last)

    def months(self) -> str:
        """The words for the months of the year up to this period's end: ``1-7月`` (January alone: ``1月``)."""
        return f"1-{self.last}月" if self.last > 1 else "1月"


# A fund-release plan is keyed by quarter (Q1..Q4) or by half-year (H1, H2), in this
# order; an entry's money counts as released by the end of its last month.
_PLAN_KEYS = {"Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, "H1": 6, "H2": 12}
PLAN_KEYS = tuple(_PLAN_KEYS)


def plan_month(key: str) -> int:
    """The month by whose end a plan entry (``Q3``, ``H1``) is due."""
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
