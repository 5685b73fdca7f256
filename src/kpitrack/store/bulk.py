"""The bulk path (批量汇总): every project's year to date, combined in SQL, streamed in id order.

A province has a hundred thousand projects and six million quarterly values.  The
per-project path (:meth:`kpitrack.store.Store.progress` with ids) reads every value
and combines it in Python; this module asks the database for one aggregated row per
indicator instead:

- flows (sum): the sum of the quarters' measured numbers, and the unit of the
  latest one; when nothing was measured (only 不适用 or grades), the latest value;
- levels (latest): the latest current value up to the quarter;
- spending: the sum of the current amounts up to the quarter;
- last year's year-end actual of the same project and indicator, for trends.

This is exactly :func:`kpitrack.readings.combine` expressed in SQL, so the
:class:`~kpitrack.readings.Progress` records are equal to the per-project path's
(``tests/test_bulk.py`` checks it).

How it stays fast and small:

- **One streamed query** gives every current indicator of the year with its
  aggregated actuals, grouped and ordered by (project key, indicator code), which
  the database walks along the ``(project_id, code)`` index without sorting.  Rows
  are read in batches as plain tuples; memory holds one batch and the projects
  waiting for their turn (see :func:`_in_code_order`).
- **Small things at once**: project headers, fund plans, spending sums and last
  year's actuals are one query each and held in memory (one entry per project, or
  per indicator that had a value last year).
- **Records built once**: a province repeats the same indicator definitions and
  recorded values thousands of times; equal rows give the same
  :class:`~kpitrack.model.Indicator` / :class:`~kpitrack.readings.Reading` object.
- **Exact sums**: PostgreSQL sums NUMERIC.  On SQLite, where decimals are stored as
  canonical text (recording rejects negatives), the integer parts and the first six
  fraction digits are summed as two integers (:func:`_exact_sum_columns`); a value
  with a longer fraction makes that indicator's sum fall back to Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from kpitrack.model import Aggregate, FundPlan, Indicator, Project
from kpitrack.periods import Quarter
from kpitrack.readings import Grade, Progress, Reading, ReadingKind
from kpitrack.store import schema as s
from kpitrack.store._rows import to_date
from kpitrack.thresholds import Kind, Op, Threshold

__all__ = ["progress"]

BATCH = 5000  # rows fetched per round trip of the streamed query
_CACHE_LIMIT = 200_000  # distinct records kept for reuse; past it the caches start afresh
_FRACTION_DIGITS = 6
_NUMBER = "number"
_SEPARATOR = "|"
_ZERO = Decimal(0)


def progress(engine: sa.Engine, year: int, as_of: Quarter) -> Iterator[Progress]:
    """Every project of ``year`` with its year to date at ``as_of``, in project-id order."""
    low, high = year * 10 + 1, s.period_key(as_of)
    with engine.connect() as connection:
        heads = _heads(connection, year)
        if not heads:
            return
        plans = _plans(connection, year)
        spent = _spent(connection, year, low, high)
        last_year = _last_year(connection, year - 1)
        records = _Records()
        stream = _indicators(connection, year, low, high, records)
        for head, indicators, actuals in _in_code_order(heads, stream):
            pk, code = head[0], head[1]
            previous = last_year.get(code)
            yield Progress(
                project=Project(
                    id=code,
                    name=head[2],
                    unit=head[3],
                    year=head[4],
                    budget=records.decimal(head[5]),
                    indicators=indicators,
                    fiscal=records.optional_decimal(head[6]),
                    other=records.optional_decimal(head[7]),
                    goal=head[8],
                    plan=plans.get(pk, _NO_PLAN),
                    start=to_date(head[9]),
                    end=to_date(head[10]),
                ),
                as_of=as_of,
                actuals=actuals,
                spent=spent.get(pk, _ZERO),
                last_year={i.id: previous[i.id] for i in indicators if i.id in previous} if previous else {},
            )


_NO_PLAN = FundPlan()


def _text(column: Any) -> Any:
    """A decimal column read as the driver gives it, without SQLAlchemy's per-value conversion."""
    return sa.type_coerce(column, sa.String)


