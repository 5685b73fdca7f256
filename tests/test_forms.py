"""The official forms (自评表, 绩效运行监控表, 绩效目标表): written cell by cell, and read back by ``import``.

The bundled example (goals/ and examples/) is loaded once into a SQLite file; each test
works on a copy of it.  Workbooks are opened with openpyxl and checked as a finance
officer would read them: titles, merged ranges, headers, values, no formulas, print
settings; a filled-in copy comes back through ``kpitrack import``.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from tests.conftest import run, write

import kpitrack

ROOT = Path(__file__).resolve().parent.parent
CAUSES = "one of 经费保障 / 制度保障 / 人员保障 / 硬件条件保障 / 其他"
SELFEVAL_HEADERS = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
]


@pytest.fixture
def db(example: str) -> str:
    """A copy of the example database for one test."""
    return example


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert (code, err) == (0, "")
    records: list[dict[str, Any]] = json.loads(out)
    return records


def _header_row(sheet: Any, headers: list[str]) -> int:
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if list(row[: len(headers)]) == headers:
            return number
    raise AssertionError(f"no header row {headers} in {sheet.title}")


def _no_formulas(path: Path) -> None:
    """No cell of any sheet is a formula: openpyxl's reading, and the XML itself (no <f> element)."""
    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), name


# -- the 自评表 -------------------------------------------------------------------------------


