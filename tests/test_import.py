"""Importing tables of actuals and spending (CSV, XLSX) and the fill-in template; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

import kpitrack
from conftest import GOALS_2021, run, write, write_goals
from kpitrack.explanations import Cause, Likelihood
from kpitrack.io import tables
from kpitrack.periods import Period
from kpitrack.store import Store

ACTUALS = """\
project,indicator,period,value,note
p01,qty1,2021Q1,2000,
p01,qty1,2021Q2,3000,印刷厂回单
p01,qual1,2021Q2,85%,
p01,sus1,2021Q2,部分达成 70,
p01,time1,2021Q2,,
"""


def test_goals_load_reports_added_then_unchanged(
    store: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    goals = write_goals(tmp_path / "goals", GOALS_2021)
    assert run(capsys, "goals", "load", str(goals), "--db", db_url)[:2] == (
        0,
        "added      p01 (2021)\n1 added, 0 revised, 0 unchanged\n",
    )
    assert run(capsys, "goals", "load", str(goals), "--db", db_url)[1].endswith("0 added, 0 revised, 1 unchanged\n")
    bad = write_goals(tmp_path / "bad", GOALS_2021.replace('target = "≥80%"', 'target = "≥8O%"'))
    code, out, err = run(capsys, "goals", "load", str(bad), "--db", db_url)
    assert code == 1 and "≥8O%" in err and out == ""


def test_import_twice_adds_nothing_the_second_time(
    loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "q2.csv", ACTUALS)
    code, out, _ = run(capsys, "import", str(path), "--by", "财务科", "--db", db_url)
    assert (code, out) == (
        0,
        "actuals: 4 recorded (0 superseding earlier values), 0 unchanged\n"
        "spending: 0 recorded (0 superseding earlier values), 0 unchanged\n"
        "1 row left blank: not reported, not recorded\n",  # time1's
    )
    code, out, _ = run(capsys, "import", str(path), "--db", db_url)
    assert out.startswith("actuals: 0 recorded (0 superseding earlier values), 4 unchanged\n")
    assert len(loaded.history(loaded.find_project("p01"))) == 4
    progress = next(loaded.progress(2021, Period.quarter(2021, 2)))
    assert {k: str(v) for k, v in progress.actuals.items()} == {"qty1": "5000份", "qual1": "85%", "sus1": "部分达成 70"}


def test_a_bad_import_is_rejected_whole_with_every_bad_row(
    loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "bad.csv",
        """\
