"""The try-it task table: one row per task, in the spirit of transformers' ``SUPPORTED_TASKS``.

Each row says which input the task takes (``input_kind``, with the Hub widget's conventions), a default example,
which transformers pipeline serves it, how an input becomes the pipeline call (``prepare``) and how the pipeline's
output becomes what a page shows (``postprocess``, pure: plain data in, plain data out, unit-testable).

transformers 5 dropped the ``question-answering``, ``text2text-generation``, ``summarization`` and ``translation``
pipelines; rows for those set ``engine`` to a small built-in runner in :mod:`lib.tryit.runner` with the same output
shapes the old pipelines had. ``image-to-text`` runs through ``image-text-to-text``.

Nothing here imports torch or transformers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lib.errors import InvalidQueryError

InputKind = Literal[
    "text", "text-pair", "question+context", "source_sentence+sentences", "candidate_labels", "image", "audio"
]
Engine = Literal["pipeline", "seq2seq", "extractive-qa"]


@dataclass(frozen=True)
class Call:
    """How to call a pipeline: ``pipe(*args, **kwargs)``."""

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskSpec:
    """One row of the table.

    ``prepare(value)`` turns an input (already parsed from text or JSON) into a :class:`Call`, raising
    ``InvalidQueryError`` when the input has the wrong shape; ``postprocess(output, value)`` turns the raw output
    into what a page shows. ``pipeline_task`` is the transformers task loaded (for ``engine="pipeline"``).
    """

    task: str
    label: str
    input_kind: InputKind
    example: Any
    pipeline_task: str
    prepare: Callable[[Any], Call]
    postprocess: Callable[[Any, Any], Any]
    engine: Engine = "pipeline"
    generates: bool = False  # tokens per second applies
    prefix: str = ""  # seq2seq prompt prefix (T5 style), used when the model's config gives none


# --------------------------------------------------------------------------------------------- input parsing


def parse_input(raw: str) -> Any:
    """A CLI/text-box input: a JSON object or array when it parses as one, else the text itself."""
    text = raw.strip()
    if text[:1] in "{[":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    return raw


def _text(value: Any, task: str) -> str:
    if isinstance(value, dict):
        for key in ("inputs", "text"):
            if isinstance(value.get(key), str):
                return value[key]
    if isinstance(value, str) and value.strip():
        return value
    raise InvalidQueryError(f"{task} needs a non-empty text input", hint='Give a text, or {"inputs": "..."}.')


def _prep_text(task: str, **kwargs: Any) -> Callable[[Any], Call]:
    return lambda value: Call((_text(value, task),), dict(kwargs))


def _prep_text_classification(value: Any) -> Call:
    if isinstance(value, dict) and "text_pair" in value:
        text = value.get("text")
        pair = value.get("text_pair")
        if not (isinstance(text, str) and isinstance(pair, str)):
            raise InvalidQueryError('text-classification pair input needs {"text": "...", "text_pair": "..."}')
        return Call(({"text": text, "text_pair": pair},), {"top_k": None})
    return Call((_text(value, "text-classification"),), {"top_k": None})


def _prep_qa(value: Any) -> Call:
    if not isinstance(value, dict) or not isinstance(value.get("question"), str) \
            or not isinstance(value.get("context"), str) or not value["question"].strip() \
            or not value["context"].strip():
        raise InvalidQueryError('question-answering needs {"question": "...", "context": "..."}')
    return Call((), {"question": value["question"], "context": value["context"]})


def _labels(value: dict[str, Any]) -> list[str]:
    labels = value.get("candidate_labels")
    if labels is None and isinstance(value.get("parameters"), dict):
        labels = value["parameters"].get("candidate_labels")
    if isinstance(labels, str):
        labels = [s.strip() for s in labels.split(",")]
    if not isinstance(labels, list) or not labels or not all(isinstance(s, str) and s for s in labels):
        raise InvalidQueryError('zero-shot-classification needs {"inputs": "...", "candidate_labels": ["a", "b"]}')
    return labels


def _prep_zero_shot(value: Any) -> Call:
    if not isinstance(value, dict):
        raise InvalidQueryError('zero-shot-classification needs {"inputs": "...", "candidate_labels": ["a", "b"]}')
    return Call((_text(value, "zero-shot-classification"),), {"candidate_labels": _labels(value)})


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


def _prep_similarity(value: Any) -> Call:
    source, sentences = similarity_input(value)
    return Call(([source, *sentences],), {})


def _media_value(kind: str, value: Any) -> Any:
    """What a pipeline can take without ffmpeg or a network: image bytes -> a Pillow image; a WAV file (path or
    bytes) -> ``{"raw", "sampling_rate"}``; a decoded-audio dict copied (the ASR pipeline pops ``raw`` out of the
    dict it is given, which would break a rerun with the same value)."""
    if kind == "image" and isinstance(value, (bytes, bytearray)):
        import io

        from PIL import Image, UnidentifiedImageError

        try:
            image = Image.open(io.BytesIO(value))
            image.load()
        except (UnidentifiedImageError, OSError) as exc:
            raise InvalidQueryError(f"That is not an image this app can read ({type(exc).__name__}).") from None
        return image.convert("RGB")
    if kind == "audio":
        if isinstance(value, dict) and "raw" in value:
            return dict(value)
        if isinstance(value, str) and not value.startswith(("http://", "https://")) and value.lower().endswith(".wav"):
            try:
                with open(value, "rb") as f:
                    value = f.read()
            except OSError as exc:
                raise InvalidQueryError(f"Cannot read the audio file {value}: {exc.strerror or exc}") from None
        if isinstance(value, (bytes, bytearray)) and bytes(value[:4]) == b"RIFF":
            from lib.tryit.render import decode_wav

            try:
                return decode_wav(bytes(value))
            except ValueError as exc:
                raise InvalidQueryError(f"That WAV file cannot be read: {exc}") from None
    return value


def _prep_media(task: str, kind: str) -> Callable[[Any], Call]:
    def prepare(value: Any) -> Call:
        if isinstance(value, dict) and "raw" not in value:
            value = value.get("inputs", value.get(kind))
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidQueryError(f"{task} needs an {kind}: a file path, a URL or bytes")
        value = _media_value(kind, value)
        if task == "image-to-text":  # image-text-to-text reads a first positional argument as the prompt
            return Call((), {"images": value, "text": ""})
        return Call((value,), {})

    return prepare


# ------------------------------------------------------------------------------------- pure post-processing


def _first(output: Any) -> Any:
    """Pipelines wrap one input's answer in a list; unwrap it."""
    while isinstance(output, list) and len(output) == 1 and isinstance(output[0], list):
        output = output[0]
    return output


