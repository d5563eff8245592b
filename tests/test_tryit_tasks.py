"""The try-it task table, its inputs and the model's own examples (no torch, no transformers)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lib.errors import InvalidQueryError
from lib.tryit import inputs as I
from lib.tryit import tasks as T

REQUIRED = [
    "text-generation", "text2text-generation", "summarization", "translation", "fill-mask", "text-classification",
    "token-classification", "question-answering", "zero-shot-classification", "feature-extraction",
    "sentence-similarity", "image-classification", "object-detection", "image-to-text",
    "automatic-speech-recognition",
]


def test_table_has_every_required_task_with_a_usable_example():
    assert set(REQUIRED) <= set(T.supported_tasks())
    for name in REQUIRED:
        spec = T.get_task(name)
        assert spec.task == name
        call = spec.prepare(spec.example)  # every default example is a valid input for its own row
        assert call.args or call.kwargs, name


def test_every_row_has_a_widget_a_view_and_a_remote_path():
    """What the panel and the compare page need from a row alone: an input widget, an output view, a remote call
    or the streamed generate route (the registries in lib/ui are checked against these kinds in test_tryit_panel)."""
    for spec in T.TASKS.values():
        assert spec.input_kind in I.InputKind.__args__, spec.task
        assert spec.view in T.ViewKind.__args__, spec.task
        assert callable(spec.remote) or spec.streams_remotely, spec.task
        assert spec.engine in T.Engine.__args__
    streamed = sorted(t for t, spec in T.TASKS.items() if spec.streams_remotely)
    assert streamed == ["chat", "text-generation", "text2text-generation"]  # TGI's generate route, the chat route
    assert [t for t, spec in T.TASKS.items() if spec.chat] == ["chat"]
    assert [t for t, spec in T.TASKS.items() if spec.prompt_in_output] == ["text-generation"]


def test_widget_conventions_for_structured_inputs():
    assert set(T.get_task("question-answering").example) == {"question", "context"}
    assert set(T.get_task("sentence-similarity").example) == {"source_sentence", "sentences"}
    assert "candidate_labels" in T.get_task("zero-shot-classification").example
    assert T.get_task("sentence-similarity").pipeline_task == "feature-extraction"


def test_unknown_task_lists_the_supported_ones():
    with pytest.raises(InvalidQueryError) as err:
        T.get_task("text-to-3d")
    assert "text-to-3d" in str(err.value)
    for name in REQUIRED:
        assert name in str(err.value)


@pytest.mark.parametrize("alias,task", [("ner", "token-classification"), ("sentiment-analysis", "text-classification"),
                                        ("translation_en_to_fr", "translation")])
def test_aliases(alias, task):
    assert T.get_task(alias).task == task


@pytest.mark.parametrize("task,value", [
    ("question-answering", "just text"),                       # needs question + context
    ("question-answering", {"question": "q", "context": ""}),  # empty context
    ("zero-shot-classification", {"inputs": "x"}),             # no labels
    ("sentence-similarity", {"source_sentence": "a", "sentences": []}),  # nothing to compare
    ("fill-mask", "   "),                                      # empty text
])
def test_bad_inputs_are_invalid_queries(task, value):
    with pytest.raises(InvalidQueryError):
        T.get_task(task).prepare(value)


def test_zero_shot_accepts_widget_parameters_and_comma_labels():
    call = T.get_task("zero-shot-classification").prepare({"inputs": "hi", "parameters": {"candidate_labels": "a, b"}})
    assert call.args == ("hi",) and call.kwargs == {"candidate_labels": ["a", "b"]}


@pytest.mark.parametrize("raw,parsed", [
    ('{"question": "q", "context": "c"}', {"question": "q", "context": "c"}),
    ("[1, 2]", [1, 2]),
    ("plain text", "plain text"),
    ("{not json", "{not json"),  # looks like JSON but is not: kept as text
])
def test_parse_input(raw, parsed):
    assert I.parse_input(raw) == parsed


# ------------------------------------------------------------------------------ the model's own example and mask


FILL = T.get_task("fill-mask")


@pytest.mark.parametrize("task,widget_data,expected", [
    # the card's own example comes first, for any input kind the Hub widget describes
    ("fill-mask", [{"text": "The goal of life is <mask>."}], "The goal of life is <mask>."),
    ("question-answering", [{"text": "Who am I?", "context": "I am Ada.", "example_title": "Me"}],
     {"question": "Who am I?", "context": "I am Ada."}),
    ("zero-shot-classification", [{"text": "Fix it now", "candidate_labels": "urgent, later", "multi_class": True}],
     {"inputs": "Fix it now", "candidate_labels": ["urgent", "later"]}),
    ("sentence-similarity", [{"source_sentence": "a", "sentences": ["b", "c"]}],
     {"source_sentence": "a", "sentences": ["b", "c"]}),
    # items that are not a valid input for the row are skipped, in order
    ("text-classification", [{"src": "https://x/y.jpg"}, {"text": "   "}, {"text": "second"}], "second"),
    ("question-answering", [{"text": "no context"}], None),
    ("text-generation", {"text": "not a list"}, None),  # malformed widget data: the row's default
    ("text-generation", ["a string, not an item"], None),
    ("image-classification", [{"src": "https://example.com/cat.jpg"}], None),  # a URL: the upload widget's default
])
def test_the_models_own_example_comes_first(task, widget_data, expected):
    spec = T.get_task(task)
    got = T.example_for(spec, widget_data=widget_data)
    assert got == (spec.example if expected is None else expected)


def test_the_models_mask_token_replaces_berts_in_the_default_example_and_help():
    assert T.example_for(FILL, mask_token="<mask>") == "Paris is the <mask> of France."
    assert T.example_for(FILL) == "Paris is the [MASK] of France."
    assert T.example_for(FILL, widget_data=[{"text": "Own [MASK] here."}], mask_token="<mask>") == "Own [MASK] here."
    assert T.example_for(T.get_task("text-generation"), mask_token="<mask>") == T.get_task("text-generation").example
    assert "<mask>" in T.input_help(FILL, "<mask>") and "[MASK]" in T.input_help(FILL, None)
    assert T.input_help(T.get_task("text-generation"), "<mask>") is None


def test_lib_tryit_imports_no_heavy_library():
    code = ("import sys, lib.tryit.tasks, lib.tryit.fit, lib.tryit.runner, lib.tryit.remote, lib.tryit.engines; "
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ------------------------------------------------------------------------------------------------------ chat


@pytest.mark.parametrize("value,messages,why", [
    ("Hi there", [{"role": "user", "content": "Hi there"}], "a plain text is one user message"),
    ({"system": "Be brief.", "messages": [{"role": "user", "content": "Hi"}]},
     [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}], "the system prompt goes first"),
    ({"system": "  ", "messages": [{"role": "user", "content": "Hi"}]},
     [{"role": "user", "content": "Hi"}], "a blank system prompt is left out"),
    ({"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "a"},
                   {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]},
     [{"role": "system", "content": "S"}, {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
      {"role": "user", "content": "c"}], "the Hub widget's shape, several turns"),
    ([{"role": "user", "content": "x"}], [{"role": "user", "content": "x"}], "a bare list of messages"),
])
def test_chat_inputs_become_messages(value, messages, why):
    assert T.get_task("chat").prepare(value).args == (messages,), why


@pytest.mark.parametrize("value,why", [
    ("   ", "nothing to answer"),
    ({"messages": []}, "no message"),
    ({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]},
     "the last message is the model's own: nothing to answer"),
    ({"messages": [{"role": "robot", "content": "a"}]}, "unknown role"),
    ({"messages": [{"role": "user", "content": 3}]}, "content is not a text"),
    ({"system": ["x"], "messages": [{"role": "user", "content": "a"}]}, "system prompt is not a text"),
    (42, "not a chat at all"),
])
def test_bad_chat_inputs_are_invalid_queries(value, why):
    with pytest.raises(InvalidQueryError):
        T.get_task("chat").prepare(value)


@pytest.mark.parametrize("text,turns,why", [
    ("Hello", [{"role": "user", "content": "Hello"}], "no speaker: one user turn"),
    ("User: Hi\nAssistant: Hello!\nuser:  And you?",
     [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
      {"role": "user", "content": "And you?"}], "speakers at line starts, any case"),
    ("User: line one\nline two", [{"role": "user", "content": "line one\nline two"}], "a turn runs to the next"),
    ("User: I said assistant: no", [{"role": "user", "content": "I said assistant: no"}],
     "a speaker's name inside a line is text"),
    ("", [], "empty"),
])
def test_typed_turns(text, turns, why):
    assert I.parse_turns(text) == turns, why


def test_text_before_the_first_speaker_is_refused_and_turns_round_trip():
    with pytest.raises(InvalidQueryError):
        I.parse_turns("hello\nUser: hi")
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yes?"},
                {"role": "user", "content": "Go"}]
    assert I.parse_turns(I.turns_text(messages)) == messages
    assert I.system_prompt({"messages": [{"role": "system", "content": "S"}]}) == "S"


@pytest.mark.parametrize("tag,chat_template,task", [
    ("text-generation", True, "chat"),
    ("text-generation", False, "text-generation"),
    ("conversational", False, "chat"),
    ("sentiment-analysis", False, "text-classification"),
    ("text-to-video", False, None),
    (None, True, None),
])
def test_the_row_a_model_is_tried_with(tag, chat_template, task):
    assert T.model_task(tag, chat_template=chat_template) == task


@pytest.mark.parametrize("tag,template,task,ok,why", [
    ("text-classification", False, "text-classification", True, "its own task"),
    ("fill-mask", False, "text-classification", False, "another task"),
    ("sentence-similarity", False, "feature-extraction", True, "one pipeline serves both"),
    ("feature-extraction", False, "sentence-similarity", True, "one pipeline serves both"),
    ("summarization", False, "translation", True, "one seq2seq engine"),
    ("text-generation", False, "chat", False, "a base model has no chat template"),
    ("text-generation", True, "chat", True, "an instruct model"),
    ("text-generation", True, "text-generation", True, "an instruct model still generates text"),
    (None, False, "fill-mask", True, "no declared task: tried as asked"),
    ("text-to-video", False, "fill-mask", False, "a task no row serves"),
])
def test_which_models_serve_a_task(tag, template, task, ok, why):
    assert T.serves(tag, task, chat_template=template) is ok, why


def test_one_fill_mask_input_gets_each_models_mask_token():
    fill = T.get_task("fill-mask")
    assert T.value_for(fill, "Paris is the [MASK].", "<mask>") == "Paris is the <mask>."
    assert T.value_for(fill, "Paris is the [MASK].", None) == "Paris is the [MASK]."
    assert T.value_for(T.get_task("text-classification"), "a [MASK]", "<mask>") == "a [MASK]"


@pytest.mark.parametrize("value,text,why", [
    ("Hello", "Hello", "a text"),
    ("   ", None, "an empty text"),
    ({"inputs": "x", "candidate_labels": ["a"]}, "x", "zero-shot: the text"),
    ({"question": "q?", "context": "c."}, "q?\nc.", "the question, then the context"),
    ({"source_sentence": "a", "sentences": ["b", "c"]}, "a\nb\nc", "every sentence"),
    ({"system": "S", "messages": [{"role": "user", "content": "u"}]}, "S\nu", "a chat's texts"),
    (b"\x89PNG", None, "media"),
])
def test_the_text_a_model_reads_for_the_tokens_view(value, text, why):
    assert I.token_text(value) == text, why
