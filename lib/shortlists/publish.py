"""Publish a shortlist as a Hugging Face Collection: one collection, then each model, dataset and Space with its note.

```
can_publish(api, token, namespace=None) -> PublishAccess   may this token create collections there? (whoami: the
                                                            token's role, its fine-grained scopes, the user's orgs)
publish(shortlist, api=, namespace=, title=, private=, notes=True, token=) -> PublishResult(url, slug, added,
                                                            skipped, shortened, description_shortened)
```

All or nothing, and always said: access is checked before anything is created; a title already used in the
namespace is refused (`CollectionExistsError`, with the existing collection's URL and a title to try instead); when
the Hub fails midway, the half-made collection is deleted and `PublishFailedError` says what was done and undone
("The collection was created but 3 of 7 items could not be added; it was removed, so nothing was published.", or
"... and it could not be removed: <url>"). Items the Hub no longer has (deleted, renamed, private to others) are
skipped and listed in the result; if none could be added, the empty collection is removed. The Hub caps notes at 500
characters and descriptions at 150: longer ones are cut with an ellipsis and the result says which.

The token is an argument, passed to each call and to nothing else: it is not kept here, in the result, in an error
or in the shortlists store, and translated error texts have it scrubbed. Every failure of huggingface_hub goes
through `lib.translate` (`service="collection"`).

Errors (subclasses of the app's, `lib.errors`):

```
HubExplorerError
├── AccessError (PermissionError)
│   └── PublishAccessError     no token, a refused token, or one that may not write collections in that namespace
├── CollectionExistsError      the namespace has a collection of that title: `.url`, `.slug`, `.suggestion`
└── PublishFailedError         the Hub failed (down, slow, rate limited...): `.cause` (the app error), `.created`,
                               `.removed`, `.url` of a collection left behind (None when nothing is)
```
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from huggingface_hub import HfApi

from lib import errors, names
from lib.query import Kind
from lib.shortlists.records import KIND_WORDS, Shortlist
from lib.translate import translate

__all__ = [
    "MAX_DESCRIPTION", "MAX_NOTE", "MAX_TITLE", "CollectionExistsError", "PublishAccess", "PublishAccessError",
    "PublishFailedError", "PublishResult", "Skipped", "can_publish", "publish",
]

MAX_NOTE = 500  # the Hub's limit for an item's note
MAX_DESCRIPTION = 150  # ... and for a collection's description
MAX_TITLE = 60  # ours: a shortlist name's limit (lib.store.schema.MAX_LIST_NAME)
ITEM_TYPE: dict[str, str] = {"models": "model", "datasets": "dataset", "spaces": "space"}
WRITE_ROLES = frozenset({"write", "admin"})  # classic tokens that write
ORG_WRITE_ROLES = frozenset({"admin", "write", "contributor"})  # org members who may create in the org
ELLIPSIS = "…"


# --- errors ------------------------------------------------------------------------------------------------------


class PublishAccessError(errors.AccessError):
    title = "Cannot publish with this token"
    hint = ("Publishing needs a Hugging Face token with write access: a “write” token, or a fine-grained token "
            "allowed to write collections in that namespace (huggingface.co/settings/tokens). Nothing was published.")


class CollectionExistsError(errors.HubExplorerError):
    title = "A collection with this title exists"

    def __init__(self, message: str, *, slug: str | None = None, url: str | None = None,
                 suggestion: str | None = None) -> None:
        self.slug, self.url, self.suggestion = slug, url, suggestion
        hint = "Nothing was published. Choose another title"
        hint += f", for example “{suggestion}”." if suggestion else "."
        super().__init__(message, hint=hint)


class PublishFailedError(errors.HubExplorerError):
    """The Hub failed while publishing. The message says what exists now; `cause` is the Hub's failure."""

    title = "Not published"

    def __init__(self, message: str, *, cause: errors.HubExplorerError, created: bool = False,
                 removed: bool = False, url: str | None = None) -> None:
        self.cause, self.created, self.removed, self.url = cause, created, removed, url
        self.retryable = cause.retryable
        super().__init__(message, hint=cause.hint)


