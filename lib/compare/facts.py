"""What is known about each compared model, gathered from one source, and why a fact is missing.

`gather(ids, source)` asks for every model at once (a thread per model): from the live Hub one `model_info`
(files with sizes, card metadata, safetensors counts), the `config.json` (context length, architecture) and,
only when the info had no counts, the safetensors headers; from the local catalog, the catalog's record. Each
model's facts carry the reasons for what is missing ("the local catalog has no configs"), so a page shows a dash
with the reason, never an error. A model that cannot be read at all (not found, gated...) keeps its error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from lib import errors
from lib.records import ModelRecord, ParamCounts

MAX_MODELS = 6


class FactSource(Protocol):
    """Where facts come from: `lib.compare.sources` has the live Hub's and the catalog's."""

    name: str

    def record(self, repo_id: str) -> ModelRecord: ...

    def parameters(self, record: ModelRecord) -> ParamCounts | None: ...

    def config(self, record: ModelRecord) -> dict[str, Any] | None: ...

    def missing(self, what: str) -> str:
        """Why `what` ("config", "parameters", "files", ...) is unknown for a model from this source."""
        ...


@dataclass(frozen=True)
class ModelFacts:
    """One column of the comparison."""

    id: str
    record: ModelRecord | None = None
    params: ParamCounts | None = None
    config: dict[str, Any] | None = None
    error: errors.HubExplorerError | None = None
    reasons: dict[str, str] = field(default_factory=dict)  # fact -> why it is unknown

    @property
    def ok(self) -> bool:
        return self.record is not None


def parse_ids(raw: str | Sequence[str]) -> tuple[list[str], list[str]]:
    """Model ids from `?models=a,b,c` (or a list): (ids in order without repeats, notes on what was dropped)."""
    from lib.urlstate import is_valid_repo_id

    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    ids: list[str] = []
    notes: list[str] = []
    for part in (p.strip() for p in parts):
        if not part or part in ids:
            continue
        if not is_valid_repo_id(part):
            notes.append(f"Ignored {part[:100]!r}: not a repo id (owner/name).")
        elif len(ids) >= MAX_MODELS:
            notes.append(f"Ignored {part!r}: at most {MAX_MODELS} models are compared at once.")
        else:
            ids.append(part)
    return ids, notes


def _one(repo_id: str, source: FactSource) -> ModelFacts:
    reasons: dict[str, str] = {}
    try:
        record = source.record(repo_id)
    except errors.HubExplorerError as exc:
        return ModelFacts(id=repo_id, error=exc)
    params: ParamCounts | None = None
    config: dict[str, Any] | None = None
    with ThreadPoolExecutor(max_workers=2) as pool:  # the config and the counts are independent requests
        params_job = pool.submit(_soft, lambda: source.parameters(record))
        config_job = pool.submit(_soft, lambda: source.config(record))
        params, params_error = params_job.result()
        config, config_error = config_job.result()
    if params is None:
        reasons["parameters"] = params_error or source.missing("parameters")
    if config is None:
        reasons["config"] = config_error or source.missing("config")
    if record.files is None or any(f.size is None for f in record.files):
        reasons["files"] = source.missing("files")
    return ModelFacts(id=repo_id, record=record, params=params, config=config, reasons=reasons)


def _soft(call: Callable[[], Any]) -> tuple[Any, str | None]:
    """A secondary fact: its failure is a reason for a dash, never an error for the page."""
    try:
        return call(), None
    except errors.HubExplorerError as exc:
        return None, f"{exc.title}: {exc}"


def gather(ids: Sequence[str], source: FactSource) -> list[ModelFacts]:
    """Every model's facts, asked for concurrently, in the order given."""
    if not ids:
        return []
    with ThreadPoolExecutor(max_workers=min(len(ids), MAX_MODELS)) as pool:
        return list(pool.map(lambda repo_id: _one(repo_id, source), ids))


def read_config(path: str) -> dict[str, Any] | None:
    """A downloaded config.json as a dict (None when it is not a JSON object)."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise errors.MalformedAnswerError(f"The model's config.json could not be read ({type(exc).__name__}).") \
            from exc
    return data if isinstance(data, dict) else None
