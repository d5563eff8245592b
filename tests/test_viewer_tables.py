"""The dataset detail's pure helpers (`lib.viewer_tables`, `lib.viewer_charts`), without Streamlit.

Expected values come from independent references: the viewer fixture files read as plain JSON, `json`, `numpy`'s
histogram, `collections.Counter` and hand-written tables with the reason for each row.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest

from lib import viewer_tables as vt
from lib.hub.viewer import (
    ColumnStatistics,
    Feature,
    FirstRows,
    Histogram,
    RowItem,
    parse_first_rows,
    parse_size,
    parse_splits,
    parse_statistics,
)
from lib.viewer_charts import stat_chart
from tests.test_viewer import FINEWEB, GLUE, fixture


def _col(**kwargs: Any) -> ColumnStatistics:
    return ColumnStatistics(**{"name": "c", "type": "int", "nan_count": 0, "nan_proportion": 0.0, **kwargs})


# --- cells ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [["a", "b"], {"k": [1, 2.5, None]}, {"日本": "語", "q": "\"quoted\""}, [], {"nested": {"deep": [True, False]}}],
)
def test_dumps_cell_is_json_that_reads_back_unchanged(value):
    assert json.loads(vt.dumps_cell(value)) == value


@pytest.mark.parametrize(
    ("value", "limit", "why"),
    [
        ("a  b\n\tc ", 160, "blanks collapse to one space, ends trimmed"),
        ("word " * 100, 160, "long text is cut to the limit"),
        ("x" * 10, 10, "exactly the limit is not cut"),
        ("x" * 11, 10, "one over the limit is cut"),
        ({"a": "line\nbreak"}, 160, "nested values are JSON text on one line"),
    ],
)
def test_cell_text_is_one_line_within_the_limit(value, limit, why):
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    one_line = re.sub(r"\s+", " ", text).strip()
    expected = one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"
    assert vt.cell_text(value, limit) == expected, why
    assert len(vt.cell_text(value, limit)) <= limit, why


@pytest.mark.parametrize(
    ("value", "url", "why"),
    [
        ({"src": "https://viewer.test/a.jpg", "height": 4}, "https://viewer.test/a.jpg", "an image cell"),
        ([{"src": "http://viewer.test/a.wav", "type": "audio/wav"}], "http://viewer.test/a.wav", "an audio cell"),
        ({"src": "javascript:alert(1)"}, None, "only http(s) links"),
        ({"src": "//evil.test/x"}, None, "no scheme-relative links"),
        ([], None, "an empty audio list"),
        ({"path": "a.jpg"}, None, "no src"),
        ("https://viewer.test/a.jpg", None, "a plain string is not a media cell"),
    ],
)
def test_media_url(value, url, why):
    assert vt.media_url(value) == url, why


def test_the_preview_of_the_glue_fixture_names_labels_and_keeps_rows_in_order():
    raw = fixture(GLUE)["first-rows"]["cola/train"]
    frame = vt.preview_frame(parse_first_rows(raw))
    names = next(f["type"]["names"] for f in raw["features"] if f["name"] == "label")
    assert list(frame.columns) == [f["name"] for f in sorted(raw["features"], key=lambda f: f["feature_idx"])]
    assert list(frame.index) == [r["row_idx"] for r in raw["rows"]]
    assert list(frame["label"]) == [f"{names[r['row']['label']]} ({r['row']['label']})" for r in raw["rows"]]
    assert list(frame["idx"]) == [r["row"]["idx"] for r in raw["rows"]]
    assert list(frame["sentence"]) == [" ".join(r["row"]["sentence"].split()) for r in raw["rows"]]


def test_preview_cells_name_labels_link_media_and_shorten_text():
    rows = FirstRows(
        dataset="org/x", config="default", split="train",
        features=(
            Feature("image", {"_type": "Image"}),
            Feature("audio", {"sampling_rate": 16000, "_type": "Audio"}),
            Feature("label", {"names": ["neg", "pos"], "_type": "ClassLabel"}),
            Feature("text", {"dtype": "string", "_type": "Value"}),
            Feature("tags", {"feature": {"dtype": "string", "_type": "Value"}, "_type": "List"}),
            Feature("n", {"dtype": "int64", "_type": "Value"}),
            Feature("flag", {"dtype": "bool", "_type": "Value"}),
        ),
        rows=(
            RowItem(0, {"image": {"src": "https://viewer.test/a.jpg", "height": 4, "width": 4},
                        "audio": [{"src": "https://viewer.test/a.wav", "type": "audio/wav"}],
                        "label": 1, "text": "word " * 100, "tags": ["a", "b"], "n": 3, "flag": True}),
            RowItem(1, {"image": {"src": "javascript:alert(1)"}, "audio": None, "label": -1, "text": "short",
                        "tags": [], "n": None, "flag": False}),
            RowItem(2, {"label": 2, "text": "x"}),  # a label past the names, missing cells
        ),
    )
    frame = vt.preview_frame(rows)
    assert list(frame.index) == [0, 1, 2]
    assert list(frame.columns) == ["image", "audio", "label", "text", "tags", "n", "flag"]
    assert frame.loc[0, "image"] == "https://viewer.test/a.jpg" and frame.loc[0, "audio"] == "https://viewer.test/a.wav"
    assert frame.loc[1, "image"] == '{"src": "javascript:alert(1)"}'  # shown as text, never as a link
    assert pd.isna(frame.loc[1, "audio"]) and pd.isna(frame.loc[2, "image"])
    assert frame.loc[0, "label"] == "pos (1)"
    assert frame.loc[1, "label"] == "no label (-1)" and frame.loc[2, "label"] == "no label (2)"
    assert frame.loc[0, "text"] == ("word " * 100)[: vt.CELL_TEXT_LIMIT - 1] + "…"
    assert frame.loc[0, "tags"] == '["a", "b"]' and frame.loc[1, "tags"] == "[]"
    assert frame.loc[0, "n"] == 3 and bool(frame.loc[0, "flag"]) is True and bool(frame.loc[1, "flag"]) is False
    assert [vt.column_kind(f) for f in rows.features] == ["media", "media", "text", "text", "text", "number",
                                                          "number"]
    assert vt.column_width(frame, "text") == "large"  # 160 characters
    assert vt.column_width(frame, "label") == "small"  # "no label (-1)": 13 characters
    assert vt.column_width(frame, "tags") == "small"


def test_rows_without_features_keep_their_keys_in_order():
    rows = FirstRows(dataset="org/x", config="c", split="s", features=(),
                     rows=(RowItem(5, {"b": 1, "a": "x"}), RowItem(6, {"c": [1]})))
    frame = vt.preview_frame(rows)
    assert list(frame.columns) == ["b", "a", "c"] and list(frame.index) == [5, 6]
    assert frame.loc[6, "c"] == "[1]"


def test_truncated_columns_are_every_cut_column_once():
    rows = FirstRows(dataset="org/x", config="c", split="s", features=(),
                     rows=(RowItem(0, {}, ("text", "b")), RowItem(1, {}, ("text",)), RowItem(2, {})))
    assert vt.truncated_columns(rows) == ["b", "text"]


# --- schema and splits ---------------------------------------------------------------------------------------------


def test_features_frame_lists_each_feature_with_its_class_names():
    many = [f"class{i}" for i in range(11)]
    frame = vt.features_frame([
        Feature("text", {"dtype": "string", "_type": "Value"}),
        Feature("label", {"names": ["neg", "pos"], "_type": "ClassLabel"}),
        Feature("topic", {"names": many, "_type": "ClassLabel"}),
    ])
    assert frame.to_dict("records") == [
        {"column": "text", "type": "string", "labels": ""},
        {"column": "label", "type": "ClassLabel (2 names)", "labels": "neg, pos"},
        {"column": "topic", "type": "ClassLabel (11 names)", "labels": ", ".join(many[:8]) + ", … (11 in all)"},
    ]
    assert list(vt.features_frame([]).columns) == ["column", "type", "labels"]


def test_split_counts_and_the_splits_table_match_the_size_fixture():
    raw = fixture(GLUE)
    listing, size = parse_splits(raw["splits"]), parse_size(raw["size"])
    expected = {(s["config"], s["split"]): s for s in raw["size"]["size"]["splits"]}
    counts = vt.split_row_counts(listing, size)
    assert [(r["config"], r["split"]) for r in counts] == [(s["config"], s["split"]) for s in raw["splits"]["splits"]]
    for row in counts:
        sized = expected[row["config"], row["split"]]
        assert (row["rows"], row["columns"], row["parquet bytes"]) == (
            sized["num_rows"], sized["num_columns"], sized["num_bytes_parquet_files"])
    frame = vt.splits_frame(listing, size)
    assert list(frame.columns) == ["config", "split", "rows", "columns", "parquet"]
    assert str(frame["rows"].dtype) == "Int64"
    first = raw["size"]["size"]["splits"][0]["num_bytes_parquet_files"]
    assert 1e3 <= first < 1e6
    assert frame["parquet"].iloc[0] == f"{first / 1e3:.1f} KB"  # powers of 1000, as the Hub shows sizes


def test_splits_without_sizes_have_no_counts():
    listing = parse_splits(fixture(GLUE)["splits"])
    frame = vt.splits_frame(listing, None)
    assert len(frame) == len(listing.splits)
    assert frame["rows"].isna().all() and frame["columns"].isna().all() and set(frame["parquet"]) == {"–"}


# --- statistics ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown", "why"),
    [
        (None, "–", "unknown"),
        (8550, "8,550", "integers with separators"),
        (4275.0, "4,275", "a whole float is an integer"),
        (0.123456, "0.1235", "four significant digits"),
        (19.1, "19.1", "short floats unchanged"),
        (2468.46108, "2,468.5", "one decimal from 1,000 up"),
        (-0.5, "-0.5", "negative"),
        ("2013-05-18 04:54:11", "2013-05-18 04:54:11", "dates are text"),
        ("3 days, 4:57:32.811460", "3 days, 4:57:32.811460", "durations are text"),
    ],
)
def test_format_measure(value, shown, why):
    assert vt.format_measure(value) == shown, why


def test_stat_summaries_of_the_glue_statistics_fixture():
    raw = fixture(GLUE)["statistics"]["cola/train"]
    by_name = {c.name: c for c in parse_statistics(raw).columns}
    sentence = next(c for c in raw["statistics"] if c["column_name"] == "sentence")["column_statistics"]
    assert vt.stat_summary(by_name["sentence"]) == (
        f"nulls 0 · min {sentence['min']} chars · max {sentence['max']} chars · mean {sentence['mean']} · "
        f"median {sentence['median']} · std {sentence['std']}"
    )
    label = next(c for c in raw["statistics"] if c["column_name"] == "label")["column_statistics"]
    assert vt.stat_summary(by_name["label"]) == f"nulls 0 · {label['n_unique']} distinct"


def test_stat_summary_counts_nulls_and_rows_without_label():
    col = _col(type="class_label", frequencies={"a": 3}, no_label_count=1234, nan_count=1500, nan_proportion=0.25,
               n_unique=1)
    assert vt.stat_summary(col) == "nulls 1.5K (25.0%) · no label 1,234 · 1 distinct"
    assert vt.stat_summary(ColumnStatistics(name="odd", type="int")) == "nulls –"


def test_histogram_frame_matches_numpy():
    rng = np.random.default_rng(7)
    values = rng.normal(50, 12, size=5000)
    counts, edges = np.histogram(values, bins=10)
    col = _col(type="float", histogram=Histogram(tuple(int(c) for c in counts), tuple(float(e) for e in edges)))
    frame = vt.histogram_frame(col)
    assert frame["rows"].tolist() == counts.tolist() and int(frame["rows"].sum()) == len(values)
    assert np.allclose(frame["start"], edges[:-1]) and np.allclose(frame["end"], edges[1:])
    assert np.allclose(frame["mid"], (edges[:-1] + edges[1:]) / 2)
    assert frame["range"].iloc[0] == f"{vt.format_measure(float(edges[0]))} – {vt.format_measure(float(edges[1]))}"


def test_date_histograms_have_text_edges_and_no_midpoints():
    edges = tuple(f"2013-05-{d:02d}" for d in range(18, 22))
    frame = vt.histogram_frame(_col(type="datetime", histogram=Histogram((3, 1, 2), edges)))
    assert frame["start"].tolist() == list(edges[:-1]) and frame["end"].tolist() == list(edges[1:])
    assert "mid" not in frame and frame["range"].iloc[0] == "2013-05-18 – 2013-05-19"
    with pytest.raises(ValueError, match="no histogram"):
        vt.histogram_frame(_col())


def test_frequencies_frame_matches_a_counter_with_the_rest_summed():
    rnd = random.Random(3)
    words = [rnd.choice("abcdefghijklmnopqrstuvwxyz") * rnd.randint(1, 3) for _ in range(4000)]
    counter = Counter(words)
    col = _col(type="string_label", frequencies=dict(counter), nan_count=17, no_label_count=5)
    top = 6
    frame = vt.frequencies_frame(col, top=top)
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))  # largest first, ties by value
    assert frame["full"].tolist()[:top] == [k for k, _ in ranked[:top]]
    assert frame["rows"].tolist()[:top] == [v for _, v in ranked[:top]]
    assert frame["full"].tolist()[top:] == [f"{len(counter) - top:,} other values", "(no label)", "(null)"]
    assert frame["rows"].tolist()[top:] == [sum(v for _, v in ranked[top:]), 5, 17]
    assert frame["kind"].tolist() == ["value"] * top + ["other", "no label", "null"]
    assert int(frame["rows"].sum()) == len(words) + 17 + 5


def test_every_category_fits_without_an_other_bar():
    col = _col(type="bool", frequencies={"False": 2, "True": 9})
    frame = vt.frequencies_frame(col)
    assert frame[["value", "rows", "kind"]].to_dict("records") == [
        {"value": "True", "rows": 9, "kind": "value"}, {"value": "False", "rows": 2, "kind": "value"}]


@pytest.mark.parametrize(
    ("text", "limit", "expected", "why"),
    [
        ("short", 32, "short", "short labels stay"),
        ("x" * 32, 32, "x" * 32, "exactly the limit stays"),
        ("abcdefghij", 5, "ab…ij", "cut in the middle, both ends kept"),
        ("abcdefghij", 6, "ab…hij", "the end gets the odd character"),
    ],
)
def test_short_label(text, limit, expected, why):
    assert vt.short_label(text, limit) == expected, why
    assert len(vt.short_label(text, limit)) == min(len(text), limit), why


def test_cut_labels_stay_distinct():
    long = "s3://bucket/very/long/path/to/a/file-00001.parquet"
    assert vt.short_label(long).endswith("00001.parquet") and len(vt.short_label(long)) == vt.LABEL_LIMIT
    # the same 15 first and 16 last characters: the same cut label
    a, b = "prefix-value-one" + "A" * 30 + "-the-same-ending", "prefix-value-one" + "B" * 30 + "-the-same-ending"
    assert vt.short_label(a) == vt.short_label(b)
    col = _col(type="string_label", frequencies={a: 3, b: 2, long: 1})
    frame = vt.frequencies_frame(col)
    assert frame["full"].tolist() == [a, b, long]
    assert frame["value"].is_unique and frame["value"].tolist()[2] == vt.short_label(long)


def test_a_histogram_of_one_value_is_one_bar_of_all_rows():
    same = _col(type="string_text", histogram=Histogram((40, 2), (32.0, 32.0, 32.0)))
    assert not vt.has_spread(same)
    frame = vt.single_value_frame(same)
    assert frame[["value", "rows", "label"]].to_dict("records") == [{"value": "32", "rows": 42, "label": "42"}]


# --- charts --------------------------------------------------------------------------------------------------------


def test_each_column_of_the_fineweb_fixture_gets_the_chart_of_its_kind():
    raw = fixture(FINEWEB)["statistics"]["CC-MAIN-2024-10/train"]
    for col in parse_statistics(raw).columns:
        spec = stat_chart(col).to_dict()
        bars, labels = spec["layer"]
        assert (bars["mark"]["type"], labels["mark"]["type"]) == ("bar", "text"), col.name
        assert spec["title"]["text"] == col.name
        data = next(iter(spec["datasets"].values()))
        if col.frequencies is not None:  # categories: one bar per value, counts as in the answer
            assert {d["full"]: d["rows"] for d in data} == col.frequencies, col.name
        elif col.histogram.bin_edges[0] == col.histogram.bin_edges[-1]:  # every value the same: one bar
            assert [d["rows"] for d in data] == [sum(col.histogram.hist)], col.name
        else:  # a histogram: one bar per bin
            assert [d["rows"] for d in data] == list(col.histogram.hist), col.name


def test_stat_chart_kinds():
    hist = _col(histogram=Histogram((5, 0, 7), (0.0, 1.0, 2.0, 3.0)), min=0, max=3, mean=1.6, median=2, std=1.1)
    spec = stat_chart(hist).to_dict()
    assert spec["layer"][0]["encoding"]["x"]["bin"] == "binned" and spec["layer"][0]["encoding"]["x2"]["field"] == "end"

    same = _col(type="string_text", histogram=Histogram((42,), (32.0, 32.0)))  # every value the same length
    spec = stat_chart(same).to_dict()
    assert spec["layer"][0]["encoding"]["y"]["field"] == "value"  # one bar, not a zero-width histogram

    edges = tuple(f"2013-05-{d:02d}" for d in range(18, 22))
    dates = _col(type="datetime", histogram=Histogram((3, 1, 2), edges), min=edges[0], max=edges[-1])
    x = stat_chart(dates).to_dict()["layer"][0]["encoding"]["x"]
    assert (x["field"], x["type"]) == ("start", "nominal")  # one band per date bin

    only_nulls = _col(type="string_label", nan_count=4)
    data = next(iter(stat_chart(only_nulls).to_dict()["datasets"].values()))
    assert [(d["full"], d["rows"], d["kind"]) for d in data] == [("(null)", 4, "null")]

    assert stat_chart(ColumnStatistics(name="odd", type="int")) is None  # nothing to chart
