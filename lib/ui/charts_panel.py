"""The "Charts" panel under a browse page's results: what the result set is made of, and charts that filter it.

Clicking a bar of the task, library, license, SDK, hardware or status chart applies that filter (where the
source can filter by it; else the reason is shown); dragging across months applies a
creation window, and a box on the likes/downloads scatter ranges of both counts (the catalog only: the Hub cannot
filter by date or count ranges; there the box lists the repos inside); clearing a chart's selection removes the
filter it had applied. A selection changes the URL and reruns, and `lib.ui.state.read` loads the new URL into the
filter widgets before they are drawn (a widget's state cannot be changed once it is drawn in a run). A chart
acts only when its selection changed since the last run, so a filter removed elsewhere (a chip) is not put back
by a selection still showing in a chart.

The answering source's `aggregates` gives the frames: over every match when it can count them (the catalog),
over the fetched results otherwise (the live Hub), and the panel says which. Whether a selection can filter the
table is the capabilities' answer (`lib.ui.source.offered`), never a question of which source answered.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from lib import charts
from lib.errors import HubExplorerError
from lib.format import md_escape
from lib.query import NONE_VALUE, Kind, SearchQuery, SearchResult
from lib.sources import Capabilities, Source, records_aggregates
from lib.ui import source, state
from lib.ui.chart_export import export_buttons
from lib.urlstate import PAGE_SIZE, state_to_params

Frames = dict[str, pd.DataFrame]


def chart_key(kind: Kind, name: str) -> str:
    """The widget key of one chart (its selection lives in session state under it)."""
    return state.widget_key(kind, f"chart:{name}")


def panel_key(kind: Kind) -> str:
    """The widget key of the "Charts" expander: its open state lives in session state, so it stays open when a
    chart's selection changes the URL and reruns (and a closed panel costs nothing)."""
    return state.widget_key(kind, "charts")


def _seen_key(kind: Kind, name: str) -> str:
    return state.widget_key(kind, f"chart_seen:{name}")


def frames_for(kind: Kind, query: SearchQuery, result: SearchResult, src: Source) -> tuple[Frames, str, bool]:
    """The chart frames, the words that say what they cover, and whether they cover every match."""
    try:
        agg = src.aggregates(query)
    except HubExplorerError:  # counting failed: chart what was fetched
        agg = records_aggregates(result, kind)
    if agg.complete:
        return agg.frames, f"Over all {agg.matches:,} matches in {src.label}.", True
    more = f" (more exist: {src.label} does not count them)" if agg.has_more else ""
    return agg.frames, f"Over the {agg.matches:,} fetched results from {src.label}{more}.", False


def picked_value(selection: Any, field: str) -> str | None:
    """The value a point selection picked (``[{field: value}, ...]``), or None when nothing is picked."""
    if isinstance(selection, list) and selection and isinstance(selection[0], dict):
        value = selection[0].get(field)
        return None if value is None else str(value)
    return None


def _selection(event: Any, param: str) -> Any:
    if event is None:
        return None
    chosen = event.get("selection", {}).get(param) if hasattr(event, "get") else None
    return chosen or None  # {} and [] both mean "nothing selected"


def _changed(kind: Kind, name: str, current: Any) -> bool:
    """Whether a chart's selection differs from the last run's (the first sighting only records it)."""
    key = _seen_key(kind, name)
    normal = _normal(current)
    if key not in st.session_state:
        st.session_state[key] = normal
        return False
    if st.session_state[key] == normal:
        return False
    st.session_state[key] = normal
    return True


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    return value


def _apply(kind: Kind, query: SearchQuery, **changes: object) -> None:
    """Put the query with `changes` in the URL and rerun: `state.read` loads it into the filter widgets."""
    new = query.replace(offset=0, **changes)
    if new == query.replace(offset=0):
        return
    layout = {"per": st.session_state.get(state.widget_key(kind, "per")) or PAGE_SIZE,  # the table's, kept
              "cols": st.session_state.get(state.widget_key(kind, "cols"))}
    st.query_params.from_dict(state_to_params(new, page=1, repo=None, source=source.choice(), **layout))
    st.rerun()


_BUILDERS: dict[str, Callable[[pd.DataFrame], alt.TopLevelMixin]] = {
    "downloads": charts.downloads_tail_chart,
    "created": charts.created_monthly_chart,
    "scatter": charts.likes_vs_downloads_chart,
}


@st.cache_resource(show_spinner=False, max_entries=64)
def _template_json(name: str, columns: tuple[tuple[str, str], ...]) -> str:
    """A chart's spec without data, built (and validated by Altair) once per chart and column types: converting
    and validating every chart on every run would cost hundreds of ms."""
    empty = pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in columns})
    chart = _BUILDERS[name](empty) if name in _BUILDERS else charts.distribution_chart(empty, name)
    return json.dumps(charts.template(chart))


def chart_spec(name: str, frame: pd.DataFrame) -> dict[str, Any]:
    """The Vega-Lite spec to draw `frame` (a frame from `lib.charts.drawn`) with: a fresh copy (Streamlit may
    change what it is given) of the same spec for every frame of the same columns, so that Streamlit swaps the
    rows of a drawn chart instead of building it again (see `lib.charts.drawn`)."""
    return json.loads(_template_json(name, tuple((str(c), str(t)) for c, t in frame.dtypes.items())))


