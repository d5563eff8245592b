"""Shared widgets: the sidebar, error messages, chips."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from lib.errors import HubExplorerError, NotFoundError, RateLimitedError
from lib.format import md_escape
from lib.ui import hub, identity, source


def show_error(err: HubExplorerError, *, retry_key: str | None = None) -> None:
    """A readable message (title, what happened, what to do) and, where it helps, a Retry button."""
    icon = ":material/search_off:" if isinstance(err, NotFoundError) else ":material/error:"
    body = f"**{err.title}.** {md_escape(str(err))}"
    if err.hint:
        body += f"\n\n{err.hint}"
    if isinstance(err, (NotFoundError,)):
        st.warning(body, icon=icon)
    else:
        st.error(body, icon=icon)
    if retry_key and err.retryable:
        label = "Retry"
        if isinstance(err, RateLimitedError) and err.retry_after:
            label = f"Retry (the Hub asked for {err.retry_after:g} s)"
        if st.button(label, key=retry_key, icon=":material/refresh:"):
            st.rerun()


def chips(values: Iterable[str], *, color: str = "gray") -> str:
    """Markdown badges for untrusted values (escaped), separated by spaces."""
    return " ".join(f":{color}-badge[{md_escape(v)}]" for v in values)


def sidebar() -> None:
    """Who is asking (`lib.ui.identity`); where answers come from: the endpoint, whether it answers, whether a token
    is set (never the token)."""
    identity.sidebar()
    s = hub.settings()
    with st.sidebar:
        st.subheader("Source", anchor=False)
        reach = hub.ping()
        label = "Hugging Face Hub" if s.is_default_endpoint else "Custom endpoint"
        st.markdown(f"**{label}**  \n`{s.endpoint}`")
        if reach.ok:
            st.markdown(f":green-badge[:material/check_circle: reachable] {reach.latency_ms:.0f} ms")
        else:
            st.markdown(":red-badge[:material/cloud_off: unreachable]")
            if reach.error is not None:
                st.caption(md_escape(str(reach.error)))
        if s.has_token:
            st.markdown(":blue-badge[:material/key: token set]")
        else:
            st.markdown(":gray-badge[:material/key_off: no token]")
            st.caption("Gated and private repos need `HF_TOKEN`.")
    source.sidebar()
