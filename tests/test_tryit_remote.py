"""Remote runs (lib.tryit.remote) through the real ``huggingface_hub.InferenceClient`` against a loopback server.

The server (tests/inference_server.py) runs the same tiny models through transformers, so every expected value
here comes from running that model locally through ``lib.tryit.runner.run``. Errors are checked twice: with
huggingface_hub's own HTTP client and with the app's fail-fast client installed (lib.hub.http), as in the app.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lib import errors
from lib.tryit import remote, runner
from lib.tryit.cache import PipelineCache
from lib.tryit.tasks import get_task
from lib.tryit.trial import Generation
from tests.conftest import free_port
from tests.inference_server import InferenceServer
from tests.tiny_models import build

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "hf_remote_test_secret_0123456789"
GEN = Generation(max_new_tokens=6)
KINDS = (
    "text-generation",
    "fill-mask",
    "text-classification",
    "token-classification",
    "question-answering",
    "feature-extraction",
    "zero-shot-classification",
    "text2text-generation",
    "image-classification",
    "object-detection",
    "automatic-speech-recognition",
    "image-to-text",
)

# task -> (model kind, input in the Hub widget's shape)
CASES = {
    "text-generation": ("text-generation", "My name is Sarah"),
    "fill-mask": ("fill-mask", "paris is the [MASK] of france."),
    "text-classification": ("text-classification", "I like you. I love you."),
    "token-classification": ("token-classification", "My name is Sarah and I live in London"),
    "question-answering": (
        "question-answering",
        {"question": "Where do I live?", "context": "My name is Wolfgang and I live in Berlin"},
    ),
    "feature-extraction": ("feature-extraction", "Today is a sunny day."),
    "sentence-similarity": (
        "feature-extraction",
        {"source_sentence": "I like you.", "sentences": ["I love you.", "The quick brown fox."]},
    ),
    "zero-shot-classification": (
        "zero-shot-classification",
        {"inputs": "I love you.", "candidate_labels": ["urgent", "not urgent", "phone"]},
    ),
    "text2text-generation": ("text2text-generation", "question: What is the capital of France?"),
    "summarization": ("summarization", "Paris is the capital of France. My name is Wolfgang."),
    "translation": ("translation", "My name is Wolfgang and I live in Berlin"),
}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("remote-tiny")
    return {kind: build(kind, root / kind) for kind in KINDS}


@pytest.fixture(scope="module")
def server(models):
    with InferenceServer(token=TOKEN) as srv:
        for kind, folder in models.items():
            srv.add_model(f"tiny/{kind}", kind, folder)
        for task in ("summarization", "translation"):  # the HF Inference API's routes for these tasks
            srv.add_model(f"tiny/{task}", task, models["text2text-generation"])
        srv.add_model("tiny/vllm-style", "text-generation", models["text-generation"], openai_only=True)
        yield srv


@pytest.fixture
def srv(server):
    server.clear()
    yield server
    server.clear()


@pytest.fixture(scope="module")
def cache():
    return PipelineCache(budget_bytes=10**9)


@pytest.fixture(params=["hf-client", "app-client"])
def http_client(request):
    """huggingface_hub's default HTTP client, or the app's fail-fast one (what a page runs with)."""
    from lib.hub import http
    from lib.settings import load_settings

    if request.param == "app-client":
        http.configure(load_settings())
    else:
        http.reset_client()
    yield request.param
    http.configure(load_settings())  # as every test process starts (tests/conftest.py)


def _local(models, task, value):
    """The same model run here through lib.tryit.runner.run.

    summarization and translation run as text2text-generation on the prefixed text (what the runner's Seq2Seq
    engine feeds the model for them), because the task table reads their answers under the old pipelines' keys.
    """
    kind = {"summarization": "text2text-generation", "translation": "text2text-generation"}.get(task, CASES[task][0])
    local_cache = PipelineCache(10**9)
    if task in ("summarization", "translation"):
        prefixed = get_task(task).prefix + value
        return runner.run(models[kind], "text2text-generation", prefixed, generation=GEN, cache=local_cache)
    return runner.run(models[kind], task, value, generation=GEN, cache=local_cache)


# --------------------------------------------------------------------------------------- same answer as local


@pytest.mark.parametrize("task", list(CASES))
def test_remote_answer_equals_the_same_model_run_locally(task, models, srv):
    kind, value = CASES[task]
    got = remote.run_remote(
        task, value, model=f"tiny/{kind}", endpoint=srv.endpoint(f"tiny/{kind}"), token=TOKEN, generation=GEN
    )
    want = _local(models, task, value)
    assert got.task == task and got.load_ms == 0 and got.run_ms > 0 and not got.from_cache
    assert got.output == _approx(want.output)
    if get_task(task).streams_remotely:
        assert got.tokens and got.tokens > 1 and got.tokens_per_s > 0
    assert srv.requests and all(r.authorized for r in srv.requests)


def _approx(value):
    """Floats within float32 noise (vectors cross the wire as float32), everything else exact."""
    if isinstance(value, dict):
        return {k: _approx(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_approx(v) for v in value]
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-4, abs=1e-5)
    return value


def test_text_generation_streams_token_by_token_and_gives_the_run_result(models, srv):
    """stream_remote returns what runner.stream returns: (pieces, result), the result as a local run's."""
    stream, result = remote.stream_remote(
        "text-generation",
        "My name is Sarah",
        model="tiny/text-generation",
        endpoint=srv.endpoint("tiny/text-generation"),
        token=TOKEN,
        generation=GEN,
    )
    pieces = list(stream)
    local = _local(models, "text-generation", "My name is Sarah")
    assert len(pieces) > 1 and "".join(pieces) == local.output["continuation"]
    got = result()
    assert got.output == local.output and got.raw == local.raw  # prompt + continuation, as the local pipeline
    assert got.tokens == len(pieces) and got.tokens_per_s > 0 and got.load_ms == 0 and not got.stopped
    (seen,) = srv.requests
    body = json.loads(seen.body)
    assert body["stream"] is True and body["parameters"]["max_new_tokens"] == GEN.max_new_tokens
    assert body["parameters"].get("do_sample") in (None, False)  # greedy, as the local default


