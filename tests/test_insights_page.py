"""The Insights page (AppTest): every chart drawn from the catalog's figures, with the expected encodings and data,
and a clear message instead of empty charts when no catalog is loaded."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest

from lib import insights, insights_charts
from lib.catalog import Catalog
from lib.format import md_escape
from lib.query import NONE_VALUE
from lib.ui import insights_view

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hub"


def _raw(kind: str) -> list[dict]:
    return json.loads((FIXTURES / f"{kind}.json").read_text(encoding="utf-8"))


def _page(monkeypatch, home: Path) -> AppTest:
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(home))
    at = AppTest.from_file(str(ROOT / "pages" / "insights.py"), default_timeout=90)
    return at.run()


def _charts(at: AppTest) -> dict[str, dict]:
    """Each chart's spec by its title, with its data (the frame Streamlit sent) as records."""
    out = {}
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        title = spec["title"]["text"]
        out[title] = {"spec": spec, "data": _chart_rows(chart)}
    return out


def _chart_rows(chart) -> pd.DataFrame:
    """The frame a chart was drawn with (Arrow IPC in the proto)."""
    data = chart.proto.data.data if chart.proto.HasField("data") else chart.proto.datasets[0].data.data
    return pa.ipc.open_stream(data).read_all().to_pandas()


def _encodings(spec: dict) -> dict[str, tuple[str, str]]:
    """channel -> (field, type) over the spec and its layers."""
    out = {}
    for view in [spec, *spec.get("layer", [])]:
        for channel, enc in view.get("encoding", {}).items():
            if isinstance(enc, dict) and "field" in enc:
                out[channel] = (enc["field"], enc["type"])
    return out


def test_no_catalog_says_how_to_load_one(monkeypatch, tmp_path) -> None:
    at = _page(monkeypatch, tmp_path / "empty-home")
    assert not at.exception
    assert not at.get("vega_lite_chart")
    text = "\n".join(i.value for i in at.info)
    assert "No local catalog yet" in text and "python -m lib.catalog fetch" in text
    assert at.button(key="insights:build").label == "Build the local catalog"


TABS = {"Models (58)": 7, "Datasets (25)": 7, "Spaces (19)": 8}


def _every_tab(at: AppTest) -> tuple[dict[str, dict], Counter]:
    """Open each tab in turn (only the open tab's charts are drawn and sent): every chart by its title, and the
    export buttons' labels, over all tabs."""
    charts: dict[str, dict] = {}
    labels: Counter = Counter()
    for tab, count in TABS.items():
        at.session_state[insights_view.TAB_KEY] = tab
        at.run()
        assert not at.exception
        drawn = _charts(at)
        assert len(at.get("vega_lite_chart")) == count, (tab, sorted(drawn))
        charts.update(drawn)
        labels.update(b.proto.label for b in at.get("download_button"))
    return charts, labels


def test_only_the_open_tab_is_drawn(monkeypatch, catalog_home) -> None:
    """The first tab's 7 charts on the first run; the others are built and sent when their tab is opened."""
    at = _page(monkeypatch, catalog_home)
    assert not at.exception
    assert [t.label for t in at.tabs] == list(TABS)
    titles = sorted(_charts(at))
    assert len(titles) == 7 and all("dataset" not in t.lower() and "space" not in t.lower() for t in titles), titles
    # the headlines above the tabs still speak of every kind, in the tabs' order
    heads = [m.value.split("\n")[0] for m in at.markdown if m.value.startswith("**")]
    assert heads[:3] == ["**Models**", "**Datasets**", "**Spaces**"], heads


