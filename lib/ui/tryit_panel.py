"""The model view's "Try it" tab: run the model here (or remotely) on an input made for its task.

Order on the page: task and where to run -> settings -> "Will it run here?" (figures from the model's record,
before anything is downloaded; refusals disable Run) -> input widgets in the Hub widget's conventions -> Run ->
progress (download bar with bytes and files, loading, running, in an ``st.status``) -> the task's output view and
the run's figures (load, run, tokens/s, peak memory).

Loaded pipelines live in one ``runner.PipelineCache`` per server (``st.cache_resource``), bounded by
``HUB_EXPLORER_TRYIT_BUDGET_MB``, so a rerun or another session reuses them. Nothing here imports torch or
transformers at module level: :mod:`lib.tryit.runner` imports them inside a trial.
"""

from __future__ import annotations

import io
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import streamlit as st

from lib.errors import HubExplorerError, InvalidQueryError
from lib.format import human_bytes, md_escape
from lib.records import ModelRecord, ParamCounts
from lib.tryit import endpoints, fit, remote, runner
from lib.tryit import render as views
from lib.tryit.download import Download
from lib.tryit.tasks import ALIASES, TASKS, TaskSpec, example_for, get_task, supported_tasks
from lib.ui import hub
from lib.ui.components import show_error

DTYPES = ("auto", "float32", "float16", "bfloat16")
IMAGE_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif"]
AUDIO_TYPES = ["wav", "flac", "mp3", "ogg", "m4a", "webm"]
CONSENTS = "tryit:remote-code-consents"
LOCAL, PROVIDERS, ENDPOINT = "This machine", "Inference Providers", "Endpoint URL"


@st.cache_resource(show_spinner=False, max_entries=1)
def pipelines(budget_bytes: int) -> runner.PipelineCache:
    """One cache of loaded pipelines per server: reruns and sessions share it; it locks per model.

    A changed budget makes a new cache and drops the old one (``max_entries=1``) with the models it held.
    """
    return runner.PipelineCache(budget_bytes=budget_bytes)


@st.cache_resource(show_spinner=False)
def _probed_devices() -> list[str]:
    return runner.devices(probe=True)


def _k(model: ModelRecord, *parts: str) -> str:
    """A widget/state key scoped to this model, so choices and consent never leak to another model."""
    return ":".join(("tryit", model.id, *parts))


def default_task(model: ModelRecord) -> str | None:
    tag = model.pipeline_tag
    if not tag:
        return None
    name = ALIASES.get(tag, tag)
    return name if name in TASKS else None


# --------------------------------------------------------------------------------------------------- render


def render(model: ModelRecord, params: ParamCounts | None) -> None:
    """The whole tab. Failures are shown in place as messages; the rest of the model view keeps working."""
    spec = _task_choice(model)
    if spec is None:
        return
    where = st.segmented_control("Run on", (LOCAL, PROVIDERS, ENDPOINT), default=LOCAL,
                                 key=_k(model, "where")) or LOCAL
    device, dtype, generation, target = _settings(model, spec, where)

    report = None
    refused: HubExplorerError | None = None
    if where == LOCAL:
        try:
            report = _fit(model, params, device=device, dtype=dtype)
        except HubExplorerError as err:  # the figures could not be gathered: say so, and do not run blind
            show_error(err)
            refused = err
        else:
            refused = fit.refusal(report)
    else:
        st.caption("Runs on the server: nothing is downloaded or loaded on this machine. The input goes to the "
                   "server you chose. The app's token goes only to Inference Providers; an endpoint URL gets only a "
                   "token typed for it.")

    st.markdown("**Input**")
    value, input_error = _input(model, spec)
    streaming = runner.streams(spec.task) and (where == LOCAL or spec.task in remote.STREAMING_TASKS)
    row = st.container(horizontal=True)
    clicked = row.button("Run", key=_k(model, "run"), type="primary", icon=":material/play_arrow:",
                         disabled=refused is not None)
    stop_clicked = False
    if streaming:
        stop_clicked = row.button("Stop", key=_k(model, "stop"), icon=":material/stop_circle:",
                                  help="Stops a generation that is streaming in.")
    if refused is not None:
        st.caption("Run is disabled: see why above.")

    if clicked:
        if input_error is not None:
            show_error(input_error)
            return
        try:
            spec.prepare(value)  # the input's shape, checked before anything loads
        except HubExplorerError as err:
            show_error(err)
            return
        st.session_state.pop(_k(model, "last"), None)
        _trial(model, spec, value, device=device, dtype=dtype, generation=generation, where=where, target=target,
               report=report, streaming=streaming)
        return
    if stop_clicked and st.session_state.get(_k(model, "partial")) is not None:
        partial = st.session_state.pop(_k(model, "partial"))
        st.info(f"Stopped. The text generated until then ({len(partial)} characters):", icon=":material/stop_circle:")
        st.markdown(md_escape(partial) or "_(nothing yet)_")
        return
    last = st.session_state.get(_k(model, "last"))
    if last is not None and last["task"] == spec.task:
        _show(spec, last["result"], last["value"], last.get("media"), remote_run=last.get("remote", False))


