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

from lib.viewer_tables import CELL_TEXT_LIMIT
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
    assert preview["text"].iloc[2].endswith("…") and len(preview["text"].iloc[2]) <= CELL_TEXT_LIMIT
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
    # the streaming failure is said once, as a warning naming the config it could not read (not raised)
    assert not at.exception and not at.error
    assert len(at.warning) == 1 and "cola" in at.warning[0].value
    assert "Before streaming, the dataset viewer said" in texts(at)  # both reasons
    assert len(stat_charts(at)) == len(fixture(GLUE)["statistics"]["cola/train"]["statistics"])
