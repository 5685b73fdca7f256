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

- **Three narrow streams merged in Python** (:func:`_indicators`): the definitions
  (指标定义) once, from ``indicator_shapes`` (tens of thousands, against a
  province's 1.5 M indicators); each project's indicators as (key, code, position,
  shape) in (project key, code) order, along the ``(project_id, code)`` index; and
  the actuals aggregated per indicator in indicator-key order, along the
  ``(indicator_id, period)`` index.  No query joins indicators with actuals or
  carries an indicator's definition per row.  A project's aggregated rows are read
  up to its largest indicator key and wait in a small buffer until looked up;
  projects wait for their turn in code order (see :func:`_in_code_order`).
- **Small things at once**: project headers, fund plans, spending sums and last
  year's actuals are one query each and held in memory (one entry per project, or
  per indicator that had a value last year).
- **Records built once**: a province repeats the same indicator definitions and
  recorded values thousands of times; one (shape, code) gives one
  :class:`~kpitrack.model.Indicator` and equal values the same
  :class:`~kpitrack.readings.Reading` object.
- **Exact sums**: a flow's numbers and a project's spending travel as their stored
  text in one aggregate (``group_concat`` / ``string_agg``) and Python adds them as
  Decimals, as the per-project path does (:func:`_numbers`): no SQL arithmetic on
  SQLite's decimal text, so nothing to prove about rounding.
- **Filters, not other readers**: one project, a unit's or a province's are read by
  the same queries, narrowed by ``codes`` and ``units``.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from kpitrack.model import Aggregate, FundPlan, Indicator, Project
from kpitrack.periods import Quarter
from kpitrack.readings import Grade, Progress, Reading, ReadingKind
from kpitrack.store import schema as s
from kpitrack.store._rows import driver_cursor, in_lists, scoring_from_text, to_date
from kpitrack.thresholds import Kind, Op, Threshold

__all__ = ["count", "progress", "projects"]

BATCH = 5000  # rows fetched per round trip of the streamed query
_CACHE_LIMIT = 200_000  # distinct records kept for reuse; past it the caches start afresh
_NUMBER = "number"
_SEPARATOR = "|"
_ZERO = Decimal(0)
_SUM = Aggregate.SUM
_NUMBER_KIND = ReadingKind.NUMBER


def count(engine: sa.Engine | sa.Connection, year: int) -> int:
    """How many projects have goals for ``year``."""
    p = s.projects
    query = sa.select(sa.func.count()).where(p.c.year == year)
    if isinstance(engine, sa.Connection):
        return int(engine.execute(query).scalar_one())
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def progress(
    engine: sa.Engine,
    year: int,
    as_of: Quarter,
    *,
    codes: Sequence[str] | None = None,
    units: Sequence[str] | None = None,
) -> Iterator[Progress]:
    """The projects of ``year`` with their year to date at ``as_of``, in project-id order.

    ``codes`` and ``units`` are filters (the projects with those ids, or of those
    budget units); without them, every project of the year.
    """
    low, high = year * 10 + 1, s.period_key(as_of)
    with engine.connect() as connection:
        heads = _heads(connection, year, codes, units)
        if not heads:
            return
        chosen = _chosen(year, codes, units)
        plans = _plans(connection, chosen)
        spent = _spent(connection, chosen, low, high)
        last_year = _last_year(connection, year - 1, (heads[0][1], heads[-1][1]))
        records = _Records(_shapes(connection))
        stream = _indicators(connection, chosen, low, high, records)
        for head, indicators, actuals in _in_code_order(heads, stream):
            previous = last_year.get(head[1])
            yield Progress(
                project=_project(head, indicators, plans, records),
                as_of=as_of,
                actuals=actuals,
                spent=spent.get(head[0], _ZERO),
                last_year={i.id: previous[i.id] for i in indicators if i.id in previous} if previous else {},
            )


