"""The web workspace over HTTP (``kpitrack serve``): every page and API route, its checks and its guards.

The database holds the seed's ten projects, p11 of a second budget unit and the
example year (``examples/``); the expected figures are the hand-worked ones of
``tests/test_end_to_end.py`` (p04: 57.5 of 115 万元 spent, total 72.9, 中).
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

import kpitrack
from kpitrack.cli import main
from kpitrack.numbers import show
from kpitrack.periods import Period
from kpitrack.web import create_app, views
from kpitrack.web.pages import XLSX
from kpitrack.web.views import build
from web_support import OTHER_UNIT, P11, ROOT, build_year, copy_of, free_port

P04_TOTAL = "72.9"


@pytest.fixture(scope="module")
def year_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_year(tmp_path_factory.mktemp("web"))


@pytest.fixture
def url(year_db: Path, tmp_path: Path) -> str:
    """A private copy of the example year: the test may write."""
    return copy_of(year_db, tmp_path)


@pytest.fixture
def client(url: str) -> Iterator[TestClient]:
    with TestClient(create_app(url)) as opened:
        yield opened


def csrf(client: TestClient) -> str:
    """The CSRF token the browser's cookie holds (set by the first page)."""
    if "kpitrack_csrf" not in client.cookies:
        client.get("/import")
    token: str = client.cookies["kpitrack_csrf"]
    return token


def total(url: str, project: str) -> Decimal:
    with kpitrack.open(url) as ws:
        (score,) = ws.score(2021, projects=[project])
        return score.total


def version(url: str) -> tuple[int, ...]:
    with kpitrack.open(url) as ws:
        return ws.version()


