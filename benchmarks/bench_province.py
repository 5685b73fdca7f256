"""Province-scale benchmark (省级规模基准): load, import, score, monitor a synthetic province on SQLite.

Generates the province with ``benchmarks/generate.py`` (or reuses it), then on a fresh
SQLite file times each stage as the real installed ``kpitrack`` command in a child
process, and prints its wall time, rows per second and the child's peak memory
(RSS, from ``os.wait4``).  ``score`` is also timed in-process (bulk path + scoring,
no JSON).  Two yardsticks come with the figures: the issue's bare SQLite ``GROUP BY``
summing the year's actuals per indicator (``score`` should stay within about three
times it), and a fixed pure-Python loop at the start and the end, since this
machine's speed drifts by up to 1.6x within minutes: compare runs only at similar
loop times.  A figure, not a test::

    .venv/bin/python benchmarks/bench_province.py --projects 100000 --workdir bench-data

With ``--url postgresql://…`` the stages run on that (empty) PostgreSQL database
instead; the yardstick's ``GROUP BY`` then runs on the server and is timed by the
clock.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KPITRACK = Path(sys.executable).with_name("kpitrack")


def _count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def run_stage(label: str, argv: list[str], rows: int | None, output: Path | None = None) -> float:
    """Run one child process; print wall time, rows/s and its peak RSS."""
    started = time.perf_counter()
    with open(output or os.devnull, "wb") as sink:
        child = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE)
        assert child.stderr is not None
        errors = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    rate = f"{rows / elapsed:>12,.0f} rows/s" if rows else " " * 19
    peak = usage.ru_maxrss / 1024  # KiB on Linux; the larger of the command's processes
    cpu = usage.ru_utime + usage.ru_stime  # of the command and its waited-for children (the second half)
    failed = "" if child.returncode == 0 else f"  EXIT {child.returncode}: {errors.decode()[-300:].strip()}"
    print(f"{label:<34} {elapsed:>8.1f} s  {rate}  peak {peak:>7,.0f} MB  cpu {cpu:>6.1f} s{failed}", flush=True)
    return elapsed


def python_loop() -> float:
    """CPU seconds of a fixed pure-Python loop: this machine's speed at the moment."""
    started = time.process_time()
    total = 0
    for i in range(40_000_000):
        total += i
    return time.process_time() - started


def bare_aggregation(db: Path | str) -> float:
    """Seconds of the issue's yardstick: one ``GROUP BY`` summing every actual per indicator.

    On SQLite (a file) the CPU of this process, which runs the query; on PostgreSQL
    (a URL) the wall time, as the server runs it.
    """
    query = "SELECT indicator_id, sum(number) FROM actuals GROUP BY indicator_id"
    if isinstance(db, str):
        import sqlalchemy as sa

        engine = sa.create_engine(db)
        try:
            with engine.connect() as connection:
                started = time.perf_counter()
                cursor = connection.exec_driver_sql(query).cursor
                while cursor.fetchmany(10_000):
                    pass
                return time.perf_counter() - started
        finally:
            engine.dispose()
    sqlite = sqlite3.connect(db)
    try:
        started = time.process_time()
        cursor = sqlite.execute(query)
        while cursor.fetchmany(10_000):
            pass
        return time.process_time() - started
    finally:
        sqlite.close()


