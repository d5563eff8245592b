"""Try-it inputs in the Hub widget's shapes: parsing a CLI/text-box input, each row's ``prepare`` (an input -> the
pipeline call, ``InvalidQueryError`` for a wrong shape), and reading a model card's widget examples.

Pure: nothing here imports torch or transformers (media are decoded by :mod:`lib.tryit.media` when given).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from lib.errors import InvalidQueryError
from lib.tryit import media

InputKind = Literal["text", "question+context", "source_sentence+sentences", "candidate_labels", "image", "audio",
                    "chat"]


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


# ------------------------------------------------------------------------------------------------------ chat

ROLES = ("system", "user", "assistant")
_CHAT_SHAPE = 'chat needs {"system": "...", "messages": [{"role": "user", "content": "..."}]} or a text'
# a turn starts with its speaker's name and a colon at the start of a line: "User: ..." / "Assistant: ..."
_TURN = re.compile(r"^(user|assistant|system)\s*:\s?", re.IGNORECASE | re.MULTILINE)


def chat_messages(value: Any) -> list[dict[str, str]]:
    """A chat input -> the messages a chat template reads, the system prompt first.

    Accepts ``{"system": str, "messages": [{"role", "content"}, ...]}`` (the panel's), ``{"messages": [...]}`` (the
    Hub widget's), a list of messages, or a plain text (one user message). The last message must be the user's:
    the model answers it. ``InvalidQueryError`` says what is wrong.
    """
    if isinstance(value, str):
        if not value.strip():
            raise InvalidQueryError("chat needs a message", hint="Write what the user says.")
        return [{"role": "user", "content": value}]
    system = None
    if isinstance(value, dict):
        system = value.get("system")
        value = value.get("messages")
    if not isinstance(value, list) or not value:
        raise InvalidQueryError(_CHAT_SHAPE)
    messages = []
    if isinstance(system, str) and system.strip():
        messages.append({"role": "system", "content": system})
    elif system is not None and not isinstance(system, str):
        raise InvalidQueryError("The system prompt must be a text.")
    for m in value:
        if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
            raise InvalidQueryError(_CHAT_SHAPE, hint=f"Each message has a role ({', '.join(ROLES)}) and a text.")
        messages.append({"role": m["role"], "content": m["content"]})
    if messages[-1]["role"] != "user" or not messages[-1]["content"].strip():
        raise InvalidQueryError("The last message must be the user's, and not empty: the model answers it.")
    return messages


def prep_chat(value: Any) -> Call:
    """The text-generation pipeline takes the messages and applies the model's chat template itself."""
    return Call((chat_messages(value),), {})


def parse_turns(text: str) -> list[dict[str, str]]:
    """A conversation typed as lines ``User: ...`` / ``Assistant: ...`` -> messages (a turn runs until the next
    speaker's line). A text with no speaker at all is one user message."""
    found = list(_TURN.finditer(text))
    if not found:
        return [{"role": "user", "content": text.strip()}] if text.strip() else []
    if text[:found[0].start()].strip():
        raise InvalidQueryError("Start each turn with 'User:' or 'Assistant:' at the beginning of a line.")
    turns = []
    for n, match in enumerate(found):
        end = found[n + 1].start() if n + 1 < len(found) else len(text)
        turns.append({"role": match.group(1).lower(), "content": text[match.end():end].strip()})
    return turns


def turns_text(messages: list[dict[str, Any]]) -> str:
    """Messages (not the system prompt) as the lines :func:`parse_turns` reads."""
    return "\n".join(f"{str(m.get('role', 'user')).capitalize()}: {m.get('content', '')}" for m in messages
                     if m.get("role") != "system")


def system_prompt(value: Any) -> str:
    """The system prompt of a chat input (its own key, or a system message), "" when none."""
    if isinstance(value, dict):
        if isinstance(value.get("system"), str):
            return value["system"]
        value = value.get("messages")
    if isinstance(value, list):
        for m in value:
            if isinstance(m, dict) and m.get("role") == "system" and isinstance(m.get("content"), str):
                return m["content"]
    return ""


def token_text(value: Any) -> str | None:
    """The text an input gives a model to read, for the tokens view: the text itself, the question and context,
    the sentences, the messages' contents; None for media or an empty input."""
    if isinstance(value, str):
        return value if value.strip() else None
    if not isinstance(value, dict):
        return None
    parts: list[Any] = []
    if "messages" in value:
        parts = [value.get("system")] + [m.get("content") for m in value.get("messages") or [] if isinstance(m, dict)]
    elif "question" in value:
        parts = [value.get("question"), value.get("context")]
    elif "source_sentence" in value:
        parts = [value.get("source_sentence"), *(value.get("sentences") or [])]
    else:
        parts = [value.get("inputs", value.get("text"))]
    text = "\n".join(p for p in parts if isinstance(p, str) and p.strip())
    return text or None


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


def _widget_chat(item: dict[str, Any]) -> Any:
    return {"messages": item.get("messages")}


# The Hub widget's ``widget_data`` item for each input kind -> an input in this table's shape. Images and audio come
# as URLs (``{"src": ...}``), which the upload widgets cannot take: those keep the row's default.
FROM_WIDGET: dict[InputKind, Callable[[dict[str, Any]], Any]] = {
    "text": _widget_text,
    "question+context": _widget_qa,
    "candidate_labels": _widget_zero_shot,
    "source_sentence+sentences": _widget_similarity,
    "chat": _widget_chat,
}
