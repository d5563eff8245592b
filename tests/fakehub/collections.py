"""The fake Hub's Collections API, in the shapes the real Hub answers (``huggingface_hub``'s ``Collection`` and
``CollectionItem`` read them; huggingface.js's collection tests show the full bodies).

Routes (the ones ``HfApi`` calls: ``list_collections``, ``get_collection``, ``create_collection``,
``add_collection_item``, ``delete_collection_item``, ``delete_collection``)::

    GET    /api/collections?owner=&item=&limit=      list, newest first; items cut to 4 per collection; ``Link`` pages
    POST   /api/collections                          {"title", "namespace", "private"?, "description"?}
    GET    /api/collections/{namespace}/{slug}       one collection, every item
    POST   /api/collections/{namespace}/{slug}/items {"item": {"id", "type"}, "note"?}  -> the whole collection
    DELETE /api/collections/{namespace}/{slug}/items/{item_object_id}
    DELETE /api/collections/{namespace}/{slug}

A slug is ``{namespace}/{title as a slug}-{24 hex id}``. A collection's title slug is unique in its namespace (its
share URL, ``/collections/{namespace}/{title slug}``, has no id): creating a second one answers 409 with the existing
collection's ``slug`` in the body, which is what ``create_collection(exists_ok=True)`` reads. Adding an item that is
already there (same id and type) answers 409; an item that does not exist (or is private to others) 404; a note over
500 characters or a description over 150, 400.

Who may write: reading needs no token (private collections are visible to their namespace's members only); creating,
adding and deleting need a token (401 without one) that may write collections in the collection's namespace (403
otherwise): a classic ``write`` (or ``admin``) token, for the user's own namespace and the organisations where the
user's ``roleInOrg`` is ``admin``, ``write`` or ``contributor``; a ``fineGrained`` token, where a ``scoped`` entry for
that namespace lists ``collection.write``. A ``read`` token never writes. Tokens and roles come from
``tests/fixtures/hub/tokens.json`` (``auth.accessToken.role``, as ``/api/whoami-v2`` reports them).
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .store import ApiError, Viewer, iso_now

if TYPE_CHECKING:
    from .server import FakeHub, Request, Response

__all__ = ["MAX_DESCRIPTION", "MAX_NOTE", "CollectionStore", "can_write_collections", "handle_collections"]

MAX_NOTE = 500
MAX_DESCRIPTION = 150
ITEM_TYPES = ("model", "dataset", "space")
#: Org roles that may write the org's collections (a ``read`` member may not).
WRITING_ORG_ROLES = frozenset({"admin", "write", "contributor"})
LIST_ITEMS_SHOWN = 4
NOT_FOUND = "Collection not found"


def title_slug(title: str) -> str:
    """``"Vision: candidates (Q3)"`` -> ``"vision-candidates-q3"``: lower case, runs of other characters -> ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "collection"


def can_write_collections(viewer: Viewer, namespace: str) -> bool:
    """Whether the token of ``viewer`` may create or change collections in ``namespace``."""
    user = viewer.user or {}
    access = (user.get("auth") or {}).get("accessToken") or {}
    role = access.get("role")
    own = user.get("name")
    org_roles = {org.get("name"): org.get("roleInOrg") for org in user.get("orgs") or []}
    member_may_write = namespace == own or org_roles.get(namespace) in WRITING_ORG_ROLES
    if role in ("write", "admin"):
        return member_may_write
    if role == "fineGrained":
        scoped = (access.get("fineGrained") or {}).get("scoped") or []
        return member_may_write and any(
            (entry.get("entity") or {}).get("name") == namespace and "collection.write" in (entry.get("permissions") or [])
            for entry in scoped
        )
    return False


class CollectionStore:
    """Every collection the fake Hub holds (in memory, per :class:`FakeHub`), by slug, oldest first."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.collections: dict[str, dict[str, Any]] = {}

    def clear(self) -> None:
        with self.lock:
            self.collections.clear()

    def slugs(self, namespace: str | None = None) -> list[str]:
        with self.lock:
            return [s for s, c in self.collections.items() if namespace is None or c["namespace"] == namespace]


def _object_id() -> str:
    """A MongoDB-style id: 8 hex of the time, 16 random."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ApiError(400, "Invalid JSON body", "BadRequest") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid JSON body", "BadRequest")
    return body


def _require_writer(request: Request, namespace: str) -> Viewer:
    viewer = request.viewer
    assert viewer is not None
    if not viewer.authenticated:
        raise ApiError(401, "You must be authenticated to change collections")
    if not can_write_collections(viewer, namespace):
        raise ApiError(403, f"You don't have the rights to write collections in the namespace {namespace}")
    return viewer


