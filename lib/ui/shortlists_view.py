"""The Shortlists page: every team shortlist, one list's items as a table with actions in place, its history, the
exports, "Compare these" and a link that shares it (`?list=<name>`).

```
render()
  who()                                       the name typed once per session (lib.ui.add_to_list.who)
  _open_list(names)                           ?list= when it changed from outside (a shared link), else the session's
  top bar: the list picker, New list
  no list open: every list as a table
  a list open: header (All lists), actions (Compare these, CSV, Markdown, Share, Edit list: outside the fragment)
    _records(items, ask_again=True)           the items' key facts; a run of the whole page asks failed ones again
    _live(name)   fragment, every REFRESH_S: asks the store for the list's version (one row); only when it changed
                  reads the list and its history again; draws the description, what went wrong reading the key
                  facts (_record_trouble), the items table, the open item's panel (vote, status, note, remove) and
                  the history
```

Key facts (downloads, likes, licence...) come from the Hub, or the local catalog, and are kept in the session
(`RECORDS`, for the settings' endpoint and token). When the Hub fails on them, the failure goes to `TROUBLE` and the
last good figures stay in the table: said once per kind of failure, naming the items it hit (a repo the Hub no longer
has is named alone, not taken for an outage), marked stale ("Stale (...): from HH:MM"), with one Retry and a
countdown that runs from the failure (the fragment redraws it every `REFRESH_S` without starting it over). Failed
ones are asked again by a run of the whole page (the countdown, Retry, any action outside the fragment), else after a
minute (or the Hub's longer wait): the fragment's own reruns never hammer a failing Hub. Votes, status, notes and the
exports are the store's and keep working meanwhile.

Live without losing what is typed: the fragment reruns alone (the page around it stays), and its widgets keep their
state across its reruns; the note box is never overwritten by someone else's save. When the note changed since the
person opened it, their box keeps their text, the other text is shown beside it as text, and saving is refused
(`NoteConflictError`) until they choose "Use theirs" or "Save mine anyway".

Everything people typed (list names, descriptions, notes, user names) is shown as text: dataframe cells,
`st.text`, or Markdown-escaped.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from lib.catalog import Catalog
from lib.compare import MAX_MODELS
from lib.errors import HubExplorerError, HubUnavailableError, InvalidQueryError, NotFoundError, RateLimitedError
from lib.format import md_escape
from lib.query import Kind
from lib.records import RepoRecord
from lib.shortlists import (
    STATUSES,
    Change,
    Item,
    NoteConflictError,
    Shortlist,
    ShortlistNotFoundError,
    to_csv,
    to_markdown,
    validate_description,
    validate_list_name,
)
from lib.shortlists.publish import MAX_NOTE as PUBLISH_NOTE_MAX
from lib.shortlists.publish import MAX_TITLE, can_publish, publish
from lib.shortlists.records import KIND_WORDS
from lib.shortlists.table import (
    SORT_LABELS,
    SORTS,
    compare_models,
    export_facts,
    items_frame,
    share_query,
    sort_items,
)
from lib.store.schema import MAX_DESCRIPTION, MAX_LIST_NAME, MAX_NOTE, MAX_USER
from lib.ui import compare_view, hub_cache, identity, nav, source, stale
from lib.ui.add_to_list import signing_in, store, who
from lib.ui.components import retry_controls, show_error

REFRESH_S = 2.0  # how often the open list asks the store whether it changed
LIVE_KEY = "shortlists-live"  # the fragment's name
OPEN = "shortlists:open"  # the open list's name
URL_SEEN = "shortlists:url"  # the ?list= value last read or written
PICK = "shortlists:pick"  # the list picker
DATA = "shortlists:data"  # the open list as last read: Loaded
ITEM = "shortlists:item"  # the open item's id
FLASH = "shortlists:flash"  # a message about the page's last action
LIVE_FLASH = "shortlists:live_flash"  # ... and about the last action in the fragment
RECORDS = "shortlists:records"  # (kind, repo) -> (last good record or None, monotonic time read): key facts
TROUBLE = "shortlists:trouble"  # (kind, repo) -> Trouble: the last read failed, or the catalog stood in
RECORDS_FOR = "shortlists:records_for"  # whose answers RECORDS holds (hub_cache.answers_key: endpoint, token's print)
RECORDS_RETRY = "shortlists:records_retry"  # the Retry button (and countdown) of the key facts
SORT = "shortlists:sort"
GO_COMPARE = "shortlists:go_compare"  # "Compare these" was clicked: these models
RECORD_RETRY_S = 60.0  # a repo that could not be read is asked again after this long (or at the next full run)
RECORD_KEEP_S = 600.0  # ... one that could, after this long (the cache boundary keeps answers 5 minutes anyway)
HISTORY_SHOWN = 200
TABLE_MAX_ROWS = 15  # rows shown before the items table scrolls
ROW_HEIGHT = 35
NO_NAME = "Say who you are first (your name, or sign in): changes are made under your name."


@dataclass(frozen=True)
class Loaded:
    """The open list as the page last read it."""

    name: str
    version: int
    shortlist: Shortlist
    history: tuple[Change, ...]


# --- small helpers -----------------------------------------------------------------------------------------------


def _flash(level: str, message: str | HubExplorerError, *, live: bool = False) -> None:
    st.session_state[LIVE_FLASH if live else FLASH] = (level, message)


def _show_flash(*, live: bool = False) -> None:
    level, message = st.session_state.pop(LIVE_FLASH if live else FLASH, (None, None))
    if isinstance(message, HubExplorerError):
        show_error(message)
    elif level == "success":
        st.success(message, icon=":material/check_circle:")
    elif level == "info":
        st.info(message, icon=":material/info:")
    elif level == "warning":
        st.warning(message, icon=":material/warning:")


def _when(when: Any) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when is not None else "–"


def _file_stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:60] or "shortlist"


def _set_open(name: str | None) -> None:
    st.session_state[OPEN] = name
    st.session_state.pop(ITEM, None)


def _write_url(name: str | None) -> None:
    st.session_state[URL_SEEN] = name
    if name:
        if st.query_params.get("list") != name:
            st.query_params["list"] = name
    elif "list" in st.query_params:
        del st.query_params["list"]


# --- which list is open ------------------------------------------------------------------------------------------


def _open_list(names: list[str]) -> str | None:
    """The URL's list when the URL changed from outside (a shared link, back/forward), else the session's; a name
    that is not a list is said, as text, and dropped from the URL."""
    raw = st.query_params.get("list")
    if raw is not None and raw != st.session_state.get(URL_SEEN):
        st.session_state[URL_SEEN] = raw
        if raw in names:
            _set_open(raw)
        else:
            _set_open(None)
            try:
                validate_list_name(raw)
                why = "There is no shortlist of that name on this server: a typo in the link, or it was deleted."
            except HubExplorerError as err:
                why = f"That is not a list name: {err}"
            shown = raw if len(raw) <= 80 else raw[:79] + "…"
            st.warning(f"Cannot open the list “{md_escape(shown)}”. {md_escape(why)}", icon=":material/link_off:")
    opened = st.session_state.get(OPEN)
    if opened is not None and opened not in names:
        st.info(f"The list “{md_escape(opened)}” no longer exists: someone deleted it.", icon=":material/info:")
        _set_open(None)
        opened = None
    _write_url(opened)
    return opened


def _picked() -> None:
    _set_open(st.session_state.get(PICK))


def _close() -> None:
    _set_open(None)


# --- reading the list and its repos --------------------------------------------------------------------------------


def _load(name: str) -> Loaded:
    """The open list: the session's copy while the store's version is the same, else read again."""
    lists = store()
    cached = st.session_state.get(DATA)
    if isinstance(cached, Loaded) and cached.name == name and lists.version(name) == cached.version:
        return cached
    shortlist = lists.get_list(name)
    history = lists.history(name, limit=HISTORY_SHOWN)
    loaded = Loaded(name, shortlist.version, shortlist, tuple(history))
    st.session_state[DATA] = loaded
    return loaded


@dataclass(frozen=True)
class Trouble:
    """Why an item's key facts are not the Hub's answer of now: asking failed with `error` (this session's last
    good record, if any, stands in, marked stale), or, when `stand_in`, the local catalog answered instead because
    the Hub failed with `error`. Either is asked again sooner than a good answer (`_due`)."""

    error: HubExplorerError
    at: float  # monotonic time of the failure
    stand_in: bool = False


def _fetch(kind: Kind, repo: str, use_catalog: bool, cat: Catalog | None) -> tuple[RepoRecord | None, Trouble | None]:
    """A repo's record from the answering source (None: the catalog does not hold it), with the trouble of asking:
    the failure (no record), or the Hub's failure when the local catalog's copy stands in for its answer. Runs in a
    worker thread: it reads no session state."""
    try:
        if use_catalog and cat is not None:
            return cat.get(kind, repo), None
        try:
            return hub_cache.info(kind, repo), None
        except HubUnavailableError as err:  # unreachable, slow, a server error: the catalog's copy, if it has one
            record = cat.get(kind, repo) if cat is not None and cat.has(kind) else None
            if record is None:
                raise
            return record, Trouble(err, time.monotonic(), stand_in=True)
    except HubExplorerError as err:
        return None, Trouble(err, time.monotonic())


def _due(key: tuple[Kind, str], memo: dict, trouble: dict, now: float, ask_again: bool) -> bool:
    """Whether an item's key facts are to be read (again) now."""
    had = trouble.get(key)
    if had is not None:  # failed, or the catalog stood in: at once when asked to, else after a minute or the Hub's wait
        wait = RECORD_RETRY_S
        if isinstance(had.error, RateLimitedError) and had.error.retry_after:
            wait = max(wait, float(had.error.retry_after))
        return ask_again or now - had.at > wait
    if key not in memo:
        return True
    record, when = memo[key]
    return now - when > (RECORD_RETRY_S if record is None else RECORD_KEEP_S)


