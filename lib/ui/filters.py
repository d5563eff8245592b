"""A browse page's filter panel (sidebar) and the chips of applied filters (click one to remove it).

Both iterate `lib.filters.FILTERS`: each row's control decides its widget. What the answering source cannot do
(`lib.sources.Capabilities`) is drawn disabled with the reason as its help, never offered as if it worked; a
filter that is set (from a link) stays enabled so it can be removed.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from lib.filters import FILTERS, PARAM_PRESETS, Filter, for_kind
from lib.query import NONE_VALUE, Facet, Kind, SearchQuery
from lib.sources import Capabilities
from lib.ui import state
from lib.vocab import COMMON_VALUES

OLDEST = state.OLDEST
COUNTED = "Counts are over the matches with the other filters applied."


def by_count(values: list[str], facet: Facet | None) -> list[str]:
    """`values` ordered by their count (most first; equal counts keep their order), those without a known count
    after them in their own order. Pure."""
    if facet is None:
        return list(values)
    counted = [(v, c) for v in values if (c := facet.count_of(v)) is not None]
    ranked = [v for v, _ in sorted(counted, key=lambda p: -p[1])]
    return ranked + [v for v in values if facet.count_of(v) is None]


def with_count(text: str, facet: Facet | None, value: str) -> str:
    """A value's label with its count when the source counted it ("fill-mask (1,204)"); the bare label when it did
    not (the live Hub counts nothing, and a count is never guessed). Pure."""
    count = facet.count_of(value) if facet is not None else None
    return text if count is None else f"{text} ({count:,})"


def _options(current: str, facet: Facet | None, fixed: tuple[str, ...], common: tuple[str, ...]) -> list[str]:
    """Choices for one filter, "" (any) first: a fixed list (tasks) or the facet's values, ordered by count when a
    source counted them; else the common values. "(none)" counts repos without a value: it cannot be chosen."""
    if fixed:
        values = by_count(list(fixed), facet)
    elif facet is not None:
        values = [v.value for v in facet.values if v.value != NONE_VALUE]
    else:
        values = list(common)
    if current and current not in values:
        values.insert(0, current)
    return ["", *values]


def choice(kind: Kind, f: Filter, facet: Facet | None, *, options: tuple[str, ...] = (), container=st,
           disabled: bool = False, help: str | None = None) -> None:  # fmt: skip
    """A choice filter's select box: any value may be typed; values come with their counts, most first, when a
    source counted them. `options` replaces the facet's and the common values (the task list)."""
    key = state.widget_key(kind, f.name)
    current = st.session_state.get(key) or ""
    values = _options(current, facet, options, COMMON_VALUES.get(f.name, ()))
    st.session_state[key] = current
    show = f.display or (lambda v: v)

    def label(value: str) -> str:
        if not value:
            return f"Any {f.noun or f.name}"
        return with_count(show(value), facet, value)

    if help is None:
        help = COUNTED if facet is not None else "Type any value, or pick a common one."
        if facet is not None and facet.truncated:
            help += " Only the most frequent values are counted; type another to use it."
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
            facet = facets.get(f.name)
            counted = f" {COUNTED}" if facet is not None else ""
            if f.control == "choice":
                choice(kind, f, facet, disabled=disabled, help=why)
            elif f.control == "tristate":
                noun = f.noun or f.name
                names = {"yes": with_count(noun, facet, "yes"), "no": with_count(f"not {noun}", facet, "no")}
                _segments(key, ["yes", "no"], f.label, names, disabled, why or f.help + counted)
            elif f.control == "range":
                presets = list(PARAM_PRESETS) if f.name == "params" else []
                current = st.session_state.get(key) or ""
                if current and current not in presets:
                    presets.append(current)  # a custom range from a link
                names = {p: with_count(p, facet, p) for p in presets}
                _segments(key, presets, f.label, names, disabled, why or f.help + counted)
            elif f.control == "window":
                st.date_input(f.label, key=key, min_value=OLDEST, max_value=date.today(), format="YYYY-MM-DD",
                              help=why or f.help, disabled=disabled)  # fmt: skip
            else:
                if not quality:
                    st.markdown("**Quality**")
                    quality = True
                st.toggle(with_count(f.label, facet, "yes"), key=key, disabled=disabled, help=why or f.help + counted)
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

