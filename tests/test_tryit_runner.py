"""Running tiny random models through real pipelines, downloaded from the fake Hub; the pipeline cache.

Loads torch and transformers (about 10 s once per session); the tiny models build in well under a second each.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from lib.errors import GatedRepoError, InvalidQueryError, NotFoundError
from lib.tryit import runner
from lib.tryit.fit import RemoteCodeRefusedError
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
    return runner.PipelineCache(budget_bytes=10**9)


def test_text_generation_through_the_hub_with_tokens_per_second(tiny, cache, hub):
    hub.clear_requests()
    res = runner.run(tiny["text-generation"], "text-generation", "My name is Sarah",
                     generation=runner.Generation(max_new_tokens=5, seed=0), cache=cache)
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


# ------------------------------------------------------------------------- the cache itself, with fake loaders


def test_concurrent_loads_of_one_model_wait_for_a_single_load():
    cache = runner.PipelineCache(budget_bytes=100)
    calls = []

    def load():
        calls.append(1)
        time.sleep(0.2)
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get_or_load("m", load, lambda p: 10)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and cache.loads == 1
    assert len({id(p) for p, _ in got}) == 1
    assert sorted(loaded for _, loaded in got) == [False, False, False, True]


def test_lru_eviction_within_the_budget():
    cache = runner.PipelineCache(budget_bytes=25)
    for key in ("a", "b"):
        cache.get_or_load(key, object, lambda p: 10)
    cache.get_or_load("a", object, lambda p: 10)  # a is now the most recent
    cache.get_or_load("c", object, lambda p: 10)  # 30 > 25: the least recent (b) goes
    assert cache.keys() == ["a", "c"] and cache.evictions == 1 and cache.used_bytes == 20
    cache.get_or_load("huge", object, lambda p: 100)  # over budget alone: kept, everything else evicted
    assert cache.keys() == ["huge"]
