"""Filled-in forms back in (回收): what a unit wrote in a 自评表 or 绩效运行监控表, as rows to record.

A form gives the year to date (实际完成值, 1-N月执行情况) and the explanations; the
store keeps periods.  :func:`rows` turns each filled-in sheet into the rows an import
writes: a changed year to date becomes the value of the months since the last period
recorded (or of that period, when it ends at the form's month) that makes it so, and
each written explanation (an indicator row's, or the budget row's: 预算执行) an
explanation row.  Bad cells are located problems.
"""

from __future__ import annotations

from collections.abc import Sequence

from kpitrack.explanations import BUDGET
from kpitrack.io import forms
from kpitrack.model import Project
from kpitrack.periods import Period
from kpitrack.problems import Problem, ProblemsFound, closest
from kpitrack.profile import Profile
from kpitrack.readings import InvalidReading, combine, last_period, read
from kpitrack.store import ActualRow, IndicatorActuals, Store
from kpitrack.store.explaining import ExplanationRow

__all__ = ["rows"]


def rows(
    filled: Sequence[forms.FilledSheet], store: Store, profile: Profile, problems: list[Problem]
) -> tuple[list[ActualRow], list[ExplanationRow]]:
    """What units filled in forms, as rows of values and of explanations; bad cells go to ``problems``.

    A form gives the year to date (实际完成值, 1-N月执行情况), the store keeps periods:
    a value that differs from the year to date in the database becomes the value of
    the form's last period that makes it so (:func:`kpitrack.readings.last_period`).
    """
    values: list[ActualRow] = []
    explained: list[ExplanationRow] = []
    for sheet in filled:
        title = f"{sheet.source}: {sheet.sheet}!A1"
        project = _project(store, sheet, title, problems)
        if project is None:
            continue
        cut_off = Period.month(sheet.year, 12 if sheet.form == "selfeval" else sheet.month).cut_off
        view = store.actuals(project, cut_off)
        found = {item.indicator.id: item for item in view.indicators}
        found.update((item.indicator.name, item) for item in view.indicators)
        period = str(sheet.year) if sheet.form == "selfeval" else str(cut_off)
        budget = None if sheet.budget is None else _explanation(sheet, sheet.budget, project.id, BUDGET, period)
        if budget is not None:
            explained.append(budget)
        for position, row in enumerate(sheet.rows):
            # By position first (a project may name two indicators alike), else by id or name.
            item = view.indicators[position] if position < len(view.indicators) else None
            if item is None or row.indicator not in (item.indicator.name, item.indicator.id):
                item = found.get(row.indicator)
            if item is None:
                hint = closest(row.indicator, [i.indicator.name for i in view.indicators])
                reason = f"project {project.id} has no indicator with this id or name{hint}"
                problems.append(Problem(f"{sheet.source}: {row.where}", f"{row.indicator!r}: {reason}"))
                continue
            found_value = _value(profile, sheet, row, item, cut_off, problems)
            if found_value is not None:
                written, value = found_value
                values.append(ActualRow(sheet.source, 0, project.id, item.indicator.id, str(written), value))
            explanation = _explanation(sheet, row, project.id, item.indicator.id, period)
            if explanation is not None:
                explained.append(explanation)
    return values, explained


def _project(store: Store, sheet: forms.FilledSheet, title: str, problems: list[Problem]) -> Project | None:
    """The project of a form's sheet: by the sheet's name (its id), else by the 项目名称 cell."""
    for key in (sheet.project, sheet.name):
        try:
            return store.find_project(key, sheet.year)
        except ProblemsFound:
            continue
    reason = f"no project {sheet.project!r} (the sheet's name) or {sheet.name!r} (项目名称) in {sheet.year}"
    problems.append(Problem(title, reason))
    return None


def _value(
    profile: Profile,
    sheet: forms.FilledSheet,
    row: forms.FilledRow,
    item: IndicatorActuals,
    cut_off: Period,
    problems: list[Problem],
) -> tuple[Period, str] | None:
    """The period and value a form's year to date asks for; None when it changes nothing."""
    text, cell = row.cells.get("actual" if sheet.form == "selfeval" else "to_date", ("", ""))
    if not text:
        return None
    indicator = item.indicator
    try:
        reading = read(indicator, text, profile.grade_bands, profile.value_words, year=cut_off.year)
        if reading == item.to_date:
            return None
        written, earlier = _last_period(item, cut_off)
        before = combine(indicator.aggregate, [item.quarters[p] for p in earlier])
        return written, str(last_period(indicator.aggregate, reading, before))
    except InvalidReading as invalid:
        problems.append(Problem(f"{sheet.source}: {cell}", f"{text!r}: {invalid.reason}"))
        return None


def _last_period(item: IndicatorActuals, cut_off: Period) -> tuple[Period, list[Period]]:
    """The period a form's year to date at ``cut_off`` is written to, and the periods recorded before it.

    The period recorded that ends at the cut-off's month, when there is one (its value
    is corrected); else the months since the last period recorded (2021-07 after Q1
    and Q2, 2021-04..07 after Q1 alone).
    """
    recorded = sorted(item.quarters)
    if recorded and recorded[-1].last == cut_off.last:
        return recorded[-1], recorded[:-1]
    first = recorded[-1].last + 1 if recorded else 1
    return Period(cut_off.year, first, cut_off.last), recorded


def _explanation(
    sheet: forms.FilledSheet, row: forms.FilledRow, project: str, indicator: str, period: str
) -> ExplanationRow | None:
    """A form row's explanation (偏差原因 and, at a cut-off, its category, likelihood and 纠偏措施), if any is written.

    A 完成目标可能性 alone is one too, with no text: a unit that picks 有可能 for a row
    expects it kept, the explanation rules ask for no text (a table's row with only
    完成可能性 is imported so), and a word that is no likelihood is then reported at
    its cell instead of dropped unseen.
    """
    texts = {field: row.cells.get(field, ("", ""))[0] for field in ("explanation", "cause", "likelihood", "measures")}
    if not any(texts.values()):
        return None
    places = {
        ("text" if field == "explanation" else field): f"{sheet.source}: {cell}"
        for field, (_, cell) in row.cells.items()
    }
    return ExplanationRow(
        f"{sheet.source}: {row.where}",
        project,
        indicator,
        period,
        texts["explanation"],
        texts["cause"],
        texts["likelihood"],
        texts["measures"],
        places=places,
    )
