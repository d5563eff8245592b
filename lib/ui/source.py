"""Which source answers a search: the live Hub or the local catalog (`lib.catalog`), behind one contract.

The person chooses in the sidebar: *Automatic* (the live Hub; the catalog when the Hub is unreachable and the
catalog holds that kind), *Live Hub* or *Local catalog*. Both answer `lib.query.SearchQuery` with a
`lib.query.SearchResult`, so pages do not care which one did; the result's `source` says it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import streamlit as st

from lib.catalog import Catalog, CatalogError
from lib.errors import HubExplorerError, HubUnreachableError
from lib.format import md_escape
from lib.query import Kind, SearchQuery, SearchResult
from lib.records import RepoRecord
from lib.ui import hub

Choice = Literal["auto", "hub", "catalog"]
CHOICES: dict[Choice, str] = {"auto": "Automatic", "hub": "Live Hub", "catalog": "Local catalog"}
KEY = "source:choice"
#: Facets counted when the catalog answers: each filter in the sidebar shows its values' counts.
FACETS: dict[Kind, tuple[str, ...]] = {
    "models": ("task", "library", "license", "author", "language"),
    "datasets": ("task", "license", "author", "language"),
    "spaces": ("sdk", "hardware", "license", "author"),
}


@dataclass(frozen=True)
class Active:
    source: Literal["hub", "catalog"]
    note: str | None = None  # why the catalog answers instead of the Hub, when it was not chosen


@st.cache_resource(show_spinner=False)
def _catalog(root: str) -> Catalog:
    return Catalog.open(root)


def catalog() -> Catalog | None:
    """The catalog in the app's home folder, or None when nothing has been loaded into it."""
    try:
        cat = _catalog(str(hub.settings().home))
        return cat if cat.exists else None
    except (CatalogError, OSError):
        return None


def active(kind: Kind) -> Active:
    choice: Choice = st.session_state.get(KEY, "auto")
    cat = catalog()
    has_kind = cat is not None and cat.has(kind)
    if choice == "catalog" and has_kind:
        return Active("catalog")
    if choice == "hub" or not has_kind:
        return Active("hub")
    if not hub.ping().ok:
        return Active("catalog", "The Hub is unreachable, so the local catalog answers.")
    return Active("hub")


def search(query: SearchQuery) -> SearchResult:
    """Answer from the active source. An unreachable Hub falls back to the catalog when it holds the kind."""
    now = active(query.kind)
    cat = catalog()
    if now.source == "catalog" and cat is not None:
        return cat.search(query, facets=FACETS[query.kind])
    try:
        return hub.search(query)
    except HubUnreachableError:
        if cat is not None and cat.has(query.kind) and st.session_state.get(KEY, "auto") == "auto":
            st.session_state["source:fallback_note"] = "The Hub did not answer, so the local catalog answers."
            return cat.search(query, facets=FACETS[query.kind])
        raise


def info(kind: Kind, repo_id: str) -> tuple[RepoRecord, str | None]:
    """A repo's full record from the Hub; when the Hub is unreachable, the catalog's copy with a note."""
    try:
        return hub.info(kind, repo_id), None
    except HubExplorerError as err:
        cat = catalog()
        if isinstance(err, HubUnreachableError) and cat is not None and cat.has(kind):
            record = cat.get(kind, repo_id)
            if record is not None:
                return record, "The Hub is unreachable: this is the local catalog's copy (no files or card)."
        raise


def sorts_known(kind: Kind) -> tuple[str, ...] | None:
    """The sorts the catalog's data supports for a kind (a snapshot may lack trending scores); None: all."""
    cat = catalog()
    if cat is None or not cat.has(kind):
        return None
    stats = cat.stats().kinds.get(kind)
    return tuple(stats.sorts_known) if stats is not None else None


def sidebar() -> None:
    """The source picker and what the catalog holds."""
    cat = catalog()
    with st.sidebar:
        if cat is None:
            st.caption("No local catalog yet: `python -m lib.catalog load …` builds one (see the README).")
            st.session_state[KEY] = "auto"
            return
        st.radio("Answers from", list(CHOICES), key=KEY, format_func=CHOICES.__getitem__, horizontal=True,
                 help="Automatic uses the live Hub, and the local catalog when the Hub is unreachable.")
        stats = cat.stats()
        lines = []
        for kind, ks in stats.kinds.items():
            when = ks.snapshot_date.isoformat() if ks.snapshot_date else "date unknown"
            lines.append(f"{ks.count:,} {kind} · snapshot {when}")
        st.caption("Local catalog: " + md_escape("; ".join(lines)))
