"""Fault injection: make the next N matching requests fail the way the real Hub fails.

A :class:`Fault` matches requests by path prefix (and optionally method). While it has uses left (``times``; ``None``
means forever) each matching request is answered by the fault instead of the normal route:

* ``status=429``: ``Retry-After: <retry_after>`` plus the Hub's ``RateLimit``/``RateLimit-Policy`` headers with
  ``r=0`` (huggingface_hub then reports "you have reached your 'api' rate limit").
* ``status=500/502/503/504`` (or any other): a JSON ``{"error": ...}`` body; ``error_code`` sets ``X-Error-Code``.
* ``malformed=True``: ``200`` with a truncated JSON body (``Content-Type: application/json``).
* ``delay=<seconds>``: sleep first; with no status/malformed/disconnect the normal answer follows (timeouts).
* ``disconnect=True``: close the connection without answering (``RemoteProtocolError`` client-side).
* ``cut_after=N``: answer normally (status, headers, the full ``Content-Length``) but close the connection after
  N bytes of the body: a download that breaks in the middle (huggingface_hub resumes it with a Range request).
* ``after=N``: let the first N matching requests through untouched, then fail: a paged listing whose first page
  comes and a later one fails (``Link: rel="next"`` pages share the list's path), or "the third item added to a
  collection fails": ``Fault("/api/collections/", method="POST", status=503, after=2)``.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Fault", "FaultRegistry"]

_ids = itertools.count(1)


@dataclass
class Fault:
    """One injected failure. ``times=None`` keeps it active until cleared."""

    path_prefix: str = "/"
    status: int | None = None
    times: int | None = 1
    retry_after: int | None = None
    delay: float | None = None
    malformed: bool = False
    disconnect: bool = False
    method: str | None = None
    error_code: str | None = None
    message: str | None = None
    after: int = 0
    cut_after: int | None = None
    id: int = field(default_factory=lambda: next(_ids))
    hits: int = 0
    passed: int = 0  # matching requests let through because of `after`

    def __post_init__(self) -> None:
        if self.status is None and not (self.malformed or self.disconnect or self.delay or self.cut_after is not None):
            raise ValueError("a fault needs at least one of: status, malformed, disconnect, delay, cut_after")
        if self.status == 429 and self.retry_after is None:
            self.retry_after = 1
        if self.method is not None:
            self.method = self.method.upper()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """Build from the control endpoint's JSON (unknown keys are rejected)."""
        allowed = {
            "path_prefix",
            "status",
            "times",
            "retry_after",
            "delay",
            "malformed",
            "disconnect",
            "method",
            "error_code",
            "message",
            "after",
            "cut_after",
        }
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**data)

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.path_prefix) and (self.method is None or self.method == method.upper())

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(0, self.times - self.hits)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["remaining"] = self.remaining
        return data


class FaultRegistry:
    """Thread-safe list of active faults; the oldest matching fault with uses left wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first matching fault, dropping faults that are used up."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path) and (fault.remaining is None or fault.remaining > 0):
                    if fault.passed < fault.after:  # let this one through; later faults do not see it either
                        fault.passed += 1
                        return None
                    fault.hits += 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.to_json() for fault in self._faults]
