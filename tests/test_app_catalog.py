"""The pages with a local catalog: choosing the source, facet counts, date windows, falling back when the Hub is down."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import fixture_ids
from tests.apptest import page_test
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hub"


app = page_test


def test_automatic_uses_the_live_hub_and_the_sidebar_shows_the_catalog(with_catalog):
    at = app("streamlit_app.py").run()
    assert not at.exception
    assert at.radio(key="source:choice").value == "auto"
    captions = "\n".join(c.value for c in at.sidebar.caption)
    assert f"models: {len(fixture_ids.records('models')):,} · " in _shown(captions), captions  # and its age


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


def _shown(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def _infos(at: AppTest) -> str:
    return "\n".join(_shown(i.value) for i in at.info)


@pytest.fixture(autouse=True)
def fresh_answers():
    """No Hub answer cached by an earlier test (st.cache_data keeps them 5 minutes): each test's faults are met."""
    import streamlit as st

    st.cache_data.clear()


@pytest.fixture
def quiet_sidebar(monkeypatch):
    """The sidebar's health check answers at once without asking the Hub (so that it cannot use up a fault
    meant for the search: it runs in parallel with the page)."""
    from lib.hub import Reachability
    from lib.ui import components

    monkeypatch.setattr(components, "health_check", lambda: Reachability("fake", ok=True, latency_ms=1.0))


# --- the Hub failing under Automatic (H2, H5) -------------------------------------------------------------------
def test_a_slow_hub_falls_back_to_the_catalog_and_says_it_is_slow(with_catalog, hub, monkeypatch):
    monkeypatch.setenv("HUB_EXPLORER_TIMEOUT", "1")
    hub.add_fault("/api/models", delay=4, times=None)
    started = time.perf_counter()
    at = app("pages/models.py", q="bert").run()
    assert not at.exception and not at.error
    note = _infos(at)
    assert "The Hub is slow to answer:" in note and "The local catalog answers instead" in note
    frame = at.dataframe[0].value
    assert len(frame) > 0 and all("bert" in u.lower() for u in frame["url"])
    assert time.perf_counter() - started < 4, "the search gave up after HUB_EXPLORER_TIMEOUT, not the Hub's delay"


def test_a_server_error_falls_back_and_names_it(with_catalog, hub):
    hub.add_fault("/api/models", status=503, times=None)
    at = app("pages/models.py", q="bert").run()
    assert not at.exception and not at.error
    note = _infos(at)
    assert "The Hub is having trouble:" in note and "HTTP 503" in note and "local catalog answers instead" in note
    assert "unreachable" not in note.lower()


@pytest.mark.parametrize(
    ("setup", "says"),
    [
        (lambda hub, mp: hub.add_fault("/api/models", status=429, retry_after=9, times=None), "Rate limited"),
        (lambda hub, mp: mp.setenv("HF_TOKEN", "hf_not_a_token_the_hub_knows"), "refused the token (HTTP 401)"),
        (lambda hub, mp: hub.add_fault("/api/models", status=200, malformed=True, times=None), "Unexpected answer"),
    ],
    ids=["429", "401", "malformed"],
)
def test_other_failures_are_shown_not_hidden_behind_the_catalog(with_catalog, hub, monkeypatch, setup, says):
    setup(hub, monkeypatch)
    at = app("pages/models.py", q="bert").run()
    assert not at.exception
    assert any(says in _shown(e.value) for e in at.error), [e.value for e in at.error]
    assert "local catalog answers" not in _infos(at)
    assert not at.get("dataframe"), "no results quietly taken from the catalog"


