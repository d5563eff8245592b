"""Substring index over repo ids: which rows contain a piece of text, case-insensitively, without a scan.

The Hub's `search` matches a case-insensitive literal substring of the id. A scan of 760k ids costs 20-30 ms here,
so the catalog answers from an index instead:

* ``blob``: every id, case-folded and UTF-8 encoded, each followed by a ``0`` byte (ids never contain one), then
  four more zero bytes of padding. Row ``r``'s bytes start at ``starts[r]``.
* A *4-byte key* for every byte of every id: the four bytes starting there, cut at the end of the id (bytes after
  the ``0`` become ``0``), read big-endian. All these entries are sorted by (key, row, offset in the row) and
  stored as two columns, ``sa_row`` and ``sa_off``. A pattern of 1 to 4 bytes is then one contiguous range of
  keys, found by binary search, and its rows are a slice of ``sa_row`` (sorted within each key).
* Longer patterns are covered by 4-byte grams at offsets 0, 4, 8, ... and ``m - 4``. The rarest gram's range
  gives candidate start positions; the other grams are compared with the bytes of ``blob`` at those positions,
  all vectorised. No gram can contain the ``0`` that ends an id, so a candidate that passes is an exact match.

Sorting (key, row, offset) packed into one uint64 needs ``bits(rows) + bits(longest id) <= 32``: 4 million ids of
up to 1,023 bytes, or more rows of shorter ids (3 million ids fit when the longest is under 1,024 bytes; 8 million
when it is under 512).

The entries are sorted in two passes, since the key's first byte is the sort's first byte: runs of rows (about
`BUCKET_ENTRIES` entries each) are packed, sorted and split by ranges of first bytes (buckets) into scratch files;
then each bucket is sorted whole, and the buckets in byte order are the sorted list. So the build holds the folded
text and one run or bucket, never a 64-bit entry per byte of id text; with a `folder`, each bucket's `sa_row` and
`sa_off` are appended to their `.npy` files, and the index reads them back memory-mapped.

Case-insensitive means Unicode case folding of both sides (``str.casefold``), so ``"ß"`` finds ``"SS"``. Every
character of the text, ``%``, ``_``, quotes, backslashes and regex syntax included, is matched as itself.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

_PAD = 4
ARRAY_NAMES = ("blob", "starts", "sa_row", "sa_off", "off_bits")
#: Entries sorted at once while building (see the module's docstring): about 40 bytes each in temporaries.
BUCKET_ENTRIES = 4_000_000


def fold(text: str) -> bytes:
    """The byte form a text is matched in: case-folded UTF-8 (unencodable characters replaced)."""
    return text.casefold().encode("utf-8", errors="replace")


@dataclass(frozen=True)
class TextHits:
    """The rows a text lookup found. ``rows`` may repeat or be unordered unless ``sorted_unique``."""

    rows: np.ndarray
    sorted_unique: bool


def _fold_blob(chunks: Iterable[Sequence[str]]) -> np.ndarray:
    """The folded ids (given in chunks, in row order) joined by ``0`` bytes (and one after the last), padded with
    `_PAD` zero bytes. Folded a chunk at a time, so that no Python string of every id exists."""
    pieces = [fold("\0".join(i.replace("\0", "\ufffd") for i in chunk) + "\0") for chunk in chunks if len(chunk)]
    out = np.zeros(sum(len(p) for p in pieces) + _PAD, np.uint8)
    at = 0
    for i, piece in enumerate(pieces):
        out[at : at + len(piece)] = np.frombuffer(piece, np.uint8)
        at += len(piece)
        pieces[i] = b""
    return out


def _packed_run(blob: np.ndarray, lo: int, hi: int, low: np.ndarray) -> np.ndarray:
    """``key << 32 | low`` for the byte positions ``lo..hi-1`` of `blob` (uint64): the key is the four bytes
    starting there, cut at the id's end (bytes after the ``0`` become ``0``), read big-endian."""
    packed = blob[lo:hi].astype(np.uint64)
    packed <<= np.uint64(56)
    alive = blob[lo:hi] != 0  # still inside the id at this byte
    for i, shift in ((1, 48), (2, 40), (3, 32)):
        byte = blob[lo + i : hi + i]
        alive &= byte != 0
        packed |= (byte * alive).astype(np.uint64) << np.uint64(shift)
    packed |= low
    return packed


