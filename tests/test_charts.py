"""Chart frames and specs (`lib.charts`), and the catalog's aggregation of them (`lib.catalog.aggregates`).

The frames are checked against an independent pandas computation over the raw fixture files (not through
`lib.records` or the catalog), for the live-Hub path (`aggregate_results`) and the catalog path
(`Catalog.aggregates`), over all repos and under filters.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from lib import charts
from lib.catalog import Catalog
from lib.catalog.aggregates import value_entries
from lib.catalog.search import match
from lib.query import NONE_VALUE, SearchQuery
from lib.records import record_from_api

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hub"


# --- an independent computation over the raw fixture items ---------------------------------------------------
def raw(kind: str) -> pd.DataFrame:
    items = json.loads((FIXTURES / f"{kind}.json").read_text(encoding="utf-8"))
    frame = pd.DataFrame(items)
    tags = frame["tags"].map(lambda t: list(t) if isinstance(t, list) else [])

    def licenses(i: int) -> list[str]:
        found = [t[8:] for t in tags[i] if t.startswith("license:") and len(t) > 8]
        card = items[i].get("cardData") or {}
        value = card.get("license")
        found += [value] if isinstance(value, str) else [str(v) for v in value or [] if v is not None]
        return list(dict.fromkeys(found)) or [NONE_VALUE]

    frame["license_values"] = [licenses(i) for i in range(len(frame))]
    if kind == "models":
        frame["task_values"] = frame["pipeline_tag"].map(lambda v: [v] if isinstance(v, str) and v else [NONE_VALUE])
        frame["library_values"] = frame["library_name"].map(
            lambda v: [v] if isinstance(v, str) and v else [NONE_VALUE])
    if kind == "datasets":
        frame["task_values"] = tags.map(
            lambda t: list(dict.fromkeys(x[16:] for x in t if x.startswith("task_categories:"))) or [NONE_VALUE])
    if kind == "spaces":
        frame["sdk_values"] = frame["sdk"].map(lambda v: [v] if isinstance(v, str) and v else [NONE_VALUE])
        runtime = [item.get("runtime") or {} for item in items]
        hardware = [(r.get("hardware") or {}) if isinstance(r.get("hardware"), dict) else {} for r in runtime]
        frame["hardware_values"] = [[h.get("current") or h.get("requested")] if h.get("current") or h.get("requested")
                                    else [NONE_VALUE] for h in hardware]  # fmt: skip
        frame["stage_values"] = [[r["stage"]] if r.get("stage") else [NONE_VALUE] for r in runtime]
    return frame


def expected_distribution(frame: pd.DataFrame, field: str, top: int = charts.TOP_N) -> list[tuple[str, int]]:
    counts = frame[f"{field}_values"].explode().value_counts()
    ordered = sorted(counts.items(), key=lambda p: (-p[1], p[0]))
    shown = ordered[:top]
    rest = int(counts.sum()) - sum(c for _, c in shown)
    return [(v, int(c)) for v, c in shown] + ([(charts.OTHER, rest)] if rest else [])


def expected_downloads(frame: pd.DataFrame) -> list[int]:
    known = frame["downloads"].dropna().astype("int64")
    edges = [0, 1] + [10**k for k in range(1, 19)]
    binned = pd.cut(known, bins=edges, right=False, labels=False)
    counts = binned.value_counts().sort_index()
    return [int(counts.get(k, 0)) for k in range(int(binned.max()) + 1)]


def expected_months(frame: pd.DataFrame) -> list[tuple[str, int]]:
    created = pd.to_datetime(frame["createdAt"], utc=True, errors="coerce").dropna()
    months = created.dt.strftime("%Y-%m").value_counts().sort_index()
    return [(m, int(c)) for m, c in months.items()]


def expected_scatter(frame: pd.DataFrame) -> list[tuple[str, int, int]]:
    known = frame[frame["downloads"].notna()].copy()
    known["likes"] = known["likes"].fillna(0)
    known = known.sort_values(["downloads", "id"], ascending=[False, True]).head(charts.SCATTER_LIMIT)
    return [(r.id, int(r.downloads), int(r.likes)) for r in known.itertuples()]


def check_frames(frames: dict[str, pd.DataFrame], frame: pd.DataFrame, kind: str) -> None:
    for field in charts.DISTRIBUTIONS[kind]:
        got = list(frames[field].itertuples(index=False, name=None))
        assert got == expected_distribution(frame, field), field
    if kind != "spaces":
        assert frames["downloads"]["count"].tolist() == expected_downloads(frame)
        got_scatter = list(frames["scatter"].itertuples(index=False, name=None))
        assert got_scatter == expected_scatter(frame)
    months = [(m.strftime("%Y-%m"), c) for m, c in frames["created"].itertuples(index=False, name=None)]
    assert months == expected_months(frame)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    cat = Catalog.open(tmp_path_factory.mktemp("charts-home"))
    for kind in ("models", "datasets", "spaces"):
        cat.load([FIXTURES / f"{kind}.json"], kind=kind)
    return cat


# --- frames ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["models", "datasets", "spaces"])
def test_live_frames_agree_with_pandas(kind: str) -> None:
    items = json.loads((FIXTURES / f"{kind}.json").read_text(encoding="utf-8"))
    frames = charts.aggregate_results([record_from_api(kind, i) for i in items], kind)  # type: ignore[arg-type]
    check_frames(frames, raw(kind), kind)
    assert ("scatter" in frames) is (kind != "spaces")  # Spaces have no downloads


@pytest.mark.parametrize("kind", ["models", "datasets", "spaces"])
def test_catalog_frames_over_everything_agree_with_pandas(catalog: Catalog, kind: str) -> None:
    check_frames(catalog.aggregates(SearchQuery(kind=kind)).frames, raw(kind), kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "keep"),
    [
        ({"license": "apache-2.0"}, lambda f: f["license_values"].map(lambda v: "apache-2.0" in v)),
        ({"task": "text-generation"}, lambda f: f["pipeline_tag"] == "text-generation"),
        ({"text": "bert"}, lambda f: f["id"].str.casefold().str.contains("bert", regex=False)),
        ({"created_from": date(2023, 1, 1)},
         lambda f: pd.to_datetime(f["createdAt"], utc=True) >= pd.Timestamp("2023-01-01", tz="UTC")),
        ({"text": "no-such-repo-anywhere"}, lambda f: f["id"] == ""),
    ],
)
def test_catalog_frames_under_filters_agree_with_pandas(catalog: Catalog, changes: dict[str, Any], keep) -> None:
    frame = raw("models")
    chosen = frame[keep(frame).fillna(False).astype(bool)].reset_index(drop=True)
    frames = catalog.aggregates(SearchQuery(kind="models", **changes)).frames
    for field in charts.DISTRIBUTIONS["models"]:
        assert list(frames[field].itertuples(index=False, name=None)) == expected_distribution(chosen, field), field
    if len(chosen):
        assert frames["downloads"]["count"].tolist() == expected_downloads(chosen)
    assert list(frames["scatter"].itertuples(index=False, name=None)) == expected_scatter(chosen)
    months = [(m.strftime("%Y-%m"), c) for m, c in frames["created"].itertuples(index=False, name=None)]
    assert months == expected_months(chosen)


def test_other_holds_every_value_past_the_top(catalog: Catalog) -> None:
    frame = raw("models")
    frames = catalog.aggregates(SearchQuery(kind="models")).frames
    licenses = frames["license"]
    # multi-valued: the bars add up to every (repo, license) pair, not to the number of repos
    assert licenses["count"].sum() == frame["license_values"].map(len).sum()
    assert licenses[licenses["license"] == charts.OTHER]["count"].item() > 0
    index = catalog.index("models")
    for query in (SearchQuery(kind="models"), SearchQuery(kind="models", text="a"),
                  SearchQuery(kind="models", license="mit")):  # fmt: skip
        rows = match(index, query).rows
        frames = catalog.aggregates(query).frames
        assert value_entries(index, rows, "license") == frames["license"]["count"].sum()


def test_distribution_frame_top_and_other() -> None:
    got = charts.distribution_frame([("b", 5), ("a", 5), ("c", 1), ("d", 2), ("z", 0)], "task", top=2)
    assert list(got.itertuples(index=False, name=None)) == [("a", 5), ("b", 5), (charts.OTHER, 3)]
    # only the top given, with the total of every value
    got = charts.distribution_frame([("a", 5)], "task", top=1, total=9)
    assert list(got.itertuples(index=False, name=None)) == [("a", 5), (charts.OTHER, 4)]
    assert charts.distribution_frame([], "task").empty
    # "other" is a real license id on the Hub: it keeps its own bar, apart from the values past the top
    got = charts.distribution_frame([("apache-2.0", 9), ("other", 4), ("mit", 3), ("bsd", 1)], "license", top=2)
    assert list(got.itertuples(index=False, name=None)) == [("apache-2.0", 9), ("other", 4), (charts.OTHER, 4)]
    assert got["license"].is_unique


def test_one_spec_draws_every_frame_in_the_frames_order(catalog: Catalog) -> None:
    """Streamlit swaps a drawn chart's rows only while its spec stays the same (otherwise it builds the Vega view
    again), and Vega keeps the categories it has seen first when rows are swapped under ``sort: null``: the spec
    must not depend on the frame, and the bars' order must come with the data."""
    everything = catalog.aggregates(SearchQuery(kind="models")).frames
    bert = catalog.aggregates(SearchQuery(kind="models", text="bert")).frames
    from lib.ui.charts_panel import chart_spec  # what the Charts panel draws with

    for name in ("task", "license", "downloads", "created", "scatter"):
        specs = [chart_spec(name, charts.drawn(name, frames[name])) for frames in (everything, bert)]
        assert specs[0] == specs[1], name  # no domain, no height of its own
        assert "data" not in specs[0] and "datasets" not in specs[0]
    task = charts.template(charts.distribution_chart(charts.drawn("task", bert["task"]), "task"))
    for layer in task["layer"]:
        assert layer["encoding"]["y"]["sort"] == {"field": charts.ORDER, "op": "min"}
    assert task["height"] == {"step": charts.BAR_HEIGHT}  # the height follows the number of bars
    rows = charts.drawn("task", bert["task"])
    assert rows[charts.ORDER].tolist() == list(range(len(bert["task"])))  # the frame's order: "(other)" last
    assert rows.drop(columns=charts.ORDER).equals(bert["task"])
    downloads = charts.template(charts.downloads_tail_chart(everything["downloads"]))
    assert downloads["encoding"]["x"]["sort"] == {"field": "lo", "op": "min"}  # decades by their lower bound
    assert charts.drawn("scatter", bert["scatter"]) is bert["scatter"]  # nothing to order


