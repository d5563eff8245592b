"""Syncing the catalog from the fake Hub: paging, expand fields, a 429 in the middle, resuming, stopping early."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from lib.catalog import Catalog, Progress
from lib.catalog.cli import main
from lib.catalog.sync import SYNC_EXPAND
from lib.errors import HubUnreachableError
from lib.hub.client import HubClient
from lib.query import SearchQuery
from lib.settings import Settings
from tests.fakehub import FakeHub

PAGE = 10


@pytest.fixture(scope="module")
def small_pages() -> Iterator[FakeHub]:
    """A fake Hub of its own, with pages of 10 items so that the fixtures take several pages."""
    with FakeHub(port=0, page_size=PAGE) as hub:
        yield hub


@pytest.fixture
def hub(small_pages: FakeHub) -> Iterator[FakeHub]:
    small_pages.clear_faults()
    small_pages.clear_requests()
    yield small_pages
    small_pages.clear_faults()


def client_for(hub: FakeHub, tmp_path: Path) -> HubClient:
    return HubClient(Settings(endpoint=hub.url, home=tmp_path, timeout=5.0))


def listed_ids(hub: FakeHub, kind: str) -> set[str]:
    api = HfApi(endpoint=hub.url)
    lister = {"models": api.list_models, "datasets": api.list_datasets, "spaces": api.list_spaces}[kind]
    return {info.id for info in lister()}


def catalog_ids(catalog: Catalog, kind: str) -> list[str]:
    result = catalog.search(SearchQuery(kind=kind, sort="likes", limit=1000))  # type: ignore[arg-type]
    return [r.id for r in result.items]


def list_requests(hub: FakeHub, kind: str = "models") -> list:
    return [r for r in hub.requests if r.path == f"/api/{kind}"]


def test_a_full_sync_holds_what_the_hub_lists(hub: FakeHub, tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    seen: list[Progress] = []
    report = catalog.sync("models", client=client_for(hub, tmp_path), progress=seen.append)
    expected = listed_ids(hub, "models")
    assert report.finished and not report.resumed and report.stopped is None
    assert report.fetched == len(expected) and report.pages == -(-len(expected) // PAGE)
    ids = catalog_ids(catalog, "models")
    assert sorted(ids) == sorted(expected) and len(ids) == len(set(ids))
    first = list_requests(hub)[0]
    assert set(first.params("expand")) == set(SYNC_EXPAND["models"])  # every field the catalog needs, asked for
    llama = catalog.get("models", "meta-llama/Llama-2-7b-hf")
    assert llama is not None and llama.gated == "manual" and llama.pipeline_tag == "text-generation"
    assert catalog.search(SearchQuery(kind="models", params_min=1)).total > 0  # safetensors came through
    stats = catalog.stats().kinds["models"]
    assert stats.source == f"{hub.url}/api/models" and not stats.sync_pending
    assert [p.phase for p in seen].count("fetch") == report.pages and seen[-1].phase == "done"


def test_a_spaces_sync_asks_for_and_holds_their_stage_and_what_they_use(hub: FakeHub, tmp_path: Path) -> None:
    from tests import fixture_ids

    catalog = Catalog.open(tmp_path)
    catalog.sync("spaces", client=client_for(hub, tmp_path))
    asked = set(list_requests(hub, "spaces")[0].params("expand"))
    assert {"runtime", "models", "datasets"} <= asked == set(SYNC_EXPAND["spaces"])
    listed = [s for s in fixture_ids.records("spaces") if not s.get("private")]
    for space in listed:  # each Space's stage and lists, from the fixtures, through the listing into the index
        (record,) = catalog.search(SearchQuery(kind="spaces", text=space["id"], sort="likes", limit=1)).items
        assert record.stage == (space.get("runtime") or {}).get("stage")  # type: ignore[attr-defined]
        assert record.models == tuple(space.get("models") or ())  # type: ignore[attr-defined]
        assert record.datasets_used == tuple(space.get("datasets") or ())  # type: ignore[attr-defined]


def test_a_429_in_the_middle_of_paging_waits_as_asked_and_goes_on(hub: FakeHub, tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    waits: list[float] = []
    faulted: list[bool] = []

    def on_progress(p: Progress) -> None:
        if p.phase == "fetch" and not faulted:  # after the first page: the next request is refused once
            hub.add_fault("/api/models", status=429, times=1, retry_after=7)
            faulted.append(True)

    report = catalog.sync("models", client=client_for(hub, tmp_path), progress=on_progress, sleep=waits.append)
    assert waits == [7.0] and report.waits == 1 and report.waited_s == 7.0
    assert report.finished and report.fetched == len(listed_ids(hub, "models"))
    statuses = [r.status for r in list_requests(hub)]
    assert statuses[:3] == [200, 429, 200]
    refused, retried = list_requests(hub)[1:3]
    assert refused.params("cursor") == retried.params("cursor") != []  # the same page was asked again
    assert len(catalog_ids(catalog, "models")) == report.fetched


def test_a_limited_sync_resumes_where_it_stopped(hub: FakeHub, tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    client = client_for(hub, tmp_path)
    first = catalog.sync("datasets", client=client, limit=15)
    assert (first.fetched, first.finished, first.stopped) == (15, False, "limit")
    assert len(catalog_ids(catalog, "datasets")) == 15  # searchable already
    assert catalog.stats().kinds["datasets"].sync_pending
    hub.clear_requests()
    second = catalog.sync("datasets", client=client)
    expected = listed_ids(hub, "datasets")
    assert second.resumed and second.finished and second.fetched == len(expected) - 15
    assert second.total_fetched == len(expected)
    assert list_requests(hub, "datasets")[0].params("cursor")  # it did not start from the first page
    assert sorted(catalog_ids(catalog, "datasets")) == sorted(expected)
    assert catalog.fulltext("the").total > 0  # descriptions came through `expand`
    assert not catalog.stats().kinds["datasets"].sync_pending


def test_a_wait_longer_than_allowed_stops_and_keeps_what_was_fetched(hub: FakeHub, tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    client = client_for(hub, tmp_path)

    def refuse_after_first_page(p: Progress) -> None:
        if p.phase == "fetch":
            hub.add_fault("/api/spaces", status=429, times=None, retry_after=120)

    report = catalog.sync("spaces", client=client, max_wait=60, progress=refuse_after_first_page,
                          sleep=lambda s: pytest.fail("must not sleep"))  # fmt: skip
    assert (report.stopped, report.retry_after, report.fetched, report.finished) == ("rate-limited", 120, PAGE, False)
    assert len(catalog_ids(catalog, "spaces")) == PAGE
    assert "(partial)" in (catalog.stats().kinds["spaces"].source or "")
    hub.clear_faults()
    again = catalog.sync("spaces", client=client)
    assert again.resumed and again.finished
    assert sorted(catalog_ids(catalog, "spaces")) == sorted(listed_ids(hub, "spaces"))


def test_a_lost_connection_raises_and_keeps_what_was_fetched(hub: FakeHub, tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)

    def drop_after_first_page(p: Progress) -> None:
        if p.phase == "fetch":
            hub.add_fault("/api/models", disconnect=True, times=None)

    with pytest.raises(HubUnreachableError):
        catalog.sync("models", client=client_for(hub, tmp_path), progress=drop_after_first_page)
    assert len(catalog_ids(catalog, "models")) == PAGE
    hub.clear_faults()
    assert catalog.sync("models", client=client_for(hub, tmp_path)).finished
    assert len(catalog_ids(catalog, "models")) == len(listed_ids(hub, "models"))


def test_restart_starts_from_the_first_page(hub: FakeHub, tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    client = client_for(hub, tmp_path)
    catalog.sync("spaces", client=client, limit=5)
    hub.clear_requests()
    report = catalog.sync("spaces", client=client, restart=True, limit=3)
    assert not report.resumed and report.fetched == 3
    assert list_requests(hub, "spaces")[0].params("cursor") == []


def test_sync_from_the_command_line(hub: FakeHub, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["--home", str(tmp_path), "sync", "--kind", "spaces", "--endpoint", hub.url]
    assert main([*argv, "--limit", "4"], out=out, err=err) == 0
    assert "Fetched 4 spaces" in out.getvalue() and "run again to continue" in out.getvalue()
    out = io.StringIO()
    assert main(argv, out=out, err=err) == 0
    assert "finished" in out.getvalue()
    assert Catalog.open(tmp_path).stats().kinds["spaces"].count == len(listed_ids(hub, "spaces"))
