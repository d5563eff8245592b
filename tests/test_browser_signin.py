"""Sign-in for real: `streamlit run` with an `[auth]` section whose provider is the fake Hub's OpenID Connect routes
on loopback (tests/fakehub/oauth.py), driven in Chromium. Nothing is patched: the click goes through Streamlit's
/auth/login, the fake Hub's /oauth/authorize (automatic consent for `fake-user`), back to /oauth2callback where
Streamlit exchanges the code (PKCE) and checks the RS256 ID token against the published keys, then sets its cookie.

The secrets file lives in a temporary folder, named by STREAMLIT_SECRETS_FILES (Streamlit's `secrets.files`), so the
repo's own .streamlit/ is never written.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest

from tests.browser import ROOT, serve_app, shot, wait_idle
from tests.fakehub import OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, FakeHub

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeHub]:
    """The sign-in provider: a fake Hub of its own (the app's data Hub is serve_app's)."""
    with FakeHub(oauth_user="fake-user") as hub:
        yield hub


@pytest.fixture(scope="module")
def app_url(provider: FakeHub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("signin-secrets")
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'  # Streamlit fills in its own port
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        "\n[auth.huggingface]\n"
        f'client_id = "{OAUTH_CLIENT_ID}"\n'
        f'client_secret = "{OAUTH_CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.url}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    before = _repo_streamlit_folder()
    with serve_app(env={"STREAMLIT_SECRETS_FILES": str(secrets_file)}, log=folder / "app.log") as url:
        yield url
    assert _repo_streamlit_folder() == before, "the repo's own .streamlit/ was not written"


def _repo_streamlit_folder() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (ROOT / ".streamlit").iterdir() if p.is_file()}


def sidebar(page):
    return page.get_by_test_id("stSidebar")


def test_sign_in_with_the_fake_hub_shows_the_name_that_cannot_be_typed_over(page, app_url, provider):
    page.goto(app_url + "/")
    button = page.get_by_role("button", name="Sign in with Hugging Face")
    button.wait_for(timeout=60_000)
    assert sidebar(page).get_by_role("textbox", name="Your name").count() == 0, "no name box where sign-in is on"
    wait_idle(page)
    shot(page, "signin-00-before")
    provider.clear_requests()

    button.click()
    sidebar(page).get_by_text("Signed in as").wait_for(timeout=60_000)
    wait_idle(page)
    shot(page, "signin-01-signed-in")
    assert re.fullmatch(re.escape(app_url) + r"/?", page.url), "back on the app, no code or token in the URL"
    assert "Signed in as fake-user" in sidebar(page).inner_text()
    assert sidebar(page).get_by_role("textbox", name="Your name").count() == 0
    assert page.get_by_role("button", name="Sign in with Hugging Face").count() == 0

    calls = [(r.method, r.path, r.status) for r in provider.requests]
    assert ("GET", "/oauth/authorize", 302) in calls and ("POST", "/oauth/token", 200) in calls
    assert ("GET", "/oauth/jwks", 200) in calls, "Streamlit checked the ID token's signature"
    authorize = next(r for r in provider.requests if r.path == "/oauth/authorize")
    assert authorize.params("code_challenge_method") == ["S256"] and authorize.params("nonce")

    # Saved searches go under the signed-in name, with no way to change it.
    page.goto(app_url + "/models")
    sidebar(page).get_by_text(re.compile(r"Saving as fake-user \(signed in\)")).wait_for(timeout=60_000)
    assert sidebar(page).get_by_role("button", name="Change").count() == 0
    wait_idle(page)
    shot(page, "signin-02-saved-searches")

    sidebar(page).get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in with Hugging Face").wait_for(timeout=60_000)
    assert "Signed in as" not in sidebar(page).inner_text()
    shot(page, "signin-03-signed-out")
