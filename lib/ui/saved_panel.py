"""Saved searches in a browse page's sidebar: name the current search, reopen a saved one, delete one.

Whose searches they are comes from `lib.ui.identity`: the signed-in user where sign-in is configured, else a name
typed once per browser session (kept in `st.session_state` only, never in the URL). In the full app the sidebar's
"You" widget asks for it; drawn alone (its test app), the panel asks itself, with the same name box.

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
)
from lib.ui import identity, nav
from lib.ui.components import show_error

USER_KEY = identity.NAME_KEY  # one name for every page of the session (the typed one)
SCROLL_AFTER = 8  # more saved searches than this scroll inside a box of fixed height


def _prefix(kind: str) -> str:
    """The panel's widget keys start with this (the name box's too: `saved:models:user_input`)."""
    return f"saved:{kind}"


def _key(kind: str, name: str) -> str:
    return f"{_prefix(kind)}:{name}"


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


def _user() -> str | None:
    return identity.current_user().name


def _change_user(kind: str) -> None:
    identity.change_name(_prefix(kind))
    for name in ("overwrite", "confirm_delete"):
        st.session_state.pop(_key(kind, name), None)


def _save(kind: str, params: dict[str, str]) -> None:
    user = _user()
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
    user = _user()
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
    user = _user()
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
        me = identity.current_user()
        if not me.name:
            _ask_user(kind)
            return
        _who(kind, me)
        _save_box(kind, current)
        try:
            items = _store().list(me.name, kind)
        except HubExplorerError as err:
            show_error(err)
            return
        _saved_list(kind, current, items)


def _ask_user(kind: str) -> None:
    """No name yet: point at the sidebar's "You" widget, else sign in or type one here."""
    signing_in = bool(identity.sign_in_choices(identity.auth_section()))
    if identity.sidebar_shown():
        st.caption("Sign in at the top of the sidebar to save searches." if signing_in else
                   "Give your name at the top of the sidebar to save searches.")
    elif signing_in:
        identity.sign_in_buttons(_prefix(kind))
    else:
        identity.ask_name(_prefix(kind), submit="Show my saved searches",
                          help_text="Your saved searches are kept on this server under this name. It is not a "
                          "password: anyone who types the same name sees the same list.")


def _who(kind: str, me: identity.Identity) -> None:
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.caption(f"Saving as **{md_escape(me.name or '')}**" + (" (signed in)" if me.signed_in else ""))
    if not me.signed_in and not identity.sidebar_shown():
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
