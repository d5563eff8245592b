"""Loaded pipelines kept across trials: an LRU bounded by a memory budget, with a load lock and a run lock per key.

Two sessions asking for the same model wait for one load, and call one pipeline one at a time (a fast tokenizer
shared across threads fails). A page keeps one cache per server (``st.cache_resource``); the CLI uses
:func:`default_cache`. Nothing here imports torch or transformers.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lib.tryit.memory import Footprint
from lib.tryit.tasks import get_task


@dataclass
class _Entry:
    pipe: Any
    nbytes: int
    footprint: Footprint | None = None  # what its load and runs cost (lib.tryit.memory), once it has run


@dataclass
class PipelineCache:
    """LRU of loaded pipelines bounded by ``budget_bytes`` (the newest entry always stays, even if over)."""

    budget_bytes: int
    _entries: OrderedDict[Any, _Entry] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _key_locks: dict[Any, threading.Lock] = field(default_factory=dict)
    _run_locks: dict[Any, threading.Lock] = field(default_factory=dict)
    loads: int = 0

    def get_or_load(self, key: Any, load: Callable[[], Any], size: Callable[[Any], int]) -> tuple[Any, bool]:
        """(pipeline, loaded now?). Concurrent callers for one key wait for a single load."""
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return self._entries[key].pipe, False
            pipe = load()
            nbytes = size(pipe)
            with self._lock:
                self.loads += 1
                self._entries[key] = _Entry(pipe, nbytes)
                self._evict()
            return pipe, True

    def _evict(self) -> None:
        while len(self._entries) > 1 and self.used_bytes > self.budget_bytes:
            self._entries.popitem(last=False)

    def make_room(self, nbytes: int | None) -> int:
        """Drop least recently used pipelines until ``nbytes`` more fit in the budget (every one when ``nbytes`` is
        unknown), before a load: so models that do not fit together are never in memory together. Returns how many
        were dropped (their memory goes once nothing else holds them: see :func:`lib.tryit.memory.release`)."""
        dropped = 0
        with self._lock:
            while self._entries and (nbytes is None or self.used_bytes + nbytes > self.budget_bytes):
                self._entries.popitem(last=False)
                dropped += 1
        return dropped

    def footprint(self, key: Any) -> Footprint | None:
        """What the pipeline under ``key`` has cost so far (None: not loaded, or not run yet)."""
        with self._lock:
            entry = self._entries.get(key)
            return entry.footprint if entry is not None else None

    def set_footprint(self, key: Any, footprint: Footprint) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.footprint = footprint

    @property
    def used_bytes(self) -> int:
        return sum(e.nbytes for e in self._entries.values())

    def run_lock(self, key: Any) -> threading.Lock:
        """The lock a call of ``key``'s pipeline holds: one call at a time per pipeline.

        Two sessions trying the same model share one pipeline object, and a fast tokenizer used from two threads
        at once fails ("Already borrowed"); the second call waits for the first instead.
        """
        with self._lock:
            return self._run_locks.setdefault(key, threading.Lock())

    def __contains__(self, key: Any) -> bool:
        """Loaded already (does not count as a use for the LRU order)."""
        with self._lock:
            return key in self._entries


def default_budget() -> int:
    """Bytes of loaded weights to keep: ``Settings.tryit_budget_mb``, else half of this machine's RAM."""
    from lib.settings import load_settings

    budget_mb = load_settings().tryit_budget_mb
    if budget_mb is not None:
        return int(budget_mb * 1e6)
    import psutil

    return int(psutil.virtual_memory().total * 0.5)


_default: PipelineCache | None = None
_default_lock = threading.Lock()


def default_cache() -> PipelineCache:
    """The process's cache for callers without one of their own (the CLI), made on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = PipelineCache(budget_bytes=default_budget())
        return _default


def model_bytes(pipe: Any) -> int:
    """Bytes of a loaded pipeline's weights (what the budget counts)."""
    model = getattr(pipe, "model", None)
    if model is None or not hasattr(model, "parameters"):
        return 0
    return sum(p.numel() * p.element_size() for p in model.parameters())


def cache_key(model: str | os.PathLike[str], task: str, *, device: str = "cpu", dtype: str | None = None,
              consent_remote_code: bool = False) -> tuple[Any, ...]:
    """The cache's key for a trial (a page asks ``key in cache`` to skip the download step). Tasks served by
    the same engine and pipeline (feature-extraction, sentence-similarity) share one entry."""
    spec = get_task(task)
    return (os.fspath(model), spec.engine, spec.pipeline_task, device, dtype, bool(consent_remote_code))
