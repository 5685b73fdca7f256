"""The one reader (批量汇总): a year's projects, goals and actuals to date, read as columns.

A province has a hundred thousand projects and six million quarterly values.  One
project, a unit or a whole province is read by the same queries (``codes`` and
``units`` are filters), and the database aggregates each indicator's current values
up to the cut-off in one ``GROUP BY``:

- flows (sum): the sum of the quarters' measured numbers, and the unit of the
  latest one; when nothing was measured (only 不适用 or grades), the latest value;
- levels (latest): the latest current value up to the quarter;
- spending: the sum of the current amounts up to the quarter;
- last year's year-end actual of the same project and indicator, for trends.

This is exactly :func:`kpitrack.readings.combine` expressed in SQL and columns, so
the :class:`~kpitrack.readings.Progress` records are those of reading each project
alone (``tests/test_bulk.py`` checks it).

**Columns, not objects.**  The two large results (the current indicators, and their
aggregated actuals) come as columns into a polars frame (:func:`read`; on PostgreSQL
through an ADBC driver as Arrow, on SQLite through the store's own connection, see
:func:`_arrow`), where the indicators and their actuals are joined and the
quarters combined, as vector operations.  Every combined actual is a *reading
text* (``kind|number|grade|score|done_on|unit``, as :meth:`Records.latest` parses
it), so equal actuals are equal texts: the evaluation (:mod:`kpitrack.evaluation`)
finds a province's distinct indicator cases among the texts, and :func:`progress`
builds each project's records from the same frame.  polars rather than DuckDB or
pandas: it takes the driver's Arrow columns without a copy, does the joins and
distinct keys in its own threads (no processes, so nothing to fork or spawn), and
is a single wheel with no database of its own beside the store.

**Exact sums**: a flow's numbers and a project's spending travel as their stored
text in one aggregate (``group_concat`` / ``string_agg``) and Python adds each
distinct text once as Decimals (:func:`_sum`): no SQL or float arithmetic on
SQLite's decimal text, so nothing to prove about rounding.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import adbc_driver_postgresql.dbapi  # type: ignore[import-untyped]
import attrs
import polars as pl
import sqlalchemy as sa

from kpitrack.model import Aggregate, FundPlan, Indicator, Project
from kpitrack.periods import Period
from kpitrack.readings import Grade, Progress, Reading, ReadingKind
from kpitrack.store import schema as s
from kpitrack.store._rows import in_lists, scoring_from_text, to_date
from kpitrack.thresholds import Kind, Op, Threshold

__all__ = ["CHUNK", "Columns", "chunks", "count", "progress", "progresses", "projects", "read"]

_CACHE_LIMIT = 200_000  # distinct records kept for reuse; past it the caches start afresh
_NUMBER = "number"
_SEPARATOR = "|"
_ZERO = Decimal(0)
_KEYS_IN_ONE_QUERY = 900  # project or indicator keys written into one IN list (SQLite's default limit is 999)


def count(engine: sa.Engine | sa.Connection, year: int) -> int:
    """How many projects have goals for ``year``."""
    p = s.projects
    query = sa.select(sa.func.count()).where(p.c.year == year)
    if isinstance(engine, sa.Connection):
        return int(engine.execute(query).scalar_one())
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


@attrs.frozen
class Columns:
    """A year read as columns: the chosen projects' headers and one row per current indicator.

    ``heads`` are the projects in code (id) order (see :func:`_heads`).  ``rows`` holds
    their current indicators, by project then position: ``project`` (the index of its
    project in ``heads``), ``code``, ``shape`` (its stored definition), ``actual`` and
    ``last_year`` (reading texts, see :meth:`Records.latest`; null when nothing was
    recorded).  ``records`` builds each distinct record once.
    """

    year: int
    as_of: Period
    heads: list[tuple[Any, ...]]
    plans: dict[int, FundPlan]
    spent: dict[int, Decimal]
    rows: pl.DataFrame
    records: Records

    def spans(self) -> list[int]:
        """Where each project's rows start in ``rows``, and where the last one's end (one more than ``heads``)."""
        starts = self.rows["project"].search_sorted(pl.Series(range(len(self.heads) + 1)), side="left")
        return [int(start) for start in starts]

    def project(self, index: int, indicators: tuple[Indicator, ...]) -> Project:
        """The project of ``heads[index]`` with its indicators (by position)."""
        return _project(self.heads[index], indicators, self.plans, self.records)

    def starts(self) -> list[str | None]:
        """Each project's start date as ISO text (None: none given), in ``heads`` order."""
        return [None if head[9] is None else str(head[9]) for head in self.heads]

    def sections(self) -> list[str | None]:
        """Each project's own scoring section as its stored text (None: none), in ``heads`` order.

        Equal sections are equal texts: a pass lays each distinct one over its profile once.
        """
        return [head[16] or None for head in self.heads]

    def spent_by(self, index: int) -> Decimal:
        return self.spent.get(self.heads[index][0], _ZERO)


