"""Saved searches: a named browse-page query per user name, kept in the app's store (`lib.store`).

The store is the SQLite file ``<HUB_EXPLORER_HOME>/hub-explorer.sqlite3``, or PostgreSQL when
``HUB_EXPLORER_DATABASE_URL`` is set. A saved search is (user, name, kind, params, created_at, updated_at);
``params`` are the page's URL parameters (``lib.urlstate.state_to_params``), so reopening one is just opening the
kind's page with them. (user, name, kind) is unique. Files written before the store existed are adopted as they are
by its first migration.

The user name partitions the list; it is not an account and not a secret: anyone who types the same name on the
same server sees and edits the same list.

Several Streamlit sessions (threads of one server, several servers on one home folder, replicas on one PostgreSQL)
may write at once: each call is one transaction of the store, retried a bounded number of times on lock contention.
Values always travel as SQL parameters (SQLAlchemy Core), never formatted into the statement.

Errors, all `lib.errors.HubExplorerError`::

    HubExplorerError
    ├── SavedSearchExistsError       the (user, name, kind) is taken: save again with overwrite=True to replace it
    ├── InvalidSavedSearchError      (ValueError)  a user or search name, kind or params that cannot be stored
    ├── SavedSearchNotFoundError     (NotFoundError, LookupError)  rename of a search that does not exist
    └── StoreError                   (OSError)  lib.store's
        └── SavedSearchStoreError    the store cannot be opened, read or written (its message and hint kept)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, RowMapping, Select, delete, func, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite

from lib import names
from lib.errors import HubExplorerError, NotFoundError
from lib.filters import FILTERS
from lib.query import KINDS, Kind
from lib.settings import load_settings
from lib.store import FILE_NAME, Store, StoreError, default_path, open_store
from lib.store.schema import saved_search, schema_version

__all__ = ["FILE_NAME", "MAX_NAME", "SCHEMA_VERSION", "InvalidSavedSearchError", "SavedSearch",
           "SavedSearchExistsError", "SavedSearchNotFoundError", "SavedSearchStoreError", "SavedSearches", "clean_name",
           "db_path", "describe_params", "is_valid_name", "validate_kind", "validate_params", "validate_search_name",
           "validate_user"]
T = TypeVar("T")

SCHEMA_VERSION = 1  # the saved_search row format; kept in `schema_version` for copies of the app older than the store
MAX_NAME = 60
MAX_PARAMS_JSON = 4096  # a browse page's URL parameters are far shorter (the search text is capped at 200)

_SURROGATE_RE = names.SURROGATE_RE  # cannot be encoded as UTF-8, so cannot be stored


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


class SavedSearchStoreError(StoreError):
    title = "Saved searches are unavailable"


# --- validators (pure) -------------------------------------------------------------------------------------------


def clean_name(value: object, *, what: str = "name") -> str:
    """A user or search name as stored: NFC-normalised, trimmed, 1-`MAX_NAME` characters, no control characters
    (`lib.names`). Raises `InvalidSavedSearchError` saying what is wrong with `what`."""
    try:
        return names.clean_name(value, what=what, max_len=MAX_NAME)
    except ValueError as exc:
        raise InvalidSavedSearchError(str(exc)) from None


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


def db_path(home: str | Path | None = None) -> Path:
    """The SQLite file of the app's home folder: `<home>/hub-explorer.sqlite3` (home defaults to
    `HUB_EXPLORER_HOME`). `HUB_EXPLORER_DATABASE_URL`, when set, is used instead by `SavedSearches.open()`."""
    return default_path(home)


def _row(row: RowMapping) -> SavedSearch:
    return SavedSearch(
        user=row["user"], name=row["name"], kind=row["kind"], params=_load(row["params"]),
        created_at=row["created_at"], updated_at=row["updated_at"], id=row["id"],
    )


def _one(user: str, name: str, kind: str) -> Select[tuple[object, ...]]:
    return select(saved_search).where(
        saved_search.c.user == user, saved_search.c.name == name, saved_search.c.kind == kind)


class SavedSearches:
    """Saved searches in the app's store. Cheap to create: nothing is opened until the first call.

    `location` is a SQLite file path or a PostgreSQL URL (`lib.store.resolve`). Safe to share between threads and
    processes: each call is its own transaction.
    """

    def __init__(self, location: str | Path, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self.location = location
        is_url = isinstance(location, str) and "://" in location
        #: The SQLite file (None for PostgreSQL).
        self.path: Path | None = None if is_url else Path(location)
        self._clock = clock
        self._ready = False

    @classmethod
    def open(cls, home: str | Path | None = None) -> SavedSearches:
        """The app's own store: `HUB_EXPLORER_DATABASE_URL` when set and `home` is None, else the SQLite file in
        `home` (`HUB_EXPLORER_HOME` when None)."""
        url = load_settings().database_url if home is None else None
        return cls(url or db_path(home))

    # -- the store

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """The store's errors as this module's (same message and hint)."""
        try:
            yield
        except SavedSearchStoreError:
            raise
        except StoreError as exc:
            raise SavedSearchStoreError(str(exc), hint=exc.hint) from exc

    def _store(self) -> Store:
        store = open_store(self.location)
        if not self._ready:
            version = store.read(lambda conn: conn.execute(select(func.max(schema_version.c.version))).scalar())
            if version != SCHEMA_VERSION:
                raise SavedSearchStoreError(
                    f"{store.where} has schema version {version}; this app reads version {SCHEMA_VERSION}.",
                    hint="The file was written by another version of Hub Explorer. Point `HUB_EXPLORER_HOME` "
                    "elsewhere, or move the file away.",
                )
            self._ready = True
        return store

    def _read(self, fn: Callable[[Connection], T]) -> T:
        with self._errors():
            return self._store().read(fn)

    def _write(self, fn: Callable[[Connection], T]) -> T:
        with self._errors():
            return self._store().write(fn)

    # -- API

    def save(
        self, user: str, name: str, kind: str, params: Mapping[str, str], *, overwrite: bool = False
    ) -> SavedSearch:
        """Save `params` under (user, name, kind). When that exists: `SavedSearchExistsError`, unless `overwrite`,
        which replaces its params (keeping its creation time)."""
        user, name, kind = validate_user(user), validate_search_name(name), validate_kind(kind)
        stored, now = _dump(validate_params(params)), self._clock()
        values = {"user": user, "name": name, "kind": kind, "params": stored, "created_at": now, "updated_at": now}

        def save(conn: Connection) -> SavedSearch:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            insert = dialect.insert(saved_search).values(**values)
            if overwrite:
                insert = insert.on_conflict_do_update(
                    index_elements=["user", "name", "kind"],
                    set_={"params": insert.excluded.params, "updated_at": insert.excluded.updated_at},
                )
            try:
                conn.execute(insert)
            except sa_exc.IntegrityError:
                raise SavedSearchExistsError(user, name, kind) from None
            return _row(conn.execute(_one(user, name, kind)).mappings().one())

        return self._write(save)

    def get(self, user: str, name: str, kind: str) -> SavedSearch | None:
        user, name, kind = validate_user(user), validate_search_name(name), validate_kind(kind)
        row = self._read(lambda conn: conn.execute(_one(user, name, kind)).mappings().first())
        return _row(row) if row else None

    def exists(self, user: str, name: str, kind: str) -> bool:
        return self.get(user, name, kind) is not None

    def list(self, user: str, kind: str | None = None) -> list[SavedSearch]:
        """This user's saved searches (of one kind, or all), the most recently saved first."""
        user = validate_user(user)
        query = select(saved_search).where(saved_search.c.user == user)
        if kind is None:
            query = query.order_by(saved_search.c.updated_at.desc(), saved_search.c.name, saved_search.c.kind)
        else:
            query = query.where(saved_search.c.kind == validate_kind(kind)).order_by(
                saved_search.c.updated_at.desc(), saved_search.c.name)
        rows = self._read(lambda conn: conn.execute(query).mappings().all())
        return [_row(r) for r in rows]

    def delete(self, user: str, name: str, kind: str) -> bool:
        """Delete one; False when it was not there (deleted elsewhere, or never saved)."""
        user, name, kind = validate_user(user), validate_search_name(name), validate_kind(kind)
        statement = delete(saved_search).where(
            saved_search.c.user == user, saved_search.c.name == name, saved_search.c.kind == kind)
        return self._write(lambda conn: conn.execute(statement).rowcount > 0)

    def rename(self, user: str, name: str, kind: str, new_name: str) -> SavedSearch:
        """Give a saved search another name. `SavedSearchNotFoundError` when it does not exist,
        `SavedSearchExistsError` when the new name is taken by another one."""
        user, name, kind = validate_user(user), validate_search_name(name), validate_kind(kind)
        new_name = validate_search_name(new_name)
        now = self._clock()
        statement = (
            update(saved_search)
            .where(saved_search.c.user == user, saved_search.c.name == name, saved_search.c.kind == kind)
            .values(name=new_name, updated_at=now)
        )

        def rename(conn: Connection) -> SavedSearch:
            try:
                changed = conn.execute(statement).rowcount
            except sa_exc.IntegrityError:
                raise SavedSearchExistsError(user, new_name, kind) from None
            if changed == 0:
                raise SavedSearchNotFoundError(f"No saved search of {kind} named {name!r}.")
            return _row(conn.execute(_one(user, new_name, kind)).mappings().one())

        return self._write(rename)
