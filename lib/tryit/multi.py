"""One input through several models, one after another: who runs and who is skipped (and why), the runs with each
model's own figures, and the scores side by side.

* :func:`plan` decides from the models' records alone, before anything is downloaded: a model of another task, too
  large for this machine (its weights against the try-it budget and the free memory), gated without a token, or
  needing remote code without consent for that model, is skipped with the reason (:mod:`lib.tryit.fit`'s check and
  refusal). A remote run skips only what the server cannot be asked for.
* :func:`run_all` runs the planned models one after another, here (:mod:`lib.tryit.runner`) or remotely
  (:mod:`lib.tryit.remote`), yielding a :class:`ModelRun` as each ends. Pipelines loaded already are reused (and run
  first); before each load the cache drops least recently used pipelines until the new model's weights fit in the
  budget with the ones kept (:meth:`~lib.tryit.cache.PipelineCache.make_room`), so models that do not fit together
  are never in memory together. Each run's peak memory is the model's own (:mod:`lib.tryit.memory`). A stop event
  ends the run after the current model.
* :class:`MultiRun` runs :func:`run_all` in a thread for a page that redraws while it runs (progress, streamed
  text, Stop).
* :func:`scores` gives a tidy frame (model, label, score) for the rows whose outputs carry scores, for one chart.

Nothing here imports Streamlit, torch or transformers (the runner imports them when a model is run).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from lib import errors
from lib.format import human_bytes
from lib.records import ModelRecord
from lib.tryit import fit
from lib.tryit.cache import PipelineCache, cache_key, default_budget, default_cache
from lib.tryit.download import Download, DownloadProgress
from lib.tryit.memory import release
from lib.tryit.tasks import TaskSpec, get_task, model_task, serves, value_for
from lib.tryit.trial import Generation, RunResult

Stage = Literal["downloading", "loading", "running", "done"]


@dataclass(frozen=True)
class RemoteTarget:
    """Where one model runs remotely: an endpoint URL (with the token typed for it) or an Inference Provider (with
    the app's token); :mod:`lib.tryit.endpoints` checks it before any request."""

    endpoint: str | None = None
    provider: str | None = None
    token: str | None = field(default=None, repr=False)

    @property
    def given(self) -> bool:
        return bool((self.endpoint or "").strip() or self.provider)


@dataclass(frozen=True)
class Planned:
    """One model of the run: runnable, or skipped with the reason (decided before any download)."""

    index: int  # its place in the order given
    model: str  # a Hub repo id or a local folder
    task: str  # the row it runs with
    record: ModelRecord
    skipped: str | None = None
    consent_remote_code: bool = False
    needed_bytes: int | None = None  # its weights in memory, estimated before the load (None: unknown)
    remote: RemoteTarget | None = None

    @property
    def runnable(self) -> bool:
        return self.skipped is None


@dataclass
class ModelRun:
    """What one model gave: a result, or why it was skipped, or the error its run ended with."""

    index: int
    model: str
    task: str
    result: RunResult | None = None
    skipped: str | None = None
    error: errors.HubExplorerError | None = None
    value: Any = None  # the input it was given (with its own mask token)
    remote: bool = False

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def output(self) -> Any:
        return self.result.output if self.result is not None else None

    @property
    def load_ms(self) -> float | None:
        return self.result.load_ms if self.result is not None else None

    @property
    def run_ms(self) -> float | None:
        return self.result.run_ms if self.result is not None else None

    @property
    def tokens_per_s(self) -> float | None:
        return self.result.tokens_per_s if self.result is not None else None

    @property
    def peak_mb(self) -> float | None:
        """The model's own peak memory in MB (10^6 bytes); None for a remote run (not this machine's)."""
        if self.result is None or self.remote or self.result.peak_bytes is None:
            return None
        return self.result.peak_bytes / 1e6

    def as_json(self) -> dict[str, Any]:
        """The CLI's ``runs`` item: ``{"model", "output", "load_ms", "run_ms", "peak_mb"}`` (and ``tokens_per_s``
        for generation), ``{"model", "skipped"}``, or ``{"model", "error"}``."""
        if self.skipped is not None:
            return {"model": self.model, "skipped": self.skipped}
        if self.error is not None:
            return {"model": self.model, "error": f"{self.error.title}: {' '.join(str(self.error).split())}"}
        assert self.result is not None
        out = {"model": self.model, "output": self.result.output, "load_ms": round(self.result.load_ms, 1),
               "run_ms": round(self.result.run_ms, 1),
               "peak_mb": round(self.peak_mb, 1) if self.peak_mb is not None else None}
        if self.result.tokens_per_s is not None:
            out["tokens_per_s"] = round(self.result.tokens_per_s, 2)
        return out


@dataclass(frozen=True)
class Progress:
    """Where a run stands: which model (``step`` of ``total`` runnable ones) and what it is doing."""

    index: int
    step: int
    total: int
    model: str
    stage: Stage
    download: DownloadProgress | None = None

    def line(self) -> str:
        """One line for a page: "Model 2 of 3, org/name: downloading (1 / 4 files, 2.0 MB / 40.0 MB)"."""
        doing: str = self.stage
        if self.stage == "downloading" and self.download is not None:
            doing += f" ({self.download.label().removeprefix('Downloading: ')})"
        return f"Model {self.step} of {self.total}, {self.model}: {doing}"


# ------------------------------------------------------------------------------------------------------ the plan


def is_folder(model: str) -> bool:
    """A local model folder rather than a repo id (``org/name`` is a repo id even if such a folder exists)."""
    looks = model.startswith((".", "/", "~")) or os.sep in model.strip("/").replace("/", "", 1)
    return looks and Path(model).expanduser().is_dir()


def _folder_weights(folder: str) -> int | None:
    """Bytes of a local folder's weight files (safetensors, else .bin), as a pipeline would read them."""
    root = Path(folder).expanduser()
    for pattern in ("model*.safetensors", "pytorch_model*.bin"):
        files = list(root.glob(pattern))
        if files:
            return sum(f.stat().st_size for f in files)
    return None


def _estimate(record: ModelRecord, dtype: str | None) -> int | None:
    """The weights' bytes in memory: parameters x bytes per dtype, else the weight files' sizes."""
    if record.params is not None:
        return fit.weights_bytes(record.params, dtype)
    if is_folder(record.id):
        return _folder_weights(record.id)
    files = [f for f in fit.pipeline_files(record.files or ()) if f.path.endswith((".safetensors", ".bin"))]
    if files and all(f.size is not None for f in files):
        return sum(f.size or 0 for f in files)
    return None


def _other_task(record: ModelRecord, spec: TaskSpec) -> str:
    own = model_task(record.pipeline_tag, chat_template=record.has_chat_template) or record.pipeline_tag
    if spec.chat and own == "text-generation":
        return ("no chat template in its tokenizer config (a base model, not an instruct one): try it with text "
                "generation")
    return f"another task: {own}, not {spec.task}"


def plan(models: Sequence[ModelRecord | str], task: str, *, token: str | None = None,
         consent: Collection[str] = (), budget: int | None = None, device: str = "cpu", dtype: str | None = None,
         ram_free: int | None = None,
         remote: RemoteTarget | Mapping[str, RemoteTarget] | None = None) -> list[Planned]:
    """Who runs ``task`` and who is skipped, and why, from the records alone (nothing is downloaded).

    ``models`` are Hub records (a bare string is a local folder or an id without a record: tried as asked). Run here
    (``remote`` None), a model is checked against ``budget`` bytes (default: the try-it budget) and the free memory
    (``ram_free``, default: what is free now), its gating (``token``) and remote code (its id in ``consent``).
    ``remote`` is one target for every model (a provider) or a target per model id (endpoint URLs): a model without
    one is skipped. Raises ``InvalidQueryError`` for an unknown task.
    """
    spec = get_task(task)
    budget = default_budget() if budget is None else budget
    free = None
    out: list[Planned] = []
    seen: set[str] = set()
    for index, given in enumerate(models):
        record = given if isinstance(given, ModelRecord) else ModelRecord(id=str(given))
        planned = Planned(index=index, model=record.id, task=spec.task, record=record,
                          consent_remote_code=record.id in consent)
        if record.id in seen:
            out.append(replace(planned, skipped="listed twice: it runs once"))
            continue
        seen.add(record.id)
        if not serves(record.pipeline_tag, spec.task, chat_template=record.has_chat_template):
            out.append(replace(planned, skipped=_other_task(record, spec)))
            continue
        if remote is not None:
            target = remote.get(record.id) if isinstance(remote, Mapping) else remote
            if target is None or not target.given:
                out.append(replace(planned, skipped="no endpoint URL given for it"))
            elif record.is_gated and target.provider and not target.token:
                out.append(replace(planned, skipped=f"{record.id} is gated: its provider needs a token with access"))
            else:
                out.append(replace(planned, remote=target))
            continue
        if free is None:
            free = min(fit.free_ram() if ram_free is None else ram_free, budget)
        planned = replace(planned, needed_bytes=_estimate(record, dtype))
        if is_folder(record.id):
            from lib.tryit.engines import remote_code_declared

            if remote_code_declared(record.id) and not planned.consent_remote_code:
                planned = replace(planned, skipped="needs remote code (trust_remote_code): not run without consent "
                                                   "for this model")
            out.append(planned)
            continue
        report = fit.check(record, device=device, dtype=dtype, ram_free=free, vram_free=fit.free_vram(),
                           token=token, consent_remote_code=planned.consent_remote_code)
        refused = fit.refusal(report)
        if refused is not None:
            planned = replace(planned, skipped=f"{refused.title}: {' '.join(str(refused).split())}")
        out.append(planned)
    return out


def common_tasks(models: Iterable[ModelRecord]) -> list[str]:
    """The rows the models declare, the most shared first (ties in the order first seen): the first is the run's
    default task. A chat model also counts for text generation, so a mix of base and instruct models can share it."""
    counts: dict[str, int] = {}
    for record in models:
        own = model_task(record.pipeline_tag, chat_template=record.has_chat_template)
        for name in (own, "text-generation" if own == "chat" else None):
            if name:
                counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda name: -counts[name])