def read(
    engine: sa.Engine,
    year: int,
    as_of: Period,
    *,
    codes: Sequence[str] | None = None,
    units: Sequence[str] | None = None,
    with_values: bool = True,
) -> Columns:
    """The projects of ``year`` (or those with ids ``codes``, or of the budget units ``units``) at ``as_of``, at once.

    Without ``with_values`` only the goals are read: every actual is null and nothing is spent.
    """
    whole = next(chunks(engine, year, as_of, codes=codes, units=units, with_values=with_values), None)
    if whole is None:  # size 0: one part, or none when no project is chosen
        return Columns(year, as_of, [], {}, {}, pl.DataFrame(schema=_ROWS), Records())
    return whole


CHUNK = 20_000  # projects read and evaluated together: a province's memory stays that of a fifth of it


def chunks(
    engine: sa.Engine,
    year: int,
    as_of: Period,
    *,
    codes: Sequence[str] | None = None,
    units: Sequence[str] | None = None,
    with_values: bool = True,
    size: int = 0,
) -> Iterator[Columns]:
    """:func:`read` in consecutive parts of at most ``size`` projects (0: one part), in id order.

    The projects' headers, fund plans and spending are read once; each part's indicators
    and actuals when it is reached, so a province is held a part at a time.
    """
    low, high = s.to_date_keys(as_of)
    with engine.connect() as connection:
        heads = _heads(connection, year, codes, units)
        if not heads:
            return
        records = Records(_shapes(connection))
        chosen = _chosen(year, codes, units)
        plans = _plans(connection, chosen)
        spent = _spent(connection, chosen, low, high) if with_values else {}
        step = size or len(heads)
        whole = codes is None and units is None  # the whole year: its parts are ranges of keys, not lists
        with _arrow(connection) as fetch:
            # Last year's values are few (trends): for the whole year, read at once and joined to each part.
            last_year = _last_year(connection, fetch, year - 1, None) if with_values and whole else None
            for start in range(0, len(heads), step):
                part = heads[start : start + step]
                keys = [head[0] for head in part]
                rows = _rows_of(fetch, year, (min(keys), max(keys)) if whole else keys, part)
                if with_values:
                    rows = _with_actuals(connection, fetch, rows, records, (low, high))
                    found = _last_year(connection, fetch, year - 1, part) if last_year is None else last_year
                    rows = rows.join(found, on=["project_code", "code"], how="left", maintain_order="left")
                else:
                    rows = rows.with_columns(actual=pl.lit(None, pl.String), last_year=pl.lit(None, pl.String))
                yield Columns(year, as_of, part, plans, spent, rows.select(list(_ROWS)), records)


_ROWS = {"project": pl.Int64, "code": pl.String, "shape": pl.Int64, "actual": pl.String, "last_year": pl.String}


def progress(
    engine: sa.Engine,
    year: int,
    as_of: Period,
    *,
    codes: Sequence[str] | None = None,
    units: Sequence[str] | None = None,
) -> Iterator[Progress]:
    """The projects of ``year`` with their year to date at ``as_of``, in project-id order.

    ``codes`` and ``units`` are filters (the projects with those ids, or of those
    budget units); without them, every project of the year.
    """
    for columns in chunks(engine, year, as_of, codes=codes, units=units, size=CHUNK):
        yield from progresses(columns)


