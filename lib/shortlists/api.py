"""Shortlists in the app's store: create and describe lists; add, vote, set the status and note of items; read a
list and its history. Every change is one transaction that also appends its history entry and counts itself in the
list's `version`, so a list and its history always agree (even when a process dies mid-write).

Concurrency: writers of one list take its row lock first (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite writers
are serialised by `BEGIN IMMEDIATE`), so changes to one list apply one at a time and none is lost; transient lock
errors are retried by the store. Votes are one per person (a second vote is a no-op); a note is saved only if it
has not changed since the person read it (`expected_version`), else `NoteConflictError` carries both texts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update
from sqlalchemy import exc as sa_exc

from lib import names
from lib.query import KINDS, Kind
from lib.shortlists.errors import (
    AmbiguousItemError,
    InvalidShortlistError,
    InvalidStatusError,
    ItemExistsError,
    ItemNotFoundError,
    NoteConflictError,
    ShortlistExistsError,
    ShortlistNotFoundError,
)
from lib.shortlists.records import KIND_WORDS, STATUSES, Change, Item, ListSummary, Shortlist, Status
from lib.store import Store, open_store
from lib.store.schema import (
    MAX_DESCRIPTION,
    MAX_LIST_NAME,
    MAX_NOTE,
    MAX_REPO,
    MAX_USER,
    shortlist,
    shortlist_event,
    shortlist_item,
    shortlist_vote,
)
from lib.urlstate import is_valid_repo_id

T = TypeVar("T")

#: Other words accepted for a kind (the Hub's repo types, singular).
KIND_ALIASES: dict[str, Kind] = {"model": "models", "dataset": "datasets", "space": "spaces"}


# --- validators (pure) -------------------------------------------------------------------------------------------


def _clean(fn: Callable[..., str], value: object, what: str, max_len: int) -> str:
    try:
        return fn(value, what=what, max_len=max_len)
    except ValueError as exc:
        raise InvalidShortlistError(str(exc)) from None


def validate_list_name(value: object) -> str:
    """A list name as stored (`lib.names.clean_name`): one line, 1 to `MAX_LIST_NAME` characters."""
    return _clean(names.clean_name, value, "list name", MAX_LIST_NAME)


def validate_user(value: object) -> str:
    return _clean(names.clean_name, value, "user name", MAX_USER)


def validate_note(value: object) -> str:
    """A note as stored: any text of at most `MAX_NOTE` characters, line breaks kept ('' clears it)."""
    return _clean(names.clean_text, value, "note", MAX_NOTE)


def validate_description(value: object) -> str:
    return _clean(names.clean_text, value, "description", MAX_DESCRIPTION)


def validate_repo(value: object) -> str:
    """A Hub repo id (`owner/name`, or a legacy `name`), trimmed."""
    if not isinstance(value, str):
        raise InvalidShortlistError("The repo id must be text.")
    repo = value.strip()
    if not repo:
        raise InvalidShortlistError("The repo id is empty.")
    if len(repo) > MAX_REPO or not is_valid_repo_id(repo):
        raise InvalidShortlistError(f"Not a Hub repo id: {repo[:MAX_REPO]!r} (owner/name, letters, digits, -_.).")
    return repo


def validate_kind(value: object) -> Kind:
    """models, datasets or spaces (model, dataset, space are accepted too)."""
    kind = KIND_ALIASES.get(value, value) if isinstance(value, str) else value
    if kind not in KINDS:
        raise InvalidShortlistError(f"Unknown kind {value!r}: one of {', '.join(KINDS)}.")
    return kind  # type: ignore[return-value]


def validate_status(value: object) -> Status:
    if value not in STATUSES:
        raise InvalidStatusError(f"Unknown status {value!r}: one of {', '.join(STATUSES)}.")
    return value  # type: ignore[return-value]


# --- rows -> records -----------------------------------------------------------------------------------------------


def _item(row: RowMapping, voters: tuple[str, ...]) -> Item:
    return Item(repo=row["repo"], kind=row["kind"], status=row["status"], note=row["note"],
                note_version=row["note_version"], note_by=row["note_by"], note_at=row["note_at"], voters=voters,
                added_by=row["added_by"], added_at=row["added_at"], updated_at=row["updated_at"], id=row["id"])


def _change(row: RowMapping) -> Change:
    return Change(id=row["id"], at=row["at"], user=row["actor"], action=row["action"], repo=row["repo"],
                  kind=row["kind"], before=row["before"], after=row["after"])


def _voters(conn: Connection, item_ids: list[int]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {i: [] for i in item_ids}
    if item_ids:
        rows = conn.execute(
            select(shortlist_vote.c.item_id, shortlist_vote.c.voter)
            .where(shortlist_vote.c.item_id.in_(item_ids))
            .order_by(shortlist_vote.c.voted_at, shortlist_vote.c.voter)
        )
        for item_id, voter in rows:
            out[item_id].append(voter)
    return {k: tuple(v) for k, v in out.items()}


def _load_item(conn: Connection, item_id: int) -> Item:
    row = conn.execute(select(shortlist_item).where(shortlist_item.c.id == item_id)).mappings().one()
    return _item(row, _voters(conn, [item_id])[item_id])


def _load_list(conn: Connection, row: RowMapping) -> Shortlist:
    rows = conn.execute(
        select(shortlist_item).where(shortlist_item.c.list_id == row["id"]).order_by(shortlist_item.c.id)
    ).mappings().all()
    voters = _voters(conn, [r["id"] for r in rows])
    return Shortlist(name=row["name"], description=row["description"], owner=row["owner"],
                     created_by=row["created_by"], created_at=row["created_at"], updated_at=row["updated_at"],
                     version=row["version"], items=tuple(_item(r, voters[r["id"]]) for r in rows), id=row["id"])


def _utcnow() -> datetime:
    return datetime.now(UTC)


# --- the API ---------------------------------------------------------------------------------------------------------


class Shortlists:
    """The team's shortlists in one store. Cheap to create: the store is opened at the first call.

    `location`: a SQLite file path or a PostgreSQL URL (`lib.store.resolve`); None is the app's own store
    (`HUB_EXPLORER_DATABASE_URL`, else `<HUB_EXPLORER_HOME>/hub-explorer.sqlite3`). Safe to share between threads.
    """

    def __init__(self, location: str | Path | None = None, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self.location = location
        self._clock = clock

    @property
    def store(self) -> Store:
        return open_store(self.location)

    # -- reading

    def lists(self) -> list[ListSummary]:
        """Every list, the most recently changed first."""
        count = (select(func.count()).where(shortlist_item.c.list_id == shortlist.c.id)
                 .correlate(shortlist).scalar_subquery())
        query = select(shortlist, count.label("items")).order_by(shortlist.c.updated_at.desc(), shortlist.c.name)
        rows = self.store.read(lambda conn: conn.execute(query).mappings().all())
        return [ListSummary(name=r["name"], description=r["description"], owner=r["owner"], items=r["items"],
                            updated_at=r["updated_at"], version=r["version"]) for r in rows]

    def get_list(self, name: str) -> Shortlist:
        """The list with its items (in the order they were added). `ShortlistNotFoundError` when there is none."""
        name = validate_list_name(name)

        def read(conn: Connection) -> Shortlist:
            return _load_list(conn, self._list_row(conn, name))

        return self.store.read(read)

    def version(self, name: str) -> int:
        """The list's version (its number of changes) alone: one indexed row, so a page can ask every few seconds
        whether anything changed before reading the whole list. `ShortlistNotFoundError` when there is none."""
        name = validate_list_name(name)
        query = select(shortlist.c.version).where(shortlist.c.name == name)
        found = self.store.read(lambda conn: conn.execute(query).first())
        if found is None:
            raise ShortlistNotFoundError(f"No shortlist named {name!r}.")
        return int(found[0])

    def get_item(self, name: str, repo: str, *, kind: str | None = None) -> Item:
        """One item as it is now (after a `NoteConflictError`, say). `ItemNotFoundError` when it is not there."""
        name, repo = validate_list_name(name), validate_repo(repo)
        kind_ = validate_kind(kind) if kind is not None else None

        def read(conn: Connection) -> Item:
            return _load_item(conn, self._item_row(conn, self._list_row(conn, name), repo, kind_)["id"])

        return self.store.read(read)

    def history(self, name: str, *, limit: int | None = None) -> list[Change]:
        """The list's changes, oldest first (the last `limit` of them when given)."""
        name = validate_list_name(name)

        def read(conn: Connection) -> list[Change]:
            list_id = self._list_row(conn, name)["id"]
            query = select(shortlist_event).where(shortlist_event.c.list_id == list_id)
            if limit is not None:
                query = query.order_by(shortlist_event.c.id.desc()).limit(max(0, limit))
                return [_change(r) for r in reversed(conn.execute(query).mappings().all())]
            return [_change(r) for r in conn.execute(query.order_by(shortlist_event.c.id)).mappings()]

        return self.store.read(read)

    # -- lists

    def create_list(self, name: str, *, user: str, description: str = "") -> Shortlist:
        """A new, empty list owned by `user`. `ShortlistExistsError` when the name is taken."""
        name, user, description = validate_list_name(name), validate_user(user), validate_description(description)
        now = self._clock()

        def create(conn: Connection) -> Shortlist:
            try:
                list_id = conn.execute(insert(shortlist).values(
                    name=name, description=description, owner=user, created_by=user, created_at=now,
                    updated_at=now, version=0)).inserted_primary_key[0]
            except sa_exc.IntegrityError:
                raise ShortlistExistsError(f"A shortlist named {name!r} already exists.") from None
            row = conn.execute(select(shortlist).where(shortlist.c.id == list_id)).mappings().one()
            self._log(conn, row, now, user, "created", after=description or None)
            return _load_list(conn, self._list_row(conn, name))

        return self.store.write(create)

    def describe_list(self, name: str, description: str, *, user: str) -> Shortlist:
        """Change the list's description."""
        description, user = validate_description(description), validate_user(user)

        def change(conn: Connection, row: RowMapping, now: datetime) -> None:
            if row["description"] != description:
                conn.execute(update(shortlist).where(shortlist.c.id == row["id"]).values(description=description))
                self._log(conn, row, now, user, "described", before=row["description"], after=description)

        return self._change_list(name, change)

    def set_owner(self, name: str, owner: str, *, user: str) -> Shortlist:
        """Make `owner` the list's owner (a name, as everywhere in the app: not an account)."""
        owner, user = validate_user(owner), validate_user(user)

        def change(conn: Connection, row: RowMapping, now: datetime) -> None:
            if row["owner"] != owner:
                conn.execute(update(shortlist).where(shortlist.c.id == row["id"]).values(owner=owner))
                self._log(conn, row, now, user, "owner", before=row["owner"], after=owner)

        return self._change_list(name, change)

    def delete_list(self, name: str, *, user: str) -> None:
        """Delete the list, its items, votes and history. `ShortlistNotFoundError` when there is none."""
        name = validate_list_name(name)
        validate_user(user)

        def remove(conn: Connection) -> None:
            if conn.execute(delete(shortlist).where(shortlist.c.name == name)).rowcount == 0:
                raise ShortlistNotFoundError(f"No shortlist named {name!r}.")

        self.store.write(remove)

    # -- items

    def add_item(self, name: str, repo: str, *, kind: str, user: str, note: str = "") -> Item:
        """Add a repo as a candidate. `ItemExistsError` when that repo (of that kind) is in the list already."""
        repo, kind_, user, note = validate_repo(repo), validate_kind(kind), validate_user(user), validate_note(note)

        def add(conn: Connection, row: RowMapping, now: datetime) -> Item:
            taken = conn.execute(select(shortlist_item.c.id).where(
                shortlist_item.c.list_id == row["id"], shortlist_item.c.kind == kind_,
                shortlist_item.c.repo == repo)).first()
            if taken is not None:
                raise ItemExistsError(f"{repo} ({KIND_WORDS[kind_]}) is already in {row['name']!r}.")
            item_id = conn.execute(insert(shortlist_item).values(
                list_id=row["id"], kind=kind_, repo=repo, status="candidate", note=note,
                note_version=1 if note else 0, note_by=user if note else None, note_at=now if note else None,
                added_by=user, added_at=now, updated_at=now)).inserted_primary_key[0]
            self._log(conn, row, now, user, "added", repo=repo, kind=kind_, after=note or None)
            return _load_item(conn, item_id)

        return self._change_list(name, add, result=True)

    def remove_item(self, name: str, repo: str, *, user: str, kind: str | None = None) -> None:
        """Take a repo off the list (its note stays readable in the history)."""
        user = validate_user(user)

        def remove(conn: Connection, row: RowMapping, now: datetime, item: RowMapping) -> None:
            conn.execute(delete(shortlist_item).where(shortlist_item.c.id == item["id"]))
            self._log(conn, row, now, user, "removed", repo=item["repo"], kind=item["kind"],
                      before=item["note"] or None)

        self._change_item(name, repo, kind, remove)

    def vote(self, name: str, repo: str, *, user: str, kind: str | None = None) -> Item:
        """`user` votes for the item; voting again changes nothing (one vote per person)."""
        user = validate_user(user)

        def vote(conn: Connection, row: RowMapping, now: datetime, item: RowMapping) -> Item:
            if self._has_voted(conn, item["id"], user):
                return _load_item(conn, item["id"])
            conn.execute(insert(shortlist_vote).values(item_id=item["id"], voter=user, voted_at=now))
            self._touch(conn, item, now)
            self._log(conn, row, now, user, "voted", repo=item["repo"], kind=item["kind"])
            return _load_item(conn, item["id"])

        return self._change_item(name, repo, kind, vote)

    def unvote(self, name: str, repo: str, *, user: str, kind: str | None = None) -> Item:
        """`user` withdraws their vote; without one, nothing changes."""
        user = validate_user(user)

        def unvote(conn: Connection, row: RowMapping, now: datetime, item: RowMapping) -> Item:
            if not self._has_voted(conn, item["id"], user):
                return _load_item(conn, item["id"])
            conn.execute(delete(shortlist_vote).where(
                shortlist_vote.c.item_id == item["id"], shortlist_vote.c.voter == user))
            self._touch(conn, item, now)
            self._log(conn, row, now, user, "unvoted", repo=item["repo"], kind=item["kind"])
            return _load_item(conn, item["id"])

        return self._change_item(name, repo, kind, unvote)

    def set_status(self, name: str, repo: str, status: str, *, user: str, kind: str | None = None) -> Item:
        """candidate, trying, chosen or rejected (`InvalidStatusError` otherwise)."""
        status_, user = validate_status(status), validate_user(user)

        def change(conn: Connection, row: RowMapping, now: datetime, item: RowMapping) -> Item:
            if item["status"] != status_:
                self._touch(conn, item, now, status=status_)
                self._log(conn, row, now, user, "status", repo=item["repo"], kind=item["kind"],
                          before=item["status"], after=status_)
            return _load_item(conn, item["id"])

        return self._change_item(name, repo, kind, change)

    def set_note(self, name: str, repo: str, text: str, *, user: str, expected_version: int | None,
                 kind: str | None = None) -> Item:
        """Save the item's note. `expected_version` is the `note_version` the person started from: when the note
        has been saved since, nothing is written and `NoteConflictError` carries the other text and this one.
        None overwrites whatever is there (the CLI; the text replaced stays in the history)."""
        text, user = validate_note(text), validate_user(user)

        def change(conn: Connection, row: RowMapping, now: datetime, item: RowMapping) -> Item:
            if expected_version is not None and item["note_version"] != expected_version:
                raise NoteConflictError(repo=item["repo"], yours=text, current=item["note"],
                                        version=item["note_version"], by=item["note_by"], at=item["note_at"])
            if item["note"] != text:
                self._touch(conn, item, now, note=text, note_version=item["note_version"] + 1, note_by=user,
                            note_at=now)
                self._log(conn, row, now, user, "note", repo=item["repo"], kind=item["kind"],
                          before=item["note"] or None, after=text or None)
            return _load_item(conn, item["id"])

        return self._change_item(name, repo, kind, change)

    # -- one change = one transaction on a locked list row, with its history entry

    def _list_row(self, conn: Connection, name: str, *, lock: bool = False) -> RowMapping:
        query = select(shortlist).where(shortlist.c.name == name)
        if lock:
            query = query.with_for_update()  # PostgreSQL: writers of one list queue here (SQLite ignores it)
        row = conn.execute(query).mappings().first()
        if row is None:
            raise ShortlistNotFoundError(f"No shortlist named {name!r}.")
        return row

    def _change_list(self, name: str, fn: Callable[..., T], *, result: bool = False) -> T | Shortlist:
        """`fn(conn, list_row, now)` in one write transaction holding the list's lock; the list afterwards (or
        what `fn` returned, with `result`)."""
        name = validate_list_name(name)

        def run(conn: Connection) -> T | Shortlist:
            row = self._list_row(conn, name, lock=True)
            out = fn(conn, row, self._clock())
            return out if result else _load_list(conn, self._list_row(conn, name))

        return self.store.write(run)

    def _change_item(self, name: str, repo: str, kind: str | None,
                     fn: Callable[[Connection, RowMapping, datetime, RowMapping], T]) -> T:
        repo = validate_repo(repo)
        kind_ = validate_kind(kind) if kind is not None else None

        def run(conn: Connection, row: RowMapping, now: datetime) -> T:
            return fn(conn, row, now, self._item_row(conn, row, repo, kind_))

        return self._change_list(name, run, result=True)  # type: ignore[return-value]

    @staticmethod
    def _item_row(conn: Connection, row: RowMapping, repo: str, kind: Kind | None) -> RowMapping:
        query = select(shortlist_item).where(shortlist_item.c.list_id == row["id"], shortlist_item.c.repo == repo)
        if kind is not None:
            query = query.where(shortlist_item.c.kind == kind)
        items = conn.execute(query.order_by(shortlist_item.c.id)).mappings().all()
        if not items:
            raise ItemNotFoundError(f"{repo} is not in {row['name']!r}.")
        if len(items) > 1:
            kinds = ", ".join(KIND_WORDS[i["kind"]] for i in items)
            raise AmbiguousItemError(f"{repo} is in {row['name']!r} as more than one kind ({kinds}).")
        return items[0]

    @staticmethod
    def _has_voted(conn: Connection, item_id: int, user: str) -> bool:
        return conn.execute(select(shortlist_vote.c.voter).where(
            shortlist_vote.c.item_id == item_id, shortlist_vote.c.voter == user)).first() is not None

    @staticmethod
    def _touch(conn: Connection, item: RowMapping, now: datetime, **values: object) -> None:
        conn.execute(update(shortlist_item).where(shortlist_item.c.id == item["id"]).values(updated_at=now, **values))

    @staticmethod
    def _log(conn: Connection, row: RowMapping, now: datetime, user: str, action: str, *, repo: str | None = None,
             kind: str | None = None, before: str | None = None, after: str | None = None) -> None:
        """Append the history entry and count the change in the list (same transaction as the change)."""
        conn.execute(insert(shortlist_event).values(list_id=row["id"], at=now, actor=user, action=action, repo=repo,
                                                    kind=kind, before=before, after=after))
        conn.execute(update(shortlist).where(shortlist.c.id == row["id"])
                     .values(version=shortlist.c.version + 1, updated_at=now))