def rows_of(html: str, table: str) -> list[str]:
    """The ids linked in the first column of a table, in order."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/project/(p\d+)\?', body)


# --- 总览 ----------------------------------------------------------------------------------------


def test_overview_lists_every_project_with_money_light_score_and_grade(client: TestClient) -> None:
    page = client.get("/?year=2021&as_of=2021Q2")
    assert page.status_code == 200
    assert rows_of(page.text, "overview") == [f"p{n:02d}" for n in range(1, 12)]
    p04 = page.text.split('href="/project/p04?', 1)[1].split("</tr>", 1)[0]
    # 115 万元 budget; 20 spent by Q2 = 17.39% against 50% of the year elapsed; red; 72.9 中 at year end
    cells = re.findall(r"<td[^>]*>(.*?)</td>", p04)
    assert cells[2:] == ["115", "20", "17.39%", "50%", '<span class="light red">红</span>', P04_TOTAL, "中"]
    assert "市场监管业务经费" in p04
    units = page.text.split('id="units"', 1)[1]
    assert re.search(r"<td>昌吉州市场监督管理局</td><td class=\"n\">10</td>", units)
    assert f"<td>{OTHER_UNIT}</td>" in units
    assert "第 1 / 1 页，共 11 个项目" in page.text


def test_overview_in_english(client: TestClient) -> None:
    page = client.get("/?lang=en")
    assert "Overview" in page.text and "Budget unit" in page.text and "总览" not in page.text
    assert client.cookies.get("kpitrack_lang") == "en"
    assert "Overview" in client.get("/").text  # remembered


def test_overview_filters_sorts_and_searches(client: TestClient) -> None:
    assert rows_of(client.get("/", params={"unit": OTHER_UNIT}).text, "overview") == ["p11"]
    assert rows_of(client.get("/", params={"q": "知识产权"}).text, "overview") == ["p09"]
    assert rows_of(client.get("/", params={"q": "P1"}).text, "overview") == ["p10", "p11"]
    assert rows_of(client.get("/", params={"grade": "中"}).text, "overview") == ["p04"]
    by_total = rows_of(client.get("/", params={"sort": "total", "desc": "true"}).text, "overview")
    assert by_total[-2:] == ["p04", "p11"]  # p11 has nothing recorded: 0 points
    by_budget = rows_of(client.get("/", params={"sort": "budget", "desc": "true"}).text, "overview")
    assert by_budget[:2] == ["p08", "p04"]  # 182, then 115 万元


def test_overview_is_computed_once_per_data_version(client: TestClient, url: str) -> None:
    web = client.app.state.web  # type: ignore[attr-defined]
    client.get("/")
    client.get("/", params={"sort": "name"})
    client.get("/underperformers")
    assert web.cache.builds == 1
    with kpitrack.open(url) as ws:  # a write from elsewhere (the command line) changes the data version
        ws.record("p11", "qty1", "10", period="2021Q2", by="cli")
    client.get("/")
    assert web.cache.builds == 2


def test_overview_download_is_the_filtered_view(client: TestClient) -> None:
    reply = client.get("/overview.xlsx", params={"unit": "昌吉州市场监督管理局", "sort": "total"})
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(reply.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "项目名称", "预算单位", "全年预算(万元)")
    assert len(rows) == 11  # the header and the unit's ten projects
    assert rows[1][0] == "p04" and rows[1][8] == pytest.approx(72.9) and rows[1][9] == "中"  # lowest total first


def test_a_bad_year_is_a_message_page(client: TestClient) -> None:
    page = client.get("/?year=1999")
    assert page.status_code == 400
    assert "year: 1999: no goals for this year (years: 2021)" in page.text
    assert client.get("/?as_of=2021Q7").status_code == 400
    assert "Traceback" not in page.text


# --- 项目 ----------------------------------------------------------------------------------------


def test_project_page_shows_tree_quarters_score_history_and_charts(client: TestClient) -> None:
    page = client.get("/project/p04")
    assert page.status_code == 200
    text = page.text
    qty2 = text.split('id="row-qty2"', 1)[1].split("</tr>", 1)[0]
    # quarters 500 / 1500 / 1500 / 1500 份 → 5000 of ≥10000: 5000 / 10000 × 2.78 = 1.39; red at Q2 (0.4)
    assert ">500份<" in qty2 and ">5000份<" in qty2 and "<td>≥10000</td>" in qty2
    assert "5000 / 10000 × 2.78 = 1.39" in qty2
    assert '<span class="light red"' in qty2
    assert f'id="project-score">{P04_TOTAL}</strong> 中' in text
    assert "57.5 / 115 = 50% × 10 = 5" in text
    assert "测试" in text.split('id="history"', 1)[1]  # who recorded the example year
    spending = json.loads(re.search(r"data-kind=\"spending\" data-chart='([^']*)'", text)[1])  # type: ignore[index]
    # p04 spent 0, 20, 20, 17.5 (cumulative 0, 20, 40, 57.5) against 序时进度 28.75 a quarter
    assert spending["series"][0]["data"] == [0, 20, 40, 57.5]
    assert spending["series"][2]["data"] == [28.75, 57.5, 86.25, 115]
    tiers = json.loads(re.search(r"data-kind=\"tiers\" data-chart='([^']*)'", text)[1])  # type: ignore[index]
    assert tiers["tiers"][0] == "预算执行" and tiers["series"][1]["data"][0] == 5


def test_project_page_shows_the_explanations_of_the_cut_off_and_the_year_end(client: TestClient, url: str) -> None:
    with kpitrack.open(url) as ws:
        ws.explain(
            "p04", "qty2", "印刷厂停工<b>两月</b>", as_of="2021Q2", cause="经费保障", likelihood="有可能", by="张科长"
        )
        ws.explain("p04", "qty2", "下半年补印", year=2021, by="张科长")
    table = client.get("/project/p04?as_of=2021Q2").text.split('id="explanations"', 1)[1].split("</table>", 1)[0]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row)[:7] for row in table.split("<tr>")[2:]]
    assert rows == [
        ["qty2", "2021Q2", "印刷厂停工&lt;b&gt;两月&lt;/b&gt;", "经费保障", "有可能", "", "张科长"],
        ["qty2", "2021", "下半年补印", "", "", "", "张科长"],
    ]


def test_project_page_lists_the_budget_rows_explanation_first(client: TestClient, url: str) -> None:
    with kpitrack.open(url) as ws:
        ws.explain("p04", "qty2", "印刷厂停工", as_of="2021Q2", cause="经费保障")
        ws.explain(
            "p04", "项目资金", "资金拨付滞后", as_of="2021Q2", cause="经费保障", likelihood="有可能", by="张科长"
        )
    table = client.get("/project/p04?as_of=2021Q2").text.split('id="explanations"', 1)[1].split("</table>", 1)[0]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row)[:5] for row in table.split("<tr>")[2:]]
    assert rows == [
        ["预算执行", "2021Q2", "资金拨付滞后", "经费保障", "有可能"],
        ["qty2", "2021Q2", "印刷厂停工", "经费保障", ""],
    ]


def test_a_month_cut_off_is_offered_and_shown(client: TestClient) -> None:
    page = client.get("/", params={"as_of": "2021-07"})
    assert page.status_code == 200
    assert '<option value="2021-07" selected>1-7月 (2021-07)</option>' in page.text
    assert '<option value="2021Q2" >1-6月 (2021Q2)</option>' in page.text
    text = client.get("/project/p04", params={"as_of": "2021-07"}).text
    # By the end of July p04 has spent Q2's 20 of 115 (Q3 ends in September): q = (20/115) / (7/12) = 0.3 → red.
    assert '2021-07: <span class="light red" id="project-light">' in text
    # 填报 takes a month as well as a quarter.
    entry = client.get("/entry", params={"project": "p04", "quarter": "2021-07"})
    assert entry.status_code == 200 and "填报：2021-07" in entry.text


def test_a_month_that_overlaps_a_recorded_quarter_is_refused_at_its_field(client: TestClient, url: str) -> None:
    before = version(url)
    posted = {"csrf": csrf(client), "project": "p04", "quarter": "2021-07", "by": "王会计", "v|p04|qty2": "100份"}
    page = client.post("/entry", data=posted)
    assert page.status_code == 400
    qty2 = page.text.split('for="v|p04|qty2"', 1)[1].split("</tr>", 1)[0]
    assert "2021-07 overlaps 2021Q3, already recorded: correct 2021Q3, or give periods apart" in qty2
    assert version(url) == before


def test_an_unknown_project_is_a_message_page_with_the_closest(client: TestClient) -> None:
    page = client.get("/project/p4")
    assert page.status_code == 400
    assert "p4" in page.text and "p04" in page.text and "Traceback" not in page.text


# --- 填报 ----------------------------------------------------------------------------------------


def entry_form(client: TestClient, **values: str) -> dict[str, str]:
    """The posted fields of p04's Q4 form: every field as shown, then ``values`` (field names with | → __)."""
    page = client.get("/entry", params={"project": "p04", "quarter": "2021Q4"}).text
    form = page.split('id="entry-form"', 1)[1]
    fields = dict(re.findall(r'<input name="([^"]+)" id="[^"]+" value="([^"]*)"', form))
    fields |= {name: "" for name in re.findall(r'<input name="(n\|[^"]+)"', form)}
    fields |= {k.replace("__", "|"): v for k, v in values.items()}
    return {"csrf": csrf(client), "project": "p04", "quarter": "2021Q4", "by": "王会计", **fields}


