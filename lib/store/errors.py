"""The store's errors, in the app's tree (`lib.errors`), and the one place where a database driver's exception
becomes one of them.

```
HubExplorerError
└── StoreError                  (OSError)  the database cannot be opened, read or written
    ├── StoreBusyError          still locked (SQLite) or in conflict (PostgreSQL) after the bounded retries
    └── StoreVersionError       the database was written by a newer version of Hub Explorer
```

`is_transient()` says which failures are worth another try: SQLite's "database is locked" / "table is locked"
(SQLITE_BUSY, SQLITE_LOCKED, read from `sqlite3.Error.sqlite_errorcode`) and PostgreSQL's serialization failures,
deadlocks and lock timeouts (psycopg's exported classes). Everything is matched by type or error code, never by
message text. `store_error()` wraps anything else, naming where the store is (a URL's password is never shown).
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

from lib.errors import HubExplorerError

# SQLite's primary result codes for "another connection holds a lock" (an extended code's low byte is its primary).
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6

_HINT = ("Check that `HUB_EXPLORER_HOME` is a folder this app may write to, or that `HUB_EXPLORER_DATABASE_URL` "
         "points at a PostgreSQL database that is running and reachable.")


class StoreError(HubExplorerError, OSError):
    title = "The app's database is unavailable"
    hint = _HINT


class StoreBusyError(StoreError):
    title = "The app's database is busy"
    hint = "Many changes are being saved at once. Try again in a moment: nothing was changed."
    retryable = True


class StoreVersionError(StoreError):
    title = "The app's database is newer than this app"
    hint = ("It was written by another (newer) version of Hub Explorer. Upgrade this app, or point "
            "`HUB_EXPLORER_HOME` / `HUB_EXPLORER_DATABASE_URL` elsewhere.")


def _psycopg_transient() -> tuple[type[BaseException], ...]:
    try:
        from psycopg import errors as pg
    except ImportError:  # PostgreSQL support not installed: nothing of it can be raised
        return ()
    return (pg.SerializationFailure, pg.DeadlockDetected, pg.LockNotAvailable)


_PG_TRANSIENT = _psycopg_transient()


def is_transient(exc: BaseException) -> bool:
    """True for a failure that another try of the whole transaction may not meet (lock contention)."""
    orig = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    if isinstance(orig, sqlite3.OperationalError):
        code = getattr(orig, "sqlite_errorcode", None)
        return code is not None and (code & 0xFF) in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return bool(_PG_TRANSIENT) and isinstance(orig, _PG_TRANSIENT)


def store_error(exc: BaseException, where: str) -> StoreError:
    """A `StoreError` for `exc` met at `where` (a file path, or a URL without its password)."""
    if isinstance(exc, StoreError):
        return exc
    orig = exc.orig if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None else exc
    if is_transient(exc):  # the driver's words ("database is locked") are not for people
        return StoreBusyError(f"{where} stayed busy with other changes through several tries.")
    text = " ".join(str(orig).split()) or type(orig).__name__
    return StoreError(f"{where}: {text}")
