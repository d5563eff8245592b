"""Who is who: the name under which a person's saved searches, votes, notes and shortlists are kept.

Two ways, chosen by the deployment (README, "Who is who"):

* **Typed**: without sign-in, a name typed once per browser session, kept in `st.session_state` only (never in the
  URL, so a shared link does not carry it). It is not an account: anyone who types the same name is the same person.
* **Signed in**: where `.streamlit/secrets.toml` has an `[auth]` section (Streamlit's `st.login` with an OpenID Connect
  provider; the Hugging Face Hub is one), the name comes from the sign-in: the provider's `preferred_username` (a Hub
  handle), else `name`, else `email`. It cannot be typed over: with sign-in configured no name box is offered at all,
  so nobody can take another's name by typing it; a person who has not signed in has no name until they do.

`current_user()` says who is asking; `sidebar()` is the shared widget ("Signed in as X · Sign out", the sign-in
button, or "Your name"); `ask_name(prefix)` and `change_name(prefix)` are the name box and its "Change" for a panel
that is drawn alone (the saved-searches panel in its test app). Claims from the provider are shown as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from lib import names
from lib.errors import HubExplorerError
from lib.format import md_escape

__all__ = ["MAX_NAME", "NAME_KEY", "Identity", "InvalidNameError", "SignIn", "ask_name", "auth_section",
           "change_name", "current_user", "name_from_claims", "sidebar", "sidebar_shown", "sign_in_buttons",
           "sign_in_choices", "will_show_sidebar"]

#: The typed name's session key. Saved searches asked for a name first and kept it here; every panel shares it.
NAME_KEY = "saved:user"
#: Set once the shared sidebar widget has been drawn in this session (the full app draws it on every run).
WIDGET_KEY = "identity:sidebar"
MAX_NAME = 60  # lib.saved.MAX_NAME and lib.store.schema.MAX_USER
PROVIDER_LABELS = {"huggingface": "Hugging Face", "hf": "Hugging Face", "google": "Google", "microsoft": "Microsoft",
                   "okta": "Okta", "auth0": "Auth0", "github": "GitHub"}
HUB_HOSTS = ("huggingface.co", "hf.co")
PROVIDER_KEYS = ("client_id", "server_metadata_url")  # what a provider section needs besides its secret


class InvalidNameError(HubExplorerError, ValueError):
    title = "Cannot use this name"
    hint = f"A name is 1 to {MAX_NAME} characters on one line."


@dataclass(frozen=True)
class Identity:
    """Who is asking. `name` is None until a name is typed or the person signs in."""

    name: str | None
    signed_in: bool = False
    full_name: str | None = None  # the provider's display name, when signed in
    provider: str | None = None  # which [auth] provider, when signed in


@dataclass(frozen=True)
class SignIn:
    """One way to sign in: `provider` is the `[auth.<name>]` section (None: the `[auth]` section's own)."""

    provider: str | None
    label: str


# --- pure helpers ------------------------------------------------------------------------------------------------


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())[:MAX_NAME]
    try:
        return names.clean_name(text, what="name", max_len=MAX_NAME)
    except ValueError:
        return None


def name_from_claims(claims: Mapping[str, Any]) -> str | None:
    """The name a signed-in person goes by: `preferred_username` (the Hub's handle), else `name`, `email`, `sub`."""
    for key in ("preferred_username", "name", "email", "sub"):
        found = _clean(claims.get(key))
        if found:
            return found
    return None


def _label(provider: str | None, section: Mapping[str, Any]) -> str:
    if provider is not None and provider.lower() in PROVIDER_LABELS:
        return f"Sign in with {PROVIDER_LABELS[provider.lower()]}"
    host = (urlsplit(str(section.get("server_metadata_url", ""))).hostname or "").lower()
    if any(host == h or host.endswith("." + h) for h in HUB_HOSTS):
        return "Sign in with Hugging Face"
    return f"Sign in with {provider}" if provider else "Sign in"


def sign_in_choices(auth: Mapping[str, Any]) -> list[SignIn]:
    """The providers an `[auth]` section configures, as Streamlit reads them: the section's own (`st.login()`)
    and each `[auth.<name>]` table (`st.login("<name>")`). None without `redirect_uri` and `cookie_secret`."""
    if not auth or "redirect_uri" not in auth or "cookie_secret" not in auth:
        return []
    out: list[SignIn] = []
    if all(auth.get(k) for k in PROVIDER_KEYS):
        out.append(SignIn(None, _label(None, auth)))
    for name, section in auth.items():
        if isinstance(section, Mapping) and all(section.get(k) for k in PROVIDER_KEYS):
            out.append(SignIn(str(name), _label(str(name), section)))
    return out


