"""Benchmark the local catalog on the real 760k-model snapshot (and on N synthetic models), against plain pandas.

    .venv/bin/python bench/bench_catalog.py [--repeat 5] [--rows 2000000] [--skip-synthetic] [--json OUT.json]
    .venv/bin/python bench/bench_catalog.py --models 3000000 [--repeat 5] [--changes 20000] [--json OUT.json]

What it measures, in one run on this machine:

1. Loading the snapshot into a fresh catalog (a child process: wall time and its peak RSS).
2. Reopening the saved catalog in a fresh process: `Catalog.open` + opening the models index + a first search.
3. Search + filters + top 50 + the four facets over `bench/queries-models.jsonl` (31 queries, `--repeat` rounds),
   timed in-process around `Catalog.search` exactly as `python -m lib.catalog bench` does (nothing cached).
4. The same queries in plain pandas (`str.contains` + filters + `nlargest` + four `value_counts`), same process.
5. N synthetic models (`bench/synthetic.py`, drawn from the snapshot's distributions) loaded and searched the same way.

With `--models N` (issue 14's figures at today's Hub size), everything is measured on N synthetic models instead of
the snapshot: the load (child process: seconds, peak RSS), reopen + first search, the searches, the pandas baseline
over the same dump in a child process of its own (so that its frame's memory is its own; it reports its peak RSS
too), and a refresh's work after the network: `--changes` repos (90% existing ids with new downloads, likes and
update dates, 10% new ids) written as one JSON Lines file, as `refresh` writes a caught-up listing, and loaded
into the N-model catalog in a child process (`python -m lib.catalog load`: upsert, then a new index generation
patched from the live one, `lib.catalog.patch`); its baseline, in the same run, is the same generation built whole
(`python -m lib.catalog rebuild`, wall time of its child). The load average is printed with each figure (this
machine is shared).

The snapshot is read from ../shared/hub-snapshot (never copied); scratch files go to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pj
import pyarrow.parquet as pq

from lib.catalog import Catalog
from lib.catalog.cli import bench, fit_queries, percentile, read_bench_queries
from lib.query import SearchQuery

SNAPSHOT = ROOT.parent / "shared" / "hub-snapshot" / "models-2024-07-11.jsonl.gz"
QUERIES = ROOT / "bench" / "queries-models.jsonl"
FACET_ROWS = 20


#: Runs `python -m lib.catalog ARGS` and writes the process's own peak RSS (VmHWM, kB) to the file named by
#: `HX_BENCH_HWM` at exit. `ru_maxrss` from `wait4` is not used: Linux carries the parent's peak into a forked
#: child, so a child of a large bench process would report the bench's memory.
CHILD = """
import atexit, os, runpy, sys
def hwm():
    with open("/proc/self/status") as fh:
        kb = next(line.split()[1] for line in fh if line.startswith("VmHWM"))
    with open(os.environ["HX_BENCH_HWM"], "w") as out:
        out.write(kb)
atexit.register(hwm)
sys.argv = ["lib.catalog", *sys.argv[1:]]
runpy.run_module("lib.catalog", run_name="__main__")
"""


def peak_rss_mb(path: Path) -> float:
    return round(int(path.read_text()) / 1024, 1)


def catalog_in_child(home: Path, *args: str) -> tuple[dict[str, Any], str]:
    """`python -m lib.catalog --home HOME --quiet ARGS` in a child process: (wall seconds, the child's peak RSS in MB,
    the load average before and after), and its output."""
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    hwm = Path(tempfile.mkstemp(prefix="hwm-")[1])
    child = subprocess.Popen([sys.executable, "-c", CHILD, "--home", str(home), "--quiet", *args], cwd=ROOT,
                             stdout=subprocess.PIPE, env={**os.environ, "HX_BENCH_HWM": str(hwm), "PYTHONPATH": str(ROOT)})  # fmt: skip
    output, _ = child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"python -m lib.catalog {' '.join(args)} failed")
    peak = peak_rss_mb(hwm)
    hwm.unlink()
    return {"wall_s": round(time.perf_counter() - started, 2), "peak_rss_mb": peak,
            "load_avg": [round(load_before, 1), round(os.getloadavg()[0], 1)]}, output.decode()  # fmt: skip


def load_in_child(home: Path, dump: Path) -> dict[str, Any]:
    """`python -m lib.catalog load` in a child process: wall and load seconds, the child's peak RSS (MB), and how the
    kind's new index generation was made (`patched` from the live one, or `whole`)."""
    figures, output = catalog_in_child(home, "load", str(dump), "--kind", "models", "--json")
    report = json.loads(output)
    return {**figures, "load_s": round(report["seconds"], 2), "rows": report["count"], "built": generation_built(home)}


