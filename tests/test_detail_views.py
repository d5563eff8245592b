"""The detail views' shape (one module per kind, one entry, one registry) and their own URL parameters (`tab=`,
`config=`, `split=`): AppTest runs of `tests/apps/detail_app.py` (a view alone, nothing else rewrites the URL) and
of the browse pages, against the fake Hub and its fake dataset viewer. Expected rows come from the fixture files."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from lib.format import md_escape
from lib.query import KINDS
from lib.ui import views
from lib.ui.views import dataset, model, space
from tests import fixture_ids
from tests.test_dataset_view import frame_with, texts, vhub  # noqa: F401 - vhub is a fixture
from tests.test_viewer import GLUE, fixture

ROOT = Path(__file__).resolve().parent.parent
VIEW_MODULES = {"models": model, "datasets": dataset, "spaces": space}
TAB_KEY = "{kind}:detail:tab"


def view(kind: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "tests" / "apps" / "detail_app.py"), default_timeout=60)
    at.session_state["test:kind"] = kind
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def open_tab(at: AppTest) -> str:
    """The label of the tab the page opens (the tab bar's selected index, as sent to the browser)."""
    bar = next(n for n in _walk(at.main) if getattr(n, "type", None) == "tab_container")
    labels = [tab.label for tab in bar.children.values()]
    return labels[bar.proto.tab_container.default_tab_index]


def notes(at: AppTest) -> list[str]:
    return [i.value for i in at.info if "Ignored" in i.value]


# --- one shape -----------------------------------------------------------------------------------------------------


def test_every_kind_has_one_view_with_the_same_entry():
    assert set(views.VIEWS) == set(KINDS)
    for kind, render in views.VIEWS.items():
        assert render is VIEW_MODULES[kind].render, kind
        assert list(inspect.signature(render).parameters) == ["repo_id"], kind
        tabs = VIEW_MODULES[kind].TABS
        assert all(name.isascii() and name.islower() and name.isalpha() for name in tabs), tabs  # URL-safe names
        assert len(set(tabs.values())) == len(tabs), tabs


def test_views_import_at_the_top_and_dispatch_through_the_registry():
    """No import inside a function (the lazy imports that hid an import cycle), and no kind branches outside the
    registry."""
    for path in sorted((ROOT / "lib" / "ui" / "views").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            nested = [n for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom)]
            assert not nested, f"{path.name}: {fn.name} imports inside its body"


def test_each_kind_opens_its_first_tab_by_default(hub):
    repos = {"models": fixture_ids.safetensors_model()["id"], "datasets": GLUE,
             "spaces": fixture_ids.records("spaces")[0]["id"]}
    for kind, repo in repos.items():
        at = view(kind, repo=repo)
        assert open_tab(at) == next(iter(VIEW_MODULES[kind].TABS.values())), kind
        assert "tab" not in at.query_params, kind  # the default stays out of the URL
        assert repo in [s.value.replace("\\", "") for s in at.subheader], kind


# --- the open tab in the URL ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "tab", "label"),
    [("models", "files", "Files"), ("models", "params", "Parameters & config"), ("spaces", "files", "Files"),
     ("datasets", "statistics", "Statistics")],
)
def test_a_fresh_link_opens_the_tab_it_names(vhub, kind, tab, label):  # noqa: F811
    repo = {"models": fixture_ids.safetensors_model()["id"], "datasets": GLUE,
            "spaces": fixture_ids.records("spaces")[0]["id"]}[kind]
    at = view(kind, repo=repo, tab=tab)
    assert open_tab(at) == label
    assert at.query_params["tab"] == tab and not notes(at)


def test_choosing_a_tab_goes_to_the_url_and_back_and_forward_reopen_it(hub):
    at = view("models", repo=fixture_ids.safetensors_model()["id"])
    at.session_state[TAB_KEY.format(kind="models")] = "Lineage & links"  # a click on the tab
    at.run()
    assert at.query_params["tab"] == "links" and open_tab(at) == "Lineage & links"
    at.session_state[TAB_KEY.format(kind="models")] = "Card"
    at.run()
    assert "tab" not in at.query_params  # the first tab is the default
    at.query_params["tab"] = "tags"  # the browser's back button: the URL changed from outside
    at.run()
    assert open_tab(at) == "All tags" and at.session_state[TAB_KEY.format(kind="models")] == "All tags"


