"""What one person feels in Chromium: Enter in the search box -> the results table updated, and the Insights page's
first chart, cold.

    .venv/bin/python bench/bench_browser.py [--catalog snapshot|fixtures|DIR] [--source catalog|hub|both]
                                            [--runs 30] [--warmup 1] [--baseline REF] [--skip-insights]
                                            [--skip-floor] [--profile DIR] [--keep] [--json OUT.json]

For each source (a local catalog with `?source=catalog`, the live fake Hub with `?source=hub`), one Chromium page
on the Models page types a search, presses Enter and waits until the table shows it: the result caption names the
new text and the grid's first cell changed (Streamlit's grid is a canvas; its accessible twin in the DOM holds the
same cells). The time is taken inside the page (`performance.now()`, from the Enter key's own event to the first
animation frame after the DOM showed both), so Playwright's polling adds nothing. The same is done with the Charts
panel open. Warm caches: `--warmup` passes over every query first, then `--runs` searches cycling through them;
p50 and p95 are printed. Beside each figure, from the same searches:

* the browser's share: Enter -> the rerun request sent on the websocket, the first answer message, the last one
  (the run done), and the table shown; the messages' count and bytes;
* the server's share: every script run is timed from outside the app (a `sitecustomize` on PYTHONPATH wraps
  Streamlit's `ScriptRunner._run_script`, and the functions named in `SECTIONS` with a timer), so a search shows
  its runs (a second rerun would show here), their wall and CPU time, and the time in each section.

`--baseline REF` runs the same measures on a git revision of this project (exported with `git archive` into a
temporary folder, its own server beside this one), one search on each in turn, so both see the same load on the
machine. The *floor* is a Streamlit page with nothing but a text box, a caption and a 25-row table of the same
shape: what any Streamlit page costs per search on this machine (`--skip-floor` leaves it out).

Insights cold (`--insights-runs` fresh servers each, the medians printed): the time until the Insights page's first
chart is drawn (a canvas or SVG with a size), and every chart of its first tab; from the sidebar's navigation once
the Models page is shown (the person is in the app; the server's Insights caches are empty), and as the first page
a new browser opens on a fresh server (Streamlit's JavaScript loaded and the whole app imported first).

`--catalog snapshot` (the default when ../shared/hub-snapshot is there) builds a catalog of the real July-2024 snapshot
(760k models, 175k datasets; read from there, never copied) plus the fixtures' Spaces in a temporary folder (about
20 s); `fixtures` builds one of the fake Hub's fixtures; a folder reuses a catalog already loaded there. The live
fake Hub always serves its fixtures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.catalog.cli import percentile

SNAPSHOT = ROOT.parent / "shared" / "hub-snapshot"
FIXTURES = ROOT / "tests" / "fixtures" / "hub"
#: Searches cycled through, each next one with other results than the one before (every one matches fixture
#: models and snapshot models).
QUERIES = ["bert", "llama", "qwen", "instruct", "mistral", "roberta", "gpt", "stable", "t5", "distil", "phi",
           "sentence"]  # fmt: skip
TIMEOUT_MS = 60_000
QUIET_MS = 400  # no websocket message for this long after the table showed: the run is done

#: Where a script run's time goes: "module:attribute" wrapped with a timer in the server (looked up where it is
#: called from: `browse` calls `charts_panel` through its own module's name).
SECTIONS = [
    "lib.ui.components:sidebar", "lib.ui.components:health", "lib.ui.source:sidebar", "lib.ui.browse:browse",
    "lib.ui.state:read", "lib.ui.source:offered", "lib.ui.source:answer", "lib.ui.browse:search_bar",
    "lib.ui.filters:sidebar", "lib.ui.filters:chips", "lib.ui.browse:_results", "lib.ui.browse:results_frame",
    "lib.ui.browse:_selected_actions", "lib.ui.browse:_pager", "lib.ui.browse:charts_panel", "lib.ui.state:write",
    "lib.ui.saved_panel:saved_searches_panel", "lib.ui.identity:sidebar",
    "lib.ui.add_to_list:add_to_list", "lib.catalog.catalog:Catalog.stats", "lib.ui.hub_cache:settings",
    "lib.ui.identity:current_user", "lib.ui.charts_panel:frames_for", "lib.ui.charts_panel:chart_spec",
    "lib.ui.charts_panel:export_buttons", "lib.ui.charts_panel:_chart", "lib.ui.filters:choice",
    "lib.catalog.catalog:Catalog.search",
]  # fmt: skip

SITECUSTOMIZE = '''
"""bench/bench_browser.py: every Streamlit script run timed (wall, CPU, named sections), logged as JSON lines."""
import os, sys
if os.environ.get("HUB_EXPLORER_BENCH_RUNS"):  # set for the servers this bench starts, nothing else
    import functools, importlib, json, threading, time
    from streamlit.runtime.scriptrunner import script_runner

    _log = open(os.environ["HUB_EXPLORER_BENCH_RUNS"], "a", buffering=1)
    _targets = [t for t in os.environ.get("HUB_EXPLORER_BENCH_SECTIONS", "").split(",") if t]
    _local = threading.local()
    _done = set()

    def _timed(name, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            sections = getattr(_local, "sections", None)
            if sections is None:
                return fn(*args, **kwargs)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                sections[name] = sections.get(name, 0.0) + (time.perf_counter() - t0) * 1000
        wrapper.__bench_wrapped__ = True
        return wrapper

    def _patch():
        for target in _targets:
            if target in _done:
                continue
            module, _, path = target.partition(":")
            if module not in sys.modules:
                continue
            owner = sys.modules[module]
            *outer, attr = path.split(".")
            for part in outer:
                owner = getattr(owner, part)
            fn = getattr(owner, attr, None)
            if fn is None or getattr(fn, "__bench_wrapped__", False):
                continue
            setattr(owner, attr, _timed(module.rsplit(".", 1)[-1] + "." + path, fn))
            _done.add(target)

    _orig = script_runner.ScriptRunner._run_script
    _profile_to = os.environ.get("HUB_EXPLORER_BENCH_PROFILE")
    if _profile_to:
        import atexit, cProfile, signal
        _profile = cProfile.Profile()
        _profiled = [0]
        atexit.register(lambda: _profile.dump_stats(_profile_to))
        _previous = signal.getsignal(signal.SIGTERM)

        def _on_term(signum, frame):
            _profile.dump_stats(_profile_to)
            if callable(_previous):
                _previous(signum, frame)
            else:
                raise SystemExit(0)

        signal.signal(signal.SIGTERM, _on_term)

    def _run_script(self, rerun_data):
        _patch()
        _local.sections = {}
        t0, c0, w0 = time.perf_counter(), time.thread_time(), time.time()
        try:
            if _profile_to and not rerun_data.fragment_id_queue:
                return _profile.runcall(_orig, self, rerun_data)
            return _orig(self, rerun_data)
        finally:
            sections, _local.sections = _local.sections, None
            if _profile_to and not rerun_data.fragment_id_queue:
                _profiled[0] += 1
                if _profiled[0] % 10 == 0:  # Streamlit's own SIGTERM handler may come first
                    threading.Thread(target=_profile.dump_stats, args=(_profile_to,), daemon=True).start()
            _log.write(json.dumps({"t": w0, "ms": round((time.perf_counter() - t0) * 1000, 2),
                                   "cpu_ms": round((time.thread_time() - c0) * 1000, 2),
                                   "fragment": bool(rerun_data.fragment_id_queue),
                                   "page": rerun_data.page_name or rerun_data.page_script_hash or "",
                                   "sections": {k: round(v, 2) for k, v in sections.items()}}) + "\\n")

    script_runner.ScriptRunner._run_script = _run_script
'''

#: Installed before any page script: timestamps (performance.now) of every websocket message in and out.
WS_LOG_JS = """(() => {
  const log = window.__bench = {sent: [], recv: []};
  const Native = window.WebSocket;
  class Logged extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => log.recv.push([performance.now(),
                                                             e.data.byteLength ?? e.data.size ?? e.data.length]));
    }
    send(data) { log.sent.push([performance.now(), data.byteLength ?? data.length]); return super.send(data); }
  }
  window.WebSocket = Logged;
  // the results grid is a canvas: what it draws, and when (only while a search is timed)
  const fillText = CanvasRenderingContext2D.prototype.fillText;
  window.__draws = null;
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    if (window.__draws !== null) window.__draws.push([performance.now(), String(text)]);
    return fillText.call(this, text, ...rest);
  };
})();"""

#: Armed before Enter: the Enter key's time, when the caption names the search, and what the grid's canvas draws.
ARM_JS = """([q, captionTid, before]) => {
  const m = window.__m = {enter: null, caption: null, twin: null};
  window.__draws = [];
  const captioned = () => [...document.querySelectorAll(captionTid)]
      .some(e => e.textContent.includes(`'${q}'`) && e.textContent.includes('showing'));
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter' && m.enter === null) m.enter = e.timeStamp; },
                            {capture: true, once: true});
  const cell = () => { const c = document.querySelector('[data-testid="stDataFrame"] [data-testid="glide-cell-1-0"]');
                       return c ? c.textContent : null; };
  const obs = new MutationObserver(() => {
    if (m.enter === null) return;
    if (m.caption === null && captioned()) m.caption = performance.now();
    if (m.twin === null && cell() !== before) m.twin = performance.now();
    if (m.caption !== null && m.twin !== null) obs.disconnect();
  });
  obs.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""