project,indicator,period,value,note
p01,qty1,2021Q1,2000,fine
p1,qty1,2021Q1,5,
p01,qty1,2021Q2,85%,
p01,qty1,2021Q7,5,
p01,qty1,2022Q1,5,
p01,qual1,2021Q3,lots,
p01,qty9,2021Q3,5,
p01,qty1,2021Q1,2100,
""",
    )
    code, out, err = run(capsys, "import", str(path), "--db", db_url)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{path}: row 3, column project: 'p1': no project with this id or name in 2021; closest: p01",
        f"{path}: row 4, column value: '85%': unit '%' does not fit indicator qty1, which is measured in 份",
        f"{path}: row 5, column period: '2021Q7': "
        "expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1",
        f"{path}: row 6, column period: '2022Q1': outside the year of project p01 (2021)",
        f"{path}: row 7, column value: 'lots': expected a number in %",
        f"{path}: row 8, column indicator: 'qty9': project p01 has no indicator with this id or name; closest: qty1",
        f"{path}: row 9, column indicator: 'qty1': 2021Q1 is already given in {path}: row 2",
    ]
    assert loaded.history(loaded.find_project("p01")) == []


def test_bad_spending_rows_and_a_bad_header_are_reported(
    loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "spend.csv", "project,period,amount\np01,2021Q2,-3\np01,2021Q3,十万\np01,2021Q4,10\n")
    code, _, err = run(capsys, "import", str(path), "--db", db_url)
    assert (code, err.splitlines()) == (
        1,
        [
            f"{path}: row 2, column amount: '-3': money spent cannot be negative",
            f"{path}: row 3, column amount: '十万': expected an amount in 万元, such as 12.5 "
            "(or with its unit: 125000元)",
        ],
    )
    header = write(tmp_path, "odd.csv", "project,quarter,value\np01,2021Q1,3\n")
    code, _, err = run(capsys, "import", str(header), "--db", db_url)
    assert code == 1
    assert err == (
        f"{header}: row 1: header 'project, quarter, value' is neither "
        "actuals (project, indicator, period, value, note) nor spending (project, period, amount, note)\n"
    )
    assert loaded.history(loaded.find_project("p01")) == []


def test_a_dry_run_writes_nothing(
    loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "q2.csv", ACTUALS)
    code, out, _ = run(capsys, "import", str(path), "--dry-run", "--db", db_url)
    assert (code, out.splitlines()[0], out.splitlines()[-1]) == (
        0,
        "actuals: 4 recorded (0 superseding earlier values), 0 unchanged",
        "dry run: nothing written",
    )
    assert loaded.history(loaded.find_project("p01")) == []


def test_the_template_round_trip(
    loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "2021Q3.xlsx"
    code, out, _ = run(capsys, "template", "--period", "2021Q3", "--out", str(out_file), "--db", db_url)
    assert (code, out) == (0, f"wrote {out_file}: 7 indicators of 1 projects for 2021Q3\n")

    workbook = openpyxl.load_workbook(out_file)
    sheet = workbook["actuals"]
    header = [c.value for c in sheet[1]]
    columns = "project project_name indicator level1 level2 indicator_name target unit period value note"
    assert header == [*columns.split(), "偏差原因", "原因类别", "完成可能性", "纠偏措施"]
    rows = {row[2].value: row for row in sheet.iter_rows(min_row=2)}
    assert [rows["qty1"][i].value for i in (0, 6, 7, 8, 9)] == ["p01", "≥10000份", "份", "2021Q3", None]
    rows["qty1"][9].value = "4000"
    rows["qual1"][9].value = 0.85  # typed into a cell formatted as a percentage
    rows["qual1"][9].number_format = "0%"
    rows["time1"][9].value = "2021-09"
    rows["sus1"][9].value = "达成"
    rows["sus1"][10].value = "宣传覆盖全州"
    rows["qty1"][11].value, rows["qty1"][12].value = "印刷厂停工两周", "其他"  # an explanation beside the value
    rows["qty1"][13].value, rows["qty1"][14].value = "有可能", "四季度加印"
    spending = workbook["spending"]
    assert [c.value for c in spending[1]] == [
        "project",
        "project_name",
        "budget",
        "planned_to_date",
        "period",
        "amount",
        "note",
        "偏差原因",
        "原因类别",
        "完成可能性",
        "纠偏措施",
    ]
    assert spending.cell(row=2, column=4).value == 25  # Q2 10 + Q3 15
    spending.cell(row=2, column=6).value = 14.5
    workbook.save(out_file)

    code, out, _ = run(capsys, "import", str(out_file), "--db", db_url)
    assert (code, out) == (
        0,
        "actuals: 4 recorded (0 superseding earlier values), 0 unchanged\n"
        "spending: 1 recorded (0 superseding earlier values), 0 unchanged\n"
        "explanations: 1 recorded (0 superseding earlier values), 0 unchanged\n"
        "3 rows left blank: not reported, not recorded\n",  # 7 indicators, 4 filled in
    )
    with kpitrack.open(db_url) as ws:
        (explained,) = ws.explanations("2021Q3")
    assert (explained.indicator, explained.text, explained.cause, explained.likelihood, explained.measures) == (
        "qty1",
        "印刷厂停工两周",
        Cause.OTHER,
        Likelihood.POSSIBLE,
        "四季度加印",
    )
    progress = next(loaded.progress(2021, Period.quarter(2021, 3)))
    assert {k: str(v) for k, v in progress.actuals.items()} == {
        "qty1": "4000份",
        "qual1": "85%",
        "time1": "2021-09-30",
        "sus1": "达成",
    }
    assert str(progress.spent) == "14.5"
    notes = [v.note for v in loaded.history(loaded.find_project("p01"), "sus1")]
    assert notes == ["宣传覆盖全州"]


def test_the_example_year_imports(store: Store, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).parent.parent
    assert run(capsys, "goals", "load", str(root / "goals"), "--db", db_url)[0] == 0
    for name in ("actuals-2021.csv", "spending-2021.csv"):
        code, _, err = run(capsys, "import", str(root / "examples" / name), "--db", db_url)
        assert (code, err) == (0, "")
    behind = next(store.progress(2021, Period.quarter(2021, 4), ids=["p04"]))
    assert str(behind.spent) == "57.5"
    assert str(behind.actuals["qty5"]) == "10件"
    missing = next(store.progress(2021, Period.quarter(2021, 4), ids=["p06"]))
    assert "qty2" not in missing.actuals


def test_a_template_longer_than_a_sheet_continues_on_more_sheets_and_imports_whole(
    loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tables, "SHEET_ROWS", 4)  # a header and three indicators a sheet: 7 make three sheets
    out_file = tmp_path / "2021Q3.xlsx"
    code, out, _ = run(capsys, "template", "--period", "2021Q3", "--out", str(out_file), "--db", db_url)
    assert (code, out) == (0, f"wrote {out_file}: 7 indicators of 1 projects for 2021Q3 (actuals on 3 sheets)\n")

    workbook = openpyxl.load_workbook(out_file)
    assert workbook.sheetnames == ["actuals", "actuals 2", "actuals 3", "spending"]
    sheets = [workbook[name] for name in workbook.sheetnames[:3]]
    assert [sheet.max_row for sheet in sheets] == [4, 4, 2]
    indicators = [row[2].value for sheet in sheets for row in sheet.iter_rows(min_row=2)]
    assert indicators == [i.id for i in loaded.find_project("p01").indicators]
    for sheet in [*sheets, workbook["spending"]]:
        # Every sheet looks alike: a bold header that stays in view, the cells to fill shaded and kept as text.
        assert sheet.freeze_panes == "A2" and sheet["A1"].font.b and sheet.column_dimensions["A"].width == 10
    value = sheets[2].cell(row=2, column=10)
    assert (value.value, value.number_format, value.fill.fgColor.rgb) == (None, "@", "00FFF2CC")

    typed = {"qty1": "4000", "cost1": "20万元", "sat1": "0"}  # the first indicator of each sheet
    for sheet in sheets:
        sheet.cell(row=2, column=10).value = typed[sheet.cell(row=2, column=3).value]
    workbook.save(out_file)
    code, out, err = run(capsys, "import", str(out_file), "--db", db_url)
    assert (code, err) == (0, "")
    assert out.startswith("actuals: 3 recorded")
    assert len(loaded.history(loaded.find_project("p01"))) == 3


def _two_units(capsys: pytest.CaptureFixture[str], db_url: str, folder: Path) -> None:
    """p01 of 昌吉州市场监督管理局 and p02, the same goals, of 昌吉州财政局."""
    other = GOALS_2021.replace('id = "p01"', 'id = "p02"', 1).replace("昌吉州市场监督管理局", "昌吉州财政局")
    for name, text in (("a", GOALS_2021), ("b", other)):
        assert run(capsys, "goals", "load", str(write_goals(folder / name, text)), "--db", db_url)[0] == 0


def test_a_template_of_chosen_budget_units(
    store: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _two_units(capsys, db_url, tmp_path)
    out_file = tmp_path / "unit.xlsx"
    argv = ["template", "--period", "2021Q3", "--out", str(out_file), "--db", db_url]
    code, out, _ = run(capsys, *argv, "--unit", "昌吉州财政局")
    assert (code, out) == (0, f"wrote {out_file}: 7 indicators of 1 projects for 2021Q3\n")
    assert {row[0].value for row in openpyxl.load_workbook(out_file)["actuals"].iter_rows(min_row=2)} == {"p02"}

    code, out, err = run(capsys, *argv, "--force", "--unit", "昌吉州财政局", "--unit", "昌吉州市场监管局")
    assert (code, out) == (1, "")
    assert err == (
        "--unit: '昌吉州市场监管局': no project of this budget unit in 2021; "
        "closest: 昌吉州市场监督管理局, 昌吉州财政局\n"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["score", "--year", "2021", "--format", "json"],
        ["status", "--as-of", "2021Q2", "--format", "json"],
        ["underperforming", "--year", "2021", "--below", "101", "--format", "json"],
    ],
)
def test_reports_of_chosen_budget_units(
    store: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    _two_units(capsys, db_url, tmp_path)

    def listed(*options: str) -> list[str]:
        code, out, err = run(capsys, *argv, *options, "--db", db_url)
        assert (code, err) == (0, "")
        return [item["project"] for item in json.loads(out)]

    assert listed() == ["p01", "p02"]
    assert listed("--unit", "昌吉州财政局") == ["p02"]
    assert listed("--unit", "昌吉州财政局", "--project", "p01") == ["p01", "p02"]
    assert listed("--unit", "昌吉州财政局", "--project", "p02") == ["p02"]
    code, out, err = run(capsys, *argv, "--unit", "财政局", "--db", db_url)
    assert (code, out) == (1, "")
    assert err.startswith("--unit: '财政局': no project of this budget unit in 2021; closest: 昌吉州财政局")