def _visible(collection: dict[str, Any], viewer: Viewer | None) -> bool:
    return not collection["private"] or (viewer is not None and collection["namespace"] in viewer.namespaces)


def _owner(hub: FakeHub, namespace: str) -> dict[str, Any]:
    """The ``owner`` object of a collection, as the real API answers it (the user's or organisation's card)."""
    for entry in hub.store.tokens.values():
        user = entry.get("whoami") or {}
        if user.get("name") == namespace:
            return {"_id": user.get("id"), "avatarUrl": user.get("avatarUrl", ""), "fullname": user.get("fullname"),
                    "name": namespace, "type": "user", "isPro": bool(user.get("isPro")), "isHf": False,
                    "isHfAdmin": False, "isMod": False, "followerCount": 0}
        for org in user.get("orgs") or []:
            if org.get("name") == namespace:
                return {"avatarUrl": org.get("avatarUrl", ""), "fullname": org.get("fullname"), "name": namespace,
                        "type": "org", "isEnterprise": bool(org.get("isEnterprise")), "isHf": False,
                        "isHfAdmin": False, "isMod": False, "followerCount": 0}
    return {"name": namespace, "fullname": namespace, "type": "user", "avatarUrl": "", "isPro": False,
            "isHf": False, "isHfAdmin": False, "isMod": False}


def _item_body(hub: FakeHub, item: dict[str, Any]) -> dict[str, Any]:
    """A collection item: the database id, position, type and note, and the repo's card fields of the moment."""
    out: dict[str, Any] = {"_id": item["_id"], "position": item["position"], "type": item["type"], "id": item["id"]}
    repo = hub.store.get(item["type"], item["id"])
    if repo is not None:
        record = repo.record
        out |= {"author": repo.author, "repoType": item["type"], "private": repo.private,
                "likes": record.get("likes", 0), "lastModified": record.get("lastModified"), "isLikedByUser": False}
        if item["type"] in ("model", "dataset"):
            out |= {"downloads": record.get("downloads", 0), "gated": record.get("gated", False)}
        if item["type"] == "model":
            out["availableInferenceProviders"] = []
            if record.get("pipeline_tag"):
                out["pipeline_tag"] = record["pipeline_tag"]
        if item["type"] == "space":
            card = record.get("cardData") or {}
            out |= {"title": card.get("title") or repo.id.rsplit("/", 1)[-1], "sdk": record.get("sdk"),
                    "emoji": card.get("emoji", ""), "colorFrom": card.get("colorFrom", "gray"),
                    "colorTo": card.get("colorTo", "gray"), "createdAt": record.get("createdAt"), "pinned": False,
                    "tags": repo.tags, "runtime": record.get("runtime") or {"stage": "NO_APP_FILE"}}
    if item.get("note") is not None:
        out["note"] = {"html": f"<p>{html.escape(item['note'])}</p>", "text": item["note"]}
    return out


def _body(hub: FakeHub, collection: dict[str, Any], *, base: str, items_limit: int | None = None) -> dict[str, Any]:
    items = collection["items"] if items_limit is None else collection["items"][:items_limit]
    out = {
        "slug": collection["slug"],
        "title": collection["title"],
        "lastUpdated": collection["lastUpdated"],
        "gating": False,
        "owner": _owner(hub, collection["namespace"]),
        "items": [_item_body(hub, item) for item in items],
        "theme": collection["theme"],
        "private": collection["private"],
        "position": collection["position"],
        "shareUrl": f"{base}/collections/{collection['namespace']}/{title_slug(collection['title'])}",
        "upvotes": 0,
        "isUpvotedByUser": False,
    }
    if collection.get("description") is not None:
        out["description"] = collection["description"]
    return out


def handle_collections(hub: FakeHub, request: Request, base: str) -> Response:
    """Answer a request under ``/api/collections`` (``base``: the Hub's URL as the client called it)."""
    from .server import json_response

    segments = request.segments[2:]  # after "api", "collections"
    method = request.method
    store = hub.collections
    if not segments:
        if method in ("GET", "HEAD"):
            return _list(hub, request, base)
        if method == "POST":
            return json_response(_create(hub, request, base))
        raise ApiError(405, f"Method {method} is not allowed on this fake Hub")
    if len(segments) < 2:
        raise ApiError(404, NOT_FOUND)
    slug = "/".join(segments[:2])
    rest = segments[2:]
    with store.lock:
        collection = store.collections.get(slug)
        if collection is None or not _visible(collection, request.viewer):
            raise ApiError(404, NOT_FOUND)
        if not rest and method in ("GET", "HEAD"):
            return json_response(_body(hub, collection, base=base))
        if not rest and method == "DELETE":
            _require_writer(request, collection["namespace"])
            del store.collections[slug]
            return json_response({})
        if rest == ["items"] and method == "POST":
            _require_writer(request, collection["namespace"])
            _add_item(hub, request, collection)
            return json_response(_body(hub, collection, base=base))
        if len(rest) == 2 and rest[0] == "items" and method == "DELETE":
            _require_writer(request, collection["namespace"])
            kept = [item for item in collection["items"] if item["_id"] != rest[1]]
            if len(kept) == len(collection["items"]):
                raise ApiError(404, "Item not found in this collection")
            for position, item in enumerate(kept):
                item["position"] = position
            collection["items"] = kept
            collection["lastUpdated"] = iso_now()
            return json_response({})
    raise ApiError(404, "Sorry, we can't find the page you are looking for.")


