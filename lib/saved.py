"""Saved searches: a named browse-page query per user name, kept in a SQLite file in the app's home folder.

The file is ``<HUB_EXPLORER_HOME>/hub-explorer.sqlite3``. A saved search is (user, name, kind, params, created_at,
updated_at); ``params`` are the page's URL parameters (``lib.urlstate.state_to_params``), so reopening one is just
opening the kind's page with them. (user, name, kind) is unique.

The user name partitions the list; it is not an account and not a secret: anyone who types the same name on the
same server sees and edits the same list.

Several Streamlit sessions (threads of one server, or several servers on one home folder) may write at once: every
call opens its own connection, in WAL mode with a busy timeout, and each write is one transaction. Values always
travel as SQL parameters, never formatted into the statement.

Errors, all `lib.errors.HubExplorerError`::

    HubExplorerError
    ├── SavedSearchExistsError       the (user, name, kind) is taken: save again with overwrite=True to replace it
    ├── InvalidSavedSearchError      (ValueError)  a user or search name, kind or params that cannot be stored
    ├── SavedSearchNotFoundError     (NotFoundError, LookupError)  rename of a search that does not exist
    └── SavedSearchStoreError        (OSError)  the SQLite file cannot be opened, read or written
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lib.errors import HubExplorerError, NotFoundError
from lib.filters import FILTERS
from lib.query import KINDS, Kind
from lib.settings import load_settings

FILE_NAME = "hub-explorer.sqlite3"
SCHEMA_VERSION = 1
MAX_NAME = 60
MAX_PARAMS_JSON = 4096  # a browse page's URL parameters are far shorter (the search text is capped at 200)
BUSY_TIMEOUT_S = 5.0

# Characters a name may not contain: C0 controls and DEL (\x00-\x1f, \x7f), C1 controls (\x80-\x9f), the Unicode
# line and paragraph separators (\u2028, \u2029) and lone surrogates (\ud800-\udfff, which UTF-8 cannot store).
# Everything else is allowed: any script, emoji, spaces inside, quotes, %, _, ; and other SQL or Markdown syntax.
_FORBIDDEN_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")  # cannot be encoded as UTF-8, so cannot be stored

# One statement each: `executescript` would commit the surrounding transaction.
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS saved_search (
    id         INTEGER PRIMARY KEY,
    user       TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('models', 'datasets', 'spaces')),
    params     TEXT NOT NULL,   -- JSON object, str -> str
    created_at TEXT NOT NULL,   -- ISO 8601, UTC, microseconds
    updated_at TEXT NOT NULL,
    UNIQUE (user, name, kind)
)""",
    "CREATE INDEX IF NOT EXISTS saved_search_by_user ON saved_search (user, kind, updated_at)",
)
_COLUMNS = "id, user, name, kind, params, created_at, updated_at"


class SavedSearchExistsError(HubExplorerError):
    title = "Name already used"
    hint = "Choose another name, or confirm to replace the saved search."

    def __init__(self, user: str, name: str, kind: str) -> None:
        self.user, self.name, self.kind = user, name, kind
        super().__init__(f"A saved search of {kind} named {name!r} already exists.")


class InvalidSavedSearchError(HubExplorerError, ValueError):
    title = "Cannot save this"
    hint = f"Names are 1 to {MAX_NAME} characters, without line breaks or control characters."


class SavedSearchNotFoundError(NotFoundError):
    title = "Saved search not found"
    hint = "It may have been deleted in another window. Reload the list."


class SavedSearchStoreError(HubExplorerError, OSError):
    title = "Saved searches are unavailable"
    hint = "Check that `HUB_EXPLORER_HOME` is a folder this app may write to."


# --- validators (pure) -------------------------------------------------------------------------------------------


def clean_name(value: object, *, what: str = "name") -> str:
    """A user or search name as stored: NFC-normalised, trimmed, 1-`MAX_NAME` characters, no control characters.

    NFC makes "é" typed as one code point or as "e" + accent the same name. Raises `InvalidSavedSearchError`
    saying what is wrong with `what`.
    """
    if not isinstance(value, str):
        raise InvalidSavedSearchError(f"The {what} must be text.")
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise InvalidSavedSearchError(f"The {what} is empty.")
    if _FORBIDDEN_RE.search(text):
        raise InvalidSavedSearchError(f"The {what} contains a line break or control character.")
    if len(text) > MAX_NAME:
        raise InvalidSavedSearchError(f"The {what} is {len(text)} characters long; at most {MAX_NAME} are allowed.")
    return text


def is_valid_name(value: object) -> bool:
    try:
        clean_name(value)
    except InvalidSavedSearchError:
        return False
    return True


def validate_user(value: object) -> str:
    return clean_name(value, what="user name")


def validate_search_name(value: object) -> str:
    return clean_name(value, what="search name")


def validate_kind(value: object) -> Kind:
    if value not in KINDS:
        raise InvalidSavedSearchError(f"Unknown kind {value!r}: one of {', '.join(KINDS)}.")
    return value  # type: ignore[return-value]


