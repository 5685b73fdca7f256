"""The web workspace in a real browser: Debian's Chromium driven by Playwright, against a live server.

The server is ``kpitrack serve``'s application under uvicorn on 127.0.0.1 and a free
port, over the example year (``tests/web_support.py``).  Playwright drives the system
Chromium (``executable_path``); its own browser download is never used.  Without a
Chromium these tests skip, unless ``KPITRACK_REQUIRE_BROWSER`` is set (CI sets it and
installs ``chromium``), in which case they fail.  Each page is photographed into
``screenshots/`` (git-ignored; ``KPITRACK_SCREENSHOTS`` names another folder).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from web_support import OTHER_UNIT, ROOT, build_year, copy_of, live_server

REQUIRE = bool(os.environ.get("KPITRACK_REQUIRE_BROWSER"))
SHOTS = Path(os.environ.get("KPITRACK_SCREENSHOTS", ROOT / "screenshots"))
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
UNIT = "昌吉州市场监督管理局"


def chromium() -> str | None:
    """The system Chromium: ``KPITRACK_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on the PATH."""
    named = os.environ.get("KPITRACK_CHROMIUM")
    if named:
        return named
    return shutil.which("chromium") or shutil.which("chromium-browser")


def unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"KPITRACK_REQUIRE_BROWSER is set but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser")
    with live_server(copy_of(build_year(folder), folder)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium()
    if executable is None:
        unavailable("no Chromium found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield opened
        assert errors == []  # no script failed on any page
    finally:
        context.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def overview_ids(page: Any) -> list[str]:
    ids: list[str] = page.locator("#overview tbody tr td:first-child a").all_inner_texts()
    return ids


def test_filter_open_a_project_enter_a_quarter_and_see_the_new_score(page: Any, base: str) -> None:
    page.goto(f"{base}/?year=2021")
    assert len(overview_ids(page)) == 11
    shot(page, "01-overview")

    page.select_option("#unit-filter", UNIT)  # htmx replaces the page's main part, no reload
    page.wait_for_url("**unit=*")
    page.wait_for_function("document.querySelectorAll('#overview tbody tr').length === 10")
    assert "p11" not in overview_ids(page)
    shot(page, "02-overview-one-unit")

    page.click("#overview a:text-is('p04')")
    page.wait_for_url("**/project/p04*")
    assert page.inner_text("#project-score") == "72.9"
    page.wait_for_selector("#spending-chart canvas")  # ECharts drew both charts
    page.wait_for_selector("#tier-chart canvas")
    shot(page, "03-project")

    page.click("p.facts a:text-is('填报')")
    page.select_option("#entry-chooser select[name=quarter]", "2021Q4")
    page.click("#entry-chooser button")
    page.wait_for_url("**quarter=2021Q4*")
    assert page.input_value('[name="s|p04"]') == "17.5"  # Q4's money as recorded
    page.fill('[name="v|p04|qty2"]', "6500份")
    page.fill('[name="n|v|p04|qty2"]', "补报漏记")
    page.fill('[name="s|p04"]', "十七点五")  # not an amount
    page.click("#save")
    page.wait_for_selector("#not-saved")
    problems = page.locator('tr:has([name="s|p04"]) .field-problem').all_inner_texts()
    # a changed recorded amount is a correction (it needs a note) and must be an amount, as in an import
    assert problems[0] == "更正已填报的值须填写说明" and len(problems) == 2
    assert problems[1].startswith("'十七点五': expected an amount in 万元")  # the import's own message
    assert page.input_value('[name="v|p04|qty2"]') == "6500份"  # the form keeps what was typed
    assert page.inner_text("#score-p04") == "72.9"  # nothing was written
    shot(page, "04-entry-with-a-problem")

    page.fill('[name="s|p04"]', "17.5")
    page.click("#save")
    page.wait_for_selector("#saved")
    assert page.inner_text("#score-p04") == "74.29"  # qty2 reaches 10000 份: 50 / 36 more points
    shot(page, "05-entry-saved")

    page.click("#block-p04 a")
    page.wait_for_url("**/project/p04*")
    assert page.inner_text("#project-score") == "74.29"
    assert "补报漏记" in page.inner_text("#history")


def test_upload_an_import_see_the_bad_row_fix_it_and_confirm(page: Any, base: str, tmp_path: Path) -> None:
    bad = tmp_path / "p11-q2.csv"
    bad.write_text("project,indicator,period,value\np11,qty1,2021Q2,18个\np11,eco1,2021Q2,很多\n", encoding="utf-8")
    page.goto(f"{base}/import")
    page.set_input_files("#upload-form input[type=file]", str(bad))
    page.fill("#upload-form input[name=by]", "李会计")
    page.click("#upload-form button")
    page.wait_for_selector("#import-problems")
    assert "p11-q2.csv: row 3, column value" in page.inner_text("#import-problems")
    shot(page, "06-import-bad-row")

    good = tmp_path / "fixed" / "p11-q2.csv"
    good.parent.mkdir()
    good.write_text(bad.read_text(encoding="utf-8").replace("很多", "6%"), encoding="utf-8")
    page.set_input_files("#upload-form input[type=file]", str(good))
    page.click("#upload-form button")
    page.wait_for_selector("#would-change")
    assert "实际值 2 条" in page.inner_text("#would-change")
    shot(page, "07-import-preview")

    page.click("#confirm")
    page.wait_for_selector("#imported")
    shot(page, "08-import-done")
    page.goto(f"{base}/project/p11")
    assert "18个" in page.inner_text("#row-qty1") and "6%" in page.inner_text("#row-eco1")


def test_underperformers_and_the_english_interface(page: Any, base: str) -> None:
    page.goto(f"{base}/underperformers?year=2021&as_of=2021Q2")
    assert page.locator("#midyear tbody tr").count() >= 1
    page.select_option("#filters select[name=unit]", OTHER_UNIT)
    page.click("#filters button")
    page.wait_for_url("**unit=*")
    assert page.locator("#year-end tbody tr td:nth-child(2)").all_inner_texts() == ["p11"]
    shot(page, "09-underperformers")
    page.goto(f"{base}/?lang=en")
    assert page.inner_text("header nav").startswith("Overview")
    shot(page, "10-overview-english")
