"""The store (数据库): goals, recorded values and money spent, with every version kept.

:func:`open_store` connects (SQLite by default, PostgreSQL by URL) and migrates
the schema; :class:`Store` is the one object the rest of kpitrack talks to.  Its
writes run in one serialized transaction each, so an interrupted import leaves
the database as it was and concurrent writers lose nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import chain, islice
from typing import Any

import attrs
import pendulum
import sqlalchemy as sa

from kpitrack import limits
from kpitrack.explanations import Explanation
from kpitrack.model import Project
from kpitrack.periods import Period
from kpitrack.problems import Problem, ProblemsFound, ambiguous, closest
from kpitrack.readings import DEFAULT_WORDS, GradeBands, Progress, Reading, ValueWords
from kpitrack.store import bulk, explaining, goals, recording
from kpitrack.store import schema as s
from kpitrack.store._rows import reading_from_row
from kpitrack.store.engine import connect, write_transaction

__all__ = ["ActualsView", "HistoryEntry", "ImportResult", "IndicatorActuals", "Store", "open_store"]

_PEEK = 100_000  # an import of fewer rows reads the indicators of the projects it names, at once


@attrs.frozen
class ImportResult:
    """What recording rows did, or would do (dry run), or why nothing was done (problems).

    ``blank`` counts the rows of the files imported whose value was left blank: not
    reported, so not recorded (a partly filled template).  ``projects`` are the
    (project id, year) pairs whose values or spending the rows named, sorted: what a
    reader that keeps results (the web's views) must read again.  ``corrections`` are the
    first values (and amounts) written over different ones, each old → new.
    """

    actuals: recording.WriteSummary = attrs.field(factory=recording.WriteSummary)
    spending: recording.WriteSummary = attrs.field(factory=recording.WriteSummary)
    problems: tuple[Problem, ...] = ()
    dry_run: bool = False
    explanations: recording.WriteSummary = attrs.field(factory=recording.WriteSummary)
    blank: int = 0
    projects: tuple[tuple[str, int], ...] = ()
    corrections: tuple[recording.Correction, ...] = ()


@attrs.frozen
class HistoryEntry:
    """One version of a recorded value (or of a quarter's spending, when ``indicator`` is None)."""

    project: str
    indicator: str | None
    indicator_name: str
    period: Period
    text: str
    note: str
    recorded_by: str
    recorded_at: str
    current: bool


@attrs.frozen
class IndicatorActuals:
    """An indicator's values by period (quarters, months …) and the year to date as it combines them (sum / latest)."""

    indicator_pk: int
    indicator: Any  # kpitrack.model.Indicator
    quarters: Mapping[Period, Reading]  # by period: the name is the one scripts know from the JSON
    to_date: Reading | None


@attrs.frozen
class ActualsView:
    project: Project
    as_of: Period
    indicators: tuple[IndicatorActuals, ...]
    spending: Mapping[Period, Decimal]
    spent: Decimal

    def periods(self) -> tuple[Period, ...]:
        """The columns of a table of these values: the quarters to date, and any other period recorded instead.

        A month or half year recorded takes the place of the quarters it overlaps; with
        quarters alone, these are the quarters up to the cut-off.
        """
        recorded = {p for row in self.indicators for p in row.quarters} | set(self.spending)
        others = sorted(p for p in recorded if not p.is_quarter)
        quarters = [Period.quarter(self.as_of.year, n) for n in range(1, self.as_of.last // 3 + 1)]
        kept = [q for q in quarters if not any(q.overlaps(other) for other in others)]
        return tuple(sorted([*kept, *others]))


class _Rollback(Exception):
    def __init__(self, result: ImportResult) -> None:
        super().__init__("rolled back")
        self.result = result


def open_store(url: str | None = None) -> Store:
    """The store at ``url``, else ``$KPITRACK_DB``, else ``kpitrack.db`` here; migrated to the newest schema."""
    return Store(connect(url))


class Store:
    """Goals, actuals and spending in one database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- goals ---------------------------------------------------------------

    def load_goals(self, projects: Iterable[Project], today: pendulum.Date | None = None) -> goals.LoadReport:
        """Add or revise goals (idempotent): a changed indicator becomes a dated revision.

        All or nothing: ``projects`` may be a stream that raises (say, :class:`ProblemsFound`
        once it has seen every project), and then nothing of the load is kept.
        """
        with write_transaction(self.engine, "projects", "fund_plans", "indicators", "revisions") as connection:
            return goals.load(connection, projects, today or pendulum.today().date())

    def projects(self, year: int, ids: Sequence[str] | None = None) -> list[Project]:
        """The current goals of ``year`` (all, or those with ids ``ids``), in project-id order."""
        return list(bulk.projects(self.engine, year, codes=ids))

    def count(self, year: int) -> int:
        """How many projects have goals for ``year``."""
        return bulk.count(self.engine, year)

    def units(self, year: int) -> list[str]:
        """The budget units (预算单位) with projects in ``year``, sorted."""
        p = s.projects
        query = sa.select(p.c.unit).where(p.c.year == year).distinct().order_by(p.c.unit)
        with self.engine.connect() as connection:
            return [row[0] for row in connection.execute(query)]

    def unit_projects(self, year: int, units: Sequence[str]) -> list[str]:
        """The ids of the projects of budget units ``units`` (预算单位) in ``year``, in id order.

        A unit with no project that year is a problem naming the closest units.
        """
        p = s.projects
        with self.engine.connect() as connection:
            known = {row[0] for row in connection.execute(sa.select(p.c.unit).where(p.c.year == year).distinct())}
            unknown = [
                Problem("--unit", f"{unit!r}: no project of this budget unit in {year}{closest(unit, sorted(known))}")
                for unit in units
                if unit not in known
            ]
            if unknown:
                raise ProblemsFound(unknown)
            query = sa.select(p.c.code).where(p.c.year == year, p.c.unit.in_(sorted(set(units)))).order_by(p.c.code)
            return [row[0] for row in connection.execute(query)]

    def version(self) -> tuple[int, ...]:
        """A token that changes whenever goals, revisions, values, spending or explanations are written.

        The largest key of each table that a write adds rows to (a correction is a new
        row, a revised goal a new revision): an index look-up per table, so a reader that keeps
        results (the web's cache) can ask on every request whether they still hold.
        """
        tables = (s.projects, s.indicators, s.revisions, s.actuals, s.spending, s.explanations, s.budget_explanations)
        query = sa.select(*(sa.func.coalesce(sa.select(sa.func.max(t.c.id)).scalar_subquery(), 0) for t in tables))
        with self.engine.connect() as connection:
            *keys, budget = (int(value) for value in connection.execute(query).one())
        # Explanations of indicators and of budget rows as one number (their largest keys added):
        # a write adds to it exactly the explanations it wrote, as the import result counts them.
        keys[-1] += budget
        return tuple(keys)

    def years(self) -> list[int]:
        with self.engine.connect() as connection:
            return [
                r[0] for r in connection.execute(sa.select(s.projects.c.year).distinct().order_by(s.projects.c.year))
            ]

    def revisions(self, project: str, year: int) -> list[goals.Revision]:
        r, p, i = s.revisions, s.projects, s.indicators
        query = (
            sa.select(r, i.c.code.label("indicator_code"))
            .join(p, p.c.id == r.c.project_id)
            .outerjoin(i, i.c.id == r.c.indicator_id)
            .where(p.c.code == project, p.c.year == year)
            .order_by(r.c.id)
        )
        with self.engine.connect() as connection:
            return [
                goals.Revision(
                    project, year, row.indicator_code, row.field, row.old_text, row.new_text, _date(row.revised_on)
                )
                for row in connection.execute(query)
            ]

    # -- recording -----------------------------------------------------------

    def record_rows(
        self,
        actual_rows: Iterable[recording.ActualRow] = (),
        spending_rows: Iterable[recording.SpendingRow] = (),
        *,
        by: str,
        bands: GradeBands,
        words: ValueWords = DEFAULT_WORDS,
        dry_run: bool = False,
        explanation_rows: Iterable[explaining.ExplanationRow] = (),
    ) -> ImportResult:
        """Check every row and write them in one transaction; if any row is bad, nothing is written.

        Explanations (情况说明) go in the same transaction, after the values.

        The rows may be a stream (a large CSV file): they are checked and written
        as they come, and the transaction is rolled back at the end if any was bad.
        """
        unfit = limits.text_fault(by, limit=limits.WHO_LENGTH, one_line=True)
        if unfit is not None:
            return ImportResult(problems=(Problem("--by", f"{by!r} {unfit}"),))
        # A short import (fewer rows than _PEEK, read ahead here) needs only the
        # projects it names; a long one reads the catalog as rows name its projects.
        actual_rows, spending_rows = iter(actual_rows), iter(spending_rows)
        actual_head, spending_head = list(islice(actual_rows, _PEEK)), list(islice(spending_rows, _PEEK))
        named = None
        if len(actual_head) < _PEEK and len(spending_head) < _PEEK:
            named = recording.named_in(actual_head, spending_head)
        actual_rows, spending_rows = chain(actual_head, actual_rows), chain(spending_head, spending_rows)
        del actual_head, spending_head  # held by the chains only, so freed as they are read
        try:
            # The recorder takes every indicator and project key from its catalog, read in
            # this transaction: the references it writes are known to hold.
            tables = ("actuals", "spending", "explanations", "budget_explanations")
            with write_transaction(self.engine, *tables, references_known=True) as connection:
                recorder = recording.Recorder(connection, named, by=by, bands=bands, words=words)
                recorder.record_actuals(actual_rows)
                recorder.record_spending(spending_rows)
                actuals, spending = recorder.finish()
                explained, trouble = explaining.write(connection, explanation_rows, by=by)
                if recorder.problems or trouble:
                    raise _Rollback(ImportResult(problems=(*recorder.reported(), *trouble)))
                touched = tuple(sorted(recorder.touched))
                corrected = recorder.corrections()
                result = ImportResult(
                    actuals, spending, (), dry_run, explained, projects=touched, corrections=corrected
                )
                if dry_run:
                    raise _Rollback(result)
                return result
        except _Rollback as rollback:
            return rollback.result

    # -- reading back --------------------------------------------------------

    def progress(
        self,
        year: int,
        as_of: Period,
        ids: Sequence[str] | None = None,
        *,
        units: Sequence[str] | None = None,
    ) -> Iterator[Progress]:
        """Per project in id order: current values to ``as_of`` combined (sum / latest), money spent, last year's.

        One reader (:mod:`kpitrack.store.bulk`) for one project, a unit or a province:
        ``ids`` and ``units`` only narrow what it reads.
        """
        return bulk.progress(self.engine, year, as_of, codes=ids, units=units)

    def columns(
        self, year: int, as_of: Period, ids: Sequence[str] | None = None, *, units: Sequence[str] | None = None
    ) -> bulk.Columns:
        """What :meth:`progress` reads, as columns: to evaluate many projects at once (:mod:`kpitrack.evaluation`)."""
        return bulk.read(self.engine, year, as_of, codes=ids, units=units)

    def chunks(
        self, year: int, as_of: Period, ids: Sequence[str] | None = None, *, units: Sequence[str] | None = None
    ) -> Iterator[bulk.Columns]:
        """:meth:`columns` in parts of :data:`kpitrack.store.bulk.CHUNK` projects: a province a part at a time."""
        return bulk.chunks(self.engine, year, as_of, codes=ids, units=units, size=bulk.CHUNK)

    def explanations(
        self,
        year: int,
        period: str | None = None,
        ids: Sequence[str] | None = None,
        *,
        indicator: str | None = None,
        every_version: bool = False,
    ) -> list[Explanation]:
        """The explanations of ``year``, or of one period (``2021``: year end, ``2021Q2``: a cut-off)."""
        with self.engine.connect() as connection:
            return explaining.read(
                connection, year, period, codes=ids, indicator=indicator, every_version=every_version
            )

    def find_project(self, key: str, year: int | None = None) -> Project:
        """A project by id or exact name, in ``year`` or else its latest year; unknown → closest matches."""
        p = s.projects
        with self.engine.connect() as connection:
            query = sa.select(p.c.id, p.c.code, p.c.year).where(sa.or_(p.c.code == key, p.c.name == key))
            rows = list(connection.execute(query.order_by(p.c.year.desc(), p.c.code)))
            chosen = [r for r in rows if r.year == (rows[0].year if year is None else year)]
            by_id = [r for r in chosen if r.code == key]
            if not by_id and len(chosen) > 1:  # a name two projects share: which one is meant?
                message = ambiguous("projects", [r.code for r in chosen], f"in {chosen[0].year}")
                raise ProblemsFound([Problem(key, message)])
            chosen = by_id or chosen
            if not chosen:
                if rows:
                    years = ", ".join(sorted({str(r.year) for r in rows}))
                    raise ProblemsFound([Problem(key, f"project {key} has no goals for {year} (it has {years})")])
                names = list(connection.execute(sa.select(p.c.code, p.c.name).distinct()))
                candidates = [r.code for r in names] + [r.name for r in names]
                raise ProblemsFound([Problem(key, f"no project with this id or name{closest(key, candidates)}")])
            pk = chosen[0].id
            return goals._read(connection, [pk])[pk].project

    def history(self, project: Project, indicator: str | None = None) -> list[HistoryEntry]:
        """Every version recorded for the project's indicators (or one), and its spending, oldest first."""
        a, i, p, sp = s.actuals, s.indicators, s.projects, s.spending
        with self.engine.connect() as connection:
            pk = _project_pk(connection, project)
            query = sa.select(a, i.c.code, i.c.name, i.c.position).join(i, i.c.id == a.c.indicator_id)
            query = query.where(i.c.project_id == pk)
            if indicator is not None:
                query = query.where(i.c.code == indicator)
            entries = [
                HistoryEntry(
                    project.id,
                    r.code,
                    r.name,
                    s.period_of(r.period),
                    r.text,
                    r.note,
                    r.recorded_by,
                    r.recorded_at,
                    bool(r.current),
                )
                for r in _every_version(connection, query, a, lambda r: (r.position, r.period, r.id))
            ]
            if indicator is None:
                query = sa.select(sp).where(sp.c.project_id == pk)
                entries.extend(
                    HistoryEntry(
                        project.id,
                        None,
                        "资金执行",
                        s.period_of(r.period),
                        recording.money_text(r.amount),
                        r.note,
                        r.recorded_by,
                        r.recorded_at,
                        bool(r.current),
                    )
                    for r in _every_version(connection, query, sp, lambda r: (r.period, r.id))
                )
            del p
            return entries

    def actuals(self, project: Project, as_of: Period) -> ActualsView:
        """Quarterly values and the year to date of each indicator, and the money spent."""
        a, i, sp = s.actuals, s.indicators, s.spending
        low, high = s.to_date_keys(as_of)
        with self.engine.connect() as connection:
            pk = _project_pk(connection, project)
            codes = {r.code: r.id for r in connection.execute(sa.select(i.c.id, i.c.code).where(i.c.project_id == pk))}
            by_indicator: dict[int, dict[Period, Reading]] = defaultdict(dict)
            query = (
                sa.select(a)
                .join(i, i.c.id == a.c.indicator_id)
                .where(i.c.project_id == pk, a.c.current, a.c.period.between(low, high))
            )
            for row in connection.execute(query.order_by(a.c.period)):
                by_indicator[row.indicator_id][s.period_of(row.period)] = reading_from_row(row._mapping)
            spending: dict[Period, Decimal] = {}
            query = sa.select(sp.c.period, sp.c.amount).where(
                sp.c.project_id == pk, sp.c.current, sp.c.period.between(low, high)
            )
            for row in connection.execute(query.order_by(sp.c.period)):
                spending[s.period_of(row.period)] = row.amount
        (year_to_date,) = self.progress(project.year, as_of, [project.id])
        rows = [
            IndicatorActuals(
                codes[indicator.id],
                indicator,
                by_indicator.get(codes[indicator.id], {}),
                year_to_date.actuals.get(indicator.id),
            )
            for indicator in project.indicators
        ]
        return ActualsView(project, as_of, tuple(rows), spending, sum(spending.values(), Decimal(0)))


def _date(value: Any) -> pendulum.Date:
    if isinstance(value, str):
        return pendulum.Date.fromisoformat(value)
    return pendulum.date(value.year, value.month, value.day)


def _every_version(
    connection: sa.Connection, query: sa.Select[Any], table: sa.Table, order: Callable[[Any], Any]
) -> list[Any]:
    """The rows of ``query`` over ``table`` (actuals or spending), current and superseded, sorted by ``order``.

    Asked for apart, so that each part is found through its own partial index (the
    current values, and those a correction replaced): asked for at once, the database
    would read the whole table.
    """
    rows = [*connection.execute(query.where(table.c.current)), *connection.execute(query.where(~table.c.current))]
    rows.sort(key=order)
    return rows


def _project_pk(connection: sa.Connection, project: Project) -> int:
    p = s.projects
    pk = connection.execute(sa.select(p.c.id).where(p.c.code == project.id, p.c.year == project.year)).scalar_one()
    return int(pk)
