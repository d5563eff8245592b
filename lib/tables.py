"""Result tables as DataFrames: one row per repo, typed columns for `st.dataframe`'s `column_config`."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from lib.format import human_count
from lib.records import DatasetRecord, ModelRecord, RepoKind, RepoRecord, SpaceRecord

#: Columns each kind's table shows, in order (`url` first: the repo link).
COLUMNS: dict[RepoKind, tuple[str, ...]] = {
    "models": ("url", "task", "library", "params", "downloads", "share", "likes", "created", "updated"),
    "datasets": ("url", "task", "size", "downloads", "share", "likes", "created", "updated"),
    "spaces": ("url", "sdk", "stage", "hardware", "likes", "created", "updated"),
}


def visible_columns(kind: RepoKind, sort: str, frame: pd.DataFrame | None = None) -> list[str]:
    """The columns a table shows: one date column (the one sorted by, else "updated", else "created" when no
    row has an update date, as in dumps without `lastModified`) keeps it narrow."""
    no_updates = frame is not None and "updated" in frame and frame["updated"].isna().all()
    date_column = "created" if sort == "created" or no_updates else "updated"
    return [c for c in COLUMNS[kind] if c not in ("created", "updated") or c == date_column]


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
    if column in ("sdk", "stage", "hardware"):
        return getattr(record, column, None) if isinstance(record, SpaceRecord) else None
    raise KeyError(column)


def results_frame(records: Sequence[RepoRecord], endpoint: str, kind: RepoKind = "models") -> pd.DataFrame:
    """Rows in the order given, with the kind's columns. `url` links to the Hub page (the table shows the id
    through a regex); `params` is text ("7.24B", "–" when unknown): the grid would print a missing number as
    "None"."""
    data: dict[str, list[object]] = {"url": [r.web_url(endpoint) for r in records]}
    for column in COLUMNS[kind][1:]:
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
    frame = pd.DataFrame(data)
    for column in ("task", "library", "size", "sdk", "stage", "hardware"):
        if column in frame:
            frame[column] = frame[column].fillna("–")  # the grid would print a missing value as "None"
    for column in ("downloads", "likes"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    for column in ("created", "updated"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame
