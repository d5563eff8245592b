"""A new index generation made from the live one and the few repos a refresh or sync wrote since it was built.

A full build reads every row of the store: at today's Hub size (3M models) about 35 s for the index and a minute for
the full-text file. A refresh brings a few thousand repos. So when the live generation records the store's mark
(`Store.mark`) and the store holds exactly its repos plus the new ones (nothing was removed), the next generation is
*patched*: the changed rows are indexed on their own (`KindIndex.build` of a small table) and merged into the live
generation's arrays, and its full-text file is copied and updated (`fulltext.patch`). The result is the index a full
build would make (the tests compare the two array by array), except for `KindIndex.doc_keys`: the full-text
documents keep their keys, and new repos get keys after the last one.

Rows stay in id order, so every repo after a new id moves down a row: `Placement` says where each old row and each
changed repo lands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from lib.catalog import fulltext
from lib.catalog.fields import CodedField, StringTable
from lib.catalog.index import (
    FIELDS,
    INDEX_VERSION,
    TEXT_CHUNK,
    ColumnSource,
    KindIndex,
    Spill,
    TableColumns,
    finished_meta,
    sort_orders,
)
from lib.catalog.textindex import ARRAY_NAMES as TEXT_ARRAYS
from lib.catalog.textindex import TextIndex

#: A generation is patched when the changed repos are at most this share of it: beyond, indexing them on their own
#: and updating the full-text file document by document come near the cost of a full build.
MAX_SHARE = 0.25


@dataclass(frozen=True)
class Placement:
    """Where rows land when some values are merged into a sorted table of `len(kept)` (rows of a generation, or a
    field's vocabulary): `n` rows in all; each old row's new row (`kept`, ascending); each merged value's new row
    (`changed`, ascending, in the merged values' order); which merged values the table held (`present`) and the old
    rows they replace (`replaced`)."""

    n: int
    kept: np.ndarray
    changed: np.ndarray
    present: np.ndarray
    replaced: np.ndarray

    @property
    def added(self) -> int:
        return int(self.changed.size - self.replaced.size)


def place(old: StringTable, values: list[str]) -> Placement:
    """The placement of `values` (sorted, unique) among the strings of `old` (each found by binary search: cheap for
    a refresh's thousands, never a pass of Python over the old table)."""
    n_old = len(old)
    found = [old.lower_bound(value) for value in values]
    present = np.array([at < n_old and old[at] == value for at, value in zip(found, values, strict=True)], bool)
    at = np.asarray(found, np.int64).reshape(-1)
    inserted = at[~present]  # the old row each new value goes before (non-decreasing)
    kept = np.arange(n_old, dtype=np.int64) + np.searchsorted(inserted, np.arange(n_old), side="right")
    changed = np.empty(len(values), np.int64)
    changed[present] = kept[at[present]]
    changed[~present] = inserted + np.arange(inserted.size)
    return Placement(n=n_old + int(inserted.size), kept=kept, changed=changed, present=present, replaced=at[present])


def _scatter(old: np.ndarray, new: np.ndarray, where: Placement) -> np.ndarray:
    out = np.empty(where.n, old.dtype)
    out[where.kept] = old
    out[where.changed] = new
    return out


def _arrow(table: StringTable) -> pa.Array:
    """A string table as an Arrow array over the same bytes (no copy)."""
    return pa.LargeStringArray.from_buffers(len(table), pa.py_buffer(np.ascontiguousarray(table.offsets, np.int64)),
                                            pa.py_buffer(np.ascontiguousarray(table.blob)))  # fmt: skip


def _merged(old: StringTable, new: StringTable, where: Placement) -> pa.Array:
    """A string per row of the placement: the old rows' and the merged ones' (Arrow's `take` copies the bytes)."""
    source = np.empty(where.n, np.int64)
    source[where.kept] = np.arange(len(old))
    source[where.changed] = len(old) + np.arange(len(new))
    return pa.concat_arrays([_arrow(old), _arrow(new)]).take(pa.array(source))


def _pairs(coded: CodedField, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, code) of every value a field gives its `n` rows, rows ascending, each row's values in their order."""
    if coded.multi:
        assert coded.fwd_off is not None and coded.fwd_val is not None
        return np.repeat(np.arange(n, dtype=np.uint32), np.diff(coded.fwd_off)), np.asarray(coded.fwd_val, np.int32)
    rows = np.flatnonzero(coded.first1).astype(np.uint32)
    return rows, (coded.first1[rows] - 1).astype(np.int32)


def _field(old: CodedField, new: CodedField, where: Placement, *, countable: bool) -> CodedField:
    """A field's pairs: the old rows' (but those replaced), moved to their new rows, and the changed repos', coded
    over both vocabularies merged, less the values no row holds any more (as a full build would have it)."""
    rows_old, codes_old = _pairs(old, where.kept.size)
    if where.replaced.size:
        gone = np.zeros(where.kept.size, bool)
        gone[where.replaced] = True
        keep = ~gone[rows_old]
        rows_old, codes_old = rows_old[keep], codes_old[keep]
    rows_old = where.kept[rows_old]
    rows_new, codes_new = _pairs(new, where.changed.size)
    rows_new = where.changed[rows_new]
    values = place(old.vocab, new.vocab.decoded())
    codes_old = values.kept.astype(np.int32)[codes_old]
    codes_new = values.changed.astype(np.int32)[codes_new]
    # merged by row: the two never share a row, and each is ascending
    at = np.searchsorted(rows_old, rows_new, side="left") + np.arange(rows_new.size)
    from_old = np.ones(rows_old.size + rows_new.size, bool)
    from_old[at] = False
    rows = np.empty(from_old.size, np.uint32)
    codes = np.empty(from_old.size, np.int32)
    rows[at], codes[at] = rows_new, codes_new
    rows[from_old], codes[from_old] = rows_old, codes_old
    del rows_old, codes_old, from_old
    vocab = _merged(old.vocab, new.vocab, values)
    used = np.bincount(codes, minlength=values.n) > 0
    if not used.all():  # values only the replaced rows held
        vocab = vocab.filter(pa.array(used))
        codes = (np.cumsum(used) - 1).astype(np.int32)[codes]
    return CodedField.build_coded(old.name, where.n, rows, vocab.to_pylist(), codes, multi=old.multi,
                                  countable=countable)  # fmt: skip


def patch(previous: KindIndex, changed: pa.Table, where: Placement, meta: dict[str, Any], held: dict[str, int],
          folder: Path, progress: Callable[[str], None]) -> KindIndex:  # fmt: skip
    """The generation `previous` with the rows of `changed` (`Store.changed_since`: `INDEX_COLUMNS` and the card
    text, id order; `where`: their `place` among its ids) put in, written into `folder` (its full-text file
    included); `held` as `Store.held`."""
    kind = previous.kind
    small = KindIndex.build(kind, changed, meta, lambda step: None)
    spill = Spill(folder)
    progress("ids")
    id_array = _merged(previous.ids, small.ids, where)
    ids = StringTable.from_arrow(id_array)
    ids = StringTable(spill("ids__blob", ids.blob), spill("ids__off", ids.offsets))
    progress("text")
    chunks = (id_array.slice(at, TEXT_CHUNK).to_pylist() for at in range(0, where.n, TEXT_CHUNK))
    text = TextIndex.build(chunks, chunked=True, folder=folder, prefix="text__")
    spill.saved.update(f"text__{name}" for name in TEXT_ARRAYS)
    del id_array
    progress("numbers")
    numbers = {name: spill(f"num__{name}", _scatter(values, small.numbers[name], where))
               for name, values in previous.numbers.items()}  # fmt: skip
    orders, ranks = sort_orders(kind, numbers, spill)
    progress("fields")
    fields = {}
    for spec in FIELDS[kind]:
        fields[spec.name] = spill.field(spec.name, _field(previous.fields[spec.name], small.fields[spec.name], where,
                                                          countable=spec.name != "tag"))  # fmt: skip
    descriptions = StringTable.from_arrow(_merged(previous.descriptions, small.descriptions, where))
    descriptions = StringTable(spill("desc__blob", descriptions.blob), spill("desc__off", descriptions.offsets))
    progress("full text")
    old_keys = previous.doc_keys_of(np.arange(previous.n))
    keys = np.empty(where.n, np.int64)
    keys[where.kept] = old_keys
    first_new = int(old_keys.max()) + 1 if old_keys.size else 0
    keys[where.changed[~where.present]] = first_new + np.arange(where.added)
    assert previous.folder is not None
    docs = _changed_docs(TableColumns(changed), keys[where.changed])
    taken, put = fulltext.patch(previous.folder / fulltext.FILE_NAME, folder / fulltext.FILE_NAME,
                                old_keys[where.replaced], docs)  # fmt: skip
    out_meta = finished_meta(kind, where.n, meta, numbers, fields, held)
    out_meta.update(fulltext_docs=int(previous.meta.get("fulltext_docs", 0)) - taken + put,
                    fulltext_format=fulltext.FORMAT,
                    patched={"from": previous.folder.name, "changed": int(where.changed.size), "added": where.added})  # fmt: skip
    identity = bool(np.array_equal(keys, np.arange(where.n)))
    index = KindIndex(kind, where.n, out_meta, ids, text, numbers, orders, ranks, fields, descriptions, folder=folder,
                      saved=frozenset(spill.saved), doc_keys=None if identity else keys.astype(np.int32))  # fmt: skip
    index.save(folder)
    return index


def patchable(previous: KindIndex, changed_rows: int) -> bool:
    """Whether `previous` can be patched with `changed_rows` repos: built by this version with every field of its
    kind, its full-text file of this format there, and few enough changes."""
    meta = previous.meta
    return (
        meta.get("version") == INDEX_VERSION
        and bool(meta.get("store_mark"))
        and meta.get("fulltext_format") == fulltext.FORMAT
        and previous.folder is not None
        and (previous.folder / fulltext.FILE_NAME).exists()
        and all(spec.name in previous.fields for spec in FIELDS[previous.kind])
        and changed_rows <= MAX_SHARE * previous.n
    )


def _changed_docs(source: ColumnSource, keys: np.ndarray) -> Iterator[tuple[object, ...]]:
    """The changed repos' full-text documents, under their keys."""
    return ((int(keys[row]), *texts) for row, *texts in fulltext.documents(source))
