"""End to end: a dataset's detail (viewer preview, schema, statistics charts, streaming fallback) in Chromium.

Uses the shared browser, page and helpers (`tests/conftest.py`, `tests/browser.py`); starts its own fake Hub (with the viewer fixtures'
repos) and `streamlit run` pointed at its fake dataset viewer. Screenshots of the tabs go to artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser import SHOTS, serve_app, wait_idle
from tests.fakehub.viewer import STREAMING_ONLY_DATASET, repo_dir_args

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def viewer_app_url() -> Iterator[str]:
    with serve_app(tuple(repo_dir_args())) as url:  # conftest removed HF_TOKEN from the environment
        yield url


def _tab_shot(page, name: str) -> None:
    """The tabs block only: the page itself scrolls inside Streamlit's main container."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_test_id("stTabs").first.screenshot(path=str(SHOTS / f"{name}.png"))


def _no_horizontal_overflow(page) -> None:
    """Nothing is wider than the main column: wide tables scroll inside their grid."""
    overflow = page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid="stMainBlockContainer"]');
            const box = main.getBoundingClientRect();
            const wide = [...main.querySelectorAll('[data-testid="stDataFrame"], [data-testid="stVegaLiteChart"]')]
                .filter(e => e.getBoundingClientRect().right > box.right + 1).length;
            return {scroll: main.scrollWidth - main.clientWidth, wide};
        }"""
    )
    assert overflow == {"scroll": 0, "wide": 0}, overflow


def test_dataset_detail_preview_schema_statistics_and_fallback(page, viewer_app_url):
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.goto(f"{viewer_app_url}/datasets?repo=HuggingFaceFW/fineweb")
    page.get_by_role("tab", name="Preview").wait_for(timeout=90_000)
    page.get_by_text(re.compile(r"The first \d+ rows of CC-MAIN-2024-10 / train")).wait_for(timeout=60_000)
    wait_idle(page)
    _no_horizontal_overflow(page)
    _tab_shot(page, "dataset-01-preview")

    page.get_by_role("tab", name="Schema & splits").click()
    page.get_by_text("Configs and splits").wait_for()
    wait_idle(page)
    _tab_shot(page, "dataset-02-schema-and-splits")

    page.get_by_role("tab", name="Statistics").click()
    charts = page.get_by_test_id("stTabs").first.get_by_test_id("stVegaLiteChart")  # not the results panel's
    charts.first.wait_for(timeout=30_000)
    wait_idle(page)
    assert charts.count() == 9  # one per column of the fixture's statistics
    _no_horizontal_overflow(page)
    _tab_shot(page, "dataset-03-statistics")

    page.goto(f"{viewer_app_url}/datasets?repo={STREAMING_ONLY_DATASET}")
    page.get_by_text(re.compile("streamed with the")).wait_for(timeout=90_000)
    wait_idle(page)
    _no_horizontal_overflow(page)
    _tab_shot(page, "dataset-04-streamed-preview")
