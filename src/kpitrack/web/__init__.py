"""The web workspace (``kpitrack serve``): the overview, project, entry, import and 预警 pages and a JSON API.

A thin layer over :func:`kpitrack.open`, as the command line is: see
:func:`create_app`.
"""

from kpitrack.web.app import create_app

__all__ = ["create_app"]
