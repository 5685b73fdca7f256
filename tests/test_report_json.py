"""The JSON that ``score`` and ``status`` write: exactly ``json.dumps``'s text, with the documented fields.

The report writes each project's JSON text directly (a province has a million
indicator rows); these tests hold that text to what ``json.dumps(record,
ensure_ascii=False)`` would give, for awkward strings too.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpitrack import monitoring, report, scoring
from kpitrack.model import FundPlan, Indicator, Project
from kpitrack.periods import Period
from kpitrack.profile import DEFAULT
from kpitrack.readings import Grade, Progress, Reading, ReadingKind
from kpitrack.thresholds import parse

D = Decimal


def _progress(name: str = "食品安全抽检", indicator_name: str = "抽检批次（批）", as_of: int = 4) -> Progress:
    indicators = (
        Indicator.create(id="qty1", name=indicator_name, level2="数量指标", target=parse("≥1500批", "数量指标")),
        Indicator.create(id="cost1", name="单批检测成本", level2="成本指标", target=parse("≤0.12万元", "成本指标")),
        Indicator.create(id="soc1", name="公众知晓率", level2="社会效益指标", target=parse("逐年提高", "社会效益指标")),
        Indicator.create(id="sat1", name="满意度", level2="满意度指标", target=parse("≥90%", "满意度指标")),
    )
    project = Project(
        id="P1",
        name=name,
        unit="市场监管局",
        year=2021,
        budget=D(120),
        indicators=indicators,
        plan=FundPlan((("Q1", D(30)), ("Q2", D(30)), ("Q3", D(30)), ("Q4", D(30)))),
        start=pendulum.date(2021, 1, 1),
    )
    return Progress(
        project=project,
        as_of=Period.quarter(2021, as_of),
        actuals={
            "qty1": Reading(ReadingKind.NUMBER, number=D(3600), unit="批"),  # over-achieved: flagged
            "cost1": Reading(ReadingKind.NUMBER, number=D("0.15"), unit="万元"),
            "soc1": Reading(ReadingKind.GRADE, grade=Grade.PARTIAL, score=D(70)),
        },
        spent=D("96.5"),
        last_year={"soc1": Reading(ReadingKind.NUMBER, number=D(88), unit="%")},
    )


def _canonical(text: str) -> bool:
    return json.dumps(json.loads(text), ensure_ascii=False) == text


def test_score_text_is_json_dumps_text_with_the_documented_fields() -> None:
    (text,) = report.score_json([scoring.evaluate(_progress(), DEFAULT)])
    assert _canonical(text)
    record = json.loads(text)
    head = ["project", "name", "year", "total", "grade", "execution"]
    assert list(record) == [*head, "indicators", "rescaled_from", "explain", "missing_explanations"]
    assert list(record["execution"]) == ["budget", "spent", "rate", "rate_percent", "score", "weight", "explain"]
    rows = {row["id"]: row for row in record["indicators"]}
    common = ["id", "name", "level1", "level2", "target", "actual", "weight", "score", "status", "method", "explain"]
    assert list(rows["cost1"]) == common
    assert list(rows["qty1"]) == [*common, "flags"]
    assert list(rows["soc1"]) == [*common, "last_year"]
    assert list(rows["sat1"]) == common
    # Hand-worked: 96.5 / 120 = 80.42 % of the 10 points = 8.04.
    assert record["execution"]["rate_percent"] == 80.42 and record["execution"]["score"] == 8.04
    assert rows["sat1"]["actual"] is None and rows["soc1"]["last_year"] == "88%"
    assert rows["soc1"]["actual"] == "部分达成 70" and rows["qty1"]["actual"] == "3600批"


def test_status_text_is_json_dumps_text_with_the_documented_fields() -> None:
    (text,) = report.status_json([monitoring.assess(_progress(as_of=2), DEFAULT)])
    assert _canonical(text)
    record = json.loads(text)
    assert list(record) == [
        "project",
        "name",
        "as_of",
        "light",
        "p",
        "basis",
        "budget",
        "indicators",
        "missing_explanations",
    ]
    assert list(record["budget"]) == [
        "budget",
        "spent",
        "rate",
        "q",
        "planned",
        "plan_rate",
        "light",
        "expected",
        "likelihood",
        "explain",
    ]
    assert [list(row) for row in record["indicators"]] == [
        ["id", "name", "target", "actual", "light", "ratio", "expected", "likelihood", "explain"]
    ] * 4
    assert record["as_of"] == "2021Q2" and record["p"] == 0.5


@given(st.text(), st.text())
def test_any_name_survives_the_text(name: str, indicator_name: str) -> None:
    progress = _progress(name=name, indicator_name=indicator_name)
    for text in (
        *report.score_json([scoring.evaluate(progress, DEFAULT)]),
        *report.status_json([monitoring.assess(progress, DEFAULT)]),
    ):
        assert _canonical(text)
        record = json.loads(text)
        assert record["name"] == name
        assert record["indicators"][0]["name"] == indicator_name


@pytest.mark.parametrize("value", ["0", "1", "0.005", "1234567.125", "-0.004", "1E+3", "8.333333333333333333333"])
def test_numbers_are_those_of_the_rounded_record(value: str) -> None:
    expected = json.dumps(report._num(D(value)))
    assert report._number(D(value)) == expected
    assert report._number(None) == "null"


@given(
    st.decimals(min_value=-(10**20), max_value=10**20, allow_nan=False, allow_infinity=False)
    | st.integers(-(10**18), 10**18).map(lambda n: D(n).scaleb(-6))
)
def test_any_number_is_printed_as_json_prints_its_rounded_float(value: Decimal) -> None:
    # The text is made from the decimal's digits, not from a float: it must still be json's.
    # (Beyond 26 integral digits no number can be rounded to two places at all.)
    assert report._number(value) == json.dumps(report._num(value))


@pytest.mark.parametrize(
    "value", ["9999999999999.994", "9999999999999.995", "-9999999999999.995", "1E+20", "123456789012.345", "-0.00"]
)
def test_numbers_at_the_edge_of_a_float_s_exact_digits(value: str) -> None:
    assert report._number(D(value)) == json.dumps(report._num(D(value)))


def test_missing_explanations_leave_out_the_explained() -> None:
    # Hand-worked: qty1 is flagged (3600 ≥ 1.2 × 1500), cost1 scores 0.12 / 0.15 × 25 = 20 of 25, soc1
    # 70 % of 30 = 21, sat1 is missing (0 of 10): all four need a 偏差原因分析及改进措施.
    score = scoring.evaluate(_progress(), DEFAULT)
    assert report.score_record(score)["missing_explanations"] == ["qty1", "cost1", "soc1", "sat1"]
    assert report.score_record(score, {"P1": {"qty1", "sat1"}})["missing_explanations"] == ["cost1", "soc1"]
    assert report.score_record(score, {"P9": {"qty1"}})["missing_explanations"] == ["qty1", "cost1", "soc1", "sat1"]
    # At 2021Q2: cost1 is red (0.15 over the cap 0.12), soc1 yellow (部分达成); qty1 blue, sat1 no data.
    status = monitoring.assess(_progress(as_of=2), DEFAULT)
    assert report.status_record(status)["missing_explanations"] == ["cost1", "soc1"]
    assert report.status_record(status, {"P1": {"soc1"}})["missing_explanations"] == ["cost1"]
