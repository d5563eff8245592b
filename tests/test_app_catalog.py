"""The pages with a local catalog: choosing the source, facet counts, date windows, falling back when the Hub is down."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import fixture_ids
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hub"


@pytest.fixture
def with_catalog(catalog_home, monkeypatch, hub):
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(catalog_home))
    return catalog_home


def app(path: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def test_automatic_uses_the_live_hub_and_the_sidebar_shows_the_catalog(with_catalog):
    at = app("streamlit_app.py").run()
    assert not at.exception
    assert at.radio(key="source:choice").value == "auto"
    captions = "\n".join(c.value for c in at.sidebar.caption)
    assert f"{len(fixture_ids.records('models')):,} models · snapshot" in captions, captions


def test_catalog_answers_with_totals_and_facet_counts(with_catalog):
    at = app("pages/models.py", license="apache-2.0")
    at.session_state["source:choice"] = "catalog"
    at.run()
    assert not at.exception
    caption = "\n".join(c.value for c in at.main.caption)
    apache = [m for m in fixture_ids.records("models") if "license:apache-2.0" in m.get("tags", [])]
    assert f"{len(apache):,} models" in caption  # the catalog counts every match
    options = at.selectbox(key="models:license").options
    assert any(o.startswith("apache-2.0 (") for o in options), options
    # date windows are offered with the catalog
    assert at.sidebar.date_input(key="models:created") is not None


def test_catalog_date_window(with_catalog):
    at = app("pages/models.py", created="2024-01-01..2024-12-31", sort="created")
    at.session_state["source:choice"] = "catalog"
    at.run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert len(frame) > 0
    assert all(2024 == ts.year for ts in frame["created"])


def test_hub_down_falls_back_to_the_catalog_and_says_so(with_catalog, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    at = app("pages/models.py", q="bert").run()
    assert not at.exception
    assert any("local catalog answers" in i.value for i in at.info)
    frame = at.dataframe[0].value
    assert len(frame) > 0 and all("bert" in u.lower() for u in frame["url"])
