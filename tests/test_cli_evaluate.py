"""``kpitrack score``, ``status``, ``underperforming`` and ``profile show`` end to end on a SQLite store.

Goals are loaded from goal files and actuals imported from CSV, all written inline
here, through the same commands a user runs; the expected figures are computed by
hand in the comments.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from kpitrack.cli import main

P01_2021 = """\
id = "p01"
name = "法制宣传工作经费"
unit = "昌吉州市场监督管理局"
year = 2021
budget = 35
plan = { Q2 = 10, Q3 = 15, Q4 = 10 }

[[indicators]]
id = "qty1"
level2 = "数量指标"
name = "印制法律法规宣传资料"
target = "10000份"

[[indicators]]
id = "qual1"
level2 = "质量指标"
name = "投稿率"
target = "≥80%"

[[indicators]]
id = "cost1"
level2 = "成本指标"
name = "宣传、培训活动经费"
target = "25万元"

[[indicators]]
id = "soc1"
level2 = "社会效益指标"
name = "社会公众知晓率（%）"
target = "逐年提高"

[[indicators]]
id = "sus1"
level2 = "可持续影响指标"
name = "持续推动社会公众了解相关政策"
target = "长期"

[[indicators]]
id = "sat1"
level2 = "满意度指标"
name = "社会公众满意度"
target = "≥90%"
"""

# The same project a year earlier: only its 知晓率 matters here (last year's actual for 逐年提高).
P01_2020 = """\
id = "p01"
name = "法制宣传工作经费"
unit = "昌吉州市场监督管理局"
year = 2020
budget = 35
plan = { Q4 = 35 }

[[indicators]]
id = "soc1"
level2 = "社会效益指标"
name = "社会公众知晓率（%）"
target = "≥75%"
"""

# No 效益指标 tier: the total is rescaled over the 70 points in play.
P02_2021 = """\
id = "p02"
name = "特种设备安全监管经费"
unit = "昌吉州市场监督管理局"
year = 2021
budget = 10
plan = { Q3 = 5, Q4 = 5 }

[[indicators]]
id = "qty1"
level2 = "数量指标"
name = "检查频次（次）"
target = "≥4次"

[[indicators]]
id = "sat1"
level2 = "满意度指标"
name = "企业满意度"
target = "≥90%"
"""

ACTUALS = """\
project,indicator,period,value
p01,soc1,2020Q4,80%
p01,qty1,2021Q2,3000
p01,qty1,2021Q3,4000
p01,qty1,2021Q4,2000
p01,qual1,2021Q2,70%
p01,qual1,2021Q4,85%
p01,cost1,2021Q2,10
p01,cost1,2021Q4,20
p01,soc1,2021Q4,88%
p01,sus1,2021Q4,部分达成
p01,sat1,2021Q4,92%
p02,qty1,2021Q2,1
p02,qty1,2021Q3,1
"""

SPENDING = """\
project,period,amount
p01,2021Q2,10
p01,2021Q3,15
p01,2021Q4,7
p02,2021Q3,5
"""

TWENTY_POINTS = """\
name = "预算执行率 20 分"
[scoring]
execution = 20
[scoring.tiers]
"产出指标" = 40
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A SQLite store loaded through the CLI: two 2021 projects, p01's 2020 goals, actuals and spending."""
    url = f"sqlite:///{tmp_path / 'kpitrack.db'}"
    goals = tmp_path / "goals"
    write(goals / "p01.toml", P01_2021)
    write(goals / "p01_2020.toml", P01_2020)
    write(goals / "p02.toml", P02_2021)
    assert main(["goals", "load", str(goals), "--db", url]) == 0
    assert main(["import", str(write(tmp_path / "actuals.csv", ACTUALS)), "--db", url, "--by", "test"]) == 0
    assert main(["import", str(write(tmp_path / "spending.csv", SPENDING)), "--db", url, "--by", "test"]) == 0
    return url


