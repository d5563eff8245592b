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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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

#: Bits of the per-row `flags` number, for the quality toggles of `SearchQuery`.
FLAG_BITS: dict[str, int] = {"has_license": 1, "has_card": 2, "safetensors": 4, "derivative": 8}

#: The per-row tally code (`KindIndex.tally`): bits 0-3 the `FLAG_BITS`, bit 4 gated, bits 5-8 where the parameter
#: count falls among `PARAM_EDGES` (`param_position`). Counting the quality toggles, gated and every parameter preset
#: over any rows is then one `np.bincount` of these codes (`TALLY_SIZE` bins).
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
    """Every (row, tag) pair, with tags dictionary-coded once so that prefixes are checked per distinct tag."""

    rows: np.ndarray
    values: pa.Array
    vocab: list[str]
    codes: np.ndarray

    @classmethod
    def of(cls, tags: pa.Array) -> _Tags:
        rows, values = _list_pairs(tags)
        vocab, codes = encode_strings(values)
        return cls(rows, values, vocab, codes)

    def derive(self, pick: Callable[[str], str | None]) -> tuple[np.ndarray, pa.Array]:
        mapped = [pick(t) for t in self.vocab]
        keep_code = np.array([m is not None for m in mapped], bool)
        if not keep_code.size:
            return np.zeros(0, np.int64), pa.array([], pa.string())
        keep = keep_code[self.codes]
        derived = pa.array([m or "" for m in mapped], pa.string())
        return self.rows[keep], derived.take(pa.array(self.codes[keep]))


def _authors(ids: pa.Array, explicit: pa.Array) -> pa.Array:
    """The part of the id before `/`; for legacy ids without one, the `author` field (or null)."""
    parts = pc.split_pattern(ids, "/", max_splits=1)
    has_slash = pc.greater(pc.list_value_length(parts), 1)
    head = pc.list_element(parts, 0)
    return pc.if_else(has_slash, head, explicit)


def _concat_pairs(parts: list[tuple[np.ndarray, pa.Array]]) -> tuple[np.ndarray, pa.Array]:
    rows = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    values = pa.concat_arrays([p[1].cast(pa.string()) for p in parts]) if parts else pa.array([], pa.string())
    order = stable_order(rows)
    return rows[order], values.take(pa.array(order))


def _field_pairs(kind: Kind, spec: FieldSpec, table: pa.Table, tags: _Tags, authors: pa.Array) -> tuple[
    np.ndarray, pa.Array
]:
    """(rows, values) of one field, rows ascending."""
    if spec.name == "author":
        source = authors
    elif spec.name == "tag":
        return tags.rows, tags.values
    elif (kind, spec.name) in _FROM_LIST:
        return _list_pairs(_column(table, _FROM_LIST[(kind, spec.name)]))
    elif (kind, spec.name) in _FROM_COLUMN:
        source = _column(table, _FROM_COLUMN[(kind, spec.name)])
    else:
        parts = [tags.derive(_FROM_TAGS[(kind, spec.name)])]
        if spec.name in _FROM_CARD:
            parts.append(_list_pairs(_column(table, _FROM_CARD[spec.name])))
        return _concat_pairs(parts)
    valid = pc.and_(pc.is_valid(source), pc.not_equal(pc.utf8_length(source), 0))
    valid = pc.fill_null(valid, False)
    rows = np.flatnonzero(arrow_numpy(valid, bool))
    return rows, source.filter(valid)


# --- numbers ----------------------------------------------------------------------------------------------
def _ints(table: pa.Table, name: str, missing: int) -> np.ndarray:
    return arrow_numpy(_column(table, name), np.int64, missing)


def _times(table: pa.Table, name: str) -> np.ndarray:
    col = _column(table, name).cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    return arrow_numpy(col, np.int64, MISSING_TIME)


def _gated(table: pa.Table) -> np.ndarray:
    values = _column(table, "gated").to_pylist()
    codes = [0 if v is None else GATED_CODES.get(str(v).lower(), 3) for v in values]
    return np.asarray(codes, np.int8)


def _private(table: pa.Table) -> np.ndarray:
    col = _column(table, "private").cast(pa.int8())
    return arrow_numpy(col, np.int8, -1)


