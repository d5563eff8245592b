"""Shortlists (lib.shortlists) on SQLite and PostgreSQL: validators (tables of values with reasons), what each change
does and records, note conflicts, exports checked with independent readers (the csv module, markdown-it), and the
reliability promises: 8 threads and 8 processes x 200 changes leave exactly the expected state, and a process killed
in the middle of its writes leaves a readable store holding only whole changes."""

from __future__ import annotations

import csv
import html
import io
import itertools
import multiprocessing
import os
import random
import re
import signal
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from lib.errors import HubExplorerError, NotFoundError
from lib.shortlists import (
    AmbiguousItemError,
    InvalidShortlistError,
    InvalidStatusError,
    ItemExistsError,
    ItemNotFoundError,
    NoteConflictError,
    Shortlist,
    ShortlistExistsError,
    ShortlistNotFoundError,
    Shortlists,
    to_csv,
    to_markdown,
    validate_kind,
    validate_list_name,
    validate_note,
    validate_repo,
    validate_status,
)
from lib.shortlists.records import Change, Item
from lib.store import StoreError, close_stores, open_store
from lib.store.schema import MAX_NOTE, shortlist, shortlist_event, shortlist_item, shortlist_vote
from tests.pg import db_fixture, pg_server_fixture  # noqa: F401 - the fixtures db, pg_server


@pytest.fixture(autouse=True)
def _fresh_stores():
    close_stores()
    yield
    close_stores()


