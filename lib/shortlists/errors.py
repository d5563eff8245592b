"""The shortlists' errors, in the app's tree (`lib.errors`).

```
HubExplorerError
├── InvalidShortlistError       (ValueError)  a name, repo id, kind or text that cannot be stored
│   ├── InvalidStatusError      a status other than candidate, trying, chosen, rejected
│   └── AmbiguousItemError      the repo id is in the list as two kinds (a model and a dataset): say which
├── NotFoundError               (LookupError)
│   ├── ShortlistNotFoundError  no list of that name (deleted, or a link with a typo)
│   └── ItemNotFoundError       the repo is not in the list (removed in another window?)
├── ShortlistExistsError        a list of that name exists already
├── ItemExistsError             the repo is in the list already
├── NoteConflictError           someone saved the note since it was opened: `.current` is their text, `.yours` the
│                               refused one (nothing is lost); save again with `expected_version=.version`
└── StoreError                  (OSError)  lib.store's: the database cannot be used (busy, newer, unreachable)
```
"""

from __future__ import annotations

from datetime import datetime

from lib.errors import HubExplorerError, NotFoundError
from lib.store.schema import MAX_DESCRIPTION, MAX_LIST_NAME, MAX_NOTE, MAX_USER, STATUS_VALUES


class InvalidShortlistError(HubExplorerError, ValueError):
    title = "Cannot save this"
    hint = (f"List and user names are 1 to {max(MAX_LIST_NAME, MAX_USER)} characters on one line; notes at most "
            f"{MAX_NOTE} characters, descriptions {MAX_DESCRIPTION}; repos are Hub ids (owner/name).")


class InvalidStatusError(InvalidShortlistError):
    title = "Unknown status"
    hint = f"A status is one of: {', '.join(STATUS_VALUES)}."


class AmbiguousItemError(InvalidShortlistError):
    title = "Which one?"
    hint = "The same id is in the list as more than one kind: give the kind (model, dataset or Space)."


class ShortlistNotFoundError(NotFoundError):
    title = "Shortlist not found"
    hint = "Check the name (it is case-sensitive); the list may have been deleted."


class ItemNotFoundError(NotFoundError):
    title = "Not in the list"
    hint = "It may have been removed in another window. Reload the list."


class ShortlistExistsError(HubExplorerError):
    title = "Name already used"
    hint = "Choose another name, or open the existing list."


class ItemExistsError(HubExplorerError):
    title = "Already in the list"
    hint = "It was added before (perhaps by someone else): vote for it, or change its note."


class NoteConflictError(HubExplorerError):
    """The note changed since the person opened it: their save is refused and both texts are carried."""

    title = "Someone else changed this note"
    hint = "Your text was not saved and is kept below theirs: merge the two, then save again."

    def __init__(self, *, repo: str, yours: str, current: str, version: int, by: str | None,
                 at: datetime | None) -> None:
        self.repo, self.yours, self.current, self.version, self.by, self.at = repo, yours, current, version, by, at
        who = by or "Someone"
        super().__init__(f"{who} saved the note of {repo} since you opened it; your text was not saved.")
