"""The language of target values (指标值): target strings → typed, immutable thresholds.

A goal table writes its targets in a loose, human notation: ``≥90%``, ``≧485``,
``=4次``, ``1500家``, ``不低于90%``, ``90%-95%``, ``2021年1-12月``, ``6个月内``,
``1.5万亩``, ``元/人·月``, ``逐年提高``, ``持续``.  :func:`parse` turns such a string
into a :class:`Threshold` whose ``str()`` is canonical and parses back to an equal
value::

    >>> parse("≧485") == parse(">= 485")
    True
    >>> str(parse("≧485"))
    '≥485'

A bare number has no operator of its own; its direction comes from the
indicator's level-2 category (成本指标 and durations under 时效指标 mean ≤,
everything else ≥), so :func:`parse` takes that category as context, and the unit
the indicator's name carries (``完成时限（月）``) for a bare number under 时效指标.

Never a silent misreading: whatever a reading takes from somewhere other than the
text itself (a direction from the category, a unit from the name, a number from a
sentence) is listed in :attr:`Threshold.inferred`, for the user to confirm.  A
string that looks numeric but cannot be read, or can be read two ways, raises
:class:`InvalidThreshold`, quoting it.  Text without any number is qualitative, or
a trend when it uses a trend word (逐年提高 …).

Units are an open vocabulary: known spellings (``%``, ``万元``, ``km``, ``m²`` …)
are grouped in families whose members convert exactly (:func:`convert`); a unit
scaled by 万 or 亿 (``1.5万亩``) is read in its base unit (``15000亩``); a rate
(``元/人·月``) is a unit of its own; an unknown word is a count only when it cannot
be part of a date, a duration or a sentence.
"""

from __future__ import annotations

import calendar
import enum
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import attrs

from kpitrack import limits

__all__ = [
    "COUNT_UNITS",
    "MONEY_UNITS",
    "InvalidThreshold",
    "Kind",
    "Op",
    "Threshold",
    "UnitFamily",
    "convert",
    "criterion",
    "duration_step",
    "format_decimal",
    "parse",
    "read_quantity_unit",
    "unit_family",
]


class InvalidThreshold(ValueError):
    """A target string that looks numeric but cannot be read (or reads two ways)."""

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
    """What a unit measures, which decides how quarters combine and what values fit."""

    PERCENT = "percent"
    MONEY = "money"
    COUNT = "count"  # counts and physical quantities (次, 家, 亩, km): flows that add up
    RATE = "rate"  # per population, per person and month (件/万人, 元/人·月): levels
    SCORE = "score"  # 分: a score or a level, which quarters do not add up
    DURATION = "duration"
    NONE = "none"


# Count words: a count is a flow (quarterly figures add up).
COUNT_UNITS = frozenset(
    "次 家 份 个 件 人 台 批次 人次 户 所 项 场 期 篇 条 部 套 辆 座 处 名 册 本 张 批 户次 家次 期次 "
    "场次 课时 学时 公里 平方米 亩 吨 起 例 宗 笔 单 位 棵 株 头 只 羽 尾 匹 艘 架 盏 根 块 间 栋 幢 "
    "口 眼 孔 门 支 组 队 班 轮 届 床 把 副 对 双 点 站 村 乡 镇 校 园 网点 个村 乡镇 人日 工日 人天 "
    "标准亩 延米 米 千米 厘米 毫米 千克 公斤 克 斤 公顷 平方公里 立方米 升 千瓦 兆瓦 瓦 千瓦时 度 "
    "兆瓦时 立方 方 平米 余 本次 种 类 首 集 幅 帧 分钟 万".split()
) - {"余", "本次", "分钟", "万"}

# Money converts exactly between these, in 万元.
MONEY_UNITS = {"元": Decimal("0.0001"), "千元": Decimal("0.1"), "万元": Decimal(1), "亿元": Decimal(10000)}

# Durations, with the calendar step a completion date is measured in (days or months).
_DURATION_STEPS: dict[str, tuple[str, int]] = {
    "天": ("days", 1),
    "周": ("days", 7),
    "个月": ("months", 1),
    "个季度": ("months", 3),
    "年": ("months", 12),
}
DURATION_UNITS = frozenset({*_DURATION_STEPS, "小时", "分钟", "工作日"})

