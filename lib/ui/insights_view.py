"""The Insights page: how the whole local catalog grew and who dominates it.

Every number is counted by the catalog's index (`lib.insights`), never by pulling rows into pandas. The figures
and the charts' specs (`lib.insights_charts`) are one `st.cache_data` value keyed by the catalog's folder and
the live index generation of each kind, so a load or sync shows new numbers at once and every other run reads
them from the cache. Each chart has its data as CSV and the chart as PNG and SVG (`lib.ui.chart_export`).
"""

from __future__ import annotations

import streamlit as st

from lib import insights, insights_charts
from lib.catalog import Catalog, CatalogError
from lib.format import md_escape
from lib.insights import Insights, KindInsights
from lib.insights_charts import Specs
from lib.query import Kind
from lib.ui import source
from lib.ui.chart_export import export_buttons
from lib.ui.components import show_error

LOAD_COMMAND = "python -m lib.catalog load ../shared/hub-snapshot/models-2024-07-11.jsonl.gz --kind models"
_TITLES: dict[Kind, str] = {"models": "Models", "datasets": "Datasets", "spaces": "Spaces"}


@st.cache_data(show_spinner="Counting the whole catalog…", max_entries=4)
def page_data(root: str, version: tuple[tuple[str, str], ...], _catalog: Catalog) -> tuple[Insights, Specs]:
    """The page's figures and chart specs for one version of the catalog at `root` (`version`: each kind's live
    index generation, `lib.insights.version`)."""
    data = insights.compute(_catalog)
    return data, insights_charts.chart_specs(data)


def _no_catalog() -> None:
    st.info(
        "**No local catalog yet.** The Insights page counts the whole Hub from a local catalog of its metadata. "
        "Load a dump (or sync from the Hub), then come back:\n\n"
        f"```console\n{LOAD_COMMAND}\n"
        "python -m lib.catalog load ../shared/hub-snapshot/datasets-2024-07-09.jsonl.gz --kind datasets\n"
        "python -m lib.catalog sync --kind spaces --limit 5000\n```\n\n"
        "See *The local catalog* in the README.",
        icon=":material/insights:",
    )


def _facts(data: Insights) -> None:
    parts = []
    for ins in data.kinds.values():
        f = ins.facts
        when = f.snapshot_date.isoformat() if f.snapshot_date else "date unknown"
        parts.append(f"**{f.count:,} {f.kind}** (snapshot {when}, from {md_escape(f.source_label)})")
    loaded = [k.facts.loaded_at for k in data.kinds.values() if k.facts.loaded_at is not None]
    tail = f" Loaded {max(loaded):%Y-%m-%d %H:%M} UTC." if loaded else ""
    st.caption("Local catalog: " + "; ".join(parts) + "." + tail
               + " Downloads are the Hub's 30-day counts at the snapshot date.")  # fmt: skip


def _headlines(data: Insights) -> None:
    """The headline sentences, one column per kind."""
    kinds = [k for k in data.kinds.values() if k.headlines]
    if not kinds:
        return
    for col, ins in zip(st.columns(len(kinds)), kinds, strict=True):
        with col:
            st.markdown(f"**{_TITLES[ins.kind]}**\n\n" + "\n".join(f"- {md_escape(h)}" for h in ins.headlines))


def _chart(specs: Specs, kind: Kind, name: str) -> None:
    key = f"{kind}-{name}"
    if key not in specs:
        return
    spec, frame = specs[key]
    st.vega_lite_chart(frame, spec, width="stretch", key=f"insights:{key}")
    export_buttons(spec, frame, key=f"insights:{key}", file_stem=f"insights-{key}")


def _top_table(ins: KindInsights) -> None:
    frames = {"downloads": ins.top_downloaded, "likes": ins.top_liked}
    frames = {by: f for by, f in frames.items() if f is not None and not f.empty}
    if not frames:
        return
    st.subheader("Most downloaded and most liked, per task", anchor=False)
    by = st.segmented_control("Ranked by", list(frames), default=next(iter(frames)), key=f"insights:{ins.kind}:by",
                              format_func=str.capitalize) or next(iter(frames))  # fmt: skip
    frame = frames[by]
    st.caption(f"The 5 {ins.kind} with the most {by} in each of the {frame['task'].nunique()} most common tasks.")
    st.dataframe(frame, hide_index=True, width="stretch", height=min(len(frame), 15) * 35 + 38, column_config={
        "task": st.column_config.TextColumn("Task"),
        "rank": st.column_config.NumberColumn("#", width="small"),
        "id": st.column_config.TextColumn("Repo", width="large"),
        "downloads": st.column_config.NumberColumn("Downloads (30 days)", format="localized"),
        "likes": st.column_config.NumberColumn("Likes", format="localized"),
    }, key=f"insights:{ins.kind}:top")  # fmt: skip


def _kind(ins: KindInsights, specs: Specs) -> None:
    kind = ins.kind
    st.subheader("Growth", anchor=False)
    names = [f"created-by-{f}" for f in ins.created_by]
    cols = st.columns(len(names)) if len(names) > 1 else [st.container()]
    for col, name in zip(cols, names, strict=True):
        with col:
            _chart(specs, kind, name)
    notes = insights.growth_notes(ins)
    if notes:
        st.caption(md_escape(" ".join(notes)))
    st.subheader("Who dominates", anchor=False)
    if ins.concentration is not None:
        left, right = st.columns(2)
        with left:
            _chart(specs, kind, "concentration")
        with right:
            _chart(specs, kind, "lorenz")
    left, right = st.columns(2)
    with left:
        _chart(specs, kind, "authors-by-repos")
    with right:
        _chart(specs, kind, "authors-by-downloads")
    st.subheader("Licenses" + (" and sizes" if ins.sizes is not None else " and SDKs" if ins.sdks is not None else ""),
                 anchor=False)  # fmt: skip
    left, right = st.columns(2)
    with left:
        _chart(specs, kind, "licenses")
    with right:
        _chart(specs, kind, "sizes")
        _chart(specs, kind, "sdks")
    _top_table(ins)


def render() -> None:
    """The whole page."""
    st.title("Insights", anchor=False)
    cat = source.catalog()
    if cat is None:
        _no_catalog()
        return
    try:
        data, specs = page_data(str(cat.root), insights.version(cat), cat)
    except CatalogError as err:
        show_error(err, retry_key="insights:retry")
        return
    if not data.kinds:
        _no_catalog()
        return
    _facts(data)
    _headlines(data)
    tabs = st.tabs([f"{_TITLES[k]} ({ins.facts.count:,})" for k, ins in data.kinds.items()])
    for tab, ins in zip(tabs, data.kinds.values(), strict=True):
        with tab:
            _kind(ins, specs)