def test_selfeval_layout_cell_by_cell(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    out = tmp_path / "自评表.xlsx"
    assert run(capsys, "form", "selfeval", "--year", "2021", "--out", str(out), "--db", db) == (
        0,
        f"wrote {out}: 10 projects\n",
        "",
    )
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["汇总", *(f"p{n:02}" for n in range(1, 11))]
    sheet = workbook["p01"]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A1"].value == "项目支出绩效自评表（2021年度）"
    assert "A1:H1" in merged
    assert [sheet["A2"].value, sheet["B2"].value] == ["项目名称", "法制宣传工作经费"]
    assert [c.value for c in sheet[3]] == [
        "主管部门",
        "昌吉州市场监督管理局",
        None,
        None,
        "实施单位",
        "昌吉州市场监督管理局",
        None,
        None,
    ]
    # The fund block: 项目资金 over five rows; 年度资金总额 35 / 35 / 35, 分值 10, 执行率 100%, 得分 10.
    assert "A4:A8" in merged
    assert [c.value for c in sheet[4]] == [
        "项目资金（万元）",
        None,
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
    ]
    assert [c.value for c in sheet[5]][1:] == ["年度资金总额", 35, 35, 35, 10, 1, 10]
    assert sheet["G5"].number_format == "0.00%"
    assert [sheet["B6"].value, sheet["D6"].value, sheet["B8"].value, sheet["D8"].value] == [
        "其中：本年财政拨款",
        35,
        "其他资金",
        0,
    ]
    assert [sheet["A9"].value, sheet["B9"].value, sheet["F9"].value] == ["年度总体目标", "预期目标", "实际完成情况"]
    assert {"A9:A10", "B9:E9", "F9:H9", "B10:E10", "F10:H10"} <= merged
    assert sheet["B10"].value.startswith("根据三定方案，我局负责做好普法")
    # The indicator block: the header row exactly, 一级 and 二级 merged down their rows.
    assert _header_row(sheet, SELFEVAL_HEADERS) == 11
    assert [c.value for c in sheet[12]] == ["产出指标", "数量指标", "聘请法律顾问人数", "≥1人", "2人", 3.85, 3.85, None]
    assert {"A12:A24", "B12:B18", "B19:B20", "B22:B24", "A25:A27", "B25:B26"} <= merged
    assert [c.value for c in sheet[25]][:7] == [
        "效益指标",
        "社会效益指标",
        "提高全局干部职工法治意识及社会公众对我局业务知晓比率",
        "逐年提高",
        "达成 90",
        10,
        9,
    ]
    assert [sheet["A28"].value, sheet["B28"].value, sheet["F28"].value, sheet["G28"].value] == [
        "满意度指标",
        "满意度指标",
        10,
        10,
    ]
    assert [sheet["A29"].value, sheet["F29"].value, sheet["G29"].value] == ["总分", 100, 98]
    assert [sheet["A30"].value, sheet["F30"].value] == ["自评等级", "优"]
    assert sheet["A32"].value.startswith("填报单位（盖章）：")
    # Print-ready: A4 landscape, one page wide, the indicator header repeated, borders, a CJK font.
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$11:$11"
    assert sheet["C12"].border.left.style == "thin" and sheet["H28"].border.bottom.style == "thin"
    assert sheet["C12"].font.name == "宋体" and sheet["A1"].font.b
    assert sheet.column_dimensions["H"].width >= 40  # the layout's width for 偏差原因分析及改进措施
    assert sheet.column_dimensions["C"].width >= len("提高全局干部职工法治意识及社会公众对我局业务知晓比率") * 2
    _no_formulas(out)
    summary = workbook["汇总"]
    assert summary["A1"].value == "项目支出绩效自评表（2021年度） 汇总"
    assert [c.value for c in summary[2]] == ["项目编码", "项目名称", "预算单位", "总分", "等级", "预警", "缺少说明"]
    assert [c.value for c in summary[3]][:6] == ["p01", "法制宣传工作经费", "昌吉州市场监督管理局", 98, "优", "绿灯"]
    assert summary["G3"].value == "qty1、qty3、qty4、qty5、qty6、qty7、soc1、soc2"


def test_selfeval_scores_equal_score_json(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    out = tmp_path / "自评表.xlsx"
    assert run(capsys, "form", "selfeval", "--year", "2021", "--out", str(out), "--db", db)[0] == 0
    workbook = openpyxl.load_workbook(out)
    for record in _json(capsys, "score", "--year", "2021", "--db", db):
        sheet = workbook[record["project"]]
        first = _header_row(sheet, SELFEVAL_HEADERS) + 1
        rows = list(sheet.iter_rows(min_row=first, max_row=first + len(record["indicators"]) - 1, values_only=True))
        assert [(r[2], r[5], r[6]) for r in rows] == [
            (i["name"], i["weight"], i["score"]) for i in record["indicators"]
        ], record["project"]
        total_row = first + len(record["indicators"])
        assert (sheet.cell(total_row, 1).value, sheet.cell(total_row, 7).value) == ("总分", record["total"])
        assert sheet["H5"].value == record["execution"]["score"]
        assert sheet.cell(total_row + 1, 6).value == record["grade"]


def test_a_target_or_name_that_looks_like_a_formula_stays_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    goals = write(
        tmp_path,
        "p01.toml",
        """\
id = "p01"
name = "=HYPERLINK(\\"http://example.com\\",\\"点我\\")"
unit = "+单位"
year = 2021
budget = 10
plan = { Q4 = 10 }

[[indicators]]
id = "qty1"
level2 = "数量指标"
name = "@开展检查"
target = "=4次"
""",
    )
    db = f"sqlite:///{tmp_path / 'k.db'}"
    assert run(capsys, "goals", "load", str(goals), "--db", db)[0] == 0
    template, form = tmp_path / "t.xlsx", tmp_path / "f.xlsx"
    assert run(capsys, "template", "--period", "2021Q4", "--out", str(template), "--db", db)[0] == 0
    assert run(capsys, "form", "selfeval", "--year", "2021", "--out", str(form), "--db", db)[0] == 0
    for path in (template, form):
        _no_formulas(path)
    row = [c.value for c in openpyxl.load_workbook(template)["actuals"][2]]
    assert row[:7] == [
        "p01",
        '=HYPERLINK("http://example.com","点我")',
        "qty1",
        "产出指标",
        "数量指标",
        "@开展检查",
        "=4次",
    ]
    sheet = openpyxl.load_workbook(form)["p01"]
    assert (sheet["B2"].value, sheet["B3"].value, sheet["C12"].value, sheet["D12"].value) == (
        '=HYPERLINK("http://example.com","点我")',
        "+单位",
        "@开展检查",
        "=4次",
    )
    assert sheet["D12"].data_type == "s" and sheet["D12"].quotePrefix


# -- filled-in forms back in --------------------------------------------------------------------


def test_a_filled_selfeval_comes_back_through_import(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    out = tmp_path / "自评表.xlsx"
    assert run(capsys, "form", "selfeval", "--year", "2021", "--project", "p01", "--out", str(out), "--db", db)[0] == 0
    # Importing the form as written changes nothing.
    assert run(capsys, "import", str(out), "--db", db)[1].splitlines()[0] == (
        "actuals: 0 recorded (0 superseding earlier values), 0 unchanged"
    )
    workbook = openpyxl.load_workbook(out)
    sheet = workbook["p01"]
    assert (sheet["C14"].value, sheet["E14"].value) == ("全年开展法律法规宣传", "5次")
    sheet["E13"] = "11000份"  # 印制法律法规宣传资料: year 10500 → 11000, so 2021Q4 3150 → 3650
    sheet["H14"] = "超额完成：新增专题宣传一次"  # qty3 is flagged (5 ≥ 1.2 × 4)
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    assert run(capsys, "import", str(filled), "--by", "李会计", "--db", db) == (
        0,
        "actuals: 1 recorded (1 superseding earlier values), 0 unchanged\n"
        "spending: 0 recorded (0 superseding earlier values), 0 unchanged\n"
        "explanations: 1 recorded (0 superseding earlier values), 0 unchanged\n",
        "",
    )
    (record,) = _json(capsys, "score", "--year", "2021", "--project", "p01", "--db", db)
    assert record["indicators"][1]["actual"] == "11000份"
    assert record["missing_explanations"] == ["qty1", "qty4", "qty5", "qty6", "qty7", "soc1", "soc2"]
    history = [line.split() for line in run(capsys, "history", "p01", "qty2", "--db", db)[1].splitlines()]
    assert [line[:4] for line in history if line and line[0] == "qty2" and line[1] == "2021Q4"] == [
        ["qty2", "2021Q4", "3150份", "superseded"],
        ["qty2", "2021Q4", "3650份", "李会计"],
    ]
    with kpitrack.open(db) as ws:
        (explained,) = ws.explanations(2021, projects=["p01"])
    assert (explained.indicator, explained.text, explained.recorded_by) == (
        "qty3",
        "超额完成：新增专题宣传一次",
        "李会计",
    )
    # The written form now shows what came back.
    again = tmp_path / "again.xlsx"
    assert (
        run(capsys, "form", "selfeval", "--year", "2021", "--project", "p01", "--out", str(again), "--db", db)[0] == 0
    )
    sheet = openpyxl.load_workbook(again)["p01"]
    assert (sheet["E13"].value, sheet["H14"].value) == ("11000份", "超额完成：新增专题宣传一次")


def test_a_filled_monitoring_form_comes_back_through_import(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    out = tmp_path / "监控表.xlsx"
    argv = ("form", "monitor", "--year", "2021", "--as-of", "2021Q2", "--project", "p05", "--out", str(out))
    assert run(capsys, *argv, "--db", db)[0] == 0
    workbook = openpyxl.load_workbook(out)
    sheet = workbook["p05"]
    assert sheet["A1"].value == "2021年度项目支出绩效运行监控表（1-6月）"
    headers = [*SELFEVAL_HEADERS[:4], "1-6月执行情况", "全年预计完成情况", "预警", "原因类别"]
    headers += ["偏差原因分析", "完成目标可能性", "纠偏措施", "备注"]
    assert _header_row(sheet, headers) == 7
    assert [c.value for c in sheet[5]][:7] == [None, 55, 55, 25, 0.4545, 0.5, "绿灯"]
    assert [c.value for c in sheet[8]][:7] == [
        "产出指标",
        "数量指标",
        "开展认证认可、标准化监督检查（次）",
        "≥4",
        "1次",
        "2次",
        "红灯",
    ]
    assert workbook["汇总"]["F3"].value == "qty1、qty5"
    _no_formulas(out)
    sheet["E8"] = "2"  # 1-6月: 2 checks; nothing in 2021Q1, so 2021Q2's 1 becomes 2
    sheet["H8"], sheet["I8"] = "人员保障", "检查人员抽调参加专项整治"
    sheet["J8"], sheet["K8"] = "有可能", "下半年增加检查频次"
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    code, out_text, err = run(capsys, "import", str(filled), "--db", db)
    assert (code, err) == (0, "")
    assert out_text.splitlines()[0] == "actuals: 1 recorded (1 superseding earlier values), 0 unchanged"
    (record,) = _json(capsys, "status", "--as-of", "2021Q2", "--project", "p05", "--db", db)
    assert (record["indicators"][0]["actual"], record["missing_explanations"]) == ("2次", ["qty5"])
    with kpitrack.open(db) as ws:
        (explained,) = ws.explanations("2021Q2", projects=["p05"])
        actuals = ws.actuals("p05", "2021Q2")
    assert (explained.cause.value, explained.text, explained.likelihood.value, explained.measures) == (
        "人员保障",
        "检查人员抽调参加专项整治",
        "有可能",
        "下半年增加检查频次",
    )
    assert {str(q): str(v) for q, v in actuals.indicators[0].quarters.items()} == {"2021Q2": "2次"}


def test_the_monitoring_form_at_july_on_the_example_year(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    """The issue's check: ``form monitor --as-of 2021-07`` on the bundled example has the 1-7月 columns."""
    out = tmp_path / "监控表.xlsx"
    assert run(capsys, "form", "monitor", "--year", "2021", "--as-of", "2021-07", "--out", str(out), "--db", db)[0] == 0
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["汇总", *(f"p{n:02d}" for n in range(1, 11))]
    sheet = workbook["p04"]
    assert sheet["A1"].value == "2021年度项目支出绩效运行监控表（1-7月）"
    assert sheet["D4"].value == "1-7月执行数" and sheet["E7"].value == "1-7月执行情况"
    # By July's end p04 has spent Q2's 20 of 115 (Q3's 20 falls in September): 17.39 %; 序时进度 7/12.
    assert [c.value for c in sheet[5]][1:7] == [115, 115, 20, 0.1739, 0.5833, "红灯"]
    # qty2 印制宣传材料: 500 (Q1) + 1500 (Q2) = 2000份 by July; at that pace 2000 / (7/12) = 3428.57份.
    assert [c.value for c in sheet[9]][2:7] == ["印制宣传材料（份）", "≥10000", "2000份", "3428.57份", "红灯"]
    _no_formulas(out)


def test_bad_cells_of_a_filled_form_are_located_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    out = tmp_path / "监控表.xlsx"
    assert run(capsys, "form", "monitor", "--year", "2021", "--project", "p05", "--out", str(out), "--db", db)[0] == 0
    workbook = openpyxl.load_workbook(out)
    sheet = workbook["p05"]
    sheet["E8"] = "三次"
    sheet["H9"], sheet["I9"] = "经费", "经费未到位"
    sheet["J10"], sheet["I10"] = "可能", "未开展"
    sheet["C11"], sheet["I11"] = "不存在的指标", "x"
    sheet["E12"] = "7次"  # fine on its own, but the import is all or nothing
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    code, out_text, err = run(capsys, "import", str(filled), "--db", db)
    assert (code, out_text) == (1, "")
    assert err.splitlines() == [
        f"{filled}: p05!E8: '三次': expected a number in 次",
        f"{filled}: p05!C11: '不存在的指标': project p05 has no indicator with this id or name",
    ]
    # Cell problems are found first; once the cells read, the explanations' words are checked.
    sheet["E8"], sheet["C11"] = "3", "完成检查报告数量（个）"
    workbook.save(filled)
    code, _, err = run(capsys, "import", str(filled), "--dry-run", "--db", db)
    assert code == 1
    assert err.splitlines() == [
        f"{filled}: p05!H9: '经费': not a cause category (原因类别) ({CAUSES})",
        f"{filled}: p05!J10: '可能': not a likelihood (完成可能性) (one of 确定能 / 有可能 / 完全不可能)",
    ]
    (record,) = _json(capsys, "status", "--as-of", "2021Q2", "--project", "p05", "--db", db)
    assert record["indicators"][0]["actual"] == "1次"  # nothing was written


def test_a_formula_typed_into_a_form_without_a_saved_value_is_located_not_read_as_blank(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    out = tmp_path / "监控表.xlsx"
    argv = ("form", "monitor", "--year", "2021", "--as-of", "2021Q2", "--project", "p05", "--out", str(out))
    assert run(capsys, *argv, "--db", db)[0] == 0
    workbook = openpyxl.load_workbook(out)
    workbook["p05"]["E8"] = "=1+1"  # openpyxl saves the formula only: no program computed its value
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    code, _, err = run(capsys, "import", str(filled), "--db", db)
    assert (code, err) == (
        1,
        f"{filled}: p05!E8: formula '=1+1' has no saved value: open and save it in Excel/WPS, or type the value\n",
    )
    (record,) = _json(capsys, "status", "--as-of", "2021Q2", "--project", "p05", "--db", db)
    assert record["indicators"][0]["actual"] == "1次"  # nothing was written


# -- the 绩效目标表, the options, a province's layout ----------------------------------------------


def test_goals_form_shows_the_approved_table_and_its_plan(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    out = tmp_path / "目标表.xlsx"
    assert run(capsys, "form", "goals", "--year", "2021", "--project", "p01", "--out", str(out), "--db", db)[0] == 0
    workbook = openpyxl.load_workbook(out)
    sheet = workbook["p01"]
    assert sheet["A1"].value == "2021年度项目支出绩效目标表"
    assert [sheet["B4"].value, sheet["C4"].value, sheet["A8"].value, sheet["B8"].value] == [
        "年度资金总额",
        35,
        "资金分配（万元）",
        "Q2 10 Q3 15 Q4 10",
    ]
    assert [c.value for c in sheet[10]] == ["一级指标", "二级指标", "三级指标", "指标值", "度量单位", "分值"]
    assert [c.value for c in sheet[11]] == ["产出指标", "数量指标", "聘请法律顾问人数", "≥1人", "人", None]
    assert [c.value for c in workbook["汇总"][3]] == ["p01", "法制宣传工作经费", "昌吉州市场监督管理局", 35, 17]


def test_an_existing_workbook_is_kept_without_force_and_units_get_their_own(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    out = tmp_path / "自评表.xlsx"
    out.write_bytes(b"not mine")
    code, _, err = run(capsys, "form", "selfeval", "--year", "2021", "--out", str(out), "--db", db)
    assert (code, err, out.read_bytes()) == (
        1,
        f"{out}: already exists: give --force to replace it; nothing was written\n",
        b"not mine",
    )
    assert run(capsys, "form", "selfeval", "--year", "2021", "--out", str(out), "--force", "--db", db)[0] == 0
    assert openpyxl.load_workbook(out).sheetnames[0] == "汇总"
    folder = tmp_path / "units"
    code, printed, _ = run(
        capsys, "form", "goals", "--year", "2021", "--split-by", "unit", "--out", str(folder), "--db", db
    )
    assert (code, printed) == (0, f"wrote {folder / '昌吉州市场监督管理局-目标表.xlsx'}: 10 projects\n")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".kpitrack-")] == []  # no temporary left


def test_a_province_layout_is_a_file(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    shipped = (ROOT / "src" / "kpitrack" / "io" / "layouts" / "selfeval.toml").read_text(encoding="utf-8")
    variant = write(
        tmp_path,
        "province.toml",
        shipped.replace("项目支出绩效自评表（{year}年度）", "{year}年度项目支出绩效自评表（省级）"),
    )
    out = tmp_path / "省.xlsx"
    argv = ("form", "selfeval", "--year", "2021", "--project", "p01", "--layout", str(variant), "--out", str(out))
    assert run(capsys, *argv, "--db", db)[0] == 0
    workbook = openpyxl.load_workbook(out)
    assert workbook["p01"]["A1"].value == "2021年度项目支出绩效自评表（省级）"
    # The province's form comes back when import is told its layout; unknown to import, it is no form.
    workbook["p01"]["H14"] = "超额完成"
    workbook.save(out)
    code, _, err = run(capsys, "import", str(out), "--db", db)
    header = "'2021年度项目支出绩效自评表（省级）汇总'"
    neither = "is neither actuals (project, indicator, period, value, note) nor spending (project, period, amount, "
    neither += "note)"
    assert (code, err.splitlines()[0]) == (1, f"{out}: sheet 汇总, row 1: header {header} {neither}")
    code, printed, err = run(capsys, "import", str(out), "--layout", str(variant), "--db", db)
    assert (code, printed.splitlines()[-1], err) == (
        0,
        "explanations: 1 recorded (0 superseding earlier values), 0 unchanged",
        "",
    )
    broken = write(
        tmp_path, "broken.toml", shipped.replace('field = "score"', 'field = "scor"').replace("span = 7", "span = 6")
    )
    code, _, err = run(capsys, *argv[:7], str(broken), "--out", str(tmp_path / "b.xlsx"), "--db", db)
    assert code == 1
    assert err.splitlines() == [
        f"{broken}: columns[6].field: unknown field 'scor' (did you mean 'score'?)",
        f"{broken}: head: row 1 spans 7 columns, the form 8",
    ]


# -- explanations: the command, the import columns ------------------------------------------------


def test_explain_then_score_and_status_list_what_is_still_missing(capsys: pytest.CaptureFixture[str], db: str) -> None:
    (before,) = _json(capsys, "score", "--year", "2021", "--project", "p05", "--db", db)
    assert before["missing_explanations"] == ["qty1", "qty2", "qty3", "qty4", "qty5", "qual2", "soc2"]
    assert run(capsys, "explain", "p05", "qty1", "检查人员不足", "--year", "2021", "--db", db) == (
        0,
        "p05/qty1 2021: explained\n",
        "",
    )
    assert run(capsys, "explain", "p05", "qty1", "检查人员不足", "--year", "2021", "--db", db)[1] == (
        "p05/qty1 2021: unchanged (the same explanation is already recorded)\n"
    )
    assert run(capsys, "explain", "p05", "qty1", "检查人员不足，已补充", "--year", "2021", "--db", db)[1] == (
        "p05/qty1 2021: explained (supersedes the earlier explanation)\n"
    )
    (after,) = _json(capsys, "score", "--year", "2021", "--project", "p05", "--db", db)
    assert after["missing_explanations"] == ["qty2", "qty3", "qty4", "qty5", "qual2", "soc2"]
    assert run(capsys, "score", "--year", "2021", "--project", "p05", "--db", db)[1].splitlines()[-1] == (
        "缺少说明 (missing explanations): qty2, qty3, qty4, qty5, qual2, soc2"
    )
    argv = (
        "explain",
        "p05",
        "qty5",
        "经费未到位",
        "--as-of",
        "2021Q2",
        "--cause",
        "经费保障",
        "--likelihood",
        "有可能",
    )
    assert run(capsys, *argv, "--measures", "申请追加", "--db", db)[0] == 0
    (status,) = _json(capsys, "status", "--as-of", "2021Q2", "--project", "p05", "--db", db)
    assert status["missing_explanations"] == ["qty1"]
    shown = run(capsys, "history", "p05", "qty1", "--db", db)[1].splitlines()
    explained = shown[shown.index("explanations (情况说明):") + 3 :]  # after the heading and the table's header
    assert [line.split()[:4] for line in explained] == [
        ["qty1", "2021", "检查人员不足", "superseded"],
        ["qty1", "2021", "检查人员不足，已补充", getpass.getuser()],
    ]
    with kpitrack.open(db) as ws:
        versions = ws.explanations(2021, projects=["p05"], every_version=True)
    assert [(v.text, v.current) for v in versions] == [("检查人员不足", False), ("检查人员不足，已补充", True)]
    code, _, err = run(capsys, "explain", "p05", "qty9", "x", "--as-of", "2021Q2", "--cause", "天气", "--db", db)
    assert code == 1
    assert err.splitlines() == [
        f"cause: '天气': not a cause category (原因类别) ({CAUSES})",
        "indicator: 'qty9': project p05 has no indicator with this id or name; closest: qty5, qty4, qty3",
    ]


def test_import_columns_carry_explanations(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    table = write(
        tmp_path,
        "explained.csv",
        "project,indicator,period,value,偏差原因,原因类别,完成可能性,纠偏措施\n"
        "p05,qty1,2021Q2,,检查人员抽调,人员保障,有可能,下半年补足\n"
        "p05,qty5,2021,,全年仅开展一次，明年增加\n"
        "p05,qty5,2021Q2,,x,经费,,\n",
    )
    code, _, err = run(capsys, "import", str(table), "--db", db)
    assert (code, err) == (1, f"{table}: row 4, column 原因类别: '经费': not a cause category (原因类别) ({CAUSES})\n")
    table.write_text(table.read_text(encoding="utf-8").replace(",经费,", ",经费保障,"), encoding="utf-8")
    code, out, err = run(capsys, "import", str(table), "--db", db)
    assert (code, out.splitlines()[-1], err) == (
        0,
        "explanations: 3 recorded (0 superseding earlier values), 0 unchanged",
        "",
    )
    with kpitrack.open(db) as ws:
        year_end = ws.explanations(2021, projects=["p05"])
        cut_off = ws.explanations("2021Q2", projects=["p05"])
    assert [(e.indicator, e.text) for e in year_end] == [("qty5", "全年仅开展一次，明年增加")]
    assert [(e.indicator, e.cause and e.cause.value, e.measures) for e in cut_off] == [
        ("qty1", "人员保障", "下半年补足"),
        ("qty5", "经费保障", ""),
    ]


# -- printing: LibreOffice renders a sheet to PDF -------------------------------------------------


def test_a_form_renders_to_pdf_with_libreoffice(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("KPITRACK_REQUIRE_LIBREOFFICE"):
            pytest.fail("KPITRACK_REQUIRE_LIBREOFFICE is set but soffice is not on PATH")
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path / "selfeval.xlsx"
    assert run(capsys, "form", "selfeval", "--year", "2021", "--project", "p01", "--out", str(out), "--db", db)[0] == 0
    profile = tmp_path / "lo-profile"  # a profile of its own: a user's open LibreOffice does not interfere
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir",
         str(tmp_path), str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    pdf = (tmp_path / "selfeval.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    # Two pages: the summary and p01, each fitted to one page wide (and short enough for one page).
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf)) == 2
