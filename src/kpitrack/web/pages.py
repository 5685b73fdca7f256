"""The pages: 总览 (overview), 项目 (a project), 填报 (entry), 导入 (import), 预警 (underperformers).

Each route reads its parameters, asks the API (or the year views' cache, for the
two pages that cover a whole province) and renders a template.  Writes go
through the API, all or nothing, and clear the cache.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.requests import Request

from kpitrack.api import parse_cut_off, parse_period
from kpitrack.model import LEVEL1, Project
from kpitrack.monitoring import Light
from kpitrack.periods import Period
from kpitrack.problems import Problem, ProblemsFound
from kpitrack.scoring import ProjectScore
from kpitrack.store import ActualsView, ImportResult
from kpitrack.web import entry as entry_form
from kpitrack.web import exports
from kpitrack.web.app import Web, entry_periods, light_word, translator, web_of
from kpitrack.web.views import SORTABLE, Listed, Selection, YearView, midyear, pages, select, worst_units

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(web_of)]
Units = Annotated[list[str] | None, Query()]
PER_PAGE = 50
UNITS = 20  # units in the overview's summary, worst first, unless the filter names them
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _years(web: Web) -> list[int]:
    """The years with goals; none is a problem the page shows (a fresh database)."""
    years = web.ws.years()
    if not years:
        raise ProblemsFound([Problem("database", "no goals loaded yet: run kpitrack goals load first")])
    return years


def _year_and_cutoff(web: Web, year: int | None, as_of: str | None) -> tuple[int, Period]:
    """The year asked for (else the latest with goals) and its cut-off (else mid-year, Q2: 双监控)."""
    years = _years(web)
    chosen = years[-1] if year is None else year
    if chosen not in years:
        raise ProblemsFound(
            [Problem("year", f"{chosen}: no goals for this year (years: {', '.join(map(str, years))})")]
        )
    return chosen, _cut_off(as_of, chosen)


def _cut_off(as_of: str | None, year: int) -> Period:
    """The cut-off asked for in ``year``, else mid-year (:func:`~kpitrack.web.views.midyear`)."""
    return parse_cut_off(as_of, where="as_of", year=year) if as_of else midyear(year)


def _selection(units: list[str] | None, light: str, grade: str, q: str, sort: str, desc: bool, page: int) -> Selection:
    return Selection(
        tuple(u for u in units or () if u),
        light,
        grade,
        q,
        sort if sort in SORTABLE else "id",
        desc,
        max(page, 1),
        PER_PAGE,
    )


# --- 总览 ---------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request,
    web: WebDep,
    year: int | None = None,
    as_of: str | None = None,
    unit: Units = None,
    light: str = "",
    grade: str = "",
    q: str = "",
    sort: str = "id",
    desc: bool = False,
    page: int = 1,
) -> HTMLResponse:
    """Every project of the year at the cut-off, filtered, sorted and paged in memory from the cached view."""
    chosen_year, cut_off = _year_and_cutoff(web, year, as_of)
    view = web.cache.view(chosen_year, cut_off)
    chosen = _selection(unit, light, grade, q, sort, desc, page)
    kept = select(view.rows, chosen)
    count = len(kept)
    last = pages(count, chosen.per_page)
    number = min(chosen.page, last)
    shown = kept[(number - 1) * chosen.per_page : number * chosen.per_page]
    return web.page(
        request,
        "overview.html",
        view=view,
        rows=shown,
        count=count,
        page=number,
        pages=last,
        chosen=chosen,
        years=web.ws.years(),
        all_units=[(u.unit, u.unit) for u in view.units],
        summary=[u for u in view.units if u.unit in chosen.units] if chosen.units else worst_units(view.units, UNITS),
        lights=[light for light in Light],
        grades=["优", "良", "中", "差"],
        link=lambda **changes: _link(request, changes),
    )


def _link(request: Request, changes: dict[str, Any]) -> str:
    """The current URL with some query parameters changed (sorting, paging) and the others kept."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, str(v).lower() if isinstance(v, bool) else str(v)) for k, v in changes.items() if v is not None]
    return "/?" + urlencode(params)


@router.get("/overview.xlsx")
def overview_xlsx(
    request: Request,
    web: WebDep,
    year: int | None = None,
    as_of: str | None = None,
    unit: Units = None,
    light: str = "",
    grade: str = "",
    q: str = "",
    sort: str = "id",
    desc: bool = False,
) -> Response:
    """The overview as shown (filters and sort), every page, as a workbook."""
    chosen_year, cut_off = _year_and_cutoff(web, year, as_of)
    view = web.cache.view(chosen_year, cut_off)
    kept = select(view.rows, _selection(unit, light, grade, q, sort, desc, 1))
    t = translator(request)
    body = exports.overview_xlsx(kept, t, lambda light: light_word(t, light))
    return _download(body, f"overview-{chosen_year}-{cut_off}.xlsx")


def _download(body: bytes, filename: str) -> Response:
    return Response(body, media_type=XLSX, headers={"content-disposition": f'attachment; filename="{filename}"'})


