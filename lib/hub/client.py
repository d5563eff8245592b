"""`HubClient`: the app's typed view of the Hub, over `huggingface_hub.HfApi` (never hand-made HTTP).

Every method returns records from `lib.records` and raises only `lib.errors` errors.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from huggingface_hub import HfApi, RepoCard
from huggingface_hub import errors as hf_errors

from lib import errors
from lib.filters import BY_NAME, for_kind
from lib.query import SORT_DATA, SORTS_BY_KIND, Kind, SearchQuery, SearchResult, Sort
from lib.records import (
    DatasetRecord,
    ModelRecord,
    ParamCounts,
    RepoRecord,
    SpaceRecord,
    dataset_from_info,
    model_from_info,
    space_from_info,
)
from lib.settings import Settings, load_settings
from lib.sources import Aggregates, Capabilities, records_aggregates
from lib.translate import translated

#: The filters (`lib.filters.FILTERS` names) the live Hub's listing can apply, per kind; the others need the
#: local catalog's full metadata.
HUB_FILTERS: dict[Kind, frozenset[str]] = {
    "models": frozenset({"task", "library", "language", "license", "author", "gated", "params", "safetensors_only"}),
    "datasets": frozenset({"task", "language", "license", "author", "gated"}),
    "spaces": frozenset({"language", "license", "author", "sdk", "uses_model", "uses_dataset"}),
}
#: Why the live Hub cannot apply a filter, where the label alone would not say it well.
_HUB_CANNOT: dict[str, str] = {
    "created": "The live Hub cannot filter by creation or update date.",
    "updated": "The live Hub cannot filter by creation or update date.",
    "downloads": "The live Hub cannot filter by a range of downloads or likes.",
    "likes": "The live Hub cannot filter by a range of downloads or likes.",
    "hardware": "The live Hub cannot filter Spaces by hardware.",
    "stage": "The live Hub cannot filter Spaces by their runtime status.",
}
_HUB_HINT = "Choose the local catalog as the source (sidebar), or remove those options."

_HUB_SORT: dict[Sort, str] = {
    "trending": "trending_score",
    "downloads": "downloads",
    "likes": "likes",
    "created": "created_at",
    "updated": "last_modified",
}

#: The list API field (an `expand=` name) each data field of `lib.filters`/`lib.query.SORT_DATA` is read from;
#: None: list answers do not carry it (card facts come with full records or dumps).
_API_FIELD: dict[str, str | None] = {
    "author": "author", "created": "createdAt", "updated": "lastModified", "downloads": "downloads",
    "likes": "likes", "trending": "trendingScore", "task": "tags", "library": "library_name", "license": "tags",
    "language": "tags", "tag": "tags", "gated": "gated", "params": "safetensors", "sdk": "sdk",
    "hardware": "runtime", "has_card": None, "stage": "runtime", "uses_model": "models", "uses_dataset": "datasets",
}  # fmt: skip
_API_FIELD_BY_KIND: dict[tuple[Kind, str], str] = {("models", "task"): "pipeline_tag"}
#: What records show besides what filters and sorts read.
_SHOWN: dict[Kind, tuple[str, ...]] = {"models": ("private",), "datasets": ("private",), "spaces": ("private",)}


def _list_expand(kind: Kind) -> list[str]:
    """Every field a filter or sort of this kind reads, so that records (and a catalog synced with the same
    fields, `lib.catalog.sync`) carry what the pages filter, sort and show by."""
    data = [f.data for f in for_kind(kind)] + [SORT_DATA[s] for s in SORTS_BY_KIND[kind]]
    fields = [_API_FIELD_BY_KIND.get((kind, d), _API_FIELD[d]) for d in data]
    return list(dict.fromkeys([*(f for f in fields if f), *_SHOWN[kind]]))


#: Fields asked for in list answers, per kind (derived from the filter table and the sorts).
LIST_EXPAND: dict[Kind, list[str]] = {kind: _list_expand(kind) for kind in ("models", "datasets", "spaces")}

_REPO_TYPE: dict[Kind, str] = {"models": "model", "datasets": "dataset", "spaces": "space"}
_NOUN: dict[Kind, str] = {"models": "Model", "datasets": "Dataset", "spaces": "Space"}


#: The Hub's listing matches a substring of the repo id only.
_HUB_UNMODED = {
    "text": "The live Hub searches repo names only; searching descriptions and cards needs the local catalog.",
    "meaning": "The live Hub searches repo names only; searching by meaning needs the local catalog and its "
    "embeddings.",
}


def hub_capabilities(kind: Kind) -> Capabilities:
    """What the live Hub's listing answers for a kind: `HUB_FILTERS`, every sort but parameters, no counts."""
    filters = HUB_FILTERS[kind]
    unavailable = {f.name: _HUB_CANNOT.get(f.name, f"The live Hub cannot answer “{BY_NAME[f.name].label}”.")
                   for f in for_kind(kind) if f.name not in filters}  # fmt: skip
    sorts = tuple(s for s in SORTS_BY_KIND[kind] if s in _HUB_SORT)
    unsorted = {s: f"The live Hub cannot sort by {'parameters' if s == 'parameters' else s}."
                for s in SORTS_BY_KIND[kind] if s not in sorts}  # fmt: skip
    return Capabilities(kind=kind, source="the live Hub", filters=filters, sorts=sorts, default_sort="trending",
                        unavailable=unavailable, unsorted=unsorted, hint=_HUB_HINT, modes=("names",),
                        unmoded=_HUB_UNMODED)  # fmt: skip


