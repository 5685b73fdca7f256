"""The streaming import's paths: many batches, the whole catalog, a bad row after rows were written.

A province's import streams its CSV and writes in batches inside one transaction.
These tests shrink the batch and the look-ahead so that a few rows take every path
a few million would: each behaviour is the one a small import has (all or nothing,
every bad row reported, unchanged values skipped, corrections superseding).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import YEAR, import_twice_then_correct, import_year, run, write
from kpitrack.io.tables import read_tables
from kpitrack.periods import Period
from kpitrack.store import Store, _rows, database, recording


@pytest.fixture
def tiny_batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Write every two rows; any import of more than three rows uses the whole catalog, read a project at a time."""
    monkeypatch.setattr(recording._Writer, "BATCH", 2)
    monkeypatch.setattr(database, "_PEEK", 3)
    monkeypatch.setattr(recording.Catalog, "BLOCK", 1)
    monkeypatch.setattr(recording, "_SQLITE_PARAMETERS", 20)  # on SQLite, two rows to an INSERT
    yield


def test_a_long_import_in_batches_records_every_row(
    tiny_batches: None, loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_year(capsys, loaded, db_url, tmp_path)


def test_an_import_naming_many_projects_reads_only_theirs_in_lists(
    loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a province's file of corrections: more names than a look-up by name takes, and
    # the named projects' indicators read in lists (here of one project).
    monkeypatch.setattr(recording, "_FEW_KEYS", 0)
    monkeypatch.setattr(_rows, "IN_LIST", 1)
    import_year(capsys, loaded, db_url, tmp_path)
    (tmp_path / "again").mkdir()
    import_twice_then_correct(capsys, loaded, db_url, tmp_path / "again")


def test_rows_inserted_many_to_a_statement_and_the_rest_one_by_one_are_all_there(
    loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recording, "_SQLITE_PARAMETERS", 30)  # on SQLite: 3 rows to a statement, 7 = 3 + 3 + 1
    path = write(tmp_path, "year.csv", YEAR)
    assert run(capsys, "import", str(path), "--by", "O'Brien", "--db", db_url)[0] == 0
    versions = loaded.history(loaded.find_project("p01"))
    assert sorted((v.indicator, str(v.period), v.text, v.note, v.recorded_by, v.current) for v in versions) == [
        ("cost1", "2021Q4", "25万元", "", "O'Brien", True),
        ("qty1", "2021Q1", "2000份", "", "O'Brien", True),
        ("qty1", "2021Q2", "3000份", "印刷厂回单", "O'Brien", True),
        ("qual1", "2021Q2", "85%", "", "O'Brien", True),
        ("qual1", "2021Q3", "86%", "named by the indicator's name", "O'Brien", True),
        ("sus1", "2021Q2", "部分达成 70", "named by the project's name", "O'Brien", True),
        ("time1", "2021Q4", "2021-11-30", "", "O'Brien", True),
    ]


def test_importing_again_in_batches_skips_equal_values_and_supersedes_changed_ones(
    tiny_batches: None, loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_twice_then_correct(capsys, loaded, db_url, tmp_path)


def test_a_bad_row_after_batches_were_written_leaves_nothing_and_every_problem_is_reported(
    tiny_batches: None, loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "late.csv",
        YEAR
        + "p01,qty1,2021Q2,3100,again\n"  # row 9: a second value for a quarter written two batches ago
        + "p01,qual1,2021Q3,lots,\n"  # row 10
        + "p01,sat1,2021Q4,1,\n",  # row 11: good, but after bad rows
    )
    code, out, err = run(capsys, "import", str(path), "--db", db_url)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{path}: row 9, column indicator: 'qty1': 2021Q2 is already given in {path}: row 3",
        f"{path}: row 10, column value: 'lots': expected a number in %",
    ]
    assert loaded.history(loaded.find_project("p01")) == []


def test_a_dry_run_in_batches_counts_and_writes_nothing(
    tiny_batches: None, loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "import", str(write(tmp_path, "year.csv", YEAR)), "--dry-run", "--db", db_url)
    assert (code, out.splitlines()[0]) == (0, "actuals: 7 recorded (0 superseding earlier values), 0 unchanged")
    assert loaded.history(loaded.find_project("p01")) == []


def test_spending_in_batches_compares_amounts_as_numbers(
    tiny_batches: None, loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spent = "project,period,amount\np01,2021Q1,1.5\np01,2021Q2,10\np01,2021Q3,12.50\np01,2021Q4,3\n"
    assert run(capsys, "import", str(write(tmp_path, "spent.csv", spent)), "--db", db_url)[0] == 0
    again = spent.replace("1.5\n", "1.50\n").replace("12.50", "12.5万元").replace(",3\n", ",4\n")
    code, out, _ = run(capsys, "import", str(write(tmp_path, "again.csv", again)), "--db", db_url)
    assert (code, out.splitlines()[1]) == (0, "spending: 1 recorded (1 superseding earlier values), 3 unchanged")
    # 1.5 + 10 + 12.50 (kept as first written) + 4
    assert str(next(loaded.progress(2021, Period.quarter(2021, 4), ids=["p01"])).spent) == "28.00"


def test_unknown_names_are_reported_from_the_whole_catalog_too(
    tiny_batches: None, loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "project,indicator,period,value\n"
    rows += "p01,qty1,2021Q1,1\np01,qty1,2021Q2,1\np01,qty1,2021Q3,1\np1,qty1,2021Q4,1\np01,投稿,2021Q4,1%\n"
    path = write(tmp_path, "names.csv", rows)
    code, _, err = run(capsys, "import", str(path), "--db", db_url)
    assert (code, err.splitlines()) == (
        1,
        [
            f"{path}: row 5, column project: 'p1': no project with this id or name in 2021; closest: p01",
            f"{path}: row 6, column indicator: '投稿': project p01 has no indicator with this id or name; "
            "closest: 投稿率",
        ],
    )


def test_an_unreadable_line_deep_in_a_csv_is_reported_and_nothing_is_written(
    tiny_batches: None, loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Far enough in that the header and the first rows read fine and were written.
    good = "".join(f"p01,qty1,2021Q{q},{n},{'x' * 2000}\n" for n, q in enumerate((1, 2, 3, 4, 1, 2), start=1))
    path = tmp_path / "broken.csv"
    path.write_bytes(("project,indicator,period,value,note\n" + good[:8200]).encode() + b"\xff\xfe bad\n")
    code, out, err = run(capsys, "import", str(path), "--db", db_url)
    assert (code, out) == (1, "")
    # Found before a row is read: the whole file is decoded first (kpitrack.io.textfile).
    assert err == f"{path}: line 6: neither UTF-8 nor GBK/GB18030 text: save the file as UTF-8\n"
    assert loaded.history(loaded.find_project("p01")) == []


def test_a_csv_table_is_read_from_its_file_each_time_not_held(tmp_path: Path) -> None:
    path = write(tmp_path, "year.csv", YEAR)
    (table,), problems = read_tables(path)
    assert problems == [] and not isinstance(table.rows, tuple)
    first = [(row.number, row.project, row.indicator, row.period, row.value) for row in table.actuals]
    assert first[0] == (2, "p01", "qty1", "2021Q1", "2000") and len(first) == 7
    path.write_text(YEAR.replace("2000", "2001"), encoding="utf-8")
    assert next(iter(table.actuals)).value == "2001"


@pytest.mark.parametrize(
    "header",
    [
        "project,indicator,period,value,note",
        "note, Value ,PERIOD,indicator,project,extra",
        "project,indicator,period,value",
    ],
)
def test_csv_rows_are_stripped_and_rows_without_a_value_skipped_whatever_the_column_order(
    header: str, tmp_path: Path
) -> None:
    names = [name.strip().lower() for name in header.split(",")]
    cells = [
        {"project": " p01 ", "indicator": "qty1", "period": "2021Q1", "value": " 2000 ", "note": " 回单 "},
        {"project": "p01", "indicator": "qty1", "period": "2021Q2", "value": "  ", "note": "not reported yet"},
        {"project": "p01", "indicator": "qual1", "period": "2021Q2", "value": "85%", "note": ""},
    ]
    lines = [header] + [",".join(row.get(name, "") for name in names) for row in cells]
    lines.insert(2, "")  # an empty line
    short = {"project": "p01", "indicator": "qty1", "period": "2021Q3", "note": "x"}
    lines.append(",".join(short[name] for name in names[: names.index("value")]))  # stops before the value
    (table,), problems = read_tables(write(tmp_path, "rows.csv", "\n".join(lines) + "\n"))
    note = "回单" if "note" in names else ""
    assert problems == []
    assert [tuple(row) for row in table.actuals] == [
        (str(tmp_path / "rows.csv"), 2, "p01", "qty1", "2021Q1", "2000", note),
        (str(tmp_path / "rows.csv"), 5, "p01", "qual1", "2021Q2", "85%", ""),
    ]


def test_a_short_import_reads_the_indicators_of_the_years_its_rows_name_only(loaded: Store, tmp_path: Path) -> None:
    # A province's 2020 file names project codes that 2021 has too: only 2020's indicators are
    # read, yet a row naming a project in a year it lacks is still told the years it has.
    from conftest import GOALS_2021, projects_from

    loaded.load_goals(projects_from(tmp_path / "g2020", GOALS_2021.replace("year = 2021", "year = 2020")))
    rows = [
        recording.ActualRow("t", 2, "p01", "qty1", "2020Q4", "5000"),
        recording.ActualRow("t", 3, "法制宣传工作经费", "qty1", "2020Q3", "4000"),
        recording.ActualRow("t", 4, "p01", "qty1", "20Q4", "1"),  # not a quarter: names no year
    ]
    named = recording.named_in(rows, [recording.SpendingRow("t", 2, "p01", "2020Q2", "3")])
    assert named == {("p01", 2020), ("法制宣传工作经费", 2020)}
    with loaded.engine.connect() as connection:
        catalog = recording.load_catalog(connection, named)
        p01_2020 = catalog.project("p01", Period.quarter(2020, 4))
        assert not isinstance(p01_2020, recording.Fault) and p01_2020.year == 2020
        indicators = len(catalog.slots(p01_2020))
        assert indicators > 0 and catalog.size == indicators  # 2021's were not read
        assert catalog.project("法制宣传工作经费", Period.quarter(2020, 1)) == p01_2020
        outside = catalog.project("p01", Period.quarter(2022, 1))
        assert isinstance(outside, recording.Fault) and outside.reason == "outside the year of project p01 (2020, 2021)"


def test_notes_with_tabs_line_breaks_and_backslashes_are_stored_exactly(
    tiny_batches: None, loaded: Store, tmp_path: Path
) -> None:
    # The rows go through COPY's text format on PostgreSQL and through bound INSERTs on
    # SQLite: what COPY treats as special must come back as it was written.
    from kpitrack.profile import DEFAULT

    notes = ["a\tb", "line\nbreak", "back\\slash", "\\N", "\\.", "", "末尾\\", "\r\n"]
    rows = [
        recording.ActualRow(
            "t", n + 2, "p01", *(("qty1", f"2021Q{n + 1}", "5") if n < 4 else ("qual1", f"2021Q{n - 3}", "80%")), note
        )
        for n, note in enumerate(notes)
    ]
    spending = [recording.SpendingRow("t", 10, "p01", "2021Q1", "1.5", "x\ty\\z\n")]
    assert not loaded.record_rows(rows, spending, by="t\\1", bands=DEFAULT.grade_bands).problems
    history = loaded.history(loaded.find_project("p01"))
    assert sorted((v.indicator or "", str(v.period), v.note) for v in history) == sorted(
        [(row.indicator, row.period, row.note) for row in rows] + [("", "2021Q1", "x\ty\\z\n")]
    )
    assert {v.recorded_by for v in history} == {"t\\1"}
