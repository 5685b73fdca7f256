"""复核: auditing a filled-in self-evaluation table (项目支出绩效自评表) against the scoring rules.

A finance bureau checks the 自评表 that units hand in (财政部门抽查复核).  This module
takes one table as read from a file (a :class:`FilledTable`: its indicator rows, the
budget line 预算执行率 and the 总分 row, all as the text printed) and re-scores it
with the rules of :mod:`kpitrack.scoring` under a :class:`~kpitrack.profile.Profile`.
It returns an :class:`AuditedTable`: for every row the published score, the score
the rules give with their arithmetic, and :class:`Finding` values naming what does
not hold, from a fixed set of flags (:data:`FLAGS`).

Nothing here reads a file: :mod:`kpitrack.io.selfeval` reads the tables and writes
the annotated workbook, :mod:`kpitrack.report` lays the results out.

Choices the rules leave open, made here once:

- A table's own weights stand.  Department tables print tiers other than 50/30/10
  (60 for 产出, 70/20/10 + 10 …): every row is scored against the 分值 printed, the
  tiers and the execution weight are the table's, and ``weights`` is raised only
  when they do not hold together (a tier's rows against the tier's printed weight,
  or the whole against 100).  A blank 分值 takes its tier's remainder, split equally.
- Qualitative rows (and trend, deadline or duration rows whose 实际完成值 is a word
  rather than a number or date) are judged by the grade bands: a score inside the band
  of the printed grade (达成, or a word of the profile's ``value_words``: 是, 基本完成 …) is what the rules
  give; inside another band it is a ``mismatch``; with no grade word, any band will do,
  and a score outside every band is a ``mismatch``.  A trend row with a measured value
  (88%) has no last year's value in a 自评表, so it is judged by the bands as well.
- Actuals are read by the import's parser (:func:`kpitrack.readings.read`, with the
  profile's result words); what it refuses is read once more as published tables mean
  it (a remark in brackets or 以上 after the number, a count unit spelt otherwise, a
  result word such as 完成 for a numeric target, judged by the bands), saying so in
  the row's explanation; anything else is ``unreadable``.
- ``no_explanation``: points lost (the printed score below the weight) with the
  偏差原因分析及改进措施 cell blank; tables without that column are not checked.
- The rules' total is the sum of the rules' scores (rescaled as :mod:`kpitrack.scoring`
  does when rows are 不适用); when a row cannot be re-scored (``unreadable``) there is
  no rules' total, and ``total_rules`` is None.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

import attrs

from kpitrack import limits, scoring, thresholds
from kpitrack.model import (
    Indicator,
    Project,
    ProjectScoring,
    level1_of,
    normalise_level1,
    normalise_level2,
    unit_from_name,
)
from kpitrack.numbers import show
from kpitrack.periods import Period
from kpitrack.profile import Profile, Rating
from kpitrack.readings import Grade, InvalidReading, Progress, Reading, ReadingKind, read, read_money
from kpitrack.scoring import IndicatorScore, ProjectScore, Status
from kpitrack.thresholds import Kind, Threshold

__all__ = [
    "DEFAULT_TOLERANCE",
    "FLAGS",
    "AuditedRow",
    "AuditedTable",
    "FilledTable",
    "Finding",
    "FundLine",
    "IndicatorLine",
    "Summary",
    "TotalLine",
    "audit",
    "summarise",
]

DEFAULT_TOLERANCE = Decimal("0.05")  # points: a published score this close to the rules' is consistent

# The flags, a contract of the command (``kpitrack audit``) and its JSON.
MISMATCH, ROUNDING, LENIENT, HARSH = "mismatch", "rounding", "lenient", "harsh"
ABOVE_WEIGHT, WEIGHTS, TOTAL, GRADE = "above_weight", "weights", "total", "grade"
EXECUTION, NO_EXPLANATION, UNREADABLE = "execution", "no_explanation", "unreadable"
FLAGS = (
    MISMATCH,
    ROUNDING,
    LENIENT,
    HARSH,
    ABOVE_WEIGHT,
    WEIGHTS,
    TOTAL,
    GRADE,
    EXECUTION,
    NO_EXPLANATION,
    UNREADABLE,
)

# The columns of the 自评表, by their printed names: a finding names the one it is about.
LEVEL1, LEVEL2, NAME, TARGET, ACTUAL = "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"
WEIGHT, SCORE, REASON = "分值", "得分", "偏差原因分析及改进措施"
INITIAL, BUDGET, SPENT, RATE = "年初预算数", "全年预算数", "全年执行数", "执行率"
TOTAL_FIELD, GRADE_FIELD = "总分", "等级"
EXECUTION_NAME = "预算执行率"

_RATING_WORDS = {
    "优": Rating.EXCELLENT,
    "优秀": Rating.EXCELLENT,
    "良": Rating.GOOD,
    "良好": Rating.GOOD,
    "中": Rating.FAIR,
    "中等": Rating.FAIR,
    "合格": Rating.FAIR,
    "差": Rating.POOR,
    "较差": Rating.POOR,
    "不合格": Rating.POOR,
}
# Rounding rules seen in published tables: (places, mode, words).  Integer before one decimal.
_HALF_UP, _HALF_DOWN = "half up (四舍五入)", "half down"
_ROUNDINGS = tuple(
    (step, mode, words)
    for step in (Decimal(1), Decimal("0.1"))
    for mode, words in (
        (ROUND_HALF_UP, _HALF_UP),
        (ROUND_HALF_DOWN, _HALF_DOWN),
        (ROUND_DOWN, "truncated (去尾)"),
        (ROUND_UP, "rounded up (进一)"),
    )
)
_PLACES_WORDS = {Decimal(1): "an integer", Decimal("0.1"): "one decimal"}
_BLANKS = frozenset({"", "-", "—", "/", "／", "——"})
_NUMBER_RE = re.compile(r"^(?P<num>[-+]?\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>分|%|万元|元|万|亿元)?$")
_TIER_WEIGHT_RE = re.compile(r"^(?P<name>\D+?)[(（:：]?(?P<weight>\d+(?:\.\d+)?)分?[)）]?$")
_PRINTED_WEIGHT_SLACK = Decimal("0.005")  # a weight printed to two decimals is this far from its share at most
HUNDRED = Decimal(100)


# -- the table as read -------------------------------------------------------------------


@attrs.frozen
class IndicatorLine:
    """One row of the 绩效指标 block, as printed; ``reason`` is None when the table has no such column."""

    row: int
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: str
    score: str
    reason: str | None = None


@attrs.frozen
class FundLine:
    """The budget line (预算执行率 / 项目资金): money in ``unit`` unless a cell carries its own."""

    row: int
    budget: str
    spent: str
    weight: str
    score: str
    rate: str = ""
    initial: str = ""  # 年初预算数, when printed: a rate computed on it is a common error
    unit: str = "万元"


@attrs.frozen
class TotalLine:
    """The 总分 row: the published total and the grade (等级) when printed."""

    row: int
    total: str
    grade: str = ""


@attrs.frozen
class FilledTable:
    """A filled-in 自评表 as read from a file: one project's rows, with where they came from.

    ``file`` and ``sheet`` say where it was read; ``columns`` maps a field (a column
    name of the 自评表, such as 得分) to the column as the file writes it, for locating
    findings; ``year`` is the year printed in the title, if any.
    """

    project: str
    file: str
    lines: tuple[IndicatorLine, ...]
    fund: FundLine | None = None
    total: TotalLine | None = None
    sheet: str | None = None
    year: int | None = None
    columns: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def source(self) -> str:
        return f"{self.file}: sheet {self.sheet}" if self.sheet else self.file

    def where(self, row: int, field: str | None = None) -> str:
        """``file: sheet S, row 12, column 得分 (H)``: a row, or one of its cells."""
        column = f", column {self.columns.get(field, field)}" if field else ""
        return f"{self.source}, row {row}{column}" if self.sheet else f"{self.source}: row {row}{column}"


# -- the result ------------------------------------------------------------------------


@attrs.frozen
class Finding:
    """One thing that does not hold: its flag, the column it is about, and why."""

    flag: str
    field: str
    message: str


@attrs.frozen
class AuditedRow:
    """A row re-scored: the published score (得分), the rules' score and arithmetic, the findings.

    ``kind`` is ``indicator``, ``execution`` (the budget line) or ``total`` (the 总分 row).
    """

    row: int
    indicator: str
    kind: str
    published: Decimal | None
    expected: Decimal | None
    weight: Decimal | None
    explain: str
    findings: tuple[Finding, ...] = ()
    line: IndicatorLine | FundLine | TotalLine | None = None

    @property
    def flags(self) -> tuple[str, ...]:
        return _unique(f.flag for f in self.findings)


@attrs.frozen
class AuditedTable:
    """One table audited: its rows, the findings about the whole, the totals and grades."""

    table: FilledTable
    rows: tuple[AuditedRow, ...]
    findings: tuple[Finding, ...]
    total_published: Decimal | None
    total_rules: Decimal | None
    grade_published: str
    grade_rules: Rating | None
    tolerance: Decimal = DEFAULT_TOLERANCE

    @property
    def flags(self) -> tuple[str, ...]:
        """Every flag raised in the table, in the order of :data:`FLAGS`."""
        raised = {f.flag for f in self.findings} | {flag for row in self.rows for flag in row.flags}
        return tuple(flag for flag in (*FLAGS, *sorted(raised - set(FLAGS))) if flag in raised)

    @property
    def flagged_rows(self) -> int:
        return sum(1 for row in self.rows if row.findings)

    @property
    def total_off(self) -> bool:
        """总分 is not the sum of its parts, or not the rules' total (beyond the tolerance, and no rounding of it)."""
        if any(TOTAL in row.flags for row in self.rows):
            return True
        published, rules = self.total_published, self.total_rules
        if published is None or rules is None:
            return False
        return abs(published - rules) > self.tolerance and _rounding(published, rules) is None

    @property
    def badness(self) -> tuple[int, Decimal]:
        """For ordering worst first: flagged rows and table findings, then how far the total is off."""
        gap = (
            abs(self.total_published - self.total_rules)
            if self.total_published is not None and self.total_rules is not None
            else Decimal(0)
        )
        return self.flagged_rows + len(self.findings), gap


