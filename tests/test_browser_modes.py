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


def search_in_mode(page, url: str, control: str, mode: str, words: str) -> str:
    """Open `url`, choose the search mode labelled `control` (the URL then says `mode`), type `words` and press
    Enter; waits until the URL carries them. Returns the search box's placeholder in that mode."""
    page.goto(url)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_role("radio", name=control).click()
    page.wait_for_url(re.compile(rf"[?&]mode={mode}"), timeout=30_000)
    wait_idle(page)
    box = page.get_by_role("textbox", name="Search")
    placeholder = box.get_attribute("placeholder") or ""
    box.fill(words)
    box.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q=" + re.escape(words.replace(" ", "+"))), timeout=60_000)
    return placeholder


@pytest.mark.viewport(width=1280, height=900)
def test_text_mode_shows_where_the_words_matched(page, app_url):
    placeholder = search_in_mode(page, f"{app_url}/models", "Names and descriptions", "text", "speech recognition")
    assert "Words about the models" in placeholder
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


@pytest.fixture(scope="module")
def meaning_url(tmp_path_factory: pytest.TempPathFactory, distilled) -> Iterator[str]:
    """The app over a catalog of the fake Hub's models with their embeddings built (the distilled packaged model)."""
    from lib.catalog import Catalog
    from tests.conftest import FIXTURES, home_with_model

    home = home_with_model(tmp_path_factory.mktemp("meaning-home"), distilled)
    catalog = Catalog.open(home)
    catalog.load([FIXTURES / "models.json"], kind="models")
    catalog.embed("models")
    with serve_app(env={"HUB_EXPLORER_HOME": str(home)}) as url:
        yield url


@pytest.mark.viewport(width=1280, height=900)
def test_meaning_mode_finds_models_by_what_they_do(page, meaning_url):
    """Choose "Meaning", describe a need in plain words (no word of it is in the ids): the models that do it come
    first, by best match, and the mode and words are in the URL."""
    search_in_mode(page, f"{meaning_url}/models?source=catalog", "Meaning", "meaning",
                   "turn recorded speech into written text")  # fmt: skip
    wait_idle(page)
    assert "sort=relevance" in page.url
    grid = page.get_by_test_id("stDataFrame").first
    # the grid's accessible twin holds the cells' values: its first two rows
    first_rows = " ".join(cell for row in (0, 1)
                          for cell in grid.locator(f'[data-testid^="glide-cell-"][data-testid$="-{row}"]').all_text_contents())  # fmt: skip
    assert "whisper-large-v3" in first_rows or "wav2vec2-base-960h" in first_rows, first_rows
    assert not page.get_by_test_id("stException").count()
    shot(page, "41-models-meaning-mode-speech")
