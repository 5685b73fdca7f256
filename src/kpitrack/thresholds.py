"""The language of target values (指标值): target strings → typed, immutable thresholds.

A goal table writes its targets in a loose, human notation: ``≥90%``, ``≧485``,
``=4次``, ``1500家``, ``不低于90%``, ``90%-95%``, ``2021年1-12月``, ``逐年提高``,
``持续``.  :func:`parse` turns such a string into a :class:`Threshold` whose
``str()`` is canonical and parses back to an equal value::

    >>> parse("≧485") == parse(">= 485")
    True
    >>> str(parse("≧485"))
    '≥485'

A bare number has no operator of its own; its direction comes from the
indicator's level-2 category (成本指标 and durations under 时效指标 mean ≤,
everything else ≥), so :func:`parse` takes that category as context.

A string that contains a digit or an operator but cannot be read raises
:class:`InvalidThreshold`, quoting it.  Text without any number is qualitative,
or a trend when it uses a trend word (逐年提高 …).
"""

from __future__ import annotations

import datetime
import enum
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import attrs

from kpitrack import limits

__all__ = [
    "COUNT_UNITS",
    "InvalidThreshold",
    "Kind",
    "Op",
    "Threshold",
    "UnitFamily",
    "format_decimal",
    "parse",
    "unit_family",
]


