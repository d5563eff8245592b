"""The store's tables (SQLAlchemy Core), as the latest migration leaves them.

The migrations under `lib/store/migrations/versions/` create and change these; a test compares a freshly migrated
database of each backend with this module (`alembic.autogenerate.compare_metadata`), so the two cannot drift.
Column sizes are the app's limits (`lib.saved`, `lib.shortlists` check them first, with a message); PostgreSQL
enforces them again, SQLite does not need to.

```
saved_search     one saved browse-page search per (user, name, kind)          (lib.saved)
schema_version   the saved-search row format, for copies of the app from before the store (always 1 row)
shortlist        a named list: description, owner, version (= number of changes, i.e. of its events)
shortlist_item   a repo in a list: kind, status, note (+ note_version for conflict checks), who added it, when
shortlist_vote   one vote per (item, person)
shortlist_event  the history: who did what, when, to which item, with the value before and after
```
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    column,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

# Limits shared by the tables and the modules that validate before writing.
MAX_USER = 60
MAX_LIST_NAME = 60
MAX_DESCRIPTION = 1000
MAX_NOTE = 2000
MAX_REPO = 193  # the Hub's `namespace/name`, each part at most 96 characters
KIND_VALUES = ("models", "datasets", "spaces")
STATUS_VALUES = ("candidate", "trying", "chosen", "rejected")
ACTION_VALUES = ("created", "described", "owner", "added", "removed", "voted", "unvoted", "status", "note")


class Timestamp(TypeDecorator[datetime]):
    """A moment in UTC. PostgreSQL: `TIMESTAMP WITH TIME ZONE`. SQLite: ISO 8601 text with microseconds and
    `+00:00` (fixed width, so text order is time order), which is what saved searches were always stored as."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[object]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> object:
        if value is None:
            return None
        value = as_utc(value)
        return value.isoformat(timespec="microseconds") if dialect.name == "sqlite" else value

    def process_result_value(self, value: object, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return as_utc(value)


def as_utc(when: datetime) -> datetime:
    """An aware UTC datetime (a naive one is taken to be UTC already)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _in(name: str, values: tuple[str, ...]) -> ColumnElement[bool]:
    """A CHECK constraint's condition: the column holds one of a closed set of values (rendered by SQLAlchemy)."""
    return column(name).in_(values)


metadata = MetaData()

saved_search = Table(
    "saved_search",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("params", Text, nullable=False),  # JSON object, str -> str
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("user", "name", "kind", name="uq_saved_search_user_name_kind"),
    CheckConstraint(_in("kind", KIND_VALUES), name="ck_saved_search_kind"),
    Index("saved_search_by_user", "user", "kind", "updated_at"),
)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, nullable=False),
)

shortlist = Table(
    "shortlist",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(MAX_LIST_NAME), nullable=False),
    Column("description", String(MAX_DESCRIPTION), nullable=False),
    Column("owner", String(MAX_USER), nullable=False),
    Column("created_by", String(MAX_USER), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("version", Integer, nullable=False),  # one more per change: equals the number of its events
    UniqueConstraint("name", name="uq_shortlist_name"),
)

shortlist_item = Table(
    "shortlist_item",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("list_id", Integer, ForeignKey("shortlist.id", ondelete="CASCADE", name="fk_shortlist_item_list"),
           nullable=False),
    Column("kind", String(8), nullable=False),
    Column("repo", String(MAX_REPO), nullable=False),
    Column("status", String(16), nullable=False),
    Column("note", String(MAX_NOTE), nullable=False),
    Column("note_version", Integer, nullable=False),  # one more per saved note: the conflict check's token
    Column("note_by", String(MAX_USER), nullable=True),
    Column("note_at", Timestamp, nullable=True),
    Column("added_by", String(MAX_USER), nullable=False),
    Column("added_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("list_id", "kind", "repo", name="uq_shortlist_item_list_kind_repo"),
    CheckConstraint(_in("kind", KIND_VALUES), name="ck_shortlist_item_kind"),
    CheckConstraint(_in("status", STATUS_VALUES), name="ck_shortlist_item_status"),
)

shortlist_vote = Table(
    "shortlist_vote",
    metadata,
    Column("item_id", Integer, ForeignKey("shortlist_item.id", ondelete="CASCADE", name="fk_shortlist_vote_item"),
           nullable=False),
    Column("voter", String(MAX_USER), nullable=False),
    Column("voted_at", Timestamp, nullable=False),
    PrimaryKeyConstraint("item_id", "voter", name="pk_shortlist_vote"),
)

shortlist_event = Table(
    "shortlist_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("list_id", Integer, ForeignKey("shortlist.id", ondelete="CASCADE", name="fk_shortlist_event_list"),
           nullable=False),
    Column("at", Timestamp, nullable=False),
    Column("actor", String(MAX_USER), nullable=False),
    Column("action", String(16), nullable=False),
    Column("kind", String(8), nullable=True),
    Column("repo", String(MAX_REPO), nullable=True),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
    CheckConstraint(_in("action", ACTION_VALUES), name="ck_shortlist_event_action"),
    Index("ix_shortlist_event_list", "list_id", "id"),
)
