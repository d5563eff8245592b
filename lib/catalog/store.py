"""The durable store: one DuckDB file with a table per kind, the history of loads and the sync cursors.

DuckDB reads the dumps itself (its JSON and Parquet readers parse 760k items in about 2 s here, where Python's
`json` takes 15-20 s), extracts the catalog's typed columns in SQL and upserts them by id. Searches never touch
this file: they read the numpy index built from it (`lib.catalog.index`). All SQL takes values as parameters;
the only names put into SQL text are this module's own constants.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Self

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from lib.catalog.errors import CatalogBusyError, DumpError
from lib.catalog.formats import ALIASES, API_COLUMNS, DETAIL_FIELDS, Format, detect_format, flatten_pages
from lib.catalog.index import INDEX_COLUMNS
from lib.query import Kind

TABLES: dict[Kind, str] = {"models": "repos_models", "datasets": "repos_datasets", "spaces": "repos_spaces"}

#: The catalog's columns, in table order, with their types.
COLUMNS: dict[str, str] = {
    "id": "VARCHAR NOT NULL", "author": "VARCHAR", "created_at": "TIMESTAMPTZ", "last_modified": "TIMESTAMPTZ",
    "downloads": "BIGINT", "downloads_all_time": "BIGINT", "likes": "BIGINT", "trending_score": "DOUBLE",
    "private": "BOOLEAN", "disabled": "BOOLEAN", "gated": "VARCHAR", "sha": "VARCHAR", "tags": "VARCHAR[]",
    "pipeline_tag": "VARCHAR", "library_name": "VARCHAR", "params": "BIGINT", "description": "VARCHAR",
    "citation": "VARCHAR", "card_text": "VARCHAR", "sdk": "VARCHAR", "card_licenses": "VARCHAR[]",
    "card_languages": "VARCHAR[]", "has_card": "BOOLEAN", "hardware": "VARCHAR", "details": "JSON",
    "loaded_at": "TIMESTAMPTZ", "stage": "VARCHAR", "uses_models": "VARCHAR[]", "uses_datasets": "VARCHAR[]",
}  # fmt: skip


def _q(name: str) -> str:
    """A quoted SQL identifier (only ever applied to this package's constant names)."""
    return '"' + name.replace('"', '""') + '"'


def _string_list(expr: str) -> str:
    """A VARCHAR[] from a JSON value that is an array of strings or one string; NULL otherwise."""
    return (
        f"CASE json_type({expr}) WHEN 'ARRAY' THEN TRY(from_json({expr}, '[\"VARCHAR\"]')) "
        f"WHEN 'VARCHAR' THEN [{expr}->>'$'] END"
    )


_DETAILS = ", ".join(f"'{name}', {_q(name)}" for name in DETAIL_FIELDS)
_ANY_DETAIL = " OR ".join(f"{_q(name)} IS NOT NULL" for name in DETAIL_FIELDS)

#: From the staging columns (API names and `API_COLUMNS` types) to the catalog's columns.
EXTRACT: dict[str, str] = {
    "id": "COALESCE(NULLIF(trim(id), ''), NULLIF(trim(modelId), ''))",
    "author": "NULLIF(author, '')",
    "created_at": "TRY_CAST(createdAt AS TIMESTAMPTZ)",
    "last_modified": "TRY_CAST(lastModified AS TIMESTAMPTZ)",
    "downloads": "TRY_CAST(downloads->>'$' AS BIGINT)",
    "downloads_all_time": "TRY_CAST(downloadsAllTime->>'$' AS BIGINT)",
    "likes": "TRY_CAST(likes->>'$' AS BIGINT)",
    "trending_score": "TRY_CAST(trendingScore->>'$' AS DOUBLE)",
    "private": "TRY_CAST(private->>'$' AS BOOLEAN)",
    "disabled": "TRY_CAST(disabled->>'$' AS BOOLEAN)",
    "gated": "lower(gated->>'$')",
    "sha": "sha",
    "tags": "CASE json_type(tags) WHEN 'ARRAY' THEN TRY(from_json(tags, '[\"VARCHAR\"]')) END",
    "pipeline_tag": "NULLIF(pipeline_tag, '')",
    "library_name": "NULLIF(library_name, '')",
    "params": "TRY_CAST(safetensors->>'$.total' AS BIGINT)",
    "description": "NULLIF(description, '')",
    "citation": "NULLIF(citation, '')",
    "card_text": "NULLIF(card, '')",
    "sdk": "NULLIF(sdk, '')",
    "card_licenses": _string_list("cardData->'license'"),
    "card_languages": _string_list("cardData->'language'"),
    # true: a card is known (card text, card metadata, or README.md among the files); NULL: nothing said
    "has_card": (
        "CASE WHEN NULLIF(card, '') IS NOT NULL OR json_type(cardData) = 'OBJECT' THEN true "
        "WHEN json_type(siblings) = 'ARRAY' THEN list_contains(json_extract_string(siblings, '$[*].rfilename'), "
        "'README.md') END"
    ),
    "hardware": (
        "CASE json_type(runtime->'hardware') WHEN 'OBJECT' THEN "
        "NULLIF(COALESCE(runtime->'hardware'->>'current', runtime->'hardware'->>'requested'), '') "
        "WHEN 'VARCHAR' THEN NULLIF(runtime->>'hardware', '') END"
    ),
    "details": f"CASE WHEN {_ANY_DETAIL} THEN json_object({_DETAILS}) END",
    "loaded_at": "?",
    # Spaces: the runtime's stage (RUNNING, SLEEPING, RUNTIME_ERROR...), the models and datasets the Space uses
    "stage": "CASE json_type(runtime) WHEN 'OBJECT' THEN NULLIF(runtime->>'stage', '') END",
    "uses_models": _string_list("models"),
    "uses_datasets": _string_list("datasets"),
}


@dataclass(frozen=True)
class Upserted:
    """What one ingest did: items read, rows written (new or replaced), items without an id."""

    read: int
    written: int
    replaced: int
    skipped: int
    removed: int = 0


@dataclass(frozen=True)
class LoadRecord:
    """One load or sync of a kind, as remembered in the store."""

    kind: Kind
    source: str
    snapshot_date: date | None
    loaded_at: datetime
    items: int


@dataclass(frozen=True)
class SyncCursor:
    """Where an unfinished sync stands: the next page's URL and how many items it has fetched so far."""

    kind: Kind
    next_url: str
    fetched: int
    started_at: datetime
    params: dict[str, Any]


class Store:
    """A connection to the catalog's DuckDB file. Use as a context manager; writers hold the file's lock."""

    def __init__(self, path: Path, *, read_only: bool = False, memory_limit: str = "600MB") -> None:
        self.path = path
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path), read_only=read_only)
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            text = str(exc).lower()
            if "lock" in text or "different configuration" in text:
                raise CatalogBusyError(f"The catalog at {path.parent} is being written by another process "
                                       "or connection.") from exc  # fmt: skip
            raise
        self.con.execute("SET TimeZone = 'UTC'")
        # Progress is tracked (for `query_progress`) but never drawn on the terminal.
        self.con.execute("SET enable_progress_bar = true")
        self.con.execute("SET enable_progress_bar_print = false")
        self.con.execute(f"SET memory_limit = '{memory_limit}'")  # a constant, not user input
        if not read_only:
            self._create()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def _create(self) -> None:
        columns = ", ".join(f"{_q(name)} {kind}" for name, kind in COLUMNS.items())
        for table in TABLES.values():
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
            have = {row[0] for row in self.con.execute(f"DESCRIBE {table}").fetchall()}
            for name, kind in COLUMNS.items():  # a store made by an older version: add what it lacks
                if name not in have:
                    self.con.execute(f"ALTER TABLE {table} ADD COLUMN {_q(name)} {kind.replace(' NOT NULL', '')}")
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS loads (kind VARCHAR, source VARCHAR, snapshot_date DATE, "
            "loaded_at TIMESTAMPTZ, items BIGINT)"
        )
        self.con.execute("ALTER TABLE loads ADD COLUMN IF NOT EXISTS revision VARCHAR")  # a dataset's commit sha
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS sync_state (kind VARCHAR PRIMARY KEY, next_url VARCHAR, fetched BIGINT, "
            "started_at TIMESTAMPTZ, params JSON)"
        )

    # --- ingest -------------------------------------------------------------------------------------
    def _staging_parquet(self, path: Path) -> tuple[str, list[Any]]:
        """A SELECT giving a Parquet file the staging columns (API names, `API_COLUMNS` types)."""
        described = self.con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        types = {row[0]: str(row[1]) for row in described}
        exprs = []
        for name, target in API_COLUMNS.items():
            source = name if name in types else next((a for a, n in ALIASES.items() if n == name and a in types), None)
            if source is None:
                exprs.append(f"NULL::{target} AS {_q(name)}")
                continue
            src, stype = _q(source), types[source]
            if target == "VARCHAR":
                expr = src if stype == "VARCHAR" else f"CAST({src} AS VARCHAR)"
            elif stype == "VARCHAR":  # JSON text inside a string column, or a plain string
                expr = (f"CASE WHEN json_valid({src}) AND left(ltrim({src}), 1) IN ('{{', '[') "
                        f"THEN {src}::JSON ELSE to_json({src}) END")  # fmt: skip
            elif stype == "JSON":
                expr = src
            else:
                expr = f"to_json({src})"
            exprs.append(f"{expr} AS {_q(name)}")
        return f"SELECT {', '.join(exprs)} FROM read_parquet(?)", [str(path)]

    def _staging(self, path: Path, fmt: Format) -> tuple[str, list[Any]]:
        if fmt == "parquet":
            return self._staging_parquet(path)
        json_format = "newline_delimited" if fmt == "jsonl" else "array"
        sql = "SELECT * FROM read_json(?, format=?, columns=?, maximum_object_size=33554432)"
        return sql, [str(path), json_format, API_COLUMNS]

    def ingest(self, kind: Kind, path: Path, *, progress: Callable[[float], None] | None = None,
               replace: bool = False) -> Upserted:  # fmt: skip
        """Upsert every item of one dump file into `kind`'s table (one transaction). Within a file the last
        item of an id wins; across files and syncs, the newer item replaces the whole row. With `replace` the
        file is the whole kind: rows whose id it does not hold are removed in the same transaction."""
        try:
            fmt = detect_format(path)
        except ValueError as exc:
            raise DumpError(str(exc)) from exc
        with tempfile.TemporaryDirectory(prefix="hub-catalog-") as tmp:
            if fmt == "json-pages":
                flat = Path(tmp) / "items.jsonl"
                flatten_pages(path, flat)
                path, fmt = flat, "jsonl"
            try:
                staging_sql, params = self._staging(path, fmt)
            except duckdb.Error as exc:
                raise DumpError(f"{path.name} could not be read: {str(exc).splitlines()[0]}") from exc
            return self._upsert(kind, staging_sql, params, progress, replace=replace)

    def ingest_items(self, kind: Kind, items: list[dict[str, Any]]) -> Upserted:
        """Upsert API items given as dicts (a page of a sync), through the same reader as a dump file."""
        if not items:
            return Upserted(0, 0, 0, 0)
        with tempfile.TemporaryDirectory(prefix="hub-catalog-") as tmp:
            path = Path(tmp) / "page.jsonl"
            with open(path, "w", encoding="utf-8") as fh:
                fh.writelines(json.dumps(item, ensure_ascii=False, default=str) + "\n" for item in items)
            return self._upsert(kind, *self._staging(path, "jsonl"), None)

    def _upsert(self, kind: Kind, staging_sql: str, params: list[Any], progress: Callable[[float], None] | None,
                *, replace: bool = False) -> Upserted:  # fmt: skip
        table = TABLES[kind]
        select = ", ".join(f"{EXTRACT[name]} AS {_q(name)}" for name in COLUMNS)
        now = datetime.now(UTC)
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            with _polling(con, progress):
                try:
                    con.execute(
                        f"CREATE OR REPLACE TEMP TABLE incoming AS SELECT {select} FROM ({staging_sql})",
                        [now, *params],
                    )
                except duckdb.Error as exc:
                    raise DumpError(f"The dump could not be read: {str(exc).splitlines()[0]}") from exc
            read = con.execute("SELECT count(*) FROM incoming").fetchone()[0]  # type: ignore[index]
            repeated = con.execute("SELECT count(id) - count(DISTINCT id) FROM incoming").fetchone()[0]  # type: ignore[index]
            if repeated:  # rare: read again, numbering items in file order, and keep the last of each id
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE incoming AS SELECT * EXCLUDE (ord) FROM "
                    f"(SELECT {select}, row_number() OVER () AS ord FROM ({staging_sql})) "
                    "WHERE id IS NOT NULL QUALIFY row_number() OVER (PARTITION BY id ORDER BY ord DESC) = 1",
                    [now, *params],
                )
            else:
                con.execute("DELETE FROM incoming WHERE id IS NULL")
            written = con.execute("SELECT count(*) FROM incoming").fetchone()[0]  # type: ignore[index]
            replaced = con.execute(
                f"SELECT count(*) FROM {table} WHERE id IN (SELECT id FROM incoming)"
            ).fetchone()[0]  # type: ignore[index]
            if replaced:
                con.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM incoming)")
            removed = 0
            if replace:  # what is left is what the file no longer holds (deleted on the Hub)
                removed = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
                if removed:
                    con.execute(f"DELETE FROM {table}")
            names = ", ".join(_q(c) for c in COLUMNS)
            con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM incoming")
            con.execute("DROP TABLE incoming")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return Upserted(read=int(read), written=int(written), replaced=int(replaced),
                        skipped=max(0, int(read) - int(written)), removed=int(removed))  # fmt: skip

    # --- bookkeeping --------------------------------------------------------------------------------
    def record_load(self, kind: Kind, source: str, snapshot_date: date | None, items: int, *,
                    revision: str | None = None) -> None:  # fmt: skip
        """Remember a load or sync; `revision` is the commit sha of a published dataset it came from."""
        self.con.execute(
            "INSERT INTO loads (kind, source, snapshot_date, loaded_at, items, revision) VALUES (?, ?, ?, ?, ?, ?)",
            [kind, source, snapshot_date, datetime.now(UTC), items, revision],
        )

    def latest_revision(self, kind: Kind, source_prefix: str) -> tuple[str, date | None] | None:
        """The revision (and snapshot date) of the newest load of `kind` whose source starts with `source_prefix`
        and that carries a revision: which commit of a published dataset the kind rests on."""
        row = self.con.execute(
            "SELECT revision, snapshot_date FROM loads WHERE kind = ? AND revision IS NOT NULL "
            "AND starts_with(source, ?) ORDER BY loaded_at DESC LIMIT 1",
            [kind, source_prefix],
        ).fetchone()
        return (str(row[0]), row[1]) if row else None

    def last_modified_of(self, kind: Kind, ids: list[str]) -> dict[str, datetime | None]:
        """The stored `last_modified` of those of `ids` the kind holds (absent ids are left out)."""
        if not ids:
            return {}
        rows = self.con.execute(
            f"SELECT id, last_modified FROM {TABLES[kind]} WHERE id IN (SELECT unnest(?::VARCHAR[]))", [ids]
        ).fetchall()
        return {row[0]: (_utc(row[1]) if row[1] is not None else None) for row in rows}

    def latest_load(self, kind: Kind) -> LoadRecord | None:
        row = self.con.execute(
            "SELECT source, snapshot_date, loaded_at, items FROM loads WHERE kind = ? ORDER BY loaded_at DESC LIMIT 1",
            [kind],
        ).fetchone()
        if row is None:
            return None
        return LoadRecord(kind, row[0], row[1], _utc(row[2]), int(row[3]))

    def count(self, kind: Kind) -> int:
        # fetchall: a result left unfinished (`fetchone`) keeps the connection from the next relation (`export_index`)
        return int(self.con.execute(f"SELECT count(*) FROM {TABLES[kind]}").fetchall()[0][0])

    def latest_change(self, kind: Kind) -> date | None:
        """The newest created/modified date in a kind's rows (a dump's date when its name has none)."""
        row = self.con.execute(
            f"SELECT max(greatest(coalesce(created_at, last_modified), coalesce(last_modified, created_at))) "
            f"FROM {TABLES[kind]}"
        ).fetchone()
        return row[0].date() if row and row[0] is not None else None

    def index_table(self, kind: Kind) -> pa.Table:
        """The columns the index is built from, as Arrow in id order, plus the card text for full-text search."""
        cols = ", ".join(_q(c) for c in (*INDEX_COLUMNS, "card_text"))
        # ORDER BY on VARCHAR compares bytes: UTF-8 byte order is code-point order, as Python's.
        return self.con.sql(f"SELECT {cols} FROM {TABLES[kind]} ORDER BY id").to_arrow_table()

    def mark(self, kind: Kind) -> str | None:
        """When `kind`'s rows were last written (the newest `loaded_at`, ISO text), or None when it has none: an
        index built now records it, and a later build asks `changed_since` for what came after."""
        (newest,) = self.con.execute(f"SELECT max(loaded_at) FROM {TABLES[kind]}").fetchall()[0]
        return _utc(newest).isoformat() if newest is not None else None

    def changed_since(self, kind: Kind, mark: str) -> pa.Table:
        """`index_table`'s columns of the rows written after `mark` (see `mark`), in id order."""
        cols = ", ".join(_q(c) for c in (*INDEX_COLUMNS, "card_text"))
        return self.con.sql(
            f"SELECT {cols} FROM {TABLES[kind]} WHERE loaded_at > ?::TIMESTAMPTZ ORDER BY id", params=[mark]
        ).to_arrow_table()

    def held(self, kind: Kind) -> dict[str, int]:
        """How many rows say whether they are gated and whether they have a card (an index's coverage of both)."""
        gated, has_card = self.con.execute(f"SELECT count(gated), count(has_card) FROM {TABLES[kind]}").fetchall()[0]
        return {"gated": int(gated), "has_card": int(has_card)}

    def export_index(self, kind: Kind, path: Path, *, batch_rows: int = 100_000) -> int:
        """Write `index_table`'s columns to a Parquet file, a record batch at a time (DuckDB's memory stays
        within its limit and this process holds one batch); returns the row count. The index is then built
        from that file a column at a time (`lib.catalog.index.ParquetColumns`) with the store closed."""
        cols = ", ".join(_q(c) for c in (*INDEX_COLUMNS, "card_text"))
        reader = self.con.sql(f"SELECT {cols} FROM {TABLES[kind]} ORDER BY id").to_arrow_reader(batch_rows)
        rows = 0
        with pq.ParquetWriter(path, reader.schema, compression="lz4") as writer:
            for batch in reader:
                writer.write_batch(batch, row_group_size=batch_rows)
                rows += batch.num_rows
        return rows

    def item(self, kind: Kind, repo_id: str) -> dict[str, Any] | None:
        """One repo as an API item (camelCase fields), or None."""
        cur = self.con.execute(f"SELECT * FROM {TABLES[kind]} WHERE id = ?", [repo_id])
        row = cur.fetchone()
        if row is None:
            return None
        values = dict(zip([d[0] for d in cur.description], row, strict=True))
        return to_api_item(values)

    # --- sync cursors -------------------------------------------------------------------------------
    def cursor(self, kind: Kind) -> SyncCursor | None:
        row = self.con.execute(
            "SELECT next_url, fetched, started_at, params FROM sync_state WHERE kind = ?", [kind]
        ).fetchone()
        if row is None:
            return None
        return SyncCursor(kind, row[0], int(row[1]), _utc(row[2]), json.loads(row[3]) if row[3] else {})

    def save_cursor(self, cursor: SyncCursor) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO sync_state VALUES (?, ?, ?, ?, ?)",
            [cursor.kind, cursor.next_url, cursor.fetched, cursor.started_at, json.dumps(cursor.params)],
        )

    def clear_cursor(self, kind: Kind) -> None:
        self.con.execute("DELETE FROM sync_state WHERE kind = ?", [kind])


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


