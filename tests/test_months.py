"""Months as periods: values for 2021-07, monitoring at 1-7月, the 1-7月 监控表 out and back in.

The data is the bundled example as a unit has it in August: goals, and the first half
year's values and spending (the example's 2021Q1 and 2021Q2 rows).  Expected figures are
worked by hand from p05 (认证认可标准化监管经费): budget 55 万元, 25 spent in Q2, fund
plan Q2 25 / Q3 15 / Q4 15; qty1 ≥4次 with 1次 in Q2; qual1 a rate (level).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import given
from tests.conftest import periods, run

import kpitrack
from kpitrack import readings
from kpitrack.periods import Period
from kpitrack.store import ActualRow, SpendingRow
from kpitrack.store import schema as s
from kpitrack.store.engine import migrate, resolve_url

ROOT = Path(__file__).resolve().parent.parent


def _first_half(source: Path, target: Path) -> Path:
    """The rows of an example CSV for 2021Q1 and 2021Q2 only."""
    with source.open(encoding="utf-8", newline="") as read, target.open("w", encoding="utf-8", newline="") as out:
        rows = list(csv.reader(read))
        period = rows[0].index("period")
        csv.writer(out).writerows([rows[0], *(row for row in rows[1:] if row[period] in ("2021Q1", "2021Q2"))])
    return target


@pytest.fixture
def midyear(db_url: str, tmp_path: Path) -> str:
    """The example's goals and first half year, in a fresh database of each kind."""
    with kpitrack.open(db_url) as ws:
        ws.load_goals([ROOT / "goals"])
        ws.import_values(
            [
                _first_half(ROOT / "examples" / "actuals-2021.csv", tmp_path / "actuals-h1.csv"),
                _first_half(ROOT / "examples" / "spending-2021.csv", tmp_path / "spending-h1.csv"),
            ]
        )
    return db_url


def _status(capsys: pytest.CaptureFixture[str], db: str, as_of: str, project: str = "p05") -> dict[str, Any]:
    code, out, err = run(capsys, "status", "--as-of", as_of, "--project", project, "--format", "json", "--db", db)
    assert (code, err) == (0, "")
    (record,) = json.loads(out)
    assert isinstance(record, dict)
    return record


def _indicator(record: dict[str, Any], code: str) -> dict[str, Any]:
    found = next(item for item in record["indicators"] if item["id"] == code)
    assert isinstance(found, dict)
    return found


def _values(db: str) -> list[tuple[Any, ...]]:
    """Every stored version of values and spending, for "nothing changed"."""
    engine = sa.create_engine(resolve_url(db))
    try:
        with engine.connect() as connection:
            values = connection.execute(sa.select(s.actuals.c.indicator_id, s.actuals.c.period, s.actuals.c.text))
            spent = connection.execute(sa.select(s.spending.c.project_id, s.spending.c.period, s.spending.c.amount))
            return sorted(map(tuple, values)) + sorted((a, b, str(c)) for a, b, c in spent)
    finally:
        engine.dispose()


