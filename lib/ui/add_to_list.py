""""Add to a list": the one widget every page uses to put repos on a team shortlist (under the results tables, in
each detail view, on the Compare page).

A popover holds a small form: the list (an existing one, or a new name), an optional note, Add. It is a fragment,
so choosing and typing rerun only the form, not the page around it (a detail view, a table). The result is said
in the popover, as text, with a link that opens the list on the Shortlists page. The list last used in the session
is offered first next time.

Who adds is `who()`, i.e. `lib.ui.identity.current_user()`: the signed-in person where sign-in is configured, else
the name typed once per session. With no name yet, the form asks for one (typed), or says to sign in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import streamlit as st
from streamlit.errors import StreamlitAPIException

from lib.errors import HubExplorerError
from lib.format import md_escape
from lib.query import Kind
from lib.shortlists import (
    InvalidShortlistError,
    ItemExistsError,
    ShortlistExistsError,
    Shortlists,
    validate_list_name,
    validate_user,
)
from lib.shortlists.records import KIND_WORDS
from lib.shortlists.table import share_query
from lib.store.schema import MAX_LIST_NAME, MAX_NOTE, MAX_USER
from lib.ui import identity
from lib.ui.components import show_error

PAGE = "pages/shortlists.py"
LAST_KEY = "shortlists:last"  # the list this session added to last: offered first next time


def who() -> str | None:
    """Who is acting on shortlists (None until a name is typed or the person signs in)."""
    return identity.current_user().name


def signing_in() -> bool:
    """Whether names come from a sign-in (then a typed name is never taken)."""
    return bool(identity.sign_in_choices(identity.auth_section()))


def store() -> Shortlists:
    """The app's shortlists (the store of `lib.settings`: SQLite in the home folder, or PostgreSQL)."""
    return Shortlists()


def list_link(name: str, *, label: str | None = None) -> None:
    """A link that opens `name` on the Shortlists page (a plain relative link when the page runs alone)."""
    text = md_escape(label if label is not None else f"Open “{name}”")
    try:
        st.page_link(PAGE, label=text, icon=":material/checklist:", query_params={"list": name})
    except StreamlitAPIException:  # no navigation (a page run on its own, as in AppTest)
        st.markdown(f"[{text}](shortlists?{share_query(name)})")


@dataclass
class Added:
    """What one Add did, said in the popover afterwards."""

    list_name: str
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    created: bool = False
    error: HubExplorerError | None = None


def add_items(items: Sequence[tuple[Kind, str]], list_name: str, *, user: str, note: str = "",
              create: bool = False, lists: Shortlists | None = None) -> Added:
    """Add each (kind, repo) to the list (creating it first with `create`); repos already there are named, not
    an error. Stops at the first other error, with what was done so far."""
    lists = lists or store()
    done = Added(list_name)
    try:
        if create:
            lists.create_list(list_name, user=user)
            done.created = True
        for kind, repo in items:
            try:
                lists.add_item(list_name, repo, kind=kind, user=user, note=note)
                done.added.append(repo)
            except ItemExistsError:
                done.already.append(repo)
    except HubExplorerError as err:
        done.error = err
    return done


def _k(key: str, name: str) -> str:
    return f"{key}:{name}"