# Units of one dimension convert exactly: unit → (dimension, factor to the dimension's base).
_DIMENSIONS: dict[str, tuple[str, Decimal]] = {
    **{unit: ("money", factor) for unit, factor in MONEY_UNITS.items()},
    **{unit: ("length", Decimal(1)) for unit in ("米", "m", "延米")},
    **{unit: ("length", Decimal(1000)) for unit in ("公里", "千米", "km")},
    **{unit: ("length", Decimal("0.01")) for unit in ("厘米", "cm")},
    **{unit: ("length", Decimal("0.001")) for unit in ("毫米", "mm")},
    **{unit: ("mass", Decimal(1)) for unit in ("千克", "公斤", "kg")},
    **{unit: ("mass", Decimal(1000)) for unit in ("吨", "t")},
    **{unit: ("mass", Decimal("0.001")) for unit in ("克", "g")},
    "斤": ("mass", Decimal("0.5")),
    **{unit: ("area", Decimal(1)) for unit in ("平方米", "m²")},
    **{unit: ("area", Decimal(10000)) for unit in ("公顷", "ha")},
    **{unit: ("area", Decimal(1000000)) for unit in ("平方公里", "km²")},
    **{unit: ("volume", Decimal(1)) for unit in ("立方米", "m³")},
    **{unit: ("volume", Decimal("0.001")) for unit in ("升", "L")},
    **{unit: ("power", Decimal(1)) for unit in ("瓦", "W")},
    **{unit: ("power", Decimal(1000)) for unit in ("千瓦", "kW")},
    **{unit: ("power", Decimal(1000000)) for unit in ("兆瓦", "MW")},
    **{unit: ("energy", Decimal(1)) for unit in ("千瓦时", "kWh", "度")},
    **{unit: ("energy", Decimal(1000)) for unit in ("兆瓦时", "MWh")},
    **{unit: ("bandwidth", Decimal(1)) for unit in ("M", "Mbps", "兆")},
    **{unit: ("bandwidth", Decimal(1000)) for unit in ("Gbps",)},
    **{unit: ("days", Decimal(1)) for unit in ("天",)},
    "周": ("days", Decimal(7)),
    "个月": ("months", Decimal(1)),
    "个季度": ("months", Decimal(3)),
    "年": ("months", Decimal(12)),
}

# Spelling variants of a unit → its canonical spelling.
_UNIT_ALIASES = {
    "百分比": "%",
    "%": "%",
    "百分点": "个百分点",
    "个百分点": "个百分点",
    "月": "个月",
    "个月": "个月",
    "日": "天",
    "天": "天",
    "年": "年",
    "个年度": "年",
    "周": "周",
    "星期": "周",
    "个星期": "周",
    "季度": "个季度",
    "个季度": "个季度",
    "小时": "小时",
    "个小时": "小时",
    "分钟": "分钟",
    "工作日": "工作日",
    "个工作日": "工作日",
    "分": "分",
    "‰": "‰",
    "平米": "平方米",
    "KM": "km",
    "Km": "km",
    "KG": "kg",
    "Kg": "kg",
    "KW": "kW",
    "kw": "kW",
    "Kw": "kW",
    "mw": "MW",
    "Mw": "MW",
    "KWH": "kWh",
    "kwh": "kWh",
    "Kwh": "kWh",
    "mbps": "Mbps",
    "MBPS": "Mbps",
    "Mb": "Mbps",
    "gbps": "Gbps",
    "l": "L",
    **{unit: unit for unit in MONEY_UNITS},
    **{unit: unit for unit in _DIMENSIONS},
}
_SCALES = {"万": Decimal(10000), "亿": Decimal(100000000)}
# Words that make a number approximate (约90%, 100余家, 5万元左右): no target can be read from them.
_UNIT_HEDGE_RE = re.compile(r"^(余|多)|左右|上下$")
_PROSE_HEDGE_RE = re.compile(r"(大约|约|近)\d|\d[^\d]{0,4}(左右|上下)")

# Characters an unknown count word may not contain: it would be part of a date, a
# duration or a sentence (完成3次督查, 6个月内, 2021年度).
_NOT_A_COUNT = set(
    "年月日天周时分秒季度内前后底末旬的了是在和与及或等为对向将已未不无须应要按每约余多完成达到实现开展进行保持确保提高以之其该此"
)

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
    "不得低于": Op.GE,
    "不得少于": Op.GE,
    "至少": Op.GE,
    "最少": Op.GE,
    "达到": Op.GE,
    "大于等于": Op.GE,
    "大于或等于": Op.GE,
    "高于": Op.GT,
    "大于": Op.GT,
    "多于": Op.GT,
    "超过": Op.GT,
    "不高于": Op.LE,
    "不超过": Op.LE,
    "不大于": Op.LE,
    "不多于": Op.LE,
    "不得超过": Op.LE,
    "不得高于": Op.LE,
    "最多": Op.LE,
    "小于等于": Op.LE,
    "小于或等于": Op.LE,
    "低于": Op.LT,
    "小于": Op.LT,
    "少于": Op.LT,
    "控制在": Op.LE,
    "等于": Op.EQ,
}
_SUFFIX_WORDS = {
    "以上": Op.GE,
    "及以上": Op.GE,
    "或以上": Op.GE,
    "以内": Op.LE,
    "之内": Op.LE,
    "内": Op.LE,
    "以下": Op.LE,
    "及以下": Op.LE,
    "或以下": Op.LE,
}
# Words of a sentence that make its one number a standard to meet exactly (按标准800元/人发放).
_PROSE_EXACT_RE = re.compile(r"按(?:照)?[\u4e00-\u9fff]{0,4}标准|标准为")

