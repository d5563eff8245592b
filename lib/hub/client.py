"""`HubClient`: the app's typed view of the Hub, over `huggingface_hub.HfApi` (never hand-made HTTP).

Every method returns records from `lib.records` and raises only `lib.errors` errors.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from huggingface_hub import HfApi, RepoCard
from huggingface_hub import errors as hf_errors

from lib import errors
from lib.query import QUALITY_FLAGS, Kind, SearchQuery, SearchResult, Sort
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
from lib.translate import translated

#: Quality toggles the live Hub can answer (the others need the catalog's full metadata).
LIVE_FLAGS = frozenset({"safetensors_only"})

_HUB_SORT: dict[Sort, str] = {
    "trending": "trending_score",
    "downloads": "downloads",
    "likes": "likes",
    "created": "created_at",
    "updated": "last_modified",
}

#: Fields asked for in list answers: what the result tables show.
LIST_EXPAND: dict[Kind, list[str]] = {
    "models": [
        "author", "createdAt", "lastModified", "downloads", "likes", "trendingScore",
        "pipeline_tag", "library_name", "tags", "gated", "private", "safetensors",
    ],
    "datasets": [
        "author", "createdAt", "lastModified", "downloads", "likes", "trendingScore", "tags", "gated", "private",
    ],
    "spaces": ["author", "createdAt", "lastModified", "likes", "trendingScore", "sdk", "tags", "runtime", "private"],
}

_REPO_TYPE: dict[Kind, str] = {"models": "model", "datasets": "dataset", "spaces": "space"}
_NOUN: dict[Kind, str] = {"models": "Model", "datasets": "Dataset", "spaces": "Space"}


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


class HubClient:
    """Search and read the Hub. Inject `api` (an `HfApi`) to point it elsewhere; tests use the fake Hub."""

    def __init__(self, settings: Settings | None = None, *, api: HfApi | None = None) -> None:
        self.settings = settings or load_settings()
        self.api = api or HfApi(endpoint=self.settings.endpoint, token=self.settings.token)

    @property
    def endpoint(self) -> str:
        return self.api.endpoint

    # --- search -------------------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResult:
        """One page of results. The Hub has no offset and no totals: we read `offset + limit + 1` items,
        keep the requested slice, and `has_more` tells whether another page exists."""
        if any(v is not None for v in (query.created_from, query.created_to, query.updated_from, query.updated_to)):
            raise errors.InvalidQueryError(
                "The live Hub cannot filter by creation or update date.",
                hint="Load a local catalog (see the README) to use date windows.",
            )
        if any(v is not None for v in (query.downloads_min, query.downloads_max, query.likes_min, query.likes_max)):
            raise errors.InvalidQueryError(
                "The live Hub cannot filter by a range of downloads or likes.",
                hint="Load a local catalog (see the README) to use download and like ranges, or remove them.",
            )
        needs_catalog = [label for flag, (label, _) in QUALITY_FLAGS.items()
                         if getattr(query, flag) and flag not in LIVE_FLAGS]
        if query.sort == "parameters":
            needs_catalog.append("sorting by parameters")
        if query.hardware:
            needs_catalog.append("a hardware filter")
        if needs_catalog:
            raise errors.InvalidQueryError(
                f"The live Hub cannot answer: {', '.join(needs_catalog)}.",
                hint="Choose the local catalog as the source (sidebar), or remove those options.",
            )
        wanted = query.offset + query.limit + 1
        started = time.perf_counter()
        with translated(f"The {query.kind} search"):
            infos = list(islice(self._list(query, wanted), wanted))
            parse = {"models": model_from_info, "datasets": dataset_from_info, "spaces": space_from_info}[query.kind]
            records: list[RepoRecord] = [parse(i) for i in infos]  # type: ignore[arg-type]
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
        common: dict[str, Any] = dict(
            search=q.text or None,
            author=q.author or None,
            sort=_HUB_SORT[q.sort],
            limit=limit,
            expand=LIST_EXPAND[q.kind],
        )
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
        if q.task:
            tags.append(q.task)
        if q.language:
            tags.append(q.language)
        if q.sdk:
            tags.append(q.sdk)  # Spaces are tagged with their SDK
        if q.gated is not None:
            raise errors.InvalidQueryError("Spaces cannot be filtered by gating.")
        return self.api.list_spaces(filter=tags or None, **common)

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
