"""A year evaluated as columns: each distinct indicator case judged once, by the core's own rules.

A province repeats the same indicator case thousands of times: the same definition
(指标定义) and code, the same actual to date, the same last-year actual and the same
weight (分值).  The one reader (:func:`kpitrack.store.bulk.read`) gives every actual
as a reading text, so a case is a row of plain values; polars finds each indicator's
weight (the tier shares of its project) and the distinct cases among a province's
rows, and each distinct case is then scored by :func:`kpitrack.scoring.score_indicator`
(or lit by :func:`kpitrack.monitoring.assess_indicator`) once, and its JSON row
written once (:func:`kpitrack.report.score_row_json`).  Everything about a project as
a whole (the execution row, the total and its explanation, the grade, the budget
light) is made per project by the core's functions from those shared results, so
the rules and their explanation texts have one definition, and the records and
JSON lines are those of scoring each project alone (``tests/test_evaluation.py``
checks both, case by case and over a generated province).

A pass owns what it computed (the cases and their results): nothing is kept between
passes, and equal cases are found by their values, not by object identity.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import polars as pl

from kpitrack import monitoring, report, scoring
from kpitrack.model import Project
from kpitrack.monitoring import IndicatorStatus, ProjectStatus
from kpitrack.profile import Profile
from kpitrack.readings import Reading
from kpitrack.scoring import IndicatorScore, ProjectScore
from kpitrack.store._rows import to_date
from kpitrack.store.bulk import Columns
from kpitrack.thresholds import Kind

__all__ = ["ScorePass", "StatusPass", "score_json", "scores", "status_json", "statuses"]

_CASE = ["shape", "code", "actual", "last_year"]  # what every case holds; each pass adds what its rules read


def scores(parts: Iterable[Columns], profile: Profile) -> Iterator[ProjectScore]:
    """Each project's self-evaluation, part by part (one :class:`ScorePass` a part)."""
    for columns in parts:
        yield from ScorePass(columns, profile).scores()


def score_json(parts: Iterable[Columns], profile: Profile, explained: report.Explained) -> Iterator[str]:
    """Each project's line of :func:`kpitrack.report.score_json`, part by part."""
    for columns in parts:
        yield from ScorePass(columns, profile).json(explained)


def statuses(parts: Iterable[Columns], profile: Profile) -> Iterator[ProjectStatus]:
    """Each project's monitoring lights, part by part (one :class:`StatusPass` a part)."""
    for columns in parts:
        yield from StatusPass(columns, profile).statuses()


def status_json(parts: Iterable[Columns], profile: Profile, explained: report.Explained) -> Iterator[str]:
    """Each project's line of :func:`kpitrack.report.status_json`, part by part."""
    for columns in parts:
        yield from StatusPass(columns, profile).json(explained)


