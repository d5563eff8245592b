"""When a failed call is asked again by itself, and how long a page waits first.

Pure: `lib.ui.components.show_error` draws the countdown and reruns the page when it ends. A failure that retrying
can help (`HubExplorerError.retryable`: a rate limit, a server error, no answer, a malformed answer, a broken-off
listing) is retried by itself a few times, further apart each time: after the wait the Hub asked for (a rate limit,
when it is short), else after `BACKOFF_S`. A long rate-limit wait is counted down but left to the Retry button; so
is a failure that is still there after `len(BACKOFF_S)` automatic tries. A failure that retrying cannot help in
itself (a refused token, not found) is retried by itself only when the same request worked earlier in the session.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.errors import HubExplorerError, RateLimitedError

#: A wait the Hub asked for is retried by itself only when it is at most this long (seconds).
AUTO_MAX_S = 60.0
#: Seconds before each automatic retry of a failure that names no wait: 5, 10, 20, 40, 60, then no more.
BACKOFF_S: tuple[float, ...] = (5.0, 10.0, 20.0, 40.0, 60.0)
#: Automatic tries older than this are forgotten: a failure long after the last one starts at the first wait.
FORGET_S = 300.0


@dataclass(frozen=True)
class RetryPlan:
    """`wait` seconds to count down; `auto`: rerun by itself when it reaches zero (else the Retry button)."""

    wait: float
    auto: bool


def plan(err: HubExplorerError, tries: int, *, worked_before: bool = False) -> RetryPlan | None:
    """What to do after `err`, when `tries` automatic retries of it have already been made; None: nothing to count
    down (retrying cannot help, or the automatic tries are used up and the Hub named no wait). `worked_before`: the
    same request was answered earlier in this session (a stale answer stands in), so even a failure that is not
    retryable in itself (a refused token, not found) is likely passing and is asked again."""
    if not (err.retryable or worked_before):
        return None
    if isinstance(err, RateLimitedError) and err.retry_after is not None:
        wait = max(0.0, float(err.retry_after))
        return RetryPlan(wait, auto=wait <= AUTO_MAX_S and tries < len(BACKOFF_S))
    if tries >= len(BACKOFF_S):
        return None
    return RetryPlan(BACKOFF_S[tries], auto=True)


def tries_after(previous: tuple[int, float] | None, now: float) -> int:
    """How many automatic retries count as made, given the last record `(tries, when)` (monotonic seconds)."""
    if previous is None or now - previous[1] > FORGET_S:
        return 0
    return previous[0]
