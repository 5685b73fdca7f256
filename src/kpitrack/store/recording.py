"""Recording the year (记录实际完成值与资金执行): checking rows against the goals and writing versions.

A row names a project and an indicator by id or exact name, a period (a month, quarter,
half year or run of months) and a value.
:class:`Catalog` resolves the names (and, for an unknown one, suggests the closest)
and reads values; :class:`Recorder` is one import in progress: it checks rows as
they stream in, reports every bad row with its place, and writes the good ones in
batches inside the caller's transaction, so a file of millions of rows is never
held in memory.  A value equal to the current one is left alone, a different one
supersedes it.  Once a row is bad, nothing more is written and the caller rolls
the transaction back: an import is all or nothing.
"""

from __future__ import annotations

import datetime
import re
import sqlite3
import sys
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import chain, count
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

import attrs
import sqlalchemy as sa

from kpitrack.explanations import BUDGET, is_budget
from kpitrack.limits import text_fault
from kpitrack.model import Indicator
from kpitrack.periods import InvalidPeriod, Period
from kpitrack.problems import MAX_SHOWN, Problem, ambiguous, closest, more_problems
from kpitrack.readings import (
    DEFAULT_WORDS,
    GradeBands,
    InvalidReading,
    Reading,
    ReadingKind,
    ValueWords,
    read,
    read_money,
)
from kpitrack.store import schema as s
from kpitrack.store._rows import (
    copy_into,
    driver_rows,
    driver_values,
    in_lists,
    indicator_from_row,
    insert_sql,
    reading_row,
)
from kpitrack.thresholds import format_decimal

__all__ = [
    "CORRECTIONS_KEPT",
    "ActualRow",
    "Catalog",
    "Correction",
    "Fault",
    "ProjectRef",
    "Recorder",
    "Slot",
    "SpendingRow",
    "Value",
    "WriteSummary",
    "load_catalog",
    "named_in",
    "read_amount",
]


class ActualRow(NamedTuple):
    """One row of actuals as written: where it is (``source``, spreadsheet row ``number``) and its cells."""

    source: str
    number: int
    project: str
    indicator: str
    period: str
    value: str
    note: str = ""


class SpendingRow(NamedTuple):
    """One row of money spent (万元) as written."""

    source: str
    number: int
    project: str
    period: str
    amount: str
    note: str = ""


@attrs.frozen
class Fault:
    """Why one cell of a row was rejected: the column, the text as written, the reason."""

    column: str
    text: str
    reason: str


class ProjectRef(NamedTuple):
    """A project as the catalog knows it (one per project of a province: a plain tuple)."""

    pk: int
    code: str
    name: str
    year: int
    position: int = 0  # in the catalog, for the table of rows already seen


@attrs.frozen
class Correction:
    """A value an import replaces (更正): where, the value in force, and the one written over it.

    ``indicator`` is None for money spent (资金执行).
    """

    project: str
    indicator: str | None
    period: Period
    old: str
    new: str

    def __str__(self) -> str:
        what = f"{self.project}/{self.indicator}" if self.indicator else f"{self.project} 资金执行"
        return f"{what} {self.period}: {self.old} → {self.new}"


CORRECTIONS_KEPT = 200  # corrections an import lists (a preview to read, not a dump); all are counted


@attrs.frozen
class WriteSummary:
    added: int = 0
    superseded: int = 0
    unchanged: int = 0

    def __add__(self, other: WriteSummary) -> WriteSummary:
        return WriteSummary(
            self.added + other.added, self.superseded + other.superseded, self.unchanged + other.unchanged
        )


class Slot(NamedTuple):
    """What checking a value needs of an indicator; the full record is read only when needed."""

    pk: int
    code: str
    kind: str  # the target's kind (Kind.value)
    unit: str
    position: int  # in the catalog, for the table of rows already seen
    # The values read so far by text, one table shared by every indicator of the same
    # kind and unit (the reading depends on nothing else): one look-up per row.
    readings: dict[str, Value]


class Value(NamedTuple):
    """A value read for an indicator: the reading and its ``actuals`` columns as the driver takes them.

    ``columns`` are kind, number, unit, grade, score, done_on, text (the canonical ``str(reading)``).
    """

    reading: Reading
    columns: tuple[Any, ...]


_VALUE_COLUMNS = ("kind", "number", "unit", "grade", "score", "done_on", "text")


