"""Rows ↔ records: how projects, indicators and readings are laid out in the tables.

Also the fast bulk insert used by goal loading and imports: one ``executemany``
through the driver with values already converted, instead of SQLAlchemy's per-row
type processing; on PostgreSQL a ``COPY`` (:func:`copy_rows`).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import count
from typing import Any, TypeVar

import pendulum
import sqlalchemy as sa

from kpitrack.model import Aggregate, FundPlan, Indicator, Project, ProjectScoring
from kpitrack.readings import Grade, Reading, ReadingKind
from kpitrack.store.schema import SHAPE_COLUMNS, decimal_text
from kpitrack.thresholds import Kind, Op, Threshold, format_decimal

__all__ = [
    "INDICATOR_COLUMNS",
    "PROJECT_FIELDS",
    "bulk_insert",
    "copy_into",
    "copy_rows",
    "driver_cursor",
    "driver_rows",
    "driver_values",
    "indicator_from_row",
    "indicator_row",
    "insert_sql",
    "plan_text",
    "project_fields",
    "reading_from_row",
    "reading_row",
    "scoring_from_text",
    "scoring_text",
]

INDICATOR_COLUMNS = ("code", *SHAPE_COLUMNS)  # what the goal writer stores per indicator

# The indicator fields whose change is a goal revision (目标调整), by the name shown to people.
REVISED_FIELDS = {
    "name": "name",
    "target": "target_text",
    "weight": "weight",
    "unit": "unit",
    "level1": "level1",
    "level2": "level2",
    "aggregate": "aggregate",
}
PROJECT_FIELDS = (
    "name",
    "unit",
    "budget",
    "fiscal",
    "other",
    "goal",
    "plan",
    "start",
    "end",
    "department",
    "agency",
    "initial_budget",
    "carryover",
    "outcome",
    "scoring",
)


def indicator_row(indicator: Indicator) -> dict[str, Any]:
    target = indicator.target
    return {
        "code": indicator.id,
        "name": indicator.name,
        "level1": indicator.level1,
        "level2": indicator.level2,
        "unit": indicator.unit,
        "weight": indicator.weight,
        "aggregate": indicator.aggregate.value,
        "target_text": str(target),
        "kind": target.kind.value,
        "op": target.op.value if target.op is not None else None,
        "value": target.value,
        "upper": target.upper,
        "target_unit": target.unit,
        "deadline_year": target.year,
        "start_month": target.start_month,
        "end_month": target.end_month,
        "deadline_day": target.day,
        "words": target.words,
        "explicit": target.explicit,
    }


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def indicator_from_row(row: Mapping[Any, Any]) -> Indicator:
    target = Threshold(
        kind=Kind(row["kind"]),
        op=Op(row["op"]) if row["op"] is not None else None,
        value=_decimal(row["value"]),
        unit=row["target_unit"],
        upper=_decimal(row["upper"]),
        year=row["deadline_year"],
        start_month=row["start_month"],
        end_month=row["end_month"],
        day=row["deadline_day"],
        words=row["words"],
        explicit=bool(row["explicit"]),
    )
    return Indicator(
        id=row["code"],
        name=row["name"],
        level1=row["level1"],
        level2=row["level2"],
        target=target,
        unit=row["unit"],
        weight=_decimal(row["weight"]),
        aggregate=Aggregate(row["aggregate"]),
    )


def plan_text(plan: FundPlan) -> str:
    return ", ".join(f"{key} {format_decimal(amount)}" for key, amount in plan)


def scoring_text(scoring: ProjectScoring) -> str | None:
    """A project's own scoring section as canonical JSON (``projects.scoring``); None when it has none.

    Numbers as their plain text (``40``, never ``40.0``), tiers in the table's order:
    equal sections are equal texts, so a second load of the same goals changes nothing.
    """
    if not scoring:
        return None
    data: dict[str, Any] = {}
    if scoring.execution is not None:
        data["execution"] = format_decimal(scoring.execution)
    if scoring.tiers:
        data["tiers"] = {tier: format_decimal(weight) for tier, weight in scoring.tiers.items()}
    if scoring.level2:
        data["level2"] = dict(scoring.level2)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def scoring_from_text(text: str | None) -> ProjectScoring:
    """:func:`scoring_text` read back."""
    if not text:
        return _NO_SCORING
    data = json.loads(text)
    execution = data.get("execution")
    return ProjectScoring(
        None if execution is None else Decimal(execution),
        {tier: Decimal(weight) for tier, weight in data.get("tiers", {}).items()},
        data.get("level2", {}),
    )


_NO_SCORING = ProjectScoring()


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, ProjectScoring):
        return scoring_text(value)
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, FundPlan):
        return plan_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def project_fields(project: Project) -> dict[str, str | None]:
    """The project's own fields as comparable text (a change is a revision)."""
    return {name: _text(getattr(project, name)) for name in PROJECT_FIELDS}