def generated_text(output: Any, value: Any = None, key: str = "generated_text") -> dict[str, Any]:
    """``[{"generated_text": ...}]`` -> ``{"text": full, "continuation": the part after the prompt}``."""
    item = _first(output)
    if isinstance(item, list):
        item = item[0] if item else {}
    text = item.get(key, "") if isinstance(item, dict) else str(item)
    if not isinstance(text, str):  # chat-style output: a list of messages
        text = text[-1].get("content", "") if text else ""
    prompt = _text(value, "text") if isinstance(value, (str, dict)) and value else ""
    continuation = text[len(prompt):] if prompt and text.startswith(prompt) else text
    return {"text": text, "continuation": continuation}


def ranked(output: Any, value: Any = None) -> list[dict[str, Any]]:
    """``[{"label", "score"}, ...]`` (any nesting for one input) -> sorted by score, best first, with ranks."""
    items = _first(output)
    if isinstance(items, dict):
        items = [items]
    rows = sorted(({"label": str(i["label"]), "score": float(i["score"])} for i in items),
                  key=lambda r: -r["score"])
    return [{"rank": n, **r} for n, r in enumerate(rows, 1)]


def fill_mask_candidates(output: Any, value: Any = None) -> list[dict[str, Any]]:
    """Fill-mask output -> ranked candidates ``{"rank", "token", "score", "sequence"}``.

    With several masks the pipeline answers one list per mask; the first mask's candidates are shown.
    """
    items = _first(output)
    if items and isinstance(items[0], list):
        items = items[0]
    rows = sorted(items, key=lambda i: -float(i["score"]))
    return [
        {"rank": n, "token": str(i.get("token_str", "")).strip(), "score": float(i["score"]),
         "sequence": i.get("sequence", "")}
        for n, i in enumerate(rows, 1)
    ]