def _empty(url: str) -> bool:
    """Whether the PostgreSQL database at ``url`` holds no tables (the benchmark loads into it)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return not sa.inspect(connection).get_table_names()
    finally:
        engine.dispose()


def in_process_score(url: str) -> None:
    from kpitrack import scoring
    from kpitrack.periods import Quarter
    from kpitrack.profile import DEFAULT
    from kpitrack.store import bulk, open_store

    store = open_store(url)
    started = time.perf_counter()
    projects = indicators = 0
    evaluate = scoring.evaluator(DEFAULT)
    for progress in bulk.progress(store.engine, 2021, Quarter(2021, 4)):
        evaluate(progress)
        projects += 1
        indicators += len(progress.project.indicators)
    elapsed = time.perf_counter() - started
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{'score, in process (no JSON)':<34} {elapsed:>8.1f} s  {indicators / elapsed:>12,.0f} rows/s  "
        f"peak {peak:>7,.0f} MB  ({projects:,} projects)",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("bench-data"))
    parser.add_argument("--skip", default="", help="comma-separated stages to skip: load,import,score,status,under")
    parser.add_argument(
        "--url",
        help="an empty PostgreSQL database to run on instead of a fresh SQLite file "
        "(e.g. postgresql://postgres@127.0.0.1:5432/province)",
    )
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    data = args.workdir / f"province-{args.projects}-seed{args.seed}"
    if not (data / "spending-2021.csv").exists():
        print(f"generating {args.projects:,} projects into {data} …", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                f"--projects={args.projects}",
                f"--seed={args.seed}",
                f"--out={data}",
            ],
            check=True,
        )
    db = args.workdir / f"province-{args.projects}.db"
    url = args.url or f"sqlite:///{db}"
    if "load" not in skip:
        if args.url and not _empty(args.url):
            parser.error(f"{args.url} holds tables: give an empty database, or --skip load,import to reuse it")
        for leftover in args.workdir.glob(f"{db.name}*") if not args.url else ():
            leftover.unlink()
    kp = [str(KPITRACK)]
    print(f"kpitrack {KPITRACK}, database {args.url or db}, {os.cpu_count()} CPUs")
    print(f"machine speed at the start: a fixed Python loop took {python_loop():.2f} s of CPU", flush=True)
    print(f"{'stage':<34} {'wall':>10}  {'rate':>19}  {'peak RSS':>15}  {'CPU':>10}")
    if "load" not in skip:
        for year in (2021, 2020):
            goals = data / f"goals-{year}.csv"
            run_stage(f"goals load {goals.name}", [*kp, "goals", "load", str(goals), "--db", url], _count_rows(goals))
    if "import" not in skip:
        for name in ("actuals-2020.csv", "actuals-2021.csv", "actuals-2021-corrections.csv", "spending-2021.csv"):
            path = data / name
            run_stage(f"import {name}", [*kp, "import", str(path), "--by", "bench", "--db", url], _count_rows(path))
    indicators = _count_rows(data / "goals-2021.csv")
    if "score" not in skip:
        out = args.workdir / "score.json"
        took = run_stage(
            "score --format json", [*kp, "score", "--year", "2021", "--format", "json", "--db", url], indicators, out
        )
        print(f"{'':<34} ({out.stat().st_size / 1e6:,.0f} MB of JSON in {out})")
        bare = max(bare_aggregation(args.url or db), 1e-6)
        print(f"{'':<34} (the bare GROUP BY of every actual: {bare:.1f} s; score took {took / bare:.1f} times it)")
        # In a process of its own: a child started later inherits this process's peak RSS
        # (Linux keeps it across fork and exec), which would show as the later stages' peak.
        scorer = multiprocessing.get_context("spawn").Process(target=in_process_score, args=(url,))
        scorer.start()
        scorer.join()
    if "status" not in skip:
        argv_status = [*kp, "status", "--as-of", "2021Q2", "--format", "json", "--db", url]
        run_stage("status --as-of 2021Q2", argv_status, indicators, args.workdir / "status.json")
    if "under" not in skip:
        argv_under = [*kp, "underperforming", "--year", "2021", "--format", "json", "--db", url]
        run_stage("underperforming", argv_under, indicators, args.workdir / "underperforming.json")
        argv_midyear = [*argv_under, "--as-of", "2021Q2"]
        run_stage("underperforming --as-of 2021Q2", argv_midyear, indicators, args.workdir / "underperforming-q2.json")
    print(f"machine speed at the end: the same loop took {python_loop():.2f} s of CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
