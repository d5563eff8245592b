"""Run a model on one input through a transformers pipeline, with a process-wide cache of loaded pipelines.

``run()`` loads (or reuses) the pipeline for (model, task, device, dtype), calls it, post-processes the output
through the task table, and times both steps and measures the peak memory. ``stream()`` does the same for the
generating tasks with the text arriving piece by piece, stoppable through a ``threading.Event``. The cache is bounded by a memory budget (least recently used
evicted first) and thread-safe: a lock per key, so two sessions asking for the same model wait for one load.
torch and transformers are imported inside functions only.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from lib.errors import HubExplorerError, InvalidQueryError, NotFoundError
from lib.tryit.fit import RemoteCodeRefusedError
from lib.tryit.tasks import Call, TaskSpec, get_task


@dataclass(frozen=True)
class Generation:
    """Generation settings for the tasks that generate; temperature 0/None means greedy."""

    max_new_tokens: int = 32
    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None

    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"max_new_tokens": self.max_new_tokens}
        if self.temperature:
            out.update(do_sample=True, temperature=self.temperature)
            if self.top_p is not None:
                out["top_p"] = self.top_p
        else:
            out["do_sample"] = False
        return out


@dataclass
class RunResult:
    task: str
    model: str
    output: Any  # what a page shows (the task's post-processing)
    raw: Any  # the pipeline's own answer
    load_ms: float  # 0 when the pipeline came from the cache
    run_ms: float
    from_cache: bool
    tokens: int | None = None
    tokens_per_s: float | None = None
    peak_bytes: int | None = None  # process RSS peak during load + run (sampled)
    peak_vram_bytes: int | None = None  # torch.cuda.max_memory_allocated on CUDA
    stopped: bool = False  # a streamed generation ended early on request

    def as_json(self) -> dict[str, Any]:
        out = {"output": self.output, "load_ms": round(self.load_ms, 1), "run_ms": round(self.run_ms, 1)}
        if self.tokens_per_s is not None:
            out["tokens_per_s"] = round(self.tokens_per_s, 2)
        return out


_CLEAR_REFS = Path("/proc/self/clear_refs")
_active_meters = 0
_meters_lock = threading.Lock()


def _max_rss() -> int | None:
    """The kernel's peak RSS of this process in bytes (``ru_maxrss``, the ``VmHWM`` that ``clear_refs`` resets;
    kilobytes on Linux); None where there is no ``resource`` module."""
    try:
        import resource
    except ImportError:
        return None
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def _reset_hwm() -> bool:
    """Reset the kernel's peak RSS to the current RSS (``echo 5 > /proc/self/clear_refs``, Linux); False where it
    cannot. A few microseconds: the trial's own call is measured, not slowed."""
    try:
        fd = os.open(_CLEAR_REFS, os.O_WRONLY)
    except OSError:
        return False
    try:
        os.write(fd, b"5")
    except OSError:
        return False
    finally:
        os.close(fd)
    return _max_rss() is not None


class PeakMemory:
    """The peak memory of this process while a load and a run happen.

    On Linux the kernel keeps the peak (``VmHWM``, read as ``ru_maxrss``): it is reset at start and read at stop, which costs a few
    microseconds and no thread (a sampling thread slowed the model call it measured). The reset is skipped while
    another trial is being measured in this process (another session), so neither loses its peak; the figure is
    then the process's peak over both. Elsewhere RSS is sampled by a small daemon thread. On CUDA, torch's own
    peak counter is read as well.
    """

    def __init__(self, device: str = "cpu", interval: float = 0.01) -> None:
        self._device = device
        self._interval = interval
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._kernel = False
        self._running = False
        self.peak_bytes = 0
        self.peak_vram_bytes: int | None = None

    def _rss(self) -> int:
        import psutil

        return int(psutil.Process().memory_info().rss)

    def _sample(self) -> None:
        with contextlib.suppress(Exception):  # a failed sample is a missing point, not a failed run
            self.peak_bytes = max(self.peak_bytes, self._rss())

    def _loop(self) -> None:
        while not self._done.wait(self._interval):
            self._sample()

    def _cuda(self) -> Any:
        torch = sys.modules.get("torch")
        if torch is not None and self._device.startswith("cuda") and torch.cuda.is_available():
            return torch
        return None

    def start(self) -> Self:
        global _active_meters
        with _meters_lock:
            alone = _active_meters == 0
            _active_meters += 1
            self._running = True
            self._kernel = _reset_hwm() if alone else (_CLEAR_REFS.exists() and _max_rss() is not None)
        if not self._kernel:
            self._sample()
            self._thread = threading.Thread(target=self._loop, name="tryit-peak-memory", daemon=True)
            self._thread.start()
        if (torch := self._cuda()) is not None:
            torch.cuda.reset_peak_memory_stats(self._device)
        return self

    def stop(self) -> None:
        global _active_meters
        with _meters_lock:
            if not self._running:
                return
            self._running = False
            _active_meters -= 1
        if self._kernel:
            self.peak_bytes = max(self.peak_bytes, _max_rss() or 0)
        else:
            self._done.set()
            if self._thread is not None:
                self._thread.join()
            self._sample()
        if (torch := self._cuda()) is not None:
            self.peak_vram_bytes = int(torch.cuda.max_memory_allocated(self._device))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ------------------------------------------------------------------------------------------------- the cache


