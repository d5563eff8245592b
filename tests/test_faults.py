"""The fault matrix: every fault the fake Hub can inject, on every page that talks to the Hub.

Table-driven: `FAULTS` has one row per fault (how to inject it, the words that say what happened, the words that
say what to do), `PAGES` one row per page (its URL, the path its Hub calls take, what it shows). Each cell opens the
page while the Hub answers, then makes the Hub fail the way the row says (Streamlit's answer cache emptied, as when
its five minutes are over) and checks, in AppTest:

1. no traceback (`at.exception` is empty);
2. a clear message: the words of what happened and of what to do, in one error or warning;
3. the rest of the page works (its other parts are drawn: the search box, the table beside a failing detail view);
4. what the page showed before is still shown, under a "Stale: from HH:MM, the Hub is failing now" note;
5. it recovers by itself: an automatic retry is counted down, and once the fault is cleared that rerun (what the
   countdown does; the browser test `test_a_failing_search_recovers_without_a_click` watches it happen) shows the
   page fresh, with no error and no stale note.

Try it has its own rows below (its Hub calls happen on Run, and a loaded model keeps running while the Hub fails).
A page row may carry an `xfail` naming a known gap (strict: the row fails the suite once the gap is closed); none
does now.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests import fixture_ids

ROOT = Path(__file__).resolve().parent.parent


def shown(markdown: str) -> str:
    """Markdown as read (backslash escapes dropped)."""
    return re.sub(r"\\(.)", r"\1", str(markdown))


def messages(at: AppTest) -> list[str]:
    return [shown(e.value) for e in at.error] + [shown(w.value) for w in at.warning]


def stale_notes(at: AppTest) -> list[str]:
    return [m for m in messages(at) if m.startswith("Stale") and "the Hub is failing now" in m]


def captions(at: AppTest) -> str:
    return "\n".join(shown(c.value) for c in at.caption)


# --- the faults: one row each ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FaultRow:
    name: str
    fault: dict[str, Any]  # tests.fakehub.Fault options (the page row gives the path)
    happened: tuple[str, ...]  # every one of these words says what happened
    todo: str  # these words say what to do
    listing_only: bool = False  # only a paged listing can break off
    page_size: int | None = None  # the fake Hub's listing page size while the fault lasts
    timeout: str | None = None  # HUB_EXPLORER_TIMEOUT while the fault lasts


FAULTS = [
    FaultRow("429", {"status": 429, "retry_after": 7}, ("Rate limited", "wait 7 s"), "Try again in 7 s"),
    FaultRow("500", {"status": 500}, ("having trouble", "HTTP 500"), "Try again"),
    FaultRow("503", {"status": 503}, ("having trouble", "HTTP 503"), "Try again"),
    FaultRow("timeout", {"delay": 1.6}, ("slow to answer", "did not answer in time"), "HUB_EXPLORER_TIMEOUT",
             timeout="1"),
    FaultRow("malformed", {"malformed": True}, ("Unexpected answer", "could not be read"), "Try again"),
    FaultRow("disconnect", {"disconnect": True}, ("Hub unreachable", "Could not connect"), "Try again"),
    FaultRow("broken-paging", {"status": 500, "after": 1}, ("broke off after", "a later page failed", "HTTP 500"),
             "Try again", listing_only=True, page_size=3),
    FaultRow("401", {"status": 401}, ("asks for a token", "none is set"), "Set `HF_TOKEN`"),
    FaultRow("403-gated", {"status": 403, "error_code": "GatedRepo", "message": "Access to this repo is restricted."},
             ("Gated repository", "is gated"), "set `HF_TOKEN`"),
    FaultRow("404", {"status": 404}, ("Not found", "HTTP 404"), "Check the id"),
]


# --- the pages: one row each -------------------------------------------------------------------------------------
def _app(path: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def _links(at: AppTest) -> tuple[str, ...]:
    return tuple(link.proto.label for link in at.get("page_link") if not link.proto.label.startswith("All matching"))


def _table(at: AppTest) -> tuple[str, ...]:
    frames = at.get("dataframe")
    return tuple(frames[0].value["url"]) if frames and "url" in frames[0].value else ()


def _heading(repo: str) -> Callable[[AppTest], tuple[str, ...]]:
    return lambda at: tuple(s.value for s in at.subheader if shown(s.value) == repo)


def _compare_table(at: AppTest) -> tuple[str, ...]:
    return tuple(h.proto.body for h in at.get("html") if 'class="cmp"' in h.proto.body)


def _has_widget(kind: str, key: str) -> Callable[[AppTest], bool]:
    def check(at: AppTest) -> bool:
        return any(w.key == key for w in at.get(kind))

    return check


@dataclass(frozen=True)
class PageRow:
    name: str
    open: Callable[[], AppTest]
    path: str  # the Hub calls to fail (a path prefix)
    content: Callable[[AppTest], tuple[Any, ...]]  # what the page shows from the Hub (kept while it fails)
    alive: Callable[[AppTest], bool]  # the rest of the page, drawn while the Hub fails
    lists: bool = False  # reads a paged listing
    xfail: str | None = None  # a known gap, said in words (strict: the row fails the suite once the gap is closed)
    setup: Callable[[Any, Path], None] | None = None  # (monkeypatch, tmp_path): what the page needs first
    expire: Callable[[AppTest], None] | None = None  # the page's own keeping of answers is over (beside st.cache_data)


MODEL = fixture_ids.safetensors_model()["id"]
DATASET = next(d["id"] for d in fixture_ids.records("datasets") if not d.get("gated") and not d.get("private"))
SPACE = next(s["id"] for s in fixture_ids.records("spaces") if not s.get("private"))
PAIR = f"{MODEL},gpt2"
SHORTLISTS = "shortlists"  # the Shortlists page: a list of two models, their figures read from the Hub


def _shortlists_setup(monkeypatch, tmp_path: Path) -> None:
    from lib.shortlists import Shortlists
    from lib.store import close_stores

    monkeypatch.setenv("HUB_EXPLORER_HOME", str(tmp_path / "home"))
    close_stores()
    lists = Shortlists()
    lists.create_list("picks", user="bob")
    for repo in (MODEL, "gpt2"):
        lists.add_item("picks", repo, kind="models", user="bob")


def _shortlists_open() -> AppTest:
    at = _app("pages/shortlists.py", list="picks")
    at.session_state["saved:user"] = "ada"
    return at


def _shortlist_figures(at: AppTest) -> tuple[Any, ...]:
    frame = next((d.value for d in at.dataframe if "votes" in d.value.columns), None)
    if frame is None:
        return ()
    return tuple(zip(frame["repo"], frame["downloads"].fillna(-1), strict=True))


def _shortlists_expire(at: AppTest) -> None:
    """The page keeps each item's record in the session for a while: that while is over."""
    memo = at.session_state["shortlists:records"]
    at.session_state["shortlists:records"] = {k: (record, when - 100_000) for k, (record, when) in memo.items()}