class Catalog:
    """The projects and indicators that recorded rows may name, loaded once per import.

    It holds only each indicator's key, code, target kind and unit: the names are
    read per project when a row names an indicator by name, and the full record
    only when a value does not fit.  A value's reading depends on nothing but the
    target's kind, the indicator's unit and the text (the indicator's id appears
    only in error messages), so it is read once per distinct (kind, unit, text).

    The indicators of a few named projects are given; those of every project (a
    province's 1.5 M) are read as rows first name them, a block of
    :attr:`BLOCK` projects at a time, so that a long import starts writing at once
    and, in two processes, the reading process loads them while the other writes.
    """

    BLOCK = 1_000  # projects whose indicators are read together

    def __init__(
        self,
        connection: sa.Connection,
        projects: Sequence[ProjectRef],
        slots: dict[int, dict[str, Slot]] | None,
        *,
        size: int,
        first_key: int = 0,
        readings: dict[tuple[str, str], dict[str, Value]] | None = None,
    ) -> None:
        self.connection = connection  # for indicators, names, unknown keys and full records, read when needed
        self._refs = projects
        self._blocks_read: set[int] | None = None if slots is not None else set()
        self._first_key = first_key  # a slot's position is its key less this when read in blocks
        self._by_code = {(ref.code, ref.year): ref for ref in projects}
        # By name, and the years of each id and name: only for a row that names a project
        # by its name or in another year, so made then (a province has 100,000 projects,
        # and the import waits for the catalog before it reads a row).
        self._by_name: dict[tuple[str, int], ProjectRef | Fault] | None = None
        self._years: dict[str, set[int]] = {}
        self.projects = len(projects)
        self.size = size  # slots there can be: the positions of the table of rows already seen
        self._slots = slots if slots is not None else {}
        self._by_indicator_name: dict[int, dict[str, Slot | Fault]] = {}
        self._found: dict[tuple[str, int], ProjectRef | Fault] = {}
        self._unknown = 0  # project keys found unknown: the first MAX_SHOWN get the closest names as a hint
        self._readings = readings if readings is not None else {}  # the slots' tables of values read
        self._shapes: dict[int, tuple[str, str, dict[str, Value]]] | None = None  # see :func:`_shapes`
        self._remembered = 0  # values in those tables
        self._models: dict[tuple[str, str], Indicator] = {}
        self._owners: dict[int, Indicator] = {}  # see _own_indicator
        # Whether values read are remembered: not once an import has a problem (nothing
        # will be written, and a file of bad rows must not fill memory with good ones).
        self.remembering = True

    def project_keys(self, year: int) -> range:
        """The range of the keys (database ids) of the year's projects."""
        pks = [ref.pk for ref in self._by_code.values() if ref.year == year]
        return range(min(pks, default=0), max(pks, default=-1) + 1)

    def indicator_keys(self, year: int) -> range:
        """The range of the keys (database ids) of the year's indicators."""
        projects, i = self.project_keys(year), s.indicators
        query = sa.select(sa.func.min(i.c.id), sa.func.max(i.c.id)).where(
            i.c.project_id.between(projects.start, projects.stop - 1)
        )
        low, high = self.connection.execute(query).one()
        return range(low, high + 1) if low is not None else range(0)

    def lookup(self, project: str, indicator: str, period: Period) -> Slot | Fault:
        """The indicator a row names, by project and indicator id or name, in the period's year."""
        ref = self.project(project, period)
        if isinstance(ref, Fault):
            return ref
        slot = self.slots(ref).get(indicator)
        return slot if slot is not None else self.indicator_by_name(ref, indicator)

    def slots(self, project: ProjectRef) -> Mapping[str, Slot]:
        """The project's indicators by id."""
        found = self._slots.get(project.pk)
        if found is None:
            if self._blocks_read is None or project.position // self.BLOCK in self._blocks_read:
                return {}
            self._read_block(project.position // self.BLOCK)
            found = self._slots[project.pk]
        return found

    def _read_block(self, block: int) -> None:
        """Read the indicators of a block of projects (consecutive keys), as plain tuples."""
        assert self._blocks_read is not None
        self._blocks_read.add(block)
        refs = self._refs[block * self.BLOCK : (block + 1) * self.BLOCK]
        for ref in refs:
            self._slots[ref.pk] = {}
        i = s.indicators
        query = sa.select(i.c.project_id, i.c.id, i.c.code, i.c.shape_id).where(
            i.c.retired_on.is_(None), i.c.project_id.between(refs[0].pk, refs[-1].pk)
        )
        if self._shapes is None:
            self._shapes = _shapes(self.connection, self._readings)
        rows = driver_rows(self.connection, query)
        _add_slots(self._slots, rows, lambda pk: pk - self._first_key, self._shapes)

    def project(self, key: str, period: Period) -> ProjectRef | Fault:
        """The project a row names, by id or exact name, in the period's year (remembered)."""
        found = self._found.get((key, period.year))
        if found is None:
            found = self._project(key, period)
            if not isinstance(found, Fault) or len(self._found) < _FAULTS_KEPT:  # a file of bad keys has millions
                self._found[(key, period.year)] = found
        return found

    def _project(self, key: str, period: Period) -> ProjectRef | Fault:
        found = self._by_code.get((key, period.year))
        if found is not None:
            return found
        if self._by_name is None:
            named: dict[tuple[str, int], list[ProjectRef]] = {}
            for ref in self._refs:
                named.setdefault((ref.name, ref.year), []).append(ref)
                self._years.setdefault(ref.code, set()).add(ref.year)
                self._years.setdefault(ref.name, set()).add(ref.year)
            self._by_name = {pair: _one(pair[0], refs, f"in {pair[1]}") for pair, refs in named.items()}
        by_name = self._by_name.get((key, period.year))
        if by_name is not None:
            return by_name
        years = sorted(self._years.get(key, ()))
        if years:
            listed = ", ".join(str(y) for y in years)
            return Fault("period", str(period), f"outside the year of project {key} ({listed})")
        self._unknown += 1
        if self._unknown > MAX_SHOWN:  # its problem is only counted: no hint to look for
            return Fault("project", key, f"no project with this id or name in {period.year}")
        names = self._year_names(period.year)
        candidates = [code for code, _ in names] + [name for _, name in names]
        return Fault("project", key, f"no project with this id or name in {period.year}{closest(key, candidates)}")

    def indicator_by_name(self, project: ProjectRef, key: str) -> Slot | Fault:
        """The indicator a row names by its exact name, or why there is none."""
        by_code = self.slots(project)
        by_name = self._by_indicator_name.get(project.pk)
        if by_name is None:
            named: dict[str, list[Slot]] = {}
            for code, name in self._names(project.pk):
                if code in by_code:
                    named.setdefault(name, []).append(by_code[code])
            scope = f"of project {project.code}"
            by_name = {name: _one(name, slots, scope) for name, slots in named.items()}
            self._by_indicator_name[project.pk] = by_name
        found = by_name.get(key)
        if found is not None:
            return found
        if is_budget(key):  # the budget row's money is spending, its explanation a row without a value
            reason = f"the budget row ({BUDGET}) takes no value: record money spent as spending (kpitrack spend)"
            return Fault("indicator", key, reason)
        candidates = list(by_code) + list(by_name)
        reason = f"project {project.code} has no indicator with this id or name{closest(key, candidates)}"
        return Fault("indicator", key, reason)

    def _names(self, project_pk: int) -> list[tuple[str, str]]:
        i = s.indicators
        query = sa.select(i.c.code, i.c.name).where(i.c.project_id == project_pk).order_by(i.c.position)
        return [(r.code, r.name) for r in self.connection.execute(query)]

    def _year_names(self, year: int) -> list[tuple[str, str]]:
        p = s.projects
        query = sa.select(p.c.code, p.c.name).where(p.c.year == year)
        return [(r.code, r.name) for r in self.connection.execute(query)]

    def _load_indicator(self, pk: int) -> Indicator:
        row = self.connection.execute(sa.select(s.indicators).where(s.indicators.c.id == pk)).one()
        return indicator_from_row(row._mapping)

    def _own_indicator(self, pk: int) -> Indicator:
        """The full record of an indicator a bad value names, remembered: a file of bad rows names few indicators."""
        found = self._owners.get(pk)
        if found is None:
            if len(self._owners) >= 10_000:
                self._owners.clear()
            found = self._owners[pk] = self._load_indicator(pk)
        return found

    def read(
        self, slot: Slot, text: str, bands: GradeBands, words: ValueWords = DEFAULT_WORDS, year: int | None = None
    ) -> Value | Fault:
        """:func:`kpitrack.readings.read`, remembered per (target kind, unit, text); a misfit names its indicator.

        ``year`` is the row's year, which a month printed without one (``7月``) takes;
        such a reading depends on it, so it is not remembered.
        """
        value = slot.readings.get(text)
        if value is not None:
            return value
        key = (slot.kind, slot.unit)
        model = self._models.get(key)
        if model is None:  # any indicator of this kind and unit reads values the same way
            model = self._models[key] = self._load_indicator(slot.pk)
        try:
            reading = read(model, text, bands, words, year=year)
        except InvalidReading:
            try:  # read again with the row's own indicator, whose id the reason names
                read(self._own_indicator(slot.pk), text, bands, words, year=year)
            except InvalidReading as invalid:
                return Fault("value", text, invalid.reason)
            raise  # pragma: no cover - the same kind and unit read the same way
        row = reading_row(reading)
        value = Value(reading, driver_values(self.connection, [row[name] for name in _VALUE_COLUMNS]))
        yearless = reading.kind is ReadingKind.DATE and not re.search(r"\d{4}", text)
        if self._remembered < 1_000_000 and self.remembering and not yearless:
            slot.readings[text] = value
            self._remembered += 1
        return value


_Named = TypeVar("_Named", ProjectRef, Slot)


def _one(name: str, found: list[_Named], scope: str) -> _Named | Fault:
    """What a name names, or, when it names several (projects or indicators ``scope``), a fault listing their ids."""
    if len(found) == 1:
        return found[0]
    column, what = ("project", "projects") if isinstance(found[0], ProjectRef) else ("indicator", "indicators")
    return Fault(column, name, ambiguous(what, [item.code for item in found], scope))


def named_in(actual_rows: Iterable[ActualRow], spending_rows: Iterable[SpendingRow]) -> set[tuple[str, int]]:
    """The (project id or name, year) pairs that rows name: each row's project in its period's year.

    A row whose period does not read names no project (it is rejected for its
    period before its project is looked up), so it adds no pair.
    """
    pairs = {(row.project, row.period) for row in actual_rows} | {(row.project, row.period) for row in spending_rows}
    named = set()
    for key, period in pairs:
        found = _parse_period(period)
        if not isinstance(found, Fault):
            named.add((key, found.year))
    return named


def load_catalog(connection: sa.Connection, named: set[tuple[str, int]] | None = None) -> Catalog:
    """The catalog of the projects that ``named`` (:func:`named_in`) names, or of every project when None.

    The projects with a named id or name are listed in every year, so that a row
    naming one in a year it does not have is told the years it has.  Only those of
    the named years have their indicators read, and at once: a province's file of
    corrections names a quarter of one year's projects, whose indicators are a
    fraction of the 3 M of two years.  Those of all projects are read as rows name
    them (:meth:`Catalog.slots`).
    """
    p, i = s.projects, s.indicators
    query = sa.select(p.c.id, p.c.code, p.c.name, p.c.year).order_by(p.c.id)
    keys = None if named is None else {key for key, _ in named}
    few = keys is not None and len(keys) <= _FEW_KEYS
    if few:
        assert keys is not None
        query = query.where(sa.or_(p.c.code.in_(sorted(keys)), p.c.name.in_(sorted(keys))))
    rows: Iterable[tuple[Any, ...]] = driver_rows(connection, query)
    if keys is not None and not few:  # many: every project's header is read, the named ones kept
        rows = [row for row in rows if row[1] in keys or row[2] in keys]
    new = tuple.__new__  # ProjectRef._make without its checks
    refs = [new(ProjectRef, (*row, n)) for n, row in enumerate(rows)]
    if named is None:
        low, high = connection.execute(sa.select(sa.func.min(i.c.id), sa.func.max(i.c.id))).one()
        first = low or 0
        return Catalog(connection, refs, None, size=(high or 0) - first + 1, first_key=first)
    pks = [ref.pk for ref in refs if (ref.code, ref.year) in named or (ref.name, ref.year) in named]
    query = sa.select(i.c.project_id, i.c.id, i.c.code, i.c.shape_id).where(i.c.retired_on.is_(None))
    slots: dict[int, dict[str, Slot]] = {}
    readings: dict[tuple[str, str], dict[str, Value]] = {}
    shapes: dict[int, tuple[str, str, dict[str, Value]]] = {}
    positions = count()
    for chunk in in_lists(pks):  # a list of projects at a time: their rows are not all held at once
        found = list(driver_rows(connection, query.where(i.c.project_id.in_(chunk))))
        unknown = {row[3] for row in found} - shapes.keys()
        if unknown:
            shapes.update(_shapes(connection, readings, unknown))
        _add_slots(slots, found, lambda _: next(positions), shapes)
    return Catalog(connection, refs, slots, size=next(positions), readings=readings)


def _shapes(
    connection: sa.Connection, readings: dict[tuple[str, str], dict[str, Value]], ids: set[int] | None = None
) -> dict[int, tuple[str, str, dict[str, Value]]]:
    """Each indicator shape's target kind and unit (interned), and the table of values read for that pair.

    A value's reading depends on nothing else (see :class:`Catalog`), so the
    indicators of every shape with the same kind and unit share one table.
    ``ids``: only these shapes (all of them, tens of thousands in a province, when None).
    """
    h = s.indicator_shapes
    query = sa.select(h.c.id, h.c.kind, h.c.unit)
    queries = [query] if ids is None else [query.where(h.c.id.in_(chunk)) for chunk in in_lists(sorted(ids))]
    found: dict[int, tuple[str, str, dict[str, Value]]] = {}
    for chosen in queries:
        for shape, kind, unit in driver_rows(connection, chosen):
            kind, unit = sys.intern(kind), sys.intern(unit)
            found[shape] = (kind, unit, readings.setdefault((kind, unit), {}))
    return found


_FAULTS_KEPT = 100_000  # bad (project, period) pairs remembered: a file of bad rows has millions
_FEW_KEYS = 400  # project ids or names few enough to look the projects up by them


def _add_slots(
    slots: dict[int, dict[str, Slot]],
    rows: Iterable[Sequence[Any]],
    position: Callable[[int], int],
    shapes: dict[int, tuple[str, str, dict[str, Value]]],
) -> None:
    """Add indicators (project key, key, code, shape) to their projects' slots."""
    # Codes repeat across projects (qty1 …): interned, one string each keeps a
    # province's catalog (1.5 M indicators) small; kinds and units come interned with
    # their shape.  Slots are built with tuple.__new__ (Slot._make without its
    # checks), a third of the cost of Slot(...) over a million rows.
    intern, new = sys.intern, tuple.__new__
    for project_pk, pk, code, shape in rows:
        by_code = slots.get(project_pk)
        if by_code is None:
            by_code = slots[project_pk] = {}
        kind, unit, table = shapes[shape]
        code = intern(code)
        by_code[code] = new(Slot, (pk, code, kind, unit, position(pk), table))


_period_cache: dict[str, Period | Fault] = {}


def _parse_period(text: str) -> Period | Fault:
    found = _period_cache.get(text)
    if found is None:
        try:
            found = Period.parse(text)
        except InvalidPeriod as invalid:
            found = Fault("period", text, invalid.reason)
        if len(_period_cache) < 10_000:
            _period_cache[text] = found
    return found


def read_amount(text: str) -> Decimal | str:
    """Money spent in 万元 (``12.5``, ``12.5万元``, or ``125000元`` converted exactly): the amount, or why not."""
    if re.match(r"^\s*-\s*\d", unicodedata.normalize("NFKC", text)):
        return "money spent cannot be negative"
    return read_money(text)


def money_text(amount: Decimal) -> str:
    return f"{format_decimal(amount)}万元"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")


def _where(row: ActualRow | SpendingRow, column: str) -> str:
    return f"{row.source}: row {row.number}, column {column}" if row.source else column


def _clash(period: Period, given: Period, where: str) -> str:
    """Why a row's ``period`` cannot be taken: ``given`` (the same, or overlapping it) came first, at ``where``."""
    if given == period:
        return f"{period} is already given in {where}"
    return f"{period} overlaps {given}, already given in {where}"


class _FirstRows:
    """The row that first gave each (indicator or project, period), so that a second or overlapping one is reported.

    Quarters, what nearly every row gives, are kept in two flat arrays indexed by
    catalog position × 4 + quarter − 1 rather than a dict: six million (key, row)
    pairs in a dict take about a gigabyte.  Other periods (months, half years) are
    few and kept by position in :attr:`spans`; once there are any, each row is
    also checked against them for an overlap.
    """

    def __init__(self, size: int) -> None:
        self._numbers = array("I", bytes(4 * 4 * size))  # the row number + 1; 0 is "not seen"
        self._sources = array("H", bytes(2 * 4 * size))
        self._source_ids: dict[str, int] = {}
        self._source_names: list[str] = []
        self.spans: dict[int, list[tuple[Period, str]]] = {}

    def claim_period(self, position: int, period: Period, row: ActualRow | SpendingRow) -> str | None:
        """Record ``row`` as giving ``period`` at ``position``; if a row gave it, or one overlapping it, why not."""
        for number in range(1, 5):
            quarter = Period.quarter(period.year, number)
            if quarter.overlaps(period) and self._numbers[position * 4 + number - 1]:
                return _clash(period, quarter, self.where(position * 4 + number - 1))
        for given, where in self.spans.get(position, ()):
            if given.overlaps(period):
                return _clash(period, given, where)
        if period.is_quarter:
            return self.claim(position * 4 + period.last // 3 - 1, row)
        self.spans.setdefault(position, []).append((period, self._at(row)))
        return None

    def _at(self, row: ActualRow | SpendingRow) -> str:
        return f"{row.source}: row {row.number}" if row.source else "an earlier row"

    def source(self, name: str) -> int:
        """The number that stands for a file (its rows' ``source``) in the table."""
        found = self._source_ids.get(name)
        if found is None:
            found = self._source_ids[name] = len(self._source_names)
            self._source_names.append(name)
        return found

    def claim(self, key: int, row: ActualRow | SpendingRow) -> str | None:
        """Record ``row`` as the first for ``key``; if another came first, where that one is."""
        if self._numbers[key]:
            return self.where(key)
        self._numbers[key] = row.number + 1
        self._sources[key] = self.source(row.source)
        return None

    def where(self, key: int) -> str:
        """Where the first row for ``key`` is."""
        source = self._source_names[self._sources[key]]
        return f"{source}: row {self._numbers[key] - 1}" if source else "an earlier row"

    def located(self, source: int, number: int, column: str) -> str:
        """Where a row is, from its file's number (:meth:`source`) and row number, as :func:`_where` says it."""
        name = self._source_names[source]
        return f"{name}: row {number}, column {column}" if name else column


class Recorder:
    """One import in progress (导入): rows are checked as they come and written in batches.

    Every bad row becomes a located :class:`Problem`; after the first one nothing
    more is written (the rows are still checked, so that all problems are
    reported) and the caller must roll the transaction back.
    """

    def __init__(
        self,
        connection: sa.Connection,
        named: set[tuple[str, int]] | None,
        *,
        by: str,
        bands: GradeBands,
        words: ValueWords = DEFAULT_WORDS,
    ) -> None:
        self.problems: list[Problem] = []
        self.unreported = 0  # problems beyond MAX_SHOWN, counted only
        self.touched: set[tuple[str, int]] = set()  # (project id, year) of every row checked
        self._catalog = catalog = load_catalog(connection, named)
        self._bands = bands
        self._words = words
        self._first_actual = _FirstRows(catalog.size)
        self._first_spent = _FirstRows(catalog.projects)
        self._actuals = _Writer(
            connection, s.actuals, "indicator_id", by, catalog.indicator_keys, self._first_actual, self._add
        )
        self._spending = _Writer(
            connection, s.spending, "project_id", by, catalog.project_keys, self._first_spent, self._add
        )
        self._connection = connection

    def _reject(self, row: ActualRow | SpendingRow, faults: Sequence[Fault]) -> None:
        self._add([Problem(_where(row, f.column), f"{f.text!r}: {f.reason}") for f in faults])

    def _duplicate(self, row: ActualRow | SpendingRow, column: str, clash: str) -> None:
        self._add([Problem(_where(row, column), f"{getattr(row, column)!r}: {clash}")])

    def _add(self, problems: list[Problem]) -> None:
        """Keep the first :data:`~kpitrack.problems.MAX_SHOWN` problems and count the rest (memory stays flat)."""
        self._catalog.remembering = False
        room = max(MAX_SHOWN - len(self.problems), 0)
        if room < len(problems):
            self.unreported += len(problems) - room
            problems = problems[:room]
        self.problems.extend(problems)

    def reported(self) -> list[Problem]:
        """The problems kept, then the count of those that were not."""
        return [*self.problems, more_problems(self.unreported)] if self.unreported else list(self.problems)

    def record_actuals(self, rows: Iterable[ActualRow]) -> None:
        """Check each row of actuals; write it while every row so far was good.

        The loop runs once per row of a file of millions, so what repeats is
        remembered: the project and period a (project, period) pair names, and
        (in the catalog) the reading of each distinct value; the check for a row
        already given is done here on the table's arrays (:meth:`_FirstRows.claim`).
        """
        catalog, bands, first, problems = self._catalog, self._bands, self._first_actual, self.problems
        add = self._actuals.add
        seen, sources, source, source_id = first._numbers, first._sources, None, 0
        places: dict[tuple[str, str], _Place | Fault] = {}
        for row in rows:
            name, number, project, indicator, period, text, note = row
            place = places.get((project, period))
            if place is None:
                place = self._place(project, period)
                if not isinstance(place, Fault) or len(places) < _FAULTS_KEPT:  # a file of bad keys has millions
                    places[(project, period)] = place
            if isinstance(place, Fault):
                self._reject(row, [place])
                continue
            slot = place.slots.get(indicator) or catalog.indicator_by_name(place.project, indicator)
            if isinstance(slot, Fault):
                self._reject(row, [slot])
                continue
            value = slot.readings.get(text) or catalog.read(slot, text, bands, self._words, place.span.year)
            if isinstance(value, Fault):
                self._reject(row, [value])
                continue
            if note and (unfit := text_fault(note)) is not None:
                self._reject(row, [Fault("note", note, unfit)])
                continue
            if name is not source:
                source, source_id = name, first.source(name)
            if place.offset < 0 or first.spans:  # a month or half year, or rows that gave one
                clash = first.claim_period(slot.position, place.span, row)
                if clash is not None:
                    self._duplicate(row, "indicator", clash)
                    continue
            else:
                key = slot.position * 4 + place.offset
                if seen[key]:
                    self._duplicate(row, "indicator", _clash(place.span, place.span, first.where(key)))
                    continue
                seen[key], sources[key] = number + 1, source_id
            if not problems:
                add(slot.pk, place.period, value.columns, note, source_id, number)
        self.touched.update((p.project.code, p.project.year) for p in places.values() if isinstance(p, _Place))

    def _place(self, project: str, period: str) -> _Place | Fault:
        span = _parse_period(period)
        if isinstance(span, Fault):
            return span
        ref = self._catalog.project(project, span)
        if isinstance(ref, Fault):
            return ref
        offset = span.last // 3 - 1 if span.is_quarter else -1
        return _Place(ref, span, s.period_key(span), self._catalog.slots(ref), offset)

    def record_spending(self, rows: Iterable[SpendingRow]) -> None:
        """Check each row of money spent; write it while every row so far was good."""
        catalog, first = self._catalog, self._first_spent
        add = self._spending.add
        for row in rows:
            faults: list[Fault] = []
            amount = read_amount(row.amount)
            if isinstance(amount, str):
                faults.append(Fault("amount", row.amount, amount))
            if row.note and (unfit := text_fault(row.note)) is not None:
                faults.append(Fault("note", row.note, unfit))
            period = _parse_period(row.period)
            if isinstance(period, Fault):
                self._reject(row, [period, *faults])
                continue
            project = catalog.project(row.project, period)
            if isinstance(project, Fault):
                self._reject(row, [project, *faults])
                continue
            if faults or isinstance(amount, str):
                self._reject(row, faults)
                continue
            self.touched.add((project.code, project.year))
            clash = first.claim_period(project.position, period, row)
            if clash is not None:
                self._duplicate(row, "project", clash)
            elif not self.problems:
                amounts = driver_values(self._connection, [amount])
                add(project.pk, s.period_key(period), amounts, row.note, first.source(row.source), row.number)

    def finish(self) -> tuple[WriteSummary, WriteSummary]:
        """Write what is still pending; what the import did to actuals and to spending."""
        if not self.problems:
            self._actuals.flush()
            self._spending.flush()
        return self._actuals.summary, self._spending.summary

    def corrections(self) -> tuple[Correction, ...]:
        """The first :data:`CORRECTIONS_KEPT` values the import replaced, named, values first, then money."""
        return (*self._actuals.corrections(), *self._spending.corrections())


class _Place(NamedTuple):
    """Where a row's values go: its project, period (and its key, 20210907) and the project's indicators."""

    project: ProjectRef
    span: Period
    period: int
    slots: Mapping[str, Slot]
    offset: int  # of a quarter's column in the table of rows already seen (quarter − 1); -1: not a quarter


class _Writer:
    """Writes checked values of one table (actuals or spending) in batches, as new current versions.

    A value equal to the current one of its period is left alone; a different one
    supersedes it.  The current values are looked up per batch, and only for years
    that held values before this import: a first import of a year just inserts.
    """

    BATCH = 20_000

    def __init__(
        self,
        connection: sa.Connection,
        table: sa.Table,
        key: str,
        by: str,
        key_range: Callable[[int], range],
        first: _FirstRows,
        report: Callable[[list[Problem]], None],
    ) -> None:
        self._connection = connection
        self._first = first  # where a row of the batch is, for a clash with a period stored
        self._report = report  # the recorder's problems, which a clash with a period stored joins
        self._table = table
        self._key = key  # indicator_id or project_id
        self._compared = "text" if table is s.actuals else "amount"
        self._columns = (key, "period", "note", *(_VALUE_COLUMNS if table is s.actuals else ("amount",)))
        self._columns += ("recorded_by", "recorded_at", "current")
        self._false = driver_values(connection, [False])[0]
        tail = driver_values(connection, [by, _now(), True])  # recorded_by, recorded_at, current
        self._insert = insert_sql(connection, table, self._columns)
        self.tail, self._per_statement, self._insert_many = tail, 1, self._insert
        if connection.dialect.name == "sqlite":
            # Many rows per statement (VALUES (…), (…), …): SQLite then does its
            # per-statement work once per many rows: about a third less per row.
            self._per_statement = min(_ROWS_PER_INSERT, _SQLITE_PARAMETERS // len(self._columns))
            values = ", ".join(["?"] * len(self._columns))
            many = ", ".join([f"({values})"] * self._per_statement)
            self._insert_many = f"INSERT INTO {table.name} ({', '.join(self._columns)}) VALUES {many}"
            self._insert = f"INSERT INTO {table.name} ({', '.join(self._columns)}) VALUES ({values})"
        marker = "?" if connection.dialect.name == "sqlite" else "%s"
        self._supersede = f"UPDATE {table.name} SET current = {marker} WHERE id = {marker}"
        self._key_range = key_range
        self._batch: list[tuple[Any, ...]] = []
        # Where each row of the batch came from, as numbers: kept as objects, a batch's rows
        # would live into the collector's oldest generation and double its full passes.
        self._sources, self._numbers = array("H"), array("I")
        self._years_with_values: dict[int, bool] = {}
        self._current_sqls: dict[int, str] = {}
        self.summary = WriteSummary()
        self._replaced: list[tuple[int, int, Any, Any]] = []  # (key, period, old, new) of the first corrections

    def add(self, pk: int, period: int, columns: tuple[Any, ...], note: str, source: int, number: int) -> None:
        """Write a value (its columns as :class:`Value` has them, or the amount) of row ``number`` of ``source``."""
        self._batch.append((pk, period, note, *columns, *self.tail))
        self._sources.append(source)
        self._numbers.append(number)
        if len(self._batch) >= self.BATCH:
            self.flush()

    def _may_supersede(self, periods: Iterable[int]) -> bool:
        """Whether values of these periods' years were stored before this import."""
        return any(self._has_values(year) for year in {period // 10000 for period in set(periods)})

    def flush(self) -> None:
        """Write the batch: supersede what it changes, insert what is new."""
        rows, self._batch = self._batch, []
        if not rows:
            return
        places = self._sources, self._numbers
        self._sources, self._numbers = array("H"), array("I")
        if self._may_supersede(map(itemgetter(1), rows)):
            changed, superseded, unchanged = self._against_current(rows, places)
            if changed is None:
                return
            rows = changed
            if superseded:
                self._connection.exec_driver_sql(self._supersede, [(self._false, pk) for pk in superseded])
            self.summary += WriteSummary(0, len(superseded), unchanged)
        self._insert_rows(rows)
        self.summary += WriteSummary(len(rows))

    def _insert_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows: on PostgreSQL by ``COPY``, else many to a statement."""
        if self._connection.dialect.name == "postgresql":
            copy_into(self._connection.connection.driver_connection, self._table.name, self._columns, rows)
            return
        whole = len(rows) - len(rows) % self._per_statement
        if self._per_statement > 1 and whole:
            flat = tuple(chain.from_iterable(rows[:whole]))
            width = len(flat) // whole * self._per_statement
            statements = [flat[i : i + width] for i in range(0, len(flat), width)]
            self._connection.exec_driver_sql(self._insert_many, statements)
            rows = rows[whole:]
        if rows:
            self._connection.exec_driver_sql(self._insert, rows)

    def _current_sql(self, keys: int) -> str:
        """The driver's statement for the current values of ``keys`` keys in a range of periods (made once each)."""
        found = self._current_sqls.get(keys)
        if found is None:
            sqlite = self._connection.dialect.name == "sqlite"
            marker = "?" if sqlite else "%s"
            current = "current = 1" if sqlite else "current"  # on SQLite, the partial index's own term
            found = self._current_sqls[keys] = (
                f"SELECT id, {self._key}, period, {self._compared} FROM {self._table.name} "
                f"WHERE {current} AND {self._key} IN ({', '.join([marker] * keys)}) "
                f"AND period BETWEEN {marker} AND {marker}"
            )
        return found

    def _has_values(self, year: int) -> bool:
        """Whether the table held values of ``year`` when this import first wrote to it."""
        found = self._years_with_values.get(year)
        if found is None:
            t, keys = self._table, self._key_range(year)
            # Within the year's keys, so that the index of current values finds it without a
            # scan.  Current values are enough: a value is only ever superseded by a newer
            # one, so every (key, period) with a row has a current row.
            query = (
                sa.select(t.c.id)
                .where(t.c.current, t.c[self._key].between(keys.start, keys.stop - 1))
                .where(t.c.period.between(*s.year_keys(year)))
                .limit(1)
            )
            found = self._years_with_values[year] = self._connection.execute(query).first() is not None
        return found

    def _against_current(
        self, rows: list[tuple[Any, ...]], places: tuple[array[int], array[int]]
    ) -> tuple[list[tuple[Any, ...]] | None, list[int], int]:
        """The rows that change something, the ids they supersede, and how many are unchanged.

        A row whose period overlaps another one stored for its key (2021Q3 over 2021-07)
        is a problem, reported, and nothing is returned to write (None).
        """
        value_at = self._columns.index(self._compared)
        current: dict[int, list[tuple[int, int, Any]]] = {}
        pks = sorted({row[0] for row in rows})
        # Only periods that end at or after the batch's first month can be the same or
        # overlap: a quarter's import into a year already holding the earlier quarters
        # would otherwise fetch all of those, to find none of them written.
        periods = [s.period_of(key) for key in {row[1] for row in rows}]
        low = min(p.year * 10000 + p.first * 100 for p in periods)  # the key of the first month's end
        high = s.year_keys(max(p.year for p in periods))[1]
        amounts = self._compared == "amount"  # compared as decimals (35 and 35.00 are one amount)
        for chunk in in_lists(pks, _LOOKED_UP):
            for pk, key, period, stored in driver_rows(
                self._connection, self._current_sql(len(chunk)), params=(*chunk, low, high)
            ):
                current.setdefault(key, []).append((period, pk, Decimal(str(stored)) if amounts else stored))
        changed: list[tuple[Any, ...]] = []
        superseded: list[int] = []
        unchanged = 0
        clashes: list[Problem] = []
        for at, row in enumerate(rows):
            kept = True
            for period, pk, stored in current.get(row[0], ()):
                if period == row[1]:
                    if _same(stored, row[value_at]):
                        unchanged += 1
                        kept = False
                    else:
                        superseded.append(pk)
                        if len(self._replaced) < CORRECTIONS_KEPT:
                            self._replaced.append((row[0], period, stored, row[value_at]))
                elif (given := s.period_of(period)).overlaps(written := s.period_of(row[1])):
                    message = f"{written} overlaps {given}, already recorded: correct {given}, or give periods apart"
                    where = self._first.located(places[0][at], places[1][at], "period")
                    clashes.append(Problem(where, f"{str(written)!r}: {message}"))
            if kept:
                changed.append(row)
        if clashes:
            self._report(clashes)
            return None, [], 0
        return changed, superseded, unchanged

    def corrections(self) -> list[Correction]:
        """The corrections kept, named by project and indicator (one look-up of their keys)."""
        if not self._replaced:
            return []
        p, i = s.projects, s.indicators
        keys = sorted({key for key, *_ in self._replaced})
        if self._table is s.actuals:
            query = sa.select(i.c.id, p.c.code, i.c.code).join(p, p.c.id == i.c.project_id).where(i.c.id.in_(keys))
        else:
            query = sa.select(p.c.id, p.c.code, sa.null()).where(p.c.id.in_(keys))
        names = {key: (project, indicator) for key, project, indicator in self._connection.execute(query)}
        money = self._table is s.spending
        return [
            Correction(
                *names[key],
                s.period_of(period),
                money_text(Decimal(str(old))) if money else str(old),
                money_text(Decimal(str(new))) if money else str(new),
            )
            for key, period, old, new in self._replaced
        ]


_LOOKED_UP = 500  # keys per look-up of current values: with the periods, under SQLite's old limit of 999

# Bound parameters a statement may have (999 before SQLite 3.32), and rows an INSERT takes
# at most: beyond a few hundred, more rows a statement save nothing.
_SQLITE_PARAMETERS = 32_766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999
_ROWS_PER_INSERT = 250


def _same(stored: Any, written: Any) -> bool:
    """A stored value equals one about to be written (a decimal may come back as Decimal or as text)."""
    if isinstance(stored, Decimal) or isinstance(written, Decimal):
        return Decimal(str(stored)) == Decimal(str(written))
    return bool(stored == written)