@attrs.frozen
class Summary:
    """Over all tables audited: counts, rows flagged by flag, tables whose total is off."""

    tables: int
    rows: int
    flagged_rows: int
    by_flag: Mapping[str, int]
    totals_off: int
    problems: int = 0  # files (or rows of them) that could not be read


def summarise(tables: Sequence[AuditedTable], problems: int = 0) -> Summary:
    """The summary over all tables audited; ``problems`` counts what could not be read."""
    by_flag: dict[str, int] = {}
    for table in tables:
        for row in table.rows:
            for flag in row.flags:
                by_flag[flag] = by_flag.get(flag, 0) + 1
        for flag in _unique(f.flag for f in table.findings):
            by_flag[flag] = by_flag.get(flag, 0) + 1
    order = {flag: n for n, flag in enumerate(FLAGS)}
    return Summary(
        tables=len(tables),
        rows=sum(len(t.rows) for t in tables),
        flagged_rows=sum(t.flagged_rows for t in tables),
        by_flag=dict(sorted(by_flag.items(), key=lambda item: (order.get(item[0], len(FLAGS)), item[0]))),
        totals_off=sum(1 for t in tables if t.total_off),
        problems=problems,
    )


# -- the audit ---------------------------------------------------------------------------


def audit(table: FilledTable, profile: Profile, tolerance: Decimal = DEFAULT_TOLERANCE) -> AuditedTable:
    """Re-score one filled-in 自评表 under ``profile`` and say what does not hold.

    read the printed cells → re-score them with :mod:`kpitrack.scoring` → compare
    each row, the budget line and the total → check the weights.
    """
    rows = [_read_line(line) for line in table.lines]
    fund = _read_fund(table.fund) if table.fund is not None else None
    section = _table_scoring(rows, fund, profile)
    rules = profile.for_project(section)
    rescored = _rescore(table, rows, fund, section, profile)
    audited = [
        _audit_indicator(row, rescored.score_of(row), rescored.weight_of(row), rescored.read_of(row), tolerance)
        for row in rows
    ]
    if fund is not None:
        audited.append(_audit_fund(fund, rescored.score, tolerance))
    complete = all(row.expected is not None for row in audited)
    total_rules = rescored.score.total if complete else None
    if table.total is not None:
        audited.append(_audit_total(table.total, audited, rescored.score, total_rules, rules, tolerance))
    return AuditedTable(
        table=table,
        rows=tuple(sorted(audited, key=lambda row: row.row)),
        findings=tuple(_weight_findings(rows, fund, rescored.weights, rules, tolerance)),
        total_published=audited[-1].published if table.total is not None else None,
        total_rules=total_rules,
        grade_published=table.total.grade.strip() if table.total is not None else "",
        grade_rules=rescored.score.grade if complete else None,
        tolerance=tolerance,
    )