def _task_choice(model: ModelRecord) -> TaskSpec | None:
    default = default_task(model)
    tasks = list(supported_tasks())
    if default is None:
        said = f"This model's task ({model.pipeline_tag})" if model.pipeline_tag else "This model declares no task; it"
        st.warning(
            f"{md_escape(said)} cannot be tried here. Supported tasks: {md_escape(', '.join(tasks))}. "
            "Pick one below if the model can serve it.",
            icon=":material/info:",
        )
    name = st.selectbox("Task", tasks, index=tasks.index(default) if default else None, key=_k(model, "task"),
                        format_func=lambda t: f"{TASKS[t].label} ({t})", placeholder="Pick a task")
    return get_task(name) if name else None


def _settings(model: ModelRecord, spec: TaskSpec,
              where: str) -> tuple[str, str | None, runner.Generation | None, dict[str, Any]]:
    """Device, dtype, generation settings and the remote target (provider or endpoint URL)."""
    device, dtype, target = "cpu", None, {}
    if where == LOCAL:
        probe = st.session_state.get(_k(model, "probe"), False)
        found = _probed_devices() if probe else runner.devices()
        c1, c2, c3 = st.columns([2, 2, 3])
        device = c1.selectbox("Device", found, key=_k(model, "device"), help="Devices this machine has.")
        chosen = c2.selectbox("dtype", DTYPES, key=_k(model, "dtype"),
                              help="auto keeps the dtypes the weights are stored in.")
        dtype = None if chosen == "auto" else chosen
        if not probe and "torch" not in sys.modules:
            c3.caption("Only the CPU is known until torch is loaded.")
            if c3.button("Detect GPUs", key=_k(model, "detect"), icon=":material/memory:",
                         help="Imports torch (a few seconds) to look for CUDA and Apple MPS."):
                st.session_state[_k(model, "probe")] = True
                st.rerun()
    elif where == PROVIDERS:
        names = list(endpoints.known_providers())
        target["provider"] = st.selectbox("Provider", names, key=_k(model, "provider"),
                                          help="auto lets the Hub pick a provider that serves this model.")
        st.caption("The input is sent to a third-party provider through Hugging Face's router, with your token.")
    else:
        target.update(_endpoint_target(model))
    generation = None
    if spec.generates:
        with st.expander("Generation settings", icon=":material/tune:"):
            g1, g2, g3, g4 = st.columns(4)
            max_new = g1.number_input("Max new tokens", 1, 2048, 48, key=_k(model, "max_new"))
            temperature = g2.slider("Temperature", 0.0, 2.0, 0.0, 0.05, key=_k(model, "temperature"),
                                    help="0 is greedy: always the most likely token.")
            top_p = g3.slider("Top-p", 0.05, 1.0, 1.0, 0.05, key=_k(model, "top_p"),
                              help="Sampling keeps the smallest set of tokens whose probabilities add up to this.",
                              disabled=temperature == 0)
            seed = g4.number_input("Seed", 0, 2**31 - 1, None, key=_k(model, "seed"), placeholder="random")
        generation = runner.Generation(max_new_tokens=int(max_new), temperature=float(temperature) or None,
                                       top_p=float(top_p) if temperature else None,
                                       seed=int(seed) if seed is not None else None)
    return device, dtype, generation, target


