"""The charts panel (`lib.ui.charts_panel`) in a small test app: what it draws for the catalog and the live Hub,
and its selections, which change the filters (state and URL) and are removed when cleared."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from lib import charts
from lib.ui.charts_panel import chart_key, panel_key
from tests import fixture_ids

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hub"
APP = str(ROOT / "tests" / "apps" / "charts_app.py")


@pytest.fixture
def with_catalog(catalog_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(catalog_home))
    return catalog_home


def app(kind: str = "models", source: str = "catalog", **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["test:kind"] = kind
    at.session_state["test:source"] = source
    at.session_state[panel_key(kind)] = True  # the "Charts" panel open, as a person opens it
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


def param(at: AppTest, name: str) -> str | None:
    """One URL parameter's value (AppTest may hold it as a one-item list), None when absent."""
    if name not in at.query_params:
        return None
    value = at.query_params[name]
    return value[0] if isinstance(value, list) else value


def captions(at: AppTest) -> str:
    """Every caption, as read (Markdown backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", "\n".join(c.value for c in at.caption))


def test_catalog_charts_cover_every_match(with_catalog: Path) -> None:
    at = app().run()
    assert not at.exception
    drawn = specs(at)
    assert set(drawn) == {"By task", "By library", "By license", "Downloads (repos per decade, log scale)",
                          "Created per month", "Likes against downloads (log-log)"}  # fmt: skip
    models = fixture_ids.records("models")
    assert f"Over all {len(models):,} matches in the local catalog" in captions(at)
    tasks = bars(drawn["By task"], "task")
    assert sum(tasks.values()) == len(models)  # one task per model, "(other)" and "(none)" included
    assert tasks["fill-mask"] == sum(1 for m in models if m.get("pipeline_tag") == "fill-mask")
    # every chart can be exported as CSV, PNG and SVG; the files are made only on a click (deferred), and a
    # click does not rerun the page
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["CSV", "PNG", "SVG"] * len(drawn)
    assert all(b.proto.deferred_file_id and b.proto.ignore_rerun for b in buttons)
    assert {b.proto.id.rsplit(":", 2)[-2] for b in buttons} == {"task", "library", "license", "downloads",
                                                                "created", "scatter"}  # fmt: skip


def test_a_closed_panel_draws_and_counts_nothing(with_catalog: Path) -> None:
    at = app()
    at.session_state[panel_key("models")] = False
    at.run()
    assert not at.exception
    assert not at.get("vega_lite_chart") and not at.get("download_button")
    assert at.expander[0].label == "Charts"
    at.session_state[panel_key("models")] = True  # opening it (the expander reruns the page) draws every chart
    at.run()
    assert len(at.get("vega_lite_chart")) == 6


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
    assert at.query_params.get("task") == "fill-mask"
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
    at.session_state[chart_key("models", "task")] = {"selection": {"pick": [{"task": charts.OTHER}]}}
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
    assert "The live Hub cannot filter by creation or update date." in captions(at)


def test_on_the_live_hub_a_scatter_region_lists_its_repos(with_catalog: Path) -> None:
    at = app(source="hub").run()
    at.session_state[chart_key("models", "scatter")] = {
        "selection": {"region": {"downloads": [10**5, 10**9], "likes": [1, 10**5]}}}
    at.run()
    assert not at.exception
    fetched = fixture_ids.records("models")[:30]  # the app's "live Hub" answer: the first 30 fixture items
    above = [m for m in fetched if (m.get("downloads") or 0) >= 10**5 and m.get("likes")]
    assert above
    assert f"{len(above):,} repos in the selected region" in captions(at)
    assert set(at.dataframe[0].value["id"]) == {m["id"] for m in above}
    # the Hub cannot filter by counts: the URL keeps no range, and the panel says why
    assert "downloads" not in at.query_params and "likes" not in at.query_params
    assert "The live Hub cannot filter by a range of downloads or likes." in captions(at)


def inside(lo_dl: float, hi_dl: float, lo_likes: float, hi_likes: float) -> set[str]:
    """The fixture models whose counts lie inside a box, computed from the raw items."""
    return {m["id"] for m in fixture_ids.records("models")
            if isinstance(m.get("downloads"), int) and isinstance(m.get("likes"), int)
            and lo_dl <= m["downloads"] <= hi_dl and lo_likes <= m["likes"] <= hi_likes}  # fmt: skip


def test_a_scatter_region_sets_download_and_like_ranges(with_catalog: Path) -> None:
    at = app().run()
    key = chart_key("models", "scatter")
    # Vega-Lite reports a box on log scales in data units, fractional: the whole counts inside are ceil..floor,
    # widened to 3 significant digits
    at.session_state[key] = {"selection": {"region": {"downloads": [123_456.7, 10_000_000.5],
                                                      "likes": [99.2, 3000.9]}}}  # fmt: skip
    at.run()
    assert not at.exception
    assert (param(at, "downloads"), param(at, "likes")) == ("123000-10000000", "100-3000")
    expected = inside(123_000, 10_000_000, 100, 3000)
    assert expected
    assert f"{len(expected):,} models where downloads 123K–10M and likes 100–3K" in captions(at)
    scatter = specs(at)["Likes against downloads (log-log)"]["rows"]
    assert {row["id"] for row in scatter} == expected  # the charts cover the matches only
    # rerunning with the box still drawn changes nothing; clearing the box removes both ranges
    at.run()
    assert param(at, "likes") == "100-3000"
    at.session_state[key] = {"selection": {"region": {}}}
    at.run()
    assert not at.exception
    assert "downloads" not in at.query_params and "likes" not in at.query_params


def test_a_region_with_no_whole_count_changes_nothing(with_catalog: Path) -> None:
    at = app().run()
    at.session_state[chart_key("models", "scatter")] = {
        "selection": {"region": {"downloads": [10.0, 10**9], "likes": [1.2, 1.8]}}}
    at.run()
    assert not at.exception
    assert "likes" not in at.query_params
    assert "No whole count" in captions(at)


def test_a_scatter_region_filters_the_models_page_table_and_its_chip_removes_it(with_catalog: Path, hub) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / "models.py"), default_timeout=60)
    at.session_state["source:choice"] = "catalog"
    at.session_state[panel_key("models")] = True
    at.run()
    assert not at.exception
    at.session_state[chart_key("models", "scatter")] = {
        "selection": {"region": {"downloads": [10**6, 10**10], "likes": [1000, 10**6]}}}
    at.run()
    assert not at.exception
    table = at.dataframe(key="models:table").value
    expected = inside(10**6, 10**10, 1000, 10**6)
    assert expected and len(expected) < 25  # one page holds them all
    assert {u.split("/", 3)[-1] for u in table["url"]} == expected
    assert param(at, "downloads") == "1000000-10000000000"
    labels = [b.label for b in at.button if b.key and b.key.startswith("models:chip:")]
    assert "downloads: 1M–10B" in labels and "likes: 1K–1M" in labels
    # the chip removes its range (the other stays), in the table and in the URL
    at.button(key="models:chip:downloads").click().run()
    assert not at.exception
    assert (param(at, "downloads"), param(at, "likes")) == (None, "1000-1000000")
    liked = {m["id"] for m in fixture_ids.records("models") if isinstance(m.get("likes"), int)
             and 1000 <= m["likes"] <= 10**6}  # fmt: skip
    assert len(expected) < len(liked) < 25
    table = at.dataframe(key="models:table").value
    assert {u.split("/", 3)[-1] for u in table["url"]} == liked


def test_on_the_live_hub_a_range_from_a_link_says_it_needs_the_catalog(with_catalog: Path, hub) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / "models.py"), default_timeout=60)
    at.query_params["likes"] = "1000-"
    at.session_state["source:choice"] = "hub"
    at.run()
    assert not at.exception
    assert any("range of downloads or likes" in e.value for e in at.error)
    sidebar = "\n".join(c.value for c in at.sidebar.caption)
    assert "Ranges of downloads and likes" in sidebar and "Choose the local catalog under “Answers from”" in sidebar


@pytest.mark.parametrize(("kind", "titles"), [("datasets", {"By task", "By license"}),
                                              ("spaces", {"By SDK", "By hardware", "By status", "By license"})])  # fmt: skip
def test_other_kinds(with_catalog: Path, kind: str, titles: set[str]) -> None:
    at = app(kind=kind).run()
    assert not at.exception
    drawn = specs(at)
    assert titles <= set(drawn)
    assert ("Likes against downloads (log-log)" in drawn) is (kind != "spaces")  # Spaces have no downloads
