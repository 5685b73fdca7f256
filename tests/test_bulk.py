"""The bulk path (store.bulk) gives exactly the per-project path's Progress and scores."""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import load_generator
from kpitrack import readings, scoring
from kpitrack.io import flat
from kpitrack.periods import Period
from kpitrack.profile import DEFAULT
from kpitrack.readings import ReadingKind
from kpitrack.store import ActualRow, SpendingRow, Store, _rows, bulk, open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened = open_store(f"sqlite:///{tmp_path / 'bulk.db'}")
        yield opened
        opened.close()
        return
    url = os.environ.get("KPITRACK_TEST_PG_URL")
    if not url:
        pytest.skip("KPITRACK_TEST_PG_URL is not set")
    schema = f"bulk_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in url else "?"
    opened = open_store(f"{url}{separator}options=-csearch_path%3D{schema}")
    yield opened
    opened.close()
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


def _actuals(path: Path) -> list[ActualRow]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            ActualRow(path.name, n, c["project"], c["indicator"], c["period"], c["value"], c["note"])
            for n, c in enumerate(csv.DictReader(handle), start=2)
        ]


def _spending(path: Path) -> list[SpendingRow]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            SpendingRow(path.name, n, c["project"], c["period"], c["amount"], c["note"])
            for n, c in enumerate(csv.DictReader(handle), start=2)
        ]


def _load_province(store: Store, folder: Path, months: bool = False) -> None:
    """The generated province's two years of goals, its values and corrections and its spending.

    With ``months``, each third quarter is written in months (:func:`_in_months`).
    """
    for year in (2020, 2021):
        projects, problems = flat.load_paths([folder / f"goals-{year}.csv"])
        assert problems == []
        store.load_goals(projects)
    for name in ("actuals-2020.csv", "actuals-2021.csv", "actuals-2021-corrections.csv"):
        path = _in_months(folder / name, ("project", "indicator")) if months else folder / name
        result = store.record_rows(_actuals(path), by="test", bands=DEFAULT.grade_bands)
        assert result.problems == ()
    path = _in_months(folder / "spending-2021.csv", ("project",)) if months else folder / "spending-2021.csv"
    result = store.record_rows((), _spending(path), by="test", bands=DEFAULT.grade_bands)
    assert result.problems == ()