def test_stop_ends_the_stream_between_tokens_and_closes_the_connection(srv):
    endpoint = srv.endpoint("tiny/text-generation")
    long = Generation(max_new_tokens=12)
    full = remote.run_remote(
        "text-generation", "My name is Sarah", model="m", endpoint=endpoint, token=TOKEN, generation=long
    )
    assert full.tokens >= 5  # precondition: the tiny model does not stop early on this prompt
    srv.token_delay = 0.05
    stop = threading.Event()
    pieces = []
    stream, result = remote.stream_remote(
        "text-generation", "My name is Sarah", model="m", endpoint=endpoint, token=TOKEN, generation=long, stop=stop
    )
    for piece in stream:
        pieces.append(piece)
        if len(pieces) == 2:
            stop.set()
    assert len(pieces) == 2
    cut = result()
    assert cut.stopped and cut.tokens == 2 and cut.output["continuation"] == "".join(pieces)
    assert full.output["continuation"].startswith(cut.output["continuation"])
    deadline = time.monotonic() + 3
    while srv.aborted_streams == 0 and time.monotonic() < deadline:  # the server notices on its next write
        time.sleep(0.05)
    assert srv.aborted_streams == 1


def test_openai_only_server_gets_the_chat_route(models, srv):
    got = remote.run_remote(
        "text-generation",
        "My name is Sarah",
        model="m",
        endpoint=srv.endpoint("tiny/vllm-style"),
        token=TOKEN,
        generation=GEN,
    )
    assert [r.path for r in srv.requests] == ["/models/tiny/vllm-style", "/models/tiny/vllm-style/v1/chat/completions"]
    chat = json.loads(srv.requests[1].body)
    assert chat["messages"] == [{"role": "user", "content": "My name is Sarah"}] and chat["stream"] is True
    assert chat["max_tokens"] == GEN.max_new_tokens
    want = _local(models, "text-generation", "My name is Sarah").output["continuation"]
    assert got.output["continuation"] == want and got.tokens > 1