def projects(engine: sa.Engine, year: int, *, codes: Sequence[str] | None = None) -> Iterator[Project]:
    """The projects of ``year`` (or those with ids ``codes``) with their current goals, in project-id order.

    :func:`progress` without the values: a province's 100,000 projects in seconds,
    with one record per distinct indicator.
    """
    with engine.connect() as connection:
        heads = _heads(connection, year, codes, None)
        if not heads:
            return
        chosen = _chosen(year, codes, None)
        plans = _plans(connection, chosen)
        records = _Records(_shapes(connection))
        stream = _indicators(connection, chosen, 0, 0, records, with_values=False)
        for head, indicators, _ in _in_code_order(heads, stream):
            yield _project(head, indicators, plans, records)


def _filtered(query: sa.Select[Any], codes: Sequence[str] | None, units: Sequence[str] | None) -> sa.Select[Any]:
    """``query`` over projects narrowed to the ids ``codes`` and the budget units ``units`` (either may be None)."""
    p = s.projects
    if codes is not None:
        query = query.where(p.c.code.in_(sorted(set(codes))))
    if units is not None:
        query = query.where(p.c.unit.in_(sorted(set(units))))
    return query


def _chosen(year: int, codes: Sequence[str] | None, units: Sequence[str] | None) -> sa.Select[Any]:
    """The keys of the chosen projects of ``year``, as a subquery."""
    p = s.projects
    return _filtered(sa.select(p.c.id).where(p.c.year == year), codes, units)


def _project(
    head: tuple[Any, ...], indicators: tuple[Indicator, ...], plans: dict[int, FundPlan], records: _Records
) -> Project:
    """A project from its header row (:func:`_heads`), its indicators and the slice's fund plans."""
    return Project(
        id=head[1],
        name=head[2],
        unit=head[3],
        year=head[4],
        budget=records.decimal(head[5]),
        indicators=indicators,
        fiscal=records.optional_decimal(head[6]),
        other=records.optional_decimal(head[7]),
        goal=head[8],
        plan=plans.get(head[0], _NO_PLAN),
        start=to_date(head[9]),
        end=to_date(head[10]),
        department=head[11],
        agency=head[12],
        initial_budget=records.optional_decimal(head[13]),
        carryover=records.optional_decimal(head[14]),
        outcome=head[15],
        scoring=scoring_from_text(head[16]),
    )


_NO_PLAN = FundPlan()


def _tuples(connection: sa.Connection, query: sa.Select[Any]) -> list[tuple[Any, ...]]:
    """All rows as the driver gives them (plain tuples): no column read here needs SQLAlchemy's conversion."""
    return list(connection.execute(query).cursor.fetchall())


def _text(column: Any) -> Any:
    """A decimal column read as the driver gives it, without SQLAlchemy's per-value conversion."""
    return sa.type_coerce(column, sa.String)


# -- records built once --------------------------------------------------------------------


