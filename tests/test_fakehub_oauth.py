"""The fake Hub as an OpenID Connect provider, driven by Authlib (the library Streamlit's `st.login` uses): discovery,
authorization code with PKCE, an RS256 ID token checked against the published keys with Authlib's own claim rules,
userinfo, and the refusals RFC 6749 asks for. The browser-level sign-in is in tests/test_browser_signin.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.fakehub import OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, FakeHub

TOKENS = json.loads((Path(__file__).parent / "fixtures" / "hub" / "tokens.json").read_text(encoding="utf-8"))
FAKE_USER = next(t["whoami"] for t in TOKENS["tokens"] if t["whoami"]["name"] == "fake-user")
REDIRECT = "http://127.0.0.1:8501/oauth2callback"  # never called: the test reads the redirect itself
HTTP = httpx2.Client(timeout=10)


@pytest.fixture(scope="module")
def fhub() -> Iterator[FakeHub]:
    with FakeHub() as hub:
        yield hub


@pytest.fixture(scope="module")
def metadata(fhub: FakeHub) -> dict:
    return HTTP.get(f"{fhub.url}/.well-known/openid-configuration").json()


def client(metadata: dict, secret: str = OAUTH_CLIENT_SECRET) -> OAuth2Client:
    return OAuth2Client(OAUTH_CLIENT_ID, secret, scope="openid profile email", redirect_uri=REDIRECT,
                        code_challenge_method="S256")


def authorize(metadata: dict, oauth: OAuth2Client, **extra) -> tuple[dict[str, list[str]], str, str]:
    """Start a sign-in as Streamlit does; the fake Hub's automatic consent answers with a redirect back."""
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = oauth.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier,
                                                nonce=nonce, prompt="select_account", **extra)
    answer = HTTP.get(url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT + "?")
    params = parse_qs(urlsplit(location).query)
    assert params["state"] == [state]
    return params, verifier, nonce


def test_discovery_document_has_what_an_oidc_client_needs(fhub, metadata):
    assert metadata["issuer"] == fhub.url
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert metadata[key].startswith(fhub.url + "/oauth/"), key
    assert "S256" in metadata["code_challenge_methods_supported"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"openid", "profile", "email"} <= set(metadata["scopes_supported"])
    assert all(k.get("kty") == "RSA" and "d" not in k for k in HTTP.get(metadata["jwks_uri"]).json()["keys"]), \
        "only the public half of the key is published"


def test_a_full_sign_in_gives_a_signed_id_token_for_the_test_user(fhub, metadata):
    oauth = client(metadata)
    params, verifier, nonce = authorize(metadata, oauth)
    token = oauth.fetch_token(metadata["token_endpoint"], code=params["code"][0], code_verifier=verifier)
    assert token["token_type"].lower() == "bearer" and token["expires_in"] > 0

    keys = KeySet.import_key_set(HTTP.get(metadata["jwks_uri"]).json())
    decoded = jwt.decode(token["id_token"], keys)  # the signature checks against the published key
    assert decoded.header["alg"] == "RS256"
    claims = CodeIDToken(decoded.claims, decoded.header, {"iss": {"values": [metadata["issuer"]]}},
                         {"nonce": nonce, "client_id": OAUTH_CLIENT_ID, "access_token": token["access_token"]})
    claims.validate()  # iss, aud, exp, iat, nonce and at_hash, as Authlib checks them for st.login
    assert claims["sub"] == FAKE_USER["id"]
    assert claims["preferred_username"] == "fake-user" and claims["name"] == FAKE_USER["fullname"]
    assert claims["email"] == FAKE_USER["email"] and claims["email_verified"] is True
    assert claims["picture"] == fhub.url + FAKE_USER["avatarUrl"] and claims["profile"] == f"{fhub.url}/fake-user"

    info = HTTP.get(metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"})
    assert info.status_code == 200
    assert {k: info.json()[k] for k in ("sub", "preferred_username", "name")} == {
        "sub": FAKE_USER["id"], "preferred_username": "fake-user", "name": FAKE_USER["fullname"]}


def test_the_signed_in_user_can_be_chosen(metadata):
    with FakeHub(oauth_user="no-access-user") as other:
        meta = HTTP.get(f"{other.url}/.well-known/openid-configuration").json()
        oauth = client(meta)
        params, verifier, _ = authorize(meta, oauth)
        token = oauth.fetch_token(meta["token_endpoint"], code=params["code"][0], code_verifier=verifier)
        info = HTTP.get(meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"})
        assert info.json()["preferred_username"] == "no-access-user"


def test_codes_are_single_use_and_bound_to_the_verifier_and_the_client(metadata):
    oauth = client(metadata)
    params, verifier, _ = authorize(metadata, oauth)
    form = {"grant_type": "authorization_code", "code": params["code"][0], "redirect_uri": REDIRECT}
    wrong = HTTP.post(metadata["token_endpoint"], data={**form, "code_verifier": "not-the-verifier"},
                      auth=(OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET))
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    again = HTTP.post(metadata["token_endpoint"], data={**form, "code_verifier": verifier},
                      auth=(OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET))
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant"), "a refused code is spent too"

    params, verifier, _ = authorize(metadata, oauth)
    bad_secret = HTTP.post(metadata["token_endpoint"], auth=(OAUTH_CLIENT_ID, "wrong"),
                           data={**form, "code": params["code"][0], "code_verifier": verifier})
    assert (bad_secret.status_code, bad_secret.json()["error"]) == (401, "invalid_client")
    by_form = HTTP.post(metadata["token_endpoint"], data={
        **form, "code": params["code"][0], "code_verifier": verifier,
        "client_id": OAUTH_CLIENT_ID, "client_secret": OAUTH_CLIENT_SECRET})
    assert by_form.status_code == 200 and by_form.json()["id_token"], \
        "a client that fails to authenticate does not spend the code; client_secret_post works too"


@pytest.mark.parametrize(("change", "expected", "why"), [
    ({"client_id": "someone-else"}, 400, "an unknown client gets an error page, not a redirect"),
    ({"redirect_uri": "https://evil.example/oauth2callback"}, 400, "only loopback redirects are registered"),
])
def test_authorize_refuses_unknown_clients_and_redirects(metadata, change, expected, why):
    query = {"response_type": "code", "client_id": OAUTH_CLIENT_ID, "redirect_uri": REDIRECT,
             "scope": "openid profile", "state": "s", **change}
    answer = HTTP.get(metadata["authorization_endpoint"], params=query, follow_redirects=False)
    assert answer.status_code == expected and "location" not in answer.headers, why


def test_authorize_without_openid_redirects_back_with_an_error(metadata):
    query = {"response_type": "code", "client_id": OAUTH_CLIENT_ID, "redirect_uri": REDIRECT, "scope": "profile",
             "state": "s1"}
    answer = HTTP.get(metadata["authorization_endpoint"], params=query, follow_redirects=False)
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    assert answer.status_code == 302 and back["error"] == ["invalid_scope"] and back["state"] == ["s1"]
    assert "code" not in back


def test_userinfo_refuses_unknown_tokens(metadata):
    answer = HTTP.get(metadata["userinfo_endpoint"], headers={"Authorization": "Bearer hf_oauth_made_up"})
    assert answer.status_code == 401 and "invalid_token" in answer.headers["www-authenticate"]
