"""The search contract every source answers: the live Hub (`lib.hub`) and the local catalog (`lib.catalog`).

A page builds a `SearchQuery`, hands it to a source's `search()` and renders the `SearchResult`;
it never needs to know which source answered.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args

from lib.errors import InvalidQueryError
from lib.filters import FILTERS, describe_range  # noqa: F401 - describe_range: re-exported (tests word ranges)
from lib.records import RepoRecord

Kind = Literal["models", "datasets", "spaces"]
Sort = Literal["trending", "downloads", "likes", "created", "updated", "parameters", "relevance"]
Mode = Literal["names", "text", "meaning"]
"""How the search text matches (`?mode=`): a substring of the repo id (the Hub's own search), the words of what a
repo is about (full text over id words, tags, descriptions and cards, BM25-ranked), or its meaning (similarity of
sentence embeddings). Only ``names`` is a filter on the id; the other two rank their matches by relevance."""

KINDS: tuple[Kind, ...] = get_args(Kind)
MODES: tuple[Mode, ...] = get_args(Mode)
MODE_LABELS: dict[Mode, str] = {"names": "Names", "text": "Names and descriptions", "meaning": "Meaning"}
MODE_HELP: dict[Mode, str] = {
    "names": "Part of the repo id, as on the Hub: letters are matched case-insensitively, symbols literally.",
    "text": "Words in the id, tags, description or card (every word must appear), best match first.",
    "meaning": "Plain words for what you need; repos are ranked by how close their description is in meaning.",
}
#: Sorts that order repos by a field. "relevance" orders them by how well they match a text or meaning search
#: (only with those modes), so it is in no kind's list here.
SORTS: tuple[Sort, ...] = tuple(s for s in get_args(Sort) if s != "relevance")
RELEVANCE: Sort = "relevance"
SORT_LABELS: dict[Sort, str] = {
    "relevance": "Best match",
    "trending": "Trending",
    "downloads": "Most downloads",
    "likes": "Most likes",
    "created": "Recently created",
    "updated": "Recently updated",
    "parameters": "Most parameters",
}
#: Spaces have no download counts, so they cannot be sorted by them.
SORTS_BY_KIND: dict[Kind, tuple[Sort, ...]] = {
    "models": SORTS,
    "datasets": ("trending", "downloads", "likes", "created", "updated"),
    "spaces": ("trending", "likes", "created", "updated"),
}
#: The data field each sort orders by (see `lib.sources.Capabilities`: a source without it cannot sort by it).
SORT_DATA: dict[Sort, str] = {
    "trending": "trending", "downloads": "downloads", "likes": "likes", "created": "created", "updated": "updated",
    "parameters": "params",
}  # fmt: skip
#: Quality toggles: flag name -> (label, kinds it applies to). Derived from `lib.filters.FILTERS`.
QUALITY_FLAGS: dict[str, tuple[str, tuple[Kind, ...]]] = {
    f.name: (f.label, f.kinds) for f in FILTERS if f.control == "toggle"
}
MAX_LIMIT = 1000
NONE_VALUE = "(none)"
"""Facet value for repos that carry no value for that facet (no task, no license, ...)."""


def plural(kind: Kind) -> str:
    """A kind as a sentence names its repos: "models", "datasets", "Spaces" (a proper noun on the Hub)."""
    return "Spaces" if kind == "spaces" else kind


@dataclass(frozen=True, kw_only=True)
class SearchQuery:
    """One search: what to match, how to order it, which slice to return.

    Text is a case-insensitive literal substring of the repo id (the Hub's `search`): any character,
    `%`, `_`, quotes or regex syntax included, is matched as itself. Empty text matches everything.
    """

    kind: Kind = "models"
    text: str = ""
    mode: Mode = "names"  # how `text` matches (see `Mode`)
    author: str | None = None
    task: str | None = None  # models: pipeline_tag; datasets: a task_categories tag
    library: str | None = None  # models only: library_name
    language: str | None = None
    license: str | None = None
    tags: tuple[str, ...] = ()
    gated: bool | None = None
    created_from: date | None = None
    created_to: date | None = None
    updated_from: date | None = None
    updated_to: date | None = None
    params_min: int | None = None  # models only, when the parameter count is known
    params_max: int | None = None
    downloads_min: int | None = None  # inclusive bounds; repos whose count is unknown never match a range
    downloads_max: int | None = None  # (Spaces have no download counts)
    likes_min: int | None = None
    likes_max: int | None = None
    sdk: str | None = None  # Spaces only: gradio, streamlit, docker, static
    hardware: str | None = None  # Spaces only: cpu-basic, t4-small, ...
    stage: str | None = None  # Spaces only: the runtime stage, RUNNING, SLEEPING, RUNTIME_ERROR, ...
    uses_model: str | None = None  # Spaces only: a model (repo id) the Space uses
    uses_dataset: str | None = None  # Spaces only: a dataset (repo id) the Space uses
    has_license: bool = False  # a license: tag or card license
    has_card: bool = False  # a README card is known to exist
    safetensors_only: bool = False  # models with safetensors weights
    originals_only: bool = False  # models without base_model: tags (finetunes, quantizations, adapters and
    # merges are folded under their base; SearchResult.folded says how many)
    sort: Sort = "trending"
    limit: int = 50
    offset: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidQueryError(f"Unknown kind {self.kind!r}; choose one of {', '.join(KINDS)}.")
        if self.mode not in MODES:
            raise InvalidQueryError(f"Unknown search mode {self.mode!r}; choose one of {', '.join(MODES)}.")
        if self.sort == RELEVANCE:
            if self.mode == "names":
                raise InvalidQueryError("“Best match” ranks searches by words or by meaning; a name search is "
                                        "sorted by a field: choose another sort.")  # fmt: skip
        elif self.sort not in SORTS_BY_KIND[self.kind]:
            raise InvalidQueryError(
                f"{self.kind} cannot be sorted by {self.sort!r}; choose one of {', '.join(SORTS_BY_KIND[self.kind])}."
            )
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidQueryError(f"limit must be between 1 and {MAX_LIMIT}, not {self.limit}.")
        if self.offset < 0:
            raise InvalidQueryError(f"offset must be 0 or more, not {self.offset}.")
        for f in FILTERS:  # one table says which kind has which filter (lib.filters)
            if not f.is_set(self):
                continue
            if self.kind not in f.kinds:
                raise InvalidQueryError(f"{f.not_for[:1].upper()}{f.not_for[1:]}.")
            problem = f.problem(self)
            if problem:
                raise InvalidQueryError(problem)

    def replace(self, **changes: object) -> SearchQuery:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def describe(self, total: int | None = None, *, words: bool = False) -> str:
        """Plain words for what is shown: "1,204 models matching 'bert' where task = fill-mask, by downloads"; with
        `words`, values as the page shows them ("where task = Fill-Mask"; see `Filter.describe`)."""
        many = plural(self.kind)
        noun = many if total != 1 else many[:-1]
        head = f"{total:,} {noun}" if total is not None else many.capitalize()
        if self.text:
            head += {"names": " matching", "text": " with the words", "meaning": " about"}[self.mode]
            head += f" {self.text!r}"
        conds = [said for f in FILTERS if (said := f.describe(self, words=words))]
        conds += [f"tag = {t}" for t in self.tags]
        if conds:
            head += " where " + " and ".join(conds)
        return f"{head}, by {SORT_LABELS[self.sort].lower().removeprefix('most ')}"


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class Facet:
    """Counts of one filter's values over all matches, by count descending then value ascending: a field's values
    (task, license...), or a filter's own values (gated: yes/no, params: the presets, a toggle: yes). A value no
    match has is left out; `truncated` says that values were cut (only the most frequent are listed).

    A filter that is set is counted over the matches without it: each value says what choosing it gives."""

    name: str
    values: tuple[FacetValue, ...]
    truncated: bool = False

    def count_of(self, value: str) -> int | None:
        """`value`'s count: 0 when it is not listed and nothing was cut, None when it may have been cut (unknown)."""
        for v in self.values:
            if v.value == value:
                return v.count
        return None if self.truncated else 0


@dataclass
class SearchResult:
    """What a source answers.

    `total` is the number of matches when the source knows it (the catalog), `None` otherwise
    (the live Hub does not count). `has_more` says whether matches exist past this page.
    """

    query: SearchQuery
    items: list[RepoRecord]
    source: Literal["hub", "catalog"]
    total: int | None = None
    has_more: bool = False
    facets: dict[str, Facet] = field(default_factory=dict)
    took_ms: float = 0.0
    folded: int | None = None  # with originals_only: how many derivatives were folded under their base
    #: text and meaning modes: for some items (by repo id), the text that matched, as (piece, matched) pairs
    #: in reading order, so that a page can mark the matched words without ever reading the text as Markdown
    snippets: dict[str, tuple[tuple[str, bool], ...]] = field(default_factory=dict)
