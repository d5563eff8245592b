"""The app's errors: one tree, each with a message a person can act on.

```
HubExplorerError                 (Exception)
├── NotFoundError                (LookupError)  repo, revision or file does not exist (or is private)
│   ├── ViewerDisabledError      the dataset's owner turned the dataset viewer off
│   └── PreviewUnavailableError  neither the viewer nor `datasets` can read its rows
├── AccessError                  (PermissionError)
│   └── GatedRepoError           gated repo: a token with access is needed
├── RateLimitedError             the Hub answered 429; `.retry_after` seconds to wait
│   └── ViewerRateLimitedError   ... the dataset viewer did
├── HubUnavailableError          (ConnectionError)  a server error (5xx)
│   ├── HubUnreachableError      no connection
│   │   ├── HubTimeoutError      no answer within HUB_EXPLORER_TIMEOUT ("the Hub is slow to answer")
│   │   ├── ViewerUnreachableError    the dataset viewer did not answer
│   │   └── EndpointUnreachableError  an inference endpoint or provider did not answer
│   ├── ViewerUnavailableError   the dataset viewer answered 5xx
│   └── EndpointUnavailableError an inference endpoint or provider failed (5xx, overloaded)
├── MalformedAnswerError         (ValueError)  the answer did not have the expected shape
│   └── ViewerMalformedAnswerError   ... from the dataset viewer
└── InvalidQueryError            (ValueError)  the request itself makes no sense
```

Other modules add leaves under these (the catalog's, try-it's refusals, the store's, saved searches' and
shortlists'; the store turns database errors into its own, in `lib/store/errors.py`). Exceptions of huggingface_hub, httpx2, InferenceClient, `datasets` and transformers become these in exactly one place:
`lib.translate.translate()`, which matches on exception types. `lib.hub.http`'s transport raises the HTTP ones (429, 5xx, unreachable, timeout) directly. Pages show `.title`, the message and
`.hint`; none ever contains a token.
"""

from __future__ import annotations


class HubExplorerError(Exception):
    """Base class. `title` is a short headline, `hint` what the person can do about it."""

    title: str = "Something went wrong"
    hint: str = ""
    retryable: bool = False

    def __init__(self, message: str | None = None, *, hint: str | None = None) -> None:
        super().__init__(message or self.title)
        if hint is not None:
            self.hint = hint

    @property
    def message(self) -> str:
        return str(self)


class NotFoundError(HubExplorerError, LookupError):
    title = "Not found"
    hint = "Check the spelling of the id (`owner/name`). Private repos look like missing ones without a token."


class ViewerDisabledError(NotFoundError):
    """The dataset's owner turned the viewer off (`viewer: false` in the card)."""

    title = "Dataset viewer disabled"
    hint = "Its owner turned the dataset viewer off. The card and the files are still here."


class PreviewUnavailableError(NotFoundError):
    """Neither the viewer nor the `datasets` library can read rows of this dataset."""

    title = "No preview available"
    hint = "The files may be in a format the `datasets` library cannot stream. The card and the files are still here."


class AccessError(HubExplorerError, PermissionError):
    title = "Access denied"
    hint = "Set `HF_TOKEN` (or `HF_TOKEN` in `.streamlit/secrets.toml`) to a token with access, then retry."


class GatedRepoError(AccessError):
    title = "Gated repository"
    hint = (
        "This repo is gated: accept its conditions on its Hub page, then set `HF_TOKEN` to a token "
        "of the account that was granted access."
    )


class RateLimitedError(HubExplorerError):
    title = "Rate limited by the Hub"
    retryable = True
    who = "The Hub"

    def __init__(self, message: str | None = None, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        wait = f"in {retry_after:g} s" if retry_after is not None else "in a minute"
        hint = f"{self.who} asked us to slow down. Try again {wait}; a token raises the limit."
        super().__init__(message, hint=hint)


class HubUnavailableError(HubExplorerError, ConnectionError):
    title = "The Hub is having trouble"
    hint = "The Hub answered with a server error. Try again shortly."
    retryable = True


class HubUnreachableError(HubUnavailableError):
    title = "Hub unreachable"
    hint = "No answer from the Hub endpoint (check the network or `HF_ENDPOINT`). Try again, or use a local catalog."


class HubTimeoutError(HubUnreachableError):
    title = "The Hub is slow to answer"
    hint = "It did not answer within `HUB_EXPLORER_TIMEOUT` seconds. Retry, or use a local catalog."


class ViewerUnreachableError(HubUnreachableError):
    title = "Dataset viewer unreachable"
    hint = "Check the network or `HUB_EXPLORER_VIEWER_ENDPOINT`. The card and the files are still here."


class ViewerUnavailableError(HubUnavailableError):
    title = "The dataset viewer is having trouble"
    hint = "The viewer may still be processing this dataset. Try again shortly."


class ViewerRateLimitedError(RateLimitedError):
    title = "Rate limited by the dataset viewer"
    who = "The dataset viewer"


class EndpointUnreachableError(HubUnreachableError):
    title = "Inference server unreachable"
    hint = "Check that the endpoint is running and reachable from here, then retry."


class EndpointUnavailableError(HubUnavailableError):
    title = "The inference server failed"
    hint = "The server had an error, is overloaded or is loading the model; try again shortly."


class MalformedAnswerError(HubExplorerError, ValueError):
    title = "Unexpected answer from the Hub"
    hint = "The answer did not have the expected shape. Try again; if it persists, the endpoint may not be a Hub."
    retryable = True


class ViewerMalformedAnswerError(MalformedAnswerError):
    title = "Unexpected answer from the dataset viewer"
    hint = "The endpoint may not be a dataset viewer: check `HUB_EXPLORER_VIEWER_ENDPOINT`."


class InvalidQueryError(HubExplorerError, ValueError):
    title = "Invalid request"
    hint = "Change the request and try again."
