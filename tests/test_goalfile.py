"""Goal files: strict reading with located problems, folders, and dumps/loads round trips."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs
import pendulum
import pytest

from kpitrack.io import goalfile
from kpitrack.model import Aggregate, FundPlan
from kpitrack.problems import Problem
from kpitrack.thresholds import Kind, Op

VALID = """\
id = "p01"
name = "法制宣传工作经费"
unit = "昌吉州市场监督管理局"
year = 2021
budget = 35
fiscal = 35
other = 0
goal = "普法宣传"
plan = { Q4 = 10, Q2 = 10, Q3 = 15 }
window = ["2021-01", "2021-12"]

[[indicators]]
id = "qty1"
level2 = "数量指标"
name = "聘请法律顾问人数"
target = "1人"
weight = 5

[[indicators]]
id = "time1"
level2 = "时效"
name = "项目所需时间"
target = "12月"

[[indicators]]
id = "cost1"
level2 = "成本指标"
name = "普法工作成本"
target = "5万"
weight = 12.5

[[indicators]]
id = "sat1"
level1 = "满意度"
level2 = "满意度指标"
name = "社会公众满意度"
target = "≥90%"
aggregate = "latest"
unit = "%"
"""


def load(text: str) -> tuple[object, list[str]]:
    project, problems = goalfile.loads(text, "goals/x.toml")
    assert all(p.where.startswith("goals/x.toml") for p in problems)
    return project, [p.message for p in problems]


def test_a_valid_file_reads_into_a_project() -> None:
    project, problems = goalfile.loads(VALID, "goals/p01.toml")
    assert problems == []
    assert project is not None
    assert (project.id, project.name, project.unit, project.year) == (
        "p01",
        "法制宣传工作经费",
        "昌吉州市场监督管理局",
        2021,
    )
    assert project.budget == Decimal(35) and project.fiscal == Decimal(35) and project.other == Decimal(0)
    assert project.goal == "普法宣传"
    # Plan entries come back in quarter order however the file wrote them.
    assert project.plan == FundPlan((("Q2", Decimal(10)), ("Q3", Decimal(15)), ("Q4", Decimal(10))))
    assert project.start == pendulum.date(2021, 1, 1) and project.end == pendulum.date(2021, 12, 31)
    assert project.source == "goals/p01.toml"
    qty, time, cost, sat = project.indicators
    assert (qty.level1, qty.level2, qty.unit, qty.aggregate, qty.weight) == (
        "产出指标",
        "数量指标",
        "人",
        Aggregate.SUM,
        5,
    )
    assert (qty.target.kind, qty.target.op, qty.target.value) == (Kind.COMPARE, Op.GE, Decimal(1))
    assert (time.level2, time.target.kind, time.target.op, time.unit) == ("时效指标", Kind.DURATION, Op.LE, "个月")
    assert (cost.target.op, cost.target.unit, cost.weight) == (Op.LE, "万元", Decimal("12.5"))
    assert type(cost.weight) is Decimal
    assert (sat.level1, sat.aggregate, sat.unit) == ("满意度指标", Aggregate.LATEST, "%")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('target = "≥90%"', 'target = "≥9O%"', "indicators[3].target: cannot read target '≥9O%': unknown unit 'O%'"),
        ("weight = 5", "wieght = 5", "indicators[0].wieght: unknown key (did you mean 'weight'?)"),
        ("budget = 35", "budget = 35\ncolour = 1", "colour: unknown key"),
        ("year = 2021", 'year = "2021"', "year: expected an integer, got the string '2021'"),
        ("year = 2021", "year = 2021.0", "year: expected an integer, got 2021.0"),
        ("year = 2021", "year = true", "year: expected an integer, got true"),
        (
            "budget = 35",
            'budget = "abc"',
            "budget: expected a number (万元), or an amount with its unit such as '125000元', got the string 'abc'",
        ),
        (
            "budget = 35",
            'budget = "35"',
            "budget: expected a number (万元), or an amount with its unit such as '125000元', got the string '35'",
        ),
        (
            "budget = 35",
            'budget = "-5元"',
            "budget: cannot read amount '-5元': an amount cannot be negative",
        ),
        ("budget = 35", "budget = -35", "budget: must not be negative, got -35"),
        ("budget = 35", "budget = nan", "budget: expected a number, got NaN"),
        ('unit = "昌吉州市场监督管理局"\n', "", "unit: required key is missing"),
        ('target = "1人"\n', "", "indicators[0].target: required key is missing"),
        ('name = "法制宣传工作经费"', "name = 3", "name: expected a string, got 3"),
        ('name = "法制宣传工作经费"', 'name = " "', "name: must not be empty"),
        ("Q4 = 10", "Q5 = 10", "plan.Q5: not a plan entry: use Q1..Q4 (quarters) or H1, H2 (half-years)"),
        (
            "Q4 = 10",
            'Q4 = "10"',
            "plan.Q4: expected a number (万元), or an amount with its unit such as '125000元', got the string '10'",
        ),
        (
            "plan = { Q4 = 10, Q2 = 10, Q3 = 15 }",
            "plan = 35",
            "plan: expected a table like { Q2 = 10, Q3 = 15 }, got 35",
        ),
        (
            'id = "p01"',
            'id = "p 01"',
            "id: 'p 01' is not a valid project id (a letter or digit, then letters, digits, _ . -)",
        ),
        (
            'id = "qty1"',
            'id = "1qty"',
            "indicators[0].id: '1qty' is not a valid indicator id (a letter, then letters, digits, _ . -)",
        ),
        ('aggregate = "latest"', 'aggregate = "total"', "indicators[3].aggregate: 'total' is not one of sum, latest"),
        ('"2021-12"]', '"2021-13"]', "window[1]: expected a month like '2021-01', got the string '2021-13'"),
        ('["2021-01", "2021-12"]', '["2021-12", "2021-01"]', "window: starts (2021-12) after it ends (2021-01)"),
        (
            '["2021-01", "2021-12"]',
            '["2021-01"]',
            'window: expected two months like ["2021-01", "2021-12"], got an array',
        ),
    ],
)
def test_each_kind_of_error_is_located_and_quoted(old: str, new: str, message: str) -> None:
    assert VALID.count(old) >= 1
    project, problems = load(VALID.replace(old, new, 1))
    assert project is None
    assert problems == [message]


def test_decimal_and_integer_budgets_are_exact() -> None:
    for text, expected in (
        ("budget = 35", Decimal(35)),
        ("budget = 12.5", Decimal("12.5")),
        ("budget = 0.1", Decimal("0.1")),
    ):
        project, problems = goalfile.loads(VALID.replace("budget = 35", text).replace("fiscal = 35\n", ""), "x")
        assert problems == []
        assert project is not None and project.budget == expected and type(project.budget) is Decimal


def test_a_toml_syntax_error_gives_its_line() -> None:
    project, problems = goalfile.loads(VALID.replace("year = 2021", "year = 2021 2022"), "goals/x.toml")
    assert project is None
    assert problems == [
        Problem("goals/x.toml:4", "not valid TOML: Expected newline or end of document after a statement (column 13)")
    ]


def test_a_broken_file_reports_every_problem() -> None:
    broken = (
        VALID.replace("year = 2021", 'year = "2021"')
        .replace("weight = 5\n", "wieght = 5\n")
        .replace('target = "≥90%"', 'target = "≥9O%"')
        .replace("Q4 = 10", "Q5 = 10")
        .replace('level2 = "成本指标"\n', "")
    )
    project, problems = load(broken)
    assert project is None
    assert problems == [
        "year: expected an integer, got the string '2021'",
        "plan.Q5: not a plan entry: use Q1..Q4 (quarters) or H1, H2 (half-years)",
        "indicators[0].wieght: unknown key (did you mean 'weight'?)",
        "indicators[2].level2: required key is missing",
        "indicators[3].target: cannot read target '≥9O%': unknown unit 'O%'",
    ]


def test_load_paths_reads_every_file_of_every_folder(tmp_path: Path) -> None:
    goals = tmp_path / "goals"
    goals.mkdir()
    (goals / "b.toml").write_text(
        VALID.replace('id = "p01"', 'id = "p02"').replace("budget = 35", "budget = []"), "utf-8"
    )
    (goals / "a.toml").write_text(VALID.replace("year = 2021", 'year = "2021"'), "utf-8")
    (goals / "c.toml").write_text(VALID.replace('id = "p01"', 'id = "p03"'), "utf-8")
    (goals / "notes.txt").write_text("not a goal file", "utf-8")
    single = tmp_path / "single.toml"
    single.write_text(VALID, "utf-8")
    projects, problems = goalfile.load_paths([goals, single, tmp_path / "missing"])
    assert [p.id for p in projects] == ["p03", "p01"]
    assert [p.source for p in projects] == [str(goals / "c.toml"), str(single)]
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'missing'}: no such file or folder",
        f"{goals / 'a.toml'}: year: expected an integer, got the string '2021'",
        f"{goals / 'b.toml'}: budget: expected a number, got an array",
    ]


def test_unreadable_and_empty_inputs_are_problems(tmp_path: Path) -> None:
    (tmp_path / "latin1.toml").write_bytes("name = '\xe9'".encode("latin-1"))
    empty = tmp_path / "empty"
    empty.mkdir()
    projects, problems = goalfile.load_paths([tmp_path / "latin1.toml", empty])
    assert projects == []
    assert [str(p) for p in problems] == [
        f"{empty}: no goal files (*.toml) in this folder",
        f"{tmp_path / 'latin1.toml'}: line 1: neither UTF-8 nor GBK/GB18030 text: save the file as UTF-8",
    ]


def test_dumps_round_trips() -> None:
    project, _ = goalfile.loads(VALID, "goals/p01.toml")
    assert project is not None
    text = goalfile.dumps(project)
    again, problems = goalfile.loads(text, "x")
    assert problems == [] and again == project
    # Inferred values stay implicit, explicit overrides are kept, targets are canonical.
    assert 'target = "≥1人"' in text and 'target = "≤12个月"' in text and 'target = "≤5万元"' in text
    assert "plan = { Q2 = 10, Q3 = 15, Q4 = 10 }" in text
    assert 'window = ["2021-01", "2021-12"]' in text
    assert "weight = 12.5" in text
    assert 'level1 = "' not in text and 'aggregate = "latest"' not in text and 'unit = "%"' not in text


def test_dumps_keeps_overrides_that_differ_from_the_inference() -> None:
    project, _ = goalfile.loads(VALID, "x")
    assert project is not None
    sat = project.indicators[3]
    changed = attrs.evolve(sat, level1="产出指标", aggregate=Aggregate.SUM, unit="")
    odd = attrs.evolve(project, indicators=(*project.indicators[:3], changed), start=None, end=None, fiscal=None)
    text = goalfile.dumps(odd)
    assert 'level1 = "产出指标"' in text and 'aggregate = "sum"' in text and 'unit = ""' in text
    assert "window" not in text and "fiscal" not in text
    again, problems = goalfile.loads(text, "x")
    assert problems == [] and again == odd
