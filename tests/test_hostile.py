"""The hostile-input corpus: bad input through every command and reader, refused cleanly.

Each case runs ``kpitrack`` in-process on a copy of one small database and asserts
three things: the exact located message (file, sheet, row, cell or option, and the
bad text quoted), the exit code, and that every table of the database is unchanged
(a dump of all rows before and after).  No case may print a traceback.  The cases
are grouped in tables by what they attack; each table row is one bad input, and
most are tried through several doors (the command line, a CSV import, an XLSX
import), since each door has its own reader.

The bad files are built here: CSV in GBK and UTF-16, workbooks damaged by editing
their zip (tests/hostile_files.py).  Database and process faults (a locked or
read-only database, a full disk, a newer schema, Ctrl-C) have tests of their own
at the end, and a few cases run the installed ``kpitrack`` command.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa

import hostile_files as bad
import kpitrack
from conftest import GOALS_2021, YEAR, run
from kpitrack.cli import main
from kpitrack.problems import MAX_SHOWN
from kpitrack.store.engine import shown_url

# Three projects: p01 (GOALS_2021), and p02 and p03 that share a name; p02 has two
# indicators sharing a name.  p01 holds a year of values (YEAR), so a wrong write shows.
SHARED = GOALS_2021.replace("法制宣传工作经费", "共用名称").replace('name = "投稿率"', 'name = "印制法律法规宣传资料"')
GOAL_FILES = {
    "p01.toml": GOALS_2021,
    "p02.toml": SHARED.replace('id = "p01"', 'id = "p02"'),
    "p03.toml": SHARED.replace('id = "p01"', 'id = "p03"'),
}
FLAT = (
    "项目编码,项目名称,单位,年度,年度资金总额,Q4,二级指标,三级指标,指标值\n"
    "f01,测试项目,测试单位,2021,10,10,数量指标,培训人次,100人次\n"
    "f01,,,,,,社会效益指标,群众知晓率,≥80%\n"
    "f01,,,,,,满意度指标,服务对象满意度,≥90%\n"
)
ACTUALS_COLUMNS = ["project", "indicator", "period", "value", "note"]
SPENDING_COLUMNS = ["project", "period", "amount", "note"]


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database every case starts from: three projects' goals and p01's year of values."""
    folder = tmp_path_factory.mktemp("base")
    goals = folder / "goals"
    goals.mkdir()
    for name, text in GOAL_FILES.items():
        (goals / name).write_text(text, encoding="utf-8")
    (folder / "year.csv").write_text(YEAR, encoding="utf-8")
    url = f"sqlite:///{folder / 'base.db'}"
    assert main(["goals", "load", str(goals), "--db", url]) == 0
    assert main(["import", str(folder / "year.csv"), "--db", url]) == 0
    assert main(["spend", "p01", "10", "--period", "2021Q2", "--db", url]) == 0
    return folder / "base.db"


@pytest.fixture
def db(base_db: Path, tmp_path: Path) -> Path:
    """A copy of the base database for one case."""
    copy = tmp_path / "k.db"
    shutil.copy(base_db, copy)
    return copy


class Case(NamedTuple):
    """One bad input: the command (``{dir}`` is the case's folder, ``{db}`` its database URL), the files it reads,
    what it must say (on standard error; for ``check`` its problems on standard output), and its exit code."""

    id: str
    argv: tuple[str, ...]
    expected: str
    files: dict[str, bytes] = {}  # noqa: RUF012 - a NamedTuple's default, never changed
    code: int = 1


def _said(argv: tuple[str, ...], out: str, err: str) -> str:
    """What a command said about the bad input: ``check`` lists problems first on standard output,
    ``parse-target --format json`` gives each target's error; the others print problems on standard error."""
    if argv[0] == "check":
        return out.split("\n\n")[0]
    if argv[0] == "parse-target":
        return "\n".join(json.loads(line).get("error", "ACCEPTED") for line in out.splitlines())
    return err.rstrip("\n")


