"""Run one input through several models on one page (the compare page calls :func:`render_multi_run`), and their
tokens side by side (:func:`render_tokens`, from :mod:`lib.ui.tokens_view`).

Order on the page: the common task (or a choice) -> where to run (this machine, Inference Providers, an endpoint URL
per model, with the Try it tab's widgets and token rule) -> settings -> the models that will be skipped and why
(decided from their records before anything is downloaded: :func:`lib.tryit.multi.plan`) -> the input, drawn once
-> Run -> a progress line (which model is downloading, loading or running) with Stop -> the outputs side by side, each
in its task's own view with its figures -> a chart of the scores where the task has them -> the figures in one
table.

The run goes on in a background thread (:class:`lib.tryit.multi.MultiRun`) kept in session state; the results area
is a fragment that redraws itself every half second while it runs, so text streams in and Stop lands between two
models (the run ends after the current one). Pipelines come from the Try it tab's cache (one per server), so models
loaded there are reused here and the other way round. Nothing here imports torch or transformers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from lib.errors import HubExplorerError, InvalidQueryError
from lib.format import md_escape
from lib.records import ModelRecord
from lib.tryit import endpoints, fit, multi, runner
from lib.tryit import render as views
from lib.tryit.cache import default_budget
from lib.tryit.tasks import TASKS, TaskSpec, example_for, get_task, input_help, model_task, supported_tasks
from lib.ui import hub_cache, tryit_inputs, tryit_views
from lib.ui.components import show_error
from lib.ui.tokens_view import render_tokens
from lib.ui.tryit_panel import (
    CONSENTS,
    DTYPES,
    ENDPOINT,
    LOCAL,
    PROVIDERS,
    endpoint_target,
    generation_settings,
    pipelines,
)

__all__ = ["render_multi_run", "render_tokens"]

PER_ROW = 3  # output columns side by side
REFRESH_S = 0.5  # how often the results redraw while the run goes on


def render_multi_run(models: Sequence[ModelRecord], *, key: str) -> None:
    """The whole "run one input through these models" section for ``models`` (Hub records with files and, where
    known, parameter counts), under widget keys starting with ``key``."""
    if not models:
        st.info("Add models to run an input through them.", icon=":material/info:")
        return
    spec = _task(models, key)
    if spec is None:
        return
    where = st.segmented_control("Run on", (LOCAL, PROVIDERS, ENDPOINT), default=LOCAL, key=f"{key}:where") or LOCAL
    device, dtype, targets = _where(models, key, where)
    generation = generation_settings(lambda part: f"{key}:{part}") if spec.generates else None
    consent = _consents(models, key) if where == LOCAL else set()
    budget = default_budget()
    try:
        planned = multi.plan(models, spec.task, token=hub_cache.settings().token, consent=consent, budget=budget,
                             device=device, dtype=dtype, remote=targets)
    except HubExplorerError as err:
        show_error(err)
        return
    skipped = [p for p in planned if not p.runnable]
    if skipped:
        st.markdown("**Skipped**")
        for p in skipped:
            st.caption(f":material/block: {md_escape(p.model)}: {md_escape(p.skipped or '')}")
    if where == LOCAL:
        st.caption(md_escape(multi.budget_line(budget)))

    st.markdown("**Input**")
    value, input_error = _input(models, spec, key)
    running = _job(key)
    busy = running is not None and not running["job"].done
    clicked = st.button("Run on every model", key=f"{key}:run", type="primary", icon=":material/play_arrow:",
                        disabled=busy or not any(p.runnable for p in planned))
    if clicked:
        error = input_error
        if error is None:
            try:
                spec.prepare(value)  # the input's shape, checked before anything loads
            except HubExplorerError as err:
                error = err
        if error is not None:
            show_error(error)
        else:
            job = multi.MultiRun(planned, value, cache=pipelines(budget), generation=generation, device=device,
                                 dtype=dtype, token=hub_cache.settings().token).start()
            st.session_state[f"{key}:job"] = {"job": job, "task": spec.task, "value": value, "live": True}
            st.rerun()  # the page again, as it is while a run goes on (Run disabled, Stop and the progress shown)
    state = _job(key)
    live = state is not None and not state["job"].done
    st.fragment(_results, run_every=REFRESH_S if live else None)(key)


# --------------------------------------------------------------------------------------------------- choices


def _task(models: Sequence[ModelRecord], key: str) -> TaskSpec | None:
    """The models' common task first (a chat when they are instruct models), any row on request."""
    common = multi.common_tasks(models)
    choices = common + [t for t in supported_tasks() if t not in common]
    default = common[0] if common else None
    if len(common) > 1:
        st.caption(f"These models declare different tasks ({md_escape(', '.join(common))}); models of another task "
                   "than the one chosen are skipped.")
    name = st.selectbox("Task", choices, index=choices.index(default) if default else None, key=f"{key}:task",
                        format_func=lambda t: f"{TASKS[t].label} ({t})", placeholder="Pick a task")
    return get_task(name) if name else None