def indicator_fields(row: Mapping[str, Any]) -> dict[str, str | None]:
    """An indicator row's revisable fields as comparable text."""
    return {
        shown: _text(_decimal(row[column]) if column == "weight" else row[column])
        for shown, column in REVISED_FIELDS.items()
    }


def to_date(value: Any) -> pendulum.Date | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return pendulum.date(value.year, value.month, value.day)


def reading_row(reading: Reading) -> dict[str, Any]:
    return {
        "kind": reading.kind.value,
        "number": reading.number,
        "unit": reading.unit,
        "grade": reading.grade.value if reading.grade is not None else None,
        "score": reading.score,
        "done_on": reading.date,
        "text": str(reading),
    }


def reading_from_row(row: Mapping[Any, Any]) -> Reading:
    return Reading(
        kind=ReadingKind(row["kind"]),
        number=_decimal(row["number"]),
        unit=row["unit"],
        grade=Grade(row["grade"]) if row["grade"] is not None else None,
        score=_decimal(row["score"]),
        date=to_date(row["done_on"]),
    )


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def driver_values(connection: sa.Connection, values: Sequence[Any]) -> tuple[Any, ...]:
    """Values as the driver takes them: on SQLite decimals and dates become text, booleans 0/1."""
    if connection.dialect.name == "sqlite":
        return tuple(_sqlite_value(v) for v in values)
    return tuple(values)


def bulk_insert(
    connection: sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ready: bool = False,
) -> None:
    """Insert many rows with one driver-level ``executemany`` (values in ``columns`` order).

    With ``ready`` the values are already converted by :func:`driver_values`.
    """
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        copy_rows(connection, table.name, columns, rows)
        return
    if connection.dialect.name == "sqlite" and not ready:
        rows = [tuple(_sqlite_value(v) for v in row) for row in rows]
    connection.exec_driver_sql(insert_sql(connection, table, columns), rows if isinstance(rows, list) else list(rows))


def copy_rows(connection: sa.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL: rows written with one ``COPY … FROM STDIN`` in the connection's transaction.

    psycopg's ``executemany`` sends a statement per row: an import of 5.8 M actuals
    took 198 s, most of it the client's.  ``COPY`` streams the rows as text, which
    psycopg escapes (tabs, line breaks, backslashes) and the server parses by the
    columns' types.
    """
    copy_into(connection.connection.driver_connection, table, columns, rows)


def copy_into(driver: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """:func:`copy_rows` on the driver's (psycopg's) connection itself, which another thread may use.

    psycopg holds the connection's lock for the whole ``COPY``: a statement from
    another thread waits until it is done.
    """
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


IN_LIST = 900  # keys per IN (…) list: under SQLite's bound-parameter limit (999 before 3.32)
_Key = TypeVar("_Key")


def in_lists(keys: Sequence[_Key], size: int | None = None) -> Iterator[Sequence[_Key]]:
    """``keys`` in consecutive slices, each few enough for one ``IN (…)`` list (:data:`IN_LIST`, or ``size``)."""
    step = size or IN_LIST
    for start in range(0, len(keys), step):
        yield keys[start : start + step]


def driver_rows(
    connection: sa.Connection, query: str | sa.Select[Any], size: int = 10_000, params: Sequence[Any] = ()
) -> Iterator[tuple[Any, ...]]:
    """The rows of a query (SQL text and its ``params``, or a select) as the driver's tuples, fetched in blocks.

    For reading a million rows at once: SQLAlchemy's result wraps every row in a
    ``Row`` and fetches it alone, which costs more than the query itself.
    """
    cursor = driver_cursor(connection, query, params)
    try:
        while block := cursor.fetchmany(size):
            yield from block
    finally:
        cursor.close()


def driver_cursor(
    connection: sa.Connection, query: str | sa.Select[Any], params: Sequence[Any] = (), *, streamed: bool = False
) -> Any:
    """The driver's cursor, having executed a query (SQL text and its ``params``, or a select).

    ``streamed``: the rows are to be fetched in batches as they are used.  On
    PostgreSQL the cursor is then a server-side one: psycopg's default cursor holds
    the whole result on the client (half a province's aggregated actuals, ~200 MB).
    It lasts until the transaction ends.
    """
    bound: Any = params
    if not isinstance(query, str):
        compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
        query, bound = compiled.string, compiled.params
        if compiled.positional:
            bound = tuple(compiled.params[name] for name in compiled.positiontup or ())
    if streamed and connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        cursor = driver.cursor(name=f"kpitrack_{next(_CURSOR_NAMES)}")
    else:
        cursor = connection.connection.cursor()
    cursor.execute(query, bound)
    return cursor


_CURSOR_NAMES = count()


def insert_sql(connection: sa.Connection, table: sa.Table, columns: Sequence[str]) -> str:
    """The driver-level ``INSERT`` of one row of ``columns`` (for ``executemany`` with plain tuples)."""
    marker = "?" if connection.dialect.name == "sqlite" else "%s"
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
