"""Sorting helpers that stay fast on tens of millions of integers.

`np.unique` (hash-based in numpy 2.x) and stable `argsort` take seconds on arrays this size here, where a plain
`np.sort` of uint64 takes a fraction of one. So pairs of 32-bit integers are packed into one uint64 and sorted.
"""

from __future__ import annotations

import numpy as np

_LOW = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)


def pack(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """``high << 32 | low`` as uint64 (both must fit in 32 bits)."""
    packed = high.astype(np.uint64)
    packed <<= _SHIFT
    np.bitwise_or(packed, low, out=packed, casting="unsafe", dtype=np.uint64)  # cast chunk by chunk: no uint64 copy of `low`
    return packed


def pack_sorted(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """`pack`, sorted ascending (by `high`, then `low`)."""
    packed = pack(high, low)
    packed.sort()
    return packed


def low(packed: np.ndarray) -> np.ndarray:
    """The low 32 bits of packed values, as uint32 (a copy, without a uint64 temporary)."""
    return packed.astype(np.uint32)  # casting to a narrower unsigned type keeps the low bits


def high(packed: np.ndarray) -> np.ndarray:
    """The high 32 bits of packed values, as int64."""
    return (packed >> _SHIFT).astype(np.int64)


def distinct_sorted(packed: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted array."""
    if packed.size == 0:
        return packed
    return packed[np.concatenate(([True], packed[1:] != packed[:-1]))]


def stable_order(keys: np.ndarray) -> np.ndarray:
    """Positions that sort `keys` (non-negative, < 2**32) ascending, equal keys in their original order."""
    return low(pack_sorted(keys, np.arange(keys.size, dtype=np.uint32))).astype(np.int64)


def first_of_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A mask keeping the first occurrence of every (a, b) pair (both non-negative, < 2**32)."""
    packed = pack(a, b)
    ordered = np.sort(packed)
    keep = np.ones(packed.size, bool)
    if packed.size < 2 or not np.any(ordered[1:] == ordered[:-1]):
        return keep
    order = stable_order(_dense_rank(packed))
    repeated = np.concatenate(([False], packed[order][1:] == packed[order][:-1]))
    keep[order[repeated]] = False
    return keep


def _dense_rank(values: np.ndarray) -> np.ndarray:
    """Each value's position among the distinct values (so that it fits in 32 bits)."""
    distinct = distinct_sorted(np.sort(values))
    return np.searchsorted(distinct, values).astype(np.uint32)
