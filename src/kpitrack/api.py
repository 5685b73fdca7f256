"""kpitrack's public Python API: the one way in for the command line, the web, the forms and the audit.

>>> import kpitrack
>>> with kpitrack.open("sqlite:///year.db") as ws:            # doctest: +SKIP
...     ws.load_goals(["goals/"])
...     ws.import_values(["examples/actuals-2021.csv", "examples/spending-2021.csv"])
...     for s in ws.score(2021):
...         print(s.project_id, s.total, s.grade.value)

A :class:`Workspace` is a database (SQLite by default, PostgreSQL by URL) and the
scoring profile in force.  Each method is one pipeline and reads like its table of
contents: read (``io``) → check (:mod:`kpitrack.checks`) → store (:mod:`kpitrack.store`),
or read the year (one reader) → evaluate (:mod:`kpitrack.scoring`,
:mod:`kpitrack.monitoring`).  Results are the core's frozen records; bad input raises
:class:`~kpitrack.problems.ProblemsFound` with every problem located and quoted, and
then nothing has been written.
"""

from __future__ import annotations

import builtins
import getpass
import itertools
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from os import PathLike
from pathlib import Path

import attrs

from kpitrack import audit, checks, evaluation, explanations, filled_forms, monitoring, report, scoring
from kpitrack.explanations import Explanation
from kpitrack.io import forms, intake, layout, load_goals, profilefile, selfeval
from kpitrack.io.tables import read_tables
from kpitrack.model import Project
from kpitrack.periods import InvalidPeriod, Period
from kpitrack.problems import Problem, ProblemsFound, Severity, ambiguous
from kpitrack.profile import DEFAULT, Profile
from kpitrack.readings import Progress
from kpitrack.store import (
    ActualRow,
    ActualsView,
    HistoryEntry,
    ImportResult,
    LoadReport,
    Revision,
    SpendingRow,
    Store,
    bulk,
    open_store,
)
from kpitrack.store.explaining import ExplanationRow

__all__ = [
    "AuditReport",
    "CheckReport",
    "GoalsLoaded",
    "History",
    "Workspace",
    "audit_files",
    "check_goals",
    "open",
    "parse_cut_off",
    "parse_period",
    "read_profile",
]

PathArg = str | PathLike[str]


@attrs.frozen
class CheckReport:
    """What checking goal files found: the projects read and every problem (errors and warnings).

    ``profile`` is the one they were checked under: its tiers are the summary's columns.
    """

    projects: tuple[Project, ...]
    problems: tuple[Problem, ...]
    profile: Profile = DEFAULT

    @property
    def ok(self) -> bool:
        """No errors (warnings alone pass, as ``kpitrack check`` exits 0 on them)."""
        return not any(p.severity is Severity.ERROR for p in self.problems)


@attrs.frozen
class GoalsLoaded:
    """What loading goals did (:class:`~kpitrack.store.LoadReport`) and the warnings the check found."""

    report: LoadReport
    warnings: tuple[Problem, ...] = ()

    @property
    def added(self) -> tuple[tuple[str, int], ...]:
        return self.report.added

    @property
    def revised(self) -> tuple[Revision, ...]:
        return self.report.revised

    @property
    def unchanged(self) -> tuple[tuple[str, int], ...]:
        return self.report.unchanged


@attrs.frozen
class History:
    """Every version recorded for a project (or one indicator), and the goal revisions (目标调整)."""

    project: Project
    indicator: str | None
    entries: tuple[HistoryEntry, ...]
    revisions: tuple[Revision, ...]
    explanations: tuple[Explanation, ...] = ()  # every version, of the year end and of each cut-off


def read_profile(path: PathArg | None) -> Profile:
    """The default profile, or a profile file over it; a bad file raises :class:`ProblemsFound`."""
    if path is None:
        return DEFAULT
    profile, problems = profilefile.load(Path(path))
    if profile is None:
        raise ProblemsFound(problems)
    return profile


def check_goals(paths: Iterable[PathArg], profile: Profile = DEFAULT) -> CheckReport:
    """Read goal files (TOML, flat CSV/XLSX tables, folders) → every problem a finance officer would catch.

    Needs no database: the checks judge the files alone, against ``profile``'s tiers (with each
    project's own scoring section over them), as :meth:`Workspace.load_goals` does.
    """
    projects, problems = load_goals(_paths(paths))
    problems += checks.validate(projects, profile)
    return CheckReport(tuple(projects), tuple(problems), profile)