# -- records built once --------------------------------------------------------------------


class _Records:
    """Equal rows give the same record: thresholds, indicators, readings and decimals are built once.

    Sharing is safe because the records are immutable; it saves both the time to
    build a million records and the memory to hold them.
    """

    def __init__(self) -> None:
        self._decimals: dict[Any, Decimal] = {}
        self._thresholds: dict[tuple[Any, ...], Threshold] = {}
        self._indicators: dict[tuple[Any, ...], Indicator] = {}
        self._readings: dict[Any, Reading] = {}

    def decimal(self, value: Any) -> Decimal:
        """A stored decimal: text on SQLite, already a Decimal on PostgreSQL."""
        if isinstance(value, Decimal):
            return value
        found = self._decimals.get(value)
        if found is None:
            if len(self._decimals) > _CACHE_LIMIT:
                self._decimals.clear()
            found = self._decimals[value] = Decimal(value)
        return found

    def optional_decimal(self, value: Any) -> Decimal | None:
        return None if value is None else self.decimal(value)

    def indicator(self, row: tuple[Any, ...]) -> Indicator:
        """An indicator from ``code, name, level1, level2, unit, weight, aggregate, *target columns``."""
        found = self._indicators.get(row)
        if found is None:
            if len(self._indicators) > _CACHE_LIMIT:
                self._indicators.clear()
            code, name, level1, level2, unit, weight, aggregate, *target = row
            found = self._indicators[row] = Indicator(
                id=code,
                name=name,
                level1=level1,
                level2=level2,
                target=self._threshold(tuple(target)),
                unit=unit,
                weight=self.optional_decimal(weight),
                aggregate=Aggregate(aggregate),
            )
        return found

    def _threshold(self, columns: tuple[Any, ...]) -> Threshold:
        found = self._thresholds.get(columns)
        if found is None:
            kind, op, value, upper, unit, year, start_month, end_month, day, words, explicit = columns
            found = self._thresholds[columns] = Threshold(
                kind=Kind(kind),
                op=Op(op) if op is not None else None,
                value=self.optional_decimal(value),
                unit=unit,
                upper=self.optional_decimal(upper),
                year=year,
                start_month=start_month,
                end_month=end_month,
                day=day,
                words=words,
                explicit=bool(explicit),
            )
        return found

    def latest(self, text: str) -> Reading:
        """A reading from the ``period|kind|number|grade|score|done_on|unit`` text of :func:`_latest_text`."""
        found = self._readings.get(text)
        if found is None:
            if len(self._readings) > _CACHE_LIMIT:
                self._readings.clear()
            _, kind, number, grade, score, done_on, unit = text.split(_SEPARATOR, 6)
            found = self._readings[text] = Reading(
                kind=ReadingKind(kind),
                number=self.decimal(number) if number else None,
                unit=unit,
                grade=Grade(grade) if grade else None,
                score=self.decimal(score) if score else None,
                date=to_date(done_on[:10]) if done_on else None,
            )
        return found

    def total(self, total: Decimal, unit: str) -> Reading:
        key = (total, total.as_tuple().exponent, unit)  # equal sums of other exponents stay distinct
        found = self._readings.get(key)
        if found is None:
            if len(self._readings) > _CACHE_LIMIT:
                self._readings.clear()
            found = self._readings[key] = Reading(ReadingKind.NUMBER, number=total, unit=unit)
        return found


# -- projects ------------------------------------------------------------------------------