# ------------------------------------------------------------------------------------------------------- the run


def _download(p: Planned, token: str | None, report: Callable[[Stage, DownloadProgress | None], None]) -> None:
    """The pipeline's files into the download cache with progress, when the record lists them and some are not
    there yet (a local folder, or a record without files, downloads as it loads)."""
    files = fit.pipeline_files(p.record.files or ())
    if not files or is_folder(p.model):
        return
    hits, total = fit.cached_files(p.model, files)
    if hits == total:
        return
    sizes = [f.size for f in files]
    known = sum(s for s in sizes if s is not None) if None not in sizes else None
    job = Download(p.model, [f.path for f in files], token=token, known_bytes=known).start()
    while not job.wait(0.2):
        report("downloading", job.progress)
    job.result()
    report("downloading", job.progress)


def _here(p: Planned, spec: TaskSpec, value: Any, *, cache: PipelineCache, device: str, dtype: str | None,
          generation: Generation | None, token: str | None, report: Callable[[Stage, DownloadProgress | None], None],
          on_text: Callable[[int, str], None] | None, download: bool) -> RunResult:
    from lib.tryit import runner

    key = cache_key(p.model, spec.task, device=device, dtype=dtype, consent_remote_code=p.consent_remote_code)
    if key not in cache:
        if download:
            _download(p, token, report)
        if cache.make_room(p.needed_bytes):
            release(collect=True)  # the dropped pipelines' memory goes back before this model's baseline

    def stage(name: str) -> None:
        report("loading" if name == "loading" else "running", None)

    options = {"device": device, "dtype": dtype, "generation": generation, "token": token, "cache": cache,
               "consent_remote_code": p.consent_remote_code, "on_stage": stage}
    if on_text is not None and spec.streams:
        pieces, finish = runner.stream(p.model, spec.task, value, **options)
        for piece in pieces:
            on_text(p.index, piece)
        return finish()
    return runner.run(p.model, spec.task, value, **options)


