"""Goals in the store: loading goal tables (绩效目标表) idempotently, with dated revisions.

Loading the same goals twice changes nothing.  A changed target, weight or name
of an indicator (or a changed budget, plan … of a project) updates the goal in
place and records a revision (目标调整) with its date, the old and the new text;
an indicator dropped from the goal file is retired, not deleted, so its recorded
values keep their history.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import attrs
import pendulum
import sqlalchemy as sa

from kpitrack.model import FundPlan, Indicator, Project
from kpitrack.store import schema as s
from kpitrack.store._rows import (
    INDICATOR_COLUMNS,
    REVISED_FIELDS,
    bulk_insert,
    copy_rows,
    driver_values,
    in_lists,
    indicator_fields,
    indicator_from_row,
    indicator_row,
    project_fields,
    scoring_from_text,
    scoring_text,
    to_date,
)
from kpitrack.store.schema import SHAPE_COLUMNS, decimal_text, shape_digest

__all__ = ["LoadReport", "Revision", "load", "read_projects"]

_CHUNK = 900  # projects checked and written together


@attrs.frozen
class Revision:
    """One recorded change of a goal: ``field`` of project ``project`` (or of its ``indicator``)."""

    project: str
    year: int
    indicator: str | None
    field: str
    old: str | None
    new: str | None
    revised_on: pendulum.Date

    def __str__(self) -> str:
        what = f"{self.project}/{self.indicator}" if self.indicator else self.project
        return f"{what} ({self.year}) {self.field}: {self.old or '—'} → {self.new or '—'} on {self.revised_on}"


@attrs.frozen
class LoadReport:
    """What a goal load did: projects added, revisions recorded, projects left unchanged."""

    added: tuple[tuple[str, int], ...] = ()
    revised: tuple[Revision, ...] = ()
    unchanged: tuple[tuple[str, int], ...] = ()


def _batches(projects: Iterable[Project]) -> Iterator[list[Project]]:
    iterator = iter(projects)
    while batch := list(itertools.islice(iterator, _CHUNK)):
        yield batch


def _project_values(project: Project) -> dict[str, Any]:
    return {
        "code": project.id,
        "year": project.year,
        "name": project.name,
        "unit": project.unit,
        "budget": project.budget,
        "fiscal": project.fiscal,
        "other": project.other,
        "goal": project.goal,
        "start_date": project.start,
        "end_date": project.end,
        "department": project.department,
        "agency": project.agency,
        "initial_budget": project.initial_budget,
        "carryover": project.carryover,
        "outcome": project.outcome,
        "scoring": scoring_text(project.scoring),
    }


_PROJECT_COLUMNS = (
    "code",
    "year",
    "name",
    "unit",
    "budget",
    "fiscal",
    "other",
    "goal",
    "start_date",
    "end_date",
    "department",
    "agency",
    "initial_budget",
    "carryover",
    "outcome",
    "scoring",
)
_PLAN_COLUMNS = ("project_id", "position", "key", "amount")
_INDICATOR_INSERT = ("project_id", "position", *INDICATOR_COLUMNS)


def load(connection: sa.Connection, projects: Iterable[Project], today: pendulum.Date) -> LoadReport:
    """Add new projects, revise changed ones, leave the others alone; inside the caller's transaction.

    ``projects`` is consumed in batches of a few hundred, so goals streamed from a
    province's tables are never all held at once.  Per batch: new projects go in with
    one ``executemany`` per table; stored ones are compared, row for row, with the rows
    they would be written as, and only those that differ are read back as records and
    revised field by field (:func:`_revise`).
    """
    rows = _DriverRows(connection)
    added: list[tuple[str, int]] = []
    revised: list[Revision] = []
    unchanged: list[tuple[str, int]] = []
    for batch in _batches(projects):
        stored = _stored_keys(connection, batch)
        new = [p for p in batch if (p.id, p.year) not in stored]
        old = [p for p in batch if (p.id, p.year) in stored]
        if new:
            _insert(connection, new, rows)
            added.extend((p.id, p.year) for p in new)
        if not old:
            continue
        differing = _differing(connection, [(stored[(p.id, p.year)], p) for p in old], rows)
        found = _read(connection, [pk for pk, _ in differing], include_retired=True) if differing else {}
        for project in old:
            pk = stored[(project.id, project.year)]
            changes = _revise(connection, rows, pk, found[pk], project, today) if pk in found else []
            revised.extend(changes)
            if not changes:
                unchanged.append((project.id, project.year))
    return LoadReport(added=tuple(added), revised=tuple(revised), unchanged=tuple(unchanged))


class _DriverRows:
    """Projects, plans and indicators as the rows the driver takes (SQLite: decimals as text, booleans 0/1).

    The same values serve to insert new goals and to see whether stored ones changed:
    a stored project whose rows read back equal to these is unchanged.
    """

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._sqlite = connection.dialect.name == "sqlite"
        # An indicator's columns by the record's identity: the flat loader shares one frozen
        # Indicator among all the projects that have the same one, so a province's 1.5 M
        # indicators convert some 50,000.  Each entry holds its Indicator, so that no
        # other object can take its id while the entry lives.
        self._indicators: dict[int, _Shape] = {}
        self._ids: dict[str, int] = {}  # shape digest → its id in indicator_shapes
        self._unnumbered: list[_Shape] = []  # shapes made since the last call of number()
        self._mark = "?" if self._sqlite else "%s"

    def _number(self, value: Decimal | None) -> Any:
        return decimal_text(value) if self._sqlite and value is not None else value

    def _date(self, value: pendulum.Date | None) -> Any:
        return value.isoformat() if self._sqlite and value is not None else value  # as SQLAlchemy's Date on SQLite

    def project(self, pk: int | None, project: Project) -> tuple[Any, ...]:
        """``(pk, *_PROJECT_COLUMNS)``."""
        number, date = self._number, self._date
        money = (number(project.budget), number(project.fiscal), number(project.other))
        dates = (date(project.start), date(project.end))
        forms = (project.department, project.agency, number(project.initial_budget), number(project.carryover))
        head = (pk, project.id, project.year, project.name, project.unit, *money, project.goal, *dates)
        return (*head, *forms, project.outcome, scoring_text(project.scoring))

    def plan(self, pk: int, project: Project) -> list[tuple[Any, ...]]:
        return [(pk, position, key, self._number(amount)) for position, (key, amount) in enumerate(project.plan)]

    def indicators(self, pk: int, project: Project) -> list[tuple[Any, ...]]:
        return [(pk, position, *self._shape(i).columns) for position, i in enumerate(project.indicators)]

    def shapes(self, project: Project) -> list[_Shape]:
        """The shape of each of the project's indicators, in order (numbered by :meth:`number`)."""
        known = self._indicators.get
        return [known(id(indicator)) or self._shape(indicator) for indicator in project.indicators]

    def shape_id(self, indicator: Indicator) -> int:
        """The id of the indicator's shape in ``indicator_shapes``, written there if new."""
        shape = self._shape(indicator)
        self.number()
        assert shape.number is not None
        return shape.number

    def number(self) -> None:
        """Give every shape made so far its id in ``indicator_shapes``: an equal stored shape's, else a new row's."""
        waiting = []
        for shape in self._unnumbered:
            shape.number = self._ids.get(shape.digest)
            if shape.number is None:
                waiting.append(shape)
        self._unnumbered.clear()
        if not waiting:
            return
        definitions = {shape.digest: shape.columns[1:] for shape in waiting}
        self._look_up(list(definitions))
        missing = [digest for digest in definitions if digest not in self._ids]
        if missing:
            marks = ", ".join([self._mark] * (len(SHAPE_COLUMNS) + 1))
            self._connection.exec_driver_sql(
                f"INSERT INTO indicator_shapes (digest, {', '.join(SHAPE_COLUMNS)}) VALUES ({marks})",
                [(digest, *definitions[digest]) for digest in missing],
            )
            self._look_up(missing)
        for shape in waiting:
            shape.number = self._ids[shape.digest]

    def _look_up(self, digests: Sequence[str]) -> None:
        for chunk in in_lists(digests):
            marks = ", ".join([self._mark] * len(chunk))
            found = self._connection.exec_driver_sql(
                f"SELECT digest, id FROM indicator_shapes WHERE digest IN ({marks})", tuple(chunk)
            )
            self._ids.update((digest, pk) for digest, pk in found)

    def _shape(self, indicator: Indicator) -> _Shape:
        shape = self._indicators.get(id(indicator))
        if shape is None:
            if len(self._indicators) >= 100_000:  # unshared records (TOML goals): keep the cache small
                self._indicators.clear()
            values = indicator_row(indicator)
            columns = driver_values(self._connection, [values[c] for c in INDICATOR_COLUMNS])
            shape = self._indicators[id(indicator)] = _Shape(indicator, columns, shape_digest(columns[1:]))
            self._unnumbered.append(shape)
        return shape