def _heads(connection: sa.Connection, year: int) -> list[tuple[Any, ...]]:
    """The projects of ``year`` in code order: key, code, name, unit, year, money, goal, dates."""
    p = s.projects
    query = sa.select(
        p.c.id,
        p.c.code,
        p.c.name,
        p.c.unit,
        p.c.year,
        _text(p.c.budget),
        _text(p.c.fiscal),
        _text(p.c.other),
        p.c.goal,
        p.c.start_date,
        p.c.end_date,
    ).where(p.c.year == year)
    return [tuple(row) for row in connection.execute(query.order_by(p.c.code))]


def _plans(connection: sa.Connection, year: int) -> dict[int, FundPlan]:
    p, f = s.projects, s.fund_plans
    query = (
        sa.select(f.c.project_id, f.c.key, _text(f.c.amount))
        .where(f.c.project_id.in_(sa.select(p.c.id).where(p.c.year == year)))
        .order_by(f.c.project_id, f.c.position)
    )
    entries: dict[int, list[tuple[str, Decimal]]] = {}
    decimals = _Records()
    for project_id, key, amount in connection.execute(query):
        entries.setdefault(project_id, []).append((key, decimals.decimal(amount)))
    return {pk: FundPlan(tuple(items)) for pk, items in entries.items()}


def _in_code_order(
    heads: Sequence[tuple[Any, ...]], stream: Iterable[tuple[int, tuple[Indicator, ...], dict[str, Reading]]]
) -> Iterator[tuple[tuple[Any, ...], tuple[Indicator, ...], dict[str, Reading]]]:
    """Join the headers (in code order) with the indicator stream (in key order).

    Projects are normally loaded in code order, so both orders agree and at most one
    project waits here.  When they differ (a project added later with a smaller
    code), the projects read ahead wait in ``pending`` until their turn.  A project
    without current indicators never appears in the stream: once the stream has
    passed its key, it gets none.
    """
    pending: dict[int, tuple[tuple[Indicator, ...], dict[str, Reading]]] = {}
    rows = iter(stream)
    passed = -1  # the largest project key read from the stream so far
    for head in heads:
        pk = head[0]
        while pk not in pending and passed < pk:
            item = next(rows, None)
            if item is None:
                passed = pk  # the stream is exhausted: no later project has indicators
                break
            passed = item[0]
            pending[item[0]] = (item[1], item[2])
        indicators, actuals = pending.pop(pk, ((), {}))
        yield head, indicators, actuals


# -- exact sums ----------------------------------------------------------------------------


def _exact_sum_columns(column: Any, dialect: str, only: Any = None) -> list[Any]:
    """Aggregate columns whose values give the exact sum of a decimal column (see :func:`_exact_total`).

    On SQLite the text ``d`` of a non-negative decimal is split without string
    copies: ``CAST(d AS INTEGER)`` reads its integer part (SQLite reads the longest
    integer prefix), and the six digits after the point are ``d || '000000'`` from
    the point on, cast to an integer.  The third column is the longest fraction
    (99 for a negative value, which is summed in Python instead).
    """

    def when(expression: Any) -> Any:
        return sa.case((only, expression)) if only is not None else expression

    if dialect != "sqlite":
        return [sa.func.sum(when(column)), sa.null(), sa.null()]
    text = sa.type_coerce(column, sa.String)
    dot = sa.func.instr(text, ".")
    has_dot = sa.type_coerce(dot > 0, sa.Integer)
    negative = sa.type_coerce(sa.func.substr(text, 1, 1) == "-", sa.Integer)
    six = sa.func.substr(text.concat("0" * _FRACTION_DIGITS), dot + 1, _FRACTION_DIGITS)
    return [
        sa.func.sum(when(sa.cast(text, sa.Integer))),
        sa.func.sum(when(sa.cast(six, sa.Integer) * has_dot)),
        sa.func.max(when((sa.func.length(text) - dot) * has_dot + 99 * negative)),
    ]


