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
(``tests/test_bulk.py`` checks it).  Sums stay exact: PostgreSQL sums NUMERIC; on
SQLite, where decimals are stored as text, the integer part and the first six
fraction digits are summed as two integers (an indicator with a longer fraction is
summed in Python instead).  Targets are read from their parsed columns, never
re-parsed, and equal thresholds are built once.  Projects are read chunk by chunk,
so memory stays flat however many there are.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from kpitrack.model import Aggregate, FundPlan, Indicator, Project
from kpitrack.periods import Quarter
from kpitrack.readings import Progress, Reading, ReadingKind
from kpitrack.store import schema as s
from kpitrack.store._rows import reading_from_row, to_date
from kpitrack.thresholds import Kind, Op, Threshold

__all__ = ["progress"]

CHUNK = 900  # projects per round trip: keeps IN (…) under SQLite's bound-parameter limit
_FRACTION_DIGITS = 6
_NUMBER = "number"
_LATEST = ("kind", "number", "unit", "grade", "score", "done_on")


def progress(engine: sa.Engine, year: int, as_of: Quarter) -> Iterator[Progress]:
    """Every project of ``year`` with its year to date at ``as_of``, in project-id order."""
    low, high = year * 10 + 1, s.period_key(as_of)
    with engine.connect() as connection:
        p = s.projects
        listed = connection.execute(sa.select(p.c.id, p.c.code).where(p.c.year == year).order_by(p.c.code)).all()
        last_pks: dict[str, int] = {
            code: pk for code, pk in connection.execute(sa.select(p.c.code, p.c.id).where(p.c.year == year - 1))
        }
        for start in range(0, len(listed), CHUNK):
            chunk = listed[start : start + CHUNK]
            pks = [pk for pk, _ in chunk]
            projects = _projects(connection, pks)
            actuals = _combined(connection, pks, low, high)
            spent = _spent(connection, pks, low, high)
            before = [last_pks[code] for _, code in chunk if code in last_pks]
            last = _combined(connection, before, (year - 1) * 10 + 1, (year - 1) * 10 + 4) if before else {}
            for pk, code in chunk:
                project = projects[pk]
                by_code = actuals.get(pk, {})
                previous = last.get(last_pks[code], {}) if code in last_pks else {}
                yield Progress(
                    project=project,
                    as_of=as_of,
                    actuals={i.id: by_code[i.id] for i in project.indicators if i.id in by_code},
                    spent=spent.get(pk, Decimal(0)),
                    last_year={i.id: previous[i.id] for i in project.indicators if i.id in previous},
                )


# -- goals ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def _threshold(
    kind: str,
    op: str | None,
    value: Decimal | None,
    upper: Decimal | None,
    unit: str,
    year: int | None,
    start_month: int | None,
    end_month: int | None,
    day: int | None,
    words: str,
    explicit: bool,
) -> Threshold:
    """A stored target, built once per distinct set of columns (thousands of indicators share one)."""
    return Threshold(
        kind=Kind(kind),
        op=Op(op) if op is not None else None,
        value=value,
        unit=unit,
        upper=upper,
        year=year,
        start_month=start_month,
        end_month=end_month,
        day=day,
        words=words,
        explicit=explicit,
    )


def _projects(connection: sa.Connection, pks: Sequence[int]) -> dict[int, Project]:
    """Projects by primary key with their plans and current indicators, as the store reads them."""
    p, f, i = s.projects, s.fund_plans, s.indicators
    plans: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    query = sa.select(f.c.project_id, f.c.key, f.c.amount).where(f.c.project_id.in_(pks))
    for project_id, key, amount in connection.execute(query.order_by(f.c.project_id, f.c.position)):
        plans[project_id].append((key, amount))
    indicators: dict[int, list[Indicator]] = defaultdict(list)
    query = (
        sa.select(
            i.c.project_id,
            i.c.code,
            i.c.name,
            i.c.level1,
            i.c.level2,
            i.c.unit,
            i.c.weight,
            i.c.aggregate,
            i.c.kind,
            i.c.op,
            i.c.value,
            i.c.upper,
            i.c.target_unit,
            i.c.deadline_year,
            i.c.start_month,
            i.c.end_month,
            i.c.deadline_day,
            i.c.words,
            i.c.explicit,
        )
        .where(i.c.project_id.in_(pks), i.c.retired_on.is_(None))
        .order_by(i.c.project_id, i.c.position)
    )
    aggregates = {a.value: a for a in Aggregate}
    rows: Sequence[Any] = connection.execute(query).all()
    # Plain tuples, fetched at once: named access on a million rows costs more than the query.
    for (
        project_id,
        code,
        name,
        level1,
        level2,
        unit,
        weight,
        aggregate,
        *target_columns,
        explicit,
    ) in rows:
        target = _threshold(*target_columns, bool(explicit))
        indicators[project_id].append(
            Indicator(
                id=code,
                name=name,
                level1=level1,
                level2=level2,
                target=target,
                unit=unit,
                weight=weight,
                aggregate=aggregates[aggregate],
            )
        )
    result: dict[int, Project] = {}
    for row in connection.execute(sa.select(p).where(p.c.id.in_(pks))):
        result[row.id] = Project(
            id=row.code,
            name=row.name,
            unit=row.unit,
            year=row.year,
            budget=row.budget,
            indicators=tuple(indicators[row.id]),
            fiscal=row.fiscal,
            other=row.other,
            goal=row.goal,
            plan=FundPlan(tuple(plans[row.id])),
            start=to_date(row.start_date),
            end=to_date(row.end_date),
        )
    return result