def picked(record: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: record[key] for key in keys}


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    assert main([*argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_score_json__fields_and_hand_computed_total(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys, "score", "--year", "2021", "--project", "p01", "--db", db)
    assert len(result) == 1
    p01 = result[0]
    assert {"project", "name", "total", "grade", "execution", "indicators"} <= set(p01)
    # 产出 50 / 3 each: qty1 9000 of 10000 → 15; qual1 85 ≥ 80 → 16.67; cost1 30 > 25 → 25/30 × 50/3 = 13.89
    # 效益 15 each: soc1 88 > 80 last year → 15; sus1 部分达成 → 10.5;  满意度 sat1 92 ≥ 90 → 10
    # 预算执行率 (10 + 15 + 7) / 35 = 91.43 % → 9.14
    # total = 15 + 50/3 + 125/9 + 15 + 10.5 + 10 + 64/7 = 90.198… → 90.2, 优
    assert (p01["project"], p01["total"], p01["grade"]) == ("p01", 90.2, "优")
    assert picked(p01["execution"], "budget", "spent", "rate", "score") == {
        "budget": 35,
        "spent": 32,
        "rate": 0.91,
        "score": 9.14,
    }
    rows = {row["id"]: row for row in p01["indicators"]}
    assert set(rows["qty1"]) >= {"id", "name", "level1", "level2", "target", "actual", "weight", "score"}
    assert picked(
        rows["qty1"], "level1", "level2", "target", "actual", "weight", "score", "status", "method", "explain"
    ) == {
        "level1": "产出指标",
        "level2": "数量指标",
        "target": "≥10000份",
        "actual": "9000份",
        "weight": 16.67,
        "score": 15,
        "status": "missed",
        "method": "forward",
        "explain": "9000 / 10000 × 16.67 = 15",
    }
    assert (rows["cost1"]["score"], rows["cost1"]["method"]) == (13.89, "reverse")
    assert (rows["soc1"]["score"], rows["soc1"]["method"], rows["soc1"]["status"]) == (15, "trend", "met")
    assert (rows["sus1"]["score"], rows["sus1"]["method"]) == (10.5, "graded")


def test_score__missing_tier_rescaled_and_missing_actual(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    (p02,) = run_json(capsys, "score", "--year", "2021", "--project", "p02", "--db", db)
    # qty1 2 of 4 → 25 of 50; sat1 nothing recorded → 0, missing; 预算执行率 5 / 10 → 5
    # no 效益指标: (25 + 0 + 5) × 100 / 70 = 42.857… → 42.86, 差
    assert (p02["total"], p02["grade"], p02["rescaled_from"]) == (42.86, "差", 70)
    sat = p02["indicators"][1]
    assert (sat["status"], sat["method"], sat["score"], sat["actual"]) == ("missing", "missing", 0, None)


def test_score_table__self_evaluation_layout(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "--year", "2021", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "项目支出绩效自评表 (2021)  p01 法制宣传工作经费" in out
    assert "总分 90.2  等级 优" in out
    assert "总分 42.86  等级 差" in out
    for header in ("一级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"):
        assert header in out


def test_score__twenty_point_execution_profile(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = write(tmp_path / "province.toml", TWENTY_POINTS)
    (p01,) = run_json(capsys, "score", "--year", "2021", "--project", "p01", "--profile", str(profile), "--db", db)
    # 预算执行率 32/35 × 20 = 18.29; 产出 40/3 each: 0.9 × 40/3 = 12, 40/3, 25/30 × 40/3 = 100/9
    # total = 128/7 + 12 + 40/3 + 100/9 + 15 + 10.5 + 10 = 90.230… → 90.23
    assert p01["total"] == 90.23
    assert p01["execution"]["score"] == 18.29


def test_score__bad_profile_is_reported_with_its_location(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = write(tmp_path / "profile.toml", '[scoring.tiers]\n"产出指标" = 40\n"效益" = "30"\n')
    assert main(["score", "--year", "2021", "--profile", str(profile), "--db", db]) == 1
    err = capsys.readouterr().err
    assert f"{profile}: scoring.tiers.效益: expected a number, got the text '30'" in err
    assert "Traceback" not in err


def test_score__unknown_project_and_empty_year(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "--year", "2021", "--project", "p99", "--db", db]) == 1
    assert "p99: no project with this id or name" in capsys.readouterr().err
    assert main(["score", "--year", "2019", "--db", db]) == 1
    assert "--year: no goals for 2019 in the database" in capsys.readouterr().err


def test_status_json__lights_at_mid_year(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    statuses = {s["project"]: s for s in run_json(capsys, "status", "--as-of", "2021Q2", "--db", db)}
    p01 = statuses["p01"]
    # p = 0.5; spent 10 of 35: q = (10/35) / 0.5 = 0.57 → red; against the plan 10 of 10 = 100 %
    assert (p01["light"], p01["budget"]["light"], p01["budget"]["q"]) == ("red", "red", 0.57)
    assert (p01["budget"]["planned"], p01["budget"]["plan_rate"]) == (10, 1)
    lights = {i["id"]: i for i in p01["indicators"]}
    # qty1 flow: 3000 / (10000 × 0.5) = 0.6 → yellow, year end ≈ 6000
    assert (lights["qty1"]["light"], lights["qty1"]["expected"], lights["qty1"]["likelihood"]) == (
        "yellow",
        6000,
        "有可能",
    )
    assert lights["qual1"]["light"] == "green"  # level: 70 / 80 = 0.875
    assert lights["cost1"]["light"] == "green"  # cap: 10 within 25
    assert lights["sat1"]["light"] == "no data"
    assert statuses["p02"]["light"] == "red"  # nothing spent; qty1 1 / (4 × 0.5) = 0.5


def test_status__bad_quarter_is_a_problem(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--as-of", "2021Q5", "--db", db]) == 1
    assert (
        "--as-of: '2021Q5': expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1"
        in capsys.readouterr().err
    )


def test_underperforming_year_end__worst_first_with_reasons(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    listed = run_json(capsys, "underperforming", "--year", "2021", "--db", db)
    # p01 (90.2, execution 91.43 % ≥ 90 %, nothing missing) is not listed
    assert [u["project"] for u in listed] == ["p02"]
    reasons = listed[0]["reasons"]
    # qty1 lost 25 points; sat1 missing lost 10; execution lost 5 (5 万元 unspent)
    assert [(r["what"], r["points_lost"]) for r in reasons] == [("qty1", 25), ("sat1", 10), ("预算执行", 5)]
    assert reasons[2]["shortfall"] == 5
    # a higher floor lists p01 too, after p02
    listed = run_json(capsys, "underperforming", "--year", "2021", "--floor", "0.95", "--db", db)
    assert [u["project"] for u in listed] == ["p02", "p01"]
    listed = run_json(capsys, "underperforming", "--year", "2021", "--below", "95", "--db", db)
    assert [u["project"] for u in listed] == ["p02", "p01"]


def test_underperforming_mid_year__red_projects_worst_first(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    listed = run_json(capsys, "underperforming", "--year", "2021", "--as-of", "2021Q2", "--db", db)
    # both red; p02 has two red lights (budget, qty1), p01 one (budget)
    assert [(u["project"], u["light"]) for u in listed] == [("p02", "red"), ("p01", "red")]
    assert main(["underperforming", "--year", "2021", "--as-of", "2022Q2", "--db", db]) == 1
    assert "not a period of --year 2021" in capsys.readouterr().err


def test_underperforming_table(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["underperforming", "--year", "2021", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "1. p02 特种设备安全监管经费  42.86 差 (below 80; missing data; execution below 90%)" in out


def test_underperforming__bad_numbers(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["underperforming", "--year", "2021", "--below", "eighty", "--db", db]) == 1
    assert "--below: 'eighty' is not a number" in capsys.readouterr().err


def test_profile_show__default_with_sources_reads_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "show"]) == 0
    out = capsys.readouterr().out
    assert "execution = 10" in out and "# default (财预〔2020〕10号)" in out
    assert '"部分达成" = [60, 80]' in out
    # what it prints is a profile file that loads back to the same rules
    shown = write(tmp_path / "shown.toml", out)
    assert main(["profile", "show", "--profile", str(shown)]) == 0
    again = capsys.readouterr().out

    def rules(text: str) -> list[str]:
        return [line.split("#")[0].rstrip() for line in text.splitlines()]

    assert rules(again) == rules(out)
    assert f"# {shown}" in again


def test_profile_show__file_rules_name_their_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = write(tmp_path / "province.toml", TWENTY_POINTS)
    assert main(["profile", "show", "--profile", str(profile)]) == 0
    lines = capsys.readouterr().out.splitlines()
    execution = next(line for line in lines if line.startswith("execution"))
    assert execution.startswith("execution = 20") and execution.endswith(f"# {profile}")
    tiers = next(line for line in lines if line.startswith("tiers"))
    assert '"产出指标" = 40' in tiers and '"效益指标" = 30' in tiers


def test_installed_command__score_json_end_to_end(db: str) -> None:
    kpitrack = Path(sys.executable).parent / "kpitrack"
    if not kpitrack.exists():
        pytest.skip("the kpitrack command is not installed beside this Python")
    done = subprocess.run(
        [str(kpitrack), "score", "--year", "2021", "--format", "json", "--db", db],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    totals = {p["project"]: (p["total"], p["grade"]) for p in json.loads(done.stdout)}
    assert totals == {"p01": (90.2, "优"), "p02": (42.86, "差")}