def _endpoint_target(model: ModelRecord) -> dict[str, Any]:
    """The endpoint URL and the token typed for it (H1: the app's own token never goes to an endpoint URL).

    The token field is a password field; its value lives only in this session's widget state and is emptied when
    the URL points at another server (another origin), so a token typed for one server never goes to the next.
    """
    url = st.text_input("Endpoint URL", key=_k(model, "endpoint"), placeholder="http://127.0.0.1:8080",
                        help="A TGI or vLLM-compatible server (Inference Endpoints too).")
    try:
        origin = endpoints.origin(endpoints.validate_endpoint(url)) if url.strip() else None
    except HubExplorerError:
        origin = None
    token_key, for_key = _k(model, "endpoint-token"), _k(model, "endpoint-token-for")
    if st.session_state.get(for_key) != origin:
        st.session_state[token_key] = ""  # set before the widget is drawn: a new server starts without a token
        st.session_state[for_key] = origin
    token = st.text_input("Token for this endpoint (optional)", type="password", key=token_key,
                          help="Sent only to this endpoint, and kept only for this session. The app's own token is "
                               "never sent to an endpoint URL.")
    warning = endpoints.plain_http_warning(url)
    if warning:
        st.warning(md_escape(warning), icon=":material/lock_open:")
    return {"endpoint": url, "token": token or None}


# ------------------------------------------------------------------------------------------ will it run here?


def _fit(model: ModelRecord, params: ParamCounts | None, *, device: str, dtype: str | None) -> fit.FitReport:
    """The "will it run here?" figures and verdict, with remote-code consent (per model) asked for in place."""
    token = hub.settings().token
    record = replace(model, params=params or model.params)
    budget = runner.default_budget()
    free = min(fit.free_ram(), budget) if device == "cpu" else None
    consent = False
    consented: set[str] = st.session_state.setdefault(CONSENTS, set())  # repo ids, never a global yes
    if fit.needs_remote_code(record):
        consent = bool(st.session_state.get(_k(model, "consent"), model.id in consented))
    files = fit.pipeline_files(record.files or ())
    cached = None
    if files:
        hits, total = fit.cached_files(record.id, files)
        cached = hits == total
    rep = fit.check(record, device=device, dtype=dtype, ram_free=free, vram_free=fit.free_vram(), token=token,
                    consent_remote_code=consent, cached=cached)
    refused = fit.refusal(rep)
    with st.container(border=True):
        icon = ":material/check_circle:" if refused is None else ":material/block:"
        st.markdown(f"{icon} **Will it run here?** {md_escape(views.fit_verdict(rep))}")
        rows = views.fit_rows(rep)
        per = -(-len(rows) // 3)
        for col, chunk in zip(st.columns(3), (rows[i:i + per] for i in range(0, len(rows), per)), strict=False):
            col.markdown("  \n".join(f"{md_escape(label)}: **{md_escape(value)}**" for label, value in chunk))
        st.caption(f"Free memory counts at most the try-it budget ({human_bytes(budget)}, "
                   "HUB_EXPLORER_TRYIT_BUDGET_MB); loaded models beyond it are evicted, least recently used first.")
        for note in rep.notes:
            st.caption(md_escape(note))
        if rep.remote_code:
            st.warning(
                "**This model needs remote code.** Running it executes Python files from its repository on this "
                "machine, with this app's permissions: they can read files, use the network and the token. Read "
                "that code first, and tick the box only if you trust its author. The consent is for this model only "
                "and lasts for this session.",
                icon=":material/warning:",
            )
            ticked = st.checkbox(f"I trust {md_escape(model.id)} to run its own code here", value=consent,
                                 key=_k(model, "consent"))
            # kept beside the widget: Streamlit drops a widget's state when the page shows another model
            (consented.add if ticked else consented.discard)(model.id)
        if refused is not None:
            show_error(refused)
    return rep


# ----------------------------------------------------------------------------------------------------- input


def _input(model: ModelRecord, spec: TaskSpec) -> tuple[Any, HubExplorerError | None]:
    """The input value in the Hub widget's shape, or the message saying what is missing."""
    model_type = (model.config or {}).get("model_type")
    ex = example_for(spec, model_type if isinstance(model_type, str) else None)
    key = lambda *p: _k(model, spec.task, *p)  # inputs are kept per task
    kind = spec.input_kind
    if kind == "text":
        help_ = None
        if spec.task == "fill-mask":
            mask = "<mask>" if "<mask>" in str(ex) else "[MASK]"
            help_ = f"Put the model's mask token, {mask}, where a word is missing."
        return st.text_area("Text", ex, key=key("text"), height=100, help=help_), None
    if kind == "question+context":
        question = st.text_input("Question", ex["question"], key=key("question"))
        context = st.text_area("Context", ex["context"], key=key("context"), height=120)
        return {"question": question, "context": context}, None
    if kind == "candidate_labels":
        text = st.text_area("Text", ex["inputs"], key=key("text"), height=90)
        labels = st.text_input("Candidate labels (comma-separated)", ", ".join(ex["candidate_labels"]),
                               key=key("labels"))
        return {"inputs": text, "candidate_labels": [s.strip() for s in labels.split(",") if s.strip()]}, None
    if kind == "source_sentence+sentences":
        source = st.text_input("Source sentence", ex["source_sentence"], key=key("source"))
        lines = st.text_area("Sentences to compare, one per line", "\n".join(ex["sentences"]), key=key("sentences"),
                             height=110)
        return {"source_sentence": source, "sentences": [s.strip() for s in lines.splitlines() if s.strip()]}, None
    if kind == "image":
        return _image_input(key)
    if kind == "audio":
        return _audio_input(key)
    return None, InvalidQueryError(f"No input widget for {kind}")


def _image_input(key: Any) -> tuple[Any, HubExplorerError | None]:
    upload = st.file_uploader("Image", type=IMAGE_TYPES, key=key("image"))
    if st.toggle("Use the camera instead", key=key("use_camera")):
        upload = st.camera_input("Take a picture", key=key("camera")) or upload
    if upload is None:
        return None, InvalidQueryError("Upload an image (or take a picture) first.")
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(upload.getvalue()))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        return None, InvalidQueryError(f"That file is not an image this app can read ({exc.__class__.__name__}).")
    st.image(image, caption=f"{image.width} x {image.height}", width=320)
    return image.convert("RGB"), None


