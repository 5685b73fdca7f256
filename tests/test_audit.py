"""复核 (``kpitrack audit``): hand-built 自评表, one problem at a time, in the flat and the official layout.

Every table starts from :data:`BASE`, a consistent table whose figures are worked
out below; each test changes one row and checks the flag, the published and the
expected score.  The same table is written as a flat CSV and as an official XLSX
workbook (built here with openpyxl), and both must audit alike.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import attrs
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

import kpitrack
from kpitrack.audit import FLAGS, AuditedRow, AuditedTable, FilledTable, FundLine, IndicatorLine, TotalLine
from kpitrack.audit import audit as audit_table
from kpitrack.profile import DEFAULT

# 一级指标, 二级指标, 三级指标, 年度指标值, 实际完成值, 分值, 得分, 偏差原因分析及改进措施
Row = tuple[str, str, str, str, str, str, str, str]

# The consistent table.  Weights: 预算执行率 10 + 产出 20 + 15 + 15 + 效益 30 + 满意度 10 = 100.
BASE: tuple[Row, ...] = (
    # 9000 / 10000 × 20 = 18
    ("产出指标", "数量指标", "印制宣传资料", "≥10000份", "9000份", "20", "18", "纸价上涨，减少印量"),
    # 95 ≥ 90 → full 15
    ("产出指标", "质量指标", "宣传覆盖率", "≥90%", "95%", "15", "15", ""),
    # 35 ≤ 35 → full 15
    ("产出指标", "成本指标", "宣传经费", "≤35万元", "35万元", "15", "15", ""),
    # a grade: 27 / 30 = 90 % of the weight, inside the band of 达成 [80, 100] → 27
    ("效益指标", "社会效益指标", "群众法律意识", "逐年提高", "达成", "30", "27", "问卷样本偏少"),
    # 85 / 90 × 10 = 9.444…, printed 9.44: within the tolerance of 0.05
    ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "85%", "10", "9.44", "建立回访制度"),
)
# 预算执行率: 35 / 35 = 100 % → 10.  Total printed: 10 + 18 + 15 + 15 + 27 + 9.44 = 94.44 (优);
# the rules': 10 + 18 + 15 + 15 + 27 + 9.4444… = 94.4444…
BASE_TOTAL = "94.44"


@attrs.frozen
class Table:
    project: str = "法制宣传工作经费"
    rows: tuple[Row, ...] = BASE
    fund: tuple[str, str, str, str] | None = ("35", "35", "10", "10")  # 全年预算数, 全年执行数, 分值, 得分
    total: str | None = BASE_TOTAL
    grade: str = "优"
    initial: str = ""  # 年初预算数 (official layout only)
    rate: str = ""  # 执行率 (official layout only)


def changed(name: str, **cells: str) -> tuple[Row, ...]:
    """BASE with the row named ``name`` changed: target, actual, weight, score, reason."""
    fields = ("level1", "level2", "name", "target", "actual", "weight", "score", "reason")
    rows = []
    for row in BASE:
        if row[2] == name:
            values = dict(zip(fields, row, strict=True)) | cells
            row = tuple(values[f] for f in fields)  # type: ignore[assignment]
        rows.append(row)
    return tuple(rows)


FLAT_HEADER = [
    "项目",
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
]


def write_flat(path: Path, tables: Sequence[Table], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        out = csv.writer(handle)
        out.writerow(FLAT_HEADER)
        for table in tables:
            if table.fund is not None:
                budget, spent, weight, score = table.fund
                out.writerow([table.project, "", "", "预算执行率", budget, spent, weight, score, ""])
            for row in table.rows:
                out.writerow([table.project, *row])
            if table.total is not None:
                out.writerow([table.project, "总分", "", "", "", table.grade, "100", table.total, ""])
    return path


def write_official(path: Path, tables: Sequence[Table]) -> Path:
    """The 项目支出绩效自评表 as provinces print it: title, 项目名称, the 项目资金 block, 绩效指标, 总分, 等级.

    一级 and 二级 cells are merged down their rows, as in the printed form.
    """
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.worksheets[0])
    for table in tables:
        sheet = workbook.create_sheet(table.project[:31])
        sheet.append(["项目支出绩效自评表（2021年度）"])
        sheet.merge_cells("A1:I1")
        sheet.append(["项目名称", table.project])
        sheet.append(["主管部门", "昌吉州市场监督管理局", "", "", "实施单位", "昌吉州市场监督管理局"])
        sheet.append(["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
        if table.fund is not None:
            budget, spent, weight, score = table.fund
            sheet.append(["", "年度资金总额", table.initial or budget, budget, spent, weight, table.rate, score])
            sheet.append(["", "其中：本年财政拨款", table.initial or budget, budget, spent, "—", "—", "—"])
        sheet.append(["年度总体目标", "预期目标", "", "", "", "实际完成情况"])
        sheet.append(["", "开展法制宣传", "", "", "", "已开展"])
        sheet.append(["绩效指标", *FLAT_HEADER[1:]])
        first = sheet.max_row + 1
        previous: tuple[str, str] = ("", "")
        for row in table.rows:
            level1 = row[0] if row[0] != previous[0] else ""
            level2 = row[1] if row[:2] != previous else ""
            sheet.append(["", level1, level2, *row[2:]])
            previous = (row[0], row[1])
        for column in ("B", "C"):  # merge each run of a blank 一级 / 二级 under its label
            start = first
            for number in range(first + 1, sheet.max_row + 2):
                if number > sheet.max_row or sheet[f"{column}{number}"].value:
                    if number - 1 > start:
                        sheet.merge_cells(f"{column}{start}:{column}{number - 1}")
                    start = number
        if table.total is not None:
            sheet.append(["总分", "", "", "", "", "", 100, number_or_text(table.total), ""])
            sheet.append(["自评等级", table.grade])
    workbook.save(path)
    return path


def number_or_text(text: str) -> object:
    """Scores go into the workbook as numbers, as a person types them."""
    try:
        return int(text) if text.isdigit() else float(text)
    except ValueError:
        return text


LAYOUTS = ("flat", "official")


def audit(tmp_path: Path, layout: str, *tables: Table, **options: object) -> list[AuditedTable]:
    path = write_flat(tmp_path / "t.csv", tables) if layout == "flat" else write_official(tmp_path / "t.xlsx", tables)
    report = kpitrack.audit_files([path], **options)  # type: ignore[arg-type]
    assert report.problems == ()
    return list(report.tables)


def row(table: AuditedTable, indicator: str) -> AuditedRow:
    (found,) = (r for r in table.rows if r.indicator == indicator)
    return found


def flagged(table: AuditedTable) -> dict[str, tuple[str, ...]]:
    return {r.indicator: r.flags for r in table.rows if r.flags}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_consistent_table_has_no_flag(tmp_path: Path, layout: str) -> None:
    (table,) = audit(tmp_path, layout, Table())
    assert table.flags == ()
    assert table.total_published == Decimal("94.44")
    assert table.total_rules is not None
    # 10 + 18 + 15 + 15 + 27 + 85/90 × 10 = 94.4444…
    assert round(table.total_rules, 4) == Decimal("94.4444")
    assert table.grade_rules is not None and table.grade_rules.value == "优"
    assert row(table, "群众满意度").expected is not None
    assert round(row(table, "群众满意度").expected or 0, 4) == Decimal("9.4444")
    assert row(table, "预算执行率").expected == 10
    assert len(table.rows) == 7  # the budget line, five indicators, 总分


@pytest.mark.parametrize("layout", LAYOUTS)
def test_mismatch_below_the_rules_with_the_target_missed(tmp_path: Path, layout: str) -> None:
    # 80 / 90 × 15 = 13.333…; printed 12 is no rounding of it (13, 13.3, 13.4, 14): a plain mismatch.
    rows = changed("宣传覆盖率", actual="80%", score="12", reason="宣传点位不足")
    (table,) = audit(tmp_path, layout, Table(rows=rows, total="91.44"))  # 94.44 − 15 + 12
    item = row(table, "宣传覆盖率")
    assert item.flags == ("mismatch",)
    assert (item.published, round(item.expected or 0, 4)) == (Decimal(12), Decimal("13.3333"))
    assert item.findings[0].message == "得分 12 but the rules give 13.33"
    assert flagged(table) == {"宣传覆盖率": ("mismatch",)}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_rounding_says_which_rule(tmp_path: Path, layout: str) -> None:
    # 满意度 86 / 90 × 10 = 9.5555…: printed 9.5 is one decimal truncated (half up would give 9.6).
    # 印制 8780 / 10000 × 20 = 17.56: printed 18 is an integer, half up (or rounded up).
    rows = changed("群众满意度", actual="86%", score="9.5")
    rows = tuple(r if r[2] != "印制宣传资料" else (*r[:4], "8780份", "20", "18", r[7]) for r in rows)
    (table,) = audit(tmp_path, layout, Table(rows=rows, total="94.5"))  # 10 + 18 + 15 + 15 + 27 + 9.5
    assert flagged(table) == {"群众满意度": ("rounding",), "印制宣传资料": ("rounding",)}
    assert row(table, "群众满意度").findings[0].message == "得分 9.5 is 9.5556 rounded to one decimal, truncated (去尾)"
    assert row(table, "印制宣传资料").findings[0].message == (
        "得分 18 is 17.56 rounded to an integer, half up (四舍五入) or rounded up (进一)"
    )


@pytest.mark.parametrize("layout", LAYOUTS)
def test_lenient_full_marks_despite_a_shortfall_and_a_broken_cap(tmp_path: Path, layout: str) -> None:
    # 覆盖率 80 % against ≥90 %: 80 / 90 × 15 = 13.33, printed 15.
    # 经费 40 万元 against ≤35 万元: 35 / 40 × 15 = 13.125, printed 15.
    rows = changed("宣传覆盖率", actual="80%")
    rows = tuple(r if r[2] != "宣传经费" else (*r[:4], "40万元", *r[5:]) for r in rows)
    (table,) = audit(tmp_path, layout, Table(rows=rows))
    assert flagged(table) == {"宣传覆盖率": ("mismatch", "lenient"), "宣传经费": ("mismatch", "lenient")}
    assert row(table, "宣传经费").expected == Decimal("13.125")
    messages = [f.message for f in row(table, "宣传经费").findings]
    assert messages[1] == "full marks despite a broken cap: 35 / 40 × 15 = 13.13"
    assert [f.message for f in row(table, "宣传覆盖率").findings][1] == (
        "full marks despite a shortfall: 80 / 90 × 15 = 13.33"
    )
    # The printed total is the sum of the printed rows; against the rules' it is off:
    # 94.44 printed, 10 + 18 + 13.333 + 13.125 + 27 + 9.444 = 90.90 by the rules.
    assert round(table.total_rules or 0, 2) == Decimal("90.90")
    assert table.total_off


@pytest.mark.parametrize("layout", LAYOUTS)
def test_harsh_deduction_with_the_target_met(tmp_path: Path, layout: str) -> None:
    # 95 % ≥ 90 % → full 15; printed 13 with a reason: still a deduction the rules do not make.
    rows = changed("宣传覆盖率", score="13", reason="酌情扣分")
    (table,) = audit(tmp_path, layout, Table(rows=rows, total="92.44"))
    item = row(table, "宣传覆盖率")
    assert item.flags == ("mismatch", "harsh")
    assert (item.published, item.expected) == (Decimal(13), Decimal(15))
    assert item.findings[1].message == "points deducted with the target met: ≥90%: 95 ≥ 90 → full 15"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_above_weight(tmp_path: Path, layout: str) -> None:
    rows = changed("宣传覆盖率", score="16")  # 分值 15, 得分 16; the rules give 15
    (table,) = audit(tmp_path, layout, Table(rows=rows, total="95.44"))
    item = row(table, "宣传覆盖率")
    assert item.flags == ("mismatch", "lenient", "above_weight")
    assert item.findings[-1].message == "得分 16 is above the 分值 15"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_weights_that_do_not_make_100(tmp_path: Path, layout: str) -> None:
    # 覆盖率 weighs 20: 10 + 20 + 20 + 15 + 30 + 10 = 105.
    rows = changed("宣传覆盖率", weight="20", score="20")
    (table,) = audit(tmp_path, layout, Table(rows=rows, total="99.44"))
    assert table.flags == ("weights",)
    assert [f.message for f in table.findings] == [
        "the 分值 add up to 105 (预算执行率 10 + 产出指标 55 + 效益指标 30 + 满意度指标 10), not 100"
    ]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_department_table_with_its_own_tiers_is_consistent(tmp_path: Path, layout: str) -> None:
    # 产出 60 (20 + 25 + 15), 效益 20, 满意度 10, execution 10: not 50/30/10, and still 100.
    rows = (
        ("产出指标", "数量指标", "印制宣传资料", "≥10000份", "9000份", "20", "18", "纸价上涨"),  # 9000/10000 × 20
        ("产出指标", "质量指标", "宣传覆盖率", "≥90%", "95%", "25", "25", ""),
        ("产出指标", "成本指标", "宣传经费", "≤35万元", "35万元", "15", "15", ""),
        ("效益指标", "社会效益指标", "群众法律意识", "逐年提高", "部分达成", "20", "14", "宣传形式单一"),  # 70 %
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", "10", "10", ""),
    )
    (table,) = audit(tmp_path, layout, Table(rows=rows, total="92"))  # 10 + 18 + 25 + 15 + 14 + 10
    assert table.flags == ()
    assert table.total_rules == 92


@pytest.mark.parametrize("layout", LAYOUTS)
def test_total_not_the_sum_of_its_rows(tmp_path: Path, layout: str) -> None:
    (table,) = audit(tmp_path, layout, Table(total="95.44"))  # the rows add up to 94.44
    total = row(table, "总分")
    assert total.flags == ("total",)
    assert total.findings[0].message == (
        "总分 95.44 is not the sum of the row scores: 10 + 18 + 15 + 15 + 27 + 9.44 = 94.44"
    )
    assert table.total_off


@pytest.mark.parametrize("layout", LAYOUTS)
def test_total_rounded_to_an_integer_is_rounding(tmp_path: Path, layout: str) -> None:
    (table,) = audit(tmp_path, layout, Table(total="94"))  # 94.44 rounded half up (or truncated)
    assert row(table, "总分").flags == ("rounding",)
    assert not table.total_off  # 94 is the rules' 94.444… rounded too


@pytest.mark.parametrize("layout", LAYOUTS)
def test_grade_that_does_not_match_the_total(tmp_path: Path, layout: str) -> None:
    (table,) = audit(tmp_path, layout, Table(grade="良"))  # 94.44 ≥ 90 is 优
    total = row(table, "总分")
    assert total.flags == ("grade",)
    assert total.findings[0].message == "等级 良 but 总分 94.44 is 优 (优 ≥ 90)"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_execution_score_wrong(tmp_path: Path, layout: str) -> None:
    # 28 of 35 万元: 28 / 35 = 80 % → 8 points; printed 10.
    (table,) = audit(tmp_path, layout, Table(fund=("35", "28", "10", "10")))
    line = row(table, "预算执行率")
    assert line.flags == ("execution",)
    assert (line.published, line.expected) == (Decimal(10), Decimal(8))
    assert line.findings[0].message == "得分 10 but 28 / 35 = 80% × 10 = 8"


def test_execution_rate_on_another_base(tmp_path: Path) -> None:
    # Official block: 年初预算数 28, 全年预算数 35, 全年执行数 28.  The rate printed, 100 %,
    # is 28 / 28 on the 年初 budget; on 全年预算数 it is 80 %, which scores 8, not 10.
    table = Table(fund=("35", "28", "10", "10"), initial="28", rate="100%")
    (audited,) = audit(tmp_path, "official", table)
    line = row(audited, "预算执行率")
    assert line.flags == ("execution",)
    assert [f.message for f in line.findings] == [
        "得分 10 but 28 / 35 = 80% × 10 = 8 (computed on 年初预算数 28: 100%)",
        "执行率 100% but 全年执行数 / 全年预算数 = 80% (computed on 年初预算数 28: 100%)",
    ]


def test_money_in_yuan(tmp_path: Path) -> None:
    # 350000元 / 280000元 are 35 / 28 万元: 80 % → 8, printed 8: consistent.
    (table,) = audit(tmp_path, "flat", Table(fund=("350000元", "280000元", "10", "8"), total="92.44"))
    assert table.flags == ()
    assert row(table, "预算执行率").explain == "28 / 35 = 80% × 10 = 8"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_no_explanation_for_points_lost(tmp_path: Path, layout: str) -> None:
    rows = changed("印制宣传资料", reason="")  # 18 of 20: 2 points lost, no 偏差原因
    (table,) = audit(tmp_path, layout, Table(rows=rows))
    item = row(table, "印制宣传资料")
    assert item.flags == ("no_explanation",)
    assert item.findings[0].message == "2 of 20 points lost and no 偏差原因分析及改进措施"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_unreadable_target_is_located_and_the_rest_audited(tmp_path: Path, layout: str) -> None:
    rows = changed("宣传覆盖率", target="≥9O%")
    rows = tuple(r if r[2] != "宣传经费" else (*r[:6], "14", "超支") for r in rows)  # and a real error elsewhere
    (table,) = audit(tmp_path, layout, Table(rows=rows, total="93.44"))
    item = row(table, "宣传覆盖率")
    assert item.flags == ("unreadable",)
    assert item.findings[0].message == "cannot read target '≥9O%': unknown unit 'O%': the row cannot be re-scored"
    assert item.expected is None
    assert row(table, "宣传经费").flags == ("mismatch", "harsh")  # 35 ≤ 35 → full 15, printed 14
    assert table.total_rules is None
    where = table.table.where(item.row, item.findings[0].field)
    if layout == "flat":
        assert where == f"{tmp_path / 't.csv'}: row 4, column 年度指标值"
    else:
        assert where == f"{tmp_path / 't.xlsx'}: sheet 法制宣传工作经费, row 11, column 年度指标值 (E)"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_unreadable_value(tmp_path: Path, layout: str) -> None:
    (table,) = audit(tmp_path, layout, Table(rows=changed("宣传覆盖率", actual="显著提高")))
    assert row(table, "宣传覆盖率").findings[0].message == (
        "cannot record '显著提高': expected a number in %: the row cannot be re-scored"
    )


@pytest.mark.parametrize("layout", LAYOUTS)
def test_qualitative_rows_against_the_grade_bands(tmp_path: Path, layout: str) -> None:
    # 达成 with 20 of 30 (66.7 %): inside the band of 部分达成, not of 达成 [80, 100] → the rules use
    # 达成's default 100 % = 30: a mismatch, and a deduction with the target met.
    (table,) = audit(tmp_path, layout, Table(rows=changed("群众法律意识", score="20"), total="87.44", grade="良"))
    item = row(table, "群众法律意识")
    assert item.flags == ("mismatch", "harsh")
    assert item.expected == 30
    # 基本完成 (a 部分达成 word) with 21 of 30 = 70 %: inside its band, consistent.
    (table,) = audit(
        tmp_path, layout, Table(rows=changed("群众法律意识", actual="基本完成", score="21"), total="88.44", grade="良")
    )
    assert table.flags == ()
    assert row(table, "群众法律意识").expected == 21
    # No grade word, 31 of 30 (103 %): outside every band.
    (table,) = audit(tmp_path, layout, Table(rows=changed("群众法律意识", actual="", score="31"), total="98.44"))
    assert row(table, "群众法律意识").flags == ("mismatch", "lenient", "above_weight")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_kind_of_problem_in_one_table(tmp_path: Path, layout: str) -> None:
    rows = (
        # rounding: 9000 / 10000 × 20 = 18 is exact; 8780 → 17.56, printed 18
        ("产出指标", "数量指标", "印制宣传资料", "≥10000份", "8780份", "20", "18", "纸价上涨"),
        # lenient: 80 / 90 × 15 = 13.33, printed full
        ("产出指标", "质量指标", "宣传覆盖率", "≥90%", "80%", "15", "15", ""),
        # harsh + no_explanation: 35 ≤ 35 → full 15, printed 12 without a reason
        ("产出指标", "成本指标", "宣传经费", "≤35万元", "35万元", "15", "12", ""),
        # unreadable target
        ("产出指标", "时效指标", "完成时间", "2021年13月前", "2021-12", "5", "5", ""),
        # above_weight: 31 of 30
        ("效益指标", "社会效益指标", "群众法律意识", "逐年提高", "达成", "30", "31", ""),
        # mismatch: 85 / 90 × 10 = 9.44, printed 7 with a reason
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "85%", "10", "7", "回访不足"),
    )
    # weights: 10 + 20 + 15 + 15 + 5 + 30 + 10 = 105; execution: 28 / 35 = 80 % → 8, printed 10;
    # total: the rows add up to 10 + 18 + 15 + 12 + 5 + 31 + 7 = 98, printed 99; grade 良 for 99.
    table = Table(rows=rows, fund=("35", "28", "10", "10"), total="99", grade="良")
    (audited,) = audit(tmp_path, layout, table)
    assert set(audited.flags) == {
        "mismatch",
        "rounding",
        "lenient",
        "harsh",
        "above_weight",
        "weights",
        "total",
        "grade",
        "execution",
        "no_explanation",
        "unreadable",
    }
    assert flagged(audited) == {
        "预算执行率": ("execution",),
        "印制宣传资料": ("rounding",),
        "宣传覆盖率": ("mismatch", "lenient"),
        "宣传经费": ("mismatch", "harsh", "no_explanation"),
        "完成时间": ("unreadable",),
        "群众法律意识": ("mismatch", "lenient", "above_weight"),
        "群众满意度": ("mismatch",),
        "总分": ("total", "grade"),
    }


def test_split_target_cells_and_a_two_row_header(tmp_path: Path) -> None:
    """A published variant: 年度指标值 over 指标性质 / 指标值 / 度量单位, money in 元, fractional weights."""
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "自评表"
    sheet.append(["项目支出绩效自评表（2022年度）"])
    sheet.append(["项目名称", "食品安全抽检"])
    sheet.append(["项目资金（元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    sheet.append(["", "年度资金总额", 1150000, 1150000, 920000, 10, 0.8, 8])
    sheet["G4"].number_format = "0.00%"
    sheet.append(
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "",
            "",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ]
    )
    sheet.append(["", "", "", "指标性质", "指标值", "度量单位", "", "", "", ""])
    # 50 / 3 = 16.67 each, printed to two decimals; 450 / 485 × 16.67 = 15.47
    sheet.append(["产出指标", "数量指标", "抽检批次", "≥", 485, "批次", "450批次", 16.67, 15.47, "送检延误"])
    sheet.append(["", "质量指标", "处置率", "=", 100, "%", "100%", 16.67, 16.67, ""])
    sheet.append(["", "时效指标", "报告时间", "≤", 20, "天", "18天", 16.66, 16.66, ""])
    sheet.append(["效益指标", "社会效益指标", "知晓率", "正向指标", 85, "%", "88%", 30, 30, ""])
    sheet.append(["满意度指标", "服务对象满意度指标", "满意度", "≥", 90, "%", "92%", 10, 10, ""])
    # 8 + 15.47 + 16.67 + 16.66 + 30 + 10 = 96.8
    sheet.append(["总分", "", "", "", "", "", "", 100, 96.8, "等级：优"])
    path = tmp_path / "split.xlsx"
    workbook.save(path)
    report = kpitrack.audit_files([path])
    (table,) = report.tables
    assert table.table.project == "食品安全抽检" and table.table.year == 2022
    assert table.flags == ()
    assert table.grade_published == "优"
    assert row(table, "抽检批次").line.target == "≥485批次"  # type: ignore[union-attr]
    assert row(table, "知晓率").line.target == "≥85%"  # type: ignore[union-attr]
    # 450 / 485 × 16.67 = 15.4670…
    assert round(row(table, "抽检批次").expected or 0, 4) == Decimal("15.4670")
    assert row(table, "预算执行率").explain == "92 / 115 = 80% × 10 = 8"


def test_many_tables_in_one_file_and_a_bad_file_beside(tmp_path: Path) -> None:
    good = write_flat(tmp_path / "two.csv", [Table(), Table(project="执法装备购置", grade="良")])
    missing = tmp_path / "missing.csv"
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook")
    report = kpitrack.audit_files([good, missing, junk])
    assert [t.table.project for t in report.tables] == ["法制宣传工作经费", "执法装备购置"]
    assert [t.flags for t in report.tables] == [(), ("grade",)]
    assert [str(p) for p in report.problems] == [
        f"{missing}: no such file or folder",
        f"{junk}: not a readable workbook (damaged or not XLSX): File is not a zip file",
    ]
    assert not report.ok


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_csv_in_the_encodings_the_import_reads(tmp_path: Path, encoding: str) -> None:
    path = write_flat(tmp_path / "t.csv", [Table()], encoding=encoding)
    (table,) = kpitrack.audit_files([path]).tables
    assert table.table.project == "法制宣传工作经费" and table.flags == ()


def test_a_file_without_a_self_evaluation_table(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("project,indicator,period,value\np01,qty1,2021Q1,3\n", encoding="utf-8")
    report = kpitrack.audit_files([path])
    assert report.tables == ()
    assert [str(p) for p in report.problems] == [
        f"{path}: no self-evaluation table: expected a header row with 一级指标, 二级指标, 三级指标, "
        "年度指标值, 实际完成值, 分值, 得分"
    ]


def test_tolerance_and_profile(tmp_path: Path) -> None:
    # 9.44 against 9.4444: consistent at 0.05, a mismatch at 0.001 (and one decimal is not 9.44).
    path = write_flat(tmp_path / "t.csv", [Table()])
    assert kpitrack.audit_files([path], tolerance=Decimal("0.001")).tables[0].flags == ("mismatch",)
    # A profile whose 优 starts at 95: 94.44 is then 良, and the printed 优 is wrong.
    profile = tmp_path / "p.toml"
    profile.write_text('[scoring.grades]\n"优" = 95\n"良" = 80\n"中" = 60\n', encoding="utf-8")
    assert kpitrack.audit_files([path], profile=profile).tables[0].flags == ("grade",)


def test_actuals_written_loosely_read_as_published_tables_mean_them(tmp_path: Path) -> None:
    rows = (
        # ≥90% printed as the actual: read as 90 %, which meets ≥90 % → full 15
        ("产出指标", "质量指标", "宣传覆盖率", "≥90%", "≥90%", "15", "15", ""),
        # 完成 for ≥1次: a word where a measure belongs, judged by the bands: 20 of 20 is 达成
        ("产出指标", "数量指标", "普法讲座", "≥1次", "完成", "20", "20", ""),
        # 485次 for a target in 批次: the count read in the indicator's unit
        ("产出指标", "成本指标", "抽检批次", "≥485批次", "485次", "5", "5", ""),
        # no actual for a qualitative target: judged by the band its score lies in (27 / 30 = 90 %)
        ("效益指标", "社会效益指标", "群众法律意识", "逐年提高", "", "30", "27", "样本偏少"),
        # a remark in brackets (and 万 for 万元, which the import reads): 34.5 ≤ 35 → full 5
        ("产出指标", "成本指标", "印刷费", "≤35万元", "34.5万（审计数）", "5", "5", ""),
        # a cap in words (≤预算): judged by the bands, 5 of 5 is 达成
        ("产出指标", "成本指标", "差旅费", "≤预算", "未超预算", "5", "5", ""),
        # 不适用: excluded, and the total is rescaled to 100 over the 90 points left
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "不适用", "10", "", ""),
    )
    # rows: 10 + 15 + 20 + 15 + 27 = 87 of 90 → 87 × 100 / 90 = 96.67
    (table,) = audit(tmp_path, "flat", Table(rows=rows, total="96.67"))
    assert table.flags == ()
    assert round(table.total_rules or 0, 2) == Decimal("96.67")
    assert row(table, "宣传覆盖率").explain == "≥90%: 90 ≥ 90 → full 15"  # the import reads the operator
    assert row(table, "普法讲座").explain.startswith("'完成' is a word, not a measure: judged by the grade bands; ")
    assert row(table, "抽检批次").explain.startswith("'485次' read as 485批次 (次 for 批次); ")
    assert row(table, "印刷费").explain == "'34.5万（审计数）' read as '34.5万'; ≤35万元: 34.5 ≤ 35 → full 5"
    assert row(table, "差旅费").explain.startswith("'未超预算' judged by the grade bands; ")


def test_a_budget_line_printing_rates_and_a_subtotal_row(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "项目,一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分\n"
        "p,,,预算执行率,100%,95%,10,9.5\n"  # 95 / 100 × 10 = 9.5
        "p,产出指标,数量指标,讲座,≥4次,4次,50,50\n"
        "p,产出指标,,小计,,,50,50\n"
        "p,效益指标,社会效益指标,知晓率,≥80%,85%,30,30\n"
        "p,满意度指标,满意度指标,满意度,≥90%,90%,10,10\n"
        "p,总分,,,,,100,99.5\n",
        encoding="utf-8",
    )
    (table,) = kpitrack.audit_files([path]).tables
    assert table.flags == ()
    assert [r.indicator for r in table.rows] == ["预算执行率", "讲座", "知晓率", "满意度", "总分"]
    assert row(table, "预算执行率").explain == "95 / 100 = 95% × 10 = 9.5"


def test_a_tier_weight_printed_in_the_level1_cell(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "项目,一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分\n"
        "p,,,预算执行率,35,35,10,10\n"
        "p,产出指标（50分）,数量指标,讲座,≥4次,4次,20,20\n"
        "p,,质量指标,合格率,≥90%,95%,25,25\n"  # 20 + 25 = 45, printed 50
        "p,效益指标（30分）,社会效益指标,知晓率,≥80%,85%,30,30\n"
        "p,满意度指标（10分）,满意度指标,满意度,≥90%,90%,15,15\n"  # 15, printed 10
        "p,总分,,,,,100,100\n",
        encoding="utf-8",
    )
    (table,) = kpitrack.audit_files([path]).tables
    assert table.flags == ("weights",)
    assert [f.message for f in table.findings] == [
        "产出指标 is printed as 50 but its 分值 add up to 20 + 25 = 45",
        "满意度指标 is printed as 10 but its 分值 add up to 15 = 15",
    ]


_CELL = st.one_of(
    st.sampled_from(
        ["", "10", "9.5", "≥90%", "95%", "达成", "部分达成 70", "不适用", "2021-12", "12月", "逐年提高", "元"]
    ),
    st.text(max_size=8),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(*[_CELL] * 8), max_size=6), st.tuples(*[_CELL] * 6), st.tuples(_CELL, _CELL))
def test_any_cells_are_audited_without_a_traceback(
    lines: list[tuple[str, ...]], fund: tuple[str, ...], total: tuple[str, str]
) -> None:
    """Whatever a table prints, the audit returns findings, never an exception."""
    table = FilledTable(
        "p",
        "t.csv",
        tuple(IndicatorLine(n, *cells) for n, cells in enumerate(lines, start=2)),
        FundLine(1, *fund),
        TotalLine(99, *total),
    )
    audited = audit_table(table, DEFAULT)
    assert len(audited.rows) == len(lines) + 2
    assert set(audited.flags) <= set(FLAGS)


def test_official_workbook_with_several_projects_and_a_notes_sheet(tmp_path: Path) -> None:
    path = write_official(tmp_path / "t.xlsx", [Table(), Table(project="执法装备购置", total="95.44")])
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("填表说明").append(["得分保留两位小数"])
    # a third project under the first one, on the same sheet: its own head and header
    sheet = workbook["法制宣传工作经费"]
    sheet.append([])
    sheet.append(["项目名称", "食品安全抽检经费"])
    sheet.append(["绩效指标", *FLAT_HEADER[1:]])
    sheet.append(["", "产出指标", "数量指标", "抽检批次", "≥485批次", "485批次", 100, 100, ""])
    sheet.append(["总分", "", "", "", "", "", 100, 100, ""])
    workbook.save(path)
    report = kpitrack.audit_files([path])
    assert report.problems == ()
    assert [(t.table.project, t.table.sheet, t.flags) for t in report.tables] == [
        ("法制宣传工作经费", "法制宣传工作经费", ()),
        ("食品安全抽检经费", "法制宣传工作经费", ()),
        ("执法装备购置", "执法装备购置", ("total",)),  # the rows add up to 94.44
    ]
    (stacked,) = [t for t in report.tables if t.table.project == "食品安全抽检经费"]
    assert stacked.table.fund is None and stacked.total_rules == 100  # no budget line: execution is not scored


def test_flat_table_in_a_workbook(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "自评"
    sheet.append(FLAT_HEADER)
    sheet.append(["p", "", "", "预算执行率", 35, 35, 10, 10, ""])
    sheet.append(["p", "产出指标", "数量指标", "讲座", "≥4次", "4次", 50, 50, ""])
    sheet.append(["", "效益指标", "社会效益指标", "知晓率", 0.8, 0.85, 30, 30, ""])  # 80 %, 85 % as percent cells
    sheet["E4"].number_format = sheet["F4"].number_format = "0%"
    sheet.append(["", "满意度指标", "满意度指标", "满意度", "≥90%", "90%", 10, 10, ""])
    sheet.append(["", "总分", "", "", "", "优", 100, 100, ""])
    path = tmp_path / "flat.xlsx"
    workbook.save(path)
    (table,) = kpitrack.audit_files([path]).tables
    assert table.flags == ()
    assert row(table, "知晓率").explain == "≥80%: 85 ≥ 80 → full 30"
    assert table.table.where(4, "得分") == f"{path}: sheet 自评, row 4, column 得分 (H)"


def test_a_province_variant_with_its_own_column_names(tmp_path: Path) -> None:
    """调整后预算数 / 预算执行数 / 权重 / 完成值 / 未完成原因分析, split targets, 合计 for the total."""
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["部门预算项目支出绩效自评表(2023年度)"])
    sheet.append(["项目名称", "工资性支出"])
    sheet.append(["预算执行情况(10分)", "年度预算数(万元)"])
    sheet.append(["", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因"])
    # 239.3 / 251.89 = 95.002 % → 9.5002, printed 9.5 and 95.00 %
    sheet.append(["总额", 238.93, 251.89, 239.3, "95.00%", 10, 9.5, ""])
    sheet.append(["其中：财政资金", 238.93, 251.89, 239.3, "95.00%", "/", "/", ""])
    header = ["绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值"]
    sheet.append([*header, "权重", "得分", "未完成原因分析"])
    sheet.append(["", "产出指标", "数量指标", "发放覆盖率", "=", 100, "%", 100, 60, 60, ""])
    sheet.append(["", "效益指标", "社会效益指标", "足额保障率", "=", 100, "%", 98, 30, 28, ""])  # 98 / 100 × 30 = 29.4
    sheet.append(["合计", "", "", "", "", "", "", "", 100, 97.5, ""])  # 9.5 + 60 + 28
    path = tmp_path / "sichuan.xlsx"
    workbook.save(path)
    (table,) = kpitrack.audit_files([path]).tables
    assert (table.table.project, table.table.year) == ("工资性支出", 2023)
    assert flagged(table) == {"足额保障率": ("mismatch", "no_explanation")}
    item = row(table, "足额保障率")
    assert (item.published, item.expected) == (Decimal(28), Decimal("29.4"))
    assert (
        table.table.where(item.row, "偏差原因分析及改进措施")
        == f"{path}: sheet Sheet, row 9, column 未完成原因分析 (K)"
    )
    assert row(table, "预算执行率").row == 5


def test_a_zero_total_funds_row_falls_back_to_the_row_under_it(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["项目名称", "委托业务"])
    sheet.append(["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    sheet.append(["", "年度资金总额:", 0, 0, 0, 10, 0, 10])
    sheet.append(["", "其中:本年财政拨款", 90, 90, 89.974, "", "", ""])  # 89.974 / 90 × 10 = 9.997
    sheet.append(["绩效指标", *FLAT_HEADER[1:]])
    sheet.append(["", "产出指标(90分)", "数量指标", "委托项目数量", "≥50个", "50", 90, 90, ""])
    sheet.append(["总分", "", "", "", "", "", 100, 100, ""])
    path = tmp_path / "anhui.xlsx"
    workbook.save(path)
    (table,) = kpitrack.audit_files([path]).tables
    line = row(table, "预算执行率")
    assert line.row == 4 and line.explain == "89.97 / 90 = 99.97% × 10 = 10"
    # 得分 10 against 9.997: within the tolerance; the 总额 row's 执行率 0 is wrong
    assert [f.message for f in line.findings] == ["执行率 0% but 全年执行数 / 全年预算数 = 99.97%"]


def test_the_layout_kpitrack_form_selfeval_writes(tmp_path: Path) -> None:
    """The 自评表 as the form command lays it out: header from column A, 总分 over five cells, 等级 under it."""
    workbook = openpyxl.Workbook()
    summary = workbook.worksheets[0]
    summary.title = "汇总"
    summary.append(["项目编码", "项目名称", "预算单位", "总分", "等级", "预警", "缺少说明"])
    summary.append(["p01", "法制宣传工作经费", "昌吉州市场监督管理局", 94.44, "优", "", ""])
    sheet = workbook.create_sheet("p01")
    sheet.append(["项目支出绩效自评表（2021年度）"])
    sheet.merge_cells("A1:H1")
    sheet.append(["项目名称", "法制宣传工作经费"])
    sheet.append(["主管部门", "昌吉州市场监督管理局", "", "", "实施单位", "昌吉州市场监督管理局"])
    sheet.append(["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    sheet.append(["", "年度资金总额", 35, 35, 35, 10, 1, 10])
    sheet["G5"].number_format = "0.00%"
    sheet.append(["", "其中：本年财政拨款", "", 35, "", "—", "—", "—"])
    sheet.append(["", "上年结转资金", "", 0, "", "—", "—", "—"])
    sheet.append(["", "其他资金", "", 0, "", "—", "—", "—"])
    sheet.merge_cells("A4:A8")
    sheet.append(["年度总体目标", "预期目标", "", "", "", "实际完成情况"])
    sheet.append(["", "开展法制宣传", "", "", "", "已开展"])
    sheet.append(FLAT_HEADER[1:])
    for level1, level2, *rest in BASE:
        sheet.append(
            [level1, level2, *(number_or_text(cell) if cell.replace(".", "").isdigit() else cell for cell in rest)]
        )
    sheet.append(["总分", "", "", "", "", 100, 94.44, ""])
    sheet.merge_cells(f"A{sheet.max_row}:E{sheet.max_row}")
    sheet.append(["自评等级", "", "", "", "", "优"])
    path = tmp_path / "forms.xlsx"
    workbook.save(path)
    report = kpitrack.audit_files([path])
    assert report.problems == ()
    (table,) = report.tables
    assert (table.table.project, table.table.sheet, table.table.year) == ("法制宣传工作经费", "p01", 2021)
    assert table.flags == ()
    assert (table.total_published, table.grade_published) == (Decimal("94.44"), "优")
    assert len(table.rows) == 7


def test_a_folder_is_read_file_by_file(tmp_path: Path) -> None:
    folder = tmp_path / "units"
    folder.mkdir()
    write_flat(folder / "b.csv", [Table(project="执法装备购置")])
    write_official(folder / "a.xlsx", [Table()])
    (folder / "readme.txt").write_text("not a table", encoding="utf-8")
    report = kpitrack.audit_files([folder])
    assert [(Path(t.table.file).name, t.table.project) for t in report.tables] == [
        ("a.xlsx", "法制宣传工作经费"),
        ("b.csv", "执法装备购置"),
    ]
    assert report.problems == () and report.ok


_HEADER_WORDS = [
    *FLAT_HEADER,
    "总分",
    "合计",
    "预算执行率",
    "项目名称",
    "全年预算数",
    "全年执行数",
    "自评等级",
    "小计",
    "指标性质",
]
_GRID_CELL = st.one_of(st.sampled_from(_HEADER_WORDS), _CELL)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([[], FLAT_HEADER, FLAT_HEADER[1:]]),
    st.lists(st.lists(_GRID_CELL, max_size=10), max_size=12),
    st.booleans(),
)
def test_any_sheet_is_read_and_audited_without_a_traceback(
    header: list[str], body: list[list[str]], as_workbook: bool
) -> None:
    """Whatever a file holds, reading and auditing it gives tables and problems, never an exception."""
    rows = [header, *body] if header else body
    with tempfile.TemporaryDirectory() as folder:
        if as_workbook:
            path = Path(folder) / "t.xlsx"
            workbook = openpyxl.Workbook()
            for cells in rows:
                workbook.worksheets[0].append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in cells])
            workbook.save(path)
        else:
            path = Path(folder) / "t.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows(rows)
        report = kpitrack.audit_files([path])
    assert report.tables or report.problems


@pytest.mark.parametrize("rate", ["114.29%", "114.3%", "100%"])
def test_a_rate_above_100_printed_exact_rounded_or_capped(tmp_path: Path, rate: str) -> None:
    # 40 of 35 万元 spent: 114.2857 %, the score capped at 10.
    (table,) = audit(tmp_path, "official", Table(fund=("35", "40", "10", "10"), rate=rate))
    assert table.flags == ()


def test_a_grade_finding_is_located_at_its_cell(tmp_path: Path) -> None:
    (table,) = audit(tmp_path, "flat", Table(grade="良"))
    total = row(table, "总分")
    assert table.table.where(total.row, total.findings[0].field) == f"{tmp_path / 't.csv'}: row 8, column 实际完成值"


def test_a_total_above_100(tmp_path: Path) -> None:
    # every row at its weight, and 总分 printed 101: above 100 and not the rows' sum (100)
    rows = tuple((*r[:6], r[5], r[7]) for r in BASE)
    (table,) = audit(tmp_path, "flat", Table(rows=rows, total="101"))
    assert row(table, "总分").flags == ("total", "above_weight")


def test_a_province_that_rounds_rows_to_integers(tmp_path: Path) -> None:
    """A profile's row rounding is a rule: rows printed to whole points are then what the rules give."""
    # 9000 / 10000 × 20 = 18; 85 / 90 × 10 = 9.444 → 9 (half up); total 10 + 18 + 15 + 15 + 27 + 9 = 94
    path = write_flat(tmp_path / "t.csv", [Table(rows=changed("群众满意度", score="9"), total="94")])
    profile = tmp_path / "p.toml"
    profile.write_text('[scoring]\nrow_rounding = { places = 0, mode = "half_up" }\n', encoding="utf-8")
    (table,) = kpitrack.audit_files([path], profile=profile).tables
    assert table.flags == ()
    assert row(table, "群众满意度").expected == 9
    assert table.total_rules == 94
    # without the rule, the same 9 is a rounding the table made itself
    (table,) = kpitrack.audit_files([path]).tables
    assert row(table, "群众满意度").flags == ("rounding",)