def validate_params(params: object) -> dict[str, str]:
    """URL parameters as stored: a mapping of non-empty text keys to text values, small."""
    if not isinstance(params, Mapping):
        raise InvalidSavedSearchError("The search parameters must be a mapping of names to values.")
    out: dict[str, str] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise InvalidSavedSearchError(f"Search parameter {key!r} must map a name to text.")
        if _SURROGATE_RE.search(key + value):
            raise InvalidSavedSearchError(f"Search parameter {key!r} is not valid text.")
        out[key] = value
    if len(_dump(out)) > MAX_PARAMS_JSON:
        raise InvalidSavedSearchError("The search parameters are too long to save.")
    return out


_SOURCE_WORDS = {"hub": "from the live Hub", "catalog": "from the local catalog"}  # "auto" goes unsaid


def describe_params(params: Mapping[str, str]) -> str:
    """A saved search in a few words: `'bert' · task fill-mask · gated · by downloads`; '' for the default search.
    Filters are worded in the order of `lib.filters.FILTERS`; unknown parameters come last, as they are."""
    parts = [f"'{params['q']}'"] if params.get("q") else []
    known = {"q", "only", "sort", "source", "page", "repo"}
    for f in FILTERS:
        if f.control == "toggle" or f.param in known:
            continue
        known.add(f.param)
        value = params.get(f.param)
        if not value:
            continue
        if f.control == "tristate":
            parts.append({"yes": f.noun or f.name, "no": f"not {f.noun or f.name}"}.get(value, f"{f.param} {value}"))
        else:
            parts.append(f"{'by author' if f.name == 'author' else f.param} {value}")
    if params.get("only"):
        parts.append(f"only {params['only']}")
    if params.get("sort"):
        parts.append(f"by {params['sort']}")
    if params.get("source") in _SOURCE_WORDS:
        parts.append(_SOURCE_WORDS[params["source"]])
    for key, label in (("page", "page"), ("repo", "open")):
        if params.get(key):
            parts.append(f"{label} {params[key]}")
    parts += [f"{key} {value}" for key, value in sorted(params.items()) if key not in known and value]
    return " · ".join(parts)