# -- exact sums ----------------------------------------------------------------------------


def _exact_sum_columns(column: Any, dialect: str, only: Any = None) -> list[Any]:
    """Aggregate columns whose values give the exact sum of a decimal column (see :func:`_exact_total`)."""

    def when(expression: Any) -> Any:
        return sa.case((only, expression)) if only is not None else expression

    if dialect != "sqlite":
        return [sa.func.sum(when(column)), sa.null(), sa.null()]
    text = sa.cast(column, sa.String)
    dot = sa.func.instr(text, ".")
    whole = sa.case((dot == 0, text), else_=sa.func.substr(text, 1, dot - 1))
    fraction = sa.case((dot == 0, ""), else_=sa.func.substr(text, dot + 1))
    padded = sa.func.substr(fraction + "0" * _FRACTION_DIGITS, 1, _FRACTION_DIGITS)
    return [
        sa.func.sum(when(sa.cast(whole, sa.Integer))),
        sa.func.sum(when(sa.cast(padded, sa.Integer))),
        sa.func.max(when(sa.func.length(fraction))),
    ]


def _exact_total(whole: Any, fraction: Any, places: Any) -> Decimal | None:
    """The exact sum from :func:`_exact_sum_columns`; None when a fraction was too long to sum in SQL."""
    if whole is None:
        return None
    if places is None:  # PostgreSQL: NUMERIC summed exactly
        return whole if isinstance(whole, Decimal) else Decimal(str(whole))
    if places > _FRACTION_DIGITS:
        return None
    total = Decimal(whole) + Decimal(fraction).scaleb(-_FRACTION_DIGITS)
    # The exponent a Decimal sum of the same values has: that of the longest fraction.
    return total.quantize(Decimal(1).scaleb(-places))


# -- actuals -------------------------------------------------------------------------------


def _combined(connection: sa.Connection, pks: Sequence[int], low: int, high: int) -> dict[int, dict[str, Reading]]:
    """Per project and indicator code: the current values in ``low..high`` combined as the indicator says."""
    a, i = s.actuals, s.indicators
    dialect = connection.dialect.name
    is_number = a.c.kind == _NUMBER
    grouped = (
        sa.select(
            a.c.indicator_id,
            sa.func.max(a.c.period).label("last_period"),
            sa.func.count(sa.case((is_number, 1))).label("numbers"),
            sa.func.max(sa.case((is_number, sa.cast(a.c.period, sa.String) + a.c.unit))).label("number_unit"),
            *(c.label(f"sum{n}") for n, c in enumerate(_exact_sum_columns(a.c.number, dialect, is_number))),
        )
        .join(i, i.c.id == a.c.indicator_id)
        .where(i.c.project_id.in_(pks), i.c.retired_on.is_(None), a.c.current, a.c.period.between(low, high))
        .group_by(a.c.indicator_id)
        .subquery()
    )
    latest = a.alias("latest")
    query = (
        sa.select(
            i.c.project_id,
            i.c.code,
            i.c.aggregate,
            grouped.c.numbers,
            grouped.c.number_unit,
            grouped.c.sum0,
            grouped.c.sum1,
            grouped.c.sum2,
            latest.c.kind,
            latest.c.number,
            latest.c.unit,
            latest.c.grade,
            latest.c.score,
            latest.c.done_on,
        )
        .select_from(grouped)
        .join(i, i.c.id == grouped.c.indicator_id)
        .join(
            latest,
            sa.and_(
                latest.c.indicator_id == grouped.c.indicator_id,
                latest.c.period == grouped.c.last_period,
                latest.c.current,
            ),
        )
    )
    result: dict[int, dict[str, Reading]] = defaultdict(dict)
    readings: dict[tuple[Any, ...], Reading] = {}
    summed = Aggregate.SUM.value
    rows: Sequence[Any] = connection.execute(query).all()
    for (
        project_id,
        code,
        aggregate,
        numbers,
        number_unit,
        whole,
        fraction,
        places,
        *latest_columns,
    ) in rows:
        if aggregate == summed and numbers:
            total = _exact_total(whole, fraction, places)
            if total is None:
                total = _python_sum(connection, project_id, code, low, high)
            reading = Reading(ReadingKind.NUMBER, number=total, unit=number_unit[5:])
        else:
            key = tuple(latest_columns)
            cached = readings.get(key)
            if cached is None:
                cached = readings[key] = reading_from_row(dict(zip(_LATEST, latest_columns, strict=True)))
            reading = cached
        result[project_id][code] = reading
    return result


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


def _spent(connection: sa.Connection, pks: Sequence[int], low: int, high: int) -> dict[int, Decimal]:
    sp = s.spending
    columns = _exact_sum_columns(sp.c.amount, connection.dialect.name)
    query = (
        sa.select(sp.c.project_id, *columns)
        .where(sp.c.project_id.in_(pks), sp.c.current, sp.c.period.between(low, high))
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
