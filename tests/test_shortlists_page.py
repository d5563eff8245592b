"""The Shortlists page and the ways into it, through AppTest against the fake Hub: make a list; add from a detail
view, from a results-table selection and from the Compare page; vote and unvote, status, notes (a conflict refused
with the other text shown), remove, describe, history; the exports' content; "Compare these"; `?list=` links; hostile
names shown as text; and the live fragment picking up another person's changes when it reruns alone.

Each test has its own HUB_EXPLORER_HOME, so its store starts empty; the test acts as "the other person" through the
API on the same store (the page and the test share the process).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import json
import re
from pathlib import Path

import pytest
from huggingface_hub import HfApi
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest, local_script_runner

from lib.shortlists import Shortlists
from lib.store import close_stores
from tests.fakehub import VALID_TOKEN, WRITE_TOKEN

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "shortlists.py")
MODELS = {m["id"]: m for m in json.loads((ROOT / "tests/fixtures/hub/models.json").read_text())}
GPT2, NER, DISTIL = "gpt2", "dslim/bert-base-NER", "distilgpt2"
SQUAD = "rajpurkar/squad"
HOSTILE = "[x](javascript:alert(1)) <b>bold</b> **s** `c`"


@pytest.fixture(autouse=True)
def home(hub, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(tmp_path / "home"))
    close_stores()
    yield tmp_path / "home"
    close_stores()


@pytest.fixture
def lists() -> Shortlists:
    return Shortlists()


def page(user: str | None = "ada", path: str = PAGE, **params: str) -> AppTest:
    at = AppTest.from_file(path, default_timeout=60)
    if user:
        at.session_state["saved:user"] = user
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def shown(markdown: str) -> str:
    """Markdown as a reader sees it, as far as backslash escapes go."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "subheader", "title", "text") for e in at.get(kind)]
    parts += [e.value for kind in ("error", "warning", "info", "success") for e in at.get(kind)]
    return shown("\n".join(str(p) for p in parts))


def raw_markdown(at: AppTest) -> list[str]:
    """Every text Streamlit renders as Markdown (not st.text, not dataframe cells)."""
    kinds = ("markdown", "caption", "subheader", "title", "error", "warning", "info", "success")
    return [str(e.value) for kind in kinds for e in at.get(kind)]


def items_table(at: AppTest):
    return next(d.value for d in at.dataframe if "votes" in d.value.columns)


def history_table(at: AppTest):
    return next(d.value for d in at.dataframe if "who" in d.value.columns)


def table_key(at: AppTest, name: str) -> str:
    gen = at.session_state["shortlists:table_gen"] if "shortlists:table_gen" in at.session_state else 0  # noqa: SIM401 - no .get() on AppTest state
    return f"shortlists:table:{Shortlists().get_list(name).id}:{gen}"


def tick(at: AppTest, name: str, repo: str) -> AppTest:
    """Tick the row of `repo` in the items table, as a click would."""
    frame = items_table(at)
    row = next(i for i, url in enumerate(frame["repo"]) if url.endswith("/" + repo))
    at.session_state[table_key(at, name)] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


def item_id(name: str, repo: str) -> int:
    return Shortlists().get_list(name).item(repo).id


def run_fragment(at: AppTest, monkeypatch) -> AppTest:
    """Rerun only the live fragment, as its timer does in a browser. AppTest itself always runs the whole script,
    so the run's request names the fragment, as Streamlit's own auto-rerun does; the element tree afterwards holds
    only what the fragment drew."""
    fragment_ids = list(at._fragment_storage._ids_by_target_key["shortlists-live"])
    assert len(fragment_ids) == 1
    with monkeypatch.context() as m:
        m.setattr(local_script_runner, "RerunData", functools.partial(
            local_script_runner.RerunData, fragment_id_queue=fragment_ids, is_auto_rerun=True))
        return at.run()


