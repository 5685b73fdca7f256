"""Web benchmark (网页基准): response times of the overview and 预警 pages over a generated province.

Generates the province with ``benchmarks/generate.py`` (or reuses it), loads its goals
and actuals into a SQLite file through the API (or reuses it), starts ``kpitrack
serve``'s application under uvicorn on 127.0.0.1 and a free port, and times requests
as a browser makes them (over HTTP).  The first request of a (year, cut-off) computes
the year's view (every project scored and assessed once, then cached); the figures
after it are the median of ``--repeat`` requests, which filter, sort and page the
cached view in memory.  A figure, not a test::

    .venv/bin/python benchmarks/bench_web.py --projects 10000 --workdir bench-data
"""

from __future__ import annotations

import argparse
import http.cookiejar
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import uvicorn

import kpitrack
from kpitrack.web import create_app

HERE = Path(__file__).resolve().parent


def province(projects: int, seed: int, workdir: Path) -> str:
    """The URL of a SQLite file holding the generated province's goals and actuals, made once."""
    data = workdir / f"province-{projects}-seed{seed}"
    if not (data / "spending-2021.csv").exists():
        print(f"generating {projects:,} projects into {data} …", flush=True)
        argv = [sys.executable, str(HERE / "generate.py"), f"--projects={projects}", f"--seed={seed}", f"--out={data}"]
        subprocess.run(argv, check=True)
    db = workdir / f"province-web-{projects}-seed{seed}.db"
    url = f"sqlite:///{db}"
    if not db.exists():
        started = time.perf_counter()
        partial = db.with_suffix(".loading")
        for leftover in workdir.glob(f"{partial.name}*"):
            leftover.unlink()
        with kpitrack.open(f"sqlite:///{partial}") as ws:
            ws.load_goals([data / "goals-2020.csv", data / "goals-2021.csv"])
            names = ("actuals-2020.csv", "actuals-2021.csv", "actuals-2021-corrections.csv", "spending-2021.csv")
            for name in names:
                ws.import_values([data / name], by="bench")
        partial.rename(db)
        print(f"loaded into {db} in {time.perf_counter() - started:.1f} s", flush=True)
    return url


def serve(url: str) -> tuple[uvicorn.Server, threading.Thread, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(url), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


COOKIES = http.cookiejar.CookieJar()
BROWSER = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(COOKIES))


def fetch(url: str, form: dict[str, str] | None = None) -> tuple[float, int]:
    """Seconds to fetch ``url`` whole (or post ``form`` to it) and its size in bytes; cookies kept as a browser's."""
    data = None if form is None else urllib.parse.urlencode(form).encode()
    started = time.perf_counter()
    with BROWSER.open(url, data=data, timeout=600) as reply:
        body = reply.read()
        if reply.status != 200:
            raise RuntimeError(f"{url}: {reply.status}")
    return time.perf_counter() - started, len(body)


def save_a_form(base: str, project: str) -> None:
    """Post a 填报 form (a quarter's money for one project, a correction with its note), then open the overview."""
    fetch(f"{base}/import")  # the CSRF cookie
    token = next(cookie.value or "" for cookie in COOKIES if cookie.name == "kpitrack_csrf")
    form = {"csrf": token, "project": project, "quarter": "2021Q1", "s|" + project: "0.01", "n|s|" + project: "bench"}
    took, _ = fetch(f"{base}/entry", form)
    print(f"{'save a 填报 form (one project)':<44} {took:>8.3f} s", flush=True)
    took, _ = fetch(f"{base}/?year=2021&as_of=2021Q2")
    print(f"{'the overview after it (the view updated)':<44} {took:>8.3f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("bench-data"))
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    url = province(args.projects, args.seed, args.workdir)
    with kpitrack.open(url) as ws:
        unit = ws.units(2021)[len(ws.units(2021)) // 2]
        first = ws.projects(2021, units=[unit])[0].id
    server, thread, base = serve(url)
    try:
        print(f"{args.projects:,} projects, database {url}")
        cold, size = fetch(f"{base}/?year=2021&as_of=2021Q2")
        print(f"{'first overview (computes the view)':<44} {cold:>8.2f} s  {size / 1e3:>8,.0f} kB", flush=True)
        quoted = urllib.parse.quote(unit)
        pages = {
            "overview, page 1": "/?year=2021&as_of=2021Q2",
            "overview, sorted by score, worst first": "/?year=2021&as_of=2021Q2&sort=total",
            "overview, one unit": f"/?year=2021&as_of=2021Q2&unit={quoted}",
            "overview, red lights, grade 差": "/?year=2021&as_of=2021Q2&light=red&grade=" + urllib.parse.quote("差"),
            "overview, search": "/?year=2021&as_of=2021Q2&q=" + urllib.parse.quote("经费"),
            "overview, page 100": "/?year=2021&as_of=2021Q2&page=100",
            "underperformers (预警)": "/underperformers?year=2021&as_of=2021Q2",
            "underperformers, one unit": f"/underperformers?year=2021&as_of=2021Q2&unit={quoted}",
            "overview.xlsx, one unit": f"/overview.xlsx?year=2021&as_of=2021Q2&unit={quoted}",
        }
        print(f"{'page (median of ' + str(args.repeat) + ')':<44} {'median':>10}  {'max':>8}  {'size':>10}")
        for label, path in pages.items():
            times, sizes = zip(*(fetch(base + path) for _ in range(args.repeat)), strict=True)
            median = statistics.median(times)
            print(f"{label:<44} {median:>8.3f} s  {max(times):>6.3f} s  {sizes[0] / 1e3:>7,.0f} kB", flush=True)
        save_a_form(base, first)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of the process (server, cached view and client): {peak:,.0f} MB")
    finally:
        server.should_exit = True
        thread.join()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
