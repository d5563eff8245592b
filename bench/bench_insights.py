"""Benchmark the Insights page and the result-set charts on the real 760k-model snapshot.

    .venv/bin/python bench/bench_insights.py [--home DIR] [--repeat 5] [--json OUT.json]

What it measures, in one run on this machine:

1. The page's data functions (`lib.insights.compute` + `lib.insights_charts.chart_specs`) over a catalog of the
   760k models and 175k datasets: cold in a fresh process (the index opened from disk, nothing computed yet; the
   imports timed apart), and again in this process on a freshly opened `Catalog` (median of `--repeat`).
2. The same model figures computed with plain pandas over a DataFrame of the dump prepared once (the baseline:
   `groupby`, `explode`, `value_counts`, `nlargest`, sorts), same process.
3. The page itself through `AppTest`: the first run (cold: `st.cache_data` empty) and the next runs (warm: the
   figures and specs come from the cache, keyed by the catalog's index generations).
4. A result-set chart update after a filter change: `Catalog.aggregates(query)` + the chart specs
   (`lib.ui.charts_panel.chart_spec`) for every query of `bench/queries-models.jsonl`, p50/p95, against the
   search alone (`Catalog.search` with the page's facets) on the same queries.

The catalog is built from ../shared/hub-snapshot (never copied) in a temporary folder, with the helpers of
`bench/bench_catalog.py` (`--home` reuses a catalog already loaded there). Without the snapshot it says so and
exits.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np
import pandas as pd

from bench.bench_catalog import QUERIES, SNAPSHOT, load_in_child, pandas_frame
from lib import insights, insights_charts
from lib.catalog import Catalog
from lib.catalog.cli import fit_queries, percentile, read_bench_queries

DATASETS = SNAPSHOT.parent / "datasets-2024-07-09.jsonl.gz"

COLD = """
import json, sys, time
t0 = time.perf_counter()
from lib import insights, insights_charts
from lib.catalog import Catalog
t1, c1 = time.perf_counter(), time.process_time()
data = insights.compute(Catalog.open(sys.argv[1]))
t2 = time.perf_counter()
insights_charts.chart_specs(data)
t3, c3 = time.perf_counter(), time.process_time()
print(json.dumps({"import_s": round(t1 - t0, 3), "figures_ms": round((t2 - t1) * 1000, 1),
                  "specs_ms": round((t3 - t2) * 1000, 1), "total_ms": round((t3 - t1) * 1000, 1),
                  "cpu_ms": round((c3 - c1) * 1000, 1)}))