def _there(p: Planned, spec: TaskSpec, value: Any, *, generation: Generation | None,
           report: Callable[[Stage, DownloadProgress | None], None],
           on_text: Callable[[int, str], None] | None) -> RunResult:
    from lib.tryit import remote

    assert p.remote is not None
    where = {"model": p.model, "endpoint": (p.remote.endpoint or "").strip() or None, "provider": p.remote.provider,
             "token": p.remote.token, "generation": generation}
    report("running", None)
    if on_text is not None and spec.streams_remotely:
        pieces, finish = remote.stream_remote(spec.task, value, **where)
        for piece in pieces:
            on_text(p.index, piece)
        return finish()
    return remote.run_remote(spec.task, value, **where)


def run_all(planned: Sequence[Planned], value: Any, *, cache: PipelineCache | None = None,
            generation: Generation | None = None, device: str = "cpu", dtype: str | None = None,
            token: str | None = None, on_progress: Callable[[Progress], None] | None = None,
            on_text: Callable[[int, str], None] | None = None,
            stop_event: threading.Event | None = None) -> Iterator[ModelRun]:
    """Run ``value`` through every runnable planned model, one after another; a :class:`ModelRun` for each model
    (skipped ones first, at once), each as soon as it ends, carrying its place in the order given (``index``).

    Models already loaded in ``cache`` (default: the process's) run first. ``on_progress`` hears each model's stages
    (downloading with bytes and files when given, loading, running, done); ``on_text(index, piece)`` makes a
    generating row stream its text. Setting ``stop_event`` ends the run after the current model: the rest are
    reported as skipped. A model whose run fails is reported with its error and the run goes on. ``token`` is the
    app's, for Hub downloads; a remote model carries its own target's token.
    """
    cache = default_cache() if cache is None else cache
    runnable = [p for p in planned if p.runnable]
    for p in planned:
        if not p.runnable:
            yield ModelRun(index=p.index, model=p.model, task=p.task, skipped=p.skipped)
    if not runnable:
        return
    spec = get_task(runnable[0].task)

    def loaded(p: Planned) -> bool:
        return p.remote is None and cache_key(p.model, spec.task, device=device, dtype=dtype,
                                              consent_remote_code=p.consent_remote_code) in cache

    order = sorted(runnable, key=lambda p: not loaded(p))  # stable: the order given among the loaded and the rest
    for step, p in enumerate(order, 1):
        if stop_event is not None and stop_event.is_set():
            yield ModelRun(index=p.index, model=p.model, task=p.task, skipped="stopped before it ran, as asked",
                           remote=p.remote is not None)
            continue
        mine = value_for(spec, value, p.record.mask_token)

        def report(stage: Stage, download: DownloadProgress | None, p: Planned = p, step: int = step) -> None:
            if on_progress is not None:
                on_progress(Progress(index=p.index, step=step, total=len(order), model=p.model, stage=stage,
                                     download=download))

        run = ModelRun(index=p.index, model=p.model, task=p.task, value=mine, remote=p.remote is not None)
        try:
            if p.remote is not None:
                run.result = _there(p, spec, mine, generation=generation, report=report, on_text=on_text)
            else:
                run.result = _here(p, spec, mine, cache=cache, device=device, dtype=dtype, generation=generation,
                                   token=token, report=report, on_text=on_text, download=on_progress is not None)
        except errors.HubExplorerError as exc:
            run.error = exc
        except Exception as exc:  # noqa: BLE001 - one model's failure is its result; the others still run
            from lib.translate import translate

            run.error = translate(exc, what=p.model, service="run")
        report("done", None)
        yield run


