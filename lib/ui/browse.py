"""A browse page's search bar, results table and row selection, kept in the URL."""

from __future__ import annotations

import streamlit as st

from lib.compare import MAX_MODELS
from lib.errors import HubExplorerError, InvalidQueryError
from lib.filters import BY_NAME
from lib.format import md_escape
from lib.query import SORT_LABELS, Facet, Kind, SearchResult
from lib.sources import MIN_SHARE, Capabilities
from lib.tables import results_frame, visible_columns
from lib.task_ids import ALL_TASKS
from lib.ui import compare_view, filters, hub_cache, saved_panel, source, stale, state
from lib.ui.add_to_list import add_to_list
from lib.ui.charts_panel import charts_panel
from lib.ui.components import show_cut_note, show_error, text_box
from lib.urlstate import MAX_PAGE, MAX_TEXT, PAGE_SIZE, state_to_params

ROW_HEIGHT = 35  # st.dataframe's default row height in pixels
_NOUN = {"models": "model", "datasets": "dataset", "spaces": "Space"}
_EXAMPLE = {"models": "bert", "datasets": "squad", "spaces": "chat"}
#: The data field each table column shows: a column whose data the answering source lacks is left out.
_COLUMN_DATA = {"task": "task", "library": "library", "params": "params", "downloads": "downloads",
                "share": "downloads", "likes": "likes", "created": "created", "updated": "updated"}  # fmt: skip


def _turn_page(kind: Kind, step: int) -> None:
    key = state.widget_key(kind, "page")
    st.session_state[key] = max(1, st.session_state.get(key, 1) + step)
    st.session_state[state.widget_key(kind, "repo")] = None
    st.session_state[state.widget_key(kind, "table_baseline")] = None


def search_bar(kind: Kind, facets: dict[str, Facet], caps: Capabilities) -> None:
    """Text, task and sort, above the table. Their values live in session state (see `lib.ui.state`).
    When a source counted tasks, each task shows its number of matches; only the sorts `caps` allows are
    offered, and the sort box's help says why the others are not."""
    key = lambda name: state.widget_key(kind, name)
    task = BY_NAME["task"]
    if kind in task.kinds:
        c_text, c_task, c_sort = st.columns([3, 2, 1.4], vertical_alignment="bottom")
    else:
        (c_text, c_sort), c_task = st.columns([3, 1.4], vertical_alignment="bottom"), None
    text_box(
        c_text,
        "Search",
        key=key("q"),
        limit=MAX_TEXT,
        placeholder=f"Search {kind} by name, e.g. {_EXAMPLE[kind]}",
        help="Part of the repo id, as on the Hub: letters are matched case-insensitively, symbols literally.",
    )
    if c_task is not None:
        can = caps.can_filter("task")
        filters.choice(kind, task, facets.get("task"), options=ALL_TASKS, container=c_task,
                       disabled=not can and not st.session_state.get(key("task")),
                       help=None if can else caps.why_not("task"))  # fmt: skip
    sorts = list(caps.sorts) or [caps.default_sort]
    if st.session_state.get(key("sort")) not in sorts:
        st.session_state[key("sort")] = caps.default_sort if caps.default_sort in sorts else sorts[0]
    missing = [f"{SORT_LABELS[s]}: {caps.why_not_sort(s)}" for s in caps.unsorted]  # type: ignore[index]
    c_sort.selectbox("Sort", sorts, key=key("sort"), format_func=SORT_LABELS.__getitem__,
                     help=("Not offered here: " + " ".join(missing)) if missing else None)  # fmt: skip
    show_cut_note(key("q"))


def browse(kind: Kind) -> str | None:
    """Draw the search bar, filters and results; return the selected repo id (from the table or the URL)."""
    key = lambda name: state.widget_key(kind, name)
    state.read(kind)
    for note in st.session_state.pop(key("notes"), ()):
        st.info(md_escape(note), icon=":material/link_off:")  # the URL's own text: shown as text

    caps = source.offered(kind)
    query = state.query(kind)
    if query != st.session_state.get(key("last_query")):
        # A new search starts on page 1 and drops the old selection.
        st.session_state[key("last_query")] = query
        st.session_state[key("page")] = 1
        st.session_state[key("repo")] = None
        st.session_state[key("table_baseline")] = None
    page = min(int(st.session_state.get(key("page")) or 1), MAX_PAGE)

    answer: source.Answer | None = None
    error: HubExplorerError | None = None
    kept: stale.Stale | None = None  # the Hub fails now: the last answer to this very search stands in
    asked = query.replace(offset=(page - 1) * PAGE_SIZE)
    try:
        with st.spinner(f"Searching {kind}…"):
            answer, kept = stale.fetch(("search", asked), lambda: source.answer(asked))
    except HubExplorerError as err:
        error = err
    if kept is not None:
        error = kept.error

    if answer is not None:
        if answer.result.query.sort != query.sort:  # the source cannot sort so: the note says why
            state.set_sort(kind, answer.result.query.sort)
            query = query.replace(sort=answer.result.query.sort)
        if answer.note:
            st.info(md_escape(answer.note), icon=":material/swap_horiz:")
    facets = answer.result.facets if answer else {}
    search_bar(kind, facets, caps)
    filters.chips(kind, query)
    if error is not None:
        show_error(error, retry_key=None if isinstance(error, InvalidQueryError) else key("retry_search"),
                   worked_before=kept is not None)
        gap = source.no_stand_in(query)
        if gap:
            st.caption(md_escape(gap))
    if kept is not None:
        stale.show(kept)
    if answer is not None:
        _results(kind, answer, page, caps)
    filters.sidebar(kind, facets, caps)
    repo = st.session_state.get(key("repo"))
    mode = source.choice()
    state.write(kind, query, page=page, repo=repo, source=mode)
    saved_panel.saved_searches_panel(kind, {**state_to_params(query), "source": mode})
    return repo


