"""``kpitrack parse-target``: arguments, stdin, category context, JSON lines and errors."""

from __future__ import annotations

import io
import json

import pytest

from kpitrack.cli import main


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_json_has_the_documented_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse-target", "≧485", "90%-95%", "--format", "json"]) == 0
    first, second = json_lines(capsys.readouterr().out)
    assert first == {
        "text": "≧485",
        "kind": "compare",
        "op": "≥",
        "value": 485,
        "unit": "",
        "canonical": "≥485",
        "inferred": [],
    }
    assert second["kind"] == "range"
    assert (second["value"], second["upper"], second["unit"]) == (90, 95, "%")


def test_category_decides_a_bare_number(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse-target", "25万元", "--category", "成本指标", "--format", "json"]) == 0
    (record,) = json_lines(capsys.readouterr().out)
    assert (record["op"], record["canonical"], record["inferred_op"]) == ("≤", "≤25万元", True)


def test_stdin_one_target_per_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("≤0.52%\n\n逐年提高\n1.8件/万人\n"))
    assert main(["parse-target", "-", "--format", "json"]) == 0
    records = json_lines(capsys.readouterr().out)
    assert [(r["kind"], r["value"], r["unit"]) for r in records] == [
        ("compare", 0.52, "%"),
        ("trend", None, ""),
        ("compare", 1.8, "件/万人"),
    ]


def test_a_bad_target_is_reported_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse-target", "≥90%", "≥9O%", "--format", "json"]) == 1
    good, bad = json_lines(capsys.readouterr().out)
    assert good["canonical"] == "≥90%"
    assert bad == {"text": "≥9O%", "error": "cannot read target '≥9O%': unknown unit 'O%'"}


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse-target", "=4次", "持续"]) == 0
    out = capsys.readouterr().out
    assert "exact" in out and "=4次" in out
    assert "qualitative" in out


def test_json_says_what_was_inferred(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            ["parse-target", "10", "6个月内", "--category", "时效指标", "--name", "完成时限（月）", "--format", "json"]
        )
        == 0
    )
    bare, written = json_lines(capsys.readouterr().out)
    assert (bare["kind"], bare["op"], bare["value"], bare["unit"], bare["canonical"]) == (
        "duration",
        "≤",
        10,
        "个月",
        "≤10个月",
    )
    assert bare["inferred"] == [
        "the unit 个月 comes from the indicator's name",
        "no operator: ≤ because a duration under 时效指标 is a cap",
    ]
    assert bare["inferred_op"] is True
    assert written["inferred"] == [] and "inferred_op" not in written


def test_json_inferred_from_prose(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse-target", "按标准800元/人发放", "--format", "json"]) == 0
    (record,) = json_lines(capsys.readouterr().out)
    assert (record["kind"], record["op"], record["value"], record["unit"]) == ("exact", "=", 800, "元/人")
    assert record["inferred"] == ["the number 800元/人 is read from the text"]


def test_table_shows_the_inferred_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse-target", "0起"]) == 0
    out = capsys.readouterr().out
    assert "inferred" in out.splitlines()[0]
    assert "a bare 0 is a zero target (≤0: full only when nothing happens)" in out
