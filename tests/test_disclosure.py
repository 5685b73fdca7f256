"""The disclosure importer on the seed (昌吉州市场监督管理局 2021), and on broken inline tables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pendulum
import pytest

from kpitrack.io import disclosure, goalfile
from kpitrack.model import Project
from kpitrack.problems import Problem, Severity
from kpitrack.thresholds import Kind, Op

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(__file__).resolve().parent / "fixtures" / "seed_2021.txt"


@pytest.fixture(scope="module")
def seed() -> list[Project]:
    projects, problems = disclosure.read(SEED.read_text(encoding="utf-8"), "seed.txt")
    assert problems == []
    return projects


def test_ten_projects_622_wan_yuan_153_indicators(seed: list[Project]) -> None:
    assert [p.id for p in seed] == [f"p{n:02d}" for n in range(1, 11)]
    assert sum(p.budget for p in seed) == Decimal(622)
    assert sum(len(p.indicators) for p in seed) == 153


def test_budgets_and_indicator_counts(seed: list[Project]) -> None:
    assert [p.budget for p in seed] == [35, 30, 85, 115, 55, 50, 10, 182, 30, 30]
    assert [len(p.indicators) for p in seed] == [17, 23, 10, 25, 18, 15, 16, 8, 10, 11]
    assert all(p.fiscal == p.budget and p.other == 0 for p in seed)
    assert all(p.year == 2021 and p.unit == "昌吉州市场监督管理局" for p in seed)


def test_fund_plans_and_windows(seed: list[Project]) -> None:
    plans = [dict(p.plan) for p in seed]
    assert plans == [
        {"Q2": 10, "Q3": 15, "Q4": 10},
        {"Q2": 10, "Q3": 10, "Q4": 10},
        {"Q2": 20, "Q3": 30, "Q4": 35},
        {"Q2": 40, "Q3": 40, "Q4": 35},
        {"Q2": 25, "Q3": 15, "Q4": 15},
        {"Q2": 20, "Q3": 20, "Q4": 10},
        {"Q2": 4, "Q3": 3, "Q4": 3},
        {"H1": 91, "H2": 91},
        {"Q2": 10, "Q3": 10, "Q4": 10},
        {"Q2": 10, "Q3": 10, "Q4": 10},
    ]
    assert all(p.plan.total == p.budget for p in seed)
    assert all((p.start, p.end) == (pendulum.date(2021, 1, 1), pendulum.date(2021, 12, 31)) for p in seed)


def test_names_are_the_tables_and_stripped_of_layout_junk(seed: list[Project]) -> None:
    assert seed[0].name == "法制宣传工作经费"
    assert seed[7].name == "“阳光食品”PPP项目财政补贴资金"
    # p01's first 社会效益 name carried a [bookmark: _GoBack] marker.
    assert seed[0].indicator("soc1") is not None
    assert seed[0].indicators[13].name == "提高全局干部职工法治意识及社会公众对我局业务知晓比率"
    assert all("bookmark" not in i.name and i.name == i.name.strip() for p in seed for i in p.indicators)
    assert seed[2].indicator("qty3") is not None and seed[2].indicators[2].name == "空调消防设施维保安全检查次数"
    assert seed[0].goal.startswith("根据三定方案，我局负责做好普法")


def test_level1_is_inferred_where_the_seed_leaves_it_out(seed: list[Project]) -> None:
    benefit = [i for p in seed for i in p.indicators if i.level2 in ("社会效益指标", "可持续影响指标")]
    assert len(benefit) == 32
    assert {i.level1 for i in benefit} == {"效益指标"}
    # "满意度\n指标" split over two lines joins back into one label.
    assert {i.level1 for p in seed for i in p.indicators if i.level2 == "满意度指标"} == {"满意度指标"}
    assert [len(p.tier("产出指标")) for p in seed] == [13, 17, 7, 18, 12, 9, 10, 5, 7, 8]


def test_indicator_ids_follow_level2_and_position(seed: list[Project]) -> None:
    assert [i.id for i in seed[0].indicators] == [
        *(f"qty{n}" for n in range(1, 8)),
        "qual1",
        "qual2",
        "time1",
        "cost1",
        "cost2",
        "cost3",
        "soc1",
        "soc2",
        "sus1",
        "sat1",
    ]


@pytest.mark.parametrize(
    ("project", "indicator", "kind", "op", "value", "unit", "canonical"),
    [
        ("p01", "qty1", Kind.COMPARE, Op.GE, "1", "人", "≥1人"),
        ("p01", "qty2", Kind.COMPARE, Op.GE, "10000", "份", "≥10000份"),
        ("p01", "time1", Kind.DURATION, Op.LE, "12", "个月", "≤12个月"),
        ("p01", "cost1", Kind.COMPARE, Op.LE, "5", "万元", "≤5万元"),
        ("p01", "soc1", Kind.TREND, Op.GT, None, "", "逐年提高"),
        ("p01", "sus1", Kind.QUALITATIVE, None, None, "", "长期"),
        ("p02", "qty1", Kind.COMPARE, Op.GE, "485", "", "≥485"),
        ("p02", "cost1", Kind.COMPARE, Op.LE, "12", "", "≤12"),
        ("p02", "sat2", Kind.COMPARE, Op.LE, "0", "", "≤0"),
        ("p02", "time2", Kind.DEADLINE, None, None, "", "2021年1-12月"),
        ("p03", "qty1", Kind.EXACT, Op.EQ, "4", "次", "=4次"),
        ("p03", "time1", Kind.DURATION, Op.EQ, "12", "个月", "=12个月"),
        ("p06", "qty1", Kind.COMPARE, Op.GE, "100", "批次", "≥100批次"),
        ("p06", "soc2", Kind.COMPARE, Op.LE, "1", "", "≤1"),
        ("p07", "qual1", Kind.COMPARE, Op.LE, "0.52", "%", "≤0.52%"),
        ("p09", "qual1", Kind.COMPARE, Op.GE, "1.8", "件/万人", "≥1.8件/万人"),
        ("p10", "qty1", Kind.COMPARE, Op.GE, "100", "人次", "≥100人次"),
        ("p10", "time1", Kind.DURATION, Op.LE, "12", "个月", "≤12个月"),
    ],
)
def test_a_sample_of_targets(
    seed: list[Project],
    project: str,
    indicator: str,
    kind: Kind,
    op: Op | None,
    value: str | None,
    unit: str,
    canonical: str,
) -> None:
    found = next(p for p in seed if p.id == project).indicator(indicator)
    assert found is not None
    target = found.target
    assert (target.kind, target.op, target.unit, str(target)) == (kind, op, unit, canonical)
    assert target.value == (Decimal(value) if value is not None else None)


def test_units_come_from_the_names_where_targets_have_none(seed: list[Project]) -> None:
    p02 = seed[1]
    assert [p02.indicators[i].unit for i in (0, 1, 14, 22)] == ["家", "个", "万元", "次"]


def test_committed_goal_files_equal_the_importers_output(seed: list[Project]) -> None:
    for project in seed:
        committed = (ROOT / "goals" / f"{project.id}.toml").read_text(encoding="utf-8")
        assert committed == goalfile.dumps(project), f"goals/{project.id}.toml has drifted from the importer"
    assert sorted(p.name for p in (ROOT / "goals").glob("*.toml")) == [f"p{n:02d}.toml" for n in range(1, 11)]


def test_the_prefix_names_the_projects() -> None:
    projects, _ = disclosure.read(SEED.read_text(encoding="utf-8"), "seed.txt", prefix="cj2021-")
    assert [p.id for p in projects][:2] == ["cj2021-01", "cj2021-02"]


TABLE = """\
七、项目支出情况说明
1、项目名称：州市场监督管理局法制宣传工作经费
预算安排规模：35万元
资金分配情况：第二季度10万元，第三季度15万元，第四季度10万元。
资金执行时间：2021.01-2021.12