def _read_records(keys: list[tuple[Kind, str]], memo: dict, trouble: dict, use_catalog: bool, cat: Catalog | None,
                  *, ask_again: bool = False) -> None:
    """Read the key facts that are due into `memo` ((record, when read)) and what went wrong into `trouble`. A
    failure keeps the last good record in `memo`: it is shown, marked stale, until the Hub answers again.
    `ask_again`: the failed ones are due now (a run of the whole page: the countdown, Retry, an action outside the
    live part), not only after a minute (the live part's own reruns, every `REFRESH_S`, never hammer a failing
    Hub). Reads no session state (an export calls it while the file is made)."""
    now = time.monotonic()
    missing = [k for k in dict.fromkeys(keys) if _due(k, memo, trouble, now, ask_again)]
    if not missing:
        return
    with ThreadPoolExecutor(max_workers=min(len(missing), 6)) as pool:
        found = list(pool.map(lambda k: _fetch(k[0], k[1], use_catalog, cat), missing))
    for k, (record, why) in zip(missing, found, strict=True):
        if why is None or why.stand_in:
            memo[k] = (record, time.monotonic())
        elif isinstance(why.error, InvalidQueryError):  # the request itself is wrong: nothing stands in
            memo.pop(k, None)
        if why is None:
            trouble.pop(k, None)
        else:
            trouble[k] = why


