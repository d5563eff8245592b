"""HTTP layer of the fake Hub: routing, auth, resolve/Range, pagination, faults and the control API.

See the package docstring (``tests/fakehub/__init__.py``) for the routes and the fault API.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import mimetypes
import os
import re
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl, quote, unquote, urlencode

from .collections import CollectionStore, handle_collections
from .content import Content, FileEntry
from .faults import Fault, FaultRegistry
from .oauth import OAuthProvider
from .store import (
    DEFAULT_FIXTURES_DIR,
    EXPAND_FIELDS,
    KINDS,
    MAX_LIMIT,
    ApiError,
    Repo,
    RepoStore,
    Viewer,
)

__all__ = ["FINE_GRAINED_TOKEN", "NO_ACCESS_TOKEN", "VALID_TOKEN", "WRITE_TOKEN", "FakeHub", "RecordedRequest"]

#: Token of ``fake-user`` (member of the ``hub-explorer-test`` org, granted access to every gated repo).
VALID_TOKEN = "hf_fake_valid_token"
#: Token of ``no-access-user``: valid for whoami and public repos, never granted gated access.
NO_ACCESS_TOKEN = "hf_fake_no_access_token"
#: A ``write`` token of ``fake-user``: may create collections in ``fake-user`` and ``hub-explorer-test``.
WRITE_TOKEN = "hf_fake_write_token"
#: A fine-grained token of ``fake-user``: ``collection.write`` on ``fake-user`` only (read on the org).
FINE_GRAINED_TOKEN = "hf_fake_fine_grained_token"

DEFAULT_PAGE_SIZE = 100
DEFAULT_TREE_PAGE_SIZE = 1000
#: Files of a gated repo anyone may download (the model card is public on the Hub's web pages).
GATE_EXEMPT_FILES = frozenset({"README.md", ".gitattributes"})
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
#: ``(limit, window seconds)`` per rate-limit resource, as the Hub announces for anonymous users.
RATE_LIMITS: dict[str, tuple[int, int]] = {"api": (500, 300), "resolvers": (3000, 300), "pages": (100, 300)}
_SINGULAR_TO_PLURAL = {v: k for k, v in KINDS.items()}


@dataclass
class RecordedRequest:
    """One request the fake Hub answered (kept for assertions in tests; ``status`` 0: connection dropped)."""

    method: str
    path: str
    query: list[tuple[str, str]]
    status: int
    token: str | None
    headers: dict[str, str] = field(default_factory=dict)

    def params(self, name: str) -> list[str]:
        """All values of one query parameter."""
        return [v for k, v in self.query if k == name]


@dataclass
class Response:
    """An answer to send: a small body in memory, or a byte range of a file content streamed in chunks."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: tuple[Content, int, int] | None = None  # content, first byte, last byte (inclusive)
    disconnect: bool = False
    cut_after: int | None = None  # close the connection after this many bytes of the body (a broken download)

    @property
    def length(self) -> int:
        if self.stream is not None:
            _, start, end = self.stream
            return max(0, end - start + 1)
        return len(self.body)


