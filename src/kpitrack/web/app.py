"""The web application (``kpitrack serve``): FastAPI over :func:`kpitrack.open`, pages from Jinja2 templates.

:func:`create_app` opens the workspace once and keeps what the pages share in a
:class:`Web` (the workspace, the year views' cache, the uploads waiting for
confirmation, the templates).  Every failure becomes a message page (or a JSON
problem list under ``/api/``), never a traceback; every POST must carry the CSRF
token; every page carries headers that allow only the package's own scripts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

import kpitrack
from kpitrack.api import Workspace
from kpitrack.monitoring import Light
from kpitrack.numbers import show
from kpitrack.periods import Period
from kpitrack.problems import Problem, ProblemsFound
from kpitrack.profile import Profile
from kpitrack.web import security
from kpitrack.web.i18n import Translator, chosen_language
from kpitrack.web.uploads import BadUpload, Uploads
from kpitrack.web.views import ViewCache, midyear

__all__ = ["UPLOAD_LIMIT", "Web", "create_app"]

HERE = Path(__file__).resolve().parent
UPLOAD_LIMIT = 20 * 1024 * 1024  # bytes: a province's quarter of actuals as CSV is well under it
LANGUAGE_COOKIE = "kpitrack_lang"
log = logging.getLogger("kpitrack.web")


class Web:
    """What every request shares: the workspace, the year views' cache, the uploads and the templates."""

    def __init__(self, ws: Workspace, *, upload_limit: int = UPLOAD_LIMIT) -> None:
        self.ws = ws
        self.cache = ViewCache(ws)
        self.uploads = Uploads(upload_limit)
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,  # every user text (names, notes, messages) is escaped, in every template
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals.update(num=_num, percent=_percent, cut_offs=cut_offs, entry_periods=entry_periods)

    def warm(self) -> None:
        """Compute the view the overview opens on (the latest year at its Q2), before anyone asks for it.

        At a province's scale the first view takes as long as ``kpitrack score`` and
        ``status`` together; started with the server, it is ready by the first visit.
        """
        try:
            years = self.ws.years()
            if years:
                self.cache.view(years[-1], midyear(years[-1]))
        except Exception:  # the request that needs the view will show what is wrong
            log.exception("computing the overview in advance failed")

    def close(self) -> None:
        self.uploads.close()
        self.ws.close()

    def page(self, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """A template rendered in the request's language, with the CSRF token for its forms."""
        t = translator(request)
        html = self.templates.get_template(name).render(
            request=request,
            t=t,
            lang=t.language,
            light_word=lambda light: light_word(t, light),
            csrf=request.state.csrf,
            path=request.url.path,
            query=str(request.url.query),
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def message(self, request: Request, title: str, lines: list[str], status_code: int) -> HTMLResponse:
        return self.page(request, "message.html", status_code, title=title, lines=lines)


def translator(request: Request) -> Translator:
    return Translator(chosen_language(request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)))


def cut_offs(year: int) -> list[tuple[str, str]]:
    """The cut-offs a page offers, one per month (1-7月 is the central rule's): (value, words)."""
    months = [Period.month(year, month) for month in range(1, 13)]
    return [(str(month.cut_off), month.months()) for month in months]


def entry_periods(year: int) -> list[Period]:
    """The periods a 填报 form offers: the quarters, the half years, then the months."""
    quarters = [Period.quarter(year, n) for n in range(1, 5)]
    return [*quarters, Period.half(year, 1), Period.half(year, 2), *(Period.month(year, m) for m in range(1, 13))]


def light_word(t: Translator, light: Light) -> str:
    return t(f"light_{light.value}")


def _num(value: Decimal | None) -> str:
    return "" if value is None else show(value)


def _percent(rate: Decimal | None) -> str:
    return "" if rate is None else f"{show(rate * 100)}%"


def web_of(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def create_app(
    url: str | None,
    profile: Profile | str | Path | None = None,
    *,
    upload_limit: int = UPLOAD_LIMIT,
    warm: bool = True,
) -> FastAPI:
    """The application over the database at ``url`` (see :func:`kpitrack.open`) and the scoring ``profile``.

    With ``warm``, the overview's first view is computed in a thread as the server
    starts.  Raises :class:`~kpitrack.problems.ProblemsFound` when the database cannot
    be opened.
    """
    from kpitrack.web import jsonapi, pages  # the routes need Web, defined above

    web = Web(kpitrack.open(url, profile=profile), upload_limit=upload_limit)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        warming = threading.Thread(target=web.warm, name="kpitrack-warm", daemon=True) if warm else None
        if warming is not None:
            warming.start()
        yield
        if warming is not None:
            warming.join()
        web.close()

    app = FastAPI(
        title="kpitrack",
        version=kpitrack.__version__,
        description="预算绩效目标: the self-evaluation (自评), mid-year monitoring (双监控) and the underperformers, "
        "as the command line's `--format json` gives them.",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's Swagger page loads its scripts from a CDN: /api/docs is the package's own page
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.web = web
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(jsonapi.router)
    app.middleware("http")(_guard(web))
    _handle_errors(app, web)
    return app


Next = Callable[[Request], Awaitable[Response]]


def _guard(web: Web) -> Callable[[Request, Next], Awaitable[Response]]:
    """The middleware: CSRF token and language cookies, the size limit of a POST, the security headers."""

    async def guard(request: Request, call_next: Next) -> Response:
        token = request.cookies.get(security.COOKIE)
        request.state.csrf = token or security.new_token()
        length = request.headers.get("content-length", "")
        if request.method == "POST" and not length.isdigit():
            # a body of unknown length would be read whole before its size could be refused; browsers give it
            t = translator(request)
            response: Response = web.message(request, t("error"), [t("no_length")], 411)
        elif request.method == "POST" and int(length) > web.uploads.limit + (1 << 20):
            t = translator(request)
            response = web.message(request, t("error"), [t("too_large", limit=web.uploads.limit >> 20)], 413)
        elif request.method == "POST" and not await security.matches(request):
            t = translator(request)
            response = web.message(request, t("error"), [t("csrf")], 403)
        else:
            response = await call_next(request)
        if not token:
            response.set_cookie(security.COOKIE, request.state.csrf, httponly=True, samesite="strict")
        asked = request.query_params.get("lang")
        if asked and asked == chosen_language(asked, None):
            response.set_cookie(LANGUAGE_COOKIE, asked, samesite="lax", max_age=365 * 24 * 3600)
        for name, value in security.HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return guard


def _problem_json(problems: list[Problem], status_code: int) -> JSONResponse:
    items = [{"where": p.where, "message": p.message} for p in problems]
    return JSONResponse({"problems": items}, status_code=status_code)


def _handle_errors(app: FastAPI, web: Web) -> None:
    """Every failure as a message page (JSON under /api/): the problems found, never a traceback."""

    def api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    async def problems_found(request: Request, error: Exception) -> Response:
        assert isinstance(error, ProblemsFound)
        found = [Problem(web.uploads.shown(p.where), p.message, p.severity) for p in error.problems]
        if api(request):
            return _problem_json(found, 400)
        return web.message(request, translator(request)("error"), [str(p) for p in found], 400)

    async def bad_upload(request: Request, error: Exception) -> Response:
        assert isinstance(error, BadUpload)
        t = translator(request)
        return web.message(request, t("error"), [t(error.key, **error.values)], 400)

    async def invalid(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        found = [
            Problem(".".join(str(part) for part in e.get("loc", ())[1:]) or "request", str(e.get("msg", "")))
            for e in error.errors()
        ]
        if api(request):
            return _problem_json(found, 400)
        return web.message(request, translator(request)("bad_request"), [str(p) for p in found], 400)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        if api(request):
            return _problem_json([Problem(request.url.path, str(error.detail))], error.status_code)
        t = translator(request)
        text = t("not_found") if error.status_code == 404 else str(error.detail)
        return web.message(request, t("error"), [text], error.status_code)

    async def crash(request: Request, error: Exception) -> Response:
        log.exception("failed: %s %s", request.method, request.url.path, exc_info=error)
        if api(request):
            return _problem_json([Problem(request.url.path, "internal error")], 500)
        request.state.csrf = getattr(request.state, "csrf", "")
        t = translator(request)
        return web.message(request, t("error"), [t("internal")], 500)

    app.add_exception_handler(ProblemsFound, problems_found)
    app.add_exception_handler(BadUpload, bad_upload)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, crash)