def _source() -> tuple[bool, Catalog | None]:
    cat = source.catalog()
    return source.choice() == "catalog" and cat is not None, cat


def _memo() -> tuple[dict, dict]:
    """The session's key facts ((kind, repo) -> (record or None, when read)) and their troubles, for the app's
    settings of now: answers read with another token (or from another endpoint) are dropped, never shown."""
    whose = hub_cache.answers_key(hub_cache.settings())
    if st.session_state.get(RECORDS_FOR) != whose:
        st.session_state[RECORDS_FOR] = whose
        st.session_state[RECORDS] = {}
        st.session_state[TROUBLE] = {}
    return st.session_state.setdefault(RECORDS, {}), st.session_state.setdefault(TROUBLE, {})


def _records(items: tuple[Item, ...], *, ask_again: bool = False) -> dict[tuple[str, str], RepoRecord | None]:
    """Each item's record (the session keeps them; a failure is asked again on the next run of the whole page, or
    after a minute, and the last good record stands in meanwhile)."""
    memo, trouble = _memo()
    keys = [(i.kind, i.repo) for i in items]
    use_catalog, cat = _source()
    _read_records(keys, memo, trouble, use_catalog, cat, ask_again=ask_again)
    return {k: memo[k][0] for k in keys if k in memo}


def _names(repos: list[str], shown: int = 3) -> str:
    """`a`, `a and b`, `a, b and c`, `a, b, c and 4 more` (plain text)."""
    if len(repos) <= shown:
        return repos[0] if len(repos) == 1 else ", ".join(repos[:-1]) + " and " + repos[-1]
    return ", ".join(repos[:shown]) + f" and {len(repos) - shown} more"


def _wall_time(when: float) -> datetime:
    """A monotonic time as the server's local time."""
    return datetime.now().astimezone() - timedelta(seconds=max(0.0, time.monotonic() - when))


def _record_trouble(items: tuple[Item, ...]) -> None:
    """What went wrong reading the items' key facts, said once per kind of failure and naming the items it hit
    (a repo the Hub no longer has is named alone: the others are not affected); the last good figures, marked
    stale; one Retry and countdown for them all. The rest of the page (votes, status, notes, exports) is the
    store's and keeps working."""
    memo, trouble = _memo()
    hit = [(i, why) for i in items if (why := trouble.get((i.kind, i.repo))) is not None]
    if not hit:
        return
    stand_in = [i.repo for i, why in hit if why.stand_in]
    if stand_in:
        down = next(why.error for _, why in hit if why.stand_in)
        st.info(md_escape(f"{down.title}: the key facts of {_names(stand_in)} are the local catalog's copy; the Hub "
                          "is asked again within a minute."), icon=":material/cloud_off:")
    failed = [(i, why) for i, why in hit if not why.stand_in]
    if not failed:
        return
    by_kind: dict[type, list[tuple[Item, Trouble]]] = {}
    for i, why in failed:
        by_kind.setdefault(type(why.error), []).append((i, why))
    for group in by_kind.values():
        show_error(group[0][1].error, about=_names([i.repo for i, _ in group]))
    gone = [i.repo for i, why in failed if isinstance(why.error, NotFoundError)]
    if gone:
        st.caption(f"{md_escape(_names(gone))}: deleted, renamed or made private on the Hub? Then remove "
                   f"{'it' if len(gone) == 1 else 'them'} from the list (tick the row). The other items are not "
                   "affected.")
    kept = [(i, why, memo[(i.kind, i.repo)][1]) for i, why in failed
            if memo.get((i.kind, i.repo), (None, 0.0))[0] is not None]
    if kept:
        _, why, oldest = min(kept, key=lambda k: k[2])
        stale.show(stale.Stale(_wall_time(oldest), why.error), what=_names([i.repo for i, _, _ in kept]))
    first = next((why.error for _, why in failed if why.error.retryable), failed[0][1].error)
    retry_controls(first, RECORDS_RETRY, worked_before=bool(kept), since=max(why.at for _, why in failed))


# --- the page --------------------------------------------------------------------------------------------------------


def render() -> None:
    """The whole page."""
    go = st.session_state.pop(GO_COMPARE, None)
    if go:
        st.switch_page("pages/compare.py", query_params={"models": ",".join(go)})
    me = who()
    _show_flash()
    try:
        summaries = store().lists()
    except HubExplorerError as err:
        show_error(err)
        return
    names = [s.name for s in summaries]
    name = _open_list(names)
    _top_bar(names, name, me)
    if me is None:
        _ask_name()
    if name is None:
        _overview(summaries)
        return
    _list_page(name)


def _ask_name() -> None:
    """No name yet: lists can be read; to change them, a name (typed, or from signing in)."""
    with st.container(border=True):
        if identity.sidebar_shown():  # the app's "You" widget asks, at the top of the sidebar
            st.caption(("Sign in" if signing_in() else "Give your name") + " at the top of the sidebar to add, vote "
                       "and write notes. Lists can be read without.")
        elif signing_in():
            st.caption("Sign in to add, vote and write notes. Lists can be read without.")
            identity.sign_in_buttons("shortlists")
        else:
            st.caption("Lists can be read by anyone here. To add, vote and write notes, say who you are (once per "
                       "session; it is a name, not an account: anyone who types the same name is taken for you).")
            identity.ask_name("shortlists")


