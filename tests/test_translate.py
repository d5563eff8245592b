"""The one error seam (`lib.translate`): each library's exceptions, matched by type, become the app's errors in the
words of the service that was asked. Tables of (exception, expected class, words the message must hold, why)."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import errors as hf

from lib import errors
from lib.translate import translate, translated

ROOT = Path(__file__).resolve().parent.parent


def _hf_error(cls, status, body=None, *, token: bool = False, **headers):
    request = httpx2.Request("GET", "http://hub.test/api/models/org/x",
                             headers={"Authorization": "Bearer hf_x"} if token else None)
    response = httpx2.Response(status, headers=headers, json=body, request=request)
    return cls("boom", response=response)


def _chained(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer from exc
    except BaseException as exc:  # noqa: BLE001 - the test wants the chained exception itself
        return exc


HUB_TABLE = [
    (lambda: _hf_error(hf.RepositoryNotFoundError, 404), errors.NotFoundError, "Model 'org/x' was not found",
     "a missing or private repo"),
    (lambda: _hf_error(hf.GatedRepoError, 401), errors.GatedRepoError, "Model 'org/x' is gated", "gated, no token"),
    (lambda: _hf_error(hf.RevisionNotFoundError, 404), errors.NotFoundError, "That revision of Model 'org/x'",
     "a missing revision"),
    (lambda: _hf_error(hf.RemoteEntryNotFoundError, 404), errors.NotFoundError, "That file does not exist",
     "a file the repo does not have"),
    (lambda: hf.LocalEntryNotFoundError("not cached"), errors.HubUnreachableError, "Could not reach the Hub",
     "no connection and not cached: unreachable, not 'file does not exist'"),
    (lambda: _chained(hf.LocalEntryNotFoundError("not cached"), _hf_error(hf.HfHubHTTPError, 404)),
     errors.NotFoundError, "HTTP 404", "not cached, and the Hub answered 404: its answer, not 'unreachable'"),
    (lambda: _hf_error(hf.HfHubHTTPError, 401, token=True), errors.AccessError, "refused the token (HTTP 401)",
     "a bad token"),
    (lambda: _hf_error(hf.HfHubHTTPError, 401), errors.AccessError, ("asks for a token for Model 'org/x' (HTTP 401), "
     "and none is set"), "no token sent: nothing was refused, so it must not talk about a bad token"),
    (lambda: _hf_error(hf.HfHubHTTPError, 404), errors.NotFoundError, "found nothing for Model 'org/x' (HTTP 404)",
     "a plain 404 (no error code): not found, with what to check"),
    (lambda: _hf_error(hf.HfHubHTTPError, 418), errors.HubExplorerError, "answered HTTP 418", "any other status"),
    (lambda: _hf_error(hf.HfHubHTTPError, 403), errors.AccessError, "refused access to Model 'org/x' (HTTP 403)",
     "no access"),
    (lambda: _hf_error(hf.HfHubHTTPError, 429, **{"Retry-After": "3"}), errors.RateLimitedError, "rate limit",
     "a 429 that got past the transport"),
    (lambda: _hf_error(hf.HfHubHTTPError, 503), errors.HubUnavailableError, "HTTP 503", "a server error"),
    (lambda: _hf_error(hf.DisabledRepoError, 403), errors.AccessError, "disabled by the Hub", "a disabled repo"),
    (lambda: hf.HFValidationError("bad id"), errors.InvalidQueryError, "is not a valid repo id", "a malformed id"),
    (lambda: hf.OfflineModeIsEnabled("offline"), errors.HubUnreachableError, "Offline mode", "HF_HUB_OFFLINE"),
    (lambda: httpx2.ReadTimeout("slow"), errors.HubTimeoutError, "did not answer in time", "a timeout"),
    (lambda: httpx2.ConnectError("refused"), errors.HubUnreachableError, "Could not connect", "refused"),
    (lambda: ValueError("Expecting value: line 1"), errors.MalformedAnswerError, "could not be read (ValueError)",
     "malformed JSON"),
    (lambda: KeyError("id"), errors.MalformedAnswerError, "could not be read (KeyError)", "a missing field"),
    (lambda: RuntimeError("?"), errors.HubExplorerError, "Unexpected failure talking to the Hub (RuntimeError)",
     "anything else"),
]


@pytest.mark.parametrize(("exc", "expected", "words", "why"), HUB_TABLE)
def test_hub_errors(exc, expected, words, why):
    out = translate(exc(), what="Model 'org/x'")
    assert type(out) is expected, why
    assert words in str(out), why


@pytest.mark.parametrize(("exc", "expected", "words", "why"), HUB_TABLE)
def test_every_hub_error_says_what_to_do(exc, expected, words, why):
    assert translate(exc(), what="Model 'org/x'").hint, why


def test_gated_is_an_access_error_and_carries_a_hint():
    out = translate(_hf_error(hf.GatedRepoError, 401), what="Model 'org/x'")
    assert isinstance(out, errors.AccessError)
    assert "HF_TOKEN" in out.hint


def test_an_app_error_down_the_chain_wins():
    """`datasets` wraps our transport's error in a ConnectionError; transformers wraps hf errors in OSError."""
    ours = errors.HubUnreachableError("Could not connect to http://hub.test.")
    assert translate(_chained(ConnectionError("lost"), ours), service="datasets") is ours
    gated = _chained(OSError("You are trying to access a gated repo."), _hf_error(hf.GatedRepoError, 401))
    out = translate(gated, what="org/x", service="pipeline")
    assert type(out) is errors.GatedRepoError and "org/x is gated" in str(out)