@pytest.mark.parametrize(
    ("downloads", "decade", "label"),
    [(0, 0, "0"), (1, 1, "1–10"), (9, 1, "1–10"), (10, 2, "10–100"), (999, 3, "100–1K"), (1000, 4, "1K–10K"),
     (10**9, 10, "1B–10B")],
)
def test_decades(downloads: int, decade: int, label: str) -> None:
    assert charts.decade(downloads) == decade
    assert charts.decade_label(decade) == label


def test_selection_helpers() -> None:
    start = datetime(2023, 1, 1, tzinfo=UTC).timestamp() * 1000
    end = datetime(2023, 6, 30, tzinfo=UTC).timestamp() * 1000
    lo, hi = charts.brush_days({"month": [end, start]})  # type: ignore[misc]
    assert (lo.date(), hi.date()) == (date(2023, 1, 1), date(2023, 6, 30))
    assert charts.brush_days({"month": ["2023-02-01T00:00:00", "2023-03-01T00:00:00"]}) is not None
    assert charts.brush_days({}) is None
    frame = charts.scatter_frame([("a", 10, 1), ("b", 1000, 50), ("c", 10**6, 5)])
    inside = charts.in_region(frame, {"downloads": [100, 10**7], "likes": [2, 100]})
    assert inside["id"].tolist() == ["c", "b"]  # most downloaded first