def _create() -> None:
    me = who()
    if me is None:
        _flash("warning", "Say who you are first: a list has an owner.")
        return
    try:
        made = store().create_list(st.session_state.get("shortlists:new_name", ""), user=me,
                                   description=st.session_state.get("shortlists:new_description", ""))
    except HubExplorerError as err:
        _flash("error", err)
        return
    st.session_state["shortlists:new_name"] = ""
    st.session_state["shortlists:new_description"] = ""
    _set_open(made.name)
    _flash("success", f"Made the list “{md_escape(made.name)}”. Add repos from a results table, a detail view or "
                      "the Compare page (“Add to a list”).")


def _top_bar(names: list[str], name: str | None, me: str | None) -> None:
    st.session_state[PICK] = name
    left, mid, right = st.columns([4, 1.2, 2], vertical_alignment="bottom")
    left.selectbox("Shortlist", names, key=PICK, on_change=_picked, placeholder="Choose a list",
                   disabled=not names, help="Every list on this server, the most recently changed first.")
    new = mid.popover("New list", icon=":material/add:", width="stretch", disabled=me is None,
                      help=NO_NAME if me is None else "Make a new, empty list (you are its owner).")
    with new, st.form("shortlists:new_form", border=False):
        st.text_input("Name", key="shortlists:new_name", max_chars=MAX_LIST_NAME, placeholder="e.g. support bot model")
        st.text_area("Description (optional)", key="shortlists:new_description", max_chars=MAX_DESCRIPTION,
                     placeholder="What is it for? What decides?")
        st.form_submit_button("Make the list", type="primary", on_click=_create, key="shortlists:create")
    if me is not None and not identity.sidebar_shown() and not signing_in():  # drawn alone: say who, here
        with right:
            who_col, change_col = st.columns([3, 2], vertical_alignment="center")
            who_col.caption(f"You are **{md_escape(me)}**")
            change_col.button("Change", key="shortlists:change_user", type="tertiary", on_click=identity.change_name,
                              args=("shortlists",), help="Use another name")


def _overview(summaries: list) -> None:
    if not summaries:
        st.info("No shortlists yet. Make one with “New list”, or tick rows in a results table (or open a model, "
                "dataset or Space, or the Compare page) and use “Add to a list”.", icon=":material/checklist:")
        return
    st.caption(f"{len(summaries)} list{'s' if len(summaries) != 1 else ''}; choose one above.")
    frame = pd.DataFrame([{"name": s.name, "description": " ".join(s.description.split()), "owner": s.owner,
                           "items": s.items, "updated": s.updated_at} for s in summaries])
    cc = st.column_config
    st.dataframe(frame, hide_index=True, width="stretch", key="shortlists:all", column_config={
        "name": cc.TextColumn("List", width="medium"), "description": cc.TextColumn("Description", width="large"),
        "owner": cc.TextColumn("Owner", width="small"), "items": cc.NumberColumn("Items", width="small"),
        "updated": cc.DatetimeColumn("Last change", format="YYYY-MM-DD HH:mm", width="small")})


def _list_page(name: str) -> None:
    try:
        loaded = _load(name)
    except ShortlistNotFoundError:
        st.info(f"The list “{md_escape(name)}” no longer exists: someone deleted it.", icon=":material/info:")
        _set_open(None)
        return
    except HubExplorerError as err:
        show_error(err)
        return
    shortlist = loaded.shortlist
    head, back = st.columns([5, 1], vertical_alignment="center")
    head.subheader(md_escape(shortlist.name), anchor=False)
    back.button("All lists", key="shortlists:close", icon=":material/arrow_back:", on_click=_close, type="tertiary")
    _actions(shortlist)
    _records(shortlist.items, ask_again=True)  # a run of the whole page asks failed ones again (the live part: not)
    _live(name)


# --- actions on the whole list (outside the fragment: they act on the list as it is in the store when clicked) ------


def _compare(name: str) -> None:
    """The "Compare these" callback: the list's models as it is now, in the table's order (at most MAX_MODELS);
    the page switches to the Compare page as it draws next."""
    try:
        fresh = store().get_list(name)
    except HubExplorerError as err:
        _flash("error", err)
        return
    sort = st.session_state.get(SORT) or "votes"
    items = sort_items(fresh.items, sort, _records(fresh.items) if sort == "downloads" else None)
    ids, _ = compare_models(items)
    if not ids:
        _flash("info", "This list has no models to compare.")
        return
    st.session_state[compare_view.KEY] = ids
    st.session_state[GO_COMPARE] = ids


def _export(name: str, fmt: str, use_catalog: bool, cat: Catalog | None, memo: dict, trouble: dict, endpoint: str):
    """The file's text, made when its button is clicked, from the list as it is then (key facts the Hub fails on
    now: the last good ones, else blank)."""

    def make() -> str:
        lists = store()
        shortlist = lists.get_list(name)
        _read_records([(i.kind, i.repo) for i in shortlist.items], memo, trouble, use_catalog, cat)
        facts = export_facts(shortlist, {k: v[0] for k, v in dict(memo).items()})
        if fmt == "csv":
            return to_csv(shortlist, facts)
        return to_markdown(shortlist, lists.history(name), facts, endpoint=endpoint)

    return make