class InvalidThreshold(ValueError):
    """A target string that looks numeric but cannot be read."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"cannot read target {text!r}: {reason}")
        self.text = text
        self.reason = reason


class Kind(enum.Enum):
    """What sort of target a threshold is; decides how it is scored."""

    COMPARE = "compare"
    EXACT = "exact"
    RANGE = "range"
    DEADLINE = "deadline"
    DURATION = "duration"
    TREND = "trend"
    QUALITATIVE = "qualitative"


class Op(enum.Enum):
    """Comparison operators, by their canonical sign."""

    GE = "≥"
    GT = ">"
    LE = "≤"
    LT = "<"
    EQ = "="

    @property
    def is_upper_bound(self) -> bool:
        """True for ≤ and <: the target is a cap (reverse indicator)."""
        return self in (Op.LE, Op.LT)


# One small function per operator: does an actual value satisfy ``op target``?
_SATISFIED: dict[Op, Callable[[Decimal, Decimal], bool]] = {
    Op.GE: lambda actual, target: actual >= target,
    Op.GT: lambda actual, target: actual > target,
    Op.LE: lambda actual, target: actual <= target,
    Op.LT: lambda actual, target: actual < target,
    Op.EQ: lambda actual, target: actual == target,
}


class UnitFamily(enum.Enum):
    """Units that can stand for one another; a value is checked against its family."""

    PERCENT = "percent"
    MONEY = "money"
    COUNT = "count"
    RATE = "rate"
    DURATION = "duration"
    NONE = "none"


# Count words: a count is a flow (quarterly figures add up).
COUNT_UNITS = frozenset(
    "次 家 份 个 件 人 台 批次 人次 户 所 项 场 期 篇 条 部 套 辆 座 处 名 册 本 张 批 户次 家次 期次 "
    "场次 课时 学时 公里 平方米 亩 吨".split()
)
MONEY_UNITS = {"元": Decimal("0.0001"), "万元": Decimal(1), "亿元": Decimal(10000)}
DURATION_UNITS = frozenset({"个月", "天"})

# Spelling variants of a unit → its canonical spelling.
_UNIT_ALIASES = {
    "百分比": "%",
    "%": "%",
    "月": "个月",
    "个月": "个月",
    "日": "天",
    "天": "天",
    "万元": "万元",
    "元": "元",
    "亿元": "亿元",
}

_TREND_WORDS = (
    "逐年提高 逐年提升 逐年增强 逐年加强 逐年增加 逐年上升 逐年增长 逐年改善 逐年扩大 "
    "逐步提高 逐步提升 逐步增强 逐步加强 逐步改善 逐步扩大 "
    "持续提高 持续提升 持续增强 持续加强 持续改善 持续增长 持续扩大 "
    "稳步提升 稳步提高 稳步增长 不断提高 不断提升 不断增强 有所提高 有所提升"
).split()
_DOWNWARD_TREND_WORDS = "逐年下降 逐年降低 逐年减少 逐步降低 逐步下降 持续下降 持续降低 持续减少".split()

# Operator spellings after NFKC normalisation (which already folds ＞＜＝％～ and
# fullwidth digits); the rest are mapped here.
_OP_SIGNS = {
    ">=": Op.GE,
    "≥": Op.GE,
    "≧": Op.GE,
    "⩾": Op.GE,
    "<=": Op.LE,
    "≤": Op.LE,
    "≦": Op.LE,
    "⩽": Op.LE,
    ">": Op.GT,
    "<": Op.LT,
    "==": Op.EQ,
    "=": Op.EQ,
    "═": Op.EQ,
}
_PREFIX_WORDS = {
    "不低于": Op.GE,
    "不少于": Op.GE,
    "不小于": Op.GE,
    "至少": Op.GE,
    "达到": Op.GE,
    "大于等于": Op.GE,
    "高于": Op.GT,
    "大于": Op.GT,
    "多于": Op.GT,
    "超过": Op.GT,
    "不高于": Op.LE,
    "不超过": Op.LE,
    "不大于": Op.LE,
    "不多于": Op.LE,
    "最多": Op.LE,
    "小于等于": Op.LE,
    "低于": Op.LT,
    "小于": Op.LT,
    "少于": Op.LT,
    "控制在": Op.LE,
}
_SUFFIX_WORDS = {
    "以上": Op.GE,
    "及以上": Op.GE,
    "以内": Op.LE,
    "以下": Op.LE,
    "及以下": Op.LE,
}

_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_UNIT = r"[^\d\s.,\-~—–]*"
_QUANTITY_RE = re.compile(rf"^(?P<num>{_NUMBER})\s*(?P<unit>{_UNIT})$")
_RANGE_RE = re.compile(
    rf"^(?P<lo>{_NUMBER})\s*(?P<lo_unit>{_UNIT})\s*[-~—–至到]\s*(?P<hi>{_NUMBER})\s*(?P<hi_unit>{_UNIT})$"
)
# 2021年1-12月, 2021年1月-12月, 2021年1月至2021年12月, 2021.01-2021.12
_WINDOW_RE = re.compile(
    r"^(?:(?P<year>\d{4})年)?(?P<start>\d{1,2})月?\s*[-~—–至到]\s*(?:(?P<year2>\d{4})年)?(?P<end>\d{1,2})月(?:底|末)?$"
)
_DOTTED_WINDOW_RE = re.compile(
    r"^(?P<year>\d{4})\.(?P<start>\d{1,2})\s*[-~—–至到]\s*(?P<year2>\d{4})\.(?P<end>\d{1,2})$"
)
# 年底前, 12月底前, 2021年6月30日前, 6月前完成
_DEADLINE_RE = re.compile(
    r"^(?:(?P<year>\d{4})年)?(?:(?P<yearend>年底|年末|年内)|(?P<end>\d{1,2})月(?:(?P<day>\d{1,2})日)?(?:底|末)?)(?:之?前|以前)?(?:完成)?$"
)
_DURATION_CATEGORIES = frozenset({"时效指标"})
_REVERSE_CATEGORIES = frozenset({"成本指标"})


def format_decimal(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: 10000, 0.52, 12.5."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def unit_family(unit: str) -> UnitFamily:
    """The family a canonical unit belongs to."""
    if unit == "%":
        return UnitFamily.PERCENT
    if unit in MONEY_UNITS:
        return UnitFamily.MONEY
    if unit in DURATION_UNITS:
        return UnitFamily.DURATION
    if "/" in unit:
        return UnitFamily.RATE
    if unit == "":
        return UnitFamily.NONE
    return UnitFamily.COUNT


@attrs.frozen
class Threshold:
    """A parsed target value (指标值).

    ``kind`` says how it is judged; ``op``/``value``/``unit`` hold the number for
    compare, exact and duration targets; ``upper`` is the top of a range;
    ``start_month``/``end_month``/``year``/``day`` describe a deadline window;
    ``words`` hold the text of trend and qualitative targets.  ``explicit`` records
    whether the operator was written or inferred from the indicator's category; it
    takes no part in equality, as ``1500家`` under 数量指标 means ``≥1500家``.
    """

    kind: Kind
    op: Op | None = None
    value: Decimal | None = None
    unit: str = ""
    upper: Decimal | None = None
    year: int | None = None
    start_month: int | None = None
    end_month: int | None = None
    day: int | None = None
    words: str = ""
    explicit: bool = attrs.field(default=True, eq=False)
    # The canonical text, made on first use and kept: a province shows the same
    # targets a million times.  Not part of the value.
    _text: str | None = attrs.field(default=None, init=False, eq=False, repr=False)

    def __str__(self) -> str:
        text = self._text
        if text is None:
            text = _CANONICAL[self.kind](self)
            object.__setattr__(self, "_text", text)
        return text

    @property
    def family(self) -> UnitFamily:
        return unit_family(self.unit)

    @property
    def is_reverse(self) -> bool:
        """A cap to stay under (≤, <, cost): smaller actuals are better."""
        return self.op is not None and self.op.is_upper_bound

    @property
    def is_numeric(self) -> bool:
        return self.kind in (Kind.COMPARE, Kind.EXACT, Kind.RANGE, Kind.DURATION)

    @property
    def downward(self) -> bool:
        """For a trend: True when the target is to decrease (逐年下降)."""
        return self.kind is Kind.TREND and self.op is Op.LT

    def satisfied_by(self, actual: Decimal) -> bool:
        """Does a measured value meet a numeric target?"""
        if self.kind is Kind.RANGE:
            assert self.value is not None and self.upper is not None
            return self.value <= actual <= self.upper
        if self.op is None or self.value is None:
            raise ValueError(f"target {self} is not numeric")
        return _SATISFIED[self.op](actual, self.value)


def _canonical_number(t: Threshold) -> str:
    assert t.op is not None and t.value is not None
    return f"{t.op.value}{format_decimal(t.value)}{t.unit}"


def _canonical_range(t: Threshold) -> str:
    assert t.value is not None and t.upper is not None
    return f"{format_decimal(t.value)}{t.unit}-{format_decimal(t.upper)}{t.unit}"


def _canonical_deadline(t: Threshold) -> str:
    year = f"{t.year}年" if t.year is not None else ""
    if t.start_month is not None:
        return f"{year}{t.start_month}-{t.end_month}月"
    if t.day is not None:
        return f"{year}{t.end_month}月{t.day}日前"
    if t.end_month == 12 and not year:
        return "年底前"
    return f"{year}{t.end_month}月底前"


def _canonical_words(t: Threshold) -> str:
    return t.words


_CANONICAL: dict[Kind, Callable[[Threshold], str]] = {
    Kind.COMPARE: _canonical_number,
    Kind.EXACT: _canonical_number,
    Kind.DURATION: _canonical_number,
    Kind.RANGE: _canonical_range,
    Kind.DEADLINE: _canonical_deadline,
    Kind.TREND: _canonical_words,
    Kind.QUALITATIVE: _canonical_words,
}


def parse(text: str, category: str | None = None) -> Threshold:
    """Parse a target string; ``category`` is the indicator's level-2 name (成本指标 …)."""
    unfit = limits.text_fault(text)
    if unfit is not None:
        raise InvalidThreshold(text, unfit)
    cleaned = _normalise(text)
    if not cleaned:
        raise InvalidThreshold(text, "the target is empty")
    has_number = bool(re.search(r"\d", cleaned))
    op, rest, explicit = _split_operator(cleaned)
    if not has_number:
        if op is not None:
            raise InvalidThreshold(text, "an operator needs a number after it")
        return _parse_words(cleaned)
    if op is None:
        special = _parse_window(rest) or _parse_range(text, rest)
        if special is not None:
            return special
    number, unit = _split_quantity(text, rest, category)
    if op is None:
        op = Op.LE if _caps_by_default(category, unit) else Op.GE
    family = unit_family(unit)
    if family is UnitFamily.DURATION:
        kind = Kind.DURATION
    elif op is Op.EQ:
        kind = Kind.EXACT
    else:
        kind = Kind.COMPARE
    return Threshold(kind=kind, op=op, value=number, unit=unit, explicit=explicit)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("≧", "≥").replace("≦", "≤")
    return re.sub(r"\s+", "", text)


