"""AppTest runs of `pages/1_datasets.py?repo=...` against the fake Hub and its fake dataset viewer, plus the pure
helpers that build what the dataset detail shows. Expected values come from the fixture files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib.hub.viewer import ColumnStatistics, Feature, FirstRows, Histogram, RowItem
from lib.ui import dataset_view
from tests.fakehub import VALID_TOKEN, FakeHub
from tests.fakehub.viewer import (
    DISABLED_VIEWER_DATASET,
    STREAMING_ONLY_DATASET,
    add_viewer_repos,
)
from tests.test_viewer import FINEWEB, GATED, GLUE, fixture, jsonl  # the viewer fixtures, read once

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def vhub(hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> FakeHub:
    add_viewer_repos(hub)
    monkeypatch.setenv("HUB_EXPLORER_VIEWER_ENDPOINT", hub.url + "/viewer")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    st.cache_data.clear()  # answers cached by an earlier test (faults, tokens) must not leak in
    hub.clear_requests()
    return hub


def detail(repo: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "1_datasets.py"), default_timeout=60)
    at.query_params["repo"] = repo
    at.run()
    assert not at.exception, at.exception
    return at


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [df.value for df in at.dataframe]


def frame_with(at: AppTest, *columns: str) -> pd.DataFrame:
    found = [f for f in frames(at) if set(columns) <= set(f.columns)]
    assert found, [list(f.columns) for f in frames(at)]
    return found[0]


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def chart_specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in stat_charts(at)]


def stat_charts(at: AppTest) -> list:
    """The detail's statistics charts, in its tabs (not the result-set charts of the table's "Charts" panel)."""
    return [chart for tab in at.tabs for chart in tab.get("vega_lite_chart")]


def chart_title(spec: dict[str, Any]) -> str:
    title = spec.get("title")
    return title.get("text") if isinstance(title, dict) else str(title)


def test_glue_shows_preview_schema_split_counts_and_one_chart_per_column(vhub):
    at = detail(GLUE)
    expected_rows = fixture(GLUE)["first-rows"]["cola/train"]["rows"]
    preview = frame_with(at, "sentence", "label", "idx")
    assert list(preview["sentence"]) == [r["row"]["sentence"] for r in expected_rows]
    assert preview["label"].iloc[0] == "acceptable (1)"  # class labels named

    splits = frame_with(at, "config", "split", "rows")
    expected_sizes = fixture(GLUE)["size"]["size"]["splits"]
    assert list(zip(splits["config"], splits["split"], splits["rows"], strict=True)) == [
        (s["config"], s["split"], s["num_rows"]) for s in expected_sizes
    ]
    schema = frame_with(at, "column", "type")
    assert dict(zip(schema["column"], schema["type"], strict=True)) == {
        "sentence": "string", "label": "ClassLabel (2 names)", "idx": "int32",
    }

    stats = fixture(GLUE)["statistics"]["cola/train"]["statistics"]
    specs = chart_specs(at)
    assert [chart_title(s) for s in specs] == [c["column_name"] for c in stats]
    assert "8,551 rows" in texts(at)
    assert not at.error


def test_choosing_another_config_and_split_shows_their_rows(vhub):
    at = detail(GLUE)
    at.selectbox(key=f"dsv:{GLUE}:config").select("sst2").run()
    at.selectbox(key=f"dsv:{GLUE}:split:sst2").select("validation").run()
    assert not at.exception
    expected = fixture(GLUE)["first-rows"]["sst2/validation"]["rows"]
    # cells show text on one line, blanks collapsed
    assert list(frame_with(at, "sentence")["sentence"]) == [" ".join(r["row"]["sentence"].split()) for r in expected]
    assert "872" in texts(at)  # the split's row count


def test_string_label_and_number_statistics_are_charted(vhub):
    at = detail(FINEWEB)
    stats = fixture(FINEWEB)["statistics"]["CC-MAIN-2024-10/train"]["statistics"]
    specs = {chart_title(s): s for s in chart_specs(at)}
    assert list(specs) == [c["column_name"] for c in stats]
    dump = json.dumps(specs["dump"])
    assert "CC-MAIN-2024-10" in dump  # the label itself, with its count
    assert "first 5 GB" in texts(at)  # partial statistics say so


def test_a_disabled_viewer_says_so_and_is_not_asked(vhub):
    at = detail(DISABLED_VIEWER_DATASET)
    assert any("viewer is disabled" in i.value and "viewer: false" in i.value for i in at.info)
    assert not stat_charts(at)
    assert not [r for r in vhub.requests if r.path.startswith("/viewer/")]
    assert [t.label for t in at.tabs][:3] == ["Preview", "Schema & splits", "Statistics"]


def test_a_gated_dataset_without_token_explains_and_never_fails(vhub):
    at = detail(GATED)
    assert any("Gated dataset" in i.value and "HF_TOKEN" in i.value for i in at.info)
    assert not at.error and not stat_charts(at)
    asked = [r.path for r in vhub.requests]
    assert not [p for p in asked if p.startswith("/viewer/")], asked  # the viewer would only say 401
    assert not [p for p in asked if "/resolve/" in p and GATED in p and not p.endswith("README.md")], asked


def test_a_gated_dataset_with_a_token_shows_everything(vhub, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", VALID_TOKEN)
    at = detail(GATED)
    expected = fixture(GATED)
    assert len(frame_with(at, "conversation_id", "model")) == len(expected["first-rows"]["default/train"]["rows"])
    assert len(stat_charts(at)) == len(expected["statistics"]["default/train"]["statistics"])
    assert VALID_TOKEN not in texts(at)


def test_the_streaming_fallback_previews_a_dataset_the_viewer_has_nothing_for(vhub):
    at = detail(STREAMING_ONLY_DATASET)
    assert at.selectbox(key=f"dsv:{STREAMING_ONLY_DATASET}:split:default").options == ["train", "test"]
    preview = frame_with(at, "text", "label", "score", "tags")
    rows = jsonl("train")
    assert list(preview["label"]) == [r["label"] for r in rows]
    assert preview["text"].iloc[2].endswith("…") and len(preview["text"].iloc[2]) <= dataset_view.CELL_TEXT_LIMIT
    assert "streamed with the `datasets` library" in texts(at)
    assert "computed by the dataset viewer" in texts(at)  # no statistics without the viewer
    assert not stat_charts(at) and not at.error


def test_a_viewer_that_is_down_falls_back_to_streaming(vhub):
    vhub.add_fault("/viewer/", status=503, times=None)
    at = detail(STREAMING_ONLY_DATASET)
    assert "could not be asked" in texts(at)
    assert list(frame_with(at, "text", "label")["label"]) == [r["label"] for r in jsonl("train")]


def test_a_split_the_viewer_fails_on_still_shows_its_statistics(vhub):
    vhub.add_fault("/viewer/first-rows", status=500, times=None)
    at = detail(GLUE)  # streaming glue from the fake Hub fails too (its parquet files are placeholders)
    assert at.warning or at.error  # said, not raised
    assert "Before streaming, the dataset viewer said" in texts(at)  # both reasons
    assert len(stat_charts(at)) == len(fixture(GLUE)["statistics"]["cola/train"]["statistics"])


# --- pure helpers ------------------------------------------------------------------------------------------------


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
        ),
        rows=(
            RowItem(0, {"image": {"src": "https://viewer.test/a.jpg", "height": 4, "width": 4},
                        "audio": [{"src": "https://viewer.test/a.wav", "type": "audio/wav"}],
                        "label": 1, "text": "word " * 100, "tags": ["a", "b"], "n": 3}),
            RowItem(1, {"image": {"src": "javascript:alert(1)"}, "audio": None, "label": -1, "text": "short",
                        "tags": [], "n": None}),
        ),
    )
    frame = dataset_view.preview_frame(rows)
    assert list(frame.index) == [0, 1] and list(frame.columns) == ["image", "audio", "label", "text", "tags", "n"]
    assert frame.loc[0, "image"] == "https://viewer.test/a.jpg" and frame.loc[0, "audio"] == "https://viewer.test/a.wav"
    assert not str(frame.loc[1, "image"]).startswith("javascript:")  # only http(s) links
    assert frame.loc[0, "label"] == "pos (1)" and frame.loc[1, "label"] == "no label (-1)"
    assert len(frame.loc[0, "text"]) == dataset_view.CELL_TEXT_LIMIT and frame.loc[0, "text"].endswith("…")
    assert frame.loc[0, "tags"] == '["a", "b"]' and frame.loc[0, "n"] == 3
    config = dataset_view.preview_column_config(rows, frame)
    assert config["image"]["type_config"]["type"] == "link" and config["text"]["width"] == "large"


def _col(**kwargs: Any) -> ColumnStatistics:
    return ColumnStatistics(**{"name": "c", "type": "int", "nan_count": 0, "nan_proportion": 0.0, **kwargs})


def test_stat_chart_kinds_and_numbers():
    hist = _col(histogram=Histogram((5, 0, 7), (0.0, 1.0, 2.0, 3.0)), min=0, max=3, mean=1.6, median=2, std=1.1)
    spec = hist.histogram and dataset_view.stat_chart(hist).to_dict()
    assert spec["layer"][0]["mark"]["type"] == "bar" and spec["layer"][1]["mark"]["type"] == "text"
    assert dataset_view.histogram_frame(hist)["label"].tolist() == ["5", "0", "7"]

    labels = _col(type="class_label", frequencies={"a": 3, "b": 9}, no_label_count=2, nan_count=1, n_unique=2)
    frame = dataset_view.frequencies_frame(labels)
    assert frame["value"].tolist() == ["b", "a", "(no label)", "(null)"]  # largest first, then the missing
    assert frame["kind"].tolist() == ["value", "value", "no label", "null"]
    assert "nulls 1" in dataset_view.stat_summary(labels) and "no label 2" in dataset_view.stat_summary(labels)

    many = _col(type="string_label", frequencies={f"v{i:02d}": 100 - i for i in range(20)})
    frame = dataset_view.frequencies_frame(many, top=5)
    assert len(frame) == 6 and frame["value"].iloc[-1] == "15 other values"
    assert frame["rows"].iloc[-1] == sum(100 - i for i in range(5, 20))

    same = _col(type="string_text", histogram=Histogram((42,), (32.0, 32.0)))  # every value the same length
    spec = dataset_view.stat_chart(same).to_dict()
    assert spec["layer"][0]["encoding"]["y"]["field"] == "value"  # one bar, not a zero-width histogram


def test_short_labels_keep_both_ends_and_stay_distinct():
    long = "s3://bucket/very/long/path/to/a/file-00001.parquet"
    assert dataset_view.short_label(long).endswith("00001.parquet") and len(dataset_view.short_label(long)) == 32
    col = _col(type="string_label", frequencies={long: 2, long.replace("1.parquet", "2.parquet"): 1})
    values = dataset_view.frequencies_frame(col)["value"].tolist()
    assert len(set(values)) == 2


def test_dates_are_charted_by_band_and_unknown_columns_not_at_all():
    edges = tuple(f"2013-05-{d:02d}" for d in range(18, 22))
    dates = _col(type="datetime", histogram=Histogram((3, 1, 2), edges), min=edges[0], max=edges[-1])
    spec = dataset_view.stat_chart(dates).to_dict()
    assert spec["layer"][0]["encoding"]["x"] == {**spec["layer"][0]["encoding"]["x"], "field": "start",
                                                 "type": "nominal"}
    assert "min 2013-05-18" in dataset_view.stat_summary(dates)
    assert dataset_view.stat_chart(ColumnStatistics(name="odd", type="int")) is None
