"""Run a model on one input here: ``run()`` for an answer, ``stream()`` for generated text as it arrives.

Both load (or reuse) the row's engine through a :class:`~lib.tryit.cache.PipelineCache`, call it under the
pipeline's run lock, post-process through the task row, and time the load and the run. ``stream()`` generates in a
worker thread feeding a ``TextIteratorStreamer`` and stops at the next token when asked. torch and transformers are
imported inside functions only.

Peak memory is the model's own (:mod:`lib.tryit.memory`): the growth of this process's memory from just before its
load (the libraries imported and freed memory handed back first, so neither counts) through the end of its run. A
model already loaded reports what its load and runs have cost so far (kept with the pipeline) or, when more, what
it kept plus what this run added. Other trials running in this process at the same moment count too.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lib.errors import InvalidQueryError, NotFoundError
from lib.translate import translate
from lib.tryit import engines
from lib.tryit.cache import PipelineCache, cache_key, default_cache, model_bytes
from lib.tryit.fit import RemoteCodeRefusedError
from lib.tryit.inputs import Call
from lib.tryit.memory import Footprint, PeakMemory, release
from lib.tryit.tasks import TaskSpec, get_task
from lib.tryit.trial import Generation, RunResult, Stage


def _is_path(model: str) -> bool:
    return model.startswith((".", "/", "~")) or os.sep in model.strip("/").replace("/", "", 1)


def _prepare(model: str | os.PathLike[str], task: str, value: Any) -> tuple[str, TaskSpec, Call]:
    """Checks that cost nothing, before any load: the task, the input's shape. (The folder and remote code are
    checked by ``_pipeline`` before a load: a cached pipeline was loaded from that folder under the same consent.)"""
    model = os.fspath(model)
    spec = get_task(task)
    call = spec.prepare(value)
    return model, spec, call


def _loadable(model: str, consent_remote_code: bool) -> None:
    """Before a load: the folder exists, and a folder asking for its own code has consent."""
    if _is_path(model) and not Path(model).expanduser().is_dir():
        raise NotFoundError(f"No model folder at {model}.", hint="Give an existing folder or a Hub repo id.")
    if engines.remote_code_declared(model) and not consent_remote_code:
        raise RemoteCodeRefusedError(f"{model} needs remote code; it is not run without consent.")


def _pipeline(spec: TaskSpec, model: str, key: Any, *, device: str, dtype: str | None, token: str | None,
              consent_remote_code: bool, cache: PipelineCache,
              on_stage: Stage | None = None) -> tuple[Any, bool, float, threading.Lock]:
    """(pipeline, loaded now?, load ms: 0 when reused, the lock to hold while calling it) through the cache;
    load failures become app errors."""
    if key not in cache:
        _loadable(model, consent_remote_code)
        if on_stage is not None:
            on_stage("loading")
    t0 = time.perf_counter()
    try:
        pipe, loaded = cache.get_or_load(
            key,
            lambda: engines.load(spec, model, device=device, dtype=dtype, token=token,
                                 trust_remote_code=consent_remote_code),
            model_bytes,
        )
    except Exception as exc:
        raise translate(exc, what=model, service="pipeline") from exc
    return pipe, loaded, (time.perf_counter() - t0) * 1000 if loaded else 0.0, cache.run_lock(key)


def _window(spec: TaskSpec, model: str, cache: PipelineCache, key: Any, device: str,
            consent_remote_code: bool) -> PeakMemory | None:
    """The memory window of a trial that loads, opened before the load (None for a loaded model: its window opens
    at its run). What can refuse the load is checked first; then the libraries the engine needs are imported and
    freed memory is handed back, so the window sees the model alone."""
    if key in cache:
        return None
    _loadable(model, consent_remote_code)
    engines.preload(spec)
    release()
    return PeakMemory(device).start()


def _run_window(window: PeakMemory | None, loaded: bool, device: str) -> PeakMemory:
    """The window at the call: the one opened before a load that happened now, else one for this run alone."""
    if window is not None and loaded:
        return window
    if window is not None:
        window.stop()  # another session loaded it meanwhile: this run is measured alone
    return PeakMemory(device).start()


def _footprint(cache: PipelineCache, key: Any, loaded: bool, window: PeakMemory, device: str) -> Footprint:
    """The model's own cost after this run (kept with the pipeline for its next runs)."""
    before = cache.footprint(key)
    footprint = Footprint.first(window, device) if loaded or before is None else before.rerun(window)
    cache.set_footprint(key, footprint)
    return footprint


