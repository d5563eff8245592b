"""The try-it failures as app errors (:mod:`lib.errors`), for the remote calls, the loads and the runs.

Kept here, in one module, until the app's one error seam (``lib/translate.py``) covers InferenceClient and
transformers' loading errors; then these three functions go. Messages never carry a token (it is scrubbed).
"""

from __future__ import annotations

import json

from lib import errors
from lib.errors import GatedRepoError, HubExplorerError, InvalidQueryError, NotFoundError
from lib.tryit.endpoints import timeout
from lib.tryit.fit import RemoteCodeRefusedError


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _server_text(exc: BaseException) -> str:
    """The server's own error message, when it sent one as ``{"error": "..."}``."""
    response = getattr(exc, "response", None)
    if response is None:
        return ""
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - a streamed, closed or non-JSON body: no message to add
        return ""
    err = body.get("error") if isinstance(body, dict) else None
    return " ".join(str(err).split())[:300] if err else ""


def _scrub(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text


def remote_error(exc: BaseException, *, where: str, token: str | None = None) -> errors.HubExplorerError:
    """The app error for a failure while asking ``where`` (an endpoint's origin or a provider) to run a model."""
    from huggingface_hub import errors as hf_errors

    hint_server = f"Check that {where} is running and reachable from here, then retry."
    if isinstance(exc, errors.RateLimitedError):  # raised by lib.hub.http's transport when it is installed
        return errors.RateLimitedError(f"{where} is rate limiting requests (HTTP 429).", retry_after=exc.retry_after)
    if isinstance(exc, errors.HubUnreachableError):
        return errors.HubUnreachableError(f"Could not reach {where}: {exc}", hint=hint_server)
    if isinstance(exc, errors.HubUnavailableError):
        return errors.HubUnavailableError(f"{where} failed: {exc}", hint="The server had an error; try again shortly.")
    if isinstance(exc, errors.HubExplorerError):
        return exc
    if isinstance(exc, hf_errors.InferenceTimeoutError):
        return errors.HubUnreachableError(
            f"{where} did not answer within {timeout():g} s.",
            hint=hint_server + " A cold endpoint may need a minute to start.",
        )
    name = type(exc).__name__
    if name in ("OverloadedError",):
        return errors.HubUnavailableError(f"{where} is overloaded: {_scrub(str(exc), token)[:300]}")
    if name in ("ValidationError",) and type(exc).__module__.startswith("huggingface_hub"):
        return errors.InvalidQueryError(f"{where} rejected the input: {_scrub(str(exc), token)[:300]}")
    if name in ("GenerationError", "IncompleteGenerationError", "UnknownError"):
        return errors.HubExplorerError(f"{where} failed to generate: {_scrub(str(exc), token)[:300]}")
    if isinstance(
        exc, (hf_errors.RepositoryNotFoundError, hf_errors.GatedRepoError, hf_errors.HFValidationError)
    ) and where.startswith("provider"):
        from lib.hub.http import translate as hub_translate

        return hub_translate(exc)
    if isinstance(exc, hf_errors.HfHubHTTPError):
        status = _status(exc)
        said = _scrub(_server_text(exc), token)
        detail = f": {said}" if said else "."
        if status == 401:
            return errors.AccessError(
                f"{where} refused the token (HTTP 401){detail}",
                hint="Give a valid token (HF_TOKEN, or the token field) for this endpoint.",
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
            from lib.hub.http import retry_after_seconds

            wait = retry_after_seconds(exc.response.headers) if exc.response is not None else None
            return errors.RateLimitedError(f"{where} is rate limiting requests (HTTP 429).", retry_after=wait)
        if status is not None and status >= 500:
            return errors.HubUnavailableError(
                f"{where} answered HTTP {status}{detail}",
                hint="The server had an error or is loading the model; try again.",
            )
        if status in (400, 413, 422):
            return errors.InvalidQueryError(f"{where} rejected the input (HTTP {status}){detail}")
        return errors.HubExplorerError(f"{where} answered HTTP {status}{detail}")
    import httpx2

    if isinstance(exc, httpx2.TimeoutException):
        return errors.HubUnreachableError(f"{where} did not answer in time.", hint=hint_server)
    if isinstance(exc, (httpx2.NetworkError, httpx2.RemoteProtocolError, ConnectionError)):
        return errors.HubUnreachableError(f"Could not connect to {where}.", hint=hint_server)
    if isinstance(exc, httpx2.HTTPError):
        return errors.HubUnreachableError(f"The request to {where} failed ({name}).", hint=hint_server)
    text = _scrub(str(exc), token).splitlines()[0][:300] if str(exc) else name
    if isinstance(exc, ValueError) and ("provider" in text.lower() or "not supported" in text.lower()):
        return errors.InvalidQueryError(text, hint="Pick a provider that serves this model for this task.")
    if isinstance(exc, (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError, IndexError)):
        return errors.MalformedAnswerError(
            f"{where} sent an answer that could not be read ({name}).",
            hint="Is this a TGI/Inference-API compatible endpoint for this task?",
        )
    return errors.HubExplorerError(f"Remote run on {where} failed ({name}): {text}")


def load_error(exc: BaseException, model: str) -> HubExplorerError:
    """The app error for a failure while loading ``model`` (huggingface_hub's errors wrapped by transformers)."""
    from lib.hub.http import translate

    if isinstance(exc, HubExplorerError):
        return exc
    seen: BaseException | None = exc
    while seen is not None:  # transformers wraps huggingface_hub's errors in OSError: look down the chain
        err = translate(seen, what=model)
        if type(err) is not HubExplorerError:
            return err
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    if "gated repo" in text:
        return GatedRepoError(f"{model} is gated: its files need a token with access.")
    if "trust_remote_code" in text:
        return RemoteCodeRefusedError(f"{model} needs remote code; it is not run without consent.")
    if isinstance(exc, OSError) and ("not a valid model identifier" in text or "does not appear to have" in text):
        return NotFoundError(f"{model} has no model files this task can load.", hint=text.splitlines()[0][:300])
    return HubExplorerError(f"Could not load {model}: {text.splitlines()[0][:300] if text else type(exc).__name__}")


def run_error(exc: BaseException, task: str) -> HubExplorerError:
    """The app error for a failure while a loaded model runs on an input."""
    if isinstance(exc, HubExplorerError):
        return exc
    if isinstance(exc, (ValueError, KeyError, TypeError)) or type(exc).__name__ == "PipelineException":
        return InvalidQueryError(f"{task} could not run on that input: {str(exc).splitlines()[0][:300]}")
    return HubExplorerError(f"{task} failed: {str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__}")