def test_provider_goes_through_the_router_with_the_hub_mapping(models, srv, hub, monkeypatch):
    """Inference Providers: hf-inference checks the model's pipeline tag on the (fake) Hub, then POSTs to the router.

    huggingface_hub has no setting for the router's URL (constants.INFERENCE_PROXY_TEMPLATE is fixed), so the test
    points the hf-inference helper's base URL at the loopback server, as HF_ENDPOINT points the Hub at the fake Hub.
    """
    from huggingface_hub.inference._providers import PROVIDERS

    hub.add_local_repo("model", "tiny-org/remote-fill-mask", models["fill-mask"], pipeline_tag="fill-mask")
    srv.add_model("tiny-org/remote-fill-mask", "fill-mask", models["fill-mask"])
    monkeypatch.setattr(PROVIDERS["hf-inference"]["fill-mask"], "base_url", srv.url)
    hub.clear_requests()
    got = remote.run_remote(
        "fill-mask", CASES["fill-mask"][1], model="tiny-org/remote-fill-mask", provider="hf-inference", token=TOKEN
    )
    assert got.output == _approx(_local(models, "fill-mask", CASES["fill-mask"][1]).output)
    assert [r.path for r in srv.requests] == ["/models/tiny-org/remote-fill-mask"]
    assert any(r.path == "/api/models/tiny-org/remote-fill-mask" for r in hub.requests)


def test_provider_errors_before_any_request(srv):
    with pytest.raises(errors.InvalidQueryError, match="Unknown Inference Provider 'nope'. Known: auto, "):
        remote.run_remote("fill-mask", "a [MASK]", model="org/x", provider="nope")
    with pytest.raises(errors.InvalidQueryError, match="either an endpoint URL or a provider"):
        remote.run_remote("fill-mask", "a [MASK]", model="org/x", provider="hf-inference", endpoint=srv.url)
    with pytest.raises(errors.InvalidQueryError, match="need an endpoint URL or an Inference Provider"):
        remote.run_remote("fill-mask", "a [MASK]", model="org/x")
    assert srv.requests == []


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    """A PNG made with Pillow and a 16-bit WAV sine wave (the same inputs as tests/test_tryit_media.py)."""
    import wave

    import numpy as np
    from PIL import Image, ImageDraw

    folder = tmp_path_factory.mktemp("remote-media")
    img = Image.new("RGB", (96, 64), (30, 90, 160))
    ImageDraw.Draw(img).ellipse([10, 8, 70, 50], fill=(240, 220, 30))
    img.save(folder / "picture.png")
    t = np.arange(16000) / 16000
    with wave.open(str(folder / "sine.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((0.5 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2").tobytes())
    return {"image": folder / "picture.png", "audio": folder / "sine.wav"}


@pytest.mark.parametrize("task", ["image-classification", "object-detection"])
def test_images_are_sent_as_bytes_and_answer_as_locally(task, models, media, srv):
    got = remote.run_remote(task, str(media["image"]), model="m", endpoint=srv.endpoint(f"tiny/{task}"), token=TOKEN)
    want = runner.run(models[task], task, str(media["image"]), cache=PipelineCache(10**9))
    assert got.output == _approx(want.output) and got.output  # labels / boxes, not an empty list
    (seen,) = srv.requests
    assert seen.content_type == "image/png" and seen.body == media["image"].read_bytes()


