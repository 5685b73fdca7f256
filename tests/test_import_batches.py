"""A long import: its rows checked and written batch by batch, the catalog read as rows name projects.

The look-ahead, the batch and the statement size are shrunk so that a few rows take
the long import's path with many batches; each behaviour must be the one a short
import has: all or nothing, every bad row reported in file order, duplicates across
batches found, unchanged values skipped, corrections superseding, a dry run writing
nothing, an unreadable file reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import GOALS_2021, YEAR, import_twice_then_correct, import_year, projects_from, run, write
from kpitrack.periods import Period
from kpitrack.profile import Profile
from kpitrack.store import ActualRow, Store, database, open_store, recording


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'kpitrack.db'}"


@pytest.fixture
def loaded(sqlite_url: str, tmp_path: Path) -> Iterator[Store]:
    """A SQLite store (in a file) holding the 2021 goals of GOALS_2021."""
    store = open_store(sqlite_url)
    try:
        store.load_goals(projects_from(tmp_path / "goals", GOALS_2021))
        yield store
    finally:
        store.close()


@pytest.fixture(params=[2, 5])
def batches(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> int:
    """Any import of three rows or more is a long one, written every two (or five) rows.

    The whole catalog is then read as rows name the projects, one project at a time.
    Two rows go to an INSERT: a batch of five is two statements and a row alone.
    """
    monkeypatch.setattr(database, "_PEEK", 3)
    monkeypatch.setattr(recording._Writer, "BATCH", request.param)
    monkeypatch.setattr(recording.Catalog, "BLOCK", 1)  # a project's indicators read as rows name it
    monkeypatch.setattr(recording, "_SQLITE_PARAMETERS", 20)  # two rows to an INSERT, where ten are bound
    return int(request.param)


def test_a_long_import_in_batches_records_every_row(
    batches: int, loaded: Store, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_year(capsys, loaded, sqlite_url, tmp_path, "--by", "统计员")
    versions = loaded.history(loaded.find_project("p01"), "qty1")
    assert [(str(v.period), v.text, v.note, v.recorded_by, v.current) for v in versions] == [
        ("2021Q1", "2000份", "", "统计员", True),
        ("2021Q2", "3000份", "印刷厂回单", "统计员", True),
    ]


def test_importing_again_in_batches_skips_equal_values_and_supersedes_changed_ones(
    batches: int, loaded: Store, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_twice_then_correct(capsys, loaded, sqlite_url, tmp_path)


def test_a_bad_row_after_batches_were_sent_leaves_nothing_and_every_problem_is_reported(
    batches: int, loaded: Store, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "late.csv",
        YEAR
        + "p01,qty1,2021Q2,3100,again\n"  # row 9: a second value for a quarter sent three batches ago
        + "p01,qual1,2021Q3,lots,\n"  # row 10
        + "p01,sat1,2021Q4,1,\n"  # row 11: good, but after bad rows
        + "p02,qty1,2021Q4,1,\n",  # row 12
    )
    code, out, err = run(capsys, "import", str(path), "--db", sqlite_url)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{path}: row 9, column indicator: 'qty1': 2021Q2 is already given in {path}: row 3",
        f"{path}: row 10, column value: 'lots': expected a number in %",
        f"{path}: row 12, column project: 'p02': no project with this id or name in 2021; closest: p01",
    ]
    assert loaded.history(loaded.find_project("p01")) == []


def test_a_dry_run_in_batches_counts_and_writes_nothing(
    batches: int, loaded: Store, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "year.csv", YEAR)
    code, out, _ = run(capsys, "import", str(path), "--dry-run", "--db", sqlite_url)
    assert (code, out.splitlines()[0]) == (0, "actuals: 7 recorded (0 superseding earlier values), 0 unchanged")
    assert loaded.history(loaded.find_project("p01")) == []


def test_spending_in_batches_compares_amounts_as_numbers(
    batches: int, loaded: Store, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spent = "project,period,amount\np01,2021Q1,1.5\np01,2021Q2,10\np01,2021Q3,12.50\np01,2021Q4,3\n"
    assert run(capsys, "import", str(write(tmp_path, "spent.csv", spent)), "--db", sqlite_url)[0] == 0
    again = spent.replace("1.5\n", "1.50\n").replace("12.50", "12.5万元").replace(",3\n", ",4\n")
    code, out, _ = run(capsys, "import", str(write(tmp_path, "again.csv", again)), "--db", sqlite_url)
    assert (code, out.splitlines()[1]) == (0, "spending: 1 recorded (1 superseding earlier values), 3 unchanged")
    assert str(next(loaded.progress(2021, Period.quarter(2021, 4), ["p01"])).spent) == "28.00"


def test_an_unreadable_line_deep_in_a_csv_is_reported_and_nothing_is_written(
    batches: int, loaded: Store, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = "".join(f"p01,qty1,2021Q{q},{n},{'x' * 2000}\n" for n, q in enumerate((1, 2, 3, 4, 1, 2), start=1))
    path = tmp_path / "broken.csv"
    path.write_bytes(("project,indicator,period,value,note\n" + good[:8200]).encode() + b"\xff\xfe bad\n")
    code, out, err = run(capsys, "import", str(path), "--db", sqlite_url)
    assert (code, out) == (1, "")
    # Found before a row is read: the whole file is decoded first (kpitrack.io.textfile).
    assert err == f"{path}: line 6: neither UTF-8 nor GBK/GB18030 text: save the file as UTF-8\n"
    assert loaded.history(loaded.find_project("p01")) == []


P02 = """\
id = "p02"
name = "食品安全抽检"
unit = "昌吉州市场监督管理局"
year = 2021
budget = 20
plan = { Q4 = 20 }