def _submit(items: tuple[tuple[Kind, str], ...], key: str) -> None:
    """The form's callback: create the list when a new name was typed, then add."""
    state = st.session_state
    user = who()
    if user is None:
        if signing_in():  # a name comes from the sign-in only: nobody types themselves into someone else
            state[_k(key, "done")] = Added("", error=InvalidShortlistError("Sign in first: shortlists are changed "
                                                                           "under your name."))
            return
        try:
            user = validate_user(state.get(_k(key, "user"), ""))
        except HubExplorerError as err:
            state[_k(key, "done")] = Added("", error=err)
            return
        state[identity.NAME_KEY] = user
    new_name = (state.get(_k(key, "new")) or "").strip()
    chosen = state.get(_k(key, "list"))
    if not new_name and not chosen:
        state[_k(key, "done")] = Added("", error=InvalidShortlistError("Choose a list, or type the name of a new one."))
        return
    try:
        name = validate_list_name(new_name or chosen)
    except HubExplorerError as err:
        state[_k(key, "done")] = Added("", error=err)
        return
    note = state.get(_k(key, "note"), "")
    done = add_items(items, name, user=user, note=note, create=bool(new_name))
    if isinstance(done.error, ShortlistExistsError) and new_name:  # the new name is taken: add to that list
        done = add_items(items, name, user=user, note=note)
    state[_k(key, "done")] = done
    if done.error is None:
        state[LAST_KEY] = name
        state[_k(key, "list")] = name
        state[_k(key, "new")] = ""
        state[_k(key, "note")] = ""


def _said(done: Added) -> None:
    if done.error is not None:
        show_error(done.error)
    parts = []
    if done.created:
        parts.append(f"Made the list “{md_escape(done.list_name)}”.")
    if done.added:
        parts.append(f"Added {', '.join(md_escape(r) for r in done.added)}.")
    if done.already:
        parts.append(f"Already in it: {', '.join(md_escape(r) for r in done.already)}.")
    if parts:
        (st.success if done.added or done.created else st.info)(" ".join(parts), icon=":material/checklist:")
    if done.list_name and (done.added or done.already or done.created):
        list_link(done.list_name)


@st.fragment
def _form(items: tuple[tuple[Kind, str], ...], key: str) -> None:
    user = who()
    done = st.session_state.pop(_k(key, "done"), None)
    try:
        names = [s.name for s in store().lists()]
    except HubExplorerError as err:
        show_error(err)
        return
    last = st.session_state.get(LAST_KEY)
    if st.session_state.get(_k(key, "list")) not in names:
        st.session_state[_k(key, "list")] = last if last in names else None
    with st.form(_k(key, "form"), border=False, enter_to_submit=False):
        if user is None and signing_in():
            st.caption("Sign in (at the top of the sidebar) to add to a list.")
        elif user is None:
            st.text_input("Your name", key=_k(key, "user"), max_chars=MAX_USER, placeholder="e.g. ada",
                          help="Added, voted and noted under this name on this server (typed once per session). "
                          "It is not a password.")
        else:
            st.caption(f"Adding as **{md_escape(user)}**")
        st.selectbox("List", names, key=_k(key, "list"), placeholder="Choose a list" if names else "No lists yet",
                     disabled=not names)
        st.text_input("…or a new list", key=_k(key, "new"), max_chars=MAX_LIST_NAME,
                      placeholder="Name of a new list", help="Makes a new list (you are its owner) and adds to it.")
        st.text_area("Note (optional)", key=_k(key, "note"), max_chars=MAX_NOTE, height=68,
                     placeholder="Why it is worth a look")
        st.form_submit_button("Add", type="primary", icon=":material/playlist_add:", on_click=_submit,
                              args=(items, key), key=_k(key, "add"), disabled=user is None and signing_in())
    if done is not None:
        _said(done)


def add_to_list(items: Sequence[tuple[Kind, str]], *, key: str, label: str | None = None,
                help: str | None = None, width: str = "content") -> None:
    """The "Add to a list" popover for `items` ((kind, repo id) pairs); disabled when there are none. `key` is
    unique on the page."""
    items = tuple(dict.fromkeys(items))
    what = (f"{KIND_WORDS[items[0][0]]} {items[0][1]}" if len(items) == 1 else f"these {len(items)}") if items else ""
    text = label or ("Add to a list" if len(items) <= 1 else f"Add {len(items)} to a list")
    with st.popover(text, icon=":material/playlist_add:", disabled=not items, key=_k(key, "popover"), width=width,
                    help=help or (f"Put {md_escape(what)} on a team shortlist." if items else None)):
        _form(items, key)
