"""A browse page's search bar, results table and row selection, kept in the URL."""

from __future__ import annotations

import streamlit as st

from lib.errors import HubExplorerError, InvalidQueryError
from lib.query import SORT_LABELS, SORTS_BY_KIND, Facet, Kind, SearchResult
from lib.tables import results_frame, visible_columns
from lib.tasks import ALL_TASKS, task_label
from lib.ui import filters, hub, saved_panel, source, state
from lib.ui.charts_panel import charts_panel
from lib.ui.components import show_error
from lib.urlstate import MAX_PAGE, MAX_TEXT, PAGE_SIZE, state_to_params

ROW_HEIGHT = 35  # st.dataframe's default row height in pixels
_NOUN = {"models": "model", "datasets": "dataset", "spaces": "Space"}
_EXAMPLE = {"models": "bert", "datasets": "squad", "spaces": "chat"}


def _turn_page(kind: Kind, step: int) -> None:
    key = state.widget_key(kind, "page")
    st.session_state[key] = max(1, st.session_state.get(key, 1) + step)
    st.session_state[state.widget_key(kind, "repo")] = None
    st.session_state[state.widget_key(kind, "table_baseline")] = None


def search_bar(kind: Kind, facets: dict[str, Facet]) -> None:
    """Text, task and sort, above the table. Their values live in session state (see `lib.ui.state`).
    When the catalog counted tasks, each task shows its number of matches."""
    key = lambda name: state.widget_key(kind, name)
    has_task = kind != "spaces"  # Spaces carry no task
    if has_task:
        c_text, c_task, c_sort = st.columns([3, 2, 1.4], vertical_alignment="bottom")
    else:
        (c_text, c_sort), c_task = st.columns([3, 1.4], vertical_alignment="bottom"), None
    c_text.text_input(
        "Search",
        key=key("q"),
        max_chars=MAX_TEXT,
        placeholder=f"Search {kind} by name, e.g. {_EXAMPLE[kind]}",
        help="Part of the repo id, as on the Hub: letters are matched case-insensitively, symbols literally.",
    )
    if c_task is not None:
        current_task = st.session_state.get(key("task")) or ""
        tasks: list[str] = ["", *ALL_TASKS]  # "" is "Any task" (None would show an empty box)
        if current_task not in tasks:  # a task from a link that our list does not know
            tasks.append(current_task)
        st.session_state[key("task")] = current_task
        counts = {v.value: v.count for v in facets["task"].values} if "task" in facets else {}

        def label(task: str) -> str:
            if not task:
                return "Any task"
            return f"{task_label(task)} ({counts[task]:,})" if task in counts else task_label(task)

        c_task.selectbox("Task", tasks, key=key("task"), format_func=label)
    c_sort.selectbox("Sort", SORTS_BY_KIND[kind], key=key("sort"), format_func=SORT_LABELS.__getitem__)


def browse(kind: Kind) -> str | None:
    """Draw the search bar, filters and results; return the selected repo id (from the table or the URL)."""
    key = lambda name: state.widget_key(kind, name)
    state.read(kind)
    for note in st.session_state.pop(key("notes"), ()):
        st.info(note, icon=":material/link_off:")

    query = state.query(kind)
    if query != st.session_state.get(key("last_query")):
        # A new search starts on page 1 and drops the old selection.
        st.session_state[key("last_query")] = query
        st.session_state[key("page")] = 1
        st.session_state[key("repo")] = None
        st.session_state[key("table_baseline")] = None
    page = min(int(st.session_state.get(key("page")) or 1), MAX_PAGE)

    result: SearchResult | None = None
    error: HubExplorerError | None = None
    try:
        with st.spinner(f"Searching {kind}…"):
            result = source.search(query.replace(offset=(page - 1) * PAGE_SIZE))
    except HubExplorerError as err:
        error = err

    note = st.session_state.pop("source:fallback_note", None) or source.active(kind).note
    if result is not None and result.source == "catalog" and note:
        st.info(note, icon=":material/cloud_off:")
    search_bar(kind, result.facets if result else {})
    filters.sidebar(kind, result.facets if result else {}, catalog=source.active(kind).source == "catalog")
    filters.chips(kind, query)
    if error is not None:
        show_error(error, retry_key=None if isinstance(error, InvalidQueryError) else key("retry_search"))
    if result is not None:
        _results(kind, result, page)
    repo = st.session_state.get(key("repo"))
    state.write(kind, query, page=page, repo=repo)
    saved_panel.saved_searches_panel(kind, state_to_params(query))
    return repo


