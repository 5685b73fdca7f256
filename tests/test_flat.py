"""Flat goal tables (扁平绩效目标表): one row per indicator, CSV or XLSX, with located errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl

from kpitrack.io import flat, load_goals
from kpitrack.model import Aggregate, FundPlan
from kpitrack.thresholds import Kind, parse

ONE_SHEET = """\
项目编码,项目名称,单位,年度,年度资金总额（万元）,财政拨款,其他资金,Q2,Q3,Q4,一级指标,二级指标,三级指标,指标编码,指标值,分值
p01,法制宣传工作经费,昌吉州市场监督管理局,2021,35,35,0,10,15,10,产出指标,数量指标,聘请法律顾问人数,qty1,1人,
p01,,,,,,,,,,,,印制法律法规宣传资料,qty2,10000份,
p01,,,,,,,,,,,成本指标,普法工作成本,cost1,5万,
p01,,,,,,,,,,,社会效益指标,知晓比率,soc1,逐年提高,
p01,,,,,,,,,,满意度指标,满意度指标,社会公众满意度,sat1,≥90%,10
"""


def test_one_sheet_with_the_project_on_its_first_row(tmp_path: Path) -> None:
    path = tmp_path / "goals.csv"
    path.write_text("\ufeff" + ONE_SHEET, encoding="utf-8")  # Excel's BOM is accepted
    (project,), problems = flat.load_paths([path])
    assert problems == []
    assert (project.id, project.name, project.year, project.budget) == ("p01", "法制宣传工作经费", 2021, Decimal(35))
    assert project.plan == FundPlan((("Q2", Decimal(10)), ("Q3", Decimal(15)), ("Q4", Decimal(10))))
    assert [i.id for i in project.indicators] == ["qty1", "qty2", "cost1", "soc1", "sat1"]
    qty2, cost1, soc1, sat1 = project.indicators[1:]
    # A blank level 2 repeats the row above (a merged cell); level 1 is inferred from level 2.
    assert (qty2.level1, qty2.level2, qty2.aggregate) == ("产出指标", "数量指标", Aggregate.SUM)
    assert cost1.target == parse("≤5万元") and cost1.unit == "万元"
    assert (soc1.level1, soc1.target.kind) == ("效益指标", Kind.TREND)
    assert sat1.weight == Decimal(10)


def test_two_sheets_joined_by_project_id_with_english_headers(tmp_path: Path) -> None:
    path = tmp_path / "goals.xlsx"
    workbook = openpyxl.Workbook()
    projects = workbook.active
    assert projects is not None
    projects.title = "项目"
    projects.append(["project", "name", "unit", "year", "budget", "H1", "H2"])
    projects.append(["y01", "阳光食品", "昌吉州市场监督管理局", 2021, 182, 91, 91])
    indicators = workbook.create_sheet("指标")
    indicators.append(["project", "level2", "indicator", "indicator_id", "target", "aggregate"])
    indicators.append(["y01", "质量指标", "覆盖率", "qual1", 0.9, "latest"])
    indicators["E2"].number_format = "0%"  # a percentage cell holds 0.9 and shows 90%
    indicators.append(["y01", "数量指标", "抽检批次", "qty1", "≧100批次", None])
    workbook.save(path)

    (project,), problems = load_goals([path])
    assert problems == []
    assert project.year == 2021 and project.plan.by_half_year
    assert [str(i.target) for i in project.indicators] == ["≥90%", "≥100批次"]
    assert project.indicators[0].aggregate is Aggregate.LATEST


BAD = """\
项目编码,项目名称,单位,年度,年度资金总额,二级指标,三级指标,指标编码,指标值,分值,颜色
p01,测试项目,测试局,2021,35,数量指标,检查次数,qty1,≥9O%,5,红
p01,测试项目,测试局,2021,36,数量指标,宣传次数,qty2,4次,五分,
p02,另一个项目,测试局,20x1,,质量指标,合格率,2bad,≥90%,,
"""


def test_every_problem_is_reported_with_file_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "goals.csv"
    path.write_text(BAD, encoding="utf-8")
    projects, problems = flat.load_paths([path])
    assert projects == []
    assert [str(p) for p in problems] == [
        f"{path}: row 1, column 颜色: unknown column '颜色'; see the flat table layout",
        f"{path}: row 3, column 年度资金总额: project p01: '36' differs from '35' given at {path}: row 2, "
        "column 年度资金总额",
        f"{path}: row 4, column 年度: cannot read year '20x1': expected a year such as 2021",
        f"{path}: row 4: project p02: no year (年度) is given for it",
        f"{path}: row 2, column 指标值: cannot read target '≥9O%': unknown unit 'O%'",
        f"{path}: row 3, column 分值: cannot read weight '五分': expected a number of points",
        f"{path}: row 4: project p02: no 年度资金总额 (budget) given",
        f"{path}: row 4, column 指标编码: '2bad' is not a valid indicator id (a letter, then letters, digits, _ . -)",
    ]


def test_indicator_rows_without_a_year_join_their_project_row(tmp_path: Path) -> None:
    (tmp_path / "projects.csv").write_text("project,name,unit,year,budget\np01,测试项目,测试局,2021,10\n", "utf-8")
    (tmp_path / "indicators.csv").write_text(
        "project,level2,indicator,indicator_id,target\np01,数量指标,检查次数,qty1,≥4次\n", "utf-8"
    )
    (project,), problems = load_goals([tmp_path])
    assert problems == []
    assert project.year == 2021 and [i.id for i in project.indicators] == ["qty1"]