class ScorePass:
    """The year-end self-evaluation (单位自评) of every project of ``columns`` under ``profile``.

    A project with a scoring section of its own (its printed weights) is scored under
    ``profile`` with that section laid over it (:meth:`kpitrack.profile.Profile.for_project`),
    made once per distinct section; its cases are its own.
    """

    def __init__(self, columns: Columns, profile: Profile) -> None:
        self.columns = columns
        self.sections = columns.sections()
        self.profiles = {section: profile for section in self.sections}
        for index, section in enumerate(self.sections):
            if section is not None and self.profiles[section] is profile:
                self.profiles[section] = profile.for_project(columns.project(index, ()).scoring)
        rows = _weighted(columns, self.sections, self.profiles)
        # A duration counts from the project's start: only its cases differ by start date.
        starts = _by_row(columns.starts())
        rows = rows.with_columns(start=pl.when(pl.col("kind") == Kind.DURATION.value).then(starts))
        self._cases, keys = _distinct(rows, [*_CASE, "weight", "start", "section"])
        records, year = columns.records, columns.year
        self.results: list[IndicatorScore] = [
            scoring.score_row(
                records.shaped(shape, code),
                _reading(columns, actual),
                _reading(columns, last_year),
                Decimal(weight),
                self.profiles[section],
                year=year,
                start=to_date(start),
            )
            for shape, code, actual, last_year, weight, start, section in keys
        ]

    def scores(self) -> Iterator[ProjectScore]:
        """Each project's :class:`~kpitrack.scoring.ProjectScore`, in id order."""
        for score, _ in self._projects():
            yield score

    def json(self, explained: report.Explained | None = None) -> Iterator[str]:
        """Each project's line of :func:`kpitrack.report.score_json`, each distinct row's text written once."""
        texts = [report.score_row_json(result) for result in self.results]
        explained = explained or {}
        for score, cases in self._projects():
            rows = ", ".join([texts[case] for case in cases])
            yield report.score_line(score, rows, explained.get(score.project.id, ()))

    def _projects(self) -> Iterator[tuple[ProjectScore, list[int]]]:
        columns, results = self.columns, self.results
        for index, cases in enumerate(_by_project(columns, self._cases)):
            profile = self.profiles[self.sections[index]]
            scores = tuple([results[case] for case in cases])
            project = columns.project(index, tuple([score.indicator for score in scores]))
            execution = scoring.execution_row(project.budget, columns.spent_by(index), profile)
            yield scoring.project_score(project, execution, scores, profile), cases


class StatusPass:
    """Mid-year monitoring (双监控) of every project of ``columns`` at its cut-off under ``profile``."""

    def __init__(self, columns: Columns, profile: Profile) -> None:
        self.columns, self.profile = columns, profile
        as_of, records = columns.as_of, columns.records
        self.projects = _projects(columns)
        self.elapsed = [monitoring.elapsed_share(project, as_of, profile) for project in self.projects]
        # p is the time share, or in the plan basis each project's own: a case holds it.
        share = _by_row([str(p) for p, _ in self.elapsed])
        self._cases, keys = _distinct(columns.rows.with_columns(p=share), [*_CASE, "p"])
        self.results: list[IndicatorStatus] = [
            monitoring.assess_indicator(
                records.shaped(shape, code),
                _reading(columns, actual),
                _reading(columns, last_year),
                Decimal(p),
                as_of,
                profile,
            )
            for shape, code, actual, last_year, p in keys
        ]

    def statuses(self) -> Iterator[ProjectStatus]:
        """Each project's :class:`~kpitrack.monitoring.ProjectStatus`, in id order."""
        for status, _ in self._projects():
            yield status

    def json(self, explained: report.Explained | None = None) -> Iterator[str]:
        """Each project's line of :func:`kpitrack.report.status_json`, each distinct row's text written once."""
        texts = [report.status_row_json(result) for result in self.results]
        explained = explained or {}
        for status, cases in self._projects():
            rows = ", ".join([texts[case] for case in cases])
            yield report.status_line(status, rows, explained.get(status.project.id, ()))

    def _projects(self) -> Iterator[tuple[ProjectStatus, list[int]]]:
        columns, profile, results, as_of = self.columns, self.profile, self.results, self.columns.as_of
        for index, cases in enumerate(_by_project(columns, self._cases)):
            project, elapsed = self.projects[index], self.elapsed[index]
            budget = monitoring.budget_status(project, columns.spent_by(index), as_of, elapsed[0], profile)
            indicators = tuple([results[case] for case in cases])
            yield monitoring.project_status(project, as_of, elapsed, budget, indicators), cases


def _reading(columns: Columns, text: str | None) -> Reading | None:
    """The reading of a reading text (see :meth:`kpitrack.store.bulk.Records.latest`), built once per text."""
    return None if text is None else columns.records.latest(text)