def test_entry_shows_the_quarter_and_the_year_to_date(client: TestClient) -> None:
    page = client.get("/entry", params={"project": "p04", "quarter": "2021Q3"})
    assert page.status_code == 200
    row = page.text.split('for="v|p04|qty2"', 1)[1].split("</tr>", 1)[0]
    assert 'value="1500份"' in row and ">3500份<" in row  # Q3's value; 500 + 1500 + 1500 to date
    sus1 = page.text.split('for="v|p04|sus1"', 1)[1].split("</tr>", 1)[0]
    assert '<select name="v|p04|sus1"' in sus1 and '<option value="部分达成"' in sus1  # qualitative: a grade
    soc1 = page.text.split('for="v|p04|soc1"', 1)[1].split("</tr>", 1)[0]
    assert 'list="grade-words"' in soc1  # 逐年提高: a measured value, or a grade suggested


def test_entry_of_an_unknown_quarter_or_project_is_a_message_page(client: TestClient) -> None:
    for params, said in [
        ({"project": "p04", "quarter": "2021Q9"}, "2021Q9"),
        ({"project": "p04", "quarter": "2020Q4"}, "p04"),  # no goals of p04 for 2020
        ({"project": "p99"}, "p99"),
    ]:
        page = client.get("/entry", params=params)
        assert page.status_code == 400 and said in page.text.split('id="message"', 1)[1]
    assert 'id="entry-form"' not in client.get("/entry").text  # no project chosen yet: the chooser only


