"""Explanations of a project's budget row (预算执行): stored, listed as missing, imported, on the monitoring form.

The example year (goals/ and examples/) at 2021Q2, worked by hand (time basis, p = 2/4 = 0.5):
- p01 法制宣传工作经费: 10 of 35 万元 spent, rate 0.2857, q = 0.2857 / 0.5 = 0.5714 < 0.6: red;
- p02 食品药品专项经费: 10 of 30, rate 0.3333, q = 0.6667, in [0.6, 0.8): yellow;
- p05: 25 of 55, rate 0.4545, q = 0.9091 ≥ 0.8: green, so its budget needs no explanation.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from tests.conftest import GOALS_2021, run, write, write_goals

import kpitrack
from kpitrack import checks
from kpitrack.explanations import BUDGET, Cause, Likelihood, is_budget
from kpitrack.io import goalfile
from kpitrack.problems import ProblemsFound, Severity

ROOT = Path(__file__).resolve().parent.parent
KPITRACK = Path(sys.executable).with_name("kpitrack")
CAUSES = "one of 经费保障 / 制度保障 / 人员保障 / 硬件条件保障 / 其他"
LIKELIHOODS = "one of 确定能 / 有可能 / 完全不可能"


@pytest.fixture
def db(example: str) -> str:
    """A copy of the example database for one test."""
    return example


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert (code, err) == (0, "")
    return json.loads(out)


def _missing(capsys: pytest.CaptureFixture[str], db: str, *projects: str) -> dict[str, list[str]]:
    chosen = [arg for key in projects for arg in ("--project", key)]
    records = _json(capsys, "status", "--as-of", "2021Q2", *chosen, "--db", db)
    return {record["project"]: record["missing_explanations"] for record in records}


def test_the_reserved_words_name_the_budget_row() -> None:
    assert [is_budget(word) for word in ("预算执行", " 资金 执行", "项目资金", "预算执行率", "预算", "qty1")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


# -- the store, on both databases --------------------------------------------------------------


def test_budget_explanations_are_versions_on_both_databases(db_url: str, tmp_path: Path) -> None:
    with kpitrack.open(db_url) as ws:
        ws.load_goals([write_goals(tmp_path / "goals", GOALS_2021)])
        ws.spend("p01", "5", period="2021Q2")  # 5 / 35 = 0.1429; q = 0.2857: red
        (line,) = ws.status_json("2021Q2")
        assert json.loads(line)["missing_explanations"] == ["预算执行"]  # no indicator has data: none is lit
        before = ws.version()
        first = ws.explain(
            "p01", "预算执行", "资金拨付滞后", as_of="2021Q2", cause="经费保障", likelihood="有可能", measures="催拨"
        )
        assert ws.version() == (*before[:5], before[5] + 1)  # the web cache's count of explanations
        same = ws.explain(
            "法制宣传工作经费",
            "项目资金",
            "资金拨付滞后",
            as_of="2021Q2",
            cause="经费保障",
            likelihood="有可能",
            measures="催拨",
        )
        later = ws.explain("p01", "资金执行", "资金已拨付，待支付", as_of="2021Q2", cause="经费保障", by="李四")
        ws.explain("p01", "qty1", "印刷厂停工", as_of="2021Q2", cause="硬件条件保障")
        ws.explain("p01", "预算执行", "全年执行 90%，结余 3.5 万元", year=2021)
        counts = [
            (r.explanations.added, r.explanations.superseded, r.explanations.unchanged) for r in (first, same, later)
        ]
        assert counts == [(1, 0, 0), (0, 0, 1), (1, 1, 0)]
        (line,) = ws.status_json("2021Q2")
        assert json.loads(line)["missing_explanations"] == []
        current = ws.explanations("2021Q2")
        assert [(x.indicator, x.text, x.cause, x.likelihood, x.measures, x.recorded_by) for x in current] == [
            (BUDGET, "资金已拨付，待支付", Cause.FUNDING, None, "", "李四"),
            ("qty1", "印刷厂停工", Cause.HARDWARE, None, "", current[1].recorded_by),
        ]
        every = ws.explanations("2021Q2", indicator="资金执行", every_version=True)
        assert [(x.indicator, x.text, x.current, x.budget) for x in every] == [
            (BUDGET, "资金拨付滞后", False, True),
            (BUDGET, "资金已拨付，待支付", True, True),
        ]
        assert [(x.indicator, x.period, x.text) for x in ws.explanations(2021)] == [
            (BUDGET, "2021", "全年执行 90%，结余 3.5 万元")
        ]
        with pytest.raises(ProblemsFound) as found:
            ws.explain("p01", "预算执行", "x", year=2021, likelihood="有可能")
        assert [str(p) for p in found.value.problems] == [
            "cause: p01/预算执行 2021: a cause, likelihood or 纠偏措施 belongs to a cut-off (2021Q2, 2021-07)"
        ]
        with pytest.raises(ProblemsFound) as found:
            ws.explain("p99", "预算执行", "x", as_of="2021Q2")
        assert [str(p) for p in found.value.problems] == ["project: 'p99': no project with this id or name in 2021"]
        history = ws.history("p01", "预算执行")
        whole = ws.history("p01")
    assert history.indicator == BUDGET
    assert [(str(e.period), e.text, e.indicator) for e in history.entries] == [("2021Q2", "5万元", None)]
    assert [(x.period, x.text, x.current) for x in history.explanations] == [
        ("2021", "全年执行 90%，结余 3.5 万元", True),
        ("2021Q2", "资金拨付滞后", False),
        ("2021Q2", "资金已拨付，待支付", True),
    ]
    assert [x.indicator for x in whole.explanations] == [BUDGET, BUDGET, BUDGET, "qty1"]


# -- the command line on the example year ------------------------------------------------------


def test_status_lists_the_budget_row_until_it_is_explained(capsys: pytest.CaptureFixture[str], db: str) -> None:
    (p01,) = _json(capsys, "status", "--as-of", "2021Q2", "--project", "p01", "--db", db)
    assert {key: p01["budget"][key] for key in ("budget", "spent", "rate", "q", "light")} == {
        "budget": 35,
        "spent": 10,
        "rate": 0.29,
        "q": 0.57,
        "light": "red",
    }
    assert _missing(capsys, db, "p01", "p02", "p05") == {
        "p01": ["预算执行", "qty3", "qty4", "qty6"],
        "p02": ["预算执行", "qty2", "qty3", "qty5", "qty6"],
        "p05": ["qty1", "qty5"],  # its budget is green
    }
    argv = ["explain", "p01", "预算执行", "资金拨付滞后", "--as-of", "2021Q2", "--cause", "经费保障"]
    argv += ["--likelihood", "有可能", "--measures", "三季度加快支付"]
    done = subprocess.run([str(KPITRACK), *argv, "--db", db], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "p01/预算执行 2021Q2: explained\n", "")
    assert run(capsys, "explain", "p01", "资金执行", "资金拨付滞后，已催办", "--as-of", "2021Q2", "--db", db) == (
        0,
        "p01/资金执行 2021Q2: explained (supersedes the earlier explanation)\n",
        "",
    )
    assert _missing(capsys, db, "p01", "p02") == {
        "p01": ["qty3", "qty4", "qty6"],
        "p02": ["预算执行", "qty2", "qty3", "qty5", "qty6"],
    }
    text = run(capsys, "status", "--as-of", "2021Q2", "--project", "p02", "--db", db)[1]
    assert text.splitlines()[-1] == "缺少说明 (missing explanations): 预算执行, qty2, qty3, qty5, qty6"
    history = _json(capsys, "history", "p01", "预算执行", "--db", db)
    assert [(v["indicator"], v["period"], v["value"]) for v in history["versions"]] == [
        (None, "2021Q2", "10万元"),
        (None, "2021Q3", "15万元"),
        (None, "2021Q4", "10万元"),
    ]
    assert [(x["indicator"], x["text"], x["cause"], x["measures"]) for x in history["explanations"]] == [
        ("预算执行", "资金拨付滞后", "经费保障", "三季度加快支付"),
        ("预算执行", "资金拨付滞后，已催办", None, ""),
    ]
    code, _, err = run(capsys, "explain", "p01", "预算", "x", "--as-of", "2021Q2", "--cause", "天气", "--db", db)
    assert (code, err.splitlines()) == (
        1,
        [
            f"cause: '天气': not a cause category (原因类别) ({CAUSES})",
            "indicator: '预算': project p01 has no indicator with this id or name; closest: 预算执行",
        ],
    )


# -- flat tables ------------------------------------------------------------------------------


def test_spending_and_actuals_tables_carry_the_budget_explanation(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    spending = write(
        tmp_path,
        "spending.csv",
        "project,period,amount,偏差原因,原因类别,完成可能性,纠偏措施\n"
        "p01,2021Q2,,资金拨付滞后,经费保障,有可能,三季度加快支付\n"
        "p02,2021Q2,12,政府采购流程延长,制度保障,有可能,\n"
        "p03,2021Q2,,x,经费,,\n",
    )
    code, out, err = run(capsys, "import", str(spending), "--db", db)
    assert (code, out, err) == (
        1,
        "",
        f"{spending}: row 4, column 原因类别: '经费': not a cause category (原因类别) ({CAUSES})\n",
    )
    assert _json(capsys, "status", "--as-of", "2021Q2", "--project", "p02", "--db", db)[0]["budget"]["spent"] == 10
    spending.write_text(spending.read_text(encoding="utf-8").replace(",经费,", ",经费保障,"), encoding="utf-8")
    code, out, err = run(capsys, "import", str(spending), "--db", db)
    assert (code, out.splitlines(), err) == (
        0,
        [
            "actuals: 0 recorded (0 superseding earlier values), 0 unchanged",
            "spending: 1 recorded (1 superseding earlier values), 0 unchanged",
            "explanations: 3 recorded (0 superseding earlier values), 0 unchanged",
        ],
        "",
    )
    # p02: 12 of 30 spent by 2021Q2: rate 0.4, q 0.8: green now.
    (p02,) = _json(capsys, "status", "--as-of", "2021Q2", "--project", "p02", "--db", db)
    assert (p02["budget"]["spent"], p02["budget"]["light"]) == (12, "green")
    actuals = write(
        tmp_path,
        "actuals.csv",
        "project,indicator,period,value,偏差原因,完成可能性\np09,项目资金,2021Q2,,资金执行偏慢,有可能\n",
    )
    assert run(capsys, "import", str(actuals), "--db", db)[0] == 0
    with kpitrack.open(db) as ws:
        found = ws.explanations("2021Q2", projects=["p01", "p02", "p03", "p09"], indicator="预算执行")
    assert [(x.project, x.text, x.cause and x.cause.value, x.likelihood and x.likelihood.value) for x in found] == [
        ("p01", "资金拨付滞后", "经费保障", "有可能"),
        ("p02", "政府采购流程延长", "制度保障", "有可能"),
        ("p03", "x", "经费保障", None),
        ("p09", "资金执行偏慢", None, "有可能"),
    ]
    money = write(tmp_path, "money.csv", "project,indicator,period,value\np01,预算执行,2021Q3,15\n")
    code, _, err = run(capsys, "import", str(money), "--db", db)
    assert (code, err) == (
        1,
        f"{money}: row 2, column indicator: '预算执行': the budget row (预算执行) takes no value: "
        "record money spent as spending (kpitrack spend)\n",
    )


def test_a_workbook_sheet_of_spending_carries_the_budget_explanation(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "spending"
    sheet.append(["project", "period", "amount", "note", "偏差原因", "原因类别", "完成可能性", "纠偏措施"])
    sheet.append(["p01", "2021Q2", None, None, "资金拨付滞后", "经费保障", "完全不可能", "申请调减预算"])
    path = tmp_path / "spending.xlsx"
    workbook.save(path)
    code, out, err = run(capsys, "import", str(path), "--db", db)
    assert (code, out.splitlines()[2], err) == (
        0,
        "explanations: 1 recorded (0 superseding earlier values), 0 unchanged",
        "",
    )
    with kpitrack.open(db) as ws:
        (explained,) = ws.explanations("2021Q2", projects=["p01"])
    assert (explained.indicator, explained.likelihood, explained.measures) == (
        BUDGET,
        Likelihood.IMPOSSIBLE,
        "申请调减预算",
    )


# -- the 绩效运行监控表 ---------------------------------------------------------------------------

BUDGET_HEADERS = ["项目资金（万元）", "年初预算数", "调整后预算数", "1-6月执行数", "执行率", "序时进度", "预警"]
BUDGET_HEADERS += ["全年预计执行数", "偏差原因分析", None, "完成目标可能性", "备注"]


def _form(capsys: pytest.CaptureFixture[str], db: str, path: Path, *projects: str) -> Any:
    chosen = [arg for key in projects for arg in ("--project", key)]
    argv = ("form", "monitor", "--year", "2021", "--as-of", "2021Q2", *chosen, "--out", str(path), "--force")
    assert run(capsys, *argv, "--db", db)[0] == 0
    return openpyxl.load_workbook(path)


def test_the_monitoring_form_shows_the_budget_explanation_in_the_budget_row(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    with kpitrack.open(db) as ws:
        ws.explain(
            "p01",
            "预算执行",
            "资金拨付滞后",
            as_of="2021Q2",
            cause="经费保障",
            likelihood="有可能",
            measures="三季度加快支付",
        )
    workbook = _form(capsys, db, tmp_path / "监控表.xlsx", "p01", "p02")
    p01, p02 = workbook["p01"], workbook["p02"]
    assert [c.value for c in p01[4]] == BUDGET_HEADERS
    # 年初 35, 调整后 35, 1-6月 10, 10/35, p 0.5, red, 10/0.5 = 20; then the explanation as recorded.
    assert [c.value for c in p01[5]][:8] == [None, 35, 35, 10, 0.2857, 0.5, "红灯", 20]
    assert [p01[f"{column}5"].value for column in "IJKL"] == ["经费保障", "资金拨付滞后", "有可能", "三季度加快支付"]
    assert [p01[f"{column}5"].alignment.horizontal for column in "IJKL"] == ["center", "left", "center", "left"]
    # What the unit writes wraps in its cell (the row grows) instead of widening 备注 (10) for the indicator rows.
    assert (p01.column_dimensions["L"].width, p01.row_dimensions[5].height is not None) == (10, True)
    merged = {str(r) for r in p01.merged_cells.ranges}
    assert {"A4:A5", "I4:J4"} <= merged and not any(r.startswith(("I5", "J5", "K5", "L5")) for r in merged)
    # p02 (yellow, unexplained): the cells are left for the unit, not filled with kpitrack's own estimate.
    (status,) = _json(capsys, "status", "--as-of", "2021Q2", "--project", "p02", "--db", db)
    assert status["budget"]["likelihood"] == "有可能"
    assert [c.value for c in p02[5]] == [None, 30, 30, 10, 0.3333, 0.5, "黄灯", 20, None, None, None, None]
    summary = workbook["汇总"]
    assert [summary["F3"].value, summary["F4"].value] == ["qty3、qty4、qty6", "预算执行、qty2、qty3、qty5、qty6"]


def test_a_filled_budget_row_comes_back_through_import(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    workbook = _form(capsys, db, tmp_path / "监控表.xlsx", "p02")
    sheet = workbook["p02"]
    sheet["I5"], sheet["J5"] = "制度保障", "政府采购流程延长"
    sheet["K5"], sheet["L5"] = "有可能", "三季度完成采购并支付"
    sheet["J9"] = "有可能"  # qty2 (red): a likelihood alone
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    code, out, err = run(capsys, "import", str(filled), "--db", db)
    assert (code, out.splitlines()[2], err) == (
        0,
        "explanations: 2 recorded (0 superseding earlier values), 0 unchanged",
        "",
    )
    assert _missing(capsys, db, "p02") == {"p02": ["qty3", "qty5", "qty6"]}
    with kpitrack.open(db) as ws:
        budget, qty2 = ws.explanations("2021Q2", projects=["p02"])
    assert (budget.indicator, budget.cause, budget.text, budget.likelihood, budget.measures) == (
        BUDGET,
        Cause.RULES,
        "政府采购流程延长",
        Likelihood.POSSIBLE,
        "三季度完成采购并支付",
    )
    assert (qty2.indicator, qty2.text, qty2.cause, qty2.likelihood) == ("qty2", "", None, Likelihood.POSSIBLE)
    again = _form(capsys, db, tmp_path / "again.xlsx", "p02")["p02"]
    assert [again[f"{column}5"].value for column in "IJKL"] == [
        "制度保障",
        "政府采购流程延长",
        "有可能",
        "三季度完成采购并支付",
    ]
    assert again["J9"].value == "有可能"
    code, out, _ = run(capsys, "import", str(filled), "--db", db)
    assert (code, out.splitlines()[2]) == (0, "explanations: 0 recorded (0 superseding earlier values), 2 unchanged")
    # The budget row's 完成目标可能性 alone (p01, red) is an explanation too, with no text.
    workbook = _form(capsys, db, tmp_path / "p01.xlsx", "p01")
    workbook["p01"]["K5"] = "完全不可能"
    workbook.save(filled)
    assert run(capsys, "import", str(filled), "--db", db)[0] == 0
    with kpitrack.open(db) as ws:
        (alone,) = ws.explanations("2021Q2", projects=["p01"], indicator=BUDGET)
    assert (alone.text, alone.cause, alone.likelihood, alone.measures) == ("", None, Likelihood.IMPOSSIBLE, "")


def test_a_bad_word_in_the_budget_row_is_located_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    workbook = _form(capsys, db, tmp_path / "监控表.xlsx", "p02")
    sheet = workbook["p02"]
    sheet["I5"], sheet["J5"] = "经费", "资金未到位"
    sheet["E9"] = "3"  # qty2, 1-6月: fine alone, but the import is all or nothing
    sheet["J10"] = "可能"  # qty3: a likelihood alone is read, so a bad one is reported
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    code, out, err = run(capsys, "import", str(filled), "--db", db)
    assert (code, out, err.splitlines()) == (
        1,
        "",
        [
            f"{filled}: p02!I5: '经费': not a cause category (原因类别) ({CAUSES})",
            f"{filled}: p02!J10: '可能': not a likelihood (完成可能性) ({LIKELIHOODS})",
        ],
    )
    (status,) = _json(capsys, "status", "--as-of", "2021Q2", "--project", "p02", "--db", db)
    assert (status["indicators"][1]["actual"], status["missing_explanations"][0]) == ("1个", "预算执行")
    with kpitrack.open(db) as ws:
        assert ws.explanations("2021Q2", projects=["p02"]) == []


def test_only_the_budget_cells_may_be_inputs_of_a_layout_head(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    shipped = (ROOT / "src" / "kpitrack" / "io" / "layouts" / "monitor.toml").read_text(encoding="utf-8")
    variant = write(
        tmp_path,
        "province.toml",
        shipped.replace('{ field = "name", span = 11', '{ field = "name", input = true, span = 11'),
    )
    argv = ("form", "monitor", "--year", "2021", "--layout", str(variant), "--out", str(tmp_path / "x.xlsx"))
    code, _, err = run(capsys, *argv, "--db", db)
    inputs = "budget_cause, budget_explanation, budget_likelihood, budget_measures"
    assert (code, err) == (
        1,
        f"{variant}: head[0][1].input: import reads no field 'name' from this part of the form ({inputs})\n",
    )


# -- the goal check --------------------------------------------------------------------------


def test_an_indicator_named_by_a_reserved_word_is_a_warning() -> None:
    text = GOALS_2021.replace('name = "印制法律法规宣传资料"', 'name = "资金执行"')
    project, problems = goalfile.loads(text, "goals/p01.toml")
    assert problems == [] and project is not None
    found = [p for p in checks.validate([project]) if p.severity is Severity.WARNING]
    assert [str(p) for p in found] == [
        "goals/p01.toml: indicators[0]: warning: indicator name '资金执行' is reserved for the budget row (预算执行): "
        "an explanation naming it explains the budget; rename the indicator"
    ]


def test_a_1_to_7_month_form_takes_the_budget_explanation_of_its_cut_off(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    # p02 at 2021-07: p = 7/12 = 0.5833, rate 10/30 = 0.3333, q = 0.5714 < 0.6: red (yellow at 2021Q2).
    argv = (
        "form",
        "monitor",
        "--year",
        "2021",
        "--as-of",
        "2021-07",
        "--project",
        "p02",
        "--out",
        str(tmp_path / "m.xlsx"),
    )
    assert run(capsys, *argv, "--db", db)[0] == 0
    workbook = openpyxl.load_workbook(tmp_path / "m.xlsx")
    sheet = workbook["p02"]
    assert [c.value for c in sheet[5]][:7] == [None, 30, 30, 10, 0.3333, 0.5833, "红灯"]
    sheet["I5"], sheet["J5"] = "制度保障", "政府采购流程延长"
    workbook.save(tmp_path / "filled.xlsx")
    assert run(capsys, "import", str(tmp_path / "filled.xlsx"), "--db", db)[0] == 0
    with kpitrack.open(db) as ws:
        (budget,) = ws.explanations("2021-07", projects=["p02"], indicator=BUDGET)
    assert (budget.period, budget.cause, budget.text) == ("2021-07", Cause.RULES, "政府采购流程延长")
    (record,) = _json(capsys, "status", "--as-of", "2021-07", "--project", "p02", "--db", db)
    assert (record["budget"]["light"], "预算执行" in record["missing_explanations"]) == ("red", False)
    assert _missing(capsys, db, "p02")["p02"][0] == "预算执行"  # 2021Q2 is another cut-off, still unexplained