def test_every_chart_with_its_encodings_data_and_exports(monkeypatch, catalog_home) -> None:
    at = _page(monkeypatch, catalog_home)
    assert not at.exception
    charts, labels = _every_tab(at)
    expected = {
        "Models created per month, by task": {
            "x": ("month", "temporal"),
            "y": ("count", "quantitative"),
            "color": ("task", "nominal"),
        },
        "Models created per month, by library": {"color": ("library", "nominal")},
        "Downloads held by the most downloaded models": {
            "x": ("downloads_share", "quantitative"),
            "y": ("group", "nominal"),
        },
        "Lorenz curve of downloads": {"x": ("repos_share", "quantitative"), "y": ("downloads_share", "quantitative")},
        "Top authors by models": {"y": ("author", "nominal"), "x": ("repos", "quantitative")},
        "Top authors by downloads": {"y": ("author", "nominal"), "x": ("downloads", "quantitative")},
        "License mix": {"y": ("license", "nominal"), "x": ("count", "quantitative")},
        "Datasets created per month, by task": {"color": ("task", "nominal")},
        "Downloads held by the most downloaded datasets": {"x": ("downloads_share", "quantitative")},
        "Top authors by datasets": {"y": ("author", "nominal")},
        "Dataset size categories": {"y": ("size_category", "nominal"), "x": ("count", "quantitative")},
        "Spaces created per month, by SDK": {"color": ("sdk", "nominal")},
        "Top authors by spaces": {"x": ("repos", "quantitative")},
        "Space SDKs": {"y": ("sdk", "nominal"), "x": ("count", "quantitative")},
        "Space hardware": {"y": ("hardware", "nominal"), "x": ("count", "quantitative")},
        "Space status": {"y": ("status", "nominal"), "x": ("count", "quantitative")},
        "Models most used by Spaces": {"y": ("repo", "nominal"), "x": ("spaces", "quantitative")},
        "Datasets most used by Spaces": {"y": ("repo", "nominal"), "x": ("spaces", "quantitative")},
    }
    for title, channels in expected.items():
        assert title in charts, (title, sorted(charts))
        got = _encodings(charts[title]["spec"])
        for channel, want in channels.items():
            assert got.get(channel) == want, (title, channel, got)
    # 22 charts: models 7, datasets 7, Spaces 8 (License mix and Lorenz appear once per kind with downloads),
    # each with its CSV, PNG and SVG buttons
    assert labels == {"CSV": 22, "PNG": 22, "SVG": 22}, labels

    # the data drawn agrees with the raw fixtures
    sdks = charts["Space SDKs"]["data"]
    raw = Counter(s.get("sdk") for s in _raw("spaces"))
    assert dict(zip(sdks["sdk"], sdks["count"], strict=True)) == {k: v for k, v in raw.items() if k}
    stages = charts["Space status"]["data"]
    raw_stages = Counter((s.get("runtime") or {}).get("stage") or NONE_VALUE for s in _raw("spaces"))
    assert dict(zip(stages["status"], stages["count"], strict=True)) == {
        (k if k == NONE_VALUE else k.replace("_", " ").capitalize()): v for k, v in raw_stages.items()}  # in words
    hardware = charts["Space hardware"]["data"]
    raw_hw = Counter(((s.get("runtime") or {}).get("hardware") or {}).get("current")
                     or ((s.get("runtime") or {}).get("hardware") or {}).get("requested") or NONE_VALUE
                     for s in _raw("spaces"))  # fmt: skip
    assert dict(zip(hardware["hardware"], hardware["count"], strict=True)) == dict(raw_hw)
    used = charts["Models most used by Spaces"]["data"]
    raw_used = Counter(m for s in _raw("spaces") for m in dict.fromkeys(s.get("models") or []))
    top = sorted(raw_used.items(), key=lambda p: (-p[1], p[0]))[: insights.BARS]
    assert list(zip(used["repo"], used["spaces"], strict=True)) == top
    by_task = charts["Models created per month, by task"]["data"]
    assert int(by_task["count"].sum()) == sum(1 for m in _raw("models") if m.get("createdAt"))
    sizes = charts["Dataset size categories"]["data"]["size_category"].tolist()
    assert sizes.index("n<1K") < sizes.index("1K<n<10K") < sizes.index("10K<n<100K") < sizes.index("n>1T")


def test_headlines_facts_and_top_table(monkeypatch, catalog_home) -> None:
    at = _page(monkeypatch, catalog_home)
    assert not at.exception
    caption = "\n".join(c.value for c in at.caption)
    assert f"**{len(_raw('models')):,} models** (snapshot " in caption
    assert "from models\\.json" in caption  # Markdown-escaped file name
    assert "share the earliest creation date" in caption  # the growth charts' note on the pile of older repos
    text = "\n".join(m.value for m in at.markdown)
    downloads = sorted((m.get("downloads") or 0 for m in _raw("models")), reverse=True)
    share = round(100 * downloads[0] / sum(downloads))  # 58 models: the top 1% is one model
    assert md_escape(f"The top 1% of models (1) hold {share}% of all downloads") in text, text
    assert [t.label for t in at.tabs] == ["Models (58)", "Datasets (25)", "Spaces (19)"]
    table = at.dataframe[0].value
    models = pd.DataFrame(_raw("models"))
    best = models[models["pipeline_tag"] == "text-generation"].sort_values(["downloads", "id"],
                                                                           ascending=[False, True])  # fmt: skip
    got = table[table["task"] == "text-generation"]["id"].tolist()
    assert got == best["id"].head(5).tolist()
    # each repo links to its details in the app (its kind's browse page with ?repo=), its id shown as text
    assert table["url"].tolist() == [f"models?repo={repo}" for repo in table["id"]]
    columns = json.loads(at.dataframe[0].proto.columns)
    assert columns["url"]["type_config"] == {"type": "link", "display_text": insights_view.REPO_TEXT}
    assert columns["url"]["label"] == "Repo" and "id" not in at.dataframe[0].proto.column_order  # the link, not the id
    for url, repo in zip(table["url"], table["id"], strict=True):
        assert re.search(insights_view.REPO_TEXT, url).group(1) == repo  # the text the link shows
    # ranking by likes instead
    at.segmented_control(key="insights:models:by").set_value("likes").run()
    assert not at.exception
    table = at.dataframe[0].value
    best = models[models["pipeline_tag"] == "text-generation"].sort_values(["likes", "id"], ascending=[False, True])
    assert table[table["task"] == "text-generation"]["id"].tolist() == best["id"].head(5).tolist()