def test_status_at_july_counts_seven_months_and_july_values(capsys: pytest.CaptureFixture[str], midyear: str) -> None:
    before = _status(capsys, midyear, "2021-07")
    # p = 7/12 = 0.5833…; budget q = (25 / 55) / (7/12) = 300/385 = 0.779… → yellow (0.6 ≤ q < 0.8).
    # The plan by the end of July is Q2's 25 (Q3's 15 falls due in September).
    assert (before["as_of"], before["p"], before["basis"]) == ("2021-07", 0.58, "time")
    budget = before["budget"]
    assert (budget["spent"], budget["q"], budget["light"], budget["planned"], budget["plan_rate"]) == (
        25,
        0.78,
        "yellow",
        25,
        1,
    )
    # qty1: v = 1 / (4 × 7/12) = 3/7 = 0.43 → red; the year end at this pace 1 / (7/12) = 1.71.
    assert {k: _indicator(before, "qty1")[k] for k in ("actual", "ratio", "light", "expected")} == {
        "actual": "1次",
        "ratio": 0.43,
        "light": "red",
        "expected": 1.71,
    }

    assert run(capsys, "spend", "p05", "5", "--period", "2021-07", "--db", midyear)[0] == 0
    assert run(capsys, "record", "p05", "qty1", "1", "--period", "2021-07", "--db", midyear)[0] == 0
    assert run(capsys, "record", "p05", "qual1", "35%", "--period", "2021-07", "--db", midyear)[0] == 0
    after = _status(capsys, midyear, "2021-07")
    # q = (30 / 55) / (7/12) = 360/385 = 0.935… → green; 30 of the 25 planned = 120 %.
    assert (after["budget"]["spent"], after["budget"]["q"], after["budget"]["light"]) == (30, 0.94, "green")
    assert after["budget"]["plan_rate"] == 1.2
    # qty1 flows: 1 (Q2) + 1 (July) = 2; v = 2 / (4 × 7/12) = 6/7 = 0.857… → green.
    assert {k: _indicator(after, "qty1")[k] for k in ("actual", "ratio", "light")} == {
        "actual": "2次",
        "ratio": 0.86,
        "light": "green",
    }
    # qual1 is a level: July's 35% replaces Q2's 31%.
    assert _indicator(after, "qual1")["actual"] == "35%"

    # A cut-off at June does not see July; 2021-06 and 2021H1 are the cut-off 2021Q2.
    june = _status(capsys, midyear, "2021Q2")
    assert (june["budget"]["spent"], _indicator(june, "qty1")["actual"], _indicator(june, "qual1")["actual"]) == (
        25,
        "1次",
        "31%",
    )
    assert _status(capsys, midyear, "2021-06") == june == _status(capsys, midyear, "2021H1")


def test_both_readers_combine_months_as_the_core_does(midyear: str) -> None:
    with kpitrack.open(midyear) as ws:
        ws.record("p05", "qty1", "2", period="2021-07")
        ws.record("p05", "qty1", "3", period="2021-08")
        ws.record("p05", "qual1", "40%", period="2021-08")
        ws.spend("p05", "4", period="2021-07")
        for cut_off, qty1, qual1, spent in (
            ("2021Q2", "1", "31", "25"),
            ("2021-07", "3", "31", "29"),
            ("2021-08", "6", "40", "29"),
        ):
            (progress,) = ws.progress(2021, cut_off, projects=["p05"])
            view = ws.actuals("p05", cut_off)
            assert (str(progress.actuals["qty1"].number), str(progress.actuals["qual1"].number)) == (qty1, qual1)
            assert progress.spent == Decimal(spent) == view.spent
            for row in view.indicators:  # the periods one by one, combined by the core's rule
                combined = readings.combine(row.indicator.aggregate, [row.quarters[p] for p in sorted(row.quarters)])
                assert combined == progress.actuals.get(row.indicator.id), (cut_off, row.indicator.id)
        view = ws.actuals("p05", "2021-08")
    assert [str(p) for p in view.periods()] == ["2021Q1", "2021Q2", "2021-07", "2021-08"]
    assert {str(p): str(v) for p, v in view.indicators[0].quarters.items()} == {
        "2021Q2": "1次",
        "2021-07": "2次",
        "2021-08": "3次",
    }


def test_a_dry_run_names_the_values_it_would_correct(
    capsys: pytest.CaptureFixture[str], midyear: str, tmp_path: Path
) -> None:
    with kpitrack.open(midyear) as ws:
        ws.record("p05", "qty1", "1", period="2021-07")
        rows = [
            ActualRow("c.csv", 2, "p05", "qty1", "2021-07", "2"),
            ActualRow("c.csv", 3, "p05", "qty1", "2021Q2", "1"),
        ]
        result = ws.record_rows(rows, [SpendingRow("c.csv", 2, "p05", "2021Q2", "30")], dry_run=True)
    assert [str(c) for c in result.corrections] == [
        "p05/qty1 2021-07: 1次 → 2次",
        "p05 资金执行 2021Q2: 25万元 → 30万元",
    ]
    assert (result.actuals.superseded, result.actuals.unchanged, result.spending.superseded) == (1, 1, 1)
    assert result.projects == (("p05", 2021),)
    rows_file = tmp_path / "c.csv"
    rows_file.write_text("project,indicator,period,value\np05,qty1,2021-07,2\np05,qual1,2021Q2,33%\n", encoding="utf-8")
    code, out, err = run(capsys, "import", str(rows_file), "--dry-run", "--db", midyear)
    assert (code, err) == (0, "")
    assert out.splitlines()[2:] == [
        "would correct (old → new):",
        "  p05/qty1 2021-07: 1次 → 2次",
        "  p05/qual1 2021Q2: 31% → 33%",
        "dry run: nothing written",
    ]


