"""The error seam: transport failures and huggingface_hub errors become the app's errors, once."""

import httpx2
import pytest
from huggingface_hub import errors as hf_errors

from lib import errors
from lib.hub.http import FailFastTransport, retry_after_seconds, translate


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


def test_timeout_is_unreachable():
    def slow(request):
        raise httpx2.ReadTimeout("slow", request=request)

    with pytest.raises(errors.HubUnreachableError, match="in time"):
        _client(slow).get("http://hub.test/api/models")


def test_ok_answers_pass_through():
    assert _client(lambda req: httpx2.Response(200, json=[1])).get("http://hub.test/x").json() == [1]


def _hf_error(cls, status, **headers):
    request = httpx2.Request("GET", "http://hub.test/api/models/org/x")
    response = httpx2.Response(status, headers=headers, request=request)
    return cls("boom", response=response)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (lambda: _hf_error(hf_errors.RepositoryNotFoundError, 404), errors.NotFoundError),
        (lambda: _hf_error(hf_errors.GatedRepoError, 401), errors.GatedRepoError),
        (lambda: _hf_error(hf_errors.RevisionNotFoundError, 404), errors.NotFoundError),
        (lambda: _hf_error(hf_errors.HfHubHTTPError, 401), errors.AccessError),
        (lambda: _hf_error(hf_errors.HfHubHTTPError, 403), errors.AccessError),
        (lambda: _hf_error(hf_errors.HfHubHTTPError, 429, **{"Retry-After": "3"}), errors.RateLimitedError),
        (lambda: _hf_error(hf_errors.HfHubHTTPError, 503), errors.HubUnavailableError),
        (lambda: hf_errors.HFValidationError("bad id"), errors.InvalidQueryError),
        (lambda: hf_errors.OfflineModeIsEnabled("offline"), errors.HubUnreachableError),
        (lambda: ValueError("Expecting value: line 1"), errors.MalformedAnswerError),
        (lambda: KeyError("id"), errors.MalformedAnswerError),
        (lambda: RuntimeError("?"), errors.HubExplorerError),
    ],
)
def test_translate(exc, expected):
    out = translate(exc(), what="Model 'org/x'")
    assert type(out) is expected
    assert out.title and str(out)


def test_gated_is_an_access_error_and_carries_a_hint():
    out = translate(_hf_error(hf_errors.GatedRepoError, 401), what="Model 'org/x'")
    assert isinstance(out, errors.AccessError)
    assert "HF_TOKEN" in out.hint and "org/x" in str(out)