def _share_url(name: str) -> str:
    try:
        base = st.context.url
    except Exception:  # noqa: BLE001 - no browser context (a test run)
        base = None
    return f"{base or '/shortlists'}?{share_query(name)}"


def _actions(shortlist: Shortlist) -> None:
    name = shortlist.name
    models = [i for i in shortlist.items if i.kind == "models"]
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    row.button("Compare these", key="shortlists:compare", icon=":material/compare_arrows:", disabled=not models,
               on_click=_compare, args=(name,),
               help=(f"Opens the Compare page with the list's models in the table's order (at most {MAX_MODELS})."
                     if models else "The list has no models."))
    use_catalog, cat = _source()
    memo, trouble = _memo()
    endpoint = hub_cache.settings().endpoint
    stem = _file_stem(name)
    row.download_button("CSV", data=_export(name, "csv", use_catalog, cat, memo, trouble, endpoint),
                        file_name=f"{stem}.csv",
                        mime="text/csv", icon=":material/download:", key="shortlists:csv", on_click="ignore",
                        help="One row per item with its key facts (task, downloads, likes, license, parameters).")
    row.download_button("Decision record", data=_export(name, "md", use_catalog, cat, memo, trouble, endpoint),
                        file_name=f"{stem}.md", mime="text/markdown", icon=":material/download:", key="shortlists:md",
                        on_click="ignore", help="Markdown for meeting notes: the decision, each item with its "
                        "votes, note and key facts, and the recent history.")
    with row.popover("Share", icon=":material/link:"):
        st.caption("Anyone on this server with this link opens the list (and sees its changes as they happen):")
        st.code(_share_url(name), language=None, wrap_lines=True)
    _edit_popover(row, shortlist)
    _publish_popover(row, shortlist)
    if len(models) > MAX_MODELS:
        st.caption(f"“Compare these” takes the first {MAX_MODELS} of the list's {len(models)} models, in the "
                   "table's order.")


def _edit_key(shortlist: Shortlist, what: str) -> str:
    return f"shortlists:edit:{shortlist.id}:{what}"


def _save_meta(name: str, list_id: int) -> None:
    me = who()
    if me is None:
        _flash("warning", NO_NAME)
        return
    key = lambda what: f"shortlists:edit:{list_id}:{what}"
    lists = store()
    try:
        current = lists.get_list(name)
        text = validate_description(st.session_state.get(key("description"), ""))
        base = st.session_state.get(key("base"), current.description)
        if current.description != base and text != current.description:
            st.session_state[key("base")] = current.description
            _flash("warning", "Someone changed the description since you opened it; yours was not saved. Theirs "
                              f"is now shown on the page: “{md_escape(current.description)}”. Save again to "
                              "replace it with yours.")
            return
        lists.describe_list(name, text, user=me)
        st.session_state[key("base")] = text
        owner = st.session_state.get(key("owner"), current.owner)
        if owner.strip() and owner.strip() != current.owner:
            lists.set_owner(name, owner, user=me)
    except HubExplorerError as err:
        _flash("error", err)
        return
    _flash("success", "Saved.")


def _delete(name: str) -> None:
    me = who()
    if me is None:
        return
    try:
        store().delete_list(name, user=me)
    except HubExplorerError as err:
        _flash("error", err)
        return
    _set_open(None)
    _flash("success", f"Deleted the list “{md_escape(name)}”.")


def _edit_popover(row: Any, shortlist: Shortlist) -> None:
    me = who()
    key = lambda what: _edit_key(shortlist, what)
    if key("description") not in st.session_state:
        st.session_state[key("description")] = shortlist.description
        st.session_state[key("base")] = shortlist.description
    if key("owner") not in st.session_state:
        st.session_state[key("owner")] = shortlist.owner
    with row.popover("Edit list", icon=":material/edit:", disabled=me is None,
                     help=NO_NAME if me is None else "Description and owner"):
        with st.form(key("form"), border=False):
            st.text_area("Description", key=key("description"), max_chars=MAX_DESCRIPTION)
            st.text_input("Owner", key=key("owner"), max_chars=MAX_USER, help="A name, as everywhere here.")
            st.form_submit_button("Save", type="primary", on_click=_save_meta, args=(shortlist.name, shortlist.id),
                                  key=key("save"))
        if me == shortlist.owner:
            st.divider()
            sure = st.checkbox("Delete this list, its items and its history", key=key("sure"))
            st.button("Delete the list", key=key("delete"), disabled=not sure, on_click=_delete,
                      args=(shortlist.name,), icon=":material/delete:")


# --- publishing as a Hugging Face Collection -------------------------------------------------------------------------


def _pub_key(list_id: int, what: str) -> str:
    return f"shortlists:publish:{list_id}:{what}"


def _typed_token(list_id: int) -> str | None:
    """The token typed for this list's publication (None: the app's own), taken out of the box: it is used for one
    call and kept nowhere (not in the session, the store, a message or a log)."""
    key = _pub_key(list_id, "token")
    typed = (st.session_state.get(key) or "").strip()
    st.session_state[key] = ""
    return typed or None


