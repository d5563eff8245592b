"""The compare page's two sources of facts: the live Hub (through `HubClient`) and the local catalog."""

from __future__ import annotations

from typing import Any

from lib import errors
from lib.records import ModelRecord, ParamCounts


class HubFacts:
    """Facts from the live Hub: the info, the safetensors counts and the config, each one request at most."""

    name = "hub"

    def __init__(self, client: Any) -> None:  # a lib.hub.HubClient
        self.client = client

    def record(self, repo_id: str) -> ModelRecord:
        return self.client.model(repo_id)

    def parameters(self, record: ModelRecord) -> ParamCounts | None:
        return self.client.parameters(record)

    def config(self, record: ModelRecord) -> dict[str, Any] | None:
        return self.client.config(record)

    def missing(self, what: str) -> str:
        return {
            "parameters": "no safetensors weights, so the Hub does not count the parameters",
            "config": "the repo has no config.json",
            "files": "the Hub did not give every file's size",
        }.get(what, "the Hub does not say")


class CatalogFacts:
    """Facts from the local catalog: its record only (no files, configs or cards)."""

    name = "catalog"

    def __init__(self, catalog: Any) -> None:  # a lib.catalog.Catalog
        self.catalog = catalog

    def record(self, repo_id: str) -> ModelRecord:
        record = self.catalog.get("models", repo_id)
        if record is None:
            raise errors.NotFoundError(f"Model {repo_id!r} is not in the local catalog.",
                                       hint="Check the id, or compare on the live Hub.")
        return record

    def parameters(self, record: ModelRecord) -> ParamCounts | None:
        return record.params

    def config(self, record: ModelRecord) -> dict[str, Any] | None:
        return None

    def missing(self, what: str) -> str:
        return {
            "parameters": "the catalog's dump has no parameter count for it",
            "config": "the local catalog holds no configs (compare on the live Hub for them)",
            "files": "the local catalog holds no file sizes (compare on the live Hub for them)",
        }.get(what, "the local catalog's dump does not have it")
