"""Try-it inputs in the Hub widget's shapes: parsing a CLI/text-box input, each row's ``prepare`` (an input -> the
pipeline call, ``InvalidQueryError`` for a wrong shape), and reading a model card's widget examples.

Pure: nothing here imports torch or transformers (media are decoded by :mod:`lib.tryit.media` when given).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from lib.errors import InvalidQueryError
from lib.tryit import media

InputKind = Literal["text", "question+context", "source_sentence+sentences", "candidate_labels", "image", "audio"]


@dataclass(frozen=True)
class Call:
    """How to call a pipeline: ``pipe(*args, **kwargs)``."""

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


def parse_input(raw: str) -> Any:
    """A CLI/text-box input: a JSON object or array when it parses as one, else the text itself."""
    text = raw.strip()
    if text[:1] in "{[":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    return raw


def text_of(value: Any, task: str) -> str:
    if isinstance(value, dict):
        for key in ("inputs", "text"):
            if isinstance(value.get(key), str):
                return value[key]
    if isinstance(value, str) and value.strip():
        return value
    raise InvalidQueryError(f"{task} needs a non-empty text input", hint='Give a text, or {"inputs": "..."}.')


def prep_text(task: str, **kwargs: Any) -> Callable[[Any], Call]:
    return lambda value: Call((text_of(value, task),), dict(kwargs))


def prep_text_classification(value: Any) -> Call:
    if isinstance(value, dict) and "text_pair" in value:
        text = value.get("text")
        pair = value.get("text_pair")
        if not (isinstance(text, str) and isinstance(pair, str)):
            raise InvalidQueryError('text-classification pair input needs {"text": "...", "text_pair": "..."}')
        return Call(({"text": text, "text_pair": pair},), {"top_k": None})
    return Call((text_of(value, "text-classification"),), {"top_k": None})


def prep_qa(value: Any) -> Call:
    if not isinstance(value, dict) or not isinstance(value.get("question"), str) \
            or not isinstance(value.get("context"), str) or not value["question"].strip() \
            or not value["context"].strip():
        raise InvalidQueryError('question-answering needs {"question": "...", "context": "..."}')
    return Call((), {"question": value["question"], "context": value["context"]})


def labels_of(value: dict[str, Any]) -> list[str]:
    labels = value.get("candidate_labels")
    if labels is None and isinstance(value.get("parameters"), dict):
        labels = value["parameters"].get("candidate_labels")
    if isinstance(labels, str):
        labels = [s.strip() for s in labels.split(",")]
    if not isinstance(labels, list) or not labels or not all(isinstance(s, str) and s for s in labels):
        raise InvalidQueryError('zero-shot-classification needs {"inputs": "...", "candidate_labels": ["a", "b"]}')
    return labels


def prep_zero_shot(value: Any) -> Call:
    if not isinstance(value, dict):
        raise InvalidQueryError('zero-shot-classification needs {"inputs": "...", "candidate_labels": ["a", "b"]}')
    return Call((text_of(value, "zero-shot-classification"),), {"candidate_labels": labels_of(value)})


def similarity_input(value: Any) -> tuple[str, list[str]]:
    """``{"source_sentence": str, "sentences": [str, ...]}`` (also under ``"inputs"``) -> (source, sentences)."""
    if isinstance(value, dict) and isinstance(value.get("inputs"), dict):
        value = value["inputs"]
    if not isinstance(value, dict):
        raise InvalidQueryError('sentence-similarity needs {"source_sentence": "...", "sentences": ["...", ...]}')
    source, sentences = value.get("source_sentence"), value.get("sentences")
    if not isinstance(source, str) or not isinstance(sentences, list) or not sentences \
            or not all(isinstance(s, str) for s in sentences):
        raise InvalidQueryError('sentence-similarity needs {"source_sentence": "...", "sentences": ["...", ...]}')
    return source, sentences


def prep_similarity(value: Any) -> Call:
    source, sentences = similarity_input(value)
    return Call(([source, *sentences],), {})


def positional(value: Any) -> Call:
    return Call((value,), {})


def image_and_empty_prompt(value: Any) -> Call:
    """image-text-to-text reads a first positional argument as the prompt: the image goes by name."""
    return Call((), {"images": value, "text": ""})


def prep_media(task: str, kind: str, call: Callable[[Any], Call] = positional) -> Callable[[Any], Call]:
    def prepare(value: Any) -> Call:
        value = media.given(value, kind)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidQueryError(f"{task} needs an {kind}: a file path, a URL or bytes")
        return call(media.for_pipeline(kind, value))

    return prepare


# ------------------------------------------------------------------------------- a model card's widget examples


def _widget_text(item: dict[str, Any]) -> Any:
    return item.get("text")


def _widget_qa(item: dict[str, Any]) -> Any:
    return {"question": item.get("text"), "context": item.get("context")}


def _widget_zero_shot(item: dict[str, Any]) -> Any:
    return {"inputs": item.get("text"), "candidate_labels": labels_of(item)}


def _widget_similarity(item: dict[str, Any]) -> Any:
    return {"source_sentence": item.get("source_sentence"), "sentences": item.get("sentences")}


# The Hub widget's ``widget_data`` item for each input kind -> an input in this table's shape. Images and audio come
# as URLs (``{"src": ...}``), which the upload widgets cannot take: those keep the row's default.
FROM_WIDGET: dict[InputKind, Callable[[dict[str, Any]], Any]] = {
    "text": _widget_text,
    "question+context": _widget_qa,
    "candidate_labels": _widget_zero_shot,
    "source_sentence+sentences": _widget_similarity,
}
