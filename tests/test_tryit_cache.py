"""The pipeline cache (lib.tryit.cache) with fake loaders: one load per key under concurrency, LRU within a budget.

The cache with real pipelines is exercised by tests/test_tryit_runner.py (reuse across runs, two sessions).
"""

from __future__ import annotations

import threading
import time

from lib.tryit.cache import PipelineCache


def test_concurrent_loads_of_one_model_wait_for_a_single_load():
    cache = PipelineCache(budget_bytes=100)
    calls = []

    def load():
        calls.append(1)
        time.sleep(0.2)
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get_or_load("m", load, lambda p: 10)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and cache.loads == 1
    assert len({id(p) for p, _ in got}) == 1
    assert sorted(loaded for _, loaded in got) == [False, False, False, True]


def test_lru_eviction_within_the_budget():
    cache = PipelineCache(budget_bytes=25)
    for key in ("a", "b"):
        cache.get_or_load(key, object, lambda p: 10)
    cache.get_or_load("a", object, lambda p: 10)  # a is now the most recent
    cache.get_or_load("c", object, lambda p: 10)  # 30 > 25: the least recent (b) goes
    assert "b" not in cache and "a" in cache and "c" in cache and cache.used_bytes == 20
    cache.get_or_load("huge", object, lambda p: 100)  # over budget alone: kept, everything else evicted
    assert "huge" in cache and "a" not in cache and "c" not in cache and cache.used_bytes == 100


def test_make_room_drops_the_least_recent_until_the_next_load_fits():
    cache = PipelineCache(budget_bytes=25)
    for key in ("a", "b"):
        cache.get_or_load(key, object, lambda p: 10)
    cache.get_or_load("a", object, lambda p: 10)  # b is now the least recent
    assert cache.make_room(5) == 0 and "a" in cache and "b" in cache  # 20 + 5 fits
    assert cache.make_room(10) == 1 and "b" not in cache and "a" in cache  # 20 + 10 does not: b goes
    assert cache.make_room(30) == 1 and cache.used_bytes == 0  # bigger than the budget: everything goes
    cache.get_or_load("c", object, lambda p: 10)
    assert cache.make_room(None) == 1 and "c" not in cache  # size unknown: nothing is kept beside it


def test_a_footprint_lives_and_goes_with_its_pipeline():
    from lib.tryit.memory import Footprint

    cache = PipelineCache(budget_bytes=25)
    cache.set_footprint("a", Footprint(peak=5, resident=3))  # not loaded: nothing to keep it with
    assert cache.footprint("a") is None
    cache.get_or_load("a", object, lambda p: 10)
    cache.set_footprint("a", Footprint(peak=5, resident=3))
    assert cache.footprint("a") == Footprint(peak=5, resident=3)
    cache.make_room(None)
    assert cache.footprint("a") is None
