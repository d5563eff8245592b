"""Answering a `SearchQuery` from a `KindIndex`: match, count, order, page, facet.

The plan for one query:

1. *Match*: start from the text hits (the substring index), then intersect with the sorted row lists of every
   value filter (task, library, license, language, author, tags; smallest first), then apply the range filters
   (gated, dates, parameters, downloads, likes) to what is left. The set of matches is a `RowSet`: all rows,
   sorted row numbers (when few) or a boolean mask (when many), whichever is cheaper to produce at each step.
2. *Page*: few matches are ordered through their position in the precomputed sort order (`rank`, then
   `argpartition` for the top ``offset + limit``); many are found by walking the precomputed order and keeping the
   rows in the mask, which stops after a few thousand rows for any common query.
3. *Facets* (`Counts`): the small fields' first values (task, library, license, language...) and the tally codes
   (`KindIndex.tally`) are counted together, by one `np.bincount` of the matched rows' combinations of them
   (`KindIndex.joint`) and then a short count per field over the combinations; a multi-valued field's values after
   the first are added from its own short list. Any other field (author): `np.bincount` of the matched rows' codes.
   Rows without a value count under `(none)`. With no filter at all the counts are the index's own totals.
4. *Counted filters* (`counted`): the facets, and gated, the parameter presets and the quality toggles, all from
   the tally codes' counts. A filter that is set is counted over the matches of the query without it (the text
   hits kept from step 1, narrowed again), so that each of its values says how many matches choosing it gives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np

from lib.catalog.fields import split_dense, top_values
from lib.catalog.index import (
    FACETS,
    FLAG_BITS,
    MISSING_TIME,
    TALLY_GATED,
    TALLY_POS_SHIFT,
    TALLY_SIZE,
    KindIndex,
    position_range,
)
from lib.catalog.packing import distinct_sorted
from lib.catalog.textindex import TextHits
from lib.filters import BY_NAME, PARAM_PRESETS, Filter
from lib.query import Facet, FacetValue, SearchQuery

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RowSet:
    """A set of rows of an index: all of them (`idx` and `mask` None), sorted unique `idx`, or a boolean `mask`."""

    __slots__ = ("_count", "idx", "mask", "n")

    def __init__(self, n: int, idx: np.ndarray | None = None, mask: np.ndarray | None = None) -> None:
        self.n = n
        # Row numbers as intp once: numpy converts any other index type again on every gather.
        self.idx = idx if idx is None or idx.dtype == np.intp else idx.astype(np.intp)
        self.mask = mask
        self._count: int | None = None

    @property
    def is_all(self) -> bool:
        return self.idx is None and self.mask is None

    def count(self) -> int:
        if self._count is None:
            if self.idx is not None:
                self._count = int(self.idx.size)
            elif self.mask is not None:
                self._count = int(np.count_nonzero(self.mask))
            else:
                self._count = self.n
        return self._count

    @classmethod
    def from_hits(cls, n: int, hits: TextHits) -> RowSet:
        """The rows of a text lookup: kept as sorted rows when few, else scattered into a mask."""
        if hits.sorted_unique and hits.rows.size * 4 <= n:
            return cls(n, idx=hits.rows)
        if not hits.sorted_unique and hits.rows.size * 64 < n:
            return cls(n, idx=distinct_sorted(np.sort(hits.rows)))
        mask = np.zeros(n, bool)
        mask[hits.rows] = True
        out = cls(n, mask=mask)
        if hits.sorted_unique:
            out._count = int(hits.rows.size)
        return out

    def to_mask(self) -> np.ndarray:
        if self.mask is not None:
            return self.mask
        mask = np.ones(self.n, bool) if self.idx is None else np.zeros(self.n, bool)
        if self.idx is not None:
            mask[self.idx] = True
        return mask

    def to_idx(self) -> np.ndarray:
        if self.idx is not None:
            return self.idx
        if self.mask is not None:
            return np.flatnonzero(self.mask)
        return np.arange(self.n)

    def intersect(self, rows: np.ndarray) -> RowSet:
        """Only the rows also in `rows` (sorted, unique)."""
        if self.is_all:
            return RowSet(self.n, idx=rows)
        if self.mask is not None:
            return RowSet(self.n, idx=rows[self.mask[rows]])
        mine = self.idx
        assert mine is not None
        small, big = (mine, rows) if mine.size <= rows.size else (rows, mine)
        if small.size == 0:
            return RowSet(self.n, idx=small)
        if big.size > 32 * small.size:
            at = np.minimum(np.searchsorted(big, small), big.size - 1)
            return RowSet(self.n, idx=small[big[at] == small])
        marks = np.zeros(self.n, bool)
        marks[big] = True
        return RowSet(self.n, idx=small[marks[small]])

    def where(self, values: np.ndarray, keep: Callable[[np.ndarray], np.ndarray]) -> RowSet:
        """Only the rows whose value passes `keep` (a vectorised predicate)."""
        if self.idx is not None:
            return RowSet(self.n, idx=self.idx[keep(values[self.idx])])
        passing = keep(values)
        return RowSet(self.n, mask=passing if self.mask is None else self.mask & passing)

    def settle(self) -> RowSet:
        """A mask with few rows becomes sorted rows (cheaper to facet and order)."""
        if self.mask is not None and self.count() * 4 <= self.n:
            out = RowSet(self.n, idx=np.flatnonzero(self.mask))
            out._count = self._count
            return out
        return self


@dataclass(frozen=True)
class Plan:
    """What a query asks of an index: sorted row lists to intersect and range predicates to apply."""

    lists: tuple[np.ndarray, ...]
    predicates: tuple[tuple[str, Callable[[np.ndarray], np.ndarray]], ...]
    impossible: bool = False


def _micros(day: date) -> int:
    return (datetime(day.year, day.month, day.day, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)


def _time_window(lo: date | None, hi: date | None) -> Callable[[np.ndarray], np.ndarray] | None:
    """A predicate for `lo <= day <= hi` (either may be open) over microsecond timestamps; unknown never passes."""
    if lo is None and hi is None:
        return None
    lo_us = _micros(lo) if lo is not None else MISSING_TIME + 1
    hi_us = _micros(hi + timedelta(days=1)) if hi is not None else np.iinfo(np.int64).max

    def keep(values: np.ndarray) -> np.ndarray:
        return (values >= lo_us) & (values < hi_us)

    return keep


def _count_window(lo: int | None, hi: int | None) -> Callable[[np.ndarray], np.ndarray] | None:
    """A predicate for `lo <= value <= hi` (either may be open) over counts stored with -1 for unknown (parameters,
    downloads, likes): an unknown count never passes, even an open-below range."""
    if lo is None and hi is None:
        return None
    lo_v = max(lo or 0, 0)
    hi_v = hi if hi is not None else np.iinfo(np.int64).max

    def keep(values: np.ndarray) -> np.ndarray:
        return (values >= lo_v) & (values <= hi_v)

    return keep


def value_filters(index: KindIndex, q: SearchQuery) -> list[tuple[str, str]]:
    """The (field, value) pairs a query requires; a Space's task is one of its tags, as on the Hub."""
    pairs: list[tuple[str, str]] = []
    if q.task:
        pairs.append(("task" if "task" in index.fields else "tag", q.task))
    for name in ("library", "license", "language", "author", "sdk", "hardware", "stage", "uses_model", "uses_dataset"):
        value = getattr(q, name, None)
        if value:
            pairs.append((name, value))
    pairs += [("tag", t) for t in q.tags if t]
    return pairs


