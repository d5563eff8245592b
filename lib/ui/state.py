"""Bind a browse page's state to `st.query_params`, so a copied URL reproduces the view.

Each filter of `lib.filters.FILTERS` has a widget key in `st.session_state` (`widget_key(kind, filter.name)`),
whose value depends only on the filter's control: the filter's URL text for a choice, yes/no or range ("" when
not set), a tuple of dates for a window, a bool for a toggle. The URL is the source of truth when it changes from
outside (first load, a pasted link, back/forward): `read()` then loads it into those keys. Otherwise widgets
drive the state, `query()` builds the search from the keys, and `write()` puts it back into the URL.

The source choice (`?source=`) is kept by `lib.ui.source`, which reads it before the sidebar draws its picker.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from lib import detail_url
from lib.errors import InvalidQueryError
from lib.filters import BY_NAME, FILTERS, Filter
from lib.query import MODES, RELEVANCE, Kind, SearchQuery
from lib.ui import source as sources
from lib.urlstate import PAGE_SIZE, SourceChoice, parse_state, state_to_params

OLDEST = date(2015, 1, 1)  # the first day a date window's widget offers (before the Hub); "from OLDEST" = open


def widget_key(kind: Kind, name: str) -> str:
    return f"{kind}:{name}"


def widget_value(f: Filter, q: SearchQuery) -> Any:
    """A filter's widget value for a query (see the module docstring)."""
    if f.control == "toggle":
        return f.is_set(q)
    if f.control == "window":  # the date widget takes (start,) or (start, end), never an empty side
        lo, hi = f.values(q)
        return () if lo is None and hi is None else (lo,) if hi is None else (lo or OLDEST, hi)
    return f.to_url(q) or ""


def empty_value(f: Filter) -> Any:
    """A filter's widget value when it is not set."""
    return False if f.control == "toggle" else () if f.control == "window" else ""


def _from_widget(f: Filter, value: Any) -> dict[str, Any]:
    """The `SearchQuery` fields a widget value sets (nothing when it is empty or unusable)."""
    if f.control == "toggle":
        return (f.from_url(f.word or "") or {}) if value else {}
    if f.control == "window":
        if isinstance(value, (tuple, list)) and value:
            lo = value[0] if isinstance(value[0], date) and value[0] != OLDEST else None
            hi = value[1] if len(value) > 1 and isinstance(value[1], date) else None
            return dict(zip(f.fields, (lo, hi), strict=True)) if lo or hi else {}
        return {}
    text = (value or "").strip() if isinstance(value, str) else ""
    return (f.from_url(text) or {}) if text else {}


def read(kind: Kind, *, notes: bool = True) -> None:
    """Parse the URL; when it differs from what this page last wrote, load it into the widgets' state (and keep
    the notes about dropped parameters for the page to show)."""
    current = detail_url.browse_params(st.query_params.to_dict())  # the open view's own parameters are its own
    if st.session_state.get(widget_key(kind, "url")) == current:
        return
    parsed = parse_state(kind, current)
    q = parsed.query
    put = lambda name, value: st.session_state.__setitem__(widget_key(kind, name), value)
    put("q", q.text)
    put("mode", q.mode)
    put("sort", q.sort)
    for f in FILTERS:
        put(f.name, widget_value(f, q))
    put("page", parsed.page)
    put("repo", parsed.repo)
    put("per", parsed.per)
    put("cols", parsed.cols)
    put("last_query", q.replace(offset=0, limit=PAGE_SIZE))
    put("table_baseline", None)
    put("sync_table", True)  # the table's selection follows the URL (back/forward, a pasted link)
    if parsed.notes and notes:
        put("notes", parsed.notes)
    put("url", current)


def query(kind: Kind) -> SearchQuery:
    """The search the widgets' state describes, for page 1. Values the query rejects are dropped."""
    get = lambda name, default=None: st.session_state.get(widget_key(kind, name), default)
    mode = get("mode") if get("mode") in MODES else "names"
    sort = get("sort") or "trending"
    if sort == RELEVANCE and mode == "names":  # "Best match" ranks words or meaning; names are sorted by a field
        sort = "trending"
    values: dict[str, object] = {"text": (get("q") or "").strip(), "mode": mode, "sort": sort}
    for f in FILTERS:
        if kind in f.kinds:
            values.update(_from_widget(f, get(f.name)))
    try:
        return SearchQuery(kind=kind, limit=PAGE_SIZE, **values)  # type: ignore[arg-type]
    except InvalidQueryError:
        return SearchQuery(kind=kind, limit=PAGE_SIZE, text=values["text"], mode=mode)  # type: ignore[arg-type]


def set_sort(kind: Kind, sort: str) -> None:
    """Change the sort before its widget is drawn (when the answering source cannot sort as asked)."""
    st.session_state[widget_key(kind, "sort")] = sort
    last = st.session_state.get(widget_key(kind, "last_query"))
    if isinstance(last, SearchQuery) and last.sort != sort:
        st.session_state[widget_key(kind, "last_query")] = last.replace(sort=sort)


def set_mode(kind: Kind, mode: str) -> None:
    """Change the search mode before its widget is drawn (a mode the answering source cannot search in)."""
    st.session_state[widget_key(kind, "mode")] = mode


def clear(kind: Kind, name: str) -> None:
    """Remove one filter (a chip's click)."""
    st.session_state[widget_key(kind, name)] = empty_value(BY_NAME[name])


def write(kind: Kind, q: SearchQuery, *, page: int, repo: str | None, source: SourceChoice | None = None,
          per: int = PAGE_SIZE, cols: tuple[str, ...] | None = None) -> None:  # fmt: skip
    """Put the state in the URL (only when it changed: each write is a browser history entry). The open detail
    view's parameters (`lib.detail_url`: tab, config, split) stay while the same repo is open. `per` and `cols`:
    the results table's rows per page and chosen columns."""
    params = state_to_params(q, page=page, repo=repo, source=source, per=per, cols=cols)
    current = st.query_params.to_dict()
    wanted = {**params, **detail_url.detail_params(current)} if repo and current.get("repo") == repo else params
    if current != wanted:
        st.query_params.from_dict(wanted)
    st.session_state[widget_key(kind, "url")] = params
    sources.remember_url(params.get("source"))
