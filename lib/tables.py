"""Result tables as DataFrames: one row per repo, typed columns for `st.dataframe`'s `column_config`."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from lib import columns
from lib.format import human_count
from lib.records import DatasetRecord, ModelRecord, RepoKind, RepoRecord, SpaceRecord
from lib.vocab import stage_words

#: Columns of each kind's frame, in order (`lib.columns.COLUMNS`: `name` first, then `url`, the Hub link).
COLUMNS: dict[RepoKind, tuple[str, ...]] = {kind: tuple(c.name for c in columns.for_kind(kind))
                                             for kind in ("models", "datasets", "spaces")}  # fmt: skip


def visible_columns(kind: RepoKind, sort: str, frame: pd.DataFrame | None = None,
                    chosen: tuple[str, ...] | None = None) -> list[str]:  # fmt: skip
    """The columns a table shows: the name, then the person's choice (`chosen`), or the defaults with one date
    column (the one sorted by, else "updated", else "created" when no row has an update date, as in dumps without
    `lastModified`), which keeps the table narrow."""
    no_updates = frame is not None and "updated" in frame and frame["updated"].isna().all()
    return columns.shown(kind, sort, chosen, no_updates=no_updates)


def gated_text(gated: bool | str | None) -> str:
    """How the gated column reads: "no", "auto", "manual", "yes" (gated, how unknown), "–" unknown."""
    if gated is None:
        return "–"
    if gated in (False, "false"):
        return "no"
    return gated if isinstance(gated, str) else "yes"


def _cell(record: RepoRecord, column: str) -> object:
    if column == "task":
        if isinstance(record, ModelRecord):
            return record.pipeline_tag
        if isinstance(record, DatasetRecord):
            return ", ".join(record.task_categories) or None
        return None
    if column == "library":
        return getattr(record, "library_name", None)
    if column == "params":
        return human_count(record.params.total if isinstance(record, ModelRecord) and record.params else None)
    if column == "size":
        return ", ".join(record.size_categories) or None if isinstance(record, DatasetRecord) else None
    if column == "stage":  # in words ("Runtime error"), as the detail view says it
        return stage_words(record.stage) if isinstance(record, SpaceRecord) and record.stage else None
    if column in ("sdk", "hardware"):
        return getattr(record, column, None) if isinstance(record, SpaceRecord) else None
    if column == "license":
        return ", ".join(record.licenses) or None
    if column == "gated":
        return gated_text(record.gated)
    raise KeyError(column)


def results_frame(records: Sequence[RepoRecord], endpoint: str, kind: RepoKind = "models") -> pd.DataFrame:
    """Rows in the order given, with the kind's columns. `name` is the repo's id (a click opens its details in the
    app); `url` links to its page on the Hub; `params` is text ("7.24B", "–" when unknown): the grid would print a
    missing number as "None"."""
    data: dict[str, list[object]] = {"name": [r.id for r in records], "url": [r.web_url(endpoint) for r in records]}
    for column in COLUMNS[kind][2:]:
        if column == "downloads":
            data[column] = [r.downloads for r in records]
        elif column == "likes":
            data[column] = [r.likes for r in records]
        elif column == "created":
            data[column] = [r.created_at for r in records]
        elif column == "updated":
            data[column] = [r.last_modified for r in records]
        elif column != "share":
            data[column] = [_cell(r, column) for r in records]
    if "share" in COLUMNS[kind]:
        # Downloads relative to the most downloaded row on this page (a bar in the table).
        top = max((d for d in data["downloads"] if d), default=0)
        data["share"] = [(d or 0) / top if top else 0.0 for d in data["downloads"]]
    frame = pd.DataFrame({c: data[c] for c in COLUMNS[kind]})
    for column in ("task", "library", "size", "sdk", "stage", "hardware", "license"):
        if column in frame:
            frame[column] = frame[column].fillna("–")  # the grid would print a missing value as "None"
    for column in ("downloads", "likes"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    for column in ("created", "updated"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def name_width(ids: Sequence[str], others: int = 0, *, room: int = 820, least: int = 180, most: int = 420) -> int:
    """Pixels for the name column: enough for the page's longest id (about 7.5 px a character in the grid's font,
    plus padding), within what the other shown columns (`others` pixels) leave of a laptop-wide table (`room`),
    and between `least` and `most`. A longer id is cut in the grid and read in full in its details."""
    return max(least, min(most, room - others, _text_width(ids)))


def _text_width(values: Sequence[str]) -> int:
    """Pixels that the longest of `values` needs in the grid (about 7.5 px a character, plus padding)."""
    return int(max((len(v) for v in values), default=0) * 7.5) + 24


def name_and_task_widths(ids: Sequence[str], tasks: Sequence[str], others: int = 0, *, room: int = 820,
                         task_least: int = 135, task_most: int = 240) -> tuple[int, int]:  # fmt: skip
    """Pixels for the name and the task columns (`others`: the other shown columns): the task column as wide as the
    page's longest task (between `task_least` and `task_most`) when the names keep what they need, else narrower,
    down to `task_least`; the name gets what is left (`name_width`). A task is cut only when the names need the
    room (a long task name can be read in the details; so can a long id)."""
    task = max(task_least, min(task_most, _text_width(tasks)))
    name_needs = name_width(ids, room=room)  # with no other column beside it
    spare = room - others - name_needs  # what the names leave for the task column
    task = max(task_least, min(task, spare))
    return name_width(ids, others + task, room=room), task
