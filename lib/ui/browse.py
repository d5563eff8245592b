"""A browse page's search bar, results table, row selection, detail, pager and exports, kept in the URL.

The results table: the repo's name opens its details in the app (a click on any cell but the Hub link, or a
tick); the Hub link is its own column. The person chooses the columns (``?cols=``) and rows per page (``?per=``);
with the catalog every page can be reached (a page number input, the last page from the total), the live Hub
lists at most `MAX_PAGE` pages (it has no offset). The detail opens right under the table (not under the charts),
scrolled into view. Exports hold every match up to a cap (`lib.exports`), made only when a button is clicked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from lib import columns, exports
from lib.compare import MAX_MODELS
from lib.errors import HubExplorerError, InvalidQueryError
from lib.filters import BY_NAME
from lib.format import md_escape
from lib.query import MODE_HELP, MODES, RELEVANCE, SORT_LABELS, Facet, Kind, Mode, SearchQuery, SearchResult, plural
from lib.sources import MIN_SHARE, Capabilities
from lib.tables import name_and_task_widths, name_width, results_frame, visible_columns
from lib.task_ids import ALL_TASKS
from lib.ui import compare_view, filters, hub_cache, saved_panel, source, stale, state
from lib.ui.add_to_list import add_to_list
from lib.ui.charts_panel import charts_panel
from lib.ui.components import show_cut_note, show_error, text_box
from lib.ui.search_modes import mode_help, mode_label, snippet_markdown
from lib.urlstate import MAX_PAGE, MAX_TEXT, PAGE_SIZE, PAGE_SIZES, state_to_params

ROW_HEIGHT = 35  # st.dataframe's default row height in pixels
_NOUN = {"models": "model", "datasets": "dataset", "spaces": "Space"}
_NO_SELECTION: dict[str, list] = {"rows": [], "columns": [], "cells": []}


def _turn_page(kind: Kind, step: int) -> None:
    key = state.widget_key(kind, "page")
    _go_to_page(kind, max(1, st.session_state.get(key, 1) + step))


def _go_to_page(kind: Kind, page: int) -> None:
    """Another page of the same results: nothing selected there yet."""
    st.session_state[state.widget_key(kind, "page")] = page
    st.session_state[state.widget_key(kind, "repo")] = None
    st.session_state[state.widget_key(kind, "table_baseline")] = None
    st.session_state[state.widget_key(kind, "table")] = {"selection": dict(_NO_SELECTION)}


def _jump(kind: Kind) -> None:
    """The page number input: go to the page typed."""
    wanted = st.session_state.get(state.widget_key(kind, "page_input"))
    if isinstance(wanted, (int, float)) and int(wanted) != st.session_state.get(state.widget_key(kind, "page")):
        _go_to_page(kind, max(1, int(wanted)))


def _per_changed(kind: Kind) -> None:
    """Rows per page changed: the page that holds the first row shown so far."""
    key = lambda name: state.widget_key(kind, name)
    old = st.session_state.get(key("per_was")) or PAGE_SIZE
    new = st.session_state.get(key("per")) or PAGE_SIZE
    first = (int(st.session_state.get(key("page")) or 1) - 1) * old
    st.session_state[key("page")] = first // new + 1
    st.session_state[key("per_was")] = new
    st.session_state[key("table_baseline")] = None
    st.session_state[key("table")] = {"selection": dict(_NO_SELECTION)}


_EXAMPLES: dict[Mode, dict[Kind, str]] = {
    "names": {"models": "bert", "datasets": "squad", "spaces": "chat"},
    "text": {"models": "speech recognition", "datasets": "multiple choice questions", "spaces": "image generation"},
    "meaning": {"models": "turn recorded speech into written text", "datasets": "science questions with answers",
                "spaces": "draw pictures from a description"},
}  # fmt: skip
_PLACEHOLDER: dict[Mode, str] = {"names": "Search {kind} by name, e.g. {example}",
                                 "text": "Words about the {kind}, e.g. {example}",
                                 "meaning": "Describe what you need, e.g. {example}"}  # fmt: skip


def _mode_changed(kind: Kind) -> None:
    """A new search mode: the ranked modes select "Best match" (the field sort before it is kept); Names gets that
    field sort back (or the default, in `search_bar`). Unselecting the chosen segment means Names."""
    key = lambda name: state.widget_key(kind, name)
    mode = st.session_state.get(key("mode")) or "names"
    st.session_state[key("mode")] = mode
    sort = st.session_state.get(key("sort"))
    if mode != "names":
        if sort != RELEVANCE:
            st.session_state[key("field_sort")] = sort
        st.session_state[key("sort")] = RELEVANCE
    elif sort == RELEVANCE:
        st.session_state[key("sort")] = st.session_state.pop(key("field_sort"), None)


def mode_control(kind: Kind, caps: Capabilities) -> Mode:
    """How the search text matches (`lib.query.Mode`), kept in ?mode=: every mode is shown, those the source
    cannot search in locked, with the reasons in the help; picking one says why (the search's error) and, for
    meaning, how to build what it needs. Returns the chosen mode."""
    key = state.widget_key(kind, "mode")
    if st.session_state.get(key) not in MODES:
        st.session_state[key] = "names"
    st.segmented_control("Search by", MODES, key=key, format_func=lambda m: mode_label(m, caps),
                         on_change=_mode_changed, args=(kind,), help=mode_help(caps))  # fmt: skip
    mode: Mode = st.session_state.get(key) or "names"
    return mode


def search_bar(kind: Kind, facets: dict[str, Facet], caps: Capabilities) -> None:
    """Mode, text, task and sort, above the table. Their values live in session state (see `lib.ui.state`).
    When a source counted tasks, each task shows its number of matches; only the sorts `caps` allows are
    offered ("Best match" only in the ranked modes), and the sort box's help says why the others are not."""
    key = lambda name: state.widget_key(kind, name)
    mode = mode_control(kind, caps)
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
        placeholder=_PLACEHOLDER[mode].format(kind=kind, example=_EXAMPLES[mode][kind]),
        help=MODE_HELP[mode],
    )
    if c_task is not None:
        can = caps.can_filter("task")
        filters.choice(kind, task, facets.get("task"), options=ALL_TASKS, container=c_task,
                       disabled=not can and not st.session_state.get(key("task")),
                       help=None if can else caps.why_not("task"))  # fmt: skip
    sorts = list(caps.sorts) or [caps.default_sort]
    if mode != "names" and caps.can_sort(RELEVANCE):
        sorts.insert(0, RELEVANCE)
    if st.session_state.get(key("sort")) not in sorts:
        st.session_state[key("sort")] = caps.default_sort if caps.default_sort in sorts else sorts[0]
    missing = [f"{SORT_LABELS[s]}: {caps.why_not_sort(s)}" for s in caps.unsorted]  # type: ignore[index]
    if mode == "names":
        missing.append(f"{SORT_LABELS[RELEVANCE]}: ranks a search by words or by meaning.")
    c_sort.selectbox("Sort", sorts, key=key("sort"), format_func=SORT_LABELS.__getitem__,
                     help=("Not offered here: " + " ".join(missing)) if missing else None)  # fmt: skip
    show_cut_note(key("q"))
    if mode == "meaning" and not caps.can_mode("meaning"):
        build_embeddings(kind)