def test_the_sidebar_names_a_refused_token_and_does_not_call_it_unreachable(with_catalog, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_token_the_hub_knows")
    at = app("streamlit_app.py").run()
    assert not at.exception
    sidebar = _shown("\n".join(str(m.value) for m in [*at.sidebar.markdown, *at.sidebar.caption]))
    assert "Access denied" in sidebar and "refused the token" in sidebar
    assert "unreachable" not in sidebar.lower()


def test_after_a_failure_the_catalog_answers_a_while_then_the_hub_is_asked_again(with_catalog, hub, monkeypatch,
                                                                                 quiet_sidebar):  # fmt: skip
    from lib.ui import source

    fault = hub.add_fault("/api/models", status=502, times=None)
    at = app("pages/models.py", q="bert").run()
    assert "The local catalog answers instead" in _infos(at)
    asked = fault.hits
    at.text_input(key="models:q").input("roberta").run()  # a new search within RECHECK_S: the Hub is not asked
    assert fault.hits == asked
    assert "The local catalog answers instead" in _infos(at)
    assert all("roberta" in u.lower() for u in at.dataframe[0].value["url"])
    hub.clear_faults()  # the Hub is back; once RECHECK_S has passed, the next search asks it
    monkeypatch.setattr(source, "RECHECK_S", 0.0)
    at.text_input(key="models:q").input("bert").run()
    assert not at.exception and "local catalog" not in _infos(at)
    assert at.caption[0].value.startswith("Models matching"), "the live Hub answered (it gives no total)"


def test_the_health_check_does_not_hold_up_the_page(with_catalog, monkeypatch):
    from lib.hub.client import HubClient
    from lib.ui import components

    components._ping_ms.clear()
    times: dict[str, float] = {}
    search = HubClient.search

    def slow_ping(self):
        time.sleep(2.0)
        times["ping_done"] = time.perf_counter()
        from lib.hub import Reachability

        return Reachability(self.endpoint, ok=True, latency_ms=2000.0)

    def timed_search(self, query):
        times.setdefault("search_started", time.perf_counter())
        return search(self, query)

    monkeypatch.setattr(HubClient, "ping", slow_ping)
    monkeypatch.setattr(HubClient, "search", timed_search)
    at = app("streamlit_app.py", q="zzz-health-probe").run()
    assert not at.exception
    assert times["search_started"] < times["ping_done"] - 1.0, "the page searched while the check was running"
    assert "reachable" in "\n".join(str(m.value) for m in at.sidebar.markdown)


# --- the source in the URL (item 3) -----------------------------------------------------------------------------
def test_a_link_with_the_source_opens_the_same_view_in_a_fresh_session(with_catalog):
    at = app("streamlit_app.py", source="catalog")
    at.run()
    assert at.radio(key="source:choice").value == "catalog"
    at.switch_page("pages/models.py").run()  # our own links do not carry ?source=: the session keeps it
    assert at.radio(key="source:choice").value == "catalog"
    at = app("pages/models.py", source="catalog", license="apache-2.0").run()
    assert not at.exception
    apache = [m for m in fixture_ids.records("models") if "license:apache-2.0" in m.get("tags", [])]
    assert f"{len(apache):,} models where license = apache-2.0" in _shown(at.caption[0].value)
    assert at.query_params["source"] == "catalog" and at.query_params["license"] == "apache-2.0"


def test_changing_the_source_changes_the_url(with_catalog):
    at = app("streamlit_app.py").run()
    at.switch_page("pages/models.py").run()
    assert "source" not in at.query_params
    at.radio(key="source:choice").set_value("catalog").run()
    assert at.query_params["source"] == "catalog"
    total = len(fixture_ids.records("models"))
    assert _shown(at.caption[0].value).startswith(f"{total:,} models, by trending")  # the catalog counts them
    at.radio(key="source:choice").set_value("auto").run()
    assert "source" not in at.query_params


def test_a_date_window_from_a_link_is_answered_by_the_catalog_under_automatic(with_catalog):
    at = app("pages/models.py", created="2024-01-01..2024-12-31", sort="created").run()
    assert not at.exception and not at.error
    note = _infos(at)
    assert "The live Hub cannot filter by creation or update date. The local catalog answers" in note
    frame = at.dataframe[0].value
    assert len(frame) > 0 and all(ts.year == 2024 for ts in frame["created"])
    assert at.query_params["created"] == "2024-01-01..2024-12-31"  # the filter is kept, not silently lost


def test_a_saved_search_replays_against_its_source(with_catalog):
    from lib.saved import SavedSearches

    at = app("pages/models.py", source="catalog", license="mit").run()
    at.text_input(key="saved:models:user_input").input("ada")
    at.button(key="saved:models:user_submit").click().run()
    at.text_input(key="saved:models:name").input("mit from the catalog")
    at.button(key="saved:models:save").click().run()
    saved = SavedSearches.open().get("ada", "mit from the catalog", "models")
    assert saved is not None and saved.params == {"license": "mit", "source": "catalog"}
    links = [m.value for m in at.sidebar.markdown if "mit from the catalog" in _shown(m.value)]
    assert links and "source=catalog" in links[0]


@pytest.fixture
def models_only_catalog(tmp_path, monkeypatch, hub):
    from lib.catalog import Catalog

    Catalog.open(tmp_path).load([FIXTURES / "models.json"], kind="models")
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(tmp_path))
    return tmp_path


def test_spaces_the_catalog_lacks_come_from_the_live_hub_and_it_says_so(models_only_catalog):
    at = app("pages/spaces.py", source="catalog").run()
    assert not at.exception and not at.error
    assert "The local catalog has no Spaces, so the live Hub answers them." in _infos(at)
    assert len(at.dataframe[0].value) > 0
    home = app("pages/home.py", source="catalog").run()
    notes = [_shown(c.value) for c in home.caption if "has no" in _shown(c.value)]
    assert notes == [f":material/info: The local catalog has no {kind}, so the live Hub answers them."
                     for kind in ("datasets", "Spaces")]  # where they appear (the catalog holds models only)
    assert [s.value for s in home.main.subheader] == ["Models", "Datasets", "Spaces"]


