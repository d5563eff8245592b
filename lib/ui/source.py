"""Which source answers a search: the live Hub or the local catalog (`lib.catalog`), both `lib.sources.Source`.

The person chooses in the sidebar, and the choice travels in the URL (`?source=auto|hub|catalog`, left out for
*Automatic*):

* *Automatic*: the live Hub; the local catalog (when it holds the kind) when the query needs what only the catalog
  can answer (a date window, a count range, "has a card", sorting by parameters, a search by words or meaning:
  `SearchQuery.mode`), or when the Hub fails to answer
  (unreachable, slow, a server error: the error's own title says which). After such a failure the catalog answers
  for `RECHECK_S` seconds, then the Hub is asked again. Other failures (rate limits, a refused token, a malformed
  answer) are shown as they are: the catalog would only hide them.
* *Live Hub*, *Local catalog*: that source only (the live Hub for a kind the catalog does not hold, with a note).

Pages ask `offered(kind)` what they may offer (filters, sorts, with the reason for the rest) and `answer(query)`
for the result, the source that answered and a note saying why, when the choice alone does not say it; they never
branch on which source answered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

from lib.catalog import Catalog, CatalogError, CatalogStats
from lib.errors import HubUnavailableError, NotFoundError
from lib.filters import for_kind
from lib.hub.client import hub_capabilities
from lib.query import MODES, SORTS_BY_KIND, Kind, SearchQuery, SearchResult, plural
from lib.records import RepoRecord
from lib.sources import Aggregates, Capabilities, Source, records_aggregates
from lib.ui import hub_cache
from lib.urlstate import SOURCE_CHOICES, SourceChoice

Choice = SourceChoice
CHOICES: dict[Choice, str] = {"auto": "Automatic", "hub": "Live Hub", "catalog": "Local catalog"}
KEY = "source:choice"
URL_SEEN = "source:url"  # the `source` URL value last read or written in this session
_HUB_DOWN = "source:hub_down"  # (monotonic time, note) of the Hub's last failure under Automatic
RECHECK_S = 15.0  # after a failure, Automatic lets the catalog answer this long before asking the Hub again
_LOAD_HINT = "in the sidebar, or with python -m lib.catalog fetch"


class HubSource:
    """The live Hub through the app's cache boundary (`lib.ui.hub_cache`: answers cached, errors not)."""

    name = "hub"
    label = "the live Hub"

    def search(self, query: SearchQuery) -> SearchResult:
        return hub_cache.search(query)

    def aggregates(self, query: SearchQuery) -> Aggregates:
        return records_aggregates(hub_cache.search(query), query.kind)  # the same (cached) page the table shows

    def get(self, kind: Kind, repo_id: str) -> RepoRecord | None:
        try:
            return hub_cache.info(kind, repo_id)
        except NotFoundError:
            return None

    def capabilities(self, kind: Kind) -> Capabilities:
        return hub_capabilities(kind)


LIVE = HubSource()  # stateless


@dataclass(frozen=True)
class Answer:
    """A result, the source that answered it, and why that source when the person's choice alone does not say
    it (a fallback, a kind the catalog lacks, a sort the source cannot do). `note` is plain text."""

    result: SearchResult
    source: Source
    note: str | None = None
    fallback: bool = False  # the catalog answers because the Hub failed (`note` says how)


@st.cache_resource(show_spinner=False)
def _catalog(root: str) -> Catalog:
    return Catalog.open(root)


def catalog() -> Catalog | None:
    """The catalog in the app's home folder, or None when nothing has been loaded into it."""
    try:
        cat = _catalog(str(hub_cache.settings().home))
        return cat if cat.exists else None
    except (CatalogError, OSError):
        return None


@st.cache_data(show_spinner=False, max_entries=8)
def _stats(root: str, version: tuple[tuple[Kind, str], ...], _cat: Catalog) -> CatalogStats:
    return _cat.stats()


def stats(cat: Catalog) -> CatalogStats:
    """The catalog's stats, read once per index generation: `Catalog.stats` sums the size of every file under the
    catalog's folder on each call, which the sidebar would pay on every rerun."""
    return _stats(str(cat.root), cat.versions(), cat)