# ------------------------------------------------------------------------------------------ in a thread, for pages


@dataclass(frozen=True)
class Snapshot:
    """A :class:`MultiRun` at one moment: the runs so far (by place in the order given), the progress line's state,
    the text streamed so far for each model, whether it has ended and whether a stop was asked."""

    runs: dict[int, ModelRun]
    progress: Progress | None
    texts: dict[int, str]
    done: bool
    stopping: bool
    started: float
    error: BaseException | None = None


class MultiRun:
    """:func:`run_all` in a background thread, so a page can redraw while it runs and a Stop click lands between
    two models: ``start()``, ``snapshot()`` as often as wanted, ``stop()``, ``wait()``."""

    def __init__(self, planned: Sequence[Planned], value: Any, **options: Any) -> None:
        self.planned = list(planned)
        self.value = value
        self._options = options
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._runs: dict[int, ModelRun] = {}
        self._texts: dict[int, str] = {}
        self._progress: Progress | None = None
        self._error: BaseException | None = None
        self._started = time.time()
        self._thread = threading.Thread(target=self._work, name="tryit-multi-run", daemon=True)

    def start(self) -> MultiRun:
        self._thread.start()
        return self

    def _on_progress(self, progress: Progress) -> None:
        with self._lock:
            self._progress = progress

    def _on_text(self, index: int, piece: str) -> None:
        with self._lock:
            self._texts[index] = self._texts.get(index, "") + piece

    def _work(self) -> None:
        try:
            for run in run_all(self.planned, self.value, on_progress=self._on_progress, on_text=self._on_text,
                               stop_event=self._stop, **self._options):
                with self._lock:
                    self._runs[run.index] = run
        except BaseException as exc:  # noqa: BLE001 - shown by the page; a thread has nobody else to tell
            with self._lock:
                self._error = exc
        finally:
            with self._lock:
                self._progress = None

    def stop(self) -> None:
        """End the run after the current model."""
        self._stop.set()

    @property
    def done(self) -> bool:
        return not self._thread.is_alive() and self._thread.ident is not None

    def wait(self, timeout: float | None = None) -> bool:
        """True once the run has ended."""
        self._thread.join(timeout)
        return self.done

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(runs=dict(self._runs), progress=self._progress, texts=dict(self._texts), done=self.done,
                            stopping=self._stop.is_set(), started=self._started, error=self._error)


