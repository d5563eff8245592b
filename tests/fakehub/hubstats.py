"""The Hub's published metadata dataset (`cfahlgren1/hub-stats`) in its layout, generated for the fake Hub.

Not imported by ``tests.fakehub`` itself (that package uses the standard library only): it needs pyarrow.

The layout mirrors what was found of the real dataset (docs/catalog.md, "The Hub's published metadata"): one Parquet
file per kind at the top of the repo (``models.parquet``, ``datasets.parquet``, ``spaces.parquet``, beside files
the catalog does not read), columns named as the API's fields, dates as Parquet timestamps (UTC), ``tags`` a list
of strings, ``safetensors``/``baseModels``/``runtime`` structs (a Space's ``runtime.stage`` and ``hardware``), a
Space's ``models`` and ``datasets`` lists of repo ids, ``gated`` as text (``"False"``, ``"auto"``,
``"manual"``). Records are plain dicts with those keys (datetimes for dates); :func:`api_record` gives the same
repo as the API lists it, so a test can serve both from one fixture.

    sha = publish(hub, {"models": [...], "datasets": [...], "spaces": [...]}, date=datetime(...))
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

REPO = "cfahlgren1/hub-stats"
FILES = {"models": "models.parquet", "datasets": "datasets.parquet", "spaces": "spaces.parquet"}

_TIME = pa.timestamp("us", tz="UTC")
_COMMON = [
    ("id", pa.string()), ("author", pa.string()), ("sha", pa.string()), ("createdAt", _TIME),
    ("lastModified", _TIME), ("private", pa.bool_()), ("gated", pa.string()), ("disabled", pa.bool_()),
    ("likes", pa.int64()), ("trendingScore", pa.float64()), ("tags", pa.list_(pa.string())),
]  # fmt: skip
SCHEMAS: dict[str, pa.Schema] = {
    "models": pa.schema([
        *_COMMON, ("downloads", pa.int64()), ("downloadsAllTime", pa.int64()), ("pipeline_tag", pa.string()),
        ("library_name", pa.string()),
        ("safetensors", pa.struct([("parameters", pa.map_(pa.string(), pa.int64())), ("total", pa.int64())])),
        ("baseModels", pa.struct([("models", pa.list_(pa.struct([("_id", pa.string()), ("id", pa.string())]))),
                                  ("relation", pa.string())])),
    ]),
    "datasets": pa.schema([
        *_COMMON, ("downloads", pa.int64()), ("downloadsAllTime", pa.int64()), ("description", pa.string()),
        ("citation", pa.string()), ("paperswithcode_id", pa.string()),
    ]),
    "spaces": pa.schema([
        *_COMMON, ("sdk", pa.string()),
        ("runtime", pa.struct([("stage", pa.string()),
                               ("hardware", pa.struct([("current", pa.string()), ("requested", pa.string())]))])),
        ("models", pa.list_(pa.string())), ("datasets", pa.list_(pa.string())),
    ]),
}  # fmt: skip


def parquet_bytes(kind: str, records: list[Mapping[str, Any]], *, pad_to: int = 0) -> bytes:
    """One kind's file: the records as a Parquet table with the dataset's columns (missing keys are nulls).

    `pad_to` adds a column of incompressible bytes (``_padding``, which the catalog does not read) so that the file
    is at least that big: huggingface_hub reads a download in 10 MB chunks and resumes a broken one from the last
    whole chunk, so only a file over 10 MB shows a resumed download."""
    schema = SCHEMAS[kind]
    if pad_to:
        schema = schema.append(pa.field("_padding", pa.binary()))
    rows = []
    for record in records:
        row = {name: record.get(name) for name in schema.names}
        if kind == "models" and row["safetensors"] is not None:
            row["safetensors"] = {**row["safetensors"], "parameters": list(row["safetensors"]["parameters"].items())}
        rows.append(row)
    if pad_to:
        share = -(-pad_to // max(1, len(rows)))
        for row in rows:
            row["_padding"] = os.urandom(share)
    table = pa.Table.from_pylist(rows, schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=max(1, len(rows) // 3 or 1), compression="snappy")
    return sink.getvalue()


def new_sha() -> str:
    """A fresh 40-hex commit sha (each publish gets its own, so the Hugging Face cache never mixes them up)."""
    return (uuid.uuid4().hex + uuid.uuid4().hex)[:40]


def publish(hub: Any, records: Mapping[str, list[Mapping[str, Any]]], *, date: datetime, repo: str = REPO,
            sha: str | None = None, extra_files: Mapping[str, bytes] | None = None, pad_to: int = 0) -> str:  # fmt: skip
    """Serve `records` as a new commit of the dataset on `hub` (replacing the previous one); returns its sha."""
    sha = sha or new_sha()
    files: dict[str, bytes | str] = {FILES[kind]: parquet_bytes(kind, list(rows), pad_to=pad_to)
                                     for kind, rows in records.items()}  # fmt: skip
    files["README.md"] = "---\nlicense: apache-2.0\n---\n# Hub stats (fake)\n"
    files.update(extra_files or {})
    stamp = date.astimezone(UTC).isoformat().replace("+00:00", "Z")
    hub.add_repo("dataset", {"id": repo, "sha": sha, "lastModified": stamp, "createdAt": stamp}, files=files)
    return sha


def _iso(value: Any) -> Any:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z") \
        if isinstance(value, datetime) else value  # fmt: skip


def api_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """The same repo as the Hub's API shows it (ISO dates, `gated` false or a mode)."""
    out = {key: _iso(value) for key, value in record.items() if value is not None}
    if "gated" in out:
        out["gated"] = False if str(out["gated"]).lower() == "false" else out["gated"]
    return out
