"""The 填报 form: a quarter's values for one project or a unit's projects, checked as ``import`` checks them.

The form shows each indicator's value for the quarter (as recorded so far), the
year to date beside it, and for qualitative targets a grade drop-down.  A posted
form becomes rows exactly like a file's (:class:`~kpitrack.store.ActualRow`,
:class:`~kpitrack.store.SpendingRow`), each named by its field, and goes through
:meth:`kpitrack.api.Workspace.record_rows`: the same checks and messages as an
import, located back at the field, and all or nothing.  A changed value that was
already recorded is a correction and needs a note (the history shows why).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from kpitrack.api import Workspace
from kpitrack.model import Indicator, Project
from kpitrack.periods import Period
from kpitrack.problems import Problem, ProblemsFound
from kpitrack.readings import Grade
from kpitrack.store import ActualRow, ActualsView, ImportResult, SpendingRow
from kpitrack.thresholds import Kind, format_decimal

__all__ = ["GRADES", "EntryField", "EntryForm", "ProjectBlock", "blank_form", "submit"]

GRADES = tuple(grade.value for grade in Grade)
_SEPARATOR = "|"


@attrs.frozen
class EntryField:
    """One input of the form: a value (an indicator's or the money spent), with what is known beside it."""

    name: str  # the form field: v|project|indicator, or s|project for the money spent
    label: str
    target: str
    recorded: str  # this quarter's value as recorded so far ("" when none)
    to_date: str  # the year to date through this quarter
    choice: str = ""  # "grade": a grade drop-down (qualitative); "trend": a number or a grade (suggested)
    value: str = ""  # what the form shows (as posted, when the form comes back with problems)
    note: str = ""
    problems: tuple[str, ...] = ()

    @property
    def note_name(self) -> str:
        return f"n{_SEPARATOR}{self.name}"


@attrs.frozen
class ProjectBlock:
    """A project's part of the form: its indicators' fields, then the money spent."""

    project: Project
    fields: tuple[EntryField, ...]


@attrs.frozen
class EntryForm:
    quarter: Period
    blocks: tuple[ProjectBlock, ...]
    problems: tuple[str, ...] = ()  # problems no field owns

    @property
    def fields(self) -> list[EntryField]:
        return [field for block in self.blocks for field in block.fields]

    @property
    def problem_count(self) -> int:
        return len(self.problems) + sum(len(field.problems) for field in self.fields)


def _choice(indicator: Indicator) -> str:
    """How the value is entered: a grade for a qualitative target, a number or a grade for a trend (逐年提高)."""
    return {Kind.QUALITATIVE: "grade", Kind.TREND: "trend"}.get(indicator.target.kind, "")


def _block(view: ActualsView, quarter: Period) -> ProjectBlock:
    fields = []
    for row in view.indicators:
        indicator = row.indicator
        recorded = row.quarters.get(quarter)
        text = "" if recorded is None else str(recorded)
        fields.append(
            EntryField(
                f"v{_SEPARATOR}{view.project.id}{_SEPARATOR}{indicator.id}",
                f"{indicator.id} {indicator.name}",
                str(indicator.target),
                text,
                "" if row.to_date is None else str(row.to_date),
                _choice(indicator),
                text,
            )
        )
    spent = view.spending.get(quarter)
    spent_text = "" if spent is None else format_decimal(spent)
    fields.append(
        EntryField(
            f"s{_SEPARATOR}{view.project.id}",
            "资金执行 (万元)",
            f"{format_decimal(view.project.budget)} 万元",
            spent_text,
            format_decimal(view.spent),
            value=spent_text,
        )
    )
    return ProjectBlock(view.project, tuple(fields))


def blank_form(ws: Workspace, projects: Sequence[Project], quarter: Period) -> EntryForm:
    """The form for ``projects`` at ``quarter``: each field holds what is recorded so far."""
    return EntryForm(quarter, tuple(_block(ws.actuals(p.id, quarter), quarter) for p in projects))


def submit(
    ws: Workspace,
    projects: Sequence[Project],
    quarter: Period,
    posted: Mapping[str, str],
    *,
    by: str,
    note_required: str = "a correction of a recorded value needs a note",
) -> tuple[EntryForm, ImportResult | None]:
    """Check the posted form and record it all, or nothing: the form (with problems at its fields) and the result.

    A field left as recorded, or left blank, records nothing; a changed recorded
    value without a note is refused at its field.  Every other check is the
    import's, run on the whole form in one transaction.
    """
    form = blank_form(ws, projects, quarter)
    actual_rows: list[ActualRow] = []
    spending_rows: list[SpendingRow] = []
    own: dict[str, list[str]] = {}
    for field in form.fields:
        value, note = posted.get(field.name, "").strip(), posted.get(field.note_name, "").strip()
        if not value or value == field.recorded:
            continue
        if field.recorded and not note:
            own.setdefault(field.name, []).append(note_required)
        kind, project, *indicator = field.name.split(_SEPARATOR)
        if kind == "v":
            actual_rows.append(ActualRow(field.name, 1, project, indicator[0], str(quarter), value, note))
        else:
            spending_rows.append(SpendingRow(field.name, 1, project, str(quarter), value, note))
    problems: list[Problem] = []
    result = None
    try:
        result = ws.record_rows(actual_rows, spending_rows, dry_run=bool(own), by=by)
    except ProblemsFound as found:
        problems = list(found.problems)
    if own or problems:
        return _with_problems(form, posted, own, problems), None
    return blank_form(ws, projects, quarter), result


def _with_problems(
    form: EntryForm, posted: Mapping[str, str], own: Mapping[str, list[str]], problems: Sequence[Problem]
) -> EntryForm:
    """The form as posted, each problem at the field whose row it names (``field: row 1, column …``)."""
    at: dict[str, list[str]] = {name: list(keys) for name, keys in own.items()}
    loose: list[str] = []
    names = {field.name for field in form.fields}
    for problem in problems:
        field = problem.where.split(": row ", 1)[0]
        if field in names:
            at.setdefault(field, []).append(problem.message)
        else:
            loose.append(str(problem))
    blocks = tuple(
        attrs.evolve(
            block,
            fields=tuple(
                attrs.evolve(
                    field,
                    value=posted.get(field.name, "").strip(),
                    note=posted.get(field.note_name, "").strip(),
                    problems=tuple(at.get(field.name, ())),
                )
                for field in block.fields
            ),
        )
        for block in form.blocks
    )
    return attrs.evolve(form, blocks=blocks, problems=tuple(loose))
