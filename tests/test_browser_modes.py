"""End to end: searching by words in Chromium. On the models page (Automatic, with a catalog of the fake Hub's
fixtures), choose "Names and descriptions", type words, press Enter: the catalog answers, ranked, and under the
table each repo says where the words matched, the words highlighted."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser import serve_app, shot, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(catalog_home) -> Iterator[str]:
    with serve_app(env={"HUB_EXPLORER_HOME": str(catalog_home)}) as url:
        yield url


@pytest.mark.viewport(width=1280, height=900)
def test_text_mode_shows_where_the_words_matched(page, app_url):
    page.goto(f"{app_url}/models")
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_role("radio", name="Names and descriptions").click()
    page.wait_for_url(re.compile(r"[?&]mode=text"), timeout=30_000)
    wait_idle(page)
    box = page.get_by_role("textbox", name="Search")
    assert "Words about the models" in (box.get_attribute("placeholder") or "")
    box.fill("speech recognition")
    box.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q=speech\+recognition"), timeout=30_000)
    matched = page.locator(".st-key-matched_words")
    matched.wait_for(timeout=30_000)
    wait_idle(page)
    assert "sort=relevance" in page.url
    page.get_by_text(re.compile("The live Hub searches repo names only")).first.wait_for(timeout=10_000)
    text = matched.inner_text()
    assert "openai/whisper-large-v3" in text and "Task: automatic speech recognition" in text
    # the matched words are marked (a highlighted span), the others are not
    marked = matched.locator("span").filter(has_text=re.compile(r"^(speech|recognition)$", re.IGNORECASE))
    assert marked.count() >= 4  # two words, at least two models
    assert matched.locator("span").filter(has_text=re.compile(r"^automatic$")).count() == 0
    shot(page, "40-models-text-mode-speech-recognition")
