"""The streamed province path: memoized scoring and monitoring, JSON text, exact sums, project order.

``score``, ``status`` and ``underperforming`` over all projects take the bulk path, score
each distinct indicator case once (``scoring.evaluator`` / ``monitoring.assessor``) and
write each project's JSON as one text (``report.score_json`` / ``report.status_json``).
Each of these must give exactly what the plain per-project functions give.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from conftest import load_generator
from kpitrack import monitoring, report, scoring
from kpitrack.cli import evaluate as evaluate_cli
from kpitrack.cli import main
from kpitrack.io import flat
from kpitrack.periods import Quarter
from kpitrack.profile import DEFAULT
from kpitrack.readings import Progress, ReadingKind
from kpitrack.store import ActualRow, SpendingRow, Store, bulk


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def province(store: Store, tmp_path: Path) -> Store:
    """A generated province of 40 projects with last year, corrections and spending, recorded."""
    folder = tmp_path / "province"
    load_generator().generate(40, 11, folder)
    for year in (2020, 2021):
        projects, problems = flat.load_paths([folder / f"goals-{year}.csv"])
        assert problems == []
        store.load_goals(projects)
    for name in ("actuals-2020.csv", "actuals-2021.csv", "actuals-2021-corrections.csv"):
        actuals = [
            ActualRow(name, n, r["project"], r["indicator"], r["period"], r["value"], r["note"])
            for n, r in enumerate(_rows(folder / name), start=2)
        ]
        assert store.record_rows(actuals, by="test", bands=DEFAULT.grade_bands).problems == ()
    spending = [
        SpendingRow("spending-2021.csv", n, r["project"], r["period"], r["amount"], r["note"])
        for n, r in enumerate(_rows(folder / "spending-2021.csv"), start=2)
    ]
    assert store.record_rows((), spending, by="test", bands=DEFAULT.grade_bands).problems == ()
    return store


def test_memoized_scores_and_json_text_equal_the_plain_path(province: Store) -> None:
    progress = list(bulk.progress(province.engine, 2021, Quarter(2021, 4)))
    assert len(progress) == 40
    plain = [scoring.evaluate(p, DEFAULT) for p in progress]
    memoized = list(map(scoring.evaluator(DEFAULT), progress))
    assert memoized == plain
    # Shared records: equal indicator cases were scored once and handed out again.
    items = [i for s in memoized for i in s.indicators]
    assert len({id(i) for i in items}) < len(items)
    texts = list(report.score_json(memoized))
    assert texts == [json.dumps(report.score_record(s), ensure_ascii=False) for s in plain]


def test_memoized_lights_and_json_text_equal_the_plain_path(province: Store) -> None:
    progress = list(bulk.progress(province.engine, 2021, Quarter(2021, 2)))
    plain = [monitoring.assess(p, DEFAULT) for p in progress]
    memoized = list(map(monitoring.assessor(DEFAULT), progress))
    assert memoized == plain
    texts = list(report.status_json(memoized))
    assert texts == [json.dumps(report.status_record(s), ensure_ascii=False) for s in plain]
    assert monitoring.underperformers_midyear(iter(memoized)) == monitoring.underperformers_midyear(plain)


def test_a_memo_that_starts_afresh_gives_the_same_scores(province: Store) -> None:
    progress = list(bulk.progress(province.engine, 2021, Quarter(2021, 4)))
    tiny = scoring.evaluator(DEFAULT, limit=3)
    assert [tiny(p) for p in progress] == [scoring.evaluate(p, DEFAULT) for p in progress]


GOALS = """\
项目编码,项目名称,单位,年度,年度资金总额,二级指标,三级指标,指标编码,指标值
p02,后加载的项目,测试局,2021,10,数量指标,检查企业（家）,qty1,≥100家
p01,测试项目,测试局,2021,1,数量指标,宣传次数（次）,qty1,≥4次
p01,,,,,成本指标,监管成本（万元）,cost1,≤8万元
p01,,,,,满意度指标,社会公众满意度,sat1,≥90%
"""


def test_bulk_sums_exactly_keeps_code_order_and_the_unit_of_the_latest_number(store: Store, tmp_path: Path) -> None:
    (tmp_path / "goals.csv").write_text(GOALS, encoding="utf-8")
    projects, problems = flat.load_paths([tmp_path / "goals.csv"])
    assert problems == []
    store.load_goals(projects)  # p02 is stored first: key order differs from code order
    values = [
        ("p01", "cost1", "2021Q1", "0.1"),  # as floats 0.1 + 0.2 + 0.7 is 0.9999999999999999
        ("p01", "cost1", "2021Q2", "0.2"),
        ("p01", "cost1", "2021Q3", "7000元"),  # converted to 0.7 万元 when recorded
        ("p01", "qty1", "2021Q1", "3"),
        ("p01", "qty1", "2021Q2", "2"),
        ("p01", "qty1", "2021Q3", "不适用"),  # a flow whose latest value is not a number
        ("p01", "sat1", "2021Q4", "91.25%"),
        ("p02", "qty1", "2021Q4", "120"),
    ]
    rows = [ActualRow("test", n, p, i, q, v) for n, (p, i, q, v) in enumerate(values, start=2)]
    spending = [
        SpendingRow("test", n, "p01", q, a)
        for n, (q, a) in enumerate((("2021Q1", "0.1"), ("2021Q2", "0.2"), ("2021Q3", "0.000001")), start=2)
    ]
    assert store.record_rows(rows, spending, by="test", bands=DEFAULT.grade_bands).problems == ()

    fast = list(bulk.progress(store.engine, 2021, Quarter(2021, 4)))
    assert [p.project.id for p in fast] == ["p01", "p02"]
    assert fast == list(store.progress(2021, Quarter(2021, 4), ["p01", "p02"]))
    p01 = fast[0]
    assert p01.actuals["cost1"].number == Decimal("1.0")
    assert p01.actuals["cost1"].unit == "万元"
    assert p01.actuals["qty1"].kind is ReadingKind.NUMBER
    assert (p01.actuals["qty1"].number, p01.actuals["qty1"].unit) == (Decimal(5), "次")
    assert p01.actuals["sat1"].number == Decimal("91.25")
    assert p01.spent == Decimal("0.300001")
    assert fast[1].spent == Decimal(0)


def test_score_json_is_one_array_written_project_by_project(
    province: Store, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", "--year", "2021", "--format", "json", "--db", db_url]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    assert len(lines) == 40 + 2  # one line per project
    expected = [
        report.score_record(scoring.evaluate(p, DEFAULT))
        for p in bulk.progress(province.engine, 2021, Quarter(2021, 4))
    ]
    assert json.loads(out) == json.loads(json.dumps(expected, ensure_ascii=False))


@pytest.mark.parametrize(
    "argv",
    [
        ["score", "--year", "2021", "--format", "json"],
        ["score", "--year", "2021"],
        ["status", "--as-of", "2021Q2", "--format", "json"],
        ["status", "--as-of", "2021Q3"],
        ["underperforming", "--year", "2021", "--format", "json"],
        ["underperforming", "--year", "2021", "--below", "95"],
        ["underperforming", "--year", "2021", "--as-of", "2021Q2", "--format", "json"],
        ["underperforming", "--year", "2021", "--as-of", "2021Q3"],
    ],
)
def test_two_processes_print_exactly_what_one_prints(
    province: Store, db_url: str, argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluate_cli, "PARALLEL_FROM", 10**9)
    assert main([*argv, "--db", db_url]) == 0
    one = capsys.readouterr().out
    monkeypatch.setattr(evaluate_cli, "PARALLEL_FROM", 1)
    assert main([*argv, "--db", db_url]) == 0
    two = capsys.readouterr().out
    assert two == one
    if argv[0] != "underperforming":
        assert all(f"P{n:06d}" in one for n in range(1, 41))  # every project is there
    else:
        assert one.count("P0000") >= 5  # enough listed projects for the order to matter


@pytest.mark.parametrize("layout", [evaluate_cli.JSON_ARRAY, evaluate_cli.BLOCKS])
@pytest.mark.parametrize("projects", [1, 2])
def test_two_processes_print_what_one_prints_when_the_first_half_is_empty(
    store: Store,
    db_url: str,
    tmp_path: Path,
    projects: int,
    layout: evaluate_cli._Layout,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # One project: the first half is empty and the child's text must come without a separator.
    load_generator().generate(projects, 11, tmp_path / "small")
    goals, problems = flat.load_paths([tmp_path / "small" / "goals-2021.csv"])
    assert problems == [] and len(goals) == projects
    store.load_goals(goals)
    year_end = Quarter(2021, 4)

    def render(progress: Iterator[Progress]) -> Iterator[str]:
        scores = map(scoring.evaluator(DEFAULT), progress)
        if layout is evaluate_cli.JSON_ARRAY:
            return report.score_json(scores)
        return (report.render_scores([score]) for score in scores)

    evaluate_cli._print_texts(render(evaluate_cli._progress(db_url, 2021, year_end, None)), layout)
    one = capsys.readouterr().out
    evaluate_cli._print_in_two_processes(db_url, 2021, year_end, render, layout)
    assert capsys.readouterr().out == one
    if layout is evaluate_cli.JSON_ARRAY:
        assert [s["project"] for s in json.loads(one)] == [g.id for g in goals]
    else:
        assert one.count("项目支出绩效自评表") == projects and one.endswith("\n") and not one.endswith("\n\n")


@pytest.mark.parametrize("command", [["score", "--year", "2021"], ["underperforming", "--year", "2021"]])
def test_a_failing_second_process_is_reported_without_a_traceback(
    province: Store,
    db_url: str,
    command: list[str],
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    halves = evaluate_cli._half

    def failing(db: str | None, year: int, as_of: Quarter, half: int) -> Iterator[Progress]:
        if half == 1:
            raise RuntimeError("disk on fire")
        return halves(db, year, as_of, half)

    monkeypatch.setattr(evaluate_cli, "_half", failing)  # the forked child inherits it
    monkeypatch.setattr(evaluate_cli, "PARALLEL_FROM", 1)
    assert main([*command, "--db", db_url]) == 1
    err = capfd.readouterr().err
    assert "second process: RuntimeError: disk on fire" in err
    assert "the second half of the projects failed (exit code 1); the output is incomplete" in err
    assert "Traceback" not in err


def test_a_year_without_goals_is_reported_whatever_the_threshold(
    store: Store, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluate_cli, "PARALLEL_FROM", 0)
    assert main(["score", "--year", "2021", "--format", "json", "--db", db_url]) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and "no goals for 2021" in captured.err


def test_year_end_lists_of_two_halves_merge_into_the_list_of_all(province: Store) -> None:
    profile = attrs.evolve(DEFAULT, underperforming_below=Decimal(97))
    whole = monitoring.underperformers_year_end(
        map(scoring.evaluator(profile), bulk.progress(province.engine, 2021, Quarter(2021, 4))), profile
    )
    halves = [
        monitoring.underperformers_year_end(
            map(scoring.evaluator(profile), bulk.progress(province.engine, 2021, Quarter(2021, 4), part=(k, 2))),
            profile,
        )
        for k in (0, 1)
    ]
    assert all(halves) and len(whole) > 10
    assert monitoring.merge(halves) == whole


def test_mid_year_lists_of_two_halves_merge_into_the_list_of_all(province: Store) -> None:
    assess = monitoring.assessor(DEFAULT)
    as_of = Quarter(2021, 2)
    whole = monitoring.underperformers_midyear(map(assess, bulk.progress(province.engine, 2021, as_of)))
    halves = [
        monitoring.underperformers_midyear(map(assess, bulk.progress(province.engine, 2021, as_of, part=(k, 2))))
        for k in (0, 1)
    ]
    assert all(halves) and len(whole) > 10
    assert [u.project.id for u in whole] != sorted(u.project.id for u in whole)  # the merge has work to do
    assert monitoring.merge(halves) == whole


def test_only_measured_values_store_a_number(province: Store) -> None:
    # The bulk path's sums join the number column without testing the kind (bulk._aggregated).
    with province.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT kind, count(number) FROM actuals GROUP BY kind"))
        kinds = {kind: numbers for kind, numbers in rows}
    assert set(kinds) == {"number", "grade", "date", "n/a"}  # the generated province records every kind
    assert kinds["number"] > 0
    assert kinds["grade"] == kinds["date"] == kinds["n/a"] == 0


def test_bulk_parts_together_are_the_whole(province: Store) -> None:
    whole = list(bulk.progress(province.engine, 2021, Quarter(2021, 4)))
    for n in (2, 3, 7):
        parts = [p for k in range(n) for p in bulk.progress(province.engine, 2021, Quarter(2021, 4), part=(k, n))]
        assert parts == whole
    assert bulk.count(province.engine, 2021) == 40
