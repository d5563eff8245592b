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
up to 1,023 bytes, or more rows of shorter ids.

Case-insensitive means Unicode case folding of both sides (``str.casefold``), so ``"ß"`` finds ``"SS"``. Every
character of the text, ``%``, ``_``, quotes, backslashes and regex syntax included, is matched as itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_PAD = 4
ARRAY_NAMES = ("blob", "starts", "sa_row", "sa_off", "off_bits")


def fold(text: str) -> bytes:
    """The byte form a text is matched in: case-folded UTF-8 (unencodable characters replaced)."""
    return text.casefold().encode("utf-8", errors="replace")


@dataclass(frozen=True)
class TextHits:
    """The rows a text lookup found. ``rows`` may repeat or be unordered unless ``sorted_unique``."""

    rows: np.ndarray
    sorted_unique: bool


def _fold_blob(ids: Sequence[str]) -> np.ndarray:
    """The folded ids joined by ``0`` bytes (and one after the last), padded with `_PAD` zero bytes."""
    if not ids:
        return np.zeros(_PAD, np.uint8)
    joined = "\0".join(i.replace("\0", "\ufffd") for i in ids) + "\0"
    raw = fold(joined)
    out = np.zeros(len(raw) + _PAD, np.uint8)
    out[: len(raw)] = np.frombuffer(raw, np.uint8)
    return out


def _keys(blob: np.ndarray) -> np.ndarray:
    """The 4-byte key of every position of `blob` but the padding (uint32, big-endian, cut at the id's end)."""
    size = blob.size - _PAD
    keys = blob[:size].astype(np.uint32)
    keys <<= np.uint32(24)
    alive = blob[:size] != 0  # still inside the id at this byte
    byte = np.empty(size, np.uint32)
    for i, shift in ((1, 16), (2, 8), (3, 0)):
        alive &= blob[i : size + i] != 0
        np.multiply(blob[i : size + i], alive, out=byte, casting="unsafe")
        byte <<= np.uint32(shift)
        keys |= byte
    return keys


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
    def build(cls, ids: Sequence[str]) -> TextIndex:
        """Index `ids` (row ``i`` is ``ids[i]``). Peak memory is about 20 bytes per byte of id text."""
        n = len(ids)
        blob = _fold_blob(ids)
        size = blob.size - _PAD
        ends = np.flatnonzero(blob[:size] == 0)
        if ends.size != n:  # pragma: no cover - _fold_blob replaces NUL
            raise ValueError("an id contains a NUL byte")
        starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64) if n else np.zeros(0, np.int64)
        lengths = ends - starts + 1  # with the 0 after each id
        off_bits = max(1, int(lengths.max() - 1).bit_length()) if n else 1
        row_bits = max(1, (n - 1).bit_length())
        if row_bits + off_bits > 32:
            raise ValueError(f"{n:,} ids of up to {int(lengths.max()):,} bytes do not fit the substring index")
        # Low 32 bits of each entry: row << off_bits | offset in the row, built without a 64-bit temporary.
        low = np.arange(size, dtype=np.uint32)
        low -= np.repeat(starts.astype(np.uint32), lengths)  # offset in the row
        low |= np.repeat(np.arange(n, dtype=np.uint32) << np.uint32(off_bits), lengths)
        packed = _keys(blob).astype(np.uint64)
        packed <<= np.uint64(32)
        packed |= low
        del low
        packed.sort()
        packed = packed[n:]  # the n separator positions have key 0 and sort first
        entry = packed.astype(np.uint32)  # the low 32 bits
        del packed
        sa_off = (entry & np.uint32((1 << off_bits) - 1)).astype(np.uint16 if off_bits <= 16 else np.uint32)
        entry >>= np.uint32(off_bits)
        arrays = {"blob": blob, "starts": starts, "sa_row": entry, "sa_off": sa_off,
                  "off_bits": np.array([off_bits], np.int64)}  # fmt: skip
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