def build_embeddings(kind: Kind) -> None:
    """A "Build embeddings" button with a progress bar, where the loaded catalog can build them
    (`Catalog.embed`, when this version has it) and holds the kind; nothing where that cannot work."""
    cat = source.catalog()
    if cat is None or not cat.has(kind) or not hasattr(cat, "embed"):
        return
    if not st.button("Build embeddings", key=state.widget_key(kind, "embed"), icon=":material/neurology:",
                     help=f"Embed the catalog's {kind} here, so that they can be searched by meaning (this can "
                          "take a while)."):  # fmt: skip
        return
    bar = st.progress(0.0, text=f"Embedding {kind}…")

    def progress(step: object) -> None:
        fraction = getattr(step, "fraction", None)
        bar.progress(min(max(float(fraction or 0.0), 0.0), 1.0), text=md_escape(str(getattr(step, "message", ""))))

    try:
        cat.embed(kind, progress=progress)
    except HubExplorerError as err:
        show_error(err)
        return
    bar.progress(1.0, text=f"Embedded the {kind}.")
    st.session_state[state.widget_key(kind, "sort_next")] = RELEVANCE  # the mode answers now: best match first
    st.rerun()


def _ask(kind: Kind, asked: SearchQuery) -> tuple[source.Answer | None, HubExplorerError | None, stale.Stale | None]:
    """The answer to `asked`, or the error (and the kept answer standing in, when the Hub fails now)."""
    try:
        with st.spinner(f"Searching {kind}…"):
            answer, kept = stale.fetch(("search", asked), lambda: source.answer(asked))
    except HubExplorerError as err:
        return None, err, None
    return answer, (kept.error if kept is not None else None), kept


