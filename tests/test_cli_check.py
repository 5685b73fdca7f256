"""``kpitrack check`` and ``kpitrack import-disclosure``, called in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpitrack.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOALS = ROOT / "goals"
SEED = Path(__file__).resolve().parent / "fixtures" / "seed_2021.txt"

GOOD = """\
id = "a1"
name = "宣传经费"
unit = "某局"
year = 2021
budget = 10
plan = { H1 = 5, H2 = 5 }

[[indicators]]
id = "qty1"
level2 = "数量指标"
name = "宣传活动"
target = "≥4次"

[[indicators]]
id = "soc1"
level2 = "社会效益指标"
name = "法治意识"
target = "逐年提高"

[[indicators]]
id = "sat1"
level2 = "满意度指标"
name = "满意度"
target = "≥90%"
"""


def test_check_on_the_seed_goals(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(GOALS)]) == 0
    out = capsys.readouterr().out
    assert "Traceback" not in out
    for n in range(1, 11):
        assert f"p{n:02d}" in out
    total = next(line for line in out.splitlines() if line.startswith("total"))
    assert total.split() == ["total", "10", "projects", "622", "106", "32", "15", "153"]
    assert "Q2 10 / Q3 15 / Q4 10" in out and "H1 91 / H2 91" in out
    assert "p06.toml: indicators[10]: warning: '公开监督抽检结果（次）' caps a count at ≤1 (次)" in out
    assert out.rstrip().endswith("10 projects, 0 errors, 1 warning")


def test_check_defaults_to_the_goals_folder(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["check"]) == 0
    assert "10 projects, 0 errors" in capsys.readouterr().out


def test_check_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(GOALS), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["totals"] == {
        "projects": 10,
        "indicators": 153,
        "by_level1": {"产出指标": 106, "效益指标": 32, "满意度指标": 15},
        "budget": 622,
    }
    first = payload["projects"][0]
    assert first["id"] == "p01" and first["budget"] == 35 and first["plan"] == {"Q2": 10, "Q3": 15, "Q4": 10}
    assert first["indicators"] == {"产出指标": 13, "效益指标": 3, "满意度指标": 1, "total": 17}
    assert first["source"] == str(GOALS / "p01.toml")
    assert payload["problems"] == [
        {
            "where": f"{GOALS / 'p06.toml'}: indicators[10]",
            "message": "'公开监督抽检结果（次）' caps a count at ≤1 (次); "
            "counts are normally a minimum: is it a typo for ≥1?",
            "severity": "warning",
        }
    ]


def test_check_reports_every_problem_of_every_broken_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.toml").write_text(
        GOOD.replace('id = "a1"', 'id = "b1"').replace("year = 2021", 'year = "2021"').replace("≥4次", "≥四次4"),
        encoding="utf-8",
    )
    (tmp_path / "c.toml").write_text(GOOD.replace("plan = {", "plan = {{"), encoding="utf-8")
    (tmp_path / "d.toml").write_text(GOOD.replace('id = "a1"', 'id = "d1"').replace("H2 = 5", "H2 = 4"), "utf-8")
    assert main(["check", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    lines = captured.out.splitlines()
    assert lines[:4] == [
        f"{tmp_path / 'b.toml'}: year: expected an integer, got the string '2021'",
        f"{tmp_path / 'b.toml'}: indicators[0].target: "
        "cannot read target '≥四次4': expected a number with an optional unit",
        f"{tmp_path / 'c.toml'}:6: not valid TOML: Invalid initial character for a key part (column 9)",
        f"{tmp_path / 'd.toml'}: the fund plan adds up to 9 万元, but the budget is 10 万元",
    ]
    assert lines[-1] == "2 projects, 4 errors, 0 warnings"


def test_check_a_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nowhere")]) == 1
    assert f"{tmp_path / 'nowhere'}: no such file or folder" in capsys.readouterr().out


def test_check_warnings_alone_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.toml").write_text(GOOD.replace('"逐年提高"', '"2020年1-12月"'), encoding="utf-8")
    assert main(["check", str(tmp_path / "a.toml")]) == 0
    assert "warning: deadline 2020年1-12月 is not in the project's year 2021" in capsys.readouterr().out


def test_import_disclosure_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "goals"
    assert main(["import-disclosure", str(SEED), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[-1] == "10 projects, 153 indicators, 622 万元"
    assert sorted(p.name for p in out.iterdir()) == [f"p{n:02d}.toml" for n in range(1, 11)]
    assert (out / "p08.toml").read_text(encoding="utf-8") == (GOALS / "p08.toml").read_text(encoding="utf-8")
    assert main(["check", str(out)]) == 0
    assert "10 projects, 0 errors, 1 warning" in capsys.readouterr().out


def test_import_disclosure_writes_nothing_on_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "seed.txt"
    broken.write_text(SEED.read_text(encoding="utf-8").replace("\t≧485\n", "\t≧4八5\n"), encoding="utf-8")
    out = tmp_path / "goals"
    assert main(["import-disclosure", str(broken), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert (
        f"{broken}: table 2, row 6: cannot read target '≧4八5': expected a number with an optional unit" in captured.err
    )
    assert "nothing written: 1 error" in captured.out
    assert not out.exists()


def test_import_disclosure_of_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-disclosure", str(tmp_path / "none.txt"), "--out", str(tmp_path)]) == 1
    assert f"{tmp_path / 'none.txt'}: cannot read the file: No such file or directory" in capsys.readouterr().err


def test_check_judges_weights_by_the_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    weighted = GOOD.replace('target = "≥4次"', 'target = "≥4次"\nweight = 40')
    (tmp_path / "a.toml").write_text(weighted, encoding="utf-8")
    assert main(["check", str(tmp_path / "a.toml")]) == 1
    assert "产出指标: indicator weights add up to 40, expected the tier weight 50" in capsys.readouterr().out
    profile = tmp_path / "profile.toml"
    profile.write_text('[scoring]\nexecution = 20\n\n[scoring.tiers]\n"产出指标" = 40\n', encoding="utf-8")
    assert main(["check", str(tmp_path / "a.toml"), "--profile", str(profile)]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_check_lists_inferred_readings_as_notes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    goal = tmp_path / "a1.toml"
    text = GOOD.replace('target = "≥4次"', 'target = "至少开展4次宣传"') + (
        '\n[[indicators]]\nid = "time1"\nlevel2 = "时效指标"\nname = "完成时限（月）"\ntarget = "10"\n'
    )
    goal.write_text(text, encoding="utf-8")
    assert main(["check", str(goal)]) == 0  # notes do not fail the check
    out = capsys.readouterr().out
    assert (
        f"{goal}: indicators[0]: note: target of '宣传活动' read as ≥4次 (compare): "
        "the number 4次 is read from the text" in out
    )
    assert (
        f"{goal}: indicators[3]: note: target of '完成时限（月）' read as ≤10个月 (duration): the unit 个月 comes from "
        "the indicator's name; no operator: ≤ because a duration under 时效指标 is a cap"
    ) in out
    assert out.rstrip().endswith("1 project, 0 errors, 0 warnings, 2 notes (inferred readings to confirm)")


def test_check_json_gives_notes_their_severity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    goal = tmp_path / "a1.toml"
    goal.write_text(GOOD.replace('target = "≥4次"', 'target = "4次"'), encoding="utf-8")
    assert main(["check", str(goal), "--format", "json"]) == 0
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert problems == [
        {
            "where": f"{goal}: indicators[0]",
            "message": "target of '宣传活动' read as ≥4次 (compare): no operator: ≥ for a bare number under 数量指标",
            "severity": "note",
        }
    ]
