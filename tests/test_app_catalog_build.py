"""The local catalog built and refreshed from the app's sidebar (lib/ui/catalog_panel.py), against a fake Hub of
its own per test serving the generated hub-stats dataset (tests/fakehub/hubstats.py): the offer on a first visit,
a build that the page then answers from, a failing Hub (message, Retry, nothing written), each kind's age and the
Refresh offer, a refresh that syncs, one that fails and keeps the catalog, and two sessions building it once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from lib.catalog import Catalog
from lib.catalog.jobs import JobBoard
from lib.hub.client import HubClient
from lib.query import SearchQuery
from lib.settings import Settings
from tests.apptest import page_test
from tests.fakehub import FakeHub
from tests.fakehub.hubstats import REPO, new_sha, publish
from tests.test_catalog_fetch import list_on_hub, model
from tests.test_catalog_fetch import records as fixture_records

NOW = datetime.now(UTC).replace(microsecond=0)
#: a few hours ago, but today (the sidebar says "today" by the calendar)
EARLIER_TODAY = max(NOW - timedelta(hours=3), NOW.replace(hour=0, minute=0, second=0))


@pytest.fixture
def own_hub() -> Iterator[FakeHub]:
    """A fake Hub of its own (no fixture repos), so that its dataset and listing are the test's."""
    with FakeHub(port=0, fixtures_dir=None, page_size=5) as hub:
        yield hub


