"""``kpitrack audit`` from the command line: JSON fields, exit codes, the annotated workbook, the installed command.

The example file ``examples/selfeval-audit.csv`` holds three tables: 法制宣传工作经费
(consistent), 食品安全抽检经费 (execution, rounding, lenient, harsh, missing explanation
and a wrong total) and 执法装备购置 (a late deadline scored 12, an unreadable value, a
wrong grade).  Its figures are worked out in the comments below.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpitrack.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "selfeval-audit.csv"
KPITRACK = Path(sys.executable).parent / "kpitrack"

CONSISTENT = """\
项目,一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施
p,,,预算执行率,35,35,10,10,
p,产出指标,数量指标,印制宣传资料,≥10000份,9000份,50,45,纸价上涨
p,效益指标,社会效益指标,群众法律意识,逐年提高,达成,30,30,
p,满意度指标,服务对象满意度指标,群众满意度,≥90%,92%,10,10,
p,总分,,,,优,100,95,
"""


def by_project(out: str) -> dict[str, dict[str, Any]]:
    return {table["project"]: table for table in json.loads(out)}


def test_json_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(EXAMPLE), "--format", "json"]) == 1
    tables = by_project(capsys.readouterr().out)
    assert list(tables) == ["食品安全抽检经费", "执法装备购置", "法制宣传工作经费"]  # worst first
    food = tables["食品安全抽检经费"]
    assert set(food) >= {"project", "file", "total_published", "total_rules", "flags", "rows"}
    assert food["file"] == str(EXAMPLE)
    # The rules: 920000 / 1150000 = 80 % → 8; 450 / 485 × 20 = 18.5567; 10; ≤20天 took 25 → 0; 10;
    # 88 % ≥ 85 % → 30; 85 / 90 × 10 = 9.4444.  Sum 86.0011 → 86 at two places, 良.
    assert (food["total_published"], food["total_rules"]) == (96.4, 86)
    assert (food["grade_published"], food["grade_rules"]) == ("优", "良")
    assert food["flags"] == ["mismatch", "rounding", "lenient", "harsh", "total", "execution", "no_explanation"]
    first = food["rows"][0]
    assert set(first) >= {"row", "indicator", "published", "expected", "explain", "flags"}
    assert first == {
        "row": 12,
        "indicator": "预算执行率",
        "weight": 10,
        "published": 10,
        "expected": 8,
        "explain": "92 / 115 = 80% × 10 = 8",
        "flags": ["execution"],
        "messages": ["execution: 得分 10 but 92 / 115 = 80% × 10 = 8"],
    }
    batches = food["rows"][1]
    assert (batches["row"], batches["indicator"], batches["published"], batches["expected"]) == (
        13,
        "食品抽检批次",
        19,
        18.56,
    )
    assert batches["flags"] == ["rounding"]
    law = tables["法制宣传工作经费"]
    assert law["flags"] == [] and (law["total_published"], law["total_rules"]) == (98, 98)
    equipment = tables["执法装备购置"]
    assert equipment["total_rules"] is None  # an unreadable row: the rules cannot total the table
    assert [r["flags"] for r in equipment["rows"] if r["flags"]] == [["mismatch", "lenient"], ["unreadable"], ["grade"]]


def test_consistent_file_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(CONSISTENT, encoding="utf-8")
    assert main(["audit", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: p  (总分 95 printed, 95 by the rules; 等级 优 printed, 优 by the rules)  consistent" in out
    assert "复核 summary: 1 table audited, 5 rows, 0 rows flagged, 0 tables whose total is off" in out


def test_an_unreadable_file_exits_1_and_the_others_are_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(CONSISTENT, encoding="utf-8")
    assert main(["audit", str(path), str(tmp_path / "nowhere.xlsx"), "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert captured.err == f"{tmp_path / 'nowhere.xlsx'}: no such file or folder\n"
    assert [t["flags"] for t in json.loads(captured.out)] == [[]]


def test_bad_tolerance(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(EXAMPLE), "--tolerance", "much"]) == 1
    assert capsys.readouterr().err == "--tolerance: 'much' is not a number of points (0 or more)\n"


def test_out_workbook_highlights_and_comments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.xlsx"
    assert main(["audit", str(EXAMPLE), "--out", str(out)]) == 1
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["复核汇总", "食品安全抽检经费", "执法装备购置", "法制宣传工作经费"]
    summary = workbook["复核汇总"]
    assert [c.value for c in summary[2]][:4] == [str(EXAMPLE), "食品安全抽检经费", 96.4, 86]
    sheet = workbook["食品安全抽检经费"]
    header = [c.value for c in sheet[2]]
    assert header == [
        "行",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
        "复核得分",
        "复核计算",
        "标记",
    ]
    rows = {sheet.cell(row=n, column=1).value: n for n in range(3, sheet.max_row + 1)}
    # row 17 of the CSV: 食品安全知晓率, 88 % against ≥85 %, printed 27 of 30 without a reason
    line = rows[17]
    assert [sheet.cell(row=line, column=c).value for c in (4, 7, 8, 10, 12)] == [
        "食品安全知晓率",
        "30",
        "27",
        30,
        "mismatch, harsh, no_explanation",
    ]
    score, reason = sheet.cell(row=line, column=8), sheet.cell(row=line, column=9)
    assert score.fill.fgColor.rgb == "00FFC7CE" and reason.fill.fgColor.rgb == "00FFC7CE"
    assert score.comment is not None and score.comment.text == (
        "mismatch: 得分 27 but the rules give 30\nharsh: points deducted with the target met: ≥85%: 88 ≥ 85 → full 30"
    )
    assert reason.comment is not None
    assert reason.comment.text == "no_explanation: 3 of 30 points lost and no 偏差原因分析及改进措施"
    # rounding is shaded yellow; an unflagged cell is not filled
    rounding = sheet.cell(row=rows[13], column=8)
    assert rounding.fill.fgColor.rgb == "00FFEB9C"
    assert sheet.cell(row=rows[14], column=8).comment is None
    target = sheet.cell(row=rows[14], column=5)  # =100%: kept as the text printed, not a formula
    assert (target.value, target.data_type) == ("=100%", "s")
    assert sheet.cell(row=rows[14], column=8).fill.fill_type is None
    # the 总分 row: the total cell carries the sum
    total = sheet.cell(row=rows[19], column=8)
    assert total.value == "96.4" and total.comment is not None
    assert total.comment.text.startswith("total: 总分 96.4 is not the sum of the row scores")


def test_out_refuses_an_existing_file_unless_forced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.xlsx"
    out.write_bytes(b"keep me")
    assert main(["audit", str(EXAMPLE), "--out", str(out)]) == 1
    assert capsys.readouterr().err == f"{out}: already exists; give --force to replace it\n"
    assert out.read_bytes() == b"keep me"
    assert main(["audit", str(EXAMPLE), "--out", str(out), "--force"]) == 1
    assert openpyxl.load_workbook(out).sheetnames[0] == "复核汇总"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]  # no temporary file left behind
    probe = tmp_path / "probe"
    probe.touch()
    assert out.stat().st_mode & 0o777 == probe.stat().st_mode & 0o777  # as any new file, not owner-only


def test_installed_command_on_the_example() -> None:
    assert KPITRACK.exists(), "the test command installs the kpitrack command beside this Python"
    done = subprocess.run(
        [str(KPITRACK), "audit", "examples/selfeval-audit.csv"], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "examples/selfeval-audit.csv: 食品安全抽检经费  (总分 96.4 printed, 86 by the rules; 等级 优 printed, "
        "良 by the rules)  flags: mismatch, rounding, lenient, harsh, total, execution, no_explanation"
    )
    summary = lines[
        lines.index("复核 summary: 3 tables audited, 25 rows, 8 rows flagged, 1 table whose total is off") :
    ]
    assert summary[1:] == [
        "  mismatch: 3",
        "  rounding: 1",
        "  lenient: 2",
        "  harsh: 1",
        "  total: 1",
        "  grade: 1",
        "  execution: 1",
        "  no_explanation: 1",
        "  unreadable: 1",
    ]


def test_the_readme_shows_the_example_as_printed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["audit", "examples/selfeval-audit.csv"]) == 1
    printed = capsys.readouterr().out
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ kpitrack audit examples/selfeval-audit.csv\n") + len(
        "$ kpitrack audit examples/selfeval-audit.csv\n"
    )
    assert readme[start : readme.index("\n```", start) + 1] == printed


def test_out_sheet_names_are_unique_and_legal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long_name = "关于[2021]年度市场监督管理局食品安全抽检监测工作经费项目/专项"
    text = CONSISTENT.replace("p,", f"{long_name},")
    (tmp_path / "a.csv").write_text(text, encoding="utf-8")
    (tmp_path / "b.csv").write_text(text, encoding="utf-8")
    out = tmp_path / "report.xlsx"
    assert main(["audit", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--out", str(out)]) == 0
    names = openpyxl.load_workbook(out).sheetnames
    legal = "关于_2021_年度市场监督管理局食品安全抽检监测工作经费项目_专项"  # [ ] / replaced
    assert names == ["复核汇总", legal[:31], legal[:27] + " (2)"]
    assert all(len(name) <= 31 for name in names)


def test_the_forms_kpitrack_writes_audit_as_its_own_scores(tmp_path: Path) -> None:
    """The seed's year through `form selfeval`, then `audit`: every score and total agrees with the rules.

    The forms leave 偏差原因 blank (no explanations recorded), so the rows that lose
    points are flagged no_explanation, and nothing else is.
    """
    db = f"sqlite:///{tmp_path / 'k.db'}"

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(KPITRACK), *argv], capture_output=True, text=True, check=False, cwd=ROOT)

    for argv in (
        ("goals", "load", "goals"),
        ("import", "examples/actuals-2021.csv"),
        ("import", "examples/spending-2021.csv"),
        ("form", "selfeval", "--year", "2021", "--out", str(tmp_path / "forms.xlsx")),
    ):
        done = run(*argv, "--db", db)
        assert done.returncode == 0, done.stderr
    scores = {
        s["name"]: s["total"] for s in json.loads(run("score", "--year", "2021", "--format", "json", "--db", db).stdout)
    }
    done = run("audit", str(tmp_path / "forms.xlsx"), "--format", "json")
    assert done.stderr == ""
    tables = json.loads(done.stdout)
    assert len(tables) == 10
    for table in tables:
        assert table["flags"] in ([], ["no_explanation"]), table["project"]
        assert table["total_published"] == scores[table["project"]]
        # The forms print weights to two places (50 / 18 = 2.78): re-scored against the printed
        # weight, 88 % of 2.78 is 2.4464 where the database's 2.7778 gave 2.4444; within 0.05.
        assert abs(table["total_rules"] - table["total_published"]) <= 0.05, table["project"]
        for row in table["rows"]:
            assert abs(row["published"] - row["expected"]) <= 0.05, (table["project"], row["indicator"])
    assert done.returncode == 1  # some indicators lose points without an explanation


def test_a_province_layout_names_its_own_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A layout file (as `form --layout` takes) whose columns say 完成情况 and 评分: read with --layout."""
    builtin = (ROOT / "src" / "kpitrack" / "io" / "layouts" / "selfeval.toml").read_text(encoding="utf-8")
    province = builtin.replace('header = "实际完成值"', 'header = "完成情况"').replace(
        'header = "得分"', 'header = "评分"'
    )
    assert province != builtin
    (tmp_path / "province.toml").write_text(province, encoding="utf-8")
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["项目名称", "p"])
    sheet.append(
        ["一级指标", "二级指标", "三级指标", "年度指标值", "完成情况", "分值", "评分", "偏差原因分析及改进措施"]
    )
    sheet.append(["产出指标", "数量指标", "印制宣传资料", "≥10000份", "9000份", 90, 81, "纸价上涨"])  # 9000/10000 × 90
    sheet.append(["满意度指标", "满意度指标", "群众满意度", "≥90%", "92%", 10, 10, ""])
    sheet.append(["总分", "", "", "", "", 100, 91, ""])
    workbook.save(tmp_path / "p.xlsx")
    assert main(["audit", str(tmp_path / "p.xlsx")]) == 1
    assert "no self-evaluation table" in capsys.readouterr().err
    assert (
        main(["audit", str(tmp_path / "p.xlsx"), "--layout", str(tmp_path / "province.toml"), "--format", "json"]) == 0
    )
    (table,) = json.loads(capsys.readouterr().out)
    assert (table["total_published"], table["total_rules"], table["flags"]) == (91, 91, [])
