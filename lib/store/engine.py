"""The app's one database: shortlists and saved searches, through SQLAlchemy Core, on SQLite or PostgreSQL.

Where it is (`resolve`):

* `HUB_EXPLORER_DATABASE_URL` set (`postgresql://user:password@host/db`): PostgreSQL, shared by every replica;
* else the SQLite file `<HUB_EXPLORER_HOME>/hub-explorer.sqlite3` (WAL mode; `-wal`, `-shm` and a `.lock` file sit
  beside it).

A CLI's `--db` takes either a PostgreSQL URL or a SQLite path.

`open_store(location)` gives the process's one `Store` for that database (one engine per URL and process). The first
open in a process brings the schema up to date (`lib/store/migrations`, Alembic), safely when many processes do it
at once on a brand-new database:

* SQLite: under an exclusive `flock` on `<file>.lock`, switch the file to WAL if it is not yet, then migrate. (The
  WAL switch needs the file to itself, and SQLite does not wait for that: processes that raced on it used to get
  "database is locked".) Every connection then has a busy timeout and foreign keys on.
* PostgreSQL: migrate in one transaction holding a transaction-level advisory lock.

A database whose revision this app does not know (a newer app wrote it) is refused with `StoreVersionError`.

Every read and write is one transaction, run by `Store.read(fn)` / `Store.write(fn)`, which call `fn(connection)`
and retry the whole transaction on lock contention (`errors.is_transient`), at most `MAX_ATTEMPTS` times with
jittered backoff; then `StoreBusyError` ("try again in a moment"), never a raw "database is locked". SQLite writes
begin with `BEGIN IMMEDIATE` (writers wait on the busy timeout instead of failing when they upgrade a read lock),
and the writers of one process first take turns on a lock of their own (SQLite's busy handler polls, which lets one
writer starve for seconds among many); connections stay pooled, since closing the last one checkpoints the WAL.
PostgreSQL runs at READ COMMITTED with a lock timeout, and writers that must not interleave lock the row they
change first (`SELECT ... FOR UPDATE`).
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal, TypeVar

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from lib.settings import Settings, load_settings
from lib.store.errors import StoreBusyError, StoreError, StoreVersionError, is_transient, store_error

try:  # POSIX; elsewhere first use relies on the bounded retry alone
    import fcntl
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None  # type: ignore[assignment]

FILE_NAME = "hub-explorer.sqlite3"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_S = 5.0  # SQLite: how long one statement waits for another writer's lock
LOCK_TIMEOUT_MS = 5000  # PostgreSQL: the same for row locks
CONNECT_TIMEOUT_S = 10  # PostgreSQL: an unreachable server is an error after this long
POOL_SIZE = 8  # connections kept open per store and process (up to three times as many under load)
MAX_ATTEMPTS = 6  # tries of one transaction on lock contention, the first included
BACKOFF_S = (0.01, 0.5)  # first and largest pause between tries (full jitter, doubling)
_ADVISORY_KEY = 0x4855_4258  # "HUBX": the PostgreSQL advisory lock taken while migrating

Backend = Literal["sqlite", "postgresql"]
T = TypeVar("T")

# SQLite statements the store runs itself: constants, never built from values.
_SQLITE_BEGIN = {"write": "BEGIN IMMEDIATE", "read": "BEGIN", "none": None}  # none: autocommit (for PRAGMAs)
_SQLITE_ON_CONNECT = ("PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL")
_BEGIN_OPTION = "hub_explorer_begin"


# --- where the database is ----------------------------------------------------------------------------------------


def default_path(home: str | Path | None = None) -> Path:
    """The SQLite file in the app's home folder (`HUB_EXPLORER_HOME` when `home` is None)."""
    base = Path(home).expanduser() if home is not None else load_settings().home
    return base / FILE_NAME


