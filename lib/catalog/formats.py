"""Input formats of Hub metadata dumps, recognised by content rather than trusted by name.

* JSON Lines, plain or gzip: one API list item per line (`GET /api/models` items, or full info objects);
* JSON: an array of API items (one page of the API), or an array of such pages;
* Parquet with the API's field names (as `cfahlgren1/hub-stats` publishes), snake_case names also accepted.

Field names are the API's (camelCase). `API_COLUMNS` lists every field the catalog keeps, with the type
DuckDB reads it as: text for plain strings, JSON for anything whose type varies between dumps (`gated` is
``false``, ``"auto"`` or ``"manual"``; numbers are sometimes strings).
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import date
from pathlib import Path
from typing import Literal

Format = Literal["jsonl", "json", "json-pages", "parquet"]

API_COLUMNS: dict[str, str] = {
    "id": "VARCHAR", "modelId": "VARCHAR", "author": "VARCHAR", "createdAt": "VARCHAR", "lastModified": "VARCHAR",
    "downloads": "JSON", "downloadsAllTime": "JSON", "likes": "JSON", "trendingScore": "JSON",
    "private": "JSON", "disabled": "JSON", "gated": "JSON", "sha": "VARCHAR", "tags": "JSON",
    "pipeline_tag": "VARCHAR", "library_name": "VARCHAR", "safetensors": "JSON", "description": "VARCHAR",
    "citation": "VARCHAR", "paperswithcode_id": "VARCHAR", "card": "VARCHAR", "sdk": "VARCHAR",
    "cardData": "JSON", "siblings": "JSON", "config": "JSON", "transformersInfo": "JSON", "spaces": "JSON",
    "runtime": "JSON", "models": "JSON", "datasets": "JSON", "subdomain": "VARCHAR", "host": "VARCHAR",
    "widgetData": "JSON", "model-index": "JSON", "gguf": "JSON", "mask_token": "JSON", "baseModels": "JSON",
    "usedStorage": "JSON", "inference": "JSON",
}  # fmt: skip

#: Fields kept as they are, for the full record of one repo (`Catalog.get`).
DETAIL_FIELDS: tuple[str, ...] = (
    "cardData", "siblings", "config", "safetensors", "transformersInfo", "spaces", "runtime", "models",
    "datasets", "subdomain", "host", "widgetData", "model-index", "gguf", "mask_token", "baseModels",
    "usedStorage", "inference", "paperswithcode_id",
)  # fmt: skip

#: snake_case names some dumps use, and the API field each stands for.
ALIASES: dict[str, str] = {
    "model_id": "modelId", "created_at": "createdAt", "last_modified": "lastModified",
    "downloads_all_time": "downloadsAllTime", "trending_score": "trendingScore", "card_data": "cardData",
    "transformers_info": "transformersInfo", "used_storage": "usedStorage", "readme": "card",
}  # fmt: skip

_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")  # 2024-07-11 in "models-2024-07-11.jsonl.gz"


def snapshot_date_from_name(path: Path) -> date | None:
    """The date a dump's file name carries (`models-2024-07-11.jsonl.gz`), if any and valid."""
    found = _DATE_IN_NAME.search(path.name)
    if not found:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def _head(path: Path, size: int = 4096) -> bytes:
    """The first bytes of a file, decompressed when it is gzip."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    with opener(path, "rb") as fh:  # type: ignore[operator]
        return fh.read(size)


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def detect_format(path: Path) -> Format:
    """What kind of dump a file is, from its first bytes (Parquet magic, `[` or `{`)."""
    with open(path, "rb") as fh:
        if fh.read(4) == b"PAR1":
            return "parquet"
    try:
        head = _head(path).lstrip(b"\xef\xbb\xbf \t\r\n")
    except (OSError, EOFError) as exc:
        raise ValueError(f"cannot read {path.name}: {exc}") from exc
    if head.startswith(b"{"):
        return "jsonl"
    if head.startswith(b"["):
        return "json-pages" if head[1:].lstrip(b" \t\r\n").startswith(b"[") else "json"
    if not head:
        raise ValueError(f"{path.name} is empty")
    raise ValueError(f"{path.name} is neither JSON Lines, a JSON array nor Parquet")


def flatten_pages(path: Path, out: Path) -> int:
    """Write the items of a JSON array of pages (arrays of items) as JSON Lines to `out`; returns the count."""
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        pages = json.load(fh)
    count = 0
    with open(out, "w", encoding="utf-8") as sink:
        for page in pages:
            for item in page if isinstance(page, list) else [page]:
                if isinstance(item, dict):
                    sink.write(json.dumps(item, ensure_ascii=False) + "\n")
                    count += 1
    return count