PIPELINE_TABLE = [
    (lambda: _chained(OSError("org/x is not a local folder and is not a valid model identifier"),
                      _hf_error(hf.RepositoryNotFoundError, 404)),
     errors.NotFoundError, "org/x was not found", "transformers' OSError over huggingface_hub's not-found"),
    (lambda: _chained(OSError("We couldn't connect to 'http://hub.test' to load the files"),
                      hf.LocalEntryNotFoundError("no connection")),
     errors.HubUnreachableError, "Could not reach the Hub to download org/x", "the tryit CLI with the Hub down"),
    (lambda: ValueError("... set the option `trust_remote_code=True` to remove this error."),
     errors.HubExplorerError, "needs remote code", "remote code without consent"),
    (lambda: RuntimeError("shape mismatch"), errors.HubExplorerError, "Could not load org/x: shape mismatch",
     "anything else while loading"),
]


@pytest.mark.parametrize(("exc", "expected", "words", "why"), PIPELINE_TABLE)
def test_pipeline_errors(exc, expected, words, why):
    out = translate(exc(), what="org/x", service="pipeline")
    assert isinstance(out, expected), why
    assert words in str(out), why


def test_datasets_errors_by_type():
    from datasets.exceptions import DataFilesNotFoundError, DatasetNotFoundError

    gated = _chained(DatasetNotFoundError("Dataset 'org/d' is a gated dataset on the Hub."),
                     _hf_error(hf.GatedRepoError, 401))
    out = translate(gated, what="Dataset 'org/d'", service="datasets")
    assert type(out) is errors.GatedRepoError and "Dataset 'org/d' is gated" in str(out)
    out = translate(DatasetNotFoundError("Dataset 'org/d' doesn't exist on the Hub or cannot be accessed."),
                    what="Dataset 'org/d'", service="datasets")
    assert type(out) is errors.NotFoundError and "was not found" in str(out)
    out = translate(DataFilesNotFoundError("No (supported) data files found"), what="Dataset 'org/d'",
                    service="datasets")
    assert type(out) is errors.PreviewUnavailableError and "no data files" in str(out)
    out = translate(ValueError('Bad split: x. Available splits: ["train"]'), what="Dataset 'org/d'",
                    service="datasets")
    assert type(out) is errors.NotFoundError and "That split does not exist" in str(out)


SECRET = "hf_SecretTokenThatMustNeverShow"
REMOTE_TABLE = [
    (lambda: hf.InferenceTimeoutError("timed out"), errors.EndpointUnreachableError, "did not answer in time",
     "a slow endpoint"),
    (lambda: hf.OverloadedError("Model is overloaded"), errors.EndpointUnavailableError, "is overloaded",
     "TGI's overloaded"),
    (lambda: hf.ValidationError("inputs too long"), errors.InvalidQueryError, "rejected the input: inputs too long",
     "TGI's validation error"),
    (lambda: hf.GenerationError("CUDA OOM"), errors.HubExplorerError, "failed to generate: CUDA OOM",
     "TGI's generation error"),
    (lambda: _hf_error(hf.HfHubHTTPError, 401, {"error": f"bad token {SECRET}"}), errors.AccessError,
     "refused the token (HTTP 401): bad token ***", "a refused token, scrubbed from the server's words"),
    (lambda: _hf_error(hf.HfHubHTTPError, 502), errors.EndpointUnavailableError, "answered HTTP 502", "a 5xx"),
    (lambda: errors.HubUnreachableError("Could not connect to http://10.0.0.9:8080."),
     errors.EndpointUnreachableError, "Could not reach http://10.0.0.9:8080", "the transport's words, re-said"),
    (lambda: errors.RateLimitedError("The Hub's rate limit was reached.", retry_after=4),
     errors.RateLimitedError, "http://10.0.0.9:8080 is rate limiting", "not 'the Hub' for an endpoint"),
]


@pytest.mark.parametrize(("exc", "expected", "words", "why"), REMOTE_TABLE)
def test_endpoint_errors(exc, expected, words, why):
    out = translate(exc(), service="endpoint", where="http://10.0.0.9:8080", token=SECRET)
    assert type(out) is expected, why
    assert words in str(out), why
    assert SECRET not in str(out) and SECRET not in out.hint


