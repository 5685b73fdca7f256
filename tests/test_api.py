"""The public API (``kpitrack.open``): the README's example, each pipeline, and exact totals."""

from __future__ import annotations

import json
from decimal import Decimal, localcontext
from pathlib import Path

import pytest

import kpitrack
from conftest import load_generator, run
from kpitrack import scoring
from kpitrack.numbers import rounded, show
from kpitrack.periods import Period
from kpitrack.profile import DEFAULT

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_example_runs_as_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = readme.split("## From Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    exec(code.replace("sqlite:///examples/api.db", f"sqlite:///{tmp_path / 'api.db'}"), {})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10 and lines[3] == "p04 72.90 中" and lines[7] == "p08 86.49 良"


def test_the_readme_example_loads_imports_and_scores(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with kpitrack.open(db_url) as ws:
        loaded = ws.load_goals([ROOT / "goals"])
        ws.import_values([ROOT / "examples" / "actuals-2021.csv", ROOT / "examples" / "spending-2021.csv"])
        printed = [f"{s.project_id} {rounded(s.total)} {s.grade.value}" for s in ws.score(2021)]
    assert len(loaded.added) == 10 and loaded.revised == () and loaded.unchanged == ()
    assert [line.split()[0] for line in printed] == [f"p{n:02d}" for n in range(1, 11)]
    # What the API gives is what `score --format json` prints.
    code, out, _ = run(capsys, "score", "--year", "2021", "--format", "json", "--db", db_url)
    records = json.loads(out)
    assert code == 0
    assert printed == [f"{r['project']} {Decimal(str(r['total'])):.2f} {r['grade']}" for r in records]
    assert "p04 72.90 中" in printed and "p08 86.49 良" in printed


HALF_CENT = """\
id = "h01"
name = "半分项目"
unit = "测试局"
year = 2021
budget = 60
plan = {{ Q4 = 60 }}
{indicators}
[[indicators]]
id = "soc1"
level2 = "社会效益指标"
name = "社会效益"
target = "≥90%"

[[indicators]]
id = "sat1"
level2 = "满意度指标"
name = "满意度"
target = "≥100%"
"""

COUNT = """
[[indicators]]
id = "qty{n}"
level2 = "数量指标"
name = "检查{n}（次）"
target = "≥4次"
"""


def test_an_exact_half_cent_total_prints_rounded_up_in_total_and_explanation(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # 预算执行率 59.09 / 60 × 10 = 9.848333…; 产出 50 over six ≥4次: five at 4 score 50/6 each
    # (41.666…), one at 3 scores 3/4 × 50/6 = 6.25; 效益 met: 30; 满意度 70% of ≥100%: 70/100 × 10 = 7.
    # Exactly 9.848333… + 41.666… + 6.25 + 30 + 7 = 94.765, which prints 94.77 (四舍五入).
    goals = tmp_path / "goals"
    goals.mkdir()
    (goals / "h01.toml").write_text(
        HALF_CENT.format(indicators="".join(COUNT.format(n=n) for n in range(1, 7))), encoding="utf-8"
    )
    with kpitrack.open(db_url) as ws:
        ws.load_goals([goals])
        for n in range(1, 7):
            ws.record("h01", f"qty{n}", "3" if n == 6 else "4", period="2021Q4")
        ws.record("h01", "soc1", "95%", period="2021Q4")
        ws.record("h01", "sat1", "70%", period="2021Q4")
        ws.spend("h01", "59.09", period="2021Q4")
        (score,) = ws.score(2021)
    assert rounded(score.total) == Decimal("94.77") and score.explain == "sum 94.77"
    code, out, _ = run(capsys, "score", "--year", "2021", "--format", "json", "--db", db_url)
    (record,) = json.loads(out)
    assert (record["total"], record["explain"]) == (94.77, "sum 94.77")
    code, out, _ = run(capsys, "score", "--year", "2021", "--db", db_url)
    assert code == 0 and "总分 94.77  等级 优  (sum 94.77)" in out


@pytest.fixture
def province(tmp_path: Path, db_url: str) -> kpitrack.Workspace:
    """A generated province of 60 projects with last year, corrections and spending, through the API."""
    folder = tmp_path / "province"
    load_generator().generate(60, 7, folder)
    ws = kpitrack.open(db_url)
    ws.load_goals([folder / "goals-2020.csv", folder / "goals-2021.csv"])
    ws.import_values([folder / "actuals-2020.csv"], by="test")
    ws.import_values([folder / "actuals-2021.csv"], by="test")
    ws.import_values([folder / "actuals-2021-corrections.csv"], by="test")
    ws.import_values([folder / "spending-2021.csv"], by="test")
    return ws


def test_totals_and_explanations_of_a_province_agree_with_exact_arithmetic(province: kpitrack.Workspace) -> None:
    progress = list(province.progress(2021))
    assert len(progress) == 60
    for item in progress:
        score = scoring.evaluate(item, DEFAULT)
        with localcontext() as exact:
            exact.prec = 60
            reference = scoring.evaluate(item, DEFAULT)
        assert rounded(score.total) == rounded(reference.total), item.project.id
        assert score.grade == reference.grade
        if score.rescaled_from is None:
            assert score.explain == f"sum {show(score.total)}"
        else:
            assert score.explain.endswith(f"= {show(score.total)}")
    province.close()


def test_filters_choose_projects_and_unknown_names_are_problems(province: kpitrack.Workspace) -> None:
    every = [s.project_id for s in province.score(2021)]
    unit = province.units(2021)[0]
    of_unit = [s.project_id for s in province.score(2021, units=[unit])]
    assert of_unit == [p.id for p in province.projects(2021) if p.unit == unit] and set(of_unit) < set(every)
    assert [s.project_id for s in province.score(2021, projects=[every[3], every[1]])] == [every[1], every[3]]
    with pytest.raises(kpitrack.ProblemsFound) as found:
        list(province.score(2021, projects=["NOPE"]))
    assert "no project with this id or name" in str(found.value.problems[0])
    with pytest.raises(kpitrack.ProblemsFound) as found:
        list(province.score(2021, units=["没有的单位"]))
    assert found.value.problems[0].where == "--unit"
    with pytest.raises(kpitrack.ProblemsFound):
        list(province.status("2021Q5"))
    province.close()


def test_recording_is_all_or_nothing_and_kept_with_history(db_url: str) -> None:
    with kpitrack.open(db_url) as ws:
        ws.load_goals([ROOT / "goals"])
        first = ws.record("p01", "qty2", "3000", period="2021Q3", note="印刷厂回单", by="李会计")
        again = ws.record("p01", "qty2", "3000", period="2021Q3", by="李会计")
        corrected = ws.record("p01", "qty2", "3500", period=Period.quarter(2021, 3), note="补报", by="王科长")
        assert (first.actuals.added, again.actuals.unchanged, corrected.actuals.superseded) == (1, 1, 1)
        with pytest.raises(kpitrack.ProblemsFound) as found:
            ws.record("p01", "qty2", "85%", period="2021Q3")
        assert "85%" in str(found.value.problems[0])
        history = ws.history("p01", "qty2")
        assert [(e.text, e.recorded_by, e.note, e.current) for e in history.entries] == [
            ("3000份", "李会计", "印刷厂回单", False),
            ("3500份", "王科长", "补报", True),
        ]
        ws.spend("p01", "12.5", period="2021Q3")
        view = ws.actuals("p01", "2021Q3")
        assert view.spent == Decimal("12.5")
        assert str(next(r for r in view.indicators if r.indicator.id == "qty2").to_date) == "3500份"


def test_check_goals_needs_no_database_and_judges_weights_by_the_profile(tmp_path: Path) -> None:
    checked = kpitrack.check_goals([ROOT / "goals"])
    assert checked.ok and len(checked.projects) == 10
    assert not kpitrack.check_goals([tmp_path / "missing.toml"]).ok
