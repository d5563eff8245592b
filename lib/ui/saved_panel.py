"""Saved searches in a browse page's sidebar: name the current search, reopen a saved one, delete one.

The user name is asked once per browser session and kept in `st.session_state` only (never in the URL, so a shared
link does not carry it). It only chooses whose list is shown; it is not an account.

Every change happens in a button callback, before the rerun draws the panel, so the list is always current;
a message about the last action ("Saved ...", an error) is kept in session state and shown once.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from lib.errors import HubExplorerError
from lib.format import md_escape
from lib.query import Kind
from lib.saved import (
    MAX_NAME,
    SavedSearch,
    SavedSearches,
    SavedSearchExistsError,
    describe_params,
    validate_search_name,
    validate_user,
)
from lib.ui import nav
from lib.ui.components import show_error

USER_KEY = "saved:user"  # one name for every page of the session
SCROLL_AFTER = 8  # more saved searches than this scroll inside a box of fixed height


def _key(kind: str, name: str) -> str:
    return f"saved:{kind}:{name}"


def _store() -> SavedSearches:
    return SavedSearches.open()


def _flash(kind: str, level: str, message: str | HubExplorerError) -> None:
    st.session_state[_key(kind, "flash")] = (level, message)


def _show_flash(kind: str) -> None:
    level, message = st.session_state.pop(_key(kind, "flash"), (None, None))
    if isinstance(message, HubExplorerError):
        show_error(message)
    elif level == "success":
        st.success(message, icon=":material/check_circle:")
    elif level == "info":
        st.info(message, icon=":material/info:")


# --- callbacks (run before the rerun draws the panel) -------------------------------------------------------------


def _set_user(kind: str) -> None:
    try:
        st.session_state[USER_KEY] = validate_user(st.session_state.get(_key(kind, "user_input"), ""))
    except HubExplorerError as err:
        _flash(kind, "error", err)


def _change_user(kind: str) -> None:
    st.session_state[_key(kind, "user_input")] = st.session_state.pop(USER_KEY, "")
    for name in ("overwrite", "confirm_delete"):
        st.session_state.pop(_key(kind, name), None)


def _save(kind: str, params: dict[str, str]) -> None:
    user = st.session_state.get(USER_KEY)
    if not user:
        return
    st.session_state.pop(_key(kind, "overwrite"), None)
    try:
        name = validate_search_name(st.session_state.get(_key(kind, "name"), ""))
        _store().save(user, name, kind, params)
    except SavedSearchExistsError as err:
        st.session_state[_key(kind, "overwrite")] = {"name": err.name, "params": params}
        return
    except HubExplorerError as err:
        _flash(kind, "error", err)
        return
    st.session_state[_key(kind, "name")] = ""
    _flash(kind, "success", f"Saved “{md_escape(name)}”.")


def _overwrite(kind: str) -> None:
    pending = st.session_state.pop(_key(kind, "overwrite"), None)
    user = st.session_state.get(USER_KEY)
    if not pending or not user:
        return
    try:
        _store().save(user, pending["name"], kind, pending["params"], overwrite=True)
    except HubExplorerError as err:
        _flash(kind, "error", err)
        return
    st.session_state[_key(kind, "name")] = ""
    _flash(kind, "success", f"Replaced “{md_escape(pending['name'])}”.")


def _ask_delete(kind: str, search_id: int) -> None:
    st.session_state[_key(kind, "confirm_delete")] = search_id


def _delete(kind: str, name: str) -> None:
    st.session_state.pop(_key(kind, "confirm_delete"), None)
    user = st.session_state.get(USER_KEY)
    if not user:
        return
    try:
        deleted = _store().delete(user, name, kind)
    except HubExplorerError as err:
        _flash(kind, "error", err)
        return
    if deleted:
        _flash(kind, "success", f"Deleted “{md_escape(name)}”.")
    else:
        _flash(kind, "info", f"“{md_escape(name)}” was already deleted.")


def _cancel(kind: str, what: str) -> None:
    st.session_state.pop(_key(kind, what), None)


# --- drawing -----------------------------------------------------------------------------------------------------


def saved_searches_panel(kind: Kind | str, params: Mapping[str, str]) -> None:
    """The sidebar panel of a browse page; `params` are the page's current URL parameters (its search)."""
    current = dict(params)
    with st.sidebar:
        st.subheader("Saved searches", anchor=False)
        _show_flash(kind)
        user = st.session_state.get(USER_KEY)
        if not user:
            _ask_user(kind)
            return
        _who(kind, user)
        _save_box(kind, current)
        try:
            items = _store().list(user, kind)
        except HubExplorerError as err:
            show_error(err)
            return
        _saved_list(kind, current, items)


