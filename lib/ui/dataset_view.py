"""Dataset detail: metrics and tags, then Preview | Schema & splits | Statistics | Card | Files | All tags.

Rows, splits, features and statistics come from the dataset viewer (`lib.hub.viewer`, through `viewer_cache`);
when it has nothing for a dataset, the first rows are streamed with the `datasets` library instead
(`lib.datasets_preview`). A dataset whose owner turned the viewer off, or a gated one without a token, says so
instead of trying. The pure helpers (`preview_frame`, `stat_chart`...) build what the tabs show; `render()` lays out.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from lib.errors import AccessError, HubExplorerError
from lib.format import human_bytes, human_count, md_escape, relative_time
from lib.hub.viewer import (
    ColumnStatistics,
    Feature,
    FirstRows,
    SplitRef,
    SplitStatistics,
    ViewerOverview,
    dumps_cell,
    split_row_counts,
)
from lib.records import DatasetRecord
from lib.ui import hub, repo_view, viewer_cache
from lib.ui.components import chips, show_error

#: Longest text shown in a preview cell (the grid shows one line per row anyway).
CELL_TEXT_LIMIT = 160
#: Bars of a category chart; the rest are summed into one "other" bar.
TOP_CATEGORIES = 12
CHART_COLUMNS = 2
ROW_HEIGHT = 35  # st.dataframe's row height in pixels
PREVIEW_HEIGHT = ROW_HEIGHT * 11 + 3  # ten rows and the header; more rows scroll inside the grid
# Mid-tone colours, readable on the light theme's white and on the dark theme's near-black alike (Vega does not
# see the app's theme: text marks would stay black on black). The text grey has about 4.4:1 contrast on both.
_BAR = "#4c8fd6"
_TEXT = "#737b8a"
_KIND_COLORS = {"value": _BAR, "other": "#8a94a6", "null": "#e07b39", "no label": "#b07cc6"}
_TABS = ["Preview", "Schema & splits", "Statistics", "Card", "Files", "All tags"]


# --- pure helpers --------------------------------------------------------------------------------------------------


def cell_text(value: Any, limit: int = CELL_TEXT_LIMIT) -> str:
    text = value if isinstance(value, str) else dumps_cell(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _media_url(value: Any) -> str | None:
    """The URL the viewer gives for an image (`{"src": ...}`) or audio (`[{"src": ..., "type": ...}]`) cell."""
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict) and isinstance(value.get("src"), str):
        src = value["src"]
        return src if src.startswith(("https://", "http://")) else None
    return None


def preview_cell(feature: Feature, value: Any) -> Any:
    """One cell as the preview shows it: class labels named, media as their URL, long or nested values as short
    text; numbers and booleans unchanged."""
    if value is None:
        return None
    if feature.media is not None:
        return _media_url(value) or cell_text(value)
    names = feature.class_names
    if names and isinstance(value, int) and not isinstance(value, bool):
        return f"{names[value]} ({value})" if 0 <= value < len(names) else f"no label ({value})"
    if isinstance(value, (bool, int, float)):
        return value
    return cell_text(value)


def preview_frame(rows: FirstRows) -> pd.DataFrame:
    """The first rows as a table indexed by row number, one column per feature (in the features' order)."""
    names = list(rows.columns) or list(dict.fromkeys(k for r in rows.rows for k in r.row))
    by_name = {f.name: f for f in rows.features}
    data = [
        {name: preview_cell(by_name.get(name, Feature(name, {})), item.row.get(name)) for name in names}
        for item in rows.rows
    ]
    frame = pd.DataFrame(data, columns=names, index=pd.Index([r.idx for r in rows.rows], name="row"))
    return frame


def _width(frame: pd.DataFrame, name: str) -> str:
    longest = max((len(str(v)) for v in frame[name] if v is not None), default=0) if name in frame else 0
    return "large" if longest > 60 else "medium" if longest > 14 else "small"


def preview_column_config(rows: FirstRows, frame: pd.DataFrame | None = None) -> dict[str, Any]:
    """Media as links, text and nested values as text sized to their content, numbers as they are; the feature's
    type as each header's help."""
    frame = preview_frame(rows) if frame is None else frame
    config: dict[str, Any] = {}
    for f in rows.features:
        kind = f.type.get("_type") if isinstance(f.type, dict) else None
        numeric = kind == "Value" and f.type.get("dtype") not in ("string", "large_string")
        if f.media is not None:
            config[f.name] = st.column_config.LinkColumn(f.name, help=f.label, display_text=f"open {f.media.lower()}")
        elif numeric:
            config[f.name] = st.column_config.Column(f.name, help=f.label)
        else:
            config[f.name] = st.column_config.TextColumn(f.name, help=f.label, width=_width(frame, f.name))
    return config


def features_frame(features: Sequence[Feature]) -> pd.DataFrame:
    def details(f: Feature) -> str:
        if f.class_names:
            shown = ", ".join(f.class_names[:8])
            return shown + (f", … ({len(f.class_names)} in all)" if len(f.class_names) > 8 else "")
        return ""

    return pd.DataFrame(
        [{"column": f.name, "type": f.label, "labels": details(f)} for f in features],
        columns=["column", "type", "labels"],
    )


def splits_frame(overview: ViewerOverview) -> pd.DataFrame:
    rows = split_row_counts(overview.splits, overview.size)
    frame = pd.DataFrame(rows, columns=["config", "split", "rows", "columns", "parquet bytes"])
    frame["parquet"] = [human_bytes(b) if b is not None else "–" for b in frame.pop("parquet bytes")]
    frame["rows"] = frame["rows"].astype("Int64")
    frame["columns"] = frame["columns"].astype("Int64")
    return frame


def _number(x: float | str | None) -> str:
    if x is None:
        return "–"
    if isinstance(x, str):  # dates and durations of `datetime` columns
        return x
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.1f}"