def json_response(data: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(status, [("Content-Type", "application/json; charset=utf-8"), *headers], body)


def error_response(error: ApiError) -> Response:
    headers = [("X-Error-Message", _header_safe(error.message))]
    if error.error_code:
        headers.append(("X-Error-Code", error.error_code))
    headers += list(error.headers.items())
    return json_response({"error": error.message, **error.extra}, error.status, headers)


def _header_safe(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1").replace("\n", " ")


@dataclass
class Request:
    """A parsed request."""

    method: str
    raw_path: str
    path: str
    segments: list[str]
    query_pairs: list[tuple[str, str]]
    headers: Mapping[str, str]
    body: bytes
    viewer: Viewer | None  # None: a bearer token that is not valid
    token: str | None

    @property
    def query(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, value in self.query_pairs:
            out.setdefault(key.removesuffix("[]"), []).append(value)
        return out

    def flag(self, name: str) -> bool:
        values = self.query.get(name, [])
        return bool(values) and values[-1].strip().lower() in {"1", "true", "yes", "on", ""}


class _HubHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], hub: FakeHub) -> None:
        self.hub = hub
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Drop open keep-alive connections, so that clients see a stopped server as gone."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeHub/1.0"
    timeout = 120
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid 40 ms delayed-ACK stalls
    server: _HubHTTPServer

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.hub.verbose:
            sys.stderr.write(f"[fakehub] {self.address_string()} {format % args}\n")

    def _handle(self, method: str) -> None:
        hub = self.server.hub
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        request = hub.parse_request(method, self.path, dict(self.headers.items()), body)
        response = hub.handle(request)
        hub.record(request, response.status)  # before answering, so a client never sees an unlogged answer
        if response.disconnect:
            self.close_connection = True
            return
        self._send(request, response)

    def _send(self, request: Request, response: Response) -> None:
        try:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(response.length))
            self.end_headers()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout): nobody to answer
            self.close_connection = True
            return
        if request.method == "HEAD":
            return
        try:
            chunks = iter([response.body]) if response.stream is None else response.stream[0].iter_range(
                response.stream[1], response.stream[2])
            left = response.cut_after
            for chunk in chunks:
                if left is not None and len(chunk) >= left:  # the connection breaks here
                    self.wfile.write(chunk[:left])
                    self.wfile.flush()
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(chunk)
                if left is not None:
                    left -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class FakeHub:
    """A loopback Hugging Face Hub serving fixture repos (and local folders) in the real API's shapes.

    Args:
        host: interface to bind (default ``127.0.0.1``).
        port: TCP port; ``0`` picks a free one (read :attr:`port` / :attr:`url` after :meth:`start`).
        fixtures_dir: folder with ``models.json``, ``datasets.json``, ``spaces.json``, ``tokens.json`` and
            ``cards/``; defaults to ``tests/fixtures/hub``. ``None`` starts empty (see :meth:`add_repo`).
        page_size: items per page of the list endpoints (env ``FAKEHUB_PAGE_SIZE``, default 100).
        tree_page_size: entries per page of the tree endpoint (env ``FAKEHUB_TREE_PAGE_SIZE``, default 1000).
        strict_tokens: answer 401 "Invalid credentials in Authorization header" to any request carrying an unknown
            bearer token, as the real Hub does; with False, unknown tokens are treated as anonymous.
        local_repos: ``(kind, repo_id, path)`` folders to serve, as with :meth:`add_local_repo`.
        oauth_user: who signs in through the fake Hub's OpenID Connect routes (``tests/fakehub/oauth.py``).
        verbose: log every request to stderr.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        fixtures_dir: str | Path | None = DEFAULT_FIXTURES_DIR,
        page_size: int | None = None,
        tree_page_size: int | None = None,
        strict_tokens: bool = True,
        local_repos: Iterable[tuple[str, str, str | Path]] = (),
        oauth_user: str = "fake-user",
        verbose: bool = False,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.page_size = page_size or int(os.environ.get("FAKEHUB_PAGE_SIZE") or DEFAULT_PAGE_SIZE)
        self.tree_page_size = tree_page_size or int(os.environ.get("FAKEHUB_TREE_PAGE_SIZE") or DEFAULT_TREE_PAGE_SIZE)
        self.strict_tokens = strict_tokens
        self.verbose = verbose
        self.store = RepoStore()
        self.faults = FaultRegistry()
        self.collections = CollectionStore()
        self.oauth = OAuthProvider(self, user=oauth_user)
        if fixtures_dir is not None:
            self.store.load_fixtures(Path(fixtures_dir))
        for kind, repo_id, path in local_repos:
            self.add_local_repo(kind, repo_id, path)
        self._server: _HubHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._log_lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._rate_windows: dict[str, tuple[float, int]] = {}

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def _bind(self) -> _HubHTTPServer:
        if self._server is None:
            self._server = _HubHTTPServer((self.host, self._requested_port), self)
        return self._server

    def start(self) -> Self:
        """Bind and serve in a background (daemon) thread; returns self."""
        server = self._bind()
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, args=(server,), name="fakehub", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Bind and serve in the calling thread until :meth:`stop` (from another thread) or KeyboardInterrupt."""
        server = self._bind()
        self._thread = threading.current_thread()
        try:
            self._serve(server)
        finally:
            self.stop()

    def _serve(self, server: _HubHTTPServer) -> None:
        server.serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        """Stop serving, close the listening socket and drop open connections (idempotent)."""
        server, self._server = self._server, None
        thread, self._thread = self._thread, None
        if server is None:
            return
        if thread is not None and thread is not threading.current_thread():
            server.shutdown()
            thread.join(timeout=5)
        server.server_close()
        server.close_connections()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeHub is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://host:port`` (pass it as ``HfApi(endpoint=...)`` or ``HF_ENDPOINT``)."""
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    # -- test helpers ------------------------------------------------------------------------------------------

    def add_fault(self, path_prefix: str = "/", status: int | None = None, **options: Any) -> Fault:
        """Make the next ``times`` (default 1) requests under ``path_prefix`` fail; see :class:`Fault`."""
        return self.faults.add(Fault(path_prefix=path_prefix, status=status, **options))

    def clear_faults(self) -> None:
        self.faults.clear()

    def add_repo(
        self,
        kind: str,
        record: Mapping[str, Any],
        *,
        card: str | None = None,
        files: Mapping[str, bytes | str | int | Path] | None = None,
    ) -> dict[str, Any]:
        """Add a repo from an API-shaped record (missing ``_id``/``sha``/dates are filled in); returns the record."""
        return self.store.add_record(_kind(kind), record, card=card, files=files).record

    def add_local_repo(self, kind: str, repo_id: str, path: str | Path, **info_overrides: Any) -> dict[str, Any]:
        """Serve every file of folder ``path`` as ``repo_id`` (e.g. a tiny transformers model); returns the record.

        ``info_overrides`` are record fields (``pipeline_tag="text-classification"``, ``library_name=...``,
        ``tags=[...]``, ``gated="auto"``...).
        """
        return self.store.add_local_repo(_kind(kind), repo_id, Path(path), **info_overrides).record

    def add_token(
        self,
        token: str,
        name: str = "extra-user",
        *,
        gated_access: bool = True,
        role: str = "read",
        fine_grained: Mapping[str, Any] | None = None,
        orgs: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        """Register another valid token. ``role``: ``read``, ``write`` or ``fineGrained`` (then ``fine_grained`` is
        the ``{"scoped": [{"entity": {"type", "name"}, "permissions": [...]}], "global": [...]}`` block whoami
        reports); ``orgs``: whoami's org entries (``{"name": ..., "roleInOrg": ...}``)."""
        access: dict[str, Any] = {"displayName": "extra", "role": role}
        if fine_grained is not None:
            access["fineGrained"] = dict(fine_grained)
        self.store.tokens[token] = {
            "token": token,
            "gatedAccess": gated_access,
            "whoami": {
                "type": "user",
                "id": f"fake-{name}",
                "name": name,
                "fullname": name,
                "orgs": [{"type": "org", **org} for org in orgs],
                "auth": {"type": "access_token", "accessToken": access},
            },
        }

    def repo(self, kind: str, repo_id: str) -> dict[str, Any]:
        """The stored record of a repo (KeyError when absent)."""
        found = self.store.get(_kind(kind), repo_id)
        if found is None:
            raise KeyError(repo_id)
        return found.record

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests answered so far (control endpoints excluded)."""
        with self._log_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._requests.clear()

    def record(self, request: Request, status: int) -> None:
        if request.path.startswith("/_fake/"):
            return
        interesting = {k.lower(): v for k, v in request.headers.items() if k.lower() in {"range", "user-agent"}}
        entry = RecordedRequest(request.method, request.path, request.query_pairs, status, request.token, interesting)
        with self._log_lock:
            self._requests.append(entry)
            del self._requests[:-10000]

    # -- request handling --------------------------------------------------------------------------------------

    def parse_request(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Request:
        raw_path, _, raw_query = target.partition("?")
        segments = [unquote(s) for s in raw_path.split("/")[1:]]
        if segments and segments[-1] == "" and len(segments) > 1:
            segments = segments[:-1]
        token = None
        for name, value in headers.items():
            if name.lower() == "authorization" and value.lower().startswith("bearer "):
                token = value[7:].strip() or None
        viewer = self.store.viewer_for(token)
        if viewer is None and not self.strict_tokens:
            viewer = Viewer()
        return Request(
            method=method,
            raw_path=raw_path,
            path=unquote(raw_path),
            segments=segments,
            query_pairs=parse_qsl(raw_query, keep_blank_values=True),
            headers=headers,
            body=body,
            viewer=viewer,
            token=token,
        )

    def handle(self, request: Request) -> Response:
        """Answer one request: control endpoints, then injected faults, then the Hub routes."""
        if request.path.startswith("/_fake/") or request.path == "/_fake":
            return self._control(request)
        try:
            fault = self.faults.take(request.method, request.path)
            response = self._apply_fault(fault, request) if fault is not None else None
            if response is None:
                response = self._route(request)
                if fault is not None and fault.cut_after is not None:
                    response.cut_after = fault.cut_after
        except ApiError as error:
            response = error_response(error)
        except Exception as error:  # noqa: BLE001 - a server must answer
            traceback.print_exc(file=sys.stderr)
            response = json_response({"error": f"Internal Error - {type(error).__name__}: {error}"}, 500)
        if not response.disconnect:
            response.headers += self._common_headers(request, response)
        return response

    def _common_headers(self, request: Request, response: Response) -> list[tuple[str, str]]:
        """``X-Request-Id`` and the Hub's ``RateLimit`` headers (counted per 5-minute window, never enforced)."""
        resource = "resolvers" if "/resolve/" in request.path else "api"
        limit, window = RATE_LIMITS[resource]
        now = time.monotonic()
        with self._log_lock:
            start, used = self._rate_windows.get(resource, (now, 0))
            if now - start >= window:
                start, used = now, 0
            used += 1
            self._rate_windows[resource] = (start, used)
        reset = max(1, int(window - (now - start)))
        headers = [("X-Request-Id", f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}")]
        if not any(name.lower() == "ratelimit" for name, _ in response.headers):
            headers += [
                ("RateLimit", f'"{resource}";r={max(0, limit - used)};t={reset}'),
                ("RateLimit-Policy", f'"fixed window";"{resource}";q={limit};w={window}'),
            ]
        return headers

    def _apply_fault(self, fault: Fault, request: Request) -> Response | None:
        if fault.delay:
            time.sleep(fault.delay)
        if fault.disconnect:
            return Response(0, disconnect=True)
        if fault.malformed:
            body = b'[{"_id":"65f0c0ffee","id":"truncated-respo'
            return Response(200, [("Content-Type", "application/json; charset=utf-8")], body)
        if fault.status is None:
            return None
        headers: list[tuple[str, str]] = []
        if fault.status == 429:
            resource = "resolvers" if "/resolve/" in request.path else "api"
            limit, window = RATE_LIMITS[resource]
            headers += [
                ("Retry-After", str(fault.retry_after)),
                ("RateLimit", f'"{resource}";r=0;t={fault.retry_after}'),
                ("RateLimit-Policy", f'"fixed window";"{resource}";q={limit};w={window}'),
            ]
            message = fault.message or (
                f"You have exceeded our hourly quotas for action '{resource}'. We invite you to retry later."
            )
        else:
            if fault.retry_after is not None:
                headers.append(("Retry-After", str(fault.retry_after)))
            message = fault.message or _STATUS_MESSAGES.get(fault.status, HTTPStatus(fault.status).phrase)
        return error_response(ApiError(fault.status, message, fault.error_code, dict(headers)))

    # -- routing -----------------------------------------------------------------------------------------------

    def _route(self, request: Request) -> Response:
        if len(request.segments) == 2 and request.segments[0] == "viewer":  # dataset viewer API (fakehub/viewer.py)
            from .viewer import handle_viewer

            return handle_viewer(self, request)
        oidc = self.oauth.handle(request)  # sign-in routes (fakehub/oauth.py): public, their own token checks
        if oidc is not None:
            return oidc
        if request.viewer is None:
            raise ApiError(401, INVALID_CREDENTIALS)
        segments = request.segments
        method = request.method
        if segments[:1] == ["api"]:
            if segments[1:] == ["whoami-v2"] and method in ("GET", "HEAD"):
                return self._whoami(request)
            if segments[1:] == ["agent-harnesses"] and method in ("GET", "HEAD"):
                # huggingface_hub fetches this registry once a day (at its import-time ENDPOINT) for its user agent
                return json_response({"standardEnvVars": ["AI_AGENT", "AGENT"], "harnesses": {}})
            if segments[1:2] == ["collections"]:  # fakehub/collections.py
                return handle_collections(self, request, self._base_url(request))
            if len(segments) == 2 and segments[1] in KINDS and method in ("GET", "HEAD"):
                return self._list(request, KINDS[segments[1]])
            if len(segments) >= 3 and segments[1] in KINDS:
                return self._repo_api(request, KINDS[segments[1]], segments[2:])
            raise ApiError(404, "Sorry, we can't find the page you are looking for.")
        if method in ("GET", "HEAD"):
            kind = "model"
            rest = segments
            if segments[:1] in (["datasets"], ["spaces"]) and len(segments) > 1:
                kind, rest = KINDS[segments[0]], segments[1:]
            found = self._split_repo(kind, rest, next_segment="resolve")
            if found is not None:
                repo_id, tail = found
                return self._resolve(request, kind, repo_id, tail[1:])
        raise ApiError(404, "Sorry, we can't find the page you are looking for.")

    def _split_repo(
        self, kind: str, segments: list[str], next_segment: str | None = None
    ) -> tuple[str, list[str]] | None:
        """Split ``segments`` into ``(repo_id, rest)``; repo ids are ``name`` or ``namespace/name``."""
        candidates = []
        if len(segments) >= 2:
            candidates.append(("/".join(segments[:2]), segments[2:]))
        if segments:
            candidates.append((segments[0], segments[1:]))
        if next_segment is not None:
            candidates = [c for c in candidates if c[1][:1] == [next_segment]]
        for repo_id, rest in candidates:
            if self.store.get(kind, repo_id) is not None:
                return repo_id, rest
        return candidates[0] if candidates else None

    def _visible_repo(self, request: Request, kind: str, repo_id: str) -> Repo:
        repo = self.store.get(kind, repo_id)
        assert request.viewer is not None
        if repo is None or not self.store.can_see(repo, request.viewer):
            raise ApiError(404, "Repository not found", "RepoNotFound")
        return repo

    def _check_gate(self, request: Request, repo: Repo) -> None:
        assert request.viewer is not None
        if repo.disabled:
            raise ApiError(403, "Access to this resource is disabled.")
        if not repo.gated or request.viewer.gated_access:
            return
        if not request.viewer.authenticated:
            raise ApiError(
                401,
                f"Access to {repo.kind} {repo.id} is restricted. You must have access to it and be authenticated "
                "to access it. Please log in.",
                "GatedRepo",
            )
        prefix = "" if repo.kind == "model" else f"{_SINGULAR_TO_PLURAL[repo.kind]}/"
        raise ApiError(
            403,
            f"Access to {repo.kind} {repo.id} is restricted and you are not in the authorized list. "
            f"Visit {self._base_url(request)}/{prefix}{repo.id} to ask for access.",
            "GatedRepo",
        )

    def _base_url(self, request: Request) -> str:
        host = next((v for k, v in request.headers.items() if k.lower() == "host"), None)
        return f"http://{host}" if host else self.url

    # -- whoami ------------------------------------------------------------------------------------------------

    def _whoami(self, request: Request) -> Response:
        assert request.viewer is not None
        if not request.viewer.authenticated:
            raise ApiError(401, INVALID_CREDENTIALS if request.token else "Invalid username or password.")
        return json_response(dict(request.viewer.user or {}))

    # -- listing -----------------------------------------------------------------------------------------------

    def _list(self, request: Request, kind: str) -> Response:
        assert request.viewer is not None
        query = request.query
        limit = _int_param(query, "limit", minimum=1)
        expand = query.get("expand", [])
        _validate_expand(kind, expand)
        offset = _decode_cursor(query.get("cursor", [None])[-1])
        repos = self.store.search(kind, query, request.viewer)
        size = min(self.page_size, limit or MAX_LIMIT, MAX_LIMIT)
        page = repos[offset : offset + size]
        full = request.flag("full")
        if expand:
            items = [repo.expanded(self.store, expand) for repo in page]
        else:
            items = [
                repo.list_item(self.store, full=full, card_data=request.flag("cardData"), config=request.flag("config"))
                for repo in page
            ]
        headers = []
        if offset + size < len(repos):
            headers.append(("Link", self._next_link(request, offset + size)))
        return json_response(items, headers=headers)

    def _next_link(self, request: Request, offset: int) -> str:
        pairs = [(k, v) for k, v in request.query_pairs if k != "cursor"] + [("cursor", _encode_cursor(offset))]
        url = f"{self._base_url(request)}{request.raw_path}?{urlencode(pairs)}"
        return f'<{url}>; rel="next"'

    # -- repo API ----------------------------------------------------------------------------------------------

    def _repo_api(self, request: Request, kind: str, segments: list[str]) -> Response:
        found = self._split_repo(kind, segments)
        if found is None or not found[0]:
            raise ApiError(404, "Repository not found", "RepoNotFound")
        repo_id, rest = found
        repo = self._visible_repo(request, kind, repo_id)
        method = request.method
        if not rest:
            if method in ("GET", "HEAD"):
                return self._info(request, repo)
            raise ApiError(405, f"Method {method} is not allowed on this fake Hub")
        head = rest[0]
        if head == "revision" and len(rest) >= 2 and method in ("GET", "HEAD"):
            self._check_gate(request, repo)
            repo.resolve_revision("/".join(rest[1:]))
            return self._info(request, repo)
        if head == "tree" and len(rest) >= 2 and method in ("GET", "HEAD"):
            return self._tree(request, repo, rest[1], "/".join(rest[2:]))
        if head == "paths-info" and len(rest) >= 2 and method == "POST":
            return self._paths_info(request, repo, "/".join(rest[1:]))
        if head == "refs" and len(rest) == 1 and method in ("GET", "HEAD"):
            return self._refs(request, repo)
        if head == "commits" and len(rest) >= 2 and method in ("GET", "HEAD"):
            repo.resolve_revision("/".join(rest[1:]))
            return json_response([self._commit(repo)])
        if head == "safetensors-metadata" and kind == "model" and method in ("GET", "HEAD"):
            return self._safetensors_metadata(request, repo)
        if head == "runtime" and kind == "space" and len(rest) == 1 and method in ("GET", "HEAD"):
            return json_response(repo.record.get("runtime") or {"stage": "NO_APP_FILE", "hardware": None})
        raise ApiError(404, "Sorry, we can't find the page you are looking for.")

    def _info(self, request: Request, repo: Repo) -> Response:
        expand = request.query.get("expand", [])
        _validate_expand(repo.kind, expand)
        body = repo.info(
            self.store, expand=expand, blobs=request.flag("blobs"), security=request.flag("securityStatus")
        )
        return json_response(body)

    def _refs(self, request: Request, repo: Repo) -> Response:
        body: dict[str, Any] = {
            "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": repo.sha}],
            "converts": [],
            "tags": [],
        }
        if request.flag("include_prs"):
            body["pullRequests"] = []
        return json_response(body)

    def _commit(self, repo: Repo) -> dict[str, Any]:
        return {
            "id": repo.sha,
            "title": "Upload folder using huggingface_hub",
            "message": "",
            "authors": [{"user": repo.author or "fake-user", "avatar": None}],
            "date": repo.record.get("lastModified"),
        }

    def _tree_entries(self, repo: Repo, expand: bool) -> dict[str, dict[str, Any]]:
        """Every file and directory of the repo by path, sorted, in the tree endpoint's shape."""
        commit = {
            "id": repo.sha,
            "title": "Upload folder using huggingface_hub",
            "date": repo.record.get("lastModified"),
        }
        entries: dict[str, dict[str, Any]] = {}
        for entry in repo.files.values():
            parts = entry.path.split("/")
            for depth in range(1, len(parts)):
                directory = "/".join(parts[:depth])
                if directory not in entries:
                    item: dict[str, Any] = {
                        "type": "directory",
                        "oid": _hex_digest(f"tree:{repo.sha}:{directory}"),
                        "size": 0,
                        "path": directory,
                    }
                    if expand:
                        item["lastCommit"] = commit
                    entries[directory] = item
            entries[entry.path] = _file_tree_item(entry, commit if expand else None)
        return dict(sorted(entries.items()))

    def _tree(self, request: Request, repo: Repo, revision: str, path: str) -> Response:
        if repo.disabled:
            raise ApiError(403, "Access to this resource is disabled.")
        repo.resolve_revision(revision)
        expand = request.flag("expand")
        recursive = request.flag("recursive")
        entries = self._tree_entries(repo, expand)
        path = path.strip("/")
        if path and (path not in entries or entries[path]["type"] != "directory"):
            raise ApiError(404, f'Entry not found: "{path}" does not exist on "{revision}"', "EntryNotFound")
        prefix = f"{path}/" if path else ""
        selected = [
            item
            for item_path, item in entries.items()
            if item_path.startswith(prefix) and (recursive or "/" not in item_path[len(prefix) :])
        ]
        offset = _decode_cursor(request.query.get("cursor", [None])[-1])
        size = self.tree_page_size
        headers = []
        if offset + size < len(selected):
            headers.append(("Link", self._next_link(request, offset + size)))
        return json_response(selected[offset : offset + size], headers=headers)

    def _paths_info(self, request: Request, repo: Repo, revision: str) -> Response:
        if repo.disabled:
            raise ApiError(403, "Access to this resource is disabled.")
        repo.resolve_revision(revision)
        form = parse_qsl(request.body.decode("utf-8"), keep_blank_values=True)
        paths = [v for k, v in form if k in ("paths", "paths[]")]
        expand = any(k == "expand" and v.lower() == "true" for k, v in form)
        entries = self._tree_entries(repo, expand)
        return json_response([entries[p.strip("/")] for p in paths if p.strip("/") in entries])

    def _safetensors_metadata(self, request: Request, repo: Repo) -> Response:
        self._check_gate(request, repo)
        if repo.safetensors_index is None:
            raise ApiError(404, "Entry not found", "EntryNotFound")
        headers = {
            shard: repo.safetensors_headers[shard]
            for shard in sorted(set(repo.safetensors_index["weight_map"].values()))
        }
        index = {"metadata": repo.safetensors_index["metadata"]}
        return json_response({"index": index, "headers": headers})

    # -- resolve -----------------------------------------------------------------------------------------------

    def _resolve(self, request: Request, kind: str, repo_id: str, tail: list[str]) -> Response:
        repo = self._visible_repo(request, kind, repo_id)
        if not tail:
            raise ApiError(404, "Sorry, we can't find the page you are looking for.")
        commit = repo.resolve_revision(tail[0])
        path = "/".join(tail[1:])
        if path not in GATE_EXEMPT_FILES or repo.disabled:
            self._check_gate(request, repo)
        entry = repo.files.get(path)
        if entry is None:
            raise ApiError(404, "Entry not found", "EntryNotFound", {"X-Repo-Commit": commit})
        headers = [
            ("Content-Type", _content_type(path)),
            ("Accept-Ranges", "bytes"),
            ("ETag", f'"{entry.etag}"'),
            ("X-Repo-Commit", commit),
            ("Content-Disposition", f"inline; filename*=UTF-8''{quote(path.rsplit('/', 1)[-1])};"),
        ]
        if entry.lfs:
            headers += [("X-Linked-Etag", f'"{entry.etag}"'), ("X-Linked-Size", str(entry.size))]
        size = entry.size
        range_header = next((v for k, v in request.headers.items() if k.lower() == "range"), None)
        if range_header:
            parsed = _parse_range(range_header, size)
            if parsed is None:
                return Response(416, [*headers, ("Content-Range", f"bytes */{size}")], b"")
            start, end = parsed
            headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
            return Response(206, headers, stream=(entry.content, start, end))
        return Response(200, headers, stream=(entry.content, 0, size - 1))

    # -- control API -------------------------------------------------------------------------------------------

    def _control(self, request: Request) -> Response:
        path, method = request.path.rstrip("/"), request.method
        if path == "/_fake/health":
            return json_response({"ok": True})
        if path == "/_fake/faults":
            if method == "GET":
                return json_response(self.faults.snapshot())
            if method == "DELETE":
                self.faults.clear()
                return json_response({"cleared": True})
            if method == "POST":
                try:
                    data = json.loads(request.body or b"{}")
                    specs = data if isinstance(data, list) else [data]
                    faults = [self.faults.add(Fault.from_json(spec)) for spec in specs]
                except (ValueError, TypeError) as error:
                    return json_response({"error": str(error)}, 400)
                return json_response(
                    [f.to_json() for f in faults] if isinstance(data, list) else faults[0].to_json(), 201
                )
        match = re.fullmatch(r"/_fake/faults/(\d+)", path)
        if match and method == "DELETE":
            removed = self.faults.remove(int(match.group(1)))
            return json_response({"removed": removed}, 200 if removed else 404)
        if path == "/_fake/requests":
            if method == "GET":
                return json_response([r.__dict__ for r in self.requests])
            if method == "DELETE":
                self.clear_requests()
                return json_response({"cleared": True})
        if path == "/_fake/reset" and method == "POST":
            self.faults.clear()
            self.clear_requests()
            self.collections.clear()
            return json_response({"reset": True})
        return json_response({"error": "unknown control endpoint"}, 404)