@attrs.frozen
class AuditReport:
    """What auditing filled-in 自评表 found: each table audited (in the order read), and the files not read."""

    tables: tuple[audit.AuditedTable, ...]
    problems: tuple[Problem, ...]

    @property
    def summary(self) -> audit.Summary:
        return audit.summarise(self.tables, len(self.problems))

    @property
    def ok(self) -> bool:
        """Every file read and every table consistent (``kpitrack audit`` exits 0)."""
        return not self.problems and not any(table.flags for table in self.tables)


def audit_files(
    paths: Iterable[PathArg],
    profile: Profile | PathArg | None = None,
    *,
    tolerance: Decimal = audit.DEFAULT_TOLERANCE,
    layouts: Sequence[layout.Layout] = (),
) -> AuditReport:
    """复核: read filled-in self-evaluation tables → re-score every row by ``profile``'s rules → what breaks them.

    Needs no database.  Files (flat or official layout, CSV or XLSX, or folders of
    them) that cannot be read are problems; every table that was read is audited,
    one bad table never stopping the others.  ``layouts`` are a province's 自评表 layouts,
    whose column headers are read too.  (Named ``audit_files``: ``kpitrack.audit`` is the
    core module.)
    """
    rules = profile if isinstance(profile, Profile) else read_profile(profile)
    tables, problems = selfeval.read_paths(_paths(paths), layouts)
    return AuditReport(tuple(audit.audit(table, rules, tolerance) for table in tables), tuple(problems))


def open(url: str | None = None, *, profile: Profile | PathArg | None = None) -> Workspace:
    """The workspace at ``url``, else ``$KPITRACK_DB``, else ``./kpitrack.db``; migrated to the newest schema.

    ``profile`` is the scoring profile in force (a :class:`~kpitrack.profile.Profile` or
    a profile file); every method that scores takes its own ``profile`` too.
    """
    chosen = profile if isinstance(profile, Profile) else read_profile(profile)
    return Workspace(open_store(url), chosen)


