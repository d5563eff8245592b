"""The token never leaves where it belongs: with a recognisable token set (`HF_TOKEN`, one the fake Hub accepts: it
sees private and gated repos with it), every page in Chromium, every tab of each detail view, an error the Hub gives
for it, the exports and a saved search; then the token must be in none of: the pages' HTML, what the server sent the
browser over its websocket, the URLs the browser asked for, the app's log, the downloaded files, and any file the
app wrote (its home folder and the download cache). It did reach the Hub (the fake Hub's request log), so the test
cannot pass by never using it.

The other half of the rule, that an endpoint URL never receives the app's token, is
`tests/test_tryit_panel.py::test_the_apps_token_never_goes_to_a_typed_endpoint_and_a_typed_one_does` (the
inference server's log of Authorization headers) and `tests/test_tryit_endpoints.py` for plain http.
"""

from __future__ import annotations

import json
import re
import secrets
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import fixture_ids
from tests.browser import serve_app_and_hub, shot, wait_idle

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hub"
TOKEN = f"hf_SECRET{secrets.token_hex(12)}TOKEN"  # recognisable, and new for every run
GATED = fixture_ids.gated_model_id()
PRIVATE = "hub-explorer-test/private-finetune"
DATASET = "stanfordnlp/imdb" if any(d["id"] == "stanfordnlp/imdb" for d in fixture_ids.records("datasets")) \
    else fixture_ids.records("datasets")[0]["id"]
SPACE = "stabilityai/stable-diffusion"


@dataclass
class Seen:
    """Everything the browser got or asked for, and where the app wrote."""

    app: str
    hub: str
    log: Path
    home: Path
    hf_home: Path
    html: dict[str, str] = field(default_factory=dict)  # what was open -> page.content()
    urls: list[str] = field(default_factory=list)
    frames: list[bytes] = field(default_factory=list)
    downloads: dict[str, bytes] = field(default_factory=dict)


def _fixtures_with_token(folder: Path) -> Path:
    """The fake Hub's fixtures, plus TOKEN as a token of the fixtures' own user (same orgs and gated access)."""
    folder.mkdir()
    for item in FIXTURES.iterdir():
        if item.name != "tokens.json":
            (folder / item.name).symlink_to(item)
    tokens = json.loads((FIXTURES / "tokens.json").read_text())
    valid = next(t for t in tokens["tokens"] if t["token"] == "hf_fake_valid_token")
    tokens["tokens"].append({**valid, "token": TOKEN})
    (folder / "tokens.json").write_text(json.dumps(tokens))
    return folder


@pytest.fixture(scope="module")
def seen(tmp_path_factory) -> Iterator[Seen]:
    from lib.catalog import Catalog

    root = tmp_path_factory.mktemp("secrets")
    home = root / "home"
    cat = Catalog.open(home)  # the Insights page needs a catalog
    for kind in ("models", "datasets", "spaces"):
        cat.load([FIXTURES / f"{kind}.json"], kind=kind)
    env = {"HF_TOKEN": TOKEN, "HUB_EXPLORER_HOME": str(home), "HF_HOME": str(root / "hf")}
    fixtures = _fixtures_with_token(root / "fixtures")
    with serve_app_and_hub(("--fixtures", str(fixtures)), env, log=root / "app.log") as (app, hub):
        yield Seen(app, hub, root / "app.log", home, root / "hf")


@pytest.fixture
def watched(page, seen: Seen):
    """The page, with every URL it asks for and every websocket frame the server sends it recorded."""
    page.on("request", lambda request: seen.urls.append(request.url))
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: seen.frames.append(
        payload if isinstance(payload, bytes) else payload.encode())))
    return page


def _visit(page, seen: Seen, path: str, ready: str | None = None) -> None:
    page.goto(seen.app + path)
    page.get_by_test_id("stMainBlockContainer").wait_for(timeout=60_000)
    if ready:
        page.get_by_text(ready, exact=False).first.wait_for(timeout=60_000)
    wait_idle(page)
    seen.urls.append(page.url)
    seen.html[path] = page.content()


def _tabs(page, seen: Seen, path: str) -> None:
    """Click through every tab of the open detail view, keeping each one's HTML."""
    names = [t.inner_text() for t in page.get_by_role("tab").all()]
    for name in names:
        page.get_by_role("tab", name=name, exact=True).first.click()
        wait_idle(page)
        seen.urls.append(page.url)
        seen.html[f"{path} [{name}]"] = page.content()


def _post(url: str, data: object) -> None:
    req = urllib.request.Request(url, data=json.dumps(data).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).close()


