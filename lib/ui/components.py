"""Shared widgets: the sidebar, error messages, chips."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from lib.errors import AccessError, HubExplorerError, HubUnavailableError, NotFoundError, RateLimitedError
from lib.format import md_escape
from lib.hub import Reachability
from lib.ui import hub_cache, identity, source

PING_EVERY_S = 10  # the sidebar asks the Hub again this often while it fails (a good answer is kept 30 s)


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


@st.cache_data(ttl=30, max_entries=8, show_spinner=False)
def _ping_ms(key: str) -> float:
    """How fast the Hub answers a tiny listing; a failure raises (errors are not cached: the next run asks again)."""
    reach = hub_cache.client().ping()
    if not reach.ok:
        raise reach.error or HubExplorerError("The Hub did not answer.")
    return reach.latency_ms or 0.0


def health_check() -> Reachability:
    """Whether the Hub answers now (a good answer is reused for 30 s, a failure never)."""
    s = hub_cache.settings()
    try:
        return Reachability(s.endpoint, ok=True, latency_ms=_ping_ms(hub_cache.settings_key(s)))
    except HubExplorerError as err:
        return Reachability(s.endpoint, ok=False, error=err)


def _badge(err: HubExplorerError) -> str:
    """A failed check in the sidebar, named by the error's own title (unreachable, slow, rate limited, refused)."""
    icon = ":material/key_off:" if isinstance(err, AccessError) else (
        ":material/cloud_off:" if isinstance(err, HubUnavailableError) else ":material/error:")  # fmt: skip
    return f":red-badge[{icon} {md_escape(err.title)}]"


@st.fragment(run_every=PING_EVERY_S, parallel=True)
def health() -> None:
    """The Hub's health, checked in parallel with the page (a slow Hub never holds the page up) and again every
    `PING_EVERY_S` seconds. It only informs: each search decides for itself whether the catalog stands in."""
    reach = health_check()
    if reach.ok:
        st.markdown(f":green-badge[:material/check_circle: reachable] {reach.latency_ms:.0f} ms")
    elif reach.error is not None:
        st.markdown(_badge(reach.error))
        st.caption(md_escape(str(reach.error)))


def sidebar() -> None:
    """Who is asking (`lib.ui.identity`); where answers come from: the endpoint, whether it answers, whether a token
    is set (never the token)."""
    identity.sidebar()
    s = hub_cache.settings()
    with st.sidebar:
        st.subheader("Source", anchor=False)
        label = "Hugging Face Hub" if s.is_default_endpoint else "Custom endpoint"
        st.markdown(f"**{label}**  \n`{s.endpoint}`")
        health()
        if s.has_token:
            st.markdown(":blue-badge[:material/key: token set]")
        else:
            st.markdown(":gray-badge[:material/key_off: no token]")
            st.caption("Gated and private repos need `HF_TOKEN`.")
    source.sidebar()
