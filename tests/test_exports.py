"""Exports of every match (lib.exports): all matches in the table's order, typed columns, the cap said when it
applies, CSV and Parquet agreeing, and no token anywhere."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow.parquet as pq
import pytest

from lib.catalog import Catalog
from lib.exports import (
    CATALOG_CAP,
    HUB_CAP,
    cap_for,
    collect,
    export_frame,
    planned_note,
    public_endpoint,
    to_csv,
    to_parquet,
)
from lib.hub.client import HubClient
from lib.query import MAX_LIMIT, SearchQuery, SearchResult
from tests import fixture_ids

TOKEN = "hf_ExportMustNeverHoldThisToken0123"


@pytest.fixture(scope="module")
def catalog(catalog_home) -> Catalog:
    return Catalog.open(catalog_home)


def reference_ids(kind: str, text: str, sort_key: str) -> list[str]:
    """The fixture repos whose id contains `text`, by `sort_key` descending then id (the catalog's order)."""
    items = [r for r in fixture_ids.records(kind) if text.lower() in r["id"].lower()]
    items.sort(key=lambda r: (r.get(sort_key) is None, -(r.get(sort_key) or 0), r["id"]))
    return [r["id"] for r in items]


def test_caps_follow_the_source():
    assert cap_for(True) == CATALOG_CAP == 100_000 and cap_for(False) == HUB_CAP == MAX_LIMIT


def test_collect_pages_through_every_match_in_order(catalog: Catalog):
    asked: list[tuple[int, int]] = []

    def search(q: SearchQuery) -> SearchResult:
        asked.append((q.offset, q.limit))
        return catalog.search(q.replace(limit=min(q.limit, 7)), facets=())  # small pages: several asks

    got = collect(search, SearchQuery(kind="models", text="e", sort="downloads"), CATALOG_CAP)
    want = reference_ids("models", "e", "downloads")
    assert [r.id for r in got.records] == want and got.total == len(want) and not got.capped
    assert got.note() is None
    assert len(asked) == -(-len(want) // 7) and asked[1][0] == 7  # each ask starts where the last ended


def test_a_cap_cuts_the_export_and_says_so(catalog: Catalog):
    got = collect(catalog.search, SearchQuery(kind="models", sort="downloads"), 10)
    total = len(fixture_ids.records("models"))
    assert len(got.records) == 10 and got.capped and got.total == total
    assert got.note() == f"The first 10 of {total:,} matches, in the table's order: an export holds at most 10 rows."
    assert planned_note(total, 10) == f"The first 10 of {total:,} matches (an export holds at most 10 rows)."
    assert planned_note(total, CATALOG_CAP) == f"All {total:,} matches."
    assert planned_note(None, HUB_CAP).startswith("All matches, up to 1,000")


def test_the_live_hub_is_asked_once_and_its_cap_named(hub):
    client = HubClient()
    asked: list[SearchQuery] = []

    def search(q: SearchQuery) -> SearchResult:
        asked.append(q)
        return client.search(q)

    got = collect(search, SearchQuery(kind="models", text="e"), 5)
    assert len(got.records) == 5 and got.capped and got.total is None and len(asked) == 1
    assert "the live Hub has more" in (got.note() or "")
    whole = collect(client.search, SearchQuery(kind="models", text="bert"), HUB_CAP)
    assert not whole.capped and {r.id for r in whole.records} == {
        r["id"] for r in fixture_ids.records("models") if "bert" in r["id"].lower() and not r.get("private")}


def test_csv_and_parquet_hold_the_same_typed_rows(catalog: Catalog):
    got = collect(catalog.search, SearchQuery(kind="models", sort="downloads"), CATALOG_CAP)
    frame = export_frame(got.records, "models", "https://huggingface.co")
    csv = pd.read_csv(io.BytesIO(to_csv(frame)), dtype={"params": "Int64", "downloads": "Int64", "likes": "Int64"})
    parquet = pq.read_table(io.BytesIO(to_parquet(frame, about="all models"))).to_pandas()
    assert list(csv.columns) == list(parquet.columns) == ["id", "url", "author", "task", "library", "params", "license",
                                                         "gated", "downloads", "likes", "created", "updated"]  # fmt: skip
    assert list(csv["id"]) == list(parquet["id"]) == [r.id for r in got.records]
    by_id = {r["id"]: r for r in fixture_ids.records("models")}
    for _, row in parquet.iterrows():
        raw = by_id[row["id"]]
        assert row["url"] == f"https://huggingface.co/{raw['id']}"
        assert (None if pd.isna(row["downloads"]) else int(row["downloads"])) == raw.get("downloads")
        total = (raw.get("safetensors") or {}).get("total")
        assert (None if pd.isna(row["params"]) else int(row["params"])) == total
    assert str(parquet["created"].dtype).startswith("datetime64") and parquet["params"].dtype == "Int64"
    assert pq.read_table(io.BytesIO(to_parquet(frame, about="all models"))).schema.metadata[b"hub_explorer"] == (
        b"all models")


@pytest.mark.parametrize("kind", ["datasets", "spaces"])
def test_other_kinds_export_their_own_columns(catalog: Catalog, kind: str):
    got = collect(catalog.search, SearchQuery(kind=kind, sort="likes"), CATALOG_CAP)
    frame = export_frame(got.records, kind, "https://huggingface.co")
    assert len(frame) == len(fixture_ids.records(kind)) and frame["id"].is_unique
    assert ("sdk" in frame) == (kind == "spaces") and ("downloads" in frame) == (kind == "datasets")
    if kind == "spaces":  # the stage as the Hub sends it, and the models and datasets each Space uses
        rows = frame.set_index("id")
        for space in fixture_ids.records("spaces"):
            row = rows.loc[space["id"]]
            assert (None if pd.isna(row["stage"]) else row["stage"]) == (space.get("runtime") or {}).get("stage")
            assert (None if pd.isna(row["models"]) else row["models"]) == (", ".join(space.get("models") or []) or None)
            assert (None if pd.isna(row["datasets"]) else row["datasets"]) == (
                ", ".join(space.get("datasets") or []) or None)  # fmt: skip


def test_no_token_in_any_export(catalog: Catalog, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    endpoint = f"https://user:{TOKEN}@hub.example"
    assert TOKEN not in public_endpoint(endpoint) and public_endpoint("https://hub.example") == "https://hub.example"
    got = collect(catalog.search, SearchQuery(kind="models", sort="downloads"), CATALOG_CAP)
    frame = export_frame(got.records, "models", endpoint)
    assert frame["url"].str.startswith("https://hub.example/").all()
    for blob in (to_csv(frame), to_parquet(frame, about="models")):
        assert TOKEN.encode() not in blob
