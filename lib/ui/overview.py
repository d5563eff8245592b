"""The home page's one search box: the best few models, datasets and Spaces for one query, side by side."""

from __future__ import annotations

import streamlit as st

from lib.errors import HubExplorerError
from lib.format import human_count, md_escape
from lib.query import SORT_LABELS, Kind, SearchQuery
from lib.records import ModelRecord, RepoRecord, SpaceRecord
from lib.ui import nav, source
from lib.ui.components import show_error
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


def search_everything(kinds: tuple[Kind, ...]) -> None:
    """A search box whose text lives in `?q=`; one column per kind, each linking to its own page."""
    text = st.text_input(
        "Search models, datasets and Spaces",
        value=st.query_params.get("q", "")[:MAX_TEXT],
        max_chars=MAX_TEXT,
        placeholder="e.g. llama, squad, whisper",
        key="home:q",
    ).strip()
    if text:
        st.query_params["q"] = text
    else:
        st.query_params.pop("q", None)
    mode = source.choice()  # the source travels in the URL: a shared link answers from the same one
    if mode != "auto":
        st.query_params["source"] = mode
    else:
        st.query_params.pop("source", None)
    source.remember_url(st.query_params.get("source"))

    columns = st.columns(len(kinds))
    for kind, column in zip(kinds, columns):
        with column:
            _group(kind, text)


def _group(kind: Kind, text: str) -> None:
    query = SearchQuery(kind=kind, text=text, sort="trending", limit=PER_GROUP)
    st.subheader(kind.capitalize(), anchor=False)
    try:
        answer = source.answer(query)
    except HubExplorerError as err:
        show_error(err, retry_key=f"home:retry:{kind}")
        gap = source.no_stand_in(query)
        if gap:
            st.caption(md_escape(gap))
        return
    result = answer.result
    if result.total is not None:
        count = f"{result.total:,} found"
    else:
        count = f"{len(result.items)}{'+' if result.has_more else ''} found"
    by = SORT_LABELS[result.query.sort].lower().removeprefix("most ")  # the source may not sort by trending
    st.caption(f"{count} · by {by}")
    if answer.note:
        st.caption(f":material/info: {md_escape(answer.note)}")
    if not result.items:
        st.caption(f"No {kind} match." if text else f"No {kind} here.")
    for record in result.items:
        nav.link(kind, record.id, {"repo": record.id})
        st.caption(md_escape(_facts(record)))
    params = {"q": text} if text else None
    nav.link(kind, f"All matching {kind}", params, icon=ICONS[kind])
