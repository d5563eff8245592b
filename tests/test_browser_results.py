"""Results that keep your place, end to end in Chromium against a local catalog: a page past the live Hub's 40 typed
in, rows per page and columns kept in the URL, a name opening its details under the table (in view, at laptop
width), browser Back returning to the same results, page and selection, and the exports of every match.

Screenshots go to artifacts/screenshots/ (look at them: the table must not cut what matters).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from lib.catalog import Catalog
from tests import fixture_ids
from tests.browser import serve_app, shot, wait_idle

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hub"
BULK = [f"bulk-org/synthetic-{i:04d}" for i in range(1100)]  # downloads = i: by downloads, the last comes first


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over a catalog holding the fake Hub's fixtures and 1,100 more models (44 pages of 25)."""
    home = tmp_path_factory.mktemp("results-home")
    bulk = [{"id": rid, "downloads": i, "likes": i % 13, "trendingScore": i % 17, "pipeline_tag": "text-generation",
             "createdAt": "2024-02-01T00:00:00.000Z", "tags": ["license:mit"]} for i, rid in enumerate(BULK)]  # fmt: skip
    dump = home / "models.json"
    dump.write_text(json.dumps([*fixture_ids.records("models"), *bulk]), encoding="utf-8")
    catalog = Catalog.open(home)
    catalog.load([dump], kind="models")
    for kind in ("datasets", "spaces"):
        catalog.load([FIXTURES / f"{kind}.json"], kind=kind)
    with serve_app(env={"HUB_EXPLORER_HOME": str(home)}) as url:
        yield url


def _ready(page) -> None:
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    wait_idle(page)


def _showing(page) -> str:
    return page.get_by_text(re.compile(r"· showing [\d,]+–[\d,]+")).first.inner_text()


def _choose(page, label: str, option: str) -> None:
    """Pick `option` in the select box `label` (opened again if a rerun closed it)."""
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_role("combobox", name=label))
    for _ in range(3):
        box.click()
        try:
            page.get_by_role("option", name=option).click(timeout=5_000)
            return
        except Exception:  # noqa: BLE001 - a rerun redrew the box while it opened: try again
            wait_idle(page)
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def _page_box(page):
    return page.get_by_role("spinbutton", name="Page")


@pytest.mark.viewport(width=1280, height=1000)
def test_a_page_past_40_rows_per_page_and_columns_in_the_url(page, app_url):
    page.goto(f"{app_url}/models?source=catalog&q=synthetic&sort=downloads")
    _ready(page)
    box = _page_box(page)
    box.fill("43")
    box.press("Enter")
    page.wait_for_url(re.compile(r"[?&]page=43"), timeout=30_000)
    wait_idle(page)
    assert "showing 1,051–1,075" in _showing(page)
    assert page.get_by_text("of 44", exact=True).is_visible()  # the catalog knows the last page

    _choose(page, "Rows per page", "100 rows a page")
    page.wait_for_url(re.compile(r"per=100"), timeout=30_000)
    wait_idle(page)
    assert re.search(r"[?&]page=11(&|$)", page.url), page.url  # row 1,051 is on page 11 of 100-row pages
    assert "showing 1,001–1,100" in _showing(page)

    page.get_by_role("button", name=re.compile("Columns")).click()
    page.get_by_role("button", name="License", exact=True).click()
    page.wait_for_url(re.compile(r"cols=[^&]*license"), timeout=30_000)
    wait_idle(page)
    url = page.url
    fresh = page.context.new_page()  # a copied link restores all of it
    fresh.goto(url)
    _ready(fresh)
    assert "showing 1,001–1,100" in _showing(fresh)
    assert fresh.get_by_role("combobox", name="Rows per page").input_value() == "100 rows a page"
    assert _page_box(fresh).input_value() == "11"
    shot(fresh, "20-catalog-page-11-of-100-rows-with-license")
    fresh.close()


def _reference_e_by_likes() -> list[str]:
    """The models whose id holds an "e" ("synthetic" does), most liked first, ties by id (the catalog's order)."""
    bulk = [{"id": rid, "likes": i % 13} for i, rid in enumerate(BULK)]
    items = [m for m in [*fixture_ids.records("models"), *bulk] if "e" in m["id"].lower()]
    items.sort(key=lambda m: (m.get("likes") is None, -(m.get("likes") or 0), m["id"]))
    return [m["id"] for m in items]