def _exact_total(whole: Any, fraction: Any, places: Any) -> Decimal | None:
    """The exact sum from :func:`_exact_sum_columns`; None when a fraction was too long to sum in SQL."""
    if whole is None:
        return None
    if places is None:  # PostgreSQL: NUMERIC summed exactly
        return whole if isinstance(whole, Decimal) else Decimal(str(whole))
    if places > _FRACTION_DIGITS:
        return None
    if places == 0:
        return Decimal(whole)
    total = Decimal(whole) + Decimal(fraction).scaleb(-_FRACTION_DIGITS)
    # The exponent a Decimal sum of the same values has: that of the longest fraction.
    return total.quantize(Decimal(1).scaleb(-places))


# -- actuals -------------------------------------------------------------------------------


def _latest_text(a: sa.Table) -> Any:
    """``period|kind|number|grade|score|done_on|unit`` of a row: its maximum is the latest row.

    Every period of one year has the same five digits (``20213``) and an indicator
    has at most one current value per period (the ``ux_actuals_current`` index), so
    the largest text is the latest quarter's row, on any database and collation.
    Portable SQL has no "the other columns of the row with the largest period" in an
    aggregate; this text carries them.  The unit comes last, so any character in it
    survives the split.
    """

    def text(column: Any) -> Any:
        return sa.func.coalesce(sa.cast(column, sa.String), "")

    parts = [text(a.c.period), a.c.kind, text(a.c.number), text(a.c.grade), text(a.c.score), text(a.c.done_on)]
    joined = parts[0]
    for part in [*parts[1:], a.c.unit]:
        joined = joined.concat(_SEPARATOR).concat(part)
    return sa.func.max(joined)


def _aggregated(a: sa.Table, dialect: str) -> list[Any]:
    """Per indicator: how many numbers, the unit of the latest number, the exact sum, the latest row."""
    is_number = a.c.kind == _NUMBER
    return [
        sa.func.count(sa.case((is_number, 1))),
        sa.func.max(sa.case((is_number, sa.cast(a.c.period, sa.String).concat(a.c.unit)))),
        *_exact_sum_columns(a.c.number, dialect, is_number),
        _latest_text(a),
    ]


def _indicators(
    connection: sa.Connection, year: int, low: int, high: int, records: _Records
) -> Iterator[tuple[int, tuple[Indicator, ...], dict[str, Reading]]]:
    """Per project key, in key order: its current indicators (by position) and their combined actuals."""
    p, i, a = s.projects, s.indicators, s.actuals
    recorded = sa.and_(a.c.indicator_id == i.c.id, a.c.current, a.c.period.between(low, high))
    query = (
        sa.select(
            i.c.project_id,
            i.c.position,
            i.c.code,
            i.c.name,
            i.c.level1,
            i.c.level2,
            i.c.unit,
            _text(i.c.weight),
            i.c.aggregate,
            i.c.kind,
            i.c.op,
            _text(i.c.value),
            _text(i.c.upper),
            i.c.target_unit,
            i.c.deadline_year,
            i.c.start_month,
            i.c.end_month,
            i.c.deadline_day,
            i.c.words,
            i.c.explicit,
            *_aggregated(a, connection.dialect.name),
        )
        .select_from(i.outerjoin(a, recorded))
        .where(i.c.project_id.in_(sa.select(p.c.id).where(p.c.year == year)), i.c.retired_on.is_(None))
        # Grouping by the key too lets PostgreSQL select the indicator's other columns.
        .group_by(i.c.project_id, i.c.code, i.c.id)
        .order_by(i.c.project_id, i.c.code)
    )
    summed = Aggregate.SUM.value
    current: int | None = None
    placed: list[tuple[int, Indicator]] = []
    actuals: dict[str, Reading] = {}
    result = connection.execute(query)
    for batch in result.partitions(BATCH):
        for row in batch:
            project_id = row[0]
            if project_id != current:
                if current is not None:
                    yield current, _by_position(placed), actuals
                current, placed, actuals = project_id, [], {}
            indicator = records.indicator(tuple(row[2:20]))
            placed.append((row[1], indicator))
            numbers, number_unit, whole, fraction, places, latest = row[20:]
            if latest is None:
                continue  # nothing recorded up to the quarter
            if numbers and row[8] == summed:
                total = _exact_total(whole, fraction, places)
                if total is None:
                    total = _python_sum(connection, project_id, indicator.id, low, high)
                actuals[indicator.id] = records.total(total, number_unit[5:])
            else:
                actuals[indicator.id] = records.latest(latest)
    if current is not None:
        yield current, _by_position(placed), actuals