def generation_built(home: Path) -> str:
    """How the live models generation was made: ``patched`` (`lib.catalog.patch`) or ``whole``."""
    return "patched" if "patched" in Catalog.open(home).index("models").meta else "whole"


REOPEN = """
import json, sys, time
t0 = time.perf_counter()
from lib.catalog import Catalog
from lib.query import SearchQuery
t1 = time.perf_counter()
catalog = Catalog.open(sys.argv[1])
catalog.index("models")
t2 = time.perf_counter()
catalog.search(SearchQuery(kind="models", text="bert", task="fill-mask", sort="downloads"))
t3 = time.perf_counter()
print(json.dumps({"import_s": round(t1 - t0, 3), "open_ms": round((t2 - t1) * 1000, 1),
                  "first_search_ms": round((t3 - t2) * 1000, 1), "reopen_ms": round((t3 - t1) * 1000, 1)}))
"""


def reopen_in_child(home: Path) -> dict[str, float]:
    """Open a saved catalog in a fresh process and run one search: the time from `Catalog.open` to its answer."""
    out = subprocess.run([sys.executable, "-c", REOPEN, str(home)], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    return {**json.loads(out.stdout), "load_avg": round(os.getloadavg()[0], 1)}


# --- the pandas baseline -------------------------------------------------------------------------------------
def pandas_frame(dump: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The dump as one DataFrame, prepared the way a plain pandas search would want it, and one row per
    (repo, license) built once, so that counting licenses per query is a filter and a `value_counts`."""
    if dump.suffix == ".parquet":
        table = pq.read_table(dump, columns=["id", "downloads", "likes", "tags", "pipeline_tag", "library_name",
                                             "createdAt"])  # fmt: skip
    else:
        fields = [("id", pa.string()), ("downloads", pa.int64()), ("likes", pa.int64()),
                  ("tags", pa.list_(pa.string())), ("pipeline_tag", pa.string()), ("library_name", pa.string()),
                  ("createdAt", pa.string())]  # fmt: skip
        options = pj.ParseOptions(explicit_schema=pa.schema(fields), unexpected_field_behavior="ignore")
        table = pj.read_json(dump, parse_options=options)
    df = table.to_pandas()
    df["author"] = df["id"].map(lambda i: i.split("/", 1)[0] if "/" in i else None)
    df["tags"] = df["tags"].map(lambda t: list(t) if t is not None else [])
    licenses = df["tags"].map(lambda t: [x[8:] for x in t if x.startswith("license:")])
    df["license_str"] = licenses.map(lambda v: "|" + "|".join(v) + "|")
    df["license_count"] = licenses.map(len)
    by_license = licenses.explode().dropna().rename("license").reset_index()
    df["tags_str"] = df["tags"].map(lambda v: "|" + "|".join(v) + "|")
    df["created"] = pd.to_datetime(df["createdAt"], utc=True)
    df["trending"] = float("nan")  # not in this dump
    df["updated"] = pd.NaT
    return df, by_license


_SORT_COLUMN = {"downloads": "downloads", "likes": "likes", "created": "created", "trending": "trending",
                "updated": "updated"}  # fmt: skip


def pandas_search(df: pd.DataFrame, by_license: pd.DataFrame, q: SearchQuery) -> tuple[int, list[str],
                                                                                        dict[str, pd.Series]]:
    """str.contains + filters + nlargest + value_counts: what the catalog does, the plain pandas way."""
    keep = pd.Series(True, index=df.index)
    if q.text:
        keep &= df["id"].str.contains(q.text, case=False, regex=False)
    if q.task:
        keep &= df["pipeline_tag"] == q.task
    if q.library:
        keep &= df["library_name"] == q.library
    if q.author:
        keep &= df["author"] == q.author
    if q.license:
        keep &= df["license_str"].str.contains(f"|{q.license}|", regex=False)
    for tag in q.tags:
        keep &= df["tags_str"].str.contains(f"|{tag}|", regex=False)
    if q.language:
        keep &= df["tags_str"].str.contains(f"|{q.language}|", regex=False) | df["tags_str"].str.contains(
            f"|language:{q.language}|", regex=False)  # fmt: skip
    keep = keep.fillna(False)
    found = df[keep]
    top = found.nlargest(q.offset + q.limit, _SORT_COLUMN[q.sort]).iloc[q.offset :]
    license_counts = by_license.loc[keep.to_numpy()[by_license["index"].to_numpy()], "license"].value_counts()
    license_counts["(none)"] = int((found["license_count"] == 0).sum())
    facets = {
        "task": found["pipeline_tag"].value_counts(dropna=False).head(FACET_ROWS),
        "library": found["library_name"].value_counts(dropna=False).head(FACET_ROWS),
        "license": license_counts.sort_values(ascending=False).head(FACET_ROWS),
        "author": found["author"].value_counts(dropna=False).head(FACET_ROWS),
    }
    return len(found), top["id"].tolist(), facets


def time_pandas(frames: tuple[pd.DataFrame, pd.DataFrame], queries: list[SearchQuery], repeat: int) -> dict[
        str, Any]:  # fmt: skip
    times = []
    for _ in range(repeat):
        for q in queries:
            started = time.perf_counter()
            pandas_search(*frames, q)
            times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(times, 50), 3), "p95_ms": round(percentile(times, 95), 3),
            "queries": len(queries), "runs": len(times)}  # fmt: skip


PANDAS_CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from bench.bench_catalog import pandas_frame, time_pandas
from lib.catalog import Catalog
from lib.catalog.cli import fit_queries, read_bench_queries
queries, _ = fit_queries(Catalog.open(sys.argv[2]), read_bench_queries(Path(sys.argv[4])))
figures = time_pandas(pandas_frame(Path(sys.argv[3])), queries, int(sys.argv[5]))
with open("/proc/self/status") as fh:  # this process's own peak (ru_maxrss would include the parent's)
    figures["peak_rss_mb"] = round(int(next(l.split()[1] for l in fh if l.startswith("VmHWM"))) / 1024, 1)
print(json.dumps(figures))
"""


def pandas_in_child(home: Path, dump: Path, queries: Path, repeat: int) -> dict[str, Any]:
    """The pandas baseline in a process of its own (its frame of N rows is several GB at 3M): the same queries,
    fitted to the catalog at `home` as the catalog's are."""
    out = subprocess.run([sys.executable, "-c", PANDAS_CHILD, str(ROOT), str(home), str(dump), str(queries),
                          str(repeat)], cwd=ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load_avg": round(os.getloadavg()[0], 1)}


def write_changes(dump: Path, out: Path, changes: int, seed: int = 1) -> dict[str, int]:
    """`changes` API items as a refresh's caught-up listing would bring them (one JSON Lines file): 90% repos of
    `dump` with new downloads, likes and an update date today, 10% new repos (an existing repo's fields under a
    new id)."""
    rng = np.random.default_rng(seed)
    rows = pq.ParquetFile(dump).metadata.num_rows
    picked = np.sort(rng.choice(rows, changes, replace=False))
    parts, start = [], 0
    for batch in pq.ParquetFile(dump).iter_batches(batch_size=250_000):  # a batch at a time: the few rows
        inside = picked[(picked >= start) & (picked < start + batch.num_rows)] - start
        parts.append(pa.Table.from_batches([batch]).take(pa.array(inside)))
        start += batch.num_rows
    table = pa.concat_tables(parts)
    now = datetime.now(UTC)
    new = int(changes * 0.1)
    with open(out, "w", encoding="utf-8") as fh:
        for i, item in enumerate(table.to_pylist()):
            item["downloads"] = int(item["downloads"] or 0) + int(rng.integers(0, 1000))
            item["likes"] = int(item["likes"] or 0) + int(rng.integers(0, 3))
            item["lastModified"] = now.isoformat()
            for key in ("createdAt",):
                if item.get(key) is not None:
                    item[key] = item[key].isoformat()
            if i < new:
                item["id"] = f"{item['id']}-refreshed-{i}"
            fh.write(json.dumps(item) + "\n")
    return {"changed": changes - new, "new": new}


def index_size_mb(home: Path) -> float:
    root = home / "catalog"
    return round(sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the local catalog against plain pandas.")
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=2_000_000, help="synthetic models")
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--models", type=int, help="measure everything on this many synthetic models (issue 14)")
    parser.add_argument("--changes", type=int, default=20_000, help="repos a refresh brings (with --models)")
    args = parser.parse_args()
    if args.models:
        bench_models(args)
        return
    if not args.snapshot.exists():
        raise SystemExit(f"The snapshot is not at {args.snapshot}.")
    queries = read_bench_queries(args.queries)
    figures: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()}}
    with tempfile.TemporaryDirectory(prefix="catalog-bench-", dir=args.workdir) as scratch:
        work = Path(scratch)
        real = work / "real"
        print(f"loading {args.snapshot.name} ...", flush=True)
        figures["load"] = load_in_child(real, args.snapshot)
        figures["load"]["disk_mb"] = index_size_mb(real)
        print(f"  {figures['load']}", flush=True)
        figures["reopen"] = reopen_in_child(real)
        print(f"  {figures['reopen']}", flush=True)
        catalog = Catalog.open(real)
        queries, notes = fit_queries(catalog, queries)  # as the app asks them (pandas gets the same queries)
        for note in notes:
            print(f"note: {note}", flush=True)
        print(f"searching: {len(queries)} queries x {args.repeat} ...", flush=True)
        figures["catalog"] = bench(catalog, queries, args.repeat)
        print(f"  {figures['catalog']}", flush=True)
        print("pandas baseline ...", flush=True)
        frames = pandas_frame(args.snapshot)
        figures["pandas"] = time_pandas(frames, queries, args.baseline_repeat)
        print(f"  {figures['pandas']}", flush=True)
        del frames
        figures["speedup"] = {
            "p50": round(figures["pandas"]["p50_ms"] / figures["catalog"]["p50_ms"], 1),
            "p95": round(figures["pandas"]["p95_ms"] / figures["catalog"]["p95_ms"], 1),
        }
        if not args.skip_synthetic:
            from bench.synthetic import write

            print(f"generating {args.rows:,} synthetic models ...", flush=True)
            dump = work / f"synthetic-{args.rows}.parquet"
            write(args.snapshot, args.rows, dump)
            synthetic = work / "synthetic"
            figures["synthetic_load"] = load_in_child(synthetic, dump)
            figures["synthetic_load"]["disk_mb"] = index_size_mb(synthetic)
            print(f"  {figures['synthetic_load']}", flush=True)
            figures["synthetic"] = bench(Catalog.open(synthetic), queries, args.repeat)
            print(f"  {figures['synthetic']}", flush=True)
    figures["machine"]["load_avg_at_end"] = os.getloadavg()
    print(json.dumps(figures, indent=1))
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


def bench_models(args: argparse.Namespace) -> None:
    """Issue 14's figures on `args.models` synthetic models (see the module's docstring)."""
    from bench.synthetic import write

    if not args.snapshot.exists():
        raise SystemExit(f"The snapshot (the synthetic rows' source) is not at {args.snapshot}.")
    n = args.models
    figures: dict[str, Any] = {"models": n, "machine": {"cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()}}
    with tempfile.TemporaryDirectory(prefix="catalog-bench-", dir=args.workdir) as scratch:
        work = Path(scratch)
        dump, home = work / f"synthetic-{n}.parquet", work / "home"
        print(f"generating {n:,} synthetic models ...", flush=True)
        started = time.perf_counter()
        made = write(args.snapshot, n, dump)
        figures["generate"] = {"seconds": round(time.perf_counter() - started, 1), **made}
        print(f"  {figures['generate']}", flush=True)
        print("loading ...", flush=True)
        figures["load"] = load_in_child(home, dump)
        figures["load"]["disk_mb"] = index_size_mb(home)
        print(f"  {figures['load']}", flush=True)
        figures["reopen"] = reopen_in_child(home)
        print(f"  {figures['reopen']}", flush=True)
        catalog = Catalog.open(home)
        queries, notes = fit_queries(catalog, read_bench_queries(args.queries))
        for note in notes:
            print(f"note: {note}", flush=True)
        print(f"searching: {len(queries)} queries x {args.repeat} ...", flush=True)
        figures["catalog"] = {**bench(catalog, queries, args.repeat), "load_avg": round(os.getloadavg()[0], 1)}
        print(f"  {figures['catalog']}", flush=True)
        del catalog
        print("pandas baseline (child process) ...", flush=True)
        figures["pandas"] = pandas_in_child(home, dump, args.queries, args.baseline_repeat)
        print(f"  {figures['pandas']}", flush=True)
        figures["speedup"] = {
            "p50": round(figures["pandas"]["p50_ms"] / figures["catalog"]["p50_ms"], 1),
            "p95": round(figures["pandas"]["p95_ms"] / figures["catalog"]["p95_ms"], 1),
        }
        print(f"refresh: {args.changes:,} changed repos as one JSON Lines file, loaded into the catalog ...", flush=True)
        changes = work / "changes.jsonl"
        made = write_changes(dump, changes, args.changes)
        figures["refresh"] = {**load_in_child(home, changes), **made}
        print(f"  {figures['refresh']}", flush=True)
        print("baseline: the same catalog's generation built whole (rebuild) ...", flush=True)
        figures["rebuild"] = catalog_in_child(home, "rebuild", "--kind", "models")[0]
        figures["rebuild"]["built"] = generation_built(home)
        print(f"  {figures['rebuild']}", flush=True)
    figures["machine"]["load_avg_at_end"] = os.getloadavg()
    print(json.dumps(figures, indent=1))
    report_models(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


def report_models(f: dict[str, Any]) -> None:
    load, reopen, cat, pan, ref, whole = f["load"], f["reopen"], f["catalog"], f["pandas"], f["refresh"], f["rebuild"]
    targets = (
        ("load", (f"{load['load_s']:.1f} s ({load['wall_s']:.1f} s wall), peak RSS {load['peak_rss_mb']:.0f} MB, "
                 f"{load['disk_mb']:.0f} MB on disk"), "<= 90 s, <= 1536 MB",
         load["load_s"] <= 90 and load["peak_rss_mb"] <= 1536, load["load_avg"]),
        ("reopen + first search", f"{reopen['reopen_ms']:.0f} ms (+ {reopen['import_s']:.2f} s of imports)",
         "<= 1 s", reopen["reopen_ms"] <= 1000, reopen["load_avg"]),
        ("search p50 / p95", (f"{cat['p50_ms']:.2f} / {cat['p95_ms']:.2f} ms ({cat['queries']} queries x "
                             f"{cat['runs'] // cat['queries']})"), "<= 10 / <= 30 ms",
         cat["p50_ms"] <= 10 and cat["p95_ms"] <= 30, cat["load_avg"]),
        ("pandas p50 / p95", (f"{pan['p50_ms']:.1f} / {pan['p95_ms']:.1f} ms (peak RSS {pan['peak_rss_mb']:.0f} MB); "
                             f"catalog {f['speedup']['p50']}x faster at p50, {f['speedup']['p95']}x at p95"),
         ">= 20x at p50", f["speedup"]["p50"] >= 20, pan["load_avg"]),
        ("refresh after the network", (f"{ref['load_s']:.1f} s for {ref['changed']:,} changed + {ref['new']:,} new "
                                      f"repos, generation {ref['built']} (peak RSS {ref['peak_rss_mb']:.0f} MB); "
                                      f"{ref['wall_s']:.1f} s wall; building it whole took {whole['wall_s']:.1f} s wall: "
                                      f"{whole['wall_s'] / ref['wall_s']:.1f}x"),
         "<= 30 s", ref["load_s"] <= 30, ref["load_avg"]),
    )  # fmt: skip
    print(f"\n{f['models']:,} synthetic models (machine: {f['machine']['cpus']} cpus)")
    for name, measured, target, met, load_avg in targets:
        print(f"  {name:26s} {measured}  [target {target}: {'met' if met else 'MISSED'}; load average {load_avg}]")


def report(f: dict[str, Any]) -> None:
    load, reopen, cat, pan = f["load"], f["reopen"], f["catalog"], f["pandas"]
    print(f"\n760k snapshot: load {load['load_s']:.1f} s (peak RSS {load['peak_rss_mb']:.0f} MB, {load['disk_mb']:.0f} MB "
          f"on disk); reopen + first search {reopen['reopen_ms']:.0f} ms")  # fmt: skip
    print(f"search ({cat['queries']} queries x {cat['runs'] // cat['queries']}): catalog p50 {cat['p50_ms']:.2f} ms, "
          f"p95 {cat['p95_ms']:.2f} ms | pandas p50 {pan['p50_ms']:.1f} ms, p95 {pan['p95_ms']:.1f} ms | "
          f"{f['speedup']['p50']}x faster at p50, {f['speedup']['p95']}x at p95")  # fmt: skip
    if "synthetic" in f:
        sl, sy = f["synthetic_load"], f["synthetic"]
        print(f"{sl['rows']:,} synthetic: load {sl['load_s']:.1f} s (peak RSS {sl['peak_rss_mb']:.0f} MB); "
              f"search p50 {sy['p50_ms']:.2f} ms, p95 {sy['p95_ms']:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
