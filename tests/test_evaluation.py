"""The columnar evaluation (kpitrack.evaluation) gives exactly what scoring each project alone gives.

Two differential tests hold the two paths equal: a property test over generated
indicator cases of every target kind and variant, several projects sharing cases, and
every project of a generated 10,000-project province read from a real database.
Compared are the records (scores, statuses, underperformers) and the JSON lines, byte
for byte.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pendulum
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpitrack
from conftest import load_generator
from kpitrack import monitoring, report, scoring
from kpitrack.evaluation import ScorePass, StatusPass
from kpitrack.io import flat
from kpitrack.model import FundPlan, Indicator, Project, ProjectScoring
from kpitrack.periods import Period
from kpitrack.profile import DEFAULT, ElapsedBasis, Profile
from kpitrack.readings import Progress, Reading, ReadingKind
from kpitrack.store import ActualRow, SpendingRow, bulk, open_store
from kpitrack.store._rows import indicator_row, scoring_text
from kpitrack.store.schema import decimal_text
from test_properties import TARGETS, make, numbers, profiles, readings, weights

# More targets than the scoring properties need: durations within a time, and a deadline of a day.
CASES = [*TARGETS, ("≤6个月", "时效指标"), ("≤30天", "时效指标"), ("2021年9月30日前", "时效指标")]


def _text(value: Decimal | None) -> str:
    return "" if value is None else decimal_text(value)


def reading_text(reading: Reading | None) -> str | None:
    """A reading as the reader's columns hold it (``kind|number|grade|score|done_on|unit``)."""
    if reading is None:
        return None
    grade = "" if reading.grade is None else reading.grade.value
    done = "" if reading.date is None else reading.date.to_date_string()
    return f"{reading.kind.value}|{_text(reading.number)}|{grade}|{_text(reading.score)}|{done}|{reading.unit}"


def shape_of(indicator: Indicator) -> tuple[Any, ...]:
    """An indicator's stored definition (指标定义) as the reader reads it: decimals as their text."""
    row = indicator_row(indicator)
    del row["code"], row["target_text"]
    return tuple(_text(v) if isinstance(v, Decimal) else v for v in row.values())


def columns_of(progresses: list[Progress], as_of: Period) -> bulk.Columns:
    """The reader's columns holding ``progresses`` (one year, projects in id order)."""
    shapes: dict[tuple[Any, ...], int] = {}
    rows: dict[str, list[Any]] = {"project": [], "code": [], "shape": [], "actual": [], "last_year": []}
    heads, spent = [], {}
    for index, progress in enumerate(progresses):
        project = progress.project
        start = None if project.start is None else project.start.to_date_string()
        money = (_text(project.budget), None, None)  # 全年预算数, 财政拨款, 其他资金
        # key, code, name, unit, year, money, goal, dates, 主管部门, 实施单位, 年初预算数, 上年结转, 实际完成情况, 评分
        heads.append((index, project.id, project.name, project.unit, project.year, *money, "", start, None))
        heads[-1] += ("", "", None, None, "", scoring_text(project.scoring))
        spent[index] = progress.spent
        for indicator in project.indicators:
            rows["project"].append(index)
            rows["code"].append(indicator.id)
            rows["shape"].append(shapes.setdefault(shape_of(indicator), len(shapes)))
            rows["actual"].append(reading_text(progress.actuals.get(indicator.id)))
            rows["last_year"].append(reading_text(progress.last_year.get(indicator.id)))
    plans = {index: p.project.plan for index, p in enumerate(progresses) if p.project.plan.entries}
    frame = pl.DataFrame(rows, schema={"project": pl.Int64, "code": pl.String, "shape": pl.Int64} | _TEXTS)
    records = bulk.Records({number: shape for shape, number in shapes.items()})
    return bulk.Columns(as_of.year, as_of, heads, plans, spent, frame, records)


_TEXTS = {"actual": pl.String, "last_year": pl.String}

rows = st.tuples(st.sampled_from(CASES), readings, readings, st.one_of(st.none(), weights))
plans = st.one_of(
    st.just(FundPlan()),
    st.lists(numbers, min_size=4, max_size=4).map(
        lambda a: FundPlan(tuple(zip(("Q1", "Q2", "Q3", "Q4"), a, strict=True)))
    ),
)
# A goal table's own weights: the profile's tiers re-weighted, or a tree of its own (项目决策 …).
sections = st.sampled_from(
    [
        ProjectScoring(),
        ProjectScoring(Decimal(20), {"产出指标": Decimal(40), "效益指标": Decimal(30), "满意度指标": Decimal(10)}),
        ProjectScoring(None, {"产出指标": Decimal(60), "效益指标": Decimal(30)}),
        ProjectScoring(Decimal(0), {"项目产出": Decimal(70), "项目效益": Decimal(30)}, {"数量指标": "项目产出"}),
    ]
)
projects = st.tuples(
    st.lists(st.integers(min_value=0, max_value=7), max_size=10),  # picks from the shared rows: repeated cases
    st.decimals(min_value=0, max_value=1000, places=2),
    numbers,
    plans,
    st.one_of(st.none(), st.dates(min_value=pendulum.date(2020, 6, 1), max_value=pendulum.date(2021, 6, 1))),
    sections,
)