def _audio_input(key: Any) -> tuple[Any, HubExplorerError | None]:
    upload = st.file_uploader("Audio file", type=AUDIO_TYPES, key=key("audio"))
    recorded = st.audio_input("Or record", key=key("record"))
    chosen = recorded or upload
    if chosen is None:
        return None, InvalidQueryError("Upload an audio file or record one first.")
    data = chosen.getvalue()
    if data[:4] == b"RIFF":
        try:
            return views.decode_wav(data), None
        except ValueError as exc:
            return None, InvalidQueryError(f"That WAV file cannot be read: {exc}")
    return data, None  # other formats: the pipeline decodes them with ffmpeg


# ----------------------------------------------------------------------------------------------------- a trial


def _trial(model: ModelRecord, spec: TaskSpec, value: Any, *, device: str, dtype: str | None,
           generation: runner.Generation | None, where: str, target: dict[str, Any], report: fit.FitReport | None,
           streaming: bool) -> None:
    token = hub.settings().token
    media = value if spec.input_kind == "image" else None
    try:
        if where == LOCAL:
            result = _local(model, spec, value, device=device, dtype=dtype, generation=generation, token=token,
                            report=report, streaming=streaming)
        else:
            target = dict(target)
            # an endpoint gets only the token typed for it; a provider gets the app's token (Hugging Face's router)
            remote_token = target.pop("token", None) if "endpoint" in target else token
            result = _remote_trial(model, spec, value, generation=generation, target=target, token=remote_token,
                                   streaming=streaming)
    except HubExplorerError as err:
        show_error(err)
        return
    if result is None:
        return
    remote_run = where != LOCAL
    st.session_state[_k(model, "last")] = {"task": spec.task, "result": result, "value": value, "media": media,
                                           "remote": remote_run}
    _show(spec, result, value, media, streamed=streaming, remote_run=remote_run)