@dataclass
class _Entry:
    pipe: Any
    nbytes: int


@dataclass
class PipelineCache:
    """LRU of loaded pipelines bounded by ``budget_bytes`` (the newest entry always stays, even if over)."""

    budget_bytes: int
    _entries: OrderedDict[Any, _Entry] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _key_locks: dict[Any, threading.Lock] = field(default_factory=dict)
    _run_locks: dict[Any, threading.Lock] = field(default_factory=dict)
    loads: int = 0
    evictions: int = 0

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
            self.evictions += 1

    @property
    def used_bytes(self) -> int:
        return sum(e.nbytes for e in self._entries.values())

    def keys(self) -> list[Any]:
        with self._lock:
            return list(self._entries)

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

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def default_budget() -> int:
    """``HUB_EXPLORER_TRYIT_BUDGET_MB`` (megabytes of loaded weights to keep), else half of this machine's RAM."""
    from lib.settings import load_settings

    budget_mb = load_settings().tryit_budget_mb
    if budget_mb is not None:
        return int(budget_mb * 1e6)
    import psutil

    return int(psutil.virtual_memory().total * 0.5)

CACHE = PipelineCache(budget_bytes=default_budget())


def model_bytes(pipe: Any) -> int:
    model = getattr(pipe, "model", None)
    if model is None or not hasattr(model, "parameters"):
        return 0
    return sum(p.numel() * p.element_size() for p in model.parameters())


# ------------------------------------------------------------------------ engines transformers 5 no longer has


class Seq2Seq:
    """text2text-generation / summarization / translation: ``[{"generated_text": ...}]`` as the old pipeline."""

    def __init__(self, model_id: str, prefix: str, **load: Any) -> None:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_id, **load)
        self.model = AutoModelForSeq2SeqLM.from_pretrained(model_id, **load).eval()
        self.prefix = prefix

    def __call__(self, text: str, **generate: Any) -> list[dict[str, str]]:
        import torch

        batch = self.tokenizer(self.prefix + text, return_tensors="pt", truncation=True).to(self.model.device)
        with torch.inference_mode():
            ids = self.model.generate(**batch, **generate)
        return [{"generated_text": self.tokenizer.decode(ids[0], skip_special_tokens=True)}]


class ExtractiveQA:
    """question-answering: the best span of the context, ``{"answer", "score", "start", "end"}``."""

    def __init__(self, model_id: str, max_answer_tokens: int = 30, **load: Any) -> None:
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_id, **load)
        self.model = AutoModelForQuestionAnswering.from_pretrained(model_id, **load).eval()
        self.max_answer_tokens = max_answer_tokens

    def __call__(self, *, question: str, context: str) -> dict[str, Any]:
        import torch

        enc = self.tokenizer(question, context, return_tensors="pt", truncation="only_second",
                             return_offsets_mapping=True)
        offsets = enc.pop("offset_mapping")[0].tolist()
        in_context = [s == 1 for s in enc.sequence_ids(0)]
        with torch.inference_mode():
            out = self.model(**enc.to(self.model.device))
        start_p = out.start_logits[0].softmax(-1).tolist()
        end_p = out.end_logits[0].softmax(-1).tolist()
        best = (0.0, 0, 0)
        positions = [i for i, ok in enumerate(in_context) if ok]
        for s in positions:
            for e in positions:
                if s <= e < s + self.max_answer_tokens and start_p[s] * end_p[e] > best[0]:
                    best = (start_p[s] * end_p[e], s, e)
        score, s, e = best
        start, end = (offsets[s][0], offsets[e][1]) if positions else (0, 0)
        return {"answer": context[start:end], "score": score, "start": start, "end": end}


# ------------------------------------------------------------------------------------------------------ run


def _remote_code_declared(model: str) -> bool:
    config = Path(model) / "config.json"
    if config.is_file():
        try:
            return bool(json.loads(config.read_text()).get("auto_map"))
        except (OSError, ValueError):
            return False
    return False