def stat_summary(col: ColumnStatistics) -> str:
    """The numbers behind a chart, in one line: nulls first, then the type's measures."""
    parts = [f"nulls {human_count(col.nan_count) if col.nan_count is not None else '–'}"
             + (f" ({col.nan_proportion:.1%})" if col.nan_proportion else "")]
    if col.no_label_count:
        parts.append(f"no label {col.no_label_count:,}")
    if col.n_unique is not None:
        parts.append(f"{col.n_unique:,} distinct")
    unit = {"string_text": " chars", "list": " items", "audio": " s"}.get(col.type, "")
    if col.histogram is not None:
        parts += [f"min {_number(col.min)}{unit}", f"max {_number(col.max)}{unit}", f"mean {_number(col.mean)}",
                  f"median {_number(col.median)}", f"std {_number(col.std)}"]
    return " · ".join(parts)


def histogram_frame(col: ColumnStatistics) -> pd.DataFrame:
    """One row per bin: `start`, `end` (numbers, or text for dates), `rows`, and `label`/`range` to show."""
    assert col.histogram is not None
    edges, counts = col.histogram.bin_edges, col.histogram.hist
    frame = pd.DataFrame({"start": list(edges[:-1]), "end": list(edges[1:]), "rows": list(counts)})
    if col.histogram.numeric:
        frame["mid"] = (frame["start"] + frame["end"]) / 2
    frame["label"] = [human_count(c) for c in counts]
    frame["range"] = [f"{_number(a)} – {_number(b)}" for a, b in itertools.pairwise(edges)]
    return frame


