"""The smaller defects of the hardening issue, each as a test: the home search says when the catalog stands in, a
401 without a token asks for one, access errors offer the Retry their hint speaks of, a search box says when it cut
a pasted text, a rate limit counts down and retries by itself when the wait is short, a listing that breaks off
says so; and `lib.retrying`'s plan as a table."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from lib import errors, retrying
from lib.urlstate import MAX_TEXT
from tests.apptest import page_test


def app(path: str, **params: str) -> AppTest:
    return page_test(path, **params)


def shown(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", str(markdown))


def said(at: AppTest) -> str:
    parts = [e.value for kind in ("error", "warning", "info", "caption", "markdown") for e in at.get(kind)]
    return shown("\n".join(str(p) for p in parts))


@pytest.fixture(autouse=True)
def _fresh(hub, monkeypatch):
    import streamlit as st

    from lib.hub import Reachability
    from lib.ui import components

    st.cache_data.clear()
    monkeypatch.setattr(components, "health_check", lambda: Reachability("fake", ok=True, latency_ms=1.0))
    yield


# --- lib.retrying: (error, automatic tries made, worked before) -> (wait, auto) --------------------------------------
RL = errors.RateLimitedError
PLANS = [
    (RL("x", retry_after=7), 0, False, (7.0, True), "a short wait the Hub asked for: counted down, then retried"),
    (RL("x", retry_after=600), 0, False, (600.0, False), "a long wait: counted down, the Retry button after it"),
    (RL("x"), 0, False, (5.0, True), "a rate limit naming no wait: the first backoff"),
    (errors.HubUnavailableError(), 0, False, (5.0, True), "a server error: the first backoff"),
    (errors.HubTimeoutError(), 3, False, (40.0, True), "further apart each time"),
    (errors.HubUnreachableError(), len(retrying.BACKOFF_S), False, None, "the automatic tries are used up"),
    (RL("x", retry_after=7), len(retrying.BACKOFF_S), False, (7.0, False), "used up: still counted down"),
    (errors.NotFoundError(), 0, False, None, "not found: retrying cannot help"),
    (errors.AccessError(), 0, False, None, "a refused token: retrying alone cannot help"),
    (errors.NotFoundError(), 0, True, (5.0, True), "it was found a minute ago: likely passing, asked again"),
    (errors.AccessError(), 1, True, (10.0, True), "the same for a refusal of what was readable before"),
]


@pytest.mark.parametrize(("err", "tries", "before", "expected", "why"), PLANS)
def test_retry_plan(err, tries, before, expected, why):
    plan = retrying.plan(err, tries, worked_before=before)
    assert (None if plan is None else (plan.wait, plan.auto)) == expected, why


def test_tries_are_forgotten_after_a_while():
    assert retrying.tries_after(None, 100.0) == 0
    assert retrying.tries_after((3, 100.0), 100.0 + retrying.FORGET_S - 1) == 3
    assert retrying.tries_after((3, 100.0), 100.0 + retrying.FORGET_S + 1) == 0


# --- the pages ---------------------------------------------------------------------------------------------------
def test_a_short_rate_limit_counts_down_and_retries_by_itself(hub):
    hub.add_fault("/api/models", status=429, retry_after=3, times=None)
    at = app("pages/models.py", q="countdown-probe").run()
    assert not at.exception
    assert any("Rate limited" in e.value for e in at.error)
    assert "Retrying by itself in 3 s." in said(at)
    assert any(b.label == "Retry (the Hub asked for 3 s)" for b in at.button)


def test_a_long_rate_limit_counts_down_and_leaves_the_retry_to_the_person(hub):
    hub.add_fault("/api/models", status=429, retry_after=600, times=None)
    at = app("pages/models.py", q="long-wait-probe").run()
    assert not at.exception
    text = said(at)
    assert "The Hub asked to wait 10 min 0 s more." in text and "Retrying by itself" not in text


def test_a_401_without_a_token_asks_for_one_and_offers_retry(hub):
    hub.add_fault("/api/models", status=401, times=None)
    at = app("pages/models.py", q="token-probe").run()
    assert not at.exception
    message = shown(next(e.value for e in at.error))
    assert "asks for a token" in message and "none is set" in message
    assert "refused the token" not in message and "invalid or expired" not in message
    assert "then retry" in message
    assert any(b.label == "Retry" for b in at.button), "the hint says 'retry': the button is there"


def test_a_gated_repo_offers_the_retry_its_hint_speaks_of(hub):
    from tests import fixture_ids

    repo = fixture_ids.gated_model_id()
    hub.add_fault(f"/api/models/{repo}", status=403, error_code="GatedRepo", times=None)
    at = app("pages/models.py", repo=repo).run()
    assert not at.exception
    assert any("Gated repository" in e.value for e in at.error)
    assert any(b.label == "Retry" for b in at.button)


@pytest.mark.parametrize(("page", "key"), [("pages/models.py", "models:q"), ("pages/home.py", "home:q"),
                                           ("pages/compare.py", "compare:find")])
def test_a_pasted_text_over_the_limit_is_cut_with_a_note(page, key):
    at = app(page).run()
    pasted = "x" * (MAX_TEXT + 57)
    at.text_input(key=key).input(pasted).run()
    assert not at.exception
    assert at.text_input(key=key).value == "x" * MAX_TEXT
    assert f"The search text was cut to its first {MAX_TEXT} characters (it had {MAX_TEXT + 57:,})." in said(at)
    at.run()
    assert "was cut" not in said(at), "said once"


def test_a_link_with_a_long_search_text_is_cut_with_a_note_on_the_home_page():
    at = app("pages/home.py", q="y" * (MAX_TEXT + 5)).run()
    assert not at.exception
    assert at.text_input(key="home:q").value == "y" * MAX_TEXT
    assert "cut to its first 200 characters (the link had 205)" in said(at)


def test_the_home_search_says_once_above_the_groups_that_the_catalog_stands_in(catalog_home, hub, monkeypatch):
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(catalog_home))
    hub.add_fault("/api/", status=503, times=None)
    at = app("pages/home.py", q="bert").run()
    assert not at.exception and not at.error
    notes = [shown(i.value) for i in at.info]
    assert len(notes) == 1 and "HTTP 503" in notes[0] and "The local catalog answers instead" in notes[0], notes
    assert at.main.info[0].proto.body == at.info[0].proto.body
    group_captions = [shown(c.value) for c in at.caption if "found" in shown(c.value)]
    assert len(group_captions) == 3 and all("from the local catalog" in c for c in group_captions), group_captions


def test_a_listing_that_breaks_off_says_after_how_many(hub):
    from lib.hub import HubClient
    from lib.query import SearchQuery

    hub.page_size = 10
    try:
        hub.add_fault("/api/models", status=503, after=1, times=None)
        with pytest.raises(errors.HubUnavailableError) as info:
            HubClient().search(SearchQuery(kind="models", limit=25))
    finally:
        hub.page_size = 100
    assert "listing of models broke off after 10 of them (a later page failed)" in str(info.value)
    assert "HTTP 503" in str(info.value)
    first, second = [r for r in hub.requests if r.path == "/api/models"][-2:]
    assert first.status == 200 and second.status == 503 and second.params("cursor"), "the Link next page failed"
