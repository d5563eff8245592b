"""Hub-wide insights over a whole kind of the local catalog, computed from its index (numpy, no row per repo).

These are the numbers the Insights page shows (issue 5, part 3), each a small DataFrame that charts and CSV
exports take as is; `compute(catalog)` returns them all at once (`Insights`), so the page caches one value.
Every figure is counted from the index's arrays (`np.bincount` over codes, the precomputed sort ranks), never by
turning the catalog into a row per repo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lib.catalog.index import MISSING_TIME, KindIndex
from lib.charts import OTHER, distribution_frame
from lib.query import KINDS, NONE_VALUE, Kind, plural
from lib.vocab import stage_words

if TYPE_CHECKING:
    from lib.catalog import Catalog, CatalogStats

#: Stages in which a Space's app is stopped by an error (the headline's "stopped by an error").
ERROR_STAGES = ("BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR", "NO_APP_FILE")
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


# --- the rest of the page's figures -------------------------------------------------------------------------
#: How many values of a field get their own series (or bar); the rest is `OTHER`.
SERIES = 8
BARS = 15
#: Where a kind's creations are split by: task and library for models, task for datasets, SDK for Spaces.
CREATED_BY: dict[Kind, tuple[str, ...]] = {"models": ("task", "library"), "datasets": ("task",), "spaces": ("sdk",)}
_DAY_US = 86_400_000_000
SIZE_PREFIX = "size_categories:"


def _counts_with_none(index: KindIndex, field: str) -> tuple[np.ndarray, int]:
    """(repos per value code, repos without a value) over every row, from the index's totals."""
    coded = index.fields[field]
    return np.asarray(coded.all_counts, np.int64), int(coded.none_count)


def _top_codes(counts: np.ndarray, limit: int) -> np.ndarray:
    """Codes of the `limit` largest counts, count descending then code (= value) ascending."""
    present = np.flatnonzero(counts > 0)
    return present[np.lexsort((present, -counts[present]))][:limit]


def value_mix(index: KindIndex, field: str, *, top: int = BARS) -> pd.DataFrame:
    """``[field, "count"]``: the `top` values of a field over the whole kind (count descending, value
    ascending), ``(none)`` among them where repos have no value, then ``other`` for the rest (the same shape as
    `lib.charts.distribution_frame`). A repo with several values (two licenses) counts under each."""
    counts, none = _counts_with_none(index, field)
    vocab = index.fields[field].vocab
    pairs = [(vocab[int(c)], int(counts[c])) for c in _top_codes(counts, top + 1)]
    if none:
        pairs.append((NONE_VALUE, none))
    return distribution_frame(pairs, field, top=top, total=int(counts.sum()) + none)


