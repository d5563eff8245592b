"""The try-it task table and its pure post-processing (no torch, no transformers)."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from lib.errors import InvalidQueryError
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
        assert spec.input_kind in T.InputKind.__args__, spec.task
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
    assert T.parse_input(raw) == parsed


def test_fill_mask_candidates_are_ranked():
    out = [{"score": 0.1, "token": 5, "token_str": " city", "sequence": "Paris is the city of France."},
           {"score": 0.7, "token": 6, "token_str": "capital", "sequence": "Paris is the capital of France."}]
    rows = T.fill_mask_candidates(out)
    assert [r["token"] for r in rows] == ["capital", "city"]
    assert rows[0]["rank"] == 1 and rows[0]["score"] == pytest.approx(0.7)
    # several masks: one list per mask, the first is shown
    assert T.fill_mask_candidates([out, out[:1]])[0]["token"] == "capital"


def test_text_classification_sorted_labels():
    rows = T.ranked([[{"label": "NEG", "score": 0.2}, {"label": "POS", "score": 0.8}]])
    assert [(r["rank"], r["label"]) for r in rows] == [(1, "POS"), (2, "NEG")]


def test_entity_spans_merge_adjacent_tokens_and_cover_the_text():
    text = "My name is Sarah Jane and I live in New York"
    out = [
        {"entity": "B-PER", "score": 0.9, "word": "Sarah", "start": 11, "end": 16},
        {"entity": "I-PER", "score": 0.7, "word": "Jane", "start": 17, "end": 21},
        {"entity": "O", "score": 0.9, "word": "and", "start": 22, "end": 25},
        {"entity": "B-LOC", "score": 0.8, "word": "New", "start": 36, "end": 39},
        {"entity": "I-LOC", "score": 0.6, "word": "York", "start": 40, "end": 44},
    ]
    got = T.entity_spans(out, text)
    assert [(e["label"], e["text"]) for e in got["entities"]] == [("PER", "Sarah Jane"), ("LOC", "New York")]
    assert got["entities"][0]["score"] == pytest.approx(0.8)
    assert "".join(piece for piece, _ in got["segments"]) == text
    assert [label for _, label in got["segments"]] == [None, "PER", None, "LOC"]


def test_entity_spans_b_tag_starts_a_new_span_and_missing_offsets_are_located():
    text = "Paris Berlin"
    out = [{"entity": "B-LOC", "score": 1.0, "word": "Paris"}, {"entity": "B-LOC", "score": 1.0, "word": "Berlin"}]
    got = T.entity_spans(out, text)
    assert [(e["start"], e["end"]) for e in got["entities"]] == [(0, 5), (6, 12)]
    grouped = [{"entity_group": "LOC", "score": 0.5, "word": "paris", "start": 0, "end": 5}]
    assert T.entity_spans(grouped, text)["entities"][0]["text"] == "Paris"


def test_answer_span_in_context():
    value = {"question": "Where do I live?", "context": "My name is Wolfgang and I live in Berlin"}
    got = T.answer_span({"answer": "Berlin", "score": 0.9, "start": 34, "end": 40}, value)
    assert got["before"] + got["answer"] + got["after"] == value["context"]
    assert (got["start"], got["end"]) == (34, 40)
    # wrong offsets: the span is found in the context instead
    assert T.answer_span({"answer": "Wolfgang", "score": 0.5, "start": 0, "end": 3}, value)["start"] == 11


def test_zero_shot_scores():
    got = T.zero_shot_scores({"sequence": "x", "labels": ["a", "b"], "scores": [0.3, 0.7]})
    assert [(r["label"], r["rank"]) for r in got] == [("b", 1), ("a", 2)]


def test_mean_pool_and_cosine():
    assert T.mean_pool([[1.0, 3.0], [3.0, 5.0]]) == [2.0, 4.0]
    assert T.cosine([1, 0], [0, 1]) == 0.0
    assert T.cosine([1, 1], [2, 2]) == pytest.approx(1.0)
    assert T.cosine([0, 0], [1, 1]) == 0.0


def test_similarity_scores_from_token_vectors():
    # [texts][1][tokens][dim], as the feature-extraction pipeline answers a list of texts
    source = [[[1.0, 0.0], [1.0, 0.0]]]
    same = [[[2.0, 0.0]]]
    orthogonal = [[[0.0, 1.0], [0.0, 3.0]]]
    opposite_mix = [[[1.0, 1.0]]]
    got = T.similarity_scores([source, same, orthogonal, opposite_mix])
    assert got[0] == pytest.approx(1.0)
    assert got[1] == pytest.approx(0.0)
    assert got[2] == pytest.approx(1 / math.sqrt(2))


def test_feature_summary_shape():
    got = T.feature_summary([[[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]]])
    assert got == {"tokens": 2, "dim": 3, "embedding": [2.0, 3.0, 4.0]}


def test_generated_text_continuation():
    got = T.generated_text([{"generated_text": "Hello world, friend"}], "Hello world")
    assert got == {"text": "Hello world, friend", "continuation": ", friend"}
    assert T.get_task("summarization").postprocess([{"summary_text": "short"}], "long") == {"text": "short"}


def test_detections_and_transcript():
    out = [{"label": "cat", "score": 0.4, "box": {"xmin": 1, "ymin": 2, "xmax": 3, "ymax": 4}},
           {"label": "dog", "score": 0.9, "box": {"xmin": 5, "ymin": 6, "xmax": 7, "ymax": 8}}]
    got = T.detections(out, threshold=0.5)
    assert got == [{"label": "dog", "score": 0.9, "box": [5, 6, 7, 8]}]
    assert T.transcript({"text": " hello "}) == {"text": "hello", "chunks": []}


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
