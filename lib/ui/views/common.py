"""What every detail view shares: loading the record (failures shown in place), the header and its badges, the key
figures, tag lines, the tab bar, the card, the files, all tags, links to linked repos, and the URL parameters a
view keeps (`lib.detail_url`).

A view's own parameters (`tab=`, and a dataset's `config=` and `split=`) follow the browse pages' rule: the URL is
the truth when it changed from outside (first load, a pasted link, back/forward), and otherwise the widgets drive
and are written back. `from_url()` runs before a widget is drawn, `to_url()` after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from lib import detail_url
from lib.details import files_frame, key_figures, metadata_frame, tag_groups
from lib.errors import HubExplorerError, NotFoundError
from lib.format import human_bytes, md_escape
from lib.hub import Card
from lib.query import Kind
from lib.records import ParamCounts, RepoRecord
from lib.ui import hub_cache, nav, source, stale
from lib.ui.add_to_list import add_to_list
from lib.ui.components import chips, show_error

#: Longest card text rendered inline; longer cards are cut there (the whole card can be downloaded).
CARD_RENDER_LIMIT = 60_000
NOUN: dict[Kind, str] = {"models": "model", "datasets": "dataset", "spaces": "Space"}
_GROUP_COLORS = {"task": "violet", "tasks": "violet", "library": "blue", "size": "blue", "licenses": "green",
                 "languages": "orange"}
_UNSET = object()


# --- the record and its header -------------------------------------------------------------------------------------


def load(kind: Kind, repo_id: str) -> RepoRecord | None:
    """The repo's full record, or None after showing why it could not be read. When the Hub fails now and this
    session read the record before, the error is shown above that copy, marked stale (`lib.ui.stale`)."""
    try:
        with st.spinner(f"Loading {repo_id}…"):
            (record, note), kept = stale.fetch(("info", kind, repo_id), lambda: source.info(kind, repo_id))
        if kept is not None:
            show_error(kept.error, retry_key=f"retry_{kind}:{repo_id}", worked_before=True)
            stale.show(kept)
        if note:
            st.info(note, icon=":material/cloud_off:")
        return record
    except HubExplorerError as err:
        show_error(err, retry_key=f"retry_{kind}:{repo_id}")
        if isinstance(err, NotFoundError):
            st.caption(f"The {NOUN[kind]} may have been renamed or deleted. Pick another row, or search again above.")
        return None


def header(record: RepoRecord) -> None:
    """The id, "Add to a list", a link to the repo's Hub page, and badges for a gated or disabled repo."""
    head, right = st.columns([3, 2], vertical_alignment="center")
    head.subheader(md_escape(record.id), anchor=False)
    actions = right.container(horizontal=True, horizontal_alignment="right", gap="small")
    with actions:
        add_to_list([(record.kind, record.id)], key=f"{record.kind}:add_from_view:{record.id}")
    actions.link_button("Open on the Hub", record.web_url(hub_cache.client().endpoint), icon=":material/open_in_new:")
    if record.is_gated:
        st.caption(":orange-badge[:material/lock: gated] its files need a token with access.")
    if record.disabled:
        st.caption(":red-badge[:material/block: disabled] the Hub has disabled this repo.")


def figures(record: RepoRecord, params: ParamCounts | None = None) -> None:
    """The key figures (`lib.details.key_figures`) in a row of metrics, each as wide as its value: a date or "9
    minutes ago" is never cut with an ellipsis (equal columns left a fifth of a laptop's width each), and the row
    wraps onto a second line when the window is narrow."""
    row = st.container(horizontal=True, gap="medium")
    for label, value in key_figures(record, params):
        row.metric(label, value, width="content")


def tag_lines(record: RepoRecord) -> None:
    """One line of badges per tag group (task, library, licenses...), without the ungrouped rest."""
    groups = tag_groups(record)
    lines = [f"**{name.capitalize()}:** {chips(values, color=_GROUP_COLORS.get(name, 'gray'))}"
             for name, values in groups.items() if name != "other"]
    if lines:
        st.markdown("  \n".join(lines))


# --- tabs and URL parameters ---------------------------------------------------------------------------------------


def _seen_key(kind: Kind, param: str) -> str:
    return f"{kind}:detail:url:{param}"


