"""Typed records of the shortlists (frozen: a page may cache them), and their JSON shapes (the CLI's contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from lib.query import Kind
from lib.store.schema import ACTION_VALUES, STATUS_VALUES

Status = Literal["candidate", "trying", "chosen", "rejected"]
STATUSES: tuple[Status, ...] = get_args(Status)
Action = Literal["created", "described", "owner", "added", "removed", "voted", "unvoted", "status", "note"]
ACTIONS: tuple[Action, ...] = get_args(Action)
assert STATUSES == STATUS_VALUES and ACTIONS == ACTION_VALUES, "the tables' CHECK constraints list the same values"

#: How a kind is named in a sentence or an export.
KIND_WORDS: dict[str, str] = {"models": "model", "datasets": "dataset", "spaces": "Space"}


def iso(when: datetime | None) -> str | None:
    """ISO 8601 in UTC with microseconds (`2026-11-29T12:00:00.000000+00:00`), as the JSON and CSV give times."""
    return when.isoformat(timespec="microseconds") if when is not None else None


@dataclass(frozen=True)
class Item:
    """A repo in a list."""

    repo: str
    kind: Kind
    status: Status
    note: str
    note_version: int  # 0 before the first note; pass it back as `set_note(expected_version=...)`
    note_by: str | None
    note_at: datetime | None
    voters: tuple[str, ...]  # in the order they voted
    added_by: str
    added_at: datetime
    updated_at: datetime
    id: int = 0

    @property
    def votes(self) -> int:
        return len(self.voters)

    def as_json(self) -> dict[str, object]:
        return {"repo": self.repo, "kind": self.kind, "status": self.status, "note": self.note, "votes": self.votes,
                "voters": list(self.voters), "added_by": self.added_by, "added_at": iso(self.added_at)}


@dataclass(frozen=True)
class Change:
    """One entry of a list's history: who did what, when, to which item; the value before and after."""

    id: int
    at: datetime
    user: str
    action: Action
    repo: str | None = None
    kind: Kind | None = None
    before: str | None = None
    after: str | None = None

    def describe(self) -> str:
        """The change in a few plain words (values are not repeated in full: see `before`/`after`)."""
        what = f"{self.repo} ({KIND_WORDS.get(self.kind or '', self.kind)})" if self.repo else ""
        words: dict[str, str] = {
            "created": "created the list",
            "described": "changed the description",
            "owner": f"made {self.after} the owner" + (f" (was {self.before})" if self.before else ""),
            "added": f"added {what}",
            "removed": f"removed {what}",
            "voted": f"voted for {what}",
            "unvoted": f"withdrew their vote for {what}",
            "status": f"set {what} to {self.after}" + (f" (was {self.before})" if self.before else ""),
            "note": f"{'changed' if self.before else 'wrote'} the note of {what}" if self.after else
                    f"cleared the note of {what}",
        }
        return f"{self.user} {words[self.action]}"

    def as_json(self) -> dict[str, object]:
        return {"at": iso(self.at), "user": self.user, "action": self.action, "repo": self.repo, "kind": self.kind,
                "before": self.before, "after": self.after, "summary": self.describe()}


@dataclass(frozen=True)
class Shortlist:
    """A named list with its items, in the order they were added."""

    name: str
    description: str
    owner: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int  # the number of changes so far: it grows with every change, so it tells whether a copy is current
    items: tuple[Item, ...] = field(default=())
    id: int = 0

    def item(self, repo: str, kind: str | None = None) -> Item | None:
        for item in self.items:
            if item.repo == repo and (kind is None or item.kind == kind):
                return item
        return None

    @property
    def chosen(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.status == "chosen")

    def as_json(self, history: list[Change] | tuple[Change, ...] = ()) -> dict[str, object]:
        return {"name": self.name, "description": self.description, "owner": self.owner,
                "created_by": self.created_by, "created_at": iso(self.created_at),
                "updated_at": iso(self.updated_at), "version": self.version,
                "items": [i.as_json() for i in self.items], "history": [c.as_json() for c in history]}


@dataclass(frozen=True)
class ListSummary:
    """A list in the index of lists."""

    name: str
    description: str
    owner: str
    items: int
    updated_at: datetime
    version: int
