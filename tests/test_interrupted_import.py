"""An import killed while it writes leaves the database exactly as it was (one transaction).

A real ``kpitrack import`` process is killed (SIGKILL: no cleanup of its own) once it
has visibly written rows that are not yet committed: SQLite's write-ahead log or the
PostgreSQL heap of ``actuals`` has grown.  The database must then hold what it held
before, and the same import must still run to the end afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from kpitrack.cli import main
from kpitrack.store import open_store

PROJECTS, INDICATORS, QUARTERS = 5000, 10, 4


def write_goals(path: Path) -> None:
    lines = ["项目编码,项目名称,单位,年度,年度资金总额,Q4,二级指标,三级指标,指标编码,指标值"]
    for p in range(PROJECTS):
        for i in range(INDICATORS):
            head = f"P{p:05d},项目{p},单位,2021,10,10" if i == 0 else f"P{p:05d},,,,,"
            lines.append(f"{head},数量指标,检查次数{i}（次）,I{i:02d},≥10次")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_actuals(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("project,indicator,period,value\n")
        for p in range(PROJECTS):
            for i in range(INDICATORS):
                for q in range(1, QUARTERS + 1):
                    out.write(f"P{p:05d},I{i:02d},2021Q{q},{q + 1}\n")


def written_uncommitted(db_url: str, database: Path) -> bool:
    """Has the import written data pages that no commit has made visible yet?"""
    if db_url.startswith("sqlite"):
        wal = database.with_name(database.name + "-wal")
        return wal.exists() and wal.stat().st_size > 2_000_000
    with psycopg.connect(db_url, autocommit=True) as connection:
        row = connection.execute("SELECT pg_relation_size('actuals')").fetchone()
    return row is not None and row[0] > 2_000_000


def current_values(db_url: str) -> list[tuple[int, str, bool]]:
    with open_store(db_url) as store, store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT period, text, current FROM actuals ORDER BY id"))
        return [(int(period), str(text), bool(current)) for period, text, current in rows]


def test_a_killed_import_leaves_the_database_as_it_was(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    goals, actuals = tmp_path / "goals.csv", tmp_path / "actuals.csv"
    write_goals(goals)
    write_actuals(actuals)
    assert main(["goals", "load", str(goals), "--db", db_url]) == 0
    assert main(["record", "P00000", "I00", "7", "--period", "2021Q1", "--db", db_url]) == 0
    capsys.readouterr()
    before = current_values(db_url)
    assert before == [(20210301, "7次", True)]

    command = [sys.executable, "-m", "kpitrack", "import", str(actuals), "--db", db_url]
    importer = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    database = tmp_path / "kpitrack.db"
    deadline = time.monotonic() + 120
    while not written_uncommitted(db_url, database):
        assert importer.poll() is None, "the import ended before it could be interrupted"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.005)
    os.kill(importer.pid, signal.SIGKILL)
    assert importer.wait() == -signal.SIGKILL

    assert current_values(db_url) == before

    # The database is intact: the same import now runs to the end.
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    assert finished.returncode == 0, finished.stderr
    after = current_values(db_url)
    assert len(after) == PROJECTS * INDICATORS * QUARTERS + 1
    assert after[0] == (20210301, "7次", False)  # superseded by the file's 2次, and kept