"""


def cold_in_child(home: Path) -> dict[str, float]:
    """The page's data functions in a fresh process: open the catalog, count every figure, build every spec."""
    out = subprocess.run([sys.executable, "-c", COLD, str(home)], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    return json.loads(out.stdout)


def in_process(home: Path, repeat: int) -> dict[str, float]:
    """Figures + specs on a freshly opened `Catalog` each round (its indexes opened again), median of rounds."""
    figures, specs = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        data = insights.compute(Catalog.open(home))
        middle = time.perf_counter()
        insights_charts.chart_specs(data)
        figures.append((middle - started) * 1000)
        specs.append((time.perf_counter() - middle) * 1000)
    return {"figures_ms": round(statistics.median(figures), 1), "specs_ms": round(statistics.median(specs), 1),
            "total_ms": round(statistics.median(a + b for a, b in zip(figures, specs, strict=True)), 1)}  # fmt: skip


def models_figures_index(home: Path, repeat: int) -> float:
    """The model figures alone over the index (what the pandas baseline computes), median ms."""
    cat = Catalog.open(home)
    facts = insights.KindFacts("models", 0, None, None, None)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        insights.kind_insights(cat.index("models"), facts)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


# --- the pandas baseline -------------------------------------------------------------------------------------
def pandas_figures(df: pd.DataFrame, by_license: pd.DataFrame) -> dict[str, Any]:
    """The model figures of the page, the plain pandas way, over a DataFrame prepared once."""
    out: dict[str, Any] = {}
    month = df["created"].dt.strftime("%Y-%m")
    for field, column in (("task", "pipeline_tag"), ("library", "library_name")):
        top = df[column].value_counts().head(insights.SERIES).index
        series = df[column].where(df[column].isin(top), "other").where(df[column].notna(), "(none)")
        out[f"created_by_{field}"] = df.groupby([month, series]).size()
    out["created"] = month.value_counts().sort_index()
    counts = by_license["license"].value_counts()
    counts["(none)"] = int((df["license_count"] == 0).sum())
    out["licenses"] = counts.sort_values(ascending=False).head(insights.BARS)
    grouped = df.groupby("author").agg(repos=("id", "size"), downloads=("downloads", "sum"))
    out["authors_by_repos"] = grouped.nlargest(insights.BARS, "repos")
    out["authors_by_downloads"] = grouped.nlargest(insights.BARS, "downloads")
    downloads = df["downloads"].fillna(0).clip(lower=0).sort_values(ascending=False).to_numpy()
    total = downloads.sum()
    out["concentration"] = [downloads[: max(1, int(np.ceil(s * len(df))))].sum() / total for s in insights.TOP_SHARES]
    cum = np.concatenate(([0], np.cumsum(downloads[::-1])))
    out["lorenz"] = cum[np.round(np.linspace(0, 1, 101) * len(df)).astype(int)] / total
    tasks = df["pipeline_tag"].value_counts().head(12).index
    for by in ("downloads", "likes"):
        chosen = df[df["pipeline_tag"].isin(tasks)].sort_values([by, "id"], ascending=[False, True])
        out[f"top_{by}"] = chosen.groupby("pipeline_tag").head(5)
    return out


def time_pandas(frames: tuple[pd.DataFrame, pd.DataFrame], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        pandas_figures(*frames)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


# --- the page through AppTest --------------------------------------------------------------------------------
def page_runs(home: Path, repeat: int) -> dict[str, float]:
    """The Insights page in `AppTest`: the first run (empty cache) and the median of the next `repeat` runs."""
    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    os.environ["HUB_EXPLORER_HOME"] = str(home)
    import lib.ui.insights_view  # noqa: F401 - imported before timing, as a running server has it

    at = AppTest.from_file(str(ROOT / "pages" / "insights.py"), default_timeout=120)
    started, cpu = time.perf_counter(), time.process_time()
    at.run()
    cold, cold_cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
    if at.exception:
        raise SystemExit(f"the Insights page failed: {at.exception[0].message}")
    charts = len(at.get("vega_lite_chart"))
    warm, warm_cpu = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        at.run()
        warm.append((time.perf_counter() - started) * 1000)
        warm_cpu.append((time.process_time() - cpu) * 1000)
    return {"cold_ms": round(cold, 1), "cold_cpu_ms": round(cold_cpu, 1),
            "warm_p50_ms": round(statistics.median(warm), 1), "warm_max_ms": round(max(warm), 1),
            "warm_cpu_p50_ms": round(statistics.median(warm_cpu), 1), "charts": charts}  # fmt: skip


# --- result-set charts after a filter change ----------------------------------------------------------------
def chart_updates(home: Path, repeat: int) -> dict[str, Any]:
    """`Catalog.aggregates` + every chart spec per query, against the search alone, p50/p95 over all runs."""
    from lib import charts
    from lib.ui import charts_panel

    cat = Catalog.open(home)
    queries, _ = fit_queries(cat, read_bench_queries(QUERIES))  # as a page asks them (no trending in the snapshot)
    for q in queries[:3]:  # open the index and build each chart's template once, as a running page has
        for name, frame in cat.aggregates(q).frames.items():
            charts_panel.chart_spec(name, charts.drawn(name, frame))
    search, update = [], []
    for _ in range(repeat):
        for q in queries:
            started = time.perf_counter()
            cat.search(q, facets=cat.capabilities(q.kind).facets)  # what a browse page counts
            middle = time.perf_counter()
            for name, frame in cat.aggregates(q).frames.items():
                charts_panel.chart_spec(name, charts.drawn(name, frame))
            search.append((middle - started) * 1000)
            update.append((time.perf_counter() - middle) * 1000)
    return {"queries": len(queries), "runs": len(update),
            "charts_p50_ms": round(percentile(update, 50), 2), "charts_p95_ms": round(percentile(update, 95), 2),
            "search_p50_ms": round(percentile(search, 50), 2), "search_p95_ms": round(percentile(search, 95), 2)}  # fmt: skip


def build(home: Path) -> dict[str, Any]:
    """Load both dumps into `home` (models in a child process, as bench_catalog does; datasets in-process)."""
    print(f"loading {SNAPSHOT.name} ...", flush=True)
    loaded = {"models": load_in_child(home, SNAPSHOT)}
    print(f"loading {DATASETS.name} ...", flush=True)
    started = time.perf_counter()
    report = Catalog.open(home).load([DATASETS], kind="datasets")
    loaded["datasets"] = {"load_s": round(time.perf_counter() - started, 2), "rows": report.count}
    return loaded


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the Insights page and the result-set charts.")
    parser.add_argument("--home", type=Path, help="a home whose catalog already holds the snapshot (else built)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not SNAPSHOT.exists() or not DATASETS.exists():
        print(f"skipped: the real Hub snapshot is not at {SNAPSHOT.parent} (it lives beside the project).")
        return
    figures: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()}}
    with tempfile.TemporaryDirectory(prefix="insights-bench-") as scratch:
        home = args.home or Path(scratch)
        if args.home is None or not Catalog.open(home).has("models"):
            figures["load"] = build(home)
        print("page data, cold (fresh process) ...", flush=True)
        figures["cold"] = cold_in_child(home)
        print(f"  {figures['cold']}", flush=True)
        figures["in_process"] = in_process(home, args.repeat)
        print(f"  in process, fresh Catalog: {figures['in_process']}", flush=True)
        figures["models_index_ms"] = models_figures_index(home, args.repeat)
        print("pandas baseline (model figures) ...", flush=True)
        frames = pandas_frame(SNAPSHOT)
        figures["models_pandas_ms"] = time_pandas(frames, max(1, args.repeat // 2))
        del frames
        print(f"  index {figures['models_index_ms']} ms, pandas {figures['models_pandas_ms']} ms", flush=True)
        print("the page in AppTest ...", flush=True)
        figures["page"] = page_runs(home, args.repeat)
        print(f"  {figures['page']}", flush=True)
        print("result-set charts after a filter change ...", flush=True)
        figures["charts"] = chart_updates(home, max(1, args.repeat // 2) + 1)
        print(f"  {figures['charts']}", flush=True)
    figures["machine"]["load_avg_at_end"] = os.getloadavg()
    print(json.dumps(figures, indent=1))
    print(
        f"\nload average {figures['machine']['load_avg_at_start'][0]:.1f} at the start, "
        f"{figures['machine']['load_avg_at_end'][0]:.1f} at the end ({figures['machine']['cpus']} CPUs)"
    )
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


def report(f: dict[str, Any]) -> None:
    cold, warm, page, ch = f["cold"], f["in_process"], f["page"], f["charts"]
    speedup = f["models_pandas_ms"] / f["models_index_ms"] if f["models_index_ms"] else float("nan")
    print(f"\ninsights data, cold (fresh process, catalog opened from disk): {cold['total_ms']:.0f} ms "
          f"(figures {cold['figures_ms']:.0f} + chart specs {cold['specs_ms']:.0f}; CPU {cold['cpu_ms']:.0f} ms; "
          f"imports {cold['import_s']:.2f} s apart); in process {warm['total_ms']:.0f} ms")  # fmt: skip
    print(f"model figures: index {f['models_index_ms']:.0f} ms | pandas over a prepared DataFrame "
          f"{f['models_pandas_ms']:.0f} ms | {speedup:.1f}x faster")  # fmt: skip
    print(f"Insights page (AppTest, {page['charts']} charts): cold {page['cold_ms']:.0f} ms (CPU "
          f"{page['cold_cpu_ms']:.0f} ms), warm p50 {page['warm_p50_ms']:.0f} ms (max {page['warm_max_ms']:.0f} ms; "
          f"CPU p50 {page['warm_cpu_p50_ms']:.0f} ms)")  # fmt: skip
    print(f"chart update after a filter change ({ch['queries']} queries x {ch['runs'] // ch['queries']}): "
          f"aggregates + specs p50 {ch['charts_p50_ms']:.2f} ms, p95 {ch['charts_p95_ms']:.2f} ms | search alone "
          f"p50 {ch['search_p50_ms']:.2f} ms, p95 {ch['search_p95_ms']:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