@attrs.frozen
class _Rescored:
    """The table as the rules score it: each indicator's weight, how its actual was read, the scores."""

    weights: Mapping[str, Decimal]
    reads: Mapping[str, _Read]
    score: ProjectScore

    def score_of(self, row: _Row) -> IndicatorScore | None:
        if row.indicator is None:
            return None
        return next(item for item in self.score.indicators if item.indicator.id == row.indicator.id)

    def weight_of(self, row: _Row) -> Decimal | None:
        return self.weights[row.indicator.id] if row.indicator is not None else row.weight

    def read_of(self, row: _Row) -> _Read:
        return self.reads[row.indicator.id] if row.indicator is not None else _Read()


def _rescore(
    table: FilledTable, rows: Sequence[_Row], fund: _Fund | None, section: ProjectScoring, profile: Profile
) -> _Rescored:
    """The rows as a :class:`~kpitrack.model.Project` with the table's weights as its scoring section, the
    printed actuals as its :class:`~kpitrack.readings.Progress`, scored by :func:`kpitrack.scoring.evaluate`.
    """
    rules = profile.for_project(section)
    project = Project(
        id=table.project or "project",
        name=table.project,
        unit="",
        year=table.year or 0,  # 0: not printed; a deadline then takes its year from the completion date
        budget=fund.budget if fund is not None and fund.budget is not None else Decimal(0),
        indicators=tuple(row.indicator for row in rows if row.indicator is not None),
        scoring=section,
    )
    weights = scoring.indicator_weights(project, rules)
    reads = {
        row.indicator.id: _reading(row, weights[row.indicator.id], rules, table.year) for row in rows if row.indicator
    }
    actuals = {key: found.reading for key, found in reads.items() if found.reading is not None}
    if any(found.as_words for found in reads.values()):
        project = attrs.evolve(project, indicators=tuple(_as_words(i, reads[i.id]) for i in project.indicators))
    spent = fund.spent if fund is not None and fund.spent is not None else Decimal(0)
    score = scoring.evaluate(Progress(project, Period.year_end(project.year), actuals, spent), profile)
    return _Rescored(weights, reads, score)


@attrs.frozen
class _Row:
    """An indicator line read: its numbers, its indicator (None when its target cannot be read), its problems."""

    line: IndicatorLine
    level1: str
    tier_weight: Decimal | None  # a weight printed in the 一级指标 cell: 产出指标（50分）
    indicator: Indicator | None
    weight: Decimal | None
    published: Decimal | None
    findings: tuple[Finding, ...]


@attrs.frozen
class _Fund:
    line: FundLine
    budget: Decimal | None
    spent: Decimal | None
    initial: Decimal | None
    weight: Decimal | None
    published: Decimal | None
    rate: Decimal | None  # printed, in percent
    findings: tuple[Finding, ...]