# --- Streamlit -----------------------------------------------------------------------------------------------------


def auth_section() -> dict[str, Any]:
    """The `[auth]` section of the app's secrets ({} when there are no secrets or no such section)."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - no secrets file is the normal case
        return {}
    if section is None:
        return {}
    return section.to_dict() if hasattr(section, "to_dict") else dict(section)


def current_user() -> Identity:
    """The signed-in person when sign-in is configured (nobody until they sign in), else the typed name."""
    choices = sign_in_choices(auth_section())
    if choices:
        user = dict(st.user) if st.user.get("is_logged_in") else {}
        name = name_from_claims(user) if user else None
        if name is None:
            return Identity(None)
        full = _clean(user.get("name"))
        return Identity(name, signed_in=True, full_name=full if full != name else None,
                        provider=str(user.get("provider")) if user.get("provider") else None)
    typed = st.session_state.get(NAME_KEY)
    return Identity(typed if isinstance(typed, str) and typed else None)


def sidebar_shown() -> bool:
    """Whether this session's app draws the shared widget (then panels do not ask for a name themselves)."""
    return bool(st.session_state.get(WIDGET_KEY))


def will_show_sidebar() -> None:
    """Say that this run draws the shared widget, before the page is drawn (the router draws it last)."""
    st.session_state[WIDGET_KEY] = True


def _set_name(prefix: str) -> None:
    try:
        st.session_state[NAME_KEY] = names.clean_name(st.session_state.get(f"{prefix}:user_input", ""),
                                                      what="user name", max_len=MAX_NAME)
    except ValueError as exc:
        st.session_state[f"{prefix}:name_error"] = InvalidNameError(str(exc))


def change_name(prefix: str) -> None:
    """Forget the typed name; the name box (`prefix`) offers it back for editing. A callback."""
    st.session_state[f"{prefix}:user_input"] = st.session_state.pop(NAME_KEY, "")


def ask_name(prefix: str, *, submit: str = "Use this name", help_text: str | None = None) -> None:
    """The name box: a text field `{prefix}:user_input` and a button `{prefix}:user_submit`. Only without sign-in."""
    error = st.session_state.pop(f"{prefix}:name_error", None)
    if error is not None:
        st.error(f"**{error.title}.** {md_escape(str(error))}\n\n{error.hint}", icon=":material/error:")
    with st.form(f"{prefix}:user_form", border=False):
        st.text_input(
            "Your name",
            key=f"{prefix}:user_input",
            max_chars=MAX_NAME,
            placeholder="e.g. ada",
            help=help_text or "What you save, vote and note is kept on this server under this name. It is not a "
            "password: anyone who types the same name is taken for you.",
        )
        st.form_submit_button(submit, key=f"{prefix}:user_submit", on_click=_set_name, args=(prefix,),
                              icon=":material/person:")


def sign_in_buttons(prefix: str) -> None:
    """One button per configured provider; a click starts `st.login` (the browser goes to the provider)."""
    for choice in sign_in_choices(auth_section()):
        if st.button(choice.label, key=f"{prefix}:sign_in:{choice.provider or 'default'}", type="primary",
                     icon=":material/login:", width="stretch"):
            if choice.provider:
                st.login(choice.provider)
            else:
                st.login()


def sidebar(where: Any = None) -> None:
    """The shared "You" widget at the top of the sidebar (or in `where`, a container in it)."""
    will_show_sidebar()
    me = current_user()
    with where if where is not None else st.sidebar:
        st.subheader("You", anchor=False)
        if me.signed_in:
            left, right = st.columns([3, 2], vertical_alignment="center")
            left.markdown(f":material/verified_user: Signed in as **{md_escape(me.name or '')}**")
            if right.button("Sign out", key="identity:sign_out", type="tertiary", icon=":material/logout:"):
                st.logout()
            if me.full_name:
                st.caption(md_escape(me.full_name))
        elif sign_in_choices(auth_section()):
            sign_in_buttons("identity")
            st.caption("Sign in to save searches and to vote, note and publish under your name.")
        elif me.name:
            left, right = st.columns([3, 2], vertical_alignment="center")
            left.markdown(f"You are **{md_escape(me.name)}**")
            right.button("Change", key="identity:change", type="tertiary", on_click=change_name, args=("identity",),
                         help="Use another name")
        else:
            ask_name("identity")