def _flag(bit: int, present: bool) -> Callable[[np.ndarray], np.ndarray]:
    def keep(values: np.ndarray) -> np.ndarray:
        return (values & bit) != 0 if present else (values & bit) == 0

    return keep


#: Quality toggles of `SearchQuery` -> the flag bit a matching row has.
QUALITY_BITS = {"has_license": FLAG_BITS["has_license"], "has_card": FLAG_BITS["has_card"],
                "safetensors_only": FLAG_BITS["safetensors"]}  # fmt: skip


def plan(index: KindIndex, q: SearchQuery) -> Plan:
    """The row lists (smallest first) and predicates of a query (`originals_only` is applied by `match`)."""
    lists: list[np.ndarray] = []
    for name, value in value_filters(index, q):
        coded = index.fields.get(name)
        rows = coded.rows_with(value) if coded is not None else np.zeros(0, np.uint32)
        if rows.size == 0:
            return Plan((), (), impossible=True)
        lists.append(rows)
    lists.sort(key=len)
    predicates: list[tuple[str, Callable[[np.ndarray], np.ndarray]]] = []
    if q.gated is not None:
        wanted = q.gated
        predicates.append(("gated", lambda v: (v > 0) if wanted else (v == 0)))
    for column, window in (
        ("created", _time_window(q.created_from, q.created_to)),
        ("updated", _time_window(q.updated_from, q.updated_to)),
        ("params", _count_window(q.params_min, q.params_max)),
        ("downloads", _count_window(q.downloads_min, q.downloads_max)),
        ("likes", _count_window(q.likes_min, q.likes_max)),
    ):
        if window is not None:
            predicates.append((column, window))
    for flag, bit in QUALITY_BITS.items():
        if getattr(q, flag, False):
            predicates.append(("flags", _flag(bit, True)))
    return Plan(tuple(lists), tuple(predicates))