@pytest.mark.parametrize(
    ("region", "ranges", "why"),
    [
        ({"downloads": [123.5, 987.4], "likes": [9.9, 120.0]},
         {"downloads_min": 124, "downloads_max": 987, "likes_min": 10, "likes_max": 120},
         "data units (Vega-Lite inverts the log scale): whole counts ceil(lo)..floor(hi)"),
        ({"downloads": [439_492.2, 16_272_213.9]},
         {"downloads_min": 439_000, "downloads_max": 16_300_000, "likes_min": None, "likes_max": None},
         "widened to 3 significant digits; an unconstrained axis stays open"),
        ({"downloads": [987.4, 123.5]}, {"downloads_min": 124, "downloads_max": 987, "likes_min": None,
                                          "likes_max": None}, "reversed ends"),
        ({"downloads": [0.3, 50.0], "likes": [0.5, 2.0]},
         {"downloads_min": 1, "downloads_max": 50, "likes_min": 1, "likes_max": 2},
         "0 cannot be drawn on a log axis, so a box never holds it"),
        ({"likes": [1.2, 1.8]}, None, "no whole count inside"),
        ({"likes": [float("nan"), 3]}, None, "not a number"),
        ({"likes": [1, float("inf")]}, None, "not finite"),
        ({"likes": ["x", 3]}, None, "not a number"),
        ({}, None, "no box"),
        ({"downloads": [5]}, None, "one end only"),
    ],
)
def test_region_ranges(region: dict[str, Any], ranges: dict[str, int | None] | None, why: str) -> None:
    assert charts.region_ranges(region) == ranges, why


