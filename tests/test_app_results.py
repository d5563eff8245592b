"""A browse page's results with the local catalog and the live Hub (AppTest): every filter counted, the table's page
size, columns and pages kept in the URL, the detail beside the results, and the exports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.filters import PARAM_PRESETS
from lib.task_ids import task_label
from tests import fixture_ids
from tests.apptest import page_test
from tests.test_catalog_search import _reference_row

COUNT = re.compile(r" \((\d[\d,]*)\)$")


def app(path: str, **params: str) -> AppTest:
    """The page with these URL parameters; a `source` is also the picker's choice in the session."""
    return page_test(path, picked_source=params.get("source") or None, **params)


def models_frame() -> pd.DataFrame:
    """The fixture models as a plain pandas reference sees them (one row each, the fields the filters read)."""
    rows = [_reference_row("models", m) for m in fixture_ids.records("models")]
    frame = pd.DataFrame(rows)
    frame["task"] = frame["task"].map(lambda v: v[0] if v else None)
    return frame


def count_in(label: str) -> int | None:
    found = COUNT.search(label)
    return int(found.group(1).replace(",", "")) if found else None


def captions(at: AppTest) -> list[str]:
    """The captions as a reader sees them (Markdown escapes undone)."""
    return [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption]


def _button_group(at: AppTest, key: str) -> Any:
    return next(b for b in at.get("button_group") if b.key == key)


# --- every filter counted (item 3) ---------------------------------------------------------------------------------
def test_every_filter_value_shows_its_count_over_the_matches(with_catalog):
    at = app("pages/models.py", source="catalog", q="e").run()
    assert not at.exception
    ref = models_frame()
    ref = ref[ref["id"].str.lower().str.contains("e")]
    toggles = {t.key: t.label for t in at.sidebar.toggle}
    assert count_in(toggles["models:has_license"]) == int(ref["has_license"].sum())
    assert count_in(toggles["models:has_card"]) == int(ref["has_card"].sum())
    assert count_in(toggles["models:safetensors_only"]) == int(ref["safetensors"].sum())
    assert count_in(toggles["models:originals_only"]) == int((~ref["derivative"]).sum())
    gated = _button_group(at, "models:gated").options
    assert [count_in(o) for o in gated] == [int(ref["gated"].sum()), int((~ref["gated"]).sum())]
    params = ref["params"].dropna()
    want = [int(((params >= (lo or 0)) & (params <= (hi if hi is not None else 10**15))).sum())
            for lo, hi in PARAM_PRESETS.values()]  # fmt: skip
    got = [count_in(o) or 0 for o in _button_group(at, "models:params").options]
    assert got == want and sum(want) > 0
    # the task list: every task with its count, most first (tasks no match has say 0, last)
    tasks = at.selectbox(key="models:task").options[1:]
    counts = [count_in(o) for o in tasks]
    assert None not in counts and counts == sorted(counts, reverse=True)
    expected = ref["task"].dropna().value_counts()
    for task, n in expected.items():
        assert f"{task_label(task)} ({n:,})" in tasks
    assert not any(o.startswith("(none)") for o in at.selectbox(key="models:license").options)


def test_a_set_filter_counts_what_choosing_each_of_its_values_gives(with_catalog):
    at = app("pages/models.py", source="catalog", gated="yes").run()
    ref = models_frame()
    gated = _button_group(at, "models:gated").options
    assert [count_in(o) for o in gated] == [int(ref["gated"].sum()), int((~ref["gated"]).sum())]
    on = next(t for t in at.sidebar.toggle if t.key == "models:has_license")
    assert count_in(on.label) == int((ref["gated"] & ref["has_license"]).sum())


def test_the_live_hub_shows_no_counts(with_catalog):
    at = app("pages/models.py", source="hub").run()
    assert not at.exception
    labels = [t.label for t in at.sidebar.toggle] + at.selectbox(key="models:task").options
    labels += _button_group(at, "models:gated").options + _button_group(at, "models:params").options
    labels += at.selectbox(key="models:license").options
    assert labels and not any(count_in(label) is not None for label in labels), labels


# --- the table's page size, columns and pages, kept in the URL (item 4) -------------------------------------------
@pytest.fixture(scope="module")
def big_home(tmp_path_factory) -> Path:
    """A catalog with the fixture models and 1,100 more (47 pages of 25): pages past the live Hub's 40."""
    import json

    from lib.catalog import Catalog

    home = tmp_path_factory.mktemp("big-catalog")
    bulk = [{"id": f"bulk-org/synthetic-{i:04d}", "downloads": i, "likes": i % 13, "trendingScore": i % 17,
             "pipeline_tag": "text-generation", "createdAt": "2024-02-01T00:00:00.000Z", "tags": ["license:mit"]}
            for i in range(1100)]  # fmt: skip
    dump = home / "models.json"
    dump.write_text(json.dumps([*fixture_ids.records("models"), *bulk]), encoding="utf-8")
    Catalog.open(home).load([dump], kind="models")
    return home


