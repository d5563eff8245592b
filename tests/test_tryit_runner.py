"""Running tiny random models through real pipelines, downloaded from the fake Hub; the pipeline cache.

Loads torch and transformers (about 10 s once per session); the tiny models build in well under a second each.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path

import pytest

from lib.errors import GatedRepoError, InvalidQueryError, NotFoundError
from lib.format import human_bytes
from lib.tryit import runner
from lib.tryit.cache import PipelineCache, cache_key
from lib.tryit.fit import RemoteCodeRefusedError
from lib.tryit.tasks import get_task
from lib.tryit.trial import Generation
from tests.tiny_models import build


@pytest.fixture(scope="module")
def tiny(fake_hub, tmp_path_factory):
    """kind -> repo id on the fake Hub (and the local folders under 'path:kind')."""
    root = tmp_path_factory.mktemp("tiny")
    ids = {}
    for kind in ("text-generation", "fill-mask", "text-classification", "token-classification",
                 "question-answering", "feature-extraction"):
        folder = build(kind, root / kind)
        repo_id = f"tiny-org/tiny-{kind}"
        fake_hub.add_local_repo("model", repo_id, folder, pipeline_tag=kind)
        ids[kind] = repo_id
        ids[f"path:{kind}"] = str(folder)
    gated = build("fill-mask", root / "gated")
    fake_hub.add_local_repo("model", "tiny-org/tiny-gated", gated, pipeline_tag="fill-mask", gated="auto")
    ids["gated"] = "tiny-org/tiny-gated"
    return ids


@pytest.fixture
def cache():
    return PipelineCache(budget_bytes=10**9)


def test_text_generation_through_the_hub_with_tokens_per_second(tiny, cache, hub):
    hub.clear_requests()
    res = runner.run(tiny["text-generation"], "text-generation", "My name is Sarah",
                     generation=Generation(max_new_tokens=5, seed=0), cache=cache)
    assert res.output["text"].startswith("My name is Sarah")
    assert res.load_ms > 0 and res.run_ms > 0 and not res.from_cache
    assert res.tokens and res.tokens <= 5 * 4 and res.tokens_per_s > 0
    assert any("/resolve/" in r.path and "tiny-text-generation" in r.path for r in hub.requests)
    assert set(res.as_json()) >= {"output", "load_ms", "run_ms", "tokens_per_s"}


def test_second_run_reuses_the_pipeline(tiny, cache, hub):
    first = runner.run(tiny["fill-mask"], "fill-mask", "paris is the [MASK] of france.", cache=cache)
    hub.clear_requests()
    second = runner.run(tiny["fill-mask"], "fill-mask", "my name is [MASK].", cache=cache)
    assert not first.from_cache and second.from_cache
    assert second.load_ms == 0 and cache.loads == 1
    assert hub.requests == []  # nothing asked of the Hub again
    assert [r["rank"] for r in second.output] == list(range(1, len(second.output) + 1))
    scores = [r["score"] for r in second.output]
    assert scores == sorted(scores, reverse=True)


def test_text_and_token_classification(tiny, cache):
    res = runner.run(tiny["text-classification"], "text-classification", "I like you.", cache=cache)
    assert {r["label"] for r in res.output} == {"NEGATIVE", "POSITIVE"}
    assert sum(r["score"] for r in res.output) == pytest.approx(1.0, abs=1e-4)
    text = "My name is Sarah and I live in London"
    res = runner.run(tiny["token-classification"], "token-classification", text, cache=cache)
    assert "".join(piece for piece, _ in res.output["segments"]) == text
    assert all(e["label"] in {"PER", "LOC"} for e in res.output["entities"])


def test_question_answering_span_is_in_the_context(tiny, cache):
    value = {"question": "Where do I live?", "context": "My name is Wolfgang and I live in Berlin"}
    res = runner.run(tiny["question-answering"], "question-answering", value, cache=cache)
    out = res.output
    assert out["before"] + out["answer"] + out["after"] == value["context"]
    assert value["context"][out["start"]:out["end"]] == out["answer"] and out["answer"]
    assert 0 < out["score"] <= 1


def test_feature_extraction_and_similarity_on_a_local_folder(tiny, cache):
    res = runner.run(tiny["path:feature-extraction"], "feature-extraction", "today is a sunny day", cache=cache)
    assert res.output["dim"] == 32 and res.output["tokens"] >= 3
    value = {"source_sentence": "a man is eating food", "sentences": ["a man is eating food", "where do i live"]}
    res = runner.run(tiny["path:feature-extraction"], "sentence-similarity", value, cache=cache)
    assert len(res.output) == 2 and res.output[0] == pytest.approx(1.0, abs=1e-5)
    assert cache.loads == 1  # same pipeline (feature-extraction) serves both tasks


def test_gated_without_token_is_refused(tiny, cache):
    with pytest.raises(GatedRepoError):
        runner.run(tiny["gated"], "fill-mask", "[MASK]", cache=cache)
    assert cache.loads == 0


def test_remote_code_without_consent_is_refused_before_loading(tmp_path, cache):
    (tmp_path / "config.json").write_text(json.dumps({"auto_map": {"AutoModel": "modeling_evil.Evil"}}))
    with pytest.raises(RemoteCodeRefusedError):
        runner.run(str(tmp_path), "feature-extraction", "hi", cache=cache)
    assert cache.loads == 0


def test_missing_folder_and_bad_input(cache, tiny):
    with pytest.raises(NotFoundError):
        runner.run("./no/such/folder", "fill-mask", "x", cache=cache)
    with pytest.raises(InvalidQueryError):
        runner.run(tiny["question-answering"], "question-answering", "no context", cache=cache)


# ----------------------------------------------------------------------------------- streaming, stages, download


GREEDY = Generation(max_new_tokens=24, seed=0)


def test_stream_pieces_arrive_in_order_and_add_up_to_the_run(tiny, cache):
    pieces, result = runner.stream(tiny["text-generation"], "text-generation", "My name is Sarah", generation=GREEDY,
                                   cache=cache)
    got = list(pieces)
    res = result()
    assert len(got) >= 2  # more than one piece: the text really streams
    assert "".join(got) == res.output["continuation"]  # in order, nothing lost, prompt not repeated
    assert res.output["text"] == "My name is Sarah" + "".join(got)
    assert not res.stopped and res.tokens and res.tokens_per_s > 0 and res.peak_bytes is not None
    # greedy: the same text as run() gives, from the same (cached) pipeline
    again = runner.run(tiny["text-generation"], "text-generation", "My name is Sarah", generation=GREEDY, cache=cache)
    assert again.output == res.output and again.from_cache and cache.loads == 1


def test_setting_stop_ends_generation_early(tiny, cache):
    full = runner.run(tiny["text-generation"], "text-generation", "My name is Sarah", generation=GREEDY, cache=cache)
    stop = threading.Event()
    pieces, result = runner.stream(tiny["text-generation"], "text-generation", "My name is Sarah", generation=GREEDY,
                                   cache=cache, stop=stop)
    got = []
    for piece in pieces:
        got.append(piece)
        stop.set()  # after the first piece
    res = result()
    assert res.stopped
    assert res.tokens < full.tokens and len(res.output["continuation"]) < len(full.output["continuation"])
    assert full.output["continuation"].startswith(res.output["continuation"])  # the same text, cut short


def test_abandoning_the_stream_stops_the_worker(tiny, cache):
    stop = threading.Event()
    pieces, result = runner.stream(tiny["text-generation"], "text-generation", "My name is Sarah", generation=GREEDY,
                                   cache=cache, stop=stop)
    first = next(pieces)
    pieces.close()  # what a page's rerun does to a half-read stream
    assert stop.is_set()
    res = result()  # the worker ends (no hang) ...
    full = runner.run(tiny["text-generation"], "text-generation", "My name is Sarah", generation=GREEDY, cache=cache)
    # ... cut short, unless it had already produced everything before the stop (then nothing is claimed)
    assert res.stopped or res.output == full.output
    assert res.output["continuation"].startswith(first) and full.output["continuation"].startswith(first)


def test_fill_mask_without_the_mask_token_is_an_input_error(tiny, cache):
    with pytest.raises(InvalidQueryError, match="could not run on that input"):
        runner.run(tiny["fill-mask"], "fill-mask", "no mask in this sentence", cache=cache)


def test_stream_is_for_generating_text_tasks_only(tiny, cache):
    with pytest.raises(InvalidQueryError, match="does not stream"):
        runner.stream(tiny["fill-mask"], "fill-mask", "[MASK]", cache=cache)
    assert cache.loads == 0
    assert get_task("text-generation").streams and get_task("summarization").streams
    assert not get_task("fill-mask").streams and not get_task("image-to-text").streams


def test_stages_say_loading_only_when_the_pipeline_is_not_cached(tiny, cache):
    heard = []
    first = runner.run(tiny["text-classification"], "text-classification", "hi", cache=cache, on_stage=heard.append)
    assert heard == ["loading", "running"] and first.peak_bytes is not None and first.load_ms > 0
    heard.clear()
    runner.run(tiny["text-classification"], "text-classification", "hi", cache=cache, on_stage=heard.append)
    assert heard == ["running"]
    assert cache_key(tiny["text-classification"], "text-classification") in cache
    assert cache_key(tiny["text-classification"], "text-classification", dtype="float16") not in cache


def test_tokens_are_the_models_own_new_tokens(tiny, cache):
    """tokens/s counts the ids generate produced (not a re-tokenization of the decoded text), in run() and stream()."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    prompt = "My name is Sarah"
    res = runner.run(tiny["text-generation"], "text-generation", prompt, generation=GREEDY, cache=cache)
    pieces, result = runner.stream(tiny["text-generation"], "text-generation", prompt, generation=GREEDY,
                                   cache=cache)
    list(pieces)
    streamed = result()
    tok = AutoTokenizer.from_pretrained(tiny["text-generation"])
    model = AutoModelForCausalLM.from_pretrained(tiny["text-generation"]).eval()
    batch = tok(prompt, return_tensors="pt")
    with torch.inference_mode():
        ids = model.generate(**batch, max_new_tokens=GREEDY.max_new_tokens, do_sample=False,
                             pad_token_id=tok.eos_token_id)
    new = ids.shape[1] - batch["input_ids"].shape[1]
    assert res.tokens == streamed.tokens == new
    assert res.tokens_per_s == pytest.approx(new / (res.run_ms / 1000))


