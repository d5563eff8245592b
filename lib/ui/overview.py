"""The home page's one search box: the best few models, datasets and Spaces for one query, side by side."""

from __future__ import annotations

import streamlit as st

from lib.errors import HubExplorerError
from lib.format import human_count, md_escape
from lib.query import SORT_LABELS, Kind, SearchQuery
from lib.records import ModelRecord, RepoRecord, SpaceRecord
from lib.ui import nav, source, stale
from lib.ui.components import set_cut_note, show_cut_note, show_error, text_box
from lib.urlstate import MAX_TEXT

PER_GROUP = 5
ICONS: dict[Kind, str] = {"models": ":material/neurology:", "datasets": ":material/dataset:",
                          "spaces": ":material/rocket_launch:"}


def _facts(record: RepoRecord) -> str:
    if isinstance(record, ModelRecord):
        extra = [record.pipeline_tag or "no task", f"{human_count(record.downloads)} downloads"]
    elif isinstance(record, SpaceRecord):
        extra = [record.sdk or "no SDK", f"{human_count(record.likes)} likes"]
    else:
        extra = [f"{human_count(record.downloads)} downloads", f"{human_count(record.likes)} likes"]
    return " · ".join(extra)


_Q = "home:q"
_URL_Q = "home:url_q"  # the `q` URL value last read or written in this session


def _text_from_url() -> None:
    """Before the box is drawn: the URL's `q` into it when the URL changed from outside (a link, back/forward),
    cut to `MAX_TEXT` characters with a note."""
    raw = st.query_params.get("q", "")
    if raw == st.session_state.get(_URL_Q) and _Q in st.session_state:
        return
    st.session_state[_URL_Q] = raw
    st.session_state[_Q] = raw[:MAX_TEXT]
    if len(raw) > MAX_TEXT:
        set_cut_note(_Q, f"The search text was cut to its first {MAX_TEXT} characters (the link had {len(raw):,}).")


def search_everything(kinds: tuple[Kind, ...]) -> None:
    """A search box whose text lives in `?q=`; one column per kind, each linking to its own page."""
    _text_from_url()
    text = text_box(st, "Search models, datasets and Spaces", key=_Q, limit=MAX_TEXT,
                    placeholder="e.g. llama, squad, whisper").strip()
    show_cut_note(_Q)
    if text:
        st.query_params["q"] = text
    else:
        st.query_params.pop("q", None)
    st.session_state[_URL_Q] = st.query_params.get("q", "")
    mode = source.choice()  # the source travels in the URL: a shared link answers from the same one
    if mode != "auto":
        st.query_params["source"] = mode
    else:
        st.query_params.pop("source", None)
    source.remember_url(st.query_params.get("source"))

    answers = {kind: _ask(kind, text) for kind in kinds}
    fallbacks = list(dict.fromkeys(a.note for a, _, _ in answers.values() if a is not None and a.fallback and a.note))
    for note in fallbacks:  # said once, above the groups: the catalog answers because the Hub failed
        st.info(md_escape(note), icon=":material/cloud_off:")
    columns = st.columns(len(kinds))
    for kind, column in zip(kinds, columns):
        with column:
            _group(kind, text, *answers[kind], said=fallbacks)


Asked = tuple[source.Answer | None, stale.Stale | None, HubExplorerError | None]


def _ask(kind: Kind, text: str) -> Asked:
    query = SearchQuery(kind=kind, text=text, sort="trending", limit=PER_GROUP)
    try:
        answer, kept = stale.fetch(("home", query), lambda: source.answer(query))
    except HubExplorerError as err:
        return None, None, err
    return answer, kept, None


def _group(kind: Kind, text: str, answer: source.Answer | None, kept: stale.Stale | None,
           error: HubExplorerError | None, *, said: list[str]) -> None:
    st.subheader(kind.capitalize(), anchor=False)
    error = kept.error if kept is not None else error
    if error is not None:
        show_error(error, retry_key=f"home:retry:{kind}", worked_before=kept is not None)
        gap = source.no_stand_in(SearchQuery(kind=kind, text=text, sort="trending", limit=PER_GROUP))
        if gap:
            st.caption(md_escape(gap))
    if kept is not None:
        stale.show(kept)
    if answer is None:
        return
    result = answer.result
    if result.total is not None:
        count = f"{result.total:,} found"
    else:
        count = f"{len(result.items)}{'+' if result.has_more else ''} found"
    by = SORT_LABELS[result.query.sort].lower().removeprefix("most ")  # the source may not sort by trending
    source_words = " · from the local catalog" if answer.fallback else ""
    st.caption(f"{count} · by {by}{source_words}")
    if answer.note and answer.note not in said:
        st.caption(f":material/info: {md_escape(answer.note)}")
    if not result.items:
        st.caption(f"No {kind} match." if text else f"No {kind} here.")
    for record in result.items:
        nav.link(kind, record.id, {"repo": record.id})
        st.caption(md_escape(_facts(record)))
    params = {"q": text} if text else None
    nav.link(kind, f"All matching {kind}", params, icon=ICONS[kind])
