"""The transport: 429, 5xx, unreachable and slow hosts fail fast as the app's errors; every call is time-bounded."""

import dataclasses
import time

import httpx2
import pytest
from huggingface_hub import HfApi

from lib import errors
from lib.hub.http import FailFastTransport, retry_after_seconds


def _client(handler) -> httpx2.Client:
    return httpx2.Client(transport=FailFastTransport(httpx2.MockTransport(handler)))


def test_429_becomes_rate_limited_with_the_wait_asked_for():
    client = _client(lambda req: httpx2.Response(429, headers={"Retry-After": "17"}))
    with pytest.raises(errors.RateLimitedError) as info:
        client.get("http://hub.test/api/models")
    assert info.value.retry_after == 17
    assert "17 s" in info.value.hint


def test_ratelimit_header_wins_when_exhausted():
    headers = {"RateLimit": '"api";r=0;t=42', "RateLimit-Policy": '"fixed window";"api";q=500;w=300',
               "Retry-After": "5"}
    assert retry_after_seconds(headers) == 42
    assert retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
    assert retry_after_seconds({}) is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_fail_fast(status):
    with pytest.raises(errors.HubUnavailableError):
        _client(lambda req: httpx2.Response(status)).get("http://hub.test/api/models")


def test_connection_failure_is_unreachable_not_a_retry():
    def refuse(request):
        raise httpx2.ConnectError("refused", request=request)

    with pytest.raises(errors.HubUnreachableError) as info:
        _client(refuse).get("http://hub.test/api/models")
    assert not isinstance(info.value, httpx2.HTTPError)  # huggingface_hub retries only httpx errors
    assert "hub.test" in str(info.value)


def test_timeout_is_the_hub_being_slow():
    def slow(request):
        raise httpx2.ReadTimeout("slow", request=request)

    with pytest.raises(errors.HubTimeoutError, match="hub.test did not answer in time") as info:
        _client(slow).get("http://hub.test/api/models")
    assert isinstance(info.value, errors.HubUnreachableError)  # Automatic falls back on it
    assert info.value.title == "The Hub is slow to answer"


def test_the_timeout_fills_what_a_request_left_unbounded():
    seen = {}

    def record(request):
        seen.update(request.extensions["timeout"])
        return httpx2.Response(200, json=[])

    client = httpx2.Client(transport=FailFastTransport(httpx2.MockTransport(record), timeout=3.0))
    client.get("http://hub.test/api/models", timeout=None)  # what HfApi methods pass
    assert seen == {"connect": 3.0, "read": 3.0, "write": 3.0, "pool": 3.0}
    client.get("http://hub.test/resolve/x", timeout=httpx2.Timeout(None, read=20.0))  # a download's own timeout
    assert seen["read"] == 20.0 and seen["connect"] == 3.0


def test_a_hanging_hub_ends_every_api_call_within_the_timeout(hub):
    """HfApi passes timeout=None per request; the configured client still ends a hanging call in time."""
    from lib.hub.http import configure
    from lib.settings import load_settings

    hub.add_fault("/api/models", delay=6.0, times=None)
    configure(dataclasses.replace(load_settings(), timeout=1.0))
    try:
        started = time.perf_counter()
        with pytest.raises(errors.HubTimeoutError):
            HfApi(endpoint=hub.url).model_info("gpt2")
        with pytest.raises(errors.HubTimeoutError):
            list(HfApi(endpoint=hub.url).list_models(limit=1))
        assert time.perf_counter() - started < 5.0  # two calls, each cut at about 1 s (not 6 s each)
    finally:
        configure(load_settings())


def test_ok_answers_pass_through():
    assert _client(lambda req: httpx2.Response(200, json=[1])).get("http://hub.test/x").json() == [1]
