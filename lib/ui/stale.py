"""The last good answers of this session, shown marked stale when the Hub fails on the same request.

One place for every page that shows what the Hub answered before: the browse pages' and the home page's searches, a
detail view's record and the compare page's facts. `fetch(key, ask)` returns `ask()`'s answer and keeps it; when
`ask()` fails and this session had an answer for the same key, it returns that answer with a `Stale` saying when it
was fetched and what fails now. The page shows the error (what happened, what to do, the countdown to the next try)
and the kept answer under a "stale" note, instead of an empty page.

Answers live in `st.session_state` (per session, never in a module global that every user of the server shares),
at most `MAX_KEPT` of them, least recently used dropped first, and each key includes the settings' key (endpoints
and a fingerprint of the token), so that an answer fetched with one token is never shown under another.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import streamlit as st

from lib.errors import HubExplorerError, InvalidQueryError
from lib.format import md_escape
from lib.ui import hub_cache

T = TypeVar("T")
KEY = "stale:answers"
MAX_KEPT = 64


@dataclass(frozen=True)
class Stale:
    """A kept answer stands in: fetched `at` (the server's local time), while asking again fails with `error`."""

    at: datetime
    error: HubExplorerError

    def note(self, what: str | None = None) -> str:
        """Plain text (show it escaped); `what` names what is stale when it is not the whole answer."""
        return (f"Stale{f' ({what})' if what else ''}: from {self.at:%H:%M %Z}".rstrip()
                + f", the Hub is failing now ({self.error.title}). This is the last answer this session had; it is "
                "replaced as soon as the Hub answers again.")


def _store() -> OrderedDict[Hashable, tuple[Any, datetime]]:
    store = st.session_state.get(KEY)
    if not isinstance(store, OrderedDict):
        store = st.session_state[KEY] = OrderedDict()
    return store


def _full(key: Hashable) -> Hashable:
    return (hub_cache.answers_key(hub_cache.settings()), key)


def keep(key: Hashable, value: Any) -> None:
    """Remember `value` as the last good answer for `key` (now)."""
    store = _store()
    full = _full(key)
    store[full] = (value, datetime.now().astimezone())
    store.move_to_end(full)
    while len(store) > MAX_KEPT:
        store.popitem(last=False)


def kept(key: Hashable, error: HubExplorerError) -> tuple[Any, Stale] | None:
    """The last good answer for `key` and the `Stale` note for it, when this session has one and `error` is a
    failure of the Hub (not of the request itself: an invalid query has no stale answer)."""
    if isinstance(error, InvalidQueryError):
        return None
    found = _store().get(_full(key))
    if found is None:
        return None
    return found[0], Stale(found[1], error)


def fetch(key: Hashable, ask: Callable[[], T]) -> tuple[T, Stale | None]:
    """`ask()`'s answer (kept for later), or the last good one for `key` with a `Stale` when `ask()` fails and this
    session has one; otherwise the failure is raised."""
    try:
        value = ask()
    except HubExplorerError as err:
        found = kept(key, err)
        if found is None:
            raise
        return found
    keep(key, value)
    return value, None


def show(stale: Stale, what: str | None = None) -> None:
    """The stale note, above the kept answer."""
    st.warning(md_escape(stale.note(what)), icon=":material/history:")