#: After the run: the first time the canvas drew the new first row's id (read from the grid's accessible twin,
#: which glide-data-grid updates about 200 ms after the canvas), and the last time any canvas drew text (the
#: charts are canvases too).
DRAWN_JS = """(before) => {
  const c = document.querySelector('[data-testid="stDataFrame"] [data-testid="glide-cell-1-0"]');
  const url = c ? c.textContent : null;
  const id = url ? url.replace(/^https?:\\/\\/[^/]+\\/(?:datasets\\/|spaces\\/)?/, '') : null;
  const draws = (window.__draws || []).filter(([t]) => t >= window.__m.enter);
  // a long id is drawn cut, ending in an ellipsis
  const same = (text) => text === id || text === url || (text.length >= 12 && (id || '').startsWith(text.replace(/…$/, '')));
  const hit = draws.find(([t, text]) => same(text));
  window.__draws = null;
  return {url, id, drawn: hit ? hit[0] : null, lastDraw: draws.length ? draws[draws.length - 1][0] : null};
}"""

CELL_JS = """() => { const c = document.querySelector('[data-testid="stDataFrame"] [data-testid="glide-cell-1-0"]');
                     return c ? c.textContent : null; }"""

FLOOR_APP = '''
"""The floor: a text box, a caption and a 25-row table like the results'; nothing else."""
import sys
import numpy as np
import pandas as pd
import streamlit as st

sys.path.insert(0, {root!r})
from lib.catalog import Catalog
from lib.query import SearchQuery

@st.cache_resource
def catalog():
    return Catalog.open({home!r})

q = st.text_input("Search", key="q")
result = catalog().search(SearchQuery(kind="models", text=q, sort="downloads", limit=25))
st.caption(f"{{result.total:,}} models matching '{{q}}', by downloads · showing 1–{{len(result.items)}}")
frame = pd.DataFrame({{"url": [f"http://hub/{{r.id}}" for r in result.items],
                      "task": [r.pipeline_tag for r in result.items],
                      "downloads": [r.downloads for r in result.items],
                      "likes": [r.likes for r in result.items]}})
st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row", key="table")
'''


