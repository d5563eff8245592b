"""One input through several models (lib.tryit.multi) and ``python -m lib.tryit --model A --model B``: tiny models
served by the fake Hub, planned from their real Hub records; each output is checked against that model's own
labels or an independent run of it, each model's peak memory against its size.

Loads torch and transformers (about 10 s once per session); the two 50 MB models build in a few seconds.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from lib.errors import InvalidQueryError
from lib.hub import HubClient
from lib.records import ModelRecord, ParamCounts
from lib.settings import load_settings
from lib.tryit import memory, multi
from lib.tryit.cache import PipelineCache
from lib.tryit.trial import Generation
from tests.conftest import VALID_TOKEN
from tests.tiny_models import CHAT_TEMPLATE, build

TEXT = "I like you. I love you."
SENTIMENT = ["NEGATIVE", "POSITIVE"]
MOODS = ["sad", "happy", "calm"]
BIG_MB = 51.9  # hidden 512 x 4 layers: the safetensors file's size


# ------------------------------------------------------------------------------------- the plan, from records alone


def _record(repo_id: str, tag: str | None = "text-classification", **fields) -> ModelRecord:
    return ModelRecord(id=repo_id, pipeline_tag=tag, **fields)


PLAN_CASES = [
    # (record, plan options, skipped reason contains (None: runs), why)
    (_record("a/ok"), {}, None, "its own task, small, open"),
    (_record("a/fill", "fill-mask"), {}, "another task: fill-mask", "a model of another task"),
    (_record("a/gated", gated="auto"), {}, "gated", "gated and no token"),
    (_record("a/gated", gated="auto"), {"token": VALID_TOKEN}, None, "gated, with a token"),
    (_record("a/code", tags=("custom_code",)), {}, "remote code", "remote code, no consent"),
    (_record("a/code", tags=("custom_code",)), {"consent": {"a/code"}}, None, "remote code, consent for it"),
    (_record("a/code", tags=("custom_code",)), {"consent": {"a/other"}}, "remote code", "consent for another"),
    (_record("a/huge", params=ParamCounts.from_mapping({"F32": 10**9})), {}, "will not fit",
     "4 GB of weights against a 1 GB budget"),
    (_record("a/untagged", None), {}, None, "no declared task: tried as asked"),
    (_record("a/ok"), {"remote": multi.RemoteTarget(provider="hf-inference")}, None, "a provider serves it"),
    (_record("a/ok"), {"remote": {"a/other": multi.RemoteTarget(endpoint="http://127.0.0.1:1")}}, "no endpoint URL",
     "endpoint URLs given for other models only"),
    (_record("a/huge", params=ParamCounts.from_mapping({"F32": 10**9})),
     {"remote": multi.RemoteTarget(provider="hf-inference")}, None, "too big here, but it runs on the server"),
]


@pytest.mark.parametrize("record,options,reason,why", PLAN_CASES)
def test_plan_decides_from_the_record_before_any_download(record, options, reason, why):
    planned = multi.plan([record], "text-classification", budget=10**9, ram_free=10**10, **options)
    assert len(planned) == 1 and planned[0].model == record.id
    if reason is None:
        assert planned[0].runnable, (why, planned[0].skipped)
    else:
        assert not planned[0].runnable and reason in planned[0].skipped, (why, planned[0].skipped)


def test_plan_keeps_the_order_skips_a_repeat_and_knows_chat_models():
    chat = _record("a/instruct", "text-generation", config={"tokenizer_config": {"chat_template": "{{ x }}"}})
    base = _record("a/base", "text-generation")
    planned = multi.plan([chat, base, chat], "chat", budget=10**9, ram_free=10**10)
    assert [p.index for p in planned] == [0, 1, 2] and [p.model for p in planned] == ["a/instruct", "a/base",
                                                                                      "a/instruct"]
    assert planned[0].runnable and "no chat template" in planned[1].skipped and "twice" in planned[2].skipped
    assert multi.common_tasks([chat, base]) == ["text-generation", "chat"]  # both generate text; one chats
    with pytest.raises(InvalidQueryError):
        multi.plan([chat], "no-such-task")


# ------------------------------------------------------------------------------------ tiny models on the fake Hub


@pytest.fixture(scope="module")
def served(fake_hub, tmp_path_factory):
    """Repo ids on the fake Hub: two sentiment models whose labels differ, a fill-mask model (another task), two
    chat models and a base GPT-2, and three 50 MB classifiers (hidden 512, 4 layers)."""
    root = tmp_path_factory.mktemp("multi")
    ids: dict[str, str] = {}

    def add(name: str, kind: str, folder: Path, **overrides) -> None:
        ids[name] = f"multi/{name}"
        ids[f"path:{name}"] = str(folder)
        fake_hub.add_local_repo("model", ids[name], folder, pipeline_tag=kind, **overrides)

    add("sentiment", "text-classification", build("text-classification", root / "a", labels=SENTIMENT))
    add("moods", "text-classification", build("text-classification", root / "b", labels=MOODS, seed=1))
    add("fill", "fill-mask", build("fill-mask", root / "fill"))
    add("gated", "text-classification", build("text-classification", root / "gated"), gated="auto")
    add("chat-a", "text-generation", build("text-generation", root / "chat-a", chat_template=CHAT_TEMPLATE))
    add("chat-b", "text-generation", build("text-generation", root / "chat-b", chat_template=CHAT_TEMPLATE, seed=3))
    add("base", "text-generation", build("text-generation", root / "base"))
    for n in range(3):
        add(f"big-{n}", "text-classification",
            build("text-classification", root / f"big-{n}", hidden=512, layers=4, seed=n))
    return ids


@pytest.fixture(scope="module")
def client(fake_hub) -> HubClient:
    return HubClient(load_settings())


def records(client: HubClient, served: dict[str, str], *names: str) -> list[ModelRecord]:
    return [client.model(served[n]) for n in names]


def test_one_input_through_models_whose_labels_differ_with_a_skipped_one(served, client, hub):
    models = records(client, served, "sentiment", "fill", "moods", "gated")
    planned = multi.plan(models, "text-classification", budget=10**9)
    assert [p.runnable for p in planned] == [True, False, True, False]
    hub.clear_requests()
    heard: list[multi.Progress] = []
    runs = list(multi.run_all(planned, TEXT, cache=PipelineCache(10**9), on_progress=heard.append))
    assert [r.index for r in runs[:2]] == [1, 3] and all(r.skipped for r in runs[:2])  # the skipped, at once
    fetched = {r.path.split("/resolve/")[0] for r in hub.requests if "/resolve/" in r.path}
    assert not any("fill" in p or "gated" in p for p in fetched), fetched  # nothing downloaded for the skipped
    by = {r.model: r for r in runs}
    assert [row["label"] for row in by[served["sentiment"]].output] != []
    assert {row["label"] for row in by[served["sentiment"]].output} == set(SENTIMENT)
    assert {row["label"] for row in by[served["moods"]].output} == set(MOODS)
    for name in ("sentiment", "moods"):
        run = by[served[name]]
        assert sum(row["score"] for row in run.output) == pytest.approx(1.0, abs=1e-4)
        assert run.load_ms > 0 and run.run_ms > 0 and run.peak_mb is not None
    stages = [(p.model, p.stage) for p in heard]
    assert (served["sentiment"], "downloading") in stages and (served["moods"], "loading") in stages
    assert stages[-1] == (served["moods"], "done") and heard[-1].step == heard[-1].total == 2
    assert "Model 2 of 2" in heard[-1].line()

    frame = multi.scores("text-classification", runs)
    assert list(frame.columns) == ["model", "label", "score"]
    assert list(dict.fromkeys(frame["model"])) == [served["sentiment"], served["moods"]]  # the order given
    assert set(frame[frame.model == served["moods"]]["label"]) == set(MOODS)
    assert frame.groupby("model")["score"].sum().round(3).tolist() == [1.0, 1.0]

    shapes = [r.as_json() for r in sorted(runs, key=lambda r: r.index)]
    assert set(shapes[0]) == {"model", "output", "load_ms", "run_ms", "peak_mb"}
    assert set(shapes[1]) == {"model", "skipped"} and "another task" in shapes[1]["skipped"]


def test_loaded_models_are_reused_and_run_first(served, client):
    cache = PipelineCache(10**9)
    models = records(client, served, "sentiment", "moods")
    planned = multi.plan(models, "text-classification", budget=10**9)
    list(multi.run_all(planned[1:], TEXT, cache=cache))  # moods is loaded now
    runs = list(multi.run_all(planned, TEXT, cache=cache))
    assert [r.model for r in runs] == [served["moods"], served["sentiment"]]  # loaded first
    assert runs[0].load_ms == 0 and runs[0].result.from_cache and runs[1].load_ms > 0
    assert cache.loads == 2


def test_stop_ends_the_run_after_the_current_model(served, client):
    stop = threading.Event()

    def on_progress(p: multi.Progress) -> None:
        if p.stage == "running":
            stop.set()  # asked while the first model runs

    planned = multi.plan(records(client, served, "sentiment", "moods"), "text-classification", budget=10**9)
    runs = list(multi.run_all(planned, TEXT, cache=PipelineCache(10**9), on_progress=on_progress, stop_event=stop))
    assert runs[0].ok and {row["label"] for row in runs[0].output} == set(SENTIMENT)  # the current one finished
    assert runs[1].skipped == "stopped before it ran, as asked"


def test_a_failing_model_is_its_own_result_and_the_run_goes_on(served, client):
    ghost = ModelRecord(id="multi/not-there", pipeline_tag="text-classification")
    planned = multi.plan([ghost, *records(client, served, "sentiment")], "text-classification", budget=10**9)
    runs = sorted(multi.run_all(planned, TEXT, cache=PipelineCache(10**9)), key=lambda r: r.index)
    assert runs[0].error is not None and runs[0].as_json()["error"].startswith(runs[0].error.title)
    assert runs[1].ok


# ---------------------------------------------------------------------------------------------- memory, per model


def test_each_models_peak_memory_is_its_own(served, client):
    """A 90 KB model and a 52 MB one, the small one first in a fresh cache: each reports what it cost, not the
    process's peak (hundreds of MB with torch), and the big one keeps reporting its cost once loaded."""
    cache = PipelineCache(10**9)
    planned = multi.plan(records(client, served, "sentiment", "big-0"), "text-classification", budget=10**9)
    small, big = list(multi.run_all(planned, TEXT, cache=cache))
    process = memory.rss() / 1e6
    assert big.peak_mb >= 0.8 * BIG_MB and big.peak_mb <= 3 * BIG_MB, big.peak_mb
    assert small.peak_mb < 25 and big.peak_mb > small.peak_mb + 30, (small.peak_mb, big.peak_mb)
    assert small.peak_mb < process / 5 and big.peak_mb < process / 2, process  # neither is the whole process
    again = next(iter(multi.run_all(planned[1:], TEXT, cache=cache)))
    assert again.result.from_cache and again.peak_mb >= 0.8 * BIG_MB  # its load's cost, kept with the pipeline