[[indicators]]
id = "qty1"
level2 = "数量指标"
name = "抽检批次"
target = "≥500批次"

[[indicators]]
id = "sat1"
level2 = "满意度指标"
name = "群众满意度"
target = "≥90%"
"""


def test_rows_of_several_projects_in_any_order_find_their_indicators_block_by_block(
    batches: int, loaded: Store, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded.load_goals(projects_from(tmp_path / "goals2", P02, "p02.toml"))
    rows = (
        "project,indicator,period,value\n"
        "p02,qty1,2021Q1,120\n"
        "p01,qty1,2021Q1,2000\n"
        "食品安全抽检,群众满意度,2021Q2,91%\n"  # both named, in a block already read
        "p02,qty1,2021Q2,130\n"
        "p01,qual1,2021Q2,85%\n"
    )
    code, out, err = run(capsys, "import", str(write(tmp_path, "mixed.csv", rows)), "--db", sqlite_url)
    assert (code, out.splitlines()[0], err) == (
        0,
        "actuals: 5 recorded (0 superseding earlier values), 0 unchanged",
        "",
    )
    versions = loaded.history(loaded.find_project("p02"))
    assert [(v.indicator, str(v.period), v.text) for v in versions] == [
        ("qty1", "2021Q1", "120批次"),
        ("qty1", "2021Q2", "130批次"),
        ("sat1", "2021Q2", "91%"),
    ]
    bad = rows + "p02,qty1,2021Q1,121\np02,qual1,2021Q3,1%\n"
    code, _, err = run(capsys, "import", str(write(tmp_path, "bad.csv", bad)), "--db", sqlite_url)
    assert (code, err.splitlines()) == (
        1,
        [
            f"{tmp_path / 'bad.csv'}: row 7, column indicator: 'qty1': 2021Q1 is already given in "
            f"{tmp_path / 'bad.csv'}: row 2",
            f"{tmp_path / 'bad.csv'}: row 8, column indicator: 'qual1': project p02 has no indicator with this "
            "id or name; closest: sat1, qty1",
        ],
    )


def test_a_file_of_bad_rows_is_reported_whole_and_in_order_(
    batches: int, loaded: Store, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = "".join(f"p01,qty{n},2021Q1,1\n" for n in range(2, 9))  # seven unknown indicators
    path = write(tmp_path, "bad.csv", "project,indicator,period,value\n" + bad + YEAR.split("\n", 1)[1])
    code, out, err = run(capsys, "import", str(path), "--db", sqlite_url)
    assert (code, out) == (1, "")
    assert [line.split(",")[0] for line in err.splitlines()] == [f"{path}: row {n}" for n in range(2, 9)]
    assert all(f"'qty{n}': project p01 has no indicator" in line for n, line in enumerate(err.splitlines(), start=2))
    assert loaded.history(loaded.find_project("p01")) == []


def _rows(text: str) -> list[ActualRow]:
    lines = text.splitlines()[1:]
    return [ActualRow("year.csv", n, *line.split(",")) for n, line in enumerate(lines, start=2)]


def _actuals_count(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM actuals")).scalar_one())


# A NUL or another control character is refused (tests/test_hostile.py): it is no one's name.
@pytest.mark.parametrize("by", ["O'Brien'); DROP TABLE actuals; --", "统计员 ''"])
def test_who_reports_is_stored_as_given_whatever_the_text(by: str, batches: int, loaded: Store) -> None:
    assert loaded.record_rows(_rows(YEAR), by=by, bands=Profile().grade_bands).actuals.added == 7
    versions = loaded.history(loaded.find_project("p01"))
    assert {v.recorded_by for v in versions} == {by} and len(versions) == 7
