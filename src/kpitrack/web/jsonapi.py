"""The JSON API for integrators (``/api/``): the command line's ``--format json`` records, over HTTP.

Each route streams exactly the text ``kpitrack score|status|underperforming
--format json`` prints (:mod:`kpitrack.report`'s records, one per line inside a
JSON array), so a province's records never sit in memory at once.  FastAPI
describes the routes at ``/api/openapi.json`` (and ``/api/docs``).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from kpitrack import report
from kpitrack.web.app import Web, web_of

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["records"])
WebDep = Annotated[Web, Depends(web_of)]
Units = Annotated[list[str] | None, Query(description="only the projects of this budget unit (预算单位), repeatable")]
Projects = Annotated[list[str] | None, Query(description="only this project (id or name), repeatable")]


def _json(texts: Iterable[str]) -> StreamingResponse:
    """Stream the records; the first is read before the reply starts, so a failure to read is an error reply."""
    records = iter(texts)
    first = next(records, None)
    return StreamingResponse(
        report.json_array(records if first is None else chain([first], records)), media_type="application/json"
    )


@router.get(
    "/score", summary="The year-end self-evaluation (自评表) of each project, as `kpitrack score --format json`"
)
def score(web: WebDep, year: int, unit: Units = None, project: Projects = None) -> StreamingResponse:
    return _json(web.ws.score_json(year, units=unit, projects=project))


@router.get("/status", summary="Mid-year monitoring (双监控) at a quarter end, as `kpitrack status --format json`")
def status(
    web: WebDep,
    as_of: Annotated[str, Query(description="the cut-off quarter, e.g. 2021Q2")],
    unit: Units = None,
    project: Projects = None,
) -> StreamingResponse:
    return _json(web.ws.status_json(as_of, units=unit, projects=project))


@router.get(
    "/underperforming",
    summary="The underperforming projects, worst first, as `kpitrack underperforming --format json`",
)
def underperforming(
    web: WebDep,
    year: int,
    as_of: Annotated[str | None, Query(description="a quarter of the year: the mid-year list")] = None,
    unit: Units = None,
    project: Projects = None,
) -> StreamingResponse:
    found = web.ws.underperforming(year, as_of, units=unit, projects=project)
    return _json(report.underperformer_json(found))
