"""The try-it output views, one per task row's ``view`` kind, and the run's figures.

:func:`show_output` draws one model's output into the current container (``with column: show_output(...)``), so a
page can show one model, or several side by side for the same input. Model outputs are outside text: they are
shown escaped or in widgets that do not read Markdown. The pure parts (Markdown builders, charts, boxes, figures)
are in :mod:`lib.tryit.render`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import streamlit as st

from lib.format import md_escape
from lib.tryit import render
from lib.tryit.inputs import similarity_input
from lib.tryit.tasks import TaskSpec, ViewKind
from lib.tryit.trial import RunResult


@dataclass(frozen=True)
class Shown:
    """What a view needs besides the output: the input it answers, and whether its text was streamed already."""

    value: Any
    streamed: bool = False


def _continuation(out: dict[str, Any], shown: Shown) -> None:
    if shown.streamed:
        return
    prompt = md_escape(shown.value) if isinstance(shown.value, str) else ""
    more = md_escape(out["continuation"])
    st.markdown(f"{prompt}**{more}**" if more.strip() else f"{prompt} _(nothing generated)_")


def _text(out: dict[str, Any], shown: Shown) -> None:
    if not shown.streamed:
        st.markdown(md_escape(out.get("text", "")) or "_(nothing generated)_")


def _tokens(out: list[dict[str, Any]], shown: Shown) -> None:
    st.altair_chart(render.score_bars(render.bar_rows(out, label="token")), width="stretch")
    if out:
        st.caption(f"Best: {md_escape(out[0]['sequence'])}")


def _bars(out: list[dict[str, Any]], shown: Shown) -> None:
    st.altair_chart(render.score_bars(render.bar_rows(out)), width="stretch")


def _entities(out: dict[str, Any], shown: Shown) -> None:
    st.markdown(render.highlight_entities(out["segments"]))
    if out["entities"]:
        st.dataframe([{"Entity": e["text"], "Type": e["label"], "Score": round(e["score"], 3)}
                      for e in out["entities"]], hide_index=True)
    else:
        st.caption("No entities found.")


def _answer(out: dict[str, Any], shown: Shown) -> None:
    st.markdown(render.highlight_answer(out))
    st.caption(f"Answer: {md_escape(out['answer']) or '(none)'}; score {out['score']:.3f}")


def _similarity(out: list[float], shown: Shown) -> None:
    _, sentences = similarity_input(shown.value)
    rows = render.similarity_rows(sentences, out)
    st.altair_chart(render.score_bars(rows, title="Cosine similarity", percent=False), width="stretch")


def _features(out: dict[str, Any], shown: Shown) -> None:
    prev = render.feature_preview(out)
    st.markdown(f"**{md_escape(prev['shape'])}**, {md_escape(prev['pooled'])}")
    st.dataframe({"Dimension": list(range(len(prev["preview"]))), "Value": prev["preview"]}, hide_index=True)
    if prev["more"]:
        st.caption(f"… and {prev['more']} more values.")


def _boxes(out: list[dict[str, Any]], shown: Shown) -> None:
    image = shown.value
    if hasattr(image, "width") and hasattr(image, "convert"):  # the uploaded image (a Pillow image)
        st.image(render.draw_boxes(image, out), caption=f"{len(out)} objects", width=min(640, image.width))
    st.dataframe([{"Label": r["label"], "Score": round(r["score"], 3), "Box": str(r["box"])} for r in out],
                 hide_index=True)


def _transcript(out: dict[str, Any], shown: Shown) -> None:
    st.markdown(f"> {md_escape(out['text'])}" if out["text"] else "_(no speech recognised)_")


VIEWS: dict[ViewKind, Callable[[Any, Shown], None]] = {
    "continuation": _continuation,
    "text": _text,
    "tokens": _tokens,
    "bars": _bars,
    "entities": _entities,
    "answer": _answer,
    "similarity": _similarity,
    "features": _features,
    "boxes": _boxes,
    "transcript": _transcript,
}


def show_output(spec: TaskSpec, output: Any, *, value: Any, streamed: bool = False) -> None:
    """``output`` (the row's post-processed answer for ``value``) drawn with the row's view, here."""
    VIEWS[spec.view](output, Shown(value, streamed))


def stream_output(spec: TaskSpec, pieces: Iterator[str], *, value: Any) -> None:
    """Generated text drawn here as it arrives, escaped (the prompt above it when the row's answer repeats it)."""
    if spec.prompt_in_output and isinstance(value, str):
        st.caption(f"Prompt: {md_escape(value)}")
    st.write_stream(md_escape(piece) for piece in pieces)


def show_figures(result: RunResult, *, remote: bool = False) -> None:
    """The run's figures (load, run, tokens/s, peak memory) as metrics, four to a row."""
    cols = st.columns(4)
    for i, (label, figure) in enumerate(render.metrics(result, remote=remote)[:8]):
        cols[i % 4].metric(label, figure, help=render.METRIC_HELP.get(label))