def test_bulk_progress_and_scores_equal_the_per_project_path(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "province"
    load_generator().generate(60, 7, folder)
    _load_province(store, folder)
    codes = [p.id for p in store.projects(2021)]
    assert len(codes) == 60
    # Store.projects without ids is the bulk path: the records of reading each project alone.
    assert store.projects(2021) == store.projects(2021, codes)
    assert store.projects(2020) == store.projects(2020, [p.id for p in store.projects(2020)])
    assert store.projects(2019) == []
    # Projects asked for by id are looked up in lists of a few (here 7) and come in id order.
    monkeypatch.setattr(_rows, "IN_LIST", 7)
    assert store.projects(2021, [*reversed(codes), "no-such-project"]) == store.projects(2021)

    year_end = Period.quarter(2021, 4)
    slow = list(store.progress(2021, year_end, codes))
    fast = list(bulk.progress(store.engine, 2021, year_end))
    # The province exercises every path: corrections, 不适用, missing values, grades, last year's values.
    readings = [r for p in slow for r in p.actuals.values()]
    assert {r.kind for r in readings} >= {ReadingKind.NUMBER, ReadingKind.GRADE, ReadingKind.NOT_APPLICABLE}
    assert any(p.last_year for p in slow)
    assert any(len(p.actuals) < len(p.project.indicators) for p in slow)
    assert (folder / "actuals-2021-corrections.csv").read_text(encoding="utf-8").count("\n") > 1

    assert [p.project.id for p in fast] == codes
    assert fast == slow
    for one, other in zip(slow, fast, strict=True):
        assert scoring.evaluate(one, DEFAULT) == scoring.evaluate(other, DEFAULT)

    mid_year = Period.quarter(2021, 2)
    assert list(bulk.progress(store.engine, 2021, mid_year)) == list(store.progress(2021, mid_year, codes))
    # Store.progress without ids is the bulk path.
    assert list(store.progress(2021, mid_year)) == list(store.progress(2021, mid_year, codes))


GOALS = """\
项目编码,项目名称,单位,年度,年度资金总额,二级指标,三级指标,指标编码,指标值
p01,测试项目,测试局,2021,10,数量指标,检查企业（家）,qty1,≥100家
p01,,,,,成本指标,监管成本（万元）,cost1,≤8万元
p01,,,,,数量指标,宣传次数（次）,qty2,≥4次
p01,,,,,满意度指标,社会公众满意度,sat1,≥90%
"""


def test_bulk_sums_are_exact_beyond_six_fraction_digits_and_skip_not_applicable(store: Store, tmp_path: Path) -> None:
    (tmp_path / "goals.csv").write_text(GOALS, encoding="utf-8")
    projects, problems = flat.load_paths([tmp_path / "goals.csv"])
    assert problems == []
    store.load_goals(projects)
    values = [
        ("qty1", "2021Q1", "40"),
        ("qty1", "2021Q2", "不适用"),
        ("qty1", "2021Q3", "25"),
        ("cost1", "2021Q1", "1.1234567"),  # seven fraction digits: summed in Python
        ("cost1", "2021Q2", "2.0000003"),
        ("qty2", "2021Q1", "不适用"),  # a flow with nothing measured keeps its latest value
        ("sat1", "2021Q1", "88%"),
        ("sat1", "2021Q3", "91.5%"),
    ]
    rows = [ActualRow("test", n, "p01", i, q, v) for n, (i, q, v) in enumerate(values, start=2)]
    spending = [SpendingRow("test", n, "p01", q, a) for n, (q, a) in enumerate((("2021Q1", "2.25"), ("2021Q2", "3")))]
    assert store.record_rows(rows, spending, by="test", bands=DEFAULT.grade_bands).problems == ()

    (fast,) = bulk.progress(store.engine, 2021, Period.quarter(2021, 4))
    (slow,) = store.progress(2021, Period.quarter(2021, 4), ["p01"])
    assert fast == slow
    assert fast.actuals["qty1"].number == Decimal(65)
    assert fast.actuals["cost1"].number == Decimal("3.1234570")
    assert fast.actuals["qty2"].kind is ReadingKind.NOT_APPLICABLE
    assert fast.actuals["sat1"].number == Decimal("91.5")
    assert fast.spent == Decimal("5.25")


# Each indicator's (and project's spending's) third quarter written as months instead, chosen
# by a hash of its key so that every kind of split occurs: kept, 7 + 8..9, or 7, 8 and 9.
_SPLITS = (("2021Q3",), ("2021-07", "2021-08..09"), ("2021-07", "2021-08", "2021-09"))


def _in_months(path: Path, key_columns: tuple[str, ...]) -> Path:
    """``path`` with each 2021Q3 row written as the months its key's split gives (the same text each)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    out = path.with_name(f"months-{path.name}")
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        for row in rows:
            if row["period"] != "2021Q3":
                writer.writerow(row)
                continue
            key = "|".join(row[column] for column in key_columns)
            for period in _SPLITS[sum(map(ord, key)) % len(_SPLITS)]:
                writer.writerow({**row, "period": period})
    return out


def test_months_combine_in_the_reader_as_in_the_core(store: Store, tmp_path: Path) -> None:
    """At every month's end, the reader's year to date is readings.combine over the periods stored.

    The reference is independent of the reader's SQL: each project's stored rows one by one
    (``Store.actuals``), combined in Python in period order.
    """
    folder = tmp_path / "province"
    load_generator().generate(24, 11, folder)
    _load_province(store, folder, months=True)
    spending = _spending(folder / "months-spending-2021.csv")
    codes = [p.id for p in store.projects(2021)]
    kinds = {str(period)[4:] for row in spending for period in [Period.parse(row.period)]}
    assert {"Q3", "-07", "-08..09", "-08", "-09"} <= kinds
    for month in (2, 6, 7, 8, 9, 12):  # before, at and after the months, at quarter ends and not
        cut_off = Period.month(2021, month).cut_off
        read = {p.project.id: p for p in bulk.progress(store.engine, 2021, cut_off)}
        assert list(read) == codes
        for code in codes:
            view = store.actuals(store.find_project(code, 2021), cut_off)
            progress = read[code]
            assert progress.spent == sum(view.spending.values(), Decimal(0)), (code, cut_off)
            for row in view.indicators:
                stored = [row.quarters[p] for p in sorted(row.quarters)]
                assert all(p.last <= month for p in row.quarters)
                combined = readings.combine(row.indicator.aggregate, stored)
                assert progress.actuals.get(row.indicator.id) == combined, (code, row.indicator.id, cut_off)