def test_when_the_hub_is_down_the_page_says_why_the_catalog_cannot_stand_in(tmp_path, monkeypatch, hub):
    from lib.catalog import Catalog

    dump = tmp_path / "models.jsonl"  # models as a list dump without gating
    dump.write_text("\n".join(json.dumps({k: v for k, v in m.items() if k != "gated"})
                              for m in fixture_ids.records("models")), encoding="utf-8")  # fmt: skip
    Catalog.open(tmp_path).load([dump], kind="models")
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(tmp_path))
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    at = app("pages/models.py", gated="yes").run()
    assert not at.exception
    assert any(e.value.startswith("**Hub unreachable.**") for e in at.error)
    said = "\n".join(_shown(c.value) for c in at.caption)
    assert "The local catalog cannot answer this search instead: This catalog's models dump has no gated flags." in said
    at = app("pages/spaces.py").run()
    assert any(e.value.startswith("**Hub unreachable.**") for e in at.error)
    assert "The local catalog has no Spaces to answer instead." in "\n".join(_shown(c.value) for c in at.caption)
    at = app("pages/models.py", q="bert").run()  # what it can answer, it answers
    assert "The local catalog answers instead" in _infos(at) and len(at.dataframe[0].value) > 0


def _space_stage(space: dict) -> str | None:
    return (space.get("runtime") or {}).get("stage")


def test_spaces_page_filters_by_status_and_what_spaces_use_with_counts_from_the_catalog(with_catalog):
    """The Spaces page with the catalog: the status and "uses model/dataset" filters, their values counted (from the
    fixture records, not the catalog), the status in words in the table, and a link's filters applied."""
    from lib.vocab import stage_words

    spaces = [s for s in fixture_ids.records("spaces") if not s.get("private")]
    at = app("pages/spaces.py", stage="RUNNING", uses_model="meta-llama/Llama-3.1-8B-Instruct", sort="likes")
    at.session_state["source:choice"] = "catalog"
    at.run()
    assert not at.exception
    expected = [s for s in fixture_ids.records("spaces") if _space_stage(s) == "RUNNING"
                and "meta-llama/Llama-3.1-8B-Instruct" in (s.get("models") or [])]  # fmt: skip
    frame = at.dataframe(key="spaces:table").value
    assert sorted(frame["name"]) == sorted(s["id"] for s in expected) and len(expected) >= 2
    assert set(frame["stage"]) == {"Running"}  # in words, not RUNNING
    # each filter's values come with counts over the matches with the other filters applied
    stage_box = at.selectbox(key="spaces:stage")
    users = [s for s in fixture_ids.records("spaces") if "meta-llama/Llama-3.1-8B-Instruct" in (s.get("models") or [])]
    for stage in {_space_stage(s) for s in users}:
        count = sum(_space_stage(s) == stage for s in users)
        assert f"{stage_words(stage)} ({count:,})" in stage_box.options, stage_box.options
    model_box = at.selectbox(key="spaces:uses_model")
    running = [s for s in fixture_ids.records("spaces") if _space_stage(s) == "RUNNING"]
    whisper = sum("openai/whisper-large-v3" in (s.get("models") or []) for s in running)
    assert f"openai/whisper-large-v3 ({whisper:,})" in model_box.options, model_box.options
    assert not stage_box.disabled and not model_box.disabled
    # a status no Space has in the whole catalog: none listed, so it is never offered as if it matched
    assert not any(o.startswith("Deleting") for o in stage_box.options)
    # choosing a dataset narrows the table (the dataset a running Space uses)
    at.selectbox(key="spaces:uses_model").set_value("").run()
    at.selectbox(key="spaces:uses_dataset").set_value("mteb/results").run()
    assert not at.exception
    frame = at.dataframe(key="spaces:table").value
    assert sorted(frame["name"]) == sorted(s["id"] for s in spaces if _space_stage(s) == "RUNNING"
                                           and "mteb/results" in (s.get("datasets") or []))  # fmt: skip
    assert at.query_params["uses_dataset"] == "mteb/results" and "uses_model" not in at.query_params


def test_spaces_page_on_the_live_hub_disables_the_status_with_the_reason(with_catalog):
    at = app("pages/spaces.py", uses_model="openai/whisper-large-v3", sort="likes")
    at.session_state["source:choice"] = "hub"
    at.run()
    assert not at.exception
    stage_box = at.selectbox(key="spaces:stage")
    assert stage_box.disabled and "cannot filter Spaces by their runtime status" in (stage_box.help or "")
    assert not at.selectbox(key="spaces:uses_model").disabled  # the Hub lists Spaces by the models they use
    frame = at.dataframe(key="spaces:table").value
    assert sorted(frame["name"]) == sorted(s["id"] for s in fixture_ids.records("spaces") if not s.get("private")
                                           and "openai/whisper-large-v3" in (s.get("models") or []))  # fmt: skip


def test_a_status_from_a_link_is_answered_by_the_catalog_under_automatic(with_catalog):
    at = app("pages/spaces.py", stage="RUNTIME_ERROR", sort="likes").run()
    assert not at.exception and not at.error
    assert "The live Hub cannot filter Spaces by their runtime status. The local catalog answers" in _infos(at)
    frame = at.dataframe(key="spaces:table").value
    assert sorted(frame["name"]) == sorted(s["id"] for s in fixture_ids.records("spaces")
                                           if _space_stage(s) == "RUNTIME_ERROR")  # fmt: skip
    assert set(frame["stage"]) == {"Runtime error"}
    assert at.query_params["stage"] == "RUNTIME_ERROR"
