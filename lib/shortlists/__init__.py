"""Team shortlists: named lists of models, datasets and Spaces, with notes, votes, a status per item and a history
of every change, kept in the app's store (`lib.store`: SQLite in the home folder, or PostgreSQL).

```
api.py       Shortlists: create/describe/own lists; add, remove, vote, unvote, set_status, set_note; get_list, lists,
             history; validators
records.py   Shortlist, Item, Change, ListSummary (frozen) and their JSON shapes
export.py    to_csv, to_markdown (the decision record)
errors.py    the error tree
__main__.py  the CLI: python -m lib.shortlists [--db URL] create|add|vote|unvote|status|note|show|export ...
```
"""

from lib.shortlists.api import (
    Shortlists,
    validate_description,
    validate_kind,
    validate_list_name,
    validate_note,
    validate_repo,
    validate_status,
    validate_user,
)
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
from lib.shortlists.export import to_csv, to_markdown
from lib.shortlists.records import STATUSES, Change, Item, ListSummary, Shortlist, Status

__all__ = [
    "STATUSES", "AmbiguousItemError", "Change", "InvalidShortlistError", "InvalidStatusError", "Item",
    "ItemExistsError", "ItemNotFoundError", "ListSummary", "NoteConflictError", "Shortlist", "ShortlistExistsError",
    "ShortlistNotFoundError", "Shortlists", "Status", "to_csv", "to_markdown", "validate_description",
    "validate_kind", "validate_list_name", "validate_note", "validate_repo", "validate_status", "validate_user",
]