def _weight_and_score(
    weight_text: str, score_text: str, findings: list[Finding]
) -> tuple[Decimal | None, Decimal | None]:
    """A row's 分值 and 得分 as numbers (None when blank); what cannot be read is an ``unreadable`` finding."""
    weight = _points(weight_text)
    if isinstance(weight, str):
        findings.append(Finding(UNREADABLE, WEIGHT, f"cannot read 分值 {weight_text!r}: {weight}"))
        weight = None
    published = _points(score_text)
    if isinstance(published, str):
        findings.append(Finding(UNREADABLE, SCORE, f"cannot read 得分 {score_text!r}: {published}"))
        published = None
    return weight, published


def _read_line(line: IndicatorLine) -> _Row:
    """The numbers and the indicator of one row; what cannot be read is an ``unreadable`` finding."""
    findings: list[Finding] = []
    level1, tier_weight = _tier(line.level1)
    level2 = normalise_level2(line.level2)
    level1 = normalise_level1(level1) if level1 else (level1_of(level2) or level2)
    weight, published = _weight_and_score(line.weight, line.score, findings)
    indicator, problem = _indicator(line, level1, level2, weight)
    if problem is not None:
        findings.append(problem)
    return _Row(line, level1, tier_weight, indicator, weight, published, tuple(findings))


def _indicator(
    line: IndicatorLine, level1: str, level2: str, weight: Decimal | None
) -> tuple[Indicator | None, Finding | None]:
    """The row's indicator, or why it cannot be re-scored (its target, or a number too large to hold)."""
    target = _clean(line.target)
    if not target:
        return None, Finding(UNREADABLE, TARGET, "年度指标值 is blank: the row cannot be re-scored")
    try:
        threshold = _target(target, level2, unit_from_name(line.name))
    except thresholds.InvalidThreshold as invalid:
        wordy = _wordy_target(target)
        if wordy is None:
            return None, Finding(UNREADABLE, TARGET, f"{invalid}: the row cannot be re-scored")
        threshold = wordy
    indicator = Indicator.create(
        id=f"r{line.row}", name=line.name, level1=level1, level2=level2 or level1, target=threshold, weight=weight
    )
    return indicator, None


def _target(text: str, level2: str, name_unit: str) -> Threshold:
    """:func:`kpitrack.thresholds.parse` of a printed target, read as its level 2 and name say."""
    return thresholds.parse(text, level2, name_unit=name_unit)


def _wordy_target(text: str) -> Threshold | None:
    """A target with an operator but no number (≤预算, ≥上年) is a judgement in words: qualitative."""
    if re.search(r"\d", unicodedata.normalize("NFKC", text)):
        return None
    return Threshold(Kind.QUALITATIVE, words=_clean(text))


def _read_fund(line: FundLine) -> _Fund:
    """The budget line's money (in 万元), weight, score and printed rate."""
    findings: list[Finding] = []

    def money(text: str, field: str, required: bool) -> Decimal | None:
        amount = _money(text, line.unit)
        if isinstance(amount, Decimal):
            return amount
        if required or _clean(text):
            findings.append(Finding(UNREADABLE, field, f"cannot read {field} {text!r}: {amount}"))
        return None

    rates = _percent_pair(line.budget, line.spent)
    budget: Decimal | None
    spent: Decimal | None
    if rates is not None:  # 年度指标值 100%, 实际完成值 95%: the rate printed for the money
        budget, spent = rates
    else:
        budget, spent = money(line.budget, BUDGET, True), money(line.spent, SPENT, True)
    initial = money(line.initial, INITIAL, False)
    weight, published = _weight_and_score(line.weight, line.score, findings)
    if published is None and _number(line.score) is None:  # blank, not unreadable
        findings.append(Finding(UNREADABLE, SCORE, "得分 is blank"))
    rate = _percent(line.rate)
    if isinstance(rate, str):
        findings.append(Finding(UNREADABLE, RATE, f"cannot read 执行率 {line.rate!r}: {rate}"))
        rate = None
    return _Fund(line, budget, spent, initial, weight, published, rate, tuple(findings))


def _table_scoring(rows: Sequence[_Row], fund: _Fund | None, profile: Profile) -> ProjectScoring:
    """The table's own weights as a goal table's scoring section (department tables print their own).

    A tier's weight (tiers as the profile's tree places each row) is the one printed in
    its 一级指标 cell, else the sum of its rows' printed weights when all are printed,
    else the profile's.  Without a budget line execution weighs nothing; with one, its
    printed 分值 (else the profile's).
    """
    tiers: dict[str, list[_Row]] = {}
    for row in rows:
        if row.indicator is not None:
            tiers.setdefault(profile.tier_of(row.indicator), []).append(row)
    weights: dict[str, Decimal] = {}
    for tier, members in tiers.items():
        printed = next((row.tier_weight for row in members if row.tier_weight is not None), None)
        given = [row.weight for row in members if row.weight is not None]
        if printed is not None:
            weights[tier] = printed
        elif len(given) == len(members):
            weights[tier] = sum(given, Decimal(0))
        else:
            weights[tier] = profile.tier_weights.get(tier, Decimal(0))
    execution = Decimal(0) if fund is None else fund.weight  # None: the profile's
    return ProjectScoring(execution=execution, tiers=weights)