# --- records -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishAccess:
    """Whether a token may publish, and why (unpacks as `ok, reason`). `namespaces`: where it may create
    collections (the user's own name first); `user`: the token's owner."""

    ok: bool
    reason: str
    user: str | None = None
    namespaces: tuple[str, ...] = ()

    def __iter__(self):  # `ok, reason = can_publish(...)`
        return iter((self.ok, self.reason))


@dataclass(frozen=True)
class Skipped:
    """An item that is not in the collection, and why."""

    repo: str
    kind: Kind
    reason: str


@dataclass(frozen=True)
class PublishResult:
    url: str  # the collection's page on the Hub
    slug: str
    added: tuple[str, ...]  # repo ids, in the list's order
    skipped: tuple[Skipped, ...] = ()
    shortened: tuple[str, ...] = ()  # repos whose note was cut to MAX_NOTE characters
    description_shortened: bool = False

    def summary(self) -> str:
        """The outcome in plain words (repo ids and reasons are the Hub's and ours, not Markdown)."""
        count = len(self.added)
        parts = [f"Published {count} item{'s' if count != 1 else ''} at {self.url}."]
        if self.skipped:
            parts.append("Not added: " + "; ".join(f"{s.repo} ({s.reason})" for s in self.skipped) + ".")
        if self.shortened:
            parts.append(f"Notes cut to {MAX_NOTE} characters for: {', '.join(self.shortened)}.")
        if self.description_shortened:
            parts.append(f"The description was cut to {MAX_DESCRIPTION} characters.")
        return " ".join(parts)


# --- access ------------------------------------------------------------------------------------------------------


def _api(client_or_api: Any) -> HfApi:
    """An `HfApi`, or a `lib.hub.HubClient` (its `.api`)."""
    return getattr(client_or_api, "api", client_or_api)


def writable_namespaces(whoami: dict[str, Any]) -> tuple[str, ...] | None:
    """Where the token behind a `whoami-v2` answer may create collections: the user's name first, then orgs. None
    when the answer does not say what the token may do (an unknown role or kind of token)."""
    user = whoami.get("name")
    access = (whoami.get("auth") or {}).get("accessToken") or {}
    role = access.get("role")
    org_roles = {o.get("name"): o.get("roleInOrg") for o in whoami.get("orgs") or [] if o.get("name")}
    member = [n for n in [user, *org_roles] if n and (n == user or org_roles.get(n) in ORG_WRITE_ROLES)]
    if role == "read":
        return ()
    if role in WRITE_ROLES:
        return tuple(member)
    if role == "fineGrained":
        scoped = (access.get("fineGrained") or {}).get("scoped") or []
        allowed = {(e.get("entity") or {}).get("name") for e in scoped
                   if "collection.write" in (e.get("permissions") or [])}
        return tuple(n for n in member if n in allowed)
    return None