# --- the catalog and the servers ---------------------------------------------------------------------------------
def build_catalog(choice: str, folder: Path) -> tuple[Path, str]:
    """A catalog home to serve, and the words that say what it holds."""
    from lib.catalog import Catalog

    if choice not in ("snapshot", "fixtures"):
        home = Path(choice)
        if not Catalog.open(home).exists:
            raise SystemExit(f"no catalog at {home}")
        stats = Catalog.open(home).stats().kinds
        return home, "catalog at " + str(home) + ": " + ", ".join(f"{s.count:,} {k}" for k, s in stats.items())
    home = folder / "catalog-home"
    cat = Catalog.open(home)
    if choice == "snapshot":
        models, datasets = SNAPSHOT / "models-2024-07-11.jsonl.gz", SNAPSHOT / "datasets-2024-07-09.jsonl.gz"
        if not (models.exists() and datasets.exists()):
            raise SystemExit(f"the real Hub snapshot is not at {SNAPSHOT}: use --catalog fixtures")
        t0 = time.perf_counter()
        for dump, kind in ((models, "models"), (datasets, "datasets")):  # in a child: its memory goes with it
            subprocess.run([sys.executable, "-m", "lib.catalog", "--home", str(home), "--quiet", "load", str(dump),
                            "--kind", kind], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        cat = Catalog.open(home)
        cat.load([FIXTURES / "spaces.json"], kind="spaces")
        print(f"catalog of the real snapshot built in {time.perf_counter() - t0:.1f} s", flush=True)
        return home, "the real July-2024 snapshot (760,000 models, 175,000 datasets) + the fixtures' Spaces"
    for kind in ("models", "datasets", "spaces"):
        cat.load([FIXTURES / f"{kind}.json"], kind=kind)
    return home, "the fake Hub's fixtures"


def export_revision(ref: str, folder: Path) -> Path:
    """The project at git revision `ref`, exported (not checked out) into `folder`."""
    target = folder / f"rev-{ref.replace('/', '_')}"
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


@dataclass
class Server:
    """One `streamlit run` of an app folder (against the fake Hub), its script runs logged to `runs`."""

    label: str
    url: str
    runs: Path
    floor: bool = False

    def runs_between(self, start: float, end: float) -> list[dict[str, Any]]:
        out = []
        for line in self.runs.read_text().splitlines():
            if line.strip():
                run = json.loads(line)
                if start <= run["t"] <= end:
                    out.append(run)
        return out


@contextlib.contextmanager
def serve(label: str, app_root: Path, folder: Path, env: dict[str, str], hub_url: str,
          script: str = "streamlit_app.py", profile: Path | None = None) -> Iterator[Server]:  # fmt: skip
    """`streamlit run` from `app_root` with the tests' settings (tests/browser.py) and the run timer."""
    from tests.browser import _stop, _wait_http, free_port

    port = free_port()
    slug = "".join(c if c.isalnum() else "-" for c in label)
    site = folder / f"site-{slug}"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    runs = folder / f"runs-{slug}-{port}.jsonl"
    runs.write_text("")
    full = {**os.environ, "PYTHONUNBUFFERED": "1", **env, "HF_ENDPOINT": hub_url,
            "HUB_EXPLORER_VIEWER_ENDPOINT": f"{hub_url}/viewer",
            "PYTHONPATH": os.pathsep.join([str(site), str(app_root)]),
            "HUB_EXPLORER_BENCH_RUNS": str(runs), "HUB_EXPLORER_BENCH_SECTIONS": ",".join(SECTIONS)}  # fmt: skip
    if profile is not None:
        full["HUB_EXPLORER_BENCH_PROFILE"] = str(profile)
    log = (folder / f"server-{slug}-{port}.log").open("w")
    app = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=app_root, env=full, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_http(f"http://127.0.0.1:{port}/_stcore/health", 60, app)
        yield Server(label, f"http://127.0.0.1:{port}", runs, floor=script != "streamlit_app.py")
    finally:
        _stop(app)
        log.close()


@contextlib.contextmanager
def fake_hub(folder: Path) -> Iterator[str]:
    from tests.browser import _stop, _wait_http, free_port

    port = free_port()
    hub = subprocess.Popen([sys.executable, "-m", "tests.fakehub", "--port", str(port)], cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/models?limit=1", 30, hub)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(hub)


# --- one person searching ----------------------------------------------------------------------------------------
@dataclass
class Search:
    """One search: in-page times from the Enter key (ms), and the server's runs it caused."""

    query: str
    table_ms: float  # the caption names the search and the grid's canvas drew the new first row
    settled_ms: float  # the last message of the run arrived and the last canvas (grid, charts) drew
    twin_ms: float  # the grid's accessible DOM twin shows the new first row (what a DOM-reading test waits for)
    polled_ms: float  # the same seen from Playwright: press("Enter") until its wait for caption and twin returned
    sent_ms: float | None
    first_ms: float | None
    last_ms: float | None
    messages: int
    kb: float
    runs: list[dict[str, Any]] = field(default_factory=list)


class Person:
    """One Chromium page on one server's Models page (or the floor's page)."""

    def __init__(self, browser, server: Server, source: str, *, charts_open: bool) -> None:
        self.server, self.source = server, source
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.context.add_init_script(WS_LOG_JS)
        self.page = self.context.new_page()
        self.charts_open = charts_open and not server.floor
        self.searches: list[Search] = []

    def open(self) -> None:
        page = self.page
        path = "" if self.server.floor else f"/models?source={self.source}"
        page.goto(f"{self.server.url}{path}", timeout=TIMEOUT_MS)
        if not self.server.floor:  # the first visit reruns through the router
            page.get_by_test_id("stSidebarNav").wait_for(timeout=TIMEOUT_MS)
        page.get_by_test_id("stDataFrame").first.wait_for(timeout=TIMEOUT_MS)
        self._quiet()
        if self.charts_open:
            panel = page.get_by_test_id("stExpander").filter(has_text="Charts")
            panel.get_by_text("Charts", exact=True).first.click()
            panel.get_by_test_id("stVegaLiteChart").nth(2).wait_for(timeout=TIMEOUT_MS)
            self._quiet()

    def _quiet(self) -> None:
        self.page.wait_for_function(
            """(quiet) => !document.querySelector('[data-testid="stStatusWidget"]')
                 && (window.__bench.recv.length === 0
                     || performance.now() - window.__bench.recv[window.__bench.recv.length - 1][0] > quiet)""",
            arg=QUIET_MS, timeout=TIMEOUT_MS, polling=50,
        )

    def search(self, q: str) -> Search:
        page = self.page
        box = page.get_by_role("textbox", name="Search")
        box.fill(q)
        before = page.evaluate(CELL_JS)
        page.evaluate(ARM_JS, [q, '[data-testid="stCaptionContainer"]', before])
        started, t0 = time.time(), time.perf_counter()
        box.press("Enter")
        page.wait_for_function("() => window.__m.caption !== null && window.__m.twin !== null",
                               timeout=TIMEOUT_MS, polling="raf")  # fmt: skip
        polled = (time.perf_counter() - t0) * 1000
        self._quiet()
        drawn = page.evaluate(DRAWN_JS, before)
        m = page.evaluate("() => ({enter: __m.enter, caption: __m.caption, twin: __m.twin})")
        log = page.evaluate("() => window.__bench")
        ended = time.time()
        enter = m["enter"]
        if drawn["drawn"] is None:
            raise RuntimeError(f"the grid never drew {drawn['id']!r} after searching {q!r}")
        sent = [t for t, _ in log["sent"] if t >= enter]
        first_sent = sent[0] if sent else None
        after = [(t, n) for t, n in log["recv"] if t >= (first_sent or enter)]
        table = max(m["caption"], drawn["drawn"])
        result = Search(
            query=q, table_ms=table - enter,
            settled_ms=max(table, drawn["lastDraw"] or table, after[-1][0] if after else table) - enter,
            twin_ms=m["twin"] - enter, polled_ms=polled, sent_ms=(first_sent - enter) if first_sent else None,
            first_ms=(after[0][0] - enter) if after else None, last_ms=(after[-1][0] - enter) if after else None,
            messages=len(after), kb=sum(n or 0 for _, n in after) / 1024,
            runs=[r for r in self.server.runs_between(started - 0.05, ended) if not r["fragment"]],
        )  # fmt: skip
        self.searches.append(result)
        return result

    def close(self) -> None:
        self.context.close()


def measure(browser, servers: list[Server], source: str, *, charts_open: bool, runs: int,
            warmup: int) -> dict[str, list[Search]]:  # fmt: skip
    """Each server's person searches in turn (same query, one after the other, who goes first alternating), after
    `warmup` passes over the queries."""
    people = [Person(browser, s, source, charts_open=charts_open) for s in servers]
    try:
        for person in people:
            person.open()
        for i in range(warmup * len(QUERIES)):
            for person in people:
                person.search(QUERIES[i % len(QUERIES)])
        for person in people:
            person.searches.clear()
        for i in range(runs):
            for person in people[:: 1 if i % 2 == 0 else -1]:
                person.search(QUERIES[i % len(QUERIES)])
        return {p.server.label: list(p.searches) for p in people}
    finally:
        for person in people:
            person.close()


# --- Insights, cold ----------------------------------------------------------------------------------------------
FIRST_CHART_JS = """(n) => { const drawn = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(e => { const m = e.querySelector('canvas, svg.marks'); if (!m) return false;
                   const b = m.getBoundingClientRect(); return b.width > 50 && b.height > 50; });
  return drawn.length >= n; }"""


FLOOR_CHART_APP = '''
"""The cold floor: a Streamlit page that draws one small Vega-Lite chart, and imports nothing else."""
import streamlit as st

st.title("Floor")
st.vega_lite_chart({"values": [{"x": "a", "y": 3}, {"x": "b", "y": 5}]},
                   {"mark": "bar", "encoding": {"x": {"field": "x", "type": "nominal"},
                                                "y": {"field": "y", "type": "quantitative"}}, "height": 200},
                   width="stretch")
'''


def insights_cold(browser, server: Server, *, from_models: bool, path: str = "/insights") -> dict[str, float]:
    """Seconds until the Insights page's first chart, and the first tab's charts, are drawn, on a server that has
    served nothing yet: opened as the first page of a new browser (its JavaScript loaded too), or, with
    `from_models`, from the sidebar's navigation once the Models page is shown (the app already loaded in the
    browser, the server's Insights caches still empty)."""
    context = browser.new_context(viewport={"width": 1400, "height": 3600})
    page = context.new_page()
    try:
        if from_models:
            page.goto(f"{server.url}/models?source=catalog", timeout=TIMEOUT_MS)
            page.get_by_test_id("stDataFrame").first.wait_for(timeout=TIMEOUT_MS)
            page.get_by_test_id("stSidebarNav").get_by_text("Insights", exact=True).wait_for(timeout=TIMEOUT_MS)
            page.wait_for_function(IDLE_JS, timeout=TIMEOUT_MS)
            page.wait_for_timeout(1000)
            t0 = time.perf_counter()
            page.get_by_test_id("stSidebarNav").get_by_text("Insights", exact=True).click()
        else:
            t0 = time.perf_counter()
            page.goto(f"{server.url}{path}", timeout=TIMEOUT_MS)
        wall = time.time() - (time.perf_counter() - t0)
        page.wait_for_function(FIRST_CHART_JS, arg=1, timeout=TIMEOUT_MS * 3, polling=20)
        first = time.perf_counter() - t0
        charts = 1 if server.floor else 7
        page.wait_for_function(FIRST_CHART_JS, arg=charts, timeout=TIMEOUT_MS * 3, polling=20)
        tab = time.perf_counter() - t0
        runs = [r for r in server.runs_between(wall - 0.05, time.time()) if not r["fragment"]]
        return {"first_chart_s": round(first, 2), "first_tab_s": round(tab, 2),
                "server_s": round(sum(r["ms"] for r in runs) / 1000, 2)}  # fmt: skip
    finally:
        context.close()


IDLE_JS = """() => !document.querySelector('[data-testid="stStatusWidget"]')"""


# --- reporting ---------------------------------------------------------------------------------------------------
def summary(searches: list[Search]) -> dict[str, Any]:
    def stat(values: list[float]) -> dict[str, float]:
        return {"p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1)}

    page_runs = [len(s.runs) for s in searches]
    sections: dict[str, list[float]] = {}
    for s in searches:
        totals: dict[str, float] = {}
        for r in s.runs:
            for name, ms in r["sections"].items():
                totals[name] = totals.get(name, 0.0) + ms
        for name, ms in totals.items():
            sections.setdefault(name, []).append(ms)
    return {
        "n": len(searches),
        "table_ms": stat([s.table_ms for s in searches]),
        "settled_ms": stat([s.settled_ms for s in searches]),
        "twin_ms": stat([s.twin_ms for s in searches]),
        "polled_ms": stat([s.polled_ms for s in searches]),
        "sent_ms": stat([s.sent_ms for s in searches if s.sent_ms is not None]),
        "first_msg_ms": stat([s.first_ms for s in searches if s.first_ms is not None]),
        "last_msg_ms": stat([s.last_ms for s in searches if s.last_ms is not None]),
        "messages": statistics.median([s.messages for s in searches]) if searches else 0,
        "kb": round(statistics.median([s.kb for s in searches]), 1) if searches else 0,
        "runs_per_search": statistics.median(page_runs) if page_runs else 0,
        "max_runs_per_search": max(page_runs) if page_runs else 0,
        "server_ms": stat([sum(r["ms"] for r in s.runs) for s in searches]),
        "server_cpu_ms": stat([sum(r["cpu_ms"] for r in s.runs) for s in searches]),
        "sections_p50_ms": {k: round(percentile(v, 50), 1) for k, v in
                            sorted(sections.items(), key=lambda kv: -percentile(kv[1], 50))},
    }  # fmt: skip


def report(title: str, results: dict[str, dict[str, Any]]) -> None:
    print(f"\n== {title} ==")
    print(f"{'app':<14} {'n':>3} {'table p50':>9} {'p95':>5} {'settled':>7} {'p95':>5} {'twin':>5} {'pw':>5} │ {'sent':>4} "
          f"{'1st':>4} {'last':>4} {'msgs':>4} {'KB':>5} │ {'runs':>4} {'server':>6} {'cpu':>4}")  # fmt: skip
    for label, s in results.items():
        print(f"{label:<14} {s['n']:>3} {s['table_ms']['p50']:>9.0f} {s['table_ms']['p95']:>5.0f} "
              f"{s['settled_ms']['p50']:>7.0f} {s['settled_ms']['p95']:>5.0f} {s['twin_ms']['p50']:>5.0f} {s['polled_ms']['p50']:>5.0f} │ "
              f"{s['sent_ms']['p50']:>4.0f} {s['first_msg_ms']['p50']:>4.0f} {s['last_msg_ms']['p50']:>4.0f} "
              f"{s['messages']:>4.0f} {s['kb']:>5.1f} │ {s['runs_per_search']:>4.0f} {s['server_ms']['p50']:>6.0f} "
              f"{s['server_cpu_ms']['p50']:>4.0f}")  # fmt: skip
    for label, s in results.items():
        if s["sections_p50_ms"]:
            parts = ", ".join(f"{k} {v:.0f}" for k, v in list(s["sections_p50_ms"].items())[:16])
            print(textwrap.fill(f"{label}, server sections p50 ms: {parts}", 118, subsequent_indent="    "))
        if s["max_runs_per_search"] > 1:
            print(f"{label}: up to {s['max_runs_per_search']} page runs for one search")


LEGEND = """All in ms from the Enter key, p50 over the timed searches unless said. table = the caption names the search
and the grid's canvas drew its new first row (what a person sees); settled = the run's last message arrived and every
canvas (grid, charts) finished drawing; twin = the grid's accessible DOM twin changed (glide-data-grid updates it
about 200 ms after the canvas: what a test reading cells waits for); pw = that as Playwright sees it (press("Enter")
until its wait returns). sent / 1st / last = the rerun request left, the first and the last message of the answer
arrived; msgs, KB = the answer's websocket messages. runs = page script runs per search; server / cpu = their wall
and CPU time in the server."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", default="snapshot" if SNAPSHOT.exists() else "fixtures",
                        help="snapshot, fixtures, or a folder holding a loaded catalog")
    parser.add_argument("--source", choices=("catalog", "hub", "both"), default="both")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=1, help="passes over the queries before timing")
    parser.add_argument("--baseline", default=None, help="a git revision measured beside this working tree")
    parser.add_argument("--charts", choices=("closed", "open", "both"), default="both")
    parser.add_argument("--skip-insights", action="store_true")
    parser.add_argument("--skip-search", action="store_true", help="only the Insights page")
    parser.add_argument("--insights-runs", type=int, default=3, help="fresh servers per Insights measure")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--profile", type=Path, default=None,
                        help="cProfile this tree's server (page runs) into this folder, one file per scenario")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, runs, the catalog)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    try:
        return _run(args, folder)
    finally:
        if args.keep:
            print(f"kept {folder} (servers' logs and runs, the catalog)")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _run(args: argparse.Namespace, folder: Path) -> int:
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    home, what = build_catalog(args.catalog, folder)
    apps = {"this tree": ROOT}
    if args.baseline:
        apps[f"base {args.baseline}"[:14]] = export_revision(args.baseline, folder)
    floor_py = folder / "floor_app.py"
    floor_py.write_text(FLOOR_APP.format(root=str(ROOT), home=str(home)))
    print(f"catalog: {what}; load average {os.getloadavg()[0]:.1f}; {args.runs} timed searches each after "
          f"{args.warmup} warm-up pass(es) over {len(QUERIES)} queries, the apps taking turns", flush=True)  # fmt: skip
    print(LEGEND)
    figures: dict[str, Any] = {"catalog": what, "runs": args.runs, "load_average_start": os.getloadavg()}
    sources = () if args.skip_search else ("catalog", "hub") if args.source == "both" else (args.source,)
    states = {"closed": (False,), "open": (True,), "both": (False, True)}[args.charts]
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    with fake_hub(folder) as hub_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for source in sources:
            for charts_open in states:
                title = f"{source}, charts panel {'open' if charts_open else 'closed'}"
                with contextlib.ExitStack() as stack:
                    servers = []
                    for label, app_root in apps.items():
                        env = {"HUB_EXPLORER_HOME": str(home), "HF_HOME": str(folder / f"hf-{label[:4]}")}
                        prof = (args.profile / f"{source}-{'open' if charts_open else 'closed'}.pstats"
                                if args.profile and app_root == ROOT else None)  # fmt: skip
                        servers.append(stack.enter_context(serve(label, app_root, folder, env, hub_url,
                                                                 profile=prof)))  # fmt: skip
                    if source == "catalog" and not charts_open and not args.skip_floor:
                        servers.append(stack.enter_context(serve("floor", folder, folder, {}, hub_url,
                                                                 script=floor_py.name)))  # fmt: skip
                    found = measure(browser, servers, source, charts_open=charts_open, runs=args.runs,
                                    warmup=args.warmup)  # fmt: skip
                results = {label: summary(s) for label, s in found.items()}
                report(title + (" (floor: a bare Streamlit page with a text box, a caption and a 25-row table "
                                "over the same catalog)" if "floor" in results else ""), results)  # fmt: skip
                figures[title] = results
        if not args.skip_insights:
            print("\n== Insights, cold (a fresh server each time) ==")
            cold: dict[str, Any] = {}
            for round_ in range(args.insights_runs):
                for label, app_root in apps.items():
                    for from_models in (True, False):
                        env = {"HUB_EXPLORER_HOME": str(home), "HF_HOME": str(folder / f"hf-{label[:4]}")}
                        with serve(f"insights-{label}", app_root, folder, env, hub_url) as server:
                            got = insights_cold(browser, server, from_models=from_models)
                        name = f"{label}, {'from the Models page' if from_models else 'as the first page'}"
                        cold.setdefault(name, []).append(got)
                        print(f"{name:<40} first chart {got['first_chart_s']:.2f} s, the first tab's 7 charts "
                              f"{got['first_tab_s']:.2f} s (server runs {got['server_s']:.2f} s)", flush=True)  # fmt: skip
                if not args.skip_floor:
                    floor_chart = folder / "floor_chart_app.py"
                    floor_chart.write_text(FLOOR_CHART_APP)
                    with serve("floor-chart", folder, folder, {}, hub_url, script=floor_chart.name) as server:
                        got = insights_cold(browser, server, from_models=False, path="/")
                    name = "floor: one chart, as the first page"
                    cold.setdefault(name, []).append(got)
                    print(f"{name:<40} first chart {got['first_chart_s']:.2f} s", flush=True)
            if args.insights_runs > 1:
                for name, runs in cold.items():
                    print(f"{name:<40} median: first chart {statistics.median(r['first_chart_s'] for r in runs):.2f} s,"
                          f" the first tab {statistics.median(r['first_tab_s'] for r in runs):.2f} s, server runs "
                          f"{statistics.median(r['server_s'] for r in runs):.2f} s")  # fmt: skip
            figures["insights_cold"] = cold
        browser.close()
    figures["load_average_end"] = os.getloadavg()
    print(f"\nload average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
