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
#: concentration, Lorenz, authors x2, licenses, sizes), Spaces (growth, authors, licenses, SDKs, hardware, status,
#: models used, datasets used).
CHARTS = {"Models": 7, "Datasets": 7, "Spaces": 8}


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


#: Where the grids' canvases draw each text (page coordinates): Streamlit's grid is a canvas, so a cell is clicked
#: where its text was drawn.
RECORD_TEXT = """(() => {
  const fill = CanvasRenderingContext2D.prototype.fillText;
  window.__texts = [];
  CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
    if (this.canvas.closest && this.canvas.closest('[data-testid="stDataFrame"]')) {
      const m = this.getTransform(), r = this.canvas.getBoundingClientRect(), d = this.canvas.width / (r.width || 1);
      window.__texts.push([String(text), r.x + (m.a * x + m.e) / d + window.scrollX,
                           r.y + (m.d * y + m.f) / d + window.scrollY]);
    }
    return fill.call(this, text, x, y, ...rest);
  };
})();"""


def test_a_repo_of_the_top_table_opens_its_details_in_the_app(page, fixture_app) -> None:
    """The top table's repo names are links to the app's own page for the repo (the browse page with ?repo=,
    in a new tab), showing the id as text."""
    url, _theme = fixture_app
    page.add_init_script(RECORD_TEXT)
    _open(page, url)
    table = page.get_by_test_id("stDataFrame").first
    table.wait_for(timeout=60_000)
    wait_idle(page)
    # the grid's accessible twin holds the cells' values: the first row's link
    row = table.locator('[data-testid^="glide-cell-"][data-testid$="-0"]').all_text_contents()
    link = next((cell for cell in row if cell.startswith("models?repo=")), None)
    assert link is not None, row
    repo = link.removeprefix("models?repo=")
    drawn = [t for t in page.evaluate("() => window.__texts") if t[0] == repo]
    assert drawn, f"{repo} was not drawn as the link's text"
    _, x, y = drawn[-1]  # where it is now (a first layout may have drawn it elsewhere)
    page.mouse.move(x + 6, y - 5)
    page.wait_for_timeout(200)
    with page.context.expect_page(timeout=30_000) as opened:
        page.mouse.click(x + 8, y - 5)
    details = opened.value
    details.wait_for_load_state()
    assert details.url == f"{url}/models?repo={repo}"
    details.get_by_text("Open on the Hub").first.wait_for(timeout=60_000)
    assert details.get_by_role("heading", name=repo, exact=True).count() >= 1  # the view's title (and the card's)
    assert details.get_by_test_id("stException").count() == 0
    details.close()