@pytest.mark.parametrize(
    ("n", "down", "up"),
    [(0, 0, 0), (7, 7, 7), (999, 999, 999), (1000, 1000, 1000), (1001, 1000, 1010), (439_493, 439_000, 440_000),
     (16_272_213, 16_200_000, 16_300_000), (10**9, 10**9, 10**9)],
)
def test_round_significant(n: int, down: int, up: int) -> None:
    assert charts.round_significant(n, up=False) == down <= n
    assert charts.round_significant(n, up=True) == up >= n


def test_region_ranges_hold_exactly_the_points_in_region() -> None:
    """Below 1,000 no rounding applies: the ranges hold exactly the points in the box."""
    rows = [(f"r{d}-{lk}", d, lk) for d in (1, 9, 10, 11, 99, 100, 5000) for lk in (1, 2, 3, 7, 8, 40)]
    frame = charts.scatter_frame(rows)
    region = {"downloads": [9.5, 99.0], "likes": [2.0, 7.9]}
    ranges = charts.region_ranges(region)
    assert ranges is not None
    by_ranges = frame[frame["downloads"].between(ranges["downloads_min"], ranges["downloads_max"])
                      & frame["likes"].between(ranges["likes_min"], ranges["likes_max"])]  # fmt: skip
    assert set(by_ranges["id"]) == set(charts.in_region(frame, region)["id"]) == {
        f"r{d}-{lk}" for d in (10, 11, 99) for lk in (2, 3, 7)}


# --- specs -----------------------------------------------------------------------------------------------------
def spec(chart) -> dict[str, Any]:
    return chart.to_dict()


def layer_with(spec_: dict[str, Any], mark: str) -> dict[str, Any]:
    for layer in spec_.get("layer", [spec_]):
        kind = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        if kind == mark:
            return layer
    raise AssertionError(f"no {mark} layer")


def readable(spec_: dict[str, Any]) -> None:
    axis = spec_["config"]["axis"]
    assert axis["labelFontSize"] >= 11 and axis["titleFontSize"] >= 11
    assert axis["labelLimit"] >= 200