@attrs.define
class _Shape:
    """An indicator's columns (all but project and position: code first, then its shape's), its shape's digest,
    and the shape's id in ``indicator_shapes`` once known."""

    indicator: Indicator
    columns: tuple[Any, ...]
    digest: str
    number: int | None = None


def _stored_keys(connection: sa.Connection, batch: Sequence[Project]) -> dict[tuple[str, int], int]:
    """(code, year) → primary key of the batch's projects already stored.

    Through the driver: SQLAlchemy's compiled ``IN`` and named rows cost 1 s at 100,000 projects.
    """
    wanted = {(project.id, project.year) for project in batch}
    codes = tuple({code for code, _ in wanted})
    if not codes:
        return {}
    marks = ", ".join(["?" if connection.dialect.name == "sqlite" else "%s"] * len(codes))
    found = connection.exec_driver_sql(f"SELECT id, code, year FROM projects WHERE code IN ({marks})", codes)
    return {(code, year): pk for pk, code, year in found if (code, year) in wanted}


def _insert(connection: sa.Connection, new: Sequence[Project], rows: _DriverRows) -> None:
    """New projects with their plans and indicators, one ``executemany`` per table.

    Indicators go in by *shape* (``indicator_shapes``): the same definition (name, target,
    unit …) recurs across thousands of projects of a province (some 36,000 distinct among
    1.5 M), and binding its 18 columns from Python for every row is most of the cost of the
    insert.  So each distinct one is written once to the shapes table (or found there), and
    each row is copied from it inside the database, binding four values: project,
    position, code, shape.
    """
    bulk_insert(connection, s.projects, _PROJECT_COLUMNS, [rows.project(None, p)[1:] for p in new], ready=True)
    pks = _stored_keys(connection, new)
    plan_rows: list[tuple[Any, ...]] = []
    shaped: list[tuple[int, list[_Shape]]] = []
    for project in new:
        pk = pks[(project.id, project.year)]
        plan_rows.extend(rows.plan(pk, project))
        shaped.append((pk, rows.shapes(project)))
    bulk_insert(connection, s.fund_plans, _PLAN_COLUMNS, plan_rows, ready=True)
    rows.number()
    keys = [(pk, at, shape.columns[0], shape.number) for pk, shapes in shaped for at, shape in enumerate(shapes)]
    if not keys:  # projects with a budget and no indicators: an empty insert is no statement at all
        return
    # A statement per row runs at half the speed of one statement joining the rows (their
    # keys bound into a temporary table) with their shapes: on SQLite 1.5 M rows 9-11 s → 5 s.
    # On PostgreSQL the keys go in by COPY (a province's goals 86 → 76 s, the client's CPU
    # 38 → 27 s); there the server's own insert is most of the time: 18 columns, two
    # indexes and two foreign-key checks a row.
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS indicator_keys (project_id, position, code, shape_id)"
        )
        connection.exec_driver_sql("INSERT INTO temp.indicator_keys VALUES (?, ?, ?, ?)", keys)
        order = "k.rowid"
    else:  # the serial numbers the rows in the order COPY writes them
        connection.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS indicator_keys "
            "(project_id integer, position integer, code varchar, shape_id integer, ordinal bigserial)"
        )
        copy_rows(connection, "indicator_keys", ("project_id", "position", "code", "shape_id"), keys)
        order = "k.ordinal"
    columns = ", ".join(SHAPE_COLUMNS)
    shape_columns = ", ".join(f"s.{column}" for column in SHAPE_COLUMNS)
    connection.exec_driver_sql(
        f"INSERT INTO indicators (project_id, position, code, shape_id, {columns}) "
        f"SELECT k.project_id, k.position, k.code, s.id, {shape_columns} "
        f"FROM indicator_keys AS k JOIN indicator_shapes AS s ON s.id = k.shape_id ORDER BY {order}"
    )
    connection.exec_driver_sql("DELETE FROM indicator_keys" if sqlite else "TRUNCATE indicator_keys")


