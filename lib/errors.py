"""The app's errors: one tree, each with a message a person can act on.

```
HubExplorerError                 (Exception)
├── NotFoundError                (LookupError)  repo, revision or file does not exist (or is private)
├── AccessError                  (PermissionError)
│   └── GatedRepoError           gated repo: a token with access is needed
├── RateLimitedError             the Hub answered 429; `.retry_after` seconds to wait
├── HubUnavailableError          (ConnectionError)
│   └── HubUnreachableError      no connection or timed out
├── MalformedAnswerError         (ValueError)  the answer did not have the expected shape
└── InvalidQueryError            (ValueError)  the request itself makes no sense
```

Errors from huggingface_hub and HTTP become these in exactly one place: `lib.hub.http`.
Pages show `.title` and `.hint`; neither ever contains a token.
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

    def __init__(self, message: str | None = None, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        wait = f"in {retry_after:g} s" if retry_after is not None else "in a minute"
        hint = f"The Hub asked us to slow down. Try again {wait}; a token raises the limit."
        super().__init__(message, hint=hint)


class HubUnavailableError(HubExplorerError, ConnectionError):
    title = "The Hub is having trouble"
    hint = "The Hub answered with a server error. Try again shortly."
    retryable = True


class HubUnreachableError(HubUnavailableError):
    title = "Hub unreachable"
    hint = "No answer from the Hub endpoint (check the network or `HF_ENDPOINT`). Try again, or use a local catalog."


class MalformedAnswerError(HubExplorerError, ValueError):
    title = "Unexpected answer from the Hub"
    hint = "The answer did not have the expected shape. Try again; if it persists, the endpoint may not be a Hub."
    retryable = True


class InvalidQueryError(HubExplorerError, ValueError):
    title = "Invalid request"
    hint = "Change the request and try again."