def browse(kind: Kind, detail: Callable[[str], None] | None = None) -> str | None:
    """Draw the search bar, filters and results; return the selected repo id (from the table or the URL). With
    `detail`, the selected repo's details are drawn by it right under the table."""
    key = lambda name: state.widget_key(kind, name)
    state.read(kind)
    if key("sort_next") in st.session_state:  # asked for after the last run drew the sort box (Build embeddings)
        st.session_state[key("sort")] = st.session_state.pop(key("sort_next"))
    for note in st.session_state.pop(key("notes"), ()):
        st.info(md_escape(note), icon=":material/link_off:")  # the URL's own text: shown as text

    caps = source.offered(kind)
    query = state.query(kind)
    if query != st.session_state.get(key("last_query")):
        # A new search starts on page 1 and drops the old selection (the ticks and the clicked name too).
        st.session_state[key("last_query")] = query
        _go_to_page(kind, 1)
    per = int(st.session_state.get(key("per")) or PAGE_SIZE)
    st.session_state[key("per_was")] = per
    page = max(1, int(st.session_state.get(key("page")) or 1))
    if not caps.counts_matches and page > MAX_PAGE:  # the live Hub may answer: it has no offset
        st.info(f"The live Hub lists at most {MAX_PAGE} pages (it has no offset), so this is page {MAX_PAGE}. "
                "Choose the local catalog under “Answers from” to reach any page.", icon=":material/last_page:")
        page = MAX_PAGE

    answer, error, kept = _ask(kind, query.replace(limit=per, offset=(page - 1) * per))
    if answer is not None and not answer.result.items and page > 1 and answer.result.total:
        last = math.ceil(answer.result.total / per)  # past the last page (a link, a smaller search): the last one
        st.info(f"Page {page:,} is past the last page; this is page {last:,}.", icon=":material/last_page:")
        page = last
        answer, error, kept = _ask(kind, query.replace(limit=per, offset=(page - 1) * per))
    st.session_state[key("page")] = page

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
    slot = _results(kind, answer, page, caps, per) if answer is not None else None
    filters.sidebar(kind, facets, caps)
    repo = st.session_state.get(key("repo"))
    mode = source.choice()
    cols = st.session_state.get(key("cols"))
    state.write(kind, query, page=page, repo=repo, source=mode, per=per, cols=cols)
    saved_panel.saved_searches_panel(kind, {**state_to_params(query), "source": mode})
    if detail is not None and repo:
        with slot if slot is not None else st.container():
            _detail_panel(kind, repo, detail)
    return repo


def _hidden_columns(caps: Capabilities) -> set[str]:
    """Columns whose data the answering source measured and found empty (a dump without parameter counts)."""
    return {c.name for c in columns.COLUMNS
            if c.data and c.data in caps.coverage and caps.coverage[c.data] < MIN_SHARE}  # fmt: skip


