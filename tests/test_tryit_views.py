"""The try-it input widgets and output views (lib.ui.tryit_inputs, lib.ui.tryit_views) drawn from a task row alone:
one input drawn once, its value shown for two models side by side, as the coming compare page will. No model runs
here: the outputs are the rows' own post-processing of raw answers in the pipelines' shapes."""

from __future__ import annotations

import re

from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from lib.format import md_escape
from lib.tryit.inputs import InputKind
from lib.tryit.tasks import TASKS, ViewKind


def test_every_input_kind_has_a_widget_and_every_view_kind_a_view():
    from lib.ui import tryit_inputs, tryit_views

    assert set(tryit_inputs.INPUTS) == set(InputKind.__args__)
    assert set(tryit_views.VIEWS) == set(ViewKind.__args__)
    assert {spec.input_kind for spec in TASKS.values()} <= set(tryit_inputs.INPUTS)
    assert {spec.view for spec in TASKS.values()} <= set(tryit_views.VIEWS)


def _two_models_side_by_side() -> None:
    import streamlit as st

    from lib.tryit.tasks import get_task
    from lib.ui.tryit_inputs import draw_input
    from lib.ui.tryit_views import show_output

    spec = get_task("text-classification")
    value, _error = draw_input(spec, "compare")  # drawn once ...
    answers = [[{"label": "POS", "score": 0.9}, {"label": "NEG", "score": 0.1}],
               [[{"label": "POS", "score": 0.2}, {"label": "NEG", "score": 0.8}]]]
    for column, raw in zip(st.columns(2), answers, strict=True):  # ... its value shown for two models
        with column:
            show_output(spec, spec.postprocess(raw, value), value=value)
    text = get_task("summarization")
    show_output(text, text.postprocess([{"summary_text": "**not bold** :red[x] <b>y</b>"}], value), value=value)
    qa = get_task("question-answering")
    asked = {"question": "Where?", "context": "In [Berlin](http://evil)."}
    show_output(qa, qa.postprocess({"answer": "[Berlin](http://evil)", "score": 0.5}, asked), value=asked)


def _bars(chart) -> list[tuple[str, float]]:
    frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
    return [(r["label"], r["score"]) for f in frames if "label" in f for r in f.to_dict("records")]


def test_one_input_two_outputs_in_columns_and_outside_text_stays_text():
    at = AppTest.from_function(_two_models_side_by_side, default_timeout=60).run()
    assert not at.exception, at.exception
    (box,) = at.text_area
    assert box.key == "compare:text" and box.value == TASKS["text-classification"].example
    left, right = at.columns
    (chart_left,), (chart_right,) = left.get("vega_lite_chart"), right.get("vega_lite_chart")
    assert _bars(chart_left) == [("POS", 0.9), ("NEG", 0.1)]  # best first, in its own column
    assert _bars(chart_right) == [("NEG", 0.8), ("POS", 0.2)]
    shown = [m.value for m in at.markdown]
    assert md_escape("**not bold** :red[x] <b>y</b>") in shown  # a model's text is never Markdown or HTML
    answer = next(m for m in shown if "green-background" in m)
    assert "](" not in re.sub(r"\\.", "", answer)  # the link in the context stays literal text
