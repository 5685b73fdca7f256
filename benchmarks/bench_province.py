"""Province-scale benchmark (省级规模基准): load, import, score, monitor a synthetic province on SQLite.

Generates the province with ``benchmarks/generate.py`` (or reuses it), then on a fresh
SQLite file times each stage as the real installed ``kpitrack`` command in a child
process, and prints its wall time, rows per second, the child's peak memory (RSS,
from ``os.wait4``) and CPU time.  ``score`` is also timed in-process through the
public API (``kpitrack.open(url).score(2021)``, no JSON).  Three yardsticks come with
the figures: the issue's bare SQLite ``GROUP BY`` summing the year's actuals per
indicator (``score``, ``status`` and ``underperforming`` print their ratio to it; the
issue asks at most 3 times; the ``GROUP BY`` is timed in CPU, so a stage's CPU ratio
is the one a busy machine disturbs least), the pandas baseline ``bench_pandas.py`` on
the province's CSVs in the same run (its ratio to ``score``; the issue asks kpitrack
to be faster), and a fixed pure-Python loop and the load average at the start and the
end, since this machine's speed drifts: compare runs only at similar loop times.
A figure, not a test::

    .venv/bin/python benchmarks/bench_province.py --projects 100000 --workdir bench-data

The pandas stage needs ``pip install pandas`` in the same environment (it is skipped
otherwise).  With ``--url postgresql://…`` the stages run on that (empty) PostgreSQL
database instead; the yardstick's ``GROUP BY`` then runs on the server and is timed by
the clock.
"""

from __future__ import annotations

import argparse
import importlib.util
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


def run_stage(
    label: str, argv: list[str], rows: int | None, output: Path | None = None, bare: float | None = None
) -> tuple[float, float]:
    """Run one child process; print wall time, rows/s, its peak RSS, CPU and its ratio to ``bare`` if given.

    Returns its wall and CPU seconds.
    """
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
    cpu = usage.ru_utime + usage.ru_stime  # of the command and any children it waited for
    ratio = f"  {elapsed / bare:>5.1f}x GROUP BY (cpu {cpu / bare:.1f}x)" if bare else ""
    failed = "" if child.returncode == 0 else f"  EXIT {child.returncode}: {errors.decode()[-300:].strip()}"
    print(f"{label:<34} {elapsed:>8.1f} s  {rate}  peak {peak:>7,.0f} MB  cpu {cpu:>6.1f} s{ratio}{failed}", flush=True)
    return elapsed, cpu


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


def in_process_score(url: str, bare: float) -> None:
    """``score`` through the public API in this process: the one reader and the scoring, no JSON."""
    import kpitrack

    started, cpu_started = time.perf_counter(), time.process_time()
    projects = indicators = 0
    with kpitrack.open(url) as workspace:
        for score in workspace.score(2021):
            projects += 1
            indicators += len(score.indicators)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{'score, in process (API, no JSON)':<34} {elapsed:>8.1f} s  {indicators / elapsed:>12,.0f} rows/s  "
        f"peak {peak:>7,.0f} MB  cpu {cpu:>6.1f} s  {elapsed / bare:>5.1f}x GROUP BY (cpu {cpu / bare:.1f}x)  "
        f"({projects:,} projects)",
        flush=True,
    )


def pandas_baseline(
    data: Path, workdir: Path, rows: int, score_json: Path | None, took: tuple[float, float] | None
) -> None:
    """The pandas yardstick on the province's CSVs, timed like a stage, with its ratio to kpitrack's ``score``."""
    if importlib.util.find_spec("pandas") is None:
        print(f"{'pandas baseline (bench_pandas.py)':<34} skipped: pip install pandas to run it", flush=True)
        return
    argv = [sys.executable, str(HERE / "bench_pandas.py"), f"--province={data}", f"--out={workdir / 'pandas.csv'}"]
    if score_json is not None and score_json.exists():
        argv.append(f"--compare={score_json}")
    report = workdir / "pandas.txt"
    elapsed, cpu = run_stage("pandas baseline (bench_pandas.py)", argv, rows, report)
    if took:
        print(
            f"{'':<34} (pandas took {elapsed / took[0]:.2f} times kpitrack's score --format json "
            f"in wall time, {cpu / took[1]:.2f} in CPU)"
        )
    for line in report.read_text(encoding="utf-8").splitlines():
        print(f"{'':<34} ({line.strip()})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("bench-data"))
    stages = "load,import,score,status,under,pandas"
    parser.add_argument("--skip", default="", help=f"comma-separated stages to skip: {stages}")
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
    loop, load = python_loop(), os.getloadavg()[0]
    print(f"machine speed at the start: a fixed Python loop took {loop:.2f} s of CPU; load average {load:.1f}")
    print(f"{'stage':<34} {'wall':>10}  {'rate':>19}  {'peak RSS':>15}  {'CPU':>10}  {'ratio':>14}")
    if "load" not in skip:
        for year in (2021, 2020):
            goals = data / f"goals-{year}.csv"
            run_stage(f"goals load {goals.name}", [*kp, "goals", "load", str(goals), "--db", url], _count_rows(goals))
    if "import" not in skip:
        for name in ("actuals-2020.csv", "actuals-2021.csv", "actuals-2021-corrections.csv", "spending-2021.csv"):
            path = data / name
            run_stage(f"import {name}", [*kp, "import", str(path), "--by", "bench", "--db", url], _count_rows(path))
    indicators = _count_rows(data / "goals-2021.csv")
    bare = max(bare_aggregation(args.url or db), 1e-6)
    clock = "wall, on the server" if args.url else "CPU"
    print(f"{'bare GROUP BY of every actual':<34} {bare:>8.2f} s  ({clock}; the ratios' yardstick)", flush=True)
    took, out = None, args.workdir / "score.json"
    if "score" not in skip:
        argv_score = [*kp, "score", "--year", "2021", "--format", "json", "--db", url]
        took = run_stage("score --format json", argv_score, indicators, out, bare)
        print(f"{'':<34} ({out.stat().st_size / 1e6:,.0f} MB of JSON in {out})")
        # In a process of its own: a child started later inherits this process's peak RSS
        # (Linux keeps it across fork and exec), which would show as the later stages' peak.
        scorer = multiprocessing.get_context("spawn").Process(target=in_process_score, args=(url, bare))
        scorer.start()
        scorer.join()
    if "status" not in skip:
        argv_status = [*kp, "status", "--as-of", "2021Q2", "--format", "json", "--db", url]
        run_stage("status --as-of 2021Q2", argv_status, indicators, args.workdir / "status.json", bare)
    if "under" not in skip:
        argv_under = [*kp, "underperforming", "--year", "2021", "--format", "json", "--db", url]
        run_stage("underperforming", argv_under, indicators, args.workdir / "underperforming.json", bare)
        argv_midyear = [*argv_under, "--as-of", "2021Q2"]
        under_q2 = args.workdir / "underperforming-q2.json"
        run_stage("underperforming --as-of 2021Q2", argv_midyear, indicators, under_q2, bare)
    if "pandas" not in skip:
        pandas_baseline(data, args.workdir, indicators, out if "score" not in skip else None, took)
    loop, load = python_loop(), os.getloadavg()[0]
    print(f"machine speed at the end: the same loop took {loop:.2f} s of CPU; load average {load:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