def _results(kind: Kind, result: SearchResult, page: int) -> None:
    key = lambda name: state.widget_key(kind, name)
    q = result.query
    if not result.items:
        if page > 1:
            st.info("No more results on this page.", icon=":material/last_page:")
        else:
            tips = []
            if filters.applied(kind, q):
                tips.append("remove a filter (click its chip above)")
            if q.text:
                tips.append("shorten the search text")
            advice = f" Try to {' or '.join(tips)}." if tips else ""
            st.info(f"No {kind} match this search.{advice}", icon=":material/search_off:")
        _pager(kind, page, result.has_more)
        return

    first = q.offset + 1
    last = q.offset + len(result.items)
    more = " – more on the next page" if result.has_more else ""
    folded = f" · {result.folded:,} derivatives folded under their base" if result.folded else ""
    st.caption(f"{q.describe(result.total)} · showing {first:,}–{last:,}{more}{folded}")
    if result.source == "catalog":
        known = source.sorts_known(kind)
        if known is not None and q.sort not in known:
            st.caption(f":orange[The catalog's data has no {q.sort} values: rows are in id order. "
                       f"Sort by {' or '.join(SORT_LABELS[s].lower() for s in known[:2])} instead.]")

    frame = results_frame(result.items, hub.client().endpoint, kind)
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=min(len(frame), PAGE_SIZE) * ROW_HEIGHT + ROW_HEIGHT + 3,  # every row visible, no inner scroll
        on_select="rerun",
        selection_mode="single-row",
        key=key("table"),
        column_order=visible_columns(kind, result.query.sort, frame),
        column_config=_column_config(kind),
    )
    rows = list(event.selection.rows) if event is not None else []
    baseline = st.session_state.get(key("table_baseline"))
    if baseline is None:
        st.session_state[key("table_baseline")] = rows  # selection carried over from an older table
    elif rows != baseline:
        st.session_state[key("table_baseline")] = rows
        ids = [r.id for r in result.items]
        st.session_state[key("repo")] = ids[rows[0]] if rows and rows[0] < len(ids) else None
    st.caption("Select a row to see its details.")
    _pager(kind, page, result.has_more)
    charts_panel(kind, q, result)


def _column_config(kind: Kind) -> dict[str, object]:
    cc = st.column_config
    return {
        "url": cc.LinkColumn(_NOUN[kind].capitalize(), display_text=r"^https?://[^/]+/(?:datasets/|spaces/)?(.*)$",
                             width="medium"),
        "task": cc.TextColumn("Task" if kind == "models" else "Tasks", width="medium"),
        "library": cc.TextColumn("Library", width="small"),
        "params": cc.TextColumn("Params", width="small", help="Parameters (safetensors)"),
        "size": cc.TextColumn("Rows", help="The dataset's size category"),
        "sdk": cc.TextColumn("SDK", width="small"),
        "stage": cc.TextColumn("Status", width="small"),
        "hardware": cc.TextColumn("Hardware", width="small"),
        "downloads": cc.NumberColumn("Downloads", format="compact", width="small",
                                     help="Last 30 days (exact figure in the details)"),
        "share": cc.ProgressColumn("vs. top", format="percent", min_value=0.0, max_value=1.0, width="small",
                                   help="Downloads relative to the most downloaded repo on this page"),
        "likes": cc.NumberColumn("Likes", format="compact", width="small"),
        "created": cc.DatetimeColumn("Created", format="YYYY-MM-DD", width="small"),
        "updated": cc.DatetimeColumn("Updated", format="distance", width="small"),
    }


def _pager(kind: Kind, page: int, has_more: bool) -> None:
    if page == 1 and not has_more:
        return
    left, mid, right = st.columns([1, 2, 1], vertical_alignment="center")
    left.button(
        "Previous", icon=":material/chevron_left:", disabled=page <= 1, key=state.widget_key(kind, "prev"),
        on_click=_turn_page, args=(kind, -1),
    )
    mid.caption(f"Page {page}")
    right.button(
        "Next", icon=":material/chevron_right:", disabled=not has_more or page >= MAX_PAGE,
        key=state.widget_key(kind, "next"), on_click=_turn_page, args=(kind, 1),
    )
