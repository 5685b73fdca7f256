"""``kpitrack serve``: the web workspace on this machine (loopback unless told otherwise).

Opens the database (``--db``, else ``$KPITRACK_DB``, else ``./kpitrack.db``) once, then
serves the pages and the JSON API with uvicorn until interrupted.
"""

from __future__ import annotations

import argparse

from kpitrack.cli._options import add_db, add_profile


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="the web workspace: overview, projects, entry, import, underperformers and a JSON API",
        description="Serve the web workspace over the database. It binds 127.0.0.1 (this machine only) unless "
        "--host says otherwise; there is no login, so bind another address only on a trusted network.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    add_db(serve)
    add_profile(serve)
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn  # the web's dependencies load only for this command

    from kpitrack.web import create_app

    app = create_app(args.db, args.profile)  # an unreachable database is a ProblemsFound, printed by main
    print(f"kpitrack serve: http://{args.host}:{args.port}/  (Ctrl-C stops)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
