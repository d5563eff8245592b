"""End to end: the Insights page in Chromium, on a catalog of the fake Hub's fixtures (light and dark theme) and,
when it is beside the project, on the real July-2024 snapshot.

Uses the shared browser, page and launcher (`tests/conftest.py`, `tests/browser.py`); the app's home points at a catalog built once
per module. Screenshots of each kind's tab go to artifacts/screenshots/insights-*.png (look at them: axis labels
and legends not cut, nothing overlapping, readable on the dark background).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.catalog import Catalog
from tests.browser import SHOTS, serve_app, wait_idle

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hub"
SNAPSHOT = ROOT.parent / "shared" / "hub-snapshot"
MODELS_FILE = SNAPSHOT / "models-2024-07-11.jsonl.gz"
DATASETS_FILE = SNAPSHOT / "datasets-2024-07-09.jsonl.gz"
#: Charts per kind's tab: models (growth x2, concentration, Lorenz, authors x2, licenses), datasets (growth,
#: concentration, Lorenz, authors x2, licenses, sizes), Spaces (growth, authors, licenses, SDKs).
CHARTS = {"Models": 7, "Datasets": 7, "Spaces": 4}


@pytest.fixture(scope="module", params=["light", "dark"])
def fixture_app(request, catalog_home) -> Iterator[tuple[str, str]]:
    with serve_app(env={"HUB_EXPLORER_HOME": str(catalog_home), "STREAMLIT_THEME_BASE": request.param}) as url:
        yield url, request.param


def _check_tab(page, tab: str, charts: int) -> None:
    """The tab's charts are drawn (a non-empty canvas or SVG each), inside the column, with no exception shown."""
    page.get_by_role("tab", name=tab).first.click()
    panel = page.get_by_role("tabpanel").filter(has=page.get_by_test_id("stVegaLiteChart")).first
    drawn = panel.get_by_test_id("stVegaLiteChart")
    drawn.nth(charts - 1).wait_for(timeout=60_000)
    wait_idle(page)
    assert drawn.count() == charts
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('[role="tabpanel"]:not([hidden]) [data-testid="stVegaLiteChart"]')]
              .map(e => { const m = e.querySelector('canvas, svg'); const b = m && m.getBoundingClientRect();
                          return b ? [Math.round(b.width), Math.round(b.height)] : [0, 0]; })"""
    )
    assert len(sizes) == charts and all(w > 200 and h > 100 for w, h in sizes), sizes
    overflow = page.evaluate(
        """() => { const main = document.querySelector('[data-testid="stMainBlockContainer"]');
                   return main.scrollWidth - main.clientWidth; }"""
    )
    assert overflow == 0
    assert page.get_by_test_id("stException").count() == 0


def _open(page, url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 3600})  # the whole tab at once: the main column scrolls
    page.goto(f"{url}/models")  # through the router first (see docs/ARCHITECTURE.md), then the page
    page.get_by_test_id("stSidebarNav").wait_for(timeout=60_000)
    page.goto(f"{url}/insights")
    page.get_by_role("heading", name="Insights").wait_for(timeout=60_000)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_test_id("stMainBlockContainer").screenshot(path=str(SHOTS / f"{name}.png"))


def test_insights_page_on_the_fixtures(page, fixture_app) -> None:
    url, theme = fixture_app
    _open(page, url)
    page.get_by_text("The top 1% of models").wait_for(timeout=60_000)
    for tab, charts in CHARTS.items():
        _check_tab(page, tab, charts)
        _shot(page, f"insights-{theme}-{tab.lower()}")


@pytest.mark.snapshot
@pytest.mark.skipif(
    not (MODELS_FILE.exists() and DATASETS_FILE.exists()),
    reason=f"the real Hub snapshot is not at {SNAPSHOT} (it lives beside the project, not in it)",
)
def test_insights_page_on_the_real_snapshot(page, tmp_path_factory) -> None:
    home = tmp_path_factory.mktemp("insights-browser-snapshot")
    cat = Catalog.open(home)
    cat.load([MODELS_FILE], kind="models")
    cat.load([DATASETS_FILE], kind="datasets")
    for theme in ("light", "dark"):
        with serve_app(env={"HUB_EXPLORER_HOME": str(home), "STREAMLIT_THEME_BASE": theme}) as url:
            _open(page, url)
            page.get_by_text("760,000 models").first.wait_for(timeout=90_000)
            for tab in ("Models", "Datasets"):
                _check_tab(page, tab, CHARTS[tab])
                _shot(page, f"insights-snapshot-{theme}-{tab.lower()}")
