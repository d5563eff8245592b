"""The fake Hub's Collections API and token roles, through the real `HfApi` (and raw HTTP where the client hides the
answer). Expected repos come from the fixture files; expected shapes from what huggingface_hub's `Collection` and
`CollectionItem` read and the real API's documented behaviour (409 for a taken title with the existing slug, 409 for
an item already there, 500-character notes, 150-character descriptions)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx2
import pytest
from huggingface_hub import HfApi
from huggingface_hub import errors as hf_errors

from tests.fakehub import FINE_GRAINED_TOKEN, NO_ACCESS_TOKEN, VALID_TOKEN, WRITE_TOKEN, FakeHub
from tests.fixture_ids import records

USER, ORG = "fake-user", "hub-explorer-test"
MODEL = next(r["id"] for r in records("models") if not r.get("private"))
DATASET = next(r["id"] for r in records("datasets") if not r.get("private"))
SPACE = next(r["id"] for r in records("spaces") if not r.get("private"))
PRIVATE_MODEL = next(r["id"] for r in records("models") if r.get("private"))
SLUG_RE = re.compile(r"^(?P<ns>[\w-]+)/(?P<title>[a-z0-9-]+)-(?P<id>[0-9a-f]{24})$")


@pytest.fixture(scope="module")
def fhub() -> Iterator[FakeHub]:
    with FakeHub(page_size=2) as hub:
        yield hub


@pytest.fixture
def api(fhub: FakeHub) -> Iterator[HfApi]:
    fhub.collections.clear()
    yield HfApi(endpoint=fhub.url)
    fhub.clear_faults()


def status(exc: pytest.ExceptionInfo) -> int:
    return exc.value.response.status_code


def test_whoami_tells_each_tokens_role(api):
    roles = {token: api.whoami(token)["auth"]["accessToken"]["role"]
             for token in (VALID_TOKEN, NO_ACCESS_TOKEN, WRITE_TOKEN, FINE_GRAINED_TOKEN)}
    assert roles == {VALID_TOKEN: "read", NO_ACCESS_TOKEN: "read", WRITE_TOKEN: "write",
                     FINE_GRAINED_TOKEN: "fineGrained"}
    scoped = api.whoami(FINE_GRAINED_TOKEN)["auth"]["accessToken"]["fineGrained"]["scoped"]
    assert {e["entity"]["name"]: "collection.write" in e["permissions"] for e in scoped} == {USER: True, ORG: False}


def test_create_then_read_back_with_items_and_notes(api, fhub):
    made = api.create_collection("Vision: candidates (Q3)", namespace=USER, description="For the demo",
                                 private=False, token=WRITE_TOKEN)
    match = SLUG_RE.match(made.slug)
    assert match and match["ns"] == USER and match["title"] == "vision-candidates-q3", made.slug
    assert made.title == "Vision: candidates (Q3)" and made.description == "For the demo" and not made.items
    assert made.url == f"{fhub.url}/collections/{made.slug}"

    api.add_collection_item(made.slug, MODEL, "model", note="fast *and* small", token=WRITE_TOKEN)
    api.add_collection_item(made.slug, DATASET, "dataset", token=WRITE_TOKEN)
    after = api.add_collection_item(made.slug, SPACE, "space", note="x" * 500, token=WRITE_TOKEN)
    assert [i.item_id for i in after.items] == [MODEL, DATASET, SPACE], "the add answer is the whole collection"

    read = api.get_collection(made.slug)  # anonymously: it is public
    assert [(i.item_id, i.item_type, i.position, i.note) for i in read.items] == [
        (MODEL, "model", 0, "fast *and* small"), (DATASET, "dataset", 1, None), (SPACE, "space", 2, "x" * 500)]
    assert len({i.item_object_id for i in read.items}) == 3
    owner = read.owner["name"] if isinstance(read.owner, dict) else read.owner
    assert owner == USER and read.private is False and read.description == "For the demo"

    raw = httpx2.get(f"{fhub.url}/api/collections/{made.slug}").json()
    assert raw["items"][0]["note"]["html"] == "<p>fast *and* small</p>" and raw["items"][0]["repoType"] == "model"
    assert raw["owner"]["type"] == "user" and raw["shareUrl"].endswith(f"/collections/{USER}/vision-candidates-q3")


def test_a_title_taken_in_the_namespace_is_409_with_the_existing_slug(api, fhub):
    first = api.create_collection("Team picks", namespace=USER, token=WRITE_TOKEN)
    with pytest.raises(hf_errors.HfHubHTTPError) as exc:
        api.create_collection("team picks!", namespace=USER, description="other", token=WRITE_TOKEN)
    assert status(exc) == 409 and exc.value.response.json()["slug"] == first.slug
    again = api.create_collection("Team picks", namespace=USER, description="ignored", token=WRITE_TOKEN,
                                  exists_ok=True)
    assert again.slug == first.slug and again.description is None, "exists_ok returns the old one, unchanged"
    other = api.create_collection("Team picks", namespace=ORG, token=WRITE_TOKEN)
    assert other.slug.startswith(f"{ORG}/team-picks-"), "the same title in another namespace is fine"
    assert len(fhub.collections.slugs()) == 2


@pytest.mark.parametrize(("token", "namespace", "expected", "why"), [
    (None, USER, 401, "no token at all"),
    (VALID_TOKEN, USER, 403, "a read token never writes"),
    (NO_ACCESS_TOKEN, "no-access-user", 403, "a read token, even in its own namespace"),
    (WRITE_TOKEN, "no-access-user", 403, "another user's namespace"),
    (WRITE_TOKEN, "some-other-org", 403, "an org the user is not in"),
    (FINE_GRAINED_TOKEN, ORG, 403, "fine-grained: collection.read only on the org"),
    (WRITE_TOKEN, USER, 200, "a write token in the user's namespace"),
    (WRITE_TOKEN, ORG, 200, "a write token in an org where the user is admin"),
    (FINE_GRAINED_TOKEN, USER, 200, "fine-grained with collection.write on the user"),
])
def test_who_may_create(api, fhub, token, namespace, expected, why):
    if expected != 200:
        with pytest.raises(hf_errors.HfHubHTTPError) as exc:
            api.create_collection("Refused", namespace=namespace, token=token or False)
        assert status(exc) == expected, why
        assert fhub.collections.slugs() == [], "nothing was created"
    else:
        made = api.create_collection("Allowed", namespace=namespace, token=token)
        assert made.slug.startswith(f"{namespace}/allowed-"), why


def test_items_need_write_access_exist_once_and_must_be_visible(api, fhub):
    made = api.create_collection("Items", namespace=ORG, token=WRITE_TOKEN)
    with pytest.raises(hf_errors.HfHubHTTPError) as exc:
        api.add_collection_item(made.slug, MODEL, "model", token=VALID_TOKEN)
    assert status(exc) == 403
    with pytest.raises(hf_errors.HfHubHTTPError) as exc:
        api.add_collection_item(made.slug, MODEL, "model", token=False)
    assert status(exc) == 401
    api.add_collection_item(made.slug, MODEL, "model", token=WRITE_TOKEN)
    with pytest.raises(hf_errors.HfHubHTTPError) as exc:
        api.add_collection_item(made.slug, MODEL, "model", token=WRITE_TOKEN)
    assert status(exc) == 409, "already in the collection"
    assert len(api.add_collection_item(made.slug, MODEL, "model", token=WRITE_TOKEN, exists_ok=True).items) == 1
    assert MODEL not in {r["id"] for r in records("datasets")}
    for repo, kind in (("nobody/nothing-here", "model"), (MODEL, "dataset")):  # no such repo; not of that kind
        with pytest.raises(hf_errors.HfHubHTTPError) as exc:
            api.add_collection_item(made.slug, repo, kind, token=WRITE_TOKEN)
        assert status(exc) == 404, (repo, kind)
    with pytest.raises(hf_errors.HfHubHTTPError) as exc:
        api.add_collection_item(made.slug, DATASET, "dataset", note="y" * 501, token=WRITE_TOKEN)
    assert status(exc) == 400, "notes are capped at 500 characters"
    with pytest.raises(hf_errors.HfHubHTTPError) as exc:
        api.add_collection_item(made.slug, PRIVATE_MODEL, "model", token=FINE_GRAINED_TOKEN)
    assert status(exc) == 403, "fine-grained token without collection.write on the org"
    api.add_collection_item(made.slug, PRIVATE_MODEL, "model", token=WRITE_TOKEN)  # its org sees it
    assert [i.item_id for i in api.get_collection(made.slug, token=VALID_TOKEN).items] == [MODEL, PRIVATE_MODEL]


def test_a_description_over_150_characters_is_refused(api, fhub):
    with pytest.raises(hf_errors.BadRequestError):
        api.create_collection("Long", namespace=USER, description="d" * 151, token=WRITE_TOKEN)
    assert api.create_collection("Long", namespace=USER, description="d" * 150, token=WRITE_TOKEN).description


def test_private_collections_are_seen_by_their_namespace_only(api):
    made = api.create_collection("Secret", namespace=ORG, private=True, token=WRITE_TOKEN)
    assert api.get_collection(made.slug, token=VALID_TOKEN).private is True, "a read token of a member reads it"
    for token in (False, NO_ACCESS_TOKEN):
        with pytest.raises(hf_errors.HfHubHTTPError) as exc:
            api.get_collection(made.slug, token=token)
        assert status(exc) == 404
    assert [c.slug for c in api.list_collections(owner=ORG, token=False)] == []
    assert [c.slug for c in api.list_collections(owner=ORG, token=VALID_TOKEN)] == [made.slug]


def test_delete_a_collection_and_an_item(api, fhub):
    made = api.create_collection("Short-lived", namespace=USER, token=WRITE_TOKEN)
    for repo, kind in ((MODEL, "model"), (DATASET, "dataset")):
        api.add_collection_item(made.slug, repo, kind, token=WRITE_TOKEN)
    first = api.get_collection(made.slug).items[0]
    api.delete_collection_item(made.slug, first.item_object_id, token=WRITE_TOKEN)
    assert [(i.item_id, i.position) for i in api.get_collection(made.slug).items] == [(DATASET, 0)]
    with pytest.raises(hf_errors.HfHubHTTPError) as exc:
        api.delete_collection(made.slug, token=VALID_TOKEN)
    assert status(exc) == 403
    api.delete_collection(made.slug, token=WRITE_TOKEN)
    with pytest.raises(hf_errors.HfHubHTTPError) as exc:
        api.get_collection(made.slug)
    assert status(exc) == 404
    api.delete_collection(made.slug, missing_ok=True, token=WRITE_TOKEN)
    assert fhub.collections.slugs() == []


def test_listing_filters_by_owner_and_item_pages_and_cuts_items_to_four(api):
    big = api.create_collection("Big", namespace=USER, token=WRITE_TOKEN)
    models = [r["id"] for r in records("models") if not r.get("private")][:6]
    for repo in models:
        api.add_collection_item(big.slug, repo, "model", token=WRITE_TOKEN)
    for title in ("Two", "Three"):
        api.create_collection(title, namespace=USER, token=WRITE_TOKEN)
    api.create_collection("Elsewhere", namespace=ORG, token=WRITE_TOKEN)
    listed = list(api.list_collections(owner=USER))  # page size 2: three collections come over two pages
    assert [c.title for c in listed] == ["Three", "Two", "Big"], "newest first"
    assert [i.item_id for i in listed[2].items] == models[:4], "a listing shows 4 items"
    assert len(api.get_collection(big.slug).items) == 6
    assert [c.title for c in api.list_collections(item=f"models/{models[5]}")] == ["Big"]
    assert [c.title for c in api.list_collections(owner=USER, limit=1)] == ["Three"]


def test_a_fault_can_let_the_first_requests_through(api, fhub):
    made = api.create_collection("Faulty", namespace=USER, token=WRITE_TOKEN)
    fhub.add_fault("/api/collections/", method="POST", status=503, after=2)
    api.add_collection_item(made.slug, MODEL, "model", token=WRITE_TOKEN)
    api.add_collection_item(made.slug, DATASET, "dataset", token=WRITE_TOKEN)
    with pytest.raises(Exception) as exc:  # the app's transport turns a 503 into its own error at once
        api.add_collection_item(made.slug, SPACE, "space", token=WRITE_TOKEN)
    assert "503" in str(exc.value)
    assert [i.item_id for i in api.get_collection(made.slug).items] == [MODEL, DATASET]
    api.add_collection_item(made.slug, SPACE, "space", token=WRITE_TOKEN)  # the fault is used up
    assert fhub.faults.snapshot() == []