def can_publish(client_or_api: Any, token: str | None = None, *, namespace: str | None = None) -> PublishAccess:
    """May `token` (else the client's own) create a collection in `namespace` (default: the token's user)? Asks
    the Hub who the token is (`whoami`). A refused or missing token is a "no"; a Hub that cannot answer raises
    the app's error (it is not a "no")."""
    api = _api(client_or_api)
    token = token or api.token or None
    if not token:
        return PublishAccess(False, "No Hugging Face token is set, and publishing needs one with write access.")
    try:
        who = api.whoami(token=token)
    except Exception as exc:  # every failure goes through the error seam
        err = translate(exc, what="The token", service="collection", token=token)
        if isinstance(err, errors.AccessError):
            return PublishAccess(False, str(err))
        raise err from exc
    user = who.get("name")
    if who.get("type") not in (None, "user"):
        return PublishAccess(False, f"This token belongs to {_kind_of(who)}, not to a person: publishing needs a "
                                    "person's token.", user=user)
    target = namespace or user
    places = writable_namespaces(who)
    if places is None:
        return PublishAccess(True, f"The Hub does not say what this token may do; publishing to {target} will be "
                                   "tried, and a refusal reported.", user=user, namespaces=(target,) if target else ())
    role = ((who.get("auth") or {}).get("accessToken") or {}).get("role")
    if not places:
        reason = ("This token can only read (role “read”)." if role == "read" else
                  "This fine-grained token may not write collections anywhere.")
        return PublishAccess(False, reason + " Publishing needs write access.", user=user)
    if target not in places:
        if role == "fineGrained":
            reason = f"This fine-grained token may not write collections in {target}."
        else:
            reason = f"{user} may not create collections in {target} (not a member with write access)."
        return PublishAccess(False, reason + f" It may in: {', '.join(places)}.", user=user, namespaces=places)
    return PublishAccess(True, f"Publishing as {user} in {target}.", user=user, namespaces=places)


def _kind_of(who: dict[str, Any]) -> str:
    return {"org": "an organization", "app": "an app"}.get(str(who.get("type")), "something else")


# --- publishing --------------------------------------------------------------------------------------------------


def _cut(text: str, limit: int) -> tuple[str, bool]:
    return (text, False) if len(text) <= limit else (text[: limit - 1].rstrip() + ELLIPSIS, True)


def _suggest(title: str, today: datetime | None = None) -> str:
    stamp = f" ({(today or datetime.now(UTC)):%Y-%m-%d})"
    return title[: MAX_TITLE - len(stamp)].rstrip() + stamp


def publish(
    shortlist: Shortlist,
    *,
    api: Any,
    namespace: str | None,
    title: str,
    private: bool,
    notes: bool = True,
    token: str | None = None,
    description: str | None = None,
) -> PublishResult:
    """Create the collection `title` in `namespace` (None: the token's user) and add every item of `shortlist`, in
    its order, with its note (`notes=False`: none). `description`: the collection's (default: the list's). `api`: an
    `HfApi` or a `HubClient`; `token`: the token to publish with (default: the client's own), never stored."""
    hf = _api(api)
    token = token or hf.token or None  # always explicit: never huggingface_hub's fallback to a token file or env
    try:
        title = names.clean_name(title, what="collection title", max_len=MAX_TITLE)
    except ValueError as exc:
        raise errors.InvalidQueryError(str(exc) + " Nothing was published.") from None
    items = list(shortlist.items)
    if not items:
        raise errors.InvalidQueryError(f"“{shortlist.name}” has no items: there is nothing to publish.")
    try:
        access = can_publish(hf, token, namespace=namespace)
    except errors.HubExplorerError as err:
        raise PublishFailedError(f"Nothing was published: {err}", cause=err) from err
    if not access.ok:
        raise PublishAccessError(access.reason)
    namespace = namespace or access.user
    text, description_cut = _cut((shortlist.description if description is None else description).strip(),
                                 MAX_DESCRIPTION)
    what = f"A collection titled “{title}” in {namespace}"
    try:
        made = hf.create_collection(title, namespace=namespace, description=text or None, private=private,
                                    token=token)
    except Exception as exc:  # every failure goes through the error seam
        raise _creation_failed(hf, exc, title=title, namespace=namespace, token=token, what=what) from exc

    added: list[str] = []
    skipped: list[Skipped] = []
    shortened: list[str] = []
    for item in items:
        note = item.note.strip() if notes else ""
        note, cut = _cut(note, MAX_NOTE)
        try:
            hf.add_collection_item(made.slug, item.repo, ITEM_TYPE[item.kind], note=note or None, exists_ok=True,
                                   token=token)
        except Exception as exc:  # every failure goes through the error seam
            err = translate(exc, what=f"The {KIND_WORDS[item.kind]} {item.repo}", service="collection", token=token)
            if isinstance(err, (errors.NotFoundError, errors.InvalidQueryError)):
                reason = ("not on the Hub: deleted, renamed or private" if isinstance(err, errors.NotFoundError)
                          else f"refused by the Hub: {err}")
                skipped.append(Skipped(item.repo, item.kind, reason))
                continue
            raise _undo(hf, made.slug, made.url, token, cause=err, total=len(items), added=len(added),
                        failed=item.repo) from exc
        added.append(item.repo)
        if cut:
            shortened.append(item.repo)
    if not added:
        cause = errors.NotFoundError(f"None of the {len(items)} items is on the Hub any more.")
        raise _undo(hf, made.slug, made.url, token, cause=cause, total=len(items), added=0, failed=None)
    return PublishResult(url=made.url, slug=made.slug, added=tuple(added), skipped=tuple(skipped),
                         shortened=tuple(shortened), description_shortened=description_cut)


