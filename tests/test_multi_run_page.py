"""The compare page's "run one input through these models" section and the tokens side by side, in AppTest
(tests/apps/multi_run_app.py draws them alone), with tiny models served by the fake Hub.

The run goes on in a background thread: a test clicks Run, waits for the job kept in session state, then reruns the
page to read what it shows. Loads torch and transformers once (about 10 s).
"""

from __future__ import annotations

import html
import re
import threading
from pathlib import Path

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from tests.tiny_models import CHAT_TEMPLATE, build

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = ["NEGATIVE", "POSITIVE"]
MOODS = ["sad", "happy", "calm"]


@pytest.fixture(scope="module")
def tiny(fake_hub, tmp_path_factory):
    root = tmp_path_factory.mktemp("multi-page")
    ids = {}

    def add(name: str, kind: str, folder: Path) -> None:
        ids[name] = f"mpage/{name}"
        ids[f"path:{name}"] = str(folder)
        fake_hub.add_local_repo("model", ids[name], folder, pipeline_tag=kind)

    add("sentiment", "text-classification", build("text-classification", root / "a", labels=SENTIMENT))
    add("moods", "text-classification", build("text-classification", root / "b", labels=MOODS, seed=1))
    add("fill", "fill-mask", build("fill-mask", root / "fill"))
    add("chat-a", "text-generation", build("text-generation", root / "chat-a", chat_template=CHAT_TEMPLATE))
    add("chat-b", "text-generation", build("text-generation", root / "chat-b", chat_template=CHAT_TEMPLATE, seed=2))
    add("tok-bert", "fill-mask", build("fill-mask", root / "tok-bert"))  # tokenized by the tokens test alone
    add("tok-gpt2", "text-generation", build("text-generation", root / "tok-gpt2"))
    return ids


def app(models: list[str], **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "tests/apps/multi_run_app.py"), default_timeout=180)
    at.session_state["test:models"] = models
    for name, value in state.items():
        at.session_state[name] = value
    return at.run()


def finish(at: AppTest) -> AppTest:
    """Wait for the background run, then draw the page as its next redraw would."""
    assert at.session_state["cmp:job"]["job"].wait(180)
    return at.run()


def texts(at: AppTest) -> str:
    """What the page says, as read (Markdown's escaping backslashes dropped)."""
    said = "\n".join(str(e.value) for kind in ("markdown", "caption", "error", "warning", "info") for e in at.get(kind))
    return re.sub(r"\\(.)", r"\1", said)


def chart_rows(chart) -> list[dict]:
    frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
    return [r for f in frames if "label" in f for r in f.to_dict("records")]


def test_two_classifiers_with_different_labels_and_a_skipped_model(tiny):
    at = app([tiny["sentiment"], tiny["fill"], tiny["moods"]])
    assert not at.exception, at.exception
    assert at.selectbox(key="cmp:task").value == "text-classification"  # the common task
    before = texts(at)
    assert "mpage/fill" in before and "another task: fill-mask" in before  # said before anything runs
    at.button(key="cmp:run").click().run()
    assert not at.exception, at.exception
    at = finish(at)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    runs = at.session_state["cmp:job"]["job"].snapshot().runs
    assert {r["label"] for r in runs[0].output} == set(SENTIMENT) and {r["label"] for r in runs[2].output} == set(MOODS)
    assert "Skipped: another task" in texts(at)

    charts = at.get("vega_lite_chart")
    assert len(charts) == 3  # each model's bars, then the scores side by side
    together = chart_rows(charts[-1])
    assert {(r["model"], r["label"]) for r in together} == (
        {(tiny["sentiment"], label) for label in SENTIMENT} | {(tiny["moods"], label) for label in MOODS})
    for r in together:  # the chart shows each model's own scores
        own = next(o for o in runs[0 if r["model"] == tiny["sentiment"] else 2].output if o["label"] == r["label"])
        assert r["score"] == pytest.approx(own["score"])
    assert [r["label"] for r in chart_rows(charts[0])] == [o["label"] for o in runs[0].output]  # its own view

    figures = at.dataframe[-1].value
    assert list(figures["Model"]) == [tiny["sentiment"], tiny["moods"]]
    assert (figures["Peak memory (MB)"] >= 0).all() and (figures["Run (ms)"] > 0).all()
    assert "Peak memory: This model's own" in texts(at)


