"""Load: N browser sessions at once (Playwright contexts in one Chromium) search, open details and charts.

    .venv/bin/python bench/bench_load.py [--contexts 20] [--duration 120] [--source hub|catalog|both]
                                         [--profile DIR] [--json OUT.json]

Each session opens the Models page, then loops until `--duration` seconds are over (every action is bounded by a
timeout): types a search and presses Enter (timed until the results for that text are shown and the app is idle),
ticks the first row (until its details are shown), opens the Charts panel (until its charts are drawn) and closes
it. It prints p50/p95 per action, the actions done, every error seen on a page (an exception or an error message:
there should be none), and the server's memory (RSS of the `streamlit run` process, sampled every second).

`--source hub` runs against the live fake Hub (`tests/fakehub`, as the tests start it), `catalog` against a local
catalog of the same fixtures (`?source=catalog`), `both` does one run of each. The app runs as `streamlit run`
with the settings the tests use (`tests/browser.py`).

`--post-script-gc` runs the server with Streamlit's default full garbage collection after every script run, which
`.streamlit/config.toml` turns off (`runner.postScriptGC = false`), to compare.

`--profile DIR` also profiles the server: every script run (page reruns and fragment reruns) runs under cProfile,
its wall time is logged with the page it ran, and DIR gets `runs.jsonl` and `profile.pstats` (read it with
`python -m pstats`), plus a summary of where the time went, printed at the end. The profiling is done from outside
the app (a `sitecustomize` on PYTHONPATH wraps Streamlit's ScriptRunner._run_script), so the app is the same.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.catalog.cli import percentile

QUERIES = ["bert", "llama", "qwen", "instruct", "7b", "base", "large", "mistral", "roberta", "gpt", "stable", "t5",
           "small", "distil", "phi", "sentence"]  # every one matches fixture models  # fmt: skip
ACTION_TIMEOUT_MS = 60_000

SITECUSTOMIZE = '''
"""bench/bench_load.py --profile: every Streamlit script run under cProfile, its wall time logged (server side)."""
import os, sys
if os.environ.get("HUB_EXPLORER_BENCH_PROFILE") and "streamlit" in " ".join(sys.argv):
    import atexit, cProfile, json, pstats, threading, time
    from streamlit.runtime.scriptrunner import script_runner

    _out = os.environ["HUB_EXPLORER_BENCH_PROFILE"]
    _lock = threading.Lock()
    _stats = []
    _log = open(os.path.join(_out, "runs.jsonl"), "a", buffering=1)
    _orig = script_runner.ScriptRunner._run_script

    def _run_script(self, rerun_data):
        prof = cProfile.Profile()
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return prof.runcall(_orig, self, rerun_data)
        finally:
            ms = (time.perf_counter() - t0) * 1000
            cpu = (time.thread_time() - c0) * 1000
            prof.create_stats()
            with _lock:
                _stats.append(prof)
                _log.write(json.dumps({"ms": round(ms, 1), "cpu_ms": round(cpu, 1), "fragment": bool(rerun_data.fragment_id_queue),
                                       "page": rerun_data.page_name or rerun_data.page_script_hash}) + "\\n")
                if len(_stats) % 200 == 0:
                    _dump()

    def _dump():
        if _stats:
            total = pstats.Stats(_stats[0])
            for p in _stats[1:]:
                total.add(p)
            total.dump_stats(os.path.join(_out, "profile.pstats"))

    def _final():
        with _lock:
            _dump()

    script_runner.ScriptRunner._run_script = _run_script
    atexit.register(_final)
    import signal
    _prev = signal.getsignal(signal.SIGTERM)

    def _on_term(signum, frame):
        _final()
        if callable(_prev):
            _prev(signum, frame)
        else:
            raise SystemExit(0)

    signal.signal(signal.SIGTERM, _on_term)
'''


IDLE_JS = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSkeleton"]')"""
ERRORS_JS = """() => [...document.querySelectorAll('[data-testid="stException"], [data-testid="stAlertContentError"]')]
    .map(e => e.innerText.slice(0, 200))"""
#: Messages that are refusals by design, not failures: Try it's verdict on a gated model without a token (its tab is
#: drawn, hidden, in every model view), and the like.
REFUSALS = ("Gated repository", "Needs remote code", "Too big for this machine")


