"""The year as the web shows it: one small row per project, the two underperformer lists, and their cache.

Scoring a province (100,000 projects) takes tens of seconds, so the overview and
the 预警 page must not score per request.  :class:`ViewCache` computes a
:class:`YearView` once per (year, cut-off, data version) through the API
(:meth:`kpitrack.api.Workspace.status` and :meth:`~kpitrack.api.Workspace.score`)
and keeps only what the pages show; filtering, sorting and paging then run in
memory (:func:`select`).  The data version (:meth:`~kpitrack.api.Workspace.version`)
changes with every write, by the web or by anyone else, and the web clears the
cache itself after its own writes.
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
from kpitrack.periods import Quarter
from kpitrack.scoring import ProjectScore

__all__ = ["LIGHT_ORDER", "Listed", "OverviewRow", "Selection", "UnitSummary", "ViewCache", "YearView", "select"]

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
    as_of: Quarter
    rows: tuple[OverviewRow, ...]
    units: tuple[UnitSummary, ...]
    midyear: tuple[Listed, ...]  # red, then yellow at the cut-off, worst first
    year_end: tuple[Listed, ...]  # below the profile's cut-off, missing data or low execution, worst first


def build(ws: Workspace, year: int, as_of: Quarter) -> YearView:
    """Read the year once at the cut-off and once at year end, through the API, keeping the pages' rows.

    The underperformers are chosen project by project by the same core functions the
    API's :meth:`~kpitrack.api.Workspace.underperforming` uses, then ordered by their
    rank, worst first, so the full statuses and scores need not be held.
    """
    profile = ws.profile
    rows: list[OverviewRow] = []
    midyear: list[Listed] = []
    year_end: list[Listed] = []
    for status, score in zip(ws.status(as_of), ws.score(year), strict=True):
        rows.append(_row(status, score))
        midyear.extend(map(Listed.of, underperformers_midyear([status])))
        year_end.extend(map(Listed.of, underperformers_year_end([score], profile)))
    midyear.sort(key=_rank)
    year_end.sort(key=_rank)
    return YearView(year, as_of, tuple(rows), tuple(_units(rows)), tuple(midyear), tuple(year_end))


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


class ViewCache:
    """The year views computed so far, keyed by (year, cut-off, data version); cleared on every web write.

    One view is built at a time (a lock): a second request for the same view waits
    for the first instead of scoring the province again.
    """

    def __init__(self, ws: Workspace, *, size: int = 4, builder: Callable[[Workspace, int, Quarter], YearView] = build):
        self._ws = ws
        self._size = size
        self._builder = builder
        self._views: OrderedDict[tuple[int, Quarter, tuple[int, ...]], YearView] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0  # how many views were computed: the tests and the benchmark read it

    def view(self, year: int, as_of: Quarter) -> YearView:
        with self._lock:
            key = (year, as_of, self._ws.version())
            found = self._views.get(key)
            if found is not None:
                self._views.move_to_end(key)
                return found
            for stale in [k for k in self._views if k[2] != key[2]]:
                del self._views[stale]
            built = self._views[key] = self._builder(self._ws, year, as_of)
            self.builds += 1
            while len(self._views) > self._size:
                self._views.popitem(last=False)
            return built

    def invalidate(self) -> None:
        """Forget every view: called after the web writes anything."""
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