def _months(micros: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.datetime64]:
    """(known-date mask, month number of each known row counted from the first month, first month)."""
    known = micros != MISSING_TIME
    days = micros[known] // _DAY_US
    if days.size == 0:
        return known, np.zeros(0, np.int64), np.datetime64("1970-01", "M")
    first_day, last_day = int(days.min()), int(days.max())
    # month of every day in the span once, then a lookup per row: no calendar conversion per row
    span = np.arange(first_day, last_day + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    month = span[days - first_day]
    return known, month - span[0], np.datetime64(int(span[0]), "M")


def created_by(index: KindIndex, field: str, *, series: int = SERIES) -> pd.DataFrame:
    """``["month", field, "count"]``: repos created per month (UTC, first day of the month), split by the
    `series` most common values of `field` over the whole kind, ``other`` and ``(none)``; zero cells are left
    out. A repo with several values (a dataset with two tasks) counts under each. Unknown dates are left out."""
    coded = index.fields[field]
    counts, _ = _counts_with_none(index, field)
    chosen = _top_codes(counts, series)
    names = [coded.vocab[int(c)] for c in chosen] + [OTHER, NONE_VALUE]
    lut = np.full(len(coded.vocab) + 1, len(chosen), np.int64)  # code + 1 -> series; unchosen: other
    lut[chosen + 1] = np.arange(chosen.size)
    lut[0] = len(chosen) + 1  # no value
    known, month, first = _months(index.numbers["created"])
    rows = np.flatnonzero(known)
    groups = lut[coded.first1[rows]]
    if coded.multi and coded.rest_rows is not None and coded.rest_rows.size:
        # the values after the first, of the few repos with several: (row, code) pairs from the field's own list
        rest_rows = coded.rest_rows.astype(np.int64)
        rest_pos = np.repeat(np.arange(rest_rows.size), np.diff(coded.rest_off))
        pair_rows = rest_rows[rest_pos]
        where = np.searchsorted(rows, pair_rows)
        inside = (where < rows.size) & (rows[np.minimum(where, rows.size - 1)] == pair_rows)
        month = np.concatenate((month, month[where[inside]]))
        groups = np.concatenate((groups, lut[coded.rest_val[inside].astype(np.int64) + 1]))
    width = len(names)
    tally = np.bincount(month * width + groups, minlength=(int(month.max()) + 1 if month.size else 0) * width)
    cells = np.flatnonzero(tally)
    months = (first + (cells // width)).astype("datetime64[ns]")
    return pd.DataFrame({
        "month": pd.to_datetime(months),
        field: pd.Series([names[g] for g in (cells % width).tolist()], dtype=object),
        "count": tally[cells].astype(np.int64),
    })  # fmt: skip


def earliest_day(index: KindIndex) -> tuple[date, int] | None:
    """(the earliest creation day, how many repos were created that day), None without dates. The Hub dates
    repos older than its creation records to one day (2022-03-02 in the 2024 snapshot), which makes the first
    month of a growth chart a pile of every older repo: the page says so when that day holds many."""
    micros = index.numbers["created"]
    known = micros[micros != MISSING_TIME]
    if known.size == 0:
        return None
    days = known // _DAY_US
    first = int(days.min())
    return (date(1970, 1, 1) + timedelta(days=first), int(np.count_nonzero(days == first)))


def created_monthly(index: KindIndex) -> pd.DataFrame:
    """``["month", "count"]``: repos created per month (UTC), months without creations left out."""
    _, month, first = _months(index.numbers["created"])
    tally = np.bincount(month)
    cells = np.flatnonzero(tally)
    return pd.DataFrame({"month": pd.to_datetime((first + cells).astype("datetime64[ns]")),
                         "count": tally[cells].astype(np.int64)})  # fmt: skip


def top_per_task(index: KindIndex, *, by: str = "downloads", tasks: int = 12, k: int = 5) -> pd.DataFrame:
    """``["task", "rank", "id", "downloads", "likes"]``: the `k` repos with the most `by` (downloads or likes;
    ties by id) in each of the `tasks` most common tasks, tasks in that order. Read from the precomputed sort
    rank of each task's row list: no pass over the whole kind."""
    if by not in ("downloads", "likes"):
        raise ValueError(f"Repos are ranked by downloads or likes, not {by!r}.")
    columns = ["task", "rank", "id", "downloads", "likes"]
    if "task" not in index.fields or by not in index.ranks:
        return pd.DataFrame({c: [] for c in columns})
    coded = index.fields["task"]
    rank = index.ranks[by]
    out: list[tuple[str, int, str, int, int]] = []
    for code in _top_codes(np.asarray(coded.all_counts), tasks).tolist():
        rows = coded.inv_rows[coded.inv_off[code] : coded.inv_off[code + 1]].astype(np.int64)
        ranks = rank[rows]
        take = min(k, rows.size)
        best = np.argpartition(ranks, take - 1)[:take] if take < rows.size else np.arange(rows.size)
        best = best[np.argsort(ranks[best])]
        chosen = rows[best]
        task = coded.vocab[code]
        for i, row in enumerate(chosen.tolist()):
            downloads, likes = int(index.numbers["downloads"][row]), int(index.numbers["likes"][row])
            if (downloads if by == "downloads" else likes) < 0:
                continue  # unknown counts are not a ranking
            out.append((task, i + 1, index.ids[row], max(downloads, 0), max(likes, 0)))
    return pd.DataFrame(out, columns=columns).astype({"rank": "int64", "downloads": "int64", "likes": "int64"})


def leader(index: KindIndex, name: str) -> tuple[str, int, int] | None:
    """(the most common value of a field, how many repos carry it, how many carry none), None when no repo has
    a value. Ties go to the first value in order."""
    counts, none = _counts_with_none(index, name)
    top = _top_codes(counts, 1)
    if top.size == 0:
        return None
    return index.fields[name].vocab[int(top[0])], int(counts[top[0]]), none


def _size_key(category: str) -> tuple[int, float, str]:
    """Small to large: ``n<1K`` < ``1K<n<10K`` < ... < ``n>1T``, then anything unparsed (``unknown``) by name."""
    scale = {"": 1, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
    match = re.fullmatch(r"(?:n<(\d+)([KMBT]?)|(\d+)([KMBT]?)<n<\d+[KMBT]?|n>(\d+)([KMBT]?))", category)
    if match is None:
        return (1, 0.0, category)
    if match.group(1) is not None:  # n<X: below everything else
        return (0, -1.0, category)
    if match.group(3) is not None:
        return (0, float(match.group(3)) * scale[match.group(4)], category)
    return (0, float(match.group(5)) * scale[match.group(6)] + 0.5, category)


def size_categories(index: KindIndex) -> pd.DataFrame:
    """``["size_category", "count"]``: datasets per ``size_categories:`` tag, from small to large (not by name),
    categories the index cannot order (``unknown``) after them, then ``(none)`` for datasets without one."""
    tags = index.fields.get("tag")
    if tags is None or index.n == 0:
        return pd.DataFrame({"size_category": pd.Series(dtype=object), "count": pd.Series(dtype="int64")})
    lo = tags.vocab.lower_bound(SIZE_PREFIX)
    hi = tags.vocab.lower_bound(SIZE_PREFIX + "\U0010ffff")
    pairs = [(tags.vocab[c][len(SIZE_PREFIX) :], int(tags.all_counts[c])) for c in range(lo, hi)]
    pairs = sorted((p for p in pairs if p[0] and p[1] > 0), key=lambda p: _size_key(p[0]))
    with_one = np.unique(tags.inv_rows[tags.inv_off[lo] : tags.inv_off[hi]]).size if hi > lo else 0
    if index.n - with_one:
        pairs.append((NONE_VALUE, index.n - with_one))
    return pd.DataFrame(pairs, columns=["size_category", "count"]).astype({"size_category": object,
                                                                           "count": "int64"})  # fmt: skip


# --- Spaces: hardware, status, what they use, the most liked and trending -----------------------------------
def stage_mix(index: KindIndex, *, top: int = BARS) -> pd.DataFrame:
    """``["status", "count"]``: Spaces per runtime stage, in words ("Runtime error"), as `value_mix` counts them."""
    mix = value_mix(index, "stage", top=top)
    words = [v if v in (OTHER, NONE_VALUE) else stage_words(v) for v in mix["stage"]]
    return pd.DataFrame({"status": pd.Series(words, dtype=object), "count": mix["count"].astype("int64")})


def most_used(index: KindIndex, field: str, *, limit: int = BARS) -> pd.DataFrame:
    """``["repo", "spaces"]``: the `limit` repos most named by Spaces in a list field (``uses_model``,
    ``uses_dataset``), by how many Spaces name each (descending, then repo id); Spaces naming none are left out."""
    counts, _ = _counts_with_none(index, field)
    vocab = index.fields[field].vocab
    chosen = _top_codes(counts, limit)
    return pd.DataFrame({"repo": pd.Series([vocab[int(c)] for c in chosen], dtype=object),
                         "spaces": counts[chosen].astype(np.int64)})  # fmt: skip


def top_spaces(index: KindIndex, *, by: str = "likes", k: int = BARS) -> pd.DataFrame:
    """``["rank", "id", "sdk", "status", "likes", "trending"]``: the `k` Spaces with the most likes or the highest
    trending score (ties by id), read from the precomputed sort order; Spaces whose value is unknown are left out."""
    if by not in ("likes", "trending"):
        raise ValueError(f"Spaces are ranked by likes or trending, not {by!r}.")
    columns = ["rank", "id", "sdk", "status", "likes", "trending"]
    if by not in index.orders:
        return pd.DataFrame({c: [] for c in columns})
    rows = np.asarray(index.orders[by][:k], np.int64)
    values = index.numbers[by][rows]
    rows = rows[~np.isnan(values)] if values.dtype.kind == "f" else rows[values >= 0]
    sdk, stage = index.fields.get("sdk"), index.fields.get("stage")
    out = []
    for i, row in enumerate(rows.tolist()):
        trending = float(index.numbers["trending"][row])
        status = stage.value_of(row) if stage else None
        out.append((i + 1, index.ids[row], (sdk.value_of(row) if sdk else None) or "–",
                    stage_words(status) if status else "–",
                    max(int(index.numbers["likes"][row]), 0), None if np.isnan(trending) else trending))  # fmt: skip
    return pd.DataFrame(out, columns=columns).astype({"rank": "int64", "likes": "int64", "trending": "float64"})


# --- facts, headlines, and everything at once -----------------------------------------------------------
@dataclass(frozen=True)
class KindFacts:
    """Where one kind's numbers come from: count, snapshot date, when it was loaded, its source (file names or
    the endpoint a sync read)."""

    kind: Kind
    count: int
    snapshot_date: date | None
    loaded_at: datetime | None
    source: str | None

    @property
    def source_label(self) -> str:
        """The source as a person reads it: file names without their folders, or the URL a sync read."""
        if not self.source:
            return "unknown source"
        if "://" in self.source:
            return self.source
        return ", ".join(Path(part.strip()).name for part in self.source.split(","))


@dataclass(frozen=True)
class KindInsights:
    """The figures of one kind (see the functions above for each frame's columns). Figures a kind has no
    numbers for (downloads of Spaces, libraries of datasets) are None or absent."""

    kind: Kind
    facts: KindFacts
    created: pd.DataFrame
    created_by: dict[str, pd.DataFrame]
    licenses: pd.DataFrame
    authors_by_repos: pd.DataFrame
    authors_by_downloads: pd.DataFrame | None = None
    concentration: pd.DataFrame | None = None
    lorenz: pd.DataFrame | None = None
    top_downloaded: pd.DataFrame | None = None
    top_liked: pd.DataFrame | None = None
    sizes: pd.DataFrame | None = None
    sdks: pd.DataFrame | None = None
    hardware: pd.DataFrame | None = None  # Spaces: the hardware mix
    stages: pd.DataFrame | None = None  # Spaces: the runtime status mix, in words
    models_used: pd.DataFrame | None = None  # Spaces: the models most named by Spaces
    datasets_used: pd.DataFrame | None = None  # Spaces: the datasets most named by Spaces
    top_spaces: dict[str, pd.DataFrame] = field(default_factory=dict)  # Spaces: "likes"/"trending" -> top_spaces
    total_downloads: int = 0
    earliest: tuple[date, int] | None = None
    leaders: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # field -> (top value, repos, none)
    headlines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Insights:
    """Everything the Insights page draws, per kind the catalog holds (kinds in `lib.query.KINDS` order)."""

    kinds: dict[Kind, KindInsights]

    @property
    def headlines(self) -> tuple[str, ...]:
        return tuple(h for k in self.kinds.values() for h in k.headlines)

    def facts_frame(self) -> pd.DataFrame:
        """``["kind", "repos", "snapshot", "loaded", "source"]``: one row per kind."""
        rows = [(f.kind, f.count, f.snapshot_date.isoformat() if f.snapshot_date else "unknown",
                 f.loaded_at.strftime("%Y-%m-%d %H:%M UTC") if f.loaded_at else "unknown", f.source_label)
                for f in (k.facts for k in self.kinds.values())]  # fmt: skip
        return pd.DataFrame(rows, columns=["kind", "repos", "snapshot", "loaded", "source"])


def _pct(share: float) -> str:
    """A share as a percentage a person reads at a glance: whole numbers, one decimal below 10%."""
    value = share * 100
    return f"{value:.1f}%" if 0 < value < 10 else f"{value:.0f}%"


def _spaces(n: int) -> str:
    return f"{n:,} Space" + ("" if n == 1 else "s")


def _month_name(month: pd.Timestamp) -> str:
    return month.strftime("%b %Y")


def growth_span(created: pd.DataFrame, snapshot: date | None) -> tuple[pd.Timestamp, int, pd.Timestamp, int] | None:
    """(first month, its count, last month, its count) for the growth headline: the last complete month (the
    snapshot's own month is partial and left out) against January of the year before it (or the first month
    with creations, when the data starts later). None when fewer than two months are known."""
    if created.empty:
        return None
    by_month = created.set_index("month")["count"]
    last = by_month.index.max()
    if snapshot is not None and (last.year, last.month) >= (snapshot.year, snapshot.month):
        by_month = by_month[by_month.index < pd.Timestamp(snapshot.year, snapshot.month, 1)]
    if by_month.size < 2:
        return None
    last = by_month.index.max()
    start = max(pd.Timestamp(last.year - 1, 1, 1), by_month.index.min())
    full = by_month.reindex(pd.date_range(by_month.index.min(), last, freq="MS"), fill_value=0)
    return start, int(full[start]), last, int(full[last])


#: The share of a kind created on its earliest day above which that day is taken for the Hub's catch-all date.
PILED_SHARE = 0.01
PILED_MIN = 10  # and at least this many: one old repo in a small catalog is not a pile


def growth_notes(ins: KindInsights) -> tuple[str, ...]:
    """What a reader of the growth charts must know: the pile of older repos on the earliest day, and the
    snapshot's own month, which is only partly covered."""
    notes = []
    if (
        ins.earliest is not None
        and ins.facts.count
        and ins.earliest[1] >= max(PILED_MIN, PILED_SHARE * ins.facts.count)
    ):
        day, count = ins.earliest
        notes.append(f"{count:,} {plural(ins.kind)} ({_pct(count / ins.facts.count)}) share the earliest creation date, "
                     f"{day.isoformat()}: repos older than the Hub's creation records carry it, so the first month "
                     "holds them all.")  # fmt: skip
    snap = ins.facts.snapshot_date
    if snap is not None and not ins.created.empty:
        last = ins.created["month"].max()
        if (last.year, last.month) == (snap.year, snap.month):
            notes.append(f"{_month_name(last)} is counted up to the snapshot date ({snap.isoformat()}) only.")
    return tuple(notes)


def headlines(ins: KindInsights) -> tuple[str, ...]:
    """Short sentences, computed from the figures, that say how the kind grew and who dominates it."""
    kind, n = plural(ins.kind), ins.facts.count
    out: list[str] = []
    if ins.concentration is not None and not ins.concentration.empty:
        shares = dict(zip(ins.concentration["top"], ins.concentration["downloads_share"], strict=True))
        repos = dict(zip(ins.concentration["top"], ins.concentration["repos"], strict=True))
        if 0.01 in shares:
            line = f"The top 1% of {kind} ({repos[0.01]:,}) hold {_pct(shares[0.01])} of all downloads"
            if 0.001 in shares:
                line += f"; the top 0.1% ({repos[0.001]:,}) hold {_pct(shares[0.001])}"
            out.append(line + ".")
    span = growth_span(ins.created, ins.facts.snapshot_date)
    if span is not None:
        first, a, last, b = span
        if a == b:
            out.append(f"{kind.capitalize()} created per month: {a:,} in {_month_name(first)} and as many in "
                       f"{_month_name(last)}.")  # fmt: skip
        else:
            verb, ratio = ("grew", f" ({b / a:.1f}×)" if a else "") if b > a else ("fell", "")
            out.append(f"{kind.capitalize()} created per month {verb} from {a:,} ({_month_name(first)}) "
                       f"to {b:,} ({_month_name(last)}){ratio}.")  # fmt: skip
    if not ins.authors_by_repos.empty:
        top = ins.authors_by_repos.iloc[0]
        line = f"The most prolific author is {top['author']} with {int(top['repos']):,} {kind}"
        frame = ins.authors_by_downloads
        if frame is not None and not frame.empty and ins.total_downloads:
            lead = frame.iloc[0]
            share = _pct(int(lead["downloads"]) / ins.total_downloads)
            line += f"; the most downloaded is {lead['author']}, with {share} of all {kind[:-1]} downloads"
        out.append(line + ".")
    for field_name, (leader, count, none) in ins.leaders.items():
        line = f"The most common {field_name} is {leader} ({count:,} {kind})"
        out.append(line + (f"; {_pct(none / n)} of {kind} name no {field_name}." if none and n else "."))
    if not ins.licenses.empty and n:
        named = ins.licenses[~ins.licenses["license"].isin([OTHER, NONE_VALUE])]
        none = ins.licenses.loc[ins.licenses["license"] == NONE_VALUE, "count"].sum()
        if not named.empty:
            out.append(f"{_pct((n - int(none)) / n)} of {kind} declare a license; the most common is "
                       f"{named.iloc[0]['license']} ({int(named.iloc[0]['count']):,}).")  # fmt: skip
    if ins.sizes is not None and not ins.sizes.empty:
        named = ins.sizes[ins.sizes["size_category"] != NONE_VALUE]
        if not named.empty:
            lead = named.loc[named["count"].idxmax()]
            none = int(ins.sizes.loc[ins.sizes["size_category"] == NONE_VALUE, "count"].sum())
            out.append(f"{n - none:,} datasets state a size category; the most common is "
                       f"{lead['size_category']} ({int(lead['count']):,}).")  # fmt: skip
    if ins.sdks is not None and not ins.sdks.empty and n:
        named = ins.sdks[~ins.sdks["sdk"].isin([OTHER, NONE_VALUE])]
        if not named.empty:
            out.append(f"{named.iloc[0]['sdk']} runs {_pct(int(named.iloc[0]['count']) / n)} of Spaces.")
    if ins.stages is not None and not ins.stages.empty and n:
        shares = dict(zip(ins.stages["status"], ins.stages["count"], strict=True))
        running = int(shares.get(stage_words("RUNNING"), 0))
        failed = sum(int(shares.get(stage_words(s), 0)) for s in ERROR_STAGES)
        if running or failed:
            out.append(f"{_pct(running / n)} of Spaces were running at the snapshot; {_pct(failed / n)} were stopped "
                       "by a build, runtime or configuration error.")  # fmt: skip
    if ins.hardware is not None and not ins.hardware.empty and n:
        named = ins.hardware[~ins.hardware["hardware"].isin([OTHER, NONE_VALUE])]
        if not named.empty:
            out.append(f"The most common hardware is {named.iloc[0]['hardware']} "
                       f"({_spaces(int(named.iloc[0]['count']))}).")  # fmt: skip
    for frame, what in ((ins.models_used, "model"), (ins.datasets_used, "dataset")):
        if frame is not None and not frame.empty:
            out.append(f"The {what} most used by Spaces is {frame.iloc[0]['repo']} "
                       f"({_spaces(int(frame.iloc[0]['spaces']))}).")  # fmt: skip
    return tuple(out)


def kind_insights(index: KindIndex, facts: KindFacts, *, series: int = SERIES, bars: int = BARS,
                  authors: int = BARS, tasks: int = 12, per_task: int = 5) -> KindInsights:  # fmt: skip
    """Every figure of one kind, with its headlines."""
    has_downloads = bool(np.any(index.numbers["downloads"] >= 0))
    spaces = index.kind == "spaces"
    ins = KindInsights(
        kind=index.kind,
        facts=facts,
        created=created_monthly(index),
        created_by={f: created_by(index, f, series=series) for f in CREATED_BY[index.kind] if f in index.fields},
        licenses=value_mix(index, "license", top=bars),
        authors_by_repos=top_authors(index, by="repos", limit=authors),
        authors_by_downloads=top_authors(index, by="downloads", limit=authors) if has_downloads else None,
        concentration=concentration(index) if has_downloads else None,
        lorenz=lorenz(index) if has_downloads else None,
        top_downloaded=top_per_task(index, by="downloads", tasks=tasks, k=per_task)
        if has_downloads and index.kind != "spaces"
        else None,
        top_liked=top_per_task(index, by="likes", tasks=tasks, k=per_task) if index.kind != "spaces" else None,
        sizes=size_categories(index) if index.kind == "datasets" else None,
        sdks=value_mix(index, "sdk", top=bars) if index.kind == "spaces" else None,
        hardware=value_mix(index, "hardware", top=bars) if spaces and "hardware" in index.fields else None,
        stages=stage_mix(index, top=bars) if spaces and "stage" in index.fields else None,
        models_used=most_used(index, "uses_model", limit=bars) if spaces and "uses_model" in index.fields else None,
        datasets_used=most_used(index, "uses_dataset", limit=bars)
        if spaces and "uses_dataset" in index.fields
        else None,
        top_spaces={by: top_spaces(index, by=by, k=bars) for by in ("likes", "trending")} if spaces else {},
        total_downloads=int(_downloads(index).sum()) if has_downloads else 0,
        earliest=earliest_day(index),
        leaders={f: lead for f in ("task", "library") if f in index.fields and (lead := leader(index, f)) is not None},
    )
    return replace(ins, headlines=headlines(ins))


def facts(catalog: Catalog, stats: CatalogStats | None = None) -> dict[Kind, KindFacts]:
    """Each kind's facts (count, snapshot, load, source), in `KINDS` order: from the catalog's stats (`stats`, when
    the caller has them already), without counting anything (a page shows them before the figures are ready)."""
    stats = (stats or catalog.stats()).kinds
    return {kind: KindFacts(kind, s.count, s.snapshot_date, s.loaded_at, s.source)
            for kind in KINDS if (s := stats.get(kind)) is not None}  # fmt: skip


def compute(catalog: Catalog, **options: int) -> Insights:
    """Every figure of every kind the catalog holds (a page may also ask `kind_insights` one kind at a time)."""
    return Insights({kind: kind_insights(catalog.index(kind), f, **options) for kind, f in facts(catalog).items()})
