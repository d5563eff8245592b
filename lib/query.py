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
from lib.records import RepoRecord

Kind = Literal["models", "datasets", "spaces"]
Sort = Literal["trending", "downloads", "likes", "created", "updated", "parameters"]

KINDS: tuple[Kind, ...] = get_args(Kind)
SORTS: tuple[Sort, ...] = get_args(Sort)
SORT_LABELS: dict[Sort, str] = {
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
#: Quality toggles: flag name -> (label, kinds it applies to).
QUALITY_FLAGS: dict[str, tuple[str, tuple[Kind, ...]]] = {
    "has_license": ("Has a license", KINDS),
    "has_card": ("Has a card", KINDS),
    "safetensors_only": ("Safetensors weights only", ("models",)),
    "originals_only": ("Originals only (fold derivatives)", ("models",)),
}
MAX_LIMIT = 1000
NONE_VALUE = "(none)"
"""Facet value for repos that carry no value for that facet (no task, no license, ...)."""


@dataclass(frozen=True, kw_only=True)
class SearchQuery:
    """One search: what to match, how to order it, which slice to return.

    Text is a case-insensitive literal substring of the repo id (the Hub's `search`): any character,
    `%`, `_`, quotes or regex syntax included, is matched as itself. Empty text matches everything.
    """

    kind: Kind = "models"
    text: str = ""
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
        if self.sort not in SORTS_BY_KIND[self.kind]:
            raise InvalidQueryError(
                f"{self.kind} cannot be sorted by {self.sort!r}; choose one of {', '.join(SORTS_BY_KIND[self.kind])}."
            )
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidQueryError(f"limit must be between 1 and {MAX_LIMIT}, not {self.limit}.")
        if self.offset < 0:
            raise InvalidQueryError(f"offset must be 0 or more, not {self.offset}.")
        if self.library and self.kind != "models":
            raise InvalidQueryError("Only models have a library.")
        if (self.params_min is not None or self.params_max is not None) and self.kind != "models":
            raise InvalidQueryError("Only models have a parameter count.")
        if (self.downloads_min is not None or self.downloads_max is not None) and self.kind == "spaces":
            raise InvalidQueryError("Spaces have no download counts.")
        for name in ("downloads_min", "downloads_max", "likes_min", "likes_max"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidQueryError(f"{name.replace('_', ' ').capitalize()} must be 0 or more, not {value}.")
        if (self.sdk or self.hardware) and self.kind != "spaces":
            raise InvalidQueryError("Only Spaces have an SDK and hardware.")
        for flag, (label, kinds) in QUALITY_FLAGS.items():
            if getattr(self, flag) and self.kind not in kinds:
                raise InvalidQueryError(f"{label!r} applies to {', '.join(kinds)} only.")
        for lo, hi, what in (
            (self.created_from, self.created_to, "created"),
            (self.updated_from, self.updated_to, "updated"),
            (self.params_min, self.params_max, "parameters"),
            (self.downloads_min, self.downloads_max, "downloads"),
            (self.likes_min, self.likes_max, "likes"),
        ):
            if lo is not None and hi is not None and lo > hi:
                raise InvalidQueryError(f"The {what} range is empty: {lo} is after {hi}.")

    def replace(self, **changes: object) -> SearchQuery:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def describe(self, total: int | None = None) -> str:
        """Plain words for what is shown: "1,204 models matching 'bert' where task = fill-mask, by downloads"."""
        noun = self.kind if total != 1 else self.kind[:-1]
        head = f"{total:,} {noun}" if total is not None else self.kind.capitalize()
        if self.text:
            head += f" matching {self.text!r}"
        conds = [
            f"{name} = {value}"
            for name, value in (
                ("task", self.task),
                ("library", self.library),
                ("language", self.language),
                ("license", self.license),
                ("author", self.author),
            )
            if value
        ]
        conds += [f"tag = {t}" for t in self.tags]
        conds += [f"{name} = {value}" for name, value in (("SDK", self.sdk), ("hardware", self.hardware)) if value]
        conds += [QUALITY_FLAGS[f][0].split(" (")[0].lower() for f in QUALITY_FLAGS if getattr(self, f)]
        if self.gated is not None:
            conds.append("gated" if self.gated else "not gated")
        if self.params_min is not None or self.params_max is not None:
            lo = _short(self.params_min) if self.params_min is not None else "0"
            conds.append(f"parameters {lo}–{_short(self.params_max)}" if self.params_max is not None
                         else f"parameters ≥ {lo}")
        for which in ("downloads", "likes"):
            lo, hi = getattr(self, f"{which}_min"), getattr(self, f"{which}_max")
            if lo is not None or hi is not None:
                conds.append(describe_range(which, lo, hi))
        for which in ("created", "updated"):
            start, end = getattr(self, f"{which}_from"), getattr(self, f"{which}_to")
            if start and end:
                conds.append(f"{which} {start.isoformat()} to {end.isoformat()}")
            elif start:
                conds.append(f"{which} since {start.isoformat()}")
            elif end:
                conds.append(f"{which} until {end.isoformat()}")
        if conds:
            head += " where " + " and ".join(conds)
        return f"{head}, by {SORT_LABELS[self.sort].lower().removeprefix('most ')}"


def _short(n: int) -> str:
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            return f"{n / scale:g}{suffix}"
    return str(n)


def describe_range(name: str, lo: int | None, hi: int | None) -> str:
    """Plain words for an inclusive count range: "downloads 1K–50K", "likes ≥ 10", "likes ≤ 100"."""
    if lo is not None and hi is not None:
        return f"{name} {_short(lo)}–{_short(hi)}"
    return f"{name} ≥ {_short(lo)}" if lo is not None else f"{name} ≤ {_short(hi or 0)}"


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class Facet:
    """Counts of one field's values over all matches, by count descending then value ascending."""

    name: str
    values: tuple[FacetValue, ...]
    truncated: bool = False


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
