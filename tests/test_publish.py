"""Publishing a shortlist as a Hugging Face Collection (`lib.shortlists.publish`), through the real `HfApi` against
the fake Hub's Collections API. What was published is read back with `HfApi.get_collection`; failures are injected
with the fake Hub's faults (tests/fakehub/faults.py) and must leave nothing half-made without saying so."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from lib import errors
from lib.hub import HubClient
from lib.hub.http import configure
from lib.settings import load_settings
from lib.shortlists import Shortlists
from lib.shortlists.publish import (
    MAX_DESCRIPTION,
    MAX_NOTE,
    CollectionExistsError,
    PublishAccessError,
    PublishFailedError,
    can_publish,
    publish,
    writable_namespaces,
)
from tests.fakehub import FINE_GRAINED_TOKEN, NO_ACCESS_TOKEN, VALID_TOKEN, WRITE_TOKEN, FakeHub
from tests.fixture_ids import records

USER, ORG = "fake-user", "hub-explorer-test"
MODELS = [r["id"] for r in records("models") if not r.get("private")][:5]
DATASET = next(r["id"] for r in records("datasets") if not r.get("private"))
SPACE = next(r["id"] for r in records("spaces") if not r.get("private"))
LONG_NOTE = "Tried it on our eval set. " * 30  # 750 characters
TITLE = "Vision candidates"


@pytest.fixture(scope="module")
def fhub() -> Iterator[FakeHub]:
    with FakeHub() as hub:
        yield hub


@pytest.fixture
def api(fhub: FakeHub) -> Iterator[HfApi]:
    fhub.collections.clear()
    fhub.clear_requests()
    yield HfApi(endpoint=fhub.url)
    fhub.clear_faults()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("publish") / "lists.sqlite3"


@pytest.fixture(scope="module")
def seven(store: Path):
    """A list of 7: five models (the first with a 750-character note), a dataset (a Markdown note), a Space."""
    lists = Shortlists(store)
    lists.create_list("seven", user="ada", description="Models we are weighing for the Q3 demo.")
    for index, repo in enumerate(MODELS):
        lists.add_item("seven", repo, kind="models", user="ada", note=LONG_NOTE if index == 0 else f"model {index}")
    lists.add_item("seven", DATASET, kind="datasets", user="bob", note="**bold** <i>and</i> [a link](http://x.y)")
    lists.add_item("seven", SPACE, kind="spaces", user="bob")
    return lists.get_list("seven")


def shortlist(store: Path, name: str, items: list[tuple[str, str, str]], description: str = ""):
    lists = Shortlists(store)
    lists.create_list(name, user="ada", description=description)
    for repo, kind, note in items:
        lists.add_item(name, repo, kind=kind, user="ada", note=note)
    return lists.get_list(name)


def posts(fhub: FakeHub) -> list[str]:
    return [r.path for r in fhub.requests if r.method == "POST"]


# --- who may publish ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("token", "namespace", "ok", "words", "why"), [
    (VALID_TOKEN, None, False, "can only read", "a read token"),
    (NO_ACCESS_TOKEN, None, False, "can only read", "another read token"),
    ("hf_not_a_token_the_hub_knows", None, False, "refused the token (HTTP 401)", "an unknown token"),
    (WRITE_TOKEN, None, True, "Publishing as fake-user in fake-user", "a write token, own namespace by default"),
    (WRITE_TOKEN, ORG, True, f"in {ORG}", "a write token, an org where the user is admin"),
    (WRITE_TOKEN, "no-access-user", False, "may not create collections in no-access-user", "someone else's"),
    (FINE_GRAINED_TOKEN, USER, True, "Publishing as fake-user", "fine-grained with collection.write"),
    (FINE_GRAINED_TOKEN, ORG, False, "fine-grained token may not write collections in hub-explorer-test",
     "fine-grained without collection.write on the org"),
])
def test_can_publish_asks_the_hub_who_the_token_is(api, token, namespace, ok, words, why):
    got, reason = can_publish(api, token, namespace=namespace)
    assert got is ok and words in reason, (why, reason)
    assert token not in reason


def test_can_publish_takes_a_hub_client_and_lists_the_writable_namespaces(fhub):
    client = HubClient(dataclasses.replace(load_settings(), endpoint=fhub.url, token=WRITE_TOKEN))
    access = can_publish(client)  # the client's own token
    assert access.ok and access.user == USER and access.namespaces == (USER, ORG)
    assert not can_publish(HfApi(endpoint=fhub.url, token=False)).ok  # no token at all
    no_token = can_publish(HubClient(dataclasses.replace(load_settings(), endpoint=fhub.url, token=None)))
    assert not no_token.ok and "No Hugging Face token" in no_token.reason


WHOAMI_USER = {"type": "user", "name": "ada", "orgs": [
    {"name": "lab", "roleInOrg": "admin"}, {"name": "guild", "roleInOrg": "contributor"},
    {"name": "club", "roleInOrg": "read"}]}


def _who(role: str | None, **access) -> dict:
    auth = {"type": "access_token", "accessToken": {"role": role, **access}} if role else {"type": "oauth"}
    return {**WHOAMI_USER, "auth": auth}


@pytest.mark.parametrize(("whoami", "expected", "why"), [
    (_who("read"), (), "read tokens write nothing"),
    (_who("write"), ("ada", "lab", "guild"), "own name, then orgs where the role writes (not 'read')"),
    (_who("admin"), ("ada", "lab", "guild"), "an admin token too"),
    (_who("fineGrained", fineGrained={"scoped": [
        {"entity": {"type": "user", "name": "ada"}, "permissions": ["collection.write"]},
        {"entity": {"type": "org", "name": "lab"}, "permissions": ["repo.write", "collection.read"]},
        {"entity": {"type": "org", "name": "club"}, "permissions": ["collection.write"]}]}),
     ("ada",), "fine-grained: collection.write where scoped, and only where the member may write"),
    (_who("fineGrained", fineGrained={"global": ["collection.write"]}), (), "global permissions are not scoped"),
    (_who("fineGrained"), (), "no fine-grained block at all"),
    (_who("contributor"), None, "a role we do not know: cannot tell"),
    (_who(None), None, "an OAuth token: no role"),
])
def test_writable_namespaces(whoami, expected, why):
    assert writable_namespaces(whoami) == expected, why


# --- publishing --------------------------------------------------------------------------------------------------


def test_publish_creates_the_collection_with_every_item_and_its_note(api, fhub, seven, store):
    result = publish(seven, api=api, namespace=USER, title=TITLE, private=True, token=WRITE_TOKEN)
    assert result.added == tuple(MODELS + [DATASET, SPACE]) and not result.skipped
    assert result.shortened == (MODELS[0],) and not result.description_shortened
    assert result.url == f"{fhub.url}/collections/{result.slug}"

    read = api.get_collection(result.slug, token=VALID_TOKEN)  # private: read back with a member's read token
    assert read.title == TITLE and read.private is True
    assert read.description == "Models we are weighing for the Q3 demo."
    assert [(i.item_id, i.item_type) for i in read.items] == (
        [(m, "model") for m in MODELS] + [(DATASET, "dataset"), (SPACE, "space")])
    notes = [i.note for i in read.items]
    assert len(notes[0]) == MAX_NOTE and notes[0].endswith("…") and LONG_NOTE.startswith(notes[0][:-1].rstrip())
    assert notes[1:] == ["model 1", "model 2", "model 3", "model 4",
                         "**bold** <i>and</i> [a link](http://x.y)", None]
    summary = result.summary()
    assert "Published 7 items" in summary and f"cut to {MAX_NOTE} characters for: {MODELS[0]}" in summary


def test_the_token_is_used_and_kept_nowhere(api, fhub, seven, store):
    result = publish(seven, api=api, namespace=USER, title="Token check", private=False, token=WRITE_TOKEN)
    writes = [r for r in fhub.requests if r.method in ("POST", "DELETE")]
    assert writes and all(r.token == WRITE_TOKEN for r in writes), "every write carried the token, in the header"
    assert all(WRITE_TOKEN not in r.path and WRITE_TOKEN not in str(r.query) for r in fhub.requests), "not in a URL"
    assert WRITE_TOKEN not in repr(result) and WRITE_TOKEN not in result.summary()
    for path in store.parent.iterdir():  # the shortlists database (and its WAL files)
        assert WRITE_TOKEN.encode() not in path.read_bytes(), path.name
    assert api.token is None, "the client was not given the token to keep"


def test_notes_can_be_left_out_and_a_long_description_is_cut(api, store):
    listed = shortlist(store, "described", [(MODELS[1], "models", "a note")], description="d" * 400)
    result = publish(listed, api=api, namespace=ORG, title="Described", private=False, notes=False,
                     token=WRITE_TOKEN)
    read = api.get_collection(result.slug)
    assert [i.note for i in read.items] == [None]
    assert result.description_shortened and len(read.description) == MAX_DESCRIPTION and read.description[-1] == "…"
    assert read.owner["name"] == ORG if isinstance(read.owner, dict) else read.owner == ORG


def test_a_read_only_token_is_refused_before_anything_is_created(api, fhub, seven):
    with pytest.raises(PublishAccessError) as exc:
        publish(seven, api=api, namespace=USER, title=TITLE, private=False, token=VALID_TOKEN)
    assert "can only read" in str(exc.value) and "Nothing was published" in exc.value.hint
    assert isinstance(exc.value, errors.AccessError)
    assert posts(fhub) == [] and fhub.collections.slugs() == []


def test_a_taken_title_is_refused_and_another_is_offered(api, fhub, seven):
    existing = api.create_collection("vision CANDIDATES", namespace=USER, token=WRITE_TOKEN)
    with pytest.raises(CollectionExistsError) as exc:
        publish(seven, api=api, namespace=USER, title=TITLE, private=False, token=WRITE_TOKEN)
    err = exc.value
    assert err.url == existing.url and err.slug == existing.slug and existing.url in str(err)
    assert re.fullmatch(rf"{TITLE} \(\d{{4}}-\d{{2}}-\d{{2}}\)", err.suggestion)
    assert err.suggestion in err.hint and "Nothing was published" in err.hint
    assert fhub.collections.slugs() == [existing.slug] and not api.get_collection(existing.slug).items
    assert publish(seven, api=api, namespace=USER, title=err.suggestion, private=False, token=WRITE_TOKEN).added


def test_the_hub_failing_on_the_third_item_removes_the_collection_and_says_so(api, fhub, seven):
    fhub.add_fault("/api/collections/", method="POST", status=503, after=2)
    with pytest.raises(PublishFailedError) as exc:
        publish(seven, api=api, namespace=USER, title=TITLE, private=False, token=WRITE_TOKEN)
    err = exc.value
    assert "The collection was created but 5 of 7 items could not be added" in str(err)
    assert f"Adding {MODELS[2]} failed" in str(err) and "503" in str(err)
    assert "it was removed, so nothing was published" in str(err)
    assert err.created and err.removed and err.url is None and err.retryable
    assert isinstance(err.cause, errors.HubUnavailableError)
    assert fhub.collections.slugs() == [], "nothing half-made is left"
    assert [r.method for r in fhub.requests if r.path.startswith("/api/collections")][-1] == "DELETE"


def test_when_the_half_made_collection_cannot_be_removed_its_url_is_given(api, fhub, seven):
    fhub.add_fault("/api/collections/", method="POST", status=503, after=2)
    fhub.add_fault("/api/collections/", method="DELETE", status=503)
    with pytest.raises(PublishFailedError) as exc:
        publish(seven, api=api, namespace=USER, title=TITLE, private=False, token=WRITE_TOKEN)
    err = exc.value
    (slug,) = fhub.collections.slugs()
    assert err.created and not err.removed and err.url == f"{fhub.url}/collections/{slug}"
    assert "5 of 7 items could not be added, and it could not be removed" in str(err) and err.url in str(err)
    assert [i.item_id for i in api.get_collection(slug).items] == MODELS[:2], "what the message describes is there"


def test_the_hub_down_at_creation_publishes_nothing(api, fhub, seven):
    fhub.add_fault("/api/collections", method="POST", status=503)
    with pytest.raises(PublishFailedError) as exc:
        publish(seven, api=api, namespace=USER, title=TITLE, private=False, token=WRITE_TOKEN)
    assert str(exc.value).startswith("Nothing was published: ") and not exc.value.created
    assert fhub.collections.slugs() == []


def test_the_hub_down_when_asked_who_the_token_is_publishes_nothing(api, fhub, seven):
    fhub.add_fault("/api/whoami-v2", status=502)
    with pytest.raises(PublishFailedError) as exc:
        publish(seven, api=api, namespace=USER, title=TITLE, private=False, token=WRITE_TOKEN)
    assert "Nothing was published" in str(exc.value) and isinstance(exc.value.cause, errors.HubUnavailableError)
    assert posts(fhub) == []


def test_a_dropped_answer_at_creation_is_checked_and_not_called_nothing(api, fhub, seven):
    fhub.add_fault("/api/collections", method="POST", disconnect=True)
    with pytest.raises(PublishFailedError) as exc:
        publish(seven, api=api, namespace=USER, title=TITLE, private=False, token=WRITE_TOKEN)
    text = str(exc.value)
    assert "did not answer" in text and f"No collection titled “{TITLE}” is in {USER} now" in text
    assert "may still be creating it" in text and fhub.url in text
    assert fhub.collections.slugs() == []


def test_a_slow_hub_that_creates_it_late_is_reported_with_the_url(api, fhub, seven):
    """The Hub answers after our timeout but creates the collection: the lookup after the timeout finds it, and the
    error says where it is instead of claiming nothing was published."""
    configure(dataclasses.replace(load_settings(), timeout=2.0))
    try:
        fhub.add_fault("/api/collections", method="POST", delay=3.0)  # answered (and created) at 3 s
        fhub.add_fault("/api/collections", method="GET", delay=1.5)  # the lookup, sent at 2 s, read at 3.5 s
        with pytest.raises(PublishFailedError) as exc:
            publish(seven, api=api, namespace=USER, title=TITLE, private=False, token=WRITE_TOKEN)
    finally:
        configure(load_settings())
    err = exc.value
    (slug,) = fhub.collections.slugs()
    assert isinstance(err.cause, errors.HubTimeoutError) and err.created and err.url == f"{fhub.url}/collections/{slug}"
    assert "did not answer" in str(err) and err.url in str(err) and "without its items" in str(err)


def test_items_the_hub_no_longer_has_are_skipped_and_listed(api, store):
    listed = shortlist(store, "some-gone", [(MODELS[0], "models", ""), ("gone-org/deleted-model", "models", "x"),
                                            (DATASET, "datasets", "")])
    result = publish(listed, api=api, namespace=USER, title="Some gone", private=False, token=WRITE_TOKEN)
    assert result.added == (MODELS[0], DATASET)
    assert [(s.repo, s.kind) for s in result.skipped] == [("gone-org/deleted-model", "models")]
    assert "not on the Hub" in result.skipped[0].reason and "gone-org/deleted-model (not on the Hub" in result.summary()
    assert [i.item_id for i in api.get_collection(result.slug).items] == [MODELS[0], DATASET]


def test_a_list_whose_items_are_all_gone_leaves_no_empty_collection(api, fhub, store):
    listed = shortlist(store, "all-gone", [("gone-org/a", "models", ""), ("gone-org/b", "datasets", "")])
    with pytest.raises(PublishFailedError) as exc:
        publish(listed, api=api, namespace=USER, title="All gone", private=False, token=WRITE_TOKEN)
    assert "2 of 2 items could not be added" in str(exc.value) and "it was removed" in str(exc.value)
    assert fhub.collections.slugs() == []


@pytest.mark.parametrize(("title", "words"), [("", "collection title is empty"), ("a\nb", "line break"),
                                               ("x" * 61, "at most 60")])
def test_a_bad_title_publishes_nothing(api, fhub, seven, title, words):
    with pytest.raises(errors.InvalidQueryError) as exc:
        publish(seven, api=api, namespace=USER, title=title, private=False, token=WRITE_TOKEN)
    assert words in str(exc.value) and "Nothing was published" in str(exc.value)
    assert fhub.requests == []


def test_an_empty_list_publishes_nothing(api, fhub, store):
    with pytest.raises(errors.InvalidQueryError, match="has no items"):
        publish(shortlist(store, "empty", []), api=api, namespace=USER, title="Empty", private=False,
                token=WRITE_TOKEN)
    assert fhub.requests == []


def test_a_refusal_midway_never_shows_the_token(api, fhub, seven):
    fhub.add_fault("/api/collections/", method="POST", status=403, after=1,
                   message=f"token {WRITE_TOKEN} may not add items here")
    with pytest.raises(PublishFailedError) as exc:
        publish(seven, api=api, namespace=USER, title=TITLE, private=False, token=WRITE_TOKEN)
    err = exc.value
    assert isinstance(err.cause, PublishAccessError) and "6 of 7 items could not be added" in str(err)
    assert "***" in str(err) and all(WRITE_TOKEN not in text for text in (str(err), err.hint, str(err.cause)))
    assert fhub.collections.slugs() == []


def test_publish_takes_its_time_from_the_hub_not_from_retries(api, fhub, seven):
    """A 429 midway is not waited out (a page would freeze): the collection is removed and the wait is said."""
    fhub.add_fault("/api/collections/", method="POST", status=429, retry_after=30, after=3)
    started = time.monotonic()
    with pytest.raises(PublishFailedError) as exc:
        publish(seven, api=api, namespace=USER, title=TITLE, private=False, token=WRITE_TOKEN)
    assert time.monotonic() - started < 5
    assert isinstance(exc.value.cause, errors.RateLimitedError) and exc.value.cause.retry_after == 30
    assert "4 of 7" in str(exc.value) and "30 s" in exc.value.hint and fhub.collections.slugs() == []


def test_a_hub_client_publishes_with_its_own_token_and_none_is_refused(fhub, store):
    fhub.collections.clear()
    listed = shortlist(store, "by-client", [(MODELS[3], "models", "")])
    client = HubClient(dataclasses.replace(load_settings(), endpoint=fhub.url, token=WRITE_TOKEN))
    result = publish(listed, api=client, namespace=None, title="By client", private=False)
    assert result.slug.startswith(f"{USER}/by-client-") and result.added == (MODELS[3],)
    anonymous = HubClient(dataclasses.replace(load_settings(), endpoint=fhub.url, token=None))
    with pytest.raises(PublishAccessError, match="No Hugging Face token"):
        publish(listed, api=anonymous, namespace=None, title="Anonymous", private=False)
    assert fhub.collections.slugs() == [result.slug]
