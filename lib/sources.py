"""One contract for everything that answers a search: the live Hub (`lib.hub.HubClient`) and the local catalog
(`lib.catalog.Catalog`) both implement `Source`.

A page never asks *which* source answered: it asks the source's `Capabilities` what it can do (filters, sorts,
facets, whether it counts every match) and why not, and offers only that. Capabilities follow the data, not only
the source type: a catalog loaded from a dump without trending scores cannot sort by trending, and says so.

Pure: no Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from lib.errors import InvalidQueryError
from lib.filters import FILTERS, for_kind
from lib.query import MODE_LABELS, RELEVANCE, SORT_DATA, SORT_LABELS, Kind, Mode, SearchQuery, SearchResult, Sort
from lib.records import RepoRecord

if TYPE_CHECKING:
    import pandas as pd

#: Sorts in the order a default is picked: the first one a source can answer is its default.
DEFAULT_SORTS: tuple[Sort, ...] = ("trending", "downloads", "likes", "created", "updated", "parameters")
#: Below this share of rows holding a value, a catalog is said not to hold the field at all.
MIN_SHARE = 0.001
#: Data fields in words, for the reasons a source gives ("this catalog's models dump has no trending scores").
DATA_WORDS: dict[str, str] = {
    "trending": "trending scores", "downloads": "download counts", "likes": "like counts",
    "created": "creation dates", "updated": "update dates", "params": "parameter counts", "gated": "gated flags",
    "has_card": "card information", "task": "tasks", "library": "libraries", "license": "licenses",
    "language": "languages", "author": "authors", "sdk": "SDKs", "hardware": "hardware", "tag": "tags",
    "stage": "runtime statuses", "uses_model": "models used", "uses_dataset": "datasets used",
}  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Capabilities:
    """What one source can answer for one kind, and why not the rest.

    `filters` are names of `lib.filters.FILTERS` rows; `unavailable` gives the reason for every filter of the kind
    that is not in `filters`, `unsorted` for every sort that is not in `sorts`. `coverage` is the share of rows
    holding each data field (the catalog measures it; empty for the live Hub, which is not measured)."""

    kind: Kind
    source: str  # who answers, in words: "the live Hub", "the local catalog"
    filters: frozenset[str]
    sorts: tuple[Sort, ...]
    default_sort: Sort
    facets: tuple[str, ...] = ()  # fields a result counts (filter values shown with their counts)
    counts_matches: bool = False  # totals, facets and charts cover every match (not just the fetched page)
    holds: bool = True  # whether the source has this kind at all
    coverage: Mapping[str, float] = field(default_factory=dict)
    unavailable: Mapping[str, str] = field(default_factory=dict)
    unsorted: Mapping[str, str] = field(default_factory=dict)
    hint: str = ""  # what to do about a refusal
    modes: tuple[Mode, ...] = ("names",)  # how search text can match (lib.query.Mode)
    unmoded: Mapping[str, str] = field(default_factory=dict)  # why not, for every mode not in `modes`

    def can_filter(self, name: str) -> bool:
        return name in self.filters

    def can_sort(self, sort: str) -> bool:
        """Whether this source orders by `sort`; "relevance" goes with the ranked modes (text, meaning)."""
        if sort == RELEVANCE:
            return any(m != "names" for m in self.modes)
        return sort in self.sorts

    def can_mode(self, mode: str) -> bool:
        return mode in self.modes

    def why_not_mode(self, mode: str) -> str:
        """Why this source cannot search in `mode` ("" when it can)."""
        if self.can_mode(mode):
            return ""
        label = MODE_LABELS.get(mode, mode)  # type: ignore[call-overload]
        return self.unmoded.get(mode, f"{self.source} cannot search by “{label}”.")

    def why_not(self, name: str) -> str:
        """Why this source cannot filter by `name` ("" when it can)."""
        return "" if self.can_filter(name) else self.unavailable.get(name, f"{self.source} cannot filter by {name}.")

    def why_not_sort(self, sort: str) -> str:
        """Why this source cannot sort by `sort` ("" when it can)."""
        return "" if self.can_sort(sort) else self.unsorted.get(sort, f"{self.source} cannot sort by {sort}.")

    def refusals(self, query: SearchQuery, *, sort: bool = True) -> list[str]:
        """The reasons this source cannot answer `query` (its filters, and its sort unless `sort` is False); empty
        when it can. Each reason appears once."""
        reasons = [self.why_not(f.name) for f in FILTERS if f.is_set(query) and not self.can_filter(f.name)]
        if not self.can_mode(query.mode):
            reasons.insert(0, self.why_not_mode(query.mode))
        if sort and not self.can_sort(query.sort):
            reasons.append(self.why_not_sort(query.sort))
        return list(dict.fromkeys(reasons))

    def check(self, query: SearchQuery, *, sort: bool = True) -> None:
        """Raise `InvalidQueryError` saying why, when this source cannot answer `query`."""
        reasons = self.refusals(query, sort=sort)
        if reasons:
            raise InvalidQueryError(" ".join(reasons), hint=self.hint or None)

    def fit_sort(self, query: SearchQuery) -> tuple[SearchQuery, str | None]:
        """`query` with a sort this source can answer: its own, else the default sort, with the reason."""
        if self.can_sort(query.sort) or not self.sorts or query.sort == RELEVANCE:
            return query, None
        fitted = query.replace(sort=self.default_sort)
        label = SORT_LABELS[self.default_sort].lower().removeprefix("most ")
        return fitted, f"{self.why_not_sort(query.sort)} Sorted by {label} instead."

    def missing_data(self) -> list[str]:
        """The data fields (of this kind's filters and sorts) this source measured and found (nearly) empty, in
        words ("trending scores")."""
        return [DATA_WORDS.get(name, name) for name, share in self.coverage.items() if share < MIN_SHARE]


def default_sort(sorts: tuple[Sort, ...]) -> Sort:
    """The sort a page starts with: the first of `DEFAULT_SORTS` among `sorts` ("trending" when there is none)."""
    return next((s for s in DEFAULT_SORTS if s in sorts), "trending")


def from_coverage(kind: Kind, coverage: Mapping[str, float], sorts: tuple[Sort, ...], *, source: str,
                  facets: tuple[str, ...], hint: str = "", modes: tuple[Mode, ...] = ("names",),
                  unmoded: Mapping[str, str] | None = None) -> Capabilities:  # fmt: skip
    """The capabilities of a source that can answer every filter and sort in principle (the catalog), limited to
    the data it holds: a filter or sort whose data field is held by fewer than `MIN_SHARE` of the rows is not
    offered, with the reason."""
    def holds(data: str) -> bool:
        return coverage.get(data, 0.0) >= MIN_SHARE

    def lacks(data: str) -> str:
        return f"This catalog's {kind} dump has no {DATA_WORDS.get(data, data)}."

    relevant = {f.data for f in for_kind(kind)} | {SORT_DATA[s] for s in sorts}
    coverage = {name: share for name, share in coverage.items() if name in relevant}
    filters = frozenset(f.name for f in for_kind(kind) if holds(f.data))
    unavailable = {f.name: lacks(f.data) for f in for_kind(kind) if f.name not in filters}
    usable = tuple(s for s in sorts if holds(SORT_DATA[s]))
    unsorted = {s: lacks(SORT_DATA[s]) for s in sorts if s not in usable}
    return Capabilities(kind=kind, source=source, filters=filters, sorts=usable, default_sort=default_sort(usable),
                        facets=tuple(f for f in facets if f in filters), counts_matches=True, coverage=dict(coverage),
                        unavailable=unavailable, unsorted=unsorted, hint=hint, modes=modes,
                        unmoded=dict(unmoded or {}))  # fmt: skip


@dataclass(frozen=True)
class Aggregates:
    """The chart frames of a query's result set (see `lib.charts`): over every match (`complete`), or over the
    fetched results only (`matches` of them; `has_more` when more exist)."""

    frames: dict[str, pd.DataFrame]
    matches: int
    complete: bool
    has_more: bool = False


@runtime_checkable
class Source(Protocol):
    """Anything that answers a `SearchQuery`. `name` is its id in a URL (``hub``, ``catalog``), `label` the words
    a page uses for it ("the live Hub")."""

    name: str
    label: str

    def search(self, query: SearchQuery) -> SearchResult: ...

    def aggregates(self, query: SearchQuery) -> Aggregates: ...

    def get(self, kind: Kind, repo_id: str) -> RepoRecord | None: ...

    def capabilities(self, kind: Kind) -> Capabilities: ...


def records_aggregates(result: SearchResult, kind: Kind) -> Aggregates:
    """Chart frames over the records one result fetched (for a source that cannot count every match)."""
    from lib import charts  # altair and pandas: only when charts are asked for

    frames: dict[str, Any] = charts.aggregate_results(result.items, kind)
    return Aggregates(frames=frames, matches=len(result.items), complete=False, has_more=result.has_more)
