"""Recording values and money (记录), corrections, history and the year to date; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import run
from kpitrack.periods import Period
from kpitrack.store import Store


def test_a_correction_supersedes_and_history_shows_both(
    loaded: Store, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "record", "p01", "qty1", "3000", "--period", "2021Q1", "--by", "王芳", "--db", db_url) == (
        0,
        "p01/qty1 2021Q1: recorded 3000\n",
        "",
    )
    code, out, _ = run(
        capsys,
        "record",
        "p01",
        "印制法律法规宣传资料",
        "3200份",
        "--period",
        "2021Q1",
        "--note",
        "漏报",
        "--by",
        "李明",
        "--db",
        db_url,
    )
    assert (code, out) == (0, "p01/印制法律法规宣传资料 2021Q1: recorded 3200份 (supersedes the earlier value)\n")
    code, out, _ = run(capsys, "record", "p01", "qty1", "3200", "--period", "2021Q1", "--db", db_url)
    assert (code, out) == (0, "p01/qty1 2021Q1: unchanged (the same value is already recorded)\n")

    versions = loaded.history(loaded.find_project("p01"), "qty1")
    assert [(v.text, v.recorded_by, v.note, v.current) for v in versions] == [
        ("3000份", "王芳", "", False),
        ("3200份", "李明", "漏报", True),
    ]
    code, out, _ = run(capsys, "history", "p01", "qty1", "--db", db_url)
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "p01 法制宣传工作经费 (2021)"
    assert "3000份" in lines[3] and "superseded" in lines[3] and "王芳" in lines[3]
    assert "3200份" in lines[4] and "superseded" not in lines[4] and "漏报" in lines[4]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["p01", "qty1", "85%"], "value: '85%': unit '%' does not fit indicator qty1, which is measured in 份"),
        (["p01", "qty1", "-5"], "value: '-5': a recorded value cannot be negative"),
        (["p01", "cost1", "-2万元"], "value: '-2万元': a recorded value cannot be negative"),
        (["p01", "qty1", "很多"], "value: '很多': expected a number in 份"),
        (
            ["p01", "sus1", "部分达成 90"],
            "value: '部分达成 90': a score of 90 is outside the band of 部分达成 [60, 80) (percent of the weight)",
        ),
        (["p01", "qty9", "5"], "indicator: 'qty9': project p01 has no indicator with this id or name; closest: qty1"),
        (["p1", "qty1", "5"], "project: 'p1': no project with this id or name in 2021; closest: p01"),
    ],
)
def test_a_bad_value_is_rejected_with_its_reason(
    loaded: Store, db_url: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "record", "--period", "2021Q2", "--db", db_url, "--", *argv)
    assert (code, out, err) == (1, "", message + "\n")
    assert loaded.history(loaded.find_project("p01")) == []


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2021Q5", "--period: '2021Q5': expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1"),
        ("2022Q1", "period: '2022Q1': outside the year of project p01 (2021)"),
    ],
)
def test_a_period_must_be_a_quarter_of_the_goals_year(
    loaded: Store, db_url: str, capsys: pytest.CaptureFixture[str], period: str, message: str
) -> None:
    assert run(capsys, "record", "p01", "qty1", "5", "--period", period, "--db", db_url) == (1, "", message + "\n")


def test_not_applicable_grades_and_dates_are_recorded(
    loaded: Store, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for indicator, value in [("qual1", "不适用"), ("sus1", "部分达成 70"), ("time1", "2021-11"), ("soc1", "达成")]:
        assert run(capsys, "record", "p01", indicator, value, "--period", "2021Q4", "--db", db_url)[0] == 0
    progress = next(loaded.progress(2021, Period.quarter(2021, 4)))
    assert {k: str(v) for k, v in progress.actuals.items()} == {
        "qual1": "不适用",
        "sus1": "部分达成 70",
        "time1": "2021-11-30",
        "soc1": "达成",
    }


def test_money_is_exact_and_never_negative(loaded: Store, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "spend", "p01", "0.1", "--period", "2021Q2", "--db", db_url)[0] == 0
    assert run(capsys, "spend", "p01", "0.2万元", "--period", "2021Q3", "--db", db_url)[0] == 0
    assert run(capsys, "record", "p01", "cost1", "0.1", "--period", "2021Q2", "--db", db_url)[0] == 0
    assert run(capsys, "record", "p01", "cost1", "2000元", "--period", "2021Q3", "--db", db_url)[0] == 0
    code, _, err = run(capsys, "spend", "--period", "2021Q4", "--db", db_url, "--", "p01", "-5")
    assert (code, err) == (1, "amount: '-5': money spent cannot be negative\n")

    progress = next(loaded.progress(2021, Period.quarter(2021, 4)))
    assert progress.spent == Decimal("0.3")  # 0.1 + 0.2, not 0.30000000000000004
    assert progress.actuals["cost1"].number == Decimal("0.3")
    assert next(loaded.progress(2021, Period.quarter(2021, 2))).spent == Decimal("0.1")


def test_progress_combines_flows_and_levels_up_to_the_quarter(loaded: Store, db_url: str) -> None:
    from kpitrack.profile import DEFAULT
    from kpitrack.store import ActualRow

    rows = [
        ActualRow("t", n, "p01", i, p, v)
        for n, (i, p, v) in enumerate(
            [
                ("qty1", "2021Q1", "2000"),
                ("qty1", "2021Q2", "3000"),
                ("qty1", "2021Q3", "4000"),
                ("qual1", "2021Q1", "70%"),
                ("qual1", "2021Q2", "75%"),
                ("qual1", "2021Q3", "90%"),
            ]
        )
    ]
    assert loaded.record_rows(rows, by="t", bands=DEFAULT.grade_bands).actuals.added == 6
    progress = next(loaded.progress(2021, Period.quarter(2021, 2)))
    assert {k: str(v) for k, v in progress.actuals.items()} == {"qty1": "5000份", "qual1": "75%"}
    progress = next(loaded.progress(2021, Period.quarter(2021, 3), ids=["p01"]))
    assert {k: str(v) for k, v in progress.actuals.items()} == {"qty1": "9000份", "qual1": "90%"}
    assert progress.last_year == {}
    assert list(loaded.progress(2021, Period.quarter(2021, 3), ids=["p02"])) == []


def test_last_year_is_the_same_projects_year_end_actual(loaded: Store, tmp_path: Path) -> None:
    from conftest import GOALS_2021, projects_from
    from kpitrack.profile import DEFAULT
    from kpitrack.store import ActualRow

    loaded.load_goals(projects_from(tmp_path / "g2020", GOALS_2021.replace("year = 2021", "year = 2020")))
    rows = [
        ActualRow("t", 1, "p01", "soc1", "2020Q2", "部分达成"),
        ActualRow("t", 1, "p01", "qty1", "2020Q1", "4000"),
        ActualRow("t", 1, "p01", "qty1", "2020Q4", "5000"),
        ActualRow("t", 1, "p01", "qty1", "2021Q1", "1"),
    ]
    assert not loaded.record_rows(rows, by="t", bands=DEFAULT.grade_bands).problems
    progress = next(loaded.progress(2021, Period.quarter(2021, 1)))
    assert {k: str(v) for k, v in progress.last_year.items()} == {"soc1": "部分达成", "qty1": "9000份"}
    assert str(progress.actuals["qty1"]) == "1份"


def test_actuals_json_shows_quarters_year_to_date_and_target(
    loaded: Store, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for period, value in [("2021Q1", "2000"), ("2021Q3", "3500")]:
        run(capsys, "record", "p01", "qty1", value, "--period", period, "--db", db_url)
    run(capsys, "spend", "p01", "12.5", "--period", "2021Q2", "--db", db_url)
    code, out, _ = run(capsys, "actuals", "p01", "--period", "2021Q3", "--format", "json", "--db", db_url)
    payload = json.loads(out)
    assert code == 0
    assert (payload["project"], payload["as_of"], payload["spent"], payload["budget"]) == ("p01", "2021Q3", 12.5, 35)
    assert payload["spending"] == {"2021Q1": None, "2021Q2": 12.5, "2021Q3": None}
    qty1 = payload["indicators"][0]
    assert (qty1["id"], qty1["target"], qty1["aggregate"]) == ("qty1", "≥10000份", "sum")
    assert [q and q["text"] for q in qty1["quarters"].values()] == ["2000份", None, "3500份"]
    assert qty1["to_date"]["value"] == 5500
    assert payload["indicators"][1]["to_date"] is None

    code, out, _ = run(capsys, "actuals", "p01", "--db", db_url)
    assert code == 0 and "5500份" in out and "≥10000份" in out


def _writer(db_url: str, label: int, count: int) -> str:
    return textwrap.dedent(
        f"""
        from kpitrack.profile import DEFAULT
        from kpitrack.store import ActualRow, SpendingRow, open_store
        store = open_store({db_url!r})
        for n in range({count}):
            value = str({label} * 1000 + n)
            row = ActualRow("", 0, "p01", "qty1", "2021Q1", value)
            result = store.record_rows([row], by="writer{label}", bands=DEFAULT.grade_bands)
            assert result.actuals.added == 1, result
            spent = SpendingRow("", 0, "p01", "2021Q{label}", value)
            assert store.record_rows(spending_rows=[spent], by="w", bands=DEFAULT.grade_bands).spending.added == 1
        """
    )


def test_two_processes_writing_at_once_lose_nothing(loaded: Store, db_url: str) -> None:
    count = 40
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    writers = [
        subprocess.Popen([sys.executable, "-c", _writer(db_url, label, count)], env=env, stderr=subprocess.PIPE)
        for label in (1, 2)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
    versions = [v for v in loaded.history(loaded.find_project("p01")) if v.indicator == "qty1"]
    assert len(versions) == 2 * count
    assert sum(v.current for v in versions) == 1
    assert {v.recorded_by for v in versions} == {"writer1", "writer2"}
    spending = [v for v in loaded.history(loaded.find_project("p01")) if v.indicator is None]
    assert len(spending) == 2 * count
    assert sorted(str(v.period) for v in spending if v.current) == ["2021Q1", "2021Q2"]


def test_the_profile_in_force_decides_a_grades_band(
    loaded: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Default bands 80/60: 部分达成 is [60, 80), so 55 is refused; a province using 80/50 accepts it.
    code, _, err = run(capsys, "record", "p01", "sus1", "部分达成 55", "--period", "2021Q4", "--db", db_url)
    assert code == 1
    assert "a score of 55 is outside the band of 部分达成 [60, 80)" in err
    profile = tmp_path / "80-50.toml"
    profile.write_text(
        '[scoring.qualitative]\nbands = { "达成" = [80, 100], "部分达成" = [50, 80], "未达成" = [0, 50] }\n',
        encoding="utf-8",
    )
    argv = ["record", "p01", "sus1", "部分达成 55", "--period", "2021Q4", "--profile", str(profile), "--db", db_url]
    assert run(capsys, *argv) == (0, "p01/sus1 2021Q4: recorded 部分达成 55\n", "")
