"""The try-it task table: one row per task, in the spirit of transformers' ``SUPPORTED_TASKS``.

A row carries everything a task does, so a page, the CLI and the remote path treat any task from its row:

* the input: ``input_kind`` (which widget :mod:`lib.ui.tryit_inputs` draws, in the Hub widget's conventions), a
  default ``example``, and ``prepare`` (an input -> the call, ``InvalidQueryError`` for a wrong shape;
  :mod:`lib.tryit.inputs`);
* the local run: ``engine`` + ``pipeline_task`` (what :mod:`lib.tryit.engines` loads), ``generates``;
* the remote call: ``remote`` (one ``InferenceClient`` method, :mod:`lib.tryit.remote_calls`; None for the
  generating text tasks that stream from the server's generate route), ``remote_output`` when a server's answer
  needs its own post-processing;
* the output: ``postprocess`` (pure: the raw answer -> what a page shows; :mod:`lib.tryit.outputs`) and ``view``
  (which view :mod:`lib.ui.tryit_views` draws it with); ``scores`` when the output has scores a chart can set side
  by side across models (class scores, similarities, answer scores).

``chat`` is text generation through the model's chat template (instruct and chat models: a ``chat_template`` in
their tokenizer config): a system prompt and messages in, the assistant's answer out; remotely the chat completion
route. :func:`model_task` picks it for a text-generation model that has a template.

A model's own examples (the Hub's ``widget_data``) and mask token come before the row's defaults
(:func:`example_for`). transformers 5 dropped the ``question-answering``, ``text2text-generation``,
``summarization`` and ``translation`` pipelines; rows for those set ``engine`` to a small built-in engine with the
same output shapes the old pipelines had. ``image-to-text`` runs through ``image-text-to-text``.

Nothing here imports torch or transformers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from typing import Any, Literal

from lib.errors import HubExplorerError, InvalidQueryError
from lib.tryit import remote_calls
from lib.tryit.inputs import (
    FROM_WIDGET,
    Call,
    InputKind,
    image_and_empty_prompt,
    prep_chat,
    prep_media,
    prep_qa,
    prep_similarity,
    prep_text,
    prep_text_classification,
    prep_zero_shot,
)
from lib.tryit.outputs import (
    answer_score,
    answer_span,
    detections,
    entities_in_text,
    feature_summary,
    fill_mask_candidates,
    generated_text,
    given_scores,
    keyed,
    label_scores,
    ranked,
    sentence_scores,
    similarity_scores,
    token_scores,
    transcript,
    zero_shot_scores,
)
from lib.tryit.remote_calls import RemoteCall

ViewKind = Literal["continuation", "text", "tokens", "bars", "entities", "answer", "similarity", "features", "boxes",
                   "transcript"]
Engine = Literal["pipeline", "seq2seq", "extractive-qa"]
MASK = "[MASK]"  # the mask token of the default fill-mask example (BERT's)


@dataclass(frozen=True)
class TaskSpec:
    """One row of the table (see the module's docstring for what each part is for); all but the task's name and
    label are given by keyword."""

    task: str
    label: str
    _: KW_ONLY
    input_kind: InputKind
    example: Any
    prepare: Callable[[Any], Call]
    pipeline_task: str
    remote: RemoteCall | None
    postprocess: Callable[[Any, Any], Any]
    view: ViewKind
    remote_output: Callable[[Any, Any], Any] | None = None
    engine: Engine = "pipeline"
    generates: bool = False  # tokens per second applies
    prefix: str = ""  # seq2seq prompt prefix (T5 style), used when the model's config gives none
    prompt_in_output: bool = False  # the local pipeline's answer starts with the prompt
    mask: bool = False  # the input carries the model's mask token
    input_help: str = ""  # "{mask}" is the model's mask token
    scores: Callable[[Any, Any], list[dict[str, Any]]] | None = None  # output, input -> {"label", "score"} rows
    chat: bool = False  # messages through the chat template here, the chat completion route remotely

    @property
    def streams(self) -> bool:
        """The text arrives piece by piece when run here (generating tasks with a text or chat input)."""
        return self.generates and self.input_kind in ("text", "chat")

    @property
    def streams_remotely(self) -> bool:
        """The text arrives piece by piece from a server (the generate route, no call of its own)."""
        return self.remote is None


# ------------------------------------------------------------------------------------------------- the table

R = remote_calls
_ROWS = [
    TaskSpec("text-generation", "Text generation",
             input_kind="text", example="My name is Clara and I like to", prepare=prep_text("text-generation"),
             pipeline_task="text-generation", generates=True, remote=None,
             postprocess=generated_text, prompt_in_output=True, view="continuation"),
    TaskSpec("chat", "Chat (instruct models)",
             input_kind="chat",
             example={"system": "You are a helpful assistant.",
                      "messages": [{"role": "user", "content": "What is the capital of France?"}]},
             prepare=prep_chat, chat=True,
             input_help="One turn per line, starting with 'User:' or 'Assistant:'; the model answers the last user "
                        "turn, through its own chat template.",
             pipeline_task="text-generation", generates=True, remote=None,
             postprocess=keyed("generated_text"), view="text"),
    TaskSpec("text2text-generation", "Text-to-text generation",
             input_kind="text", example="question: What is the capital of France?",
             prepare=prep_text("text2text-generation"),
             pipeline_task="text2text-generation", engine="seq2seq", generates=True, remote=None,
             postprocess=keyed("generated_text"), view="text"),
    TaskSpec("summarization", "Summarization",
             input_kind="text",
             example="The tower is 324 metres tall, about the same height as an 81-storey building, and the tallest "
                     "structure in Paris. Its base is square, measuring 125 metres on each side.",
             prepare=prep_text("summarization"),
             pipeline_task="summarization", engine="seq2seq", prefix="summarize: ", generates=True,
             remote=R.summarization, postprocess=keyed("summary_text"), view="text"),
    TaskSpec("translation", "Translation",
             input_kind="text", example="My name is Wolfgang and I live in Berlin", prepare=prep_text("translation"),
             pipeline_task="translation", engine="seq2seq", prefix="translate English to French: ", generates=True,
             remote=R.translation, postprocess=keyed("translation_text"), view="text"),
    TaskSpec("fill-mask", "Fill mask",
             input_kind="text", example=f"Paris is the {MASK} of France.", prepare=prep_text("fill-mask"), mask=True,
             input_help="Put the model's mask token, {mask}, where a word is missing.",
             pipeline_task="fill-mask", remote=R.fill_mask, postprocess=fill_mask_candidates, view="tokens",
             scores=token_scores),
    TaskSpec("text-classification", "Text classification",
             input_kind="text", example="I like you. I love you.", prepare=prep_text_classification,
             pipeline_task="text-classification", remote=R.text_classification, postprocess=ranked, view="bars",
             scores=label_scores),
    TaskSpec("token-classification", "Token classification",
             input_kind="text", example="My name is Sarah and I live in London",
             prepare=prep_text("token-classification"),
             pipeline_task="token-classification", remote=R.token_classification, postprocess=entities_in_text,
             view="entities"),
    TaskSpec("question-answering", "Question answering",
             input_kind="question+context",
             example={"question": "Where do I live?", "context": "My name is Wolfgang and I live in Berlin"},
             prepare=prep_qa,
             pipeline_task="question-answering", engine="extractive-qa", remote=R.question_answering,
             postprocess=answer_span, view="answer", scores=answer_score),
    TaskSpec("zero-shot-classification", "Zero-shot classification",
             input_kind="candidate_labels",
             example={"inputs": "I have a problem with my iphone that needs to be resolved asap!!",
                      "candidate_labels": ["urgent", "not urgent", "phone", "tablet", "computer"]},
             prepare=prep_zero_shot,
             pipeline_task="zero-shot-classification", remote=R.zero_shot_classification,
             postprocess=zero_shot_scores, view="bars", scores=label_scores),
    TaskSpec("feature-extraction", "Feature extraction",
             input_kind="text", example="Today is a sunny day.", prepare=prep_text("feature-extraction"),
             pipeline_task="feature-extraction", remote=R.feature_extraction, postprocess=feature_summary,
             view="features"),
    TaskSpec("sentence-similarity", "Sentence similarity",
             input_kind="source_sentence+sentences",
             example={"source_sentence": "That is a happy person",
                      "sentences": ["That is a happy dog", "That is a very happy person", "Today is a sunny day"]},
             prepare=prep_similarity,
             pipeline_task="feature-extraction", remote=R.sentence_similarity, remote_output=given_scores,
             postprocess=similarity_scores, view="similarity", scores=sentence_scores),
    TaskSpec("image-classification", "Image classification",
             input_kind="image", example="cats.jpg", prepare=prep_media("image-classification", "image"),
             pipeline_task="image-classification", remote=R.image_classification, postprocess=ranked, view="bars",
             scores=label_scores),
    TaskSpec("object-detection", "Object detection",
             input_kind="image", example="cats.jpg", prepare=prep_media("object-detection", "image"),
             pipeline_task="object-detection", remote=R.object_detection, postprocess=detections, view="boxes"),
    TaskSpec("image-to-text", "Image to text",
             input_kind="image", example="cats.jpg",
             prepare=prep_media("image-to-text", "image", image_and_empty_prompt),
             pipeline_task="image-text-to-text", generates=True, remote=R.image_to_text,
             postprocess=keyed("generated_text"), view="text"),
    TaskSpec("automatic-speech-recognition", "Speech recognition",
             input_kind="audio", example="sample.flac", prepare=prep_media("automatic-speech-recognition", "audio"),
             pipeline_task="automatic-speech-recognition", remote=R.automatic_speech_recognition,
             postprocess=transcript, view="transcript"),
]

TASKS: dict[str, TaskSpec] = {row.task: row for row in _ROWS}
ALIASES: dict[str, str] = {"sentiment-analysis": "text-classification", "ner": "token-classification",
                           "conversational": "chat"}


# ------------------------------------------------------------------------------ a model's own example, mask token


def widget_examples(spec: TaskSpec, widget_data: Any) -> list[Any]:
    """The model's own examples (its card's ``widget:`` entries, the Hub's ``widget_data``) that are valid inputs
    for ``spec``, in the card's order; items of another shape are skipped."""
    read = FROM_WIDGET.get(spec.input_kind)
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


def model_task(pipeline_tag: str | None, *, chat_template: bool = False) -> str | None:
    """The row a model declaring ``pipeline_tag`` is tried with (None: no row serves it); a text-generation model
    with a chat template (an instruct or chat model) is tried as a chat."""
    if not pipeline_tag:
        return None
    name = ALIASES.get(pipeline_tag, pipeline_tag)
    if name not in TASKS:
        return None
    return "chat" if name == "text-generation" and chat_template else name


def serves(pipeline_tag: str | None, task: str, *, chat_template: bool = False) -> bool:
    """Whether a model declaring ``pipeline_tag`` can serve ``task``'s row: its own task, or a row loaded the same
    way (sentence-similarity and feature-extraction share the feature-extraction pipeline; the text-to-text rows
    share the seq2seq engine; a chat model also generates plain text). A model that declares no task is tried as
    asked (True)."""
    if not pipeline_tag:
        return True
    spec = get_task(task)
    own = model_task(pipeline_tag, chat_template=chat_template)
    if own is None:
        return False
    if spec.chat:
        return own == "chat"
    mine = get_task("text-generation" if own == "chat" else own)
    if mine.engine == "seq2seq":
        return spec.engine == "seq2seq"
    return (mine.engine, mine.pipeline_task) == (spec.engine, spec.pipeline_task)


def value_for(spec: TaskSpec, value: Any, mask_token: str | None) -> Any:
    """One input made for a model: a fill-mask text written with BERT's ``[MASK]`` gets the model's own mask
    token, so one input goes to models whose mask tokens differ."""
    if spec.mask and mask_token and isinstance(value, str):
        return value.replace(MASK, mask_token)
    return value


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