def _collection_error(status, body=None, method="POST", path="/api/collections"):
    request = httpx2.Request(method, f"http://hub.test{path}")
    response = httpx2.Response(status, json=body, request=request)
    return hf.HfHubHTTPError("boom", response=response)


COLLECTION_TABLE = [
    (lambda: _collection_error(401), "PublishAccessError", "refused the token (HTTP 401)", "a refused token"),
    (lambda: _collection_error(403, {"error": f"token {SECRET} has read-only permissions"}), "PublishAccessError",
     "refused to let this token write (HTTP 403): token *** has read-only permissions",
     "a read token: the server's words, token scrubbed"),
    (lambda: _collection_error(409, {"error": "You already have a collection with this title", "slug": "me/t-1"}),
     "CollectionExistsError", "A collection titled “T” already exists: http://hub.test/collections/me/t-1",
     "a taken title: the existing collection's URL from the 409's slug"),
    (lambda: _collection_error(404, {"error": "Model org/x not found"}, path="/api/collections/me/t-1/items"),
     errors.NotFoundError, "was not found on the Hub", "an item the Hub does not have"),
    (lambda: _collection_error(400, {"error": '"note" must be a string of at most 500 characters'}),
     errors.InvalidQueryError, "rejected a collection titled “T” (HTTP 400): \"note\" must be",
     "a request the Hub refuses"),
    (lambda: hf.LocalTokenNotFoundError("Token is required"), "PublishAccessError", "No Hugging Face token is set",
     "whoami without any token"),
    (lambda: _collection_error(503), errors.HubUnavailableError, "HTTP 503", "5xx: the Hub's, as for any call"),
    (lambda: _collection_error(429), errors.RateLimitedError, "rate limit", "429: the Hub's, as for any call"),
    (lambda: errors.HubTimeoutError("http://hub.test did not answer in time."), errors.HubTimeoutError,
     "did not answer in time", "the transport's timeout is kept as is"),
]


@pytest.mark.parametrize(("exc", "expected", "words", "why"), COLLECTION_TABLE)
def test_collection_errors(exc, expected, words, why):
    from lib.shortlists import publish

    expected = getattr(publish, expected) if isinstance(expected, str) else expected
    out = translate(exc(), what="A collection titled “T”", service="collection", token=SECRET)
    assert type(out) is expected, why
    assert words in str(out), (why, str(out))
    assert SECRET not in str(out) and SECRET not in out.hint


def test_collection_refusals_are_access_errors_and_a_taken_title_carries_the_slug():
    from lib.shortlists.publish import CollectionExistsError

    out = translate(_collection_error(403), service="collection")
    assert isinstance(out, errors.AccessError) and "write access" in out.hint
    taken = translate(_collection_error(409, {"slug": "me/t-1"}), service="collection")
    assert isinstance(taken, CollectionExistsError) and (taken.slug, taken.url) == (
        "me/t-1", "http://hub.test/collections/me/t-1")
    assert type(translate(_collection_error(403))) is errors.AccessError, "other services keep their own words"


def test_viewer_errors_are_the_viewers_own_classes_not_patched_titles():
    out = translate(errors.HubUnreachableError("Could not connect to http://v.test."), what="dataset 'org/d'",
                    service="viewer", where="http://v.test")
    assert type(out) is errors.ViewerUnreachableError
    assert out.title == "Dataset viewer unreachable" and "http://v.test did not answer" in str(out)
    assert errors.HubUnreachableError("x").title == "Hub unreachable"  # the class's own title is untouched
    out = translate(errors.RateLimitedError("r", retry_after=9), service="viewer")
    assert type(out) is errors.ViewerRateLimitedError and out.retry_after == 9
    assert out.hint.startswith("The dataset viewer asked us to slow down")
    out = translate(ValueError("not json"), what="dataset 'org/d'", service="viewer")
    assert type(out) is errors.ViewerMalformedAnswerError and "dataset 'org/d'" in str(out)


def test_translated_keeps_the_original_as_cause():
    original = _hf_error(hf.RepositoryNotFoundError, 404)
    with pytest.raises(errors.NotFoundError) as info, translated("Model 'org/x'"):
        raise original
    assert info.value.__cause__ is original


def _string_matched_exceptions(tree: ast.AST) -> list[int]:
    """Lines comparing an exception's class name as a string (`type(exc).__name__ == "X"`, `name in ("X",)`)."""
    lines = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "__name__"
                and any(isinstance(c, (ast.Constant, ast.Tuple, ast.List, ast.Set)) for c in node.comparators)):
            lines.append(node.lineno)
    return lines


def test_no_module_matches_exceptions_by_class_name():
    found = {}
    for path in sorted((ROOT / "lib").rglob("*.py")):
        lines = _string_matched_exceptions(ast.parse(path.read_text(), str(path)))
        if lines:
            found[str(path.relative_to(ROOT))] = lines
    assert found == {}
