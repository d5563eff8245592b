"""Who is who (`lib.ui.identity`): the pure rules (which providers an `[auth]` section configures, which claim names
a signed-in person), and the typed-name path through AppTest (tests/apps/identity_app.py). The signed-in path is
tested for real, in a browser against the fake Hub's OpenID Connect routes: tests/test_browser_signin.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.saved import FILE_NAME, MAX_NAME, SavedSearches
from lib.store.schema import MAX_USER
from lib.ui.identity import MAX_NAME as IDENTITY_MAX
from lib.ui.identity import NAME_KEY, SignIn, name_from_claims, sign_in_choices

APP = Path(__file__).resolve().parent / "apps" / "identity_app.py"
BASE = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s" * 32}
HUB = {"client_id": "id", "client_secret": "secret",
       "server_metadata_url": "https://huggingface.co/.well-known/openid-configuration"}


def test_a_name_is_as_long_as_the_stores_allow():
    assert IDENTITY_MAX == MAX_NAME == MAX_USER


@pytest.mark.parametrize(("auth", "expected", "why"), [
    ({}, [], "no [auth] section: names are typed"),
    ({**HUB, "cookie_secret": "x" * 32}, [], "no redirect_uri: Streamlit would refuse st.login"),
    ({**HUB, "redirect_uri": "http://x/oauth2callback"}, [], "no cookie_secret: likewise"),
    ({**BASE, **HUB}, [SignIn(None, "Sign in with Hugging Face")], "the Hub as the [auth] section's own provider"),
    ({**BASE, **HUB, "server_metadata_url": "https://hf.co/.well-known/openid-configuration"},
     [SignIn(None, "Sign in with Hugging Face")], "hf.co is the Hub too"),
    ({**BASE, "huggingface": {**HUB, "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}},
     [SignIn("huggingface", "Sign in with Hugging Face")], "a provider named huggingface, wherever it is"),
    ({**BASE, "google": {**HUB, "server_metadata_url": "https://accounts.google.com/x"}, "corp": {**HUB,
      "server_metadata_url": "https://sso.corp.example/x"}},
     [SignIn("google", "Sign in with Google"), SignIn("corp", "Sign in with corp")], "several named providers"),
    ({**BASE, **HUB, "server_metadata_url": "https://sso.corp.example/x"}, [SignIn(None, "Sign in")],
     "an unnamed provider that is not the Hub"),
    ({**BASE, "client_id": "id"}, [], "a provider without server_metadata_url is not one"),
    ({**BASE, "expose_tokens": ["id"], "client_kwargs": {"prompt": "login"}, **HUB},
     [SignIn(None, "Sign in with Hugging Face")], "other [auth] keys are not providers"),
])
def test_sign_in_choices(auth, expected, why):
    assert sign_in_choices(auth) == expected, why


@pytest.mark.parametrize(("claims", "expected", "why"), [
    ({"preferred_username": "ada", "name": "Ada Lovelace", "email": "a@x.y", "sub": "1"}, "ada", "the Hub handle"),
    ({"name": "Ada Lovelace", "email": "a@x.y"}, "Ada Lovelace", "no handle: the display name"),
    ({"email": "ada@example.com", "sub": "1"}, "ada@example.com", "only an email"),
    ({"sub": "65a1f00d"}, "65a1f00d", "only the subject"),
    ({"preferred_username": "  ada \n lovelace  "}, "ada lovelace", "white space runs become one space"),
    ({"preferred_username": "x" * 80}, "x" * 60, "cut to the stores' 60 characters"),
    ({"preferred_username": "", "name": None, "email": 3}, None, "nothing usable"),
    ({"preferred_username": "**bold** <b>"}, "**bold** <b>", "kept as it is: shown as text"),
])
def test_name_from_claims(claims, expected, why):
    assert name_from_claims(claims) == expected, why


# --- the typed-name path (AppTest) ---------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def app(saved: bool = False, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["test:saved"] = saved
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    return at.run()


def who(at: AppTest) -> str:
    return at.text[-1].value


def sidebar_words(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "subheader", "error") for e in at.sidebar.get(kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_a_name_is_typed_once_kept_for_the_session_and_never_put_in_the_url(home):
    at = app()
    assert not at.exception and who(at) == "name=None signed_in=False"
    assert at.text_input(key="identity:user_input").label == "Your name"
    assert not [b for b in at.sidebar.button if "Sign in" in str(b.label)], "no sign-in without an [auth] section"

    at.text_input(key="identity:user_input").input("  ada  ")
    at.button(key="identity:user_submit").click().run()
    assert who(at) == "name='ada' signed_in=False" and at.session_state[NAME_KEY] == "ada"
    assert "You are **ada**" in sidebar_words(at)
    with pytest.raises(KeyError):
        at.text_input(key="identity:user_input")
    assert "ada" not in str(dict(at.query_params)), "never in the URL"
    at.run()
    assert who(at) == "name='ada' signed_in=False", "kept across reruns"

    at.button(key="identity:change").click().run()
    assert who(at) == "name=None signed_in=False"
    assert at.text_input(key="identity:user_input").value == "ada", "the old name is offered for editing"


@pytest.mark.parametrize(("typed", "words"), [("   ", "user name is empty"), ("a\nb", "line break"),
                                              ("tab\there", "control character")])  # the box stops at 60
def test_bad_names_are_explained_and_not_taken(home, typed, words):
    at = app()
    at.text_input(key="identity:user_input").input(typed)
    at.button(key="identity:user_submit").click().run()
    assert who(at) == "name=None signed_in=False"
    assert any(words in e.value for e in at.sidebar.error), [e.value for e in at.sidebar.error]


def test_a_name_with_markup_is_shown_as_text(home):
    at = app()
    at.text_input(key="identity:user_input").input("**boss** [x](javascript:1)")
    at.button(key="identity:user_submit").click().run()
    shown = next(m.value for m in at.sidebar.markdown if "You are" in m.value)
    assert "\\*\\*boss\\*\\*" in shown and "\\[x\\]" in shown, "escaped: no bold, no link"


def test_saved_searches_use_the_name_from_the_widget_and_do_not_ask_again(home):
    at = app(saved=True)
    inputs = [t for t in at.sidebar.text_input if t.label == "Your name"]
    assert [t.key for t in inputs] == ["identity:user_input"], "one name box, the widget's"
    assert "Give your name at the top of the sidebar" in sidebar_words(at)
    at.text_input(key="identity:user_input").input("bob")
    at.button(key="identity:user_submit").click().run()
    assert "Saving as **bob**" in sidebar_words(at)
    with pytest.raises(KeyError):
        at.button(key="saved:models:change_user")  # the widget's Change is the one
    at.text_input(key="saved:models:name").input("mine")
    at.button(key="saved:models:save").click().run()
    assert [s.name for s in SavedSearches(home / FILE_NAME).list("bob", "models")] == ["mine"]


def test_with_sign_in_configured_no_name_can_be_typed(home):
    """The deployment configures sign-in: the typed name is ignored (even one set earlier in the session) and no
    name box is offered anywhere; saved searches wait for a sign-in."""
    secrets = {"auth": {**BASE, "huggingface": HUB}}
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["test:saved"] = True
    at.session_state[NAME_KEY] = "mallory"  # typed before sign-in was configured, or set by hand
    at.secrets["auth"] = secrets["auth"]
    at.run()
    assert not at.exception
    assert who(at) == "name=None signed_in=False", "a typed name is not an identity where sign-in is configured"
    assert not [t for t in at.sidebar.text_input if t.label == "Your name"]
    assert [b.label for b in at.sidebar.button if "Sign in" in str(b.label)] == ["Sign in with Hugging Face"]
    assert "Sign in at the top of the sidebar to save searches" in sidebar_words(at)
    with pytest.raises(KeyError):
        at.text_input(key="saved:models:name")
    SavedSearches(home / FILE_NAME).save("mallory", "theirs", "models", {"q": "x"})
    assert "theirs" not in sidebar_words(at)