def test_entry_with_a_bad_field_writes_nothing_and_says_why_at_the_field(client: TestClient, url: str) -> None:
    before = version(url)
    posted = entry_form(client, v__p04__qty2="6500份", n__v__p04__qty2="补报", v__p04__qty3="三次")
    page = client.post("/entry", data=posted)
    assert page.status_code == 400
    qty3 = page.text.split('for="v|p04|qty3"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r'class="field-problem" role="alert">&#39;三次&#39;: .+</div>', qty3)
    assert 'value="三次"' in qty3  # the form comes back as posted
    assert "field-problem" not in page.text.split('for="v|p04|qty2"', 1)[1].split("</tr>", 1)[0]
    assert version(url) == before


def test_entry_correction_needs_a_note_then_changes_the_score(client: TestClient, url: str) -> None:
    before = total(url, "p04")
    client.get("/")  # the year's view, computed once
    page = client.post("/entry", data=entry_form(client, v__p04__qty2="6500份"))
    assert page.status_code == 400
    assert "更正已填报的值须填写说明" in page.text.split('for="v|p04|qty2"', 1)[1].split("</tr>", 1)[0]
    page = client.post("/entry", data=entry_form(client, v__p04__qty2="6500份", n__v__p04__qty2="补报漏记"))
    assert page.status_code == 200
    assert "已保存：1 条新值（其中 1 条更正）" in page.text
    # 10000 of ≥10000 份 now: 1.39 → the full 2.78, i.e. 50 / 18 / 2 = 50 / 36 more points
    gained = total(url, "p04") - before
    assert abs(gained - Decimal(50) / 36) < Decimal("1e-9")  # the engine settles totals at 12 places
    shown = re.search(r'id="score-p04">([\d.]+)<', page.text)
    assert shown is not None and shown[1] == "74.29"  # 72.8993 + 1.3889, rounded half up
    history = client.get("/project/p04").text.split('id="history"', 1)[1]
    assert "补报漏记" in history and "王会计" in history and "已更正" in history
    # the overview reads again only the project the form named, and equals a view read afresh
    overview = client.get("/").text.split('href="/project/p04?', 1)[1].split("</tr>", 1)[0]
    assert '<td class="n">74.29</td>' in overview
    web = client.app.state.web  # type: ignore[attr-defined]
    assert web.cache.builds == 1
    with kpitrack.open(url) as ws:
        assert web.cache.view(2021, Period.quarter(2021, 2)) == build(ws, 2021, Period.quarter(2021, 2))


def test_a_saved_form_updates_the_views_of_its_year_and_drops_the_others(
    client: TestClient, url: str, tmp_path: Path
) -> None:
    last_year = tmp_path / "p11-2020.toml"
    last_year.write_text(P11.replace("year = 2021", "year = 2020"), encoding="utf-8")
    with kpitrack.open(url) as ws:
        ws.load_goals([last_year])
    web = client.app.state.web  # type: ignore[attr-defined]
    assert client.get("/?year=2020").status_code == 200 and client.get("/?year=2021").status_code == 200
    builds = web.cache.builds
    posted = {"csrf": csrf(client), "project": "p04", "quarter": "2021Q2", "v|p04|qty1": "3次", "n|v|p04|qty1": "补"}
    assert client.post("/entry", data=posted).status_code == 200
    assert rows_of(client.get("/?year=2021").text, "overview")[3] == "p04"
    assert web.cache.builds == builds  # 2021's view updated in place
    assert rows_of(client.get("/?year=2020").text, "overview") == ["p11"]
    assert web.cache.builds == builds + 1  # 2020's was dropped (a trend of 2021 compares with 2020) and built again


def test_entry_for_all_projects_of_a_unit(client: TestClient) -> None:
    page = client.get("/entry", params={"unit": OTHER_UNIT, "quarter": "2021Q2"})
    assert 'id="block-p11"' in page.text and 'id="block-p04"' not in page.text
    posted = {"csrf": csrf(client), "unit": OTHER_UNIT, "quarter": "2021Q2", "v|p11|qty1": "18个", "s|p11": "9.5"}
    saved = client.post("/entry", data=posted)
    assert saved.status_code == 200 and "已保存：2 条新值" in saved.text


def test_a_note_is_shown_as_text_everywhere(client: TestClient) -> None:
    attack = "<script>alert(1)</script>"
    posted = {"csrf": csrf(client), "project": "p11", "quarter": "2021Q2", "v|p11|qty1": "18个", "n|v|p11|qty1": attack}
    assert client.post("/entry", data=posted).status_code == 200
    for page in (client.get("/project/p11").text, client.get("/entry?project=p11&quarter=2021Q2").text):
        assert attack not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/project/p11").text
    bad = client.get("/project/<script>")
    assert "<script>" not in bad.text.split("<main>", 1)[1] and "&lt;script&gt;" in bad.text


# --- the guards ----------------------------------------------------------------------------------


def test_every_form_refuses_a_post_without_the_csrf_token(client: TestClient, url: str) -> None:
    before = version(url)
    token = csrf(client)
    posted = {"project": "p11", "quarter": "2021Q2", "v|p11|qty1": "18个"}
    for data in (posted, {**posted, "csrf": "forged"}):
        page = client.post("/entry", data=data)
        assert page.status_code == 403 and "CSRF" in page.text
    upload = {"file": ("a.csv", b"project,indicator,period,value\np11,qty1,2021Q2,18\n", "text/csv")}
    assert client.post("/import", files=upload).status_code == 403
    assert client.post("/import/confirm", data={"token": "0" * 32}).status_code == 403
    assert version(url) == before
    assert client.post("/entry", data={**posted, "csrf": token}).status_code == 200  # the real token passes


def test_pages_allow_only_their_own_scripts(client: TestClient) -> None:
    page = client.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text  # no inline script: the charts read their data from attributes
    for asset in ("htmx.min.js", "echarts.min.js", "kpitrack.js", "kpitrack.css", "htmx.LICENSE", "echarts.LICENSE"):
        assert client.get(f"/static/{asset}").status_code == 200


def test_a_failure_is_a_message_page_and_changes_nothing(url: str) -> None:
    with TestClient(create_app(url), raise_server_exceptions=False) as client:
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        connection.execute("DROP TABLE spending")  # the database breaks under the running application
        connection.close()
        page = client.get("/project/p04")
        assert page.status_code == 500
        assert "服务器内部错误，未做任何更改。" in page.text
        assert "Traceback" not in page.text and "spending" not in page.text
        api = client.get("/api/score?year=2021")
        assert api.status_code == 500 and api.json() == {
            "problems": [{"where": "/api/score", "message": "internal error"}]
        }


# --- 导入 ----------------------------------------------------------------------------------------

BAD = "project,indicator,period,value,note\np11,qty1,2021Q2,18个,\np11,eco1,2021Q2,很多,\n"
GOOD = "project,indicator,period,value,note\np11,qty1,2021Q2,18个,\np11,eco1,2021Q2,6%,\n"


def upload(client: TestClient, name: str, text: str) -> Any:
    files = {"file": (name, text.encode("utf-8"), "text/csv")}
    return client.post("/import", files=files, data={"csrf": csrf(client), "by": "李会计"})


def test_import_preview_shows_every_bad_row_and_writes_nothing(client: TestClient, url: str) -> None:
    before = version(url)
    page = upload(client, "p11-q2.csv", BAD)
    assert page.status_code == 400
    problems = page.text.split('id="import-problems"', 1)[1]
    assert "<td>p11-q2.csv: row 3, column value</td>" in problems and "很多" in problems
    assert "kpitrack-uploads" not in page.text  # the private folder is not shown
    assert version(url) == before


def test_import_writes_only_when_confirmed(client: TestClient, url: str) -> None:
    before = version(url)
    page = upload(client, "p11-q2.csv", GOOD)
    assert page.status_code == 200
    assert "将写入：实际值 2 条（更正 0 条，未变 0 条）" in page.text
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page.text)
    assert token is not None
    assert version(url) == before  # previewed, not written
    done = client.post("/import/confirm", data={"csrf": csrf(client), "token": token[1], "by": "李会计"})
    assert done.status_code == 200 and "已导入：实际值 2 条" in done.text
    with kpitrack.open(url) as ws:
        entries = ws.history("p11").entries
    assert [(e.indicator, e.text, e.recorded_by) for e in entries] == [
        ("qty1", "18个", "李会计"),
        ("eco1", "6%", "李会计"),
    ]
    again = client.post("/import/confirm", data={"csrf": csrf(client), "token": token[1]})
    assert again.status_code == 400 and "上传的文件已过期或不存在" in again.text


