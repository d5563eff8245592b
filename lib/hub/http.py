"""The one place where huggingface_hub and HTTP failures become the app's errors (`lib.errors`).

Two parts:

* `FailFastTransport`, installed as huggingface_hub's HTTP client (`install_client`). huggingface_hub
  retries 429, 5xx and connection errors up to five times with sleeps (honouring `Retry-After`), which
  would freeze a page for minutes. The transport turns those answers into `RateLimitedError` (carrying the
  wait the Hub asked for), `HubUnavailableError` and `HubUnreachableError` at once; they are not httpx
  errors, so huggingface_hub does not retry them, and the page can say so and offer a retry.
* `translate()` / `hub_errors()`, which map everything else huggingface_hub raises (not found, gated,
  unauthorised, malformed JSON) to the same tree.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx2
from huggingface_hub import errors as hf_errors
from huggingface_hub import set_client_factory
from huggingface_hub.utils import parse_ratelimit_headers

from lib import errors

try:  # adds request ids and honours HF_HUB_OFFLINE, as huggingface_hub's default client does
    from huggingface_hub.utils._http import hf_request_event_hook as _hf_request_hook
except ImportError:  # pragma: no cover - a future huggingface_hub may move it
    _hf_request_hook = None

_SERVER_ERRORS = frozenset({500, 502, 503, 504})


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait a 429 asks for: the `RateLimit` header's reset when exhausted, else `Retry-After` seconds."""
    info = parse_ratelimit_headers(headers)
    if info is not None and info.remaining == 0:
        return float(info.reset_in_seconds)
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:  # an HTTP date: we do not guess
        return None


def _origin(request: httpx2.Request) -> str:
    url = request.url
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"


class FailFastTransport(httpx2.BaseTransport):
    """Wraps a transport; raises the app's errors for unreachable hosts, rate limits and server errors."""

    def __init__(self, inner: httpx2.BaseTransport | None = None) -> None:
        self._inner = inner or httpx2.HTTPTransport()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            response = self._inner.handle_request(request)
        except httpx2.TimeoutException as exc:
            raise errors.HubUnreachableError(f"{_origin(request)} did not answer in time.") from exc
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


_installed_timeout: float | None = None
_install_lock = threading.Lock()


def install_client(timeout: float) -> None:
    """Make huggingface_hub use a client with `FailFastTransport` and a real timeout (its default has none)."""
    global _installed_timeout
    with _install_lock:
        if _installed_timeout == timeout:
            return

        def factory() -> httpx2.Client:
            return httpx2.Client(
                event_hooks={"request": [_hf_request_hook]} if _hf_request_hook else {},
                follow_redirects=True,
                timeout=httpx2.Timeout(timeout, read=max(timeout, 30.0)),
                transport=FailFastTransport(),
            )

        set_client_factory(factory)  # also closes the previous shared client
        _installed_timeout = timeout


def reset_client() -> None:
    """Give huggingface_hub back its own default client (retries and all); the next HubClient installs ours again."""
    global _installed_timeout
    from huggingface_hub.utils._http import default_client_factory

    with _install_lock:
        set_client_factory(default_client_factory)
        _installed_timeout = None


def translate(exc: BaseException, *, what: str | None = None) -> errors.HubExplorerError:
    """The app error for an exception raised while talking to the Hub. `what` names the thing asked for."""
    thing = what or "That repository"
    if isinstance(exc, errors.HubExplorerError):
        return exc
    if isinstance(exc, hf_errors.GatedRepoError):
        return errors.GatedRepoError(f"{thing} is gated: its files need a token with access.")
    if isinstance(exc, hf_errors.DisabledRepoError):
        return errors.AccessError(f"{thing} has been disabled by the Hub.", hint="Nothing can be read from it.")
    if isinstance(exc, hf_errors.RepositoryNotFoundError):
        return errors.NotFoundError(f"{thing} was not found on the Hub (or it is private).")
    if isinstance(exc, hf_errors.RevisionNotFoundError):
        return errors.NotFoundError(f"That revision of {thing.lower() if what is None else what} does not exist.")
    if isinstance(exc, hf_errors.EntryNotFoundError):
        return errors.NotFoundError(f"That file does not exist in {what or 'the repository'}.")
    if isinstance(exc, hf_errors.HFValidationError):
        return errors.InvalidQueryError(
            f"{thing} is not a valid repo id.", hint="Repo ids are `owner/name`: ASCII letters, digits, '-', '_', '.'."
        )
    if isinstance(exc, hf_errors.OfflineModeIsEnabled):
        return errors.HubUnreachableError("Offline mode is on (HF_HUB_OFFLINE), so the Hub is not asked.")
    if isinstance(exc, hf_errors.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        if status == 401:
            return errors.AccessError("The Hub refused the token (HTTP 401): it is invalid or expired.")
        if status == 403:
            return errors.AccessError(f"The Hub refused access to {thing.lower() if what is None else what} (HTTP 403).")
        if status == 429:
            wait = retry_after_seconds(exc.response.headers) if exc.response is not None else None
            return errors.RateLimitedError("The Hub's rate limit was reached.", retry_after=wait)
        if status is not None and status >= 500:
            return errors.HubUnavailableError(f"The Hub answered HTTP {status}.")
        if status == 400:
            return errors.InvalidQueryError("The Hub rejected the request as invalid (HTTP 400).")
        return errors.HubExplorerError(f"The Hub answered HTTP {status}.")
    if isinstance(exc, (httpx2.TimeoutException,)):
        return errors.HubUnreachableError("The Hub did not answer in time.")
    if isinstance(exc, (httpx2.NetworkError, httpx2.RemoteProtocolError, ConnectionError)):
        return errors.HubUnreachableError("Could not connect to the Hub.")
    if isinstance(exc, (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError)):
        return errors.MalformedAnswerError(f"The Hub's answer could not be read ({type(exc).__name__}).")
    return errors.HubExplorerError(f"Unexpected failure talking to the Hub ({type(exc).__name__}).")


@contextmanager
def hub_errors(what: str | None = None) -> Iterator[None]:
    """Run a huggingface_hub call; any failure leaves as an app error (the original kept as `__cause__`)."""
    try:
        yield
    except errors.HubExplorerError:
        raise
    except Exception as exc:
        raise translate(exc, what=what) from exc
