"""Pick fixture repos by property (gated, HTML card, ...) from the fake Hub's fixture files, so tests name
what they need instead of hard-coding ids that a fixture edit could silently change."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hub"


@cache
def records(kind: str) -> tuple[dict[str, Any], ...]:
    return tuple(json.loads((FIXTURES / f"{kind}.json").read_text(encoding="utf-8")))


def card_text(kind: str, repo_id: str) -> str | None:
    path = FIXTURES / "cards" / kind / (repo_id.replace("/", "__") + ".md")
    return path.read_text(encoding="utf-8") if path.exists() else None


def public_models() -> list[dict[str, Any]]:
    return [m for m in records("models") if not m.get("private")]


def first_model(predicate) -> dict[str, Any]:
    for model in public_models():
        if predicate(model):
            return model
    raise LookupError("no fixture model matches")


def gated_model_id() -> str:
    return first_model(lambda m: m.get("gated") not in (None, False) and m.get("safetensors"))["id"]


def html_card_model_id() -> str:
    return first_model(lambda m: "<script" in (card_text("models", m["id"]) or ""))["id"]


def safetensors_model() -> dict[str, Any]:
    return first_model(lambda m: m.get("safetensors") and not m.get("gated") and m.get("config"))


def no_card_model_id() -> str:
    return first_model(lambda m: not any(s["rfilename"] == "README.md" for s in m.get("siblings", [])))["id"]
