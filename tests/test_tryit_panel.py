"""The model view's "Try it" tab in AppTest, with tiny random models served through the fake Hub.

SLOW-ish: the first run imports torch and transformers (about 10 s here); each tiny model loads in well under a
second. Refusals and input errors never load anything.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from lib.tryit.tasks import supported_tasks
from tests.conftest import VALID_TOKEN
from tests.tiny_models import CHAT_TEMPLATE, build

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tiny(fake_hub, tmp_path_factory):
    """Repo ids on the fake Hub: runnable tiny models, and records made to be refused."""
    root = tmp_path_factory.mktemp("tryit-panel")
    ids = {}
    for kind in ("text-classification", "text-generation"):
        folder = build(kind, root / kind)
        ids[kind] = f"tiny-panel/{kind}"
        ids[f"path:{kind}"] = folder
        fake_hub.add_local_repo("model", ids[kind], folder, pipeline_tag=kind)
    folder = build("fill-mask", root / "gated")
    ids["gated"] = "tiny-panel/gated"
    fake_hub.add_local_repo("model", ids["gated"], folder, pipeline_tag="fill-mask", gated="auto")
    folder = build("text-classification", root / "remote")
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoModelForSequenceClassification": "modeling_evil.Evil"}
    (folder / "config.json").write_text(json.dumps(config))
    for name in ("remote", "remote-2"):
        ids[name] = f"tiny-panel/{name}-code"
        fake_hub.add_local_repo("model", ids[name], folder, pipeline_tag="text-classification",
                                tags=["transformers", "custom_code", "text-classification"])
    # a RoBERTa-style fill-mask model (mask token "<mask>", config model_type still "bert"): the Hub's metadata says
    # so, in mask_token and in the card's widget example; "[MASK]" in its input would fail
    folder = build("fill-mask", root / "roberta-style", mask_token="<mask>")
    ids["own-example"] = "tiny-panel/own-example"
    fake_hub.add_local_repo("model", ids["own-example"], folder, pipeline_tag="fill-mask", mask_token="<mask>",
                            widgetData=[{"text": "My name is Sarah and I live in <mask>.", "example_title": "Home"}])
    ids["mask-only"] = "tiny-panel/mask-only"
    fake_hub.add_local_repo("model", ids["mask-only"], folder, pipeline_tag="fill-mask", mask_token="<mask>")
    ids["unsupported"] = "tiny-panel/video"
    fake_hub.add_local_repo("model", ids["unsupported"], folder, pipeline_tag="text-to-video")
    folder = build("text-generation", root / "chat", chat_template=CHAT_TEMPLATE)  # an instruct model
    ids["chat"], ids["path:chat"] = "tiny-panel/chat", folder
    fake_hub.add_local_repo("model", ids["chat"], folder, pipeline_tag="text-generation")
    return ids


def page(repo: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages/models.py"), default_timeout=180)
    at.query_params["repo"] = repo
    return at.run()


def token_html(at: AppTest) -> list:
    """The page's HTML elements but the detail's scroll-into-view script: the marked tokens."""
    return [h for h in at.get("html") if "<script" not in h.proto.body]


def key(repo: str, *parts: str) -> str:
    return ":".join(("tryit", repo, *parts))


def plain(text: str) -> str:
    """Markdown as read: escaping backslashes dropped."""
    return re.sub(r"\\(.)", r"\1", text)


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "warning", "info") for e in at.get(kind)]
    return plain("\n".join(str(p) for p in parts))


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_text_classification_runs_with_bars_and_figures_and_a_rerun_does_not_reload(tiny):
    repo = tiny["text-classification"]
    at = page(repo)
    assert not at.exception, at.exception
    assert at.selectbox(key=key(repo, "task")).value == "text-classification"  # the model's pipeline_tag
    assert at.text_area(key=key(repo, "text-classification", "text")).value == "I like you. I love you."
    assert "Will it run here?" in texts(at) and "it fits" in texts(at)
    run = at.button(key=key(repo, "run"))
    assert not run.disabled
    run.click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    first = at.session_state[key(repo, "last")]["result"]
    assert not first.from_cache and first.load_ms > 0 and first.peak_bytes is not None  # sizes: test_tryit_multi
    charts = at.get("vega_lite_chart")
    assert charts, "no score bars"
    frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in charts[-1].proto.datasets]
    rows = [r for f in frames if "label" in f for r in f.to_dict("records")]
    assert {r["label"] for r in rows} == {"NEGATIVE", "POSITIVE"}
    assert sum(r["score"] for r in rows) == pytest.approx(1.0, abs=1e-4)
    assert [r["label"] for r in rows] == [r["label"] for r in first.output]  # best first
    shown = metric_values(at)
    assert shown["Load"].endswith(" s") and shown["Peak memory"].endswith("B") and "Run" in shown
    peak = next(m for m in at.metric if m.label == "Peak memory")
    assert "This model's own" in peak.proto.help and "Not the whole server's memory" in peak.proto.help

    at.button(key=key(repo, "run")).click().run()  # the same model again: the pipeline is reused
    second = at.session_state[key(repo, "last")]["result"]
    assert second.from_cache and second.load_ms == 0
    assert metric_values(at)["Load"] == "cached"
    assert any("reusing it" in str(m.value) for m in at.markdown)


def test_text_generation_streams_tokens_and_shows_tokens_per_second(tiny):
    repo = tiny["text-generation"]
    at = page(repo)
    at.number_input(key=key(repo, "max_new")).set_value(8)
    at.number_input(key=key(repo, "seed")).set_value(0)
    assert at.button(key=key(repo, "stop")) is not None  # a Stop button beside Run for streamed generation
    at.button(key=key(repo, "run")).click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    result = at.session_state[key(repo, "last")]["result"]
    assert result.output["text"].startswith("My name is Clara and I like to")
    assert result.output["continuation"] and not result.stopped
    assert result.tokens and result.tokens_per_s > 0
    shown = metric_values(at)
    assert float(shown["Tokens/s"]) > 0 and "Peak memory" in shown
    streamed = [str(m.value) for m in at.markdown]
    assert any(result.output["continuation"].strip()[:3] in s for s in streamed), streamed


def test_the_models_own_example_and_mask_token_come_from_its_hub_metadata(tiny):
    repo = tiny["own-example"]
    at = page(repo)
    box = at.text_area(key=key(repo, "fill-mask", "text"))
    assert box.value == "My name is Sarah and I live in <mask>."  # the card's widget example, as a widget value
    assert "<mask>" in box.help and "[MASK]" not in box.help
    at.button(key=key(repo, "run")).click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    out = at.session_state[key(repo, "last")]["result"].output
    assert out and all(r["sequence"].startswith("my name is sarah and i live in") for r in out)
    at.selectbox(key=key(repo, "task")).select("feature-extraction").run()  # another task: its own default
    assert at.text_area(key=key(repo, "feature-extraction", "text")).value == "Today is a sunny day."

    repo = tiny["mask-only"]  # no widget example: the task's default, with the model's mask token
    at = page(repo)
    assert at.text_area(key=key(repo, "fill-mask", "text")).value == "Paris is the <mask> of France."
    at.button(key=key(repo, "run")).click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert at.session_state[key(repo, "last")]["result"].output


def test_an_instruct_model_gets_a_chat_input_streamed_through_its_template(tiny):
    repo = tiny["chat"]
    at = page(repo)
    assert at.selectbox(key=key(repo, "task")).value == "chat"  # the Hub's config says it has a chat template
    assert at.text_area(key=key(repo, "chat", "system")).value == "You are a helpful assistant."
    at.text_area(key=key(repo, "chat", "system")).set_value("")  # left out; the tiny model reads 64 tokens at most
    at.text_area(key=key(repo, "chat", "messages")).set_value("User: Hi\nAssistant: Yo\nUser: Sarah")
    at.number_input(key=key(repo, "max_new")).set_value(6)
    assert at.button(key=key(repo, "stop")) is not None  # it streams
    at.button(key=key(repo, "run")).click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    result = at.session_state[key(repo, "last")]["result"]
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny["path:chat"])
    model = AutoModelForCausalLM.from_pretrained(tiny["path:chat"])
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"},
                {"role": "user", "content": "Sarah"}]
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    out = model.generate(**ids, max_new_tokens=6, do_sample=False, pad_token_id=tokenizer.eos_token_id)
    assert result.output["text"] == tokenizer.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)
    assert result.tokens and float(metric_values(at)["Tokens/s"]) > 0


def test_tokens_of_the_input_with_ids_count_and_context_share(tiny, hub):
    from tokenizers import Tokenizer

    repo = tiny["text-classification"]
    at = page(repo)
    assert not token_html(at)  # the tokenizer is fetched only when asked
    at.toggle(key=key(repo, "tokens", "show")).set_value(True).run()
    assert not at.exception, at.exception
    body = token_html(at)[0].proto.body
    reference = Tokenizer.from_file(str(tiny["path:text-classification"] / "tokenizer.json")).encode(
        "I like you. I love you.")
    marked = [int(i) for i in re.findall(r'title="id (\d+)"', body)]
    assert marked == reference.ids[1:-1]  # the text's own tokens, in order; [CLS] and [SEP] are said below
    said = texts(at)
    assert f"{len(reference.ids)} tokens, {len(reference.ids) / 64:.1%} of its 64-token context" in said
    assert "added by the tokenizer: [CLS], [SEP]" in said
    at.text_area(key=key(repo, "text-classification", "text")).set_value("I love you.").run()
    assert token_html(at)[0].proto.body != body  # follows the input


def test_gated_without_token_is_refused_before_any_download(tiny, hub):
    repo = tiny["gated"]
    hub.clear_requests()
    at = page(repo)
    assert not at.exception
    assert at.button(key=key(repo, "run")).disabled
    assert "Gated repository" in texts(at) and "and no token is set" in texts(at)
    assert not any("/resolve/" in r.path and "model.safetensors" in r.path and r.method == "GET"
                   for r in hub.requests)


def test_remote_code_needs_consent_for_that_model_only(tiny):
    repo = tiny["remote"]
    at = page(repo)
    assert at.button(key=key(repo, "run")).disabled
    assert "Needs remote code" in texts(at) and "executes Python files" in texts(at)
    at.checkbox(key=key(repo, "consent")).check().run()
    assert not at.button(key=key(repo, "run")).disabled
    assert "yes, consent given" in texts(at)
    # the consent is stored under this repo id only: another remote-code model in the same session still asks
    other = tiny["remote-2"]
    at.query_params["repo"] = other
    at.run()
    assert at.button(key=key(other, "run")).disabled and not at.checkbox(key=key(other, "consent")).value
    at.query_params["repo"] = repo  # and back: the consent given to the first one is remembered
    at.run()
    assert at.checkbox(key=key(repo, "consent")).value and not at.button(key=key(repo, "run")).disabled


def test_too_big_for_the_budget_is_refused_with_the_figures(tiny, monkeypatch):
    monkeypatch.setenv("HUB_EXPLORER_TRYIT_BUDGET_MB", "0.01")  # 10 kB: the tiny model's weights are larger
    repo = tiny["text-classification"]
    at = page(repo)
    assert not at.exception
    assert at.button(key=key(repo, "run")).disabled
    said = texts(at)
    assert "Too big for this machine" in said and "does not fit" in said and "of the 10.0 KB free on cpu" in said


def test_unsupported_task_lists_the_supported_ones(tiny):
    repo = tiny["unsupported"]
    at = page(repo)
    assert not at.exception
    warning = plain(" ".join(str(w.value) for w in at.warning))
    assert "This model's task (text-to-video) cannot be tried here" in warning
    assert all(t in warning for t in supported_tasks())
    assert at.selectbox(key=key(repo, "task")).value is None
    assert not [b for b in at.button if b.key == key(repo, "run")]  # nothing to run until a task is picked


@pytest.mark.parametrize("task,field,empty,needle", [
    ("text-classification", "text", "   ", "needs a non-empty text input"),
    ("zero-shot-classification", "labels", "", "zero-shot-classification needs"),
    ("question-answering", "context", "", "question-answering needs"),
])
def test_bad_input_is_a_message_not_a_traceback(tiny, task, field, empty, needle):
    repo = tiny["text-classification"]
    at = page(repo)
    at.selectbox(key=key(repo, "task")).select(task).run()
    widget = at.text_input(key=key(repo, task, field)) if field == "labels" else at.text_area(key=key(repo, task, field))
    widget.set_value(empty).run()
    at.button(key=key(repo, "run")).click().run()
    assert not at.exception
    assert needle in plain(" ".join(str(e.value) for e in at.error))
    assert key(repo, "last") not in at.session_state


# ------------------------------------------------------------------------------------ Run on: an endpoint URL


@pytest.fixture(scope="module")
def endpoint(tiny):
    """A loopback TGI-style server (tests/inference_server.py) serving the same tiny folders."""
    from tests.inference_server import InferenceServer

    with InferenceServer() as srv:
        for kind in ("text-classification", "text-generation"):
            srv.add_model(tiny[kind], kind, tiny[f"path:{kind}"])
        yield srv


def remote_page(repo: str, url: str) -> AppTest:
    at = page(repo)
    at.session_state[key(repo, "where")] = "Endpoint URL"
    at.run()
    at.text_input(key=key(repo, "endpoint")).set_value(url).run()
    return at


def test_endpoint_run_gives_the_same_bars_as_the_local_run(tiny, endpoint):
    from lib.tryit import runner
    from lib.tryit.cache import PipelineCache

    repo = tiny["text-classification"]
    at = remote_page(repo, endpoint.endpoint(repo))
    assert "Will it run here?" not in texts(at)  # nothing runs here: no memory check
    at.button(key=key(repo, "run")).click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    got = at.session_state[key(repo, "last")]["result"]
    local = runner.run(tiny["path:text-classification"], "text-classification", "I like you. I love you.",
                       cache=PipelineCache(10**9))
    assert [r["label"] for r in got.output] == [r["label"] for r in local.output]
    assert [r["score"] for r in got.output] == pytest.approx([r["score"] for r in local.output], abs=1e-4)
    assert at.get("vega_lite_chart") and metric_values(at)["Load"] == "on the server"
    assert any(r.path.startswith(f"/models/{repo}") for r in endpoint.requests)


def test_endpoint_generation_streams_into_the_page(tiny, endpoint):
    repo = tiny["text-generation"]
    at = remote_page(repo, endpoint.endpoint(repo))
    at.number_input(key=key(repo, "max_new")).set_value(6)
    at.button(key=key(repo, "run")).click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    got = at.session_state[key(repo, "last")]["result"]
    assert got.output["text"].startswith("My name is Clara and I like to") and got.output["continuation"]
    assert 1 <= got.tokens <= 6 and float(metric_values(at)["Tokens/s"]) > 0


def test_bad_endpoint_url_is_a_message(tiny):
    repo = tiny["text-classification"]
    at = remote_page(repo, "ftp://user:secret@example.org")
    at.button(key=key(repo, "run")).click().run()
    assert not at.exception
    said = plain(" ".join(str(e.value) for e in at.error))
    assert said and "secret" not in said and key(repo, "last") not in at.session_state


# ------------------------------------------------------------- H1: the app's token never goes to a typed endpoint


APP_TOKEN = VALID_TOKEN  # the operator's token (the fake Hub knows it, so the model page itself still loads)
TYPED = "hf_typed_for_this_endpoint_0123456789"


def page_text(at: AppTest) -> str:
    """Everything the page sends to the browser, as text, except the value of password inputs themselves."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        is_password = getattr(node, "type", None) == "text_input" and getattr(proto, "type", 0) == 1
        if proto is not None and not is_password:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def test_the_apps_token_never_goes_to_a_typed_endpoint_and_a_typed_one_does(tiny, endpoint, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", APP_TOKEN)
    endpoint.clear()
    for kind in ("text-classification", "text-generation"):  # a plain call and a streamed one
        repo = tiny[kind]
        at = remote_page(repo, endpoint.endpoint(repo))
        if kind == "text-generation":
            at.number_input(key=key(repo, "max_new")).set_value(4)
        at.button(key=key(repo, "run")).click().run()
        assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
        assert at.session_state[key(repo, "last")]["result"].output
        assert endpoint.requests and all(r.auth_header is None for r in endpoint.requests), \
            [r.auth_header for r in endpoint.requests]
        endpoint.clear()
        token_field = at.text_input(key=key(repo, "endpoint-token"))
        assert token_field.proto.type == 1  # a password field: never shown
        token_field.set_value(TYPED).run()
        at.button(key=key(repo, "run")).click().run()
        assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
        assert [r.auth_header for r in endpoint.requests] == [f"Bearer {TYPED}"]
        shown = page_text(at)
        assert TYPED not in shown and APP_TOKEN not in shown
        assert TYPED not in repr(at.session_state[key(repo, "last")])  # the kept result does not hold it
        endpoint.clear()


def test_a_typed_token_is_for_that_endpoint_only(tiny, endpoint, monkeypatch):
    """Changing the endpoint URL to another server empties the token field: the token is not carried over."""
    from tests.inference_server import InferenceServer

    monkeypatch.setenv("HF_TOKEN", APP_TOKEN)
    repo = tiny["text-classification"]
    with InferenceServer() as other:
        other.add_model(repo, "text-classification", tiny["path:text-classification"])
        at = remote_page(repo, endpoint.endpoint(repo))
        at.text_input(key=key(repo, "endpoint-token")).set_value(TYPED).run()
        at.text_input(key=key(repo, "endpoint")).set_value(other.endpoint(repo)).run()
        assert at.text_input(key=key(repo, "endpoint-token")).value == ""
        at.button(key=key(repo, "run")).click().run()
        assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
        assert [r.auth_header for r in other.requests] == [None]


def test_plain_http_to_another_host_is_warned_about_and_never_gets_a_token(tiny, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", APP_TOKEN)
    repo = tiny["text-classification"]
    url = "http://203.0.113.10:8080/models/x"  # TEST-NET-3: another machine, never routed
    at = remote_page(repo, url)
    assert not at.exception
    warned = plain(" ".join(str(w.value) for w in at.warning))
    assert "plain http" in warned and "203.0.113.10" in warned  # said before anything is sent
    at.text_input(key=key(repo, "endpoint-token")).set_value(TYPED).run()
    at.button(key=key(repo, "run")).click().run()
    said = plain(" ".join(str(e.value) for e in at.error))
    assert "never sent over plain http" in said and key(repo, "last") not in at.session_state
    assert TYPED not in page_text(at)
