"""A browse page's filter panel (sidebar) and the chips of applied filters (click one to remove it).

Both iterate `lib.filters.FILTERS`: each row's control decides its widget. What the answering source cannot do
(`lib.sources.Capabilities`) is drawn disabled with the reason as its help, never offered as if it worked; a
filter that is set (from a link) stays enabled so it can be removed.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from lib.filters import FILTERS, PARAM_PRESETS, Filter, for_kind
from lib.query import Facet, Kind, SearchQuery
from lib.sources import Capabilities
from lib.ui import state
from lib.vocab import COMMON_VALUES

OLDEST = state.OLDEST


def _options(current: str, facet: Facet | None, common: tuple[str, ...]) -> tuple[list[str], dict[str, int]]:
    """Choices for one filter: the facet's values by count when a source counted them, else common values."""
    counts: dict[str, int] = {}
    if facet is not None:
        counts = {v.value: v.count for v in facet.values}
        values = list(counts)
    else:
        values = list(common)
    if current and current not in values:
        values.insert(0, current)
    return ["", *values], counts


def choice(kind: Kind, f: Filter, facet: Facet | None, *, options: tuple[str, ...] = (), container=st,
           disabled: bool = False, help: str | None = None) -> None:  # fmt: skip
    """A choice filter's select box: any value may be typed; values come with their counts when a source
    counted them. `options` replaces the common values (the task list)."""
    key = state.widget_key(kind, f.name)
    current = st.session_state.get(key) or ""
    values, counts = _options(current, facet, options or COMMON_VALUES.get(f.name, ()))
    if options:  # a fixed list (tasks): keep its order, values counted or not
        values = ["", *options] + ([current] if current and current not in options else [])
    st.session_state[key] = current
    show = f.display or (lambda v: v)

    def label(value: str) -> str:
        if not value:
            return f"Any {f.noun or f.name}"
        return f"{show(value)} ({counts[value]:,})" if value in counts else show(value)

    if help is None:
        help = "Counts are over all matches." if counts else "Type any value, or pick a common one."
        if facet is not None and facet.truncated:
            help += " Only the most frequent values are listed; type another to use it."
    container.selectbox(f.label, values, key=key, format_func=label, accept_new_options=True, help=help,
                        disabled=disabled)  # fmt: skip


def _is_on(value: object) -> bool:
    return value not in (None, "", False, ())


def sidebar(kind: Kind, facets: dict[str, Facet], caps: Capabilities) -> None:
    """Every filter of the filter panel (text, task and sort sit above the table; count ranges come from a chart).
    `caps`: what may be asked (see `lib.ui.source.offered`)."""
    with st.sidebar:
        st.subheader("Filters", anchor=False)
        quality = False
        for f in for_kind(kind):
            if f.place != "panel":
                continue
            key = state.widget_key(kind, f.name)
            can = caps.can_filter(f.name)
            disabled = not can and not _is_on(st.session_state.get(key))
            why = None if can else caps.why_not(f.name)
            if f.control == "choice":
                choice(kind, f, facets.get(f.name), disabled=disabled, help=why)
            elif f.control == "tristate":
                _segments(key, ["yes", "no"], f.label, {"yes": f.noun or f.name, "no": f"not {f.noun or f.name}"},
                          disabled, why or f.help)  # fmt: skip
            elif f.control == "range":
                presets = list(PARAM_PRESETS) if f.name == "params" else []
                current = st.session_state.get(key) or ""
                if current and current not in presets:
                    presets.append(current)  # a custom range from a link
                _segments(key, presets, f.label, {}, disabled, why or f.help)
            elif f.control == "window":
                st.date_input(f.label, key=key, min_value=OLDEST, max_value=date.today(), format="YYYY-MM-DD",
                              help=why or f.help, disabled=disabled)  # fmt: skip
            else:
                if not quality:
                    st.markdown("**Quality**")
                    quality = True
                st.toggle(f.label, key=key, disabled=disabled, help=why or f.help)
        # Filters without a panel widget (set from a chart): say why, when they cannot be used here.
        for reason, labels in _grouped(kind, caps).items():
            words = " and ".join(label.lower() for label in labels)
            st.caption(f"Ranges of {words} (a box on the likes/downloads chart): {reason}")


def _grouped(kind: Kind, caps: Capabilities) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in for_kind(kind):
        if f.place == "chart" and not caps.can_filter(f.name):
            out.setdefault(caps.why_not(f.name), []).append(f.label)
    return out


def _segments(key: str, options: list[str], label: str, names: dict[str, str], disabled: bool, help: str) -> None:
    if st.session_state.get(key) == "":
        st.session_state[key] = None  # nothing selected
    st.segmented_control(label, options, key=key, format_func=lambda v: names.get(v, v), disabled=disabled,
                         help=help)  # fmt: skip


def applied(kind: Kind, q: SearchQuery) -> list[tuple[str, str]]:
    """(filter name, chip label) for each applied filter, in table order."""
    return [(f.name, label) for f in FILTERS if kind in f.kinds and (label := f.chip(q))]


def chips(kind: Kind, q: SearchQuery) -> None:
    """Applied filters as buttons; clicking one removes that filter."""
    items = applied(kind, q)
    if not items:
        return
    row = st.container(horizontal=True, gap="small")
    for name, label in items:
        row.button(label, key=state.widget_key(kind, f"chip:{name}"), icon=":material/close:", type="tertiary",
                   on_click=state.clear, args=(kind, name), help="Remove this filter")

