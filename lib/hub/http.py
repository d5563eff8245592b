"""The HTTP client every Hub call goes through, configured once per process (`configure`).

`FailFastTransport` is installed as huggingface_hub's HTTP client. huggingface_hub retries 429, 5xx and connection
errors up to five times with sleeps (honouring `Retry-After`), which would freeze a page for minutes. The transport
turns those answers into `RateLimitedError` (carrying the wait the Hub asked for), `HubUnavailableError`,
`HubUnreachableError` and `HubTimeoutError` at once; they are not httpx errors, so huggingface_hub does not retry
them, and the page can say so and offer a retry.

It also bounds every request by `HUB_EXPLORER_TIMEOUT`: `HfApi` methods pass `timeout=None` per request, which
overrides the client's default timeout (a Hub that hangs would hold a page for minutes). Any timeout the caller left
unset (None) is replaced by the configured one; a timeout a caller did set (file downloads:
`HF_HUB_DOWNLOAD_TIMEOUT`) is kept.

Everything else huggingface_hub raises becomes an app error in `lib.translate`.
"""

from __future__ import annotations

import threading

import httpx2
from huggingface_hub import set_client_factory

from lib import errors
from lib.settings import Settings
from lib.translate import retry_after_seconds

try:  # adds request ids and honours HF_HUB_OFFLINE, as huggingface_hub's default client does
    from huggingface_hub.utils._http import hf_request_event_hook as _hf_request_hook
except ImportError:  # pragma: no cover - a future huggingface_hub may move it
    _hf_request_hook = None

__all__ = ["FailFastTransport", "configure", "configured_timeout", "reset_client", "retry_after_seconds"]

_SERVER_ERRORS = frozenset({500, 502, 503, 504})
_TIMEOUT_PHASES = ("connect", "read", "write", "pool")


def _origin(request: httpx2.Request) -> str:
    url = request.url
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"


class FailFastTransport(httpx2.BaseTransport):
    """Wraps a transport; bounds each request by `timeout` and raises the app's errors for unreachable or slow
    hosts, rate limits and server errors."""

    def __init__(self, inner: httpx2.BaseTransport | None = None, *, timeout: float | None = None) -> None:
        self._inner = inner or httpx2.HTTPTransport()
        self.timeout = timeout

    def _bounded(self, request: httpx2.Request) -> None:
        if self.timeout is None:
            return
        current = dict(request.extensions.get("timeout") or {})
        request.extensions = {
            **request.extensions,
            "timeout": {phase: current.get(phase) or self.timeout for phase in _TIMEOUT_PHASES},
        }

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self._bounded(request)
        try:
            response = self._inner.handle_request(request)
        except httpx2.TimeoutException as exc:
            raise errors.HubTimeoutError(f"{_origin(request)} did not answer in time.") from exc
        except (httpx2.NetworkError, httpx2.RemoteProtocolError) as exc:
            raise errors.HubUnreachableError(f"Could not connect to {_origin(request)}.") from exc
        if response.status_code == 429:
            wait = retry_after_seconds(response.headers)
            response.close()
            raise errors.RateLimitedError(
                "The Hub's rate limit was reached" + (f"; it asks to wait {wait:g} s." if wait is not None else "."),
                retry_after=wait,
            )
        if response.status_code in _SERVER_ERRORS:
            response.close()
            raise errors.HubUnavailableError(f"{_origin(request)} answered HTTP {response.status_code}.")
        return response

    def close(self) -> None:
        self._inner.close()


_configured: float | None = None
_lock = threading.Lock()


def configure(settings: Settings) -> None:
    """Once per process (the app's router and every page through `lib.ui.hub_cache`, each CLI's `main`): huggingface_hub's
    HTTP client becomes one with `FailFastTransport` bounded by `settings.timeout`. Calling it again with the same
    timeout does nothing."""
    global _configured
    timeout = settings.timeout
    with _lock:
        if _configured == timeout:
            return

        def factory() -> httpx2.Client:
            return httpx2.Client(
                event_hooks={"request": [_hf_request_hook]} if _hf_request_hook else {},
                follow_redirects=True,
                timeout=httpx2.Timeout(timeout),
                transport=FailFastTransport(timeout=timeout),
            )

        set_client_factory(factory)  # also closes the previous shared client
        _configured = timeout


def configured_timeout() -> float | None:
    """The timeout `configure` installed, or None when huggingface_hub still has its own client."""
    return _configured


def reset_client() -> None:
    """Give huggingface_hub back its own default client (retries and all); tests use it."""
    global _configured
    from huggingface_hub.utils._http import default_client_factory

    with _lock:
        set_client_factory(default_client_factory)
        _configured = None