def test_models_that_do_not_fit_together_never_sit_in_memory_together(served, client, monkeypatch):
    """Three 52 MB models under an 80 MB budget: before each load the one before is dropped (the cache holds
    nothing else while a model loads), and the whole run's memory grows by about one model, not three (two
    together would be over 100 MB)."""
    from lib.tryit import engines

    budget = 80_000_000
    cache = PipelineCache(budget)
    planned = multi.plan(records(client, served, "big-0", "big-1", "big-2"), "text-classification", budget=budget)
    assert all(p.runnable and p.needed_bytes > 50e6 for p in planned)
    list(multi.run_all(planned[:1], TEXT, cache=cache))  # downloaded and warm: the measure below is the runs'
    held_at_load: list[int] = []
    real_load = engines.load

    def load(*args, **kwargs):
        held_at_load.append(cache.used_bytes)  # what is still loaded while this model loads
        return real_load(*args, **kwargs)

    monkeypatch.setattr(engines, "load", load)
    memory.release(collect=True)
    with memory.PeakMemory() as whole:
        runs = list(multi.run_all(planned, TEXT, cache=cache))
    assert all(r.ok for r in runs) and cache.loads == 3  # big-0 reused (first), the others loaded
    assert held_at_load == [0, 0], held_at_load
    assert cache.used_bytes <= budget
    assert whole.growth_bytes < budget, whole.growth_bytes / 1e6