def _as_words(indicator: Indicator, read_as: _Read) -> Indicator:
    """The indicator judged as qualitative when its actual is a word (完成 for ≥1次), else itself."""
    if not read_as.as_words:
        return indicator
    return attrs.evolve(indicator, target=Threshold(Kind.QUALITATIVE, words=str(indicator.target)))


@attrs.frozen
class _Read:
    """A 实际完成值 read: the reading (None: nothing printed, or unreadable), why not, and how it was read."""

    reading: Reading | None = None
    unreadable: str = ""
    note: str = ""
    as_words: bool = False  # a numeric target given a word: scored as a qualitative row


def _reading(row: _Row, weight: Decimal, profile: Profile, year: int | None) -> _Read:
    """The 实际完成值 as the import reads it (:func:`kpitrack.readings.read`), or why it cannot be read.

    Published tables write actuals loosely; what the import refuses is read once more
    (see :func:`_loosely`).  A judged row (qualitative; trend, deadline or duration given
    a word), and a numeric row given only a result word of the profile (完成 for ≥1次),
    become a grade carrying the published score's share of the weight: see :func:`_graded`.
    """
    indicator = row.indicator
    assert indicator is not None
    text, printed = _clean(row.line.actual), row.line.actual.strip()
    kind = indicator.target.kind
    judged = kind in (Kind.QUALITATIVE, Kind.TREND, Kind.DEADLINE, Kind.DURATION)
    if not text:
        if judged and row.published is not None:
            return _Read(_graded(None, row.published, weight, profile), note="no 实际完成值: judged by the bands")
        return _Read()  # missing data: the rules score 0
    reason, note = "", ""
    reading: Reading | None
    try:
        reading = read(indicator, text, profile.grade_bands, profile.value_words, year=year)
    except InvalidReading as invalid:
        reason = str(invalid)
        reading, note = _loosely(indicator, text, profile, year)
        note = note.replace(repr(text), repr(printed), 1)
    if reading is not None:
        if reading.kind is ReadingKind.GRADE and row.published is not None:
            return _Read(_graded(reading.grade, row.published, weight, profile), note=note)
        if not (kind is Kind.TREND and reading.kind is ReadingKind.NUMBER):
            return _Read(reading, note=note)
        note = f"{printed} measured, no last year's value in the table: judged by the bands"
    if row.published is None:
        return _Read(unreadable=reason) if reason else _Read()
    grade = _word_grade(indicator, text, profile)
    if judged:
        return _Read(
            _graded(grade, row.published, weight, profile), note=note or f"{printed!r} judged by the grade bands"
        )
    if grade is not None:  # 完成 for ≥1次: a word where a measure belongs, judged as a qualitative row
        note = f"{printed!r} is a word, not a measure: judged by the grade bands"
        return _Read(_graded(grade, row.published, weight, profile), note=note, as_words=True)
    return _Read(unreadable=reason or f"cannot read {printed!r}")


def _word_grade(indicator: Indicator, text: str, profile: Profile) -> Grade | None:
    """The grade a result word of the profile stands for (是 → 达成, 基本完成 → 部分达成), if the text is one."""
    stand_in = attrs.evolve(indicator, target=Threshold(Kind.QUALITATIVE, words=str(indicator.target)))
    words = attrs.evolve(profile.value_words, free_text=None)  # a word, not any text
    try:
        reading = read(stand_in, text, profile.grade_bands, words)
    except InvalidReading:
        return None
    return reading.grade


_LOOSE_RE = re.compile(r"\s*(?:以上|以内|以下|左右)$|\s*[(（][^()（）]*[)）]\s*$")
_COUNT_RE = re.compile(r"^(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>[\u4e00-\u9fff]{1,3})$")


def _loosely(indicator: Indicator, text: str, profile: Profile, year: int | None) -> tuple[Reading | None, str]:
    """A second reading of a loosely written actual, and a note saying how it was read; (None, "") if none.

    Tried: without a remark in brackets (95%（抽样）) or a trailing 以上 / 左右 (90%以上);
    then a count in another count word (485次 for a target in 批次).
    """
    bare = _LOOSE_RE.sub("", text).strip()
    if bare != text:
        try:
            reading = read(indicator, bare, profile.grade_bands, profile.value_words, year=year)
            return reading, f"{text!r} read as {bare!r}"
        except InvalidReading:
            pass
    count = _COUNT_RE.match(bare)
    if count is not None and thresholds.unit_family(indicator.unit) is thresholds.UnitFamily.COUNT:
        try:
            reading = read(indicator, count.group("num"), profile.grade_bands)
        except InvalidReading:
            return None, ""
        return reading, f"{text!r} read as {reading} ({count.group('unit')} for {indicator.unit})"
    return None, ""


def _graded(grade: Grade | None, published: Decimal, weight: Decimal, profile: Profile) -> Reading:
    """A grade carrying the published score as its share of the weight (percent).

    Scoring keeps a share inside the grade's band and replaces one outside it by the
    grade's default, flagging it.  Without a grade word, the band the share lies in
    is the grade; a share outside every band reads as the grade nearest to it.
    """
    share = published * HUNDRED / weight if weight > 0 else Decimal(0)
    if grade is None:
        inside = [g for g in Grade if profile.in_band(g, share)]
        grade = inside[0] if inside else (Grade.ACHIEVED if share > 0 else Grade.MISSED)
    return Reading(ReadingKind.GRADE, grade=grade, score=share)


