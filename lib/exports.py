"""Exporting every match of a search (not only the page a table shows) as CSV or Parquet, up to a stated cap.

`collect()` pages through any source's `search` (`lib.sources.Source`) with the largest page a query allows
(`lib.query.MAX_LIMIT`) until the matches end or the cap is reached; `export_frame()` turns the records into typed
columns; `to_csv()` / `to_parquet()` give the file's bytes. The caps: `CATALOG_CAP` rows from a source that counts
every match (the catalog), `HUB_CAP` from the live Hub, which has no offset (a later page costs every page before
it), so one listing of `MAX_LIMIT` is all it is asked for.

No token is ever written: the records carry none, and an endpoint's user info (``https://user:secret@host``) is
dropped from the links. Pure: no Streamlit.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from lib.query import MAX_LIMIT, Kind, SearchQuery, SearchResult
from lib.records import DatasetRecord, ModelRecord, RepoRecord, SpaceRecord
from lib.tables import gated_text

CATALOG_CAP = 100_000
HUB_CAP = MAX_LIMIT
FORMATS: dict[str, tuple[str, str]] = {"csv": ("CSV", "text/csv"), "parquet": ("Parquet", "application/vnd.apache.parquet")}


def cap_for(counts_matches: bool) -> int:
    """How many rows an export from a source holds at most (`counts_matches`: the source counts every match)."""
    return CATALOG_CAP if counts_matches else HUB_CAP


@dataclass(frozen=True)
class Collected:
    """The records an export holds, how many matches there are (None when the source does not count them), and
    whether the cap cut them (`capped`: more matches exist than were collected)."""

    records: list[RepoRecord]
    total: int | None
    capped: bool
    cap: int

    def note(self) -> str | None:
        """The cap in words, when it applies (plain text)."""
        if not self.capped:
            return None
        if self.total is not None:
            return (f"The first {len(self.records):,} of {self.total:,} matches, in the table's order: an export holds "
                    f"at most {self.cap:,} rows.")  # fmt: skip
        return (f"The first {len(self.records):,} matches, in the table's order: the live Hub has more, and an export "
                f"from it holds at most {self.cap:,} rows (it lists from the start every time). Narrow the search, or "
                "choose the local catalog.")  # fmt: skip


def planned_note(total: int | None, cap: int) -> str:
    """What an export will hold, said before it is made (plain text)."""
    if total is None:
        return f"All matches, up to {cap:,} (the live Hub does not count them)."
    if total > cap:
        return f"The first {cap:,} of {total:,} matches (an export holds at most {cap:,} rows)."
    return f"All {total:,} matches."


def collect(search: Callable[[SearchQuery], SearchResult], query: SearchQuery, cap: int) -> Collected:
    """Every match of `query` in its order, up to `cap` records, asked page by page (offset and limit replaced)."""
    records: list[RepoRecord] = []
    total: int | None = None
    more = True
    while more and len(records) < cap:
        result = search(query.replace(offset=len(records), limit=min(MAX_LIMIT, cap - len(records))))
        records += result.items
        total = result.total
        more = result.has_more and bool(result.items)
    return Collected(records=records, total=total, capped=more, cap=cap)


def public_endpoint(endpoint: str) -> str:
    """`endpoint` without user info (a password or token someone put in the URL)."""
    parts = urlsplit(endpoint)
    if "@" not in parts.netloc:
        return endpoint
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def export_frame(records: Sequence[RepoRecord], kind: Kind, endpoint: str) -> pd.DataFrame:
    """One row per record with typed columns: numbers as integers (empty when unknown), dates as UTC timestamps,
    lists (licenses, tasks) joined with ", "."""
    base = public_endpoint(endpoint)
    data: dict[str, object] = {
        "id": [r.id for r in records],
        "url": [r.web_url(base) for r in records],
        "author": [r.owner for r in records],
    }
    if kind == "models":
        models = [r if isinstance(r, ModelRecord) else None for r in records]
        data["task"] = [m.pipeline_tag if m else None for m in models]
        data["library"] = [m.library_name if m else None for m in models]
        data["params"] = pd.array([m.params.total if m and m.params else None for m in models], dtype="Int64")
    elif kind == "datasets":
        data["task"] = [", ".join(r.task_categories) or None if isinstance(r, DatasetRecord) else None
                        for r in records]  # fmt: skip
        data["size"] = [", ".join(r.size_categories) or None if isinstance(r, DatasetRecord) else None
                        for r in records]  # fmt: skip
    else:
        for column in ("sdk", "stage", "hardware"):
            data[column] = [getattr(r, column, None) if isinstance(r, SpaceRecord) else None for r in records]
        spaces = [r if isinstance(r, SpaceRecord) else None for r in records]
        data["models"] = [", ".join(s.models) or None if s else None for s in spaces]
        data["datasets"] = [", ".join(s.datasets_used) or None if s else None for s in spaces]
    data["license"] = [", ".join(r.licenses) or None for r in records]
    if kind != "spaces":
        data["gated"] = [gated_text(r.gated) if r.gated is not None else None for r in records]
        data["downloads"] = pd.array([r.downloads for r in records], dtype="Int64")
    data["likes"] = pd.array([r.likes for r in records], dtype="Int64")
    data["created"] = pd.to_datetime(pd.Series([r.created_at for r in records], dtype=object), utc=True)
    data["updated"] = pd.to_datetime(pd.Series([r.last_modified for r in records], dtype=object), utc=True)
    frame = pd.DataFrame(data)
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("string")
    return frame


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a header row; dates in ISO 8601, unknown values empty."""
    return frame.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ").encode("utf-8")


def to_parquet(frame: pd.DataFrame, *, about: str = "") -> bytes:
    """A Parquet file (pyarrow); `about` (what was searched, the cap note) goes into its metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if about:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"hub_explorer": about.encode()})
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()