_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_UNIT = r"[^\d\s.,\-~—–]*"
_QUANTITY_RE = re.compile(rf"^(?P<num>{_NUMBER})(?P<unit>{_UNIT})$")
_RANGE_RE = re.compile(rf"^(?P<lo>{_NUMBER})(?P<lo_unit>{_UNIT})[-~—–至到](?P<hi>{_NUMBER})(?P<hi_unit>{_UNIT})$")
_SEP = r"[-~—–至到]"
# A point in time written the Chinese way (2022年9月30日, 9月) or dotted (2022.9.30, 2022/09).
_CN_POINT = r"(?:(?P<y{n}>\d{{4}})年)?(?P<m{n}>\d{{1,2}})月(?:(?P<d{n}>\d{{1,2}})[日号])?"
_DOT_POINT = r"(?P<y{n}>\d{{4}})[./](?P<m{n}>\d{{1,2}})(?:[./](?P<d{n}>\d{{1,2}}))?"
_WINDOW_RES = (
    # 2021年1-12月, 2021年1月-12月, 2022年7月-2023年3月, 1-12月
    re.compile(
        r"^(?:(?P<y1>\d{4})年)?(?P<m1>\d{1,2})月?(?:(?P<d1>\d{1,2})[日号])?"
        + _SEP
        + _CN_POINT.format(n=2)
        + r"(?:底|末)?(?:期间|之间|间|内)?$"
    ),
    # 2021.01-2021.12, 2022.1.1-2022.12.31
    re.compile(r"^" + _DOT_POINT.format(n=1) + _SEP + _DOT_POINT.format(n=2) + r"(?:期间|之间|间|内)?$"),
)
# The whole of a year: 2022年全年, 2022年度, 全年.
_WHOLE_YEAR_RE = re.compile(r"^(?:(?P<y2>\d{4})年?)?(?:全年|年度|整年|1-12月)$")
# A deadline: 年底前, 2022年底, 12月底前, 2021年6月30日前, 2022年9月(完成), 2022.12.31前; then what is due.
_DEADLINE_RES = (
    re.compile(r"^(?:(?P<y2>\d{4})年)?(?P<yearend>年底|年末|年内|底|末|内)(?P<before>之?前|以前)?(?P<rest>.*)$"),
    re.compile(r"^" + _CN_POINT.format(n=2) + r"(?P<end>底|末|中旬|上旬|下旬)?(?P<before>之?前|以前)?(?P<rest>.*)$"),
    re.compile(r"^" + _DOT_POINT.format(n=2) + r"(?P<before>之?前|以前)?(?P<rest>.*)$"),
)
_DONE_WORDS = ("前完成", "完成", "前")
_LONG_YEAR_RE = re.compile(r"(\d{5,})\s*年")
_DURATION_CATEGORIES = frozenset({"时效指标"})
_REVERSE_CATEGORIES = frozenset({"成本指标"})
_TRAILING_PUNCTUATION = "。.;；,，、!！?？:：\"'“”‘’"


