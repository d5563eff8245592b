"""The sidebar's local catalog: build it from the Hub's published metadata on a first visit, see each kind's age,
refresh it, all without leaving the app.

The work runs in a background thread per server process and catalog folder (`lib.catalog.jobs.JobBoard`, held in
`st.cache_resource`; a file lock beside the folder keeps other processes out): two visitors clicking "Build" build
it once, and every session sees the running job's progress in a fragment that redraws itself every `POLL_S`
seconds (`st.fragment(run_every=...)`, only while a job runs), then reruns the whole page once when it ends, so
the page answers from the new catalog at once (`lib.ui.source.catalog()` holds a `Catalog` that follows the
folder's live index generation; nothing else needs clearing). Searches during a refresh answer from the previous
generation. Failures come through the app's error seam (`show_error`), with Retry; the catalog stays as it was.
"""

from __future__ import annotations

import time
from datetime import datetime

import streamlit as st

from lib.catalog import Catalog
from lib.catalog.hubstats import DEFAULT_REPO, remote_revision
from lib.catalog.jobs import Action, JobBoard, Snapshot, ages, download_size, words
from lib.errors import HubExplorerError
from lib.format import human_bytes, md_escape
from lib.query import KINDS, Kind
from lib.ui import hub_cache, source
from lib.ui.components import show_error

POLL_S = 1.0  # how often a running job's progress is redrawn
_WATCHING = "catalog:watching"  # the id of the job this session saw running (its end reruns the page once)
_DISMISSED = "catalog:dismissed"  # ids of finished jobs whose outcome this session put away
_KINDS_KEY = "catalog:build_kinds"
_VERBS: dict[Action, tuple[str, str]] = {"fetch": ("Building the local catalog", "Built the local catalog"),
                                         "refresh": ("Refreshing the local catalog", "Refreshed the local catalog")}  # fmt: skip


@st.cache_resource(show_spinner=False)
def _board(root: str) -> JobBoard:
    """The jobs of one catalog folder, shared by every session of this server process."""
    return JobBoard(root=Catalog.open(root).root)


_SIZE_ASKED = "catalog:size_asked"


def board() -> JobBoard:
    return _board(str(hub_cache.settings().home))


@st.cache_data(ttl=300, max_entries=8, show_spinner=False)
def _sizes(key: str) -> tuple[str, dict[str, int | None]] | None:
    """The dataset's current commit and file sizes (one `dataset_info`), or None when the Hub does not say: the
    offer then goes without a size (cached too, so a failing Hub is not asked on every rerun)."""
    try:
        revision = remote_revision(hub_cache.client().api, DEFAULT_REPO)
    except HubExplorerError:
        return None
    return revision.sha, revision.sizes


def _start(action: Action, kinds: list[Kind]) -> None:
    job, _ = board().start(action, kinds, client=hub_cache.client())
    st.session_state[_WATCHING] = job.id


# --- drawing -----------------------------------------------------------------------------------------------------
def render(cat: Catalog | None) -> None:
    """The catalog part of the sidebar (call inside `with st.sidebar:`): a running job's progress, the last job's
    outcome, then the build offer (no catalog) or each kind's age with Refresh."""
    job = board().latest()
    snap = job.snapshot() if job is not None else None
    if snap is not None and not snap.done:
        st.session_state[_WATCHING] = snap.id
        st.fragment(_live, run_every=POLL_S)()
        return
    if snap is not None and st.session_state.get(_WATCHING) == snap.id:
        st.session_state.pop(_WATCHING, None)  # this full run already draws what the job left
    if snap is not None and snap.id not in st.session_state.get(_DISMISSED, set()):
        _outcome(snap)
    if cat is None:
        _offer()
    else:
        _ages(cat)


def _live() -> None:
    """A running job's progress (a fragment redrawn every `POLL_S` s); its end reruns the whole page once."""
    job = board().latest()
    if job is None:
        return
    snap = job.snapshot()
    if snap.done:
        if st.session_state.pop(_WATCHING, None) == snap.id:
            st.rerun()
        return
    _progress(snap)


def _progress(snap: Snapshot) -> None:
    doing = _VERBS[snap.action][0]
    elapsed = time.time() - snap.started
    with st.status(f"{doing}…", expanded=True, state="running"):
        for kind in snap.kinds:
            p = snap.progress.get(kind)
            if p is None:
                st.progress(0.0, text=f"{kind}: waiting")
                continue
            text = f"{kind}: {p.message}"
            if p.eta_s is not None and (p.fraction or 0) < 1 and "left" not in p.message:
                text += f", about {_seconds(p.eta_s)} left"
            st.progress(min(max(p.fraction or 0.0, 0.0), 1.0), text=md_escape(text))
        st.caption(f"Running for {_seconds(elapsed)}. Searches keep answering meanwhile; other visitors see this "
                   "same job.")  # fmt: skip


def _seconds(s: float) -> str:
    whole = max(0, round(s))
    return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{whole} s"