def _confirm(client: TestClient, name: str, text: str) -> None:
    page = upload(client, name, text)
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page.text)
    assert token is not None, page.text
    assert client.post("/import/confirm", data={"csrf": csrf(client), "token": token[1]}).status_code == 200


def test_a_confirmed_import_reads_again_only_the_projects_it_touched(
    client: TestClient, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = client.app.state.web  # type: ignore[attr-defined]

    def p11_row() -> str:
        return client.get("/").text.split('href="/project/p11', 1)[1].split("</tr>", 1)[0]

    before = p11_row()
    assert web.cache.builds == 1
    _confirm(client, "p11-q2.csv", GOOD)
    after = p11_row()
    assert web.cache.builds == 1  # p11's rows were read again; the year was not built again
    with kpitrack.open(url) as ws:
        (fresh,) = ws.score(2021, projects=["p11"])
    assert f'<td class="n">{show(fresh.total)}</td>' in after and after != before
    # An import touching more projects than are read again one by one builds the views afresh.
    monkeypatch.setattr(views, "REREAD_AT_MOST", 0)
    _confirm(client, "p11-q3.csv", GOOD.replace("2021Q2", "2021Q3"))
    client.get("/")
    assert web.cache.builds == 2


def test_import_preview_lists_each_value_it_corrects_old_and_new(client: TestClient, url: str) -> None:
    # p04 recorded qty2 1500份 in Q2 and spent 20 万元 then (the example year).
    text = "project,indicator,period,value,note\np04,qty2,2021Q2,1600份,补报\np04,qty3,2021Q2,1次,\n"
    before = version(url)
    page = upload(client, "p04.csv", text)
    assert page.status_code == 200
    rows = page.text.split('id="import-corrections"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", rows) == [
        ("p04", "qty2", "2021Q2", "1500份", "1600份")
    ]
    spent = upload(client, "spent.csv", "project,period,amount,note\np04,2021Q2,25,补记\n")
    rows = spent.text.split('id="import-corrections"', 1)[1].split("</table>", 1)[0]
    assert "<td>p04</td><td>资金执行(万元)</td><td>2021Q2</td><td>20万元</td><td>25万元</td>" in rows
    assert version(url) == before  # previews write nothing


def test_import_of_a_workbook(client: TestClient, url: str) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["project", "period", "amount", "note"], ["p11", "2021Q2", 9.5, "评审费"], ["p11", "2021Q4", "十", ""]):
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    files = {"file": ("支出.xlsx", data.getvalue(), XLSX)}
    page = client.post("/import", files=files, data={"csrf": csrf(client)})
    assert page.status_code == 400
    assert re.search(r"<td>支出.xlsx: .*row 3, column amount</td>", page.text)  # the bad cell of the sheet
    sheet["C3"] = 10
    data = io.BytesIO()
    book.save(data)
    files["file"] = ("支出.xlsx", data.getvalue(), files["file"][2])
    page = client.post("/import", files=files, data={"csrf": csrf(client)})
    assert "支出 2 条（更正 0 条，未变 0 条）" in page.text