@pytest.fixture
def downloads(monkeypatch) -> dict[str, object]:
    """The deferred download callables registered by the page, by file id (called as a click would)."""
    made: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, *args, **kwargs):
        file_id = original(self, data_callable, *args, **kwargs)
        made[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return made


def download(at: AppTest, made: dict[str, object], label: str) -> str:
    button = next(b for b in at.get("download_button") if b.proto.label == label)
    return made[button.proto.deferred_file_id]()


# --- making lists and adding to them --------------------------------------------------------------------------------


def test_without_a_name_lists_are_readable_and_the_page_asks_for_one(lists):
    lists.create_list("picks", user="bob")
    lists.add_item("picks", GPT2, kind="models", user="bob")
    at = page(user=None, list="picks")
    assert not at.exception
    assert at.text_input(key="shortlists:user_input").label == "Your name"
    assert len(items_table(at)) == 1
    at = tick(at, "picks", GPT2)
    assert at.button(key=f"shortlists:vote:{item_id('picks', GPT2)}").disabled
    at.text_input(key="shortlists:user_input").input("  cy ")
    at.button(key="shortlists:user_submit").click().run()
    assert at.session_state["saved:user"] == "cy"
    assert not at.button(key=f"shortlists:vote:{item_id('picks', GPT2)}").disabled
    assert "cy" not in str(dict(at.query_params)), "the name is never in the URL"


def test_make_a_list_and_it_opens_with_its_link(lists):
    at = page()
    assert "No shortlists yet" in texts(at)
    at.text_input(key="shortlists:new_name").input("support bot")
    at.text_area(key="shortlists:new_description").input("Which 7B model?\nFor the bot.")
    at.button(key="shortlists:create").click().run()
    assert not at.exception
    made = lists.get_list("support bot")
    assert (made.owner, made.description) == ("ada", "Which 7B model?\nFor the bot.")
    assert at.query_params["list"] == "support bot"
    assert "support bot" in [shown(s.value) for s in at.subheader]
    assert "Which 7B model?\nFor the bot." in [t.value for t in at.text], "the description, as text"
    assert list(history_table(at)["what"]) == ["created the list"]


def test_add_from_a_model_view_with_a_new_list_then_to_the_same_list(lists):
    at = page(path=str(ROOT / "pages" / "models.py"), repo=GPT2)
    key = f"models:add_from_view:{GPT2}"
    at.text_input(key=f"{key}:new").input("support bot")
    at.text_area(key=f"{key}:note").input("small and fast")
    at.button(key=f"{key}:add").click().run()
    assert not at.exception
    item = lists.get_list("support bot").item(GPT2)
    assert (item.kind, item.note, item.added_by, item.status) == ("models", "small and fast", "ada", "candidate")
    assert "Made the list “support bot”. Added gpt2." in texts(at)
    assert any("Open “support bot”" in t for t in texts(at).splitlines()), "a link opens the list"
    assert at.selectbox(key=f"{key}:list").value == "support bot", "the list used is offered next time"
    at.button(key=f"{key}:add").click().run()
    assert "Already in it: gpt2." in texts(at)
    assert len(lists.get_list("support bot").items) == 1


@pytest.mark.parametrize(("kind", "path", "repo"), [("datasets", "pages/1_datasets.py", SQUAD),
                                                     ("spaces", "pages/spaces.py", "mteb/leaderboard")])
def test_add_from_a_dataset_or_space_view(lists, kind, path, repo):
    lists.create_list("mixed", user="bob")
    at = page(path=str(ROOT / path), repo=repo)
    key = f"{kind}:add_from_view:{repo}"
    at.selectbox(key=f"{key}:list").set_value("mixed")
    at.button(key=f"{key}:add").click().run()
    assert not at.exception
    assert [(i.repo, i.kind) for i in lists.get_list("mixed").items] == [(repo, kind)]


def test_add_the_ticked_rows_of_a_results_table(lists):
    lists.create_list("picks", user="bob")
    at = page(path=str(ROOT / "pages" / "models.py"))
    assert at.get("popover") and not at.session_state["models:add_selected:list"]
    at.session_state["models:table"] = {"selection": {"rows": [0, 2], "columns": [], "cells": []}}
    at.run()
    urls = list(at.dataframe[0].value["url"])
    at.selectbox(key="models:add_selected:list").set_value("picks")
    at.button(key="models:add_selected:add").click().run()
    assert not at.exception
    added = [i.repo for i in lists.get_list("picks").items]
    assert [urls[0].endswith("/" + added[0]), urls[2].endswith("/" + added[1])] == [True, True], added


def test_datasets_table_ticks_several_rows_and_adds_them(lists):
    at = page(path=str(ROOT / "pages" / "1_datasets.py"))
    at.session_state["datasets:table"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    urls = list(at.dataframe[0].value["url"])
    assert urls[1].endswith("/" + at.query_params["repo"]), "the last ticked row's details open"
    at.text_input(key="datasets:add_selected:new").input("data")
    at.button(key="datasets:add_selected:add").click().run()
    items = lists.get_list("data").items
    assert [i.kind for i in items] == ["datasets", "datasets"]
    assert [urls[0].endswith("/" + items[0].repo), urls[1].endswith("/" + items[1].repo)] == [True, True]


def test_add_the_compared_models(lists):
    at = page(path=str(ROOT / "pages" / "compare.py"), models=f"{GPT2},{NER}")
    at.text_input(key="compare:add_to_list:new").input("compared")
    at.button(key="compare:add_to_list:add").click().run()
    assert not at.exception
    assert [(i.repo, i.kind) for i in lists.get_list("compared").items] == [(GPT2, "models"), (NER, "models")]


def test_adding_needs_a_list_and_a_name(lists):
    at = page(user=None, path=str(ROOT / "pages" / "models.py"), repo=GPT2)
    key = f"models:add_from_view:{GPT2}"
    at.button(key=f"{key}:add").click().run()
    assert "Your name" in [t.label for t in at.text_input]
    assert any("empty" in e.value for e in at.error), "no name: said, nothing added"
    at.text_input(key=f"{key}:user").input("ada")
    at.button(key=f"{key}:add").click().run()
    assert any("Choose a list, or type the name of a new one." in shown(e.value) for e in at.error)
    assert at.session_state["saved:user"] == "ada", "the name is kept for the session"
    assert lists.lists() == []


# --- acting on items -------------------------------------------------------------------------------------------------


@pytest.fixture
def picks(lists) -> Shortlists:
    lists.create_list("picks", user="bob", description="Which one?")
    lists.add_item("picks", GPT2, kind="models", user="bob", note="small")
    lists.add_item("picks", NER, kind="models", user="bob")
    lists.add_item("picks", SQUAD, kind="datasets", user="cy")
    return lists


def test_vote_unvote_and_status_in_place(picks):
    at = tick(page(list="picks"), "picks", NER)
    n = item_id("picks", NER)
    assert at.button(key=f"shortlists:vote:{n}").label == "Vote"
    at.button(key=f"shortlists:vote:{n}").click().run()
    assert not at.exception
    assert picks.get_list("picks").item(NER).voters == ("ada",)
    frame = items_table(at)
    assert frame["repo"].iloc[0].endswith("/" + NER), "sorted by votes: the voted one first"
    assert (frame["votes"].iloc[0], frame["mine"].iloc[0]) == (1, True)
    assert at.button(key=f"shortlists:vote:{n}").label == "Withdraw my vote", "still its panel, row moved"
    at.button(key=f"shortlists:vote:{n}").click().run()
    assert picks.get_list("picks").item(NER).voters == ()

    at.segmented_control(key=f"shortlists:status:{n}").set_value("chosen").run()
    assert picks.get_list("picks").item(NER).status == "chosen"
    at.segmented_control(key="shortlists:sort").set_value("status").run()
    assert items_table(at)["status"].tolist() == ["chosen", "candidate", "candidate"]
    assert list(history_table(at)["what"])[:3] == [f"set {NER} (model) to chosen (was candidate)",
                                                   f"withdrew their vote for {NER} (model)",
                                                   f"voted for {NER} (model)"]
    assert (history_table(at)["who"].iloc[0]) == "ada"


def test_sorted_by_downloads_from_the_hub(picks):
    at = page(list="picks")
    at.segmented_control(key="shortlists:sort").set_value("downloads").run()
    frame = items_table(at)
    expected = sorted([GPT2, NER], key=lambda m: -MODELS[m]["downloads"])
    assert [u.endswith("/" + m) for u, m in zip(frame["repo"][:2], expected, strict=True)] == [True, True]
    assert list(frame["downloads"][:2]) == [MODELS[m]["downloads"] for m in expected]
    assert frame["repo"].iloc[2].endswith("/datasets/" + SQUAD), "the fake Hub's dataset has fewer downloads"


# --- when the Hub fails on the items' key facts ---------------------------------------------------------------------


@pytest.fixture
def failing(hub, monkeypatch):
    """The fake Hub, for a test that makes it fail on the key facts: Streamlit's answer cache starts empty, the
    sidebar's health check answers without asking the Hub, and the page's own keeping of good answers is over at
    once (so each run of the whole page reads them again, as it does when its ten minutes are over)."""
    import streamlit as st

    from lib.hub import Reachability
    from lib.ui import components, shortlists_view

    st.cache_data.clear()
    monkeypatch.setattr(components, "health_check", lambda: Reachability("fake", ok=True, latency_ms=1.0))
    monkeypatch.setattr(shortlists_view, "RECORD_KEEP_S", 0.0)
    return hub


def the_hub_answers_again_only_after_asking() -> None:
    """Streamlit's five-minute answer cache is over: the page's next read asks the Hub."""
    from lib.ui import hub_cache

    hub_cache._info.clear()


def figures(at: AppTest) -> dict[str, float]:
    """The downloads each row shows, by repo (-1: a dash)."""
    frame = items_table(at)
    return {url.split("/", 3)[3].removeprefix("datasets/"): n
            for url, n in zip(frame["repo"], frame["downloads"].fillna(-1), strict=True)}


def said(at: AppTest) -> list[str]:
    """Every error and warning, as read (escapes and bold dropped)."""
    return [shown(str(m.value)).replace("**", "") for kind in ("error", "warning") for m in at.get(kind)]


def stale_notes(at: AppTest) -> list[str]:
    return [m for m in said(at) if m.startswith("Stale")]


def captions(at: AppTest) -> str:
    return "\n".join(shown(c.value) for c in at.caption)


def test_a_repo_the_hub_does_not_have_is_a_dash_and_a_note_for_it_alone(picks, failing):
    picks.add_item("picks", "nobody/nothing", kind="models", user="bob")
    at = page(list="picks")
    assert not at.exception and not at.error, "not an outage: no error"
    frame = items_table(at)
    row = next(i for i, u in enumerate(frame["repo"]) if u.endswith("/nobody/nothing"))
    assert frame["downloads"].isna().iloc[row]
    assert next(d for d in at.dataframe if "votes" in d.value.columns).proto.placeholder == "–"
    [warning] = said(at)
    assert warning.startswith("nobody/nothing: Not found."), warning
    assert "was not found on the Hub" in warning and "Check the spelling of the id" in warning
    assert GPT2 not in warning and NER not in warning
    assert "nobody/nothing: deleted, renamed or made private on the Hub? Then remove it" in captions(at)
    assert not stale_notes(at) and "Retrying by itself" not in captions(at), "nothing to retry, nothing stale"
    assert figures(at)[GPT2] == MODELS[GPT2]["downloads"], "the others are read as ever"


def test_a_repo_deleted_from_the_hub_is_said_for_that_item_only(picks, failing):
    at = page(list="picks")
    before = figures(at)
    assert before[NER] == MODELS[NER]["downloads"] and before[GPT2] == MODELS[GPT2]["downloads"]

    the_hub_answers_again_only_after_asking()
    failing.add_fault(f"/api/models/{NER}", status=404, times=None)  # its owner deleted it
    at.run()
    assert not at.exception
    assert not at.error, f"one missing repo is not an outage: {[e.value for e in at.error]}"
    messages = [m for m in said(at) if not m.startswith("Stale")]
    assert len(messages) == 1, messages
    assert messages[0].startswith(f"{NER}: Not found.") and "HTTP 404" in messages[0], messages[0]
    assert GPT2 not in messages[0] and SQUAD not in messages[0]
    assert f"{NER}: deleted, renamed or made private on the Hub? Then remove it from the list" in captions(at)
    assert figures(at) == before, "its last figures stay; the others are the Hub's of now"
    [note] = stale_notes(at)
    assert note.startswith(f"Stale ({NER}): from "), "only its figures are marked stale"
    assert "the Hub is failing now (Not found)" in note

    failing.clear_faults()  # it was only renamed back: the next run of the page shows it fresh
    at.run()
    assert not at.exception and not said(at)
    assert figures(at) == before


def test_a_hub_failure_keeps_the_last_figures_marked_stale_and_the_rest_works(picks, failing, monkeypatch):
    from datetime import datetime

    read = {f"{datetime.now().astimezone():%H:%M %Z}"}
    at = page(list="picks")
    read.add(f"{datetime.now().astimezone():%H:%M %Z}")
    before = figures(at)
    assert before == {GPT2: MODELS[GPT2]["downloads"], NER: MODELS[NER]["downloads"], SQUAD: before[SQUAD]}
    assert before[SQUAD] > 0

    the_hub_answers_again_only_after_asking()
    failing.add_fault("/api/models/", status=503, times=None)  # the models fail; the dataset is read as ever
    at.run()
    assert not at.exception
    assert figures(at) == before, "the last good figures are still shown"
    [error] = [m for m in said(at) if not m.startswith("Stale")]
    assert error.startswith(f"{GPT2} and {NER}: The Hub is having trouble."), error
    assert "HTTP 503" in error and "Try again shortly" in error and SQUAD not in error
    [note] = stale_notes(at)
    assert note.startswith(f"Stale ({GPT2} and {NER}): from "), note
    assert note.split("from ", 1)[1].split(",", 1)[0] in read, "as of when they were read"
    assert "the Hub is failing now (The Hub is having trouble)" in note
    assert "Retrying by itself in 5 s." in captions(at)
    assert any(b.label == "Retry" for b in at.button)

    # the rest of the page works meanwhile: the list, votes, the exports (with the last good figures)
    at = tick(at, "picks", NER)
    at.button(key=f"shortlists:vote:{item_id('picks', NER)}").click().run()
    assert not at.exception
    assert picks.get_list("picks").item(NER).voters == ("ada",)
    assert figures(at) == before and stale_notes(at)
    assert history_table(at)["what"].iloc[0] == f"voted for {NER} (model)"

    # the live part's own reruns (every 2 s) do not ask the failing Hub again; they keep saying what is wrong
    asked = len([r for r in failing.requests if r.path.startswith("/api/models/")])
    at = run_fragment(at, monkeypatch)
    assert not at.exception
    assert len([r for r in failing.requests if r.path.startswith("/api/models/")]) == asked
    assert figures(at) == before and stale_notes(at) and at.error
    assert "Retrying by itself in" in captions(at)
    # ... and each redraw counts down from the failure, not from the redraw (else it would never reach zero)
    trouble = at.session_state["shortlists:trouble"]
    at.session_state["shortlists:trouble"] = {k: dataclasses.replace(t, at=t.at - 3) for k, t in trouble.items()}
    at = run_fragment(at, monkeypatch)
    assert "Retrying by itself in 2 s." in captions(at)

    failing.clear_faults()
    at.run()  # what the countdown does at zero: the page is fresh again
    assert not at.exception and not said(at)
    assert figures(at) == before


def test_an_export_while_the_hub_fails_holds_the_last_good_figures(picks, failing, downloads):
    at = page(list="picks")
    the_hub_answers_again_only_after_asking()
    failing.add_fault("/api/models/", status=500, times=None)
    at.run()
    assert at.error
    rows = {r["repo"]: r for r in csv.DictReader(io.StringIO(download(at, downloads, "CSV")))}
    assert rows[GPT2]["Downloads"] == f"{MODELS[GPT2]['downloads']:,}"
    assert rows[NER]["Likes"] == f"{MODELS[NER]['likes']:,}"


def test_figures_read_with_another_token_are_never_shown(picks, failing, monkeypatch):
    at = page(list="picks")
    assert figures(at)[GPT2] == MODELS[GPT2]["downloads"]
    monkeypatch.setenv("HF_TOKEN", VALID_TOKEN)  # the app's token changed; the Hub now fails
    failing.add_fault("/api/models/", status=503, times=None)
    at.run()
    assert not at.exception
    assert figures(at)[GPT2] == -1, "a dash: nothing read with this token yet"
    assert not stale_notes(at)
    assert any("The Hub is having trouble" in e for e in said(at))


def test_note_save_and_a_conflict_is_refused_with_the_other_text_shown(picks):
    at = tick(page(list="picks"), "picks", GPT2)
    n = item_id("picks", GPT2)
    key = f"shortlists:note:{n}"
    assert at.text_area(key=key).value == "small"
    at.text_area(key=key).input("small, fast on CPU").run()
    at.button(key=f"{key}:save").click().run()
    assert picks.get_list("picks").item(GPT2).note == "small, fast on CPU"
    assert "Note saved." in texts(at)

    # bob saves meanwhile; ada, who started from her own saved text, saves again: refused, nothing lost
    item = picks.get_list("picks").item(GPT2)
    picks.set_note("picks", GPT2, "bob: <b>too old</b> [x](javascript:alert(1))", user="bob",
                   expected_version=item.note_version)
    at.text_area(key=key).input("ada's second thoughts").run()
    assert "bob: <b>too old</b> [x](javascript:alert(1))" in [t.value for t in at.text], "theirs shown as text"
    at.button(key=f"{key}:save").click().run()
    assert not at.exception
    assert picks.get_list("picks").item(GPT2).note == "bob: <b>too old</b> [x](javascript:alert(1))"
    warning = next(w.value for w in at.warning if "yours was not saved" in w.value)
    assert "**bob** saved this note" in warning
    assert "bob: <b>too old</b> [x](javascript:alert(1))" in [t.value for t in at.text]
    assert at.text_area(key=key).value == "ada's second thoughts", "her text stays in the box"

    at.button(key=f"{key}:save_anyway").click().run()
    assert picks.get_list("picks").item(GPT2).note == "ada's second thoughts"
    assert not [w for w in at.warning if "yours was not saved" in w.value]
    notes = [(c.user, c.before, c.after) for c in picks.history("picks") if c.action == "note"]
    assert notes[-2:] == [("bob", "small, fast on CPU", "bob: <b>too old</b> [x](javascript:alert(1))"),
                          ("ada", "bob: <b>too old</b> [x](javascript:alert(1))", "ada's second thoughts")]


def test_use_theirs_puts_their_text_in_the_box(picks):
    at = tick(page(list="picks"), "picks", GPT2)
    key = f"shortlists:note:{item_id('picks', GPT2)}"
    at.text_area(key=key).input("mine").run()
    picks.set_note("picks", GPT2, "theirs", user="bob", expected_version=None)
    at.button(key=f"{key}:save").click().run()
    assert at.button(key=f"{key}:use_theirs")
    at.button(key=f"{key}:use_theirs").click().run()
    assert at.text_area(key=key).value == "theirs"
    at.text_area(key=key).input("theirs, and mine").run()
    at.button(key=f"{key}:save").click().run()
    assert picks.get_list("picks").item(GPT2).note == "theirs, and mine"


def test_remove_an_item(picks):
    at = tick(page(list="picks"), "picks", NER)
    at.button(key=f"shortlists:remove:{item_id('picks', NER)}").click().run()
    assert not at.exception
    assert [i.repo for i in picks.get_list("picks").items] == [GPT2, SQUAD]
    assert not any(u.endswith("/" + NER) for u in items_table(at)["repo"])
    assert history_table(at)["what"].iloc[0] == f"removed {NER} (model)"
    assert f"Removed {NER}" in texts(at)


def test_describe_the_list_and_change_its_owner(picks):
    at = page(list="picks")
    key = f"shortlists:edit:{picks.get_list('picks').id}"
    assert at.text_area(key=f"{key}:description").value == "Which one?"
    at.text_area(key=f"{key}:description").input("Which one?\nDecide by Friday.")
    at.text_input(key=f"{key}:owner").input("ada")
    at.button(key=f"{key}:save").click().run()
    assert not at.exception
    got = picks.get_list("picks")
    assert (got.description, got.owner) == ("Which one?\nDecide by Friday.", "ada")
    assert "Which one?\nDecide by Friday." in [t.value for t in at.text]
    assert list(history_table(at)["what"])[:2] == ["made ada the owner (was bob)", "changed the description"]


def test_a_description_changed_meanwhile_is_not_overwritten_silently(picks):
    at = page(list="picks")
    key = f"shortlists:edit:{picks.get_list('picks').id}"
    picks.describe_list("picks", "bob's version", user="bob")
    at.text_area(key=f"{key}:description").input("ada's version")
    at.button(key=f"{key}:save").click().run()
    assert picks.get_list("picks").description == "bob's version"
    assert any("bob's version" in shown(w.value) and "yours was not saved" in w.value for w in at.warning)
    at.button(key=f"{key}:save").click().run()  # a second save, knowing theirs, replaces it
    assert picks.get_list("picks").description == "ada's version"


def test_history_says_who_did_what_when(picks):
    picks.vote("picks", GPT2, user="cy")
    at = page(list="picks")
    frame = history_table(at)
    assert list(frame["who"]) == ["cy", "cy", "bob", "bob", "bob"]
    assert list(frame["what"]) == [f"voted for {GPT2} (model)", f"added {SQUAD} (dataset)", f"added {NER} (model)",
                                   f"added {GPT2} (model)", "created the list"]
    assert frame["at"].is_monotonic_decreasing


# --- exports, compare, links ----------------------------------------------------------------------------------------


def test_exports_hold_the_list_with_key_facts(picks, downloads):
    picks.set_status("picks", GPT2, "chosen", user="bob")
    picks.vote("picks", GPT2, user="cy")
    at = page(list="picks")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["CSV", "Decision record"]
    rows = list(csv.DictReader(io.StringIO(download(at, downloads, "CSV"))))
    assert [r["repo"] for r in rows] == [GPT2, NER, SQUAD], "the decision order: chosen first"
    first = rows[0]
    assert (first["status"], first["votes"], first["voters"], first["note"]) == ("chosen", "1", "cy", "small")
    assert first["Downloads"] == f"{MODELS[GPT2]['downloads']:,}"
    assert first["Task"] == MODELS[GPT2]["pipeline_tag"]
    assert first["Likes"] == f"{MODELS[GPT2]['likes']:,}"
    assert MODELS[GPT2]["safetensors"]["total"] == 137_022_720 and first["Parameters"] == "137M"
    assert first["License"] == "mit" and "license:mit" in MODELS[GPT2]["tags"]
    assert rows[2]["Parameters"] == "–", "a dataset has no parameters: a dash"

    picks.add_item("picks", DISTIL, kind="models", user="cy")  # after the page was drawn: the file is made on click
    record = download(at, downloads, "Decision record")
    assert record.startswith("# Decision record: picks\n")
    assert "**Chosen: [gpt2](" in record
    assert f"Downloads: {MODELS[GPT2]['downloads']:,}".replace(",", ",") in record.replace("\\", "")
    assert "distilgpt2" in record, "made from the list as it is when clicked"
    assert "## History" in record and "cy voted for gpt2" in record.replace("\\", "")


def test_compare_these_opens_the_compare_page_with_the_first_six_models(lists):
    lists.create_list("many", user="bob")
    models = [m for m in MODELS if not MODELS[m].get("private") and not MODELS[m].get("gated")][:8]
    for repo in models:
        lists.add_item("many", repo, kind="models", user="bob")
    lists.add_item("many", SQUAD, kind="datasets", user="bob")
    lists.vote("many", models[7], user="ada")  # sorted by votes, the last added comes first
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["saved:user"] = "ada"
    at.run()
    at.switch_page("pages/shortlists.py")
    at.query_params["list"] = "many"
    at.run()
    assert "takes the first 6 of the list's 8 models" in texts(at)
    at.button(key="shortlists:compare").click().run()
    assert not at.exception
    expected = [models[7], *models[:5]]
    assert at.session_state["compare:models"] == expected
    assert at.query_params["models"] == ",".join(expected)
    assert [t.value for t in at.title] == ["Compare models"]


def test_a_link_opens_the_list_and_share_shows_it(picks):
    at = page(list="picks")
    assert at.selectbox(key="shortlists:pick").value == "picks"
    assert len(items_table(at)) == 3
    code = next(c.value for c in at.code if "list=" in c.value)
    assert code.endswith("?list=picks")
    at.button(key="shortlists:close").click().run()
    assert "list" not in at.query_params
    assert not [d for d in at.dataframe if "votes" in d.value.columns]
    assert list(next(d.value for d in at.dataframe if "owner" in d.value.columns)["name"]) == ["picks"]


@pytest.mark.parametrize(("value", "says"), [
    ("no such list", "There is no shortlist of that name"),
    (HOSTILE, "There is no shortlist of that name"),
    ("x" * 200, "That is not a list name"),
    ("a\nb", "That is not a list name"),
])
def test_a_bad_list_link_is_a_note_shown_as_text(picks, value, says):
    at = page(list=value)
    assert not at.exception
    warning = next(w.value for w in at.warning if "Cannot open the list" in w.value)
    assert says in shown(warning)
    if value == HOSTILE:
        assert "[x](" not in warning and "<b>" not in warning.replace("\\<b\\>", "")
        assert HOSTILE in shown(warning)
    assert "list" not in at.query_params, "the bad value is dropped from the URL"


def test_hostile_names_notes_and_users_are_text_everywhere(lists):
    lists.create_list(HOSTILE, user=HOSTILE, description=HOSTILE)
    lists.add_item(HOSTILE, GPT2, kind="models", user=HOSTILE, note=HOSTILE)
    lists.vote(HOSTILE, GPT2, user=HOSTILE)
    at = tick(page(user=HOSTILE, list=HOSTILE), HOSTILE, GPT2)
    assert not at.exception
    for md in raw_markdown(at):
        assert "[x](javascript" not in md and "<b>bold" not in md and "**s**" not in md, md
    said = texts(at)
    assert said.count(HOSTILE) >= 4, said  # the title, owner, who added it, the voter, "you are"
    assert at.text_area(key=f"shortlists:note:{item_id(HOSTILE, GPT2)}").value == HOSTILE
    assert HOSTILE in [t.value for t in at.text], "the description as text"
    frame = items_table(at)
    assert (frame["note"].iloc[0], frame["added_by"].iloc[0], frame["voters"].iloc[0]) == (HOSTILE,) * 3
    assert history_table(at)["who"].iloc[0] == HOSTILE


# --- live ---------------------------------------------------------------------------------------------------------------


def test_the_live_fragment_shows_other_peoples_changes_and_keeps_what_is_typed(picks, monkeypatch):
    at = tick(page(list="picks"), "picks", NER)
    n = item_id("picks", NER)
    note = f"shortlists:note:{n}"
    at.text_area(key=note).input("half-typed thought")  # typed, not saved (not run yet either)

    picks.vote("picks", NER, user="bob")  # another person, on the same server
    picks.set_status("picks", NER, "trying", user="bob")
    at = run_fragment(at, monkeypatch)
    assert not at.exception
    assert not at.title and not at.get("download_button"), "only the fragment ran: the page around it stayed"
    frame = items_table(at)
    row = next(i for i, u in enumerate(frame["repo"]) if u.endswith("/" + NER))
    assert (frame["votes"].iloc[row], frame["voters"].iloc[row], frame["status"].iloc[row]) == (1, "bob", "trying")
    assert at.segmented_control(key=f"shortlists:status:{n}").value == "trying"
    assert at.text_area(key=note).value == "half-typed thought", "what was typed is kept"
    assert history_table(at)["what"].iloc[0] == f"set {NER} (model) to trying (was candidate)"
    assert table_key(at, "picks") in at.session_state, "the open item's panel stays open"

    reads = []
    monkeypatch.setattr(Shortlists, "get_list", lambda self, name, _real=Shortlists.get_list: (
        reads.append(name), _real(self, name))[1])
    at = run_fragment(at, monkeypatch)
    assert reads == [], "nothing changed: only the version was asked"
    picks.vote("picks", GPT2, user="cy")
    at = run_fragment(at, monkeypatch)
    assert reads == ["picks"]
    assert at.text_area(key=note).value == "half-typed thought"


# --- publishing as a Collection -------------------------------------------------------------------------------------


def publish_form(at: AppTest, name: str, *, token: str = "", title: str | None = None, check: bool = False):
    key = f"shortlists:publish:{Shortlists().get_list(name).id}"
    at.text_input(key=f"{key}:token").input(token)
    if title is not None:
        at.text_input(key=f"{key}:title").input(title)
    return at.button(key=f"{key}:{'check' if check else 'go'}").click().run(), key


def everything_shown(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "text", "code", "error", "warning", "info", "success")
             for e in at.get(kind)]
    parts += [str(e.proto) for e in at.get("link_button")] + [str(e.proto) for e in at.text_input]
    return "\n".join(parts)


def test_publish_with_a_typed_token_shows_the_collection_and_keeps_the_token_nowhere(picks, hub, home):
    hub.collections.clear()
    picks.set_note("picks", NER, "**bold** [x](javascript:alert(1))", user="bob", expected_version=None)
    at = page(list="picks")
    at, key = publish_form(at, "picks", token=WRITE_TOKEN, title="Support bot picks")
    assert not at.exception and not at.error
    said = next(s.value for s in at.success if "Published" in s.value)
    assert "Published 3 items" in shown(said)
    [link] = [b for b in at.get("link_button") if b.proto.label == "Open the collection"]
    slug = link.proto.url.rsplit("/collections/", 1)[1]
    got = HfApi(endpoint=hub.url).get_collection(slug, token=WRITE_TOKEN)
    assert (got.title, got.private) == ("Support bot picks", True)
    assert [(i.item_id, i.note) for i in got.items] == [
        (GPT2, "small"), (NER, "**bold** [x](javascript:alert(1))"), (SQUAD, None)]
    assert at.text_input(key=f"{key}:token").value == "", "the box is emptied once used"
    assert WRITE_TOKEN not in everything_shown(at)
    assert "shortlists:publish:1:title" in repr(at.session_state)  # (the repr lists the session's values)
    assert WRITE_TOKEN not in repr(at.session_state), "not kept in the session either"
    for path in home.rglob("*"):
        if path.is_file():
            assert WRITE_TOKEN.encode() not in path.read_bytes(), path
    assert WRITE_TOKEN not in str(dict(at.query_params))


def test_publish_refusals_say_why(picks, hub, monkeypatch):
    hub.collections.clear()
    at = page(list="picks")
    at, _ = publish_form(at, "picks", token=VALID_TOKEN)
    error = next(e.value for e in at.error)
    assert "Cannot publish with this token" in error and "can only read" in shown(error)
    at, _ = publish_form(at, "picks")  # no token typed, and the app has none
    assert "No Hugging Face token is set" in shown(next(e.value for e in at.error))
    at, _ = publish_form(at, "picks", token=WRITE_TOKEN, check=True)
    assert "Publishing as fake-user in fake-user." in shown(next(s.value for s in at.success))

    monkeypatch.setenv("HF_TOKEN", WRITE_TOKEN)  # the app's own token may write: an empty box uses it
    at = page(list="picks")
    assert "Leave the token empty to publish with the app's own token" in texts(at)
    at, _ = publish_form(at, "picks", title=HOSTILE)
    assert "Published 3 items" in shown(next(s.value for s in at.success))
    at, _ = publish_form(at, "picks", title=HOSTILE)  # the same title again: refused, with the existing one
    error = next(e.value for e in at.error)
    assert "A collection with this title exists" in error
    assert "[x](javascript" not in error and "<b>" not in error, "the title (and the suggestion) as text"
    assert HOSTILE in shown(error)
    assert [b.proto.label for b in at.get("link_button")] == ["Open the existing collection"]
    assert WRITE_TOKEN not in everything_shown(at)


# --- who is who -------------------------------------------------------------------------------------------------------

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
        "huggingface": {"client_id": "id", "client_secret": "secret",
                        "server_metadata_url": "https://huggingface.co/.well-known/openid-configuration"}}


def test_with_sign_in_configured_a_typed_name_is_never_taken(picks):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["saved:user"] = "mallory"  # typed earlier, or set by hand: not an identity now
    at.secrets["auth"] = AUTH
    at.query_params["list"] = "picks"
    at.run()
    assert not at.exception
    assert not [t for t in at.text_input if t.label == "Your name"], "no name box at all"
    assert [b.label for b in at.button if "Sign in" in str(b.label)] == ["Sign in with Hugging Face"]
    at = tick(at, "picks", GPT2)
    assert at.button(key=f"shortlists:vote:{item_id('picks', GPT2)}").disabled

    view = AppTest.from_file(str(ROOT / "pages" / "models.py"), default_timeout=60)
    view.session_state["saved:user"] = "mallory"
    view.secrets["auth"] = AUTH
    view.query_params["repo"] = GPT2
    view.run()
    key = f"models:add_from_view:{GPT2}"
    assert view.button(key=f"{key}:add").disabled
    assert not [t for t in view.text_input if t.key == f"{key}:user"]
    assert "Sign in (at the top of the sidebar) to add to a list." in texts(view)
    assert [i.voters for i in picks.get_list("picks").items] == [(), (), ()]