class _Records:
    """Equal rows give the same record: thresholds, indicators, readings and decimals are built once.

    Sharing is safe because the records are immutable; it saves both the time to
    build a million records and the memory to hold them.
    """

    def __init__(self, shapes: dict[int, tuple[Any, ...]] | None = None) -> None:
        self._decimals: dict[Any, Decimal] = {}
        self._thresholds: dict[tuple[Any, ...], Threshold] = {}
        self._indicators: dict[tuple[Any, ...], Indicator] = {}
        self._readings: dict[Any, Reading] = {}
        self._shapes = shapes or {}  # shape id → its stored columns (see :func:`_shapes`)
        self._shaped: dict[tuple[int, str], Indicator] = {}
        self._flows: dict[tuple[str, str], Reading] = {}

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

    def shaped(self, shape: int, code: str) -> Indicator:
        """The indicator ``code`` of the stored shape ``shape``: one record per (shape, code)."""
        key = (shape, code)
        found = self._shaped.get(key)
        if found is None:
            if len(self._shaped) > _CACHE_LIMIT:
                self._shaped.clear()
            found = self._shaped[key] = self.indicator((code, *self._shapes[shape]))
        return found

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
        """A reading from its ``kind|number|grade|score|done_on|unit`` text (:func:`_latest`).

        The same value recorded in another quarter has the same text, and the same reading.
        """
        found = self._readings.get(text)
        if found is None:
            if len(self._readings) > _CACHE_LIMIT:
                self._readings.clear()
            kind, number, grade, score, done_on, unit = text.split(_SEPARATOR, 5)
            found = self._readings[text] = Reading(
                kind=ReadingKind(kind),
                number=self.decimal(number) if number else None,
                unit=unit,
                grade=Grade(grade) if grade else None,
                score=self.decimal(score) if score else None,
                date=to_date(done_on[:10]) if done_on else None,
            )
        return found

    def flow(self, numbers: str, unit: str) -> Reading:
        """The sum of a flow's numbers (their stored texts, see :func:`_numbers`) in ``unit``.

        The same texts give the same sum: a province's recurring actuals are added once.
        """
        key = (numbers, unit)
        found = self._flows.get(key)
        if found is None:
            if len(self._flows) > _CACHE_LIMIT:
                self._flows.clear()
            found = self._flows[key] = self._total(_sum(numbers), unit)
        return found

    def _total(self, total: Decimal, unit: str) -> Reading:
        key = (str(total), unit)  # the text keeps equal sums of other exponents (5, 5.0) apart
        found = self._readings.get(key)
        if found is None:
            if len(self._readings) > _CACHE_LIMIT:
                self._readings.clear()
            found = self._readings[key] = Reading(ReadingKind.NUMBER, number=total, unit=unit)
        return found


# -- projects ------------------------------------------------------------------------------


def _heads(
    connection: sa.Connection, year: int, codes: Sequence[str] | None, units: Sequence[str] | None
) -> list[tuple[Any, ...]]:
    """The chosen projects of ``year`` in code order: key, code, name, unit, year, money, goal, dates, scoring."""
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
        p.c.department,
        p.c.agency,
        _text(p.c.initial_budget),
        _text(p.c.carryover),
        p.c.outcome,
        p.c.scoring,
    ).where(p.c.year == year)
    return _tuples(connection, _filtered(query, codes, units).order_by(p.c.code))


def _plans(connection: sa.Connection, chosen: sa.Select[Any]) -> dict[int, FundPlan]:
    f = s.fund_plans
    query = (
        sa.select(f.c.project_id, f.c.key, _text(f.c.amount))
        .where(f.c.project_id.in_(chosen))
        .order_by(f.c.project_id, f.c.position)
    )
    entries: dict[int, list[tuple[str, Decimal]]] = {}
    decimals = _Records()
    for project_id, key, amount in _tuples(connection, query):
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


# -- sums and latest values ---------------------------------------------------------------


def _numbers(dialect: str, column: Any, only: Any = None) -> Any:
    """Every value of a decimal column in one text, to be added up exactly by :func:`_sum`.

    SQL has no exact sum of SQLite's decimal text (its ``sum`` reads text as floats);
    the values travel as their stored text instead and Python adds them as Decimals,
    exactly as the per-project path does.  Joining a few short strings per row costs
    the database less than any arithmetic on text would.
    """
    # SQLite: the stored text as it is (a TEXT column); PostgreSQL: NUMERIC cast to text.
    value: Any = _text(column) if dialect == "sqlite" else sa.cast(column, sa.String)
    if only is not None:
        value = sa.case((only, value))
    if dialect == "sqlite":
        return sa.func.group_concat(value, " ")
    return sa.func.string_agg(value, " ")


def _sum(text: str) -> Decimal:
    return sum(map(Decimal, text.split(" ")), Decimal(0))


