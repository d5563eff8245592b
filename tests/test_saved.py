"""Saved searches: the validators (tables of values with reasons) and the SQLite store's semantics."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lib.errors import HubExplorerError, NotFoundError
from lib.saved import (
    FILE_NAME,
    MAX_NAME,
    SCHEMA_VERSION,
    InvalidSavedSearchError,
    SavedSearches,
    SavedSearchExistsError,
    SavedSearchNotFoundError,
    SavedSearchStoreError,
    clean_name,
    db_path,
    describe_params,
    is_valid_name,
    validate_kind,
    validate_params,
)

# --- validators --------------------------------------------------------------------------------------------------

VALID_NAMES = [
    ("ada", "ada", "plain ASCII"),
    ("  ada  ", "ada", "surrounding spaces are trimmed"),
    ("\tada\u3000", "ada", "any Unicode whitespace around is trimmed (tab, ideographic space)"),
    ("small bert models", "small bert models", "spaces inside are kept"),
    ("x", "x", "one character is enough"),
    ("a" * MAX_NAME, "a" * MAX_NAME, "exactly the maximum length"),
    ("  " + "a" * MAX_NAME + "  ", "a" * MAX_NAME, "the length is counted after trimming"),
    ("日本語モデル", "日本語モデル", "any script"),
    ("Français-NLP", "Français-NLP", "accented letters"),
    ("e\u0301te\u0301", "\u00e9t\u00e9", "decomposed accents are normalised to NFC"),
    ("🤗 chat", "🤗 chat", "emoji"),
    ("' OR 1=1; DROP TABLE saved_search; --", "' OR 1=1; DROP TABLE saved_search; --", "SQL is just text"),
    ("100% _cool_ [x](y) <b>", "100% _cool_ [x](y) <b>", "LIKE wildcards and Markdown/HTML are just text"),
]

INVALID_NAMES = [
    ("", "empty"),
    ("   ", "only spaces: empty after trimming"),
    ("\n\t", "only whitespace controls: empty after trimming"),
    ("a" * (MAX_NAME + 1), "one character too long"),
    ("line\nbreak", "a line break inside"),
    ("tab\tinside", "a tab inside is a control character"),
    ("nul\x00byte", "NUL"),
    ("del\x7f", "DEL"),
    ("c1\x85control", "a C1 control (NEL)"),
    ("para\u2029graph", "the Unicode paragraph separator"),
    ("lone\ud800surrogate", "a lone surrogate cannot be stored as UTF-8"),
    (None, "not text"),
    (42, "not text"),
]


@pytest.mark.parametrize(("value", "expected", "reason"), VALID_NAMES)
def test_valid_names(value, expected, reason):
    assert clean_name(value) == expected, reason
    assert is_valid_name(value), reason


@pytest.mark.parametrize(("value", "reason"), INVALID_NAMES)
def test_invalid_names(value, reason):
    assert not is_valid_name(value), reason
    with pytest.raises(InvalidSavedSearchError) as info:
        clean_name(value, what="search name")
    assert "search name" in str(info.value), "the message says which name is wrong"
    assert isinstance(info.value, ValueError) and isinstance(info.value, HubExplorerError)


@pytest.mark.parametrize(
    ("value", "ok", "reason"),
    [("models", True, "a kind"), ("datasets", True, "a kind"), ("spaces", True, "a kind"),
     ("Models", False, "kinds are lower case"), ("model", False, "singular is the repo type, not the page"),
     ("", False, "empty"), (None, False, "not text")],
)
def test_kinds(value, ok, reason):
    if ok:
        assert validate_kind(value) == value, reason
    else:
        with pytest.raises(InvalidSavedSearchError):
            validate_kind(value)


@pytest.mark.parametrize(
    ("params", "ok", "reason"),
    [({}, True, "the default search"),
     ({"q": "bert", "sort": "downloads"}, True, "URL parameters"),
     ({"q": "日本語 ' \" %"}, True, "any text value"),
     ({"q": 1}, False, "a value that is not text"),
     ({1: "x"}, False, "a key that is not text"),
     ({"": "x"}, False, "an empty key"),
     ({"q": "x" * 5000}, False, "too long to store"),
     ({"q": "a\udc80"}, False, "a lone surrogate cannot be stored"),
     ([("q", "x")], False, "not a mapping")],
)
def test_params(params, ok, reason):
    if ok:
        assert validate_params(params) == dict(params), reason
    else:
        with pytest.raises(InvalidSavedSearchError):
            validate_params(params)


@pytest.mark.parametrize(
    ("params", "text"),
    [({}, ""),
     ({"q": "bert"}, "'bert'"),
     ({"sort": "downloads", "q": "bert", "task": "fill-mask"}, "'bert' · task fill-mask · by downloads"),
     ({"page": "2", "repo": "org/x", "zzz": "1"}, "page 2 · open org/x · zzz 1"),
     ({"gated": "no", "author": "Qwen", "params": "1-3B", "created": "2024-01-01..", "library": "transformers"},
      "library transformers · by author Qwen · not gated · params 1-3B · created 2024-01-01.."),
     ({"gated": "yes"}, "gated")],
)
def test_describe_params(params, text):
    assert describe_params(params) == text


# --- the store ---------------------------------------------------------------------------------------------------


class Clock:
    """A clock that moves one second per call, so "most recent first" is deterministic."""

    def __init__(self) -> None:
        self.now = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> SavedSearches:
    return SavedSearches(tmp_path / "home" / FILE_NAME, clock=Clock())


def test_file_lives_in_the_home_folder_and_is_created_with_its_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(tmp_path / "not" / "yet"))
    assert db_path() == tmp_path / "not" / "yet" / "hub-explorer.sqlite3"
    s = SavedSearches.open()
    assert not s.path.exists(), "nothing is created before the first call"
    assert s.list("ada") == []
    assert s.path.is_file()
    with sqlite3.connect(s.path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


def test_save_get_list(store):
    saved = store.save("ada", "bert by downloads", "models", {"q": "bert", "sort": "downloads"})
    assert (saved.user, saved.name, saved.kind) == ("ada", "bert by downloads", "models")
    assert saved.params == {"q": "bert", "sort": "downloads"}
    assert saved.created_at == saved.updated_at and saved.created_at.tzinfo is not None
    assert store.get("ada", "bert by downloads", "models") == saved
    assert store.get("ada", "bert by downloads", "datasets") is None
    assert store.list("ada") == [saved]
    assert store.list("ada", "models") == [saved]
    assert store.list("ada", "spaces") == []


def test_names_are_trimmed_and_normalised_on_every_call(store):
    store.save("  ada ", " caf\u0065\u0301 ", "models", {"q": "x"})
    got = store.get("ada", "caf\u00e9", "models")
    assert got is not None and got.name == "caf\u00e9" and got.user == "ada"


def test_same_name_again_is_refused_unless_overwrite(store):
    first = store.save("ada", "mine", "models", {"q": "bert"})
    with pytest.raises(SavedSearchExistsError) as info:
        store.save("ada", "mine", "models", {"q": "gpt"})
    assert info.value.name == "mine" and "already exists" in str(info.value)
    assert store.get("ada", "mine", "models").params == {"q": "bert"}, "a refused save changes nothing"

    replaced = store.save("ada", "mine", "models", {"q": "gpt"}, overwrite=True)
    assert replaced.params == {"q": "gpt"}
    assert replaced.id == first.id and replaced.created_at == first.created_at
    assert replaced.updated_at > first.updated_at
    assert len(store.list("ada")) == 1


def test_uniqueness_is_per_user_name_and_kind(store):
    store.save("ada", "x", "models", {"q": "1"})
    store.save("ada", "x", "datasets", {"q": "2"})  # same name, other kind
    store.save("bob", "x", "models", {"q": "3"})  # same name, other user
    store.save("ada", "X", "models", {"q": "4"})  # names are case-sensitive
    assert {(s.kind, s.name, s.params["q"]) for s in store.list("ada")} == {
        ("models", "x", "1"), ("datasets", "x", "2"), ("models", "X", "4")}
    assert [s.params["q"] for s in store.list("bob")] == ["3"]


def test_overwrite_creates_when_missing(store):
    saved = store.save("ada", "new", "spaces", {"q": "chat"}, overwrite=True)
    assert store.list("ada", "spaces") == [saved]


def test_list_is_most_recent_first_and_per_user(store):
    for name in ("one", "two", "three"):
        store.save("ada", name, "models", {"q": name})
    store.save("bob", "other", "models", {})
    assert [s.name for s in store.list("ada", "models")] == ["three", "two", "one"]
    store.save("ada", "one", "models", {"q": "again"}, overwrite=True)  # an update moves it to the top
    assert [s.name for s in store.list("ada", "models")] == ["one", "three", "two"]


@pytest.mark.parametrize(
    "name",
    ["' OR 1=1 --", "x'); DROP TABLE saved_search; --", "%", "_", "a\"b", "semi;colon", "back\\slash",
     "日本語", "🤗 emoji", "Robert'); DELETE FROM schema_version; --"],
)
def test_sql_metacharacters_and_unicode_are_plain_names(store, name):
    store.save("ada", "neighbour", "models", {"q": "keep"})
    store.save("ada", name, "models", {"q": name, "task": "fill-mask"})
    assert store.get("ada", name, "models").params == {"q": name, "task": "fill-mask"}
    assert sorted(s.name for s in store.list("ada")) == sorted(["neighbour", name])
    assert store.get("ada", "%", "models") is None or name == "%", "no LIKE matching"
    assert store.delete("ada", name, "models")
    assert [s.name for s in store.list("ada")] == ["neighbour"], "the other row and the tables survive"


def test_unicode_user_names(store):
    store.save("Zoë 😀", "x", "models", {})
    assert [s.user for s in store.list("Zoë 😀")] == ["Zoë 😀"]
    assert store.list("Zoe 😀") == []


def test_delete(store):
    store.save("ada", "gone", "models", {"q": "x"})
    store.save("ada", "gone", "datasets", {"q": "x"})
    assert store.delete("ada", "gone", "models") is True
    assert store.get("ada", "gone", "models") is None
    assert store.get("ada", "gone", "datasets") is not None, "only that kind's search is deleted"
    assert store.delete("ada", "gone", "models") is False, "deleting twice says it was not there"


def test_rename(store):
    first = store.save("ada", "old", "models", {"q": "x"})
    store.save("ada", "taken", "models", {"q": "y"})
    renamed = store.rename("ada", "old", "models", " new ")
    assert renamed.name == "new" and renamed.id == first.id and renamed.params == {"q": "x"}
    assert store.get("ada", "old", "models") is None
    with pytest.raises(SavedSearchExistsError):
        store.rename("ada", "new", "models", "taken")
    assert store.get("ada", "new", "models") is not None, "a refused rename changes nothing"
    with pytest.raises(SavedSearchNotFoundError) as info:
        store.rename("ada", "no such", "models", "whatever")
    assert isinstance(info.value, NotFoundError)


def test_invalid_input_is_refused_before_touching_the_file(store):
    with pytest.raises(InvalidSavedSearchError):
        store.save("", "x", "models", {})
    with pytest.raises(InvalidSavedSearchError):
        store.save("ada", "x" * (MAX_NAME + 1), "models", {})
    with pytest.raises(InvalidSavedSearchError):
        store.save("ada", "x", "repos", {})
    assert not store.path.exists()


def test_persists_across_reopen(tmp_path):
    path = tmp_path / FILE_NAME
    SavedSearches(path).save("ada", "kept", "datasets", {"q": "squad", "sort": "likes"})
    again = SavedSearches(path)
    got = again.get("ada", "kept", "datasets")
    assert got is not None and got.params == {"q": "squad", "sort": "likes"}


def test_two_stores_on_one_file_see_each_other(tmp_path):
    path = tmp_path / FILE_NAME
    a, b = SavedSearches(path), SavedSearches(path)
    a.save("ada", "from a", "models", {})
    assert [s.name for s in b.list("ada")] == ["from a"]
    b.delete("ada", "from a", "models")
    assert a.list("ada") == []
    a.save("ada", "race", "models", {"q": "a"})
    with pytest.raises(SavedSearchExistsError):
        b.save("ada", "race", "models", {"q": "b"})


def test_concurrent_writers_lose_nothing(tmp_path):
    """Two sessions (threads, each with its own store object as two Streamlit sessions have) write at once."""
    path = tmp_path / FILE_NAME
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer(who: str) -> None:
        store = SavedSearches(path)
        barrier.wait()
        try:
            for i in range(40):
                store.save(who, f"s{i}", "models", {"q": f"{who}{i}"})
                store.save("shared", f"{who}{i}", "datasets", {"q": who}, overwrite=True)
                if i % 4 == 0:
                    store.delete(who, f"s{i}", "models")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in ("ada", "bob", "cy", "dee")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    check = SavedSearches(path)
    for who in ("ada", "bob", "cy", "dee"):
        assert sorted(s.name for s in check.list(who)) == sorted(f"s{i}" for i in range(40) if i % 4)
    assert len(check.list("shared")) == 160


def test_concurrent_same_name_has_one_winner(tmp_path):
    path = tmp_path / FILE_NAME
    SavedSearches(path).list("ada")  # the schema exists
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def save(i: int) -> None:
        store = SavedSearches(path)
        barrier.wait()
        try:
            store.save("ada", "contested", "models", {"q": str(i)})
            outcomes.append("saved")
        except SavedSearchExistsError:
            outcomes.append("exists")

    threads = [threading.Thread(target=save, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["exists"] * 5 + ["saved"]


def test_unusable_home_is_a_clear_error(tmp_path):
    blocker = tmp_path / "home"
    blocker.write_text("a file where the folder should be")
    store = SavedSearches(blocker / FILE_NAME)
    with pytest.raises(SavedSearchStoreError) as info:
        store.list("ada")
    assert str(blocker) in str(info.value) and "HUB_EXPLORER_HOME" in info.value.hint
    assert isinstance(info.value, OSError)


def test_a_file_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / FILE_NAME
    SavedSearches(path).list("ada")
    with sqlite3.connect(path) as con:
        con.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    con.close()
    with pytest.raises(SavedSearchStoreError) as info:
        SavedSearches(path).list("ada")
    assert f"version {SCHEMA_VERSION + 1}" in str(info.value)
    assert "another version of Hub Explorer" in info.value.hint


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / FILE_NAME
    path.write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(SavedSearchStoreError):
        SavedSearches(path).save("ada", "x", "models", {})
