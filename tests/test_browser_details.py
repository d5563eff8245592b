"""End to end: what a person sees of the detail views' headers in Chromium, at a laptop's width (1280 px).

The key figures are whole (no "2022-0…" or "2 years …" cut with an ellipsis), and a failed Space shows the Hub's
own error message as text. Screenshots go to artifacts/screenshots/details-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lib.details import key_figures
from lib.records import record_from_api
from tests import fixture_ids
from tests.browser import SHOTS, serve_app, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.viewport(width=1280, height=800)]

#: For each metric value shown: its text, and whether it or any element inside it is cut (its content wider than
#: its box: the ellipsis Streamlit draws for a value too wide for its column).
METRICS_JS = """() => [...document.querySelectorAll('[data-testid="stMetric"]')].map(m => {
    const value = m.querySelector('[data-testid="stMetricValue"]');
    const boxes = [value, ...value.querySelectorAll('*')];
    return {label: m.querySelector('[data-testid="stMetricLabel"]').innerText.trim(), text: value.innerText.trim(),
            cut: boxes.some(b => b.scrollWidth > b.clientWidth + 1),
            inside: value.getBoundingClientRect().right <= document.querySelector(
                '[data-testid="stMainBlockContainer"]').getBoundingClientRect().right + 1};
})"""


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with serve_app() as url:
        yield url


def _open(page, url: str, path: str) -> None:
    page.goto(f"{url}/models")  # through the router first (see docs/ARCHITECTURE.md), then the page
    page.get_by_test_id("stSidebarNav").get_by_text("Insights", exact=True).wait_for(timeout=60_000)
    page.goto(f"{url}{path}")
    page.get_by_text("Open on the Hub").first.wait_for(timeout=60_000)
    wait_idle(page)


def test_the_model_headers_figures_are_whole_at_laptop_width(page, app_url: str) -> None:
    raw = fixture_ids.safetensors_model()
    _open(page, app_url, f"/models?repo={raw['id']}")
    metrics = page.evaluate(METRICS_JS)
    figures = key_figures(record_from_api("models", raw))  # the texts the page should show (parameters aside)
    assert [m["label"] for m in metrics] == [label for label, _ in figures], metrics
    for m, (label, value) in zip(metrics, figures, strict=True):
        assert not m["cut"] and m["inside"], m
        if label != "Parameters":  # counted from the weights' headers, not in the listing's record
            assert m["text"] == value, (m, value)
    assert any(m["label"] == "Created" and len(m["text"]) == len("2022-03-02") for m in metrics), metrics
    page.get_by_test_id("stMetric").first.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "details-model-figures-1280.png"))


def test_a_failed_spaces_error_message_is_shown_as_text(page, app_url: str) -> None:
    space = next(s for s in fixture_ids.records("spaces") if s.get("runtime", {}).get("stage") == "RUNTIME_ERROR")
    message = space["runtime"]["errorMessage"]
    _open(page, app_url, f"/spaces?repo={space['id']}")
    alert = page.get_by_test_id("stAlertContentError").first
    assert alert.inner_text().strip().endswith("\nRuntime error: the app stopped with an error. The Hub's message:")
    code = page.get_by_test_id("stCode").first
    assert code.locator("code").inner_text() == message  # every character, the line breaks too
    assert code.locator("strong, em, b, i").count() == 0  # "__init__" and "**not**" stay as they are
    assert page.get_by_text("The Space is", exact=False).count() == 0
    metrics = page.evaluate(METRICS_JS)
    assert metrics and not any(m["cut"] for m in metrics), metrics
    code.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "details-space-runtime-error-1280.png"))
