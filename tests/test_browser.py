"""End to end: the fake Hub and `streamlit run` on free ports, driven in Debian's Chromium with Playwright.

Screenshots go to artifacts/screenshots/ (look at them: tables must not overflow, errors must read well).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import fixture_ids
from tests.browser import serve_app, shot, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with serve_app() as url:
        yield url


def test_first_visit_to_a_page_url_goes_through_the_router(page, app_url):
    """The server's first visit lands on /models: it must still get the app's navigation and sidebar."""
    page.goto(f"{app_url}/models?q=bert&license=apache-2.0")
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    wait_idle(page)
    nav = page.get_by_test_id("stSidebarNav")
    for title in ("Search", "Models", "Datasets", "Spaces"):
        nav.get_by_text(title, exact=True).wait_for(timeout=10_000)
    page.get_by_text("Source", exact=True).wait_for()
    assert page.get_by_role("textbox", name="Search").input_value() == "bert"
    shot(page, "00-first-visit-models-filtered")


def test_search_filter_select_detail(page, app_url):
    # One box on the home page searches every kind; its "All matching models" link carries the query.
    page.goto(app_url + "/")
    home_box = page.get_by_role("textbox", name="Search models, datasets and Spaces")
    home_box.wait_for(timeout=60_000)
    home_box.fill("bert")
    home_box.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q=bert"), timeout=30_000)
    page.get_by_text("All matching models").wait_for(timeout=30_000)
    wait_idle(page)
    shot(page, "01-home-search-bert")
    page.get_by_text("All matching models").click()
    page.wait_for_url(re.compile(r"/models\?q=bert"), timeout=30_000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    wait_idle(page)
    assert page.get_by_role("textbox", name="Search").input_value() == "bert"
    caption = page.get_by_text(re.compile(r"models matching 'bert'", re.IGNORECASE)).first
    caption.wait_for(timeout=30_000)

    # Sort by downloads through the select box, as a person would.
    page.get_by_test_id("stSelectbox").filter(has_text="Sort").click()
    page.get_by_role("option", name="Most downloads").click()
    page.wait_for_url(re.compile(r"sort=downloads"), timeout=30_000)
    wait_idle(page)
    shot(page, "02-models-bert-by-downloads")

    # The grid is a canvas: click the first data row's selection cell by position.
    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    grid.hover()
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
    page.wait_for_url(re.compile(r"[?&]repo="), timeout=30_000)
    wait_idle(page)
    repo = re.search(r"[?&]repo=([^&]+)", page.url).group(1).replace("%2F", "/")
    assert "bert" in repo.lower()
    page.get_by_role("tab", name="Files").wait_for(timeout=30_000)
    shot(page, "03-model-detail")

    # A copied URL reproduces the view in a fresh page.
    url = page.url
    other = page.context.new_page()
    other.goto(url)
    other.get_by_role("tab", name="Files").wait_for(timeout=60_000)
    assert "q=bert" in url, url
    wait_idle(other)
    assert other.get_by_role("textbox", name="Search").input_value() == "bert"
    other.close()

    page.get_by_role("tab", name="Files").click()
    page.get_by_text(re.compile(r"\d+ files")).filter(visible=True).first.wait_for()
    shot(page, "04-model-files")


def test_html_card_is_text_and_unknown_repo_reads_well(page, app_url):
    repo = fixture_ids.html_card_model_id()
    page.goto(f"{app_url}/models?repo={repo}")
    page.get_by_role("tab", name="Card").wait_for(timeout=60_000)
    wait_idle(page)
    # The card's <script> is shown as text; no script element from the card exists in the page.
    page.get_by_text("<script", exact=False).first.wait_for(timeout=30_000)
    assert "stolen=1" not in page.evaluate("() => document.cookie")
    shot(page, "05-html-card-as-text")

    page.goto(f"{app_url}/models?repo=nobody-here/no-such-model&sort=sideways")
    page.get_by_text("Not found").first.wait_for(timeout=60_000)
    page.get_by_text(re.compile("Ignored sort")).first.wait_for()
    wait_idle(page)
    shot(page, "06-not-found-and-bad-param")


@pytest.mark.parametrize(("kind", "text"), [("datasets", "squad"), ("spaces", "chat")])
def test_other_kinds_search_select_detail(page, app_url, kind, text):
    page.goto(f"{app_url}/{kind}?q={text}")
    grid = page.get_by_test_id("stDataFrame").first
    grid.wait_for(timeout=60_000)
    wait_idle(page)
    box = grid.bounding_box()
    grid.hover()
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
    page.wait_for_url(re.compile(r"[?&]repo="), timeout=30_000)
    page.get_by_role("tab", name="Card").wait_for(timeout=30_000)
    wait_idle(page)
    shot(page, f"07-{kind}-detail")


def test_the_app_runs_quietly_as_the_readme_starts_it(page, tmp_path):
    """With the README's .venv inside the project folder, Streamlit's default watcher floods the console with
    "Inotify queue overflowed"; .streamlit/config.toml polls our own files instead."""
    log = tmp_path / "app.log"
    with serve_app(as_configured=True, log=log) as url:
        page.goto(f"{url}/models?q=bert")
        page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
        wait_idle(page)
        page.wait_for_timeout(2000)  # the watcher is set up after the first run
    text = log.read_text()
    assert "Uvicorn server started" in text or "You can now view" in text  # the log is the app's own output
    assert "Inotify" not in text and "Traceback" not in text, text[-2000:]


@pytest.mark.viewport(width=1280, height=1100)
def test_tick_models_compare_them_and_export(page, app_url):
    """Tick two rows of the Models table, "Compare selected", look at the table (screenshot at laptop width), fold
    the equal rows, and download the Markdown export."""
    page.goto(f"{app_url}/models?q=gpt")
    grid = page.get_by_test_id("stDataFrame").first
    grid.wait_for(timeout=60_000)
    wait_idle(page)
    for row in (0, 1):
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()  # a tick opens the row's details below and scrolls to them: measure again
        grid.hover()
        page.mouse.click(box["x"] + 16, box["y"] + 35 + 35 * row + 17)
        wait_idle(page)
    page.get_by_role("button", name=re.compile(r"Compare selected \(2\)")).click()
    page.wait_for_url(re.compile(r"/compare\?models=[^&]+%2C|/compare\?models=[^&]+,"), timeout=30_000)
    table = page.locator("table.cmp")
    table.wait_for(timeout=60_000)
    wait_idle(page)
    assert table.locator("thead th a").count() == 2
    assert table.locator("tr.differs").count() >= 3  # tasks, sizes, dates... differ between two models
    unknown = table.locator("td.unknown").first
    assert unknown.get_attribute("title")  # a dash says why
    assert page.evaluate("() => document.querySelector('table.cmp').scrollWidth <= "
                         "document.querySelector('table.cmp').parentElement.clientWidth + 1")  # nothing cut
    shot(page, "10-compare-two-models")
    page.get_by_text("Only rows that differ").click()
    wait_idle(page)
    assert table.locator("tr:not(.group):not(.differs) td.fact").count() == 0
    with page.expect_download() as download:
        page.get_by_role("button", name="Markdown").click()
    text = Path(download.value.path()).read_text()
    assert text.startswith("| | [") and "≠" not in text
    shot(page, "11-compare-differences-only")