def _ask_user(kind: str) -> None:
    with st.form(_key(kind, "user_form"), border=False):
        st.text_input(
            "Your name",
            key=_key(kind, "user_input"),
            max_chars=MAX_NAME,
            placeholder="e.g. ada",
            help="Your saved searches are kept on this server under this name. It is not a password: "
            "anyone who types the same name sees the same list.",
        )
        st.form_submit_button("Show my saved searches", key=_key(kind, "user_submit"), on_click=_set_user,
                              args=(kind,), icon=":material/person:")


def _who(kind: str, user: str) -> None:
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.caption(f"Saving as **{md_escape(user)}**")
    right.button("Change", key=_key(kind, "change_user"), type="tertiary", on_click=_change_user, args=(kind,),
                 help="Use another name")


def _save_box(kind: str, current: dict[str, str]) -> None:
    pending = st.session_state.get(_key(kind, "overwrite"))
    if pending and pending["params"] != current:  # the search changed since: that question is moot
        st.session_state.pop(_key(kind, "overwrite"), None)
        pending = None
    with st.form(_key(kind, "save_form"), border=False):
        st.text_input(
            "Name this search",
            key=_key(kind, "name"),
            max_chars=MAX_NAME,
            placeholder="e.g. small fill-mask models",
            help=md_escape(describe_params(current)) or "The default search",  # the search text is a person's
        )
        st.form_submit_button("Save this search", key=_key(kind, "save"), on_click=_save, args=(kind, current),
                              icon=":material/bookmark_add:")
    if pending:
        with st.container(border=True):
            st.markdown(f"A saved search named **{md_escape(pending['name'])}** already exists. "
                        "Replace it with the current search?")
            yes, no = st.columns(2)
            yes.button("Replace", key=_key(kind, "overwrite_yes"), type="primary", on_click=_overwrite,
                       args=(kind,), width="stretch")
            no.button("Cancel", key=_key(kind, "overwrite_no"), on_click=_cancel, args=(kind, "overwrite"),
                      width="stretch")


def _saved_list(kind: str, current: dict[str, str], items: list[SavedSearch]) -> None:
    if not items:
        st.caption(f"No saved searches of {kind} yet.")
        return
    box = st.container(height=420, border=False) if len(items) > SCROLL_AFTER else st.container()
    confirm_id = st.session_state.get(_key(kind, "confirm_delete"))
    with box:
        for item in items:
            is_current = item.params == current
            link_col, del_col = st.columns([6, 1], vertical_alignment="center", gap="small")
            with link_col:
                nav.link(kind, item.name, item.params,  # type: ignore[arg-type]
                         icon=":material/bookmark_added:" if is_current else ":material/bookmark:")
            del_col.button("", key=_key(kind, f"delete:{item.id}"), icon=":material/delete:", type="tertiary",
                           help="Delete this saved search", on_click=_ask_delete, args=(kind, item.id))
            summary = describe_params(item.params) or "the default search"
            st.caption(md_escape(summary) + (" · *this search*" if is_current else ""))
            if confirm_id == item.id:
                with st.container(border=True):
                    st.markdown(f"Delete **{md_escape(item.name)}**? This cannot be undone.")
                    yes, no = st.columns(2)
                    yes.button("Delete", key=_key(kind, "delete_yes"), type="primary", on_click=_delete,
                               args=(kind, item.name), width="stretch")
                    no.button("Cancel", key=_key(kind, "delete_no"), on_click=_cancel,
                              args=(kind, "confirm_delete"), width="stretch")