def _run_case(case: Case, folder: Path, database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, content in case.files.items():
        (folder / name).write_bytes(content)
    fill = {"dir": str(folder), "db": f"sqlite:///{database}"}
    argv = tuple(part.format(**fill) for part in case.argv)
    before = bad.dump(database)
    code, out, err = run(capsys, *argv)
    assert "Traceback" not in out + err
    assert (code, _said(argv, out, err)) == (case.code, case.expected.format(**fill))
    assert bad.dump(database) == before


def _csv(rows: list[list[str]], header: list[str], encoding: str = "gb18030") -> bytes:
    """A CSV file as Excel on Chinese Windows saves it (GBK; GB18030 for what GBK cannot spell)."""
    text = io.StringIO()
    csv.writer(text).writerows([header, *rows])
    return text.getvalue().encode(encoding)


def _xlsx(rows: list[list[Any]], header: list[str], sheet: str = "actuals") -> bytes:
    return bad.workbook({sheet: [header, *rows]})


# -- values (实际完成值): the command line, a CSV import and an XLSX import --------------------------
#
# (indicator of p01, the value as typed, why it is refused)

# What a qualitative target accepts, as the default profile's vocabulary says it.
GRADE_WORDS = (
    "a qualitative target takes a grade: 达成, 部分达成 or 未达成 (optionally with a score), "
    "or a word of the profile: "
    "达成: 已达成, 达成预期指标, 达成预期目标, 达到预期, 达到, 已达到, 是, 有效, "
    "及时, 显著, 明显, 效果明显, 完成, 已完成, 全部完成, 按时完成, 良好, 优, "
    "优秀, 好, 满意, 合格, 达标, 到位, 符合; "
    "部分达成: 基本达到, 基本完成, 基本达成, 较好, 一般, 部分完成, 基本满意, "
    "基本及时, 较显著, 较为显著; "
    "未达成: 否, 未完成, 未达到, 无效, 不及时, 不显著, 较差, 差, 不合格, 不满意, 未到位"
)
VALUES = [
    ("qty1", "1e26", "expected a number in 份"),
    ("qty1", "1e999", "expected a number in 份"),
    ("qty1", "nan", "expected a number in 份"),
    ("qty1", "NaN", "expected a number in 份"),
    ("qty1", "inf", "expected a number in 份"),
    ("qty1", "Infinity", "expected a number in 份"),
    ("qty1", "-inf", "expected a number in 份"),
    ("qty1", "9" * 16, "the number is too large: at most 15 digits before the decimal point"),
    ("qty1", "9" * 40, "the number is too large: at most 15 digits before the decimal point"),
    (
        "qty1",
        "１２３４５６７８９０１２３４５６７",
        "the number is too large: at most 15 digits before the decimal point",
    ),
    ("qty1", "1." + "0" * 20 + "1", "the number is too precise: at most 20 digits after the decimal point"),
    ("qty1", "-5", "a recorded value cannot be negative"),
    ("qty1", "85%", "unit '%' does not fit indicator qty1, which is measured in 份"),
    ("qty1", "1,2,3", "expected a number in 份"),
    ("qty1", "达成", "a grade fits only a qualitative target; qty1 needs a number"),
    ("qty1", "0x10", "expected a number in 份"),
    ("qty1", "12份份", "unit '份份' does not fit indicator qty1, which is measured in 份"),
    ("qty1", "1/2", "expected a number in 份"),
    ("qty1", "万", "expected a number in 份"),
    ("qty1", "１e5", "expected a number in 份"),
    ("qty1", "1e5份", "expected a number in 份"),
    ("qual1", "nan%", "expected a number in %"),
    ("qual1", "1e3%", "expected a number in %"),
    ("qual1", "-1%", "a recorded value cannot be negative"),
    ("qual1", "部分达成", "a grade fits only a qualitative target; qual1 needs a number"),
    ("time1", "2021-02-30", "not a real date"),
    ("time1", "2021-02-29", "not a real date"),
    ("time1", "2021-13", "not a real date"),
    ("time1", "2021年2月30日", "not a real date"),
    ("time1", "1899-12", "the year 1899 is outside 1900–2199"),
    ("time1", "2200-01-01", "the year 2200 is outside 1900–2199"),
    ("time1", "99999-01", "a deadline takes a completion date (2021-11-30), month (2021-11) or a grade"),
    ("sus1", "很好", GRADE_WORDS),
    ("sus1", "达成 120", "a score of 120 is outside the band of 达成 [80, 100] (percent of the weight)"),
    ("sus1", "部分达成 95", "a score of 95 is outside the band of 部分达成 [60, 80) (percent of the weight)"),
    ("sus1", "未达成 70", "a score of 70 is outside the band of 未达成 [0, 60) (percent of the weight)"),
    ("sus1", "达成 nan", GRADE_WORDS),
    ("sus1", "达成 1e999", GRADE_WORDS),
    ("sus1", "85", GRADE_WORDS),
    ("cost1", "1e26元", "expected a number in 万元"),
    ("cost1", "9999999999999999万元", "the number is too large: at most 15 digits before the decimal point"),
    ("cost1", "-3万元", "a recorded value cannot be negative"),
    ("cost1", "3亿亿", "unit '亿亿' does not fit indicator cost1, which is measured in 万元"),
]


def _value_cases() -> Iterator[Case]:
    for indicator, value, reason in VALUES:
        quoted = f"{value!r}: {reason}"
        yield Case(
            f"record {indicator} {value}",
            ("record", "p01", indicator, "--period", "2021Q3", "--db", "{db}", "--", value),
            f"value: {quoted}",
        )
        row = ["p01", indicator, "2021Q3", value, ""]
        yield Case(
            f"import csv {indicator} {value}",
            ("import", "{dir}/values.csv", "--db", "{db}"),
            f"{{dir}}/values.csv: row 2, column value: {quoted}",
            {"values.csv": _csv([row], ACTUALS_COLUMNS)},
        )
        yield Case(
            f"import xlsx {indicator} {value}",
            ("import", "{dir}/values.xlsx", "--db", "{db}"),
            f"{{dir}}/values.xlsx: sheet actuals: row 2, column value: {quoted}",
            {"values.xlsx": _xlsx([row], ACTUALS_COLUMNS)},
        )


# -- money spent (资金执行, 万元) ------------------------------------------------------------------

AMOUNTS = [
    ("1e26", "expected an amount in 万元, such as 12.5 (or with its unit: 125000元)"),
    ("-1", "money spent cannot be negative"),
    ("9999999999999999", "the amount is too large: at most 15 digits before the decimal point"),
    ("nan", "expected an amount in 万元, such as 12.5 (or with its unit: 125000元)"),
    ("Infinity", "expected an amount in 万元, such as 12.5 (or with its unit: 125000元)"),
    ("abc", "expected an amount in 万元, such as 12.5 (or with its unit: 125000元)"),
    ("1,00", "expected an amount in 万元, such as 12.5 (or with its unit: 125000元)"),
    ("1.5亿亿元", "expected an amount in 万元, such as 12.5 (or with its unit: 125000元)"),
    ("12.5.3", "expected an amount in 万元, such as 12.5 (or with its unit: 125000元)"),
    ("0." + "0" * 20 + "1", "the amount is too precise: at most 20 digits after the decimal point"),
]


def _amount_cases() -> Iterator[Case]:
    for amount, reason in AMOUNTS:
        quoted = f"{amount!r}: {reason}"
        yield Case(
            f"spend {amount}",
            ("spend", "p01", "--period", "2021Q3", "--db", "{db}", "--", amount),
            f"amount: {quoted}",
        )
        row = ["p01", "2021Q3", amount, ""]
        yield Case(
            f"import csv spending {amount}",
            ("import", "{dir}/spent.csv", "--db", "{db}"),
            f"{{dir}}/spent.csv: row 2, column amount: {quoted}",
            {"spent.csv": _csv([row], SPENDING_COLUMNS)},
        )
        yield Case(
            f"import xlsx spending {amount}",
            ("import", "{dir}/spent.xlsx", "--db", "{db}"),
            f"{{dir}}/spent.xlsx: sheet spending: row 2, column amount: {quoted}",
            {"spent.xlsx": _xlsx([row], SPENDING_COLUMNS, "spending")},
        )


# -- periods (季度) -----------------------------------------------------------------------------

PERIODS = [
    ("2021Q5", "expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1"),
    ("2021Q0", "expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1"),
    ("99999Q1", "expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1"),
    ("1899Q4", "the year 1899 is outside 1900–2199"),
    ("2200Q1", "the year 2200 is outside 1900–2199"),
    ("2021", "expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1"),
    ("Q1 2021", "expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1"),
    ("2021年第五季度", "expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1"),
]


def _period_cases() -> Iterator[Case]:
    for period, reason in PERIODS:
        quoted = f"{period!r}: {reason}"
        yield Case(
            f"record --period {period}",
            ("record", "p01", "qty1", "1", "--period", period, "--db", "{db}"),
            f"--period: {quoted}",
        )
        yield Case(
            f"import csv period {period}",
            ("import", "{dir}/values.csv", "--db", "{db}"),
            f"{{dir}}/values.csv: row 2, column period: {quoted}",
            {"values.csv": _csv([["p01", "qty1", period, "1", ""]], ACTUALS_COLUMNS)},
        )


# -- notes (说明) and who recorded (--by) ------------------------------------------------------

NOTES = [
    ("a\x00b", "contains a control character (U+0000)"),
    ("响铃\x07", "contains a control character (U+0007)"),
    ("\x1b[2J清屏", "contains a control character (U+001B)"),
    ("删除\x7f", "contains a control character (U+007F)"),
    ("c1\x85c2", "contains a control character (U+0085)"),
    ("备" * 1001, "is 1001 characters long; at most 1000"),
]
WHO = [
    ("a\x00b", "contains a control character (U+0000)"),
    ("李\n会计", "contains a line break or tab (U+000A)"),
    ("李\t会计", "contains a line break or tab (U+0009)"),
    ("x" * 129, "is 129 characters long; at most 128"),
]


def _note_cases() -> Iterator[Case]:
    for note, reason in NOTES:
        quoted = f"{note!r}: {reason}"
        yield Case(
            f"record --note {note[:8]!r}",
            ("record", "p01", "qty1", "1", "--period", "2021Q3", "--note", note, "--db", "{db}"),
            f"note: {quoted}",
        )
        yield Case(
            f"spend --note {note[:8]!r}",
            ("spend", "p01", "1", "--period", "2021Q3", "--note", note, "--db", "{db}"),
            f"note: {quoted}",
        )
        yield Case(  # a CSV: the XML of a workbook cannot hold control characters at all
            f"import note {note[:8]!r}",
            ("import", "{dir}/values.csv", "--db", "{db}"),
            f"{{dir}}/values.csv: row 2, column note: {quoted}",
            {"values.csv": _csv([["p01", "qty1", "2021Q3", "1", note]], ACTUALS_COLUMNS)},
        )
    for who, reason in WHO:
        yield Case(
            f"record --by {who[:8]!r}",
            ("record", "p01", "qty1", "1", "--period", "2021Q3", "--by", who, "--db", "{db}"),
            f"--by: {who!r} {reason}",
        )
        yield Case(
            f"import --by {who[:8]!r}",
            ("import", "{dir}/values.csv", "--by", who, "--db", "{db}"),
            f"--by: {who!r} {reason}",
            {"values.csv": _csv([["p01", "qty1", "2021Q3", "1", ""]], ACTUALS_COLUMNS)},
        )


# -- names: unknown, shared by two, ids that are paths ------------------------------------------

AMBIGUOUS_PROJECT = "names 2 projects in 2021: p02, p03; give the id"
AMBIGUOUS_INDICATOR = "names 2 indicators of project p02: qty1, qual1; give the id"
NAME_CASES = [
    Case(
        "record shared name",
        ("record", "共用名称", "qty1", "1", "--period", "2021Q3", "--db", "{db}"),
        f"project: '共用名称': {AMBIGUOUS_PROJECT}",
    ),
    Case(
        "record shared indicator name",
        ("record", "p02", "印制法律法规宣传资料", "1", "--period", "2021Q3", "--db", "{db}"),
        f"indicator: '印制法律法规宣传资料': {AMBIGUOUS_INDICATOR}",
    ),
    Case(
        "spend shared name",
        ("spend", "共用名称", "1", "--period", "2021Q3", "--db", "{db}"),
        f"project: '共用名称': {AMBIGUOUS_PROJECT}",
    ),
    Case("history shared name", ("history", "共用名称", "--db", "{db}"), f"共用名称: {AMBIGUOUS_PROJECT}"),
    Case(
        "history shared indicator name",
        ("history", "p02", "印制法律法规宣传资料", "--db", "{db}"),
        f"印制法律法规宣传资料: {AMBIGUOUS_INDICATOR}",
    ),
    Case("actuals shared name", ("actuals", "共用名称", "--db", "{db}"), f"共用名称: {AMBIGUOUS_PROJECT}"),
    Case(
        "template shared name",
        ("template", "--period", "2021Q3", "--project", "共用名称", "--out", "{dir}/t.xlsx", "--db", "{db}"),
        f"共用名称: {AMBIGUOUS_PROJECT}",
    ),
    Case(
        "import shared names",
        ("import", "{dir}/values.csv", "--db", "{db}"),
        f"{{dir}}/values.csv: row 2, column project: '共用名称': {AMBIGUOUS_PROJECT}\n"
        f"{{dir}}/values.csv: row 3, column indicator: '印制法律法规宣传资料': {AMBIGUOUS_INDICATOR}",
        {
            "values.csv": _csv(
                [["共用名称", "qty1", "2021Q3", "1", ""], ["p02", "印制法律法规宣传资料", "2021Q3", "1", ""]],
                ACTUALS_COLUMNS,
            )
        },
    ),
    Case(
        "record a path for a project",
        ("record", "../p01", "qty1", "1", "--period", "2021Q3", "--db", "{db}"),
        "project: '../p01': no project with this id or name in 2021; closest: p01, p03, p02",
    ),
    Case(
        "record an unknown indicator",
        ("record", "p01", "qty1/../qty2", "1", "--period", "2021Q3", "--db", "{db}"),
        "indicator: 'qty1/../qty2': project p01 has no indicator with this id or name; closest: qty1",
    ),
    Case("history unknown", ("history", "ghost", "--db", "{db}"), "ghost: no project with this id or name"),
    Case(
        "history unknown indicator",
        ("history", "p01", "ghost", "--db", "{db}"),
        "ghost: project p01 has no indicator with this id or name",
    ),
    Case(
        "history year 99999",
        ("history", "p01", "--year", "99999", "--db", "{db}"),
        "p01: project p01 has no goals for 99999 (it has 2021)",
    ),
    Case("actuals unknown", ("actuals", "ghost", "--db", "{db}"), "ghost: no project with this id or name"),
    Case(
        "actuals bad period",
        ("actuals", "p01", "--period", "2021Q9", "--db", "{db}"),
        "--period: '2021Q9': expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1",
    ),
    Case(
        "import a second value for a quarter",
        ("import", "{dir}/values.csv", "--db", "{db}"),
        "{dir}/values.csv: row 3, column indicator: 'qty1': 2021Q3 is already given in {dir}/values.csv: row 2",
        {"values.csv": _csv([["p01", "qty1", "2021Q3", "1", ""], ["p01", "qty1", "2021Q3", "2", ""]], ACTUALS_COLUMNS)},
    ),
]


# -- goal files (TOML): check and goals load --------------------------------------------------
#
# (text in GOALS_2021, what it becomes, the problem's place in the file, the message)

GOAL_EDITS = [
    ("budget = 35", "budget = 1e26", "budget", "1E+26 is too large: at most 15 digits before the decimal point"),
    (
        "budget = 35",
        "budget = 9999999999999999",
        "budget",
        "9999999999999999 is too large: at most 15 digits before the decimal point",
    ),
    ("budget = 35", "budget = nan", "budget", "expected a number, got NaN"),
    ("budget = 35", "budget = inf", "budget", "expected a number, got Infinity"),
    ("budget = 35", "budget = -inf", "budget", "expected a number, got -Infinity"),
    (
        "budget = 35",
        'budget = "35"',
        "budget",
        "expected a number (万元), or an amount with its unit such as '125000元', got the string '35'",
    ),
    (
        "budget = 35",
        'budget = "1e26元"',
        "budget",
        "cannot read amount '1e26元': expected an amount in 万元, such as 12.5 (or with its unit: 125000元)",
    ),
    (
        "budget = 35",
        'budget = "9999999999999999元"',
        "budget",
        "cannot read amount '9999999999999999元': the amount is too large: at most 15 digits before the decimal point",
    ),
    ("year = 2021", "year = 99999", "year", "the year 99999 is outside 1900–2199"),
    ("year = 2021", "year = 1800", "year", "the year 1800 is outside 1900–2199"),
    ("year = 2021", "year = -1", "year", "the year -1 is outside 1900–2199"),
    ('id = "p01"', 'id = "p01\\n"', "id", "'p01\\n' contains a line break or tab (U+000A)"),
    (
        'id = "p01"',
        'id = "../p01"',
        "id",
        "'../p01' is not a valid project id (a letter or digit, then letters, digits, _ . -)",
    ),
    (
        'id = "p01"',
        'id = "a/b"',
        "id",
        "'a/b' is not a valid project id (a letter or digit, then letters, digits, _ . -)",
    ),
    (
        'id = "p01"',
        'id = "p01\\\\x"',
        "id",
        "'p01\\\\x' is not a valid project id (a letter or digit, then letters, digits, _ . -)",
    ),
    (
        'id = "p01"',
        'id = "C:p01"',
        "id",
        "'C:p01' is not a valid project id (a letter or digit, then letters, digits, _ . -)",
    ),
    ('id = "p01"', f'id = "{"p" * 65}"', "id", f"'{'p' * 65}' is 65 characters long; at most 64"),
    (
        'name = "法制宣传工作经费"',
        'name = "法制\\u0000宣传"',
        "name",
        "'法制\\x00宣传' contains a control character (U+0000)",
    ),
    (
        'name = "法制宣传工作经费"',
        'name = "法制\\u0007宣传"',
        "name",
        "'法制\\x07宣传' contains a control character (U+0007)",
    ),
    (
        'name = "法制宣传工作经费"',
        'name = "法制\\u001b[31m宣传"',
        "name",
        "'法制\\x1b[31m宣传' contains a control character (U+001B)",
    ),
    (
        'name = "法制宣传工作经费"',
        f'name = "{"长" * 1001}"',
        "name",
        f"'{'长' * 1001}' is 1001 characters long; at most 1000",
    ),
    (
        'unit = "昌吉州市场监督管理局"',
        'unit = "昌吉州\\u0000"',
        "unit",
        "'昌吉州\\x00' contains a control character (U+0000)",
    ),
    (
        'target = "10000份"',
        'target = "1e26份"',
        "indicators[0].target",
        "cannot read target '1e26份': expected a number with an optional unit",
    ),
    (
        'target = "10000份"',
        f'target = "{"9" * 20}份"',
        "indicators[0].target",
        f"cannot read target '{'9' * 20}份': '{'9' * 20}' is too large: at most 15 digits before the decimal point",
    ),
    (
        'target = "10000份"',
        'target = "10000份\\u0000"',
        "indicators[0].target",
        "'10000份\\x00' contains a control character (U+0000)",
    ),
    (
        'target = "≥80%"',
        'target = "≥nan%"',
        "indicators[1].target",
        "cannot read target '≥nan%': an operator needs a number after it",
    ),
    (
        'target = "≥80%"',
        'target = "≥1e999%"',
        "indicators[1].target",
        "cannot read target '≥1e999%': expected a number with an optional unit",
    ),
    (
        'target = "年底前"',
        'target = "2021年2月30日前"',
        "indicators[2].target",
        "cannot read target '2021年2月30日前': 2月30日 is not a date",
    ),
    (
        'target = "年底前"',
        'target = "2021年2月29日前"',
        "indicators[2].target",
        "cannot read target '2021年2月29日前': 2月29日 is not a date",
    ),
    (
        'target = "年底前"',
        'target = "2021年4月31日前"',
        "indicators[2].target",
        "cannot read target '2021年4月31日前': 4月31日 is not a date",
    ),
    (
        'target = "年底前"',
        'target = "2021年13月底前"',
        "indicators[2].target",
        "cannot read target '2021年13月底前': 13 is not a month",
    ),
    (
        'target = "年底前"',
        'target = "99999年12月底前"',
        "indicators[2].target",
        "cannot read target '99999年12月底前': the year 99999 is outside 1900–2199",
    ),
    (
        'target = "年底前"',
        'target = "1899年12月底前"',
        "indicators[2].target",
        "cannot read target '1899年12月底前': the year 1899 is outside 1900–2199",
    ),
    (
        'target = "年底前"',
        'target = "2300年1-12月"',
        "indicators[2].target",
        "cannot read target '2300年1-12月': the year 2300 is outside 1900–2199",
    ),
    (
        "plan = { Q2 = 10, Q3 = 15, Q4 = 10 }",
        "plan = { Q2 = 1e26, Q3 = 15, Q4 = 10 }",
        "plan.Q2",
        "expected a non-negative amount in 万元, got 1E+26",
    ),
    (
        "plan = { Q2 = 10, Q3 = 15, Q4 = 10 }",
        "plan = { Q2 = nan, Q3 = 15, Q4 = 10 }",
        "plan.Q2",
        "expected a non-negative amount in 万元, got NaN",
    ),
    ('id = "qty1"', 'id = "qty1\\n"', "indicators[0].id", "'qty1\\n' contains a line break or tab (U+000A)"),
    (
        'id = "qty1"',
        'id = "q/1"',
        "indicators[0].id",
        "'q/1' is not a valid indicator id (a letter, then letters, digits, _ . -)",
    ),
    (
        'name = "印制法律法规宣传资料"',
        'name = "印制\\u0000资料"',
        "indicators[0].name",
        "'印制\\x00资料' contains a control character (U+0000)",
    ),
    (
        'level2 = "数量指标"',
        'level2 = "数量\\u0001指标"',
        "indicators[0].level2",
        "'数量\\x01指标' contains a control character (U+0001)",
    ),
    (
        'target = "10000份"',
        'target = "10000份"\nweight = 1e30',
        "indicators[0].weight",
        "1E+30 is too large: at most 15 digits before the decimal point",
    ),
    ('target = "10000份"', 'target = "10000份"\nweight = nan', "indicators[0].weight", "expected a number, got NaN"),
    (
        'target = "10000份"',
        'target = "10000份"\nunit = "份\\n"',
        "indicators[0].unit",
        "'份\\n' contains a line break or tab (U+000A)",
    ),
    (
        'target = "10000份"',
        f'target = "10000份"\nunit = "{"份" * 33}"',
        "indicators[0].unit",
        f"'{'份' * 33}' is 33 characters long; at most 32",
    ),
]


def _goal_edit_cases() -> Iterator[Case]:
    for old, new, where, message in GOAL_EDITS:
        text = GOALS_2021.replace(old, new, 1)
        assert text != GOALS_2021, old
        files = {"p01.toml": text.encode()}
        expected = f"{{dir}}/p01.toml: {where}: {message}"
        yield Case(f"check {new[:30]}", ("check", "{dir}/p01.toml"), expected, files)
        yield Case(f"goals load {new[:30]}", ("goals", "load", "{dir}/p01.toml", "--db", "{db}"), expected, files)


GOAL_BYTES = [
    (
        "binary",
        b"\xff\xfe\x00\x01garbage",
        "{dir}/p01.toml: line 1: not UTF-16 text, though it starts as such: save the file as UTF-8",
    ),
    (
        "latin-1",
        "name = 'é'".encode("latin-1"),
        "{dir}/p01.toml: line 1: neither UTF-8 nor GBK/GB18030 text: save the file as UTF-8",
    ),
    ("bad TOML", b'id = "p01"\nbudget = \n', "{dir}/p01.toml:2: not valid TOML: Invalid value (column 10)"),
    ("NUL bytes", b"\x00\x00\x00", "{dir}/p01.toml:1: not valid TOML: Invalid statement (column 1)"),
    (
        "UTF-8 BOM then bad TOML",
        b"\xef\xbb\xbfid = = 1\n",
        "{dir}/p01.toml:1: not valid TOML: Invalid value (column 6)",
    ),
]


def _goal_byte_cases() -> Iterator[Case]:
    for label, content, expected in GOAL_BYTES:
        files = {"p01.toml": content}
        yield Case(f"check {label}", ("check", "{dir}/p01.toml"), expected, files)
        yield Case(f"goals load {label}", ("goals", "load", "{dir}/p01.toml", "--db", "{db}"), expected, files)


# -- flat goal tables (扁平绩效目标表), CSV in GBK and XLSX: check and goals load -------------------
#
# (the cell's column in FLAT's first data row, its bad text, the problems)

FLAT_CELLS = [
    (
        4,
        "9999999999999999",
        "row 2, column 年度资金总额: cannot read amount '9999999999999999': "
        "the amount is too large: at most 15 digits before the decimal point",
    ),
    (
        4,
        "1e26",
        "row 2, column 年度资金总额: cannot read amount '1e26': "
        "expected an amount in 万元, such as 12.5 (or with its unit: 125000元)",
    ),
    (8, "1e26人次", "row 2, column 指标值: cannot read target '1e26人次': expected a number with an optional unit"),
    (8, "2021年2月30日前", "row 2, column 指标值: cannot read target '2021年2月30日前': 2月30日 is not a date"),
    (7, "培训\x07人次", "row 2, column 三级指标: '培训\\x07人次' contains a control character (U+0007)"),
    (6, "数量\x00指标", "row 2, column 二级指标: '数量\\x00指标' contains a control character (U+0000)"),
]


def _flat_cases() -> Iterator[Case]:
    header, *rows = [line.split(",") for line in FLAT.splitlines()]
    for column, text, problem in FLAT_CELLS:
        changed = [row[:] for row in rows]
        changed[0][column] = text
        csv = ("\r\n".join(",".join(row) for row in [header, *changed]) + "\r\n").encode("gb18030")
        for command in (("check",), ("goals", "load")):
            database = ("--db", "{db}") if command[0] == "goals" else ()
            yield Case(
                f"{' '.join(command)} flat csv {text[:12]!r}",
                (*command, "{dir}/goals.csv", *database),
                f"{{dir}}/goals.csv: {problem}",
                {"goals.csv": csv},
            )
            if not text.isprintable():  # the XML of a workbook cannot hold control characters at all
                continue
            yield Case(
                f"{' '.join(command)} flat xlsx {text[:12]!r}",
                (*command, "{dir}/goals.xlsx", *database),
                f"{{dir}}/goals.xlsx: 指标 {problem}",
                {"goals.xlsx": bad.workbook({"指标": [header, *changed]})},
            )


def _flat_file_cases() -> Iterator[Case]:
    header, *rows = [line.split(",") for line in FLAT.splitlines()]
    formula = bad.formula_workbook(header, rows[0], 4, "=SUM(E3:E9)")
    huge = [row[:] for row in rows]
    huge[0][4] = 1e26  # type: ignore[call-overload]  # a number cell, as a spreadsheet holds it
    files = {
        "formula without a saved value": (
            formula,
            "{dir}/goals.xlsx: sheet actuals, cell E2: formula '=SUM(E3:E9)' has no saved value: "
            "open and save it in Excel/WPS, or type the value",
        ),
        "a number cell of 1e26": (
            bad.workbook({"指标": [header, *huge]}),
            "{dir}/goals.xlsx: 指标 row 2, column 年度资金总额: cannot read amount '100000000000000000000000000': "
            "the amount is too large: at most 15 digits before the decimal point",
        ),
        "truncated": (
            bad.truncated(bad.workbook({"指标": [header, *rows]})),
            "{dir}/goals.xlsx: not a readable workbook (damaged or not XLSX): File is not a zip file",
        ),
        "a CSV renamed .xlsx": (
            FLAT.encode(),
            "{dir}/goals.xlsx: not a readable workbook (damaged or not XLSX): File is not a zip file",
        ),
        "an error cell": (
            bad.error_cell_workbook(header, rows[0], 8, "#REF!"),
            "{dir}/goals.xlsx: sheet actuals, cell I2: the cell shows the error #REF!: correct it in the workbook",
        ),
    }
    for label, (content, expected) in files.items():
        yield Case(f"check flat {label}", ("check", "{dir}/goals.xlsx"), expected, {"goals.xlsx": content})
        yield Case(
            f"goals load flat {label}",
            ("goals", "load", "{dir}/goals.xlsx", "--db", "{db}"),
            expected,
            {"goals.xlsx": content},
        )
    latin = FLAT.replace("测试项目", "Projet é").encode("latin-1", errors="replace")
    yield Case(
        "check flat latin-1",
        ("check", "{dir}/goals.csv"),
        "{dir}/goals.csv: line 1: neither UTF-8 nor GBK/GB18030 text: save the file as UTF-8",
        {"goals.csv": b"\xe9\x2c" + latin},
    )


# -- import files: encodings, damaged workbooks, formulas, error cells, headers ----------------


def _cut(xml: bytes) -> bytes:
    return xml[: len(xml) // 2]


def _xml_error(damage: Callable[[bytes], bytes], workbook: bytes) -> str:
    """What the XML parser says of a workbook's first sheet once damaged: the place it names is the parser's own."""
    sheet = zipfile.ZipFile(io.BytesIO(workbook)).read("xl/worksheets/sheet1.xml")
    try:
        ElementTree.fromstring(damage(sheet))
    except ElementTree.ParseError as error:
        return str(error)
    raise AssertionError("the damage did not damage")


def _import_file_cases() -> Iterator[Case]:
    good_row = ["p01", "qty1", "2021Q3", "1", ""]
    workbook = _xlsx([good_row], ACTUALS_COLUMNS)
    files: list[tuple[str, str, bytes, str]] = [
        (
            "latin-1 CSV",
            "v.csv",
            _csv([["p01", "qty1", "2021Q3", "1", "é"]], ACTUALS_COLUMNS, "latin-1"),
            "{dir}/v.csv: line 2: neither UTF-8 nor GBK/GB18030 text: save the file as UTF-8",
        ),
        (
            "UTF-16 that is not",
            "v.csv",
            b"\xff\xfe" + "project".encode("utf-16-le") + b"\x00",
            "{dir}/v.csv: line 1: not UTF-16 text, though it starts as such: save the file as UTF-8",
        ),
        (
            "empty CSV",
            "v.csv",
            b"",
            "{dir}/v.csv: row 1: header '(empty)' is neither actuals (project, indicator, period, value, note) "
            "nor spending (project, period, amount, note)",
        ),
        (
            "unknown header",
            "v.csv",
            b"a,b,c\r\n1,2,3\r\n",
            "{dir}/v.csv: row 1: header 'a, b, c' is neither actuals (project, indicator, period, value, note) "
            "nor spending (project, period, amount, note)",
        ),
        (
            "a NUL in a cell",
            "v.csv",
            _csv([["p01", "qty1", "2021Q3", "1\x00", ""]], ACTUALS_COLUMNS),
            "{dir}/v.csv: row 2, column value: '1\\x00': "
            "unit '\\x00' does not fit indicator qty1, which is measured in 份",
        ),
        (
            "an open quote",
            "v.csv",
            b'project,indicator,period,value\r\np01,qty1,2021Q3,"1,\r\np01,qty2,2021Q3,2\r\n',
            "{dir}/v.csv: line 3: cannot read the file: unexpected end of data",
        ),
        ("not a table file", "v.txt", b"x", "{dir}/v.txt: expected a .csv or .xlsx file"),
        (
            "formula without a saved value",
            "v.xlsx",
            bad.formula_workbook(ACTUALS_COLUMNS, good_row, 3, "=A1*2"),
            "{dir}/v.xlsx: sheet actuals, cell D2: formula '=A1*2' has no saved value: "
            "open and save it in Excel/WPS, or type the value",
        ),
        (
            "its saved value removed",
            "v.xlsx",
            bad.without_cached_values(bad.formula_workbook(ACTUALS_COLUMNS, good_row, 3, "=1+1")),
            "{dir}/v.xlsx: sheet actuals, cell D2: formula '=1+1' has no saved value: "
            "open and save it in Excel/WPS, or type the value",
        ),
        (
            "an error cell",
            "v.xlsx",
            bad.error_cell_workbook(ACTUALS_COLUMNS, good_row, 3, "#DIV/0!"),
            "{dir}/v.xlsx: sheet actuals, cell D2: the cell shows the error #DIV/0!: correct it in the workbook",
        ),
        (
            "truncated workbook",
            "v.xlsx",
            bad.truncated(workbook),
            "{dir}/v.xlsx: not a readable workbook (damaged or not XLSX): File is not a zip file",
        ),
        (
            "an empty zip",
            "v.xlsx",
            bad.zip_of({}),
            "{dir}/v.xlsx: not a readable workbook (damaged or not XLSX): "
            "\"There is no item named '[Content_Types].xml' in the archive\"",
        ),
        (
            "a sheet's XML cut short",
            "v.xlsx",
            bad.edit_sheets(workbook, _cut),
            f"{{dir}}/v.xlsx: not a readable workbook (damaged or not XLSX): {_xml_error(_cut, workbook)}",
        ),
        (
            "a number cell of 1e26",
            "v.xlsx",
            _xlsx([["p01", "qty1", "2021Q3", 1e26, ""]], ACTUALS_COLUMNS),
            "{dir}/v.xlsx: sheet actuals: row 2, column value: '100000000000000000000000000': "
            "the number is too large: at most 15 digits before the decimal point",
        ),
        (
            "a sheet of something else",
            "v.xlsx",
            bad.workbook({"其他": [["a", "b"], [1, 2]]}),
            "{dir}/v.xlsx: sheet 其他, row 1: header 'a, b' is neither actuals "
            "(project, indicator, period, value, note) nor spending (project, period, amount, note)",
        ),
    ]
    for label, name, content, expected in files:
        yield Case(f"import {label}", ("import", f"{{dir}}/{name}", "--db", "{db}"), expected, {name: content})
    yield Case("import a folder", ("import", "{dir}", "--db", "{db}"), "{dir}: expected a .csv or .xlsx file")
    yield Case(
        "import a missing file",
        ("import", "{dir}/nope.csv", "--db", "{db}"),
        "{dir}/nope.csv: cannot read the file: No such file or directory",
    )


# -- parse-target --------------------------------------------------------------------------------

TARGETS = [
    ("1e26", "cannot read target '1e26': expected a number with an optional unit"),
    (
        "9" * 20,
        f"cannot read target '{'9' * 20}': '{'9' * 20}' is too large: at most 15 digits before the decimal point",
    ),
    ("2021年2月30日前", "cannot read target '2021年2月30日前': 2月30日 is not a date"),
    ("2021年2月29日前", "cannot read target '2021年2月29日前': 2月29日 is not a date"),
    ("2021年0月底前", "cannot read target '2021年0月底前': 0 is not a month"),
    ("99999年12月底前", "cannot read target '99999年12月底前': the year 99999 is outside 1900–2199"),
    ("1899年1-12月", "cannot read target '1899年1-12月': the year 1899 is outside 1900–2199"),
    ("≥nan", "cannot read target '≥nan': an operator needs a number after it"),
    ("≥inf%", "cannot read target '≥inf%': an operator needs a number after it"),
    (
        "≥1." + "0" * 20 + "1%",
        f"cannot read target '≥1.{'0' * 20}1%': '1.{'0' * 20}1' is too precise: "
        "at most 20 digits after the decimal point",
    ),
    ("达标\x00", "cannot read target '达标\\x00': contains a control character (U+0000)"),
    ("\x1b[31m≥90%", "cannot read target '\\x1b[31m≥90%': contains a control character (U+001B)"),
]


def _target_cases() -> Iterator[Case]:
    for text, error in TARGETS:
        yield Case(f"parse-target {text[:12]!r}", ("parse-target", "--format", "json", "--", text), error)


# -- score, status, underperforming, template, profiles ---------------------------------------

PROFILES = [
    ("execution = nan", "scoring.execution: NaN is not a finite number"),
    ("execution = 1e20", "scoring.execution: 1E+20 is too large: at most 15 digits before the decimal point"),
    (
        'tiers = { "产出指标" = 1e30 }',
        "scoring.tiers.产出指标: 1E+30 is too large: at most 15 digits before the decimal point",
    ),
    ("execution = inf", "scoring.execution: Infinity is not a finite number"),
]


def _option_cases() -> Iterator[Case]:
    for command in (
        ("score", "--year", "2021"),
        ("status", "--as-of", "2021Q2"),
        ("underperforming", "--year", "2021"),
    ):
        name = command[0]
        yield Case(
            f"{name} unknown unit",
            (*command, "--unit", "ghost", "--db", "{db}"),
            "--unit: 'ghost': no project of this budget unit in 2021",
        )
        yield Case(
            f"{name} unknown project",
            (*command, "--project", "ghost", "--db", "{db}"),
            "ghost: no project with this id or name",
        )
        yield Case(
            f"{name} shared name", (*command, "--project", "共用名称", "--db", "{db}"), f"共用名称: {AMBIGUOUS_PROJECT}"
        )
        yield Case(
            f"{name} missing profile",
            (*command, "--profile", "{dir}/nope.toml", "--db", "{db}"),
            "{dir}/nope.toml: cannot read the profile: No such file or directory",
        )
        yield Case(
            f"{name} profile is a folder",
            (*command, "--profile", "{dir}", "--db", "{db}"),
            "{dir}: cannot read the profile: Is a directory",
        )
        for setting, message in PROFILES:
            yield Case(
                f"{name} profile {setting}",
                (*command, "--profile", "{dir}/profile.toml", "--db", "{db}"),
                f"{{dir}}/profile.toml: {message}",
                {"profile.toml": f"[scoring]\n{setting}\n".encode()},
            )
        yield Case(
            f"{name} profile of unknown keys",
            (*command, "--profile", "{dir}/profile.toml", "--db", "{db}"),
            "{dir}/profile.toml: scorng: unknown key; expected one of name, scoring, monitoring, underperforming",
            {"profile.toml": "# 评分规则\n[scorng]\nexecution = 10\n".encode("gbk")},
        )
    for year in ("99999", "0", "1899"):
        yield Case(
            f"score --year {year}",
            ("score", "--year", year, "--db", "{db}"),
            f"--year: no goals for {year} in the database",
        )
    for as_of, reason in (
        ("2021Q5", "expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1"),
        ("99999Q1", "expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1"),
        ("1899Q1", "the year 1899 is outside 1900–2199"),
    ):
        yield Case(
            f"status --as-of {as_of}", ("status", "--as-of", as_of, "--db", "{db}"), f"--as-of: {as_of!r}: {reason}"
        )
        yield Case(
            f"underperforming --as-of {as_of}",
            ("underperforming", "--year", "2021", "--as-of", as_of, "--db", "{db}"),
            f"--as-of: {as_of!r}: {reason}",
        )
    for option, text, message in (
        ("--below", "1e26", "'1e26': too large: at most 15 digits before the decimal point"),
        ("--below", "nan", "'nan': not a finite number"),
        ("--below", "-5", "'-5' is negative"),
        ("--floor", "inf", "'inf': not a finite number"),
        ("--floor", "abc", "'abc' is not a number"),
        ("--floor", "-1", "'-1' is negative"),
    ):
        yield Case(
            f"underperforming {option} {text}",
            ("underperforming", "--year", "2021", f"{option}={text}", "--db", "{db}"),
            f"{option}: {message}",
        )
    yield Case(
        "underperforming --as-of another year",
        ("underperforming", "--year", "2021", "--as-of", "2022Q1", "--db", "{db}"),
        "--as-of: '2022Q1' is not a period of --year 2021",
    )
    out = ("template", "--period", "2021Q3", "--db", "{db}", "--out")
    yield Case(
        "template into a missing folder",
        (*out, "{dir}/no/t.xlsx"),
        "{dir}/no/t.xlsx: no folder '{dir}/no': create it first; nothing was written",
    )
    yield Case("template onto a folder", (*out, "{dir}"), "{dir}: is a folder: give a file name; nothing was written")
    yield Case(
        "template onto a file",
        (*out, "{dir}/t.xlsx"),
        "{dir}/t.xlsx: already exists: give --force to replace it; nothing was written",
        {"t.xlsx": b"the units' own work"},
    )
    yield Case(
        "template bad period",
        ("template", "--period", "2021Q9", "--out", "{dir}/t.xlsx", "--db", "{db}"),
        "--period: '2021Q9': expected a month, quarter or half year such as 2021-07, 2021Q3 or 2021H1",
    )
    yield Case(
        "template year without goals",
        ("template", "--period", "2030Q1", "--out", "{dir}/t.xlsx", "--db", "{db}"),
        "--period: no goals for 2030 in the database",
    )
    yield Case(
        "import-disclosure of no text",
        ("import-disclosure", "{dir}/d.txt", "--out", "{dir}/out"),
        "{dir}/d.txt: line 1: neither UTF-8 nor GBK/GB18030 text: save the file as UTF-8",
        {"d.txt": b"\x80\x80\xff"},
    )


CASES = [
    *_value_cases(),
    *_amount_cases(),
    *_period_cases(),
    *_note_cases(),
    *NAME_CASES,
    *_goal_edit_cases(),
    *_goal_byte_cases(),
    *_flat_cases(),
    *_flat_file_cases(),
    *_import_file_cases(),
    *_target_cases(),
    *_option_cases(),
]


def test_the_corpus_is_large_and_its_cases_distinct() -> None:
    assert len(CASES) >= 200
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_located_and_nothing_changes(
    case: Case, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run_case(case, tmp_path, db, capsys)


# -- what real files hold, read right: encodings and a wrong recorded sheet size ------------------

NOTE = "印刷厂回单（元/份）"


@pytest.mark.parametrize(
    ("encoding", "separator"),
    [("utf-8", ","), ("utf-8-sig", ","), ("gbk", ","), ("gb18030", ","), ("utf-16", "\t"), ("utf-16", ",")],
)
def test_a_csv_as_excel_and_wps_save_it_is_read_right(
    encoding: str, separator: str, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [ACTUALS_COLUMNS, ["p01", "qty1", "2021Q3", "2500份", NOTE], ["p01", "投稿率", "2021Q4", "88%", "元"]]
    path = tmp_path / "values.csv"
    path.write_bytes("".join(separator.join(row) + "\r\n" for row in rows).encode(encoding))
    url = f"sqlite:///{db}"
    assert run(capsys, "import", str(path), "--db", url)[0] == 0
    _, out, _ = run(capsys, "history", "p01", "--format", "json", "--db", url)
    versions = {(v["indicator"], v["period"]): (v["value"], v["note"]) for v in json.loads(out)["versions"]}
    assert versions[("qty1", "2021Q3")] == ("2500份", NOTE)
    assert versions[("qual1", "2021Q4")] == ("88%", "元")


def test_a_short_gbk_file_that_is_also_utf8_by_accident_is_read_as_gbk(tmp_path: Path) -> None:
    from kpitrack.io.textfile import csv_format

    path = tmp_path / "short.csv"
    path.write_bytes("project,period,amount,note\r\np01,2021Q3,1,元\r\n".encode("gbk"))  # 元 is D4 AA: UTF-8 Ԫ
    assert csv_format(path).encoding == "gb18030"
    path.write_bytes("project,period,amount,note\r\np01,2021Q3,1,元\r\n".encode())
    assert csv_format(path).encoding == "utf-8"


def test_a_goal_table_in_gbk_loads_with_its_names(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "goals.csv"
    path.write_bytes(FLAT.encode("gbk"))
    url = f"sqlite:///{db}"
    assert run(capsys, "goals", "load", str(path), "--db", url) == (
        0,
        "added      f01 (2021)\n1 added, 0 revised, 0 unchanged\n",
        "",
    )
    _, out, _ = run(capsys, "actuals", "f01", "--format", "json", "--db", url)
    found = json.loads(out)
    assert (found["name"], [i["name"] for i in found["indicators"]]) == (
        "测试项目",
        ["培训人次", "群众知晓率", "服务对象满意度"],
    )


def test_a_workbook_recording_a_smaller_size_than_it_holds_is_read_whole(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [["p01", "qty1", f"2021Q{q}", str(100 * q), "note"] for q in (1, 2, 3, 4)]
    path = tmp_path / "values.xlsx"
    path.write_bytes(bad.with_dimension(_xlsx(rows, ACTUALS_COLUMNS), "A1:B2"))  # two rows, two columns
    url = f"sqlite:///{db}"
    code, out, err = run(capsys, "import", str(path), "--db", url)
    assert (code, err) == (0, "")
    assert out.startswith("actuals: 4 recorded (2 superseding earlier values), 0 unchanged\n")
    code, out, _ = run(capsys, "actuals", "p01", "--format", "json", "--db", url)
    quarters = json.loads(out)["indicators"][0]["quarters"]
    assert [quarters[f"2021Q{q}"]["value"] for q in (1, 2, 3, 4)] == [100, 200, 300, 400]


def test_a_goal_workbook_recording_a_smaller_size_loads_every_indicator(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header, *rows = [line.split(",") for line in FLAT.splitlines()]
    path = tmp_path / "goals.xlsx"
    path.write_bytes(bad.with_dimension(bad.workbook({"指标": [header, *rows]}), "A1:C2"))
    code, out, _ = run(capsys, "check", str(path), "--format", "json")
    assert code == 0
    assert json.loads(out)["projects"][0]["indicators"]["total"] == 3


# -- database faults: one line, nothing changed ------------------------------------------------


def test_a_database_locked_past_the_wait_is_one_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = bad.dump(db)
    url = f"sqlite:///{db}?timeout=0.2"
    values = tmp_path / "values.csv"
    values.write_bytes(_csv([["p01", "qty1", "2021Q3", "1", ""]], ACTUALS_COLUMNS))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, in the middle of its transaction
    try:
        for argv in (
            ("record", "p01", "qty1", "1", "--period", "2021Q3"),
            ("spend", "p01", "1", "--period", "2021Q3"),
            ("import", str(values)),
            ("goals", "load", str(tmp_path)),
        ):
            if argv[0] == "goals":
                (tmp_path / "p09.toml").write_text(GOALS_2021.replace('id = "p01"', 'id = "p09"'), encoding="utf-8")
            code, out, err = run(capsys, *argv, "--db", url)
            assert (code, out) == (1, "")
            assert err == (
                f"{url}: the database stayed locked by another writer until the wait ran out: try again later "
                "(database is locked); nothing was changed\n"
            )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert bad.dump(db) == before


def test_a_read_only_database_is_one_line(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = bad.dump(db)
    url = f"sqlite:///file:{db}?mode=ro&uri=true"
    code, out, err = run(capsys, "record", "p01", "qty1", "1", "--period", "2021Q3", "--db", url)
    assert (code, out) == (1, "")
    assert err == (
        f"sqlite:///file%3A{db}?mode=ro&uri=true: the database file or its folder is read-only "
        "(attempt to write a readonly database); nothing was changed\n"
    )
    assert run(capsys, "score", "--year", "2021", "--format", "json", "--db", url)[0] == 0  # reading still works
    assert bad.dump(db) == before


def test_a_database_from_a_newer_kpitrack_is_refused_untouched(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    connection.close()
    before = bad.dump(db)
    code, out, err = run(capsys, "record", "p01", "qty1", "1", "--period", "2021Q3", "--db", f"sqlite:///{db}")
    assert (code, out) == (1, "")
    assert err == (
        f"sqlite:///{db}: the database was made by a newer kpitrack (schema revision 0099; this one knows up to "
        f"{sorted(p.name[:4] for p in MIGRATIONS.glob('0*.py'))[-1]}): upgrade kpitrack; nothing was changed\n"
    )
    assert bad.dump(db) == before


@pytest.mark.parametrize(
    ("damage", "what"),
    [
        (
            lambda data: b"this is no database " * 100,
            "the file is not a kpitrack database (or it is damaged) (file is not a database)",
        ),
        (lambda data: data[: len(data) // 2], "the database file is damaged (database disk image is malformed)"),
    ],
)
def test_a_file_that_is_no_database_is_one_line(
    damage: Callable[[bytes], bytes], what: str, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db.write_bytes(damage(db.read_bytes()))
    before = db.read_bytes()
    code, out, err = run(capsys, "record", "p01", "qty1", "1", "--period", "2021Q3", "--db", f"sqlite:///{db}")
    assert (code, out, err) == (1, "", f"sqlite:///{db}: cannot open the database: {what}; nothing was changed\n")
    assert db.read_bytes() == before


def test_a_full_disk_is_one_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database may not grow by a page (SQLite's own 'database or disk is full', as on a full disk)."""
    from kpitrack.store import engine

    create = engine._create_engine

    def no_room(url: str) -> sa.Engine:
        made = create(url)

        @sa.event.listens_for(made, "connect")
        def _full(connection: Any, _record: Any) -> None:
            connection.execute("PRAGMA journal_mode = DELETE")
            pages = connection.execute("PRAGMA page_count").fetchone()[0]
            connection.execute(f"PRAGMA max_page_count = {pages}")

        return made

    monkeypatch.setattr(engine, "_create_engine", no_room)
    rows = [
        ["p01", indicator, f"2021Q{q}", "达成", "备" * 1000]
        for q in (1, 2, 3, 4)
        for indicator in ("time1", "soc1", "sus1")
    ]
    values = tmp_path / "values.csv"
    values.write_bytes(_csv(rows, ACTUALS_COLUMNS))
    before = bad.dump(db)
    code, out, err = run(capsys, "import", str(values), "--db", f"sqlite:///{db}")
    assert (code, out) == (1, "")
    assert err == f"sqlite:///{db}: the disk is full (database or disk is full); nothing was changed\n"
    assert bad.dump(db) == before


def test_postgresql_faults_are_one_line(pg_url: str) -> None:
    """A value longer than its column, and a connection the server ends, as PostgreSQL reports them."""
    import psycopg

    from kpitrack.store.engine import database_fault

    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute("CREATE TEMP TABLE narrow (v varchar(4))")
        with pytest.raises(psycopg.Error) as too_long:
            connection.execute("INSERT INTO narrow VALUES (%s)", ["12345"])
        pid = connection.info.backend_pid
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        with pytest.raises(psycopg.Error) as dropped:
            connection.execute("SELECT 1")
    assert database_fault(too_long.value) == (
        "a value is longer than the database allows (value too long for type character varying(4)); nothing was changed"
    )
    found = database_fault(dropped.value)
    assert found is not None
    assert found.startswith("the database server ended the connection (") or found.startswith(
        "the connection to the database failed or was lost ("
    )
    assert found.endswith("; nothing was changed") and "\n" not in found


def test_a_postgresql_connection_ended_in_an_import_is_one_line_and_nothing_is_written(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server ends the import's connection before it writes its checked rows: one line, exit 1, nothing kept."""
    import psycopg

    from kpitrack.store import recording

    goals = Path(__file__).resolve().parent.parent / "goals" / "p01.toml"
    assert run(capsys, "goals", "load", str(goals), "--db", pg_url)[0] == 0
    finish = recording.Recorder.finish

    def connection_ended(self: Any) -> Any:  # the rows are checked, in the import's open transaction
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        return finish(self)

    monkeypatch.setattr(recording.Recorder, "finish", connection_ended)
    values = tmp_path / "values.csv"
    values.write_bytes(_csv([["p01", "qty1", "2021Q3", "7", ""]], ACTUALS_COLUMNS))
    code, out, err = run(capsys, "import", str(values), "--db", pg_url)
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(f"{shown_url(pg_url)}: the database server ended the connection (terminating connection")
    assert line.endswith("; nothing was changed")
    monkeypatch.undo()
    with kpitrack.open(pg_url) as ws:
        assert ws.history("p01").entries == ()


# -- Ctrl-C, output files, many problems ---------------------------------------------------


def test_ctrl_c_in_an_import_rolls_it_back_in_one_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpitrack.store import recording

    def interrupted(self: Any, rows: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(recording.Recorder, "record_spending", interrupted)  # the actuals are written by then
    values = tmp_path / "values.csv"
    values.write_bytes(_csv([["p01", "qty1", "2021Q3", "7", ""]], ACTUALS_COLUMNS))
    before = bad.dump(db)
    assert run(capsys, "import", str(values), "--db", f"sqlite:///{db}") == (
        130,
        "",
        "kpitrack: interrupted (Ctrl-C); nothing was changed\n",
    )
    assert bad.dump(db) == before


def test_ctrl_c_while_a_template_is_written_leaves_no_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpitrack.cli import record

    def half_written(path: Path, *_: Any) -> None:
        path.write_bytes(b"PK half a workbook")
        raise KeyboardInterrupt

    monkeypatch.setattr(record, "write_template", half_written)
    out = tmp_path / "t.xlsx"
    assert run(capsys, "template", "--period", "2021Q3", "--out", str(out), "--db", f"sqlite:///{db}") == (
        130,
        "",
        "kpitrack: interrupted (Ctrl-C); nothing was changed\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.db"]


def test_a_template_replaces_a_file_only_with_force(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.xlsx"
    out.write_bytes(b"the units' own work")
    argv = ("template", "--period", "2021Q3", "--out", str(out), "--db", f"sqlite:///{db}")
    assert run(capsys, *argv)[0] == 1 and out.read_bytes() == b"the units' own work"
    assert run(capsys, *argv, "--force") == (0, f"wrote {out}: 21 indicators of 3 projects for 2021Q3\n", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.db", "t.xlsx"]  # no temporary file left


def test_an_import_of_many_bad_rows_reports_the_first_thousand_and_a_count(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_rows = 1500
    rows = [["p01", "qty1", "2021Q3", f"{n}e9", ""] for n in range(bad_rows)]
    values = tmp_path / "values.csv"
    values.write_bytes(_csv(rows, ACTUALS_COLUMNS))
    before = bad.dump(db)
    code, out, err = run(capsys, "import", str(values), "--db", f"sqlite:///{db}")
    lines = err.splitlines()
    assert (code, out, len(lines)) == (1, "", MAX_SHOWN + 1)
    assert lines[0] == f"{values}: row 2, column value: '0e9': expected a number in 份"
    assert (
        lines[MAX_SHOWN - 1]
        == f"{values}: row {MAX_SHOWN + 1}, column value: '{MAX_SHOWN - 1}e9': expected a number in 份"
    )
    assert lines[-1] == f"… and {bad_rows - MAX_SHOWN} more problems"
    assert bad.dump(db) == before


def test_a_goal_table_of_many_bad_rows_prints_the_first_thousand_and_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = FLAT.splitlines()[0]
    rows = [f"f{n:04d},项目,单位,2021,10,10,数量指标,指标,≥9O%" for n in range(1200)]
    path = tmp_path / "goals.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "goals", "load", str(path), "--db", f"sqlite:///{tmp_path / 'k.db'}")
    lines = err.splitlines()
    assert (code, out, len(lines)) == (1, "", MAX_SHOWN + 1)
    assert lines[0] == f"{path}: row 2, column 指标值: cannot read target '≥9O%': unknown unit 'O%'"
    assert lines[-1] == "… and 200 more problems"
    # check prints as many, then the count, and its summary counts every one.
    code, out, _ = run(capsys, "check", str(path))
    lines = out.splitlines()
    assert code == 1 and lines[MAX_SHOWN - 1].startswith(f"{path}: row {MAX_SHOWN + 1}, column 指标值")
    assert lines[MAX_SHOWN] == "… and 200 more problems"
    assert lines[-1] == "0 projects, 1200 errors, 0 warnings"


# -- the installed command ---------------------------------------------------------------------

KPITRACK = Path(sys.executable).with_name("kpitrack")
MIGRATIONS = Path(__file__).resolve().parent.parent / "src" / "kpitrack" / "store" / "migrations" / "versions"


@pytest.mark.skipif(not KPITRACK.exists(), reason="kpitrack is not installed beside this Python")
@pytest.mark.parametrize(
    ("argv", "files", "expected"),
    [
        (
            ("import", "{dir}/values.csv"),
            {"values.csv": _csv([["p01", "qty1", "2021Q3", "1e26", "备注"]], ACTUALS_COLUMNS, "gbk")},
            "{dir}/values.csv: row 2, column value: '1e26': expected a number in 份",
        ),
        (
            ("import", "{dir}/values.xlsx"),
            {"values.xlsx": bad.truncated(_xlsx([["p01", "qty1", "2021Q3", "1", ""]], ACTUALS_COLUMNS))},
            "{dir}/values.xlsx: not a readable workbook (damaged or not XLSX): File is not a zip file",
        ),
        (
            ("goals", "load", "{dir}/goals.xlsx"),
            {
                "goals.xlsx": bad.formula_workbook(
                    FLAT.splitlines()[0].split(","), FLAT.splitlines()[1].split(","), 4, "=1+1"
                )
            },
            "{dir}/goals.xlsx: sheet actuals, cell E2: formula '=1+1' has no saved value: "
            "open and save it in Excel/WPS, or type the value",
        ),
        (
            ("template", "--period", "2021Q3", "--out", "{dir}/t.xlsx"),
            {"t.xlsx": b"taken"},
            "{dir}/t.xlsx: already exists: give --force to replace it; nothing was written",
        ),
        (
            ("record", "p01", "qty1", "1", "--period", "2021Q3", "--note", "a\x07b"),
            {},
            "note: 'a\\x07b': contains a control character (U+0007)",
        ),
    ],
    ids=["gbk csv", "truncated workbook", "formula", "existing output", "control character"],
)
def test_the_installed_command_refuses_bad_input_in_one_line(
    argv: tuple[str, ...], files: dict[str, bytes], expected: str, db: Path, tmp_path: Path
) -> None:
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    before = bad.dump(db)
    command = [str(KPITRACK), *(part.format(dir=tmp_path) for part in argv), "--db", f"sqlite:///{db}"]
    done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", timeout=120, check=False)
    assert "Traceback" not in done.stdout + done.stderr
    assert (done.returncode, done.stdout, done.stderr) == (1, "", expected.format(dir=tmp_path) + "\n")
    assert bad.dump(db) == before