# --- 项目 ---------------------------------------------------------------------------------------


@router.get("/project/{key}", response_class=HTMLResponse)
def project_page(
    request: Request, web: WebDep, key: str, year: int | None = None, as_of: str | None = None
) -> HTMLResponse:
    """A project: its goal tree with every period, the light and expected year end, the score, history, charts."""
    ws = web.ws
    project = ws.find_project(key, year)
    cut_off = _cut_off(as_of, project.year)
    actuals = ws.actuals(project.id, Period.year_end(project.year))
    (status,) = ws.status(cut_off, projects=[project.id])
    (score,) = ws.score(project.year, projects=[project.id])
    history = ws.history(project.id, year=project.year)
    explained = [
        *ws.explanations(cut_off, projects=[project.id]),
        *ws.explanations(project.year, projects=[project.id]),
    ]
    lights = {item.indicator.id: item for item in status.indicators}
    scores = {item.indicator.id: item for item in score.indicators}
    return web.page(
        request,
        "project.html",
        project=project,
        as_of=cut_off,
        actuals=actuals,
        quarters=actuals.periods(),
        status=status,
        score=score,
        lights=lights,
        scores=scores,
        history=history,
        explained=explained,
        spending_chart=_spending_chart(actuals, translator(request)),
        tier_chart=_tier_chart(score, translator(request)),
    )


def _spending_chart(actuals: ActualsView, t: Any) -> dict[str, Any]:
    """Cumulative spending by period against the cumulative fund plan and 序时进度 (budget × elapsed share)."""
    project, periods = actuals.project, actuals.periods()
    spent = [actuals.spending.get(p, Decimal(0)) for p in periods]
    return {
        "quarters": [str(p) for p in periods],
        "series": [
            {"name": t("cumulative_spent"), "data": _running(spent)},
            {"name": t("cumulative_plan"), "data": [float(project.plan.released_by(p.last)) for p in periods]},
            {"name": t("time_line"), "data": [float(project.budget * p.elapsed) for p in periods]},
        ],
        "unit": t("money"),
    }


def _running(values: list[Decimal]) -> list[float]:
    """Running sums, as floats for the chart only (computation stays in Decimal)."""
    total, out = Decimal(0), []
    for value in values:
        total += value
        out.append(float(total))
    return out


def _tier_chart(score: ProjectScore, t: Any) -> dict[str, Any]:
    """The score by tier (预算执行, 产出, 效益, 满意度) beside each tier's weight."""
    names = [t("execution_row")]
    weights, scored = [score.execution.weight], [score.execution.score]
    for level1 in LEVEL1:
        items = [item for item in score.indicators if item.indicator.level1 == level1]
        if items:
            names.append(level1)
            weights.append(sum((item.weight for item in items), Decimal(0)))
            scored.append(sum((item.score for item in items), Decimal(0)))
    return {
        "tiers": names,
        "series": [
            {"name": t("weight"), "data": [float(w) for w in weights]},
            {"name": t("score"), "data": [float(s) for s in scored]},
        ],
    }


# --- 填报 ---------------------------------------------------------------------------------------


def _entry_scope(web: Web, project: str, unit: str, quarter: str) -> tuple[list[Project], Period]:
    """The projects a 填报 form covers (one, a unit's, or none yet) and its period (the ``quarter`` parameter: a
    quarter, half year or month; default: Q2 of the latest year)."""
    ws = web.ws
    if quarter:
        period = parse_period(quarter, where="quarter")
    else:
        period = midyear(ws.find_project(project).year if project else _years(web)[-1])
    if project:
        return [ws.find_project(project, period.year)], period
    return (ws.projects(period.year, units=[unit]) if unit else []), period


@router.get("/entry", response_class=HTMLResponse)
def entry_page(request: Request, web: WebDep, project: str = "", unit: str = "", quarter: str = "") -> HTMLResponse:
    """The form for a quarter of one project, or of every project of a unit; without either, the chooser."""
    projects, period = _entry_scope(web, project, unit, quarter)
    form = entry_form.blank_form(web.ws, projects, period)
    return _entry(request, web, form, project, unit)


