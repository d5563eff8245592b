"""The Insights page: how the whole local catalog grew and who dominates it.

Every number is counted by the catalog's index (`lib.insights`), never by pulling rows into pandas. The page is
drawn in the order a person reads it, and counts only what it draws:

* the facts (the catalog's stats: nothing counted);
* the open tab (`st.tabs(on_change="rerun")`, one tab per kind): that kind's figures (`kind_figures`, one
  `st.cache_data` entry per kind and index generation, so a load or sync shows new numbers at once), then each
  chart's spec as it is drawn (`lib.insights_charts.kind_chart`, cached the same way): the first chart is on
  screen before the others are built, and the other tabs' charts are neither built nor sent until opened;
* then the headlines above the tabs (every kind's figures: counted after the open tab is drawn).

Each chart has its data as CSV and the chart as PNG and SVG (`lib.ui.chart_export`). The repos of the top table
link to their details in the app (the kind's browse page with ``?repo=``, `repo_url`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from urllib.parse import quote

import pandas as pd
import streamlit as st

from lib import insights, insights_charts
from lib.catalog import Catalog, CatalogError
from lib.format import md_escape
from lib.insights import KindFacts, KindInsights
from lib.insights_charts import Spec
from lib.query import Kind, plural
from lib.ui import source
from lib.ui.chart_export import export_buttons
from lib.ui.components import show_error

_TITLES: dict[Kind, str] = {"models": "Models", "datasets": "Datasets", "spaces": "Spaces"}
TAB_KEY = "insights:tab"
#: A repo link's text: the repo id out of its URL (`repo_url`), shown as plain text.
REPO_TEXT = r"\?repo=(.+)$"
log = logging.getLogger(__name__)


class Prepared:
    """Figures and chart specs counted ahead of a visit (`prepare`), by (root, kind, generation) and by (root, kind,
    generation, chart): one per server process, shared by every session (read-only once stored)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: set[tuple[str, tuple[tuple[Kind, str], ...]]] = set()
        self.figures: dict[tuple[str, Kind, str], KindInsights] = {}
        self.charts: dict[tuple[str, Kind, str, str], tuple[Spec, pd.DataFrame] | None] = {}


@st.cache_resource(show_spinner=False)
def prepared() -> Prepared:
    return Prepared()


def prepare() -> None:
    """Count the Insights page's figures and build its charts in a background thread, once per server process and
    catalog generation, so that a person who opens the page later waits only for the drawing. The router calls it
    after each run (it returns at once when that is done or under way); a page whose caches are cold meanwhile
    counts for itself (the same numbers)."""
    cat = source.catalog()
    if cat is None:
        return
    try:
        root, version = str(cat.root), cat.versions()
    except CatalogError:
        return  # the page says what is wrong when it is opened
    store = prepared()
    with store.lock:
        if (root, version) in store.started:
            return
        store.started.add((root, version))
    threading.Thread(target=_prepare, args=(cat, root, version, store), name="insights-prepare", daemon=True).start()


def _prepare(cat: Catalog, root: str, version: tuple[tuple[Kind, str], ...], store: Prepared) -> None:
    try:
        facts = insights.facts(cat)
        for kind, generation in version:
            if kind not in facts:
                continue
            ins = insights.kind_insights(cat.index(kind), facts[kind])
            store.figures[(root, kind, generation)] = ins
            for name in insights_charts.chart_names(ins):
                store.charts[(root, kind, generation, name)] = insights_charts.kind_chart(ins, name)
    except Exception:  # only a head start: the page counts for itself and shows any error
        log.warning("Counting the Insights figures ahead failed", exc_info=True)


@st.cache_data(show_spinner="Counting the whole catalog…", max_entries=12)
def _kind_figures(root: str, kind: Kind, generation: str, _catalog: Catalog, _facts: KindFacts) -> KindInsights:
    return insights.kind_insights(_catalog.index(kind), _facts)


def kind_figures(root: str, kind: Kind, generation: str, catalog: Catalog, facts: KindFacts) -> KindInsights:
    """One kind's figures for one version of its data (`Catalog.version`) in the catalog at `root`: counted
    ahead (`prepare`), or now (cached per generation)."""
    ready = prepared().figures.get((root, kind, generation))
    return ready if ready is not None else _kind_figures(root, kind, generation, catalog, facts)