def _differing(
    connection: sa.Connection, stored: Sequence[tuple[int, Project]], rows: _DriverRows
) -> list[tuple[int, Project]]:
    """The stored projects whose rows (project, plan, indicators) are not exactly those they would be written as.

    Equal rows mean :func:`_revise` would find nothing to change, so a second load of the
    same goals costs three queries per batch.  Rows that differ only in how a number is
    written (``35`` and ``35.00``) go to :func:`_revise`, which decides.
    """
    pks = [pk for pk, _ in stored]
    marks = ", ".join(["?" if connection.dialect.name == "sqlite" else "%s"] * len(pks))
    projects = {
        row[0]: tuple(row)
        for row in connection.exec_driver_sql(
            f"SELECT id, {', '.join(_PROJECT_COLUMNS)} FROM projects WHERE id IN ({marks})", tuple(pks)
        )
    }
    plans: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in connection.exec_driver_sql(
        f"SELECT {', '.join(_PLAN_COLUMNS)} FROM fund_plans WHERE project_id IN ({marks}) "
        "ORDER BY project_id, position",
        tuple(pks),
    ):
        plans[row[0]].append(tuple(row))
    indicators: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in connection.exec_driver_sql(
        f"SELECT {', '.join(_INDICATOR_INSERT)}, retired_on FROM indicators WHERE project_id IN ({marks}) "
        "ORDER BY project_id, position",
        tuple(pks),
    ):
        indicators[row[0]].append(tuple(row))
    return [
        (pk, project)
        for pk, project in stored
        if projects.get(pk) != rows.project(pk, project)
        or plans[pk] != rows.plan(pk, project)
        or indicators[pk] != [(*row, None) for row in rows.indicators(pk, project)]
    ]


