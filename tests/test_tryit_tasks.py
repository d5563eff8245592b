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
    assert streamed == ["text-generation", "text2text-generation"]  # TGI's generate route
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
