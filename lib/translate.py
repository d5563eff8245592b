"""The one place where another library's exception becomes the app's error (`lib.errors`).

`translate(exc, service=...)` matches on exception *types* (`isinstance` on the classes huggingface_hub, httpx2,
`datasets` and transformers export), never on class names. It first looks down the exception chain for an app
error (our transport's `HubUnreachableError` wrapped by `datasets` in a `ConnectionError`, huggingface_hub's
`GatedRepoError` wrapped by transformers in an `OSError`), then asks one small adapter per library:

```
translate(exc, service=...)
├── an app error in the chain      -> itself (re-classed for the service: the viewer's, an endpoint's)
├── huggingface_hub                 -> _from_hf_hub      (not found, gated, disabled, 401/403/404/429/5xx, offline)
│   ├── InferenceClient             -> _from_inference   (timeouts, TGI's overloaded/validation/generation errors)
│   └── the Collections API         -> _from_collection  (service="collection": no or refused token, no write access,
│                                                         title taken, item not found; publishing's own classes)
├── httpx2                          -> _from_httpx       (timeout -> HubTimeoutError, network -> HubUnreachableError)
├── datasets                        -> _from_datasets    (imported only when already loaded)
├── transformers (pipeline loading) -> _from_pipeline    (errors it wraps in OSError/ValueError)
└── anything else                   -> MalformedAnswerError for parse errors, else HubExplorerError
```

`service` says who was asked, so the headline names it ("Dataset viewer unreachable", "Inference server
unreachable"): each service has its own subclasses instead of patched titles. `what` names the thing asked for
("Model 'org/x'"), `where` an endpoint's origin or provider, and `token` is scrubbed from any text that is kept.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Literal

import httpx2
from huggingface_hub import errors as hf
from huggingface_hub.utils import parse_ratelimit_headers

from lib import errors

Service = Literal["hub", "viewer", "endpoint", "provider", "datasets", "pipeline", "run", "collection"]
_TEXT_LIMIT = 300

#: The viewer's own subclass for each generic class the transport raises (most specific first).
_VIEWER_CLASSES: tuple[tuple[type[errors.HubExplorerError], type[errors.HubExplorerError]], ...] = (
    (errors.HubUnreachableError, errors.ViewerUnreachableError),
    (errors.HubUnavailableError, errors.ViewerUnavailableError),
    (errors.RateLimitedError, errors.ViewerRateLimitedError),
    (errors.MalformedAnswerError, errors.ViewerMalformedAnswerError),
)


def translate(
    exc: BaseException,
    *,
    what: str | None = None,
    service: Service = "hub",
    where: str | None = None,
    token: str | None = None,
) -> errors.HubExplorerError:
    """The app error for `exc`, raised while asking `service` (at `where`) for `what`."""
    err = _translate(exc, what=what, service=service, where=where, token=token)
    return _for_service(err, service, where, what)


def _for_service(
    err: errors.HubExplorerError, service: Service, where: str | None, what: str | None
) -> errors.HubExplorerError:
    """`err` in the words of the service that was asked: the transport's generic errors (it serves the Hub, the
    viewer and inference servers alike) become the viewer's or an endpoint's own classes."""
    if service == "viewer":
        return _viewer_class(err, where, what)
    if service in ("endpoint", "provider"):
        return _remote_class(err, where or "the inference server")
    return err


def _viewer_class(err: errors.HubExplorerError, where: str | None, what: str | None) -> errors.HubExplorerError:
    """The transport's generic errors as the viewer's own, in its words (what was asked, at which endpoint)."""
    if isinstance(err, errors.HubUnreachableError) and not isinstance(err, errors.ViewerUnreachableError):
        new: errors.HubExplorerError = errors.ViewerUnreachableError(
            f"The dataset viewer at {where} did not answer." if where else f"The dataset viewer did not answer ({err})."
        )
    elif isinstance(err, errors.RateLimitedError) and not isinstance(err, errors.ViewerRateLimitedError):
        new = errors.ViewerRateLimitedError("The dataset viewer's rate limit was reached.", retry_after=err.retry_after)
    elif type(err) is errors.HubUnavailableError:  # the transport stops 5xx answers before their body is read
        new = errors.ViewerUnavailableError(f"The dataset viewer answered with a server error for {what or 'that'}.")
    else:
        return _reclassed(err)
    new.__cause__ = err
    return new


def _reclassed(err: errors.HubExplorerError) -> errors.HubExplorerError:
    for generic, own in _VIEWER_CLASSES:
        if isinstance(err, own):
            return err
        if isinstance(err, generic):
            new = (own(str(err), retry_after=getattr(err, "retry_after", None))
                   if issubclass(own, errors.RateLimitedError) else own(str(err)))
            new.__cause__ = err
            return new
    return err


def _remote_class(err: errors.HubExplorerError, where: str) -> errors.HubExplorerError:
    hint = f"Check that {where} is running and reachable from here, then retry."
    kind = type(err)
    if kind is errors.RateLimitedError:
        new: errors.HubExplorerError = errors.RateLimitedError(
            f"{where} is rate limiting requests (HTTP 429).", retry_after=err.retry_after  # type: ignore[attr-defined]
        )
    elif kind in (errors.HubUnreachableError, errors.HubTimeoutError):
        new = errors.EndpointUnreachableError(f"Could not reach {where}: {err}", hint=hint)
    elif kind is errors.HubUnavailableError:
        new = errors.EndpointUnavailableError(f"{where} failed: {err}")
    else:
        return err
    new.__cause__ = err
    return new


@contextmanager
def translated(
    what: str | None = None, *, service: Service = "hub", where: str | None = None, token: str | None = None
) -> Iterator[None]:
    """Run a library call; any failure leaves as an app error (the original kept as `__cause__`)."""
    try:
        yield
    except Exception as exc:
        err = translate(exc, what=what, service=service, where=where, token=token)
        if err is exc:
            raise
        raise err from exc


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


# --- the chain ----------------------------------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, then its causes and contexts (each once)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _scrub(text: str, token: str | None) -> str:
    text = text.replace(token, "***") if token else text
    text = " ".join(text.split())
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"


def _translate(
    exc: BaseException, *, what: str | None, service: Service, where: str | None, token: str | None
) -> errors.HubExplorerError:
    for link in _chain(exc):
        if isinstance(link, errors.HubExplorerError):
            return link
    if service == "run":  # a loaded pipeline failing on an input: no Hub involved
        return _from_run(exc, what or "The task", token)
    if service == "viewer":
        if isinstance(exc, hf.HfHubHTTPError) and exc.response is not None:
            return viewer_error(exc.response, what or "that dataset")
        if isinstance(exc, (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError, IndexError)):
            return errors.ViewerMalformedAnswerError(
                f"The dataset viewer's answer for {what or 'that dataset'} could not be read ({type(exc).__name__})."
            )
    remote = service in ("endpoint", "provider")
    for link in _chain(exc):  # the outermost exception a library adapter knows wins
        found = (
            (_from_inference(link, where or "the inference server", token) if remote else None)
            or (_from_collection(link, what, token) if service == "collection" else None)
            or _from_hf_hub(link, what)
            or _from_httpx(link, where if remote else None)
            or (_from_datasets(link, what) if service == "datasets" else None)
        )
        if found is not None:
            return found
    text = _scrub(str(exc), token)
    if service == "pipeline":
        found = _from_pipeline(exc, what or "the model", text)
        if found is not None:
            return found
    if service == "datasets":
        return _datasets_fallback(exc, what or "the dataset", text)
    if remote and isinstance(exc, ValueError) and ("provider" in text.lower() or "not supported" in text.lower()):
        # InferenceClient raises plain ValueErrors for an unknown provider or a task it does not serve
        return errors.InvalidQueryError(text, hint="Pick a provider that serves this model for this task.")
    name = type(exc).__name__
    if isinstance(exc, (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError, IndexError)):
        who = where or "The Hub"
        return errors.MalformedAnswerError(
            f"{who}'s answer could not be read ({name})." if not remote
            else f"{where} sent an answer that could not be read ({name}).",
            **({"hint": "Is this a TGI/Inference-API compatible endpoint for this task?"} if remote else {}),
        )
    if remote:
        return errors.HubExplorerError(f"Remote run on {where} failed ({name}): {text or name}")
    return errors.HubExplorerError(f"Unexpected failure talking to the Hub ({name}).",
                                   hint="Try again; if it persists, check that `HF_ENDPOINT` points at a Hub.")


# --- huggingface_hub ----------------------------------------------------------------------------------------------


def _from_hf_hub(exc: BaseException, what: str | None) -> errors.HubExplorerError | None:
    thing = what or "That repository"
    lower = thing[0].lower() + thing[1:] if thing.startswith(("The ", "That ")) else thing  # mid-sentence
    if isinstance(exc, hf.GatedRepoError):
        return errors.GatedRepoError(f"{thing} is gated: its files need a token with access.")
    if isinstance(exc, hf.DisabledRepoError):
        return errors.AccessError(f"{thing} has been disabled by the Hub.", hint="Nothing can be read from it.")
    if isinstance(exc, hf.RepositoryNotFoundError):
        return errors.NotFoundError(f"{thing} was not found on the Hub (or it is private).")
    if isinstance(exc, hf.RevisionNotFoundError):
        return errors.NotFoundError(f"That revision of {lower} does not exist.")
    if isinstance(exc, hf.LocalEntryNotFoundError):  # not in the cache and the Hub could not be asked
        answered = next((link for link in _chain(exc) if link is not exc and isinstance(link, hf.HfHubHTTPError)
                         and link.response is not None), None)  # fmt: skip
        if answered is not None:  # the Hub did answer (404, 403...): its answer says what happened, not "unreachable"
            return _from_hf_hub(answered, what)
        return errors.HubUnreachableError(
            f"Could not reach the Hub to download {lower}, and it is not in the local cache."
        )
    if isinstance(exc, hf.EntryNotFoundError):
        return errors.NotFoundError(f"That file does not exist in {what or 'the repository'}.")
    if isinstance(exc, hf.HFValidationError):
        return errors.InvalidQueryError(
            f"{thing} is not a valid repo id.", hint="Repo ids are `owner/name`: ASCII letters, digits, '-', '_', '.'."
        )
    if isinstance(exc, hf.OfflineModeIsEnabled):
        return errors.HubUnreachableError("Offline mode is on (HF_HUB_OFFLINE), so the Hub is not asked.")
    if isinstance(exc, hf.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        if status == 401:
            if not _sent_token(exc):  # nothing to refuse: the Hub wants one for this
                return errors.AccessError(
                    f"The Hub asks for a token for {lower} (HTTP 401), and none is set.",
                    hint="Set `HF_TOKEN` (or `HF_TOKEN` in `.streamlit/secrets.toml`) to a token of an account with "
                    "access, then retry. Private repos need their owner's token.",
                )
            return errors.AccessError("The Hub refused the token (HTTP 401): it is invalid or expired.",
                                      hint="Set `HF_TOKEN` to a valid token (create one in your Hub settings), "
                                      "then retry.")
        if status == 403:
            return errors.AccessError(f"The Hub refused access to {lower} (HTTP 403)." + (
                "" if _sent_token(exc) else " No token is set."))
        if status == 429:
            wait = retry_after_seconds(exc.response.headers) if exc.response is not None else None
            return errors.RateLimitedError("The Hub's rate limit was reached.", retry_after=wait)
        if status is not None and status >= 500:
            return errors.HubUnavailableError(f"The Hub answered HTTP {status}.")
        if status == 400:
            return errors.InvalidQueryError("The Hub rejected the request as invalid (HTTP 400).")
        if status == 404:
            return errors.NotFoundError(
                f"The Hub found nothing for {lower} (HTTP 404).",
                hint="Check the id; if it is right, check that `HF_ENDPOINT` points at a Hub (or a mirror of one).",
            )
        return errors.HubExplorerError(
            f"The Hub answered HTTP {status}.",
            hint="Try again; if it persists, check that `HF_ENDPOINT` points at a Hub (or a mirror of one).",
        )
    return None


def _sent_token(exc: BaseException) -> bool:
    """Whether the request that failed carried a token (an `Authorization` header); never reads the token."""
    response = getattr(exc, "response", None)
    request = getattr(response, "request", None) if response is not None else None
    try:
        return request is not None and "authorization" in {k.lower() for k in request.headers}
    except (AttributeError, RuntimeError):  # a response built without its request
        return False


def _from_inference(exc: BaseException, where: str, token: str | None) -> errors.HubExplorerError | None:
    """InferenceClient's failures, worded for the endpoint or provider that was asked."""
    hint_server = f"Check that {where} is running and reachable from here, then retry."
    said = _scrub(str(exc), token)
    if isinstance(exc, hf.InferenceTimeoutError):
        return errors.EndpointUnreachableError(
            f"{where} did not answer in time.", hint=hint_server + " A cold endpoint may need a minute to start."
        )
    if isinstance(exc, hf.OverloadedError):
        return errors.EndpointUnavailableError(f"{where} is overloaded: {said}")
    if isinstance(exc, hf.ValidationError):
        return errors.InvalidQueryError(f"{where} rejected the input: {said}")
    if isinstance(exc, hf.TextGenerationError):  # GenerationError, IncompleteGenerationError, UnknownError
        return errors.HubExplorerError(f"{where} failed to generate: {said}")
    if isinstance(exc, (hf.RepositoryNotFoundError, hf.HFValidationError)) and where.startswith("provider"):
        return None  # a provider's model lookup goes through the Hub: the Hub's words fit
    if isinstance(exc, hf.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        text = _scrub(_server_text(exc), token)
        detail = f": {text}" if text else "."
        if status == 401:
            return errors.AccessError(
                f"{where} refused the token (HTTP 401){detail}",
                hint="Give a valid token for this endpoint (the token field; the app's own token never goes there).",
            )
        if status == 403:
            return errors.AccessError(
                f"{where} refused access (HTTP 403){detail}", hint="The token has no access to this endpoint or model."
            )
        if status == 404:
            return errors.NotFoundError(
                f"{where} has no such model or route (HTTP 404){detail}",
                hint="Check the endpoint URL (path included) or the model id.",
            )
        if status == 429:
            wait = retry_after_seconds(exc.response.headers) if exc.response is not None else None
            return errors.RateLimitedError(f"{where} is rate limiting requests (HTTP 429).", retry_after=wait)
        if status is not None and status >= 500:
            return errors.EndpointUnavailableError(f"{where} answered HTTP {status}{detail}")
        if status in (400, 413, 422):
            return errors.InvalidQueryError(f"{where} rejected the input (HTTP {status}){detail}")
        return errors.HubExplorerError(f"{where} answered HTTP {status}{detail}")
    return None


def _from_collection(exc: BaseException, what: str | None, token: str | None) -> errors.HubExplorerError | None:
    """The Collections API's refusals, in publishing's words (`lib.shortlists.publish`'s classes); 429 and 5xx are
    the Hub's, like any other call's."""
    from lib.shortlists.publish import CollectionExistsError, PublishAccessError  # it imports this module

    thing = what or "The collection"
    if isinstance(exc, hf.LocalTokenNotFoundError):
        return PublishAccessError("No Hugging Face token is set, and publishing needs one with write access.")
    if not isinstance(exc, hf.HfHubHTTPError) or exc.response is None:
        return None
    status = exc.response.status_code
    said = _scrub(_server_text(exc), token)
    detail = f": {said}" if said else "."
    if status == 401:
        return PublishAccessError("The Hub refused the token (HTTP 401): it is invalid or expired.")
    if status == 403:
        return PublishAccessError(f"The Hub refused to let this token write (HTTP 403){detail}")
    if status == 404:
        return errors.NotFoundError(f"{thing} was not found on the Hub (or it is private).")
    if status == 409:
        slug = _body_field(exc, "slug")
        endpoint = str(exc.response.request.url).split("/api/collections", 1)[0] if slug else ""
        return CollectionExistsError(f"{thing} already exists" + (f": {endpoint}/collections/{slug}" if slug else "."),
                                     slug=slug, url=f"{endpoint}/collections/{slug}" if slug else None)
    if status == 400:
        return errors.InvalidQueryError(f"The Hub rejected {thing[:1].lower() + thing[1:]} (HTTP 400){detail}")
    return None


def _body_field(exc: BaseException, name: str) -> str | None:
    """One text field of a JSON error body (a 409's `slug`), if there is one."""
    try:
        value = exc.response.json().get(name)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - any unreadable body: nothing to read
        return None
    return value if isinstance(value, str) and value else None


def _server_text(exc: BaseException) -> str:
    """What the server said in its error body (`{"error": ...}`), if anything."""
    response = getattr(exc, "response", None)
    if response is None:
        return ""
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - any unreadable body: nothing to quote
        return ""
    err = body.get("error") if isinstance(body, dict) else None
    return str(err) if err else ""


# --- httpx2 -----------------------------------------------------------------------------------------------------


def _from_httpx(exc: BaseException, where: str | None) -> errors.HubExplorerError | None:
    who = where or "The Hub"
    if isinstance(exc, (httpx2.TimeoutException, TimeoutError)):
        return errors.HubTimeoutError(f"{who} did not answer in time.")
    if isinstance(exc, (httpx2.NetworkError, httpx2.RemoteProtocolError, ConnectionError)):
        return errors.HubUnreachableError(f"Could not connect to {where or 'the Hub'}.")
    if isinstance(exc, httpx2.HTTPError):
        return errors.HubUnreachableError(f"The request to {where or 'the Hub'} failed ({type(exc).__name__}).")
    return None


# --- datasets ---------------------------------------------------------------------------------------------------


def _from_datasets(exc: BaseException, what: str | None) -> errors.HubExplorerError | None:
    ds = sys.modules.get("datasets.exceptions")  # never import datasets here: it costs seconds
    if ds is None:
        return None
    thing = what or "The dataset"
    if isinstance(exc, ds.DatasetNotFoundError):
        # datasets raises the same class for a gated dataset; its words are the only sign (it may drop the
        # GatedRepoError from the chain when it falls back to its cache)
        if any(isinstance(link, hf.GatedRepoError) for link in _chain(exc)) or "gated dataset" in str(exc):
            return errors.GatedRepoError(f"{thing} is gated: streaming its rows needs a token with access.")
        return errors.NotFoundError(f"{thing} was not found on the Hub (or it is private).")
    if isinstance(exc, (ds.FileNotFoundDatasetsError, _empty_dataset_error())):
        return errors.PreviewUnavailableError(f"{thing} has no data files the `datasets` library recognises.")
    return None


def _empty_dataset_error() -> type[BaseException]:
    module = sys.modules.get("datasets.data_files")
    return getattr(module, "EmptyDatasetError", ()) if module is not None else ()  # type: ignore[return-value]


def _datasets_fallback(exc: BaseException, thing: str, text: str) -> errors.HubExplorerError:
    """`datasets` failures it has no exception class for (it raises plain RuntimeError/ValueError)."""
    if isinstance(exc, RuntimeError) and "scripts are no longer supported" in text:
        return errors.PreviewUnavailableError(f"{thing} is built by a loading script, which the `datasets` library no "
                                       "longer runs.")
    if isinstance(exc, ValueError) and ("Bad split" in text or "Unknown split" in text):
        return errors.NotFoundError(f"That split does not exist in {thing.lower()}: {text}")
    if isinstance(exc, ValueError) and "BuilderConfig" in text:
        return errors.NotFoundError(f"That config does not exist in {thing.lower()}: {text}")
    if isinstance(exc, ImportError):
        return errors.PreviewUnavailableError(f"Reading {thing.lower()} needs a library that is not installed ({text}).")
    return errors.PreviewUnavailableError(
        f"The `datasets` library could not read {thing.lower()} ({type(exc).__name__}: {text})."
    )


# --- the dataset viewer -----------------------------------------------------------------------------------------


def _error_text(response: httpx2.Response) -> str:
    """The viewer's own message (`{"error": ...}`), cut short; never a traceback (`cause_traceback` is dropped)."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return ""
    text = body.get("error") if isinstance(body, dict) else None
    if not isinstance(text, str):
        return ""
    text = " ".join(text.split())
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"


def viewer_error(response: httpx2.Response, what: str) -> errors.HubExplorerError:
    """The app error for an error answer of the viewer (status, `X-Error-Code` and its `{"error": ...}` body)."""
    status = response.status_code
    code = response.headers.get("X-Error-Code") or ""
    said = _error_text(response)
    if code == "NotSupportedDisabledViewerError":
        return errors.ViewerDisabledError(f"The dataset viewer is disabled for {what} (its card sets `viewer: false`).")
    if code == "ExternalUnauthenticatedError" or status == 401:
        return errors.AccessError(
            f"The dataset viewer cannot show {what} without a token: it is gated or private (or does not exist).",
            hint="Set `HF_TOKEN` to a token of an account with access (for a gated dataset: accept its conditions "
            "on its Hub page first), then retry.",
        )
    if code == "ExternalAuthenticatedError" or status == 403:
        return errors.AccessError(
            f"The dataset viewer refused the token for {what}: that account has no access to it.",
            hint="For a gated dataset, accept its conditions on its Hub page with the token's account, then retry.",
        )
    if code.startswith("NotSupported"):
        return errors.PreviewUnavailableError(f"The dataset viewer does not support {what}" + (f": {said}" if said else "."))
    if status == 404:
        return errors.NotFoundError(
            f"The dataset viewer has nothing for {what}.",
            hint="It has not processed this dataset (or this config or split).",
        )
    if status in (400, 422):
        return errors.InvalidQueryError(f"The dataset viewer rejected the request for {what}" +
                                        (f": {said}" if said else "."))
    if status == 429:
        return errors.ViewerRateLimitedError("The dataset viewer's rate limit was reached.",
                                             retry_after=retry_after_seconds(response.headers))
    if status >= 500:
        return errors.ViewerUnavailableError(
            f"The dataset viewer answered HTTP {status} for {what}" + (f": {said}" if said else ".")
        )
    return errors.HubExplorerError(f"The dataset viewer answered HTTP {status} for {what}.")


# --- transformers (loading a pipeline) --------------------------------------------------------------------------


def _from_pipeline(exc: BaseException, model: str, text: str) -> errors.HubExplorerError | None:
    """Loading failures transformers raises as plain OSError/ValueError (it exports no classes for them)."""
    from lib.tryit.fit import RemoteCodeRefusedError

    if "trust_remote_code" in text:
        return RemoteCodeRefusedError(f"{model} needs remote code; it is not run without consent.")
    if isinstance(exc, OSError) and ("not a valid model identifier" in text or "does not appear to have" in text):
        return errors.NotFoundError(f"{model} has no model files this task can load.", hint=text[:_TEXT_LIMIT])
    return errors.HubExplorerError(f"Could not load {model}: {text or type(exc).__name__}")


def _from_run(exc: BaseException, task: str, token: str | None) -> errors.HubExplorerError:
    """A loaded pipeline failing on an input: the input's fault (ValueError, KeyError, TypeError, transformers'
    `PipelineException`) or the model's."""
    base = sys.modules.get("transformers.pipelines.base")  # loaded whenever a pipeline ran
    pipeline_exception = getattr(base, "PipelineException", ()) if base is not None else ()
    first = _scrub(str(exc).splitlines()[0], token) if str(exc) else type(exc).__name__
    if isinstance(exc, (ValueError, KeyError, TypeError, *_as_tuple(pipeline_exception))):
        return errors.InvalidQueryError(f"{task} could not run on that input: {first}")
    return errors.HubExplorerError(f"{task} failed: {first}")


def _as_tuple(cls: type[BaseException] | tuple[()]) -> tuple[type[BaseException], ...]:
    return cls if isinstance(cls, tuple) else (cls,)