def params(spec_: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {p["name"]: p for p in spec_.get("params", [])}
    for layer in spec_.get("layer", []):
        found.update({p["name"]: p for p in layer.get("params", [])})
    return found


def test_distribution_chart_spec(catalog: Catalog) -> None:
    frame = catalog.aggregates(SearchQuery(kind="models")).frames["license"]
    s = spec(charts.distribution_chart(frame, "license", "Licenses"))
    readable(s)
    bars = layer_with(s, "bar")
    assert bars["encoding"]["y"]["field"] == "license" and bars["encoding"]["y"]["type"] == "nominal"
    # bars keep the frame's order ("other" last), not Vega's: its ORDER column, added when the frame lacks it
    assert bars["encoding"]["y"]["sort"] == {"field": charts.ORDER, "op": "min"}
    assert frame["license"].tolist()[-1] == charts.OTHER
    assert [row[charts.ORDER] for row in next(iter(s["datasets"].values()))] == list(range(len(frame)))
    assert bars["encoding"]["x"]["field"] == "count"
    pick = params(s)[charts.PICK]
    assert pick["select"]["type"] == "point" and pick["select"]["fields"] == ["license"]
    text = layer_with(s, "text")
    assert text["encoding"]["text"]["field"] == "count" and text["mark"]["fontSize"] >= 11
    assert s["title"]["text"] == "Licenses"
    # the data travels with the spec, one row per bar
    assert len(next(iter(s["datasets"].values()))) == len(frame)


def test_downloads_chart_is_log_scaled(catalog: Catalog) -> None:
    s = spec(charts.downloads_tail_chart(catalog.aggregates(SearchQuery(kind="models")).frames["downloads"]))
    readable(s)
    assert s["encoding"]["y"]["scale"]["type"] == "log"
    assert s["encoding"]["x"]["sort"] == {"field": "lo", "op": "min"}  # decades in order, not alphabetical
    assert next(iter(s["datasets"].values()))[0]["bin"] == "0"
    assert {"filter": "datum.count > 0"} in s["transform"]  # log scales cannot place 0


def test_created_chart_brushes_months(catalog: Catalog) -> None:
    s = spec(charts.created_monthly_chart(catalog.aggregates(SearchQuery(kind="models")).frames["created"]))
    readable(s)
    assert s["encoding"]["x"] == {**s["encoding"]["x"], "field": "month", "type": "temporal"}
    brush = params(s)[charts.BRUSH]
    assert brush["select"] == {"type": "interval", "encodings": ["x"]}


def test_scatter_is_log_log_with_repo_tooltips(catalog: Catalog) -> None:
    frame = catalog.aggregates(SearchQuery(kind="models")).frames["scatter"]
    s = spec(charts.likes_vs_downloads_chart(frame))
    readable(s)
    assert s["encoding"]["x"]["field"] == "downloads" and s["encoding"]["x"]["scale"]["type"] == "log"
    assert s["encoding"]["y"]["field"] == "likes" and s["encoding"]["y"]["scale"]["type"] == "log"
    assert s["encoding"]["tooltip"][0]["field"] == "id"
    region = params(s)[charts.REGION]
    assert region["select"] == {"type": "interval", "encodings": ["x", "y"]}
    assert "google-bert/bert-base-uncased" in {row["id"] for row in next(iter(s["datasets"].values()))}


def test_created_months_from_numpy_match_python_datetimes(catalog: Catalog) -> None:
    """The numpy month arithmetic (microseconds -> datetime64[M]) agrees with Python's calendar."""
    index = catalog.index("models")
    created = index.numbers["created"]
    known = created[created != np.iinfo(np.int64).min]
    months = sorted({(datetime(1970, 1, 1) + pd.Timedelta(microseconds=int(us))).strftime("%Y-%m") for us in known})
    frame = catalog.aggregates(SearchQuery(kind="models")).frames["created"]
    assert [m.strftime("%Y-%m") for m in frame["month"]] == months


def test_templates_do_not_depend_on_the_data(catalog: Catalog) -> None:
    """A spec without data is the same for every frame of a chart (so a page builds and validates it once)."""
    everything = catalog.aggregates(SearchQuery(kind="models")).frames
    some = catalog.aggregates(SearchQuery(kind="models", text="bert")).frames
    for name, build in (("downloads", charts.downloads_tail_chart), ("created", charts.created_monthly_chart),
                        ("scatter", charts.likes_vs_downloads_chart)):  # fmt: skip
        one, other = charts.template(build(everything[name])), charts.template(build(some[name]))
        assert one == other, name
        assert "data" not in one and "datasets" not in one
    one = charts.template(charts.distribution_chart(everything["task"], "task"))
    other = charts.template(charts.distribution_chart(some["task"].head(3), "task"))
    assert all("data" not in layer for layer in one["layer"])

    def stable(spec: dict[str, Any]) -> str:  # Altair names layered views by a hash; Streamlit renames them
        return re.sub(r"view_[0-9a-f]+_\d+", "view", json.dumps(spec, sort_keys=True))

    assert stable(one) == stable(other)
    assert one["height"] == {"step": charts.BAR_HEIGHT}  # 3 bars or 13: the height follows them by itself


def test_the_status_chart_keeps_stage_codes_and_shows_words() -> None:
    """A bar's selection is the filter's value (the stage code); the axis and tooltip read it in words."""
    frame = charts.distribution_frame([("RUNNING", 3), ("RUNTIME_ERROR", 1), (NONE_VALUE, 2)], "stage")
    spec = charts.distribution_chart(frame, "stage").to_dict()
    bars = spec["layer"][0]
    assert bars["encoding"]["y"]["field"] == "stage"  # the selection picks codes
    label = bars["encoding"]["y"]["axis"]["labelExpr"]
    assert '"RUNTIME_ERROR"' in label and '"Runtime error"' in label
    assert {"field": "words", "title": "Status", "type": "nominal"} in bars["encoding"]["tooltip"]
    assert charts.record_values(record_from_api("spaces", {"id": "a/b", "runtime": {"stage": "PAUSED"}}),
                                "stage") == ("PAUSED",)  # fmt: skip