def _check_access(list_id: int) -> None:
    """"Check access": `can_publish` with the typed token (or the app's), said as a sentence."""
    token = _typed_token(list_id)
    namespace = (st.session_state.get(_pub_key(list_id, "namespace")) or "").strip() or None
    try:
        access = can_publish(hub_cache.client(), token, namespace=namespace)
    except HubExplorerError as err:
        st.session_state[_pub_key(list_id, "said")] = err
        return
    st.session_state[_pub_key(list_id, "said")] = ("ok" if access.ok else "no", access.reason)


def _publish(name: str, list_id: int) -> None:
    """"Publish": the list as it is now, as a Collection; the collection's address (or what went wrong)."""
    token = _typed_token(list_id)
    key = lambda what: _pub_key(list_id, what)
    namespace = (st.session_state.get(key("namespace")) or "").strip() or None
    try:
        result = publish(store().get_list(name), api=hub_cache.client(), namespace=namespace,
                         title=st.session_state.get(key("title")) or name, private=bool(st.session_state.get(
                             key("private"), True)), notes=bool(st.session_state.get(key("notes"), True)),
                         token=token)
    except HubExplorerError as err:
        st.session_state[key("said")] = err
        return
    summary = result.summary().replace(f" at {result.url}.", ".", 1)  # the address is the button below
    st.session_state[key("said")] = ("published", summary, result.url)


def _publish_said(said: Any) -> None:
    if isinstance(said, HubExplorerError):  # every part as text: the title and the hint's suggestion are typed
        hint = f"\n\n{md_escape(said.hint)}" if said.hint else ""
        st.error(f"**{md_escape(said.title)}.** {md_escape(str(said))}{hint}", icon=":material/error:")
        url = getattr(said, "url", None)
        if url:
            st.link_button("Open the existing collection", url, icon=":material/open_in_new:")
        return
    if said[0] == "published":
        st.success(md_escape(said[1]), icon=":material/check_circle:")
        st.link_button("Open the collection", said[2], icon=":material/open_in_new:", type="primary")
    elif said[0] == "ok":
        st.success(md_escape(said[1]), icon=":material/key:")
    else:
        st.warning(md_escape(said[1]), icon=":material/key_off:")


def _publish_popover(row: Any, shortlist: Shortlist) -> None:
    key = lambda what: _pub_key(shortlist.id, what)
    has_token = bool(hub_cache.settings().token)
    st.session_state.setdefault(key("title"), shortlist.name)
    with row.popover("Publish", icon=":material/publish:", disabled=not shortlist.items,
                     help="Publish the list as a Hugging Face Collection" if shortlist.items else "The list is empty."):
        said = st.session_state.pop(key("said"), None)
        with st.form(key("form"), border=False, enter_to_submit=False):
            st.text_input("Collection title", key=key("title"), max_chars=MAX_TITLE)
            st.text_input("Namespace", key=key("namespace"), max_chars=96, placeholder="the token's user",
                          help="Your user name, or an organisation where you may create collections.")
            left, right = st.columns(2)
            left.checkbox("Private", key=key("private"), value=True)
            right.checkbox("With the notes", key=key("notes"), value=True,
                           help=f"Each item's note, cut to {PUBLISH_NOTE_MAX} characters (the Hub's limit).")
            st.text_input("Hugging Face token", key=key("token"), type="password", placeholder="hf_…",
                          help="Used for this one publication and kept nowhere: not in the database, the URL, the "
                          "page or a log. It needs write access: a “write” token, or a fine-grained one with "
                          "collection.write.")
            st.caption("Leave the token empty to publish with the app's own token, if it may write."
                       if has_token else "The app has no token of its own: type one with write access.")
            check, go = st.columns(2)
            check.form_submit_button("Check access", key=key("check"), on_click=_check_access, args=(shortlist.id,),
                                     width="stretch")
            go.form_submit_button("Publish", key=key("go"), type="primary", on_click=_publish,
                                  args=(shortlist.name, shortlist.id), width="stretch", icon=":material/publish:")
        if said is not None:
            _publish_said(said)


# --- the live part --------------------------------------------------------------------------------------------------


@st.fragment(run_every=REFRESH_S, key=LIVE_KEY)
def _live(name: str) -> None:
    """The list as it is now: description, items, the open item's panel, history. Reads the list again only when
    its version changed."""
    try:
        loaded = _load(name)
    except ShortlistNotFoundError:
        st.warning("This list was just deleted by someone.", icon=":material/delete:")
        return
    except HubExplorerError as err:
        show_error(err)
        return
    shortlist, me = loaded.shortlist, who()
    if shortlist.description:
        st.text(shortlist.description)
    n = len(shortlist.items)
    st.caption(f"Owner **{md_escape(shortlist.owner)}** · {n} item{'s' if n != 1 else ''} · last change "
               f"{_when(shortlist.updated_at)}")
    _show_flash(live=True)
    if not shortlist.items:
        st.info("Nothing on this list yet: tick rows in a results table, or open a model, dataset or Space (or the "
                "Compare page), and use “Add to a list”.", icon=":material/playlist_add:")
    else:
        item = _items(shortlist, me)
        if item is not None:
            _item_panel(shortlist, item, me)
    _history(loaded.history, shortlist.version)


def _table_key(shortlist: Shortlist) -> str:
    return f"shortlists:table:{shortlist.id}:{st.session_state.get('shortlists:table_gen', 0)}"


def _rows(state: Any) -> list[int]:
    try:
        return list(state["selection"]["rows"])
    except (KeyError, TypeError):
        return []