def progresses(columns: Columns) -> Iterator[Progress]:
    """Each project's :class:`~kpitrack.readings.Progress` from the columns, in id order."""
    records, rows = columns.records, columns.rows
    codes, shapes = rows["code"].to_list(), rows["shape"].to_list()
    actuals, last_years = rows["actual"].to_list(), rows["last_year"].to_list()
    spans, latest = columns.spans(), records.latest
    for index in range(len(columns.heads)):
        start, end = spans[index], spans[index + 1]
        mine = codes[start:end]
        indicators = tuple(map(records.shaped, shapes[start:end], mine))
        yield Progress(
            project=columns.project(index, indicators),
            as_of=columns.as_of,
            actuals={code: latest(text) for code, text in zip(mine, actuals[start:end], strict=True) if text},
            spent=columns.spent_by(index),
            last_year={code: latest(text) for code, text in zip(mine, last_years[start:end], strict=True) if text},
        )


def projects(engine: sa.Engine, year: int, *, codes: Sequence[str] | None = None) -> Iterator[Project]:
    """The projects of ``year`` (or those with ids ``codes``) with their current goals, in project-id order.

    :func:`progress` without the values: a province's 100,000 projects in seconds,
    with one record per distinct indicator.
    """
    for columns in chunks(engine, year, Period.year_end(year), codes=codes, with_values=False, size=CHUNK):
        for one in progresses(columns):
            yield one.project


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
    head: tuple[Any, ...], indicators: tuple[Indicator, ...], plans: dict[int, FundPlan], records: Records
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


# -- columns through ADBC ------------------------------------------------------------------

Schema = dict[str, type[pl.DataType]]  # a result's column names and types
Fetch = Callable[[sa.Select[Any], Schema], pl.DataFrame]  # a query's result as a frame (see :func:`_arrow`)


@contextlib.contextmanager
def _arrow(connection: sa.Connection) -> Iterator[Fetch]:
    """A function giving a query's result as a polars frame of the given schema.

    On PostgreSQL an ADBC driver reads it: Arrow columns, without a Python object per
    value.  On SQLite the store's own connection reads it: an ADBC driver carries its
    own copy of the SQLite library, and two copies in one process break each other's
    POSIX file locks (closing one's file drops the other's locks: "database disk image
    is malformed", https://sqlite.org/howtocorrupt.html, section 2.2.1); an in-memory
    database is not visible to a second connection either.  The queries carry their
    values written in (keys and periods: integers only).  Every text column that may be
    empty is read as ``''`` rather than NULL (:func:`_blank`), since the ADBC driver
    infers a column's type from its first rows.
    """
    adbc: Any = None
    if connection.dialect.name == "postgresql":
        url = connection.engine.url.set(drivername="postgresql")
        adbc = adbc_driver_postgresql.dbapi.connect(url.render_as_string(False))

    def fetch(query: sa.Select[Any], schema: Schema) -> pl.DataFrame:
        sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
        if adbc is None:
            rows = connection.exec_driver_sql(sql).cursor.fetchall()
            return pl.DataFrame(rows, schema=schema, orient="row")
        with adbc.cursor() as cursor:
            cursor.execute(sql)
            found = pl.from_arrow(cursor.fetch_arrow_table())
        assert isinstance(found, pl.DataFrame)
        return found.rename(dict(zip(found.columns, schema, strict=True))).cast(pl.Schema(schema))

    try:
        yield fetch
    finally:
        if adbc is not None:
            adbc.close()


def _blank(value: Any) -> Any:
    """A text that may be NULL, read as ``''`` instead (see :func:`_arrow`)."""
    return sa.func.coalesce(value, "")