PAGES = [
    PageRow("search", lambda: _app("streamlit_app.py"), "/api/", _links, _has_widget("text_input", "home:q"),
            lists=True),
    PageRow("models", lambda: _app("pages/models.py"), "/api/models", _table, _has_widget("text_input", "models:q"),
            lists=True),
    PageRow("datasets", lambda: _app("pages/1_datasets.py"), "/api/datasets", _table,
            _has_widget("text_input", "datasets:q"), lists=True),
    PageRow("spaces", lambda: _app("pages/spaces.py"), "/api/spaces", _table, _has_widget("text_input", "spaces:q"),
            lists=True),
    PageRow("model-view", lambda: _app("pages/models.py", repo=MODEL), f"/api/models/{MODEL}", _heading(MODEL),
            lambda at: bool(_table(at))),
    PageRow("dataset-view", lambda: _app("pages/1_datasets.py", repo=DATASET), f"/api/datasets/{DATASET}",
            _heading(DATASET), lambda at: bool(_table(at))),
    PageRow("space-view", lambda: _app("pages/spaces.py", repo=SPACE), f"/api/spaces/{SPACE}", _heading(SPACE),
            lambda at: bool(_table(at))),
    PageRow("compare", lambda: _app("pages/compare.py", models=PAIR), "/api/models/", _compare_table,
            _has_widget("text_input", "compare:find")),
    PageRow(SHORTLISTS, _shortlists_open, "/api/models/", _shortlist_figures,
            _has_widget("segmented_control", "shortlists:sort"), setup=_shortlists_setup, expire=_shortlists_expire),
]
#: Cells that cannot exist, with the reason (every other page x fault pair is tested).
NOT_APPLICABLE = {
    (page.name, "broken-paging"): "it reads no paged listing" for page in PAGES if not page.lists
}
CELLS = [pytest.param(page, fault, id=f"{page.name}-{fault.name}",
                      marks=[pytest.mark.xfail(reason=page.xfail, strict=True)] if page.xfail else [])
         for page in PAGES for fault in FAULTS if (page.name, fault.name) not in NOT_APPLICABLE]  # fmt: skip


@pytest.fixture(autouse=True)
def _isolated(hub, monkeypatch):
    """Fresh Hub answers (no earlier test's cached answer meets a fault); the sidebar's health check answers at
    once without asking the Hub (it runs in parallel and would use up the faults meant for the page)."""
    import streamlit as st

    from lib.hub import Reachability
    from lib.ui import components

    st.cache_data.clear()
    monkeypatch.setattr(components, "health_check", lambda: Reachability("fake", ok=True, latency_ms=1.0))
    size = hub.page_size
    yield
    hub.page_size = size