@pytest.mark.parametrize("bad", ["Files", "nope", "<b>x</b> **y** [z](javascript:alert(1))"])
def test_an_unknown_tab_is_ignored_with_a_note_shown_as_text(hub, bad):
    at = view("models", repo=fixture_ids.safetensors_model()["id"], tab=bad)
    assert open_tab(at) == "Card" and "tab" not in at.query_params
    names = ", ".join(model.TABS)
    assert notes(at) == [md_escape(f"Ignored tab={bad!r}: it is not one of {names}.")]  # escaped, not Markdown


# --- a dataset's config and split in the URL -----------------------------------------------------------------------


def test_a_fresh_link_shows_the_config_split_and_tab_it_names(vhub):  # noqa: F811
    at = view("datasets", repo=GLUE, config="sst2", split="validation", tab="statistics")
    assert not notes(at)
    assert at.selectbox(key=f"dsv:{GLUE}:config").value == "sst2"
    assert at.selectbox(key=f"dsv:{GLUE}:split:sst2").value == "validation"
    expected = fixture(GLUE)["first-rows"]["sst2/validation"]["rows"]
    assert list(frame_with(at, "sentence")["sentence"]) == [" ".join(r["row"]["sentence"].split()) for r in expected]
    assert "Statistics of sst2 / validation" in texts(at)
    assert open_tab(at) == "Statistics"
    assert {k: at.query_params[k] for k in ("config", "split", "tab")} == {
        "config": "sst2", "split": "validation", "tab": "statistics"}


def test_choosing_a_config_and_split_goes_to_the_url(vhub):  # noqa: F811
    at = view("datasets", repo=GLUE)
    at.selectbox(key=f"dsv:{GLUE}:config").select("sst2").run()
    assert at.query_params["config"] == "sst2" and "split" not in at.query_params  # its first split: the default
    at.selectbox(key=f"dsv:{GLUE}:split:sst2").select("test").run()
    assert at.query_params["split"] == "test"
    at.selectbox(key=f"dsv:{GLUE}:config").select("cola").run()  # the default config: out of the URL
    # another config keeps the split the URL names, when it has one of that name (without a note)
    assert "config" not in at.query_params and at.query_params["split"] == "test"
    assert at.selectbox(key=f"dsv:{GLUE}:split:cola").value == "test" and not notes(at)
    at.selectbox(key=f"dsv:{GLUE}:split:cola").select("train").run()
    assert "config" not in at.query_params and "split" not in at.query_params


@pytest.mark.parametrize(
    ("params", "config", "split", "said"),
    [
        ({"config": "nope"}, "cola", "train", "Ignored config='nope': it is not one of cola, sst2."),
        ({"config": "sst2", "split": "nope"}, "sst2", "train",
         "Ignored split='nope': it is not one of train, validation, test."),
        ({"config": "SST2"}, "cola", "train", "Ignored config='SST2': it is not one of cola, sst2."),
    ],
)
def test_an_unknown_config_or_split_is_ignored_with_a_note(vhub, params, config, split, said):  # noqa: F811
    at = view("datasets", repo=GLUE, **params)
    assert notes(at) == [md_escape(said)]
    assert at.selectbox(key=f"dsv:{GLUE}:config").value == config
    assert at.selectbox(key=f"dsv:{GLUE}:split:{config}").value == split
    assert ("config" in at.query_params) == (config != "cola") and "split" not in at.query_params


# --- on the browse pages -------------------------------------------------------------------------------------------


def test_a_link_opened_in_a_fresh_browser_shows_the_same_dataset_view(vhub):  # noqa: F811
    at = AppTest.from_file(str(ROOT / "pages" / "1_datasets.py"), default_timeout=60)
    for key, value in {"repo": GLUE, "config": "sst2", "split": "validation", "tab": "schema"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception and not notes(at)
    assert at.selectbox(key=f"dsv:{GLUE}:split:sst2").value == "validation"
    assert open_tab(at) == "Schema & splits"
    assert at.query_params["tab"] == "schema" and at.query_params["config"] == "sst2"


def test_after_opening_a_tab_another_row_still_opens(hub):
    """The detail view's own parameters must not stop the table's selection from changing the repo."""
    at = AppTest.from_file(str(ROOT / "pages" / "models.py"), default_timeout=60).run()
    urls = list(at.dataframe[0].value["url"])
    at.session_state["models:table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    at.session_state[TAB_KEY.format(kind="models")] = "Files"
    at.run()
    at.session_state["models:table"] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert urls[2].endswith("/" + at.query_params["repo"])
    assert at.query_params["repo"] in [s.value.replace("\\", "") for s in at.subheader]
    assert not notes(at)