def _count(n: int) -> str:
    for suffix, scale in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if n >= scale and n % scale == 0:
            return f"{n // scale}{suffix}"
    return str(n)


def num_parameters_filter(lo: int | None, hi: int | None) -> str | None:
    """The Hub's `num_parameters` filter ("min:1B,max:3B") for a parameter range; None when unbounded."""
    parts = ([f"min:{_count(lo)}"] if lo is not None else []) + ([f"max:{_count(hi)}"] if hi is not None else [])
    return ",".join(parts) or None


@dataclass(frozen=True)
class Card:
    """A repo card: YAML front matter parsed into `metadata`, the Markdown body as `text`."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, content: str) -> Card:
        card = RepoCard(content, ignore_metadata_errors=True)
        return cls(text=card.text, metadata=card.data.to_dict() if card.data else {})


@dataclass(frozen=True)
class Reachability:
    endpoint: str
    ok: bool
    latency_ms: float | None = None
    error: errors.HubExplorerError | None = None


def broke_off(err: errors.HubExplorerError, received: int, kind: Kind) -> errors.HubExplorerError:
    """`err` (same class, so retries and fallbacks treat it alike) saying that the Hub's paged listing broke off
    after `received` items: its first page came, a later one failed."""
    out = copy.copy(err)
    out.args = (f"The Hub's listing of {kind} broke off after {received:,} of them (a later page failed): {err}",)
    return out


class HubClient:
    """Search and read the Hub. Inject `api` (an `HfApi`) to point it elsewhere; tests use the fake Hub."""

    def __init__(self, settings: Settings | None = None, *, api: HfApi | None = None) -> None:
        self.settings = settings or load_settings()
        self.api = api or HfApi(endpoint=self.settings.endpoint, token=self.settings.token)

    @property
    def endpoint(self) -> str:
        return self.api.endpoint

    # --- the lib.sources.Source contract ------------------------------------------------------------
    name = "hub"
    label = "the live Hub"

    def capabilities(self, kind: Kind) -> Capabilities:
        return hub_capabilities(kind)

    def aggregates(self, query: SearchQuery) -> Aggregates:
        """Chart frames over the page of results this query fetches (the Hub does not count every match)."""
        return records_aggregates(self.search(query), query.kind)

    def get(self, kind: Kind, repo_id: str) -> RepoRecord | None:
        """A repo's full record; None when the Hub says it does not exist."""
        try:
            return self.info(kind, repo_id)
        except errors.NotFoundError:
            return None

    # --- search -------------------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResult:
        """One page of results. The Hub has no offset and no totals: we read `offset + limit + 1` items,
        keep the requested slice, and `has_more` tells whether another page exists. A filter or sort the Hub
        cannot apply (see `hub_capabilities`) raises `InvalidQueryError` saying which."""
        self.capabilities(query.kind).check(query)
        wanted = query.offset + query.limit + 1
        started = time.perf_counter()
        infos: list[Any] = []
        try:
            with translated(f"The {query.kind} search"):
                infos.extend(islice(self._list(query, wanted), wanted))
                parse = {"models": model_from_info, "datasets": dataset_from_info, "spaces": space_from_info}
                records: list[RepoRecord] = [parse[query.kind](i) for i in infos]  # type: ignore[operator]
        except errors.HubExplorerError as err:
            if infos:  # a later page of the Hub's listing failed (Link: rel="next"): say that it broke off
                raise broke_off(err, len(infos), query.kind) from err
            raise
        page = records[query.offset : query.offset + query.limit]
        return SearchResult(
            query=query,
            items=page,
            source="hub",
            total=None,
            has_more=len(records) > query.offset + query.limit,
            took_ms=(time.perf_counter() - started) * 1000,
        )

    def _list(self, q: SearchQuery, limit: int) -> Any:
        common: dict[str, Any] = {
            "search": q.text or None,
            "author": q.author or None,
            "sort": _HUB_SORT[q.sort],
            "limit": limit,
            "expand": LIST_EXPAND[q.kind],
        }
        tags = list(q.tags)
        if q.license:
            tags.append(f"license:{q.license}")
        if q.safetensors_only:
            tags.append("safetensors")  # the Hub tags models that have safetensors weights
        if q.kind == "models":
            if q.library:
                tags.append(q.library)
            if q.language:
                tags.append(q.language)
            return self.api.list_models(
                filter=tags or None,
                pipeline_tag=q.task or None,
                gated=q.gated,
                num_parameters=num_parameters_filter(q.params_min, q.params_max),
                **common,
            )
        if q.kind == "datasets":
            return self.api.list_datasets(
                filter=tags or None,
                task_categories=q.task or None,
                language=q.language or None,
                gated=q.gated,
                **common,
            )
        if q.language:
            tags.append(q.language)
        if q.sdk:
            tags.append(q.sdk)  # Spaces are tagged with their SDK
        return self.api.list_spaces(filter=tags or None, models=q.uses_model or None, datasets=q.uses_dataset or None,
                                    **common)  # fmt: skip

    # --- details ------------------------------------------------------------------------------------
    def model(self, repo_id: str) -> ModelRecord:
        """Full model info: card metadata, config, files with sizes, safetensors parameter counts."""
        with translated(f"Model {repo_id!r}"):
            return model_from_info(self.api.model_info(repo_id, files_metadata=True))

    def dataset(self, repo_id: str) -> DatasetRecord:
        with translated(f"Dataset {repo_id!r}"):
            return dataset_from_info(self.api.dataset_info(repo_id, files_metadata=True))

    def space(self, repo_id: str) -> SpaceRecord:
        with translated(f"Space {repo_id!r}"):
            return space_from_info(self.api.space_info(repo_id, files_metadata=True))

    def info(self, kind: Kind, repo_id: str) -> RepoRecord:
        return {"models": self.model, "datasets": self.dataset, "spaces": self.space}[kind](repo_id)

    def parameters(self, model: ModelRecord) -> ParamCounts | None:
        """Parameter counts by dtype: from the model info when the Hub sent them, else from the safetensors
        headers (a few small range requests). None when the repo has no safetensors weights."""
        if model.params is not None:
            return model.params
        if model.files is not None and not any(f.path.endswith(".safetensors") for f in model.files):
            return None
        try:
            with translated(f"Model {model.id!r}"):
                meta = self.api.get_safetensors_metadata(model.id)
        except errors.MalformedAnswerError as exc:
            if isinstance(exc.__cause__, (hf_errors.NotASafetensorsRepoError, hf_errors.SafetensorsParsingError)):
                return None
            raise
        except errors.NotFoundError:
            return None
        if not meta.parameter_count:
            return None
        return ParamCounts.from_mapping(meta.parameter_count)

    def config(self, model: ModelRecord) -> dict[str, Any] | None:
        """The model's full `config.json` (context length, sliding window...: the info's `config` holds only a few
        keys), at the info's revision; None when the repo has no such file."""
        if model.files is not None and not any(f.path == "config.json" for f in model.files):
            return None
        try:
            with translated(f"Model {model.id!r}"):
                path = self.api.hf_hub_download(model.id, "config.json", revision=model.sha)
        except errors.NotFoundError as exc:
            if isinstance(exc.__cause__, hf_errors.EntryNotFoundError):
                return None
            raise
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise errors.MalformedAnswerError(f"Model {model.id!r}'s config.json could not be read.") from exc
        return data if isinstance(data, dict) else None

    def card(self, kind: Kind, repo_id: str) -> Card | None:
        """The repo's README card, or None when it has none."""
        noun = f"{_NOUN[kind]} {repo_id!r}"
        try:
            with translated(noun):
                path = self.api.hf_hub_download(repo_id, "README.md", repo_type=_REPO_TYPE[kind])
        except errors.NotFoundError as exc:
            if isinstance(exc.__cause__, hf_errors.EntryNotFoundError):
                return None
            raise
        with open(path, encoding="utf-8", errors="replace") as fh:
            content = fh.read()
        return Card.parse(content)

    # --- health -------------------------------------------------------------------------------------
    def ping(self) -> Reachability:
        """Whether the endpoint answers a tiny listing, and how fast."""
        started = time.perf_counter()
        try:
            with translated("The Hub"):
                list(self.api.list_models(limit=1, expand=["downloads"]))
        except errors.HubExplorerError as exc:
            return Reachability(self.endpoint, ok=False, error=exc)
        return Reachability(self.endpoint, ok=True, latency_ms=(time.perf_counter() - started) * 1000)