def _projects(columns: Columns) -> list[Project]:
    """Every project of ``columns`` with its indicators, in id order."""
    records, rows = columns.records, columns.rows
    codes, shapes, spans = rows["code"].to_list(), rows["shape"].to_list(), columns.spans()
    return [
        columns.project(index, tuple(map(records.shaped, shapes[start:end], codes[start:end])))
        for index, (start, end) in enumerate(itertools.pairwise(spans))
    ]


def _by_project(columns: Columns, cases: list[int]) -> Iterator[list[int]]:
    """The case of each row, project by project (in id order, each project's rows by position)."""
    spans = columns.spans()
    for start, end in itertools.pairwise(spans):
        yield cases[start:end]


def _distinct(rows: pl.DataFrame, key: list[str]) -> tuple[list[int], list[tuple[Any, ...]]]:
    """The case number of each row (in row order) and each distinct case's ``key`` values, by number."""
    cases = rows.select(key).unique(maintain_order=True).with_row_index("case")
    numbered = rows.select(key).join(cases, on=key, how="left", nulls_equal=True, maintain_order="left")
    return numbered["case"].cast(pl.Int64).to_list(), list(cases.select(key).iter_rows())


def _by_row(values: list[str | None]) -> pl.Expr:
    """A value given per project (in ``heads`` order) as a column of the rows."""
    return pl.col("project").replace_strict(list(range(len(values))), values, return_dtype=pl.String)


def _weighted(columns: Columns, sections: list[str | None], profiles: dict[str | None, Profile]) -> pl.DataFrame:
    """``columns.rows`` with each project's scoring ``section``, each indicator's target ``kind`` and ``weight`` (分值).

    The weight is :func:`kpitrack.scoring.indicator_weights`' in columns: its own when
    given, else its tier's remainder split equally (:func:`kpitrack.scoring.tier_share`,
    once per distinct tier of given weights), and nothing outside the profile's tiers.
    An indicator's tier (:meth:`kpitrack.profile.Profile.tier_of`) is found once per
    definition and section.
    """
    shapes = columns.records.shapes
    definitions = pl.DataFrame(
        {
            "shape": list(shapes),
            "given": [None if shape[4] is None else str(shape[4]) for shape in shapes.values()],
            "kind": [shape[6] for shape in shapes.values()],
        },
        schema={"shape": pl.Int64, "given": pl.String, "kind": pl.String},
    )
    rows = columns.rows.with_columns(section=_by_row(sections))
    rows = rows.join(definitions, on="shape", how="left", maintain_order="left")
    members = rows.group_by("shape", "section").agg(pl.col("code").first())  # a definition's tier, per section
    tiers = []
    for shape, section, code in members.iter_rows():
        profile = profiles[section]
        tier = profile.tier_of(columns.records.shaped(shape, code))
        tiers.append(tier if tier in profile.tier_weights else None)
    members = members.select("shape", "section").with_columns(tier=pl.Series(tiers, dtype=pl.String))
    rows = rows.join(members, on=["shape", "section"], how="left", nulls_equal=True, maintain_order="left")
    groups = (
        rows.filter(pl.col("tier").is_not_null())
        .group_by("project", "section", "tier")
        .agg(weights=pl.col("given").drop_nulls().str.join(" "), unweighted=pl.col("given").is_null().sum())
    )
    distinct = groups.select("section", "tier", "weights", "unweighted").unique()
    shares = [
        str(scoring.tier_share(profiles[section].tier_weights[tier], map(Decimal, weights.split()), unweighted))
        for section, tier, weights, unweighted in distinct.iter_rows()
    ]
    distinct = distinct.with_columns(share=pl.Series(shares, dtype=pl.String))
    key = ["section", "tier", "weights", "unweighted"]
    groups = groups.join(distinct, on=key, nulls_equal=True).select("project", "tier", "share")
    rows = rows.join(groups, on=["project", "tier"], how="left", maintain_order="left")
    weight = pl.when(pl.col("tier").is_null()).then(pl.lit("0")).otherwise(pl.coalesce("given", "share"))
    return rows.with_columns(weight=weight)