@dataclass(frozen=True)
class Matches:
    """The rows a query matches, and (with `originals_only`) how many derivatives were folded away. `pool`: the rows
    its text matched, before the filters (what `counted` narrows again without a set filter; a substring lookup
    over millions of ids costs as much as the rest of a search); None when the text was not looked up."""

    rows: RowSet
    folded: int | None = None
    pool: RowSet | None = None


def id_text(q: SearchQuery) -> str:
    """The text a query matches as a substring of the id: its text in ``names`` mode; the other modes rank their own
    hits (the `base` of `match`), so none."""
    return q.text if q.mode == "names" else ""


def candidates(index: KindIndex, text: str, base: RowSet | None = None) -> RowSet:
    """The rows whose id contains `text` (all rows when it is empty), within `base` when given."""
    rows = base if base is not None else RowSet(index.n)
    hits = index.text.find(text)
    if hits is not None:
        found = RowSet.from_hits(index.n, hits)
        rows = found if rows.is_all else rows.intersect(found.to_idx())
    return rows


def _nothing(index: KindIndex, q: SearchQuery) -> Matches:
    return Matches(RowSet(index.n, idx=np.zeros(0, np.int64)), 0 if getattr(q, "originals_only", False) else None)


def narrow(index: KindIndex, q: SearchQuery, rows: RowSet, p: Plan | None = None) -> Matches:
    """The rows of `rows` that pass the query's filters (its text is not looked at: see `candidates`)."""
    p = p or plan(index, q)
    if p.impossible:
        return _nothing(index, q)
    for listed in p.lists:
        if rows.count() == 0:
            break
        rows = rows.intersect(listed)
    for column, keep in p.predicates:
        rows = rows.where(index.numbers[column], keep)
    folded = None
    if getattr(q, "originals_only", False):  # derivatives (a base_model: tag) fold under their base
        before = rows.count()
        rows = rows.where(index.numbers["flags"], _flag(FLAG_BITS["derivative"], False))
        folded = before - rows.count()
    return Matches(rows.settle(), folded)


def match(index: KindIndex, q: SearchQuery, base: RowSet | None = None) -> Matches:
    """Every row that matches the query's text and filters (within `base` when given)."""
    p = plan(index, q)
    if p.impossible:  # before the text lookup: nothing can match
        return _nothing(index, q)
    pool = candidates(index, id_text(q), base)
    return replace(narrow(index, q, pool, p), pool=pool)


