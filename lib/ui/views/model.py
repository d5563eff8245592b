"""The model detail view: header, key figures, tags, "use this model", then Card | Try it | Files | Parameters &
config | Lineage & links | All tags."""

from __future__ import annotations

import streamlit as st

from lib.compare import MAX_MODELS
from lib.details import key_config, memory_estimates, params_frame, usage_snippet
from lib.errors import HubExplorerError
from lib.format import human_bytes, md_escape
from lib.query import SearchQuery
from lib.records import ModelRecord, ParamCounts
from lib.ui import compare_view, hub_cache, nav, source, tryit_panel
from lib.ui.views import common

#: Tabs by short name (the URL's `tab=`), in order; the first opens by default.
TABS = {"card": "Card", "try": "Try it", "files": "Files", "params": "Parameters & config",
        "links": "Lineage & links", "tags": "All tags"}
CHILDREN_SHOWN = 10


def render(repo_id: str) -> None:
    """Everything about one model. Failures are shown in place; the rest of the page keeps working."""
    model = common.load("models", repo_id)
    if not isinstance(model, ModelRecord):
        return
    common.header(model)
    _compare_actions(model)
    params = _parameters(model)
    common.figures(model, params)
    common.tag_lines(model)
    snippet = usage_snippet(model)
    if snippet:
        with st.expander("Use this model", icon=":material/code:"):
            st.code(snippet, language="python")  # the code block has a copy button
            if model.is_gated:
                st.caption("Gated: log in first (`hf auth login`) with an account that was granted access.")

    tabs = common.detail_tabs("models", TABS)
    with tabs["card"]:
        common.card_section("models", model)
    with tabs["try"]:
        tryit_panel.render(model, params)
    with tabs["files"]:
        common.files_section(model)
    with tabs["params"]:
        _params(model, params)
    with tabs["links"]:
        _links(model)
    with tabs["tags"]:
        common.all_tags(model)


def _compare_actions(model: ModelRecord) -> None:
    """"Add to compare" (the models kept for the Compare page in this session), and a way to open it."""
    chosen = list(st.session_state.get(compare_view.KEY, []))
    row = st.container(horizontal=True, gap="small")
    if model.id in chosen:
        row.caption(f"In the comparison ({len(chosen)} of {MAX_MODELS}).")
    else:
        row.button("Add to compare", key=f"compare:add-from-view:{model.id}", icon=":material/add:",
                   on_click=compare_view.add, args=(model.id,), disabled=len(chosen) >= MAX_MODELS,
                   help=f"At most {MAX_MODELS} models are compared." if len(chosen) >= MAX_MODELS else None)
    if chosen:
        row.page_link("pages/compare.py", label=f"Open the comparison ({len(chosen)})",
                      icon=":material/compare_arrows:", query_params={"models": ",".join(chosen)})


def _links(model: ModelRecord) -> None:
    """Base models (with the relation), derived models, training datasets and Spaces using it: links into our own
    pages."""
    base, children, data, spaces = st.columns(4)
    with base:
        st.markdown("**Base models**")
        if model.base_models:
            for repo_id, relation in model.base_models:
                nav.link("models", f"{repo_id} ({relation})", {"repo": repo_id}, icon=":material/account_tree:")
        else:
            st.caption("None declared: an original model, or its card does not say.")
    with children:
        st.markdown("**Derived models**")
        _children(model)
    with data:
        st.markdown("**Trained on**")
        common.repo_links("datasets", model.datasets)
    with spaces:
        st.markdown("**Spaces using it**")
        common.repo_links("spaces", model.spaces)


def _children(model: ModelRecord) -> None:
    """Finetunes, quantizations, adapters and merges that name this model as their base (`base_model:` tags)."""
    query = SearchQuery(kind="models", tags=(f"base_model:{model.id}",), sort="downloads", limit=CHILDREN_SHOWN)
    try:
        result = source.search(query)
    except HubExplorerError as err:
        st.caption(f"Could not list them: {md_escape(str(err))}")
        return
    if not result.items:
        st.caption("None known.")
        return
    for child in result.items:
        nav.link("models", child.id, {"repo": child.id}, icon=":material/subdirectory_arrow_right:")
    if result.total is not None and result.total > len(result.items):
        st.caption(f"… {result.total - len(result.items):,} more (most downloaded shown).")
    elif result.has_more:
        st.caption("… and more (most downloaded shown).")


def _parameters(model: ModelRecord) -> ParamCounts | None:
    try:
        return hub_cache.parameters(model)
    except HubExplorerError:
        return None  # the Parameters tab says why


def _params(model: ModelRecord, params: ParamCounts | None) -> None:
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
