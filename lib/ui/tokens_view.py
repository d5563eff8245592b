"""How a text splits into tokens, for one model (the Try it panel's "Tokens") or several side by side (the compare
page): the text with each token marked and its id on hover, the count, the share of the model's context window, and
for several models one row of counts.

Only tokenizer files are downloaded (:mod:`lib.tokens`), and only once the person asks (a toggle, remembered for the
session): an expander's content runs on every rerun, opened or not. The marked text is HTML built by
:func:`lib.tokens.marked_html`, which escapes every piece of text; nothing else here goes through HTML or Markdown
unescaped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from lib import tokens
from lib.errors import HubExplorerError
from lib.format import md_escape
from lib.records import ModelRecord
from lib.ui import hub_cache


@st.cache_data(max_entries=256, show_spinner=False)
def _tokenized(model: str, text: str, token_key: str, config_json: str | None, _token: str | None) -> tokens.Tokenized:
    """``lib.tokens.tokenize`` kept per (model, text, token fingerprint, config); errors are not cached."""
    return tokens.tokenize(model, text, token=_token, config=json.loads(config_json) if config_json else None)


def tokenized(model: str, text: str, config: Mapping[str, Any] | None = None) -> tokens.Tokenized:
    token = hub_cache.settings().token
    token_key = hashlib.sha256(token.encode()).hexdigest()[:12] if token else "-"
    return _tokenized(model, text, token_key, json.dumps(dict(config), sort_keys=True, default=str) if config else None,
                      token)


def render_tokens(models: Sequence[ModelRecord | str], text: str, *, key: str,
                  configs: Mapping[str, Mapping[str, Any]] | None = None) -> list[tokens.Tokenized]:
    """``text`` as each model's tokenizer splits it, once the toggle under ``key`` is on; several models also get
    one row of counts. ``configs`` (a model's full config.json, by id: the compare page has them) give the context
    window; without one the tokenizer's own limit is used. Returns what was shown (for a page's own use)."""
    ids = [m.id if isinstance(m, ModelRecord) else str(m) for m in models]
    shown: list[tokens.Tokenized] = []
    if not ids:
        return shown
    if not st.toggle("Show how the text splits into tokens", key=f"{key}:show",
                     help="Downloads the tokenizer files only (a few MB), never the weights."):
        return shown
    if not text or not text.strip():
        st.caption("No text to split yet.")
        return shown
    for model in ids:
        if len(ids) > 1:
            st.markdown(f"**{md_escape(model)}**")
        try:
            result = tokenized(model, text, (configs or {}).get(model))
        except HubExplorerError as err:
            st.warning(f"{md_escape(err.title)}: {md_escape(str(err))}", icon=":material/error:")
            continue
        shown.append(result)
        st.html(tokens.marked_html(result))
        caption = tokens.share_text(result)
        added = tokens.added_tokens(result)
        if added:
            caption += f"; added by the tokenizer: {', '.join(added)}"
        st.caption(md_escape(caption))
    if len(shown) > 1:
        st.markdown("**Tokens for the same text**")
        st.dataframe(_counts_frame(shown), width="stretch")
    return shown


def _counts_frame(shown: Sequence[tokens.Tokenized]) -> Any:
    import pandas as pd

    return pd.DataFrame(tokens.counts_table(shown), index=list(tokens.COUNTS_ROWS))