def page_rows(index: KindIndex, rows: RowSet, sort: str, offset: int, limit: int) -> np.ndarray:
    """The matched rows at positions ``offset .. offset+limit`` in the sort order (ties by id ascending)."""
    need = offset + limit
    order = index.orders[sort]
    if rows.is_all:
        return np.asarray(order[offset:need], np.int64)
    if rows.idx is not None and rows.count() * 8 <= index.n:
        idx = rows.idx
        ranks = index.ranks[sort][idx]
        if idx.size > need:
            top = np.argpartition(ranks, need - 1)[:need]
            top = top[np.argsort(ranks[top])]
        else:
            top = np.argsort(ranks)
        return np.asarray(idx[top[offset:need]], np.int64)
    mask = rows.to_mask()
    found: list[np.ndarray] = []
    got, start, step = 0, 0, max(4096, need * 8)
    while got < need and start < index.n:
        chunk = order[start : start + step]
        hit = chunk[mask[chunk]]
        found.append(hit)
        got += hit.size
        start += step
        step *= 2
    return np.asarray(np.concatenate(found)[offset:need] if found else np.zeros(0), np.int64)


def page_by_score(rows: np.ndarray, scores: np.ndarray, offset: int, limit: int) -> np.ndarray:
    """Rows ordered by score ascending (best first), ties by id ascending; the requested slice."""
    order = np.lexsort((rows, scores))
    return np.asarray(rows[order[offset : offset + limit]], np.int64)


class Counts:
    """Counting over one set of rows. The tally codes and the fields of `KindIndex.joint` come from one count of
    the rows' combinations, made on first need and shared by all of them; other fields are counted alone. When
    most rows match, the rows that do not are counted instead and taken from the totals (fewer to read), unless
    the matches are sorted rows, which the joint count gathers directly (cheaper than making the others)."""

    def __init__(self, index: KindIndex, rows: RowSet) -> None:
        self.index = index
        self.rows = rows
        self._joint: np.ndarray | None = None

    def _most(self) -> bool:
        return not self.rows.is_all and self.rows.count() * 2 > self.index.n

    def joint(self) -> np.ndarray:
        """Rows per combination of `KindIndex.joint`."""
        if self._joint is None:
            joint, rows = self.index.joint, self.rows
            if rows.is_all:
                self._joint = joint.all_counts
            elif rows.idx is not None:
                self._joint = np.bincount(np.take(joint.code, rows.idx), minlength=joint.size)
            elif self._most():
                self._joint = joint.all_counts - np.bincount(np.compress(~rows.to_mask(), joint.code),
                                                             minlength=joint.size)  # fmt: skip
            else:
                self._joint = np.bincount(np.compress(rows.to_mask(), joint.code), minlength=joint.size)
        return self._joint

    def tally(self) -> np.ndarray:
        """Rows per tally code (`KindIndex.tally`)."""
        return self.index.joint.marginal(self.joint(), "tally", TALLY_SIZE)

    def field(self, name: str) -> tuple[np.ndarray, np.ndarray, int]:
        """(codes ascending, count of each, rows without a value) of a field over the rows (not all of them)."""
        coded, rows = self.index.fields[name], self.rows
        if name in self.index.joint.columns:
            dense = self.index.joint.marginal(self.joint(), name, len(coded.vocab) + 1)
            extra = coded.rest_codes(rows.idx, rows.mask)
            if extra.size:
                dense[1:] += np.bincount(extra, minlength=len(coded.vocab))
            return split_dense(dense)
        if self._most():
            return split_dense(coded.all_dense - coded.dense_counts(mask=~rows.to_mask()))
        return coded.count(idx=rows.idx, mask=rows.mask)


def facets(counts: Counts, limit: int, names: Sequence[str] | None = None) -> dict[str, Facet]:
    """Counts of each facet's values over the counted rows."""
    index = counts.index
    out: dict[str, Facet] = {}
    for name in names if names is not None else FACETS[index.kind]:
        coded = index.fields[name]
        if counts.rows.is_all:
            out[name] = coded.all_top(limit)
        else:
            out[name] = top_values(coded.vocab, *counts.field(name), limit, name=name)
    return out


# --- counting every filter -----------------------------------------------------------------------------------
#: Fields counted further than a search's `facet_limit`: every task id (the Hub has about 50), so that the task list
#: shows a count beside each task.
MIN_LIMITS: dict[str, int] = {"task": 60}
#: Filters counted from `KindIndex.tally` (one `np.bincount` for all of them), by name -> what a row's code holds.
TALLIED: tuple[str, ...] = ("has_license", "has_card", "safetensors_only", "originals_only", "gated", "params")
#: A toggle's one value and gated's two, as `Facet` values (the words of the filter's URL text).
YES, NO = "yes", "no"