class Workspace:
    """A kpitrack database and the profile in force: goals, values and money in; scores, lights and lists out."""

    def __init__(self, store: Store, profile: Profile = DEFAULT) -> None:
        self.store = store
        self.profile = profile

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- what the database holds ---------------------------------------------------------

    def years(self) -> list[int]:
        return self.store.years()

    def version(self) -> tuple[int, ...]:
        """A token that changes whenever anything is written (by any process): what a cache of results keys on."""
        return self.store.version()

    def units(self, year: int) -> list[str]:
        """The budget units (预算单位) with projects in ``year``, sorted."""
        return self.store.units(year)

    def projects(
        self, year: int, *, units: Sequence[str] | None = None, projects: Sequence[str] | None = None
    ) -> list[Project]:
        """The current goals of ``year`` (all, or those of ``units`` and ``projects``), in id order."""
        return self.store.projects(year, self._chosen(year, projects, units))

    def find_project(self, key: str, year: int | None = None) -> Project:
        """A project by id or exact name, in ``year`` or else its latest year; unknown → closest matches."""
        return self.store.find_project(key, year)

    # -- goals -------------------------------------------------------------------------

    def check_goals(self, paths: Iterable[PathArg], profile: Profile | None = None) -> CheckReport:
        """:func:`check_goals` under the workspace's profile (or ``profile``)."""
        return check_goals(paths, self._profile(profile))

    def load_goals(self, paths: Iterable[PathArg], profile: Profile | None = None) -> GoalsLoaded:
        """Read → check → write goals, all or nothing: a changed target becomes a dated revision.

        Raises :class:`ProblemsFound` (nothing written) when any check finds an error.
        """
        with intake.checked_goals(_paths(paths), self._profile(profile)) as goals:
            report = self.store.load_goals(goals.projects)
        return GoalsLoaded(report, tuple(goals.problems))

    # -- recording ---------------------------------------------------------------------

    def import_values(
        self,
        paths: Iterable[PathArg],
        *,
        dry_run: bool = False,
        by: str | None = None,
        layouts: Sequence[layout.Layout] = (),
    ) -> ImportResult:
        """Import actuals and spending tables (CSV/XLSX) and filled-in forms, in one transaction, all or nothing.

        A workbook whose sheets carry a form's title (自评表, 绩效运行监控表: ``kpitrack
        form``) is read as that form: what the unit filled in (实际完成值 or 1-N月执行情况,
        and the explanations) becomes values and explanations; ``layouts`` are a province's
        form layouts, recognised before kpitrack's own.  Raises
        :class:`ProblemsFound` with every bad row or cell located (nothing written).  Rows with a blank
        value are not reported and skipped; the result says how many (``blank``).
        """
        tables, problems, filled = [], [], []
        known = [*layouts, *(layout.builtin(form) for form in ("selfeval", "monitor"))]
        for path in _paths(paths):
            sheets, trouble = forms.read_filled(path, known)
            if sheets or trouble:
                filled.extend(sheets)
                problems.extend(trouble)
                continue
            found, trouble = read_tables(path)
            tables.extend(found)
            problems.extend(trouble)
        form_values, form_explained = filled_forms.rows(filled, self.store, self.profile, problems)
        if problems:
            raise ProblemsFound(problems)
        actual_rows = itertools.chain(form_values, *(table.actuals for table in tables))  # streamed, not held
        spending_rows = itertools.chain.from_iterable(table.spending for table in tables)
        explained = itertools.chain(form_explained, *(table.explanations for table in tables))
        result = self._write(actual_rows, spending_rows, by=by, dry_run=dry_run, explanation_rows=explained)
        blank = sum(table.blank for table in tables) + _blank_form_rows(filled)  # tables' counted as they were read
        return attrs.evolve(result, blank=blank)

    def record(
        self,
        project: str,
        indicator: str,
        value: str,
        *,
        period: str | Period,
        note: str | None = None,
        by: str | None = None,
    ) -> ImportResult:
        """Record an indicator's value (实际完成值) for a period; a second value for it supersedes the first."""
        row = ActualRow("", 0, project.strip(), indicator.strip(), str(parse_period(period)), value, note or "")
        return self._write([row], (), by=by)

    def spend(
        self,
        project: str,
        amount: str | Decimal,
        *,
        period: str | Period,
        note: str | None = None,
        by: str | None = None,
    ) -> ImportResult:
        """Record money spent (资金执行, 万元) in a period; a second amount for it supersedes the first."""
        row = SpendingRow("", 0, project.strip(), str(parse_period(period)), str(amount), note or "")
        return self._write((), [row], by=by)

    def record_rows(
        self,
        actual_rows: Iterable[ActualRow] = (),
        spending_rows: Iterable[SpendingRow] = (),
        *,
        dry_run: bool = False,
        by: str | None = None,
    ) -> ImportResult:
        """Record many values and amounts at once, all or nothing, checked exactly as :meth:`import_values` checks.

        For a form of many fields (the web's 填报 page): each row's ``source`` and
        ``number`` say where it came from, and every problem is located there.
        Raises :class:`ProblemsFound` (nothing written) when any row is bad.
        """
        return self._write(actual_rows, spending_rows, by=by, dry_run=dry_run)

    def explain(
        self,
        project: str,
        indicator: str,
        text: str,
        *,
        year: int | None = None,
        as_of: str | Period | None = None,
        cause: str | None = None,
        likelihood: str | None = None,
        measures: str | None = None,
        by: str | None = None,
    ) -> ImportResult:
        """Explain an indicator's deviation: for the year end (``year``: 偏差原因分析及改进措施) or a cut-off
        (``as_of``: the cause's text, with its category ``cause``, ``likelihood`` and 纠偏 ``measures``).

        ``indicator`` ``预算执行`` (or 资金执行, 项目资金) explains the project's budget row
        instead, the same way.  A second explanation of the same indicator and period
        supersedes the first; every version is kept with who wrote it and when.
        """
        if (year is None) == (as_of is None):
            raise ProblemsFound([Problem("period", "give either the year (year end) or as_of (a cut-off)")])
        period = str(year) if year is not None else str(parse_cut_off(as_of or "", where="as_of"))
        row = ExplanationRow("", project, indicator, period, text, cause or "", likelihood or "", measures or "")
        return self._write((), (), by=by, explanation_rows=[row])

    def explanations(
        self,
        period: int | str | Period,
        *,
        units: Sequence[str] | None = None,
        projects: Sequence[str] | None = None,
        indicator: str | None = None,
        every_version: bool = False,
    ) -> builtins.list[Explanation]:
        """The explanations of a year end (``2021``) or a cut-off (``2021Q2``), current ones or every version.

        In project-id order, each project's budget row (预算执行) first, then its indicators
        in order, oldest version first.  ``indicator``: one indicator's id, or ``预算执行``.
        """
        try:
            key = explanations.parse_period(str(period))
        except explanations.InvalidExplanation as invalid:
            raise ProblemsFound([Problem("period", str(invalid))]) from None
        year = int(key[:4])
        chosen = self._chosen(year, projects, units)
        if indicator is not None and explanations.is_budget(indicator):
            indicator = explanations.BUDGET
        return self.store.explanations(year, key, chosen, indicator=indicator, every_version=every_version)

    def _write(
        self,
        actual_rows: Iterable[ActualRow],
        spending_rows: Iterable[SpendingRow],
        *,
        by: str | None,
        dry_run: bool = False,
        explanation_rows: Iterable[ExplanationRow] = (),
    ) -> ImportResult:
        bands, words = self.profile.grade_bands, self.profile.value_words
        result = self.store.record_rows(
            actual_rows,
            spending_rows,
            by=by or _user(),
            bands=bands,
            words=words,
            dry_run=dry_run,
            explanation_rows=explanation_rows,
        )
        if result.problems:
            raise ProblemsFound(result.problems)
        return result

    # -- reading back ------------------------------------------------------------------

    def progress(
        self,
        year: int,
        as_of: str | Period | None = None,
        *,
        units: Sequence[str] | None = None,
        projects: Sequence[str] | None = None,
    ) -> Iterator[Progress]:
        """Each chosen project's year to ``as_of`` (default: the year end), in id order: one reader for all.

        Raises :class:`ProblemsFound` before yielding anything when a named project or
        unit is unknown, or when ``year`` has no goals.
        """
        cut_off = Period.year_end(year) if as_of is None else parse_cut_off(as_of, where="--as-of", year=year)
        return itertools.chain.from_iterable(map(bulk.progresses, self._parts(cut_off, units, projects)))

    def score(
        self,
        year: int,
        *,
        units: Sequence[str] | None = None,
        projects: Sequence[str] | None = None,
        profile: Profile | None = None,
    ) -> Iterator[scoring.ProjectScore]:
        """The year-end self-evaluation (单位自评, 自评表) of each chosen project, in id order."""
        return evaluation.scores(self._parts(Period.year_end(year), units, projects), self._profile(profile))

    def score_json(
        self,
        year: int,
        *,
        units: Sequence[str] | None = None,
        projects: Sequence[str] | None = None,
        profile: Profile | None = None,
    ) -> Iterator[str]:
        """:meth:`score` as the lines of :func:`kpitrack.report.score_json`, each distinct row written once.

        Each line lists the indicators still missing their explanation for the year end.
        """
        parts = self._parts(Period.year_end(year), units, projects)
        explained = report.explained_by_project(self.explanations(year, units=units, projects=projects))
        return evaluation.score_json(parts, self._profile(profile), explained)

    def status(
        self,
        as_of: str | Period,
        *,
        units: Sequence[str] | None = None,
        projects: Sequence[str] | None = None,
        profile: Profile | None = None,
    ) -> Iterator[monitoring.ProjectStatus]:
        """Mid-year monitoring (双监控) at ``as_of``: lights for money and indicators, per project in id order."""
        parts = self._parts(parse_cut_off(as_of, where="--as-of"), units, projects)
        return evaluation.statuses(parts, self._profile(profile))

    def status_json(
        self,
        as_of: str | Period,
        *,
        units: Sequence[str] | None = None,
        projects: Sequence[str] | None = None,
        profile: Profile | None = None,
    ) -> Iterator[str]:
        """:meth:`status` as the lines of :func:`kpitrack.report.status_json`, each distinct row written once.

        Each line lists the red and yellow indicators still missing their explanation for the cut-off.
        """
        cut_off = parse_cut_off(as_of, where="--as-of")
        parts = self._parts(cut_off, units, projects)
        explained = report.explained_by_project(self.explanations(cut_off, units=units, projects=projects))
        return evaluation.status_json(parts, self._profile(profile), explained)

    def _parts(
        self, as_of: Period, units: Sequence[str] | None, projects: Sequence[str] | None
    ) -> Iterator[bulk.Columns]:
        """The chosen projects of ``as_of``'s year as columns, a part at a time; an unknown project, unit or year
        is a problem, raised here (before anything is read)."""
        year = as_of.year
        chosen = self._chosen(year, projects, units)
        if chosen is None and not self.store.count(year):
            raise ProblemsFound([Problem("--year", f"no goals for {year} in the database")])
        return self.store.chunks(year, as_of, chosen)

    def underperforming(
        self,
        year: int,
        as_of: str | Period | None = None,
        *,
        units: Sequence[str] | None = None,
        projects: Sequence[str] | None = None,
        profile: Profile | None = None,
    ) -> list[monitoring.Underperformer]:
        """The projects that fall short, worst first, with their reasons.

        With ``as_of``: the red, then yellow projects at that cut-off.  Without: the year
        end, by the profile's cut-off (``underperforming_below``), missing data and
        execution floor (``execution_floor``).
        """
        chosen = self._profile(profile)
        if as_of is None:
            scores = self.score(year, units=units, projects=projects, profile=chosen)
            return monitoring.underperformers_year_end(scores, chosen)
        cut_off = parse_cut_off(as_of, where="--as-of", year=year)
        statuses = self.status(cut_off, units=units, projects=projects, profile=chosen)
        return monitoring.underperformers_midyear(statuses)

    def history(self, project: str, indicator: str | None = None, *, year: int | None = None) -> History:
        """Every version of a project's values and spending (or one indicator's), who, when, why; its revisions.

        ``indicator`` ``预算执行`` gives the budget row's: the money spent, the project's own
        revisions (its budget, its plan …) and the budget's explanations.
        """
        found = self.store.find_project(project, year)
        if indicator is not None and explanations.is_budget(indicator):
            return self._budget_history(found)
        code = None
        if indicator is not None:
            chosen = found.indicator(indicator)
            if chosen is None:
                raise ProblemsFound([Problem(indicator, f"project {found.id} has no indicator with this id or name")])
            named = [i.id for i in found.indicators if i.name == indicator]
            if chosen.id != indicator and len(named) > 1:
                message = ambiguous("indicators", named, f"of project {found.id}")
                raise ProblemsFound([Problem(indicator, message)])
            code = chosen.id
        entries = self.store.history(found, code)
        revisions = [r for r in self.store.revisions(found.id, found.year) if code is None or r.indicator == code]
        explained = self.store.explanations(found.year, None, [found.id], indicator=code, every_version=True)
        return History(found, code, tuple(entries), tuple(revisions), tuple(explained))

    def _budget_history(self, found: Project) -> History:
        entries = [entry for entry in self.store.history(found) if entry.indicator is None]
        revisions = [r for r in self.store.revisions(found.id, found.year) if r.indicator is None]
        budget = explanations.BUDGET
        explained = self.store.explanations(found.year, None, [found.id], indicator=budget, every_version=True)
        return History(found, budget, tuple(entries), tuple(revisions), tuple(explained))

    def actuals(self, project: str, as_of: str | Period | None = None) -> ActualsView:
        """A project's values by period and year to date beside its targets, and its money spent."""
        if as_of is None:
            found = self.store.find_project(project)
            return self.store.actuals(found, Period.year_end(found.year))
        cut_off = parse_cut_off(as_of, where="--as-of")
        return self.store.actuals(self.store.find_project(project, cut_off.year), cut_off)

    # -- helpers -------------------------------------------------------------------------

    def _profile(self, profile: Profile | None) -> Profile:
        return self.profile if profile is None else profile

    def _chosen(
        self, year: int, projects: Sequence[str] | None, units: Sequence[str] | None
    ) -> builtins.list[str] | None:
        """The ids of the projects named (by id or name, in their order), then those of ``units``; None: all."""
        if not projects and not units:
            return None
        named = [self.store.find_project(key, year).id for key in projects or ()]
        seen = set(named)
        from_units = self.store.unit_projects(year, units) if units else []
        return [*named, *(key for key in from_units if key not in seen)]


