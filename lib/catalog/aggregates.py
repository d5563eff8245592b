"""Chart frames over every match of a query, counted from a `KindIndex` (no row per repo leaves numpy).

The frames are those of `lib.charts` (see its docstring): distributions from the same counting as the search's
facets (`lib.catalog.search.facets`), downloads per decade and creations per month with `np.bincount` over the
matched rows' numbers, and the `SCATTER_LIMIT` most downloaded matches from the precomputed downloads order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.catalog.index import MISSING_TIME, KindIndex
from lib.catalog.search import Counts, RowSet, page_rows
from lib.catalog.search import facets as count_facets
from lib.charts import (
    DISTRIBUTIONS,
    SCATTER_LIMIT,
    TOP_N,
    created_frame,
    distribution_frame,
    downloads_frame,
    scatter_frame,
)


def _values(rows: RowSet, column: np.ndarray) -> np.ndarray:
    """A number column's values at the matched rows."""
    if rows.is_all:
        return column
    if rows.idx is not None:
        return np.take(column, rows.idx)
    return np.compress(rows.mask, column)  # type: ignore[arg-type]


def value_entries(index: KindIndex, rows: RowSet, field: str) -> int:
    """How many (repo, value) pairs the matched rows hold for a field, a repo without a value counting once:
    the sum of the field's counts including ``(none)``."""
    coded = index.fields[field]
    if rows.is_all:
        return int(coded.none_count + coded.all_counts.sum())
    total = rows.count()
    rest = coded.rest_rows
    if not coded.multi or rest is None or rest.size == 0 or coded.rest_off is None:
        return total
    extra = np.diff(coded.rest_off)
    if rows.idx is not None:
        idx = rows.idx
        if idx.size == 0:
            return 0
        at = np.minimum(np.searchsorted(idx, rest), idx.size - 1)
        inside = idx[at] == rest
    else:
        inside = np.take(rows.mask, rest)  # type: ignore[arg-type]
    return total + int(extra[inside].sum())


def distribution(index: KindIndex, rows: RowSet, field: str, *, top: int = TOP_N) -> pd.DataFrame:
    """``[field, "count"]``: the `top` values over the matches (the search's facet counting), then ``other``."""
    facet = count_facets(Counts(index, rows), top, (field,))[field]
    return distribution_frame(((v.value, v.count) for v in facet.values), field, top=top,
                              total=value_entries(index, rows, field))  # fmt: skip


def downloads(index: KindIndex, rows: RowSet) -> pd.DataFrame | None:
    """Matches per decade of downloads (unknown downloads left out); None when no match has a known count."""
    values = _values(rows, index.numbers["downloads"])
    # decade: 0 for no downloads, else the number of digits, i.e. how many of 1, 10, 100... are <= the value.
    # One comparison per decade: cheaper than a search or a logarithm over every row.
    known = int(np.count_nonzero(values >= 0))
    if known == 0:
        return None
    at_least = [known] + [int(np.count_nonzero(values >= 10**k)) for k in range(19)]
    last = max(k for k, c in enumerate(at_least) if c > 0)
    return downloads_frame([at_least[k] - (at_least[k + 1] if k < last else 0) for k in range(last + 1)])


_DAY_US = 86_400_000_000


def created_monthly(index: KindIndex, rows: RowSet) -> pd.DataFrame:
    """Matches created per month (UTC); unknown creation dates are left out. Rows are counted per day (an
    integer division and `np.bincount`), then days are summed per month: no calendar conversion per row."""
    micros = _values(rows, index.numbers["created"])
    micros = micros[micros != MISSING_TIME]
    if micros.size == 0:
        return created_frame([])
    days = micros // _DAY_US
    first = int(days.min())
    per_day = np.bincount(days - first)
    span = np.arange(first, first + per_day.size).astype("datetime64[D]")
    month_of_day = span.astype("datetime64[M]")
    starts = np.flatnonzero(np.concatenate(([True], month_of_day[1:] != month_of_day[:-1])))
    counts = np.add.reduceat(per_day, starts)
    present = counts > 0
    stamps = month_of_day[starts][present].astype("datetime64[ns]")
    return created_frame(zip(pd.to_datetime(stamps), counts[present].tolist(), strict=True))


def top_downloaded(index: KindIndex, rows: RowSet, *, limit: int = SCATTER_LIMIT) -> pd.DataFrame | None:
    """The `limit` most downloaded matches with their downloads and likes (for the scatter); None for kinds
    without downloads (Spaces)."""
    if "downloads" not in index.orders:
        return None
    page = page_rows(index, rows, "downloads", 0, limit)
    dl = index.numbers["downloads"][page]
    keep = dl >= 0
    page, dl = page[keep], dl[keep]
    likes = np.maximum(index.numbers["likes"][page], 0)
    return scatter_frame(zip((index.ids[r] for r in page.tolist()), dl.tolist(), likes.tolist(), strict=True))


def aggregates(index: KindIndex, rows: RowSet, *, top: int = TOP_N) -> dict[str, pd.DataFrame]:
    """Every chart frame over the matched rows (frames a kind has no numbers for are left out)."""
    out = {field: distribution(index, rows, field, top=top) for field in DISTRIBUTIONS[index.kind]
           if field in index.fields}  # an index built before a field was indexed has no chart of it
    tail = downloads(index, rows)
    if tail is not None:
        out["downloads"] = tail
    out["created"] = created_monthly(index, rows)
    scatter = top_downloaded(index, rows)
    if scatter is not None:
        out["scatter"] = scatter
    return out
