"""What the forms need, stored: 主管部门, 实施单位, 年初预算数, funding sources and 实际完成情况.

Goal files and flat goal tables carry them (all optional); the store keeps them (migration
0006), reads them back through both readers, and records a change as a dated revision.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pendulum
import pytest
from tests.conftest import projects_from, write_goals

import kpitrack
from kpitrack.explanations import Cause, Likelihood
from kpitrack.io import flat, goalfile
from kpitrack.problems import ProblemsFound
from kpitrack.store import Revision, Store

D = Decimal

GOAL = """\
id = "p01"
name = "法制宣传工作经费"
unit = "昌吉州市场监督管理局"
department = "昌吉州人民政府"
agency = "昌吉州市场监督管理局法规科"
year = 2021
budget = 35
initial_budget = 30
fiscal = 25
carryover = 5.5
other = 4.5
plan = { Q2 = 10, Q3 = 15, Q4 = 10 }
goal = "加强法律法规宣传"
outcome = "全年宣传 5 次，印制资料 10500 份"

[[indicators]]
id = "qty1"
level2 = "数量指标"
name = "聘请法律顾问人数"
target = "≥1人"
"""


def test_goal_file_keys_for_the_forms_read_and_write_back(tmp_path: Path) -> None:
    (project,) = projects_from(tmp_path, GOAL)
    assert (project.department, project.agency, project.outcome) == (
        "昌吉州人民政府",
        "昌吉州市场监督管理局法规科",
        "全年宣传 5 次，印制资料 10500 份",
    )
    assert (project.budget, project.initial_budget, project.fiscal, project.carryover, project.other) == (
        D(35),
        D(30),
        D(25),
        D("5.5"),
        D("4.5"),
    )
    text = goalfile.dumps(project)
    assert text.startswith(
        'id = "p01"\nname = "法制宣传工作经费"\nunit = "昌吉州市场监督管理局"\ndepartment = "昌吉州人民政府"\n'
        'agency = "昌吉州市场监督管理局法规科"\nyear = 2021\nbudget = 35\ninitial_budget = 30\nfiscal = 25\n'
        "carryover = 5.5\nother = 4.5\n"
    )
    again, problems = goalfile.loads(text, "again.toml")
    assert (again, problems) == (project, [])


def test_goal_file_form_keys_are_strict(tmp_path: Path) -> None:
    bad = GOAL.replace("initial_budget = 30", 'initial_budget = "30"').replace('agency = "', 'agncy = "')
    project, problems = goalfile.loads(bad, "p01.toml")
    assert project is None
    assert [str(p) for p in problems] == [
        "p01.toml: agncy: unknown key (did you mean 'agency'?)",
        "p01.toml: initial_budget: expected a number (万元), or an amount with its unit such as '125000元', "
        "got the string '30'",
    ]


def test_the_store_keeps_them_and_a_changed_budget_is_a_revision(store: Store, tmp_path: Path) -> None:
    (project,) = projects_from(tmp_path / "a", GOAL)
    store.load_goals([project], today=pendulum.date(2021, 3, 1))
    assert store.projects(2021) == [project]  # the bulk reader
    assert store.find_project("p01") == project  # the reader of one project
    adjusted = GOAL.replace("budget = 35\n", "budget = 40\n").replace(
        'agency = "昌吉州市场监督管理局法规科"', 'agency = "法规科"'
    )
    (changed,) = projects_from(tmp_path / "b", adjusted)
    day = pendulum.date(2021, 7, 15)
    report = store.load_goals([changed], today=day)
    assert set(report.revised) == {
        Revision("p01", 2021, None, "budget", "35", "40", day),
        Revision("p01", 2021, None, "agency", "昌吉州市场监督管理局法规科", "法规科", day),
    }
    assert store.find_project("p01").initial_budget == D(30)  # 年初预算数 stays as approved


def test_flat_tables_take_the_form_columns(tmp_path: Path) -> None:
    path = tmp_path / "goals.csv"
    path.write_text(
        "项目编码,项目名称,单位,主管部门,实施单位,年度,全年预算数,年初预算数,本年财政拨款,上年结转资金,其他资金,"
        "年度总体目标,实际完成情况,Q4,二级指标,三级指标,指标值\n"
        "p01,法制宣传工作经费,昌吉州市场监督管理局,州政府,法规科,2021,35,30,25,5,5,宣传,完成,35,数量指标,顾问人数,1人\n",
        encoding="utf-8",
    )
    (project,), problems = flat.load_paths([path])
    assert problems == []
    assert (project.department, project.agency, project.goal, project.outcome) == ("州政府", "法规科", "宣传", "完成")
    assert (project.budget, project.initial_budget, project.fiscal, project.carryover, project.other) == (
        D(35),
        D(30),
        D(25),
        D(5),
        D(5),
    )


def test_explanations_are_versions_on_both_databases(db_url: str, tmp_path: Path) -> None:
    with kpitrack.open(db_url) as ws:
        ws.load_goals([write_goals(tmp_path / "goals", GOAL)])
        first = ws.explain("p01", "qty1", "顾问合同延期", year=2021, by="张三")
        same = ws.explain("p01", "聘请法律顾问人数", "顾问合同延期", year=2021, by="李四")
        later = ws.explain("p01", "qty1", "顾问合同已签", year=2021, by="李四")
        cut_off = ws.explain(
            "法制宣传工作经费",
            "qty1",
            "经费未到",
            as_of="2021Q2",
            cause="经费保障",
            likelihood="有可能",
            measures="追加",
        )
        assert [
            (r.explanations.added, r.explanations.superseded, r.explanations.unchanged) for r in (first, same, later)
        ] == [
            (1, 0, 0),
            (0, 0, 1),
            (1, 1, 0),
        ]
        assert cut_off.explanations.added == 1
        versions = ws.explanations(2021, every_version=True)
        assert [(v.text, v.recorded_by, v.current) for v in versions] == [
            ("顾问合同延期", "张三", False),
            ("顾问合同已签", "李四", True),
        ]
        (current,) = ws.explanations("2021Q2")
        assert (current.cause, current.likelihood, current.measures) == (Cause.FUNDING, Likelihood.POSSIBLE, "追加")
        with pytest.raises(ProblemsFound) as found:
            ws.explain("p01", "qty1", "x", year=2021, cause="经费保障")
        assert [str(p) for p in found.value.problems] == [
            "cause: p01/qty1 2021: a cause, likelihood or 纠偏措施 belongs to a cut-off (2021Q2, 2021-07)"
        ]
        assert len(ws.explanations(2021, every_version=True)) == 2  # nothing written
        history = ws.history("p01", "qty1")
    assert [(x.period, x.text, x.current) for x in history.explanations] == [
        ("2021", "顾问合同延期", False),
        ("2021", "顾问合同已签", True),
        ("2021Q2", "经费未到", True),
    ]