def _entity_type(item: dict[str, Any]) -> str:
    label = str(item.get("entity_group") or item.get("entity") or "")
    return re.sub(r"^[BIES]-", "", label)


def entity_spans(output: Any, text: str) -> dict[str, Any]:
    """Token-classification output -> entity spans merged against the text, and segments to highlight.

    Adjacent tokens of the same entity type (``B-PER``, ``I-PER``) separated by nothing or whitespace become one
    span; a ``B-`` tag starts a new one. ``O`` is dropped. Items without offsets are located in the text.
    Returns ``{"entities": [{"label", "start", "end", "text", "score"}], "segments": [[piece, label|None]]}``
    where the segments, joined, give back the text.
    """
    items = _first(output) or []
    spans: list[dict[str, Any]] = []
    cursor = 0
    for item in items:
        label = _entity_type(item)
        if not label or label == "O":
            continue
        start, end = item.get("start"), item.get("end")
        if start is None or end is None:
            word = str(item.get("word", "")).replace("##", "")
            found = text.find(word, cursor) if word else -1
            if found < 0:
                continue
            start, end = found, found + len(word)
        cursor = end
        raw = str(item.get("entity") or "")
        prev = spans[-1] if spans else None
        if prev and prev["label"] == label and not raw.startswith("B-") and not text[prev["end"]:start].strip() \
                and start >= prev["end"]:
            prev["end"] = end
            prev["scores"].append(float(item.get("score", 0.0)))
        else:
            spans.append({"label": label, "start": int(start), "end": int(end),
                          "scores": [float(item.get("score", 0.0))]})
    entities = [
        {"label": s["label"], "start": s["start"], "end": s["end"], "text": text[s["start"]:s["end"]],
         "score": sum(s["scores"]) / len(s["scores"])}
        for s in spans
    ]
    segments: list[list[Any]] = []
    pos = 0
    for e in entities:
        if e["start"] > pos:
            segments.append([text[pos:e["start"]], None])
        segments.append([text[e["start"]:e["end"]], e["label"]])
        pos = e["end"]
    if pos < len(text):
        segments.append([text[pos:], None])
    return {"entities": entities, "segments": segments}


def answer_span(output: Any, value: Any) -> dict[str, Any]:
    """QA output -> ``{"answer", "score", "start", "end", "before", "after"}``: the answer span in its context."""
    item = _first(output)
    if isinstance(item, list):
        item = item[0]
    context = value["context"] if isinstance(value, dict) else ""
    answer = str(item.get("answer", ""))
    start, end = item.get("start"), item.get("end")
    if start is None or end is None or context[start:end] != answer:
        found = context.find(answer) if answer else -1
        start, end = (found, found + len(answer)) if found >= 0 else (0, 0)
    return {"answer": answer, "score": float(item.get("score", 0.0)), "start": int(start), "end": int(end),
            "before": context[:start], "after": context[end:]}


def zero_shot_scores(output: Any, value: Any = None) -> list[dict[str, Any]]:
    """``{"labels": [...], "scores": [...]}`` -> ranked ``{"rank", "label", "score"}``."""
    item = _first(output)
    if isinstance(item, list):
        item = item[0]
    return ranked([{"label": lab, "score": s} for lab, s in zip(item["labels"], item["scores"])])


def _depth(x: Any) -> int:
    d = 0
    while isinstance(x, list) and x:
        x, d = x[0], d + 1
    return d