@st.cache_data(show_spinner=False, max_entries=64)
def _kind_chart(root: str, kind: Kind, generation: str, name: str,
                _ins: KindInsights) -> tuple[Spec, pd.DataFrame] | None:  # fmt: skip
    return insights_charts.kind_chart(_ins, name)


def kind_chart(root: str, kind: Kind, generation: str, name: str,
               ins: KindInsights) -> tuple[Spec, pd.DataFrame] | None:  # fmt: skip
    """One chart of a kind's figures (see `kind_figures`): its spec without data, and its frame."""
    key = (root, kind, generation, name)
    store = prepared()
    return store.charts[key] if key in store.charts else _kind_chart(root, kind, generation, name, ins)


def repo_url(kind: Kind, repo_id: str) -> str:
    """The app's own page for a repo: its kind's browse page with the repo open (``?repo=``), relative to this page
    (so it works under any base path). Only what would change the URL's meaning is percent-encoded (ASCII
    punctuation, spaces, controls): letters beyond ASCII stay as they are (the browser encodes them when it follows
    the link), so that the id the link shows (`REPO_TEXT`) reads as the id."""
    return f"{kind}?repo=" + "".join(ch if ord(ch) > 127 else quote(ch, safe="/") for ch in repo_id)


def _no_catalog() -> None:
    from lib.ui import catalog_panel

    st.info(
        "**No local catalog yet.** The Insights page counts the whole Hub from a local catalog of its metadata. "
        "Build one from the Hub's published metadata (the same build as in the sidebar; the page shows the "
        "figures once it is done), or from a terminal with `python -m lib.catalog fetch`.",
        icon=":material/insights:",
    )
    catalog_panel.build_button("insights:build")


def _facts(facts: dict[Kind, KindFacts]) -> None:
    parts = []
    for f in facts.values():
        when = f.snapshot_date.isoformat() if f.snapshot_date else "date unknown"
        parts.append(f"**{f.count:,} {plural(f.kind)}** (snapshot {when}, from {md_escape(f.source_label)})")
    loaded = [f.loaded_at for f in facts.values() if f.loaded_at is not None]
    tail = f" Loaded {max(loaded):%Y-%m-%d %H:%M} UTC." if loaded else ""
    st.caption("Local catalog: " + "; ".join(parts) + "." + tail
               + " Downloads are the Hub's 30-day counts at the snapshot date.")  # fmt: skip


def _headlines(figures: dict[Kind, KindInsights]) -> None:
    """The headline sentences, one column per kind."""
    kinds = [k for k in figures.values() if k.headlines]
    if not kinds:
        return
    for col, ins in zip(st.columns(len(kinds)), kinds, strict=True):
        with col:
            st.markdown(f"**{_TITLES[ins.kind]}**\n\n" + "\n".join(f"- {md_escape(h)}" for h in ins.headlines))


def _chart(root: str, ins: KindInsights, generation: str, name: str) -> None:
    built = kind_chart(root, ins.kind, generation, name, ins)
    if built is None:
        return
    spec, frame = built
    key = f"{ins.kind}-{name}"
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
    frame = frames[by].assign(url=[repo_url(ins.kind, repo) for repo in frames[by]["id"]])
    st.caption(f"The 5 {ins.kind} with the most {by} in each of the {frame['task'].nunique()} most common tasks. "
               "A repo opens its details here, in a new tab.")  # fmt: skip
    st.dataframe(frame, hide_index=True, width="stretch", height=min(len(frame), 15) * 35 + 38,
                 column_order=["task", "rank", "url", "downloads", "likes"], column_config={
        "task": st.column_config.TextColumn("Task"),
        "rank": st.column_config.NumberColumn("#", width="small"),
        # the id itself, as text, out of the link to its details in the app
        "url": st.column_config.LinkColumn("Repo", display_text=REPO_TEXT, width="large",
                                           help="Opens the repo's details in Hub Explorer"),
        "downloads": st.column_config.NumberColumn("Downloads (30 days)", format="localized"),
        "likes": st.column_config.NumberColumn("Likes", format="localized"),
    }, key=f"insights:{ins.kind}:top")  # fmt: skip


