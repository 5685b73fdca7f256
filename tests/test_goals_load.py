"""Loading goals in batches (分批载入绩效目标): all or nothing across batches, unchanged goals found fast.

The batch sizes are made tiny here, so that a handful of projects spans several
batches, as a province's 100,000 do.
"""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest

from conftest import GOALS_2021, write_goals
from kpitrack import checks
from kpitrack.cli import main
from kpitrack.io import flat, intake, load_goals
from kpitrack.store import Revision, Store, _rows, goals


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny batches: a few projects are checked and written in many."""
    monkeypatch.setattr(intake, "BATCH", 2)
    monkeypatch.setattr(goals, "_CHUNK", 2)
    monkeypatch.setattr(_rows, "IN_LIST", 2)


HEADER = "项目编码,项目名称,单位,年度,年度资金总额,Q4,二级指标,三级指标,指标编码,指标值\n"


def province(*targets: str, budget: str = "10") -> str:
    """One project per target, on three rows each: a count, a benefit and a satisfaction indicator."""
    rows = [
        f"q{n:02d},项目{n},测试局,2021,{budget},{budget},数量指标,检查企业（家）,qty1,{target}\n"
        f"q{n:02d},,,,,,社会效益指标,社会公众知晓率,soc1,≥80%\n"
        f"q{n:02d},,,,,,满意度指标,社会公众满意度,sat1,≥90%\n"
        for n, target in enumerate(targets, start=1)
    ]
    return HEADER + "".join(rows)


def load(capsys: pytest.CaptureFixture[str], db_url: str, *paths: Path) -> tuple[int, str, str]:
    code = main(["goals", "load", *map(str, paths), "--db", db_url])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_error_in_a_later_batch_rolls_back_the_earlier_ones(
    store: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "goals.csv"
    path.write_text(province("≥100家", "≥100家", "≥100家", "≥100家", "≥9O家"), encoding="utf-8")
    code, out, err = load(capsys, db_url, path)
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"{path}: row 14, column 指标值: cannot read target '≥9O家': unknown unit 'O家'"]
    assert store.projects(2021) == []  # q01 … q04 went to the store in two batches, and were rolled back


def test_a_duplicate_project_is_found_across_batches_and_nothing_is_loaded(
    store: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = write_goals(tmp_path / "toml", GOALS_2021)
    table = tmp_path / "goals.csv"
    table.write_text(province("≥1家", "≥2家", "≥3家").replace("q03,", "p01,"), "utf-8")
    code, out, err = load(capsys, db_url, toml, table)
    assert (code, out) == (1, "")
    assert f"{table}: row 8: duplicate project id 'p01' (2021), also in {toml}" in err.splitlines()
    assert store.projects(2021) == []


def test_every_problem_of_every_batch_is_reported_in_check_order(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "goals.csv"
    # q01 and q03 cap a count (a warning); q02's target cannot be read; q04's plan misses its budget.
    text = province("≤5家", "≥9O家", "≤6家", "≥4家").replace(
        "q04,项目4,测试局,2021,10,10", "q04,项目4,测试局,2021,10,8"
    )
    path.write_text(text, encoding="utf-8")
    code, _, err = load(capsys, db_url, path)
    assert code == 1
    capped = "caps a count at {} (家); counts are normally a minimum: is it a typo for {}?"
    assert err.splitlines() == [
        f"{path}: row 5, column 指标值: cannot read target '≥9O家': unknown unit 'O家'",
        f"{path}: row 11: the fund plan adds up to 8 万元, but the budget is 10 万元",
        f"{path}: row 2: indicators[0]: warning: '检查企业（家）' " + capped.format("≤5家", "≥5家"),
        f"{path}: row 8: indicators[0]: warning: '检查企业（家）' " + capped.format("≤6家", "≥6家"),
    ]


def test_validation_in_batches_gives_the_problems_of_validate_in_the_same_order(tmp_path: Path) -> None:
    path = tmp_path / "goals.csv"
    path.write_text(province("≤5家", "≥4家", "≤6家", "2020年1-12月", "≤7家"), encoding="utf-8")
    projects, problems = flat.load_paths([path])
    assert problems == [] and len(projects) == 5
    validation = checks.Validation()
    for start in range(0, 5, 2):
        validation.check(projects[start : start + 2])
    expected = checks.validate(projects)
    assert len({p.message.split(":")[0] for p in expected}) > 1  # more than one check speaks
    assert validation.problems == expected


def test_loading_again_is_unchanged_and_real_changes_are_still_revisions(store: Store, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text(province("≥1家", "≥2家", "≥3家", "≥4家", "≥5家"), encoding="utf-8")
    projects, _ = load_goals([first])
    assert store.load_goals(projects).added == tuple((f"q{n:02d}", 2021) for n in range(1, 6))

    # The same goals, with amounts written differently (10.00 is 10): nothing to revise.
    second = tmp_path / "second.csv"
    second.write_text(province("≥1家", "≥2家", "≥3家", "≥4家", "≥5家", budget="10.00"), encoding="utf-8")
    again = store.load_goals(load_goals([second])[0], today=pendulum.date(2021, 3, 1))
    assert (again.added, again.revised) == ((), ())
    assert len(again.unchanged) == 5

    # One changed target, in the last batch: a dated revision, the others unchanged.
    third = tmp_path / "third.csv"
    third.write_text(province("≥1家", "≥2家", "≥3家", "≥4家", "≥50家"), encoding="utf-8")
    day = pendulum.date(2021, 7, 1)
    changed = store.load_goals(load_goals([third])[0], today=day)
    assert changed.revised == (Revision("q05", 2021, "qty1", "target", "≥5家", "≥50家", day),)
    assert changed.unchanged == tuple((f"q{n:02d}", 2021) for n in range(1, 5))
    assert [str(p.indicators[0].target) for p in store.projects(2021)] == ["≥1家", "≥2家", "≥3家", "≥4家", "≥50家"]


def test_rows_with_the_same_cells_share_one_record_and_a_bad_one_is_reported_at_each_row(tmp_path: Path) -> None:
    path = tmp_path / "goals.csv"
    path.write_text(province("≥100家", "≥100家", "≥1OO家", "≥1OO家"), encoding="utf-8")
    projects, problems = flat.load_paths([path])
    assert [p.id for p in projects] == ["q01", "q02"]
    assert projects[0].indicators == projects[1].indicators
    assert [str(p) for p in problems] == [
        f"{path}: row {row}, column 指标值: cannot read target '≥1OO家': unknown unit 'OO家'" for row in (8, 11)
    ]


def test_a_table_with_a_single_project_column_joins_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("project,year,name\np01,2021,另一个名称\n", "utf-8")  # 年度 is not a project column
    (tmp_path / "b.csv").write_text("project,name,unit,year,budget\np01,测试项目,测试局,2021,10\n", "utf-8")
    (project,), problems = flat.load_paths([tmp_path])
    assert (project.name, project.unit, project.budget) == ("另一个名称", "测试局", 10)
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'b.csv'}: row 2, column name: project p01: '测试项目' differs from '另一个名称' "
        f"given at {tmp_path / 'a.csv'}: row 2, column name"
    ]
