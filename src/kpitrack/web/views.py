"""The year as the web shows it: one small row per project, the two underperformer lists, and their cache.

Scoring a province (100,000 projects) takes tens of seconds, so the overview and
the 预警 page must not score per request.  :class:`ViewCache` computes a
:class:`YearView` once per (year, cut-off, data version) through the API
(:meth:`kpitrack.api.Workspace.status` and :meth:`~kpitrack.api.Workspace.score`)
and keeps only what the pages show; filtering, sorting and paging then run in
memory (:func:`select`).  The data version (:meth:`~kpitrack.api.Workspace.version`)
changes with every write, by the web or by anyone else; after its own form's
writes the web reads again only the projects the form named.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs

from kpitrack.api import Workspace
from kpitrack.monitoring import (
    Light,
    ProjectStatus,
    Reason,
    Underperformer,
    underperformers_midyear,
    underperformers_year_end,
)
from kpitrack.periods import Period
from kpitrack.profile import Profile
from kpitrack.scoring import ProjectScore
from kpitrack.store import ImportResult

__all__ = [
    "LIGHT_ORDER",
    "Listed",
    "OverviewRow",
    "Selection",
    "UnitSummary",
    "ViewCache",
    "YearView",
    "build",
    "select",
    "worst_units",
]

LIGHT_ORDER = {
    Light.RED: 0,
    Light.YELLOW: 1,
    Light.NO_DATA: 2,
    Light.GREEN: 3,
    Light.BLUE: 4,
    Light.NOT_APPLICABLE: 5,
}
"""Worst first: the order of the 预警灯 column when sorted."""


@attrs.frozen
class OverviewRow:
    """One project on the 总览 page: money against 序时进度, the light at the cut-off, the year's score."""

    id: str
    name: str
    unit: str
    budget: Decimal
    spent: Decimal
    rate: Decimal | None  # execution: spent / budget
    elapsed: Decimal  # p, the share of the year elapsed (序时进度)
    light: Light
    total: Decimal
    grade: str


@attrs.frozen
class UnitSummary:
    """A budget unit's line in the per-unit summary (分单位汇总)."""

    unit: str
    projects: int
    red: int
    yellow: int
    average: Decimal


@attrs.frozen
class Listed:
    """An underperformer as the 预警 page lists it: the project's names without its goal tree (kept small)."""

    id: str
    name: str
    unit: str
    standing: str
    reasons: tuple[Reason, ...]
    total: Decimal | None
    light: Light | None
    rank: tuple[Any, ...] = attrs.field(eq=False, repr=False)

    @classmethod
    def of(cls, item: Underperformer) -> Listed:
        project = item.project
        return cls(
            project.id, project.name, project.unit, item.standing, item.reasons, item.total, item.light, item.rank
        )


@attrs.frozen
class YearView:
    """Everything the overview and 预警 pages show of a year at a cut-off, computed once."""

    year: int
    as_of: Period
    rows: tuple[OverviewRow, ...]
    units: tuple[UnitSummary, ...]
    midyear: tuple[Listed, ...]  # red, then yellow at the cut-off, worst first
    year_end: tuple[Listed, ...]  # below the profile's cut-off, missing data or low execution, worst first


def midyear(year: int) -> Period:
    """The cut-off a page opens on when none is asked for: mid-year, the end of Q2 (双监控)."""
    return Period.quarter(year, 2)


def build(ws: Workspace, year: int, as_of: Period) -> YearView:
    """Read the year once at the cut-off and once at year end, through the API, keeping the pages' rows."""
    rows, midyear, year_end = _rows(ws.status(as_of), ws.score(year), ws.profile)
    return YearView(year, as_of, tuple(rows), tuple(_units(rows)), tuple(midyear), tuple(year_end))


def refreshed(ws: Workspace, view: YearView, projects: Sequence[str]) -> YearView:
    """``view`` with the rows of ``projects`` read again (after the web recorded their values): the others kept."""
    chosen = set(projects)
    statuses = ws.status(view.as_of, projects=sorted(chosen))
    rows, midyear, year_end = _rows(statuses, ws.score(view.year, projects=sorted(chosen)), ws.profile)
    fresh = {row.id: row for row in rows}
    every = [fresh.get(row.id, row) for row in view.rows]
    return YearView(
        view.year,
        view.as_of,
        tuple(every),
        tuple(_units(every)),
        tuple(_ranked([item for item in view.midyear if item.id not in chosen] + midyear)),
        tuple(_ranked([item for item in view.year_end if item.id not in chosen] + year_end)),
    )