async def _errors(page, action: str) -> list[str]:
    found = await page.evaluate(ERRORS_JS)
    return [f"{action}: {text}" for text in found if not any(r in text[:40] for r in REFUSALS)]


async def _idle(page) -> None:
    await page.wait_for_function(IDLE_JS, timeout=ACTION_TIMEOUT_MS)


async def session(browser, url: str, source: str, n: int, stop_at: float, times: dict[str, list[float]],
                  errors: list[str], done: dict[str, int]) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    suffix = "?source=catalog" if source == "catalog" else ""
    action = "first load"
    try:
        await page.goto(f"{url}/models{suffix}", timeout=ACTION_TIMEOUT_MS)
        await page.get_by_test_id("stDataFrame").first.wait_for(timeout=ACTION_TIMEOUT_MS)
        await _idle(page)
        i = n
        while time.monotonic() < stop_at:
            q = QUERIES[i % len(QUERIES)]
            i += 1
            action = f"search {q!r}"
            box = page.get_by_role("textbox", name="Search")
            await box.fill(q)
            t0 = time.perf_counter()
            await box.press("Enter")
            await page.get_by_text(f"matching '{q}'").first.wait_for(timeout=ACTION_TIMEOUT_MS)
            await _idle(page)
            times["search"].append(time.perf_counter() - t0)
            done["search"] += 1
            errors += await _errors(page, f"search {q!r}")
            action = "detail"

            grid = page.get_by_test_id("stDataFrame").first
            await grid.scroll_into_view_if_needed()
            await grid.hover()
            box_ = await grid.bounding_box()
            t0 = time.perf_counter()
            await page.mouse.click(box_["x"] + 16, box_["y"] + 35 + 17)  # the first row's check box
            await page.get_by_text("Open on the Hub").first.wait_for(timeout=ACTION_TIMEOUT_MS)
            await _idle(page)
            times["detail"].append(time.perf_counter() - t0)
            done["detail"] += 1
            errors += await _errors(page, "detail")
            action = "charts"

            panel = page.get_by_test_id("stExpander").filter(has_text="Charts")
            t0 = time.perf_counter()
            await panel.get_by_text("Charts", exact=True).first.click()
            await panel.locator("svg.marks").nth(2).wait_for(timeout=ACTION_TIMEOUT_MS)
            await _idle(page)
            times["charts"].append(time.perf_counter() - t0)
            done["charts"] += 1
            errors += await _errors(page, "charts")
            await panel.get_by_text("Charts", exact=True).first.click()  # closed again: the next search is a search
            await _idle(page)
            action = "close the details"
            await grid.scroll_into_view_if_needed()
            await grid.hover()
            box_ = await grid.bounding_box()
            await page.mouse.click(box_["x"] + 16, box_["y"] + 35 + 17)  # untick the row: no selection carried over
            await page.get_by_text("Open on the Hub").first.wait_for(state="detached", timeout=ACTION_TIMEOUT_MS)
            await _idle(page)
    except Exception as exc:  # noqa: BLE001 - a session that fails is counted, the run goes on
        errors.append(f"session {n}, {action}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        with contextlib.suppress(Exception):
            await page.screenshot(path=str(Path(tempfile.gettempdir()) / f"bench-load-failed-{source}-{n}.png"))
    finally:
        await context.close()


def _server_pid(port: int) -> int | None:
    import psutil

    for conn in psutil.net_connections(kind="tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
            return conn.pid
    return None


class Sampler(threading.Thread):
    """Every second: the server's RSS, and the CPU seconds used so far by the server, the fake Hub, Chromium's
    processes (the browser and its renderers, children of this process) and the whole machine (others included)."""

    def __init__(self, server: int | None, hub: int | None) -> None:
        super().__init__(daemon=True)
        self.server, self.hub = server, hub
        self.rss: list[int] = []
        self.cpu: dict[int, float] = {}  # pid -> CPU seconds, the largest seen (a process may end before us)
        self.names: dict[int, str] = {}
        self.stop = threading.Event()
        self.base: dict[int, float] = {}
        self.machine_start: float | None = None
        self.machine_end: float | None = None
        self.started = self.ended = 0.0

    @staticmethod
    def _busy() -> float:
        import psutil

        t = psutil.cpu_times()
        return t.user + t.system + getattr(t, "nice", 0.0) + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)

    def _sample(self) -> None:
        import psutil

        procs = []
        for proc in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):  # a renderer may end between the listing and the read
                if "chrom" in proc.name().lower():
                    procs.append(proc)
        for pid in (self.server, self.hub):
            if pid is not None:
                with contextlib.suppress(psutil.Error):
                    procs.append(psutil.Process(pid))
        for proc in procs:
            try:
                t = proc.cpu_times()
                self.cpu[proc.pid] = max(self.cpu.get(proc.pid, 0.0), t.user + t.system)
                self.names[proc.pid] = ("server" if proc.pid == self.server else "fake Hub" if proc.pid == self.hub
                                        else "Chromium")  # fmt: skip
                if proc.pid == self.server:
                    self.rss.append(proc.memory_info().rss)
            except psutil.Error:
                continue

    def run(self) -> None:
        self.machine_start, self.started = self._busy(), time.monotonic()
        self._sample()
        self.base = dict(self.cpu)  # what each process had used before the load began
        while not self.stop.wait(1.0):
            self._sample()
        self._sample()
        self.machine_end, self.ended = self._busy(), time.monotonic()

    def cpu_seconds(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for pid, used in self.cpu.items():
            out[self.names[pid]] += used - self.base.get(pid, 0.0)
        if self.machine_end is not None:
            out["whole machine"] = self.machine_end - self.machine_start
            out["wall"] = self.ended - self.started
        return {k: round(v, 1) for k, v in out.items()}


async def drive(url: str, source: str, contexts: int, duration: float, sampler: Sampler) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    times: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    done: dict[str, int] = defaultdict(int)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stop_at = time.monotonic() + duration
        started = time.monotonic()
        await asyncio.gather(*(session(browser, url, source, n, stop_at, times, errors, done)
                               for n in range(contexts)))
        wall = time.monotonic() - started
        sampler.stop.set()  # before the browser goes: its processes' CPU is read while they live
        await asyncio.sleep(1.5)
        await browser.close()
    return {"times": times, "errors": errors, "done": dict(done), "wall_s": wall}


def run_one(source: str, contexts: int, duration: float, profile: Path | None,
            post_script_gc: bool = False) -> dict[str, Any]:
    from lib.catalog import Catalog
    from tests.browser import serve_app_and_hub

    env: dict[str, str] = {}
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-load-{source}-"))
    home = tmp / "home"
    if source == "catalog":
        cat = Catalog.open(home)
        for kind in ("models", "datasets", "spaces"):
            cat.load([ROOT / "tests" / "fixtures" / "hub" / f"{kind}.json"], kind=kind)
    env["HUB_EXPLORER_HOME"] = str(home)
    if post_script_gc:  # Streamlit's default, which .streamlit/config.toml turns off: to compare
        env["STREAMLIT_RUNNER_POST_SCRIPT_GC"] = "true"
    env["HF_HOME"] = str(tmp / "hf")
    if profile is not None:
        out = profile / source
        out.mkdir(parents=True, exist_ok=True)
        (out / "runs.jsonl").write_text("")
        site = tmp / "site"
        site.mkdir()
        (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
        env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")])
        env["HUB_EXPLORER_BENCH_PROFILE"] = str(out)
    with serve_app_and_hub((), env) as (url, hub):
        sampler = Sampler(_server_pid(int(url.rsplit(":", 1)[1])), _server_pid(int(hub.rsplit(":", 1)[1])))
        sampler.start()
        result = asyncio.run(drive(url, source, contexts, duration, sampler))
        sampler.join()
    time.sleep(1.0)  # the server's atexit dump
    samples = sampler.rss
    result["rss_mb"] = {"start": samples[0] / 1e6 if samples else None,
                        "max": max(samples) / 1e6 if samples else None,
                        "end": samples[-1] / 1e6 if samples else None}
    result["cpu_s"] = sampler.cpu_seconds()
    result["load_average"] = [round(x, 1) for x in os.getloadavg()]
    if profile is not None:
        result["profile"] = summarize(profile / source)
    return result


def summarize(folder: Path, top: int = 25) -> dict[str, Any]:
    """Server-side: script runs (page and fragment) p50/p95/total, and the functions with the most cumulative
    time under them (our code and the libraries)."""
    import pstats

    runs = [json.loads(line) for line in (folder / "runs.jsonl").read_text().splitlines() if line.strip()]
    out: dict[str, Any] = {}
    for kind, chosen in (("page runs", [r for r in runs if not r["fragment"]]),
                         ("fragment runs", [r for r in runs if r["fragment"]])):
        ms = [r["ms"] for r in chosen]
        cpu = [r.get("cpu_ms", 0.0) for r in chosen]
        if ms:
            out[kind] = {"count": len(ms), "p50_ms": round(percentile(ms, 50), 1),
                         "p95_ms": round(percentile(ms, 95), 1), "total_s": round(sum(ms) / 1000, 1),
                         "cpu_p50_ms": round(percentile(cpu, 0.5), 1), "cpu_total_s": round(sum(cpu) / 1000, 1)}
    path = folder / "profile.pstats"
    if path.exists():
        stats = pstats.Stats(str(path))
        rows = []
        for (file, line, name), (_cc, nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            where = file.replace(str(ROOT) + "/", "")
            if "site-packages/" in where:
                where = where.split("site-packages/", 1)[1]
            rows.append((ct, nc, f"{where}:{line}({name})"))
        rows.sort(reverse=True)
        ours = [r for r in rows if r[2].startswith(("lib/", "pages/", "streamlit_app"))]
        out["cumulative_ours"] = [{"s": round(ct, 2), "calls": nc, "where": w} for ct, nc, w in ours[:top]]
    return out


def report(source: str, contexts: int, result: dict[str, Any]) -> None:
    print(f"\n== {source}: {contexts} contexts, {result['wall_s']:.0f} s ==")
    print(f"{'action':<8} {'count':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for action in ("search", "detail", "charts"):
        values = result["times"].get(action, [])
        if values:
            print(f"{action:<8} {len(values):>6} {percentile(values, 50):>7.2f} {percentile(values, 95):>7.2f} "
                  f"{max(values):>7.2f}")
    rss = result["rss_mb"]
    if rss["max"] is not None:
        print(f"server RSS: {rss['start']:.0f} MB at start, {rss['max']:.0f} MB max, {rss['end']:.0f} MB at the end")
    cpu = result["cpu_s"]
    print("CPU seconds during the run: " + ", ".join(f"{k} {v}" for k, v in cpu.items() if k != "wall")
          + f" (wall {cpu.get('wall')} s, load average {result['load_average']})")
    print(f"errors shown: {len(result['errors'])}")
    for err in result["errors"][:10]:
        print("  ", err)
    prof = result.get("profile")
    if prof:
        for kind in ("page runs", "fragment runs"):
            if kind in prof:
                p = prof[kind]
                print(f"server {kind}: {p['count']}, wall p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms, "
                      f"{p['total_s']} s in all; CPU p50 {p['cpu_p50_ms']} ms, {p['cpu_total_s']} s in all")
        print("our code, cumulative time in script runs (all sessions together):")
        for row in prof.get("cumulative_ours", [])[:15]:
            print(f"  {row['s']:>8.2f} s {row['calls']:>7} calls  {row['where']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contexts", type=int, default=20)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load per source (default 120)")
    parser.add_argument("--source", choices=("hub", "catalog", "both"), default="both")
    parser.add_argument("--profile", type=Path, default=None, help="profile the server into this folder")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--post-script-gc", action="store_true",
                        help="Streamlit's default full garbage collection after every script run (to compare)")
    args = parser.parse_args(argv)
    sources = ("hub", "catalog") if args.source == "both" else (args.source,)
    figures = {}
    for source in sources:
        result = run_one(source, args.contexts, args.duration, args.profile, args.post_script_gc)
        report(source, args.contexts, result)
        figures[source] = {
            "contexts": args.contexts, "duration_s": args.duration, "done": result["done"],
            "errors": result["errors"], "rss_mb": result["rss_mb"], "profile": result.get("profile"),
            "cpu_s": result["cpu_s"], "load_average": result["load_average"],
            **{f"{a}_p50_s": round(percentile(v, 50), 3) for a, v in result["times"].items()},
            **{f"{a}_p95_s": round(percentile(v, 0.95), 3) for a, v in result["times"].items()},
        }  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 1 if any(f["errors"] for f in figures.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