def _by_position(placed: list[tuple[int, Indicator]]) -> tuple[Indicator, ...]:
    placed.sort(key=lambda item: item[0])
    return tuple(indicator for _, indicator in placed)


def _python_sum(connection: sa.Connection, project_pk: int, code: str, low: int, high: int) -> Decimal:
    """The rare sum with more than six fraction digits, added up exactly in Python."""
    a, i = s.actuals, s.indicators
    query = (
        sa.select(a.c.number)
        .join(i, i.c.id == a.c.indicator_id)
        .where(i.c.project_id == project_pk, i.c.code == code, a.c.current, a.c.kind == _NUMBER)
        .where(a.c.period.between(low, high))
    )
    return sum((Decimal(str(n)) for (n,) in connection.execute(query)), Decimal(0))


def _last_year(connection: sa.Connection, year: int) -> dict[str, dict[str, Reading]]:
    """Last year's year-end actual per project code and indicator code (held: one entry per value)."""
    p, i, a = s.projects, s.indicators, s.actuals
    query = (
        sa.select(p.c.code, i.c.id, i.c.code, i.c.aggregate, *_aggregated(a, connection.dialect.name))
        .select_from(p.join(i, i.c.project_id == p.c.id).join(a, a.c.indicator_id == i.c.id))
        .where(
            p.c.year == year, i.c.retired_on.is_(None), a.c.current, a.c.period.between(year * 10 + 1, year * 10 + 4)
        )
        .group_by(p.c.code, i.c.id, i.c.code, i.c.aggregate)
    )
    records = _Records()
    result: dict[str, dict[str, Reading]] = {}
    summed = Aggregate.SUM.value
    for (
        project,
        indicator_pk,
        code,
        aggregate,
        numbers,
        number_unit,
        whole,
        fraction,
        places,
        latest,
    ) in connection.execute(query):
        if numbers and aggregate == summed:
            total = _exact_total(whole, fraction, places)
            if total is None:
                numbers_query = sa.select(a.c.number).where(
                    a.c.indicator_id == indicator_pk,
                    a.c.current,
                    a.c.kind == _NUMBER,
                    a.c.period.between(year * 10 + 1, year * 10 + 4),
                )
                total = sum((Decimal(str(n)) for (n,) in connection.execute(numbers_query)), Decimal(0))
            reading = records.total(total, number_unit[5:])
        else:
            reading = records.latest(latest)
        result.setdefault(project, {})[code] = reading
    return result


def _spent(connection: sa.Connection, year: int, low: int, high: int) -> dict[int, Decimal]:
    p, sp = s.projects, s.spending
    columns = _exact_sum_columns(sp.c.amount, connection.dialect.name)
    query = (
        sa.select(sp.c.project_id, *columns)
        .where(
            sp.c.project_id.in_(sa.select(p.c.id).where(p.c.year == year)),
            sp.c.current,
            sp.c.period.between(low, high),
        )
        .group_by(sp.c.project_id)
    )
    totals: dict[int, Decimal] = {}
    for project_id, whole, fraction, places in connection.execute(query):
        total = _exact_total(whole, fraction, places)
        if total is None:
            amounts = sa.select(sp.c.amount).where(
                sp.c.project_id == project_id, sp.c.current, sp.c.period.between(low, high)
            )
            total = sum((Decimal(str(v)) for (v,) in connection.execute(amounts)), Decimal(0))
        totals[project_id] = total
    return totals