def _rows(
    statuses: Iterable[ProjectStatus], scores: Iterable[ProjectScore], profile: Profile
) -> tuple[list[OverviewRow], list[Listed], list[Listed]]:
    """The overview's rows and the two underperformer lists, worst first, of the same projects in id order.

    The underperformers are chosen project by project by the same core functions the
    API's :meth:`~kpitrack.api.Workspace.underperforming` uses, then ordered by their
    rank, so the full statuses and scores (a province's goal trees) need not be held.
    """
    rows: list[OverviewRow] = []
    midyear: list[Listed] = []
    year_end: list[Listed] = []
    for status, score in zip(statuses, scores, strict=True):
        rows.append(_row(status, score))
        midyear.extend(map(Listed.of, underperformers_midyear([status])))
        year_end.extend(map(Listed.of, underperformers_year_end([score], profile)))
    return rows, _ranked(midyear), _ranked(year_end)


def _ranked(items: list[Listed]) -> list[Listed]:
    """Worst first, as the core orders its lists (ties keep id order: the sort is stable)."""
    return sorted(items, key=_rank)


def _rank(item: Listed) -> tuple[Any, ...]:
    return item.rank


def _row(status: ProjectStatus, score: ProjectScore) -> OverviewRow:
    project, budget = status.project, status.budget
    if project.id != score.project.id:
        raise AssertionError(f"status of {project.id} beside the score of {score.project.id}")
    return OverviewRow(
        project.id,
        project.name,
        project.unit,
        budget.budget,
        budget.spent,
        budget.rate,
        status.p,
        status.light,
        score.total,
        score.grade.value,
    )


def _units(rows: Iterable[OverviewRow]) -> list[UnitSummary]:
    grouped: dict[str, list[OverviewRow]] = {}
    for row in rows:
        grouped.setdefault(row.unit, []).append(row)
    return [
        UnitSummary(
            unit,
            len(members),
            sum(row.light is Light.RED for row in members),
            sum(row.light is Light.YELLOW for row in members),
            sum((row.total for row in members), Decimal(0)) / len(members),
        )
        for unit, members in sorted(grouped.items())
    ]


def worst_units(units: Sequence[UnitSummary], count: int) -> list[UnitSummary]:
    """The ``count`` units with the most red lights, then yellow, then the lowest average: a province has thousands."""
    return sorted(units, key=lambda u: (-u.red, -u.yellow, u.average, u.unit))[:count]


Version = tuple[int, ...]


def written(before: Version, result: ImportResult) -> Version:
    """The data version after a write of ``result`` onto ``before``, if nobody else wrote in between.

    Every value and amount recorded (a correction too) is one new row, and nothing
    else changes: the version's actuals and spending keys grow by exactly those counts.
    """
    projects, indicators, revisions, actuals, spending, explanations = before
    return (
        projects,
        indicators,
        revisions,
        actuals + result.actuals.added,
        spending + result.spending.added,
        explanations + result.explanations.added,
    )


# An import touching more projects than this drops the views rather than reading those projects
# again: a unit's quarter is tens or hundreds of projects; past a few thousand, reading them
# by id costs about what building the year whole does.
REREAD_AT_MOST = 2000