def test_overlapping_periods_are_refused_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], midyear: str, tmp_path: Path
) -> None:
    assert run(capsys, "record", "p05", "qty1", "1", "--period", "2021-07", "--db", midyear)[0] == 0
    before = _values(midyear)
    code, _, err = run(capsys, "record", "p05", "qty1", "2", "--period", "2021Q3", "--db", midyear)
    assert (code, err) == (
        1,
        "period: '2021Q3': 2021Q3 overlaps 2021-07, already recorded: correct 2021-07, or give periods apart\n",
    )
    code, _, err = run(capsys, "spend", "p05", "2", "--period", "2021H1", "--db", midyear)
    assert (code, err) == (
        1,
        "period: '2021H1': 2021H1 overlaps 2021Q2, already recorded: correct 2021Q2, or give periods apart\n",
    )
    rows = tmp_path / "overlap.csv"
    rows.write_text(
        "project,indicator,period,value\np05,qty2,2021-08,1\np05,qty2,2021Q3,2\np05,qty3,2021-09,1\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "import", str(rows), "--db", midyear)
    assert (code, err) == (
        1,
        f"{rows}: row 3, column indicator: 'qty2': 2021Q3 overlaps 2021-08, already given in {rows}: row 2\n",
    )
    assert _values(midyear) == before
    # A row of a file over a period stored is located at its row.
    rows.write_text("project,indicator,period,value\np05,qty2,2021-08,1\np05,qty1,2021Q3,2\n", encoding="utf-8")
    code, _, err = run(capsys, "import", str(rows), "--db", midyear)
    assert (code, err) == (
        1,
        f"{rows}: row 3, column period: '2021Q3': 2021Q3 overlaps 2021-07, already recorded: correct 2021-07, "
        "or give periods apart\n",
    )
    assert _values(midyear) == before
    # The same period again is a correction, not an overlap.
    assert run(capsys, "record", "p05", "qty1", "2", "--period", "2021-07", "--db", midyear)[0] == 0
    assert _indicator(_status(capsys, midyear, "2021-07"), "qty1")["actual"] == "3次"


def test_the_1_to_7_monitoring_form_goes_out_and_comes_back(
    capsys: pytest.CaptureFixture[str], midyear: str, tmp_path: Path
) -> None:
    if not midyear.startswith("sqlite"):
        pytest.skip("the form's round trip is database-blind; it runs once, on SQLite")
    out = tmp_path / "监控表.xlsx"
    argv = ("form", "monitor", "--year", "2021", "--as-of", "2021-07", "--project", "p05", "--out", str(out))
    assert run(capsys, *argv, "--db", midyear)[0] == 0
    workbook = openpyxl.load_workbook(out)
    sheet = workbook["p05"]
    assert sheet["A1"].value == "2021年度项目支出绩效运行监控表（1-7月）"
    assert [c.value for c in sheet[4]][1:7] == [
        "年初预算数",
        "调整后预算数",
        "1-7月执行数",
        "执行率",
        "序时进度",
        "预警",
    ]
    # 25 of 55 spent = 45.45 %; 序时进度 7/12 = 58.33 %; q = 0.78 → 黄灯.
    assert [c.value for c in sheet[5]][1:7] == [55, 55, 25, 0.4545, 0.5833, "黄灯"]
    assert [c.value for c in sheet[7]][3:7] == ["年度指标值", "1-7月执行情况", "全年预计完成情况", "预警"]
    assert [c.value for c in sheet[8]][2:7] == ["开展认证认可、标准化监督检查（次）", "≥4", "1次", "1.71次", "红灯"]
    assert sheet["C9"].value == "完成采标工作产品获得采标证书（次）" and sheet["E9"].value is None  # nothing yet

    sheet["E8"] = "3"  # 1-7月: 3 checks, 1 of them in Q2, so July's value is 2
    sheet["E9"] = "1"  # nothing recorded before: the value covers 1-7月 (2021-01..07)
    sheet["H8"], sheet["I8"], sheet["J8"] = "人员保障", "上半年人员抽调", "有可能"
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    code, out_text, err = run(capsys, "import", str(filled), "--db", midyear)
    assert (code, err) == (0, "")
    assert out_text.splitlines()[0] == "actuals: 2 recorded (0 superseding earlier values), 0 unchanged"

    with kpitrack.open(midyear) as ws:
        view = ws.actuals("p05", "2021-07")
        (explained,) = ws.explanations("2021-07", projects=["p05"])
    assert {str(p): str(v) for p, v in view.indicators[0].quarters.items()} == {"2021Q2": "1次", "2021-07": "2次"}
    assert {str(p): str(v) for p, v in view.indicators[1].quarters.items()} == {"2021-01..07": "1次"}
    assert (explained.indicator, explained.period, explained.cause.value if explained.cause else None) == (
        "qty1",
        "2021-07",
        "人员保障",
    )
    record = _status(capsys, midyear, "2021-07")
    assert (_indicator(record, "qty1")["actual"], _indicator(record, "qty2")["actual"]) == ("3次", "1次")
    assert "qty1" not in record["missing_explanations"]
    # The same form again changes nothing: its year to date is what the database holds.
    code, out_text, _ = run(capsys, "import", str(filled), "--db", midyear)
    assert (code, out_text.splitlines()[0]) == (0, "actuals: 0 recorded (0 superseding earlier values), 0 unchanged")


def test_stored_quarters_keep_their_meaning_through_the_migration(db_url: str) -> None:
    engine = sa.create_engine(resolve_url(db_url))
    try:
        migrate(engine, "0006")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO projects (code, year, name, unit, budget, goal) "
                    "VALUES ('p09', 2021, '旧项目', '局', '12', '')"
                )
            )
            pk = connection.execute(sa.text("SELECT id FROM projects WHERE code = 'p09'")).scalar_one()
            for period, amount in ((20211, "1"), (20212, "2"), (20214, "4")):
                connection.execute(
                    sa.text(
                        "INSERT INTO spending (project_id, period, amount, note, recorded_by, recorded_at, current) "
                        "VALUES (:pk, :period, :amount, '', 'old', '2021-01-01', :current)"
                    ),
                    {"pk": pk, "period": period, "amount": amount, "current": True},
                )
    finally:
        engine.dispose()
    with kpitrack.open(db_url) as ws:
        view = ws.actuals("p09", "2021Q4")
        assert {str(p): str(a) for p, a in view.spending.items()} == {"2021Q1": "1", "2021Q2": "2", "2021Q4": "4"}
        assert ws.actuals("p09", "2021-07").spent == Decimal(3)
        ws.spend("p09", "1", period="2021-08")
    engine = sa.create_engine(resolve_url(db_url))
    try:
        with engine.connect() as connection:
            keys = sorted(connection.execute(sa.text("SELECT period FROM spending")).scalars())
        assert keys == [20210301, 20210604, 20210808, 20211210]
    finally:
        engine.dispose()


@given(periods(), periods())
def test_period_keys_read_back_and_keep_the_order_and_the_ranges(a: Period, b: Period) -> None:
    assert s.period_of(s.period_key(a)) == a
    if a.year == b.year and not a.overlaps(b):
        assert (s.period_key(a) < s.period_key(b)) == (a < b)
    low, high = s.to_date_keys(b)  # the year to date at b's end: a's key in range iff a ends by then, that year
    assert (low <= s.period_key(a) <= high) == (a.year == b.year and a.last <= b.last)
    assert s.year_keys(a.year)[0] <= s.period_key(a) <= s.year_keys(a.year)[1]