def mean_pool(token_vectors: Sequence[Sequence[float]]) -> list[float]:
    """Mean of a text's token vectors (the pipeline does not pad a single text, so every token counts)."""
    if not token_vectors:
        raise InvalidQueryError("no token vectors to pool")
    import numpy as np

    return np.asarray(token_vectors, dtype=np.float64).mean(axis=0).tolist()


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def embeddings(output: Any) -> list[list[float]]:
    """Feature-extraction output for one or more texts -> one mean-pooled vector per text.

    Accepts ``[1][tokens][dim]`` per text (the pipeline's shape), ``[tokens][dim]`` or an already pooled ``[dim]``.
    """
    if hasattr(output, "tolist"):
        output = output.tolist()
    depth = _depth(output)
    if depth == 1:
        return [list(map(float, output))]
    if depth == 2:
        return [mean_pool(output)]
    texts = output if depth == 4 else [output]
    vectors = []
    for one in texts:
        one = one.tolist() if hasattr(one, "tolist") else one
        vectors.append(mean_pool(one[0] if _depth(one) == 3 else one))
    return vectors


def feature_summary(output: Any, value: Any = None) -> dict[str, Any]:
    """Feature-extraction output for one text -> its token count, dimension and mean-pooled vector."""
    if hasattr(output, "tolist"):
        output = output.tolist()
    tokens = output[0] if _depth(output) == 3 else output
    vector = embeddings(output)[0]
    return {"tokens": len(tokens) if _depth(tokens) == 2 else 1, "dim": len(vector), "embedding": vector}


def similarity_scores(output: Any, value: Any = None) -> list[float]:
    """Feature-extraction output for ``[source, *sentences]`` -> cosine of each sentence to the source."""
    vectors = embeddings(output)
    if len(vectors) < 2:
        raise InvalidQueryError("sentence-similarity needs a source sentence and at least one sentence")
    source, rest = vectors[0], vectors[1:]
    return [cosine(source, v) for v in rest]


def detections(output: Any, value: Any = None, threshold: float = 0.0) -> list[dict[str, Any]]:
    """Object-detection output -> ``{"label", "score", "box": [xmin, ymin, xmax, ymax]}``, best first."""
    items = _first(output) or []
    rows = [
        {"label": str(i["label"]), "score": float(i["score"]),
         "box": [i["box"][k] for k in ("xmin", "ymin", "xmax", "ymax")]}
        for i in items if float(i["score"]) >= threshold
    ]
    return sorted(rows, key=lambda r: -r["score"])


def transcript(output: Any, value: Any = None) -> dict[str, Any]:
    """ASR output ``{"text", "chunks"?}`` -> ``{"text", "chunks"}``."""
    item = _first(output)
    if isinstance(item, list):
        item = item[0]
    return {"text": str(item.get("text", "")).strip(), "chunks": list(item.get("chunks") or [])}


def _keyed(key: str) -> Callable[[Any, Any], dict[str, Any]]:
    """``{"text": ...}`` from an answer under ``key`` (the old pipelines' name, as a remote server sends it) or
    under ``generated_text`` (what the built-in seq2seq runner and image-text-to-text give)."""

    def text(output: Any, value: Any = None) -> dict[str, Any]:
        item = _first(output)
        if isinstance(item, list):
            item = item[0] if item else {}
        name = key if isinstance(item, dict) and key in item else "generated_text"
        return {"text": generated_text(output, None, name)["text"]}

    return text


# ------------------------------------------------------------------------------------------------- the table