def _local(model: ModelRecord, spec: TaskSpec, value: Any, *, device: str, dtype: str | None,
           generation: runner.Generation | None, token: str | None, report: fit.FitReport | None,
           streaming: bool) -> runner.RunResult | None:
    cache = pipelines(runner.default_budget())
    key = runner.cache_key(model.id, spec.task, device=device, dtype=dtype,
                           consent_remote_code=bool(report and report.consent_remote_code))
    consent = bool(report and report.consent_remote_code)
    status = st.status("Preparing the trial", expanded=True)
    below = st.container()  # the streamed text goes here, outside the status box that folds when done
    with status:
        if key in cache:
            st.write(":material/bolt: The pipeline is loaded already: reusing it.")
        else:
            _download(model, report, token, status)

        def stage(name: str) -> None:
            if name == "loading":
                status.update(label="Loading model", expanded=True)
                st.write(":material/memory: Loading the model")
            else:
                status.update(label="Running", expanded=True)
                st.write(":material/play_arrow: Running")

        if streaming:
            stop = threading.Event()
            try:
                pieces, finish = runner.stream(model.id, spec.task, value, device=device, dtype=dtype,
                                               generation=generation, consent_remote_code=consent, token=token,
                                               cache=cache, stop=stop, on_stage=stage)
                status.update(label="Generating", expanded=True)
                with below:
                    st.markdown("**Output**")
                    if isinstance(value, str) and spec.task == "text-generation":
                        st.caption(f"Prompt: {md_escape(value)}")
                    st.write_stream(_remember(pieces, _k(model, "partial")))
                result = finish()
            finally:
                stop.set()  # a Stop click or any rerun interrupts this script run here: the worker stops too
            st.session_state.pop(_k(model, "partial"), None)
        else:
            result = runner.run(model.id, spec.task, value, device=device, dtype=dtype, generation=generation,
                                consent_remote_code=consent, token=token, cache=cache, on_stage=stage)
        load = "reused" if result.from_cache else f"loaded in {result.load_ms / 1000:.2f} s"
        status.update(label=f"Done: model {load}, run {result.run_ms:.0f} ms", state="complete", expanded=False)
    return result


def _download(model: ModelRecord, report: fit.FitReport | None, token: str | None, status: Any) -> None:
    """The pipeline's files into huggingface_hub's cache, with a bar of bytes and files; skipped when cached."""
    files = fit.pipeline_files(model.files or ())
    if not files:
        st.write(":material/download: No file list from the Hub: the model downloads while it loads.")
        return
    if report is not None and report.cached:
        st.write(":material/download_done: Files already in the download cache.")
        return
    status.update(label="Downloading", expanded=True)
    bar = st.progress(0.0, text="Downloading: starting")
    known = report.download_bytes if report is not None else None
    dl = Download(model.id, [f.path for f in files], token=token, known_bytes=known).start()
    while not dl.wait(0.15):
        p = dl.progress
        bar.progress(p.fraction, text=p.label())
    dl.result()
    done = dl.progress
    bar.progress(1.0, text=done.label().replace("Downloading", "Downloaded"))


def _remember(pieces: Iterator[str], key: str) -> Iterator[str]:
    """Pass the pieces on, keeping the text so far in session state (shown after a Stop click)."""
    text = ""
    st.session_state[key] = text
    for piece in pieces:
        text += piece
        st.session_state[key] = text
        yield piece


def _counted(pieces: Iterator[str], count: list[int]) -> Iterator[str]:
    for piece in pieces:
        count[0] += 1
        yield piece