def _flags(table: pa.Table, fields: dict[str, CodedField], tags: _Tags) -> np.ndarray:
    """The `FLAG_BITS` of every row: has a license, has a card (known), has safetensors weights (the Hub's
    `safetensors` tag, or a parameter count from safetensors metadata), is a derivative (a `base_model:` tag)."""
    n = table.num_rows
    flags = np.zeros(n, np.uint8)
    flags[fields["license"].first1 > 0] |= FLAG_BITS["has_license"]
    flags[arrow_numpy(_column(table, "has_card"), np.int8, 0) > 0] |= FLAG_BITS["has_card"]
    safetensors_rows, _ = tags.derive(lambda t: t if t == "safetensors" else None)
    flags[safetensors_rows] |= FLAG_BITS["safetensors"]
    flags[arrow_numpy(_column(table, "params"), np.int64, -1) >= 0] |= FLAG_BITS["safetensors"]
    derived_rows, _ = tags.derive(lambda t: t if t.startswith("base_model:") else None)
    flags[derived_rows] |= FLAG_BITS["derivative"]
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


# --- the index ----------------------------------------------------------------------------------------------
def _load_array(path: Path) -> np.ndarray:
    """A saved array, memory-mapped read-only, as a plain ndarray (`np.memmap` indexing is slow in Python)."""
    try:
        return np.load(path, mmap_mode="r").view(np.ndarray)
    except ValueError:  # an empty array cannot be mapped
        return np.load(path)


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

    # --- building -----------------------------------------------------------------------------------
    @classmethod
    def build(cls, kind: Kind, table: pa.Table, meta: dict[str, Any], progress: Callable[[str], None]) -> KindIndex:
        """An index of `table`: columns `INDEX_COLUMNS`, ids unique and in ascending code-point order."""
        n = table.num_rows
        id_list: list[str] = _column(table, "id").to_pylist()
        if any(a >= b for a, b in pairwise(id_list)):
            raise ValueError("ids must be unique and sorted")
        progress("ids")
        ids = StringTable.from_arrow(_column(table, "id"))
        progress("text")
        text = TextIndex.build(id_list)
        del id_list
        progress("numbers")
        numbers = {
            "downloads": _ints(table, "downloads", -1),
            "likes": _ints(table, "likes", -1),
            "trending": arrow_numpy(_column(table, "trending_score").cast(pa.float64()), np.float64, np.nan),
            "created": _times(table, "created_at"),
            "updated": _times(table, "last_modified"),
            "params": _ints(table, "params", -1),
            "gated": _gated(table),
            "private": _private(table),
        }
        orders, ranks = {}, {}
        for sort in SORTS_BY_KIND[kind]:
            order = sort_order(sort_key(numbers, sort))
            rank = np.empty(n, np.int32)
            rank[order] = np.arange(n, dtype=np.int32)
            orders[sort], ranks[sort] = order, rank
        progress("fields")
        tags = _Tags.of(_column(table, "tags"))
        authors = _authors(_column(table, "id"), _column(table, "author"))
        fields = {
            spec.name: CodedField.build(
                spec.name, n, *_field_pairs(kind, spec, table, tags, authors), multi=spec.multi,
                countable=spec.name != "tag",
            )
            for spec in FIELDS[kind]
        }
        numbers["flags"] = _flags(table, fields, tags)
        coverage = _coverage(n, numbers, fields)
        coverage.update({name: _share(n, int(pc.sum(pc.is_valid(_column(table, name))).as_py() or 0))
                         for name in ("gated", "has_card")})  # fmt: skip
        descriptions = StringTable.from_arrow(pc.fill_null(_column(table, "description"), ""))
        meta = dict(meta)
        meta.update(
            version=INDEX_VERSION,
            kind=kind,
            n=n,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            fields={name: {"multi": f.multi, "none_count": f.none_count} for name, f in fields.items()},
            sorts_known=[s for s in SORTS_BY_KIND[kind] if _known(numbers[_SORT_COLUMN[s]])],
            coverage=coverage,
        )
        return cls(kind, n, meta, ids, text, numbers, orders, ranks, fields, descriptions)

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
        return arrays

    def save(self, folder: Path) -> None:
        """Write every array as `.npy` and the metadata as `meta.json` into `folder` (created)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, array in self._arrays().items():
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
    def tally_all(self) -> np.ndarray:
        """`np.bincount` of `tally` over every row (computed once)."""
        return np.bincount(self.tally, minlength=TALLY_SIZE)

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


def _known(values: np.ndarray) -> bool:
    if values.dtype.kind == "f":
        return bool(np.any(~np.isnan(values)))
    return bool(np.any(values > MISSING_TIME)) and bool(np.any(values >= 0))


def _datetime(micros: int) -> datetime | None:
    if micros == MISSING_TIME:
        return None
    return _EPOCH + timedelta(microseconds=micros)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
