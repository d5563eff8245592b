"""The model view's "Try it" tab: run the model here (or remotely) on an input made for its task.

Order on the page: task and where to run -> settings -> "Will it run here?" (figures from the model's record,
before anything is downloaded; refusals disable Run) -> input widgets in the Hub widget's conventions -> Run ->
progress (download bar with bytes and files, loading, running, in an ``st.status``) -> the task's output view and
the run's figures (load, run, tokens/s, the model's own peak memory). For a text input, "Tokens" shows how the
model's tokenizer splits it (tokenizer files only, on request). Every task is drawn from its row: the input widget
(:mod:`lib.ui.tryit_inputs`), the output view (:mod:`lib.ui.tryit_views`); nothing here branches on a task's name.

Tokens: the app's own token goes to the Hub (download, fit check) and to Inference Providers; an endpoint URL gets
only the token typed for it in this session (see :mod:`lib.tryit.endpoints`).

Loaded pipelines live in one ``PipelineCache`` per server (``st.cache_resource``), bounded by
``Settings.tryit_budget_mb``, so a rerun or another session reuses them. Nothing here imports torch or
transformers at module level: :mod:`lib.tryit.runner` imports them inside a trial.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import streamlit as st

from lib.errors import HubExplorerError, InvalidQueryError
from lib.format import human_bytes, md_escape
from lib.records import ModelRecord, ParamCounts
from lib.tryit import endpoints, fit, remote, runner
from lib.tryit import render as views
from lib.tryit.cache import PipelineCache, cache_key, default_budget
from lib.tryit.download import Download
from lib.tryit.inputs import token_text
from lib.tryit.tasks import TASKS, TaskSpec, example_for, get_task, input_help, model_task, supported_tasks
from lib.tryit.trial import Generation, RunResult
from lib.ui import hub_cache, tryit_inputs, tryit_views
from lib.ui.components import show_error
from lib.ui.tokens_view import render_tokens

DTYPES = ("auto", "float32", "float16", "bfloat16")
CONSENTS = "tryit:remote-code-consents"
LOCAL, PROVIDERS, ENDPOINT = "This machine", "Inference Providers", "Endpoint URL"
MEDIA = ("image", "audio")  # input kinds without a text to split into tokens


@st.cache_resource(show_spinner=False, max_entries=1)
def pipelines(budget_bytes: int) -> PipelineCache:
    """One cache of loaded pipelines per server: reruns and sessions share it; it locks per model.

    A changed budget makes a new cache and drops the old one (``max_entries=1``) with the models it held.
    """
    return PipelineCache(budget_bytes=budget_bytes)


@st.cache_resource(show_spinner=False)
def _probed_devices() -> list[str]:
    return runner.devices(probe=True)


def _k(model: ModelRecord, *parts: str) -> str:
    """A widget/state key scoped to this model, so choices and consent never leak to another model."""
    return ":".join(("tryit", model.id, *parts))


def default_task(model: ModelRecord) -> str | None:
    """The row the model is tried with: its declared task (a chat for an instruct model), None when no row
    serves it."""
    return model_task(model.pipeline_tag, chat_template=model.has_chat_template)


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
    if spec.input_kind not in MEDIA:
        with st.expander("Tokens", icon=":material/token:"):
            render_tokens([model], token_text(value) or "", key=_k(model, "tokens"))
    streaming = spec.streams if where == LOCAL else spec.streams_remotely
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
        _show(spec, last["result"], last["value"], remote_run=last.get("remote", False))


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
              where: str) -> tuple[str, str | None, Generation | None, dict[str, Any]]:
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
        target.update(endpoint_target(model))
    generation = generation_settings(lambda part: _k(model, part)) if spec.generates else None
    return device, dtype, generation, target


def generation_settings(key: Callable[[str], str]) -> Generation:
    """The generation settings in an expander (widget keys ``key(part)``): max new tokens, temperature, top-p,
    seed."""
    with st.expander("Generation settings", icon=":material/tune:"):
        g1, g2, g3, g4 = st.columns(4)
        max_new = g1.number_input("Max new tokens", 1, 2048, 48, key=key("max_new"))
        temperature = g2.slider("Temperature", 0.0, 2.0, 0.0, 0.05, key=key("temperature"),
                                help="0 is greedy: always the most likely token.")
        top_p = g3.slider("Top-p", 0.05, 1.0, 1.0, 0.05, key=key("top_p"),
                          help="Sampling keeps the smallest set of tokens whose probabilities add up to this.",
                          disabled=temperature == 0)
        seed = g4.number_input("Seed", 0, 2**31 - 1, None, key=key("seed"), placeholder="random")
    return Generation(max_new_tokens=int(max_new), temperature=float(temperature) or None,
                      top_p=float(top_p) if temperature else None, seed=int(seed) if seed is not None else None)


def endpoint_target(model: ModelRecord) -> dict[str, Any]:
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
    token = hub_cache.settings().token
    record = replace(model, params=params or model.params)
    budget = default_budget()
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
    """The input widgets for the row, starting from the model's own example (its card's widget data, for the
    model's own task) and mask token, else the row's defaults; inputs are kept per model and task."""
    own_task = default_task(model) == spec.task
    example = example_for(spec, widget_data=model.widget_data if own_task else None, mask_token=model.mask_token)
    return tryit_inputs.draw_input(spec, _k(model, spec.task), example=example,
                                   help_text=input_help(spec, model.mask_token))


# ----------------------------------------------------------------------------------------------------- a trial


def _trial(model: ModelRecord, spec: TaskSpec, value: Any, *, device: str, dtype: str | None,
           generation: Generation | None, where: str, target: dict[str, Any], report: fit.FitReport | None,
           streaming: bool) -> None:
    token = hub_cache.settings().token
    try:
        if where == LOCAL:
            result = _local(model, spec, value, device=device, dtype=dtype, generation=generation, token=token,
                            report=report, streaming=streaming)
        else:
            target = dict(target)
            # an endpoint gets only the token typed for it; a provider gets the app's token (Hugging Face's router)
            remote_token = target.pop("token", None) if "endpoint" in target else token
            result = _remote(model, spec, value, generation=generation, target=target, token=remote_token,
                             streaming=streaming)
    except HubExplorerError as err:
        show_error(err)
        return
    if result is None:
        return
    remote_run = where != LOCAL
    st.session_state[_k(model, "last")] = {"task": spec.task, "result": result, "value": value, "remote": remote_run}
    _show(spec, result, value, streamed=streaming, remote_run=remote_run)


Started = tuple[Iterator[str], Callable[[], RunResult]]


def _streamed(model: ModelRecord, spec: TaskSpec, value: Any, start: Callable[[threading.Event], Started],
              below: Any) -> RunResult:
    """A generation streamed into ``below`` (local or remote: both give ``(pieces, result)``). A Stop click or any
    rerun interrupts this script run while it streams: the stop event then ends the generation too."""
    stop = threading.Event()
    try:
        pieces, finish = start(stop)
        with below:
            st.markdown("**Output**")
            tryit_views.stream_output(spec, _remember(pieces, _k(model, "partial")), value=value)
        result = finish()
    finally:
        stop.set()
    st.session_state.pop(_k(model, "partial"), None)
    return result


def _local(model: ModelRecord, spec: TaskSpec, value: Any, *, device: str, dtype: str | None,
           generation: Generation | None, token: str | None, report: fit.FitReport | None,
           streaming: bool) -> RunResult:
    cache = pipelines(default_budget())
    consent = bool(report and report.consent_remote_code)
    key = cache_key(model.id, spec.task, device=device, dtype=dtype, consent_remote_code=consent)
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

        options = {"device": device, "dtype": dtype, "generation": generation, "consent_remote_code": consent,
                   "token": token, "cache": cache, "on_stage": stage}
        if streaming:
            def start(stop: threading.Event) -> Started:
                started = runner.stream(model.id, spec.task, value, stop=stop, **options)
                status.update(label="Generating", expanded=True)
                return started

            result = _streamed(model, spec, value, start, below)
        else:
            result = runner.run(model.id, spec.task, value, **options)
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


def _remote(model: ModelRecord, spec: TaskSpec, value: Any, *, generation: Generation | None,
            target: dict[str, Any], token: str | None, streaming: bool) -> RunResult | None:
    if not any(target.values()):
        show_error(InvalidQueryError("Give the endpoint URL first."))
        return None
    where = endpoints.origin(target["endpoint"]) if target.get("endpoint") else f"provider {target.get('provider')}"
    status = st.status(f"Sending to {md_escape(where)}", expanded=True)
    below = st.container()
    with status:
        if streaming:
            result = _streamed(model, spec, value, lambda stop: remote.stream_remote(
                spec.task, value, model=model.id, token=token, generation=generation, stop=stop, **target), below)
        else:
            result = remote.run_remote(spec.task, value, model=model.id, token=token, generation=generation,
                                       **target)
        status.update(label=f"Done in {result.run_ms:.0f} ms", state="complete", expanded=False)
    return result


# ---------------------------------------------------------------------------------------------------- output


def _show(spec: TaskSpec, result: RunResult, value: Any, *, streamed: bool = False, remote_run: bool = False) -> None:
    """The row's output view, then the run's figures."""
    if not streamed:
        st.markdown("**Output**")
    if result.stopped:
        st.info("Stopped before the end, as asked.", icon=":material/stop_circle:")
    tryit_views.show_output(spec, result.output, value=value, streamed=streamed)
    tryit_views.show_figures(result, remote=remote_run)