def test_audio_file_or_decoded_samples_answer_as_locally(models, media, srv):
    from tests.inference_server import _decode_audio

    def decoded() -> dict:  # fresh each time: the local pipeline pops "raw" out of the dict it is given
        return {"inputs": _decode_audio(media["audio"].read_bytes())}

    want = runner.run(
        models["automatic-speech-recognition"],
        "automatic-speech-recognition",
        decoded(),
        cache=PipelineCache(10**9),
    )
    endpoint = srv.endpoint("tiny/automatic-speech-recognition")
    for value in (str(media["audio"]), decoded()):  # a file, or samples (sent as a WAV made here)
        got = remote.run_remote("automatic-speech-recognition", value, model="m", endpoint=endpoint, token=TOKEN)
        assert got.output == want.output and got.output["text"]
    assert [r.content_type for r in srv.requests] == ["audio/x-wav", ""]


def test_image_to_text_answers_as_the_local_pipeline(models, media, srv):
    from PIL import Image
    from transformers import pipeline

    got = remote.run_remote(
        "image-to-text", str(media["image"]), model="m", endpoint=srv.endpoint("tiny/image-to-text"), token=TOKEN
    )
    pipe = pipeline("image-text-to-text", model=str(models["image-to-text"]))
    want = pipe(images=Image.open(media["image"]).convert("RGB"), text="", max_new_tokens=10)[0]["generated_text"]
    assert got.output == {"text": want} and isinstance(want, str)


def test_missing_media_file_is_refused_before_any_request(srv, tmp_path):
    with pytest.raises(errors.InvalidQueryError, match="no file at"):
        remote.run_remote(
            "image-classification",
            str(tmp_path / "nope.png"),
            model="m",
            endpoint=srv.endpoint("tiny/image-classification"),
        )
    assert srv.requests == []


# --------------------------------------------------------------------------------------------------- errors


FAULTS = [
    ({"status": 403}, errors.AccessError, "refused access (HTTP 403)"),
    ({"status": 429, "retry_after": 7}, errors.RateLimitedError, "rate limiting"),
    ({"status": 503}, errors.HubUnavailableError, "503"),
    ({"status": 500}, errors.HubUnavailableError, "500"),
    ({"status": 422, "message": "Input validation error: too long"}, errors.InvalidQueryError, "too long"),
    ({"malformed": True}, errors.MalformedAnswerError, "could not be read"),
    ({"disconnect": True}, errors.HubUnreachableError, "127.0.0.1"),
]


@pytest.mark.parametrize("task", ["fill-mask", "text-generation"])
@pytest.mark.parametrize("fault,error,needle", FAULTS, ids=[str(f[0]) for f in FAULTS])
def test_server_failures_become_app_errors(task, fault, error, needle, srv, http_client):
    kind = CASES[task][0]
    srv.add_fault(f"/models/tiny/{kind}", **fault)
    with pytest.raises(error, match=needle.replace("(", r"\(").replace(")", r"\)")) as info:
        remote.run_remote(
            task, CASES[task][1], model="m", endpoint=srv.endpoint(f"tiny/{kind}"), token=TOKEN, generation=GEN
        )
    assert TOKEN not in str(info.value) and TOKEN not in info.value.hint
    if error is errors.RateLimitedError:
        assert info.value.retry_after == 7 and "7 s" in info.value.hint


def test_wrong_or_missing_token_is_an_access_error_that_never_shows_the_token(srv, http_client):
    for token in ("hf_wrong_token_abcdef", None):
        with pytest.raises(errors.AccessError, match="refused the token") as info:
            remote.run_remote("fill-mask", "a [MASK].", model="m", endpoint=srv.endpoint("tiny/fill-mask"), token=token)
        assert "token" in info.value.hint and (token is None or token not in str(info.value))
    # a server that echoes the token back in its error does not get it shown
    srv.add_fault("/models/tiny/fill-mask", status=400, message=f"bad request from {TOKEN}")
    with pytest.raises(errors.InvalidQueryError) as info:
        remote.run_remote("fill-mask", "a [MASK].", model="m", endpoint=srv.endpoint("tiny/fill-mask"), token=TOKEN)
    assert TOKEN not in str(info.value) and "***" in str(info.value)