def _buckets(counts: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Ranges [lo, hi) of byte values 1..255 holding at most `limit` positions each (or a single value)."""
    out: list[tuple[int, int]] = []
    lo, total = 1, 0
    for value in range(1, 256):
        if total and total + int(counts[value]) > limit:
            out.append((lo, value))
            lo, total = value, 0
        total += int(counts[value])
    if total:
        out.append((lo, 256))
    return out


class _NpyWriter:
    """A 1-d `.npy` file of known length and dtype, written a piece at a time with plain writes."""

    def __init__(self, path: Path, dtype: np.dtype, length: int) -> None:
        self.path, self.dtype, self.length, self.written = path, np.dtype(dtype), length, 0
        self.fh: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed in `close`
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False, "shape": (length,)}
        np.lib.format.write_array_header_1_0(self.fh, header)

    def write(self, values: np.ndarray) -> None:
        np.ascontiguousarray(values, self.dtype).tofile(self.fh)
        self.written += values.size

    def close(self) -> None:
        self.fh.close()
        if self.written != self.length:  # pragma: no cover - a bug, not a data problem
            raise ValueError(f"{self.path.name}: wrote {self.written} of {self.length} entries")


def _mapped(path: Path) -> np.ndarray:
    """A saved array, memory-mapped read-only (an empty one read whole: it cannot be mapped)."""
    try:
        return np.load(path, mmap_mode="r").view(np.ndarray)
    except ValueError:
        return np.load(path)


def _sorted_unique(rows: np.ndarray) -> np.ndarray:
    """The distinct values of an ascending array."""
    if rows.size < 2:
        return rows
    return rows[np.concatenate(([True], rows[1:] != rows[:-1]))]


class TextIndex:
    """Which rows' ids contain a text. Built once from the ids in row order; loaded from arrays (mmap-able)."""

    def __init__(self, n: int, arrays: dict[str, np.ndarray]) -> None:
        self.n = n
        self.blob = arrays["blob"]
        self.starts = arrays["starts"]
        self.sa_row = arrays["sa_row"]
        self.sa_off = arrays["sa_off"]
        self.off_bits = arrays["off_bits"]
        # Python-level views for the binary search: indexing these costs far less than numpy scalars.
        self._bytes = memoryview(np.ascontiguousarray(self.blob)).cast("B")
        self._start_of = memoryview(np.ascontiguousarray(self.starts, np.int64)).cast("B").cast("q")
        self._rows = memoryview(np.ascontiguousarray(self.sa_row)).cast("B").cast("I")
        self._offs = memoryview(np.ascontiguousarray(self.sa_off)).cast("B").cast(self.sa_off.dtype.char)
        # The four bytes at every position as one number (an overlapping, unaligned, little-endian view).
        self._words = np.ndarray((max(self.blob.size - 3, 0),), "<u4", buffer=self.blob, strides=(1,))

    # --- building -----------------------------------------------------------------------------------
    @classmethod
    def build(cls, ids: Sequence[str] | Iterable[Sequence[str]], *, chunked: bool = False, folder: Path | None = None,
              prefix: str = "", bucket_entries: int = BUCKET_ENTRIES) -> TextIndex:  # fmt: skip
        """Index `ids` (row ``i`` is ``ids[i]``; with `chunked`, `ids` is an iterable of lists of ids, in row order).

        With `folder`, the arrays are written there as ``{prefix}{name}.npy`` and read back memory-mapped. Peak
        memory is the folded text and one run or bucket of entries (about `BUCKET_ENTRIES`, ~40 bytes each; a
        byte value more common than that is one bucket), plus the sorted entries (6 bytes a byte of id text) when
        no `folder` is given. The entries pass through scratch files (8 bytes each) in `folder` (or a temporary
        folder): written by the operating system's page cache, not held by the process."""
        blob = _fold_blob(ids if chunked else [ids])  # type: ignore[list-item]
        size = blob.size - _PAD
        ends = np.flatnonzero(blob[:size] == 0)
        n = ends.size
        starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64) if n else np.zeros(0, np.int64)
        lengths = ends - starts + 1  # with the 0 after each id
        off_bits = max(1, int(lengths.max() - 1).bit_length()) if n else 1
        row_bits = max(1, (n - 1).bit_length())
        if row_bits + off_bits > 32:
            raise ValueError(f"{n:,} ids of up to {int(lengths.max()):,} bytes do not fit the substring index")
        del lengths
        off_dtype = np.dtype(np.uint16 if off_bits <= 16 else np.uint32)
        entries = size - n  # every byte position but the 0 after each id
        counts = np.zeros(256, np.int64)  # per byte value; `np.bincount` of the whole text would make it int64
        for at in range(0, size, 1 << 24):
            counts += np.bincount(blob[at : min(size, at + (1 << 24))], minlength=256)
        buckets = _buckets(counts, bucket_entries)
        bounds = np.array([lo for lo, _ in buckets], np.uint64) << np.uint64(56)  # each bucket's first key
        if folder is not None:  # closed below; on an error, the caller removes the folder (files and all)
            out_row = _NpyWriter(folder / f"{prefix}sa_row.npy", np.dtype(np.uint32), entries)
            out_off = _NpyWriter(folder / f"{prefix}sa_off.npy", off_dtype, entries)
        else:
            sa_row, sa_off = np.empty(entries, np.uint32), np.empty(entries, off_dtype)
        mask = np.uint32((1 << off_bits) - 1)
        with tempfile.TemporaryDirectory(prefix="textindex-", dir=folder) as scratch:
            # Pass 1, in row order: each run of rows' entries, sorted, split by bucket and appended to its file.
            files = [open(Path(scratch) / f"b{i}", "wb") for i in range(len(buckets))]  # noqa: SIM115
            try:
                row = 0
                while row < n:
                    last = int(np.searchsorted(ends, int(starts[row]) + bucket_entries, side="right"))
                    last = min(n, max(last, row + 1))
                    lo_pos, hi_pos = int(starts[row]), int(ends[last - 1]) + 1
                    rows = np.arange(row, last, dtype=np.uint32)
                    spans = (ends[row:last] - starts[row:last] + 1).astype(np.int64)
                    low = np.arange(lo_pos, hi_pos, dtype=np.int64)
                    low -= np.repeat(starts[row:last], spans)  # offset in the row
                    low = low.astype(np.uint32)
                    low |= np.repeat(rows << np.uint32(off_bits), spans)
                    packed = _packed_run(blob, lo_pos, hi_pos, low)
                    del low
                    packed.sort()
                    # entries before bounds[0]: the 0 after each id (key 0)
                    cuts = np.append(np.searchsorted(packed, bounds), packed.size)
                    for i, f in enumerate(files):
                        packed[cuts[i] : cuts[i + 1]].tofile(f)
                    del packed
                    row = last
            finally:
                for f in files:
                    f.close()
            # Pass 2, in key order: each bucket sorted whole; the buckets in order are the sorted entries.
            done = 0
            for i in range(len(buckets)):
                path = Path(scratch) / f"b{i}"
                packed = np.fromfile(path, np.uint64)
                path.unlink()
                packed.sort()
                entry = packed.astype(np.uint32)  # the low 32 bits
                del packed
                offs = (entry & mask).astype(off_dtype)
                entry >>= np.uint32(off_bits)
                if folder is not None:
                    out_row.write(entry)
                    out_off.write(offs)
                else:
                    sa_row[done : done + entry.size] = entry
                    sa_off[done : done + entry.size] = offs
                done += entry.size
                del entry, offs
        arrays = {"blob": blob, "starts": starts, "off_bits": np.array([off_bits], np.int64)}
        if folder is not None:
            out_row.close()
            out_off.close()
            for name, array in arrays.items():
                np.save(folder / f"{prefix}{name}.npy", array)
            del blob, starts
            arrays = {name: _mapped(folder / f"{prefix}{name}.npy") for name in ARRAY_NAMES}
        else:
            arrays.update(sa_row=sa_row, sa_off=sa_off)
        return cls(n, arrays)

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays to save; `TextIndex(n, arrays)` rebuilds the index from them."""
        return {name: getattr(self, name) for name in ARRAY_NAMES}

    # --- lookup -------------------------------------------------------------------------------------
    def _key_at(self, entry: int) -> int:
        """The 4-byte key of one sorted entry, computed from the bytes (cut at the id's end)."""
        position = self._start_of[self._rows[entry]] + self._offs[entry]
        chunk = bytes(self._bytes[position : position + 4])
        end = chunk.find(0)
        if end >= 0:
            chunk = chunk[:end].ljust(4, b"\0")
        return int.from_bytes(chunk, "big")

    def _lower_bound(self, key: int) -> int:
        """The first sorted entry whose key is >= `key` (binary search over the blob)."""
        lo, hi = 0, self.sa_row.size
        while lo < hi:
            mid = (lo + hi) // 2
            if self._key_at(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _key_range(self, pattern: bytes) -> tuple[int, int]:
        """The slice of sorted entries whose text starts with `pattern` (1 to 4 bytes)."""
        width = 4 - len(pattern)
        lo_key = int.from_bytes(pattern + b"\0" * width, "big")
        hi_key = lo_key + (1 << (8 * width))
        lo = self._lower_bound(lo_key)
        hi = self._lower_bound(hi_key) if hi_key < 1 << 32 else self.sa_row.size
        return lo, hi

    def find(self, text: str) -> TextHits | None:
        """The rows whose id contains `text`; None when `text` is empty (every row matches)."""
        if not text:
            return None
        pattern = fold(text)
        if b"\0" in pattern:
            return TextHits(np.empty(0, np.uint32), True)
        if len(pattern) < 4:  # a range of keys: rows sorted within each key only
            lo, hi = self._key_range(pattern)
            return TextHits(self.sa_row[lo:hi], False)
        if len(pattern) == 4:  # one key: rows ascending, repeated when the key occurs twice in an id
            lo, hi = self._key_range(pattern)
            return TextHits(_sorted_unique(self.sa_row[lo:hi]), True)
        return TextHits(self._find_long(pattern), True)

    def _find_long(self, pattern: bytes) -> np.ndarray:
        """Sorted unique rows containing a pattern of 5 bytes or more."""
        m = len(pattern)
        offsets = sorted(set(range(0, m - 3, 4)) | {m - 4})
        ranges = {k: self._key_range(pattern[k : k + 4]) for k in offsets}
        rarest = min(offsets, key=lambda k: ranges[k][1] - ranges[k][0])
        lo, hi = ranges[rarest]
        if lo == hi:
            return np.empty(0, np.uint32)
        rows = self.sa_row[lo:hi]
        in_row = self.sa_off[lo:hi].astype(np.int64) - rarest
        keep = in_row >= 0  # the pattern cannot start before its id
        starts = self.starts[rows] + np.maximum(in_row, 0)
        last = self._words.size - 1
        for k in offsets:
            if k == rarest:
                continue
            # A gram has no 0 byte, so equal raw bytes mean the same id too: no cut needed.
            keep &= self._words[np.minimum(starts + k, last)] == int.from_bytes(pattern[k : k + 4], "little")
        return _sorted_unique(rows[keep])