# --- the choice, kept in the URL ---------------------------------------------------------------------------------
def sync_from_url() -> None:
    """Take the choice from `?source=` when the URL changed from outside (a link, back/forward); a URL without it
    keeps the session's choice (links between our pages do not carry it). Call before the picker is drawn."""
    raw = st.query_params.get("source")
    if raw == st.session_state.get(URL_SEEN):
        return
    st.session_state[URL_SEEN] = raw
    if raw in SOURCE_CHOICES:  # a wrong value is reported by the page's URL notes (lib.urlstate)
        st.session_state[KEY] = raw


def remember_url(value: str | None) -> None:
    """What a page just wrote as `?source=` (so that it is not read back as a change from outside)."""
    st.session_state[URL_SEEN] = value


def choice() -> Choice:
    sync_from_url()
    value = st.session_state.get(KEY, "auto")
    return value if value in SOURCE_CHOICES else "auto"


def _holding(kind: Kind) -> Catalog | None:
    cat = catalog()
    return cat if cat is not None and cat.has(kind) else None


def _no_kind_note(kind: Kind) -> str:
    if catalog() is None:
        return f"There is no local catalog yet (build it {_LOAD_HINT}), so the live Hub answers."
    return f"The local catalog has no {plural(kind)}, so the live Hub answers them."


def _joined(*parts: str | None) -> str | None:
    text = " ".join(p for p in parts if p)
    return text or None


# --- what may be asked -------------------------------------------------------------------------------------------
def offered(kind: Kind) -> Capabilities:
    """What a page may offer under the current choice: the answering source's capabilities; under *Automatic*
    with a catalog, what either source can answer (the query then goes to the one that can). Every reason says
    what to do about it."""
    live = LIVE.capabilities(kind)
    cat = _holding(kind)
    mode = choice()
    if cat is not None and mode == "catalog":
        return cat.capabilities(kind)
    if cat is None:
        loaded = catalog() is not None
        tail = (f" The local catalog has no {plural(kind)}." if loaded
                else f" Build the local catalog to use it ({_LOAD_HINT}).")  # fmt: skip
        return replace(live, unavailable={n: f"{r}{tail}" for n, r in live.unavailable.items()},
                       unsorted={s: f"{r}{tail}" for s, r in live.unsorted.items()},
                       unmoded={m: f"{r}{tail}" for m, r in live.unmoded.items()},
                       hint="Remove those options." if loaded else "Build the local catalog (in the sidebar), or "
                       "remove those options.")  # fmt: skip
    local = cat.capabilities(kind)

    def both(reason: str, other: str, other_can: bool) -> str:
        if other_can:
            return f"{reason} Choose the local catalog under “Answers from” to use it."
        return f"{reason} {other}"

    if mode == "hub":
        return replace(live, unavailable={n: both(r, local.why_not(n), local.can_filter(n))
                                          for n, r in live.unavailable.items()},
                       unsorted={s: both(r, local.why_not_sort(s), local.can_sort(s))
                                 for s, r in live.unsorted.items()},
                       unmoded={m: both(r, local.why_not_mode(m), local.can_mode(m))
                                for m, r in live.unmoded.items()})  # fmt: skip
    filters = live.filters | local.filters
    sorts = tuple(s for s in SORTS_BY_KIND[kind] if live.can_sort(s) or local.can_sort(s))
    return Capabilities(
        kind=kind, source="the live Hub or the local catalog", filters=filters, sorts=sorts,
        default_sort=live.default_sort,
        unavailable={f.name: f"{live.why_not(f.name)} {local.why_not(f.name)}" for f in for_kind(kind)
                     if f.name not in filters},
        unsorted={s: f"{live.why_not_sort(s)} {local.why_not_sort(s)}" for s in SORTS_BY_KIND[kind] if s not in sorts},
        coverage=local.coverage, hint="Remove those options.",
        modes=tuple(m for m in MODES if live.can_mode(m) or local.can_mode(m)),
        unmoded={m: f"{live.why_not_mode(m)} {local.why_not_mode(m)}" for m in MODES
                 if not (live.can_mode(m) or local.can_mode(m))},
    )  # fmt: skip


# --- answering ---------------------------------------------------------------------------------------------------
def _ask(src: Source, query: SearchQuery, note: str | None = None, *, fallback: bool = False) -> Answer:
    """`src`'s answer, with the query's sort changed to one it can answer (and the reason) when it cannot."""
    fitted, why = src.capabilities(query.kind).fit_sort(query)
    return Answer(src.search(fitted), src, _joined(note, why), fallback=fallback)