def _geometry(page) -> dict[str, float]:
    """Where the table ends and the details begin, in the window (px)."""
    return page.evaluate("""() => {
        const grid = document.querySelector('[data-testid="stDataFrame"]').getBoundingClientRect();
        const detail = document.querySelector('.st-key-models-detail').getBoundingClientRect();
        return {gridBottom: grid.bottom, detailTop: detail.top, height: window.innerHeight};
    }""")


@pytest.mark.viewport(width=1280, height=1000)
def test_a_name_opens_its_details_in_view_and_back_returns_to_the_same_place(page, app_url):
    page.goto(f"{app_url}/models?source=catalog&q=e&sort=likes&page=2")
    _ready(page)
    assert "showing 26–" in _showing(page)
    grid = page.get_by_test_id("stDataFrame").first
    grid.hover()  # (this may scroll the page: the box is read after it)
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 120, box["y"] + 35 + 35 * 1 + 17)  # the name in the second row
    page.wait_for_url(re.compile(r"[?&]repo="), timeout=30_000)
    wait_idle(page)
    expected = _reference_e_by_likes()[26]
    assert re.search(r"[?&]repo=([^&]+)", page.url).group(1).replace("%2F", "/") == expected
    header = page.get_by_role("heading", name=expected)
    header.wait_for(timeout=30_000)
    page.wait_for_timeout(800)  # the scroll into view
    g = _geometry(page)
    assert 0 <= g["detailTop"] <= g["height"] * 0.7, g  # in view: nobody scrolls to find it
    assert g["detailTop"] - g["gridBottom"] < 300, g  # right under the table, not 1,300 px below
    header_box = header.bounding_box()
    assert header_box is not None and header_box["y"] + header_box["height"] <= g["height"]
    shot(page, "21-models-detail-under-the-table-1280")

    page.go_back()  # the same results and page, nothing open
    page.wait_for_url(re.compile(r"page=2(?!.*repo=)"), timeout=30_000)
    wait_idle(page)
    assert page.get_by_text(re.compile("Details of")).count() == 0
    assert _page_box(page).input_value() == "2" and "showing 26–" in _showing(page)
    page.go_forward()
    page.wait_for_url(re.compile(r"repo="), timeout=30_000)
    page.get_by_role("heading", name=expected).wait_for(timeout=30_000)

    page.goto(f"{app_url}/compare")  # leave the page, then come back with the browser's Back
    page.get_by_role("heading", name="Compare").first.wait_for(timeout=60_000)
    page.go_back()
    _ready(page)
    page.get_by_role("heading", name=expected).wait_for(timeout=30_000)
    assert re.search(r"[?&]page=2(&|$)", page.url) and "repo=" in page.url
    assert _page_box(page).input_value() == "2" and "showing 26–" in _showing(page)
    assert page.get_by_text(f"Details of {expected}", exact=False).first.is_visible()


@pytest.mark.viewport(width=1280, height=1000)
def test_the_exports_hold_every_match(page, app_url):
    page.goto(f"{app_url}/models?source=catalog&q=synthetic&sort=downloads")
    _ready(page)
    page.get_by_role("button", name=re.compile("Export")).click()
    page.get_by_text("All 1,100 matches.").wait_for(timeout=10_000)
    want = list(reversed(BULK))  # every match in the table's order, not just the 25 shown
    with page.expect_download() as csv_download:
        page.get_by_test_id("stPopoverBody").get_by_role("button", name="CSV").click()
    csv = pd.read_csv(csv_download.value.path())
    assert list(csv["id"]) == want and list(csv["downloads"]) == list(range(1099, -1, -1))
    assert csv_download.value.suggested_filename == "models-synthetic.csv"
    with page.expect_download() as parquet_download:
        page.get_by_test_id("stPopoverBody").get_by_role("button", name="Parquet").click()
    parquet = pd.read_parquet(io.BytesIO(Path(parquet_download.value.path()).read_bytes()))
    assert list(parquet["id"]) == want and set(parquet["license"]) == {"mit"}