def _outcome(snap: Snapshot) -> None:
    """The last job's outcome: what changed, or the error with Retry (and Dismiss, for this session)."""
    when = datetime.fromtimestamp(snap.finished or snap.started).strftime("%H:%M")
    if snap.error is not None:
        show_error(snap.error, about=f"The catalog {'build' if snap.action == 'fetch' else 'refresh'} at {when}")
        row = st.container(horizontal=True, gap="small")
        if row.button("Retry", key=f"catalog:retry:{snap.id}", icon=":material/refresh:"):
            _start(snap.action, list(snap.kinds))
            st.rerun()
        if row.button("Dismiss", key=f"catalog:dismiss:{snap.id}", type="tertiary"):
            st.session_state.setdefault(_DISMISSED, set()).add(snap.id)
            st.rerun()
    elif snap.report is not None:
        lines = "  \n".join(md_escape(line) for line in words(snap.report))
        st.success(f"**{_VERBS[snap.action][1]}** ({when}):  \n{lines}", icon=":material/check_circle:")


def _offer() -> None:
    """No catalog yet: what a build downloads (kinds, size when the Hub says it), where it goes, and the button."""
    root = board().root
    st.markdown("**No local catalog yet.**")
    st.caption(f"Build one from the Hub's published metadata (the dataset `{DEFAULT_REPO}`): searches "
               "by words and meaning, date windows, counts and the Insights page then work on the whole Hub.")  # fmt: skip
    st.session_state.setdefault(_KINDS_KEY, list(KINDS))
    kinds: list[Kind] = st.pills("Kinds", list(KINDS), selection_mode="multi", key=_KINDS_KEY) or []
    what = ", ".join(kinds) if kinds else "nothing (choose a kind)"
    if st.session_state.get(_SIZE_ASKED):  # the Hub is asked only when the person wants to know (one request)
        sizes = _sizes(hub_cache.answers_key(hub_cache.settings()))
        size = download_size(sizes[1], kinds) if sizes is not None and kinds else None
        about = f" (about {human_bytes(size)})" if size is not None else " (size unknown: the Hub did not say)"
    else:
        about = ""
    st.caption(f"Downloads {md_escape(what)}{about} into {md_escape(str(root))}.")
    if not st.session_state.get(_SIZE_ASKED):
        st.button("How big is it?", key="catalog:size", type="tertiary", icon=":material/straighten:",
                  on_click=st.session_state.__setitem__, args=(_SIZE_ASKED, True),
                  help="Ask the Hub for the size of the files to download (the page does not ask by itself, so "
                       "that a slow Hub never holds it up).")  # fmt: skip
    if st.button("Build the local catalog", key="catalog:build", icon=":material/download:", type="primary",
                 disabled=not kinds, width="stretch"):  # fmt: skip
        _start("fetch", kinds)
        st.rerun()
    st.caption("Or load dump files: `python -m lib.catalog load …` (see the README).")


def build_button(key: str) -> None:
    """The build offer for a page's main area (a page that needs the catalog): one button that starts the same
    build of every kind as the sidebar's, or a line saying that one is under way (its progress is in the sidebar)."""
    job = board().latest()
    if job is not None and not job.snapshot().done:
        st.caption("The local catalog is being built: its progress is in the sidebar.")
        return
    if st.button("Build the local catalog", key=key, icon=":material/download:", type="primary"):
        _start("fetch", list(KINDS))
        st.rerun()


def _ages(cat: Catalog) -> None:
    """Each kind's count and age; Refresh for the kinds older than a day, and always in the expander."""
    kinds = ages(source.stats(cat))  # read once per index generation
    st.markdown("**Local catalog**")
    lacks = {kind: cat.capabilities(kind).missing_data() for kind in cat.kinds()}
    for age in kinds:
        text = age.line() + (f" (no {', '.join(lacks[age.kind])})" if lacks.get(age.kind) else "")
        st.caption(md_escape(text), help=md_escape(age.detail()))
    stale = [a.kind for a in kinds if a.stale]
    if stale and st.button(f"Refresh {', '.join(stale)}", key="catalog:refresh_stale", icon=":material/sync:",
                           help="Older than a day: fetches the dataset's newest revision, or syncs what changed "
                                "since through the Hub's listing.", width="stretch"):  # fmt: skip
        _start("refresh", stale)
        st.rerun()
    with st.expander("Catalog details", icon=":material/database:"):
        st.caption(f"Folder: {md_escape(str(cat.root))}; new data comes from `{DEFAULT_REPO}`.")
        for age in kinds:
            st.caption(md_escape(f"{age.kind}: {age.detail()}"))
        if st.button("Refresh now", key="catalog:refresh_all", icon=":material/sync:",
                     help="Brings every kind up to date (a new revision is downloaded; otherwise only what changed "
                          "is listed)."):  # fmt: skip
            _start("refresh", [a.kind for a in kinds])
            st.rerun()
