"""The try-it rows' pure post-processing (lib.tryit.outputs): raw answers in the pipelines' shapes -> what a page
shows. Expected values are worked out by hand (sorting, offsets, cosines of simple vectors)."""

from __future__ import annotations

import math

import pytest

from lib.tryit import outputs as O
from lib.tryit import tasks as T


def test_fill_mask_candidates_are_ranked():
    out = [{"score": 0.1, "token": 5, "token_str": " city", "sequence": "Paris is the city of France."},
           {"score": 0.7, "token": 6, "token_str": "capital", "sequence": "Paris is the capital of France."}]
    rows = O.fill_mask_candidates(out)
    assert [r["token"] for r in rows] == ["capital", "city"]
    assert rows[0]["rank"] == 1 and rows[0]["score"] == pytest.approx(0.7)
    # several masks: one list per mask, the first is shown
    assert O.fill_mask_candidates([out, out[:1]])[0]["token"] == "capital"


def test_text_classification_sorted_labels():
    rows = O.ranked([[{"label": "NEG", "score": 0.2}, {"label": "POS", "score": 0.8}]])
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
    got = O.entity_spans(out, text)
    assert [(e["label"], e["text"]) for e in got["entities"]] == [("PER", "Sarah Jane"), ("LOC", "New York")]
    assert got["entities"][0]["score"] == pytest.approx(0.8)
    assert "".join(piece for piece, _ in got["segments"]) == text
    assert [label for _, label in got["segments"]] == [None, "PER", None, "LOC"]


def test_entity_spans_b_tag_starts_a_new_span_and_missing_offsets_are_located():
    text = "Paris Berlin"
    out = [{"entity": "B-LOC", "score": 1.0, "word": "Paris"}, {"entity": "B-LOC", "score": 1.0, "word": "Berlin"}]
    got = O.entity_spans(out, text)
    assert [(e["start"], e["end"]) for e in got["entities"]] == [(0, 5), (6, 12)]
    grouped = [{"entity_group": "LOC", "score": 0.5, "word": "paris", "start": 0, "end": 5}]
    assert O.entity_spans(grouped, text)["entities"][0]["text"] == "Paris"


def test_answer_span_in_context():
    value = {"question": "Where do I live?", "context": "My name is Wolfgang and I live in Berlin"}
    got = O.answer_span({"answer": "Berlin", "score": 0.9, "start": 34, "end": 40}, value)
    assert got["before"] + got["answer"] + got["after"] == value["context"]
    assert (got["start"], got["end"]) == (34, 40)
    # wrong offsets: the span is found in the context instead
    assert O.answer_span({"answer": "Wolfgang", "score": 0.5, "start": 0, "end": 3}, value)["start"] == 11


def test_zero_shot_scores():
    got = O.zero_shot_scores({"sequence": "x", "labels": ["a", "b"], "scores": [0.3, 0.7]})
    assert [(r["label"], r["rank"]) for r in got] == [("b", 1), ("a", 2)]


def test_mean_pool_and_cosine():
    assert O.mean_pool([[1.0, 3.0], [3.0, 5.0]]) == [2.0, 4.0]
    assert O.cosine([1, 0], [0, 1]) == 0.0
    assert O.cosine([1, 1], [2, 2]) == pytest.approx(1.0)
    assert O.cosine([0, 0], [1, 1]) == 0.0


def test_similarity_scores_from_token_vectors():
    # [texts][1][tokens][dim], as the feature-extraction pipeline answers a list of texts
    source = [[[1.0, 0.0], [1.0, 0.0]]]
    same = [[[2.0, 0.0]]]
    orthogonal = [[[0.0, 1.0], [0.0, 3.0]]]
    opposite_mix = [[[1.0, 1.0]]]
    got = O.similarity_scores([source, same, orthogonal, opposite_mix])
    assert got[0] == pytest.approx(1.0)
    assert got[1] == pytest.approx(0.0)
    assert got[2] == pytest.approx(1 / math.sqrt(2))


def test_feature_summary_shape():
    got = O.feature_summary([[[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]]])
    assert got == {"tokens": 2, "dim": 3, "embedding": [2.0, 3.0, 4.0]}


def test_generated_text_continuation():
    got = O.generated_text([{"generated_text": "Hello world, friend"}], "Hello world")
    assert got == {"text": "Hello world, friend", "continuation": ", friend"}
    assert T.get_task("summarization").postprocess([{"summary_text": "short"}], "long") == {"text": "short"}


def test_detections_and_transcript():
    out = [{"label": "cat", "score": 0.4, "box": {"xmin": 1, "ymin": 2, "xmax": 3, "ymax": 4}},
           {"label": "dog", "score": 0.9, "box": {"xmin": 5, "ymin": 6, "xmax": 7, "ymax": 8}}]
    got = O.detections(out, threshold=0.5)
    assert got == [{"label": "dog", "score": 0.9, "box": [5, 6, 7, 8]}]
    assert O.transcript({"text": " hello "}) == {"text": "hello", "chunks": []}
