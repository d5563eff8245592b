"""The try-it task table: one row per task, in the spirit of transformers' ``SUPPORTED_TASKS``.

A row carries everything a task does, so a page, the CLI and the remote path treat any task from its row:

* the input: ``input_kind`` (which widget :mod:`lib.ui.tryit_inputs` draws, in the Hub widget's conventions), a
  default ``example``, and ``prepare`` (an input -> the call, ``InvalidQueryError`` for a wrong shape);
* the local run: ``engine`` + ``pipeline_task`` (what :mod:`lib.tryit.engines` loads), ``generates``;
* the remote call: ``remote`` (one ``InferenceClient`` method, :mod:`lib.tryit.remote_calls`; None for the
  generating text tasks that stream from the server's generate route), ``remote_output`` when a server's answer
  needs its own post-processing;
* the output: ``postprocess`` (pure: the raw answer -> what a page shows) and ``view`` (which view
  :mod:`lib.ui.tryit_views` draws it with).

A model's own examples (the Hub's ``widget_data``) and mask token come before the row's defaults
(:func:`example_for`). transformers 5 dropped the ``question-answering``, ``text2text-generation``,
``summarization`` and ``translation`` pipelines; rows for those set ``engine`` to a small built-in engine with the
same output shapes the old pipelines had. ``image-to-text`` runs through ``image-text-to-text``.

Nothing here imports torch or transformers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lib.errors import HubExplorerError, InvalidQueryError
from lib.tryit import media, remote_calls
from lib.tryit.remote_calls import RemoteCall

InputKind = Literal["text", "question+context", "source_sentence+sentences", "candidate_labels", "image", "audio"]
ViewKind = Literal["continuation", "text", "tokens", "bars", "entities", "answer", "similarity", "features", "boxes",
                   "transcript"]
Engine = Literal["pipeline", "seq2seq", "extractive-qa"]
MASK = "[MASK]"  # the mask token of the default fill-mask example (BERT's)


@dataclass(frozen=True)
class Call:
    """How to call a pipeline: ``pipe(*args, **kwargs)``."""

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskSpec:
    """One row of the table (see the module's docstring for what each part is for)."""

    task: str
    label: str
    input_kind: InputKind
    view: ViewKind
    example: Any
    pipeline_task: str
    prepare: Callable[[Any], Call]
    postprocess: Callable[[Any, Any], Any]
    remote: RemoteCall | None
    remote_output: Callable[[Any, Any], Any] | None = None
    engine: Engine = "pipeline"
    generates: bool = False  # tokens per second applies
    prefix: str = ""  # seq2seq prompt prefix (T5 style), used when the model's config gives none
    prompt_in_output: bool = False  # the local pipeline's answer starts with the prompt
    mask: bool = False  # the input carries the model's mask token
    input_help: str = ""  # "{mask}" is the model's mask token

    @property
    def streams(self) -> bool:
        """The text arrives piece by piece when run here (generating tasks with a text input)."""
        return self.generates and self.input_kind == "text"

    @property
    def streams_remotely(self) -> bool:
        """The text arrives piece by piece from a server (the generate route, no call of its own)."""
        return self.remote is None


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


def _positional(value: Any) -> Call:
    return Call((value,), {})


def _image_and_empty_prompt(value: Any) -> Call:
    """image-text-to-text reads a first positional argument as the prompt: the image goes by name."""
    return Call((), {"images": value, "text": ""})


def _prep_media(task: str, kind: str, call: Callable[[Any], Call] = _positional) -> Callable[[Any], Call]:
    def prepare(value: Any) -> Call:
        value = media.given(value, kind)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidQueryError(f"{task} needs an {kind}: a file path, a URL or bytes")
        return call(media.for_pipeline(kind, value))

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


def given_scores(output: Any, value: Any = None) -> list[float]:
    """A server's sentence-similarity answer: the scores themselves, one per sentence."""
    return [float(s) for s in output]


# ------------------------------------------------------------------------------------------------- the table

R = remote_calls
_ROWS = [
    TaskSpec("text-generation", "Text generation", "text", "continuation", "My name is Clara and I like to",
             "text-generation", _prep_text("text-generation"), generated_text, None, generates=True,
             prompt_in_output=True),
    TaskSpec("text2text-generation", "Text-to-text generation", "text", "text",
             "question: What is the capital of France?", "text2text-generation", _prep_text("text2text-generation"),
             _keyed("generated_text"), None, engine="seq2seq", generates=True),
    TaskSpec("summarization", "Summarization", "text", "text",
             "The tower is 324 metres tall, about the same height as an 81-storey building, and the tallest "
             "structure in Paris. Its base is square, measuring 125 metres on each side.",
             "summarization", _prep_text("summarization"), _keyed("summary_text"), R.summarization,
             engine="seq2seq", generates=True, prefix="summarize: "),
    TaskSpec("translation", "Translation", "text", "text", "My name is Wolfgang and I live in Berlin", "translation",
             _prep_text("translation"), _keyed("translation_text"), R.translation, engine="seq2seq", generates=True,
             prefix="translate English to French: "),
    TaskSpec("fill-mask", "Fill mask", "text", "tokens", f"Paris is the {MASK} of France.", "fill-mask",
             _prep_text("fill-mask"), fill_mask_candidates, R.fill_mask, mask=True,
             input_help="Put the model's mask token, {mask}, where a word is missing."),
    TaskSpec("text-classification", "Text classification", "text", "bars", "I like you. I love you.",
             "text-classification", _prep_text_classification, ranked, R.text_classification),
    TaskSpec("token-classification", "Token classification", "text", "entities",
             "My name is Sarah and I live in London", "token-classification", _prep_text("token-classification"),
             lambda output, value: entity_spans(output, _text(value, "token-classification")),
             R.token_classification),
    TaskSpec("question-answering", "Question answering", "question+context", "answer",
             {"question": "Where do I live?", "context": "My name is Wolfgang and I live in Berlin"},
             "question-answering", _prep_qa, answer_span, R.question_answering, engine="extractive-qa"),
    TaskSpec("zero-shot-classification", "Zero-shot classification", "candidate_labels", "bars",
             {"inputs": "I have a problem with my iphone that needs to be resolved asap!!",
              "candidate_labels": ["urgent", "not urgent", "phone", "tablet", "computer"]},
             "zero-shot-classification", _prep_zero_shot, zero_shot_scores, R.zero_shot_classification),
    TaskSpec("feature-extraction", "Feature extraction", "text", "features", "Today is a sunny day.",
             "feature-extraction", _prep_text("feature-extraction"), feature_summary, R.feature_extraction),
    TaskSpec("sentence-similarity", "Sentence similarity", "source_sentence+sentences", "similarity",
             {"source_sentence": "That is a happy person",
              "sentences": ["That is a happy dog", "That is a very happy person", "Today is a sunny day"]},
             "feature-extraction", _prep_similarity, similarity_scores, R.sentence_similarity,
             remote_output=given_scores),
    TaskSpec("image-classification", "Image classification", "image", "bars", "cats.jpg", "image-classification",
             _prep_media("image-classification", "image"), ranked, R.image_classification),
    TaskSpec("object-detection", "Object detection", "image", "boxes", "cats.jpg", "object-detection",
             _prep_media("object-detection", "image"), detections, R.object_detection),
    TaskSpec("image-to-text", "Image to text", "image", "text", "cats.jpg", "image-text-to-text",
             _prep_media("image-to-text", "image", _image_and_empty_prompt), _keyed("generated_text"),
             R.image_to_text, generates=True),
    TaskSpec("automatic-speech-recognition", "Speech recognition", "audio", "transcript", "sample.flac",
             "automatic-speech-recognition", _prep_media("automatic-speech-recognition", "audio"), transcript,
             R.automatic_speech_recognition),
]

TASKS: dict[str, TaskSpec] = {row.task: row for row in _ROWS}
ALIASES: dict[str, str] = {"sentiment-analysis": "text-classification", "ner": "token-classification"}


# ------------------------------------------------------------------------------ a model's own example, mask token


def _widget_text(item: dict[str, Any]) -> Any:
    return item.get("text")


def _widget_qa(item: dict[str, Any]) -> Any:
    return {"question": item.get("text"), "context": item.get("context")}


def _widget_zero_shot(item: dict[str, Any]) -> Any:
    return {"inputs": item.get("text"), "candidate_labels": _labels(item)}


def _widget_similarity(item: dict[str, Any]) -> Any:
    return {"source_sentence": item.get("source_sentence"), "sentences": item.get("sentences")}


# The Hub widget's ``widget_data`` item for each input kind -> an input in this table's shape. Images and audio come
# as URLs (``{"src": ...}``), which the upload widgets cannot take: those keep the row's default.
_FROM_WIDGET: dict[InputKind, Callable[[dict[str, Any]], Any]] = {
    "text": _widget_text,
    "question+context": _widget_qa,
    "candidate_labels": _widget_zero_shot,
    "source_sentence+sentences": _widget_similarity,
}


def widget_examples(spec: TaskSpec, widget_data: Any) -> list[Any]:
    """The model's own examples (its card's ``widget:`` entries, the Hub's ``widget_data``) that are valid inputs
    for ``spec``, in the card's order; items of another shape are skipped."""
    read = _FROM_WIDGET.get(spec.input_kind)
    if read is None or not isinstance(widget_data, list):
        return []
    found = []
    for item in widget_data:
        if not isinstance(item, dict):
            continue
        try:
            value = read(item)
            spec.prepare(value)
        except (HubExplorerError, TypeError, AttributeError):
            continue
        found.append(value)
    return found


def example_for(spec: TaskSpec, *, widget_data: Any = None, mask_token: str | None = None) -> Any:
    """The input a page starts with: the model's own first example for this task, else the row's default with the
    model's mask token in place of BERT's ``[MASK]``."""
    own = widget_examples(spec, widget_data)
    if own:
        return own[0]
    if spec.mask and mask_token and isinstance(spec.example, str):
        return spec.example.replace(MASK, mask_token)
    return spec.example


def input_help(spec: TaskSpec, mask_token: str | None = None) -> str | None:
    """The row's help for its input, with the model's mask token (``[MASK]`` when the Hub does not say)."""
    return spec.input_help.format(mask=mask_token or MASK) if spec.input_help else None


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