# -- checking the rows -------------------------------------------------------------------------


def _audit_indicator(
    row: _Row, scored: IndicatorScore | None, weight: Decimal | None, read_as: _Read, tolerance: Decimal
) -> AuditedRow:
    line = row.line
    findings = list(row.findings)
    if read_as.unreadable:
        findings.append(Finding(UNREADABLE, ACTUAL, f"{read_as.unreadable}: the row cannot be re-scored"))
        scored = None
    published = row.published
    applicable = scored is None or scored.status is not Status.NOT_APPLICABLE
    if published is None and applicable and not _clean(line.score):
        findings.append(Finding(UNREADABLE, SCORE, "得分 is blank"))
    expected = scored.score if scored is not None else None
    explain = scored.explain if scored is not None else "not re-scored"
    if read_as.note and scored is not None:
        explain = f"{read_as.note}; {explain}"
    if scored is not None and published is not None:
        if _explained_reduction(scored, published, line.reason):
            explain += "; reduced by the evaluator for over-achievement, and explained"
        else:
            met = scored.status is Status.MET or (scored.status is Status.FLAGGED and scored.score >= scored.weight)
            findings += _compare(published, scored, met, tolerance)
    if published is not None and weight is not None and published > weight + tolerance:
        findings.append(Finding(ABOVE_WEIGHT, SCORE, f"得分 {show(published)} is above the 分值 {show(weight)}"))
    findings += _explanation(line, scored, published, weight)
    return AuditedRow(line.row, line.name, "indicator", published, expected, weight, explain, tuple(findings), line)


def _explained_reduction(scored: IndicatorScore, published: Decimal, reason: str | None) -> bool:
    """An over-achievement the evaluator scored down, with the reason given: the rules allow it (domain.md §5)."""
    over = scored.method is scoring.Method.FORWARD and scored.status is Status.FLAGGED
    return over and published < scored.score and bool(_clean(reason or ""))


def _compare(published: Decimal, scored: IndicatorScore, met: bool, tolerance: Decimal) -> list[Finding]:
    """The published 得分 against the rules': rounding, or a mismatch (lenient, harsh)."""
    expected = scored.score
    if abs(published - expected) <= tolerance:
        return []
    rule = _rounding(published, expected)
    if rule is not None:
        return [Finding(ROUNDING, SCORE, f"得分 {show(published)} is {_exact(expected)} rounded to {rule}")]
    findings = [Finding(MISMATCH, SCORE, f"得分 {show(published)} but the rules give {show(expected)}")]
    if published > expected:
        if published >= scored.weight and not met:
            target = scored.indicator.target
            why = "a shortfall"
            if target.kind in (Kind.DEADLINE, Kind.DURATION):
                why = "a missed deadline"
            elif target.is_reverse:
                why = "a broken cap"
            findings.append(Finding(LENIENT, SCORE, f"full marks despite {why}: {scored.explain}"))
        else:
            findings.append(Finding(LENIENT, SCORE, f"more than the rules give: {scored.explain}"))
    elif met:
        findings.append(Finding(HARSH, SCORE, f"points deducted with the target met: {scored.explain}"))
    findings += [Finding(MISMATCH, SCORE, flag) for flag in scored.flags if "outside the band" in flag]
    return findings


def _explanation(
    line: IndicatorLine, scored: IndicatorScore | None, published: Decimal | None, weight: Decimal | None
) -> list[Finding]:
    """Points lost (as printed, else by the rules) need 偏差原因分析及改进措施."""
    if line.reason is None or _clean(line.reason):
        return []
    if scored is not None and scored.status is Status.NOT_APPLICABLE:
        return []
    score = published if published is not None else (scored.score if scored is not None else None)
    if score is not None and weight is not None and weight - score > _PRINTED_WEIGHT_SLACK:
        return [
            Finding(
                NO_EXPLANATION,
                REASON,
                f"{show(weight - score)} of {show(weight)} points lost and no 偏差原因分析及改进措施",
            )
        ]
    return []


def _audit_fund(fund: _Fund, scored: ProjectScore, tolerance: Decimal) -> AuditedRow:
    """The budget line: its 得分 against 分值 × min(全年执行数 / 全年预算数, 1), and its printed 执行率."""
    line, execution = fund.line, scored.execution
    findings = list(fund.findings)
    readable = fund.budget is not None and fund.spent is not None
    expected = execution.score if readable else None
    explain = execution.explain if readable else "not re-scored"
    published = fund.published
    if expected is not None and published is not None and abs(published - expected) > tolerance:
        rule = _rounding(published, expected)
        if rule is not None:
            findings.append(Finding(ROUNDING, SCORE, f"得分 {show(published)} is {_exact(expected)} rounded to {rule}"))
        else:
            message = f"得分 {show(published)} but {explain}"
            other = _other_base(fund, published / execution.weight * HUNDRED if execution.weight else None)
            findings.append(Finding(EXECUTION, SCORE, message + (f" ({other})" if other else "")))
    if published is not None and published > execution.weight + tolerance:
        findings.append(
            Finding(ABOVE_WEIGHT, SCORE, f"得分 {show(published)} is above the 分值 {show(execution.weight)}")
        )
    if fund.rate is not None and readable and execution.rate is not None:
        computed = execution.rate * HUNDRED
        # The printed rate may be rounded, and capped at 100% as the score is: the tolerance is in percentage points.
        candidates = (computed, min(computed, HUNDRED))
        if all(abs(fund.rate - c) > tolerance and _rounding(fund.rate, c, cents=True) is None for c in candidates):
            other = _other_base(fund, fund.rate)
            message = f"执行率 {show(fund.rate)}% but 全年执行数 / 全年预算数 = {show(computed)}%"
            findings.append(Finding(EXECUTION, RATE, message + (f" ({other})" if other else "")))
    return AuditedRow(
        line.row, EXECUTION_NAME, "execution", published, expected, execution.weight, explain, tuple(findings), line
    )