def test_the_token_travels_only_in_the_authorization_header(srv):
    remote.run_remote("fill-mask", "a [MASK].", model="m", endpoint=srv.endpoint("tiny/fill-mask"), token=TOKEN)
    stream, _ = remote.stream_remote(
        "text-generation", "Hi", model="m", endpoint=srv.endpoint("tiny/text-generation"), token=TOKEN, generation=GEN
    )
    list(stream)
    assert len(srv.requests) == 2
    for seen in srv.requests:
        assert seen.auth_header == f"Bearer {TOKEN}"
        assert TOKEN not in seen.path and TOKEN.encode() not in seen.body


def test_the_saved_login_is_not_sent_to_an_endpoint_without_a_token(srv, monkeypatch):
    """huggingface_hub would send HF_TOKEN (or the saved login) to any URL; an endpoint may be anyone's server."""
    monkeypatch.setenv("HF_TOKEN", "hf_ambient_login_token_should_stay_home")
    with pytest.raises(errors.AccessError):
        remote.run_remote("fill-mask", "a [MASK].", model="m", endpoint=srv.endpoint("tiny/fill-mask"))
    assert srv.requests[0].auth_header is None
    srv.requests.clear()
    remote.run_remote("fill-mask", "a [MASK].", model="m", endpoint=srv.endpoint("tiny/fill-mask"), token=TOKEN)
    assert srv.requests[0].auth_header == f"Bearer {TOKEN}"


def test_slow_and_unreachable_endpoints(srv, http_client, monkeypatch):
    monkeypatch.setenv("HUB_EXPLORER_INFERENCE_TIMEOUT", "0.5")
    srv.add_fault("/models/tiny/fill-mask", delay=2.0)
    started = time.monotonic()
    with pytest.raises(errors.HubUnreachableError, match="did not answer") as info:
        remote.run_remote("fill-mask", "a [MASK].", model="m", endpoint=srv.endpoint("tiny/fill-mask"), token=TOKEN)
    assert time.monotonic() - started < 1.9 and "reachable" in info.value.hint
    closed = f"http://127.0.0.1:{free_port()}/models/x"
    with pytest.raises(errors.HubUnreachableError, match="127.0.0.1"):
        remote.run_remote("fill-mask", "a [MASK].", model="m", endpoint=closed, token=TOKEN)
    with pytest.raises(errors.HubUnreachableError):
        list(remote.stream_remote("text-generation", "Hi", model="m", endpoint=closed, token=TOKEN)[0])


def test_unknown_model_path_is_not_found(srv):
    with pytest.raises(errors.NotFoundError, match="HTTP 404"):
        remote.run_remote("fill-mask", "a [MASK].", model="m", endpoint=f"{srv.url}/models/no/such", token=TOKEN)


@pytest.mark.parametrize(
    "url,reason",
    [
        ("", "need an endpoint URL or an Inference Provider"),  # an empty field: neither given
        ("   ", "No endpoint URL"),
        ("ftp://example.com/model", "must start with http:// or https://"),
        ("localhost:8080", "must start with http:// or https://"),  # no scheme: 'localhost' parses as one
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("http://", "has no host"),
        ("http://user:secret@example.com", "carries credentials"),
        ("http://exa mple.com", "contains spaces"),
        ("http://example.com:99999", "not a valid URL"),
        ("http://example.com:0", "port cannot be 0"),
        ("http://bad_host!.com", "not a valid host name"),
        ("http://example.com/#frag", "#fragment"),
    ],
)
def test_invalid_endpoint_urls_are_refused_before_any_request(url, reason):
    with pytest.raises(errors.InvalidQueryError, match=reason.replace("(", r"\(")):
        remote.run_remote("fill-mask", "a [MASK].", model="m", endpoint=url)
    with pytest.raises(errors.InvalidQueryError, match=reason.replace("(", r"\(")):
        remote.stream_remote("text-generation", "Hi", model="m", endpoint=url)  # checked before iterating


