"""The model detail view: header, key figures, card, files, parameters, config and tags."""

from __future__ import annotations

import streamlit as st

from lib.details import files_frame, key_config, memory_estimates, metadata_frame, params_frame, tag_groups
from lib.errors import HubExplorerError, NotFoundError
from lib.format import human_bytes, human_count, md_escape, relative_time
from lib.hub import Card
from lib.records import ModelRecord
from lib.ui import hub
from lib.ui.components import chips, show_error

#: Longest card text rendered inline; longer cards are cut there (the whole card can be downloaded).
CARD_RENDER_LIMIT = 60_000
_GROUP_COLORS = {"task": "violet", "library": "blue", "licenses": "green", "languages": "orange"}


def render(repo_id: str) -> None:
    """Everything about one model. Failures are shown in place; the rest of the page keeps working."""
    try:
        with st.spinner(f"Loading {repo_id}…"):
            model = hub.info("models", repo_id)
    except HubExplorerError as err:
        show_error(err, retry_key=f"retry_model:{repo_id}")
        if isinstance(err, NotFoundError):
            st.caption("The model may have been renamed or deleted. Pick another row, or search again above.")
        return
    assert isinstance(model, ModelRecord)
    endpoint = hub.client().endpoint

    head, link = st.columns([4, 1], vertical_alignment="center")
    head.subheader(md_escape(model.id), anchor=False)
    link.link_button("Open on the Hub", model.web_url(endpoint), icon=":material/open_in_new:", width="stretch")
    if model.is_gated:
        st.caption(":orange-badge[:material/lock: gated] its files need a token with access.")

    params = _parameters(model)
    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric("Downloads (30 d)", human_count(model.downloads))
    m2.metric("Likes", human_count(model.likes))
    m3.metric("Parameters", human_count(params.total) if params else "–")
    m4.metric("Created", model.created_at.strftime("%Y-%m-%d") if model.created_at else "–")
    m5.metric("Updated", relative_time(model.last_modified))

    groups = tag_groups(model)
    lines = [f"**{name.capitalize()}:** {chips(values, color=_GROUP_COLORS.get(name, 'gray'))}"
             for name, values in groups.items() if name != "other"]
    if lines:
        st.markdown("  \n".join(lines))

    t_card, t_files, t_params, t_tags = st.tabs(["Card", "Files", "Parameters & config", "All tags"])
    with t_card:
        _card(model)
    with t_files:
        _files(model)
    with t_params:
        _params(model, params)
    with t_tags:
        st.markdown(chips(model.tags) if model.tags else "No tags.")


def _parameters(model: ModelRecord):  # -> ParamCounts | None
    try:
        return hub.parameters(model)
    except HubExplorerError:
        return None  # the Parameters tab says why


def _card(model: ModelRecord) -> None:
    try:
        card: Card | None = hub.card("models", model.id, model.sha)
    except HubExplorerError as err:
        show_error(err, retry_key=f"retry_card:{model.id}")
        return
    if card is None:
        st.info("This model has no card (no README.md).", icon=":material/description:")
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
        st.download_button("Download the whole card", text, file_name="README.md", mime="text/markdown")
        text = text[:CARD_RENDER_LIMIT]
    # Untrusted Markdown: raw HTML is escaped and shown as text (unsafe_allow_html stays off).
    st.markdown(text, unsafe_allow_html=False)


def _files(model: ModelRecord) -> None:
    if not model.files:
        st.info("No files listed.")
        return
    total = model.total_file_size
    st.caption(f"{len(model.files)} files · {human_bytes(total)} in all" if total is not None else f"{len(model.files)} files")
    frame = files_frame(model.files)
    frame["Size"] = frame["Size"].map(lambda n: human_bytes(n) if n is not None and n == n else "–")
    st.dataframe(frame, hide_index=True, width="stretch", column_config={"LFS": st.column_config.CheckboxColumn("LFS")})


def _params(model: ModelRecord, params) -> None:  # params: ParamCounts | None
    left, right = st.columns(2)
    with left:
        st.markdown("**Parameters by dtype**")
        if params is None:
            st.caption("Unknown: the model has no safetensors weights, or their header could not be read.")
        else:
            st.dataframe(params_frame(params), hide_index=True, width="stretch",
                         column_config={"Parameters": st.column_config.NumberColumn(format="localized")})
            st.markdown("**Memory for the weights**")
            est = memory_estimates(params)
            st.dataframe(
                {"Precision": list(est), "Memory": [human_bytes(v) for v in est.values()]},
                hide_index=True, width="stretch",
            )
            st.caption("Weights only: activations and the KV cache come on top.")
    with right:
        st.markdown("**Key config values**")
        config = key_config(model.config)
        if config:
            st.dataframe({"Setting": list(config), "Value": list(config.values())}, hide_index=True, width="stretch")
        else:
            st.caption("No config.json values were published with this model.")