def _keyed(
    fetch: Fetch,
    query: Callable[[Any], sa.Select[Any]],
    column: Any,
    keys: Sequence[int] | None,
    schema: Schema,
) -> pl.DataFrame:
    """``query(condition)`` where ``column`` is one of ``keys`` (None: no condition), in IN lists of integers."""
    if keys is None:
        return fetch(query(sa.true()), schema)
    frames = [fetch(query(column.in_(list(chunk))), schema) for chunk in in_lists(keys, _KEYS_IN_ONE_QUERY)]
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def _rows_of(
    fetch: Fetch, year: int, keys: Sequence[int] | tuple[int, int], heads: list[tuple[Any, ...]]
) -> pl.DataFrame:
    """The current indicators of the projects ``heads``, by project (in ``heads`` order) then position.

    ``keys`` are the projects' keys, or the range of keys that holds them (the join
    below leaves out any other project in it).
    """
    i, p = s.indicators, s.projects

    def query(condition: Any) -> sa.Select[Any]:
        return sa.select(i.c.project_id, i.c.position, i.c.id, i.c.code, i.c.shape_id).where(
            i.c.project_id.in_(sa.select(p.c.id).where(p.c.year == year)), i.c.retired_on.is_(None), condition
        )

    schema = {"project_id": pl.Int64, "position": pl.Int64, "id": pl.Int64, "code": pl.String, "shape": pl.Int64}
    if isinstance(keys, tuple):
        rows = fetch(query(i.c.project_id.between(*keys)), schema)
    else:
        rows = _keyed(fetch, query, i.c.project_id, keys, schema)
    order = pl.DataFrame(
        {"project_id": [head[0] for head in heads], "project_code": [head[1] for head in heads]},
        schema={"project_id": pl.Int64, "project_code": pl.String},
    ).with_row_index("project")
    rows = rows.join(order, on="project_id").with_columns(pl.col("project").cast(pl.Int64))
    return rows.sort("project", "position", "code", "id")


def _aggregated(dialect: str, a: sa.Table, flow: Any = None) -> list[Any]:
    """Per indicator: its numbers (where ``flow`` holds, see :func:`_numbers`; ``''`` if none), the latest row.

    Only a measured value (kind ``number``) has a number: the others store NULL there
    (:func:`kpitrack.store._rows.reading_row`, checked by ``tests/test_bulk_stream.py``),
    and aggregates skip NULLs, so the numbers need no test of the kind.
    """
    return [_blank(_numbers(dialect, a.c.number, flow)), *_latest(dialect, a)]


_AGGREGATED = {"numbers": pl.String, "period": pl.Int64, "latest": pl.String}


def _with_actuals(
    connection: sa.Connection, fetch: Fetch, rows: pl.DataFrame, records: Records, periods: tuple[int, int]
) -> pl.DataFrame:
    """``rows`` with each indicator's ``actual`` to date: its current values up to the cut-off, combined."""
    a = s.actuals
    dialect = connection.dialect.name

    def query(condition: Any) -> sa.Select[Any]:
        return (
            sa.select(a.c.indicator_id, *_aggregated(dialect, a))
            .where(a.c.current, a.c.period.between(*periods), condition)
            .group_by(a.c.indicator_id)
        )

    ids = rows["id"]
    if ids.is_empty():
        return rows.with_columns(actual=pl.lit(None, pl.String))
    low, high = int(ids.min()), int(ids.max())  # type: ignore[arg-type]
    whole = high - low < 4 * len(ids)  # the keys are close together: a range is read, the rest left out by the join
    schema = {"id": pl.Int64, **_AGGREGATED}
    if whole:
        aggregated = fetch(query(a.c.indicator_id.between(low, high)), schema)
    else:
        aggregated = _keyed(fetch, query, a.c.indicator_id, ids.to_list(), schema)
    rows = rows.join(aggregated, on="id", how="left", maintain_order="left")
    flows = [key for key, shape in records.shapes.items() if shape[5] == Aggregate.SUM.value]
    summed = pl.col("shape").is_in(flows) & (pl.col("numbers") != "")
    return rows.with_columns(actual=_combined(connection, rows, summed, periods)).drop(*_AGGREGATED)


def _last_year(connection: sa.Connection, fetch: Fetch, year: int, heads: list[tuple[Any, ...]] | None) -> pl.DataFrame:
    """Last year's year-end actual (``last_year``) by project and indicator code, of ``heads`` (None: of all)."""
    p, i, a = s.projects, s.indicators, s.actuals
    periods = s.year_keys(year)
    flow = i.c.aggregate == Aggregate.SUM.value
    dialect = connection.dialect.name

    def query(condition: Any) -> sa.Select[Any]:
        return (
            sa.select(p.c.code, i.c.code, i.c.id, *_aggregated(dialect, a, flow))
            .select_from(p.join(i, i.c.project_id == p.c.id).join(a, a.c.indicator_id == i.c.id))
            .where(p.c.year == year, i.c.retired_on.is_(None), a.c.current, a.c.period.between(*periods), condition)
            .group_by(p.c.code, i.c.code, i.c.id)
        )

    keys = None
    if heads is not None:
        last = sa.select(p.c.id).where(p.c.year == year)
        keys = [
            key
            for chunk in in_lists([head[1] for head in heads])
            for (key,) in _tuples(connection, last.where(p.c.code.in_(list(chunk))))
        ]
    schema = {"project_code": pl.String, "code": pl.String, "id": pl.Int64, **_AGGREGATED}
    last_year = _keyed(fetch, query, p.c.id, keys, schema)
    last_year = last_year.with_columns(last_year=_combined(connection, last_year, pl.col("numbers") != "", periods))
    return last_year.select("project_code", "code", "last_year")


