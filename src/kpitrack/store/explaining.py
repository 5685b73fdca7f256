"""Explanations in the store (情况说明): written as versions like values, read back per period.

A row names a project and an indicator (by id or exact name), a period (the year for
the year end's 偏差原因分析及改进措施, a quarter for a cut-off's cause, likelihood and
纠偏措施) and the texts.  A row naming the budget row (预算执行, or another of
:data:`~kpitrack.explanations.BUDGET_WORDS`) instead of an indicator explains the
project's budget: it is kept in ``budget_explanations``, per project, as spending is
kept beside actuals.  :func:`write` checks every row inside the caller's
transaction and writes the good ones; a text equal to the current one is left alone,
a different one supersedes it, and the caller rolls back when any row was bad.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa

from kpitrack.explanations import (
    BUDGET,
    Cause,
    Explanation,
    InvalidExplanation,
    is_budget,
    is_year_end,
    parse_cause,
    parse_likelihood,
    parse_period,
)
from kpitrack.monitoring import Likelihood
from kpitrack.problems import Problem, closest
from kpitrack.store import schema as s
from kpitrack.store.recording import WriteSummary

__all__ = ["ExplanationRow", "read", "write"]


class ExplanationRow(NamedTuple):
    """One explanation as written in a file, on the command line or in a form.

    ``where`` locates the row (``x.csv: row 5``); ``places`` may locate a field's own
    cell (``{"cause": "p04!J12"}``), which a problem with that field then names.
    """

    where: str
    project: str
    indicator: str
    period: str
    text: str
    cause: str = ""
    likelihood: str = ""
    measures: str = ""
    places: Mapping[str, str] = {}

    def at(self, field: str) -> str:
        """Where a field of the row is: its own cell, else the row and the field's name."""
        if field in self.places:
            return self.places[field]
        return f"{self.where}, {field}" if self.where else field


class _Checked(NamedTuple):
    """A good row: the key of what it explains (an indicator's, or with ``budget`` its project's) and the version."""

    budget: bool
    key: int
    explanation: Explanation


def write(connection: sa.Connection, rows: Iterable[ExplanationRow], *, by: str) -> tuple[WriteSummary, list[Problem]]:
    """Check and write explanations in the caller's transaction: what was written, and every bad row.

    When problems come back the caller must roll back (some rows may be written).
    """
    problems: list[Problem] = []
    first: dict[tuple[bool, int, str], str] = {}
    checked: list[_Checked] = []
    projects = _Projects(connection)
    for row in rows:
        found = _check(row, projects, by, problems)
        if found is None:
            continue
        key = (found.budget, found.key, found.explanation.period)
        if key in first:
            problems.append(Problem(row.at("text"), f"a second explanation of {_what(row)} (first at {first[key]})"))
            continue
        first[key] = row.at("text")
        checked.append(found)
    if problems:
        return WriteSummary(), problems
    return _store(connection, checked), []


def _what(row: ExplanationRow) -> str:
    return f"{row.project}/{row.indicator} {row.period}"


def _check(row: ExplanationRow, projects: _Projects, by: str, problems: list[Problem]) -> _Checked | None:
    before = len(problems)
    cause: Cause | None = None
    likelihood: Likelihood | None = None
    try:
        period = parse_period(row.period)
    except InvalidExplanation as invalid:
        problems.append(Problem(row.at("period"), str(invalid)))
        return None
    if row.cause.strip():
        try:
            cause = parse_cause(row.cause)
        except InvalidExplanation as invalid:
            problems.append(Problem(row.at("cause"), str(invalid)))
    if row.likelihood.strip():
        try:
            likelihood = parse_likelihood(row.likelihood)
        except InvalidExplanation as invalid:
            problems.append(Problem(row.at("likelihood"), str(invalid)))
    if is_year_end(period) and (cause or likelihood or row.measures.strip()):
        problems.append(
            Problem(
                row.at("cause"), f"{_what(row)}: a cause, likelihood or 纠偏措施 belongs to a cut-off (2021Q2, 2021-07)"
            )
        )
    budget = is_budget(row.indicator)
    project = projects.project(row, int(period[:4]), problems)
    target = project if budget or project is None else projects.indicator(project, row, problems)
    if project is None or target is None or len(problems) > before:
        return None
    explanation = Explanation(
        project=project[1],
        indicator=BUDGET if budget else target[1],
        period=period,
        text=row.text.strip(),
        cause=cause,
        likelihood=likelihood,
        measures=row.measures.strip(),
        recorded_by=by,
        recorded_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    )
    return _Checked(budget, target[0], explanation)