def resolve(location: str | Path | None = None, *, settings: Settings | None = None) -> URL:
    """The database `location` names: a PostgreSQL URL, a `sqlite:///` URL or a SQLite file path; None is the
    app's own (`HUB_EXPLORER_DATABASE_URL`, else the SQLite file in `HUB_EXPLORER_HOME`)."""
    if location is None:
        settings = settings or load_settings()
        location = settings.database_url or settings.home / FILE_NAME
    if isinstance(location, str) and "://" in location:
        try:
            url = make_url(location)
        except sa_exc.ArgumentError as exc:  # the text is not repeated: it may hold a password
            raise StoreError("Not a database URL: give postgresql://user:password@host:5432/db, or a SQLite file "
                             "path.") from exc
        backend = url.get_backend_name()
        if backend in ("postgresql", "postgres"):
            return url.set(drivername="postgresql+psycopg")
        if backend == "sqlite" and url.database and url.database != ":memory:":
            return URL.create("sqlite", database=str(Path(url.database).expanduser().absolute()))
        raise StoreError(f"Unsupported database {url.render_as_string(hide_password=True)}: use a PostgreSQL URL "
                         "(postgresql://...) or a SQLite file path.")
    return URL.create("sqlite", database=str(Path(location).expanduser().absolute()))


# --- the store ------------------------------------------------------------------------------------------------------


class _NoTurn(Exception):
    """This process's other writers kept the store for longer than `BUSY_TIMEOUT_S` (retried like a lock error)."""


class Store:
    """One database, ready to use. Get it from `open_store`; share it between threads (not across `fork`)."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.backend: Backend = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
        self.path: Path | None = Path(url.database) if self.backend == "sqlite" and url.database else None
        #: Where the store is, for messages: the file, or the URL without its password.
        self.where = str(self.path) if self.path else url.render_as_string(hide_password=True)
        self.engine = _create_engine(url)
        self._writers = threading.Lock() if self.backend == "sqlite" else None

    def __repr__(self) -> str:
        return f"Store({self.where!r})"

    # -- transactions

    def read(self, fn: Callable[[Connection], T]) -> T:
        """`fn(connection)` in one read transaction (a consistent snapshot), retried on lock contention."""
        return self._run(fn, "read")

    def write(self, fn: Callable[[Connection], T]) -> T:
        """`fn(connection)` in one write transaction, committed when it returns and rolled back when it raises;
        the whole of it is run again on lock contention (so `fn` must only talk to the database)."""
        return self._run(fn, "write")

    def _run(self, fn: Callable[[Connection], T], mode: Literal["read", "write"]) -> T:
        pause = BACKOFF_S[0]
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self._turn(mode), self.engine.connect() as conn:
                    conn.execution_options(**{_BEGIN_OPTION: mode})
                    with conn.begin():
                        return fn(conn)
            except (sa_exc.DBAPIError, OSError, _NoTurn, sa_exc.TimeoutError) as exc:
                waited = isinstance(exc, _NoTurn | sa_exc.TimeoutError)  # for our turn, or for a pooled connection
                if attempt < MAX_ATTEMPTS and (waited or is_transient(exc)):
                    _pause(random.uniform(0, pause))
                    pause = min(pause * 2, BACKOFF_S[1])
                    continue
                if waited:
                    raise StoreBusyError(f"{self.where} stayed busy with other changes through several tries.") from None
                raise store_error(exc, self.where) from exc
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def _turn(self, mode: str) -> Iterator[None]:
        """SQLite: the writers of this process take turns on a lock before they ask SQLite for the file's, so they
        queue instead of polling SQLite's busy handler, which is unfair (a writer could starve for seconds)."""
        if mode != "write" or self._writers is None:
            yield
            return
        if not self._writers.acquire(timeout=BUSY_TIMEOUT_S):
            raise _NoTurn
        try:
            yield
        finally:
            self._writers.release()

    # -- first use

    def prepare(self) -> None:
        """Create the database's folder (SQLite) and bring its schema to the latest revision."""
        pause = BACKOFF_S[0]
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                if self.path is not None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    with _file_lock(self.path.with_name(self.path.name + ".lock")):
                        self._wal()
                        self._migrate()
                else:
                    self._migrate()
                return
            except StoreError:
                raise
            except (sa_exc.DBAPIError, OSError, CommandError) as exc:
                if attempt < MAX_ATTEMPTS and is_transient(exc):
                    _pause(random.uniform(0, pause))
                    pause = min(pause * 2, BACKOFF_S[1])
                    continue
                raise store_error(exc, self.where) from exc

    def _wal(self) -> None:
        """Switch a SQLite file to WAL once, when it is new (the mode is kept in the file)."""
        with self.engine.connect() as conn:
            conn.execution_options(**{_BEGIN_OPTION: "none"})  # the journal mode cannot change in a transaction
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            if mode != "wal":
                conn.exec_driver_sql("PRAGMA journal_mode = WAL")
            conn.rollback()

    def _migrate(self) -> None:
        script = ScriptDirectory(str(MIGRATIONS))
        head = script.get_current_head()
        with self.engine.connect() as conn:
            conn.execution_options(**{_BEGIN_OPTION: "read"})
            with conn.begin():
                current = MigrationContext.configure(conn).get_current_heads()
            _check_known(script, current, self.where)
            if current == (head,):
                return
            conn.execution_options(**{_BEGIN_OPTION: "write"})
            with conn.begin():
                if self.backend == "postgresql":
                    conn.execute(select(func.pg_advisory_xact_lock(_ADVISORY_KEY)))
                current = MigrationContext.configure(conn).get_current_heads()  # another process may have won
                _check_known(script, current, self.where)
                if current != (head,):
                    config = Config()
                    config.set_main_option("script_location", str(MIGRATIONS))
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")

    def revision(self) -> str | None:
        """The database's schema revision (None before the first migration)."""
        def current(conn: Connection) -> str | None:
            heads = MigrationContext.configure(conn).get_current_heads()
            return heads[0] if heads else None
        return self.read(current)

    def usable(self) -> bool:
        """False once a SQLite file was deleted under a running app (the next open starts a new one)."""
        return self.path is None or self.path.exists()

    def dispose(self) -> None:
        self.engine.dispose()