def _combined(connection: sa.Connection, rows: pl.DataFrame, summed: pl.Expr, periods: tuple[int, int]) -> pl.Expr:
    """:func:`kpitrack.readings.combine` of aggregated rows (``id, numbers, latest``), as reading texts.

    Where ``summed`` holds (a flow with measured numbers) the sum of its numbers in the
    unit of its latest number; elsewhere the latest value stands.  Each distinct list
    of numbers is added once, exactly (:func:`_sum`).
    """
    needing = rows.filter(summed)
    texts = needing["numbers"].unique().to_list()
    sums = [str(_sum(text)) for text in texts]
    latest_unit = pl.col("latest").str.splitn(_SEPARATOR, 6).struct.field("field_5")
    # A flow whose latest value is not a number (不适用 last): the unit of its latest number, asked for apart.
    odd = needing.filter(~pl.col("latest").str.starts_with(_NUMBER_TEXT))["id"].to_list()
    units = _latest_number_units(connection, odd, periods)
    apart = pl.col("id").replace_strict(list(units), list(units.values()), default=None, return_dtype=pl.String)
    unit = pl.when(pl.col("latest").str.starts_with(_NUMBER_TEXT)).then(latest_unit).otherwise(apart)
    total = pl.col("numbers").replace_strict(texts, sums, default=None, return_dtype=pl.String)
    flow_text = pl.concat_str(pl.lit(_NUMBER_TEXT), total, pl.lit(_SEPARATOR * 4), unit)
    return pl.when(summed).then(flow_text).otherwise(pl.col("latest"))


# -- records built once --------------------------------------------------------------------


class Records:
    """Equal rows give the same record: thresholds, indicators, readings and decimals are built once.

    Sharing is safe because the records are immutable; it saves both the time to
    build a million records and the memory to hold them.
    """

    def __init__(self, shapes: dict[int, tuple[Any, ...]] | None = None) -> None:
        self._decimals: dict[Any, Decimal] = {}
        self._thresholds: dict[tuple[Any, ...], Threshold] = {}
        self._indicators: dict[tuple[Any, ...], Indicator] = {}
        self._readings: dict[Any, Reading] = {}
        self.shapes = shapes or {}  # shape id → its stored columns (see :func:`_shapes`)
        self._shaped: dict[tuple[int, str], Indicator] = {}

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
            found = self._shaped[key] = self.indicator((code, *self.shapes[shape]))
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
        """A reading from its text ``kind|number|grade|score|done_on|unit`` (:func:`_latest`, :func:`_combined`).

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
    decimals = Records()
    for project_id, key, amount in _tuples(connection, query):
        entries.setdefault(project_id, []).append((key, decimals.decimal(amount)))
    return {pk: FundPlan(tuple(items)) for pk, items in entries.items()}


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
    """The latest row among an indicator's grouped rows: its period and its text for :meth:`Records.latest`.

    The text is ``kind|number|grade|score|done_on|unit`` (empty for NULL), one value
    that the caches can key on.  SQLite documents that in an aggregate query with a
    single ``max()``, the other (bare) columns and expressions come from the row
    holding the maximum: the latest quarter's row, read at no extra cost.  Elsewhere
    the period leads the text inside the ``max()``: every period key has the same eight
    digits (``20210907``, :func:`~kpitrack.store.schema.period_key`), periods of one
    indicator and year do not overlap, so the largest key is the latest period's, and
    an indicator has at most one current value per period (the ``ux_actuals_current``
    index): the largest such text is the latest row's, on any collation, and its first
    nine characters (the key and the separator) are cut off.  The unit
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
    return [sa.func.max(a.c.period), sa.func.substr(sa.func.max(period.concat(_SEPARATOR).concat(joined)), 10)]


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