# --------------------------------------------------------------------------------------------------------- scores


def scores(task: str, runs: Iterable[ModelRun]) -> Any:
    """A tidy ``pandas.DataFrame`` (model, label, score) of the models' scores, for one chart (class scores,
    fill-mask candidates, similarities, answer scores); empty when the row has no scores or nothing ran. Models keep
    the order given."""
    import pandas as pd

    spec = get_task(task)
    rows: list[dict[str, Any]] = []
    if spec.scores is not None:
        for run in sorted(runs, key=lambda r: r.index):
            if run.result is None:
                continue
            rows += [{"model": run.model, **row} for row in spec.scores(run.result.output, run.value)]
    return pd.DataFrame(rows, columns=["model", "label", "score"])


def figures(run: ModelRun) -> list[tuple[str, str]]:
    """A model's figures for a page (load, run, tokens/s, its own peak memory) as (label, value)."""
    from lib.tryit.render import metrics

    if run.result is None:
        return []
    return metrics(run.result, remote=run.remote)


def figures_table(runs: Iterable[ModelRun]) -> list[dict[str, Any]]:
    """The models that ran, one row each in the order given, with their figures as numbers (None where a figure
    does not apply: a reused pipeline's load, a remote run's memory, tokens/s outside generation)."""
    rows = []
    for run in sorted(runs, key=lambda r: r.index):
        if run.result is None:
            continue
        res = run.result
        loaded = "on the server" if run.remote else ("reused" if res.from_cache else "loaded")
        rows.append({"Model": run.model, "Pipeline": loaded,
                     "Load (s)": res.load_ms / 1000 if loaded == "loaded" else None, "Run (ms)": res.run_ms,
                     "Tokens/s": res.tokens_per_s, "Peak memory (MB)": run.peak_mb})
    return rows


def budget_line(budget: int) -> str:
    return (f"Models run one after another; loaded ones are reused, and before each load the least recently used are "
            f"dropped until it fits in the try-it budget ({human_bytes(budget)}), so models that do not fit together "
            "are never loaded together.")