def _items(shortlist: Shortlist, me: str | None) -> Item | None:
    """The items table (sorted as asked), under what went wrong reading the items' key facts; the item whose row
    is ticked, followed across reorderings."""
    records = _records(shortlist.items)
    _record_trouble(shortlist.items)
    if st.session_state.get(SORT) not in SORTS:
        st.session_state[SORT] = "votes"
    st.segmented_control("Sort by", SORTS, key=SORT, format_func=SORT_LABELS.__getitem__)
    sort = st.session_state.get(SORT) or "votes"
    items = sort_items(shortlist.items, sort, records)
    ids = [i.id for i in items]

    # Which item is open: a tick the person changed since the last draw opens that row's item (in the order it
    # was drawn); otherwise the open item stays open wherever its row moved (someone voted, a new item).
    key = _table_key(shortlist)
    ticked = _rows(st.session_state.get(key))
    drawn_ids = st.session_state.get("shortlists:drawn_ids", [])
    if ticked != st.session_state.get("shortlists:drawn_rows", []):
        row = ticked[0] if ticked else None
        st.session_state[ITEM] = drawn_ids[row] if row is not None and row < len(drawn_ids) else None
    open_id = st.session_state.get(ITEM)
    if open_id is not None and open_id not in ids:
        st.session_state[ITEM] = open_id = None
        _flash("info", "The item you had open was removed from the list.", live=True)
    want = [ids.index(open_id)] if open_id is not None else []
    if want != ticked and key in st.session_state:  # the open row moved: a new table, ticked where it is now
        st.session_state["shortlists:table_gen"] = st.session_state.get("shortlists:table_gen", 0) + 1
        key = _table_key(shortlist)
    st.session_state["shortlists:drawn_ids"] = ids
    st.session_state["shortlists:drawn_rows"] = want

    frame = items_frame(items, records, endpoint=hub_cache.settings().endpoint, me=me)
    cc = st.column_config
    st.dataframe(
        frame, hide_index=True, width="stretch", key=key, on_select="rerun", selection_mode="single-row",
        selection_default={"selection": {"rows": want}} if want else None,
        height=min(len(frame), TABLE_MAX_ROWS) * ROW_HEIGHT + ROW_HEIGHT + 3, placeholder="–",
        column_order=["repo", "status", "votes", "voters", "note", "downloads", "likes", "kind", "added_by",
                      "added_at"],
        column_config={
            "repo": cc.LinkColumn("Repo", display_text=r"^https?://[^/]+/(?:datasets/|spaces/)?(.*)$", width="medium"),
            "kind": cc.TextColumn("Kind", width="small"),
            "status": cc.TextColumn("Status", width="small"),
            "votes": cc.NumberColumn("Votes", width="small"),
            "voters": cc.TextColumn("Voters", width="small"),
            "downloads": cc.NumberColumn("Downloads", format="compact", width="small",
                                         help="Last 30 days; a dash when unknown (Spaces have none)"),
            "likes": cc.NumberColumn("Likes", format="compact", width="small"),
            "note": cc.TextColumn("Note", width="medium"),
            "added_by": cc.TextColumn("Added by", width="small"),
            "added_at": cc.DatetimeColumn("Added", format="YYYY-MM-DD HH:mm", width="small"),
        },
    )
    if open_id is None:
        st.caption("Tick a row to vote, set its status, edit its note or remove it.")
        return None
    return next(i for i in items if i.id == open_id)


# --- one item's actions ------------------------------------------------------------------------------------------


def _note_key(item: Item) -> str:
    return f"shortlists:note:{item.id}"


def _act(fn, *args: Any, done: str | None = None, **kwargs: Any) -> bool:
    """Run one change as who(); say how it went in the fragment. Whether it was made."""
    me = who()
    if me is None:
        _flash("warning", NO_NAME, live=True)
        return False
    try:
        fn(*args, user=me, **kwargs)
    except HubExplorerError as err:
        _flash("error", err, live=True)
        return False
    if done:
        _flash("success", done, live=True)
    return True


def _vote(name: str, item: Item, voting: bool) -> None:
    lists = store()
    _act(lists.vote if voting else lists.unvote, name, item.repo, kind=item.kind)


def _status(name: str, item: Item) -> None:
    chosen = st.session_state.get(f"shortlists:status:{item.id}")
    if chosen in STATUSES and chosen != item.status:
        _act(store().set_status, name, item.repo, chosen, kind=item.kind)


def _remove(name: str, item: Item) -> None:
    if _act(store().remove_item, name, item.repo, kind=item.kind,
            done=f"Removed {md_escape(item.repo)}; its note stays readable in the history."):
        st.session_state.pop(ITEM, None)


def _save_note(name: str, item: Item) -> None:
    key = _note_key(item)
    version, _ = st.session_state.get(f"{key}:base", (item.note_version, item.note))
    me = who()
    if me is None:
        _flash("warning", NO_NAME, live=True)
        return
    try:
        saved = store().set_note(name, item.repo, st.session_state.get(key, ""), user=me,
                                 expected_version=version, kind=item.kind)
    except NoteConflictError as err:
        st.session_state[f"{key}:conflict"] = {"current": err.current, "version": err.version, "by": err.by,
                                               "at": err.at}
        return
    except HubExplorerError as err:
        _flash("error", err, live=True)
        return
    st.session_state.pop(f"{key}:conflict", None)
    st.session_state[f"{key}:base"] = (saved.note_version, saved.note)
    st.session_state[key] = saved.note
    _flash("success", "Note saved.", live=True)


