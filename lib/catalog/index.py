"""The in-memory index of one kind: numpy arrays built from the store, saved as `.npy` files, opened with mmap.

Rows are the repos of one kind in ascending id order (code-point order), so "ties broken by id ascending" is
"ties broken by row". An index holds:

* ids (`StringTable`), the substring index over them (`TextIndex`);
* numbers per row: downloads, likes, trending score, created/updated (microseconds since the epoch), parameter
  count, gated and private codes; unknown values are sentinels (``-1``, NaN, `MISSING_TIME`) that sort last;
* for every sort, the rows in that order (`order`) and each row's position in it (`rank`);
* coded fields (`CodedField`) for author, task, library, license, language, tag (and for Spaces sdk, hardware,
  runtime stage and the models and datasets a Space uses);
* dataset descriptions, for the records a result shows.

A built index lives in a folder of its own (a *generation*); the catalog switches generations atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lib.catalog.fields import CodedField, StringTable, arrow_numpy, encode_strings
from lib.catalog.packing import distinct_sorted, stable_order
from lib.catalog.textindex import ARRAY_NAMES as TEXT_ARRAYS
from lib.catalog.textindex import TextIndex
from lib.filters import PARAM_PRESETS
from lib.query import SORTS_BY_KIND, Kind, Sort
from lib.records import (
    ISO_639_1,  # the same language codes the records recognise
    DatasetRecord,
    ModelRecord,
    ParamCounts,
    RepoRecord,
    SpaceRecord,
)

INDEX_VERSION = 2
TEXT_CHUNK = 200_000  # ids folded at a time for the substring index
TAG_BATCH = 250_000  # rows of tags read at a time
MISSING_TIME = np.iinfo(np.int64).min
GATED_CODES: dict[str, int] = {"false": 0, "auto": 1, "manual": 2}
GATED_VALUES: dict[int, bool | str] = {0: False, 1: "auto", 2: "manual", 3: True}

#: The fields a search result counts, per kind: the field of every choice filter (`lib.filters.FILTERS`).
FACETS: dict[Kind, tuple[str, ...]] = {
    "models": ("task", "library", "license", "language", "author"),
    "datasets": ("task", "license", "language", "author"),
    "spaces": ("sdk", "hardware", "license", "language", "author", "stage", "uses_model", "uses_dataset"),
}

#: Columns the index reads from the store (see `lib.catalog.store.COLUMNS`).
INDEX_COLUMNS = (
    "id", "author", "created_at", "last_modified", "downloads", "likes", "trending_score", "private", "gated",
    "tags", "pipeline_tag", "library_name", "params", "description", "sdk", "card_licenses", "card_languages",
    "has_card", "hardware", "stage", "uses_models", "uses_datasets",
)  # fmt: skip

#: The array of `KindIndex.doc_keys`, in a generation that has one.
DOC_KEYS = "fulltext__keys"

#: Bits of the per-row `flags` number, for the quality toggles of `SearchQuery`.
FLAG_BITS: dict[str, int] = {"has_license": 1, "has_card": 2, "safetensors": 4, "derivative": 8}

#: The per-row tally code (`KindIndex.tally`): bits 0-3 the `FLAG_BITS`, bit 4 gated, bits 5-8 where the parameter
#: count falls among `PARAM_EDGES` (`param_position`). Counting the quality toggles, gated and every parameter preset
#: over any rows is then one count of these codes (`TALLY_SIZE` of them; made together with the small fields' through
#: `KindIndex.joint`).
TALLY_GATED = 16
TALLY_POS_SHIFT = 5
TALLY_SIZE = 512
#: The distinct finite bounds of the parameter presets, ascending.
PARAM_EDGES = np.array(sorted({b for bounds in PARAM_PRESETS.values() for b in bounds if b is not None}), np.int64)
#: `param_position` of an unknown parameter count.
UNKNOWN_POSITION = 15


def param_position(values: np.ndarray) -> np.ndarray:
    """Where each parameter count falls among `PARAM_EDGES` (e_0 < ... < e_{m-1}): ``2k`` strictly between
    e_{k-1} and e_k, ``2k + 1`` exactly e_k, `UNKNOWN_POSITION` when unknown (negative). An inclusive range whose
    bounds are edges (a preset) holds a contiguous run of positions."""
    at = np.searchsorted(PARAM_EDGES, values, side="left")
    exact = PARAM_EDGES[np.minimum(at, PARAM_EDGES.size - 1)] == values
    pos = (2 * at + exact).astype(np.uint16)
    pos[values < 0] = UNKNOWN_POSITION
    return pos


def position_range(lo: int | None, hi: int | None) -> tuple[int, int]:
    """The positions (first, last inclusive) of the counts ``lo <= v <= hi`` (either side open) whose bounds
    are `PARAM_EDGES` (or None)."""
    first = 0 if lo is None else 2 * int(np.searchsorted(PARAM_EDGES, lo)) + 1
    last = 2 * PARAM_EDGES.size if hi is None else 2 * int(np.searchsorted(PARAM_EDGES, hi)) + 1
    return first, last


#: Fields whose first value is counted through `KindIndex.joint`, in this order (those the kind has): small
#: vocabularies. A field is left out when joining it would allow more than `JOINT_BINS` combinations.
JOINT_FIELDS = ("task", "license", "language", "library", "sdk", "hardware", "stage")
JOINT_BINS = 1 << 24


@dataclass(frozen=True)
class Joint:
    """Each row's combination of several small codes (the tally code, the first value code + 1 of some fields),
    numbered in code order. Counting all of them over a million rows is then one gather and one `np.bincount` of
    the combination numbers (a few thousand distinct combinations among millions of rows), and per column a short
    count over the combinations (`marginal`): 5x faster than a gather and a count over the rows per column."""

    columns: dict[str, int]  # name -> its column in `table`
    code: np.ndarray  # each row's combination number (int32)
    table: np.ndarray  # (combinations, columns): the codes of each combination
    all_counts: np.ndarray  # rows per combination

    @classmethod
    def build(cls, columns: Sequence[tuple[str, np.ndarray, int]], most: int) -> Joint:
        """The combinations of `columns` ((name, each row's code, how many codes there are)), joined in order; a
        column that would allow more than `most` combinations is left out. Each join numbers only the combinations
        present (an `np.bincount` over the possible ones), so the numbers stay small."""
        n = columns[0][1].size if columns else 0
        code = np.zeros(n, np.int32)
        table = np.zeros((1, 0), np.int32)
        all_counts = np.array([n], np.int64)
        names: list[str] = []
        for name, values, size in columns:
            possible = table.shape[0] * size
            if possible > most:
                continue
            key = code * np.int32(size) + values.astype(np.int32, copy=False)
            seen = np.bincount(key, minlength=possible)
            present = np.flatnonzero(seen)
            renumber = np.zeros(possible, np.int32)
            renumber[present] = np.arange(present.size, dtype=np.int32)
            code = np.take(renumber, key)
            table = np.column_stack((table[present // size], present % size)).astype(np.int32)
            all_counts = seen[present].astype(np.int64)
            names.append(name)
        return cls({name: i for i, name in enumerate(names)}, code, table, all_counts)

    @property
    def size(self) -> int:
        """How many combinations there are."""
        return int(self.all_counts.size)

    def marginal(self, counts: np.ndarray, name: str, size: int) -> np.ndarray:
        """Rows per code of column `name` (`size` codes), from rows per combination (`counts`)."""
        used = np.flatnonzero(counts)
        column = np.take(self.table[:, self.columns[name]], used)
        # float weights are exact up to 2**53 rows
        return np.bincount(column, weights=counts[used], minlength=size).astype(np.int64)


_NUMBERS = ("downloads", "likes", "trending", "created", "updated", "params", "gated", "private", "flags")
_SORT_COLUMN: dict[Sort, str] = {
    "downloads": "downloads", "likes": "likes", "trending": "trending", "created": "created", "updated": "updated",
    "parameters": "params",
}  # fmt: skip


@dataclass(frozen=True)
class FieldSpec:
    """How one coded field is derived: from a column (single-valued) or from tags (multi-valued)."""

    name: str
    multi: bool


FIELDS: dict[Kind, tuple[FieldSpec, ...]] = {
    "models": (FieldSpec("author", False), FieldSpec("task", False), FieldSpec("library", False),
               FieldSpec("license", True), FieldSpec("language", True), FieldSpec("tag", True)),
    "datasets": (FieldSpec("author", False), FieldSpec("task", True), FieldSpec("license", True),
                 FieldSpec("language", True), FieldSpec("tag", True)),
    "spaces": (FieldSpec("author", False), FieldSpec("sdk", False), FieldSpec("hardware", False),
               FieldSpec("license", True), FieldSpec("language", True), FieldSpec("tag", True),
               FieldSpec("stage", False), FieldSpec("uses_model", True), FieldSpec("uses_dataset", True)),
}  # fmt: skip


# --- deriving field values --------------------------------------------------------------------------------
def _prefixed(prefix: str) -> Callable[[str], str | None]:
    def pick(tag: str) -> str | None:
        return tag[len(prefix) :] if tag.startswith(prefix) and len(tag) > len(prefix) else None

    return pick


def _model_language(tag: str) -> str | None:
    if tag.startswith("language:"):
        return tag[9:] or None
    return tag if tag in ISO_639_1 else None


_FROM_TAGS: dict[tuple[Kind, str], Callable[[str], str | None]] = {
    ("models", "license"): _prefixed("license:"),
    ("datasets", "license"): _prefixed("license:"),
    ("spaces", "license"): _prefixed("license:"),
    ("models", "language"): _model_language,
    ("datasets", "language"): _prefixed("language:"),
    ("spaces", "language"): _prefixed("language:"),
    ("datasets", "task"): _prefixed("task_categories:"),
}
_FROM_COLUMN: dict[tuple[Kind, str], str] = {
    ("models", "task"): "pipeline_tag",
    ("models", "library"): "library_name",
    ("spaces", "sdk"): "sdk",
    ("spaces", "hardware"): "hardware",
    ("spaces", "stage"): "stage",
}
#: Multi-valued fields read from a list column: the models and datasets a Space uses.
_FROM_LIST: dict[tuple[Kind, str], str] = {
    ("spaces", "uses_model"): "uses_models",
    ("spaces", "uses_dataset"): "uses_datasets",
}
_FROM_CARD: dict[str, str] = {"license": "card_licenses", "language": "card_languages"}


def _column(table: pa.Table, name: str) -> pa.Array:
    col = table.column(name)
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


class ColumnSource:
    """Where an index is built from: `INDEX_COLUMNS` (and `card_text`) of a kind's rows in ascending id order, read
    a column at a time (or in batches of rows) so that the build never holds every column at once."""

    n: int

    def column(self, name: str) -> pa.Array:
        raise NotImplementedError

    def batches(self, names: Sequence[str], rows: int) -> Iterator[pa.RecordBatch]:
        raise NotImplementedError


class TableColumns(ColumnSource):
    """The columns of an Arrow table already in memory."""

    def __init__(self, table: pa.Table) -> None:
        self.table, self.n = table, table.num_rows

    def column(self, name: str) -> pa.Array:
        return _column(self.table, name)

    def batches(self, names: Sequence[str], rows: int) -> Iterator[pa.RecordBatch]:
        return iter(self.table.select(list(names)).to_batches(max_chunksize=rows))


class ParquetColumns(ColumnSource):
    """The columns of a Parquet file (`Store.export_index`), read one at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = pq.ParquetFile(path)
        self.n = self.file.metadata.num_rows

    def column(self, name: str) -> pa.Array:
        col = self.file.read(columns=[name], use_threads=False).column(0)
        return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col

    def batches(self, names: Sequence[str], rows: int) -> Iterator[pa.RecordBatch]:
        return self.file.iter_batches(batch_size=rows, columns=list(names), use_threads=False)


def _list_pairs(lists: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(row of each entry, entry) for a list<string> column, nulls dropped."""
    rows = arrow_numpy(pc.list_parent_indices(lists), np.int64)
    values = pc.list_flatten(lists)
    valid = pc.is_valid(values)
    if not pc.all(valid).as_py():
        rows = rows[arrow_numpy(valid, bool)]
        values = values.filter(valid)
    return rows, values


@dataclass
class _Tags:
    """Every (row, tag) pair, rows ascending, with tags coded by their position in `vocab` (sorted), so that
    prefixes are checked once per distinct tag and no string array of every pair is held."""

    rows: np.ndarray  # uint32
    vocab: list[str]
    codes: np.ndarray  # int32

    @classmethod
    def read(cls, batches: Iterable[pa.Array]) -> _Tags:
        """The pairs of a list<string> column given in consecutive pieces (record batches of one column)."""
        seen: dict[str, int] = {}
        row_parts, code_parts = [], []
        start = 0
        for lists in batches:
            rows, values = _list_pairs(lists)
            if len(values):
                encoded = pc.dictionary_encode(values)
                local = encoded.dictionary.to_pylist()
                mapping = np.fromiter((seen.setdefault(v, len(seen)) for v in local), np.int32, len(local))
                code_parts.append(mapping[arrow_numpy(encoded.indices, np.int32)])
                row_parts.append((rows + start).astype(np.uint32))
            start += len(lists)
        vocab = list(seen)
        order = sorted(range(len(vocab)), key=vocab.__getitem__)  # code-point order, as Arrow's byte order
        remap = np.empty(len(vocab), np.int32)
        remap[order] = np.arange(len(vocab), dtype=np.int32)
        codes = np.concatenate(code_parts) if code_parts else np.zeros(0, np.int32)
        del code_parts
        np.take(remap, codes, out=codes)
        rows_all = np.concatenate(row_parts) if row_parts else np.zeros(0, np.uint32)
        return cls(rows_all, [vocab[i] for i in order], codes)

    def derive(self, pick: Callable[[str], str | None]) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(rows, vocabulary, codes) of the values `pick` derives from the tags (None: the tag gives none)."""
        mapped = [pick(t) for t in self.vocab]
        keep_code = np.array([m is not None for m in mapped], bool)
        if not keep_code.any():
            return np.zeros(0, np.uint32), [], np.zeros(0, np.int32)
        vocab = sorted({m for m in mapped if m is not None})
        position = {v: i for i, v in enumerate(vocab)}
        remap = np.array([position[m] if m is not None else -1 for m in mapped], np.int32)
        keep = keep_code[self.codes]
        return self.rows[keep], vocab, remap[self.codes[keep]]

    def rows_where(self, pick: Callable[[str], bool]) -> np.ndarray:
        """Rows carrying a tag that `pick` accepts (repeated when several do)."""
        keep_code = np.array([pick(t) for t in self.vocab], bool)
        return self.rows[keep_code[self.codes]] if keep_code.any() else np.zeros(0, np.uint32)


def _authors(ids: pa.Array, explicit: pa.Array) -> pa.Array:
    """The part of the id before `/`; for legacy ids without one, the `author` field (or null)."""
    parts = pc.split_pattern(ids, "/", max_splits=1)
    has_slash = pc.greater(pc.list_value_length(parts), 1)
    head = pc.list_element(parts, 0)
    return pc.if_else(has_slash, head, explicit)


def _merge_coded(parts: list[tuple[np.ndarray, list[str], np.ndarray]]) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(rows, vocabulary, codes) of several coded pair lists together, rows ascending (stable)."""
    parts = [p for p in parts if p[0].size]
    if not parts:
        return np.zeros(0, np.uint32), [], np.zeros(0, np.int32)
    if len(parts) == 1:
        return parts[0]
    vocab = sorted({v for p in parts for v in p[1]})
    position = {v: i for i, v in enumerate(vocab)}
    rows = np.concatenate([p[0].astype(np.uint32) for p in parts])
    codes = np.concatenate([np.array([position[v] for v in p[1]], np.int32)[p[2]] for p in parts])
    order = stable_order(rows)
    return rows[order], vocab, codes[order]


def _coded(rows: np.ndarray, values: pa.Array) -> tuple[np.ndarray, list[str], np.ndarray]:
    vocab, codes = encode_strings(values.cast(pa.string()))
    return rows, vocab, codes


def _present(source: pa.Array) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(rows, vocabulary, codes) of a single-valued string column's non-empty values."""
    valid = pc.and_(pc.is_valid(source), pc.not_equal(pc.utf8_length(source), 0))
    valid = pc.fill_null(valid, False)
    rows = np.flatnonzero(arrow_numpy(valid, bool))
    return _coded(rows, source.filter(valid))


def _field_pairs(kind: Kind, spec: FieldSpec, source: ColumnSource, tags: _Tags) -> tuple[
    np.ndarray, list[str], np.ndarray
]:
    """(rows, vocabulary, codes) of one field other than the author, rows ascending."""
    if spec.name == "tag":
        return tags.rows, tags.vocab, tags.codes
    if (kind, spec.name) in _FROM_LIST:
        return _coded(*_list_pairs(source.column(_FROM_LIST[(kind, spec.name)])))
    if (kind, spec.name) in _FROM_COLUMN:
        return _present(source.column(_FROM_COLUMN[(kind, spec.name)]))
    parts = [tags.derive(_FROM_TAGS[(kind, spec.name)])]
    if spec.name in _FROM_CARD:
        parts.append(_coded(*_list_pairs(source.column(_FROM_CARD[spec.name]))))
    return _merge_coded(parts)


# --- numbers ----------------------------------------------------------------------------------------------
def _ints(col: pa.Array, missing: int) -> np.ndarray:
    return arrow_numpy(col, np.int64, missing)


def _times(col: pa.Array) -> np.ndarray:
    col = col.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    return arrow_numpy(col, np.int64, MISSING_TIME)


def _gated(col: pa.Array) -> np.ndarray:
    """Gated codes (`GATED_CODES`; 3: any other value) from the distinct values, not a Python object per row."""
    if col.null_count == len(col):
        return np.zeros(len(col), np.int8)
    encoded = pc.dictionary_encode(col.cast(pa.string()))
    table = np.array([GATED_CODES.get(str(v).lower(), 3) for v in encoded.dictionary.to_pylist()] + [0], np.int8)
    indices = arrow_numpy(encoded.indices, np.int64, len(encoded.dictionary))  # null: the last entry (0)
    return table[indices]


def _private(col: pa.Array) -> np.ndarray:
    return arrow_numpy(col.cast(pa.int8()), np.int8, -1)


def _flags(n: int, source: ColumnSource, fields: dict[str, CodedField], tags: _Tags,
           params: np.ndarray) -> np.ndarray:  # fmt: skip
    """The `FLAG_BITS` of every row: has a license, has a card (known), has safetensors weights (the Hub's
    `safetensors` tag, or a parameter count from safetensors metadata), is a derivative (a `base_model:` tag)."""
    flags = np.zeros(n, np.uint8)
    flags[fields["license"].first1 > 0] |= FLAG_BITS["has_license"]
    flags[arrow_numpy(source.column("has_card"), np.int8, 0) > 0] |= FLAG_BITS["has_card"]
    flags[tags.rows_where(lambda t: t == "safetensors")] |= FLAG_BITS["safetensors"]
    flags[params >= 0] |= FLAG_BITS["safetensors"]
    flags[tags.rows_where(lambda t: t.startswith("base_model:"))] |= FLAG_BITS["derivative"]
    return flags


def sort_key(numbers: dict[str, np.ndarray], sort: Sort) -> np.ndarray:
    """The values a sort orders by, descending, as float64 or int64 where unknown values are lowest."""
    values = numbers[_SORT_COLUMN[sort]]
    if values.dtype.kind == "f":
        return np.where(np.isnan(values), -np.inf, values)
    return np.maximum(values, MISSING_TIME + 1)  # so that negating cannot overflow


def sort_order(key: np.ndarray) -> np.ndarray:
    """Rows by `key` descending, ties by row (= id) ascending."""
    distinct = distinct_sorted(np.sort(key))
    descending = (distinct.size - 1 - np.searchsorted(distinct, key)).astype(np.uint32)
    return stable_order(descending).astype(np.int32)


def sort_orders(kind: Kind, numbers: dict[str, np.ndarray], spill: Callable[[str, np.ndarray], np.ndarray]) -> tuple[
    dict[str, np.ndarray], dict[str, np.ndarray]
]:
    """For every sort of `kind`: the rows in its order, and each row's position in it (each handed to `spill`)."""
    orders, ranks = {}, {}
    for sort in SORTS_BY_KIND[kind]:
        order = sort_order(sort_key(numbers, sort))
        rank = np.empty(order.size, np.int32)
        rank[order] = np.arange(order.size, dtype=np.int32)
        orders[sort], ranks[sort] = spill(f"order__{sort}", order), spill(f"rank__{sort}", rank)
        del order, rank
    return orders, ranks


# --- the index ----------------------------------------------------------------------------------------------
def _load_array(path: Path) -> np.ndarray:
    """A saved array, memory-mapped read-only, as a plain ndarray (`np.memmap` indexing is slow in Python)."""
    try:
        return np.load(path, mmap_mode="r").view(np.ndarray)
    except ValueError:  # an empty array cannot be mapped
        return np.load(path)


class Spill:
    """Where a build puts finished arrays: with a folder, saved there at once and read back memory-mapped (so the
    build does not hold them); without one, kept in memory."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.saved: set[str] = set()
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str, array: np.ndarray) -> np.ndarray:
        if self.folder is None:
            return array
        path = self.folder / f"{name}.npy"
        np.save(path, np.ascontiguousarray(array))
        self.saved.add(name)
        return _load_array(path)

    def field(self, name: str, coded: CodedField) -> CodedField:
        if self.folder is None:
            return coded
        arrays = {k: self(f"field__{name}__{k}", v) for k, v in coded.arrays().items()}
        return CodedField.from_arrays(name, coded.multi, coded.none_count, arrays)


@dataclass
class KindIndex:
    """Everything a search over one kind reads. Arrays may be memory-mapped: never write to them."""

    kind: Kind
    n: int
    meta: dict[str, Any]
    ids: StringTable
    text: TextIndex
    numbers: dict[str, np.ndarray]
    orders: dict[str, np.ndarray]
    ranks: dict[str, np.ndarray]
    fields: dict[str, CodedField]
    descriptions: StringTable
    folder: Path | None = None  # where it was loaded from (its full-text file lives there too)
    #: Each row's document in the full-text file (its rowid there) when that is not the row itself: in a generation
    #: patched from an earlier one (`lib.catalog.patch`), whose full-text file was updated rather than rebuilt.
    doc_keys: np.ndarray | None = None
    saved: frozenset[str] = frozenset()  # arrays a build already wrote into `folder` (`save` skips them)

    # --- building -----------------------------------------------------------------------------------
    @classmethod
    def build(cls, kind: Kind, table: pa.Table | ColumnSource, meta: dict[str, Any],
              progress: Callable[[str], None], *, folder: Path | None = None) -> KindIndex:  # fmt: skip
        """An index of `table` (or a `ColumnSource`): columns `INDEX_COLUMNS`, ids unique and in ascending
        code-point order. With `folder`, each part is written there as soon as it is built and read back
        memory-mapped, and columns are read one at a time and freed: the build holds about one part at a time
        (`save(folder)` then writes only the rest)."""
        source = table if isinstance(table, ColumnSource) else TableColumns(table)
        n = source.n
        spill = Spill(folder)
        id_col = source.column("id")
        if n > 1 and not pc.all(pc.less(id_col.slice(0, n - 1), id_col.slice(1))).as_py():  # byte order
            raise ValueError("ids must be unique and sorted")
        progress("ids")
        ids = StringTable.from_arrow(id_col)
        ids = StringTable(spill("ids__blob", ids.blob), spill("ids__off", ids.offsets))
        authors = _authors(id_col, source.column("author"))
        author = spill.field("author", CodedField.build_coded("author", n, *_present(authors), multi=False))
        del authors
        progress("text")
        chunks = (id_col.slice(at, TEXT_CHUNK).to_pylist() for at in range(0, n, TEXT_CHUNK))
        text = TextIndex.build(chunks, chunked=True, folder=folder, prefix="text__")
        if folder is not None:
            spill.saved.update(f"text__{name}" for name in TEXT_ARRAYS)
        del id_col
        progress("numbers")
        numbers = {
            "downloads": _ints(source.column("downloads"), -1),
            "likes": _ints(source.column("likes"), -1),
            "trending": arrow_numpy(source.column("trending_score").cast(pa.float64()), np.float64, np.nan),
            "created": _times(source.column("created_at")),
            "updated": _times(source.column("last_modified")),
            "params": _ints(source.column("params"), -1),
        }
        gated_col = source.column("gated")
        numbers["gated"] = _gated(gated_col)
        numbers["private"] = _private(source.column("private"))
        held = {"gated": len(gated_col) - gated_col.null_count}  # rows that say whether they are gated
        del gated_col
        orders, ranks = sort_orders(kind, numbers, spill)
        progress("fields")
        tags = _Tags.read(batch.column(0) for batch in source.batches(["tags"], TAG_BATCH))
        fields = {"author": author}
        for spec in FIELDS[kind]:
            if spec.name != "author":
                coded = CodedField.build_coded(spec.name, n, *_field_pairs(kind, spec, source, tags),
                                               multi=spec.multi, countable=spec.name != "tag")  # fmt: skip
                fields[spec.name] = spill.field(spec.name, coded)
                del coded
        numbers["flags"] = _flags(n, source, fields, tags, numbers["params"])
        del tags
        has_card = source.column("has_card")
        held["has_card"] = len(has_card) - has_card.null_count
        del has_card
        numbers = {name: spill(f"num__{name}", values) for name, values in numbers.items()}
        descriptions = StringTable.from_arrow(pc.fill_null(source.column("description"), ""))
        descriptions = StringTable(spill("desc__blob", descriptions.blob), spill("desc__off", descriptions.offsets))
        return cls(kind, n, finished_meta(kind, n, meta, numbers, fields, held), ids, text, numbers, orders, ranks,
                   fields, descriptions, folder=folder, saved=frozenset(spill.saved))  # fmt: skip

    # --- saving and loading -------------------------------------------------------------------------
    def _arrays(self) -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {"ids__blob": self.ids.blob, "ids__off": self.ids.offsets,
                                         "desc__blob": self.descriptions.blob,
                                         "desc__off": self.descriptions.offsets}  # fmt: skip
        arrays.update({f"text__{k}": v for k, v in self.text.arrays().items()})
        arrays.update({f"num__{k}": v for k, v in self.numbers.items()})
        arrays.update({f"order__{k}": v for k, v in self.orders.items()})
        arrays.update({f"rank__{k}": v for k, v in self.ranks.items()})
        for name, coded in self.fields.items():
            arrays.update({f"field__{name}__{k}": v for k, v in coded.arrays().items()})
        if self.doc_keys is not None:
            arrays[DOC_KEYS] = self.doc_keys
        return arrays

    def save(self, folder: Path) -> None:
        """Write every array as `.npy` and the metadata as `meta.json` into `folder` (created)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, array in self._arrays().items():
            if name in self.saved and folder == self.folder:
                continue
            np.save(folder / f"{name}.npy", np.ascontiguousarray(array))
        self.save_meta(folder)

    def save_meta(self, folder: Path) -> None:
        """Write (or rewrite) `meta.json` atomically."""
        tmp = folder / "meta.json.tmp"
        tmp.write_text(json.dumps(self.meta, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, folder / "meta.json")

    @classmethod
    def load(cls, folder: Path) -> KindIndex:
        """Open a saved index; arrays are memory-mapped, so this reads only headers and `meta.json`."""
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("version") != INDEX_VERSION:
            raise ValueError(f"index version {meta.get('version')} is not {INDEX_VERSION}")
        arrays = {p.stem: _load_array(p) for p in folder.glob("*.npy")}
        kind: Kind = meta["kind"]

        def group(prefix: str) -> dict[str, np.ndarray]:
            return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}

        fields = {}
        for name, info in meta["fields"].items():
            fields[name] = CodedField.from_arrays(name, info["multi"], info["none_count"], group(f"field__{name}__"))
        text = group("text__")
        missing = set(TEXT_ARRAYS) - set(text)
        if missing:
            raise ValueError(f"index is missing {sorted(missing)}")
        return cls(
            kind=kind,
            n=int(meta["n"]),
            meta=meta,
            ids=StringTable(arrays["ids__blob"], arrays["ids__off"]),
            text=TextIndex(int(meta["n"]), text),
            numbers=group("num__"),
            orders=group("order__"),
            ranks=group("rank__"),
            fields=fields,
            descriptions=StringTable(arrays["desc__blob"], arrays["desc__off"]),
            folder=folder,
            doc_keys=arrays.get(DOC_KEYS),
        )

    # --- what the data holds -------------------------------------------------------------------------
    @property
    def coverage(self) -> dict[str, float]:
        """The share of rows (0..1) holding a value, per data field (`lib.sources.DATA_WORDS`): numbers, coded
        fields, gated flags and card information. Measured when the index is built; for an index built before
        that, measured now from the arrays (gated flags and card information then count as held when any row
        has one, since the arrays cannot tell "unknown" from "no")."""
        saved = self.meta.get("coverage")
        if saved is not None:
            return dict(saved)
        coverage = _coverage(self.n, self.numbers, self.fields)
        flags = self.numbers["flags"]
        coverage["gated"] = 1.0 if bool(np.any(self.numbers["gated"] > 0)) else 0.0
        coverage["has_card"] = 1.0 if bool(np.any(flags & FLAG_BITS["has_card"])) else 0.0
        self.meta["coverage"] = coverage
        return dict(coverage)

    # --- counting the non-field filters ---------------------------------------------------------------
    @cached_property
    def tally(self) -> np.ndarray:
        """Each row's tally code (see `TALLY_GATED`): its quality flags, whether it is gated and where its parameter
        count falls among the presets' edges. Computed once per opened index (2 bytes a row), not saved."""
        code = (self.numbers["flags"] & 15).astype(np.uint16)
        code[self.numbers["gated"] > 0] |= TALLY_GATED
        code |= param_position(self.numbers["params"]) << TALLY_POS_SHIFT
        return code

    @cached_property
    def joint(self) -> Joint:
        """The rows' combinations of the tally code and the first values of `JOINT_FIELDS` (see `Joint`), for
        counting them together. Computed once per opened index (4 bytes a row), not saved."""
        columns = [("tally", self.tally, TALLY_SIZE)]
        columns += [
            (name, f.first1, len(f.vocab) + 1) for name in JOINT_FIELDS if (f := self.fields.get(name)) is not None
        ]
        return Joint.build(columns, JOINT_BINS)

    # --- the full-text file's documents ----------------------------------------------------------------
    @cached_property
    def _rows_of_docs(self) -> np.ndarray:
        """The row of each document key (-1: none), from `doc_keys` (computed once)."""
        assert self.doc_keys is not None
        out = np.full(int(self.doc_keys.max()) + 1 if self.doc_keys.size else 0, -1, np.int64)
        out[self.doc_keys] = np.arange(self.n, dtype=np.int64)
        return out

    def doc_rows(self, keys: np.ndarray) -> np.ndarray:
        """The rows of full-text documents (their rowids)."""
        keys = np.asarray(keys, np.int64)
        return keys if self.doc_keys is None else self._rows_of_docs[keys]

    def doc_keys_of(self, rows: np.ndarray) -> np.ndarray:
        """The full-text documents (rowids) of rows."""
        rows = np.asarray(rows, np.int64)
        return rows if self.doc_keys is None else self.doc_keys[rows].astype(np.int64)

    # --- reading ------------------------------------------------------------------------------------
    def row_of(self, repo_id: str) -> int | None:
        """The row of an id, or None."""
        return self.ids.find(repo_id)

    def record(self, row: int) -> RepoRecord:
        """The record of one row, from the index alone."""
        return self.records(np.asarray([row], np.int64))[0]

    def records(self, rows: np.ndarray) -> list[RepoRecord]:
        """The records of some rows, from the index alone (the fields a result list shows), in that order.
        Columns are gathered once for all rows, so each record costs only its Python object."""
        rows = np.asarray(rows, np.int64)
        num = {name: self.numbers[name][rows].tolist() for name in _NUMBERS}
        fields = self.fields
        out: list[RepoRecord] = []
        for i, row in enumerate(rows.tolist()):
            common: dict[str, Any] = {
                "id": self.ids[row],
                "author": fields["author"].value_of(row),
                "created_at": _datetime(num["created"][i]),
                "last_modified": _datetime(num["updated"][i]),
                "private": None if num["private"][i] < 0 else bool(num["private"][i]),
                "gated": GATED_VALUES[num["gated"][i]],
                "downloads": None if num["downloads"][i] < 0 else num["downloads"][i],
                "likes": None if num["likes"][i] < 0 else num["likes"][i],
                "trending_score": None if num["trending"][i] != num["trending"][i] else num["trending"][i],  # NaN
                "tags": fields["tag"].values_of(row),
            }
            if self.kind == "models":
                params = num["params"][i]
                out.append(ModelRecord(
                    **common,
                    pipeline_tag=fields["task"].value_of(row),
                    library_name=fields["library"].value_of(row),
                    params=ParamCounts(by_dtype={}, total=params) if params >= 0 else None,
                ))  # fmt: skip
            elif self.kind == "datasets":
                out.append(DatasetRecord(**common, description=self.descriptions[row] or None))
            else:
                out.append(SpaceRecord(**common, sdk=fields["sdk"].value_of(row),
                                       hardware=fields["hardware"].value_of(row), **_space_uses(fields, row)))  # fmt: skip
        return out


def _space_uses(fields: dict[str, CodedField], row: int) -> dict[str, Any]:
    """A Space's stage and the models and datasets it uses (an index built before they were indexed has none)."""
    out: dict[str, Any] = {}
    if "stage" in fields:
        out["stage"] = fields["stage"].value_of(row)
    if "uses_model" in fields:
        out["models"] = fields["uses_model"].values_of(row)
    if "uses_dataset" in fields:
        out["datasets_used"] = fields["uses_dataset"].values_of(row)
    return out


def _share(n: int, held: int) -> float:
    return held / n if n else 0.0


def _coverage(n: int, numbers: dict[str, np.ndarray], fields: dict[str, CodedField]) -> dict[str, float]:
    """The share of rows holding each number (unknown values are sentinels) and each coded field."""
    out: dict[str, float] = {}
    for name in ("downloads", "likes", "params"):
        out[name] = _share(n, int(np.count_nonzero(numbers[name] >= 0)))
    out["trending"] = _share(n, int(np.count_nonzero(~np.isnan(numbers["trending"]))))
    for name in ("created", "updated"):
        out[name] = _share(n, int(np.count_nonzero(numbers[name] != MISSING_TIME)))
    for name, coded in fields.items():
        out[name] = _share(n, n - coded.none_count)
    return out


def finished_meta(kind: Kind, n: int, meta: dict[str, Any], numbers: dict[str, np.ndarray],
                  fields: dict[str, CodedField], held: dict[str, int]) -> dict[str, Any]:  # fmt: skip
    """`meta` with what a built index says of itself: its format, size, fields, the sorts its data can answer and
    its coverage. `held`: how many rows say whether they are gated and whether they have a card (the arrays cannot
    tell "unknown" from "no")."""
    coverage = _coverage(n, numbers, fields)
    coverage.update({name: _share(n, count) for name, count in held.items()})
    out = dict(meta)
    out.update(
        version=INDEX_VERSION,
        kind=kind,
        n=n,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        fields={name: {"multi": f.multi, "none_count": f.none_count} for name, f in fields.items()},
        sorts_known=[s for s in SORTS_BY_KIND[kind] if _known(numbers[_SORT_COLUMN[s]])],
        coverage=coverage,
    )
    return out


def _known(values: np.ndarray) -> bool:
    if values.dtype.kind == "f":
        return bool(np.any(~np.isnan(values)))
    return bool(np.any(values > MISSING_TIME)) and bool(np.any(values >= 0))


def _datetime(micros: int) -> datetime | None:
    if micros == MISSING_TIME:
        return None
    return _EPOCH + timedelta(microseconds=micros)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