def _latest(dialect: str, a: sa.Table) -> list[Any]:
    """The latest row among an indicator's grouped rows: its period and its text for :meth:`_Records.latest`.

    The text is ``kind|number|grade|score|done_on|unit`` (empty for NULL), one value
    that the caches can key on.  SQLite documents that in an aggregate query with a
    single ``max()``, the other (bare) columns and expressions come from the row
    holding the maximum: the latest quarter's row, read at no extra cost.  Elsewhere
    the period leads the text inside the ``max()``: every period of one year has the
    same five digits (``20213``) and an indicator has at most one current value per
    period (the ``ux_actuals_current`` index), so the largest such text is the latest
    row's, on any collation, and its first six characters are cut off.  The unit
    comes last, so any character in it survives the split.  Either way the query must
    hold no other ``max()`` or ``min()``.
    """

    def text(column: Any) -> Any:
        return sa.func.coalesce(sa.cast(column, sa.String) if dialect != "sqlite" else _text(column), "")

    joined: Any = a.c.kind
    for part in [text(a.c.number), text(a.c.grade), text(a.c.score), text(a.c.done_on), a.c.unit]:
        joined = joined.concat(_SEPARATOR).concat(part)
    if dialect == "sqlite":
        return [sa.func.max(a.c.period), joined]
    period = sa.cast(a.c.period, sa.String)
    return [sa.func.max(a.c.period), sa.func.substr(sa.func.max(period.concat(_SEPARATOR).concat(joined)), 7)]


def _aggregated(dialect: str, a: sa.Table, flow: Any = None) -> list[Any]:
    """Per indicator: its numbers (where ``flow`` holds, see :func:`_numbers`; NULL if none), the latest row.

    Only a measured value (kind ``number``) has a number: the others store NULL there
    (:func:`kpitrack.store._rows.reading_row`, checked by ``tests/test_bulk_stream.py``),
    and aggregates skip NULLs, so the numbers need no test of the kind.
    """
    return [_numbers(dialect, a.c.number, flow), *_latest(dialect, a)]


def _combined(
    records: _Records,
    flow: str | None,
    latest: tuple[Any, ...],  # the period and the text of :func:`_latest`
    units: dict[int, str],
    indicator_pk: int,
) -> Reading | None:
    """:func:`kpitrack.readings.combine` of one indicator's aggregated row (None: nothing recorded).

    ``units`` holds the unit of the latest number of the flows whose latest value is not
    a number (see :func:`_needing_units`).
    """
    if latest[0] is None:
        return None
    reading = records.latest(latest[1])
    if flow is None:  # a level, or a flow with nothing measured: the latest value stands
        return reading
    # A flow: the sum of its numbers, in the unit of the latest number.
    return records.flow(flow, reading.unit if reading.kind is ReadingKind.NUMBER else units[indicator_pk])


def _needing_units(rows: Iterable[tuple[Any, ...]]) -> list[int]:
    """The keys of aggregated rows (``key, numbers, period, text``) with numbers but a latest value that is not one.

    The latest value's kind is the first field of its text (:func:`_latest`).
    """
    return [row[0] for row in rows if row[1] is not None and not row[3].startswith(_NUMBER_TEXT)]


_NUMBER_TEXT = _NUMBER + _SEPARATOR


def _latest_number_units(connection: sa.Connection, keys: Sequence[int], periods: tuple[int, int]) -> dict[int, str]:
    """The unit of each indicator's latest current number in ``periods`` (rare: a flow with 不适用 last).

    One query per few hundred indicators, not one each: they come in blocks of the streams.
    """
    a = s.actuals
    units: dict[int, tuple[int, str]] = {}
    for chunk in in_lists(keys):
        query = sa.select(a.c.indicator_id, a.c.period, a.c.unit).where(
            a.c.indicator_id.in_(chunk),
            a.c.current,
            a.c.kind == _NUMBER,
            a.c.period.between(*periods),
        )
        for key, period, unit in _tuples(connection, query):
            if key not in units or units[key][0] < period:
                units[key] = (period, unit)
    return {key: unit for key, (_, unit) in units.items()}