@attrs.frozen
class _Stored:
    project: Project
    indicator_rows: dict[str, dict[str, Any]]  # by code, including retired ones


def _revise(
    connection: sa.Connection, rows: _DriverRows, pk: int, stored: _Stored, project: Project, today: pendulum.Date
) -> list[Revision]:
    changes: list[Revision] = []

    def note(indicator_pk: int | None, indicator: str | None, field: str, old: str | None, new: str | None) -> None:
        connection.execute(
            sa.insert(s.revisions).values(
                project_id=pk, indicator_id=indicator_pk, revised_on=today, field=field, old_text=old, new_text=new
            )
        )
        changes.append(Revision(project.id, project.year, indicator, field, old, new, today))

    before, after = project_fields(stored.project), project_fields(project)
    if before != after:
        values = _project_values(project)
        connection.execute(sa.update(s.projects).where(s.projects.c.id == pk).values(values))
        if before["plan"] != after["plan"]:
            connection.execute(sa.delete(s.fund_plans).where(s.fund_plans.c.project_id == pk))
            if project.plan.entries:
                connection.execute(
                    sa.insert(s.fund_plans),
                    [{"project_id": pk, "position": i, "key": k, "amount": a} for i, (k, a) in enumerate(project.plan)],
                )
        for field in before:
            if before[field] != after[field]:
                note(None, None, field, before[field], after[field])

    seen: set[str] = set()
    for position, indicator in enumerate(project.indicators):
        seen.add(indicator.id)
        values = {**indicator_row(indicator), "shape_id": rows.shape_id(indicator)}
        row = stored.indicator_rows.get(indicator.id)
        if row is None:
            result = connection.execute(sa.insert(s.indicators).values(project_id=pk, position=position, **values))
            new_pk = result.inserted_primary_key[0] if result.inserted_primary_key else None
            note(new_pk, indicator.id, "added", None, str(indicator.target))
            continue
        old_fields, new_fields = indicator_fields(row), indicator_fields(values)
        if (
            old_fields != new_fields
            or row["position"] != position
            or row["retired_on"] is not None
            or values["explicit"] != bool(row["explicit"])
            or row["shape_id"] != values["shape_id"]
        ):
            connection.execute(
                sa.update(s.indicators)
                .where(s.indicators.c.id == row["id"])
                .values(position=position, retired_on=None, **values)
            )
        if row["retired_on"] is not None:
            note(row["id"], indicator.id, "restored", None, str(indicator.target))
        for field in REVISED_FIELDS:
            if old_fields[field] != new_fields[field]:
                note(row["id"], indicator.id, field, old_fields[field], new_fields[field])
    for code, row in stored.indicator_rows.items():
        if code not in seen and row["retired_on"] is None:
            connection.execute(sa.update(s.indicators).where(s.indicators.c.id == row["id"]).values(retired_on=today))
            note(row["id"], code, "retired", row["target_text"], None)
    return changes