def _load(spec: TaskSpec, model: str, *, device: str, dtype: str | None, token: str | None,
          trust_remote_code: bool) -> Any:
    load: dict[str, Any] = {"token": token, "trust_remote_code": trust_remote_code}
    if dtype and dtype != "auto":
        import torch

        load["dtype"] = getattr(torch, dtype.removeprefix("torch."))
    elif dtype == "auto":
        load["dtype"] = "auto"
    if spec.engine == "seq2seq":
        engine = Seq2Seq(model, spec.prefix, **load)
        engine.model.to(device)
        return engine
    if spec.engine == "extractive-qa":
        engine = ExtractiveQA(model, **load)
        engine.model.to(device)
        return engine
    from transformers import pipeline

    return pipeline(spec.pipeline_task, model=model, device=device, **load)


def _translate(exc: BaseException, model: str) -> HubExplorerError:
    from lib.translate import translate

    return translate(exc, what=model, service="pipeline")


def _count_tokens(pipe: Any, text: str) -> int | None:
    tok = getattr(pipe, "tokenizer", None)
    if tok is None or not text:
        return None
    return len(tok(text, add_special_tokens=False)["input_ids"])


def _is_path(model: str) -> bool:
    return model.startswith((".", "/", "~")) or os.sep in model.strip("/").replace("/", "", 1)


def cache_key(model: str | os.PathLike[str], task: str, *, device: str = "cpu", dtype: str | None = None,
              consent_remote_code: bool = False) -> tuple[Any, ...]:
    """The pipeline cache's key for a trial (a page asks ``key in cache`` to skip the download step)."""
    spec = get_task(task)
    return (os.fspath(model), spec.engine, spec.pipeline_task, device, dtype, bool(consent_remote_code))


def _prepare(model: str | os.PathLike[str], task: str, value: Any, *,
             consent_remote_code: bool) -> tuple[str, TaskSpec, Call]:
    """Checks that cost nothing, before any load: the task, the input's shape, the folder. (Remote code is
    checked by ``_pipeline`` before a load: a cached pipeline was loaded under the same consent.)"""
    model = os.fspath(model)
    spec = get_task(task)
    call = spec.prepare(value)
    if _is_path(model) and not Path(model).expanduser().is_dir():
        raise NotFoundError(f"No model folder at {model}.", hint="Give an existing folder or a Hub repo id.")
    return model, spec, call


Stage = Callable[[str], None]  # told "loading" (only when the pipeline is not cached) and then "running"


def _pipeline(spec: TaskSpec, model: str, *, device: str, dtype: str | None, token: str | None,
              consent_remote_code: bool, cache: PipelineCache | None,
              on_stage: Stage | None = None) -> tuple[Any, bool, float, threading.Lock]:
    """(pipeline, loaded now?, load ms: 0 when reused, the lock to hold while calling it) through the cache;
    load failures become app errors."""
    cache = CACHE if cache is None else cache
    key = cache_key(model, spec.task, device=device, dtype=dtype, consent_remote_code=consent_remote_code)
    if key not in cache:
        if _remote_code_declared(model) and not consent_remote_code:
            raise RemoteCodeRefusedError(f"{model} needs remote code; it is not run without consent.")
        if on_stage is not None:
            on_stage("loading")
    t0 = time.perf_counter()
    try:
        pipe, loaded = cache.get_or_load(
            key,
            lambda: _load(spec, model, device=device, dtype=dtype, token=token,
                          trust_remote_code=consent_remote_code),
            model_bytes,
        )
    except Exception as exc:
        raise _translate(exc, model) from exc
    return pipe, loaded, (time.perf_counter() - t0) * 1000 if loaded else 0.0, cache.run_lock(key)


def _call_kwargs(spec: TaskSpec, call: Call, generation: Generation | None) -> dict[str, Any]:
    kwargs = dict(call.kwargs)
    if spec.generates:
        gen = generation or Generation()
        if gen.seed is not None:
            import torch

            torch.manual_seed(gen.seed)
        kwargs.update(gen.kwargs())
    return kwargs


def _run_error(exc: BaseException, task: str) -> HubExplorerError:
    from lib.translate import translate

    return translate(exc, what=task, service="run")


def _result(spec: TaskSpec, model: str, pipe: Any, raw: Any, value: Any, *, load_ms: float, run_ms: float,
            loaded: bool, meter: PeakMemory, stopped: bool = False, counted: int | None = None) -> RunResult:
    output = spec.postprocess(raw, value)
    tokens = tps = None
    if spec.generates and isinstance(output, dict):
        tokens = counted if counted else _count_tokens(pipe, output.get("continuation", output.get("text", "")))
        if tokens is not None and run_ms > 0:
            tps = tokens / (run_ms / 1000)
    return RunResult(task=spec.task, model=model, output=output, raw=raw, load_ms=load_ms, run_ms=run_ms,
                     from_cache=not loaded, tokens=tokens, tokens_per_s=tps, peak_bytes=meter.peak_bytes or None,
                     peak_vram_bytes=meter.peak_vram_bytes, stopped=stopped)