def _where(models: Sequence[ModelRecord], key: str,
           where: str) -> tuple[str, str | None, multi.RemoteTarget | dict[str, multi.RemoteTarget] | None]:
    """Device and dtype here, or the remote target(s): one provider for all, or an endpoint URL per model (with
    the token typed for it; the app's own token never goes to an endpoint URL)."""
    if where == LOCAL:
        c1, c2 = st.columns(2)
        device = c1.selectbox("Device", runner.devices(), key=f"{key}:device", help="Devices this machine has.")
        chosen = c2.selectbox("dtype", DTYPES, key=f"{key}:dtype", help="auto keeps the dtypes the weights are "
                                                                         "stored in.")
        return device, None if chosen == "auto" else chosen, None
    if where == PROVIDERS:
        provider = st.selectbox("Provider", list(endpoints.known_providers()), key=f"{key}:provider",
                                help="auto lets the Hub pick a provider that serves each model.")
        st.caption("The input is sent to a third-party provider through Hugging Face's router, with your token.")
        return "cpu", None, multi.RemoteTarget(provider=provider, token=hub_cache.settings().token)
    st.caption("An endpoint URL serves one model: give each model its own server (models without one are skipped).")
    targets: dict[str, multi.RemoteTarget] = {}
    for model in models:
        with st.container(border=True):
            st.markdown(f"**{md_escape(model.id)}**")
            given = endpoint_target(model)
        targets[model.id] = multi.RemoteTarget(endpoint=given["endpoint"], token=given["token"])
    return "cpu", None, targets


def _consents(models: Sequence[ModelRecord], key: str) -> set[str]:
    """Remote-code consent per model (the same consents as the Try it tab's, for this session)."""
    consented: set[str] = st.session_state.setdefault(CONSENTS, set())
    for model in models:
        if not fit.needs_remote_code(model):
            continue
        ticked = st.checkbox(f"I trust {md_escape(model.id)} to run its own code here", value=model.id in consented,
                             key=f"{key}:consent:{model.id}",
                             help="Running it executes Python files from its repository on this machine, with this "
                                  "app's permissions. Read that code first.")
        (consented.add if ticked else consented.discard)(model.id)
    return set(consented)


def _input(models: Sequence[ModelRecord], spec: TaskSpec, key: str) -> tuple[Any, HubExplorerError | None]:
    """The input, drawn once: the first model's own example for this task, else the row's; a fill-mask text keeps
    BERT's [MASK], which each model gets as its own mask token."""
    own = next((m for m in models if model_task(m.pipeline_tag, chat_template=m.has_chat_template) == spec.task),
               None)
    example = example_for(spec, widget_data=own.widget_data if own is not None else None)
    if spec.mask and own is not None and own.mask_token and isinstance(example, str):
        example = example.replace(own.mask_token, "[MASK]")
    help_text = input_help(spec)
    if spec.mask:
        help_text = (help_text or "") + " Each model gets its own mask token in its place."
    return tryit_inputs.draw_input(spec, f"{key}:{spec.task}", example=example, help_text=help_text)