_STATUS_MESSAGES = {
    500: "Internal Error - We're working hard to fix this as soon as possible!",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _kind(kind: str) -> str:
    kind = kind.lower()
    if kind in KINDS:
        return KINDS[kind]
    if kind in KINDS.values():
        return kind
    raise ValueError(f"unknown repo kind {kind!r} (model, dataset or space)")


def _hex_digest(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()


def _file_tree_item(entry: FileEntry, commit: dict[str, Any] | None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "file", "oid": entry.oid, "size": entry.size}
    lfs = entry.lfs_info_tree()
    if lfs is not None:
        item["lfs"] = lfs
    item["path"] = entry.path
    if commit is not None:
        item["lastCommit"] = commit
        item["securityFileStatus"] = {
            "status": "safe",
            "avScan": {"virusFound": False, "virusNames": None},
            "pickleImportScan": None,
        }
    return item


def _content_type(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name.endswith((".md", ".txt", ".py", ".yaml", ".yml", ".jinja")) or "." not in name or name == ".gitattributes":
        return "text/plain; charset=utf-8"
    if name.endswith(".json"):
        return "application/json; charset=utf-8"
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


_RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``(start, end)`` inclusive for a single ``bytes=a-b`` / ``a-`` / ``-n`` range, None if unsatisfiable."""
    match = _RANGE_RE.match(header)
    if match is None or size == 0:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0:
            return None
        return max(0, size - suffix), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return None
    return start, end


def _int_param(query: Mapping[str, list[str]], name: str, minimum: int = 0) -> int | None:
    values = query.get(name)
    if not values or values[-1] == "":
        return None
    try:
        value = int(values[-1])
    except ValueError:
        raise ApiError(400, f'"{name}" must be a number', "BadRequest") from None
    if value < minimum:
        raise ApiError(400, f'"{name}" must be greater than or equal to {minimum}', "BadRequest")
    return value


def _validate_expand(kind: str, expand: list[str]) -> None:
    allowed = EXPAND_FIELDS[kind]
    for index, value in enumerate(expand):
        if value not in allowed:
            raise ApiError(400, f'"expand[{index}]" must be one of [{", ".join(sorted(allowed))}]', "BadRequest")


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset = int(data["o"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ApiError(400, "Invalid cursor", "BadRequest") from None
    if offset < 0:
        raise ApiError(400, "Invalid cursor", "BadRequest")
    return offset