def _entry(
    request: Request,
    web: WebDep,
    form: entry_form.EntryForm,
    project: str,
    unit: str,
    *,
    result: ImportResult | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    ws = web.ws
    year = form.quarter.year
    ids = [block.project.id for block in form.blocks]
    scores = {s.project.id: s for s in ws.score(year, projects=ids)} if ids else {}
    return web.page(
        request,
        "entry.html",
        status_code,
        form=form,
        chosen_project=project,
        chosen_unit=unit,
        scores=scores,
        result=result,
        all_projects=[(row.id, f"{row.id} {row.name}") for row in web.cache.view(year, midyear(year)).rows],
        all_units=[(unit, unit) for unit in ws.units(year)],
        quarters=entry_periods(year),
        grades=entry_form.GRADES,
    )


@router.post("/entry", response_class=HTMLResponse)
async def entry_save(request: Request, web: WebDep) -> HTMLResponse:
    """Record the posted form, all or nothing; with any problem, the form comes back with it at its field."""
    async with request.form() as posted_form:
        posted = {k: v for k, v in posted_form.multi_items() if isinstance(v, str)}
    project, unit, quarter = posted.get("project", ""), posted.get("unit", ""), posted.get("quarter", "")
    by = posted.get("by", "").strip() or "web"
    t = translator(request)
    projects, period = _entry_scope(web, project, unit, quarter)
    before = web.cache.version()
    form, result = entry_form.submit(web.ws, projects, period, posted, by=by, note_required=t("needs_note"))
    if result is None:
        return _entry(request, web, form, project, unit, status_code=400)
    web.cache.recorded(period.year, [p.id for p in projects], before, result)
    return _entry(request, web, form, project, unit, result=result)


# --- 导入 ---------------------------------------------------------------------------------------


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, web: WebDep) -> HTMLResponse:
    return web.page(request, "import.html", problems=[], result=None, token="", filename="", done=None)


@router.post("/import", response_class=HTMLResponse)
def import_preview(
    request: Request,
    web: WebDep,
    file: Annotated[UploadFile, File()],
    by: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Keep the upload under a token and check it (dry run): every problem at its row and cell, or what would change."""
    token = web.uploads.keep(file.filename or "", file.file)
    path = web.uploads.path(token)
    try:
        result = web.ws.import_values([path], dry_run=True)
    except ProblemsFound as found:
        web.uploads.discard(token)
        problems = [Problem(web.uploads.shown(p.where), p.message) for p in found.problems]
        return web.page(
            request, "import.html", 400, problems=problems, result=None, token="", filename=path.name, done=None
        )
    return web.page(
        request, "import.html", problems=[], result=result, token=token, filename=path.name, done=None, by=by
    )


@router.post("/import/confirm", response_class=HTMLResponse)
def import_confirm(
    request: Request, web: WebDep, token: Annotated[str, Form()], by: Annotated[str, Form()] = ""
) -> HTMLResponse:
    """Write the previewed upload (checked again, all or nothing), then forget it."""
    path = web.uploads.path(token)
    before = web.cache.version()
    try:
        done = web.ws.import_values([path], by=by.strip() or "web")
    except BaseException:
        web.cache.invalidate()
        raise
    web.cache.imported(before, done)
    web.uploads.discard(token)
    return web.page(request, "import.html", problems=[], result=None, token="", filename=path.name, done=done)


# --- 预警 ---------------------------------------------------------------------------------------


@router.get("/underperformers", response_class=HTMLResponse)
def underperformers(
    request: Request,
    web: WebDep,
    year: int | None = None,
    as_of: str | None = None,
    unit: Units = None,
    page: int = 1,
) -> HTMLResponse:
    """The mid-year (red, then yellow at the cut-off) and year-end lists, worst first, with their reasons."""
    chosen_year, cut_off = _year_and_cutoff(web, year, as_of)
    view = web.cache.view(chosen_year, cut_off)
    units = {u for u in unit or () if u}
    midyear, year_end = _lists(view, units)
    last = pages(max(len(midyear), len(year_end)), PER_PAGE)
    number = min(max(page, 1), last)
    window = slice((number - 1) * PER_PAGE, number * PER_PAGE)
    return web.page(
        request,
        "underperformers.html",
        view=view,
        midyear=midyear[window],
        year_end=year_end[window],
        counts=(len(midyear), len(year_end)),
        page=number,
        pages=last,
        first=(number - 1) * PER_PAGE,
        years=web.ws.years(),
        all_units=[(u.unit, u.unit) for u in view.units],
        chosen_units=sorted(units),
    )


def _lists(view: YearView, units: set[str]) -> tuple[list[Listed], list[Listed]]:
    midyear = [item for item in view.midyear if not units or item.unit in units]
    year_end = [item for item in view.year_end if not units or item.unit in units]
    return midyear, year_end


@router.get("/underperformers.xlsx")
def underperformers_xlsx(
    request: Request, web: WebDep, year: int | None = None, as_of: str | None = None, unit: Units = None
) -> Response:
    chosen_year, cut_off = _year_and_cutoff(web, year, as_of)
    view = web.cache.view(chosen_year, cut_off)
    midyear, year_end = _lists(view, {u for u in unit or () if u})
    t = translator(request)
    body = exports.underperformers_xlsx(
        [(str(cut_off), midyear), (str(chosen_year), year_end)], t, lambda light: light_word(t, light)
    )
    return _download(body, f"underperformers-{chosen_year}-{cut_off}.xlsx")


# --- the API's description ---------------------------------------------------------------------------


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request, web: WebDep) -> HTMLResponse:
    """The JSON API's routes and parameters, read from its OpenAPI description (``/api/openapi.json``)."""
    paths = request.app.openapi()["paths"]
    routes = [(path, item["get"]) for path, item in sorted(paths.items()) if "get" in item]
    return web.page(request, "api.html", routes=routes)
