"""Links between our own pages that carry query parameters (a repo to open, a search to continue)."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitAPIException

from lib.format import md_escape
from lib.query import Kind

PAGES: dict[Kind, str] = {"models": "pages/models.py", "datasets": "pages/1_datasets.py", "spaces": "pages/spaces.py"}


def link(kind: Kind, label: str, params: dict[str, str] | None = None, *, icon: str | None = None) -> None:
    """`st.page_link` to a kind's page; when the page runs on its own (no navigation, as in a smoke test), a
    plain relative link to the same URL instead."""
    try:
        # page_link labels are Markdown: untrusted text (repo ids, saved-search names) is escaped.
        st.page_link(PAGES[kind], label=md_escape(label), icon=icon, query_params=params or None)
    except StreamlitAPIException:
        query = f"?{urlencode(params)}" if params else ""
        st.markdown(f"[{md_escape(label)}](/{kind}{query})")