def _pause(seconds: float) -> None:
    """The wait between two tries (a seam for tests that count them)."""
    time.sleep(seconds)


def _check_known(script: ScriptDirectory, current: tuple[str, ...], where: str) -> None:
    for rev in current:
        try:
            script.get_revision(rev)
        except CommandError:
            raise StoreVersionError(f"{where} is at schema revision {rev!r}, which this app does not know.") from None


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        # Pooled: closing the last connection to a WAL file checkpoints and deletes the WAL (milliseconds of fsync), so
        # connections stay open between transactions. `open_store` notices a file deleted under it and starts again.
        engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=2 * POOL_SIZE,
                               connect_args={"timeout": BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=2 * POOL_SIZE,
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "options": f"-c lock_timeout={LOCK_TIMEOUT_MS:d}"},
    )


def _sqlite_connect(dbapi_connection, _record) -> None:
    # SQLAlchemy's documented recipe: stop pysqlite's own implicit BEGIN so that ours (below) is the only one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for statement in _SQLITE_ON_CONNECT:
        cursor.execute(statement)
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    statement = _SQLITE_BEGIN[conn.get_execution_options().get(_BEGIN_OPTION, "read")]
    if statement is not None:
        conn.exec_driver_sql(statement)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (and threads: each call opens its own descriptor) on `path`."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


# --- one store per database and process ---------------------------------------------------------------------------

_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(location: str | Path | None = None) -> Store:
    """The store at `location` (see `resolve`), prepared on first use in this process. Raises `StoreError`."""
    url = resolve(location)
    key = url.render_as_string(hide_password=False)
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is not None and store.usable():
            return store
        if store is not None:
            store.dispose()
            del _STORES[key]
        try:
            store = Store(url)
        except (sa_exc.ArgumentError, ImportError) as exc:
            raise StoreError(f"{url.render_as_string(hide_password=True)}: {exc}") from exc
        store.prepare()
        _STORES[key] = store
        return store


def close_stores() -> None:
    """Close every store of this process; the next `open_store` starts afresh (checks and migrates again)."""
    with _STORES_LOCK:
        for store in _STORES.values():
            store.dispose()
        _STORES.clear()


_INHERITED: list[object] = []


def _forget_after_fork() -> None:
    """A forked child must not use its parent's connections, nor close them (closing a PostgreSQL connection tells
    the server the parent is gone; closing a SQLite one may checkpoint under the parent): it keeps them, unused, and
    opens its own."""
    global _STORES_LOCK
    _STORES_LOCK = threading.Lock()
    for store in _STORES.values():
        _INHERITED.append(store.engine.pool)
        store.engine.dispose(close=False)
    _STORES.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