def _results(kind: Kind, answer: source.Answer, page: int, offered: Capabilities, per: int) -> Any:
    """The results: caption, the table's tools (columns, rows per page, export), the table, what ticking does,
    the pager; returns the container the detail goes in (right under them, above the charts)."""
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
        _pager(kind, page, result, per)
        return None

    first = q.offset + 1
    last = q.offset + len(result.items)
    more = " – more on the next page" if result.has_more else ""
    folded = f" · {result.folded:,} derivatives folded under their base" if result.folded else ""
    # the search text came from a person or a link: its Markdown is escaped
    st.caption(f"{md_escape(q.describe(result.total, words=True))} · showing {first:,}–{last:,}{more}{folded}")
    lacks = answering.missing_data()
    if lacks:
        st.caption(md_escape(f"{answer.source.label.capitalize()}'s {plural(kind)} have no {', '.join(lacks)}: those "
                             "sorts, filters and columns are left out."))  # fmt: skip

    frame = results_frame(result.items, hub_cache.client().endpoint, kind)
    hidden = _hidden_columns(answering)
    shown = visible_columns(kind, q.sort, frame)
    _tools(kind, answer, answering, [c for c in columns.choosable(kind) if c not in hidden], shown)
    chosen = st.session_state.get(key("cols"))
    order = [c for c in visible_columns(kind, q.sort, frame, chosen) if c not in hidden]
    ids = [r.id for r in result.items]
    if st.session_state.pop(key("sync_table"), False):  # the URL changed from outside: the table follows it
        open_now = st.session_state.get(key("repo"))
        cells = [[ids.index(open_now), "name"]] if open_now in ids else []
        st.session_state[key("table")] = {"selection": {**_NO_SELECTION, "cells": cells}}
        st.session_state[key("table_baseline")] = None
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=min(len(frame), PAGE_SIZE) * ROW_HEIGHT + ROW_HEIGHT + 3,  # up to 25 rows visible, then it scrolls
        on_select="rerun",
        selection_mode=["multi-row", "single-cell"],  # tick several to compare or add to a list; click a name
        key=key("table"),
        column_order=order,
        column_config=_column_config(kind, ids, order, [str(t) for t in frame["task"]] if "task" in frame else []),
        placeholder="–",  # an unknown value (a date a dump lacks) reads as a dash, not "None"
    )
    rows = list(event.selection.rows) if event is not None else []
    cells = [tuple(c) for c in event.selection.cells] if event is not None else []
    now = (rows, cells[0] if cells else None)
    baseline = st.session_state.get(key("table_baseline"))
    if baseline is None:
        st.session_state[key("table_baseline")] = now  # selection carried over from an older table
    elif now != baseline:
        st.session_state[key("table_baseline")] = now
        st.session_state[key("repo")] = opened(now, baseline, ids, st.session_state.get(key("repo")))
    matched(result)
    _selected_actions(kind, result, rows)
    with st.empty().container():  # one place whether or not there are pages: the charts below keep theirs
        _pager(kind, page, result, per)
    slot = st.container(key=f"{kind}-detail")
    charts_panel(kind, q, result, answer.source, offered)
    return slot


def opened(now: tuple[list[int], tuple[int, str] | None], before: tuple[list[int], tuple[int, str] | None],
           ids: list[str], open_now: str | None) -> str | None:  # fmt: skip
    """Which repo the details show after the table's selection changed: a cell just clicked opens its row (not the
    Hub link's); otherwise the ticks decide (`opened_row`)."""
    (rows, cell), (before_rows, before_cell) = now, before
    if cell is not None and cell != before_cell and cell[1] != "url" and 0 <= cell[0] < len(ids):
        return ids[cell[0]]
    if rows != before_rows:
        return opened_row(rows, before_rows, ids, open_now)
    return open_now


def matched(result: SearchResult) -> None:
    """Under the table of a search by words: where each repo matched, the matched words highlighted (a table
    cell is plain text and cannot mark words, so these are lines of their own, in the table's order)."""
    lines = [f"**{md_escape(r.id)}** · {snippet_markdown(result.snippets[r.id])}" for r in result.items
             if r.id in result.snippets]  # fmt: skip
    if lines:
        with st.container(key="matched_words"):
            st.caption("Where the words matched")
            st.markdown("  \n".join(lines))


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


def _close(kind: Kind) -> None:
    """The detail's Close button: no repo open, the clicked cell let go (ticks for comparing stay)."""
    key = lambda name: state.widget_key(kind, name)
    st.session_state[key("repo")] = None
    table = st.session_state.get(key("table"))
    ticked = list(table["selection"]["rows"]) if isinstance(table, dict) and "selection" in table else []
    st.session_state[key("table")] = {"selection": {**_NO_SELECTION, "rows": ticked}}
    st.session_state[key("table_baseline")] = None


#: Brings the detail's top into view when it opens where the person does not see it: it is placed a third of the way
#: down the window, so that the end of the results stays in sight above it (tried a few times: the detail is still
#: being drawn). No value from outside is in it.
_SCROLL = """<script>
(() => {{
  let tries = 0;
  const scroller = (el) => {{
    for (let p = el.parentElement; p; p = p.parentElement) {{
      const style = getComputedStyle(p);
      if (/(auto|scroll)/.test(style.overflowY) && p.scrollHeight > p.clientHeight) return p;
    }}
    return document.scrollingElement;
  }};
  const go = () => {{
    const el = document.querySelector(".st-key-{anchor}");
    if (el) {{
      const top = el.getBoundingClientRect().top;
      if (top >= 0 && top < window.innerHeight * 0.6) return;
      scroller(el).scrollBy({{top: top - window.innerHeight / 3, behavior: "instant"}});
    }}
    if (++tries < 12) setTimeout(go, 150);
  }};
  setTimeout(go, 50);
}})();
</script>"""