def _create(hub: FakeHub, request: Request, base: str) -> dict[str, Any]:
    body = _json_body(request)
    title, namespace = body.get("title"), body.get("namespace")
    if not isinstance(title, str) or not title.strip():
        raise ApiError(400, '"title" is required', "BadRequest")
    if not isinstance(namespace, str) or not namespace:
        raise ApiError(400, '"namespace" is required', "BadRequest")
    description = body.get("description")
    if description is not None and (not isinstance(description, str) or len(description) > MAX_DESCRIPTION):
        raise ApiError(400, f'"description" must be a string of at most {MAX_DESCRIPTION} characters', "BadRequest")
    _require_writer(request, namespace)
    store = hub.collections
    with store.lock:
        for existing in store.collections.values():
            if existing["namespace"] == namespace and title_slug(existing["title"]) == title_slug(title):
                raise ApiError(409, "You already have a collection with this title", extra={"slug": existing["slug"]})
        object_id = _object_id()
        collection = {
            "slug": f"{namespace}/{title_slug(title)}-{object_id}",
            "namespace": namespace,
            "title": title.strip(),
            "description": description,
            "private": bool(body.get("private", False)),
            "theme": "orange",
            "position": len(store.slugs(namespace)),
            "lastUpdated": iso_now(),
            "items": [],
        }
        store.collections[collection["slug"]] = collection
        return _body(hub, collection, base=base)


def _add_item(hub: FakeHub, request: Request, collection: dict[str, Any]) -> None:
    body = _json_body(request)
    item = body.get("item")
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("type"), str):
        raise ApiError(400, '"item" must be {"id": string, "type": string}', "BadRequest")
    if item["type"] not in ITEM_TYPES:
        raise ApiError(400, f'"item.type" must be one of [{", ".join(ITEM_TYPES)}] on this fake Hub', "BadRequest")
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        raise ApiError(400, f'"note" must be a string of at most {MAX_NOTE} characters', "BadRequest")
    repo = hub.store.get(item["type"], item["id"])
    assert request.viewer is not None
    if repo is None or not hub.store.can_see(repo, request.viewer):
        raise ApiError(404, f"{item['type'].capitalize()} {item['id']} not found")
    if any(i["id"] == item["id"] and i["type"] == item["type"] for i in collection["items"]):
        raise ApiError(409, "Item already in the collection")
    collection["items"].append({"_id": _object_id(), "id": item["id"], "type": item["type"],
                                "position": len(collection["items"]), "note": note})
    collection["lastUpdated"] = iso_now()


def _list(hub: FakeHub, request: Request, base: str) -> Response:
    from .server import json_response

    query = request.query
    owners = set(query.get("owner", []))
    wanted_items = query.get("item", [])
    limit = int(query.get("limit", ["0"])[-1] or 0) or None
    offset = int(query.get("cursor", ["0"])[-1] or 0)
    with hub.collections.lock:
        found = [c for c in reversed(list(hub.collections.collections.values()))
                 if _visible(c, request.viewer) and (not owners or c["namespace"] in owners)
                 and all(any(f"{i['type']}s/{i['id']}" == w for i in c["items"]) for w in wanted_items)]
        size = min(hub.page_size, limit or hub.page_size)
        # a listing's collections carry no "position" (huggingface_hub numbers them itself) and at most 4 items
        page = [{k: v for k, v in _body(hub, c, base=base, items_limit=LIST_ITEMS_SHOWN).items() if k != "position"}
                for c in found[offset:offset + size]]
    headers = []
    if offset + size < len(found):
        pairs = [(k, v) for k, v in request.query_pairs if k != "cursor"] + [("cursor", str(offset + size))]
        headers.append(("Link", f'<{base}{request.raw_path}?{urlencode(pairs)}>; rel="next"'))
    return json_response(page, headers=headers)