def _other_base(fund: _Fund, percent: Decimal | None) -> str:
    """Which wrong base a printed rate (or a score's share) matches: 年初预算数, or no cap at 100%."""
    if percent is None or fund.spent is None:
        return ""
    if fund.initial is not None and fund.initial > 0:
        on_initial = fund.spent / fund.initial * HUNDRED
        if abs(on_initial - percent) <= Decimal("0.5") or min(on_initial, HUNDRED) == percent:
            return f"computed on 年初预算数 {show(fund.initial)}: {show(on_initial)}%"
    return ""


def _audit_total(
    line: TotalLine,
    audited: Sequence[AuditedRow],
    scored: ProjectScore,
    total_rules: Decimal | None,
    profile: Profile,
    tolerance: Decimal,
) -> AuditedRow:
    """总分 against the sum of the published row scores (``total``), and 等级 against 总分 (``grade``)."""
    findings: list[Finding] = []
    published = _points(line.total)
    if isinstance(published, str) or published is None:
        reason = "总分 is blank" if published is None else f"cannot read 总分 {line.total!r}: {published}"
        findings.append(Finding(UNREADABLE, SCORE, reason))
        published = None
    parts = sorted((row for row in audited if row.kind != "total"), key=lambda row: row.row)
    sums = _published_sums(parts, scored)
    explain = f"rules: {scored.explain}" if total_rules is not None else "rules: no total (a row cannot be re-scored)"
    if published is not None and sums:
        plain = sums[0]
        explain += f"; the published scores add up to {show(plain)}"
        if all(abs(published - total) > tolerance for total in sums):
            rule = next((r for total in sums if (r := _rounding(published, total)) is not None), None)
            if rule is not None:
                findings.append(
                    Finding(ROUNDING, SCORE, f"总分 {show(published)} is {_exact(plain)} rounded to {rule}")
                )
            else:
                terms = " + ".join(show(row.published) for row in parts if row.published is not None)
                message = f"总分 {show(published)} is not the sum of the row scores: {terms} = {show(plain)}"
                findings.append(Finding(TOTAL, SCORE, message))
    if published is not None and published > profile.total_weight + tolerance:
        message = f"总分 {show(published)} is above the 分值 {show(profile.total_weight)}"
        findings.append(Finding(ABOVE_WEIGHT, SCORE, message))
    findings += _grade(line.grade, published, profile)
    return AuditedRow(
        line.row, TOTAL_FIELD, "total", published, total_rules, profile.total_weight, explain, tuple(findings), line
    )


def _published_sums(parts: Sequence[AuditedRow], scored: ProjectScore) -> list[Decimal]:
    """The sum of the published scores; also rescaled to 100 when rows are 不适用 (as the rules rescale)."""
    if not parts or any(row.published is None for row in parts if _applicable(row, scored)):
        return []
    plain = sum((row.published for row in parts if row.published is not None), Decimal(0))
    sums = [plain]
    if scored.rescaled_from is not None and scored.rescaled_from > 0:
        sums.append(plain * HUNDRED / scored.rescaled_from)
    return sums


def _applicable(row: AuditedRow, scored: ProjectScore) -> bool:
    return not any(
        item.status is Status.NOT_APPLICABLE for item in scored.indicators if item.indicator.id == f"r{row.row}"
    )


def _grade(text: str, total: Decimal | None, profile: Profile) -> list[Finding]:
    cleaned = re.sub(r"[\s:：]|自评|等级", "", unicodedata.normalize("NFKC", text))
    if not cleaned:
        return []
    printed = _RATING_WORDS.get(cleaned)
    if printed is None:
        return [Finding(UNREADABLE, GRADE_FIELD, f"cannot read 等级 {text!r}: expected 优, 良, 中 or 差")]
    if total is None:
        return []
    rating = profile.rating(total)
    if rating is printed:
        return []
    cut = profile.grade_cutoffs.get(rating)
    band = (
        f"{rating.value} ≥ {show(cut)}"
        if cut is not None
        else f"{rating.value} below {show(min(profile.grade_cutoffs.values()))}"
    )
    return [Finding(GRADE, GRADE_FIELD, f"等级 {printed.value} but 总分 {show(total)} is {rating.value} ({band})")]