def _detail_panel(kind: Kind, repo: str, detail: Callable[[str], None]) -> None:
    """The open repo's details, framed, with a Close button; scrolled into view when it has just opened."""
    key = lambda name: state.widget_key(kind, name)
    anchor = f"{kind}-detail"
    if st.session_state.get(key("scrolled_to")) != repo:
        st.session_state[key("scrolled_to")] = repo
        st.html(_SCROLL.format(anchor=re.sub(r"[^\w-]", "", anchor)), unsafe_allow_javascript=True)
    with st.container():
        bar = st.container(horizontal=True, vertical_alignment="center")
        bar.caption(f"Details of {md_escape(repo)} · Back in the browser returns to these results")
        bar.button("Close", key=key("close_detail"), icon=":material/close:", type="tertiary", on_click=_close,
                   args=(kind,), help="Close the details (the results stay as they are)")
        detail(repo)


def _tools(kind: Kind, answer: source.Answer, answering: Capabilities, offered: list[str], shown: list[str]) -> None:
    """Above the table: which columns, rows per page, and the export of every match."""
    key = lambda name: state.widget_key(kind, name)
    bar = st.container(horizontal=True, gap="small", vertical_alignment="center")
    with bar.popover("Columns", icon=":material/view_column:", help="Choose the table's columns (kept in the URL)"):
        chosen = st.session_state.get(key("cols"))
        st.session_state[key("cols_pick")] = [c for c in offered if c in (chosen if chosen is not None else shown)]
        st.pills("Columns", offered, selection_mode="multi", key=key("cols_pick"), on_change=_cols_changed,
                 args=(kind, tuple(c for c in offered if c in shown)), label_visibility="collapsed",
                 format_func=lambda c: columns.BY_NAME[c].label)  # fmt: skip
        st.caption("The name is always shown.")
    bar.selectbox("Rows per page", PAGE_SIZES, key=key("per"), on_change=_per_changed, args=(kind,), width=170,
                  format_func=lambda n: f"{n} rows a page", label_visibility="collapsed",
                  help="Rows per page (kept in the URL)")  # fmt: skip
    _export(kind, answer, answering, bar)


def _cols_changed(kind: Kind, defaults: tuple[str, ...]) -> None:
    picked = tuple(st.session_state.get(state.widget_key(kind, "cols_pick")) or ())
    same = set(picked) == set(defaults)
    st.session_state[state.widget_key(kind, "cols")] = None if same else picked


def _export(kind: Kind, answer: source.Answer, answering: Capabilities, container: Any) -> None:
    """CSV and Parquet of every match (up to the source's cap), made when a button is clicked."""
    result = answer.result
    query = result.query.replace(offset=0)
    cap = exports.cap_for(answering.counts_matches)
    search = source.exporter(answer.source)
    endpoint = hub_cache.client().endpoint
    about = query.describe(result.total)

    def make(fmt: str) -> Callable[[], bytes]:
        def build() -> bytes:
            got = exports.collect(search, query, cap)
            frame = exports.export_frame(got.records, kind, endpoint)
            note = got.note()
            if fmt == "csv":
                return exports.to_csv(frame)
            return exports.to_parquet(frame, about=f"{about}. {note}" if note else about)

        return build

    with container.popover("Export", icon=":material/download:", help="Every match, not only this page"):
        st.caption(md_escape(exports.planned_note(result.total, cap)))
        row = st.container(horizontal=True, gap="small")
        stem = re.sub(r"[^\w.-]+", "-", f"{kind}-{query.text}".strip("-"))[:60].strip("-") or kind
        for fmt, (label, mime) in exports.FORMATS.items():
            row.download_button(label, make(fmt), file_name=f"{stem}.{fmt}", mime=mime, key=state.widget_key(
                kind, f"export:{fmt}"), on_click="ignore", icon=":material/download:")  # fmt: skip


