"""Bind a browse page's state to `st.query_params`, so a copied URL reproduces the view.

The URL is the source of truth when it changes from outside (first load, a pasted link, back/forward);
otherwise widgets drive it and every run writes the current state back.
"""

from __future__ import annotations

import streamlit as st

from lib.query import Kind, SearchQuery
from lib.urlstate import ParsedState, parse_state, state_to_params


def widget_key(kind: Kind, name: str) -> str:
    return f"{kind}:{name}"


def read(kind: Kind) -> ParsedState:
    """Parse the URL; when it differs from what this page last wrote, load it into the widgets' state."""
    current = st.query_params.to_dict()
    parsed = parse_state(kind, current)
    if st.session_state.get(widget_key(kind, "url")) != current:
        q = parsed.query
        st.session_state[widget_key(kind, "q")] = q.text
        st.session_state[widget_key(kind, "task")] = q.task
        st.session_state[widget_key(kind, "sort")] = q.sort
        st.session_state[widget_key(kind, "page")] = parsed.page
        st.session_state[widget_key(kind, "repo")] = parsed.repo
        st.session_state[widget_key(kind, "last_query")] = q.replace(offset=0)
        if parsed.notes:
            st.session_state[widget_key(kind, "notes")] = parsed.notes
    return parsed


def write(kind: Kind, query: SearchQuery, *, page: int, repo: str | None) -> None:
    """Put the state in the URL (only when it changed: each write is a browser history entry)."""
    params = state_to_params(query, page=page, repo=repo)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    st.session_state[widget_key(kind, "url")] = params