def _kind(root: str, ins: KindInsights, generation: str) -> None:
    names = set(insights_charts.chart_names(ins))

    def chart(name: str) -> None:
        if name in names:
            _chart(root, ins, generation, name)

    st.subheader("Growth", anchor=False)
    growth = [f"created-by-{f}" for f in ins.created_by]
    cols = st.columns(len(growth)) if len(growth) > 1 else [st.container()]
    for col, name in zip(cols, growth, strict=True):
        with col:
            chart(name)
    notes = insights.growth_notes(ins)
    if notes:
        st.caption(md_escape(" ".join(notes)))
    st.subheader("Who dominates", anchor=False)
    if ins.concentration is not None:
        left, right = st.columns(2)
        with left:
            chart("concentration")
        with right:
            chart("lorenz")
    left, right = st.columns(2)
    with left:
        chart("authors-by-repos")
    with right:
        chart("authors-by-downloads")
    st.subheader("Licenses" + (" and sizes" if ins.sizes is not None else " and SDKs" if ins.sdks is not None else ""),
                 anchor=False)  # fmt: skip
    left, right = st.columns(2)
    with left:
        chart("licenses")
    with right:
        chart("sizes")
        chart("sdks")
    if ins.kind == "spaces":
        _spaces_sections(ins, chart)
    _top_table(ins)


def _spaces_sections(ins: KindInsights, chart: Callable[[str], None]) -> None:
    """What only Spaces have: hardware and runtime status, the models and datasets they use, the most liked and
    trending ones."""
    pairs = (("Hardware and status", ins.hardware, ins.stages, "hardware", "stages"),
             ("What Spaces use", ins.models_used, ins.datasets_used, "models-used", "datasets-used"))  # fmt: skip
    for heading, first, second, left_chart, right_chart in pairs:
        if first is None and second is None:
            continue
        st.subheader(heading, anchor=False)
        left, right = st.columns(2)
        with left:
            chart(left_chart)
        with right:
            chart(right_chart)
    frames = {by: f for by, f in ins.top_spaces.items() if not f.empty}
    if not frames:
        return
    st.subheader("Most liked and trending", anchor=False)
    labels = {"likes": "Likes", "trending": "Trending"}
    by = st.segmented_control("Ranked by", list(frames), default=next(iter(frames)), key="insights:spaces:by",
                              format_func=labels.get) or next(iter(frames))  # fmt: skip
    frame = frames[by].assign(url=[repo_url("spaces", repo) for repo in frames[by]["id"]])
    st.caption(f"The {len(frame)} Spaces with the {'most likes' if by == 'likes' else 'highest trending score'}. "
               "A Space opens its details here, in a new tab.")  # fmt: skip
    st.dataframe(frame, hide_index=True, width="stretch", height=min(len(frame), 15) * 35 + 38,
                 column_order=["rank", "url", "sdk", "status", "likes", "trending"], column_config={
        "rank": st.column_config.NumberColumn("#", width="small"),
        "url": st.column_config.LinkColumn("Space", display_text=REPO_TEXT, width="large",
                                           help="Opens the Space's details in Hub Explorer"),
        "sdk": st.column_config.TextColumn("SDK"),
        "status": st.column_config.TextColumn("Status"),
        "likes": st.column_config.NumberColumn("Likes", format="localized"),
        "trending": st.column_config.NumberColumn("Trending score", format="%.0f"),
    }, key="insights:spaces:top")  # fmt: skip


def render() -> None:
    """The whole page: facts, the open tab's figures and charts, then the headlines above the tabs."""
    st.title("Insights", anchor=False)
    cat = source.catalog()
    if cat is None:
        _no_catalog()
        return
    try:
        facts = insights.facts(cat, source.stats(cat))
        generations = dict(cat.versions())
    except CatalogError as err:
        show_error(err, retry_key="insights:retry")
        return
    if not facts:
        _no_catalog()
        return
    root = str(cat.root)
    _facts(facts)
    heads = st.container()  # the headlines' place: filled once the open tab is on screen
    tabs = st.tabs([f"{_TITLES[k]} ({f.count:,})" for k, f in facts.items()], key=TAB_KEY, on_change="rerun")
    figures: dict[Kind, KindInsights] = {}
    try:
        for tab, (kind, f) in zip(tabs, facts.items(), strict=True):
            if tab.open:  # the other tabs are counted for the headlines, but neither drawn nor sent
                with tab:
                    figures[kind] = kind_figures(root, kind, generations.get(kind, ""), cat, f)
                    _kind(root, figures[kind], generations.get(kind, ""))
        for kind, f in facts.items():
            if kind not in figures:
                figures[kind] = kind_figures(root, kind, generations.get(kind, ""), cat, f)
    except CatalogError as err:
        with heads:
            show_error(err, retry_key="insights:retry")
        return
    with heads:
        _headlines({kind: figures[kind] for kind in facts})
