"""Benchmark: ``kpitrack import`` of a province's quarterly actuals (实际完成值) on SQLite.

Run (after ``benchmarks/generate.py`` made the province, see README)::

    .venv/bin/python benchmarks/bench_import.py --province bench-data/province-100000 --repeat 2

The province's goals are loaded once into ``<workdir>/goals-<name>.db`` (kept, reused).
Each run copies that file and imports ``actuals-2021.csv`` into the copy with the
installed ``kpitrack import`` in a child process, and prints the wall time, rows
per second, the child's CPU time and peak memory (RSS, ``os.wait4``).  Then it
imports the corrections file into the last copy (a few thousand rows into a year
that already holds values: the look-up path).  A figure, not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

KPITRACK = Path(sys.executable).with_name("kpitrack")


def _rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def run_child(label: str, argv: list[str], rows: int) -> None:
    """Run one child process; print wall time, rows/s, its CPU time and peak RSS."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    out, err = child.stdout.read(), child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    print(
        f"{label:<30} {elapsed:>7.1f} s {rows / elapsed:>10,.0f} rows/s  cpu {cpu:>6.1f} s  peak {peak:>6,.0f} MB",
        flush=True,
    )
    if code != 0:
        print(f"  EXIT {code}: {err.decode()[-300:].strip()}")
    else:
        print(f"  {out.decode().splitlines()[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", type=Path, required=True, help="a folder made by benchmarks/generate.py")
    parser.add_argument("--workdir", type=Path, default=Path("bench-data/import"))
    parser.add_argument("--repeat", type=int, default=1, help="import runs (timings on a busy machine vary)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    goals_db = args.workdir / f"goals-{args.province.name}.db"
    if not goals_db.exists():
        print(f"loading the goals into {goals_db} (once) …", flush=True)
        loading = goals_db.with_suffix(".loading")
        argv = [str(KPITRACK), "goals", "load", str(args.province / "goals-2021.csv"), "--db", f"sqlite:///{loading}"]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        loading.rename(goals_db)
    actuals = args.province / "actuals-2021.csv"
    rows = _rows(actuals)
    target = args.workdir / "import-run.db"
    for n in range(1, args.repeat + 1):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(goals_db, target)
        argv = [str(KPITRACK), "import", str(actuals), "--by", "bench", "--db", f"sqlite:///{target}"]
        run_child(f"import {actuals.name} #{n}", argv, rows)
    corrections = args.province / "actuals-2021-corrections.csv"
    if corrections.exists():
        argv = [str(KPITRACK), "import", str(corrections), "--by", "bench", "--db", f"sqlite:///{target}"]
        run_child(f"import {corrections.name}", argv, _rows(corrections))


if __name__ == "__main__":
    main()