def _use_theirs(item: Item, version: int, text: str) -> None:
    key = _note_key(item)
    st.session_state[key] = text
    st.session_state[f"{key}:base"] = (version, text)
    st.session_state.pop(f"{key}:conflict", None)


def _save_anyway(name: str, item: Item) -> None:
    key = _note_key(item)
    conflict = st.session_state.pop(f"{key}:conflict", None)
    if conflict:
        st.session_state[f"{key}:base"] = (conflict["version"], conflict["current"])
    _save_note(name, item)


def _item_panel(shortlist: Shortlist, item: Item, me: str | None) -> None:
    name = shortlist.name
    with st.container(border=True):
        head, link = st.columns([4, 1], vertical_alignment="center")
        head.markdown(f"**{md_escape(item.repo)}** · {KIND_WORDS[item.kind]} · added by "
                      f"{md_escape(item.added_by)}, {_when(item.added_at)}")
        with link:
            nav.link(item.kind, "Open its details", {"repo": item.repo}, icon=":material/open_in_new:")
        voted = me is not None and me in item.voters
        votes, status, remove = st.columns([1.3, 3, 1], vertical_alignment="bottom")
        with votes:
            label = "Withdraw my vote" if voted else "Vote"
            st.button(label, key=f"shortlists:vote:{item.id}", icon=":material/thumb_up:",
                      type="secondary" if voted else "primary", disabled=me is None, on_click=_vote,
                      args=(name, item, not voted), help=NO_NAME if me is None else
                      "One vote per person.")
            who_voted = ", ".join(item.voters)
            st.caption(f"{item.votes} vote{'s' if item.votes != 1 else ''}"
                       + (f": {md_escape(who_voted)}" if who_voted else ""))
        with status:
            skey = f"shortlists:status:{item.id}"
            st.session_state[skey] = item.status  # the store's, as of now (someone else may have changed it)
            st.segmented_control("Status", STATUSES, key=skey, on_change=_status, args=(name, item),
                                 disabled=me is None, format_func=str.capitalize)
        with remove, st.popover("Remove", icon=":material/delete:", disabled=me is None, width="stretch"):
            st.caption(f"Take {md_escape(item.repo)} off the list? Its note stays readable in the history.")
            st.button("Remove it", key=f"shortlists:remove:{item.id}", on_click=_remove, args=(name, item),
                      type="primary")
        _note_editor(name, item, me)


def _note_editor(name: str, item: Item, me: str | None) -> None:
    key = _note_key(item)
    if key not in st.session_state or f"{key}:base" not in st.session_state:  # opened now: start from the store
        st.session_state[key] = item.note
        st.session_state[f"{key}:base"] = (item.note_version, item.note)
    base_version, _ = st.session_state[f"{key}:base"]
    st.text_area("Note", key=key, max_chars=MAX_NOTE, height=100, disabled=me is None,
                 placeholder="Why it is here, what was tried, what is left to check",
                 help=f"At most {MAX_NOTE:,} characters. Shown as plain text.")
    conflict = st.session_state.get(f"{key}:conflict")
    if conflict:
        by = conflict["by"] or "Someone"
        st.warning(f"**{md_escape(by)}** saved this note at {_when(conflict['at'])}, after you opened it, so yours "
                   "was not saved. Your text is still in the box; theirs is:", icon=":material/sync_problem:")
        with st.container(border=True):
            st.text(conflict["current"] or "(an empty note)")
        theirs, mine = st.columns(2)
        theirs.button("Use theirs", key=f"{key}:use_theirs", on_click=_use_theirs,
                      args=(item, conflict["version"], conflict["current"]), width="stretch",
                      help="Put their text in the box (yours is dropped), then edit and save it.")
        mine.button("Save mine anyway", key=f"{key}:save_anyway", on_click=_save_anyway, args=(name, item),
                    width="stretch", type="primary", help="Replace their note with yours (theirs stays in the "
                    "history).")
        return
    if item.note_version != base_version:
        by = item.note_by or "Someone"
        st.info(f"**{md_escape(by)}** changed this note at {_when(item.note_at)}, since you opened it. Theirs is:",
                icon=":material/edit_note:")
        with st.container(border=True):
            st.text(item.note or "(an empty note)")
        st.button("Use theirs", key=f"{key}:take", on_click=_use_theirs, args=(item, item.note_version, item.note),
                  help="Put their text in the box. Saving yours instead will ask you first.")
    st.button("Save note", key=f"{key}:save", on_click=_save_note, args=(name, item), disabled=me is None,
              icon=":material/save:")


def _history(history: tuple[Change, ...], version: int) -> None:
    st.markdown("**History**")
    if not history:
        return
    shown = list(reversed(history))
    frame = pd.DataFrame([{"at": c.at, "who": c.user, "what": c.describe().removeprefix(f"{c.user} "),
                           "before": c.before, "after": c.after} for c in shown])
    cc = st.column_config
    st.dataframe(frame, hide_index=True, width="stretch", key="shortlists:history", placeholder="",
                 height=min(len(frame), 8) * ROW_HEIGHT + ROW_HEIGHT + 3, column_config={
                     "at": cc.DatetimeColumn("When", format="YYYY-MM-DD HH:mm:ss", width=150),
                     "who": cc.TextColumn("Who", width=90), "what": cc.TextColumn("What", width=300),
                     "before": cc.TextColumn("Before", width=120, help="The value it replaced (a note, a status)"),
                     "after": cc.TextColumn("After", width=120)})
    if version > len(history):
        st.caption(f"The last {len(history)} of {version} changes.")