def _call_kwargs(spec: TaskSpec, call: Call, generation: Generation | None) -> dict[str, Any]:
    kwargs = dict(call.kwargs)
    if spec.generates:
        gen = generation or Generation()
        if gen.seed is not None:
            import torch

            torch.manual_seed(gen.seed)
        kwargs.update(gen.kwargs())
    return kwargs


def _result(spec: TaskSpec, model: str, pipe: Any, raw: Any, value: Any, *, load_ms: float, run_ms: float,
            loaded: bool, footprint: Footprint, stopped: bool = False, counted: int | None = None) -> RunResult:
    output = spec.postprocess(raw, value)
    tokens = tps = None
    if spec.generates and isinstance(output, dict):
        tokens = counted if counted else engines.count_text_tokens(
            pipe, output.get("continuation", output.get("text", "")))
        if tokens is not None and run_ms > 0:
            tps = tokens / (run_ms / 1000)
    return RunResult(task=spec.task, model=model, output=output, raw=raw, load_ms=load_ms, run_ms=run_ms,
                     from_cache=not loaded, tokens=tokens, tokens_per_s=tps, peak_bytes=footprint.peak,
                     peak_vram_bytes=footprint.vram_peak, stopped=stopped)


def run(model: str | os.PathLike[str], task: str, value: Any, *, device: str = "cpu", dtype: str | None = None,
        generation: Generation | None = None, consent_remote_code: bool = False, token: str | None = None,
        cache: PipelineCache | None = None, on_stage: Stage | None = None) -> RunResult:
    """Run ``model`` (a repo id or a local folder) on ``value`` for ``task``.

    ``value`` is the input in the Hub widget's shape (text, or a dict such as ``{"question", "context"}``).
    ``on_stage`` hears "loading" (when the pipeline is not cached yet) and "running", for a page's progress.
    Raises ``InvalidQueryError`` (task or input), ``RemoteCodeRefusedError``, or the Hub's errors.
    """
    model, spec, call = _prepare(model, task, value)
    cache = default_cache() if cache is None else cache
    key = cache_key(model, spec.task, device=device, dtype=dtype, consent_remote_code=consent_remote_code)
    window = _window(spec, model, cache, key, device, consent_remote_code)
    try:
        pipe, loaded, load_ms, lock = _pipeline(spec, model, key, device=device, dtype=dtype, token=token,
                                                consent_remote_code=consent_remote_code, cache=cache,
                                                on_stage=on_stage)
        if on_stage is not None:
            on_stage("running")
        with lock:  # run time counts from here: waiting for another session's call is not this run's time
            window = _run_window(window, loaded, device)
            kwargs = _call_kwargs(spec, call, generation)  # seeds here, so another call cannot reseed in between
            count = None
            if engines.counts_tokens(spec):
                count = engines.TokenCount()
                kwargs["stopping_criteria"] = engines.stop_criteria(threading.Event(), threading.Event(), count)
            t1 = time.perf_counter()
            try:
                raw = pipe(*call.args, **kwargs)
            except Exception as exc:
                raise translate(exc, what=task, service="run") from exc
            run_ms = (time.perf_counter() - t1) * 1000
    finally:
        if window is not None:
            window.stop()
    assert window is not None
    footprint = _footprint(cache, key, loaded, window, device)
    return _result(spec, model, pipe, raw, value, load_ms=load_ms, run_ms=run_ms, loaded=loaded,
                   footprint=footprint, counted=count.n if count is not None else None)