项  目  支  出  绩  效  目  标  表

\t（2021年）

\t预算单位
\t昌吉州市场监督管理局
\t项目名称
\t法制宣传工作经费

\t项目资金（万元）
\t年度资金总额：
\t35
\t其中：财政拨款
\t35
\t其他资金
\t0

\t一级指标
\t二级指标
\t三级指标
\t指标值（包含数字及文字描述）

\t产出指标
\t数量指标
\t聘请法律顾问人数
\t1人

\t
\t成本指标
\t宣传、培训活动经费
\t35万元

\t
\t社会效益指标
\t[bookmark: _GoBack]法治意识
\t逐年提高

\t满意度
指标
\t满意度指标
\t社会公众满意度
\t≥90%
"""


def test_a_minimal_table_reads() -> None:
    projects, problems = disclosure.read(TABLE, "t.txt")
    assert problems == []
    (project,) = projects
    assert [(i.id, i.level1, i.level2, i.name) for i in project.indicators] == [
        ("qty1", "产出指标", "数量指标", "聘请法律顾问人数"),
        ("cost1", "产出指标", "成本指标", "宣传、培训活动经费"),
        ("soc1", "效益指标", "社会效益指标", "法治意识"),
        ("sat1", "满意度指标", "满意度指标", "社会公众满意度"),
    ]


def test_problems_are_located_by_table_and_row() -> None:
    broken = (
        TABLE.replace("\t1人", "\t≥9O人")
        .replace("\t35\n\t其中", "\t3五\n\t其中")
        .replace("\t宣传、培训活动经费\n", "")
        .replace("第三季度15万元", "第三季度十五万元")
    )
    projects, problems = disclosure.read(broken, "seed.txt")
    assert [(str(p), p.severity) for p in problems] == [
        ("seed.txt:4: 资金分配情况: cannot read '第三季度十五万元'", Severity.ERROR),
        ("seed.txt: table 1: budget: cannot read the amount '3五' (万元)", Severity.ERROR),
        ("seed.txt: table 1, row 5: cannot read target '≥9O人': unknown unit 'O人'", Severity.ERROR),
        (
            "seed.txt: table 1, row 6: expected 4 cells (一级, 二级, 三级, 指标值), "
            "found 3: ['', '成本指标', '35万元']",
            Severity.ERROR,
        ),
    ]
    assert projects == []


def test_a_table_without_a_plan_is_an_error() -> None:
    projects, problems = disclosure.read(TABLE.replace("法制宣传工作经费\n预算", "其他经费\n预算"), "t.txt")
    assert [str(p) for p in problems] == [
        "t.txt: table 1: no 资金分配情况 for '法制宣传工作经费' in 第三部分 七",
        "t.txt:2: warning: no goal table for '州市场监督管理局其他经费' of 第三部分 七",
    ]
    assert [len(p.plan.entries) for p in projects] == [0]


def test_no_table_at_all() -> None:
    assert disclosure.read("nothing here\n", "t.txt") == ([], [Problem("t.txt", "no 项目支出绩效目标表 found")])
