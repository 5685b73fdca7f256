"""Goals in the store: loading goal tables (绩效目标表) idempotently, with dated revisions.

Loading the same goals twice changes nothing.  A changed target, weight or name
of an indicator (or a changed budget, plan … of a project) updates the goal in
place and records a revision (目标调整) with its date, the old and the new text;
an indicator dropped from the goal file is retired, not deleted, so its recorded
values keep their history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs
import pendulum
import sqlalchemy as sa

from kpitrack.model import FundPlan, Project
from kpitrack.store import schema as s
from kpitrack.store._rows import (
    INDICATOR_COLUMNS,
    REVISED_FIELDS,
    bulk_insert,
    indicator_fields,
    indicator_from_row,
    indicator_row,
    project_fields,
    to_date,
)

__all__ = ["LoadReport", "Revision", "load", "read_projects"]

_CHUNK = 900  # keeps IN (…) lists under SQLite's bound-parameter limit


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


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


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
    }


_PROJECT_COLUMNS = ("code", "year", "name", "unit", "budget", "fiscal", "other", "goal", "start_date", "end_date")
_INDICATOR_INSERT = ("project_id", "position", *INDICATOR_COLUMNS)


def load(connection: sa.Connection, projects: Sequence[Project], today: pendulum.Date) -> LoadReport:
    """Add new projects, revise changed ones, leave the others alone; inside the caller's transaction."""
    years = sorted({p.year for p in projects})
    existing: dict[tuple[str, int], int] = {}
    for row in connection.execute(
        sa.select(s.projects.c.id, s.projects.c.code, s.projects.c.year).where(s.projects.c.year.in_(years))
    ):
        existing[(row.code, row.year)] = row.id
    new = [p for p in projects if (p.id, p.year) not in existing]
    old = [p for p in projects if (p.id, p.year) in existing]
    if new:
        bulk_insert(
            connection,
            s.projects,
            _PROJECT_COLUMNS,
            [tuple(_project_values(p)[c] for c in _PROJECT_COLUMNS) for p in new],
        )
        wanted = {(p.id, p.year) for p in new}
        for row in connection.execute(
            sa.select(s.projects.c.id, s.projects.c.code, s.projects.c.year).where(s.projects.c.year.in_(years))
        ):
            if (row.code, row.year) in wanted:
                existing[(row.code, row.year)] = row.id
        plan_rows: list[tuple[Any, ...]] = []
        indicator_rows: list[tuple[Any, ...]] = []
        for project in new:
            pk = existing[(project.id, project.year)]
            plan_rows.extend((pk, position, key, amount) for position, (key, amount) in enumerate(project.plan))
            for position, indicator in enumerate(project.indicators):
                values = indicator_row(indicator)
                indicator_rows.append((pk, position, *(values[c] for c in INDICATOR_COLUMNS)))
        bulk_insert(connection, s.fund_plans, ("project_id", "position", "key", "amount"), plan_rows)
        bulk_insert(connection, s.indicators, _INDICATOR_INSERT, indicator_rows)
    revised: list[Revision] = []
    unchanged: list[tuple[str, int]] = []
    for chunk in _chunks(old):
        stored = _read(connection, [existing[(p.id, p.year)] for p in chunk], include_retired=True)
        for project in chunk:
            pk = existing[(project.id, project.year)]
            changes = _revise(connection, pk, stored[pk], project, today)
            revised.extend(changes)
            if not changes:
                unchanged.append((project.id, project.year))
    return LoadReport(added=tuple((p.id, p.year) for p in new), revised=tuple(revised), unchanged=tuple(unchanged))


@attrs.frozen
class _Stored:
    project: Project
    indicator_rows: dict[str, dict[str, Any]]  # by code, including retired ones


def _revise(
    connection: sa.Connection, pk: int, stored: _Stored, project: Project, today: pendulum.Date
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
        values = indicator_row(indicator)
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
        )
        result[row.id] = _Stored(project, rows[row.id])
    return result


def read_projects(connection: sa.Connection, year: int, ids: Sequence[str] | None = None) -> list[tuple[int, Project]]:
    """The current goals of ``year`` (optionally only projects ``ids``), in id order, with their keys."""
    query = sa.select(s.projects.c.id, s.projects.c.code).where(s.projects.c.year == year)
    wanted = set(ids) if ids is not None else None
    rows = connection.execute(query.order_by(s.projects.c.code))
    pks = [row.id for row in rows if wanted is None or row.code in wanted]
    found: dict[int, _Stored] = {}
    for chunk in _chunks(pks):
        found.update(_read(connection, chunk))
    return [(pk, found[pk].project) for pk in pks]