def test_bad_input_and_unstreamable_tasks_fail_before_any_request(srv):
    endpoint = srv.endpoint("tiny/question-answering")
    with pytest.raises(errors.InvalidQueryError, match="question-answering needs"):
        remote.run_remote("question-answering", "no context", model="m", endpoint=endpoint)
    with pytest.raises(errors.InvalidQueryError, match="fill-mask is not streamed"):
        remote.stream_remote("fill-mask", "a [MASK].", model="m", endpoint=endpoint)
    with pytest.raises(errors.InvalidQueryError, match="Supported tasks"):
        remote.run_remote("text-to-3d", "x", model="m", endpoint=endpoint)
    assert srv.requests == []


# ------------------------------------------------------------------------------------------------------- CLI


def _cli(*args: str, token: str | None = TOKEN) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("HF_TOKEN", None)
    if token:
        env["HF_TOKEN"] = token
    code = (
        "import sys; from lib.tryit.__main__ import main; rc = main(sys.argv[1:]); "
        "print('torch' in sys.modules, 'transformers' in sys.modules, file=sys.stderr); sys.exit(rc)"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_cli_endpoint_json_contract_without_torch(models, srv):
    value = CASES["fill-mask"][1]
    done = _cli("--endpoint", srv.endpoint("tiny/fill-mask"), "--task", "fill-mask", "--input", value, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout)
    assert set(got) == {"output", "load_ms", "run_ms"} and got["load_ms"] == 0 and got["run_ms"] > 0
    assert got["output"] == _approx(_local(models, "fill-mask", value).output)
    assert done.stderr.strip().splitlines()[-1] == "False False"  # neither torch nor transformers imported
    assert srv.requests[0].auth_header == f"Bearer {TOKEN}"  # HF_TOKEN from the environment


def test_cli_sentence_similarity_and_streaming(models, srv):
    value = CASES["sentence-similarity"][1]
    done = _cli(
        "--endpoint",
        srv.endpoint("tiny/feature-extraction"),
        "--task",
        "sentence-similarity",
        "--input",
        json.dumps(value),
        "--json",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["output"] == pytest.approx(_local(models, "sentence-similarity", value).output)
    done = _cli(
        "--endpoint",
        srv.endpoint("tiny/text-generation"),
        "--task",
        "text-generation",
        "--input",
        "My name is Sarah",
        "--max-new-tokens",
        str(GEN.max_new_tokens),
        "--stream",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == _local(models, "text-generation", "My name is Sarah").output["continuation"] + "\n"


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--endpoint", "ftp://x", "--task", "fill-mask", "--input", "a [MASK]"], "must start with http"),
        (  # HF_TOKEN is set (see _cli): it is not sent in clear to another machine
            ["--endpoint", "http://203.0.113.10:8080/models/x", "--task", "fill-mask", "--input", "a [MASK]"],
            "never sent over plain http",
        ),
        (
            ["--provider", "nope", "--model", "org/x", "--task", "fill-mask", "--input", "a"],
            "Unknown Inference Provider",
        ),
        (["--task", "fill-mask", "--input", "a"], "--model is required"),
        (["--model", "x/y", "--task", "text-generation", "--input", "a", "--stream"], "--stream applies to remote"),
    ],
)
def test_cli_remote_errors_are_one_line(args, needle):
    done = _cli(*args, "--json") if "--stream" not in args else _cli(*args)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and needle in lines[0] and lines[0].startswith("error: ")  # + the import probe line
    assert "Traceback" not in done.stderr


def test_cli_endpoint_auth_error_does_not_print_the_token(srv):
    srv.add_fault("/models/tiny/fill-mask", status=401, message=f"token {TOKEN} is invalid")
    done = _cli("--endpoint", srv.endpoint("tiny/fill-mask"), "--task", "fill-mask", "--input", "a [MASK].")
    assert done.returncode == 1 and "refused the token" in done.stderr and TOKEN not in done.stderr
