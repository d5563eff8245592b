"""A browse page's filter panel (sidebar) and the chips of applied filters (click one to remove it)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from lib.hub.client import LIVE_FLAGS
from lib.query import QUALITY_FLAGS, Facet, Kind, SearchQuery, describe_range
from lib.tasks import task_label
from lib.ui import state
from lib.urlstate import PARAM_PRESETS
from lib.vocab import COMMON_VALUES

_LABELS = {"library": "Library", "language": "Language", "license": "License", "author": "Author", "sdk": "SDK",
           "hardware": "Hardware"}
_CHOICES_BY_KIND: dict[Kind, tuple[str, ...]] = {
    "models": ("library", "language", "license", "author"),
    "datasets": ("language", "license", "author"),
    "spaces": ("sdk", "hardware", "license", "author"),
}

OLDEST = date(2015, 1, 1)


def _options(current: str, facet: Facet | None, common: tuple[str, ...]) -> tuple[list[str], dict[str, int]]:
    """Choices for one filter: the facet's values by count when a catalog counted them, else common values."""
    counts: dict[str, int] = {}
    if facet is not None:
        counts = {v.value: v.count for v in facet.values}
        values = list(counts)
    else:
        values = list(common)
    if current and current not in values:
        values.insert(0, current)
    return ["", *values], counts


def _choice(kind: Kind, name: str, facet: Facet | None) -> None:
    key = state.widget_key(kind, name)
    current = st.session_state.get(key) or ""
    options, counts = _options(current, facet, COMMON_VALUES[name])
    st.session_state[key] = current

    def label(value: str) -> str:
        if not value:
            return "Any " + ("SDK" if name == "sdk" else name)
        return f"{value} ({counts[value]:,})" if value in counts else value

    help_text = "Counts are over all matches." if counts else "Type any value, or pick a common one."
    if facet is not None and facet.truncated:
        help_text += " Only the most frequent values are listed; type another to use it."
    st.selectbox(_LABELS[name], options, key=key, format_func=label, accept_new_options=True, help=help_text)


def sidebar(kind: Kind, facets: dict[str, Facet], *, catalog: bool) -> None:
    """Every filter but text, task and sort (those sit above the table). `catalog`: the catalog answers, so
    values come with counts and the filters only it can apply are enabled."""
    with st.sidebar:
        st.subheader("Filters", anchor=False)
        for name in _CHOICES_BY_KIND[kind]:
            _choice(kind, name, facets.get(name))
        if kind != "spaces":
            st.segmented_control("Gated", list(state.GATED_CHOICES), key=state.widget_key(kind, "gated"),
                                 help="Gated repos need you to accept conditions and a token to download.")
        if kind == "models":
            key = state.widget_key(kind, "params")
            presets = list(PARAM_PRESETS)
            current = st.session_state.get(key) or ""
            if current and current not in presets:
                presets.append(current)  # a custom range from a link
            st.segmented_control("Parameters", presets, key=key,
                                 help="Parameter count from the safetensors weights; unknown counts never match.")
        st.markdown("**Quality**")
        for flag, (label, kinds) in QUALITY_FLAGS.items():
            if kind not in kinds:
                continue
            live = flag in LIVE_FLAGS
            key = state.widget_key(kind, flag)
            st.toggle(label, key=key, disabled=not (catalog or live) and not st.session_state.get(key),
                      help=None if catalog or live else "Needs the local catalog as the source.")
        if catalog:
            today = date.today()
            for which in ("created", "updated"):
                st.date_input(which.capitalize(), key=state.widget_key(kind, which), min_value=OLDEST,
                              max_value=today, format="YYYY-MM-DD", help=f"Only repos {which} in this window.")
        else:
            st.caption("Date windows need the local catalog as the source, and so do download and like ranges "
                       "(drag a box on the likes/downloads chart).")


def applied(kind: Kind, q: SearchQuery) -> list[tuple[str, str]]:
    """(state name, chip label) for each applied filter, in a stable order."""
    chips: list[tuple[str, str]] = []
    if q.task:
        chips.append(("task", f"task: {task_label(q.task)}"))
    for name in ("library", "language", "license", "author"):
        value = getattr(q, name)
        if value:
            chips.append((name, f"{name}: {value}"))
    if q.gated is not None:
        chips.append(("gated", "gated" if q.gated else "not gated"))
    if q.params_min is not None or q.params_max is not None:
        chips.append(("params", f"parameters: {st.session_state.get(state.widget_key(kind, 'params'))}"))
    for which in ("downloads", "likes"):
        lo, hi = getattr(q, f"{which}_min"), getattr(q, f"{which}_max")
        if lo is not None or hi is not None:
            chips.append((which, describe_range(which, lo, hi).replace(" ", ": ", 1)))
    for which in ("created", "updated"):
        lo, hi = getattr(q, f"{which}_from"), getattr(q, f"{which}_to")
        if lo or hi:
            chips.append((which, f"{which}: {lo or '…'} – {hi or '…'}"))
    for name in ("sdk", "hardware"):
        if getattr(q, name):
            chips.append((name, f"{_LABELS[name]}: {getattr(q, name)}"))
    for flag, (label, _) in QUALITY_FLAGS.items():
        if getattr(q, flag):
            chips.append((flag, label.split(" (")[0]))
    return chips


def chips(kind: Kind, q: SearchQuery) -> None:
    """Applied filters as buttons; clicking one removes that filter."""
    items = applied(kind, q)
    if not items:
        return
    row = st.container(horizontal=True, gap="small")
    for name, label in items:
        row.button(label, key=state.widget_key(kind, f"chip:{name}"), icon=":material/close:", type="tertiary",
                   on_click=state.clear, args=(kind, name), help="Remove this filter")
