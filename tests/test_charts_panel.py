"""The charts panel (`lib.ui.charts_panel`) in a small test app: what it draws for the catalog and the live Hub,
and its selections, which change the filters (state and URL) and are removed when cleared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from lib.catalog import Catalog
from lib.ui.charts_panel import chart_key
from tests import fixture_ids

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hub"
APP = str(ROOT / "tests" / "apps" / "charts_app.py")


@pytest.fixture(scope="module")
def catalog_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("charts-panel-home")
    cat = Catalog.open(home)
    for kind in ("models", "datasets", "spaces"):
        cat.load([FIXTURES / f"{kind}.json"], kind=kind)
    return home


@pytest.fixture
def with_catalog(catalog_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(catalog_home))
    return catalog_home


def app(kind: str = "models", source: str = "catalog", **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["test:kind"] = kind
    at.session_state["test:source"] = source
    for key, value in params.items():
        at.query_params[key] = value
    return at


def specs(at: AppTest) -> dict[str, dict[str, Any]]:
    """Each drawn chart's Vega-Lite spec, by its title, with its data (which Streamlit sends beside the spec,
    as Arrow) put back under ``"rows"``."""
    out = {}
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
        if chart.proto.data.data:
            frames.append(convert_arrow_bytes_to_pandas_df(chart.proto.data.data))
        assert len(frames) == 1, spec["title"]
        spec["rows"] = frames[0].to_dict("records")
        out[spec["title"]["text"]] = spec
    return out


def bars(spec: dict[str, Any], field: str) -> dict[str, int]:
    return {row[field]: row["count"] for row in spec["rows"]}


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def test_catalog_charts_cover_every_match(with_catalog: Path) -> None:
    at = app().run()
    assert not at.exception
    drawn = specs(at)
    assert set(drawn) == {"By task", "By library", "By license", "Downloads (repos per decade, log scale)",
                          "Created per month", "Likes against downloads (log-log)"}  # fmt: skip
    models = fixture_ids.records("models")
    assert f"Over all {len(models):,} matches in the local catalog" in captions(at)
    tasks = bars(drawn["By task"], "task")
    assert sum(tasks.values()) == len(models)  # one task per model, "other" and "(none)" included
    assert tasks["fill-mask"] == sum(1 for m in models if m.get("pipeline_tag") == "fill-mask")
    # every chart can be exported as CSV
    assert len(at.get("download_button")) == len(drawn)


def test_live_hub_charts_say_they_cover_the_fetched_results(with_catalog: Path) -> None:
    at = app(source="hub")
    at.session_state["test:limit"] = 20
    at.run()
    assert not at.exception
    assert "Over the 20 fetched results from the live Hub" in captions(at)
    drawn = specs(at)
    assert sum(bars(drawn["By task"], "task").values()) == 20
    scatter = drawn["Likes against downloads (log-log)"]["rows"]
    assert len(scatter) == sum(1 for m in fixture_ids.records("models")[:20] if m.get("downloads") is not None)


def test_picking_a_bar_filters_and_clearing_it_removes_the_filter(with_catalog: Path) -> None:
    at = app().run()
    key = chart_key("models", "task")
    at.session_state[key] = {"selection": {"pick": [{"task": "fill-mask"}]}}
    at.run()
    assert not at.exception
    assert at.session_state["models:task"] == "fill-mask"
    assert at.query_params["task"] == ["fill-mask"] or at.query_params["task"] == "fill-mask"
    fill_mask = [m for m in fixture_ids.records("models") if m.get("pipeline_tag") == "fill-mask"]
    assert f"Over all {len(fill_mask):,} matches" in captions(at)
    assert bars(specs(at)["By task"], "task") == {"fill-mask": len(fill_mask)}
    # the selection stays in the chart: rerunning does not apply it again, and clearing it removes the filter
    at.run()
    assert at.session_state["models:task"] == "fill-mask"
    at.session_state[key] = {"selection": {"pick": []}}
    at.run()
    assert not at.exception
    assert at.session_state["models:task"] == ""
    assert "task" not in at.query_params


def test_picking_other_or_none_changes_nothing(with_catalog: Path) -> None:
    at = app().run()
    at.session_state[chart_key("models", "task")] = {"selection": {"pick": [{"task": "other"}]}}
    at.run()
    assert not at.exception
    assert at.session_state["models:task"] == ""


def test_picking_a_license_keeps_the_other_filters(with_catalog: Path) -> None:
    at = app(q="bert").run()
    at.session_state[chart_key("models", "license")] = {"selection": {"pick": [{"license": "apache-2.0"}]}}
    at.run()
    assert not at.exception
    assert at.session_state["models:license"] == "apache-2.0"
    assert at.session_state["models:q"] == "bert"
    assert "matching 'bert' where license = apache-2.0" in captions(at)


def test_brushing_months_sets_a_creation_window(with_catalog: Path) -> None:
    at = app().run()
    at.session_state[chart_key("models", "created")] = {
        "selection": {"brush": {"month": [1672531200000, 1688083200000]}}}  # 2023-01-01 .. 2023-06-30 (UTC)
    at.run()
    assert not at.exception
    assert at.query_params["created"] in ("2023-01-01..2023-06-30", ["2023-01-01..2023-06-30"])
    assert "created 2023-01-01 to 2023-06-30" in captions(at)
    at.session_state[chart_key("models", "created")] = {"selection": {"brush": {}}}
    at.run()
    assert "created" not in at.query_params


def test_brushing_on_the_live_hub_does_not_filter(with_catalog: Path) -> None:
    at = app(source="hub").run()
    at.session_state[chart_key("models", "created")] = {
        "selection": {"brush": {"month": [1672531200000, 1688083200000]}}}
    at.run()
    assert not at.exception
    assert "created" not in at.query_params
    assert "only when the local catalog answers" in captions(at)


def test_a_scatter_region_lists_its_repos(with_catalog: Path) -> None:
    at = app().run()
    at.session_state[chart_key("models", "scatter")] = {
        "selection": {"region": {"downloads": [10**8, 10**9], "likes": [1, 10**5]}}}
    at.run()
    assert not at.exception
    above = [m for m in fixture_ids.records("models") if (m.get("downloads") or 0) >= 10**8 and m.get("likes")]
    assert f"{len(above):,} repos in the selected region" in captions(at)
    assert set(at.dataframe[0].value["id"]) == {m["id"] for m in above}


@pytest.mark.parametrize(("kind", "titles"), [("datasets", {"By task", "By license"}),
                                              ("spaces", {"By sdk", "By license"})])  # fmt: skip
def test_other_kinds(with_catalog: Path, kind: str, titles: set[str]) -> None:
    at = app(kind=kind).run()
    assert not at.exception
    drawn = specs(at)
    assert titles <= set(drawn)
    assert ("Likes against downloads (log-log)" in drawn) is (kind != "spaces")  # Spaces have no downloads