# ---------------------------------------------------------------------------------------------------- the run


def _job(key: str) -> dict[str, Any] | None:
    return st.session_state.get(f"{key}:job")


def _stop(key: str) -> None:
    state = _job(key)
    if state is not None:
        state["job"].stop()


def _results(key: str) -> None:
    """The run's progress and outputs (a fragment: it redraws alone while the run goes on)."""
    state = _job(key)
    if state is None:
        return
    job: multi.MultiRun = state["job"]
    snap = job.snapshot()
    spec = get_task(state["task"])
    if not snap.done:
        line = snap.progress.line() if snap.progress is not None else "Starting"
        if snap.stopping:
            line += " (stopping after this model, as asked)"
        row = st.container(horizontal=True, vertical_alignment="center")
        row.markdown(f":material/progress_activity: {md_escape(line)}")
        row.button("Stop", key=f"{key}:stop", icon=":material/stop_circle:", disabled=snap.stopping,
                   help="Ends the run after the model that is running now.", on_click=_stop, args=(key,))
    elif state.get("live"):
        state["live"] = False
        st.rerun()  # the whole page once more: Run and Stop come back, the fragment stops redrawing
    if snap.error is not None:
        show_error(snap.error if isinstance(snap.error, HubExplorerError)
                   else InvalidQueryError(f"The run ended early: {type(snap.error).__name__}"))
    current = snap.progress.index if snap.progress is not None else None
    for start in range(0, len(job.planned), PER_ROW):
        chunk = job.planned[start:start + PER_ROW]
        for col, planned in zip(st.columns(PER_ROW), chunk, strict=False):
            with col:
                _one(spec, planned, snap.runs.get(planned.index), snap.texts.get(planned.index),
                     now=planned.index == current)
    ran = [r for r in snap.runs.values() if r.ok]
    if not ran:
        return
    frame = multi.scores(spec.task, ran)
    if len(frame):
        st.markdown("**Scores side by side**")
        st.altair_chart(views.model_score_bars(frame, title="Cosine similarity" if spec.view == "similarity"
                                               else "Score", percent=spec.view != "similarity"), width="stretch")
    st.markdown("**Figures**")
    st.dataframe(multi.figures_table(ran), hide_index=True, width="stretch", column_config={
        "Load (s)": st.column_config.NumberColumn(format="%.2f"),
        "Run (ms)": st.column_config.NumberColumn(format="%.0f"),
        "Tokens/s": st.column_config.NumberColumn(format="%.1f"),
        "Peak memory (MB)": st.column_config.NumberColumn(format="%.1f", help=views.MEMORY_MEASURED),
    })
    st.caption(f"Peak memory: {md_escape(views.MEMORY_MEASURED)}")


def _one(spec: TaskSpec, planned: multi.Planned, run: multi.ModelRun | None, text: str | None, *, now: bool) -> None:
    """One model's column: its name, then its output and figures, why it was skipped, its error, or its state."""
    st.markdown(f"**{md_escape(planned.model)}**")
    if run is None:
        if text:
            st.markdown(md_escape(text))  # streamed so far
        else:
            st.caption("Running…" if now else "Waiting")
        return
    if run.skipped is not None:
        st.caption(f":material/block: Skipped: {md_escape(run.skipped)}")
        return
    if run.error is not None:
        show_error(run.error)
        return
    assert run.result is not None
    if run.result.stopped:
        st.info("Stopped before the end, as asked.", icon=":material/stop_circle:")
    tryit_views.show_output(spec, run.result.output, value=run.value)
    st.caption(" · ".join(f"{label} {md_escape(value)}" for label, value in multi.figures(run)))
