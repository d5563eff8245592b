"""The try-it input widgets, one per task row's ``input_kind`` (the Hub widget's conventions).

:func:`draw_input` draws the widgets for a row under a key prefix and returns the input value (or the message
saying what is missing): draw it once and run its value on one model or several. Examples and outside text go into
widgets as their values, never through Markdown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from lib.errors import HubExplorerError, InvalidQueryError
from lib.tryit import media
from lib.tryit.inputs import InputKind, chat_messages, parse_turns, system_prompt, turns_text
from lib.tryit.tasks import TaskSpec

IMAGE_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif"]
AUDIO_TYPES = ["wav", "flac", "mp3", "ogg", "m4a", "webm"]

Drawn = tuple[Any, HubExplorerError | None]
Key = Callable[[str], str]


def _text(key: Key, example: Any, help_: str | None) -> Drawn:
    return st.text_area("Text", str(example), key=key("text"), height=100, help=help_), None


def _question_context(key: Key, example: Any, help_: str | None) -> Drawn:
    question = st.text_input("Question", example["question"], key=key("question"))
    context = st.text_area("Context", example["context"], key=key("context"), height=120)
    return {"question": question, "context": context}, None


def _candidate_labels(key: Key, example: Any, help_: str | None) -> Drawn:
    text = st.text_area("Text", example["inputs"], key=key("text"), height=90)
    labels = st.text_input("Candidate labels (comma-separated)", ", ".join(example["candidate_labels"]),
                           key=key("labels"))
    return {"inputs": text, "candidate_labels": [s.strip() for s in labels.split(",") if s.strip()]}, None


def _sentences(key: Key, example: Any, help_: str | None) -> Drawn:
    source = st.text_input("Source sentence", example["source_sentence"], key=key("source"))
    lines = st.text_area("Sentences to compare, one per line", "\n".join(example["sentences"]),
                         key=key("sentences"), height=110)
    return {"source_sentence": source, "sentences": [s.strip() for s in lines.splitlines() if s.strip()]}, None


def _image(key: Key, example: Any, help_: str | None) -> Drawn:
    upload = st.file_uploader("Image", type=IMAGE_TYPES, key=key("image"))
    if st.toggle("Use the camera instead", key=key("use_camera")):
        upload = st.camera_input("Take a picture", key=key("camera")) or upload
    if upload is None:
        return None, InvalidQueryError("Upload an image (or take a picture) first.")
    try:
        image = media.read_image(upload.getvalue())
    except HubExplorerError as err:
        return None, err
    st.image(image, caption=f"{image.width} x {image.height}", width=320)
    return image, None


def _audio(key: Key, example: Any, help_: str | None) -> Drawn:
    upload = st.file_uploader("Audio file", type=AUDIO_TYPES, key=key("audio"))
    recorded = st.audio_input("Or record", key=key("record"))
    chosen = recorded or upload
    if chosen is None:
        return None, InvalidQueryError("Upload an audio file or record one first.")
    data = chosen.getvalue()
    if data[:4] == b"RIFF":
        try:
            return media.decode_wav(data), None
        except ValueError as exc:
            return None, InvalidQueryError(f"That WAV file cannot be read: {exc}")
    return data, None  # other formats: the pipeline decodes them with ffmpeg


def _chat(key: Key, example: Any, help_: str | None) -> Drawn:
    """A system prompt and the conversation, one turn per line ("User: ..." / "Assistant: ...")."""
    system = st.text_area("System prompt", system_prompt(example), key=key("system"), height=68,
                          help="Sent first, as the system message (left out when empty).")
    try:
        start = turns_text(chat_messages(example))
    except HubExplorerError:
        start = ""
    typed = st.text_area("Messages", start, key=key("messages"), height=120, help=help_)
    try:
        messages = parse_turns(typed)
        value = {"system": system, "messages": messages}
        chat_messages(value)  # the shape checked now: the message says what is wrong before Run
    except HubExplorerError as err:
        return None, err
    return value, None


INPUTS: dict[InputKind, Callable[[Key, Any, str | None], Drawn]] = {
    "text": _text,
    "question+context": _question_context,
    "candidate_labels": _candidate_labels,
    "source_sentence+sentences": _sentences,
    "image": _image,
    "audio": _audio,
    "chat": _chat,
}


def draw_input(spec: TaskSpec, prefix: str, *, example: Any = None, help_text: str | None = None) -> Drawn:
    """The input widgets for ``spec`` under keys ``{prefix}:{part}``; (value in the Hub widget's shape, or None and
    the error saying what is missing). ``example`` fills the widgets the first time (the row's own by default)."""
    return INPUTS[spec.input_kind](lambda part: f"{prefix}:{part}", spec.example if example is None else example,
                                   help_text)