def _chart(kind: Kind, name: str, frame: pd.DataFrame, *, select: bool) -> Any:
    rows = charts.drawn(name, frame)
    template = _template_json(name, tuple((str(c), str(t)) for c, t in rows.dtypes.items()))
    event = st.vega_lite_chart(rows, json.loads(template), width="stretch", key=chart_key(kind, name),
                               on_select="rerun" if select else "ignore")  # fmt: skip
    # a fresh spec: Streamlit may have changed the one it drew; the CSV holds the frame's own columns
    export_buttons(json.loads(template), rows, key=state.widget_key(kind, f"chart_export:{name}"),
                   file_stem=f"{kind}-{name}", table=frame)  # fmt: skip
    return event if select else None


def charts_panel(kind: Kind, query: SearchQuery, result: SearchResult, src: Source,
                 caps: Capabilities | None = None) -> None:  # fmt: skip
    """Charts of the result set in a "Charts" expander, each with its data as CSV and itself as PNG or SVG;
    selections filter when `caps` (what may be asked; default: what `src` answers) allows those filters."""
    panel = st.expander("Charts", icon=":material/bar_chart:", key=panel_key(kind), on_change="rerun")
    if not panel.open:  # nothing to count or draw while it is closed (the catalog counts every match)
        return
    caps = caps or src.capabilities(kind)
    with panel:
        frames, scope, complete = frames_for(kind, query, result, src)
        box = "; drag a box on the scatter to filter by downloads and likes" if "scatter" in frames else ""
        st.caption(f"{scope} Click a bar to filter by it; drag across months to pick a creation window{box}.")
        handlers: list[Callable[[], None]] = []
        names = [n for n in charts.DISTRIBUTIONS[kind] if n in frames] + [
            n for n in ("downloads",) if n in frames]  # fmt: skip
        cols = st.columns(2)
        for i, name in enumerate(names):
            with cols[i % 2]:
                frame = frames[name]
                if name == "downloads":
                    _chart(kind, name, frame, select=False)
                    continue
                event = _chart(kind, name, frame, select=True)
                handlers.append(_distribution_handler(kind, query, caps, name, _selection(event, charts.PICK)))
        if "created" in frames and not frames["created"].empty:
            frame = frames["created"]
            event = _chart(kind, "created", frame, select=True)
            handlers.append(_brush_handler(kind, query, caps, _selection(event, charts.BRUSH)))
        if "scatter" in frames and not frames["scatter"].empty:
            frame = frames["scatter"]
            capped = complete and len(frame) >= charts.SCATTER_LIMIT
            top = f" (the {charts.SCATTER_LIMIT} most downloaded)" if capped else ""
            st.caption(f"Likes against downloads{top}; repos with 0 likes or downloads are not drawn.")
            event = _chart(kind, "scatter", frame, select=True)
            region = _selection(event, charts.REGION)
            ranges_ok = caps.can_filter("downloads") and caps.can_filter("likes")
            if region and not ranges_ok:  # the table cannot follow: list the repos inside instead
                inside = charts.in_region(frame, region)
                st.caption(f"{len(inside):,} repos in the selected region")
                st.dataframe(inside, hide_index=True, width="stretch", height=min(len(inside), 8) * 35 + 38)
            handlers.append(_region_handler(kind, query, caps, region))
        for handle in handlers:  # after drawing every chart: applying one reruns the script
            handle()


def _distribution_handler(kind: Kind, query: SearchQuery, caps: Capabilities, field: str,
                          selection: Any) -> Callable[[], None]:  # fmt: skip
    def handle() -> None:
        if not _changed(kind, field, selection):
            return
        value = picked_value(selection, field)
        if value in (charts.OTHER, NONE_VALUE):
            return  # not a value a filter can take
        if value is not None and not caps.can_filter(field):  # the live Hub and a Space's hardware or status
            st.caption(f":orange[{md_escape(caps.why_not(field))}]")
            return
        _apply(kind, query, **{field: value})

    return handle


def _brush_handler(kind: Kind, query: SearchQuery, caps: Capabilities, selection: Any) -> Callable[[], None]:
    def handle() -> None:
        if not _changed(kind, "created", selection):
            return
        if not caps.can_filter("created"):
            st.caption(f":orange[{md_escape(caps.why_not('created'))}]")
            return
        window = charts.brush_days(selection) if selection else None
        lo, hi = (window[0].date(), window[1].date()) if window else (None, None)
        _apply(kind, query, created_from=lo, created_to=hi)

    return handle


def _region_handler(kind: Kind, query: SearchQuery, caps: Capabilities, selection: Any) -> Callable[[], None]:
    """A box on the likes/downloads scatter filters by both counts; clearing it removes the ranges."""

    def handle() -> None:
        if not _changed(kind, "scatter", selection):
            return
        if not (caps.can_filter("downloads") and caps.can_filter("likes")):
            st.caption(f":orange[{md_escape(caps.why_not('downloads') or caps.why_not('likes'))}]")
            return
        ranges = charts.region_ranges(selection) if selection else None
        if selection and ranges is None:
            st.caption(":orange[No whole count of downloads and likes fits in that box: drag a larger one.]")
            return
        empty = dict.fromkeys(("downloads_min", "downloads_max", "likes_min", "likes_max"))
        _apply(kind, query, **(ranges or empty))

    return handle