def _snapshot(cat: Catalog, kind: Kind) -> str:
    found = stats(cat).kinds.get(kind)
    when = found.snapshot_date if found is not None else None
    return f" (snapshot {when.isoformat()})" if when else ""


def _recent_failure() -> str | None:
    down = st.session_state.get(_HUB_DOWN)
    if down and time.monotonic() - down[0] < RECHECK_S:
        return down[1]
    st.session_state.pop(_HUB_DOWN, None)
    return None


def answer(query: SearchQuery) -> Answer:
    """Answer from the source the choice, the query and the Hub's health call for (see the module docstring)."""
    kind = query.kind
    offered(kind).check(query, sort=False)  # a filter no source here can apply: say why, and what to do
    mode = choice()
    cat = _holding(kind)
    if mode == "catalog":
        return _ask(cat, query) if cat is not None else _ask(LIVE, query, _no_kind_note(kind))
    if mode == "hub" or cat is None:
        return _ask(LIVE, query)
    live, local = LIVE.capabilities(kind), cat.capabilities(kind)
    refused = live.refusals(query, sort=False)
    if refused:  # only the catalog can apply these filters
        local.check(query, sort=False)
        return _ask(cat, query, f"{' '.join(refused)} The local catalog answers{_snapshot(cat, kind)}.")
    if not live.can_sort(query.sort) and local.can_sort(query.sort):
        return _ask(cat, query, f"{live.why_not_sort(query.sort)} The local catalog answers{_snapshot(cat, kind)}.")
    stand_in = not local.refusals(query, sort=False)  # the catalog can answer this query's filters
    down = _recent_failure()
    if down is not None and stand_in:
        return _ask(cat, query, down, fallback=True)
    try:
        return _ask(LIVE, query)
    except HubUnavailableError as err:  # unreachable, slow or a server error: the catalog can stand in
        if not stand_in:
            raise  # the Hub's own error says what happened; the catalog's data could not answer anyway
        note = f"{err.title}: {err.message} The local catalog answers instead{_snapshot(cat, kind)}."
        st.session_state[_HUB_DOWN] = (time.monotonic(), note)
        return _ask(cat, query, note, fallback=True)


def search(query: SearchQuery) -> SearchResult:
    """The result `answer()` gives (for views that only need the records)."""
    return answer(query).result


def exporter(src: Source) -> Callable[[SearchQuery], SearchResult]:
    """`src`'s search as a plain function an export may call outside a script run (a download button's callable
    runs on a server thread): the catalog itself, or the Hub client (not the cache boundary, which needs a run)."""
    if isinstance(src, HubSource):
        return hub_cache.client().search
    return src.search


def no_stand_in(query: SearchQuery) -> str | None:
    """When the Hub failed under *Automatic*: why the catalog could not answer instead (plain text), if one is
    loaded: it lacks the kind, or the data this query's filters need."""
    if choice() != "auto" or catalog() is None:
        return None
    cat = _holding(query.kind)
    if cat is None:
        return f"The local catalog has no {plural(query.kind)} to answer instead."
    reasons = cat.capabilities(query.kind).refusals(query, sort=False)
    return f"The local catalog cannot answer this search instead: {' '.join(reasons)}" if reasons else None


def info(kind: Kind, repo_id: str) -> tuple[RepoRecord, str | None]:
    """A repo's full record from the Hub; when the Hub cannot answer (unreachable, slow, a server error), the
    catalog's copy with a note that says what happened."""
    try:
        return hub_cache.info(kind, repo_id), None
    except HubUnavailableError as err:
        cat = _holding(kind)
        record = cat.get(kind, repo_id) if cat is not None else None
        if record is None:
            raise
        return record, f"{err.title}: this is the local catalog's copy (no files or card)."


def sidebar(where: Any = None) -> None:
    """The source picker and the local catalog: what it holds (and lacks), how old each kind is, building and
    refreshing it (`lib.ui.catalog_panel`); in the sidebar, or in `where` (a container in it)."""
    from lib.ui import catalog_panel  # it imports lib.ui.components, which imports this module

    sync_from_url()
    cat = catalog()
    with where if where is not None else st.sidebar:
        if cat is not None:
            st.radio("Answers from", list(CHOICES), key=KEY, format_func=CHOICES.__getitem__, horizontal=True,
                     help="Automatic uses the live Hub, and the local catalog when only it can answer a filter or "
                          "sort, or when the Hub does not answer.")  # fmt: skip
        catalog_panel.render(cat)