class Clock:
    """One second per call, so the order of changes is the order of their times."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def lists(db) -> Shortlists:
    return Shortlists(db, clock=Clock())


# --- validators ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "why"),
    [("team picks", "team picks", "spaces inside"), ("  q3 ", "q3", "trimmed"), ("x" * 60, "x" * 60, "the maximum"),
     ("日本語 🤗", "日本語 🤗", "any script, emoji"), ("e\u0301", "\u00e9", "NFC"),
     ("a'; DROP TABLE shortlist; --", "a'; DROP TABLE shortlist; --", "SQL is text"),
     ("[x](javascript:alert(1)) <b>", "[x](javascript:alert(1)) <b>", "Markdown and HTML are text")],
)
def test_valid_list_names(value, expected, why):
    assert validate_list_name(value) == expected, why


@pytest.mark.parametrize(
    ("value", "why"),
    [("", "empty"), ("   ", "empty once trimmed"), ("x" * 61, "one over the maximum"), ("a\nb", "a line break"),
     ("a\x1b[31m", "a terminal escape"), (None, "not text"), (7, "not text")],
)
def test_invalid_list_names(value, why):
    with pytest.raises(InvalidShortlistError) as info:
        validate_list_name(value)
    assert "list name" in str(info.value), why
    assert isinstance(info.value, ValueError) and isinstance(info.value, HubExplorerError)


@pytest.mark.parametrize(
    ("value", "ok", "why"),
    [("meta-llama/Llama-2-7b", True, "owner/name"), ("gpt2", True, "a legacy id without owner"),
     (" squad ", True, "trimmed"), ("a/b/c", False, "two slashes"), ("org/..x", False, "'..'"),
     ("org/x y", False, "a space"), ("", False, "empty"), ("org/" + "x" * 97, False, "name over 96"),
     ("<script>/x", False, "not Hub characters"), (None, False, "not text")],
)
def test_repo_ids(value, ok, why):
    if ok:
        assert validate_repo(value) == value.strip(), why
    else:
        with pytest.raises(InvalidShortlistError):
            validate_repo(value)


@pytest.mark.parametrize(
    ("value", "expected", "why"),
    [("models", "models", "the app's kind"), ("model", "models", "the Hub's repo type"), ("space", "spaces", "same"),
     ("dataset", "datasets", "same"), ("Model", None, "case matters"), ("repo", None, "not a kind"),
     (None, None, "not text")],
)
def test_kinds(value, expected, why):
    if expected:
        assert validate_kind(value) == expected, why
    else:
        with pytest.raises(InvalidShortlistError):
            validate_kind(value)


@pytest.mark.parametrize(
    ("value", "ok"), [("candidate", True), ("trying", True), ("chosen", True), ("rejected", True),
                      ("Chosen", False), ("maybe", False), ("", False), (None, False)])
def test_statuses(value, ok):
    if ok:
        assert validate_status(value) == value
    else:
        with pytest.raises(InvalidStatusError) as info:
            validate_status(value)
        assert "candidate, trying, chosen, rejected" in str(info.value)


@pytest.mark.parametrize(
    ("value", "expected", "why"),
    [("", "", "empty clears"), ("two\nlines", "two\nlines", "line breaks kept"),
     ("win\r\nline", "win\nline", "Windows line ends"), ("\ttab\tinside", "tab\tinside", "tabs inside kept"),
     ("x" * MAX_NOTE, "x" * MAX_NOTE, "the maximum")],
)
def test_valid_notes(value, expected, why):
    assert validate_note(value) == expected, why


@pytest.mark.parametrize(
    ("value", "why"),
    [("x" * (MAX_NOTE + 1), "one over the maximum"), ("bell\x07", "a control character"),
     ("esc\x1b[2J", "a terminal escape"), ("lone\ud800", "cannot be stored"), (None, "not text")],
)
def test_invalid_notes(value, why):
    with pytest.raises(InvalidShortlistError):
        validate_note(value)


# --- what each change does, on both backends --------------------------------------------------------------------------


def test_create_and_read_a_list(lists):
    made = lists.create_list("team picks", user="ada", description="Which 7B model?\nFor the bot.")
    assert (made.name, made.owner, made.created_by, made.description) == (
        "team picks", "ada", "ada", "Which 7B model?\nFor the bot.")
    assert made.items == () and made.version == 1
    assert lists.get_list("  team picks ") == made
    assert [(s.name, s.items, s.owner) for s in lists.lists()] == [("team picks", 0, "ada")]
    [created] = lists.history("team picks")
    assert (created.user, created.action, created.describe()) == ("ada", "created", "ada created the list")
    with pytest.raises(ShortlistExistsError):
        lists.create_list("team picks", user="bob")
    assert lists.get_list("team picks").owner == "ada", "a refused create changes nothing"


def test_items_votes_status_and_their_history(lists):
    lists.create_list("l", user="ada")
    item = lists.add_item("l", "org/a", kind="model", user="ada", note="fast")
    assert (item.repo, item.kind, item.status, item.note, item.note_version, item.added_by) == (
        "org/a", "models", "candidate", "fast", 1, "ada")
    with pytest.raises(ItemExistsError):
        lists.add_item("l", "org/a", kind="models", user="bob")
    lists.add_item("l", "org/b", kind="dataset", user="bob")

    assert lists.vote("l", "org/a", user="bob").voters == ("bob",)
    assert lists.vote("l", "org/a", user="cy").voters == ("bob", "cy")
    assert lists.vote("l", "org/a", user="bob").voters == ("bob", "cy"), "one vote per person"
    assert lists.unvote("l", "org/a", user="cy").voters == ("bob",)
    assert lists.unvote("l", "org/a", user="cy").voters == ("bob",), "no vote to withdraw: nothing changes"
    assert lists.set_status("l", "org/a", "chosen", user="ada").status == "chosen"
    assert lists.set_status("l", "org/a", "chosen", user="ada").status == "chosen"
    with pytest.raises(InvalidStatusError):
        lists.set_status("l", "org/a", "maybe", user="ada")

    got = lists.get_list("l")
    assert [(i.repo, i.kind, i.status, i.votes) for i in got.items] == [
        ("org/a", "models", "chosen", 1), ("org/b", "datasets", "candidate", 0)]
    assert [i.repo for i in got.chosen] == ["org/a"]
    history = lists.history("l")
    assert [(c.user, c.action, c.repo) for c in history] == [
        ("ada", "created", None), ("ada", "added", "org/a"), ("bob", "added", "org/b"), ("bob", "voted", "org/a"),
        ("cy", "voted", "org/a"), ("cy", "unvoted", "org/a"), ("ada", "status", "org/a")], "no-ops are not changes"
    assert history[-1].describe() == "ada set org/a (model) to chosen (was candidate)"
    assert got.version == len(history)
    assert [c.action for c in lists.history("l", limit=2)] == ["unvoted", "status"], "the last two, oldest first"
    times = [c.at for c in history]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)


def test_note_conflicts_refuse_the_second_save_and_lose_nothing(lists):
    lists.create_list("l", user="ada")
    lists.add_item("l", "org/a", kind="model", user="ada")
    opened_by_ada = lists.get_item("l", "org/a")
    opened_by_bob = lists.get_item("l", "org/a")
    assert opened_by_ada.note_version == opened_by_bob.note_version == 0

    saved = lists.set_note("l", "org/a", "Bob: too slow on CPU", user="bob", expected_version=opened_by_bob.note_version)
    assert (saved.note, saved.note_version, saved.note_by) == ("Bob: too slow on CPU", 1, "bob")

    with pytest.raises(NoteConflictError) as info:
        lists.set_note("l", "org/a", "Ada: best accuracy", user="ada", expected_version=opened_by_ada.note_version)
    conflict = info.value
    assert (conflict.current, conflict.yours, conflict.by, conflict.version) == (
        "Bob: too slow on CPU", "Ada: best accuracy", "bob", 1)
    assert "bob" in str(conflict) and conflict.at == saved.note_at
    assert lists.get_item("l", "org/a").note == "Bob: too slow on CPU", "the refused save changed nothing"

    merged = lists.set_note("l", "org/a", "Ada: best accuracy\nBob: too slow on CPU", user="ada",
                            expected_version=conflict.version)
    assert merged.note_version == 2
    notes = [(c.user, c.before, c.after) for c in lists.history("l") if c.action == "note"]
    assert notes == [("bob", None, "Bob: too slow on CPU"),
                     ("ada", "Bob: too slow on CPU", "Ada: best accuracy\nBob: too slow on CPU")]
    # None: the CLI's unconditional save; the text it replaces stays in the history
    lists.set_note("l", "org/a", "", user="cy", expected_version=None)
    last = lists.history("l")[-1]
    assert (last.before, last.after, last.describe()) == (merged.note, None, "cy cleared the note of org/a (model)")


def test_same_id_as_two_kinds_needs_the_kind(lists):
    lists.create_list("l", user="ada")
    lists.add_item("l", "org/x", kind="model", user="ada")
    lists.add_item("l", "org/x", kind="dataset", user="ada")
    with pytest.raises(AmbiguousItemError) as info:
        lists.vote("l", "org/x", user="bob")
    assert "model, dataset" in str(info.value)
    assert lists.vote("l", "org/x", user="bob", kind="dataset").kind == "datasets"
    assert lists.get_item("l", "org/x", kind="model").votes == 0


def test_remove_item_and_delete_list(lists):
    lists.create_list("l", user="ada")
    lists.add_item("l", "org/a", kind="space", user="ada", note="demo works")
    lists.vote("l", "org/a", user="bob")
    lists.remove_item("l", "org/a", user="bob")
    assert lists.get_list("l").items == ()
    removed = lists.history("l")[-1]
    assert (removed.action, removed.before, removed.user) == ("removed", "demo works", "bob"), "its note is kept"
    assert open_store(lists.location).read(
        lambda conn: conn.execute(sa.select(sa.func.count()).select_from(shortlist_vote)).scalar()) == 0
    with pytest.raises(ItemNotFoundError):
        lists.vote("l", "org/a", user="bob")
    lists.delete_list("l", user="ada")
    with pytest.raises(ShortlistNotFoundError):
        lists.get_list("l")
    assert open_store(lists.location).read(
        lambda conn: conn.execute(sa.select(sa.func.count()).select_from(shortlist_event)).scalar()) == 0


def test_description_and_owner(lists):
    lists.create_list("l", user="ada")
    assert lists.describe_list("l", "Pick one by Friday", user="bob").description == "Pick one by Friday"
    assert lists.set_owner("l", "bob", user="ada").owner == "bob"
    assert [c.describe() for c in lists.history("l")[1:]] == [
        "bob changed the description", "ada made bob the owner (was ada)"]


@pytest.mark.parametrize(
    ("call", "error"),
    [(lambda s: s.get_list("nope"), ShortlistNotFoundError),
     (lambda s: s.add_item("nope", "org/a", kind="model", user="ada"), ShortlistNotFoundError),
     (lambda s: s.vote("l", "org/missing", user="ada"), ItemNotFoundError),
     (lambda s: s.set_note("l", "org/missing", "x", user="ada", expected_version=None), ItemNotFoundError),
     (lambda s: s.add_item("l", "org/a", kind="repo", user="ada"), InvalidShortlistError),
     (lambda s: s.add_item("l", "org/a", kind="model", user=""), InvalidShortlistError),
     (lambda s: s.add_item("l", "org/a", kind="model", user="ada", note="x" * (MAX_NOTE + 1)), InvalidShortlistError),
     (lambda s: s.create_list("y" * 61, user="ada"), InvalidShortlistError)],
)
def test_errors(lists, call, error):
    lists.create_list("l", user="ada")
    version = lists.get_list("l").version
    with pytest.raises(error) as info:
        call(lists)
    assert isinstance(info.value, HubExplorerError) and info.value.hint
    if issubclass(error, ShortlistNotFoundError | ItemNotFoundError):
        assert isinstance(info.value, NotFoundError)
    assert lists.get_list("l").version == version, "nothing was written"


def test_hostile_text_is_stored_and_read_back_exactly(lists):
    name = "Robert'); DROP TABLE shortlist; -- %_"
    note = "<script>alert(1)</script>\n[x](javascript:alert(1)) ![i](http://t/x.png) `code` $x$ :smile: ~~s~~"
    lists.create_list(name, user="Zoë 😀")
    lists.add_item(name, "org/a", kind="model", user="Zoë 😀", note=note)
    got = lists.get_list(name)
    assert (got.name, got.owner, got.items[0].note) == (name, "Zoë 😀", note)
    assert lists.get_list(name).version == 2 and [s.name for s in lists.lists()] == [name]


def test_lists_are_most_recently_changed_first(lists):
    for name in ("one", "two", "three"):
        lists.create_list(name, user="ada")
    lists.add_item("one", "org/a", kind="model", user="ada")
    assert [(s.name, s.items) for s in lists.lists()] == [("one", 1), ("three", 0), ("two", 0)]


# --- exports ----------------------------------------------------------------------------------------------------------

HOSTILE = "=HYPERLINK(\"http://evil\") <img src=x onerror=alert(1)> [click](http://evil) www.evil.com a@evil.com"


def _sample() -> tuple[Shortlist, list[Change]]:
    at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)

    def item(repo, kind, status, voters, note="", by="ada", i=0):
        return Item(repo=repo, kind=kind, status=status, note=note, note_version=1 if note else 0,
                    note_by=by if note else None, note_at=at if note else None, voters=tuple(voters), added_by=by,
                    added_at=at, updated_at=at, id=i)

    items = (item("org/a", "models", "candidate", ["ada"], i=1),
             item("org/b", "datasets", "rejected", [], note="too small", i=2),
             item("org/c", "models", "chosen", ["bob", "cy"], note=HOSTILE + "\nsecond line", by="-bob", i=3),
             item("org/d", "spaces", "trying", ["ada", "bob", "cy"], i=4))
    shortlist_ = Shortlist(name="Q4 *pick* <u>", description="Which one?\n# not a heading", owner="ada",
                           created_by="ada", created_at=at, updated_at=at, version=9, items=items, id=1)
    history = [Change(id=i, at=at, user="ada", action="voted", repo="org/a", kind="models") for i in range(25)]
    return shortlist_, history


def test_csv_reads_back_with_formulas_defused():
    shortlist_, _ = _sample()
    rows = list(csv.DictReader(io.StringIO(to_csv(shortlist_, {"org/c": {"license": "mit", "params": "7B"}}))))
    assert [r["repo"] for r in rows] == ["org/c", "org/d", "org/a", "org/b"], "chosen first, rejected last"
    chosen = rows[0]
    assert (chosen["status"], chosen["votes"], chosen["voters"], chosen["kind"]) == ("chosen", "2", "bob, cy", "models")
    assert chosen["note"] == "'" + HOSTILE + "\nsecond line", "a cell starting with = gets a leading quote"
    assert chosen["added_by"] == "'-bob" and chosen["license"] == "mit" and rows[1]["license"] == ""
    assert rows[3]["note"] == "too small" and rows[3]["added_at"] == "2026-11-02T10:00:00.000000+00:00"


def _render(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").enable("strikethrough").render(markdown)


def test_decision_record_order_facts_history_and_escaping():
    shortlist_, history = _sample()
    record = to_markdown(shortlist_, history, {"org/c": {"license": "<b>mit</b>"}}, endpoint="https://hf.co")
    rendered = _render(record)
    assert "<h1>Decision record: Q4 *pick* &lt;u&gt;</h1>" in rendered
    decision = record.split("## Decision")[1].split("##")[0]
    assert "Chosen: [org/c](https://hf.co/org/c)" in decision.replace("\\", "")
    sections = re.findall(r"^### (.+?): (\w+)$", record, flags=re.MULTILINE)
    assert [(r.replace("\\", ""), s) for r, s in sections] == [
        ("org/c", "chosen"), ("org/d", "trying"), ("org/a", "candidate"), ("org/b", "rejected")]
    assert "(the last 20 of 25 changes)" in record
    # people's text is text: the only links are the repo links we made, and no HTML gets through
    links = re.findall(r'<a href="([^"]*)"', rendered)
    assert links and all(re.fullmatch(r"https://hf\.co/(datasets/|spaces/)?org/[a-d]", link) for link in links)
    assert "<img" not in rendered and "<b>" not in rendered and "<u>" not in rendered and "<h1>#" not in rendered
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert HOSTILE in text and "second line" in text and "license: <b>mit</b>" in text
    assert "# not a heading" in text, "a description line starting with # stays text"


PEOPLE_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=200)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(note=PEOPLE_TEXT, name=PEOPLE_TEXT.filter(lambda t: t.strip() and len(t.strip()) <= 60))
def test_any_note_and_name_render_as_exactly_their_text(note, name):
    shortlist_, _ = _sample()
    first = shortlist_.items[0]
    odd = Item(**{**first.__dict__, "note": note, "note_by": "x", "note_at": first.added_at})
    record = to_markdown(Shortlist(**{**shortlist_.__dict__, "name": name, "items": (odd,), "description": ""}))
    rendered = _render(record)
    assert "<a " not in rendered and "<img" not in rendered
    heading = re.search(r"<h1>(.*?)</h1>", rendered, flags=re.DOTALL).group(1)
    assert html.unescape(heading) == "Decision record: " + " ".join(name.split())
    if note.strip():
        quote = re.search(r"<blockquote>(.*?)</blockquote>", rendered, flags=re.DOTALL).group(1)
        shown = html.unescape(re.sub(r"<[^>]+>", "", quote))
        assert " ".join(shown.split()) == " ".join(note.split())


# --- reliability: concurrent writers lose nothing -------------------------------------------------------------------

WRITERS, STEPS, SHARED = 8, 40, 40  # 8 writers x 200 changes: per step add, status, vote, note (+ unvote, vote)
LIST = "busy list"


def _setup(location: str) -> None:
    setup = Shortlists(location)
    setup.create_list(LIST, user="setup")
    for i in range(SHARED):
        setup.add_item(LIST, f"shared/s{i}", kind="model", user="setup")
    setup.add_item(LIST, "shared/notes", kind="dataset", user="setup")


def _writer(location: str, w: int) -> int:
    """200 changes by user w{w}; returns how many note saves were refused (and retried)."""
    lists, user, conflicts = Shortlists(location), f"w{w}", 0
    note = lists.get_item(LIST, "shared/notes")
    for i in range(STEPS):
        lists.add_item(LIST, f"org{w}/r{i}", kind="model", user=user)
        lists.set_status(LIST, f"org{w}/r{i}", "trying", user=user)
        lists.vote(LIST, f"shared/s{i}", user=user)
        text, version = note.note, note.note_version
        while True:  # append a token to a note everyone edits: a lost update would lose a token
            try:
                note = lists.set_note(LIST, "shared/notes", f"{text}{w}.{i};", user=user, expected_version=version)
                break
            except NoteConflictError as conflict:
                conflicts += 1
                text, version = conflict.current, conflict.version
        if i < STEPS // 2:
            lists.unvote(LIST, f"shared/s{i}", user=user)
            lists.vote(LIST, f"org{w}/r{i}", user=user)
    return conflicts


def _check_final_state(location: str) -> None:
    lists = Shortlists(location)
    got = lists.get_list(LIST)
    items = {i.repo: i for i in got.items}
    assert len(items) == SHARED + 1 + WRITERS * STEPS
    everyone = {f"w{w}" for w in range(WRITERS)}
    for i in range(SHARED):
        assert set(items[f"shared/s{i}"].voters) == (set() if i < STEPS // 2 else everyone), i
    for w, i in itertools.product(range(WRITERS), range(STEPS)):
        own = items[f"org{w}/r{i}"]
        assert (own.status, own.voters, own.added_by) == ("trying", (f"w{w}",) if i < STEPS // 2 else (), f"w{w}")
    notes = items["shared/notes"]
    tokens = notes.note.rstrip(";").split(";")
    assert sorted(tokens) == sorted(f"{w}.{i}" for w in range(WRITERS) for i in range(STEPS)), "no note was lost"
    assert notes.note_version == WRITERS * STEPS
    history = lists.history(LIST)
    setup_changes = 1 + SHARED + 1
    assert len(history) == setup_changes + WRITERS * 200 == got.version
    assert Counter(c.action for c in history[setup_changes:]) == {
        "added": 320, "status": 320, "voted": 320 + 160, "unvoted": 160, "note": 320}


def test_eight_threads_times_200_changes_lose_nothing(db):
    _setup(db)
    errors: list[BaseException] = []
    barrier = threading.Barrier(WRITERS)

    def run(w: int) -> None:
        barrier.wait()
        try:
            _writer(db, w)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    assert time.monotonic() - started < 120, "about 5-20 s here; much more means writers are stalling"
    _check_final_state(db)


def _process_writer(location: str, w: int, barrier, errors) -> None:
    try:
        barrier.wait(timeout=60)
        _writer(location, w)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        errors.put(f"writer {w}: {type(exc).__name__}: {exc}")
    # returning (not os._exit) lets multiprocessing flush the queue before it ends the child


def test_eight_processes_times_200_changes_lose_nothing(db):
    _setup(db)
    ctx = multiprocessing.get_context("fork")
    barrier, errors = ctx.Barrier(WRITERS), ctx.Queue()
    started = time.monotonic()
    workers = [ctx.Process(target=_process_writer, args=(db, w, barrier, errors)) for w in range(WRITERS)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == [] and [p.exitcode for p in workers] == [0] * WRITERS
    assert time.monotonic() - started < 120, "about 5-20 s here; much more means writers are stalling"
    _check_final_state(db)


# --- reliability: a process killed in the middle of its writes ------------------------------------------------------


def _kill_target(location: str, round_: int, progress) -> None:
    """Writes without end: each change touches several rows (item, votes, list, history) in one transaction."""
    lists = Shortlists(location)
    for i in itertools.count():
        repo = f"k/r{round_}-{i}"
        lists.add_item("killed", repo, kind="model", user="k", note=f"{i} " + "x" * 1500)
        lists.vote("killed", repo, user="k")
        lists.set_status("killed", repo, "trying", user="k")
        lists.set_note("killed", repo, f"edited {i} " + "y" * 1800, user="k", expected_version=1)
        if i % 3 == 0:
            lists.unvote("killed", repo, user="k")
        with progress.get_lock():
            progress.value += 1


def _whole_changes_only(location: str) -> int:
    """Every item agrees with the history, change by change; the list's version counts the history. Item count."""
    store = open_store(location)
    if store.backend == "sqlite":
        assert store.read(lambda conn: conn.exec_driver_sql("PRAGMA integrity_check").scalar()) == "ok"
        assert store.read(lambda conn: conn.exec_driver_sql("PRAGMA foreign_key_check").all()) == []
    lists = Shortlists(location)
    got, history = lists.get_list("killed"), lists.history("killed")
    assert got.version == len(history)
    events: dict[str, list[Change]] = {}
    for c in history[1:]:
        events.setdefault(c.repo, []).append(c)
    assert set(events) == {i.repo for i in got.items}, "an item for each 'added' and nothing else"
    for item in got.items:
        changes = events[item.repo]
        assert changes[0].action == "added" and [c.action for c in changes].count("added") == 1
        votes = sum(+1 if c.action == "voted" else -1 if c.action == "unvoted" else 0 for c in changes)
        assert item.votes == votes
        notes = [c for c in changes if c.action == "note"]
        assert item.note == (notes[-1].after if notes else changes[0].after)
        assert item.note_version == 1 + len(notes)
        statuses = [c.after for c in changes if c.action == "status"]
        assert item.status == (statuses[-1] if statuses else "candidate")
    counts = store.read(lambda conn: (
        conn.execute(sa.select(sa.func.count()).select_from(shortlist_item)).scalar(),
        conn.execute(sa.select(sa.func.count()).select_from(shortlist)).scalar()))
    assert counts == (len(got.items), 1)
    return len(got.items)


def test_a_process_killed_mid_write_leaves_only_whole_changes(db):
    Shortlists(db).create_list("killed", user="k")
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(7)
    total = 0
    for round_ in range(4):
        progress = ctx.Value("i", 0)
        child = ctx.Process(target=_kill_target, args=(db, round_, progress))
        child.start()
        deadline = time.monotonic() + 30
        while progress.value < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.05))  # somewhere inside a later change
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=30)
        assert child.exitcode == -signal.SIGKILL, round_
        close_stores()  # open it again as a new process would
        count = _whole_changes_only(db)
        assert count > total, "the round wrote something"
        total = count


def test_a_store_error_is_an_app_error_with_a_hint(tmp_path):
    blocker = tmp_path / "home"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError) as info:
        Shortlists(blocker / "hub-explorer.sqlite3").lists()
    assert isinstance(info.value, HubExplorerError) and "HUB_EXPLORER_HOME" in info.value.hint