def _weight_findings(
    rows: Sequence[_Row], fund: _Fund | None, weights: Mapping[str, Decimal], rules: Profile, tolerance: Decimal
) -> Iterator[Finding]:
    """A tier's rows against its printed weight; all weights with execution against 100."""
    tiers: dict[str, list[Decimal]] = {}
    printed: dict[str, Decimal] = {}
    for row in rows:
        weight = weights[row.indicator.id] if row.indicator is not None else row.weight
        tiers.setdefault(row.level1, []).append(weight if weight is not None else Decimal(0))
        if row.tier_weight is not None:
            printed.setdefault(row.level1, row.tier_weight)
    for tier, tier_weight in printed.items():
        members = tiers[tier]
        given = sum(members, Decimal(0))
        if abs(given - tier_weight) > max(tolerance, _PRINTED_WEIGHT_SLACK * len(members)):
            terms = " + ".join(show(w) for w in members)
            yield Finding(
                WEIGHTS,
                WEIGHT,
                f"{tier} is printed as {show(tier_weight)} but its 分值 add up to {terms} = {show(given)}",
            )
    parts = [(tier, sum(members, Decimal(0))) for tier, members in tiers.items()]
    if fund is not None:
        parts.insert(0, (EXECUTION_NAME, rules.execution_weight))
    whole = sum((weight for _, weight in parts), Decimal(0))
    if abs(whole - HUNDRED) > max(tolerance, _PRINTED_WEIGHT_SLACK * len(rows)):
        terms = " + ".join(f"{name} {show(weight)}" for name, weight in parts)
        yield Finding(WEIGHTS, WEIGHT, f"the 分值 add up to {show(whole)} ({terms}), not 100")


# -- reading numbers ---------------------------------------------------------------------


def _clean(text: str) -> str:
    """A printed cell as compared: NFKC, spaces collapsed, a dash or slash for blank."""
    cleaned = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    return "" if cleaned in _BLANKS else cleaned


def _number(text: str) -> tuple[Decimal, str] | str | None:
    """A printed number and its unit word, None for a blank cell, or why it is not a number."""
    cleaned = _clean(text).replace(" ", "")
    if not cleaned:
        return None
    match = _NUMBER_RE.match(cleaned)
    if match is None:
        return "not a number"
    try:
        number = limits.number(Decimal(match.group("num").replace(",", "")), cleaned)
    except limits.OutOfBounds as out:
        return out.reason
    return number, match.group("unit") or ""


def _points(text: str) -> Decimal | str | None:
    """A weight or a score (8.5, 8.5分)."""
    found = _number(text)
    if found is None or isinstance(found, str):
        return found
    number, unit = found
    if unit not in ("", "分"):
        return f"expected a number of points, not {unit}"
    return number


def _money(text: str, default_unit: str) -> Decimal | str:
    """An amount in 万元 (:func:`kpitrack.readings.read_money`): a bare number is in the block's unit (万元 or 元)."""
    cleaned = _clean(text).replace(" ", "")
    bare = re.fullmatch(r"\d+(?:,\d{3})*(?:\.\d+)?", cleaned) is not None
    return read_money(cleaned + default_unit if bare else cleaned)


def _percent(text: str) -> Decimal | str | None:
    """A printed rate in percent: 85.71% or 85.71; a bare number up to 1 is a fraction (0.8571)."""
    found = _number(text)
    if found is None or isinstance(found, str):
        return found
    number, unit = found
    if unit == "%":
        return number
    if unit:
        return f"expected a rate such as 85.71%, not {unit}"
    return number * HUNDRED if number <= 1 else number


def _percent_pair(budget: str, spent: str) -> tuple[Decimal, Decimal] | None:
    """A budget line printing rates (100% / 95%) instead of money: read as 100 and 95 of 100."""
    if not (_clean(budget).endswith("%") and _clean(spent).endswith("%")):
        return None
    target, actual = _percent(budget), _percent(spent)
    if not isinstance(target, Decimal) or not isinstance(actual, Decimal) or target <= 0:
        return None
    return HUNDRED, actual * HUNDRED / target


def _tier(text: str) -> tuple[str, Decimal | None]:
    """A 一级指标 cell: the tier's name, and the weight it prints (产出指标（50分）), if any."""
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    match = _TIER_WEIGHT_RE.match(cleaned)
    if match is None:
        return cleaned, None
    return match.group("name").rstrip("(（:："), Decimal(match.group("weight"))


def _rounding(published: Decimal, exact: Decimal, *, cents: bool = False) -> str | None:
    """Which rounding rule turns the exact figure into the published one, if any ("an integer, half up")."""
    places = (Decimal(1), Decimal("0.1"), *((Decimal("0.01"),) if cents else ()))
    for step in places:
        modes = [words for at, mode, words in _ROUNDINGS if at == step and exact.quantize(step, mode) == published]
        if len(modes) > 1 and modes[:2] == [_HALF_UP, _HALF_DOWN]:
            modes.remove(_HALF_DOWN)  # not a tie: both say the same, and half up is the usual rule
        if cents and not modes and exact.quantize(step, ROUND_HALF_UP) == published:
            modes = [_HALF_UP]
        if modes:
            return f"{_PLACES_WORDS.get(step, 'two decimals')}, {' or '.join(modes)}"
    return None


def _exact(value: Decimal) -> str:
    """A figure as exactly as useful for saying how it was rounded (four places)."""
    return thresholds.format_decimal(value.quantize(Decimal("0.0001"), ROUND_HALF_UP))


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