def test_import_of_a_filled_in_form(client: TestClient, url: str, tmp_path: Path) -> None:
    form = tmp_path / "自评表-p04.xlsx"
    assert main(["form", "selfeval", "--year", "2021", "--project", "p04", "--out", str(form), "--db", url]) == 0
    files = {"file": (form.name, form.read_bytes(), XLSX)}
    page = client.post("/import", files=files, data={"csrf": csrf(client)})
    assert page.status_code == 200 and 'id="would-change"' in page.text  # read as the 自评表 it is


def test_uploads_are_limited_in_type_and_size(url: str) -> None:
    with TestClient(create_app(url, upload_limit=1000)) as client:
        wrong = client.post("/import", files={"file": ("a.txt", b"x", "text/plain")}, data={"csrf": csrf(client)})
        assert wrong.status_code == 400 and "只接受 .csv 或 .xlsx 文件：a.txt" in wrong.text
        big = GOOD + "p11,qty1,2021Q3,1个,\n" * 100
        refused = upload(client, "big.csv", big)
        assert refused.status_code == 400 and "文件过大" in refused.text
        huge = upload(client, "huge.csv", GOOD + "x" * (2 << 20))
        assert huge.status_code == 413 and "文件过大" in huge.text
        chunked = client.post("/import", content=iter([b"x" * 1000] * 3000), headers={"x-csrf-token": csrf(client)})
        assert chunked.status_code == 411  # refused before its body is read


