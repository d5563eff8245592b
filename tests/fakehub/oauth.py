"""The fake Hub as an OpenID Connect provider, the way the real Hub serves "Sign in with Hugging Face".

Routes (public: no token needed, and an unknown bearer token is not refused here)::

    GET  /.well-known/openid-configuration   the discovery document (issuer = the fake Hub's URL, as the real one's
                                             is https://huggingface.co); PKCE S256, RS256 ID tokens
    GET  /oauth/authorize                    response_type=code, client_id, redirect_uri, scope (with openid), state,
                                             nonce, code_challenge(_method): consent is automatic for the test user,
                                             a 302 back to redirect_uri?code=...&state=...
    POST /oauth/token                        grant_type=authorization_code, code, redirect_uri, code_verifier; the
                                             client authenticates with HTTP Basic or client_id/client_secret in the
                                             form. Answers {"access_token", "token_type", "expires_in", "id_token",
                                             "scope"}; errors as RFC 6749 says (400 invalid_grant, 401 invalid_client)
    GET  /oauth/userinfo                     the user's claims for a bearer access token from /oauth/token
    GET  /oauth/jwks                         the public key the ID tokens are signed with

The one registered client is :data:`OAUTH_CLIENT_ID` / :data:`OAUTH_CLIENT_SECRET`; it may redirect to any loopback
URL (``http://127.0.0.1:<port>/...``, ``http://localhost:<port>/...``), as an OAuth app registered for local testing
would. The user who consents is ``FakeHub(oauth_user=...)`` (default ``fake-user``, a user of
``tests/fixtures/hub/tokens.json``); claims are the Hub's: ``sub`` (the user id), ``name`` (full name),
``preferred_username`` (the handle), ``picture``, ``profile``, ``isPro``, and ``email``/``email_verified`` when the
``email`` scope is asked. Codes are single-use and expire after a minute; ID tokens after an hour.

The RSA key is made on first use (about a third of a second) with ``joserfc``, which Authlib (Streamlit's
``st.login``) uses to check the signature; nothing outside the standard library is imported before that.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit

from .store import ApiError

if TYPE_CHECKING:
    from .server import FakeHub, Request, Response

__all__ = ["OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAuthProvider"]

OAUTH_CLIENT_ID = "hub-explorer-test-client"
OAUTH_CLIENT_SECRET = "hub-explorer-test-secret"  # a test fixture, like the fake tokens
CODE_SECONDS = 60
TOKEN_SECONDS = 3600
SCOPES = ("openid", "profile", "email", "read-repos", "write-repos", "manage-repos", "inference-api")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    scope: list[str]
    nonce: str | None
    challenge: str | None
    challenge_method: str | None
    user: dict[str, Any]
    expires: float


class OAuthProvider:
    """One fake Hub's OpenID Connect state: the signing key, pending codes and issued access tokens."""

    def __init__(self, hub: FakeHub, *, user: str = "fake-user", clients: dict[str, str] | None = None) -> None:
        self.hub = hub
        self.user = user
        self.clients = dict(clients or {OAUTH_CLIENT_ID: OAUTH_CLIENT_SECRET})
        self._lock = threading.Lock()
        self._key: Any = None
        self._codes: dict[str, _Grant] = {}
        self._access: dict[str, tuple[_Grant, float]] = {}

    # -- routing -----------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        """The answer for an OIDC route, or None when ``request`` is not one."""
        path, method = request.path, request.method
        if path == "/.well-known/openid-configuration" and method in ("GET", "HEAD"):
            return self._json(self.metadata())
        if path == "/oauth/jwks" and method in ("GET", "HEAD"):
            return self._json({"keys": [self._signing_key().as_dict(private=False)]})
        if path == "/oauth/authorize" and method == "GET":
            return self._authorize(request)
        if path == "/oauth/token" and method == "POST":
            return self._token(request)
        if path == "/oauth/userinfo" and method in ("GET", "POST"):
            return self._userinfo(request)
        return None

    @property
    def issuer(self) -> str:
        return self.hub.url

    def metadata(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "userinfo_endpoint": f"{base}/oauth/userinfo",
            "jwks_uri": f"{base}/oauth/jwks",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "name", "preferred_username", "profile", "picture", "website", "email",
                                 "email_verified", "isPro", "orgs"],
        }

    # -- the flow ----------------------------------------------------------------------------------------------

    def _authorize(self, request: Request) -> Response:
        from .server import Response

        query = {k: v for k, v in request.query_pairs}
        client_id, redirect_uri = query.get("client_id", ""), query.get("redirect_uri", "")
        if client_id not in self.clients:
            return self._page(400, "Unknown client_id")
        if not _is_loopback_url(redirect_uri):
            return self._page(400, "redirect_uri is not registered for this OAuth app")
        state = query.get("state")
        scope = query.get("scope", "").split()
        error = None
        if query.get("response_type") != "code":
            error = ("unsupported_response_type", "Only response_type=code is supported")
        elif "openid" not in scope:
            error = ("invalid_scope", "The openid scope is required")
        elif query.get("code_challenge") and query.get("code_challenge_method", "plain") != "S256":
            error = ("invalid_request", "code_challenge_method must be S256")
        if error is not None:
            return Response(302, [("Location", _with_params(redirect_uri, error=error[0], error_description=error[1],
                                                            state=state))])
        user = self._consenting_user()
        grant = _Grant(client_id, redirect_uri, scope, query.get("nonce"), query.get("code_challenge"),
                       query.get("code_challenge_method"), user, time.time() + CODE_SECONDS)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = grant
        return Response(302, [("Location", _with_params(redirect_uri, code=code, state=state))])

    def _token(self, request: Request) -> Response:
        form = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        client_id, client_secret = _basic_auth(request) or (form.get("client_id"), form.get("client_secret"))
        if client_id not in self.clients or not secrets.compare_digest(self.clients[client_id], client_secret or ""):
            return self._json({"error": "invalid_client", "error_description": "Client authentication failed"}, 401)
        if form.get("grant_type") != "authorization_code":
            return self._json({"error": "unsupported_grant_type"}, 400)
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # a code is used once, even when refused
        if grant is None or grant.expires < time.time():
            return self._json({"error": "invalid_grant", "error_description": "Unknown or expired code"}, 400)
        if grant.client_id != client_id or grant.redirect_uri != form.get("redirect_uri"):
            return self._json({"error": "invalid_grant", "error_description": "redirect_uri or client mismatch"}, 400)
        if grant.challenge is not None:
            verifier = form.get("code_verifier", "")
            if _s256(verifier) != grant.challenge:
                return self._json({"error": "invalid_grant", "error_description": "PKCE verification failed"}, 400)
        access_token = "hf_oauth_" + secrets.token_hex(16)
        with self._lock:
            self._access[access_token] = (grant, time.time() + TOKEN_SECONDS)
        now = int(time.time())
        claims = {
            **self._claims(grant),
            "iss": self.issuer,
            "aud": client_id,
            "iat": now,
            "auth_time": now,
            "exp": now + TOKEN_SECONDS,
            "at_hash": _at_hash(access_token),
            **({"nonce": grant.nonce} if grant.nonce else {}),
        }
        from joserfc import jwt

        key = self._signing_key()
        id_token = jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)
        body = {"access_token": access_token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS,
                "id_token": id_token, "scope": " ".join(grant.scope)}
        return self._json(body, headers=[("Cache-Control", "no-store")])

    def _userinfo(self, request: Request) -> Response:
        with self._lock:
            found = self._access.get(request.token or "")
        if found is None or found[1] < time.time():
            raise ApiError(401, "Invalid or expired access token",
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return self._json(self._claims(found[0]))

    # -- helpers -----------------------------------------------------------------------------------------------

    def _consenting_user(self) -> dict[str, Any]:
        for entry in self.hub.store.tokens.values():
            user = entry.get("whoami") or {}
            if user.get("name") == self.user:
                return dict(user)
        raise ApiError(500, f"The fake Hub has no user named {self.user!r} to sign in")

    def _claims(self, grant: _Grant) -> dict[str, Any]:
        user, base = grant.user, self.issuer
        avatar = str(user.get("avatarUrl") or "")
        claims: dict[str, Any] = {
            "sub": str(user.get("id")),
            "name": user.get("fullname") or user.get("name"),
            "preferred_username": user.get("name"),
            "profile": f"{base}/{user.get('name')}",
            "picture": avatar if avatar.startswith("http") else f"{base}{avatar}",
            "isPro": bool(user.get("isPro")),
        }
        if "email" in grant.scope and user.get("email"):
            claims |= {"email": user["email"], "email_verified": bool(user.get("emailVerified"))}
        return claims

    def _signing_key(self) -> Any:
        with self._lock:
            if self._key is None:
                from joserfc.jwk import RSAKey

                self._key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
            return self._key

    @staticmethod
    def _json(data: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
        from .server import json_response

        return json_response(data, status, headers or [])

    @staticmethod
    def _page(status: int, message: str) -> Response:
        from .server import Response

        body = f"<!doctype html><title>OAuth error</title><h1>{status}</h1><p>{message}</p>".encode()
        return Response(status, [("Content-Type", "text/html; charset=utf-8")], body)


def _is_loopback_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and (host in _LOOPBACK or f"[{host}]" in _LOOPBACK) and not parts.fragment


def _with_params(url: str, **params: str | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{url}{'&' if urlsplit(url).query else '?'}{query}"


def _basic_auth(request: Request) -> tuple[str, str] | None:
    header = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
    if not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:].strip()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = raw.partition(":")
    return unquote_plus(client_id), unquote_plus(secret)  # RFC 6749 2.3.1: form-urlencoded before base64


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _s256(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())


def _at_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6: the left half of the SHA-256 of the access token, base64url."""
    return _b64url(hashlib.sha256(access_token.encode("ascii")).digest()[:16])