def _tally_columns() -> dict[str, list[tuple[str, np.ndarray]]]:
    """For each tallied filter, its values and which tally codes (of `TALLY_SIZE`) count for each."""
    codes = np.arange(TALLY_SIZE)
    position = codes >> TALLY_POS_SHIFT

    def flag(bit: int, present: bool = True) -> np.ndarray:
        return (codes & bit) != 0 if present else (codes & bit) == 0

    params = []
    for name, (lo, hi) in PARAM_PRESETS.items():
        first, last = position_range(lo, hi)
        params.append((name, (position >= first) & (position <= last)))
    return {
        "has_license": [(YES, flag(FLAG_BITS["has_license"]))],
        "has_card": [(YES, flag(FLAG_BITS["has_card"]))],
        "safetensors_only": [(YES, flag(FLAG_BITS["safetensors"]))],
        "originals_only": [(YES, flag(FLAG_BITS["derivative"], present=False))],
        "gated": [(YES, flag(TALLY_GATED)), (NO, flag(TALLY_GATED, present=False))],
        "params": params,
    }


_TALLY_COLUMNS = _tally_columns()


def tallied(counts: Counts, names: Sequence[str], extra: dict[str, tuple[str, int]] | None = None) -> dict[str, Facet]:
    """Counts of the tallied filters (`TALLIED`) over `rows`, by count descending then value. Like a field's facet,
    a value no row has is left out: a facet that is there and not truncated counts every value, so a missing one
    counts 0. `extra` adds a value and its count to a filter (a custom parameter range from a link)."""
    tally = counts.tally()
    out: dict[str, Facet] = {}
    for name in names:
        pairs = [(value, int(tally[member].sum())) for value, member in _TALLY_COLUMNS[name]]
        if extra and name in extra and all(v != extra[name][0] for v, _ in pairs):
            pairs.append(extra[name])
        pairs = [p for p in pairs if p[1] > 0]
        pairs.sort(key=lambda p: (-p[1], p[0]))
        out[name] = Facet(name=name, values=tuple(FacetValue(v, c) for v, c in pairs))
    return out


def counted(index: KindIndex, q: SearchQuery, matches: Matches, names: Sequence[str], limit: int,
            base: RowSet | None = None) -> dict[str, Facet]:  # fmt: skip
    """The counts of `names` (coded fields and `TALLIED` filters) as a person choosing a value would see them:
    a filter that is not set is counted over the matches; one that is set, over the matches of the query without it
    (so its other values say what choosing them instead gives; a toggle that is on counts the matches). `base`: the
    rows the query was matched within (full-text hits). `limit` values per field, `MIN_LIMITS` for some."""
    out: dict[str, Facet] = {}
    relaxed: list[Filter] = []
    plain_fields, plain_tallied = [], []
    for name in names:
        f = BY_NAME.get(name)
        if f is not None and f.control != "toggle" and f.is_set(q):
            relaxed.append(f)
        elif name in _TALLY_COLUMNS:
            plain_tallied.append(name)
        else:
            plain_fields.append(name)
    further = [n for n in plain_fields if MIN_LIMITS.get(n, 0) > limit]
    mine = Counts(index, matches.rows)
    out.update(facets(mine, limit, [n for n in plain_fields if n not in further]))
    for name in further:
        out.update(facets(mine, MIN_LIMITS[name], (name,)))
    out.update(tallied(mine, plain_tallied))
    if relaxed:
        pool = matches.pool if matches.pool is not None else candidates(index, id_text(q), base)
        for f in relaxed:
            others = narrow(index, q.replace(**f.cleared()), pool).rows
            if f.name in _TALLY_COLUMNS:
                own = (f.to_url(q) or "", matches.rows.count())  # a custom range from a link: its own count
                out.update(tallied(Counts(index, others), (f.name,), {f.name: own}))
            else:
                out.update(facets(Counts(index, others), max(limit, MIN_LIMITS.get(f.name, 0)), (f.name,)))
    return {name: out[name] for name in names}
