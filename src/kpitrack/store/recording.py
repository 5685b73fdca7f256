"""Recording the year (记录实际完成值与资金执行): checking rows against the goals and writing versions.

A row names a project and an indicator by id or exact name, a quarter and a value.
:class:`Catalog` resolves the names (and, for an unknown one, suggests the closest),
:func:`check_actual` and :func:`check_spending` turn one row into an entry or into
located reasons, and :func:`write_actuals` / :func:`write_spending` store entries
as new versions: a value equal to the current one is left alone, a different one
supersedes it in the same transaction.
"""

from __future__ import annotations

import datetime
import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

import attrs
import sqlalchemy as sa

from kpitrack.model import Indicator
from kpitrack.periods import InvalidPeriod, Quarter
from kpitrack.readings import GradeBands, InvalidReading, Reading, read
from kpitrack.store import schema as s
from kpitrack.store._rows import bulk_insert, driver_values, indicator_from_row, reading_row
from kpitrack.thresholds import format_decimal

__all__ = [
    "ActualEntry",
    "ActualRow",
    "Catalog",
    "Fault",
    "ProjectRef",
    "Slot",
    "SpendEntry",
    "SpendingRow",
    "WriteSummary",
    "check_actual",
    "check_spending",
    "write_actuals",
    "write_spending",
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


@attrs.frozen
class ProjectRef:
    pk: int
    code: str
    name: str
    year: int


class ActualEntry(NamedTuple):
    """A checked value for one indicator and quarter, ready to write."""

    indicator_pk: int
    period: int
    reading: Reading
    note: str = ""


class SpendEntry(NamedTuple):
    """Money spent by one project in one quarter (万元), ready to write."""

    project_pk: int
    period: int
    amount: Decimal
    note: str = ""


@attrs.frozen
class WriteSummary:
    added: int = 0
    superseded: int = 0
    unchanged: int = 0

    def __add__(self, other: WriteSummary) -> WriteSummary:
        return WriteSummary(
            self.added + other.added, self.superseded + other.superseded, self.unchanged + other.unchanged
        )


def _closest(key: str, candidates: Sequence[str]) -> str:
    matches = difflib.get_close_matches(key, candidates, n=3, cutoff=0.4)
    return f"; closest: {', '.join(matches)}" if matches else ""


class Slot(NamedTuple):
    """What checking a value needs of an indicator; the full record is read only when needed."""

    pk: int
    code: str
    name: str
    kind: str
    unit: str


class Catalog:
    """The projects and indicators that recorded rows may name, loaded once per import.

    It holds only each indicator's key, names, target kind and unit: a value is read
    with :func:`kpitrack.readings.read` once per distinct (kind, unit, text), and the
    indicator's full record is fetched only then.
    """

    def __init__(
        self,
        projects: Sequence[ProjectRef],
        slots: Mapping[int, Sequence[Slot]],
        year_names: Callable[[int], Sequence[tuple[str, str]]],
        load_indicator: Callable[[int], Indicator],
    ) -> None:
        self._by_code: dict[tuple[str, int], ProjectRef] = {}
        self._by_name: dict[tuple[str, int], ProjectRef] = {}
        self._years: dict[str, set[int]] = {}
        for ref in projects:
            self._by_code[(ref.code, ref.year)] = ref
            self._by_name.setdefault((ref.name, ref.year), ref)
            self._years.setdefault(ref.code, set()).add(ref.year)
            self._years.setdefault(ref.name, set()).add(ref.year)
        self._slots = slots
        self._maps: dict[int, tuple[dict[str, Slot], dict[str, Slot]]] = {}
        self._year_names = year_names
        self._load_indicator = load_indicator
        self._found: dict[tuple[str, str, int], Slot | Fault] = {}
        self._readings: dict[tuple[str, str, str], Reading] = {}

    def lookup(self, project: str, indicator: str, quarter: Quarter) -> Slot | Fault:
        """The indicator a row names, by project and indicator id or name, in the quarter's year."""
        key = (project, indicator, quarter.year)
        found = self._found.get(key)
        if found is None:
            ref = self.project(project, quarter)
            found = ref if isinstance(ref, Fault) else self.indicator(ref, indicator)
            self._found[key] = found
        return found

    def read(self, slot: Slot, text: str, bands: GradeBands) -> Reading | Fault:
        """:func:`kpitrack.readings.read`, remembered: its result depends only on the target kind and unit."""
        key = (slot.kind, slot.unit, text)
        reading = self._readings.get(key)
        if reading is None:
            try:
                reading = read(self._load_indicator(slot.pk), text, bands)
            except InvalidReading as invalid:
                return Fault("value", text, invalid.reason)
            if len(self._readings) < 100_000:
                self._readings[key] = reading
        return reading

    def project(self, key: str, quarter: Quarter) -> ProjectRef | Fault:
        found = self._by_code.get((key, quarter.year)) or self._by_name.get((key, quarter.year))
        if found is not None:
            return found
        years = sorted(self._years.get(key, ()))
        if years:
            listed = ", ".join(str(y) for y in years)
            return Fault("period", str(quarter), f"outside the year of project {key} ({listed})")
        names = self._year_names(quarter.year)
        candidates = [code for code, _ in names] + [name for _, name in names]
        return Fault("project", key, f"no project with this id or name in {quarter.year}{_closest(key, candidates)}")

    def indicator(self, project: ProjectRef, key: str) -> Slot | Fault:
        maps = self._maps.get(project.pk)
        if maps is None:
            slots = self._slots.get(project.pk, ())
            by_name: dict[str, Slot] = {}
            for slot in slots:
                by_name.setdefault(slot.name, slot)
            maps = self._maps[project.pk] = ({slot.code: slot for slot in slots}, by_name)
        found = maps[0].get(key) or maps[1].get(key)
        if found is not None:
            return found
        candidates = list(maps[0]) + list(maps[1])
        reason = f"project {project.code} has no indicator with this id or name{_closest(key, candidates)}"
        return Fault("indicator", key, reason)


def load_catalog(connection: sa.Connection, keys: set[str] | None = None) -> Catalog:
    """The catalog of every project whose id or name is in ``keys`` (all projects when None or many)."""
    p, i = s.projects, s.indicators
    query = sa.select(p.c.id, p.c.code, p.c.name, p.c.year)
    if keys is not None and len(keys) <= 400:
        query = query.where(sa.or_(p.c.code.in_(sorted(keys)), p.c.name.in_(sorted(keys))))
    refs = [ProjectRef(*row) for row in connection.execute(query)]
    wanted = {ref.pk for ref in refs}
    slots: dict[int, list[Slot]] = {}
    slot_query = (
        sa.select(i.c.project_id, i.c.id, i.c.code, i.c.name, i.c.kind, i.c.unit)
        .where(i.c.retired_on.is_(None))
        .order_by(i.c.project_id, i.c.position)
    )
    if len(wanted) <= 400:
        slot_query = slot_query.where(i.c.project_id.in_(sorted(wanted)))
    for project_pk, *rest in connection.execute(slot_query):
        if project_pk in wanted:
            slots.setdefault(project_pk, []).append(Slot(*rest))

    def year_names(year: int) -> list[tuple[str, str]]:
        query = sa.select(p.c.code, p.c.name).where(p.c.year == year)
        return [(r.code, r.name) for r in connection.execute(query)]

    def load_indicator(pk: int) -> Indicator:
        row = connection.execute(sa.select(i).where(i.c.id == pk)).one()
        return indicator_from_row(row._mapping)

    return Catalog(refs, slots, year_names, load_indicator)


_period_cache: dict[str, Quarter | Fault] = {}


def _quarter(text: str) -> Quarter | Fault:
    found = _period_cache.get(text)
    if found is None:
        try:
            found = Quarter.parse(text)
        except InvalidPeriod as invalid:
            found = Fault("period", text, invalid.reason)
        if len(_period_cache) < 10_000:
            _period_cache[text] = found
    return found


def check_actual(catalog: Catalog, row: ActualRow, bands: GradeBands) -> ActualEntry | list[Fault]:
    """One actuals row checked against the goals: an entry, or the faults of its cells."""
    quarter = _quarter(row.period)
    if isinstance(quarter, Fault):
        return [quarter]
    found = catalog.lookup(row.project, row.indicator, quarter)
    if isinstance(found, Fault):
        return [found]
    reading = catalog.read(found, row.value, bands)
    if isinstance(reading, Fault):
        return [reading]
    return ActualEntry(found.pk, quarter.year * 10 + quarter.number, reading, row.note)


_MONEY_RE = re.compile(r"^(?P<num>[-+]?\d+(?:,\d{3})*(?:\.\d+)?)\s*(?:万元|万)?$")


def read_amount(text: str) -> Decimal | str:
    """Money spent in 万元 (``12.5`` or ``12.5万元``): the amount, or why it is not one."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = _MONEY_RE.match(cleaned)
    if not cleaned:
        return "the amount is empty"
    if match is None:
        return "expected an amount in 万元, such as 12.5"
    try:
        amount = Decimal(match.group("num").replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex admits only numbers
        return "not a number"
    if amount < 0:
        return "money spent cannot be negative"
    return amount


def check_spending(catalog: Catalog, row: SpendingRow) -> SpendEntry | list[Fault]:
    """One spending row checked against the goals."""
    faults: list[Fault] = []
    amount = read_amount(row.amount)
    if isinstance(amount, str):
        faults.append(Fault("amount", row.amount, amount))
    quarter = _quarter(row.period)
    if isinstance(quarter, Fault):
        return [quarter, *faults]
    project = catalog.project(row.project, quarter)
    if isinstance(project, Fault):
        return [project, *faults]
    if faults or isinstance(amount, str):
        return faults
    return SpendEntry(project.pk, s.period_key(quarter), amount, row.note)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")


_ACTUAL_COLUMNS = (
    "indicator_id",
    "period",
    "kind",
    "number",
    "unit",
    "grade",
    "score",
    "done_on",
    "text",
    "note",
    "recorded_by",
    "recorded_at",
    "current",
)


def _current_actuals(
    connection: sa.Connection, entries: Sequence[ActualEntry]
) -> dict[tuple[int, int], tuple[int, str]]:
    a = s.actuals
    query = sa.select(a.c.id, a.c.indicator_id, a.c.period, a.c.text).where(a.c.current)
    if len(entries) <= 400:
        query = query.where(a.c.indicator_id.in_(sorted({e.indicator_pk for e in entries})))
    else:
        query = query.where(a.c.period.in_(sorted({e.period for e in entries})))
    return {(r.indicator_id, r.period): (r.id, r.text) for r in connection.execute(query)}


def write_actuals(connection: sa.Connection, entries: Sequence[ActualEntry], by: str) -> WriteSummary:
    """Store entries as new current versions, superseding different ones and skipping equal ones."""
    if not entries:
        return WriteSummary()
    # The last entry for an indicator and quarter wins.
    entries = list({(e.indicator_pk, e.period): e for e in entries}.values())
    current = _current_actuals(connection, entries)
    at = _now()
    superseded: list[int] = []
    rows: list[tuple[Any, ...]] = []
    unchanged = 0
    # A reading's column values, converted for the driver once per distinct reading.
    columns: dict[Reading, tuple[Any, ...]] = {}
    true = driver_values(connection, [True])[0]
    for entry in entries:
        values = columns.get(entry.reading)
        if values is None:
            row = reading_row(entry.reading)
            names = ("kind", "number", "unit", "grade", "score", "done_on", "text")
            values = columns[entry.reading] = driver_values(connection, [row[name] for name in names])
        old = current.get((entry.indicator_pk, entry.period))
        if old is not None:
            if old[1] == values[-1]:
                unchanged += 1
                continue
            superseded.append(old[0])
        rows.append((entry.indicator_pk, entry.period, *values, entry.note, by, at, true))
    _supersede(connection, s.actuals, superseded)
    bulk_insert(connection, s.actuals, _ACTUAL_COLUMNS, rows, ready=True)
    return WriteSummary(len(rows), len(superseded), unchanged)


def _supersede(connection: sa.Connection, table: sa.Table, ids: Sequence[int]) -> None:
    if ids:
        statement = sa.update(table).where(table.c.id == sa.bindparam("old_id")).values(current=False)
        connection.execute(statement, [{"old_id": i} for i in ids])


_SPEND_COLUMNS = ("project_id", "period", "amount", "note", "recorded_by", "recorded_at", "current")


def write_spending(connection: sa.Connection, entries: Sequence[SpendEntry], by: str) -> WriteSummary:
    """Store spending entries as versions, like :func:`write_actuals`."""
    if not entries:
        return WriteSummary()
    entries = list({(e.project_pk, e.period): e for e in entries}.values())
    sp = s.spending
    query = sa.select(sp.c.id, sp.c.project_id, sp.c.period, sp.c.amount).where(sp.c.current)
    query = query.where(sp.c.period.in_(sorted({e.period for e in entries})))
    current = {(r.project_id, r.period): (r.id, r.amount) for r in connection.execute(query)}
    at = _now()
    superseded: list[int] = []
    rows: list[tuple[Any, ...]] = []
    unchanged = 0
    for entry in entries:
        old = current.get((entry.project_pk, entry.period))
        if old is not None:
            if old[1] == entry.amount:
                unchanged += 1
                continue
            superseded.append(old[0])
        rows.append((entry.project_pk, entry.period, entry.amount, entry.note, by, at, True))
    _supersede(connection, sp, superseded)
    bulk_insert(connection, sp, _SPEND_COLUMNS, rows)
    return WriteSummary(len(rows), len(superseded), unchanged)


def money_text(amount: Decimal) -> str:
    return f"{format_decimal(amount)}万元"
