"""The Compare page with 6 models on the live fake Hub: cold and warm render times, requests per model, and the
concurrent gathering against a one-at-a-time baseline in the same run.

    .venv/bin/python bench/bench_compare_page.py [--latency 0.05] [--repeat 10]

The fake Hub answers every request after `--latency` seconds (a fault with a delay on every path), standing in for
the network. The page is rendered with Streamlit's AppTest (the script run, not a browser's paint):

* cold: the first render (every model's info, config and, where needed, safetensors headers fetched);
* warm: the same page again, `--repeat` times (answers from `st.cache_data`), p50 and max;
* requests: per model and per kind of information (info, config, safetensors), over the cold render;
* gathering: `lib.compare.gather` straight (no Streamlit cache) with its threads, against the same calls made one
  model after another, in the same run.

Target: the page complete within 2 s on a warm cache, at most one request per kind of information per model.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODELS = ["gpt2", "distilgpt2", "google-bert/bert-base-uncased", "dslim/bert-base-NER",
          "meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-7B-Instruct"]


def _kind(path: str) -> str | None:
    if path.startswith("/api/models/"):
        return "info"
    if path.endswith("/config.json"):
        return "config"
    if path.endswith((".safetensors", ".safetensors.index.json")):
        return "safetensors"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake Hub waits before each answer")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    os.environ["HF_HOME"] = str(tmp / "hf")
    os.environ["HUB_EXPLORER_HOME"] = str(tmp / "home")
    os.environ.pop("HF_TOKEN", None)
    from tests.conftest import free_port

    port = free_port()
    os.environ["HF_ENDPOINT"] = f"http://127.0.0.1:{port}"
    from streamlit.testing.v1 import AppTest

    from lib.compare import HubFacts, gather
    from lib.hub import HubClient
    from lib.hub.http import configure
    from lib.settings import load_settings
    from tests.fakehub import FakeHub

    configure(load_settings())
    with FakeHub(port=port) as hub:
        hub.add_fault("/", delay=args.latency, times=None)

        hub.clear_requests()
        at = AppTest.from_file(str(ROOT / "pages" / "compare.py"), default_timeout=120)
        at.query_params["models"] = ",".join(MODELS)
        started = time.perf_counter()
        at.run()
        cold = time.perf_counter() - started
        assert not at.exception, at.exception
        per = Counter()
        for r in hub.requests:
            kind = _kind(r.path)
            if kind is None or r.method != "GET":
                continue
            model = next((m for m in MODELS if f"/{m}/" in r.path + "/"), None)
            if model is not None:
                per[(model, kind)] += 1
        warm = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - started)

        client = HubClient(load_settings())
        source = HubFacts(client)
        started = time.perf_counter()
        gather(MODELS, source)
        together = time.perf_counter() - started
        started = time.perf_counter()
        for m in MODELS:
            gather([m], source)
        one_by_one = time.perf_counter() - started

    print(f"Compare page, {len(MODELS)} models, fake Hub latency {args.latency * 1000:.0f} ms per request")
    print(f"  cold render:  {cold * 1000:,.0f} ms")
    print(f"  warm render:  p50 {statistics.median(warm) * 1000:,.0f} ms, max {max(warm) * 1000:,.0f} ms "
          f"({args.repeat} runs; target < 2,000 ms)")
    most = max(per.values(), default=0)
    print(f"  GET requests per model and kind (cold): at most {most} "
          f"({', '.join(f'{k}: {n}' for k, n in sorted(Counter(k for _, k in per).items()))} models asked)")
    print(f"  gathering (config cached after the page): all at once {together * 1000:,.0f} ms, "
          f"one model after another {one_by_one * 1000:,.0f} ms ({one_by_one / together:.1f}x)")
    return 0 if statistics.median(warm) < 2.0 and most <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
