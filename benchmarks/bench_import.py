"""Benchmark: ``kpitrack import`` of a province's quarterly actuals (实际完成值) on SQLite.

Run (after ``benchmarks/generate.py`` made the province, see README)::

    .venv/bin/python benchmarks/bench_import.py --province bench-data/province-100000 --repeat 2

The province's goals are loaded once into ``<workdir>/goals-<name>.db`` (kept, reused).
Each run copies that file and imports ``actuals-2021.csv`` into the copy with the
installed ``kpitrack import`` in a child process, and prints the wall time, rows
per second, the CPU time of the child and of any processes it waited for
(``os.wait4``) and peak memory: the largest single process (``ru_maxrss``) and,
sampled every 0.2 s, the peak of the sum over the child and its descendants of RSS
and of PSS (pages shared between processes shared out).  Then it
imports the corrections file into the last copy (a few thousand rows into a year
that already holds values: the look-up path), and last, the way a year is really
recorded: Q1 and Q2 into a fresh copy, then Q3 alone into the year holding them.
A figure, not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

KPITRACK = Path(sys.executable).with_name("kpitrack")


def _rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux ``/proc``)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending.extend(int(c) for c in children)
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """RSS and PSS of one process in KiB (0, 0 once it has gone)."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def _cpu_s(pid: int) -> float:
    """User + system CPU time of one process so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Sampler(threading.Thread):
    """Every 0.2 s: the sums of RSS and PSS over a process tree (peaks kept), and each process's CPU time.

    A process's CPU time is its last sample (up to 0.2 s short): with two processes
    it shows which one the import waits for.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.rss, self.pss, self.stop = pid, 0, 0, threading.Event()
        self.cpu: dict[int, float] = {}

    def run(self) -> None:
        while not self.stop.wait(0.2):
            tree = _tree(self.pid)
            sizes = [_memory_kb(pid) for pid in tree]
            self.rss = max(self.rss, sum(r for r, _ in sizes))
            self.pss = max(self.pss, sum(p for _, p in sizes))
            for pid in tree:
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), _cpu_s(pid))


def run_child(label: str, argv: list[str], rows: int) -> None:
    """Run one child process; print wall time, rows/s, its CPU time and peak memory."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    sampler = _Sampler(child.pid)
    sampler.start()
    out, err = child.stdout.read(), child.stderr.read()
    sampler.stop.set()
    sampler.join()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss / 1024  # KiB on Linux: the largest single process
    print(
        f"{label:<30} {elapsed:>7.1f} s {rows / elapsed:>10,.0f} rows/s  cpu {cpu:>6.1f} s  "
        f"peak {peak:>6,.0f} MB (sum of RSS {sampler.rss / 1024:,.0f} MB, PSS {sampler.pss / 1024:,.0f} MB)",
        flush=True,
    )
    if len(sampler.cpu) > 1:
        shares = " + ".join(f"{seconds:.1f}" for seconds in sampler.cpu.values())
        print(f"  cpu by process (sampled; the importer first): {shares} s")
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
    quarterly(args.workdir, goals_db, actuals)


def quarterly(workdir: Path, goals_db: Path, actuals: Path) -> None:
    """The way a year is really recorded: Q1 and Q2 imported, then Q3 alone into the year holding them.

    The Q3 import is the one timed: every batch looks up the current values it might
    supersede, and its rows go into the index among the earlier quarters'.
    """
    first_half, third = workdir / "actuals-2021-q1q2.csv", workdir / "actuals-2021-q3.csv"
    with (
        actuals.open(encoding="utf-8") as rows,
        first_half.open("w", encoding="utf-8") as half,
        third.open("w", encoding="utf-8") as q3,
    ):
        header = next(rows)
        half.write(header)
        q3.write(header)
        for line in rows:
            if ",2021Q1," in line or ",2021Q2," in line:
                half.write(line)
            elif ",2021Q3," in line:
                q3.write(line)
    target = workdir / "quarterly-run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(goals_db, target)
    for path in (first_half, third):
        argv = [str(KPITRACK), "import", str(path), "--by", "bench", "--db", f"sqlite:///{target}"]
        run_child(f"import {path.name}", argv, _rows(path))


if __name__ == "__main__":
    main()