def _split_operator(text: str) -> tuple[Op | None, str, bool]:
    """Take a leading operator sign or word, or a trailing 以上/以内 word."""
    for sign in sorted(_OP_SIGNS, key=len, reverse=True):
        if text.startswith(sign):
            return _OP_SIGNS[sign], text[len(sign) :], True
    for word in sorted(_PREFIX_WORDS, key=len, reverse=True):
        if text.startswith(word) and re.match(r"\d", text[len(word) :]):
            return _PREFIX_WORDS[word], text[len(word) :], True
    for word in sorted(_SUFFIX_WORDS, key=len, reverse=True):
        if text.endswith(word) and re.match(r"\d", text):
            return _SUFFIX_WORDS[word], text[: -len(word)], True
    return None, text, False


def _parse_words(text: str) -> Threshold:
    for word in _TREND_WORDS:
        if word in text:
            return Threshold(kind=Kind.TREND, op=Op.GT, words=text)
    for word in _DOWNWARD_TREND_WORDS:
        if word in text:
            return Threshold(kind=Kind.TREND, op=Op.LT, words=text)
    deadline = _DEADLINE_RE.match(text)
    if deadline is not None and deadline.group("yearend"):
        return Threshold(kind=Kind.DEADLINE, end_month=12)
    return Threshold(kind=Kind.QUALITATIVE, words=text)