def _progresses(pool: list[Any], drawn: list[Any], as_of: Period) -> list[Progress]:
    made = []
    for number, (picks, budget, spent, plan, start, section) in enumerate(drawn):
        chosen = [pool[pick % len(pool)] for pick in picks]
        indicators = tuple(make(i, *target, weight=w) for i, (target, _, _, w) in enumerate(chosen))
        begins = None if start is None else pendulum.date(start.year, start.month, start.day)
        project = Project(
            f"P{number:03d}", "项目", "单位", 2021, budget, indicators, plan=plan, start=begins, scoring=section
        )
        actuals = {f"i{i}": row[1] for i, row in enumerate(chosen) if row[1] is not None}
        last_year = {f"i{i}": row[2] for i, row in enumerate(chosen) if row[2] is not None}
        made.append(Progress(project=project, as_of=as_of, actuals=actuals, spent=spent, last_year=last_year))
    return made


@settings(max_examples=150, deadline=None)
@given(
    st.lists(rows, min_size=1, max_size=8),
    st.lists(projects, min_size=1, max_size=6),
    profiles,
    st.sampled_from(ElapsedBasis),
    st.integers(min_value=1, max_value=4),
)
def test_every_case_scores_lights_and_prints_as_the_core_does(
    pool: list[Any], drawn: list[Any], profile: Profile, basis: ElapsedBasis, quarter: int
) -> None:
    profile = attrs.evolve(profile, elapsed_basis=basis)
    year_end = _progresses(pool, drawn, Period.quarter(2021, 4))
    columns = columns_of(year_end, Period.quarter(2021, 4))
    assert list(bulk.progresses(columns)) == year_end  # the columns hold these projects
    expected = [scoring.evaluate(p, profile) for p in year_end]
    scored = ScorePass(columns, profile)
    assert list(scored.scores()) == expected
    assert list(scored.json()) == list(report.score_json(expected))
    assert _under(monitoring.underperformers_year_end(scored.scores(), profile)) == _under(
        monitoring.underperformers_year_end(expected, profile)
    )

    mid_year = _progresses(pool, drawn, Period.quarter(2021, quarter))
    columns = columns_of(mid_year, Period.quarter(2021, quarter))
    lights = [monitoring.assess(p, profile) for p in mid_year]
    assessed = StatusPass(columns, profile)
    assert list(assessed.statuses()) == lights
    assert list(assessed.json()) == list(report.status_json(lights))
    assert _under(monitoring.underperformers_midyear(assessed.statuses())) == _under(
        monitoring.underperformers_midyear(lights)
    )


def _under(items: list[monitoring.Underperformer]) -> list[str]:
    return list(report.underperformer_json(items))