# --- 预警 ----------------------------------------------------------------------------------------


def test_underperformers_mid_year_and_year_end_worst_first(client: TestClient) -> None:
    page = client.get("/underperformers", params={"year": 2021, "as_of": "2021Q2"})
    assert page.status_code == 200
    assert rows_of(page.text, "midyear")[0] == "p04"
    # p11 recorded nothing: 0 points; then p04 72.9, p08 86.49 (75% spent), p06 (qty2 missing)
    assert rows_of(page.text, "year-end") == ["p11", "p04", "p08", "p06"]
    year_end = page.text.split('id="year-end"', 1)[1]
    assert "预算执行</strong> (−5): 57.5 / 115 = 50% × 10 = 5" in year_end
    only = client.get("/underperformers", params={"unit": OTHER_UNIT}).text
    assert rows_of(only, "year-end") == ["p11"]


def test_underperformers_download(client: TestClient) -> None:
    reply = client.get("/underperformers.xlsx", params={"as_of": "2021Q2"})
    book = load_workbook(io.BytesIO(reply.content))
    assert book.sheetnames == ["2021Q2", "2021"]
    year_end = list(book["2021"].iter_rows(values_only=True))
    standing = "0 差 (below 80; missing data; execution below 90%)"
    p11 = [row for row in year_end if row[0] == "p11"]  # one row per reason, the most points lost first
    assert [row[3:6] for row in p11] == [
        (standing, "qty1 评审项目数量", pytest.approx(50)),  # 产出 50 points on its one indicator
        (standing, "eco1 审减率", pytest.approx(30)),
        (standing, "预算执行", pytest.approx(10)),
        (standing, "sat1 被评审单位满意度", pytest.approx(10)),
    ]


# --- the JSON API --------------------------------------------------------------------------------