# ---------------------------------------------------------------------------------------------------------- chat


def _reference_answer(folder: str, messages: list[dict[str, str]], max_new_tokens: int) -> str:
    """The same model answering the same messages without the app: its tokenizer's chat template, then greedy
    generate, then the new tokens decoded."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.inference_mode():
        out = model.generate(**ids, max_new_tokens=max_new_tokens, do_sample=False,
                             pad_token_id=tokenizer.eos_token_id)
    return tokenizer.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)


CHAT = {"system": "You are terse.", "messages": [{"role": "user", "content": "My name is Sarah"}]}
MESSAGES = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "My name is Sarah"}]


def test_a_prompt_goes_to_several_instruct_models_through_their_templates_streamed(served, client):
    models = records(client, served, "chat-a", "base", "chat-b")
    assert [m.has_chat_template for m in models] == [True, False, True]  # from the Hub's config.tokenizer_config
    planned = multi.plan(models, "chat", budget=10**9)
    assert "no chat template" in planned[1].skipped
    streamed: dict[int, str] = {}
    gen = Generation(max_new_tokens=6)
    runs = list(multi.run_all(planned, CHAT, cache=PipelineCache(10**9), generation=gen,
                              on_text=lambda i, piece: streamed.__setitem__(i, streamed.get(i, "") + piece)))
    by = {r.index: r for r in runs}
    for index, name in ((0, "chat-a"), (2, "chat-b")):
        expected = _reference_answer(served[f"path:{name}"], MESSAGES, 6)
        assert by[index].output["text"] == expected and streamed[index] == expected
        assert by[index].result.tokens and by[index].tokens_per_s > 0
    assert by[0].output["text"] != by[2].output["text"]  # two models, two answers


def test_chat_on_endpoints_goes_through_the_chat_route_and_answers_as_here(served, client):
    from tests.inference_server import InferenceServer

    with InferenceServer() as srv:
        for name in ("chat-a", "chat-b"):
            srv.add_model(served[name], "text-generation", served[f"path:{name}"])
        targets = {served[name]: multi.RemoteTarget(endpoint=srv.endpoint(served[name])) for name in ("chat-a",
                                                                                                       "chat-b")}
        planned = multi.plan(records(client, served, "chat-a", "chat-b", "sentiment"), "chat", remote=targets)
        runs = sorted(multi.run_all(planned, CHAT, generation=Generation(max_new_tokens=6)), key=lambda r: r.index)
        assert all("/chat/completions" in r.path for r in srv.requests)
    for index, name in ((0, "chat-a"), (1, "chat-b")):
        assert runs[index].output["text"] == _reference_answer(served[f"path:{name}"], MESSAGES, 6)
        assert runs[index].remote and runs[index].peak_mb is None and runs[index].as_json()["peak_mb"] is None
    assert "another task" in runs[2].skipped


def test_remote_classification_gives_the_local_answers(served, client):
    from tests.inference_server import InferenceServer

    with InferenceServer() as srv:
        srv.add_model(served["moods"], "text-classification", served["path:moods"])
        targets = {served["moods"]: multi.RemoteTarget(endpoint=srv.endpoint(served["moods"]))}
        planned = multi.plan(records(client, served, "sentiment", "moods"), "text-classification", remote=targets)
        runs = sorted(multi.run_all(planned, TEXT), key=lambda r: r.index)
    assert runs[0].skipped == "no endpoint URL given for it"
    local = next(iter(multi.run_all(multi.plan(records(client, served, "moods"), "text-classification",
                                          budget=10**9), TEXT, cache=PipelineCache(10**9))))
    assert [r["label"] for r in runs[1].output] == [r["label"] for r in local.output]
    assert [r["score"] for r in runs[1].output] == pytest.approx([r["score"] for r in local.output], abs=1e-4)


def test_a_provider_serves_every_model_by_its_repo_id(served, client, monkeypatch):
    """Inference Providers through the (fake) Hub's mapping; the router's URL pointed at the loopback server, as in
    tests/test_tryit_remote.py."""
    from huggingface_hub.inference._providers import PROVIDERS

    from tests.inference_server import InferenceServer

    with InferenceServer() as srv:
        for name in ("sentiment", "moods"):
            srv.add_model(served[name], "text-classification", served[f"path:{name}"])
        monkeypatch.setattr(PROVIDERS["hf-inference"]["text-classification"], "base_url", srv.url)
        target = multi.RemoteTarget(provider="hf-inference", token=VALID_TOKEN)
        planned = multi.plan(records(client, served, "sentiment", "fill", "moods"), "text-classification",
                             remote=target)
        runs = sorted(multi.run_all(planned, TEXT), key=lambda r: r.index)
        assert sorted(r.path for r in srv.requests) == sorted(f"/models/{served[n]}" for n in ("sentiment", "moods"))
    assert {r["label"] for r in runs[0].output} == set(SENTIMENT) and {r["label"] for r in runs[2].output} == set(MOODS)
    assert "another task" in runs[1].skipped and runs[0].remote and runs[0].load_ms == 0


# ------------------------------------------------------------------------------------------ in a thread, for pages


def test_a_background_run_can_be_watched_and_stopped_between_models(served, client):
    planned = multi.plan(records(client, served, "sentiment", "moods", "fill"), "text-classification", budget=10**9)
    job = multi.MultiRun(planned, TEXT, cache=PipelineCache(10**9)).start()
    assert job.wait(120)
    snap = job.snapshot()
    assert snap.done and snap.progress is None and snap.error is None and sorted(snap.runs) == [0, 1, 2]
    assert snap.runs[2].skipped and snap.runs[0].ok and snap.runs[1].ok

    job = multi.MultiRun(planned, TEXT, cache=PipelineCache(10**9))
    job.stop()  # asked before the first model: nothing runs
    job.start().wait(60)
    assert all(r.skipped for r in job.snapshot().runs.values()) and job.snapshot().stopping


# -------------------------------------------------------------------------------------------------------- the CLI


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    from lib.tryit.__main__ import main

    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_runs_several_models_in_the_order_given(served, capsys):
    code, out, err = _cli(capsys, "--model", served["moods"], "--model", served["fill"], "--model",
                          served["sentiment"], "--model", "multi/not-there", "--task", "text-classification",
                          "--input", TEXT, "--json")
    assert code == 0, err
    runs = json.loads(out)["runs"]
    assert [r["model"] for r in runs] == [served["moods"], served["fill"], served["sentiment"], "multi/not-there"]
    assert set(runs[0]) == {"model", "output", "load_ms", "run_ms", "peak_mb"}
    assert {r["label"] for r in runs[0]["output"]} == set(MOODS)
    assert {r["label"] for r in runs[2]["output"]} == set(SENTIMENT)
    assert set(runs[1]) == {"model", "skipped"} and "another task: fill-mask" in runs[1]["skipped"]
    assert set(runs[3]) == {"model", "skipped"} and "not found" in runs[3]["skipped"].lower()
    assert runs[0]["peak_mb"] >= 0 and runs[0]["load_ms"] > 0


def test_cli_single_model_keeps_its_shape_and_local_folders_run_too(served, capsys):
    code, out, err = _cli(capsys, "--model", served["path:moods"], "--task", "text-classification", "--input", TEXT,
                          "--json")
    assert code == 0, err
    assert set(json.loads(out)) == {"output", "load_ms", "run_ms"}  # today's shape
    code, out, err = _cli(capsys, "--model", served["path:moods"], "--model", served["path:sentiment"], "--task",
                          "text-classification", "--input", TEXT)
    assert code == 0, err
    assert out.count("== ") == 2 and "peak" in out and "sad" in out and "POSITIVE" in out


def test_cli_chat_models_and_nothing_runnable(served, capsys):
    code, out, err = _cli(capsys, "--model", served["chat-a"], "--model", served["base"], "--task", "chat", "--input",
                          json.dumps(CHAT), "--max-new-tokens", "6", "--json")
    assert code == 0, err
    runs = json.loads(out)["runs"]
    assert runs[0]["output"]["text"] == _reference_answer(served["path:chat-a"], MESSAGES, 6)
    assert "tokens_per_s" in runs[0] and "no chat template" in runs[1]["skipped"]
    code, out, err = _cli(capsys, "--model", served["fill"], "--model", served["gated"], "--task",
                          "text-classification", "--input", TEXT, "--json")
    assert code == 1 and all("skipped" in r for r in json.loads(out)["runs"])


@pytest.mark.parametrize("args,needle", [
    (["--endpoint", "http://127.0.0.1:9/x"], "one model"),
    (["--stream"], "one model"),
    (["--task", "no-such-task"], "cannot be tried here"),
])
def test_cli_several_models_refuse_what_cannot_apply(args, needle, capsys):
    base = ["--model", "a/b", "--model", "c/d", "--task", "fill-mask", "--input", "a [MASK]"]
    if "--task" in args:
        base = base[:4] + ["--input", "x"]
    code, out, err = _cli(capsys, *base, *args)
    assert code == 1 and out == "" and needle in err and err.startswith("error: ")
