"""One fetch or refresh at a time per catalog folder, across processes (and machines sharing the folder).

A refresh downloads for minutes before it writes; two at once would download twice and then race for the store
(DuckDB lets one writer in and refuses the other half-way). So `fetch` and `refresh` first take an OS file lock on
``<catalog>/refresh.lock`` (`filelock`: `flock` on Linux). The operating system releases it when its process ends,
however it ends (Ctrl-C, SIGKILL, a crash), so a lock is never stale and nothing needs cleaning up.

The holder writes who it is to ``<catalog>/refresh.owner`` (pid, host, start time), so that a refresh turned away
can say who is running. Readers never touch either file: a replica that only searches needs no write access.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from lib.catalog.errors import CatalogBusyError

LOCK_FILE = "refresh.lock"
OWNER_FILE = "refresh.owner"


def _owner(root: Path) -> str:
    try:
        text = (root / OWNER_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return "holder unknown"
    return text or "holder unknown"


@contextmanager
def refresh_lock(root: Path, *, wait: float | None = 0.0) -> Iterator[None]:
    """Hold the catalog's refresh lock for the block. `wait`: seconds to wait for a running fetch or refresh to
    finish (0: do not wait; None: as long as it takes). Raises `CatalogBusyError` when it is still held."""
    if wait is not None and wait < 0:
        raise ValueError(f"wait must be 0 or more seconds (or None), not {wait}.")
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / LOCK_FILE))
    try:
        lock.acquire(timeout=-1 if wait is None else wait)
    except Timeout:
        waited = f" (waited {wait:g} s)" if wait else ""
        raise CatalogBusyError(
            f"Another fetch or refresh of the catalog at {root} is running ({_owner(root)}){waited}; "
            "this one did nothing.",
            hint="Let it finish (it is the only writer; searches go on meanwhile), or give --wait SECONDS to run "
            "after it.",
        ) from None
    try:
        started = datetime.now(UTC).isoformat(timespec="seconds")
        (root / OWNER_FILE).write_text(f"pid {os.getpid()} on {socket.gethostname()}, since {started}\n",
                                       encoding="utf-8")  # fmt: skip
        yield
    finally:
        lock.release()
