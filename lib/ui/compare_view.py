"""The Compare page: 2 to 6 models side by side, kept in the URL (`?models=a,b,c`, order kept).

Models come from the URL, from the Models table's "Compare selected", from a model's "Add to compare", or from the
search box here; each can be removed in place. The facts come from the answering source (`lib.ui.source`'s
choice: the live Hub, through the cache boundary `lib.ui.hub_cache`, or the local catalog), gathered concurrently by
`lib.compare.gather`; what is missing shows as a dash with the reason in a tooltip.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib.compare import CatalogFacts, HubFacts, compare, gather, parse_ids, to_csv, to_markdown
from lib.compare.facts import MAX_MODELS, ModelFacts
from lib.compare.html import table_html
from lib.errors import HubExplorerError, HubUnavailableError
from lib.format import md_escape
from lib.query import SearchQuery
from lib.records import ModelRecord, ParamCounts
from lib.ui import hub_cache, source, stale
from lib.ui.add_to_list import add_to_list
from lib.ui.components import retry_controls, show_cut_note, text_box
from lib.ui.multi_run import render_multi_run, render_tokens
from lib.urlstate import MAX_TEXT, is_valid_repo_id

KEY = "compare:models"  # the models being compared, in order (shared with the Models page and the model view)
_URL_SEEN = "compare:url"
PREFERENCES = {"none": "No preference", "small": "Fewer parameters", "large": "More parameters"}
TOKENS_EXAMPLE = "The quick brown fox jumps over the lazy dog. Tokenizers split words differently: unbelievable!"


class _CachedHub:
    """The Hub client's calls through the app's cache boundary (answers kept a few minutes, errors never)."""

    def model(self, repo_id: str) -> ModelRecord:
        record = hub_cache.info("models", repo_id)
        assert isinstance(record, ModelRecord)
        return record

    def parameters(self, record: ModelRecord) -> ParamCounts | None:
        return hub_cache.parameters(record)

    def config(self, record: ModelRecord) -> dict[str, Any] | None:
        return hub_cache.config(record)


# --- the list of models -------------------------------------------------------------------------------------------


def current() -> list[str]:
    """The models being compared: the URL's when it changed from outside, else the session's."""
    raw = st.query_params.get("models")
    if raw is not None and raw != st.session_state.get(_URL_SEEN):
        ids, notes = parse_ids(raw)
        st.session_state[KEY] = ids
        st.session_state[_URL_SEEN] = raw
        for note in notes:
            st.info(md_escape(note), icon=":material/link_off:")
        if notes:
            _write(ids)  # the link shared from here holds what is compared
    return list(st.session_state.get(KEY, []))


def _write(ids: list[str]) -> None:
    st.session_state[KEY] = ids
    value = ",".join(ids)
    st.session_state[_URL_SEEN] = value or None
    if value:
        st.query_params["models"] = value
    elif "models" in st.query_params:
        del st.query_params["models"]


def add(repo_id: str) -> None:
    """Add a model to the comparison (a button's callback; the Models page and the model view use it too)."""
    ids = list(st.session_state.get(KEY, []))
    if repo_id not in ids and len(ids) < MAX_MODELS:
        ids.append(repo_id)
    st.session_state[KEY] = ids


def _remove(repo_id: str) -> None:
    _write([m for m in st.session_state.get(KEY, []) if m != repo_id])


def _add_here(repo_id: str) -> None:
    add(repo_id)
    _write(list(st.session_state[KEY]))
    st.session_state["compare:find"] = ""


# --- facts ----------------------------------------------------------------------------------------------------------


def _facts(ids: list[str]) -> tuple[list[ModelFacts], str | None, dict[str, stale.Stale]]:
    """Each model's facts from the answering source, a note when the catalog answers instead of the Hub, and the
    models shown from this session's last good facts because the Hub fails on them now (`lib.ui.stale`)."""
    cat = source.catalog()
    holds = cat is not None and cat.has("models")
    if source.choice() == "catalog" and holds:
        return gather(ids, CatalogFacts(cat)), None, {}
    facts = gather(ids, HubFacts(_CachedHub()))
    down = [f.error for f in facts if isinstance(f.error, HubUnavailableError)]
    if down and holds and source.choice() == "auto":
        note = f"{down[0].title}: the local catalog answers instead (no files, configs or cards)."
        return gather(ids, CatalogFacts(cat)), note, {}
    shown: list[ModelFacts] = []
    stale_ones: dict[str, stale.Stale] = {}
    for f in facts:
        if f.error is None:
            stale.keep(("compare", f.id), f)
        elif (found := stale.kept(("compare", f.id), f.error)) is not None:
            f, stale_ones[f.id] = found
        shown.append(f)
    return shown, None, stale_ones


# --- the page -------------------------------------------------------------------------------------------------------


def _finder(ids: list[str]) -> None:
    """A search box: matching models, each with an Add button; an exact id can be added as it is."""
    full = len(ids) >= MAX_MODELS
    text = text_box(st, "Add a model", key="compare:find", limit=MAX_TEXT,
                    placeholder="Search models by name, e.g. bert", disabled=full,
                    help=f"At most {MAX_MODELS} models." if full else "Part of a repo id, or an exact owner/name.")
    show_cut_note("compare:find")
    text = (text or "").strip()
    if not text or full:
        return
    found: list[str] = []
    try:
        caps = source.offered("models")
        result = source.search(SearchQuery(kind="models", text=text, limit=8, sort=caps.default_sort))
        found = [r.id for r in result.items]
    except HubExplorerError as err:
        st.caption(f"Search failed ({md_escape(err.title)}); an exact id can still be added.")
    if is_valid_repo_id(text) and text not in found:
        found.insert(0, text)
    found = [m for m in found if m not in ids]
    if not found:
        st.caption("No model matches that.")
    for repo_id in found:
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.text(repo_id)
        right.button("Add", key=f"compare:add:{repo_id}", icon=":material/add:", on_click=_add_here,
                     args=(repo_id,))


def render() -> None:
    """The whole page."""
    ids = current()
    _finder(ids)
    if not ids:
        st.info("Pick models to compare: search above, select rows in the Models table and press “Compare selected”, "
                "or use “Add to compare” in a model's details.", icon=":material/compare_arrows:")
        return
    row = st.container(horizontal=True, gap="small")
    for repo_id in ids:
        row.button(repo_id, key=f"compare:remove:{repo_id}", icon=":material/close:", type="tertiary",
                   on_click=_remove, args=(repo_id,), help="Remove from the comparison")
    if len(ids) < 2:
        st.caption("Add at least one more model to compare.")
    with st.spinner(f"Reading {len(ids)} models…"):
        facts, note, stale_ones = _facts(ids)
    if note:
        st.info(md_escape(note), icon=":material/cloud_off:")
    failed = [(f.id, f.error) for f in facts if f.error is not None]
    failed += [(repo_id, kept.error) for repo_id, kept in stale_ones.items()]
    for repo_id, error in failed:
        hint = f"\n\n{error.hint}" if error.hint else ""
        st.warning(f"**{md_escape(repo_id)}**: {md_escape(error.title)}. {md_escape(str(error))}{hint}",
                   icon=":material/error:")
    if stale_ones:
        stale.show(min(stale_ones.values(), key=lambda k: k.at), what=", ".join(stale_ones))
    if failed:  # one Retry (and countdown) for the page: every model is asked again
        retry_controls(next((e for _, e in failed if e.retryable), failed[0][1]), "compare:retry",
                       worked_before=bool(stale_ones))
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    fold = left.toggle("Only rows that differ", key="compare:fold",
                       help="Fold away the rows where every model has the same value.")
    prefer = right.segmented_control("Parameters: which is better", list(PREFERENCES), key="compare:prefer",
                                     format_func=PREFERENCES.__getitem__, default="none")
    comparison = compare(facts, prefer_small={"small": True, "large": False}.get(prefer or "none"))
    if not comparison.models:
        return
    endpoint = hub_cache.settings().endpoint
    st.html(table_html(comparison, endpoint, fold_equal=fold))
    st.caption("≠ marks a row whose values differ; ★ the best value where more (likes, downloads, context) or less "
               "(memory, download size) is better. Hover a dash to see why a value is unknown.")
    row = st.container(horizontal=True, gap="small")
    row.download_button("CSV", data=lambda: to_csv(comparison, endpoint), file_name="comparison.csv",
                        mime="text/csv", icon=":material/download:", key="compare:csv")
    row.download_button("Markdown", data=lambda: to_markdown(comparison, endpoint, only_differences=fold),
                        file_name="comparison.md", mime="text/markdown", icon=":material/download:",
                        key="compare:md")
    with row:
        add_to_list([("models", m) for m in comparison.models], key="compare:add_to_list",
                    label="Add these to a list", help="Put the compared models on a team shortlist.")
    records = [f.record for f in facts if f.record is not None]
    st.subheader("Run one input through all of them", anchor=False)
    render_multi_run(records, key="compare:run")
    st.subheader("Tokens", anchor=False)
    text = st.text_area("Text to split", value=TOKENS_EXAMPLE, key="compare:tokens:text", max_chars=4000,
                        help="The same text through each model's tokenizer: how many tokens, and how much of its "
                        "context window that is.")
    render_tokens(records, text or "", key="compare:tokens", configs={f.id: f.config for f in facts if f.config})