def _download(page, seen: Seen, name: str, button) -> None:
    """Click a download button and keep the file. A click that lands while a rerun replaces the button (the
    sidebar's health check reruns every 10 s) can be lost on a loaded machine: then it is clicked once more."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    button.scroll_into_view_if_needed(timeout=60_000)
    for attempt in (1, 2):
        try:
            with page.expect_download(timeout=30_000 * attempt) as info:
                button.click()
            break
        except PlaywrightTimeout:
            shot(page, f"secrets-no-download-{name}-{attempt}")
            if attempt == 2:
                raise
            wait_idle(page)
    seen.downloads[name] = Path(info.value.path()).read_bytes()


def test_every_page_and_tab_with_the_token_set(watched, seen: Seen):
    page = watched
    _visit(page, seen, "/models?q=bert", ready="models matching")  # the router first (docs/ARCHITECTURE.md)
    _visit(page, seen, "/?q=llama", ready="All matching models")
    assert "token set" in seen.html["/?q=llama"]  # the sidebar says whether one is set, never which
    for repo in (GATED, PRIVATE):
        path = f"/models?repo={repo}"
        _visit(page, seen, path, ready="Open on the Hub")
        _tabs(page, seen, path)
    assert "Not found" not in seen.html[f"/models?repo={PRIVATE}"], "the token was used: the private repo is seen"
    for path in (f"/datasets?repo={DATASET}", f"/spaces?repo={SPACE}"):
        _visit(page, seen, path, ready="Open on the Hub")
        _tabs(page, seen, path)
    _visit(page, seen, f"/compare?models={GATED},gpt2", ready="Only rows that differ")
    _visit(page, seen, "/insights", ready="The top 1% of models")
    _visit(page, seen, "/cache")
    _visit(page, seen, "/shortlists", ready="Team shortlists")
    _post(f"{seen.hub}/_fake/faults", {"path_prefix": "/api/models", "status": 401, "times": None})
    _visit(page, seen, "/models?q=refused-probe", ready="refused the token")  # an error about the token itself
    urllib.request.urlopen(urllib.request.Request(f"{seen.hub}/_fake/faults", method="DELETE"), timeout=10).close()
    assert page.get_by_test_id("stException").count() == 0

    for where, html in seen.html.items():
        assert TOKEN not in html, f"the token is in the page {where}"
    assert not [u for u in seen.urls if TOKEN in u], "the token is in a URL"
    assert seen.frames and not [f for f in seen.frames if TOKEN.encode() in f], "the server sent the token"
    with urllib.request.urlopen(f"{seen.hub}/_fake/requests", timeout=10) as resp:
        asked = json.load(resp)
    assert any(r["token"] == TOKEN for r in asked), "the app never used the token: this test proves nothing"


def test_exports_and_saved_data(watched, seen: Seen):
    page = watched
    _visit(page, seen, f"/compare?models={GATED},gpt2", ready="Only rows that differ")
    buttons = page.get_by_test_id("stDownloadButton")
    _download(page, seen, "comparison.csv", buttons.filter(has_text="CSV").first)
    _download(page, seen, "comparison.md", buttons.filter(has_text="Markdown").first)
    _visit(page, seen, "/models?sort=downloads&q=llama", ready="models matching")
    panel = page.get_by_test_id("stMainBlockContainer").get_by_test_id("stExpander").filter(has_text="Charts")
    panel.get_by_text("Charts", exact=True).first.click()
    csv_button = panel.get_by_test_id("stDownloadButton").filter(has_text="CSV").first
    csv_button.wait_for(timeout=60_000)
    wait_idle(page)
    _download(page, seen, "chart.csv", csv_button)
    page.get_by_role("button", name=re.compile("Export")).click()  # every match of the results table
    body = page.get_by_test_id("stPopoverBody")
    _download(page, seen, "results.csv", body.get_by_test_id("stDownloadButton").filter(has_text="CSV").first)
    if not body.get_by_test_id("stDownloadButton").filter(has_text="Parquet").first.is_visible():
        page.get_by_role("button", name=re.compile("Export")).click()  # the popover closed after the download
    _download(page, seen, "results.parquet", body.get_by_test_id("stDownloadButton").filter(has_text="Parquet").first)
    page.keyboard.press("Escape")
    sidebar = page.get_by_test_id("stSidebar")  # save this search under a name
    sidebar.get_by_role("textbox", name="Your name").first.fill("ada")
    sidebar.get_by_role("button", name="Use this name").first.click()
    sidebar.get_by_text("You are ada").first.wait_for(timeout=60_000)
    wait_idle(page)
    sidebar.get_by_role("textbox", name="Name this search").fill("llama by downloads", timeout=60_000)
    sidebar.get_by_role("button", name="Save this search").click()
    wait_idle(page)
    sidebar.get_by_text("llama by downloads").first.wait_for(timeout=60_000)

    assert set(seen.downloads) == {"comparison.csv", "comparison.md", "chart.csv", "results.csv", "results.parquet"}
    assert all(seen.downloads.values()), "every export has content"
    for name, data in seen.downloads.items():
        assert TOKEN.encode() not in data, f"the token is in the export {name}"
    written = [p for folder in (seen.home, seen.hf_home) for p in folder.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite3" for p in written), "the saved search was written"
    for path in written:
        assert TOKEN.encode() not in path.read_bytes(), f"the token is in {path}"


def test_the_log(watched, seen: Seen):
    """After the other tests' pages (and one more, so that this test alone has a log to read)."""
    _visit(watched, seen, f"/models?repo={GATED}", ready="Open on the Hub")
    text = seen.log.read_text(errors="replace")
    assert "You can now view" in text or "Uvicorn" in text or "Local URL" in text, text[-2000:]
    assert TOKEN not in text
    assert not re.search(r"hf_SECRET", text)