def _remote_trial(model: ModelRecord, spec: TaskSpec, value: Any, *, generation: runner.Generation | None,
                  target: dict[str, Any], token: str | None, streaming: bool) -> runner.RunResult | None:
    if not any(target.values()):
        show_error(InvalidQueryError("Give the endpoint URL first."))
        return None
    where = endpoints.origin(target["endpoint"]) if target.get("endpoint") else f"provider {target.get('provider')}"
    status = st.status(f"Sending to {md_escape(where)}", expanded=True)
    below = st.container()
    with status:
        if streaming:
            stop = threading.Event()
            count = [0]
            t0 = time.perf_counter()
            try:
                pieces = remote.stream_remote(spec.task, value, model=model.id, token=token, generation=generation,
                                              stop=stop, **target)
                with below:
                    st.markdown("**Output**")
                    text = st.write_stream(_remember(_counted(pieces, count), _k(model, "partial")))
            finally:
                stop.set()
            run_ms = (time.perf_counter() - t0) * 1000
            st.session_state.pop(_k(model, "partial"), None)
            text = text if isinstance(text, str) else ""
            prompt = value if spec.task == "text-generation" and isinstance(value, str) else ""
            output = spec.postprocess([{"generated_text": prompt + text}], value)
            result = runner.RunResult(task=spec.task, model=model.id, output=output, raw=text, load_ms=0.0,
                                      run_ms=run_ms, from_cache=False, tokens=count[0],
                                      tokens_per_s=count[0] / (run_ms / 1000) if run_ms > 0 else None)
            status.update(label=f"Done in {run_ms:.0f} ms", state="complete", expanded=False)
            return result
        result = remote.run_remote(spec.task, value, model=model.id, token=token, generation=generation, **target)
        status.update(label=f"Done in {result.run_ms:.0f} ms", state="complete", expanded=False)
    return result


# ---------------------------------------------------------------------------------------------------- output


def _show(spec: TaskSpec, result: runner.RunResult, value: Any, media: Any, *, streamed: bool = False,
          remote_run: bool = False) -> None:
    """The task's output view, then the run's figures."""
    out = result.output
    task = spec.task
    if not streamed:
        st.markdown("**Output**")
    if result.stopped:
        st.info("Stopped before the end, as asked.", icon=":material/stop_circle:")
    if task in ("text-generation",):
        if not streamed:
            st.markdown(f"{md_escape(value) if isinstance(value, str) else ''}**{md_escape(out['continuation'])}**")
    elif spec.generates:
        if not streamed:
            st.markdown(md_escape(out.get("text", "")))
    elif task == "fill-mask":
        st.altair_chart(views.score_bars(views.bar_rows(out, label="token")), width="stretch")
        if out:
            st.caption(f"Best: {md_escape(out[0]['sequence'])}")
    elif task in ("text-classification", "zero-shot-classification", "image-classification"):
        st.altair_chart(views.score_bars(views.bar_rows(out)), width="stretch")
    elif task == "token-classification":
        st.markdown(views.highlight_entities(out["segments"]))
        if out["entities"]:
            st.dataframe([{"Entity": e["text"], "Type": e["label"], "Score": round(e["score"], 3)}
                          for e in out["entities"]], hide_index=True)
        else:
            st.caption("No entities found.")
    elif task == "question-answering":
        st.markdown(views.highlight_answer(out))
        st.caption(f"Answer: {md_escape(out['answer']) or '(none)'}; score {out['score']:.3f}")
    elif task == "sentence-similarity":
        rows = views.similarity_rows(value["sentences"], out)
        st.altair_chart(views.score_bars(rows, title="Cosine similarity", percent=False), width="stretch")
    elif task == "feature-extraction":
        prev = views.feature_preview(out)
        st.markdown(f"**{md_escape(prev['shape'])}**, {md_escape(prev['pooled'])}")
        st.dataframe({"Dimension": list(range(len(prev["preview"]))), "Value": prev["preview"]}, hide_index=True)
        if prev["more"]:
            st.caption(f"… and {prev['more']} more values.")
    elif task == "object-detection":
        if media is not None:
            st.image(views.draw_boxes(media, out), caption=f"{len(out)} objects", width=min(640, media.width))
        st.dataframe([{"Label": r["label"], "Score": round(r["score"], 3), "Box": str(r["box"])} for r in out],
                     hide_index=True)
    elif task == "automatic-speech-recognition":
        st.markdown(f"> {md_escape(out['text'])}" if out["text"] else "_(no speech recognised)_")
    else:
        st.json(out)
    cols = st.columns(4)
    for i, (label, figure) in enumerate(views.metrics(result, remote=remote_run)[:8]):
        cols[i % 4].metric(label, figure)