def test_repeated_cases_are_judged_once_and_weights_follow_each_project_s_tiers() -> None:
    # Two projects with the same three indicators and actuals; a third whose 产出 tier has
    # one indicator more, so its ≥90% row weighs 50/4 instead of 50/3 and is another case.
    same = [make(0, "≥90%", "质量指标"), make(1, "≤12万元", "成本指标"), make(2, "=4次", "数量指标")]
    actuals = {
        "i0": Reading(ReadingKind.NUMBER, number=Decimal(85)),
        "i1": Reading(ReadingKind.NUMBER, number=Decimal(10)),
    }
    first = Progress(
        Project("P1", "a", "u", 2021, Decimal(10), tuple(same)), Period.quarter(2021, 4), actuals, Decimal(5)
    )
    second = attrs.evolve(first, project=attrs.evolve(first.project, id="P2"))
    wider = (*same, make(3, "1500家", "数量指标"))
    third = attrs.evolve(first, project=attrs.evolve(first.project, id="P3", indicators=wider))
    scored = ScorePass(columns_of([first, second, third], Period.quarter(2021, 4)), DEFAULT)
    assert len(scored.results) == 3 + 4  # P2 repeats P1's three cases; P3's rows all weigh otherwise
    weights = {(s.project_id, i.indicator.id): i.weight for s in scored.scores() for i in s.indicators}
    assert weights[("P1", "i0")] == weights[("P2", "i0")] == Decimal(50) / 3
    assert weights[("P3", "i0")] == Decimal("12.5")
    (p1, _, _) = scored.scores()
    assert p1.indicators[0].explain == "85 / 90 × 16.67 = 15.74"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A generated province of 10,000 projects with last year, corrections and spending, in SQLite."""
    folder = tmp_path_factory.mktemp("province")
    load_generator().generate(10_000, 5, folder)
    url = f"sqlite:///{folder / 'province.db'}"
    store = open_store(url)
    try:
        for year in (2020, 2021):
            loaded, problems = flat.load_paths([folder / f"goals-{year}.csv"])
            assert problems == []
            store.load_goals(loaded)
        for name in ("actuals-2020.csv", "actuals-2021.csv", "actuals-2021-corrections.csv"):
            actuals = (
                ActualRow(name, n, r["project"], r["indicator"], r["period"], r["value"], r["note"])
                for n, r in enumerate(_rows(folder / name), start=2)
            )
            assert store.record_rows(actuals, by="test", bands=DEFAULT.grade_bands).problems == ()
        spending = (
            SpendingRow("spending-2021.csv", n, r["project"], r["period"], r["amount"], r["note"])
            for n, r in enumerate(_rows(folder / "spending-2021.csv"), start=2)
        )
        assert store.record_rows((), spending, by="test", bands=DEFAULT.grade_bands).problems == ()
    finally:
        store.close()
    return url


@pytest.mark.slow
def test_every_project_of_a_province_prints_as_scoring_each_alone(province: str) -> None:
    with kpitrack.open(province) as ws:
        profile = ws.profile
        evaluate, assess = scoring.evaluator(profile), monitoring.assessor(profile)
        fast = list(ws.score_json(2021))
        assert len(fast) == 10_000
        assert fast == list(report.score_json(map(evaluate, ws.progress(2021))))
        assert list(ws.status_json("2021Q2")) == list(report.status_json(map(assess, ws.progress(2021, "2021Q2"))))
        year_end = monitoring.underperformers_year_end(map(evaluate, ws.progress(2021)), profile)
        assert _under(ws.underperforming(2021)) == _under(year_end)
        mid_year = monitoring.underperformers_midyear(map(assess, ws.progress(2021, "2021Q2")))
        assert _under(ws.underperforming(2021, "2021Q2")) == _under(mid_year)
        # The province holds what the passes share and what they must keep apart.
        scores = list(ws.score(2021))
        assert sum(len(s.indicators) for s in scores) > 2 * len(
            ScorePass(ws.store.columns(2021, Period.quarter(2021, 4)), profile).results
        )
        assert {i.method for s in scores for i in s.indicators} >= {scoring.Method.FORWARD, scoring.Method.REVERSE}
        assert len({s.total for s in scores}) > 1000


def test_a_unit_one_project_or_a_part_is_what_the_province_gives_of_it(
    province: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with kpitrack.open(province) as ws:
        whole = dict(zip((s.project_id for s in ws.score(2021)), ws.score_json(2021), strict=True))
        statuses = list(ws.status_json("2021Q2"))
        monkeypatch.setattr(bulk, "CHUNK", 3_000)  # the province read and evaluated in four parts
        assert list(ws.score_json(2021)) == list(whole.values())
        assert list(ws.status_json("2021Q2")) == statuses
        assert [p.project.id for p in ws.progress(2021)] == list(whole)
        unit = ws.units(2021)[3]
        of_unit = list(ws.score_json(2021, units=[unit]))
        members = {project.id for project in ws.projects(2021, units=[unit])}
        assert 0 < len(of_unit) == len(members) < 10_000
        assert of_unit == [text for code, text in whole.items() if code in members]
        assert list(ws.score_json(2021, projects=["P000017"])) == [whole["P000017"]]
        assert list(ws.status_json("2021Q3", projects=["P000017", "P000018"])) == list(
            report.status_json(
                map(monitoring.assessor(ws.profile), ws.progress(2021, "2021Q3", projects=["P000017", "P000018"]))
            )
        )


ROOT = Path(__file__).resolve().parents[1]


def test_sqlite_is_read_through_the_store_s_own_connection(tmp_path: Path) -> None:
    # A second connection would see an empty in-memory database, and a second SQLite library in
    # the process would drop the store's file locks: the reader uses the store's own connection.
    printed = []
    for url in ("sqlite://", f"sqlite:///{tmp_path / 'year.db'}"):
        with kpitrack.open(url) as ws:
            ws.load_goals([ROOT / "goals"])
            ws.import_values([ROOT / "examples" / "actuals-2021.csv", ROOT / "examples" / "spending-2021.csv"])
            printed.append(list(ws.score_json(2021)))
    assert printed[0] == printed[1]
    assert len(printed[0]) == 10