def _parse_window(text: str) -> Threshold | None:
    match = _WINDOW_RE.match(text) or _DOTTED_WINDOW_RE.match(text)
    if match is not None:
        start, end = int(match.group("start")), int(match.group("end"))
        year = match.group("year")
        if not (1 <= start <= end <= 12):
            raise InvalidThreshold(text, f"months {start}-{end} are not a window inside one year")
        year2 = match.group("year2")
        if year2 is not None and year is not None and year2 != year:
            raise InvalidThreshold(text, "a window must lie inside one year")
        return Threshold(
            kind=Kind.DEADLINE,
            year=_year(text, year),
            start_month=start,
            end_month=end,
        )
    match = _DEADLINE_RE.match(text)
    if match is None or not (match.group("end") or match.group("yearend")):
        return None
    if match.group("yearend"):
        end, day = 12, None
    else:
        end = int(match.group("end"))
        day = int(match.group("day")) if match.group("day") else None
    # "12月" alone is a duration (12 months), not December: only 前/底 make it a deadline.
    if not re.search(r"(前|底|末|日)", text):
        return None
    year = _year(text, match.group("year"))
    if not 1 <= end <= 12 or (day is not None and not _is_day(year, end, day)):
        raise InvalidThreshold(text, "not a valid month or day")
    return Threshold(kind=Kind.DEADLINE, year=year, end_month=end, day=day)


def _is_day(year: int | None, month: int, day: int) -> bool:
    """Whether the day exists: 2月30日 never, 2月29日 only in a leap year (any year when none is given)."""
    try:
        datetime.date(year or 2000, month, day)
    except ValueError:
        return False
    return True


def _parse_range(original: str, text: str) -> Threshold | None:
    match = _RANGE_RE.match(text)
    if match is None:
        return None
    lo_unit = _canonical_unit(original, match.group("lo_unit"), None)
    hi_unit = _canonical_unit(original, match.group("hi_unit"), None)
    if lo_unit and hi_unit and lo_unit != hi_unit:
        raise InvalidThreshold(original, f"the two ends of the range have different units ({lo_unit}, {hi_unit})")
    lo, hi = _decimal(original, match.group("lo")), _decimal(original, match.group("hi"))
    if lo > hi:
        raise InvalidThreshold(original, "the range's lower end is above its upper end")
    return Threshold(kind=Kind.RANGE, value=lo, upper=hi, unit=hi_unit or lo_unit)


def _split_quantity(original: str, text: str, category: str | None) -> tuple[Decimal, str]:
    match = _QUANTITY_RE.match(text)
    if match is None:
        raise InvalidThreshold(original, "expected a number with an optional unit")
    return _decimal(original, match.group("num")), _canonical_unit(original, match.group("unit"), category)


def _decimal(original: str, digits: str) -> Decimal:
    try:
        return limits.number(Decimal(digits.replace(",", "")), digits)
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        raise InvalidThreshold(original, f"{digits!r} is not a number") from None
    except limits.OutOfBounds as beyond:
        raise InvalidThreshold(original, f"{digits!r} is {beyond.reason}") from None


def _year(original: str, digits: str | None) -> int | None:
    if digits is None:
        return None
    try:
        return limits.year(int(digits))
    except limits.OutOfBounds as beyond:
        raise InvalidThreshold(original, beyond.reason) from None


def _canonical_unit(original: str, unit: str, category: str | None) -> str:
    if unit in _UNIT_ALIASES:
        return _UNIT_ALIASES[unit]
    if unit == "万":
        # "5万" in a cost table is money; anywhere else the magnitude is ambiguous.
        if category in _REVERSE_CATEGORIES:
            return "万元"
        raise InvalidThreshold(original, "'万' without a unit is ambiguous outside 成本指标; write 万元 or the count")
    if len(unit) > limits.UNIT_LENGTH:
        raise InvalidThreshold(original, f"the unit {unit!r} is longer than {limits.UNIT_LENGTH} characters")
    if not unit or "/" in unit:
        return unit
    if unit in COUNT_UNITS:
        return unit
    if re.fullmatch(r"[\u4e00-\u9fff]{1,3}", unit):
        # An unlisted Chinese count word (e.g. 棵, 栋): accept it as a count.
        return unit
    raise InvalidThreshold(original, f"unknown unit {unit!r}")


def _caps_by_default(category: str | None, unit: str) -> bool:
    if category in _REVERSE_CATEGORIES:
        return True
    return category in _DURATION_CATEGORIES and unit_family(unit) is UnitFamily.DURATION