_ROWS = [
    TaskSpec("text-generation", "Text generation", "text", "My name is Clara and I like to", "text-generation",
             _prep_text("text-generation"), generated_text, generates=True),
    TaskSpec("text2text-generation", "Text-to-text generation", "text", "question: What is the capital of France?",
             "text2text-generation", _prep_text("text2text-generation"), _keyed("generated_text"),
             engine="seq2seq", generates=True),
    TaskSpec("summarization", "Summarization", "text",
             "The tower is 324 metres tall, about the same height as an 81-storey building, and the tallest "
             "structure in Paris. Its base is square, measuring 125 metres on each side.",
             "summarization", _prep_text("summarization"), _keyed("summary_text"), engine="seq2seq",
             generates=True, prefix="summarize: "),
    TaskSpec("translation", "Translation", "text", "My name is Wolfgang and I live in Berlin", "translation",
             _prep_text("translation"), _keyed("translation_text"), engine="seq2seq", generates=True,
             prefix="translate English to French: "),
    TaskSpec("fill-mask", "Fill mask", "text", "Paris is the [MASK] of France.", "fill-mask",
             _prep_text("fill-mask"), fill_mask_candidates),
    TaskSpec("text-classification", "Text classification", "text", "I like you. I love you.",
             "text-classification", _prep_text_classification, ranked),
    TaskSpec("token-classification", "Token classification", "text", "My name is Sarah and I live in London",
             "token-classification", _prep_text("token-classification"),
             lambda output, value: entity_spans(output, _text(value, "token-classification"))),
    TaskSpec("question-answering", "Question answering", "question+context",
             {"question": "Where do I live?", "context": "My name is Wolfgang and I live in Berlin"},
             "question-answering", _prep_qa, answer_span, engine="extractive-qa"),
    TaskSpec("zero-shot-classification", "Zero-shot classification", "candidate_labels",
             {"inputs": "I have a problem with my iphone that needs to be resolved asap!!",
              "candidate_labels": ["urgent", "not urgent", "phone", "tablet", "computer"]},
             "zero-shot-classification", _prep_zero_shot, zero_shot_scores),
    TaskSpec("feature-extraction", "Feature extraction", "text", "Today is a sunny day.", "feature-extraction",
             _prep_text("feature-extraction"), feature_summary),
    TaskSpec("sentence-similarity", "Sentence similarity", "source_sentence+sentences",
             {"source_sentence": "That is a happy person",
              "sentences": ["That is a happy dog", "That is a very happy person", "Today is a sunny day"]},
             "feature-extraction", _prep_similarity, similarity_scores),
    TaskSpec("image-classification", "Image classification", "image", "cats.jpg", "image-classification",
             _prep_media("image-classification", "image"), ranked),
    TaskSpec("object-detection", "Object detection", "image", "cats.jpg", "object-detection",
             _prep_media("object-detection", "image"), detections),
    TaskSpec("image-to-text", "Image to text", "image", "cats.jpg", "image-text-to-text",
             _prep_media("image-to-text", "image"), _keyed("generated_text"), generates=True),
    TaskSpec("automatic-speech-recognition", "Speech recognition", "audio", "sample.flac",
             "automatic-speech-recognition", _prep_media("automatic-speech-recognition", "audio"), transcript),
]

TASKS: dict[str, TaskSpec] = {row.task: row for row in _ROWS}
ALIASES: dict[str, str] = {"sentiment-analysis": "text-classification", "ner": "token-classification"}


# Mask tokens of the model families whose fill-mask input is not BERT's "[MASK]" (the config's model_type).
MASK_TOKENS: dict[str, str] = {
    family: "<mask>"
    for family in ("roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "bart", "mbart", "longformer", "mpnet",
                   "data2vec-text", "luke", "ibert", "deberta", "roberta-prelayernorm", "xmod", "flaubert")
}


def example_for(spec: TaskSpec, model_type: str | None = None) -> Any:
    """The task's example, fitted to the model: fill-mask uses the mask token of the model's family."""
    if spec.task == "fill-mask" and model_type in MASK_TOKENS:
        return str(spec.example).replace("[MASK]", MASK_TOKENS[model_type])
    return spec.example


def supported_tasks() -> tuple[str, ...]:
    return tuple(TASKS)


def get_task(task: str) -> TaskSpec:
    """The row for ``task`` (or an alias); unknown -> ``InvalidQueryError`` naming the supported ones."""
    name = ALIASES.get(task, task)
    if name.startswith("translation_"):  # transformers' translation_xx_to_yy names
        name = "translation"
    try:
        return TASKS[name]
    except KeyError:
        raise InvalidQueryError(
            f"Task {task!r} cannot be tried here. Supported tasks: {', '.join(TASKS)}",
            hint="Pick one of the supported tasks.",
        ) from None