def _hidden_columns(caps: Capabilities) -> set[str]:
    """Columns whose data the answering source measured and found empty (a dump without parameter counts)."""
    return {c for c, data in _COLUMN_DATA.items() if data in caps.coverage and caps.coverage[data] < MIN_SHARE}


def _results(kind: Kind, answer: source.Answer, page: int, offered: Capabilities) -> None:
    key = lambda name: state.widget_key(kind, name)
    result = answer.result
    q = result.query
    answering = answer.source.capabilities(kind)
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
    # the search text came from a person or a link: its Markdown is escaped
    st.caption(f"{md_escape(q.describe(result.total))} · showing {first:,}–{last:,}{more}{folded}")
    lacks = answering.missing_data()
    if lacks:
        st.caption(md_escape(f"{answer.source.label.capitalize()}'s {kind} have no {', '.join(lacks)}: those "
                             "sorts, filters and columns are left out."))  # fmt: skip

    frame = results_frame(result.items, hub_cache.client().endpoint, kind)
    hidden = _hidden_columns(answering)
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=min(len(frame), PAGE_SIZE) * ROW_HEIGHT + ROW_HEIGHT + 3,  # every row visible, no inner scroll
        on_select="rerun",
        selection_mode="multi-row",  # tick several to compare (models) or to add to a list
        key=key("table"),
        column_order=[c for c in visible_columns(kind, result.query.sort, frame) if c not in hidden],
        column_config=_column_config(kind),
    )
    rows = list(event.selection.rows) if event is not None else []
    baseline = st.session_state.get(key("table_baseline"))
    if baseline is None:
        st.session_state[key("table_baseline")] = rows  # selection carried over from an older table
    elif rows != baseline:
        st.session_state[key("table_baseline")] = rows
        st.session_state[key("repo")] = opened_row(rows, baseline, [r.id for r in result.items],
                                                   st.session_state.get(key("repo")))
    _selected_actions(kind, result, rows)
    with st.empty().container():  # one place whether or not there are pages: the charts below keep theirs
        _pager(kind, page, result.has_more)
    charts_panel(kind, q, result, answer.source, offered)


def opened_row(rows: list[int], before: list[int], ids: list[str], open_now: str | None) -> str | None:
    """Which repo the details show after the table's selection changed from `before` to `rows`: a row just ticked
    opens; unticking the open one shows the last still ticked; nothing ticked closes the details."""
    valid = [r for r in rows if r < len(ids)]
    added = [r for r in valid if r not in before]
    if added:
        return ids[added[-1]]
    if open_now in (ids[r] for r in valid):
        return open_now
    return ids[valid[-1]] if valid else None


def _selected_actions(kind: Kind, result: SearchResult, rows: list[int]) -> None:
    """Under a results table: what ticking rows does, "Compare selected" for 2 to 6 ticked models, and "Add
    selected to a list" for any ticked rows."""
    chosen = [result.items[r].id for r in rows if r < len(result.items)]
    if kind == "models":
        st.caption("Tick a row to see its details; tick 2 to 6 to compare them side by side, or any to add them to "
                   "a shortlist.")
    else:
        st.caption("Tick a row to see its details; tick several to add them to a shortlist.")
    actions = st.container(horizontal=True, gap="small")
    if kind == "models" and actions.button(
            f"Compare selected ({len(chosen)})", key="models:compare_selected", icon=":material/compare_arrows:",
            disabled=not 2 <= len(chosen) <= MAX_MODELS, help=f"Tick between 2 and {MAX_MODELS} models in the table."):
        st.session_state[compare_view.KEY] = chosen
        st.switch_page("pages/compare.py", query_params={"models": ",".join(chosen)})
    with actions:
        add_to_list([(kind, repo) for repo in chosen], key=f"{kind}:add_selected",
                    label=f"Add selected ({len(chosen)}) to a list",
                    help="Put the ticked rows on a team shortlist." if chosen else "Tick rows in the table first.")


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