def test_the_spaces_tab_ranks_the_most_liked_and_trending_and_says_what_they_run(monkeypatch, catalog_home) -> None:
    at = _page(monkeypatch, catalog_home)
    at.session_state[insights_view.TAB_KEY] = "Spaces (19)"
    at.run()
    assert not at.exception
    headers = [h.value for h in at.subheader]
    assert {"Hardware and status", "What Spaces use", "Most liked and trending"} <= set(headers), headers
    spaces = pd.DataFrame(_raw("spaces"))
    table = at.dataframe[0].value
    best = spaces.sort_values(["likes", "id"], ascending=[False, True]).head(insights.BARS)
    assert table["id"].tolist() == best["id"].tolist()
    assert table["url"].tolist() == [f"spaces?repo={repo}" for repo in best["id"]]  # plain ids (see below)
    assert [re.search(insights_view.REPO_TEXT, u).group(1) for u in table["url"]] == best["id"].tolist()
    stage_of = {s["id"]: (s.get("runtime") or {}).get("stage") for s in _raw("spaces")}
    assert [st_ for st_ in table["status"]] == [
        stage_of[i].replace("_", " ").capitalize() if stage_of[i] else "–" for i in table["id"]]  # in words
    at.segmented_control(key="insights:spaces:by").set_value("trending").run()
    assert not at.exception
    table = at.dataframe[0].value
    trending = spaces.dropna(subset=["trendingScore"]).sort_values(["trendingScore", "id"], ascending=[False, True])
    assert table["id"].tolist() == trending["id"].head(insights.BARS).tolist()
    text = "\n".join(m.value for m in at.markdown)
    running = sum(stage == "RUNNING" for stage in stage_of.values())
    assert md_escape(f"{round(100 * running / len(stage_of))}% of Spaces were running at the snapshot") in text, text


def test_chart_specs_are_valid_vega_lite_and_match_the_fast_ones(catalog_home) -> None:
    """The page builds its specs unchecked, on frames without rows; built on the data and checked against the
    Vega-Lite schema they are the same."""
    data = insights.compute(Catalog.open(catalog_home))
    fast = insights_charts.chart_specs(data)
    checked = insights_charts.chart_specs(data, validate=True)
    assert fast.keys() == checked.keys() and len(fast) == 22
    for name, (spec, frame) in fast.items():
        assert spec == checked[name][0], name
        assert "data" not in spec and "datasets" not in spec
        assert not frame.empty
    growth = fast["models-created-by-task"][0]
    domain = growth["encoding"]["color"]["scale"]["domain"]
    assert domain[-1] == NONE_VALUE and len(growth["encoding"]["color"]["scale"]["range"]) == len(domain)


def test_a_repo_link_shows_its_id_as_it_is_and_keeps_the_url_meaningful() -> None:
    from urllib.parse import parse_qs, urlsplit

    for repo in ("café-labs/démo-résumé", "日本語/モデル"):  # the link's text is the id, not its percent-encoding
        url = insights_view.repo_url("spaces", repo)
        assert re.search(insights_view.REPO_TEXT, url).group(1) == repo
        assert parse_qs(urlsplit(url).query)["repo"] == [repo]
    url = insights_view.repo_url("spaces", "org/a#b&c=d e?f%")  # what would change the URL's meaning is encoded
    assert not set("#&= ?") & set(url.split("?repo=", 1)[1])
    assert parse_qs(urlsplit(url).query)["repo"] == ["org/a#b&c=d e?f%"]  # what the page reads back
