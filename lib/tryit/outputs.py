"""Try-it outputs: each row's pure post-processing, from a pipeline's (or a server's) raw answer to what a page
shows. Plain data in, plain data out; numpy only for pooling token vectors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from lib.errors import InvalidQueryError
from lib.tryit.inputs import text_of


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
    prompt = text_of(value, "text") if isinstance(value, (str, dict)) and value else ""
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


def keyed(key: str) -> Callable[[Any, Any], dict[str, Any]]:
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


def entities_in_text(output: Any, value: Any) -> dict[str, Any]:
    """Token-classification output -> entity spans against the input's text (see :func:`entity_spans`)."""
    return entity_spans(output, text_of(value, "token-classification"))


# ------------------------------------------------------------------ scores a chart can set side by side (compare)


def label_scores(output: Any, value: Any = None) -> list[dict[str, Any]]:
    """Ranked class scores (``ranked``, ``zero_shot_scores``) -> ``{"label", "score"}`` rows."""
    return [{"label": str(r["label"]), "score": float(r["score"])} for r in output]


def token_scores(output: Any, value: Any = None) -> list[dict[str, Any]]:
    """Fill-mask candidates -> ``{"label": the token, "score"}`` rows."""
    return [{"label": str(r["token"]), "score": float(r["score"])} for r in output]


def sentence_scores(output: Any, value: Any) -> list[dict[str, Any]]:
    """Similarity scores -> ``{"label": the sentence, "score"}`` rows, in the input's order."""
    from lib.tryit.inputs import similarity_input

    _, sentences = similarity_input(value)
    return [{"label": s, "score": float(v)} for s, v in zip(sentences, output, strict=True)]


def answer_score(output: Any, value: Any = None) -> list[dict[str, Any]]:
    """An extractive answer -> one ``{"label": the answer, "score"}`` row."""
    return [{"label": str(output.get("answer", "")), "score": float(output.get("score", 0.0))}]