def test_dtype_choice_loads_half_precision(tiny, cache):
    res = runner.run(tiny["text-classification"], "text-classification", "hi", dtype="bfloat16", cache=cache)
    pipe = cache._entries[cache_key(tiny["text-classification"], "text-classification", dtype="bfloat16")].pipe
    assert str(next(pipe.model.parameters()).dtype) == "torch.bfloat16" and not res.from_cache


def test_devices_always_offer_the_cpu():
    found = runner.devices()
    assert found[0] == "cpu" and set(found) <= {"cpu", "cuda", "mps"}


def test_download_counts_bytes_and_files_and_fills_the_cache(fake_hub, tmp_path):
    from lib.hub import HubClient
    from lib.settings import load_settings
    from lib.tryit import fit
    from lib.tryit.download import Download

    folder = build("text-classification", tmp_path / "dl")
    fake_hub.add_local_repo("model", "tiny-org/tiny-download", folder, pipeline_tag="text-classification")
    record = HubClient(load_settings()).model("tiny-org/tiny-download")
    files = fit.pipeline_files(record.files)
    sizes = {f.path: f.size for f in files}
    assert "model.safetensors" in sizes and fit.cached_files(record.id, files) == (0, len(files))
    dl = Download(record.id, list(sizes), known_bytes=sum(sizes.values())).start()
    seen = []
    while not dl.wait(0.01):
        seen.append(dl.progress)
    snapshot = dl.result()
    done = dl.progress
    assert done.files_done == done.files_total == len(files)
    assert done.bytes_done == done.bytes_total == sum(sizes.values()) and done.fraction == 1.0
    assert done.label() == f"Downloading: {len(files)} / {len(files)} files, {human_bytes(sum(sizes.values()))} / " \
                           f"{human_bytes(sum(sizes.values()))}"
    assert all(a.bytes_done <= b.bytes_done for a, b in itertools.pairwise(seen))  # never goes backwards
    assert fit.cached_files(record.id, files) == (len(files), len(files))
    assert sorted(p.name for p in Path(snapshot).iterdir()) == sorted(sizes)


def test_download_of_a_gated_repo_without_token_is_the_app_error(tiny):
    from lib.tryit.download import Download

    dl = Download(tiny["gated"], ["config.json", "model.safetensors"]).start()
    with pytest.raises(GatedRepoError):
        dl.result()


def test_two_sessions_calling_one_pipeline_take_turns(tmp_path):
    """A shared pipeline is called by one thread at a time (fast tokenizers fail when shared across threads)."""
    cache = PipelineCache(budget_bytes=10**9)
    busy, most = [0], [0]
    guard = threading.Lock()

    class Pipe:
        def __call__(self, text, **kwargs):
            with guard:
                busy[0] += 1
                most[0] = max(most[0], busy[0])
            time.sleep(0.05)
            with guard:
                busy[0] -= 1
            return [{"label": "A", "score": 1.0}]

    cache.get_or_load(cache_key(str(tmp_path), "text-classification"), Pipe, lambda p: 1)
    errors = []

    def session():
        try:
            for _ in range(3):
                res = runner.run(str(tmp_path), "text-classification", "hi", cache=cache)
                assert res.from_cache and res.output == [{"rank": 1, "label": "A", "score": 1.0}]
        except Exception as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=session) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and most[0] == 1 and cache.loads == 1