class _Projects:
    """The projects and indicators rows name, looked up once each (by id, else exact name)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._projects: dict[tuple[str, int], tuple[int, str] | None] = {}
        self._indicators: dict[int, list[tuple[int, str, str]]] = {}

    def project(self, row: ExplanationRow, year: int, problems: list[Problem]) -> tuple[int, str] | None:
        """(project key, project id) of the row, or None with a problem."""
        project = self._project(row.project.strip(), year)
        if project is None:
            p = s.projects
            names = [r[0] for r in self._connection.execute(sa.select(p.c.code).where(p.c.year == year))]
            message = f"{row.project!r}: no project with this id or name in {year}{closest(row.project, names)}"
            problems.append(Problem(row.at("project"), message))
        return project

    def indicator(
        self, project: tuple[int, str], row: ExplanationRow, problems: list[Problem]
    ) -> tuple[int, str] | None:
        """(indicator key, indicator id) of the row in ``project``, or None with a problem."""
        indicators = self._of(project[0])
        key = row.indicator.strip()
        for pk, code, name in indicators:
            if key in (code, name):
                return pk, code
        hint = closest(key, [code for _, code, _ in indicators] + [name for _, _, name in indicators] + [BUDGET])
        message = f"{row.indicator!r}: project {project[1]} has no indicator with this id or name{hint}"
        problems.append(Problem(row.at("indicator"), message))
        return None

    def _project(self, key: str, year: int) -> tuple[int, str] | None:
        if (key, year) not in self._projects:
            p = s.projects
            named = sa.or_(p.c.code == key, p.c.name == key)
            query = sa.select(p.c.id, p.c.code, p.c.name).where(p.c.year == year, named)
            rows = sorted(self._connection.execute(query), key=lambda r: r.code != key)  # an id before a name
            self._projects[(key, year)] = (rows[0].id, rows[0].code) if rows else None
        return self._projects[(key, year)]

    def _of(self, project_pk: int) -> list[tuple[int, str, str]]:
        if project_pk not in self._indicators:
            i = s.indicators
            query = sa.select(i.c.id, i.c.code, i.c.name).where(i.c.project_id == project_pk, i.c.retired_on.is_(None))
            self._indicators[project_pk] = [(r.id, r.code, r.name) for r in self._connection.execute(query)]
        return self._indicators[project_pk]


def _store(connection: sa.Connection, checked: Sequence[_Checked]) -> WriteSummary:
    added = superseded = unchanged = 0
    for item in checked:
        new = item.explanation
        table = s.budget_explanations if item.budget else s.explanations
        key = table.c.project_id if item.budget else table.c.indicator_id
        query = sa.select(table).where(key == item.key, table.c.period == new.period, table.c.current)
        stored = connection.execute(query).first()
        if stored is not None:
            if _explanation(stored, new.project, new.indicator).same_content(new):
                unchanged += 1
                continue
            connection.execute(sa.update(table).where(table.c.id == stored.id).values(current=False))
            superseded += 1
        added += 1
        connection.execute(
            sa.insert(table).values(
                **{key.name: item.key},
                period=new.period,
                text=new.text,
                cause=new.cause.value if new.cause else None,
                likelihood=new.likelihood.value if new.likelihood else None,
                measures=new.measures,
                recorded_by=new.recorded_by,
                recorded_at=new.recorded_at,
                current=True,
            )
        )
    return WriteSummary(added, superseded, unchanged)


def _explanation(row: Any, project: str, indicator: str) -> Explanation:
    return Explanation(
        project=project,
        indicator=indicator,
        period=row.period,
        text=row.text,
        cause=Cause(row.cause) if row.cause else None,
        likelihood=Likelihood(row.likelihood) if row.likelihood else None,
        measures=row.measures,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        current=bool(row.current),
    )


def read(
    connection: sa.Connection,
    year: int,
    period: str | None = None,
    *,
    codes: Sequence[str] | None = None,
    indicator: str | None = None,
    every_version: bool = False,
) -> list[Explanation]:
    """The explanations of ``year`` (or of one ``period`` of it): current ones or every version.

    In project order; within a project the budget row's (预算执行) first, as the
    monitoring form prints it, then the indicators' in their order; each by period
    and age.  ``codes`` narrows to those projects (in Python: explanations are few, a
    unit's project ids may be thousands), ``indicator`` to one indicator id, or to the
    budget row with :data:`~kpitrack.explanations.BUDGET`.
    """
    e, b, i, p = s.explanations, s.budget_explanations, s.indicators, s.projects
    of_indicators = (
        sa.select(e, p.c.code.label("project_code"), i.c.code.label("indicator_code"), i.c.position)
        .join(i, i.c.id == e.c.indicator_id)
        .join(p, p.c.id == i.c.project_id)
        .where(p.c.year == year)
    )
    of_budgets = (
        sa.select(b, p.c.code.label("project_code"), sa.literal(BUDGET).label("indicator_code"))
        .add_columns(sa.literal(-1).label("position"))  # before the indicators
        .join(p, p.c.id == b.c.project_id)
        .where(p.c.year == year)
    )
    queries = []
    if indicator is None or indicator == BUDGET:
        queries.append(_narrowed(of_budgets, b, period, every_version))
    if indicator != BUDGET:
        if indicator is not None:
            of_indicators = of_indicators.where(i.c.code == indicator)
        queries.append(_narrowed(of_indicators, e, period, every_version))
    chosen = None if codes is None else set(codes)
    rows = [row for query in queries for row in connection.execute(query)]
    rows = [row for row in rows if chosen is None or row.project_code in chosen]
    rows.sort(key=lambda r: (r.project_code, r.position, len(r.period), r.period, r.id))
    return [_explanation(row, row.project_code, row.indicator_code) for row in rows]


def _narrowed(query: sa.Select[Any], table: sa.Table, period: str | None, every_version: bool) -> sa.Select[Any]:
    """``query`` of one period (or all), of the current versions (or every one)."""
    if period is not None:
        query = query.where(table.c.period == period)
    if not every_version:
        query = query.where(table.c.current)
    return query
