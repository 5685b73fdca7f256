"""The one reader over a province: filters, JSON text, exact sums, project order.

``score``, ``status`` and ``underperforming`` read every project, a unit's or one
project's through the same reader (``store/bulk.py``), and write each project's JSON as
one text (``report.score_json`` / ``report.status_json``), which must be exactly what
``json.dumps`` gives of the records.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import load_generator
from kpitrack import monitoring, report, scoring
from kpitrack.cli import main
from kpitrack.io import flat
from kpitrack.numbers import rounded
from kpitrack.periods import Period
from kpitrack.profile import DEFAULT
from kpitrack.readings import ReadingKind
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


def test_json_text_is_what_json_dumps_gives_of_the_records(province: Store) -> None:
    progress = list(bulk.progress(province.engine, 2021, Period.quarter(2021, 4)))
    assert len(progress) == 40
    scores = [scoring.evaluate(p, DEFAULT) for p in progress]
    texts = list(report.score_json(scores))
    assert texts == [json.dumps(report.score_record(s), ensure_ascii=False) for s in scores]
    assert [json.loads(t)["total"] for t in texts] == [float(rounded(s.total)) for s in scores]
    statuses = [monitoring.assess(p, DEFAULT) for p in bulk.progress(province.engine, 2021, Period.quarter(2021, 2))]
    texts = list(report.status_json(statuses))
    assert texts == [json.dumps(report.status_record(s), ensure_ascii=False) for s in statuses]


def test_one_project_or_a_unit_read_alone_is_what_the_whole_province_gives_of_it(province: Store) -> None:
    for as_of in (Period.quarter(2021, 2), Period.quarter(2021, 4)):
        whole = {p.project.id: p for p in bulk.progress(province.engine, 2021, as_of)}
        for code in ("P000001", "P000017", "P000040"):
            (alone,) = bulk.progress(province.engine, 2021, as_of, codes=[code])
            assert alone == whole[code]
        unit = whole["P000017"].project.unit
        of_unit = list(bulk.progress(province.engine, 2021, as_of, units=[unit]))
        assert of_unit == [p for p in whole.values() if p.project.unit == unit]
        assert 0 < len(of_unit) < 40
        assert list(bulk.progress(province.engine, 2021, as_of, codes=[], units=None)) == []


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

    fast = list(bulk.progress(store.engine, 2021, Period.quarter(2021, 4)))
    assert [p.project.id for p in fast] == ["p01", "p02"]
    assert fast == list(store.progress(2021, Period.quarter(2021, 4), ["p01", "p02"]))
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
        for p in bulk.progress(province.engine, 2021, Period.quarter(2021, 4))
    ]
    assert json.loads(out) == json.loads(json.dumps(expected, ensure_ascii=False))


def test_a_year_without_goals_is_reported(store: Store, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "--year", "2021", "--format", "json", "--db", db_url]) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and "no goals for 2021" in captured.err


def test_only_measured_values_store_a_number(province: Store) -> None:
    # The bulk path's sums join the number column without testing the kind (bulk._aggregated).
    with province.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT kind, count(number) FROM actuals GROUP BY kind"))
        kinds = {kind: numbers for kind, numbers in rows}
    assert set(kinds) == {"number", "grade", "date", "n/a"}  # the generated province records every kind
    assert kinds["number"] > 0
    assert kinds["grade"] == kinds["date"] == kinds["n/a"] == 0
