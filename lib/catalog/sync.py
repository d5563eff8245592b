"""Sync a kind from the Hub: page through `GET /api/{kind}`, upsert each page, remember where it stands.

The listing goes through the typed client's `HfApi` session (its endpoint, token and the fail-fast transport of
`lib.hub.http`), but page by page rather than through `HfApi.list_models`, because resuming needs the cursor: the
next page's URL (the Hub's `Link: <...>; rel="next"`) is saved in the store after every page, so a sync that was
stopped (a limit, a rate limit, a lost connection, Ctrl-C) continues where it left off next time.

On a 429 the transport raises `RateLimitedError` at once with the wait the Hub asked for; the sync waits that long
(when it is at most `max_wait`) and asks for the same page again. Everything fetched before is already stored.

A catch-up sync (`lib.catalog.hubstats`' refresh) lists by last modification, newest first (`sort`), and stops at
the first item the catalog already holds unchanged (`stop_at`); it hands its pages to a `SyncTarget` that keeps
them in memory, so that they are stored together, in one transaction, once the listing has caught up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from huggingface_hub import HfApi
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

from lib import errors
from lib.catalog.store import SyncCursor, Upserted
from lib.hub.client import LIST_EXPAND
from lib.query import Kind
from lib.translate import translated

PAGE_SIZE = 1000  # the Hub's largest page
DEFAULT_WAIT = 60.0  # seconds, when a 429 does not say how long

#: Fields asked for while syncing: what the list pages show, plus what the catalog searches.
SYNC_EXPAND: dict[Kind, list[str]] = {
    "models": [*LIST_EXPAND["models"], "disabled", "sha"],
    "datasets": [*LIST_EXPAND["datasets"], "description", "citation", "disabled", "sha", "paperswithcode_id"],
    "spaces": [*LIST_EXPAND["spaces"], "disabled", "sha", "subdomain"],
}


@dataclass(frozen=True)
class SyncEvent:
    """What a sync is doing now: ``page`` (a page was stored) or ``wait`` (rate limited, sleeping)."""

    kind: Kind
    phase: str
    fetched: int
    limit: int | None = None
    wait_s: float | None = None


@dataclass
class SyncReport:
    """The outcome of one sync run. `finished` means the listing reached its end (the cursor is cleared)."""

    kind: Kind
    endpoint: str
    fetched: int = 0
    total_fetched: int = 0
    pages: int = 0
    waits: int = 0
    waited_s: float = 0.0
    finished: bool = False
    resumed: bool = False
    stopped: str | None = None  # "limit", "rate-limited" or None
    caught_up: bool = False  # a `stop_at` sync reached an item the catalog already held (then `finished` too)
    retry_after: float | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class SyncTarget(Protocol):
    """Where a sync puts its pages and keeps its cursor: the `Store`, or a buffer that stores them later."""

    def cursor(self, kind: Kind) -> SyncCursor | None: ...
    def save_cursor(self, cursor: SyncCursor) -> None: ...
    def clear_cursor(self, kind: Kind) -> None: ...
    def ingest_items(self, kind: Kind, items: list[dict[str, Any]]) -> Upserted: ...


def first_url(api: HfApi, kind: Kind, page_size: int, sort: str | None = None) -> tuple[str, list[tuple[str, Any]]]:
    """The first page's URL and query parameters (`sort`: an API sort field such as ``lastModified``)."""
    params: list[tuple[str, Any]] = [("limit", page_size)] + [("expand", e) for e in SYNC_EXPAND[kind]]
    if sort:
        params.append(("sort", sort))
    return f"{api.endpoint.rstrip('/')}/api/{kind}", params


def fetch_page(api: HfApi, url: str, params: list[tuple[str, Any]] | None) -> tuple[list[dict[str, Any]], str | None]:
    """One page of items and the next page's URL (None at the end). Raises `lib.errors` errors only."""
    headers = build_hf_headers(token=api.token, library_name=api.library_name,
                               library_version=api.library_version, user_agent=api.user_agent)  # fmt: skip
    with translated("The Hub listing"):
        response = get_session().get(url, params=params, headers=headers)
        hf_raise_for_status(response)
        items = response.json()
        if not isinstance(items, list):
            raise errors.MalformedAnswerError("The Hub's listing was not a list of items.")
        next_url = response.links.get("next", {}).get("url")
    return [i for i in items if isinstance(i, dict)], next_url


def run_sync(
    store: SyncTarget,
    api: HfApi,
    kind: Kind,
    *,
    limit: int | None = None,
    restart: bool = False,
    on_event: Callable[[SyncEvent], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_wait: float = 600.0,
    max_waits: int = 10,
    page_size: int = PAGE_SIZE,
    sort: str | None = None,
    stop_at: Callable[[list[dict[str, Any]]], int | None] | None = None,
) -> SyncReport:
    """Fetch up to `limit` items (all when None) of `kind`, resuming a saved cursor unless `restart`.

    `sort` orders the listing (descending); `stop_at(page)` gives the position of the first item of a page that
    ends the sync (the catalog already holds it), or None to go on."""
    report = SyncReport(kind=kind, endpoint=api.endpoint)
    emit = on_event or (lambda event: None)
    cursor = None if restart else store.cursor(kind)
    if restart:
        store.clear_cursor(kind)
    if cursor is not None:
        url, params, skip = cursor.next_url, None, int(cursor.params.get("skip", 0))
        report.resumed, report.total_fetched, started = True, cursor.fetched, cursor.started_at
    else:
        url, params = first_url(api, kind, min(page_size, limit) if limit else page_size, sort)
        skip, started = 0, datetime.now(UTC)
    consecutive_waits = 0
    while True:
        if limit is not None and report.fetched >= limit:
            report.stopped = "limit"
            return report
        try:
            items, next_url = fetch_page(api, url, params)
        except errors.RateLimitedError as exc:
            wait = exc.retry_after if exc.retry_after is not None else DEFAULT_WAIT
            if wait > max_wait or consecutive_waits >= max_waits:
                report.stopped, report.retry_after = "rate-limited", wait
                return report
            emit(SyncEvent(kind, "wait", report.total_fetched, limit, wait_s=wait))
            sleep(wait)
            consecutive_waits += 1
            report.waits += 1
            report.waited_s += wait
            continue
        consecutive_waits = 0
        page = items[skip:]
        cut = stop_at(page) if stop_at is not None else None
        if cut is not None:
            page, next_url, report.caught_up = page[:cut], None, True
        room = None if limit is None else limit - report.fetched
        taken = page if room is None else page[:room]
        store.ingest_items(kind, taken)
        report.fetched += len(taken)
        report.total_fetched += len(taken)
        report.pages += 1
        if room is not None and len(page) > room:  # stopped inside this page: come back to it
            store.save_cursor(SyncCursor(kind, _full_url(url, params), report.total_fetched, started,
                                         {"skip": skip + len(taken)}))  # fmt: skip
            emit(SyncEvent(kind, "page", report.total_fetched, limit))
            report.stopped = "limit"
            return report
        if next_url is None:
            store.clear_cursor(kind)
            report.finished = True
            emit(SyncEvent(kind, "page", report.total_fetched, limit))
            return report
        store.save_cursor(SyncCursor(kind, next_url, report.total_fetched, started, {}))
        emit(SyncEvent(kind, "page", report.total_fetched, limit))
        url, params, skip = next_url, None, 0


def _full_url(url: str, params: list[tuple[str, Any]] | None) -> str:
    """A URL with its query parameters written into it (the first page's, to save as a cursor)."""
    if not params:
        return url
    return f"{url}?{urlencode(params)}"