@pytest.fixture
def with_big_catalog(big_home, monkeypatch, hub):
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(big_home))
    return big_home


def _synthetic_by_downloads() -> list[str]:
    return [f"bulk-org/synthetic-{i:04d}" for i in range(1099, -1, -1)]


def test_a_page_past_40_with_the_catalog_and_the_page_number_input(with_big_catalog):
    at = app("pages/models.py", source="catalog", q="synthetic", sort="downloads", page="42").run()
    assert not at.exception and not at.info
    assert list(at.dataframe[0].value["name"]) == _synthetic_by_downloads()[41 * 25 : 42 * 25]
    box = at.number_input(key="models:page_input")
    assert box.value == 42 and box.max == 44  # the catalog knows the last page: 1,100 / 25
    box.set_value(44).run()
    assert at.query_params["page"] == "44"
    assert list(at.dataframe[0].value["name"]) == _synthetic_by_downloads()[43 * 25 :]
    assert at.button(key="models:next").disabled


def test_a_page_past_the_last_shows_the_last_and_says_so(with_big_catalog):
    at = app("pages/models.py", source="catalog", q="synthetic", sort="downloads", page="400").run()
    assert any("Page 400 is past the last page; this is page 44." in i.value for i in at.info)
    assert at.query_params["page"] == "44" and len(at.dataframe[0].value) == 1100 - 43 * 25


def test_the_live_hub_keeps_its_page_limit(with_catalog):
    at = app("pages/models.py", source="hub", page="41").run()
    assert any("The live Hub lists at most 40 pages" in i.value for i in at.info)
    assert at.number_input(key="models:page_input").max == 40


def test_page_size_and_columns_are_restored_from_the_url(with_big_catalog):
    at = app("pages/models.py", source="catalog", q="synthetic", sort="downloads", per="100", page="2",
             cols="license,downloads").run()  # fmt: skip
    assert not at.exception and not at.info
    assert at.selectbox(key="models:per").value == 100
    assert list(at.dataframe[0].value["name"]) == _synthetic_by_downloads()[100:200]
    assert at.dataframe[0].proto.column_order == ["name", "license", "downloads"]  # the name, then the choice
    assert at.query_params["per"] == "100" and at.query_params["cols"] == "license,downloads"


def test_choosing_page_size_and_columns_writes_them_to_the_url(with_big_catalog):
    at = app("pages/models.py", source="catalog", q="synthetic", sort="downloads", page="3").run()
    assert "per" not in at.query_params and "cols" not in at.query_params  # defaults are left out
    at.selectbox(key="models:per").set_value(50).run()
    # the first row shown stays in view: row 51 of 25-row pages is on page 2 of 50-row pages
    assert (at.query_params["per"], at.query_params["page"]) == ("50", "2")
    assert at.dataframe[0].value["name"].iloc[0] == _synthetic_by_downloads()[50]
    pills = next(p for p in at.get("button_group") if p.key == "models:cols_pick")
    pills.set_value(["gated", "likes"]).run()
    assert at.query_params["cols"] == "gated,likes"
    assert at.dataframe[0].proto.column_order == ["name", "gated", "likes"]
    again = app("pages/models.py", **{k: at.query_params[k] for k in at.query_params}).run()  # a copied link
    assert again.selectbox(key="models:per").value == 50 and again.dataframe[0].proto.column_order == [
        "name", "gated", "likes"]  # fmt: skip


def test_a_bad_page_size_or_column_from_a_link_is_dropped_with_a_note(with_catalog):
    at = app("pages/models.py", per="33", cols="likes,bogus").run()
    notes = "\n".join(i.value for i in at.info)
    assert "Ignored per" in notes and "Ignored cols" in notes and "bogus" in notes
    assert at.selectbox(key="models:per").value == 25
    assert at.dataframe[0].proto.column_order == ["name", "likes"]