def _read(connection: sa.Connection, pks: Sequence[int], *, include_retired: bool = False) -> dict[int, _Stored]:
    """Projects by primary key, with their plans and indicators, in three queries."""
    plans: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    query = (
        sa.select(s.fund_plans)
        .where(s.fund_plans.c.project_id.in_(pks))
        .order_by(s.fund_plans.c.project_id, s.fund_plans.c.position)
    )
    for row in connection.execute(query):
        plans[row.project_id].append((row.key, row.amount))
    rows: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    query = sa.select(s.indicators).where(s.indicators.c.project_id.in_(pks))
    if not include_retired:
        query = query.where(s.indicators.c.retired_on.is_(None))
    for row in connection.execute(query.order_by(s.indicators.c.project_id, s.indicators.c.position)):
        mapping = dict(row._mapping)
        rows[row.project_id][row.code] = mapping
    result: dict[int, _Stored] = {}
    for row in connection.execute(sa.select(s.projects).where(s.projects.c.id.in_(pks))):
        current = [r for r in rows[row.id].values() if r["retired_on"] is None]
        project = Project(
            id=row.code,
            name=row.name,
            unit=row.unit,
            year=row.year,
            budget=row.budget,
            indicators=tuple(indicator_from_row(r) for r in current),
            fiscal=row.fiscal,
            other=row.other,
            goal=row.goal,
            plan=FundPlan(tuple(plans[row.id])),
            start=to_date(row.start_date),
            end=to_date(row.end_date),
            department=row.department,
            agency=row.agency,
            initial_budget=row.initial_budget,
            carryover=row.carryover,
            outcome=row.outcome,
            scoring=scoring_from_text(row.scoring),
        )
        result[row.id] = _Stored(project, rows[row.id])
    return result


def read_projects(connection: sa.Connection, year: int, ids: Sequence[str] | None = None) -> list[tuple[int, Project]]:
    """The current goals of ``year`` (optionally only projects ``ids``), in id order, with their keys."""
    p = s.projects
    query = sa.select(p.c.id, p.c.code).where(p.c.year == year)
    if ids is None:
        pks = [row.id for row in connection.execute(query.order_by(p.c.code))]
    else:  # looked up by code: a province has a hundred thousand projects a year
        chosen = [
            row for chunk in in_lists(sorted(set(ids))) for row in connection.execute(query.where(p.c.code.in_(chunk)))
        ]
        pks = [row.id for row in sorted(chosen, key=lambda row: row.code)]
    found: dict[int, _Stored] = {}
    for chunk in in_lists(pks):
        found.update(_read(connection, chunk))
    return [(pk, found[pk].project) for pk in pks]
