"""Result tables as DataFrames: one row per repo, typed columns for `st.dataframe`'s `column_config`."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from lib.records import ModelRecord, RepoRecord


def results_frame(records: Sequence[RepoRecord], endpoint: str) -> pd.DataFrame:
    """Rows in the order given. `url` links to the Hub page (the table shows the id through a regex)."""
    frame = pd.DataFrame(
        {
            "url": [r.web_url(endpoint) for r in records],
            "task": [getattr(r, "pipeline_tag", None) for r in records],
            "library": [getattr(r, "library_name", None) for r in records],
            "params": [
                float(r.params.total) if isinstance(r, ModelRecord) and r.params else None for r in records
            ],
            "downloads": [r.downloads for r in records],
            "likes": [r.likes for r in records],
            "created": [r.created_at for r in records],
            "updated": [r.last_modified for r in records],
        }
    )
    frame["params"] = frame["params"].astype("Float64")
    frame["downloads"] = frame["downloads"].astype("Int64")
    frame["likes"] = frame["likes"].astype("Int64")
    for col in ("created", "updated"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame
