"""The dataset detail's statistics charts: one small Altair chart per column (no Streamlit here).

Frames come from `lib.viewer_tables`. Colours are mid-tones that read on the light theme's white and on the dark
theme's near-black alike: Vega does not see the app's theme, so text marks would otherwise stay black on black
(the text grey has about 4.4:1 contrast on both).
"""

from __future__ import annotations

import altair as alt

from lib.hub.viewer import ColumnStatistics
from lib.viewer_tables import frequencies_frame, has_spread, histogram_frame, single_value_frame

BAR = "#4c8fd6"
TEXT = "#737b8a"
KIND_COLORS = {"value": BAR, "other": "#8a94a6", "null": "#e07b39", "no label": "#b07cc6"}

#: The subtitle under each chart's title: what its numbers are.
TYPE_WORDS = {
    "int": "integers", "float": "numbers", "string_text": "text length (characters)", "list": "list length",
    "audio": "audio duration (s)", "string_label": "text labels", "class_label": "class labels", "bool": "true/false",
    "image": "image size", "datetime": "dates",
}


def stat_chart(col: ColumnStatistics) -> alt.LayerChart | None:
    """A small chart of one column: a histogram for numbers, lengths and dates, bars for categories, each bar with
    its count written on it; None for a column with neither (a type this app does not chart)."""
    title = alt.TitleParams(col.name, subtitle=TYPE_WORDS.get(col.type, col.type), anchor="start", offset=8,
                            subtitleColor=TEXT)
    hist = col.histogram
    if hist is not None and has_spread(col):
        frame = histogram_frame(col)
        top = max(1, int(frame["rows"].max()))
        y = alt.Y("rows:Q", title=None, axis=None, scale=alt.Scale(domain=[0, top * 1.22]))
        tooltip = [alt.Tooltip("range:N", title="range"), alt.Tooltip("rows:Q", title="rows", format=",")]
        if hist.numeric:
            x: alt.X = alt.X("start:Q", bin="binned", title=None, axis=alt.Axis(labelOverlap=True, tickCount=5))
            bars = alt.Chart(frame).mark_bar(color=BAR, binSpacing=1).encode(x=x, x2="end:Q", y=y, tooltip=tooltip)
            at: alt.X | str = "mid:Q"
        else:  # dates: one band per bin, labelled by its start
            x = alt.X("start:N", sort=None, title=None, axis=alt.Axis(labelAngle=-30, labelLimit=90))
            bars = alt.Chart(frame).mark_bar(color=BAR).encode(x=x, y=y, tooltip=tooltip)
            at = x
        labels = alt.Chart(frame).mark_text(dy=-7, fontSize=10, fontWeight="bold", color=TEXT).encode(
            x=at, y=y, text="label:N", tooltip=tooltip
        )
        return (bars + labels).properties(title=title, height=190)
    if hist is not None and hist.hist:
        frame = single_value_frame(col)
    elif col.frequencies is not None or col.nan_count or col.no_label_count:
        frame = frequencies_frame(col)
    else:
        return None
    top = max(1, int(frame["rows"].max())) if len(frame) else 1
    x = alt.X("rows:Q", title=None, axis=None, scale=alt.Scale(domain=[0, top * 1.3]))
    y = alt.Y("value:N", sort=list(frame["value"]), title=None, axis=alt.Axis(labelLimit=210))
    tooltip = [alt.Tooltip("full:N", title=col.name), alt.Tooltip("rows:Q", title="rows", format=",")]
    bars = alt.Chart(frame).mark_bar().encode(
        x=x,
        y=y,
        tooltip=tooltip,
        color=alt.Color("kind:N", legend=None,
                        scale=alt.Scale(domain=list(KIND_COLORS), range=list(KIND_COLORS.values()))),
    )
    labels = alt.Chart(frame).mark_text(align="left", dx=4, fontSize=10, fontWeight="bold", color=TEXT).encode(
        x=x, y=y, text="label:N", tooltip=tooltip
    )
    return (bars + labels).properties(title=title, height=64 + 24 * max(1, len(frame)))