def _selected_actions(kind: Kind, result: SearchResult, rows: list[int]) -> None:
    """Under a results table: what ticking rows does, "Compare selected" for 2 to 6 ticked models, and "Add
    selected to a list" for any ticked rows."""
    chosen = [result.items[r].id for r in rows if r < len(result.items)]
    if kind == "models":
        st.caption("Click a name to see its details; tick 2 to 6 rows to compare them side by side, or any to add "
                   "them to a shortlist.")
    else:
        st.caption("Click a name to see its details; tick several rows to add them to a shortlist.")
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


#: Each column's width in pixels (the name's and the task's are fitted to the page: `lib.tables`).
_WIDTHS: dict[str, int] = {"url": 40, "task": 135, "library": 100, "params": 62, "size": 110, "sdk": 80, "stage": 110,
                           "hardware": 100, "license": 110, "gated": 66, "downloads": 80, "share": 80, "likes": 58,
                           "created": 92, "updated": 92}  # fmt: skip


def _column_config(kind: Kind, ids: list[str], shown: list[str], tasks: list[str]) -> dict[str, object]:
    cc = st.column_config
    label = lambda name: columns.BY_NAME[name].label
    helps = lambda name: columns.BY_NAME[name].help or None
    widths = dict(_WIDTHS)
    others = sum(widths.get(c, 0) for c in shown if c != "task") + 34  # and the tick box
    if "task" in shown:
        name_w, widths["task"] = name_and_task_widths(ids, tasks, others)
    else:
        name_w = name_width(ids, others)
    width = widths.__getitem__
    return {
        "name": cc.TextColumn(_NOUN[kind].capitalize(), width=name_w, help=helps("name")),
        "url": cc.LinkColumn(label("url"), display_text=":material/open_in_new:", width=width("url"), help=helps("url")),
        "task": cc.TextColumn("Task" if kind == "models" else "Tasks", width=width("task")),
        "library": cc.TextColumn(label("library"), width=width("library")),
        "params": cc.TextColumn(label("params"), width=width("params"), help=helps("params")),
        "size": cc.TextColumn(label("size"), width=width("size"), help=helps("size")),
        "sdk": cc.TextColumn(label("sdk"), width=width("sdk")),
        "stage": cc.TextColumn(label("stage"), width=width("stage")),
        "hardware": cc.TextColumn(label("hardware"), width=width("hardware")),
        "license": cc.TextColumn(label("license"), width=width("license"), help=helps("license")),
        "gated": cc.TextColumn(label("gated"), width=width("gated"), help=helps("gated")),
        "downloads": cc.NumberColumn(label("downloads"), format="compact", width=width("downloads"),
                                     help=helps("downloads")),
        "share": cc.ProgressColumn(label("share"), format="percent", min_value=0.0, max_value=1.0,
                                   width=width("share"), help=helps("share")),
        "likes": cc.NumberColumn(label("likes"), format="compact", width=width("likes")),
        "created": cc.DatetimeColumn(label("created"), format="YYYY-MM-DD", width=width("created")),
        "updated": cc.DatetimeColumn(label("updated"), format="distance", width=width("updated")),
    }  # fmt: skip


def _pager(kind: Kind, page: int, result: SearchResult, per: int) -> None:
    """Previous, the page (a number to type: any page with the catalog, which knows the last one; the live Hub's
    first `MAX_PAGE`), Next."""
    key = lambda name: state.widget_key(kind, name)
    last = math.ceil(result.total / per) if result.total is not None else None
    if page == 1 and not result.has_more:
        return
    most = max(last or 1, page) if last is not None else MAX_PAGE
    left, mid, right = st.columns([1, 2, 1], vertical_alignment="center")
    left.button(
        "Previous", icon=":material/chevron_left:", disabled=page <= 1, key=key("prev"),
        on_click=_turn_page, args=(kind, -1),
    )
    with mid.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.session_state[key("page_input")] = page
        st.number_input("Page", min_value=1, max_value=most, step=1, key=key("page_input"), on_change=_jump,
                        args=(kind,), width=140, label_visibility="collapsed",
                        help="Type a page number and press Enter")  # fmt: skip
        st.caption(f"of {last:,}" if last is not None else f"Page {page} · the live Hub lists at most {MAX_PAGE} pages")
    right.button(
        "Next", icon=":material/chevron_right:", disabled=not result.has_more or (last is None and page >= MAX_PAGE),
        key=key("next"), on_click=_turn_page, args=(kind, 1),
    )
