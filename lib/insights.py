"""Hub-wide insights over a whole kind of the local catalog, computed from its index (numpy, no row per repo).

Not yet drawn by a page: these are the numbers an Insights page would show (issue 5, part 3), each a small
DataFrame that `lib.charts`-style charts and CSV exports can take as is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.catalog.index import KindIndex

#: The shares of the most downloaded repos whose share of all downloads `concentration` reports.
TOP_SHARES = (0.001, 0.01, 0.1)


def _downloads(index: KindIndex) -> np.ndarray:
    """Every repo's downloads, unknown counted as 0."""
    return np.maximum(index.numbers["downloads"], 0)


def concentration(index: KindIndex, shares: tuple[float, ...] = TOP_SHARES) -> pd.DataFrame:
    """``["top", "repos", "downloads_share"]``: the share of all downloads held by the top `share` of repos (the
    top share rounded up to at least one repo). Empty when no repo has downloads."""
    values = _downloads(index)
    total = int(values.sum())
    if index.n == 0 or total == 0:
        return pd.DataFrame({"top": [], "repos": [], "downloads_share": []})
    ordered = np.sort(values)[::-1]
    tops = np.cumsum(ordered)
    rows = []
    for share in shares:
        k = max(1, int(np.ceil(share * index.n)))
        rows.append((share, k, float(tops[k - 1]) / total))
    return pd.DataFrame(rows, columns=["top", "repos", "downloads_share"])


def lorenz(index: KindIndex, points: int = 101) -> pd.DataFrame:
    """``["repos_share", "downloads_share"]``: the Lorenz curve of downloads (repos from least to most
    downloaded), sampled at `points` evenly spaced shares of repos from 0 to 1."""
    values = np.sort(_downloads(index))
    total = values.sum()
    xs = np.linspace(0.0, 1.0, points)
    if values.size == 0 or total == 0:
        return pd.DataFrame({"repos_share": xs, "downloads_share": xs})
    cum = np.concatenate(([0], np.cumsum(values)))
    at = np.round(xs * values.size).astype(np.int64)
    return pd.DataFrame({"repos_share": xs, "downloads_share": cum[at] / total})


def top_authors(index: KindIndex, *, by: str = "repos", limit: int = 20) -> pd.DataFrame:
    """``["author", "repos", "downloads"]`` for the `limit` authors with the most repos (``by="repos"``) or
    downloads (``by="downloads"``), ties by author ascending."""
    if by not in ("repos", "downloads"):
        raise ValueError(f"Authors are ranked by repos or downloads, not {by!r}.")
    author = index.fields["author"]
    codes = author.first1  # author code + 1, 0: none
    size = len(author.vocab) + 1
    repos = np.bincount(codes, minlength=size)[1:]
    downloads = np.bincount(codes, weights=_downloads(index).astype(np.float64), minlength=size)[1:]
    key = repos if by == "repos" else downloads
    present = np.flatnonzero(repos > 0)
    order = present[np.lexsort((present, -key[present]))][:limit]  # value descending, then code (= name) order
    return pd.DataFrame({
        "author": [author.vocab[int(c)] for c in order],
        "repos": repos[order].astype(np.int64),
        "downloads": downloads[order].round().astype(np.int64),
    })  # fmt: skip