def _creation_failed(hf: HfApi, exc: Exception, *, title: str, namespace: str, token: str | None,
                     what: str) -> errors.HubExplorerError:
    err = translate(exc, what=what, service="collection", token=token)
    if isinstance(err, CollectionExistsError):  # the seam knows the existing one; a title to try is ours to offer
        return CollectionExistsError(str(err), slug=err.slug, url=err.url, suggestion=_suggest(title))
    if isinstance(err, PublishAccessError):
        return err
    if not isinstance(err, errors.HubUnreachableError):  # an answer came back: nothing was created
        return PublishFailedError(f"Nothing was published: {err}", cause=err)
    # No answer (timeout, dropped connection): the Hub may have created it. Look once, and say what was found.
    page = f"{hf.endpoint}/{namespace}"
    try:
        found = [c for c in hf.list_collections(owner=namespace, token=token) if c.title == title]
    except Exception:  # noqa: BLE001 - the Hub is failing: say that it could not be checked
        return PublishFailedError(
            f"The Hub did not answer while the collection “{title}” was being created ({err}), so it may exist "
            f"without its items. It could not be checked: look at {page} and delete it if it is there.", cause=err)
    if found:
        url = f"{hf.endpoint}/collections/{found[0].slug}"  # not `.url`: list_collections builds it from HF_ENDPOINT
        return PublishFailedError(
            f"The Hub did not answer while the collection “{title}” was being created ({err}). A collection of that "
            f"title is now at {url}: it may be this one, without its items. Check it, then delete it or publish "
            "under another title.", cause=err, created=True, url=url)
    return PublishFailedError(f"The Hub did not answer while the collection “{title}” was being created ({err}). "
                              f"No collection titled “{title}” is in {namespace} now, but the Hub may still be "
                              f"creating it: check {page} in a minute.", cause=err)


def _undo(hf: HfApi, slug: str, url: str, token: str | None, *, cause: errors.HubExplorerError, total: int,
          added: int, failed: str | None) -> PublishFailedError:
    """Delete the half-made collection; the error that says what happened, whether or not it could be deleted."""
    head = f"The collection was created but {total - added} of {total} items could not be added"
    why = f"Adding {failed} failed: {cause}" if failed else str(cause)
    try:
        hf.delete_collection(slug, missing_ok=True, token=token)
    except Exception as exc:  # noqa: BLE001 - every failure goes through the error seam
        left = translate(exc, what="The collection", service="collection", token=token)
        return PublishFailedError(f"{head}, and it could not be removed: {url}. Delete it there, or complete it by "
                                  f"hand. {why.rstrip('.')}; removing it failed: {left}", cause=cause, created=True,
                                  url=url)
    return PublishFailedError(f"{head}; it was removed, so nothing was published. {why}", cause=cause,
                              created=True, removed=True)