def run(model: str | os.PathLike[str], task: str, value: Any, *, device: str = "cpu", dtype: str | None = None,
        generation: Generation | None = None, consent_remote_code: bool = False, token: str | None = None,
        cache: PipelineCache | None = None, on_stage: Stage | None = None) -> RunResult:
    """Run ``model`` (a repo id or a local folder) on ``value`` for ``task``.

    ``value`` is the input in the Hub widget's shape (text, or a dict such as ``{"question", "context"}``).
    ``on_stage`` hears "loading" (when the pipeline is not cached yet) and "running", for a page's progress.
    Raises ``InvalidQueryError`` (task or input), ``RemoteCodeRefusedError``, or the Hub's errors.
    """
    model, spec, call = _prepare(model, task, value, consent_remote_code=consent_remote_code)
    with PeakMemory(device) as meter:
        pipe, loaded, load_ms, lock = _pipeline(spec, model, device=device, dtype=dtype, token=token,
                                                consent_remote_code=consent_remote_code, cache=cache,
                                                on_stage=on_stage)
        if on_stage is not None:
            on_stage("running")
        with lock:  # run time counts from here: waiting for another session's call is not this run's time
            kwargs = _call_kwargs(spec, call, generation)  # seeds here, so another call cannot reseed in between
            count = None
            if _counts(spec):
                count = _Count()
                kwargs["stopping_criteria"] = _stop_criteria(threading.Event(), threading.Event(), count)
            t1 = time.perf_counter()
            try:
                raw = pipe(*call.args, **kwargs)
            except Exception as exc:
                raise _run_error(exc, task) from exc
            run_ms = (time.perf_counter() - t1) * 1000
    return _result(spec, model, pipe, raw, value, load_ms=load_ms, run_ms=run_ms, loaded=loaded, meter=meter,
                   counted=count.n if count is not None else None)


def devices(*, probe: bool = False) -> list[str]:
    """Devices a trial can use: "cpu", plus "cuda" and "mps" when present.

    torch is asked only when it is already imported (after a first trial) or when ``probe`` is set (it costs
    seconds); otherwise only "cpu" is known, so the app start never imports torch.
    """
    import importlib.util

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


def streams(task: str) -> bool:
    """Whether ``stream()`` serves ``task``: the generating tasks with a text input."""
    spec = get_task(task)
    return spec.generates and spec.input_kind == "text"


class _Count:
    """Generated tokens, counted by a stopping criterion (generate asks it once per new token), so tokens/s
    counts the model's own tokens rather than a re-tokenization of the decoded text."""

    def __init__(self) -> None:
        self.n = 0


def _counts(spec: TaskSpec) -> bool:
    """Whether the engine passes ``stopping_criteria`` on to ``generate`` (the text-generation pipeline and the
    built-in seq2seq runner do; other pipelines fall back to counting the text's tokens)."""
    return spec.generates and (spec.engine == "seq2seq" or spec.pipeline_task == "text-generation")


def _stop_criteria(stop: threading.Event, fired: threading.Event, count: _Count | None = None) -> Any:
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _EventStop(StoppingCriteria):
        """Ends generation at the next token once ``stop`` is set (a Stop button, a rerun, an abandoned stream);
        ``fired`` records that it did, so a stop asked for after the natural end does not count as stopped."""

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            import torch

            if count is not None:
                count.n += 1
            asked = stop.is_set()
            if asked:
                fired.set()
            return torch.full((input_ids.shape[0],), asked, dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([_EventStop()])


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
    model, spec, call = _prepare(model, task, value, consent_remote_code=consent_remote_code)
    if not streams(spec.task):
        raise InvalidQueryError(f"{spec.task} does not stream text; run it instead.")
    stop = stop if stop is not None else threading.Event()
    meter = PeakMemory(device).start()
    try:
        pipe, loaded, load_ms, lock = _pipeline(spec, model, device=device, dtype=dtype, token=token,
                                                consent_remote_code=consent_remote_code, cache=cache,
                                                on_stage=on_stage)
        from transformers import TextIteratorStreamer

        streamer = TextIteratorStreamer(pipe.tokenizer, skip_prompt=True, skip_special_tokens=True)
        fired = threading.Event()
        count = _Count()
        stopping = _stop_criteria(stop, fired, count)
    except BaseException:
        meter.stop()
        raise
    box: dict[str, Any] = {}

    def work() -> None:
        t1 = time.perf_counter()
        try:
            with lock:  # one call at a time per pipeline (see PipelineCache.run_lock)
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
            meter.stop()  # here too: a page interrupted by a rerun never calls result()

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
        meter.stop()
        if "error" in box:
            raise _run_error(box["error"], spec.task) from box["error"]
        return _result(spec, model, pipe, box["raw"], value, load_ms=load_ms, run_ms=box["run_ms"],
                       loaded=loaded, meter=meter, stopped=box["stopped"], counted=count.n)

    return pieces(), result