_API_NAMES: dict[str, str] = {
    "created_at": "createdAt", "last_modified": "lastModified", "downloads_all_time": "downloadsAllTime",
    "trending_score": "trendingScore", "card_text": "card",
}  # fmt: skip
_NOT_API = frozenset({"details", "loaded_at", "params", "card_licenses", "card_languages", "has_card", "hardware",
                      "stage", "uses_models", "uses_datasets"})


def to_api_item(values: dict[str, Any]) -> dict[str, Any]:
    """A stored row back in the API's shape (what `lib.records.record_from_api` reads)."""
    item: dict[str, Any] = {}
    for name, value in values.items():
        if name in _NOT_API or value is None:
            continue
        if isinstance(value, datetime):
            value = _utc(value).isoformat().replace("+00:00", "Z")
        if name == "gated":
            value = False if value == "false" else True if value == "true" else value
        item[_API_NAMES.get(name, name)] = value
    details = values.get("details")
    if details:
        item.update({k: v for k, v in json.loads(details).items() if v is not None})
    if values.get("params") is not None and "safetensors" not in item:
        item["safetensors"] = {"parameters": {}, "total": values["params"]}
    return item


@contextmanager
def _polling(con: duckdb.DuckDBPyConnection, report: Callable[[float], None] | None) -> Iterator[None]:
    """Report DuckDB's own progress of the running statement (0..1) every quarter second."""
    if report is None:
        yield
        return
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.25):
            try:
                done = con.query_progress()
            except duckdb.Error:
                return
            if done >= 0:
                report(min(done, 100.0) / 100.0)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
