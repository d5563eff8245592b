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
from tests.test_catalog_search import _reference_row

ROOT = Path(__file__).resolve().parent.parent
COUNT = re.compile(r" \((\d[\d,]*)\)$")


@pytest.fixture
def with_catalog(catalog_home, monkeypatch, hub):
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(catalog_home))
    return catalog_home


def app(path: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    if params.get("source"):
        at.session_state["source:choice"] = params["source"]
    return at


def models_frame() -> pd.DataFrame:
    """The fixture models as a plain pandas reference sees them (one row each, the fields the filters read)."""
    rows = [_reference_row("models", m) for m in fixture_ids.records("models")]
    frame = pd.DataFrame(rows)
    frame["task"] = frame["task"].map(lambda v: v[0] if v else None)
    return frame


def count_in(label: str) -> int | None:
    found = COUNT.search(label)
    return int(found.group(1).replace(",", "")) if found else None


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