def cli_json(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> Any:
    capsys.readouterr()
    assert main([*argv, "--format", "json", "--db", url]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("route", "argv"),
    [
        ("/api/score?year=2021", ["score", "--year", "2021"]),
        ("/api/status?as_of=2021Q2", ["status", "--as-of", "2021Q2"]),
        ("/api/underperforming?year=2021", ["underperforming", "--year", "2021"]),
        ("/api/underperforming?year=2021&as_of=2021Q2", ["underperforming", "--year", "2021", "--as-of", "2021Q2"]),
        (f"/api/score?year=2021&unit={OTHER_UNIT}", ["score", "--year", "2021", "--unit", OTHER_UNIT]),
        ("/api/status?as_of=2021Q3&project=p04", ["status", "--as-of", "2021Q3", "--project", "p04"]),
    ],
)
def test_api_records_equal_the_command_line_json(
    client: TestClient, url: str, capsys: pytest.CaptureFixture[str], route: str, argv: list[str]
) -> None:
    reply = client.get(route)
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/json"
    expected = cli_json(capsys, url, *argv)
    assert expected  # not two empty lists
    assert reply.json() == expected


def test_api_problems_are_json(client: TestClient) -> None:
    (problem,) = client.get("/api/score?year=1999").json()["problems"]
    assert problem["message"] == "no goals for 1999 in the database" and problem["where"].endswith("year")
    bad = client.get("/api/status?as_of=2021Q9")
    assert bad.status_code == 400 and "2021Q9" in bad.json()["problems"][0]["message"]
    missing = client.get("/api/score")
    assert missing.status_code == 400 and missing.json()["problems"][0]["where"] == "year"


def test_openapi_describes_the_routes(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/score", "/api/status", "/api/underperforming"} <= set(paths)
    assert not any(path.startswith("/entry") for path in paths)  # the pages are not the API
    docs = client.get("/api/docs").text.split('id="routes"', 1)[1]
    assert "<code>/api/underperforming</code>" in docs and "<code>as_of</code> *: the cut-off quarter" in docs
    assert "cdn" not in client.get("/api/docs").text.lower()  # the package's own page, not Swagger's from a CDN


# --- the command -----------------------------------------------------------------------------------


def test_serve_runs_the_installed_command_on_loopback(year_db: Path, tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "kpitrack"
    port = free_port()
    argv = [str(command), "serve", "--db", copy_of(year_db, tmp_path), "--port", str(port)]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        page = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/?year=2021") as reply:
                    page = reply.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "市场监管业务经费" in page
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_reports_an_unreachable_database(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["serve", "--db", f"sqlite:///{tmp_path}/no/such/folder/x.db"]) == 1
    assert "cannot open the database" in capsys.readouterr().err


def test_package_data_ships_templates_and_static_files() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"web/templates/*.html"' in pyproject and '"web/static/*"' in pyproject


# --- on each database ------------------------------------------------------------------------------


def test_the_web_on_each_database(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """SQLite and PostgreSQL: the API's records equal the command line's, and a saved form updates the view."""
    with kpitrack.open(db_url) as ws:
        ws.load_goals([ROOT / "goals"])
        ws.import_values([ROOT / "examples" / "actuals-2021.csv", ROOT / "examples" / "spending-2021.csv"])
    with TestClient(create_app(db_url, warm=False)) as client:
        assert client.get("/api/score?year=2021").json() == cli_json(capsys, db_url, "score", "--year", "2021")
        assert client.get("/api/status?as_of=2021Q2").json() == cli_json(capsys, db_url, "status", "--as-of", "2021Q2")
        assert rows_of(client.get("/").text, "overview") == [f"p{n:02d}" for n in range(1, 11)]
        posted = {
            "csrf": csrf(client),
            "project": "p04",
            "quarter": "2021Q4",
            "v|p04|qty2": "6500份",
            "n|v|p04|qty2": "补报",
        }
        assert client.post("/entry", data=posted).status_code == 200
        web = client.app.state.web  # type: ignore[attr-defined]
        assert web.cache.builds == 1  # the form's project read again, not the year
        with kpitrack.open(db_url) as ws:
            assert web.cache.view(2021, Period.quarter(2021, 2)) == build(ws, 2021, Period.quarter(2021, 2))