def test_stop_ends_the_run_after_the_current_model(tiny, monkeypatch):
    from lib.tryit import multi

    gate = threading.Event()
    real = multi._here

    def held(*args, **kwargs):
        gate.wait(60)  # the first model waits here until the test has clicked Stop
        return real(*args, **kwargs)

    monkeypatch.setattr(multi, "_here", held)
    at = app([tiny["sentiment"], tiny["moods"]])
    at.button(key="cmp:run").click().run()
    assert at.button(key="cmp:run").disabled  # while it runs
    assert "Model 1 of 2" in texts(at) or "Starting" in texts(at)  # the progress line
    at.button(key="cmp:stop").click().run()
    assert at.session_state["cmp:job"]["job"].snapshot().stopping and at.button(key="cmp:stop").disabled
    gate.set()
    at = finish(at)
    runs = at.session_state["cmp:job"]["job"].snapshot().runs
    assert runs[0].ok and runs[1].skipped == "stopped before it ran, as asked"
    assert "stopped before it ran" in texts(at) and not at.button(key="cmp:run").disabled
    assert not [b for b in at.button if b.key == "cmp:stop"]  # nothing to stop any more


def test_a_prompt_to_two_instruct_models(tiny):
    at = app([tiny["chat-a"], tiny["chat-b"]])
    assert at.selectbox(key="cmp:task").value == "chat"  # instruct models: a chat input
    assert at.text_area(key="cmp:chat:system").value == "You are a helpful assistant."
    at.text_area(key="cmp:chat:system").set_value("Be terse.")  # the tiny models read 64 tokens at most
    at.text_area(key="cmp:chat:messages").set_value("User: My name is Sarah")
    at.number_input(key="cmp:max_new").set_value(6)
    at.button(key="cmp:run").click().run()
    at = finish(at)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    runs = at.session_state["cmp:job"]["job"].snapshot().runs
    answers = [runs[i].output["text"] for i in (0, 1)]
    assert all(answers) and answers[0] != answers[1]
    shown = texts(at)
    assert all(a.strip()[:4] in shown for a in answers)
    figures = at.dataframe[-1].value
    assert (figures["Tokens/s"] > 0).all()


def test_endpoints_one_per_model_and_a_model_without_one_is_skipped(tiny):
    from tests.inference_server import InferenceServer

    with InferenceServer() as srv:
        srv.add_model(tiny["moods"], "text-classification", tiny["path:moods"])
        at = app([tiny["sentiment"], tiny["moods"]], **{"cmp:where": "Endpoint URL"})
        at.text_input(key=f"tryit:{tiny['moods']}:endpoint").set_value(srv.endpoint(tiny["moods"])).run()
        assert "no endpoint URL given for it" in texts(at)
        at.button(key="cmp:run").click().run()
        at = finish(at)
        assert srv.requests and all(r.path.startswith(f"/models/{tiny['moods']}") for r in srv.requests)
    runs = at.session_state["cmp:job"]["job"].snapshot().runs
    assert runs[0].skipped and {r["label"] for r in runs[1].output} == set(MOODS) and runs[1].remote
    assert at.dataframe[-1].value["Pipeline"].tolist() == ["on the server"]


HOSTILE = 'My name is <script>alert("x")</script> & I live in "London"'


def test_tokens_side_by_side_are_escaped_and_counted_in_one_row(tiny, hub):
    from tokenizers import Tokenizer

    at = app([tiny["tok-bert"], tiny["tok-gpt2"]], **{"test:tokens": HOSTILE})
    assert not at.get("html")  # nothing downloaded until asked
    hub.clear_requests()
    at.toggle(key="cmp-tokens:show").set_value(True).run()
    assert not at.exception, at.exception
    fetched = [r.path for r in hub.requests if "/resolve/" in r.path]
    assert fetched and not any(p.endswith((".safetensors", ".bin")) for p in fetched)  # tokenizer files only
    shown = [h.proto.body for h in at.get("html")]
    assert len(shown) == 2
    for body in shown:
        assert "<script>" not in body and "&lt;" in body and "&quot;" in body, body
        assert html.unescape(re.sub(r"<[^>]+>", "", body)) == HOSTILE  # every piece escaped: the text comes back
    expected = {}
    for name, body in zip(("tok-bert", "tok-gpt2"), shown, strict=True):
        ids = Tokenizer.from_file(str(Path(tiny[f"path:{name}"]) / "tokenizer.json")).encode(HOSTILE).ids
        expected[tiny[name]] = len(ids)
        marked = [int(t) for t in re.findall(r'title="id (\d+)"', body)]
        assert set(marked) <= set(ids) and len(marked) >= len(ids) - 3  # the specials are not in the text
    counts = at.dataframe[-1].value
    assert list(counts.index) == ["Tokens", "Share of the context"]
    assert {m: int(counts.loc["Tokens", m].replace(",", "")) for m in counts.columns} == expected