def stream(model: str | os.PathLike[str], task: str, value: Any, *, device: str = "cpu", dtype: str | None = None,
           generation: Generation | None = None, consent_remote_code: bool = False, token: str | None = None,
           cache: PipelineCache | None = None, stop: threading.Event | None = None,
           on_stage: Stage | None = None) -> tuple[Iterator[str], Callable[[], RunResult]]:
    """Like ``run()`` for a generating text task, with the new text arriving as it is produced.

    Loads (or reuses) the pipeline now, then generates in a worker thread feeding a ``TextIteratorStreamer``.
    Returns ``(pieces, result)``: iterate ``pieces`` for the text after the prompt; ``result()`` waits for the end
    and gives the ``RunResult`` (``stopped`` when ``stop`` ended it early). Setting ``stop`` ends generation at the
    next token; so does abandoning ``pieces`` before its end (closing the generator sets ``stop``).
    """
    model, spec, call = _prepare(model, task, value)
    if not spec.streams:
        raise InvalidQueryError(f"{spec.task} does not stream text; run it instead.")
    stop = stop if stop is not None else threading.Event()
    cache = default_cache() if cache is None else cache
    key = cache_key(model, spec.task, device=device, dtype=dtype, consent_remote_code=consent_remote_code)
    box: dict[str, Any] = {"window": _window(spec, model, cache, key, device, consent_remote_code)}
    try:
        pipe, loaded, load_ms, lock = _pipeline(spec, model, key, device=device, dtype=dtype, token=token,
                                                consent_remote_code=consent_remote_code, cache=cache,
                                                on_stage=on_stage)
        from transformers import TextIteratorStreamer

        streamer = TextIteratorStreamer(pipe.tokenizer, skip_prompt=True, skip_special_tokens=True)
        fired = threading.Event()
        count = engines.TokenCount()
        stopping = engines.stop_criteria(stop, fired, count)
    except BaseException:
        if box["window"] is not None:
            box["window"].stop()
        raise

    def work() -> None:
        t1 = time.perf_counter()
        try:
            with lock:  # one call at a time per pipeline (see PipelineCache.run_lock)
                box["window"] = _run_window(box["window"], loaded, device)
                if stop.is_set():  # stopped while waiting for another session's call
                    fired.set()
                    raise InvalidQueryError("Stopped before it started.")
                kwargs = _call_kwargs(spec, call, generation)
                kwargs.update(streamer=streamer, stopping_criteria=stopping)
                t1 = time.perf_counter()
                box["raw"] = pipe(*call.args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            box["error"] = exc
            streamer.end()  # unblock the reader
        finally:
            box["run_ms"] = (time.perf_counter() - t1) * 1000
            box["stopped"] = fired.is_set()  # cut short by a stop, not merely asked after the natural end
            if box["window"] is not None:
                box["window"].stop()  # here too: a page interrupted by a rerun never calls result()

    worker = threading.Thread(target=work, name=f"tryit-generate-{model}", daemon=True)
    if on_stage is not None:
        on_stage("running")
    worker.start()

    def pieces() -> Iterator[str]:
        finished = False
        try:
            for piece in streamer:
                if piece:
                    yield piece
            finished = True
        finally:
            if not finished:
                stop.set()

    def result() -> RunResult:
        worker.join()
        if "error" in box:
            raise translate(box["error"], what=spec.task, service="run") from box["error"]
        footprint = _footprint(cache, key, loaded, box["window"], device)
        return _result(spec, model, pipe, box["raw"], value, load_ms=load_ms, run_ms=box["run_ms"],
                       loaded=loaded, footprint=footprint, stopped=box["stopped"], counted=count.n)

    return pieces(), result


def devices(*, probe: bool = False) -> list[str]:
    """Devices a trial can use: "cpu", plus "cuda" and "mps" when present.

    torch is asked only when it is already imported (after a first trial) or when ``probe`` is set (it costs
    seconds); otherwise only "cpu" is known, so the app start never imports torch.
    """
    if importlib.util.find_spec("torch") is None:
        return ["cpu"]
    torch = sys.modules.get("torch")
    if torch is None:
        if not probe:
            return ["cpu"]
        import torch
    found = ["cpu"]
    with contextlib.suppress(Exception):  # a broken driver means "no GPU", not a failure
        if torch.cuda.is_available():
            found.append("cuda")
    with contextlib.suppress(Exception):
        if torch.backends.mps.is_available():
            found.append("mps")
    return found
