"""What the Shortlists page shows of a list (lib.shortlists.table), checked against hand-written expectations, and the
cheap version check the live page polls (`Shortlists.version`) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from lib.records import DatasetRecord, ModelRecord, ParamCounts, SpaceRecord
from lib.shortlists import ShortlistNotFoundError, Shortlists
from lib.shortlists.records import Item, Shortlist
from lib.shortlists.table import (
    DASH,
    FACTS,
    compare_models,
    export_facts,
    items_frame,
    key_facts,
    share_query,
    sort_items,
)
from lib.store import close_stores
from tests.pg import db_fixture, pg_server_fixture  # noqa: F401 - the fixtures db, pg_server

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def item(n: int, repo: str, kind: str = "models", status: str = "candidate", voters: tuple[str, ...] = (),
         note: str = "") -> Item:
    at = T0 + timedelta(minutes=n)
    return Item(repo=repo, kind=kind, status=status, note=note, note_version=1 if note else 0,  # type: ignore[arg-type]
                note_by="ada" if note else None, note_at=at if note else None, voters=voters, added_by="ada",
                added_at=at, updated_at=at, id=n)


ITEMS = [
    item(1, "org/a", status="candidate", voters=("bob",)),
    item(2, "org/b", status="chosen"),
    item(3, "org/c", status="rejected", voters=("bob", "cy", "di")),
    item(4, "org/d", kind="datasets", status="trying", voters=("ada", "bob")),
    item(5, "org/e", kind="spaces", status="candidate", voters=("cy",)),
]
RECORDS = {
    ("models", "org/a"): ModelRecord(id="org/a", downloads=50, likes=3, pipeline_tag="text-generation",
                                     tags=("license:mit",), params=ParamCounts(by_dtype={"F32": 124_000_000},
                                                                               total=124_000_000)),
    ("models", "org/b"): None,  # could not be read
    ("models", "org/c"): ModelRecord(id="org/c", downloads=9_000, likes=None),
    ("datasets", "org/d"): DatasetRecord(id="org/d", downloads=700, likes=1,
                                         tags=("task_categories:question-answering", "license:cc-by-4.0")),
    ("spaces", "org/e"): SpaceRecord(id="org/e", likes=40, sdk="gradio"),
}


def repos(items) -> list[str]:
    return [i.repo for i in items]


@pytest.mark.parametrize(
    ("by", "expected", "why"),
    [("votes", ["org/c", "org/d", "org/a", "org/e", "org/b"], "most votes first; ties (1 vote) by status then as added"),
     ("status", ["org/b", "org/d", "org/a", "org/e", "org/c"], "chosen, trying, candidates (more votes first), rejected"),
     ("downloads", ["org/c", "org/d", "org/a", "org/b", "org/e"], "most first; unreadable and Spaces (none) last"),
     ("added", ["org/a", "org/b", "org/c", "org/d", "org/e"], "as added"),
     ("sideways", ["org/a", "org/b", "org/c", "org/d", "org/e"], "an unknown sort is as added")],
)
def test_sort_items(by, expected, why):
    assert repos(sort_items(list(reversed(ITEMS)), by, RECORDS)) == expected, why


def test_key_facts_of_each_kind_and_dashes_for_the_unknown():
    assert key_facts(RECORDS[("models", "org/a")]) == {
        "Task": "text-generation", "Downloads": "50", "Likes": "3", "License": "mit", "Parameters": "124M"}
    assert key_facts(RECORDS[("datasets", "org/d")]) == {
        "Task": "question-answering", "Downloads": "700", "Likes": "1", "License": "cc-by-4.0", "Parameters": DASH}
    assert key_facts(RECORDS[("spaces", "org/e")]) == {
        "Task": "gradio Space", "Downloads": DASH, "Likes": "40", "License": DASH, "Parameters": DASH}
    assert key_facts(RECORDS[("models", "org/c")])["Likes"] == DASH
    assert key_facts(None) == dict.fromkeys(FACTS, DASH)


def test_export_facts_cover_every_item_by_repo():
    shortlist = Shortlist(name="l", description="", owner="ada", created_by="ada", created_at=T0, updated_at=T0,
                          version=6, items=tuple(ITEMS))
    facts = export_facts(shortlist, RECORDS)
    assert list(facts) == ["org/a", "org/b", "org/c", "org/d", "org/e"]
    assert facts["org/b"] == dict.fromkeys(FACTS, DASH)
    assert facts["org/c"]["Downloads"] == "9,000"


def test_items_frame_is_data_with_missing_numbers_left_missing():
    hostile = item(6, "org/f", note="=HYPERLINK(\"http://e.vil\")\n[x](javascript:alert(1)) <b>" + "y" * 200)
    frame = items_frame([*ITEMS[:3], hostile], RECORDS, endpoint="https://hub.example", me="bob")
    assert list(frame["repo"]) == ["https://hub.example/org/a", "https://hub.example/org/b",
                                   "https://hub.example/org/c", "https://hub.example/org/f"]
    assert list(frame["votes"]) == [1, 0, 3, 0]
    assert list(frame["mine"]) == [True, False, True, False]
    assert list(frame["voters"]) == ["bob", "", "bob, cy, di", ""]
    assert [frame["downloads"].iloc[0], frame["downloads"].iloc[2]] == [50, 9000]
    assert frame["downloads"].isna().tolist() == [False, True, False, True]
    assert frame["likes"].isna().tolist() == [False, True, True, True]
    note = frame["note"].iloc[3]
    assert note.startswith("=HYPERLINK(\"http://e.vil\") [x](javascript:alert(1)) <b>yyy"), "one line, as typed"
    assert len(note) == 120 and note.endswith("…")
    assert str(frame["downloads"].dtype) == "Int64"


@pytest.mark.parametrize(
    ("kinds", "expected", "left_out"),
    [(["models"] * 3, 3, 0), (["models"] * 6, 6, 0), (["models"] * 8, 6, 2),
     (["datasets", "models", "spaces", "models"], 2, 0), (["datasets"], 0, 0)],
)
def test_compare_models_takes_the_models_in_order_at_most_six(kinds, expected, left_out):
    items = [item(n, f"org/m{n}", kind=k) for n, k in enumerate(kinds)]
    ids, more = compare_models(items)
    assert ids == [i.repo for i in items if i.kind == "models"][:6] and len(ids) == expected
    assert more == left_out


@pytest.mark.parametrize("name", ["team picks", "a&b=c?d#e", "日本語 🤗", "[x](javascript:alert(1))", "100%"])
def test_share_query_round_trips_any_name(name):
    assert parse_qs(share_query(name)) == {"list": [name]}


# --- the version the live page polls ------------------------------------------------------------------------------


@pytest.fixture
def lists(db):
    close_stores()
    yield Shortlists(db)
    close_stores()


def test_version_counts_every_change_and_only_changes(lists):
    lists.create_list("l", user="ada")
    assert lists.version("l") == 1 == lists.get_list("l").version
    lists.add_item("l", "org/a", kind="model", user="ada")
    lists.vote("l", "org/a", user="bob")
    assert lists.version("l") == 3
    lists.vote("l", "org/a", user="bob")  # a second vote is no change
    lists.set_status("l", "org/a", "candidate", user="bob")  # nor is the same status
    assert lists.version("l") == 3 == len(lists.history("l"))
    with pytest.raises(ShortlistNotFoundError):
        lists.version("nope")