class ViewCache:
    """The year views computed so far, keyed by (year, cut-off, data version).

    One view is built at a time (a lock): a second request for the same view waits
    for the first instead of scoring the province again.  After the web records a
    form's values, :meth:`recorded` reads again only the rows of the projects the form
    named, when the data version shows that nobody else wrote meanwhile; any other
    write makes the next request build the view afresh.
    """

    def __init__(self, ws: Workspace, *, size: int = 4):
        self._ws = ws
        self._size = size
        self._views: OrderedDict[tuple[int, Period, Version], YearView] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0  # how many views were computed whole: the tests and the benchmark read it

    def version(self) -> Version:
        return self._ws.version()

    def view(self, year: int, as_of: Period) -> YearView:
        with self._lock:
            key = (year, as_of, self._ws.version())
            found = self._views.get(key)
            if found is not None:
                self._views.move_to_end(key)
                return found
            for stale in [k for k in self._views if k[2] != key[2]]:
                del self._views[stale]
            built = self._views[key] = build(self._ws, year, as_of)
            self.builds += 1
            while len(self._views) > self._size:
                self._views.popitem(last=False)
            return built

    def recorded(self, year: int, projects: Sequence[str], before: Version, result: ImportResult) -> None:
        """After the web recorded ``result`` for ``projects`` of ``year`` onto version ``before``: update the views.

        Only the views of ``year`` holding every one of ``projects`` are updated in place;
        the others are dropped and built again when asked for (a 逐年提高 target of the
        next year compares with this year's values).
        """
        chosen = set(projects)
        with self._lock:
            now = self._ws.version()
            if now != written(before, result):
                self._views.clear()  # someone else wrote too: the next request reads the year again
                return
            for key, view in list(self._views.items()):
                del self._views[key]
                if key[2] == before and key[0] == year and chosen <= {row.id for row in view.rows}:
                    self._views[(key[0], key[1], now)] = refreshed(self._ws, view, sorted(chosen))

    def imported(self, before: Version, result: ImportResult) -> None:
        """After an import of ``result`` onto version ``before``: read again only the projects it touched.

        An import of one year's values for a few projects (a unit's quarter) keeps the
        province's views, their rows of those projects read again; one touching several
        years, or more than :data:`REREAD_AT_MOST` projects, drops every view.
        """
        years = {year for _, year in result.projects}
        if len(years) != 1 or len(result.projects) > REREAD_AT_MOST:
            self.invalidate()
            return
        self.recorded(years.pop(), [code for code, _ in result.projects], before, result)

    def invalidate(self) -> None:
        """Forget every view (after an import, which may touch any project)."""
        with self._lock:
            self._views.clear()


# --- choosing the rows a page shows ----------------------------------------------------------------


@attrs.frozen
class Selection:
    """The overview's filters, sort and page, as the query string gives them."""

    units: tuple[str, ...] = ()
    light: str = ""
    grade: str = ""
    search: str = ""
    sort: str = "id"
    descending: bool = False
    page: int = 1
    per_page: int = 50


def _sort_key(column: str) -> Callable[[OverviewRow], Any]:
    keys: dict[str, Callable[[OverviewRow], Any]] = {
        "id": lambda r: r.id,
        "name": lambda r: r.name,
        "unit": lambda r: (r.unit, r.id),
        "budget": lambda r: r.budget,
        "spent": lambda r: r.spent,
        "rate": lambda r: Decimal(-1) if r.rate is None else r.rate,
        "elapsed": lambda r: r.elapsed,
        "light": lambda r: LIGHT_ORDER[r.light],
        "total": lambda r: r.total,
        "grade": lambda r: ("优", "良", "中", "差").index(r.grade) if r.grade in "优良中差" else 9,
    }
    return keys.get(column, keys["id"])


SORTABLE = ("id", "name", "unit", "budget", "spent", "rate", "elapsed", "light", "total", "grade")


def select(rows: Sequence[OverviewRow], chosen: Selection) -> list[OverviewRow]:
    """The rows that pass the filters, in the chosen order (all of them: the caller pages)."""
    units = set(chosen.units)
    needle = chosen.search.strip().casefold()
    kept = [
        row
        for row in rows
        if (not units or row.unit in units)
        and (not chosen.light or row.light.value == chosen.light)
        and (not chosen.grade or row.grade == chosen.grade)
        and (not needle or needle in row.id.casefold() or needle in row.name.casefold())
    ]
    if chosen.sort != "id" or chosen.descending:
        kept.sort(key=_sort_key(chosen.sort), reverse=chosen.descending)
    return kept


def pages(count: int, per_page: int) -> int:
    """How many pages ``count`` rows fill (at least one, so that an empty list has a page)."""
    return max(1, -(-count // per_page))