def from_url(kind: Kind, param: str, key: str, choices: Sequence[str], default: str,
             labels: Mapping[str, str] | None = None) -> str | None:
    """Before the widget `key` is drawn: put the URL's `param` into its state when the URL changed from outside
    (it differs from what this view last saw there), or when the widget has no state yet. A value that is not one
    of `choices` is ignored; when it came from outside, the note saying so is returned (show it with `note()`).
    `labels` maps a choice to the widget's value where they differ (tabs are chosen by short name, shown by
    label)."""
    raw = st.query_params.get(param)
    outside = st.session_state.get(_seen_key(kind, param), _UNSET) != raw
    if not outside and key in st.session_state:
        return None
    value, note = detail_url.choose(param, raw, choices)
    chosen = value if value is not None else default
    if outside or value is not None:
        st.session_state[key] = labels.get(chosen, chosen) if labels else chosen
    st.session_state[_seen_key(kind, param)] = raw
    return note if outside else None


def note(text: str | None) -> None:
    """A note about the URL (a value it held was ignored), as escaped text: it quotes what the URL said."""
    if text:
        st.info(md_escape(text), icon=":material/link_off:")


def to_url(kind: Kind, param: str, value: str, default: str) -> None:
    """After the widget is drawn: its value into the URL (the default as no parameter)."""
    want = detail_url.url_value(value, default)
    if st.query_params.get(param) != want:
        if want is None:
            del st.query_params[param]
        else:
            st.query_params[param] = want
    st.session_state[_seen_key(kind, param)] = want


def detail_tabs(kind: Kind, tabs: Mapping[str, str]) -> dict[str, Any]:
    """The view's tab bar (`tabs`: short name -> label, the first one opened by default), with the open tab kept
    in the URL as `tab=<short name>`. Returns each tab's container by short name."""
    key = f"{kind}:detail:tab"
    names = list(tabs)
    note(from_url(kind, detail_url.TAB, key, names, names[0], labels=tabs))
    containers = st.tabs(list(tabs.values()), key=key, on_change="rerun")
    by_label = {label: name for name, label in tabs.items()}
    to_url(kind, detail_url.TAB, by_label.get(st.session_state.get(key), names[0]), names[0])
    return dict(zip(names, containers, strict=True))


# --- sections ------------------------------------------------------------------------------------------------------


def card_section(kind: Kind, record: RepoRecord) -> None:
    """The README: its metadata as a table, its text as Markdown with raw HTML shown as text, cut when huge."""
    try:
        card: Card | None = hub_cache.card(kind, record.id, record.sha)
    except HubExplorerError as err:
        show_error(err, retry_key=f"retry_card:{kind}:{record.id}")
        return
    if card is None:
        st.info(f"This {NOUN[kind]} has no card (no README.md).", icon=":material/description:")
        return
    if card.metadata:
        with st.expander(f"Card metadata ({len(card.metadata)} fields)", icon=":material/data_object:"):
            st.dataframe(metadata_frame(card.metadata), hide_index=True, width="stretch")
    text = card.text
    if len(text) > CARD_RENDER_LIMIT:
        st.warning(
            f"This card is long ({len(text):,} characters); the first {CARD_RENDER_LIMIT:,} are shown.",
            icon=":material/content_cut:",
        )
        st.download_button("Download the whole card", text, file_name="README.md", mime="text/markdown",
                           key=f"card_dl:{kind}:{record.id}")
        text = text[:CARD_RENDER_LIMIT]
    # Untrusted Markdown: raw HTML is escaped and shown as text (unsafe_allow_html stays off).
    st.markdown(text, unsafe_allow_html=False)


def files_section(record: RepoRecord) -> None:
    """The repo's files, largest first, with their total size."""
    if not record.files:
        st.info("No files listed.")
        return
    total = record.total_file_size
    count = f"{len(record.files)} files"
    st.caption(f"{count} · {human_bytes(total)} in all" if total is not None else count)
    frame = files_frame(record.files)
    frame["Size"] = frame["Size"].map(lambda n: human_bytes(n) if pd.notna(n) else "–")
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config={"File": st.column_config.TextColumn(width="large"),
                                "LFS": st.column_config.CheckboxColumn("LFS", width="small")})


def all_tags(record: RepoRecord) -> None:
    st.markdown(chips(record.tags) if record.tags else "No tags.")


def repo_links(kind: Kind, repo_ids: Sequence[str], *, limit: int = 20) -> None:
    """Links into our own pages (not the Hub's) for linked repos."""
    if not repo_ids:
        st.caption(f"No linked {kind}.")
        return
    for repo_id in repo_ids[:limit]:
        nav.link(kind, repo_id, {"repo": repo_id}, icon=":material/link:")
    if len(repo_ids) > limit:
        st.caption(f"… and {len(repo_ids) - limit} more.")