# -- actuals -------------------------------------------------------------------------------


def _shapes(connection: sa.Connection) -> dict[int, tuple[Any, ...]]:
    """Every stored indicator shape (指标定义) by id: ``name, level1, level2, unit, weight, aggregate, *target``.

    A province has tens of thousands, so all of them are read at once, whatever the slice.
    """
    h = s.indicator_shapes
    query = sa.select(
        h.c.id,
        h.c.name,
        h.c.level1,
        h.c.level2,
        h.c.unit,
        _text(h.c.weight),
        h.c.aggregate,
        h.c.kind,
        h.c.op,
        _text(h.c.value),
        _text(h.c.upper),
        h.c.target_unit,
        h.c.deadline_year,
        h.c.start_month,
        h.c.end_month,
        h.c.deadline_day,
        h.c.words,
        h.c.explicit,
    )
    return {row[0]: tuple(row[1:]) for row in _tuples(connection, query)}


def _indicators(
    connection: sa.Connection,
    chosen: sa.Select[Any],
    low: int,
    high: int,
    records: _Records,
    *,
    with_values: bool = True,
) -> Iterator[tuple[int, tuple[Indicator, ...], dict[str, Reading]]]:
    """Per project key, in key order: its current indicators (by position) and their combined actuals.

    Without ``with_values`` the actuals are not read and every project's are empty.

    Two streams are merged here: the indicators, grouped by project, and their
    aggregated actuals in indicator-key order (:func:`_aggregates`).  A project's
    indicator keys are usually consecutive (its goals were written together), so
    reading the aggregates up to its largest key leaves few rows waiting in
    ``waiting``; an indicator added later by a revision has a larger key and makes
    the rows in between wait until their projects come.
    """
    first_key, last_key = _key_range(connection, chosen)
    if first_key is None or last_key is None:
        return
    query = _current_indicators(chosen)
    no_blocks: Iterator[Sequence[tuple[Any, ...]]] = iter(())
    blocks = _aggregates(connection, low, high, (first_key, last_key)) if with_values else no_blocks
    waiting: dict[int, tuple[Any, ...]] = {}
    units: dict[int, str] = {}
    reached = -1  # the largest indicator key read from the aggregates so far

    def project(rows: list[tuple[Any, ...]]) -> tuple[tuple[Indicator, ...], dict[str, Reading]]:
        nonlocal reached
        last = max(row[2] for row in rows)
        while reached < last:
            block = next(blocks, None)
            if block is None:
                reached = last_key
                break
            reached = block[-1][0]
            waiting.update((row[0], row) for row in block)
            units.update(_latest_number_units(connection, _needing_units(block), (low, high)))
        rows.sort(key=_position)
        shaped, pop = records.shaped, waiting.pop
        indicators = []
        actuals: dict[str, Reading] = {}
        for _, _, pk, code, shape in rows:
            indicator = shaped(shape, code)
            indicators.append(indicator)
            found = pop(pk, None)
            if found is None:
                continue
            flow = found[1] if indicator.aggregate is _SUM else None
            reading = _combined(records, flow, found[2:], units, pk)
            if reading is not None:
                actuals[indicator.id] = reading
        return tuple(indicators), actuals

    key: int | None = None
    rows: list[tuple[Any, ...]] = []
    # The driver's own cursor gives plain tuples: SQLAlchemy's per-row work would cost more
    # than the query (no column here needs its result processing). Streamed: on PostgreSQL
    # the rows stay on the server until fetched.
    cursor = driver_cursor(connection, query, streamed=True)
    while batch := cursor.fetchmany(BATCH):
        for row in batch:
            if row[0] != key:
                if key is not None:
                    yield key, *project(rows)
                key, rows = row[0], []
            rows.append(row)
    if key is not None:
        yield key, *project(rows)


