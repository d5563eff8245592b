"""The dataset detail view: header, key figures, tags, description, the config and split pickers, then Preview |
Schema & splits | Statistics | Card | Files | All tags.

Rows, splits, features and statistics come from the dataset viewer (`lib.hub.viewer`, through `viewer_cache`);
when it has nothing for a dataset, the first rows are streamed with the `datasets` library instead
(`lib.datasets_preview`). A dataset whose owner turned the viewer off, or a gated one without a token, says so
instead of trying. `lib.viewer_tables` and `lib.viewer_charts` build what the tabs show; this module lays out.
The chosen config and split are kept in the URL (`config=`, `split=`; see `lib.detail_url`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from lib import detail_url
from lib.errors import AccessError, HubExplorerError
from lib.format import human_bytes, md_escape
from lib.hub.viewer import Feature, FirstRows, SplitRef, SplitsListing, SplitStatistics, ViewerOverview
from lib.records import DatasetRecord
from lib.ui import hub_cache, viewer_cache
from lib.ui.components import show_error
from lib.ui.views import common
from lib.viewer_charts import stat_chart
from lib.viewer_tables import (
    column_kind,
    column_width,
    features_frame,
    preview_frame,
    splits_frame,
    stat_summary,
    truncated_columns,
)

#: Tabs by short name (the URL's `tab=`), in order; the first opens by default.
TABS = {"preview": "Preview", "schema": "Schema & splits", "statistics": "Statistics", "card": "Card",
        "files": "Files", "tags": "All tags"}
#: The tabs that need rows from the viewer or from streaming; the others show the repo itself.
ROW_TABS = ("preview", "schema", "statistics")
CHART_COLUMNS = 2
ROW_HEIGHT = 35  # st.dataframe's row height in pixels
PREVIEW_HEIGHT = ROW_HEIGHT * 11 + 3  # ten rows and the header; more rows scroll inside the grid
DESCRIPTION_LIMIT = 5000


def render(repo_id: str) -> None:
    """Everything about one dataset. Failures are shown in place; the rest of the page keeps working."""
    ds = common.load("datasets", repo_id)
    if not isinstance(ds, DatasetRecord):
        return
    common.header(ds)
    common.figures(ds)
    common.tag_lines(ds)
    if ds.description:
        with st.expander("Description", expanded=False, icon=":material/notes:"):
            st.text(ds.description[:DESCRIPTION_LIMIT])

    with st.spinner("Asking the dataset viewer…"):
        source = _source(ds)
    ref: SplitRef | None = None
    if source.splits.splits:
        ref = _pick_split(ds, source.splits, source.overview)
        if source.notice and source.overview is None:  # the viewer failed, rather than having nothing
            st.caption(f":material/info: {md_escape(source.notice)}")
    tabs = common.detail_tabs("datasets", TABS)
    if ref is None:
        for name in ROW_TABS:
            with tabs[name]:
                _blocked(ds, source, first=name == ROW_TABS[0])
    else:
        with tabs["preview"]:
            rows = _preview_tab(ds, source, ref)
        with tabs["schema"]:
            _schema_tab(ds, source, ref, rows)
        with tabs["statistics"]:
            _statistics_tab(ds, source, ref)
    with tabs["card"]:
        common.card_section("datasets", ds)
    with tabs["files"]:
        common.files_section(ds)
    with tabs["tags"]:
        common.all_tags(ds)


# --- data sources --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """Where this dataset's rows come from: the viewer (`overview`), streaming (`streamed`), or nowhere (`blocked`,
    with the reason to show instead)."""

    splits: SplitsListing = field(default_factory=lambda: SplitsListing(()))
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
    if ds.is_gated and not hub_cache.settings().has_token:
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
            return _Source(splits=overview.splits, overview=overview)
        notice = overview.note
    try:
        splits = viewer_cache.stream_splits(ds.id, ds.sha)
    except HubExplorerError as err:
        return _Source(error=err, notice=notice)
    return _Source(splits=SplitsListing(splits), overview=overview, streamed=True, notice=notice)


# --- layout --------------------------------------------------------------------------------------------------------


def _pick_split(ds: DatasetRecord, listing: SplitsListing, overview: ViewerOverview | None) -> SplitRef:
    """The config and split pickers (kept in the URL), and the chosen split's size."""
    configs = list(listing.configs)
    config_key = f"dsv:{ds.id}:config"
    notes = [common.from_url("datasets", detail_url.CONFIG, config_key, configs, configs[0])]
    c_config, c_split, c_size = st.columns([2, 2, 3], vertical_alignment="bottom")
    config = c_config.selectbox("Subset (config)", configs, key=config_key, disabled=len(configs) == 1)
    names = list(listing.splits_of(config))
    split_key = f"dsv:{ds.id}:split:{config}"
    notes.append(common.from_url("datasets", detail_url.SPLIT, split_key, names, names[0]))
    split = c_split.selectbox("Split", names, key=split_key, disabled=len(names) == 1)
    common.to_url("datasets", detail_url.CONFIG, config, configs[0])
    common.to_url("datasets", detail_url.SPLIT, split, names[0])
    for text in notes:
        common.note(text)
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
    cut = truncated_columns(rows)
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
        st.dataframe(pd.DataFrame([{"config": s.config, "split": s.split} for s in source.splits.splits]),
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
        st.dataframe(splits_frame(overview.splits, overview.size), hide_index=True, width="stretch",
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


def preview_column_config(rows: FirstRows, frame: pd.DataFrame) -> dict[str, Any]:
    """Media as links, text and nested values as text sized to their content, numbers as they are; the feature's
    type as each header's help."""
    config: dict[str, Any] = {}
    for f in rows.features:
        kind = column_kind(f)
        if kind == "media":
            config[f.name] = st.column_config.LinkColumn(f.name, help=f.label,
                                                         display_text=f"open {(f.media or '').lower()}")
        elif kind == "number":
            config[f.name] = st.column_config.Column(f.name, help=f.label)
        else:
            config[f.name] = st.column_config.TextColumn(f.name, help=f.label, width=column_width(frame, f.name))
    return config