@pytest.fixture
def home(own_hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app pointed at `own_hub`, with an empty home folder."""
    import streamlit as st

    monkeypatch.setenv("HF_ENDPOINT", own_hub.url)
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(tmp_path))
    st.cache_data.clear()  # no dataset sizes or answers from another test's Hub
    return tmp_path


def records(n_models: int = 12) -> dict[str, list[dict[str, Any]]]:
    """tests/test_catalog_fetch.py's records, each with a commit sha of its own: files of bytes no other test
    publishes, so that the session's Hugging Face cache never answers a download instead of the Hub."""
    return {kind: [{**r, "sha": new_sha()} for r in rows] for kind, rows in fixture_records(n_models).items()}


def app(path: str = "tests/apps/catalog_sidebar_app.py", **params: str) -> AppTest:
    return page_test(path, **params)


def board(home: Path) -> JobBoard:
    from lib.ui.catalog_panel import _board

    return _board(str(home))  # the same st.cache_resource entry the app's sessions share


def finish(at: AppTest, home: Path) -> AppTest:
    """Wait for the running job (the page's fragment would redraw meanwhile), then draw the page once more."""
    job = board(home).latest()
    assert job is not None, "no job was started"
    assert job.wait(60), "the job did not end within 60 s"
    return at.run()


def shown(at: AppTest, where: str = "sidebar") -> str:
    """Every text of the sidebar (or the main area), Markdown escapes removed."""
    root = at.sidebar if where == "sidebar" else at.main
    texts = [e.value for kind in ("markdown", "caption", "error", "success", "info", "warning")
             for e in root.get(kind) if isinstance(getattr(e, "value", None), str)]  # fmt: skip
    return re.sub(r"\\(.)", r"\1", "\n".join(texts))


def fetched(hub: FakeHub, home: Path, data: dict[str, list[dict[str, Any]]], when: datetime) -> str:
    """A catalog already fetched from the dataset published at `when`; returns the revision."""
    sha = publish(hub, data, date=when)
    list_on_hub(hub, data)
    Catalog.open(home).fetch(client=HubClient(Settings(endpoint=hub.url, home=home, timeout=10.0)), repo=REPO)
    return sha


# --- the first visit ----------------------------------------------------------------------------------------------
def test_no_catalog_offers_a_build_and_the_page_then_answers_from_it(own_hub: FakeHub, home: Path) -> None:
    data = records()
    sha = publish(own_hub, data, date=EARLIER_TODAY)
    at = app().run()
    assert not at.exception
    text = shown(at)
    # the offer: what, where, and how much on request (the page itself does not ask the Hub); not the CLI hint alone
    assert "No local catalog yet" in text and "cfahlgren1/hub-stats" in text
    assert f"Downloads models, datasets, spaces into {home / 'catalog'}" in text, text
    assert not [r for r in own_hub.requests if REPO in r.path], "nothing asked of the Hub before a click"
    at.sidebar.button(key="catalog:size").click().run()
    text = shown(at)
    assert re.search(r"Downloads models, datasets, spaces \(about [\d.]+ KB\) into ", text), text
    assert not at.sidebar.radio, "no source picker without a catalog"

    at.sidebar.button(key="catalog:build").click().run()
    assert not at.exception
    finish(at, home)
    assert not at.exception and not at.sidebar.error
    text = shown(at)
    assert "Built the local catalog" in text
    assert f"models: fetched revision {sha[:7]} ({len(data['models'])} rows)" in text, text
    assert f"models: {len(data['models'])} · today" in text
    assert at.sidebar.radio(key="source:choice").value == "auto"  # the picker is back: the catalog is in use

    # the models page answers from the catalog (these repos exist nowhere else: the live Hub here is empty)
    page = app("pages/models.py", source="catalog", sort="likes").run()
    assert not page.exception and not page.error
    urls = list(page.dataframe[0].value["url"])
    assert len(urls) == len(data["models"])
    assert all(any(u.endswith("/" + m["id"]) for u in urls) for m in data["models"]), urls


def test_a_failing_hub_says_so_with_retry_and_writes_nothing(own_hub: FakeHub, home: Path) -> None:
    data = records()
    publish(own_hub, data, date=NOW)
    own_hub.add_fault(f"/api/datasets/{REPO}", status=500, times=None)
    at = app().run()
    at.sidebar.button(key="catalog:size").click().run()
    assert "size unknown: the Hub did not say" in shown(at)  # the offer stands without the size
    at.sidebar.button(key="catalog:build").click().run()
    finish(at, home)
    assert not at.exception
    error = "\n".join(e.value for e in at.sidebar.error)
    assert "Catalog not refreshed" in error and "500" in error and "Traceback" not in error, error
    job = board(home).latest()
    assert job is not None
    retry = at.sidebar.button(key=f"catalog:retry:{job.id}")
    assert retry.label == "Retry"
    assert not Catalog.open(home).exists, "no catalog"
    written = {f.name for f in (home / "catalog").iterdir()} if (home / "catalog").exists() else set()
    assert written <= {"refresh.lock", "refresh.owner"}, f"nothing written but the refresh lock: {written}"

    own_hub.clear_faults()
    retry.click().run()
    finish(at, home)
    assert not at.sidebar.error and "Built the local catalog" in shown(at)
    assert Catalog.open(home).stats().kinds["models"].count == len(data["models"])


def test_two_sessions_clicking_build_build_it_once(own_hub: FakeHub, home: Path) -> None:
    data = records()
    publish(own_hub, data, date=NOW)
    own_hub.add_fault(f"/datasets/{REPO}/resolve/", method="HEAD", delay=1.5, times=1)  # a slow first file
    first, second = app().run(), app().run()
    own_hub.clear_requests()
    first.sidebar.button(key="catalog:build").click().run()
    second.sidebar.button(key="catalog:build").click().run()  # clicked while the first build runs
    assert not first.exception and not second.exception
    for at in (first, second):  # both sessions show the one job's progress: a bar per file
        assert at.sidebar.status[0].label.startswith("Building the local catalog")
        assert [re.sub(r"\\(.)", r"\1", p.text).split(":")[0] for p in at.sidebar.get("progress")] == [
            "models",
            "datasets",
            "spaces",
        ]
    assert board(home).started == 1
    finish(first, home)
    second.run()
    for at in (first, second):
        assert "Built the local catalog" in shown(at)
    # each file downloaded once, the dataset's commit asked once
    for method in ("HEAD", "GET"):
        paths = [r.path for r in own_hub.requests if r.method == method and "/resolve/" in r.path]
        assert sorted(p.rsplit("/", 1)[-1] for p in paths) == ["datasets.parquet", "models.parquet", "spaces.parquet"]
    assert [r.path for r in own_hub.requests if r.path.startswith("/api/")] == [f"/api/datasets/{REPO}"]


# --- keeping it fresh ---------------------------------------------------------------------------------------------
def test_each_kind_shows_its_age_and_a_refresh_syncs_what_changed(own_hub: FakeHub, home: Path) -> None:
    data = records()
    sha = fetched(own_hub, home, data, NOW - timedelta(days=3))
    at = app().run()
    text = shown(at)
    for kind, rows in data.items():
        assert f"{kind}: {len(rows)} · 3 days old" in text, text
    assert f"models: snapshot {(NOW - timedelta(days=3)).date().isoformat()}, revision {sha[:7]}" in text
    refresh = at.sidebar.button(key="catalog:refresh_stale")
    assert refresh.label == "Refresh models, datasets, spaces"

    created = model(50, modified=NOW - timedelta(hours=1))
    list_on_hub(own_hub, {"models": [created]})
    refresh.click().run()
    finish(at, home)
    assert not at.exception and not at.sidebar.error
    text = shown(at)
    assert "Refreshed the local catalog" in text
    assert f"models: 1 synced ({len(data['models']) + 1} rows)" in text, text
    # the published dataset is itself a dataset on the Hub, modified after its own datasets.parquet was written
    assert f"datasets: 1 synced ({len(data['datasets']) + 1} rows)" in text, text
    assert "spaces: already up to date" in text
    assert f"models: {len(data['models']) + 1} · today" in text
    assert f"spaces: {len(data['spaces'])} · today" in text, text  # found current: its age is today's
    assert Catalog.open(home).get("datasets", REPO) is not None
    assert not [b for b in at.sidebar.button if b.key == "catalog:refresh_stale"]
    found = Catalog.open(home).search(SearchQuery(kind="models", sort="likes", limit=100)).items
    assert created["id"] in {r.id for r in found}


def test_a_fresh_catalog_offers_refresh_only_in_the_expander_and_a_new_revision_is_fetched(
        own_hub: FakeHub, home: Path) -> None:  # fmt: skip
    data = records()
    fetched(own_hub, home, data, EARLIER_TODAY)
    at = app().run()
    assert "models: 12 · today" in shown(at)
    assert not [b for b in at.sidebar.button if b.key == "catalog:refresh_stale"], "nothing is older than a day"
    newer = publish(own_hub, records(n_models=14), date=NOW)
    at.sidebar.button(key="catalog:refresh_all").click().run()
    finish(at, home)
    text = shown(at)
    assert f"models: fetched revision {newer[:7]} (14 rows)" in text, text


def test_a_failed_refresh_keeps_the_catalog_and_says_so(own_hub: FakeHub, home: Path) -> None:
    data = records()
    sha = fetched(own_hub, home, data, NOW - timedelta(days=3))
    own_hub.add_fault(f"/api/datasets/{REPO}", status=503, times=None)
    at = app().run()
    at.sidebar.button(key="catalog:refresh_stale").click().run()
    finish(at, home)
    assert not at.exception
    error = "\n".join(e.value for e in at.sidebar.error)
    assert "Catalog not refreshed" in error and "left as it was" in error, error
    text = shown(at)
    assert f"models: {len(data['models'])} · 3 days old" in text  # the catalog as it was, still in use
    stats = Catalog.open(home).stats().kinds["models"]
    assert stats.count == len(data["models"]) and sha in (stats.source or "")
    job = board(home).latest()
    assert job is not None
    at.sidebar.button(key=f"catalog:dismiss:{job.id}").click().run()
    assert not at.sidebar.error  # put away for this session
    assert at.sidebar.button(key="catalog:refresh_stale").label == "Refresh models, datasets, spaces"


def test_the_insights_page_without_a_catalog_builds_one_and_then_shows_its_figures(
        own_hub: FakeHub, home: Path) -> None:  # fmt: skip
    data = records()
    publish(own_hub, data, date=EARLIER_TODAY)
    at = app("pages/insights.py").run()
    assert not at.exception
    assert "No local catalog yet" in shown(at, "main") and not at.tabs
    at.button(key="insights:build").click().run()
    finish(at, home)
    assert not at.exception and not at.error
    assert [t.label for t in at.tabs] == [f"{title} ({len(data[kind])})" for kind, title in
                                          (("models", "Models"), ("datasets", "Datasets"), ("spaces", "Spaces"))]  # fmt: skip
    assert "No local catalog yet" not in shown(at, "main")