_position = operator.itemgetter(1)  # of an indicator row: (project key, position, key, code, shape)


def _key_range(connection: sa.Connection, chosen: sa.Select[Any]) -> tuple[int | None, int | None]:
    """The smallest and largest indicator key of the chosen projects (None, None when they have none).

    Retired indicators may widen the range (their aggregated rows are read and left
    waiting), but the range is then found in the (project_id, code) index alone.
    """
    i = s.indicators
    low, high = connection.execute(
        sa.select(sa.func.min(i.c.id), sa.func.max(i.c.id)).where(i.c.project_id.in_(chosen))
    ).one()
    return low, high


def _current_indicators(chosen: sa.Select[Any]) -> sa.Select[Any]:
    """The chosen projects' current indicators as (project key, position, key, code, shape), by project and code."""
    i = s.indicators
    return (
        sa.select(i.c.project_id, i.c.position, i.c.id, i.c.code, i.c.shape_id)
        .where(i.c.project_id.in_(chosen), i.c.retired_on.is_(None))
        .order_by(i.c.project_id, i.c.code, i.c.id)  # SQLite walks the (project_id, code) index, sorting nothing
    )


def _aggregates(
    connection: sa.Connection, low: int, high: int, keys: tuple[int, int]
) -> Iterator[Sequence[tuple[Any, ...]]]:
    """Per indicator with keys in ``keys``, in key order and in blocks: ``key, all numbers' text, *latest``.

    See :func:`_aggregated`; every number is joined here, flows and levels alike
    (the query has no indicator to tell them apart), and :func:`_indicators` adds
    them up for flows only.
    """
    a = s.actuals
    query = (
        sa.select(a.c.indicator_id, *_aggregated(connection.dialect.name, a))
        .where(a.c.current, a.c.period.between(low, high), a.c.indicator_id.between(*keys))
        .group_by(a.c.indicator_id)
        .order_by(a.c.indicator_id)
    )
    cursor = driver_cursor(connection, query, streamed=True)
    while batch := cursor.fetchmany(BATCH):
        yield batch


def _last_year(connection: sa.Connection, year: int, codes: tuple[str, str]) -> dict[str, dict[str, Reading]]:
    """Last year's year-end actual per project code (in ``codes``) and indicator code, held: one entry a value."""
    p, i, a = s.projects, s.indicators, s.actuals
    periods = (year * 10 + 1, year * 10 + 4)
    query = (
        sa.select(
            p.c.code, i.c.code, i.c.id, *_aggregated(connection.dialect.name, a, i.c.aggregate == Aggregate.SUM.value)
        )
        .select_from(p.join(i, i.c.project_id == p.c.id).join(a, a.c.indicator_id == i.c.id))
        .where(p.c.year == year, p.c.code.between(*codes), i.c.retired_on.is_(None))
        .where(a.c.current, a.c.period.between(*periods))
        .group_by(p.c.code, i.c.code, i.c.id)
    )
    records = _Records()
    result: dict[str, dict[str, Reading]] = {}
    rows = _tuples(connection, query)
    units = _latest_number_units(connection, _needing_units(row[2:] for row in rows), periods)
    for project, code, indicator_pk, flow, *latest in rows:
        reading = _combined(records, flow, tuple(latest), units, indicator_pk)
        if reading is not None:
            result.setdefault(project, {})[code] = reading
    return result


def _spent(connection: sa.Connection, chosen: sa.Select[Any], low: int, high: int) -> dict[int, Decimal]:
    sp = s.spending
    query = (
        sa.select(sp.c.project_id, _numbers(connection.dialect.name, sp.c.amount))
        .where(
            sp.c.project_id.in_(chosen),
            sp.c.current,
            sp.c.period.between(low, high),
        )
        .group_by(sp.c.project_id)
    )
    return {project_id: _sum(amounts) for project_id, amounts in _tuples(connection, query)}