def test_the_matrix_covers_every_page_and_fault():
    assert {p.name for p in PAGES} >= {"search", "models", "datasets", "spaces", "model-view", "dataset-view",
                                       "space-view", "compare", SHORTLISTS}  # fmt: skip
    assert len(CELLS) + len(NOT_APPLICABLE) == len(PAGES) * len(FAULTS)


@pytest.mark.parametrize(("page", "fault"), CELLS)
def test_fault(page: PageRow, fault: FaultRow, hub, monkeypatch, tmp_path, request):
    import streamlit as st

    if page.setup is not None:
        page.setup(monkeypatch, tmp_path)
        from lib.store import close_stores

        request.addfinalizer(close_stores)
    at = page.open().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    before = page.content(at)
    assert before, "the page shows what the Hub answered"

    st.cache_data.clear()  # Streamlit's five-minute answer cache is over: the page asks the Hub again
    if page.expire is not None:
        page.expire(at)
    if fault.timeout:
        monkeypatch.setenv("HUB_EXPLORER_TIMEOUT", fault.timeout)
    if fault.page_size:
        hub.page_size = fault.page_size
    hub.add_fault(page.path, times=None, **fault.fault)
    at.run()

    assert not at.exception, f"a traceback: {at.exception}"
    said = messages(at)
    assert any(all(w in m for w in fault.happened) and fault.todo in m for m in said), (
        f"no message says {fault.happened} and {fault.todo!r}: {said}")
    assert page.alive(at), "the rest of the page is not drawn"
    assert page.content(at) == before, "what the page showed before is gone"
    assert stale_notes(at), f"the kept answer is not marked stale: {said}"
    assert "Retrying by itself in" in captions(at), "no automatic retry is counted down"

    hub.clear_faults()
    hub.page_size = 100
    at.run()  # what the countdown does when it reaches zero
    assert not at.exception
    assert not at.error and not stale_notes(at), messages(at)
    assert page.content(at) == before


# --- Try it: its Hub calls happen on Run (the download), one row per fault ---------------------------------------
TRYIT_FAULTS = [pytest.param(f, id=f"tryit-{f.name}") for f in FAULTS if not f.listing_only]  # it lists nothing


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory) -> Path:
    from tests.tiny_models import build

    return build("text-classification", tmp_path_factory.mktemp("faults-tryit") / "tiny")


def _tryit_key(repo: str, *parts: str) -> str:
    return ":".join(("tryit", repo, *parts))


@pytest.mark.parametrize("fault", TRYIT_FAULTS)
def test_tryit_fault(fault: FaultRow, tiny_folder, hub, monkeypatch):
    """Run while the Hub fails on the download: a clear message, the rest of the view works, Run works once the
    fault is cleared; and a model that ran stays runnable (loaded) while the Hub fails on everything about it."""
    from lib.ui import hub_cache as ui_hub

    repo = f"tiny-faults/{fault.name}"  # a model of its own per row: nothing downloaded or loaded by another row
    hub.add_local_repo("model", repo, tiny_folder, pipeline_tag="text-classification")
    if fault.timeout:  # from the start: the answers cached on the first load stay keyed by the same settings
        monkeypatch.setenv("HUB_EXPLORER_TIMEOUT", fault.timeout)
    at = _app("pages/models.py", repo=repo, tab="try").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    run = lambda: at.button(key=_tryit_key(repo, "run")).click().run()

    hub.add_fault(f"/api/models/{repo}/", times=None, **fault.fault)  # the snapshot's revision info, tree
    hub.add_fault(f"/{repo}/resolve/", times=None, **fault.fault)  # and its files
    run()
    assert not at.exception, f"a traceback: {at.exception}"
    said = messages(at)
    assert any(all(w in m for w in fault.happened) and fault.todo in m for m in said), (
        f"no message says {fault.happened} and {fault.todo!r}: {said}")
    assert any(shown(s.value) == repo for s in at.subheader), "the rest of the view is not drawn"
    assert at.button(key=_tryit_key(repo, "run")) is not None
    assert _tryit_key(repo, "last") not in at.session_state

    hub.clear_faults()
    run()  # the person runs it again: it works
    assert not at.exception and not at.error, messages(at)
    assert at.session_state[_tryit_key(repo, "last")]["result"].output

    ui_hub._info.clear()  # the record's five minutes are over, and the Hub fails on everything about this model:
    hub.add_fault(f"/api/models/{repo}", times=None, **fault.fault)
    hub.add_fault(f"/{repo}/resolve/", times=None, **fault.fault)  # the loaded model keeps running
    at.run()
    assert stale_notes(at), "the view's record is not kept (stale)"
    run()
    assert not at.exception
    assert at.session_state[_tryit_key(repo, "last")]["result"].from_cache, "the loaded model did not run"
    assert any("reusing it" in str(m.value) for m in at.markdown)