def format_decimal(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: 10000, 0.52, 12.5."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def unit_family(unit: str) -> UnitFamily:
    """The family a canonical unit belongs to."""
    if unit in ("%", "个百分点", "‰"):
        return UnitFamily.PERCENT
    if unit in MONEY_UNITS:
        return UnitFamily.MONEY
    if unit in DURATION_UNITS:
        return UnitFamily.DURATION
    if unit == "分":
        return UnitFamily.SCORE
    if "/" in unit:
        return UnitFamily.RATE
    if unit == "":
        return UnitFamily.NONE
    return UnitFamily.COUNT


def convert(number: Decimal, unit: str, to: str) -> Decimal | None:
    """``number`` in ``unit`` expressed in ``to`` when both measure one dimension (元/万元, m/km), else None."""
    if unit == to:
        return number
    source, target = _DIMENSIONS.get(unit), _DIMENSIONS.get(to)
    if source is None or target is None or source[0] != target[0]:
        return None
    return number * source[1] / target[1]


def duration_step(unit: str) -> tuple[str, int] | None:
    """The calendar step of a duration unit (``("months", 12)`` for 年), None for 小时 and the like."""
    return _DURATION_STEPS.get(unit)


def read_quantity_unit(unit: str) -> tuple[str, Decimal] | None:
    """A unit as written after a measured value → (canonical unit, scale), or None if it is not one.

    ``万亩`` → (``亩``, 10000); ``m2`` → (``m²``, 1); used for recorded values as for targets.
    """
    try:
        canonical, scale, _ = _resolve_unit(unit, unit, None)
    except InvalidThreshold:
        return None
    return canonical, scale


@attrs.frozen
class Threshold:
    """A parsed target value (指标值).

    ``kind`` says how it is judged; ``op``/``value``/``unit`` hold the number for
    compare, exact and duration targets; ``upper`` is the top of a range;
    ``start_month``/``end_month``/``year``/``day`` describe a deadline window, whose
    ``year`` is the year it ends (a window that starts in a later month than it
    ends, ``2022年7月-2023年3月``, starts the year before); ``words`` hold the text of
    trend and qualitative targets, and what a deadline requires (``100%到位``).

    ``explicit`` records whether the operator was written or inferred from the
    indicator's category, and ``inferred`` says why each inferred part of the
    reading was inferred; neither takes part in equality, as ``1500家`` under
    数量指标 means ``≥1500家``.
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
    inferred: tuple[str, ...] = attrs.field(default=(), eq=False)
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
    end_day = f"{t.day}日" if t.day is not None else ""
    if t.start_month is not None and t.end_month is not None and t.start_month > t.end_month:
        assert t.year is not None  # a window across the new year has its years written
        text = f"{t.year - 1}年{t.start_month}月-{t.year}年{t.end_month}月{end_day}"
    elif t.start_month is not None:
        text = (
            f"{year}{t.start_month}月-{t.end_month}月{end_day}" if end_day else f"{year}{t.start_month}-{t.end_month}月"
        )
    elif t.day is not None:
        text = f"{year}{t.end_month}月{t.day}日前"
    elif t.end_month == 12 and not year:
        text = "年底前"
    else:
        text = f"{year}{t.end_month}月底前"
    return text + t.words


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


def parse(text: str, category: str | None = None, *, name_unit: str = "") -> Threshold:
    """Parse a target string.

    ``category`` is the indicator's level-2 name (成本指标 …), which gives a bare
    number its direction; ``name_unit`` is the unit the indicator's name carries
    (``个月`` for ``完成时限（月）``), which a bare number under 时效指标 is read in.
    """
    unfit = limits.text_fault(text)
    if unfit is not None:
        raise InvalidThreshold(text, unfit)
    for year in _LONG_YEAR_RE.findall(text):  # 99999年: a typo for a year, never prose to judge
        _year(text, year)
    cleaned = _normalise(text)
    if not cleaned:
        raise InvalidThreshold(text, "the target is empty")
    if not re.search(r"\d", cleaned):
        if any(cleaned.startswith(sign) for sign in _OP_SIGNS):
            raise InvalidThreshold(text, "an operator needs a number after it")
        return _parse_words(cleaned)
    op, rest, explicit = _split_operator(text, cleaned)
    if op is None:
        special = _parse_window(text, rest) or _parse_range(text, rest, category)
        if special is not None:
            return special
        if not rest[0].isdigit():
            return _parse_prose(text, rest, category)
    try:
        number, unit, scaled = _split_quantity(text, rest, category)
    except InvalidThreshold:
        if op is None:
            prose = _parse_leading_number(text, rest, category)
            if prose is not None:
                return prose
        raise
    notes = [scaled] if scaled else []
    return _quantity(number, unit, op, explicit, category, name_unit, notes)


def _quantity(
    number: Decimal,
    unit: str,
    op: Op | None,
    explicit: bool,
    category: str | None,
    name_unit: str,
    notes: list[str],
) -> Threshold:
    """A number with its unit and operator, the missing parts inferred (and said so)."""
    if not unit and op is None and category in _DURATION_CATEGORIES and unit_family(name_unit) is UnitFamily.DURATION:
        unit = name_unit
        notes.append(f"the unit {unit} comes from the indicator's name")
    if op is None:
        op, why = _default_operator(number, category, unit)
        notes.append(why)
    return Threshold(kind=_kind_of(op, unit), op=op, value=number, unit=unit, explicit=explicit, inferred=tuple(notes))


def _kind_of(op: Op, unit: str) -> Kind:
    """A number in a duration unit is a duration; with = it is exact; else a comparison."""
    if unit_family(unit) is UnitFamily.DURATION:
        return Kind.DURATION
    return Kind.EXACT if op is Op.EQ else Kind.COMPARE


def _default_operator(number: Decimal, category: str | None, unit: str) -> tuple[Op, str]:
    """The direction of a bare number, and why: a zero is a zero target, else the category decides."""
    if number == 0:
        return Op.LE, "a bare 0 is a zero target (≤0: full only when nothing happens)"
    if category in _REVERSE_CATEGORIES:
        return Op.LE, f"no operator: ≤ because {category} is a cap"
    if category in _DURATION_CATEGORIES and unit_family(unit) is UnitFamily.DURATION:
        return Op.LE, f"no operator: ≤ because a duration under {category} is a cap"
    where = f"under {category}" if category else "without a category"
    return Op.GE, f"no operator: ≥ for a bare number {where}"


def _normalise(text: str) -> str:
    """NFKC, no spaces, one spelling per sign; trailing punctuation and 以上 after ≥ stripped."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("≧", "≥").replace("≦", "≤").replace("〜", "~")
    text = re.sub(r"\s+", "", text)
    # m2 / m3 after a number are the area and volume units NFKC made of ㎡ and m³.
    text = re.sub(r"(?<=\d)(km|[mM])([23])(?![\d.])", lambda m: m.group(1).lower() + "²³"[int(m.group(2)) - 2], text)
    text = re.sub(r"[*×・•∙]", "·", text)
    text = re.sub(r"[(（]含[)）]", "", text)
    text = text.strip(_TRAILING_PUNCTUATION)
    return re.sub(r"内完成$", "内", text)


def _split_operator(original: str, text: str) -> tuple[Op | None, str, bool]:
    """Take a leading operator sign or word and a trailing 以上/以内 word; they must agree."""
    op: Op | None = None
    for sign in sorted(_OP_SIGNS, key=len, reverse=True):
        if text.startswith(sign):
            op, text = _OP_SIGNS[sign], text[len(sign) :]
            break
    else:
        for word in sorted(_PREFIX_WORDS, key=len, reverse=True):
            if text.startswith(word) and re.match(r"\d", text[len(word) :]):
                op, text = _PREFIX_WORDS[word], text[len(word) :]
                break
    if text[:1].isdigit():
        for word in sorted(_SUFFIX_WORDS, key=len, reverse=True):
            if text.endswith(word) and not _is_date_suffix(text, word):
                suffix = _SUFFIX_WORDS[word]
                if op is not None and op is not suffix and {op, suffix} != {Op.GT, Op.GE}:
                    raise InvalidThreshold(original, f"the operator {op.value} and the word {word!r} disagree")
                op, text = op or suffix, text[: -len(word)]
                break
    return op, text, op is not None


def _is_date_suffix(text: str, word: str) -> bool:
    """``年内``, ``月底内`` end a deadline, not a cap on a number."""
    return word == "内" and bool(re.search(r"(\d{4}年|(?<!个)月|底|末)内$", text))


def _parse_words(text: str) -> Threshold:
    for word in _TREND_WORDS:
        if word in text:
            return Threshold(kind=Kind.TREND, op=Op.GT, words=text)
    for word in _DOWNWARD_TREND_WORDS:
        if word in text:
            return Threshold(kind=Kind.TREND, op=Op.LT, words=text)
    if re.fullmatch(r"零[\u4e00-\u9fff]{1,6}", text):  # 零事故, 零投诉
        return Threshold(kind=Kind.COMPARE, op=Op.LE, value=Decimal(0), inferred=(f"{text} is a zero target (≤0)",))
    if _WHOLE_YEAR_RE.match(text):
        return Threshold(kind=Kind.DEADLINE, start_month=1, end_month=12)
    deadline = _DEADLINE_RES[0].match(text)
    if deadline is not None and deadline.group("yearend") in ("年底", "年末", "年内"):
        return Threshold(kind=Kind.DEADLINE, end_month=12, words=_due_words(deadline.group("rest")))
    return Threshold(kind=Kind.QUALITATIVE, words=text)


def criterion(name: str) -> Threshold:
    """The target of an indicator whose 指标值 was left blank: qualitative, its criterion the indicator's name.

    Tables print such rows (``资金使用合规`` with no value); the evaluator grades them
    (达成 / 部分达成 / 未达成) like any free-text target.  Readers warn that it was blank.
    """
    return Threshold(kind=Kind.QUALITATIVE, words=name.strip())


def _due_words(rest: str) -> str:
    """What a deadline requires beyond being done (``100%到位``); plain 完成 adds nothing."""
    return "" if rest in _DONE_WORDS else rest


def _year(original: str, digits: str | None) -> int | None:
    if digits is None:
        return None
    try:
        return limits.year(int(digits))
    except limits.OutOfBounds as beyond:
        raise InvalidThreshold(original, beyond.reason) from None


def _check_day(original: str, year: int | None, month: int, day: int | None) -> None:
    if not 1 <= month <= 12:
        raise InvalidThreshold(original, f"{month} is not a month")
    if day is None:
        return
    last = calendar.monthrange(year or 2000, month)[1]  # 2000: a leap year admits 2月29日
    if not 1 <= day <= last:
        raise InvalidThreshold(original, f"{month}月{day}日 is not a date")


def _parse_window(original: str, text: str) -> Threshold | None:
    """A window (``2022年7月-2023年3月``), the whole of a year, or a deadline (``2022年9月底前``)."""
    whole = _WHOLE_YEAR_RE.match(text)
    if whole is not None and whole.group("y2"):
        return Threshold(kind=Kind.DEADLINE, year=_year(original, whole.group("y2")), start_month=1, end_month=12)
    for pattern in _WINDOW_RES:
        match = pattern.match(text)
        if match is not None:
            return _window(original, match)
    return _deadline(original, text)


def _window(original: str, match: re.Match[str]) -> Threshold:
    y1, y2 = _year(original, match.group("y1")), _year(original, match.group("y2"))
    start, end = int(match.group("m1")), int(match.group("m2"))
    start_day = int(match.group("d1")) if match.group("d1") else None
    end_day = int(match.group("d2")) if match.group("d2") else None
    for year, month, day in ((y1, start, start_day), (y2 or y1, end, end_day)):
        _check_day(original, year, month, day)
    if y1 is not None and y2 is not None and y2 != y1:
        if y2 != y1 + 1 or start <= end:
            raise InvalidThreshold(original, "a window longer than twelve months cannot be a year's target")
    elif start > end:
        raise InvalidThreshold(original, f"months {start}-{end} are not a window inside one year")
    year = y2 or y1
    notes: list[str] = []
    if start_day not in (None, 1):
        notes.append(f"the window is judged by its end: its start day {start}月{start_day}日 is not kept")
    if end_day is not None and end_day == calendar.monthrange(year or 2001, end)[1]:
        end_day = None  # the last day of the month is the month's end
    return Threshold(
        kind=Kind.DEADLINE, year=year, start_month=start, end_month=end, day=end_day, inferred=tuple(notes)
    )


def _deadline(original: str, text: str) -> Threshold | None:
    for pattern in _DEADLINE_RES:
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        if groups.get("yearend") is not None:
            if groups["y2"] is None and groups["yearend"] in ("底", "末", "内"):
                return None  # 底前 alone is not a date
            end, day = 12, None
        else:
            end, day = int(groups["m2"]), int(groups["d2"]) if groups.get("d2") else None
        rest = groups["rest"]
        # "12月" alone is a duration (12 months), not December: a year, a day, 底 or 前 make it a date.
        if not (groups.get("y2") or day or groups.get("end") or groups.get("before") or groups.get("yearend")):
            return None
        if rest[:1].isdigit() and not re.match(rf"{_NUMBER}%", rest):
            return None
        year = _year(original, groups.get("y2"))
        _check_day(original, year, end, day)
        return Threshold(kind=Kind.DEADLINE, year=year, end_month=end, day=day, words=_due_words(rest))
    return None


def _parse_range(original: str, text: str, category: str | None) -> Threshold | None:
    match = _RANGE_RE.match(text)
    if match is None:
        return None
    if re.fullmatch(r"(19|20|21)\d\d", match.group("lo")) and match.group("hi_unit") in ("", "年"):
        raise InvalidThreshold(original, "a span of years is not a target; write the months (2022年1月-2023年12月)")
    hi_unit, hi_scale, _ = _resolve_unit(original, match.group("hi_unit"), category)
    if match.group("lo_unit"):
        lo_unit, lo_scale, _ = _resolve_unit(original, match.group("lo_unit"), category)
    else:  # 1-2万亩: the lower end takes the upper end's unit
        lo_unit, lo_scale = hi_unit, hi_scale
    if lo_unit and hi_unit and lo_unit != hi_unit:
        raise InvalidThreshold(original, f"the two ends of the range have different units ({lo_unit}, {hi_unit})")
    lo = _scaled(_decimal(original, match.group("lo")), lo_scale)
    hi = _scaled(_decimal(original, match.group("hi")), hi_scale)
    if lo > hi:
        raise InvalidThreshold(original, "the range's lower end is above its upper end")
    return Threshold(kind=Kind.RANGE, value=lo, upper=hi, unit=hi_unit or lo_unit)


def _split_quantity(original: str, text: str, category: str | None) -> tuple[Decimal, str, str]:
    """A number and its unit, scaled to the base unit; the third part says why if inferred."""
    match = _QUANTITY_RE.match(text)
    if match is None:
        raise InvalidThreshold(original, "expected a number with an optional unit")
    _refuse_hedges(original, match.group("unit"), _UNIT_HEDGE_RE)
    unit, scale, why = _resolve_unit(original, match.group("unit"), category)
    return _scaled(_decimal(original, match.group("num")), scale), unit, why


def _refuse_hedges(original: str, text: str, pattern: re.Pattern[str]) -> None:
    found = pattern.search(text)
    if found is not None:
        hedge = re.sub(r"[\d.,]", "", found.group(0))
        raise InvalidThreshold(
            original, f"{hedge!r} makes the number approximate; write it with an operator (≥, ≤) or as a range"
        )


def _scaled(number: Decimal, scale: Decimal) -> Decimal:
    """``number × scale`` without a spurious fraction: 1.5 × 万 is 15000, not 15000.0."""
    if scale == 1:
        return number
    product = number * scale
    return product.quantize(Decimal(1)) if product == product.to_integral_value() else product.normalize()


def _decimal(original: str, digits: str) -> Decimal:
    try:
        return limits.number(Decimal(digits.replace(",", "")), digits)
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        raise InvalidThreshold(original, f"{digits!r} is not a number") from None
    except limits.OutOfBounds as beyond:
        raise InvalidThreshold(original, f"{digits!r} is {beyond.reason}") from None


def _resolve_unit(original: str, unit: str, category: str | None) -> tuple[str, Decimal, str]:
    """A written unit → (canonical unit, scale to it, why when inferred); InvalidThreshold if not a unit."""
    if unit in _UNIT_ALIASES:
        return _UNIT_ALIASES[unit], Decimal(1), ""
    if unit in ("万", "亿"):
        # "5万" in a cost table is money; anywhere else the magnitude is ambiguous.
        if category in _REVERSE_CATEGORIES:
            return unit + "元", Decimal(1), f"'{unit}' under {category} is read as {unit}元"
        raise InvalidThreshold(
            original, f"'{unit}' without a unit is ambiguous outside 成本指标; write {unit}元 or the count"
        )
    if not unit:
        return "", Decimal(1), ""
    if len(unit) > limits.UNIT_LENGTH:
        raise InvalidThreshold(original, f"the unit {unit!r} is longer than {limits.UNIT_LENGTH} characters")
    if unit[0] in _SCALES:
        base, scale, why = _resolve_unit(original, unit[1:], None)
        if unit_family(base) in (UnitFamily.PERCENT, UnitFamily.MONEY, UnitFamily.SCORE, UnitFamily.NONE):
            raise InvalidThreshold(original, f"unknown unit {unit!r}")
        return base, scale * _SCALES[unit[0]], why
    if "/" in unit:
        return _rate(original, unit), Decimal(1), ""
    if unit in COUNT_UNITS:
        return unit, Decimal(1), ""
    if re.fullmatch(r"[\u4e00-\u9fff]{1,2}", unit) and not _NOT_A_COUNT & set(unit):
        # An unlisted Chinese count word (e.g. 棵, 栋): a count, as it cannot be a date or a sentence.
        return unit, Decimal(1), ""
    raise InvalidThreshold(original, f"unknown unit {unit!r}")


def _rate(original: str, unit: str) -> str:
    """A compound rate (件/万人, 元/人·月, 次/年): every part a unit, the separators in one spelling."""
    parts = re.split(r"[/·]", unit)
    if not all(parts) or len(parts) > 4:
        raise InvalidThreshold(original, f"unknown unit {unit!r}")
    for part in parts:
        bare = part[1:] if part[0] in _SCALES and len(part) > 1 else part
        if bare not in _UNIT_ALIASES and bare not in COUNT_UNITS and not re.fullmatch(r"[\u4e00-\u9fff]{1,2}", bare):
            raise InvalidThreshold(original, f"unknown unit {unit!r}")
    return unit


# -- prose: a sentence that carries one number (至少开展3次督查, 每亩250, 按标准800元/人发放) ------------

# What in a sentence is not a target's number: dates, years, document numbers, titles, ordinals.
_NOT_TARGET_NUMBERS = re.compile(
    r"《[^》]*》|〔\d{4}〕\d*号?|\[\d{4}\]\d*号?|[A-Za-z]+/?[A-Za-z]*\d[\d.\-]*|"
    r"(?<!\d)\d{4}年(?:度)?(?:\d{1,2}月(?:\d{1,2}[日号])?)?|(?<!\d)\d{1,2}月\d{1,2}[日号]|第\d+"
)
_PROSE_NUMBER = re.compile(rf"(?P<num>{_NUMBER})")
_PER_RE = re.compile(r"每(?P<per>[\u4e00-\u9fff])")


def _parse_leading_number(original: str, text: str, category: str | None) -> Threshold | None:
    """``3次督查``, ``100%完成``: a number and a known unit, then words; read as prose, or None."""
    match = re.match(rf"^(?P<num>{_NUMBER})(?P<tail>[\u4e00-\u9fff%]+.*)$", text)
    if match is None or _leading_unit(match.group("tail")) is None:
        return None
    if re.match(r"[年月](底|末|前|内|度|份|初|中)", match.group("tail")):
        return None  # part of a date (99999年底前), not a unit
    return _parse_prose(original, text, category)


def _leading_unit(tail: str) -> tuple[str, str] | None:
    """The longest known unit (or rate) at the start of ``tail`` → (unit as written, canonical)."""
    for size in range(min(len(tail), 9), 0, -1):
        head = tail[:size]
        if all(_known_unit(part) for part in re.split(r"[/·]", head)):
            return head, _UNIT_ALIASES.get(head, head)
    return None


def _known_unit(part: str) -> bool:
    """A unit of the vocabulary (not an unknown word), possibly scaled by 万 or 亿."""
    bare = part[1:] if part[:1] in _SCALES and len(part) > 1 else part
    return bare in _UNIT_ALIASES or bare in COUNT_UNITS


def _parse_prose(original: str, text: str, category: str | None) -> Threshold:
    """A sentence with one target number is read (marked inferred); otherwise it stays qualitative."""
    _refuse_hedges(original, text, _PROSE_HEDGE_RE)
    stripped = _NOT_TARGET_NUMBERS.sub(" ", text)
    numbers = list(_PROSE_NUMBER.finditer(stripped))
    if len(numbers) != 1:
        many = "several numbers" if numbers else "no target number"
        return Threshold(
            kind=Kind.QUALITATIVE,
            words=text,
            inferred=(f"the text carries {many}, so no single reading: judged as qualitative",),
        )
    found = numbers[0]
    number = _decimal(original, found.group("num"))
    before, after = stripped[: found.start()], stripped[found.end() :]
    unit_found = _leading_unit(after)
    unit = ""
    if unit_found is not None:
        unit, scale, _ = _resolve_unit(original, unit_found[0], category)
        number = _scaled(number, scale)
    notes = [f"the number {format_decimal(number)}{unit} is read from the text"]
    pers = _PER_RE.findall(before + after)
    if pers and "/" not in unit:
        money = unit if unit in MONEY_UNITS else ""
        if not money and category in _REVERSE_CATEGORIES and not unit:
            money = "元"
            notes.append(f"the unit 元 comes from {category}")
        if money:
            unit = f"{money}/{'·'.join(pers)}"
    if not unit and "%" not in after[:1]:
        return Threshold(
            kind=Kind.QUALITATIVE,
            words=text,
            inferred=(f"the number {format_decimal(number)} has no unit, so no single reading: judged as qualitative",),
        )
    op = _prose_operator(before, after[len(unit_found[0]) if unit_found else 0 :])
    explicit = op is not None
    if op is None:
        op, why = _default_operator(number, category, unit)
        notes.append(why)
    return Threshold(kind=_kind_of(op, unit), op=op, value=number, unit=unit, explicit=explicit, inferred=tuple(notes))


def _prose_operator(before: str, after: str) -> Op | None:
    """The operator the words around a sentence's number give (至少 … → ≥, … 以内 → ≤, 按标准 → =)."""
    for word in sorted(_PREFIX_WORDS, key=len, reverse=True):
        if word in before:
            return _PREFIX_WORDS[word]
    for word in sorted(_SUFFIX_WORDS, key=len, reverse=True):
        if after.startswith(word):
            return _SUFFIX_WORDS[word]
    if _PROSE_EXACT_RE.search(before):
        return Op.EQ
    return None