def _dump(params: Mapping[str, str]) -> str:
    return json.dumps(dict(params), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _load(text: str) -> dict[str, str]:
    """Stored params; anything unreadable becomes no params (the page then opens its default search)."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


# --- the store ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedSearch:
    """One saved search. `params` are the URL parameters of the kind's browse page."""

    user: str
    name: str
    kind: Kind
    params: dict[str, str] = field(hash=False)
    created_at: datetime
    updated_at: datetime
    id: int = 0  # the row id: stable across renames, handy as a widget key


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _stamp(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def db_path(home: str | Path | None = None) -> Path:
    """Where the saved searches live: `<home>/hub-explorer.sqlite3` (home defaults to `HUB_EXPLORER_HOME`)."""
    base = Path(home).expanduser() if home is not None else load_settings().home
    return base / FILE_NAME


class SavedSearches:
    """Saved searches in one SQLite file. Cheap to create: nothing is opened until the first call.

    Safe to share between threads and processes: each call opens and closes its own connection.
    """

    def __init__(self, path: str | Path, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self.path = Path(path)
        self._clock = clock
        self._ready = False

    @classmethod
    def open(cls, home: str | Path | None = None) -> SavedSearches:
        """The store in the app's home folder (`HUB_EXPLORER_HOME` when `home` is None)."""
        return cls(db_path(home))

    # -- connections

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One connection for one call, closed afterwards; sqlite3 errors become `SavedSearchStoreError`."""
        try:
            if not self._ready:
                self._init()
            con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except HubExplorerError:
            raise
        except (OSError, sqlite3.Error) as exc:
            raise self._store_error(exc) from exc
        try:
            yield con
        except sqlite3.Error as exc:
            raise self._store_error(exc) from exc
        finally:
            con.close()

    def _store_error(self, exc: Exception) -> SavedSearchStoreError:
        return SavedSearchStoreError(f"{self.path}: {exc}")

    def _init(self) -> None:
        """Create the folder, the file and the schema (once per store object; idempotent across processes)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            version = self._version(con)
            if version is None:
                con.execute("PRAGMA journal_mode = WAL")  # persistent: set once, when the file is new
                con.execute("BEGIN IMMEDIATE")  # one writer creates the schema; a concurrent one waits, then no-ops
                try:
                    for statement in _SCHEMA:
                        con.execute(statement)
                    con.execute(
                        "INSERT INTO schema_version (version) SELECT ? WHERE NOT EXISTS (SELECT 1 FROM schema_version)",
                        (SCHEMA_VERSION,),
                    )
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                version = self._version(con)
            if version != SCHEMA_VERSION:
                raise SavedSearchStoreError(
                    f"{self.path} has schema version {version}; this app reads version {SCHEMA_VERSION}.",
                    hint="The file was written by another version of Hub Explorer. Point `HUB_EXPLORER_HOME` "
                    "elsewhere, or move the file away.",
                )
        finally:
            con.close()
        self._ready = True

    @staticmethod
    def _version(con: sqlite3.Connection) -> int | None:
        try:
            row = con.execute("SELECT MAX(version) FROM schema_version").fetchone()
        except sqlite3.OperationalError:  # no such table: a new file
            return None
        return row[0] if row else None

    @contextmanager
    def _transaction(self, user: str, name: str, kind: str) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: concurrent writers wait); a clash on (user, name, kind)
        becomes `SavedSearchExistsError`, anything else rolls back and propagates."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
                con.execute("COMMIT")
            except sqlite3.IntegrityError:
                con.execute("ROLLBACK")
                raise SavedSearchExistsError(user, name, kind) from None
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def _fetch(self, con: sqlite3.Connection, user: str, name: str, kind: str) -> SavedSearch:
        row = con.execute(
            f"SELECT {_COLUMNS} FROM saved_search WHERE user = ? AND name = ? AND kind = ?", (user, name, kind)
        ).fetchone()
        return self._row(row)

    @staticmethod
    def _row(row: tuple) -> SavedSearch:
        id_, user, name, kind, params, created, updated = row
        return SavedSearch(
            user=user, name=name, kind=kind, params=_load(params),
            created_at=datetime.fromisoformat(created), updated_at=datetime.fromisoformat(updated), id=id_,
        )

    # -- API

    def save(
        self, user: str, name: str, kind: str, params: Mapping[str, str], *, overwrite: bool = False
    ) -> SavedSearch:
        """Save `params` under (user, name, kind). When that exists: `SavedSearchExistsError`, unless `overwrite`,
        which replaces its params (keeping its creation time)."""
        user, name, kind = validate_user(user), validate_search_name(name), validate_kind(kind)
        stored, now = _dump(validate_params(params)), _stamp(self._clock())
        with self._transaction(user, name, kind) as con:
            if overwrite:
                con.execute(
                    "INSERT INTO saved_search (user, name, kind, params, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (user, name, kind) DO UPDATE SET"
                    " params = excluded.params, updated_at = excluded.updated_at",
                    (user, name, kind, stored, now, now),
                )
            else:
                con.execute(
                    "INSERT INTO saved_search (user, name, kind, params, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (user, name, kind, stored, now, now),
                )
            return self._fetch(con, user, name, kind)

    def get(self, user: str, name: str, kind: str) -> SavedSearch | None:
        user, name, kind = validate_user(user), validate_search_name(name), validate_kind(kind)
        with self._connect() as con:
            row = con.execute(
                f"SELECT {_COLUMNS} FROM saved_search WHERE user = ? AND name = ? AND kind = ?", (user, name, kind)
            ).fetchone()
        return self._row(row) if row else None

    def exists(self, user: str, name: str, kind: str) -> bool:
        return self.get(user, name, kind) is not None

    def list(self, user: str, kind: str | None = None) -> list[SavedSearch]:
        """This user's saved searches (of one kind, or all), the most recently saved first."""
        user = validate_user(user)
        with self._connect() as con:
            if kind is None:
                rows = con.execute(
                    f"SELECT {_COLUMNS} FROM saved_search WHERE user = ? ORDER BY updated_at DESC, name, kind",
                    (user,),
                ).fetchall()
            else:
                rows = con.execute(
                    f"SELECT {_COLUMNS} FROM saved_search WHERE user = ? AND kind = ?"
                    " ORDER BY updated_at DESC, name",
                    (user, validate_kind(kind)),
                ).fetchall()
        return [self._row(r) for r in rows]

    def delete(self, user: str, name: str, kind: str) -> bool:
        """Delete one; False when it was not there (deleted elsewhere, or never saved)."""
        user, name, kind = validate_user(user), validate_search_name(name), validate_kind(kind)
        with self._connect() as con:
            cur = con.execute(
                "DELETE FROM saved_search WHERE user = ? AND name = ? AND kind = ?", (user, name, kind)
            )
        return cur.rowcount > 0

    def rename(self, user: str, name: str, kind: str, new_name: str) -> SavedSearch:
        """Give a saved search another name. `SavedSearchNotFoundError` when it does not exist,
        `SavedSearchExistsError` when the new name is taken by another one."""
        user, name, kind = validate_user(user), validate_search_name(name), validate_kind(kind)
        new_name = validate_search_name(new_name)
        now = _stamp(self._clock())
        with self._transaction(user, new_name, kind) as con:
            cur = con.execute(
                "UPDATE saved_search SET name = ?, updated_at = ? WHERE user = ? AND name = ? AND kind = ?",
                (new_name, now, user, name, kind),
            )
            if cur.rowcount == 0:
                raise SavedSearchNotFoundError(f"No saved search of {kind} named {name!r}.")
            return self._fetch(con, user, new_name, kind)
