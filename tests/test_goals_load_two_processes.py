"""``goals load`` of a province in two processes (双进程载入): the same database, output and errors as in one.

A forked child reads, builds and checks the goals and sends them in batches; this
process writes them in one transaction.  The threshold that keeps small files in one
process is lowered here to nothing, and the batches made tiny.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from conftest import load_generator, run
from kpitrack.io import intake
from kpitrack.store import _rows, goals

TABLES = {
    "projects": "id",
    "fund_plans": "project_id, position",
    "indicators": "id",
    "indicator_shapes": "id",
    "revisions": "id",
}


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "BATCH", 7)
    monkeypatch.setattr(goals, "_CHUNK", 5)
    monkeypatch.setattr(_rows, "IN_LIST", 5)


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Two processes for any file: the list counts the children started."""
    started: list[int] = []
    start = intake._start

    def counted(*args: Any) -> Any:
        started.append(1)
        return start(*args)

    monkeypatch.setattr(intake, "FORK_MIN_BYTES", 0)
    monkeypatch.setattr(intake, "_start", counted)
    return started


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("province")
    load_generator().generate(40, 3, folder)
    return folder / "goals-2021.csv"


def content(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as connection:
        return {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            for table, order in TABLES.items()
        }


def load(capsys: pytest.CaptureFixture[str], path: Path, db: Path) -> tuple[int, str, str]:
    return run(capsys, "goals", "load", str(path), "--db", f"sqlite:///{db}")


def test_two_processes_write_the_same_database_and_print_the_same_lines(
    province: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    one = load(capsys, province, tmp_path / "one.db")
    with monkeypatch.context() as patch:
        started: list[int] = []
        start = intake._start
        patch.setattr(intake, "FORK_MIN_BYTES", 0)
        patch.setattr(intake, "_start", lambda *args: started.append(1) or start(*args))
        two = load(capsys, province, tmp_path / "two.db")
        assert started == [1]
    assert one[0] == 0 and "warning: " in one[1]  # the generated province has warnings to print, in order
    assert two == one
    stored = content(tmp_path / "two.db")
    assert len(stored["indicators"]) > 400 and len(stored["projects"]) == 40
    assert stored == content(tmp_path / "one.db")


def test_a_second_load_in_two_processes_changes_nothing_and_a_changed_target_is_a_revision(
    province: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], forks: list[int]
) -> None:
    db = tmp_path / "kpitrack.db"
    assert load(capsys, province, db)[0] == 0
    before = content(db)
    code, out, _ = load(capsys, province, db)
    assert (code, out.splitlines()[-1]) == (0, "0 added, 0 revised, 40 unchanged")
    assert content(db) == before

    rows = list(csv.reader(province.read_text(encoding="utf-8").splitlines()))
    rows[-1][rows[0].index("三级指标")] = "新" + rows[-1][rows[0].index("三级指标")]  # in the last batch
    changed = tmp_path / "goals-2021.csv"
    with changed.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(rows)
    code, out, _ = load(capsys, changed, db)
    assert code == 0
    assert out.splitlines()[-1] == "0 added, 1 revised, 39 unchanged"
    assert len(content(db)["revisions"]) == 1
    assert forks == [1, 1, 1]


def test_an_error_in_the_last_batch_leaves_nothing_written(
    province: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    forks: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = list(csv.reader(province.read_text(encoding="utf-8").splitlines()))
    rows[-1][rows[0].index("指标值")] = "≥9O家"  # the last project is built, and found bad, in the last batch
    bad = tmp_path / "goals-2021.csv"
    with bad.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(rows)
    inserted: list[str] = []
    insert = goals._insert
    monkeypatch.setattr(goals, "_insert", lambda c, new, r: inserted.extend(p.id for p in new) or insert(c, new, r))
    db = tmp_path / "kpitrack.db"
    code, out, err = load(capsys, bad, db)
    assert (code, out) == (1, "")
    error = f"{bad}: row {len(rows)}, column 指标值: cannot read target '≥9O家': unknown unit 'O家'"
    assert [line for line in err.splitlines() if ": warning: " not in line] == [error]
    assert forks == [1]
    assert len(inserted) == 35  # five batches of 7 went into the store …
    assert all(rows == [] for rows in content(db).values())  # … and were rolled back


def test_a_reading_process_that_dies_leaves_nothing_written(
    province: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    forks: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def dies_after_the_first_batch(paths: Any, tier_weights: Any, sender: Any) -> None:
        projects = intake._checked(paths, tier_weights, [])
        numbers: dict[int, int] = {}
        sent: list[Any] = []
        new: list[Any] = []
        rows = [intake._row(next(projects), numbers, sent, new) for _ in range(intake.BATCH)]
        sender.send_bytes(intake.pickle.dumps(("batch", new, rows)))
        intake.os._exit(3)

    monkeypatch.setattr(intake, "_child", dies_after_the_first_batch)
    db = tmp_path / "kpitrack.db"
    code, out, err = load(capsys, province, db)
    assert (code, out) == (1, "")
    assert err == "goals load: the process reading the goals ended before it finished (exit code 3)\n"
    assert all(rows == [] for rows in content(db).values())


def test_a_database_that_cannot_be_opened_ends_the_reading_process(
    province: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], forks: list[int]
) -> None:
    code, out, err = load(capsys, province, tmp_path / "no such folder" / "kpitrack.db")
    assert (code, out) == (1, "")
    assert "cannot open the database: no folder" in err
    assert forks == [1]
    assert multiprocessing.active_children() == []  # the child was ended, not left blocked on the pipe


def test_only_tables_from_the_threshold_are_read_in_a_second_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "goals.csv"
    table.write_text("项目编码,项目名称\n" + "p01,项目\n" * 100, encoding="utf-8")
    size = table.stat().st_size
    monkeypatch.setattr(intake, "FORK_MIN_BYTES", size)
    assert intake.worth_forking([table]) is (len(os.sched_getaffinity(0)) >= 2)
    assert intake.worth_forking([tmp_path]) is (len(os.sched_getaffinity(0)) >= 2)  # a folder: its tables
    monkeypatch.setattr(intake, "FORK_MIN_BYTES", size + 1)
    assert not intake.worth_forking([table])
    monkeypatch.setattr(intake, "FORK_MIN_BYTES", None)
    assert not intake.worth_forking([table])
