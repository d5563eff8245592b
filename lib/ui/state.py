"""Bind a browse page's state to `st.query_params`, so a copied URL reproduces the view.

Each filter has a widget key in `st.session_state`. The URL is the source of truth when it changes from
outside (first load, a pasted link, back/forward): `read()` then loads it into those keys. Otherwise widgets
drive the state, `query()` builds the search from the keys, and `write()` puts it back into the URL.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from lib.errors import InvalidQueryError
from lib.query import QUALITY_FLAGS, Kind, SearchQuery
from lib.urlstate import (
    PAGE_SIZE,
    format_count_range,
    format_param_range,
    parse_count_range,
    parse_param_range,
    parse_state,
    state_to_params,
)

TEXT_FILTERS = ("library", "language", "license", "author", "sdk", "hardware")
_KIND_ONLY = {"library": "models", "sdk": "spaces", "hardware": "spaces"}
GATED_CHOICES = {"any": None, "gated": True, "not gated": False}
COUNT_RANGES = ("downloads", "likes")  # state "lo-hi" (lib.urlstate.format_count_range), "" for none


def widget_key(kind: Kind, name: str) -> str:
    return f"{kind}:{name}"


def read(kind: Kind) -> None:
    """Parse the URL; when it differs from what this page last wrote, load it into the widgets' state."""
    current = st.query_params.to_dict()
    if st.session_state.get(widget_key(kind, "url")) == current:
        return
    parsed = parse_state(kind, current)
    q = parsed.query
    put = lambda name, value: st.session_state.__setitem__(widget_key(kind, name), value)
    put("q", q.text)
    put("task", q.task or "")
    put("sort", q.sort)
    for name in TEXT_FILTERS:
        put(name, getattr(q, name) or "")
    put("gated", next(label for label, value in GATED_CHOICES.items() if value == q.gated))
    has_params = q.params_min is not None or q.params_max is not None
    put("params", format_param_range(q.params_min, q.params_max) if has_params else "")
    for which in COUNT_RANGES:  # no widget: set by the likes/downloads scatter, removed by its chip
        lo, hi = getattr(q, f"{which}_min"), getattr(q, f"{which}_max")
        put(which, format_count_range(lo, hi) if lo is not None or hi is not None else "")
    put("created", tuple(d for d in (q.created_from, q.created_to)) if q.created_from or q.created_to else ())
    put("updated", tuple(d for d in (q.updated_from, q.updated_to)) if q.updated_from or q.updated_to else ())
    for flag in QUALITY_FLAGS:
        put(flag, bool(getattr(q, flag)))
    put("page", parsed.page)
    put("repo", parsed.repo)
    put("last_query", q.replace(offset=0))
    put("table_baseline", None)
    if parsed.notes:
        put("notes", parsed.notes)
    put("url", current)


def _window(value: object) -> tuple[date | None, date | None]:
    if isinstance(value, (tuple, list)) and value:
        lo = value[0] if isinstance(value[0], date) else None
        hi = value[1] if len(value) > 1 and isinstance(value[1], date) else None
        return lo, hi
    return None, None


def query(kind: Kind) -> SearchQuery:
    """The search the widgets' state describes, for page 1. Values the query rejects are dropped."""
    get = lambda name, default=None: st.session_state.get(widget_key(kind, name), default)
    values: dict[str, object] = {
        "text": (get("q") or "").strip(),
        "task": (get("task") or None) if kind != "spaces" else None,
        "sort": get("sort") or "trending",
        "gated": GATED_CHOICES.get(get("gated") or "any") if kind != "spaces" else None,
    }
    for name in TEXT_FILTERS:
        if _KIND_ONLY.get(name, kind) != kind:
            continue
        values[name] = (get(name) or "").strip() or None
    for flag, (_, kinds) in QUALITY_FLAGS.items():
        if kind in kinds and get(flag):
            values[flag] = True
    if kind == "models" and get("params"):
        bounds = parse_param_range(get("params"))
        if bounds:
            values["params_min"], values["params_max"] = bounds
    for which in COUNT_RANGES:
        raw = get(which) or ""
        bounds = parse_count_range(raw) if raw and not (which == "downloads" and kind == "spaces") else None
        if bounds:
            values[f"{which}_min"], values[f"{which}_max"] = bounds
    values["created_from"], values["created_to"] = _window(get("created"))
    values["updated_from"], values["updated_to"] = _window(get("updated"))
    try:
        return SearchQuery(kind=kind, limit=PAGE_SIZE, **values)  # type: ignore[arg-type]
    except InvalidQueryError:
        return SearchQuery(kind=kind, limit=PAGE_SIZE, text=values["text"])  # type: ignore[arg-type]


def clear(kind: Kind, name: str) -> None:
    """Remove one filter (a chip's click)."""
    key = widget_key(kind, name)
    st.session_state[key] = False if name in QUALITY_FLAGS else {"gated": "any", "created": (), "updated": ()}.get(
        name, ""
    )


def write(kind: Kind, q: SearchQuery, *, page: int, repo: str | None) -> None:
    """Put the state in the URL (only when it changed: each write is a browser history entry)."""
    params = state_to_params(q, page=page, repo=repo)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    st.session_state[widget_key(kind, "url")] = params