# --- the detail under the table, opened by a name (item 4) -------------------------------------------------------
def test_a_name_opens_its_details_under_the_table(with_catalog):
    at = app("pages/models.py", source="catalog", q="bert").run()
    names = list(at.dataframe[0].value["name"])
    at.session_state["models:table"] = {"selection": {"rows": [], "columns": [], "cells": [[2, "name"]]}}
    at.run()
    assert not at.exception and at.query_params["repo"] == names[2]
    assert names[2] in [s.value.replace("\\", "") for s in at.subheader]
    order = [f"{getattr(e, 'type', '')}:{getattr(e, 'label', None) or getattr(e, 'value', '')}" for e in at.main]
    table = next(i for i, x in enumerate(order) if x.startswith("dataframe:"))
    details = next(i for i, x in enumerate(order) if x.startswith("caption:Details of"))
    charts = next(i for i, x in enumerate(order) if x == "expander:Charts")
    assert table < details < charts  # right under the table, not under the charts
    html = [h for h in at.get("html") if "scroll" in h.proto.body]
    assert html and names[2] not in html[0].proto.body  # the scroll script holds no value from outside
    at.button(key="models:close_detail").click().run()
    assert "repo" not in at.query_params


def test_a_click_on_the_hub_link_does_not_open_the_details(with_catalog):
    at = app("pages/models.py", source="catalog", q="bert").run()
    at.session_state["models:table"] = {"selection": {"rows": [], "columns": [], "cells": [[1, "url"]]}}
    at.run()
    assert "repo" not in at.query_params


def test_a_link_with_a_repo_selects_its_row(with_catalog):
    names = list(app("pages/models.py", source="catalog", q="bert").run().dataframe[0].value["name"])
    at = app("pages/models.py", source="catalog", q="bert", repo=names[3]).run()
    assert at.session_state["models:table"]["selection"]["cells"] == [[3, "name"]]
    assert names[3] in [s.value.replace("\\", "") for s in at.subheader]


def test_the_export_buttons_say_what_they_hold(with_big_catalog, monkeypatch):
    from lib import exports

    at = app("pages/models.py", source="catalog", q="synthetic").run()
    assert [b.proto.label for b in at.get("download_button")] == ["CSV", "Parquet"]
    assert "All 1,100 matches." in captions(at)
    monkeypatch.setattr(exports, "CATALOG_CAP", 50)
    at.run()
    assert "The first 50 of 1,100 matches (an export holds at most 50 rows)." in captions(at)
    hub = app("pages/models.py", source="hub", q="bert").run()
    assert any(c.startswith("All matches, up to 1,000 (the live Hub does not count them)") for c in captions(hub))


def test_a_chart_selection_keeps_the_tables_page_size_and_columns(with_catalog):
    from lib.ui.charts_panel import chart_key, panel_key

    at = app("pages/models.py", source="catalog", per="50", cols="task,likes")
    at.session_state[panel_key("models")] = True
    at.run()
    at.session_state[chart_key("models", "task")] = {"selection": {"pick": [{"task": "fill-mask"}]}}
    at.run()
    assert not at.exception and at.query_params["task"] == "fill-mask"
    assert (at.query_params["per"], at.query_params["cols"]) == ("50", "task,likes")
    assert at.dataframe[0].proto.column_order == ["name", "task", "likes"]


@pytest.mark.parametrize(
    ("now", "before", "open_now", "expected", "why"),
    [
        (([], (2, "name")), ([], None), None, "c", "a click on a name opens its row"),
        (([], (1, "likes")), ([], (2, "name")), "c", "b", "a click on any other cell opens its row too"),
        (([], (1, "url")), ([], None), None, None, "the Hub link opens the Hub, not the details"),
        (([0], (2, "name")), ([], (2, "name")), "c", "a", "a tick opens its row (the clicked cell unchanged)"),
        (([0, 1], None), ([0], None), "a", "b", "the last ticked row opens"),
        (([], None), ([0], None), "a", None, "nothing ticked or clicked: closed"),
        (([], (9, "name")), ([], None), "a", "a", "a cell past the rows changes nothing"),
    ],
)
def test_which_repo_a_table_selection_opens(now, before, open_now, expected, why):
    from lib.ui.browse import opened

    assert opened(now, before, ["a", "b", "c"], open_now) == expected, why


def test_a_new_search_starts_on_page_1_with_nothing_ticked_or_open(with_big_catalog):
    at = app("pages/models.py", source="catalog", q="synthetic", page="3").run()
    at.session_state["models:table"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    assert at.query_params["repo"] and at.button(key="models:compare_selected").label == "Compare selected (2)"
    at.text_input(key="models:q").input("synthetic-00").run()
    assert "repo" not in at.query_params and "page" not in at.query_params
    assert at.session_state["models:table"]["selection"]["rows"] == []
    assert at.button(key="models:compare_selected").label == "Compare selected (0)"
