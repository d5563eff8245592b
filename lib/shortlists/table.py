"""What the Shortlists page shows of a list, without Streamlit: the items in the order asked for, the table's
frame, each repo's key facts (for the table and the exports), the models "Compare these" opens, and the link that
shares a list.

Key facts come from repo records the page fetched (the Hub or the local catalog); a record that could not be read
is None here and every fact of it is a dash, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, get_args
from urllib.parse import urlencode

import pandas as pd

from lib.compare import MAX_MODELS
from lib.format import human_count
from lib.records import DatasetRecord, ModelRecord, RepoRecord, SpaceRecord, repo_web_url
from lib.shortlists.export import STATUS_ORDER
from lib.shortlists.records import KIND_WORDS, Item, Shortlist

Sort = Literal["votes", "status", "downloads", "added"]
SORTS: tuple[Sort, ...] = get_args(Sort)
SORT_LABELS: dict[Sort, str] = {"votes": "Votes", "status": "Status", "downloads": "Downloads", "added": "As added"}
#: The key facts of a repo, in the order the exports list them.
FACTS = ("Task", "Downloads", "Likes", "License", "Parameters")
NOTE_SHOWN = 120  # characters of a note in the table (the whole note is in the item's panel and the exports)
DASH = "–"

#: A repo's record (None: it could not be read), by (kind, repo id).
Records = Mapping[tuple[str, str], RepoRecord | None]


def _key(item: Item) -> tuple[str, str]:
    return (item.kind, item.repo)


def downloads(record: RepoRecord | None) -> int | None:
    """Downloads in the last 30 days (Spaces have none)."""
    if record is None or isinstance(record, SpaceRecord):
        return None
    return record.downloads


def sort_items(items: Sequence[Item], by: str, records: Records | None = None) -> list[Item]:
    """`by` votes (most first), status (chosen, trying, candidate, rejected), downloads (most first, unknown last)
    or added (oldest first); ties: status, then votes, then as added. An unknown `by` sorts as added."""
    records = records or {}
    status = lambda i: STATUS_ORDER.get(i.status, 9)
    if by == "votes":
        return sorted(items, key=lambda i: (-i.votes, status(i), i.id))
    if by == "status":
        return sorted(items, key=lambda i: (status(i), -i.votes, i.id))
    if by == "downloads":
        def key(i: Item) -> tuple[int, int, int, int]:
            n = downloads(records.get(_key(i)))
            return (n is None, -(n or 0), status(i), i.id)

        return sorted(items, key=key)
    return sorted(items, key=lambda i: i.id)


def _task(record: RepoRecord) -> str | None:
    if isinstance(record, ModelRecord):
        return record.pipeline_tag
    if isinstance(record, DatasetRecord):
        return ", ".join(record.task_categories) or None
    if isinstance(record, SpaceRecord):
        return f"{record.sdk} Space" if record.sdk else None
    return None


def key_facts(record: RepoRecord | None) -> dict[str, str]:
    """Task, downloads (30 days), likes, license and parameters, as text; a dash for whatever is unknown."""
    if record is None:
        return dict.fromkeys(FACTS, DASH)
    n = downloads(record)
    params = record.params.total if isinstance(record, ModelRecord) and record.params else None
    return {
        "Task": _task(record) or DASH,
        "Downloads": f"{n:,}" if n is not None else DASH,
        "Likes": f"{record.likes:,}" if record.likes is not None else DASH,
        "License": ", ".join(record.licenses) or DASH,
        "Parameters": human_count(params) if params else DASH,
    }


def export_facts(shortlist: Shortlist, records: Records) -> dict[str, dict[str, str]]:
    """The key facts of every item, by repo id, as `lib.shortlists.export` takes them."""
    out: dict[str, dict[str, str]] = {}
    for item in shortlist.items:
        out.setdefault(item.repo, key_facts(records.get(_key(item))))
    return out


def items_frame(items: Sequence[Item], records: Records, *, endpoint: str, me: str | None = None) -> pd.DataFrame:
    """One row per item, in the order given: the repo's Hub link, kind, status, votes (and whether `me` voted),
    downloads and likes (None when unknown), the note's start, who added it and when. Every value is data, never
    Markdown: the page shows it in a dataframe."""
    rows = []
    for item in items:
        record = records.get(_key(item))
        note = " ".join(item.note.split())
        rows.append({
            "repo": repo_web_url(item.kind, item.repo, endpoint),
            "kind": KIND_WORDS[item.kind],
            "status": item.status,
            "votes": item.votes,
            "mine": bool(me) and me in item.voters,
            "voters": ", ".join(item.voters),
            "downloads": downloads(record),
            "likes": record.likes if record is not None else None,
            "note": note if len(note) <= NOTE_SHOWN else note[: NOTE_SHOWN - 1] + "…",
            "added_by": item.added_by,
            "added_at": item.added_at,
        })
    columns = ["repo", "kind", "status", "votes", "mine", "voters", "downloads", "likes", "note", "added_by",
               "added_at"]
    frame = pd.DataFrame(rows, columns=columns)
    for name in ("downloads", "likes"):
        frame[name] = frame[name].astype("Int64")  # whole numbers with a missing value (shown as a dash)
    return frame


def compare_models(items: Sequence[Item]) -> tuple[list[str], int]:
    """The models to compare, in the order given (at most `MAX_MODELS`), and how many models were left out."""
    models = [i.repo for i in items if i.kind == "models"]
    return models[:MAX_MODELS], max(0, len(models) - MAX_MODELS)


def share_query(name: str) -> str:
    """The query string that opens a list (`list=<name>`, percent-encoded)."""
    return urlencode({"list": name})
