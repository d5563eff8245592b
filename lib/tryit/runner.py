"""Run a model on one input through a transformers pipeline, with a process-wide cache of loaded pipelines.

``run()`` loads (or reuses) the pipeline for (model, task, device, dtype), calls it, post-processes the output
through the task table, and times both steps. The cache is bounded by a memory budget (least recently used
evicted first) and thread-safe: a lock per key, so two sessions asking for the same model wait for one load.
torch and transformers are imported inside functions only.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lib.errors import GatedRepoError, HubExplorerError, InvalidQueryError, NotFoundError
from lib.tryit.fit import RemoteCodeRefusedError
from lib.tryit.tasks import TaskSpec, get_task


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

    def as_json(self) -> dict[str, Any]:
        out = {"output": self.output, "load_ms": round(self.load_ms, 1), "run_ms": round(self.run_ms, 1)}
        if self.tokens_per_s is not None:
            out["tokens_per_s"] = round(self.tokens_per_s, 2)
        return out


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

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _default_budget() -> int:
    env = os.environ.get("HUB_EXPLORER_TRYIT_BUDGET_MB")
    if env:
        return int(float(env) * 1e6)
    import psutil

    return int(psutil.virtual_memory().total * 0.5)


CACHE = PipelineCache(budget_bytes=_default_budget())


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
    if dtype:
        load["dtype"] = dtype
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
    from lib.hub.http import translate

    if isinstance(exc, HubExplorerError):
        return exc
    seen: BaseException | None = exc
    while seen is not None:  # transformers wraps huggingface_hub's errors in OSError: look down the chain
        err = translate(seen, what=model)
        if type(err) is not HubExplorerError:
            return err
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    if "gated repo" in text:
        return GatedRepoError(f"{model} is gated: its files need a token with access.")
    if "trust_remote_code" in text:
        return RemoteCodeRefusedError(f"{model} needs remote code; it is not run without consent.")
    if isinstance(exc, OSError) and ("not a valid model identifier" in text or "does not appear to have" in text):
        return NotFoundError(f"{model} has no model files this task can load.", hint=text.splitlines()[0][:300])
    return HubExplorerError(f"Could not load {model}: {text.splitlines()[0][:300] if text else type(exc).__name__}")


def _count_tokens(pipe: Any, text: str) -> int | None:
    tok = getattr(pipe, "tokenizer", None)
    if tok is None or not text:
        return None
    return len(tok(text, add_special_tokens=False)["input_ids"])


def run(model: str | os.PathLike[str], task: str, value: Any, *, device: str = "cpu", dtype: str | None = None,
        generation: Generation | None = None, consent_remote_code: bool = False, token: str | None = None,
        cache: PipelineCache | None = None) -> RunResult:
    """Run ``model`` (a repo id or a local folder) on ``value`` for ``task``.

    ``value`` is the input in the Hub widget's shape (text, or a dict such as ``{"question", "context"}``).
    Raises ``InvalidQueryError`` (task or input), ``RemoteCodeRefusedError``, or the Hub's errors.
    """
    model = os.fspath(model)
    spec = get_task(task)
    call = spec.prepare(value)
    if (model.startswith((".", "/", "~")) or os.sep in model.strip("/").replace("/", "", 1)) \
            and not Path(model).expanduser().is_dir():
        raise NotFoundError(f"No model folder at {model}.", hint="Give an existing folder or a Hub repo id.")
    if _remote_code_declared(model) and not consent_remote_code:
        raise RemoteCodeRefusedError(f"{model} needs remote code; it is not run without consent.")
    cache = CACHE if cache is None else cache
    key = (model, spec.engine, spec.pipeline_task, device, dtype, bool(consent_remote_code))
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
    load_ms = (time.perf_counter() - t0) * 1000 if loaded else 0.0
    kwargs = dict(call.kwargs)
    if spec.generates:
        gen = generation or Generation()
        if gen.seed is not None:
            import torch

            torch.manual_seed(gen.seed)
        kwargs.update(gen.kwargs())
    t1 = time.perf_counter()
    try:
        raw = pipe(*call.args, **kwargs)
    except (ValueError, KeyError) as exc:
        raise InvalidQueryError(f"{task} could not run on that input: {str(exc).splitlines()[0][:300]}") from exc
    run_ms = (time.perf_counter() - t1) * 1000
    output = spec.postprocess(raw, value)
    tokens = tps = None
    if spec.generates and isinstance(output, dict):
        tokens = _count_tokens(pipe, output.get("continuation", output.get("text", "")))
        if tokens is not None and run_ms > 0:
            tps = tokens / (run_ms / 1000)
    return RunResult(task=spec.task, model=model, output=output, raw=raw, load_ms=load_ms, run_ms=run_ms,
                     from_cache=not loaded, tokens=tokens, tokens_per_s=tps)
