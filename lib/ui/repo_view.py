"""Detail views shared by every kind (header, card, files, tags) and the dataset and Space views."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from lib.details import files_frame, metadata_frame, tag_groups
from lib.errors import HubExplorerError, NotFoundError
from lib.format import human_bytes, human_count, md_escape, relative_time
from lib.hub import Card
from lib.query import Kind
from lib.records import DatasetRecord, RepoRecord, SpaceRecord
from lib.ui import hub, nav, source
from lib.ui.components import chips, show_error

#: Longest card text rendered inline; longer cards are cut there (the whole card can be downloaded).
CARD_RENDER_LIMIT = 60_000
_GROUP_COLORS = {"task": "violet", "library": "blue", "licenses": "green", "languages": "orange"}
_NOUN = {"models": "model", "datasets": "dataset", "spaces": "Space"}
# The only app URLs embedded: a Space's own *.hf.space host over https.
_SPACE_HOST = re.compile(r"^https://[a-z0-9][a-z0-9-]{0,94}\.hf\.space/?$")
_STAGE_BADGE = {
    "RUNNING": ("green", ":material/play_circle:", "running"),
    "SLEEPING": ("gray", ":material/bedtime:", "sleeping"),
    "PAUSED": ("gray", ":material/pause_circle:", "paused"),
    "BUILDING": ("orange", ":material/construction:", "building"),
    "RUNNING_BUILDING": ("orange", ":material/construction:", "rebuilding"),
    "BUILD_ERROR": ("red", ":material/error:", "build error"),
    "RUNTIME_ERROR": ("red", ":material/error:", "runtime error"),
    "CONFIG_ERROR": ("red", ":material/error:", "config error"),
    "NO_APP_FILE": ("red", ":material/error:", "no app file"),
    "STOPPED": ("gray", ":material/stop_circle:", "stopped"),
}


def load(kind: Kind, repo_id: str) -> RepoRecord | None:
    """The repo's full record, or None after showing why it could not be read."""
    try:
        with st.spinner(f"Loading {repo_id}…"):
            record, note = source.info(kind, repo_id)
        if note:
            st.info(note, icon=":material/cloud_off:")
        return record
    except HubExplorerError as err:
        show_error(err, retry_key=f"retry_{kind}:{repo_id}")
        if isinstance(err, NotFoundError):
            st.caption(f"The {_NOUN[kind]} may have been renamed or deleted. Pick another row, or search again above.")
        return None


def header(record: RepoRecord) -> None:
    head, link = st.columns([4, 1], vertical_alignment="center")
    head.subheader(md_escape(record.id), anchor=False)
    link.link_button("Open on the Hub", record.web_url(hub.client().endpoint), icon=":material/open_in_new:",
                     width="stretch")
    if record.is_gated:
        st.caption(":orange-badge[:material/lock: gated] its files need a token with access.")
    if record.disabled:
        st.caption(":red-badge[:material/block: disabled] the Hub has disabled this repo.")


def tag_lines(record: RepoRecord) -> None:
    groups = tag_groups(record)
    lines = [f"**{name.capitalize()}:** {chips(values, color=_GROUP_COLORS.get(name, 'gray'))}"
             for name, values in groups.items() if name != "other"]
    if lines:
        st.markdown("  \n".join(lines))


def card_section(kind: Kind, record: RepoRecord) -> None:
    try:
        card: Card | None = hub.card(kind, record.id, record.sha)
    except HubExplorerError as err:
        show_error(err, retry_key=f"retry_card:{kind}:{record.id}")
        return
    if card is None:
        st.info(f"This {_NOUN[kind]} has no card (no README.md).", icon=":material/description:")
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


def repo_links(kind: Kind, repo_ids: tuple[str, ...], *, limit: int = 20) -> None:
    """Links into our own pages (not the Hub's) for linked repos."""
    if not repo_ids:
        st.caption(f"No linked {kind}.")
        return
    for repo_id in repo_ids[:limit]:
        nav.link(kind, repo_id, {"repo": repo_id}, icon=":material/link:")
    if len(repo_ids) > limit:
        st.caption(f"… and {len(repo_ids) - limit} more.")


def render(kind: Kind, repo_id: str) -> None:
    if kind == "models":
        from lib.ui import model_view

        model_view.render(repo_id)
        return
    record = load(kind, repo_id)
    if record is None:
        return
    header(record)
    if isinstance(record, DatasetRecord):
        from lib.ui import dataset_view

        dataset_view.render(record)
    elif isinstance(record, SpaceRecord):
        _space(record)


def _space(space: SpaceRecord) -> None:
    color, icon, label = _STAGE_BADGE.get(space.stage or "", ("gray", ":material/help:", (space.stage or "unknown")
                                                               .lower().replace("_", " ")))
    st.markdown(
        f":{color}-badge[{icon} {md_escape(label)}] "
        f":blue-badge[:material/code: {md_escape(space.sdk or 'no SDK')}] "
        f":gray-badge[:material/memory: {md_escape(space.hardware or 'hardware unknown')}]"
    )
    m1, m2, m3 = st.columns(3)
    m1.metric("Likes", human_count(space.likes))
    m2.metric("Created", space.created_at.strftime("%Y-%m-%d") if space.created_at else "–")
    m3.metric("Updated", relative_time(space.last_modified))
    tag_lines(space)
    t_app, t_links, t_card, t_files = st.tabs(["App", "Models and datasets", "Card", "Files"])
    with t_app:
        url = space.app_url
        if url and _SPACE_HOST.match(url):
            if space.stage not in (None, "RUNNING", "RUNNING_BUILDING"):
                st.info(f"The Space is {label}: the embedded app may show a waking or error page.",
                        icon=":material/info:")
            st.iframe(url, height=600)
            st.link_button("Open the app in a new tab", url, icon=":material/open_in_new:")
        else:
            st.info("This Space has no app address the Hub reported.", icon=":material/link_off:")
    with t_links:
        left, right = st.columns(2)
        with left:
            st.markdown("**Models it uses**")
            repo_links("models", space.models)
        with right:
            st.markdown("**Datasets it uses**")
            repo_links("datasets", space.datasets_used)
    with t_card:
        card_section("spaces", space)
    with t_files:
        files_section(space)