def short_label(text: str, limit: int = 32) -> str:
    """A category label cut in the middle (paths and ids differ at their end, words at their start)."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[-(limit - 1 - head):]


def frequencies_frame(col: ColumnStatistics, top: int = TOP_CATEGORIES) -> pd.DataFrame:
    """Category counts, largest first: the top `top`, then one `other` bar, then nulls and rows without label."""
    freq = sorted((col.frequencies or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [{"value": str(k), "rows": int(v), "kind": "value"} for k, v in freq[:top]]
    rest = freq[top:]
    if rest:
        rows.append({"value": f"{len(rest):,} other values", "rows": sum(v for _, v in rest), "kind": "other"})
    if col.no_label_count:
        rows.append({"value": "(no label)", "rows": col.no_label_count, "kind": "no label"})
    if col.nan_count:
        rows.append({"value": "(null)", "rows": col.nan_count, "kind": "null"})
    frame = pd.DataFrame(rows, columns=["value", "rows", "kind"])
    frame["full"] = frame["value"]
    short = [short_label(v) for v in frame["value"]]
    # bars are keyed by their label: keep cut labels distinct
    frame["value"] = [v if short.count(v) == 1 else f"{v} #{i + 1}" for i, v in enumerate(short)]
    frame["label"] = [human_count(v) for v in frame["rows"]]
    return frame


_TYPE_WORDS = {
    "int": "integers", "float": "numbers", "string_text": "text length (characters)", "list": "list length",
    "audio": "audio duration (s)", "string_label": "text labels", "class_label": "class labels", "bool": "true/false",
    "image": "image size", "datetime": "dates",
}


def _single_value_frame(col: ColumnStatistics) -> pd.DataFrame:
    """A histogram whose edges are all equal (every value the same) as one category bar."""
    assert col.histogram is not None
    value = _number(col.histogram.bin_edges[0])
    frame = pd.DataFrame({"value": [value], "full": [value], "rows": [sum(col.histogram.hist)], "kind": ["value"]})
    frame["label"] = [human_count(v) for v in frame["rows"]]
    return frame


def stat_chart(col: ColumnStatistics) -> alt.LayerChart | None:
    """A small chart of one column: a histogram for numbers, lengths and dates, bars for categories, each bar with
    its count written on it; None for a column with neither (a type this app does not chart)."""
    title = alt.TitleParams(col.name, subtitle=_TYPE_WORDS.get(col.type, col.type), anchor="start", offset=8,
                            subtitleColor=_TEXT)
    hist = col.histogram
    if hist is not None and hist.hist and hist.bin_edges[0] != hist.bin_edges[-1]:
        frame = histogram_frame(col)
        top = max(1, int(frame["rows"].max()))
        y = alt.Y("rows:Q", title=None, axis=None, scale=alt.Scale(domain=[0, top * 1.22]))
        tooltip = [alt.Tooltip("range:N", title="range"), alt.Tooltip("rows:Q", title="rows", format=",")]
        if hist.numeric:
            x: alt.X = alt.X("start:Q", bin="binned", title=None, axis=alt.Axis(labelOverlap=True, tickCount=5))
            bars = alt.Chart(frame).mark_bar(color=_BAR, binSpacing=1).encode(x=x, x2="end:Q", y=y, tooltip=tooltip)
            at: alt.X | str = "mid:Q"
        else:  # dates: one band per bin, labelled by its start
            x = alt.X("start:N", sort=None, title=None, axis=alt.Axis(labelAngle=-30, labelLimit=90))
            bars = alt.Chart(frame).mark_bar(color=_BAR).encode(x=x, y=y, tooltip=tooltip)
            at = x
        labels = alt.Chart(frame).mark_text(dy=-7, fontSize=10, fontWeight="bold", color=_TEXT).encode(
            x=at, y=y, text="label:N", tooltip=tooltip
        )
        return (bars + labels).properties(title=title, height=190)
    if hist is not None and hist.hist:
        frame = _single_value_frame(col)
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
                        scale=alt.Scale(domain=list(_KIND_COLORS), range=list(_KIND_COLORS.values()))),
    )
    labels = alt.Chart(frame).mark_text(align="left", dx=4, fontSize=10, fontWeight="bold", color=_TEXT).encode(
        x=x, y=y, text="label:N", tooltip=tooltip
    )
    return (bars + labels).properties(title=title, height=64 + 24 * max(1, len(frame)))


# --- data sources --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """Where this dataset's rows come from: the viewer (`overview`), streaming (`streamed`), or nowhere (`blocked`,
    with the reason to show instead)."""

    splits: tuple[SplitRef, ...] = ()
    overview: ViewerOverview | None = None
    streamed: bool = False
    notice: str | None = None
    blocked: str | None = None
    error: HubExplorerError | None = None


_DISABLED = (
    ":material/visibility_off: **The dataset viewer is disabled for this dataset.** {why} "
    "There is no preview, schema or statistics to show; the card and the files are in their tabs."
)
_GATED = (
    ":material/lock: **Gated dataset.** Its rows, schema and statistics can only be read with a token of an account "
    "that accepted its conditions. Accept them on its Hub page, then set `HF_TOKEN` (or `HF_TOKEN` in "
    "`.streamlit/secrets.toml`) and reload. The card and the file list are public."
)


def _source(ds: DatasetRecord) -> _Source:
    if ds.card_data.get("viewer") is False:
        return _Source(blocked=_DISABLED.format(why="Its card sets `viewer: false`."))
    if ds.is_gated and not hub.settings().has_token:
        return _Source(blocked=_GATED)
    notice: str | None
    try:
        overview = viewer_cache.overview(ds.id, ds.sha)
    except AccessError as err:
        return _Source(error=err)
    except HubExplorerError as err:
        overview, notice = None, f"The dataset viewer could not be asked ({err.title.lower()}: {err})"
    else:
        if overview.disabled:
            return _Source(blocked=_DISABLED.format(why="The dataset viewer says so."))
        if overview.has_rows:
            return _Source(splits=overview.splits.splits, overview=overview)
        notice = overview.note
    try:
        splits = viewer_cache.stream_splits(ds.id, ds.sha)
    except HubExplorerError as err:
        return _Source(error=err, notice=notice)
    return _Source(splits=splits, overview=overview, streamed=True, notice=notice)


# --- layout --------------------------------------------------------------------------------------------------------


def _pick_split(ds: DatasetRecord, splits: tuple[SplitRef, ...], overview: ViewerOverview | None) -> SplitRef:
    configs = list(dict.fromkeys(s.config for s in splits))
    c_config, c_split, c_size = st.columns([2, 2, 3], vertical_alignment="bottom")
    config = c_config.selectbox("Subset (config)", configs, key=f"dsv:{ds.id}:config",
                                disabled=len(configs) == 1)
    names = [s.split for s in splits if s.config == config]
    split = c_split.selectbox("Split", names, key=f"dsv:{ds.id}:split:{config}", disabled=len(names) == 1)
    size = overview.size if overview is not None else None
    sized = size.split(config, split) if size is not None else None
    if sized is not None and sized.num_rows is not None:
        text = f"**{sized.num_rows:,}** rows in this split"
        if sized.num_bytes_parquet_files is not None:
            text += f" · {human_bytes(sized.num_bytes_parquet_files)} of Parquet"
        c_size.markdown(text + (" (at least: the dataset is big)" if size is not None and size.partial else ""))
    return SplitRef(config, split)


def _preview_tab(ds: DatasetRecord, source: _Source, ref: SplitRef) -> FirstRows | None:
    try:
        with st.spinner("Reading the first rows…"):
            rows = viewer_cache.first_rows(ds.id, ref.config, ref.split, ds.sha)
    except HubExplorerError as err:
        show_error(err, retry_key=f"retry_rows:{ds.id}:{ref.config}:{ref.split}")
        for note in getattr(err, "__notes__", ()):
            st.caption(md_escape(str(note)))
        return None
    where = md_escape(f"{ref.config} / {ref.split}")
    if rows.source == "viewer":
        st.caption(f"The first {len(rows.rows)} rows of {where}, from the dataset viewer."
                   + (" It cut the answer short: rows are large." if rows.truncated else ""))
    elif source.streamed:
        st.caption(f"The first {len(rows.rows)} rows of {where}, streamed with the `datasets` library: the dataset "
                   "viewer has nothing for this dataset.")
    else:
        st.caption(f"The first {len(rows.rows)} rows of {where}, streamed with the `datasets` library: the dataset "
                   f"viewer could not give them ({md_escape(rows.note or 'no reason given')}).")
    cut = sorted({c for r in rows.rows for c in r.truncated_cells})
    if cut:
        st.caption("The viewer shortened long cells in " + ", ".join(f"`{md_escape(c)}`" for c in cut) + ".")
    if not rows.rows:
        st.info("This split has no rows.", icon=":material/table_rows:")
        return rows
    frame = preview_frame(rows)
    st.dataframe(frame, column_config=preview_column_config(rows, frame), width="stretch",
                 height=min(PREVIEW_HEIGHT, ROW_HEIGHT * (len(frame) + 1) + 3))
    return rows


def _features_section(ds: DatasetRecord, source: _Source, ref: SplitRef, rows: FirstRows | None) -> None:
    st.markdown(f"**Features of {md_escape(ref.config)}**")
    features: Sequence[Feature] = rows.features if rows is not None else ()
    if not source.streamed:
        try:
            features = viewer_cache.info(ds.id, ref.config, ds.sha).features
        except HubExplorerError:
            pass  # the first rows carry the same features
    if features:
        st.dataframe(features_frame(features), hide_index=True, width="stretch",
                     column_config={"column": st.column_config.TextColumn(width="medium"),
                                    "labels": st.column_config.TextColumn(width="large")})
    else:
        st.caption("No features could be read for this config.")


def _schema_tab(ds: DatasetRecord, source: _Source, ref: SplitRef, rows: FirstRows | None) -> None:
    overview = source.overview
    st.markdown("**Configs and splits**")
    if source.streamed or overview is None or not overview.has_rows:
        st.dataframe(pd.DataFrame([{"config": s.config, "split": s.split} for s in source.splits]),
                     hide_index=True, width="stretch")
        st.caption("Row counts and sizes come from the dataset viewer, which has nothing for this dataset; "
                   "streaming reads only the first rows.")
    else:
        size = overview.size
        if size is not None:
            line = (f"{size.num_rows:,} rows in all" if size.num_rows is not None else "Rows unknown") + (
                f" · {human_bytes(size.num_bytes_parquet_files)} of Parquet" if size.num_bytes_parquet_files else ""
            ) + (f" · {human_bytes(size.num_bytes_memory)} in memory" if size.num_bytes_memory else "")
            st.caption(line + (" · at least: the viewer read only the start of this big dataset"
                               if size.partial else ""))
        st.dataframe(splits_frame(overview), hide_index=True, width="stretch",
                     column_config={"rows": st.column_config.NumberColumn("rows", format="localized")})
        if overview.splits.pending or overview.splits.failed:
            st.caption(f"The viewer is still processing {len(overview.splits.pending)} config(s) and could not "
                       f"read {len(overview.splits.failed)}.")
    _features_section(ds, source, ref, rows)


def _statistics_tab(ds: DatasetRecord, source: _Source, ref: SplitRef) -> None:
    overview = source.overview
    if source.streamed or overview is None or not overview.has_rows:
        st.info("Column statistics are computed by the dataset viewer, which has nothing for this dataset.",
                icon=":material/insights:")
        return
    if not overview.status.statistics:
        st.info("The dataset viewer has no statistics for this dataset.", icon=":material/insights:")
        return
    try:
        with st.spinner("Reading the statistics…"):
            stats: SplitStatistics = viewer_cache.statistics(ds.id, ref.config, ref.split, ds.sha)
    except HubExplorerError as err:
        show_error(err, retry_key=f"retry_stats:{ds.id}:{ref.config}:{ref.split}")
        return
    counted = f"{stats.num_examples:,} rows" if stats.num_examples is not None else "this split"
    st.caption(f"Statistics of {md_escape(ref.config)} / {md_escape(ref.split)}, over {counted}"
               + (" (the first 5 GB only)." if stats.partial else "."))
    if not stats.columns:
        st.info("The viewer computed no statistics for these column types.", icon=":material/insights:")
        return
    for start in range(0, len(stats.columns), CHART_COLUMNS):
        cols = st.columns(CHART_COLUMNS)
        for slot, col in zip(cols, stats.columns[start : start + CHART_COLUMNS], strict=False):
            with slot.container(border=True):
                chart = stat_chart(col)
                if chart is not None:
                    st.altair_chart(chart, width="stretch")
                else:
                    st.markdown(f"**{md_escape(col.name)}**")
                    st.caption(f"No chart for `{md_escape(col.type)}` columns.")
                st.caption(md_escape(stat_summary(col)))


def _blocked(ds: DatasetRecord, source: _Source, *, first: bool) -> None:
    """Why there is nothing to show; the Retry button only in the first tab (widget keys must be unique)."""
    if source.error is not None:
        show_error(source.error, retry_key=f"retry_viewer:{ds.id}" if first else None)
        if source.notice and first:
            st.caption(md_escape(source.notice))
    elif source.blocked:
        st.info(source.blocked)


def render(ds: DatasetRecord) -> None:
    """The dataset's detail below its header (`repo_view.header`)."""
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Downloads (30 d)", human_count(ds.downloads))
    m2.metric("Likes", human_count(ds.likes))
    m3.metric("Created", ds.created_at.strftime("%Y-%m-%d") if ds.created_at else "–")
    m4.metric("Updated", relative_time(ds.last_modified))
    lines = []
    if ds.task_categories:
        lines.append(f"**Tasks:** {chips(ds.task_categories, color='violet')}")
    if ds.size_categories:
        lines.append(f"**Size:** {chips(ds.size_categories, color='blue')}")
    if lines:
        st.markdown("  \n".join(lines))
    repo_view.tag_lines(ds)
    if ds.description:
        with st.expander("Description", expanded=False, icon=":material/notes:"):
            st.text(ds.description[:5000])

    with st.spinner("Asking the dataset viewer…"):
        source = _source(ds)
    ref: SplitRef | None = None
    if source.splits:
        ref = _pick_split(ds, source.splits, source.overview)
        if source.notice and source.overview is None:  # the viewer failed, rather than having nothing
            st.caption(f":material/info: {md_escape(source.notice)}")
    t_preview, t_schema, t_stats, t_card, t_files, t_tags = st.tabs(_TABS)
    if ref is None:
        for index, tab in enumerate((t_preview, t_schema, t_stats)):
            with tab:
                _blocked(ds, source, first=index == 0)
    else:
        with t_preview:
            rows = _preview_tab(ds, source, ref)
        with t_schema:
            _schema_tab(ds, source, ref, rows)
        with t_stats:
            _statistics_tab(ds, source, ref)
    with t_card:
        repo_view.card_section("datasets", ds)
    with t_files:
        repo_view.files_section(ds)
    with t_tags:
        repo_view.all_tags(ds)
