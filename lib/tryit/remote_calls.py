"""Each task row's remote call: one ``huggingface_hub.InferenceClient`` method, its answer turned back into the raw
shape the local pipeline gives for that task, so the row's own post-processing (and view) serves both.

Every call has the shape ``call(client, value, prepared, generation) -> raw``: ``value`` is the input in the Hub
widget's shape, ``prepared`` what the row's ``prepare`` made of it (a :class:`~lib.tryit.inputs.Call`). The
generating text tasks that stream (text generation, text-to-text) have no call here: they go through the server's
generate route token by token (:func:`lib.tryit.remote.stream_remote`). Nothing here imports torch or transformers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lib.errors import InvalidQueryError, MalformedAnswerError
from lib.tryit import media
from lib.tryit.trial import Generation

if TYPE_CHECKING:
    from lib.tryit.inputs import Call

RemoteCall = Callable[[Any, Any, "Call", Generation], Any]


def plain(obj: Any) -> Any:
    """The client's typed answers (dict subclasses, numpy arrays) -> plain JSON-able data."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def generate_parameters(gen: Generation) -> dict[str, Any]:
    """TGI's generation parameters for the settings (greedy unless a temperature is set)."""
    out: dict[str, Any] = {"max_new_tokens": gen.max_new_tokens}
    if gen.temperature:
        out.update(do_sample=True, temperature=gen.temperature)
        if gen.top_p is not None:
            out["top_p"] = gen.top_p
    if gen.seed is not None:
        out["seed"] = gen.seed
    return out


def _text_of(item: Any, *keys: str) -> str:
    for key in keys:
        value = item.get(key) if isinstance(item, dict) else getattr(item, key, None)
        if isinstance(value, str):
            return value
    raise MalformedAnswerError(f"The answer has no {' or '.join(keys)}.")


def fill_mask(client: Any, value: Any, prepared: Call, gen: Generation) -> Any:
    return plain(client.fill_mask(prepared.args[0]))


def text_classification(client: Any, value: Any, prepared: Call, gen: Generation) -> Any:
    text = prepared.args[0]
    if isinstance(text, dict):
        raise InvalidQueryError("Remote text-classification takes one text (pairs run locally only).")
    return plain(client.text_classification(text))


def token_classification(client: Any, value: Any, prepared: Call, gen: Generation) -> Any:
    # per-token B-/I- tags, as the local pipeline answers: the row's post-processing merges them into spans
    return plain(client.token_classification(prepared.args[0], aggregation_strategy="none"))


def question_answering(client: Any, value: Any, prepared: Call, gen: Generation) -> Any:
    answer = client.question_answering(question=prepared.kwargs["question"], context=prepared.kwargs["context"])
    return plain(answer[0] if isinstance(answer, list) else answer)


def zero_shot_classification(client: Any, value: Any, prepared: Call, gen: Generation) -> Any:
    text = prepared.args[0]
    items = plain(client.zero_shot_classification(text, candidate_labels=prepared.kwargs["candidate_labels"]))
    return {"sequence": text, "labels": [i["label"] for i in items], "scores": [i["score"] for i in items]}


def feature_extraction(client: Any, value: Any, prepared: Call, gen: Generation) -> Any:
    return plain(client.feature_extraction(prepared.args[0]))


def sentence_similarity(client: Any, value: Any, prepared: Call, gen: Generation) -> Any:
    """The server's own scores (the local run computes them from embeddings)."""
    source, *sentences = prepared.args[0]
    return plain(client.sentence_similarity(source, other_sentences=sentences))


def summarization(client: Any, value: Any, prepared: Call, gen: Generation) -> Any:
    out = client.summarization(prepared.args[0], generate_parameters=generate_parameters(gen))
    return [{"summary_text": _text_of(out, "summary_text", "generated_text")}]


def translation(client: Any, value: Any, prepared: Call, gen: Generation) -> Any:
    out = client.translation(prepared.args[0], generate_parameters=generate_parameters(gen))
    return [{"translation_text": _text_of(out, "translation_text", "generated_text")}]


# the media tasks send the file as given (``prepare`` decodes it for a local pipeline)


def image_classification(client: Any, value: Any, prepared: Call, gen: Generation) -> Any:
    return plain(client.image_classification(media.for_client(media.given(value, "image"), "image-classification")))


def object_detection(client: Any, value: Any, prepared: Call, gen: Generation) -> Any:
    return plain(client.object_detection(media.for_client(media.given(value, "image"), "object-detection")))


def image_to_text(client: Any, value: Any, prepared: Call, gen: Generation) -> Any:
    out = client.image_to_text(media.for_client(media.given(value, "image"), "image-to-text"))
    return [{"generated_text": _text_of(out, "generated_text")}]


def automatic_speech_recognition(client: Any, value: Any, prepared: Call, gen: Generation) -> Any:
    audio = media.for_client(media.given(value, "audio"), "automatic-speech-recognition")
    return plain(client.automatic_speech_recognition(audio))
