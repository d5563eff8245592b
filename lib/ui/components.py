"""Shared widgets: the sidebar, error messages, chips."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from lib import retrying
from lib.errors import AccessError, HubExplorerError, HubUnavailableError, NotFoundError, RateLimitedError
from lib.format import md_escape
from lib.hub import Reachability
from lib.ui import hub_cache, identity, source

PING_EVERY_S = 10  # the sidebar asks the Hub again this often while it fails (a good answer is kept 30 s)


def show_error(err: HubExplorerError, *, retry_key: str | None = None, worked_before: bool = False,
               about: str | None = None, since: float | None = None) -> None:
    """A readable message (title, what happened, what to do) and, with a `retry_key`, a Retry button where retrying
    can help (an access error too: its hint says to set a token, then retry). A failure retrying can help is also
    counted down and retried by itself (`lib.retrying`), so the page recovers without a click; so is any failure of
    a request that `worked_before` (a stale answer stands in). `about` names what failed (plain text, shown escaped)
    when the page asks for several things; `since` as in `retry_controls`."""
    icon = ":material/search_off:" if isinstance(err, NotFoundError) else ":material/error:"
    body = f"**{err.title}.** {md_escape(str(err))}"
    if about:
        body = f"{md_escape(about)}: {body}"
    if err.hint:
        body += f"\n\n{err.hint}"
    if isinstance(err, (NotFoundError,)):
        st.warning(body, icon=icon)
    else:
        st.error(body, icon=icon)
    if retry_key:
        retry_controls(err, retry_key, worked_before=worked_before, since=since)


def retry_controls(err: HubExplorerError, retry_key: str, *, worked_before: bool = False,
                   since: float | None = None) -> None:
    """The Retry button and the countdown to the automatic retry for `err` (nothing when retrying cannot help).
    The countdown starts now, or at `since` (monotonic seconds: when the request failed) for a caller that draws
    the same failure again before it is asked again (a fragment that reruns every few seconds), so that each
    redraw does not start the wait over."""
    if not (err.retryable or worked_before or isinstance(err, AccessError)):
        return
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    label = "Retry"
    if isinstance(err, RateLimitedError) and err.retry_after:
        label = f"Retry (the Hub asked for {err.retry_after:g} s)"
    if row.button(label, key=retry_key, icon=":material/refresh:"):
        _forget_tries(retry_key)
        st.rerun()
    tries = retrying.tries_after(st.session_state.get(_TRIES, {}).get(retry_key), time.monotonic())
    plan = retrying.plan(err, tries, worked_before=worked_before)
    if plan is not None:
        with row:
            _countdown(retry_key, (time.monotonic() if since is None else since) + plan.wait, plan.auto, tries)


_TRIES = "retry:tries"  # retry key -> (automatic retries made, monotonic time of the last), per session


def _forget_tries(key: str) -> None:
    st.session_state.setdefault(_TRIES, {}).pop(key, None)


def _wait_words(seconds: float) -> str:
    whole = max(0, math.ceil(seconds))
    return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{whole} s"


@st.fragment(run_every=1.0)
def _countdown(key: str, deadline: float, auto: bool, tries: int) -> None:
    """Counts down to `deadline` (monotonic) every second; when `auto`, reruns the whole page at zero."""
    left = deadline - time.monotonic()
    if auto and left <= 0:
        st.session_state.setdefault(_TRIES, {})[key] = (tries + 1, time.monotonic())
        st.rerun(scope="app")
    if auto:
        st.caption(f":material/timer: Retrying by itself in {_wait_words(left)}.")
    elif left > 0:
        st.caption(f":material/timer: The Hub asked to wait {_wait_words(left)} more.")
    else:
        st.caption(":material/timer: The wait is over: press Retry.")


#: What a search box takes from the browser; longer text is cut to the search's own limit with a note (a widget's
#: `max_chars` alone drops a longer paste without a word).
MAX_PASTE = 10_000
_CUT = "{key}:cut"


def _cut(key: str, limit: int) -> None:
    text = st.session_state.get(key) or ""
    if len(text) > limit:
        st.session_state[key] = text[:limit]
        st.session_state[_CUT.format(key=key)] = (f"The search text was cut to its first {limit} characters "
                                                  f"(it had {len(text):,}).")  # fmt: skip


def text_box(container: Any, label: str, *, key: str, limit: int, **options: Any) -> str:
    """A text input (drawn in `container`) whose text beyond `limit` characters is cut, with a note for
    `cut_note(key)` to return; returns the text."""
    return container.text_input(label, key=key, max_chars=MAX_PASTE, on_change=_cut, args=(key, limit), **options)


def set_cut_note(key: str, note: str) -> None:
    """Say on the next `cut_note(key)` that the box's text was cut (when it came cut from elsewhere: a link)."""
    st.session_state[_CUT.format(key=key)] = note


def cut_note(key: str) -> str | None:
    """The note saying that the text of `text_box(key=...)` was just cut (once), or None."""
    return st.session_state.pop(_CUT.format(key=key), None)


def show_cut_note(key: str) -> None:
    note = cut_note(key)
    if note:
        st.info(note, icon=":material/content_cut:")


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


@dataclass
class SidebarSlots:
    """The places `sidebar_top` keeps in the sidebar for what `sidebar` draws after the page."""

    you: Any
    answers: Any


def sidebar_top() -> SidebarSlots:
    """The top of the shared sidebar, before the page: where answers come from (the endpoint, the Hub's health,
    the token), drawn now, with places kept above it for "You" and below it for the source picker, which `sidebar`
    fills after the page so that a page's own elements reach the browser first. The health check's fragment is
    registered here, before the page's own fragments: drawn after them, its reruns every few seconds made a live
    page's control (a shortlist item's status) write back a value from before a change. The panels a page draws
    meanwhile already know that the "You" widget is there."""
    identity.will_show_sidebar()
    top = st.sidebar.container()
    you = top.container()
    with top:
        _hub()
    return SidebarSlots(you=you, answers=top.container())


def _hub() -> None:
    s = hub_cache.settings()
    st.subheader("Source", anchor=False)
    label = "Hugging Face Hub" if s.is_default_endpoint else "Custom endpoint"
    st.markdown(f"**{label}**  \n`{s.endpoint}`")
    health()
    if s.has_token:
        st.markdown(":blue-badge[:material/key: token set]")
    else:
        st.markdown(":gray-badge[:material/key_off: no token]")
        st.caption("Gated and private repos need `HF_TOKEN`.")


def sidebar(slots: SidebarSlots | None = None) -> None:
    """Who is asking (`lib.ui.identity`); where answers come from: the endpoint, whether it answers, whether a token
    is set (never the token), and the source picker. All in the sidebar, in that order; or, after `sidebar_top`
    drew the top part before the page, "You" and the picker into the places it kept."""
    if slots is None:
        identity.sidebar()
        with st.sidebar:
            _hub()
        source.sidebar()
        return
    identity.sidebar(slots.you)
    source.sidebar(slots.answers)