def _blank_form_rows(filled: Iterable[forms.FilledSheet]) -> int:
    """The indicator rows of filled forms where the unit filled in nothing: not reported."""
    return sum(1 for sheet in filled for row in sheet.rows if not any(text for text, _ in row.cells.values()))


def _paths(paths: Iterable[PathArg]) -> list[Path]:
    if isinstance(paths, str | PathLike):  # one path given alone
        return [Path(paths)]
    return [Path(p) for p in paths]


def parse_period(value: str | Period, *, where: str = "--period", year: int | None = None) -> Period:
    """A period from ``2021Q3``, ``2021-07`` or ``2021H1``; bad text, or a period not of ``year``, is a problem."""
    if isinstance(value, Period):
        period = value
    else:
        try:
            period = Period.parse(value)
        except InvalidPeriod as invalid:
            raise ProblemsFound([Problem(where, f"{value!r}: {invalid.reason}")]) from None
    if year is not None and period.year != year:
        raise ProblemsFound([Problem(where, f"{str(value)!r} is not a period of --year {year}")])
    return period


def parse_cut_off(value: str | Period, *, where: str = "--as-of", year: int | None = None) -> Period:
    """A monitoring cut-off (``2021-07``: 1-7月; ``2021Q2``), named as :attr:`Period.cut_off` names it."""
    return parse_period(value, where=where, year=year).cut_off


def _user() -> str:
    """Who records, when the caller does not say: the OS user."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in a bare container
        return "unknown"
