"""The fake Hub, exercised through the real huggingface_hub client (and raw HTTP where the client cannot go).

Expected values come from the fixture JSON files directly, never from the server's own code.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import httpx2
import pytest
from huggingface_hub import HfApi, ModelCard, constants, hf_hub_download, set_client_factory, snapshot_download
from huggingface_hub import errors as hf_errors
from huggingface_hub.file_download import get_hf_file_metadata, hf_hub_url
from huggingface_hub.hf_api import RepoFile, RepoFolder
from huggingface_hub.utils import _http as hf_http

from tests.fakehub import NO_ACCESS_TOKEN, VALID_TOKEN, FakeHub

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hub"
PAGE_SIZE = 7
TREE_PAGE_SIZE = 5
#: One client for raw requests: a new httpx2.Client per call costs tens of ms (it builds an SSL context).
HTTP = httpx2.Client(timeout=10)


def _load(kind: str) -> list[dict[str, Any]]:
    return json.loads((FIXTURES / f"{kind}.json").read_text(encoding="utf-8"))


MODELS = _load("models")
DATASETS = _load("datasets")
SPACES = _load("spaces")
BY_ID = (
    {("model", r["id"]): r for r in MODELS}
    | {("dataset", r["id"]): r for r in DATASETS}
    | {("space", r["id"]): r for r in SPACES}
)


def public(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if not r.get("private")]


def expected_order(records: list[dict[str, Any]], field: str) -> list[str]:
    """The documented sort: descending by field, ties by id ascending, missing values last."""
    by_id = sorted(records, key=lambda r: r["id"])
    present = [r for r in by_id if r.get(field) is not None]
    missing = [r for r in by_id if r.get(field) is None]
    return [r["id"] for r in sorted(present, key=lambda r: r[field], reverse=True) + missing]


@pytest.fixture(scope="module", autouse=True)
def _default_hf_client() -> Iterator[None]:
    """Exercise huggingface_hub's own HTTP client, even if other tests installed a custom client factory."""
    previous = hf_http._GLOBAL_CLIENT_FACTORY
    set_client_factory(hf_http.default_client_factory)
    yield
    set_client_factory(previous)


@pytest.fixture(scope="module")
def fhub() -> Iterator[FakeHub]:
    with FakeHub(port=0, page_size=PAGE_SIZE, tree_page_size=TREE_PAGE_SIZE) as hub:
        yield hub


@pytest.fixture(autouse=True)
def _clean_hub(fhub: FakeHub) -> Iterator[None]:
    yield
    fhub.clear_faults()


@pytest.fixture
def api(fhub: FakeHub) -> HfApi:
    return HfApi(endpoint=fhub.url, token=False)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """huggingface_hub's backoff sleeps, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(hf_http, "time", SimpleNamespace(sleep=recorded.append))
    return recorded


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    return tmp_path / "hub-cache"


def raw_get(hub: FakeHub, path: str, **kwargs: Any) -> httpx2.Response:
    return HTTP.get(hub.url + path, timeout=10, **kwargs)


# -- fixtures themselves ---------------------------------------------------------------------------------------


def test_fixture_coverage_meets_the_brief() -> None:
    assert len(MODELS) >= 45 and len(DATASETS) >= 22 and len(SPACES) >= 16
    pipelines = {r.get("pipeline_tag") for r in MODELS}
    assert {
        "text-generation",
        "fill-mask",
        "text-classification",
        "token-classification",
        "question-answering",
        "summarization",
        "translation",
        "feature-extraction",
        "sentence-similarity",
        "image-classification",
        "object-detection",
        "automatic-speech-recognition",
        "text-to-image",
        None,
    } <= pipelines
    assert {"transformers", "sentence-transformers", "diffusers", "timm", "gguf", "peft", None} <= {
        r.get("library_name") for r in MODELS
    }
    assert {"auto", "manual", False} <= {r["gated"] for r in MODELS}
    assert {"gradio", "streamlit", "docker", "static"} <= {r["sdk"] for r in SPACES}
    assert {"RUNNING", "SLEEPING", "BUILDING", "RUNTIME_ERROR"} <= {r["runtime"]["stage"] for r in SPACES}
    assert any(r["downloads"] >= 100_000_000 for r in MODELS)
    assert any(r["downloads"] == 0 and r["likes"] == 0 for r in MODELS)
    assert any(sum(t.startswith("license:") for t in r["tags"]) >= 2 for r in MODELS)
    assert any(r["disabled"] for r in DATASETS) and any(r["gated"] for r in DATASETS)
    for record in MODELS + DATASETS + SPACES:
        assert len(record["sha"]) == 40 and int(record["sha"], 16) >= 0
        assert record["createdAt"].endswith(".000Z") and record["lastModified"].endswith(".000Z")
        # the Hub backfilled createdAt of pre-2022 repos to this instant: their lastModified can be older
        if record["lastModified"] < record["createdAt"]:
            assert record["createdAt"] == "2022-03-02T23:29:04.000Z"
    years = {r["lastModified"][:4] for r in MODELS + DATASETS + SPACES}
    assert {"2020", "2021", "2022", "2023", "2024", "2025"} <= years


# -- listing ---------------------------------------------------------------------------------------------------


def test_list_models_default_shape_and_paging(fhub: FakeHub, api: HfApi) -> None:
    fhub.clear_requests()
    ids = [m.id for m in api.list_models()]
    assert ids == [r["id"] for r in public(MODELS)]  # fixture order, private repo hidden
    pages = [r for r in fhub.requests if r.path == "/api/models"]
    assert len(pages) == math.ceil(len(ids) / PAGE_SIZE)
    assert all(r.params("cursor") for r in pages[1:])

    first = raw_get(fhub, "/api/models", params={"limit": 2}).json()[0]
    allowed = {
        "_id",
        "id",
        "likes",
        "trendingScore",
        "private",
        "downloads",
        "tags",
        "pipeline_tag",
        "library_name",
        "createdAt",
        "modelId",
    }
    assert set(first) <= allowed and {"_id", "id", "tags", "downloads", "modelId"} <= set(first)
    no_pipeline = raw_get(fhub, "/api/models", params={"search": "checkpoint-1500"}).json()[0]
    assert "pipeline_tag" not in no_pipeline and "library_name" not in no_pipeline  # omitted, not null

    full = next(iter(api.list_models(search="bert-base-uncased", full=True, cardData=True)))
    assert full.sha == BY_ID[("model", full.id)]["sha"] and full.siblings and full.card_data is not None
    assert next(iter(api.list_models(search="bert-base-uncased"))).siblings is None


def test_next_link_repeats_the_whole_query(fhub: FakeHub, api: HfApi) -> None:
    query = {"search": "e", "sort": "likes", "filter": "transformers", "limit": "3"}
    response = raw_get(fhub, "/api/models", params=query)
    link = response.links["next"]["url"]
    params = parse_qs(urlparse(link).query)
    assert {k: v[0] for k, v in params.items() if k != "cursor"} == query
    assert params["cursor"][0]
    # walking every page of a sorted, filtered query gives the same list as one big page
    walked: list[str] = []
    url: str | None = fhub.url + "/api/models?" + "&".join(f"{k}={v}" for k, v in query.items())
    while url:
        page = HTTP.get(url, timeout=10)
        assert len(page.json()) <= 3
        walked += [item["id"] for item in page.json()]
        url = page.links.get("next", {}).get("url")
    matching = [r for r in public(MODELS) if "e" in r["id"].lower() and "transformers" in r["tags"]]
    assert walked == expected_order(matching, "likes")
    assert [m.id for m in api.list_models(search="e", sort="likes", filter="transformers", limit=3)] == walked[:3]


@pytest.mark.parametrize(
    ("sort", "field"),
    [
        ("downloads", "downloads"),
        ("likes", "likes"),
        ("trending_score", "trendingScore"),
        ("created_at", "createdAt"),
        ("last_modified", "lastModified"),
    ],
)
def test_list_models_sort(api: HfApi, sort: str, field: str) -> None:
    ids = [m.id for m in api.list_models(sort=sort)]  # type: ignore[arg-type]
    assert ids == expected_order(public(MODELS), field)


def test_sort_ties_break_by_id(api: HfApi) -> None:
    tied = [r["id"] for r in MODELS if r["downloads"] == 1_500_000]
    assert len(tied) >= 3
    ids = [m.id for m in api.list_models(sort="downloads")]
    positions = [ids.index(t) for t in sorted(tied)]
    assert positions == list(range(positions[0], positions[0] + len(tied)))
    legacy = sorted(r["id"] for r in public(MODELS) if r["createdAt"] == "2022-03-02T23:29:04.000Z")
    created = [m.id for m in api.list_models(sort="created_at")]
    assert [i for i in created if i in legacy] == legacy


def test_list_models_filters(api: HfApi) -> None:
    def ids(**kwargs: Any) -> set[str]:
        return {m.id for m in api.list_models(**kwargs)}

    assert ids(search="QWEN") == {r["id"] for r in public(MODELS) if "qwen" in r["id"].lower()}
    assert ids(author="Qwen") == {r["id"] for r in MODELS if r["id"].startswith("Qwen/")}
    assert ids(filter=["text-generation", "gguf"]) == {
        r["id"] for r in MODELS if {"text-generation", "gguf"} <= set(r["tags"])
    }
    assert ids(pipeline_tag="fill-mask") == {r["id"] for r in public(MODELS) if r.get("pipeline_tag") == "fill-mask"}
    assert ids(gated=True) == {r["id"] for r in MODELS if r["gated"]}
    assert ids(gated=True) >= {"meta-llama/Llama-3.1-8B-Instruct", "mistralai/Mistral-7B-Instruct-v0.3"}
    assert ids(gated=False) == {r["id"] for r in public(MODELS) if not r["gated"]}
    assert ids(filter="license:apache-2.0", search="bert") == {
        r["id"] for r in public(MODELS) if "license:apache-2.0" in r["tags"] and "bert" in r["id"].lower()
    }
    assert ids(trained_dataset="wikipedia") == {r["id"] for r in MODELS if "dataset:wikipedia" in r["tags"]}


def test_list_models_raw_only_filters(fhub: FakeHub) -> None:
    """`library`, `language` and `num_parameters` are query parameters HfApi 2.x no longer builds."""

    def ids(**params: Any) -> set[str]:
        return {item["id"] for item in raw_get(fhub, "/api/models", params={**params, "limit": 1000}).json()}

    assert ids(library="peft") == {r["id"] for r in MODELS if r.get("library_name") == "peft"}
    assert ids(library="gguf") == {r["id"] for r in MODELS if r.get("library_name") == "gguf" or "gguf" in r["tags"]}
    assert "llm-jp-fan/日本語-gpt2-small" in ids(language="ja")
    big = ids(num_parameters="min:100B")
    assert big == {r["id"] for r in MODELS if (r.get("safetensors") or {}).get("total", 0) >= 100e9}
    assert raw_get(fhub, "/api/models", params={"sort": "trending_score"}).status_code == 400


def test_expand_gives_exactly_the_expanded_fields(fhub: FakeHub, api: HfApi) -> None:
    items = raw_get(
        fhub, "/api/models", params=[("expand", "downloads"), ("expand", "safetensors"), ("limit", "100")]
    ).json()
    for item in items:
        record = BY_ID[("model", item["id"])]
        assert set(item) == {"_id", "id", "downloads"} | ({"safetensors"} if "safetensors" in record else set())
    models = list(api.list_models(search="bert-base-uncased", expand=["downloadsAllTime", "safetensors"]))
    assert models[0].downloads_all_time == BY_ID[("model", "google-bert/bert-base-uncased")]["downloadsAllTime"]
    info = api.model_info("Qwen/Qwen2.5-7B-Instruct", expand=["baseModels", "childrenModelCount", "usedStorage"])
    assert info.base_models == {"relation": "finetune", "models": [{"id": "Qwen/Qwen2.5-7B"}]}
    children = [r["id"] for r in MODELS if "base_model:Qwen/Qwen2.5-7B-Instruct" in r["tags"]]
    assert info.children_model_count == len(children) >= 2
    assert info.used_storage and info.used_storage > 15e9 and info.tags is None
    with pytest.raises(hf_errors.BadRequestError):
        api.model_info("gpt2", expand=["nope"])  # type: ignore[list-item]


def test_list_datasets_filters_and_shape(fhub: FakeHub, api: HfApi) -> None:
    def ids(**kwargs: Any) -> set[str]:
        return {d.id for d in api.list_datasets(**kwargs)}

    assert ids(task_categories="question-answering") == {
        r["id"] for r in public(DATASETS) if "task_categories:question-answering" in r["tags"]
    }
    assert ids(language="fr") == {r["id"] for r in public(DATASETS) if "language:fr" in r["tags"]}
    assert "Français-NLP/critiques-de-cinéma" in ids(language="fr")
    assert ids(size_categories="n>1T") == {"HuggingFaceFW/fineweb", "allenai/c4"}
    assert ids(gated=True) == {r["id"] for r in DATASETS if r["gated"]}
    squad = next(d for d in api.list_datasets(search="squad"))
    assert squad.description and squad.citation and squad.paperswithcode_id == "squad"
    assert [d.id for d in api.list_datasets(sort="downloads")] == expected_order(public(DATASETS), "downloads")
    item = raw_get(fhub, "/api/datasets", params={"search": "scratch"}).json()[0]
    assert item["key"] == "" and "description" not in item and item["gated"] is False
    books = raw_get(fhub, "/api/datasets", params={"search": "books3"}).json()[0]
    assert books["disabled"] is True


def test_list_spaces_and_space_info(fhub: FakeHub, api: HfApi) -> None:
    assert [s.id for s in api.list_spaces(sort="likes")] == expected_order(public(SPACES), "likes")
    assert {s.id for s in api.list_spaces(models="openai/whisper-large-v3")} == {
        r["id"] for r in SPACES if "openai/whisper-large-v3" in r.get("models", [])
    }
    assert {i["id"] for i in raw_get(fhub, "/api/spaces", params={"sdk": "static"}).json()} == {
        r["id"] for r in SPACES if r["sdk"] == "static"
    }
    item = raw_get(fhub, "/api/spaces", params={"limit": 1}).json()[0]
    assert set(item) <= {"_id", "id", "likes", "trendingScore", "private", "sdk", "tags", "createdAt"}
    info = api.space_info("someuser/broken-space")
    assert info.runtime is not None and info.runtime.stage == "RUNTIME_ERROR"
    assert info.sdk == "gradio" and info.host and info.subdomain and info.models == ["openai/whisper-large-v3"]
    assert api.space_info("whitphx/streamlit-hub-explorer").runtime.stage == "SLEEPING"  # type: ignore[union-attr]
    assert "hub-explorer-test/private-dashboard" not in {s.id for s in api.list_spaces()}
    assert "hub-explorer-test/private-dashboard" in {s.id for s in api.list_spaces(token=VALID_TOKEN)}


# -- repo info -------------------------------------------------------------------------------------------------


def test_model_info_full_form(api: HfApi) -> None:
    record = BY_ID[("model", "google-bert/bert-base-uncased")]
    info = api.model_info("google-bert/bert-base-uncased")
    assert info.sha == record["sha"] and info.downloads == record["downloads"]
    assert info.safetensors is not None and info.safetensors.total == record["safetensors"]["total"]
    assert info.card_data is not None and info.card_data.license == "apache-2.0"
    assert info.transformers_info is not None and info.transformers_info.auto_model == "AutoModelForMaskedLM"
    assert "license:apache-2.0" in (info.tags or []) and info.mask_token == "[MASK]"
    assert [s.rfilename for s in info.siblings or []] == [s["rfilename"] for s in record["siblings"]]
    assert info.downloads_all_time is None and info.security_repo_status is None  # expand-only
    scanned = api.model_info("google-bert/bert-base-uncased", securityStatus=True)
    assert scanned.security_repo_status == {"scansDone": True, "filesWithIssues": []}
    legacy = api.model_info("gpt2")  # no namespace
    assert legacy.id == "gpt2" and legacy.author == "openai-community"


def test_blobs_tree_and_resolve_sizes_agree(fhub: FakeHub, api: HfApi) -> None:
    repo = "meta-llama/Llama-3.1-8B-Instruct"
    info = api.model_info(repo, files_metadata=True)
    siblings = {s.rfilename: s for s in info.siblings or []}
    tree = {f.path: f for f in api.list_repo_tree(repo, recursive=True, token=VALID_TOKEN) if isinstance(f, RepoFile)}
    assert set(siblings) == set(tree)
    for path, sibling in siblings.items():
        assert sibling.size == tree[path].size and sibling.blob_id == tree[path].blob_id
        assert (sibling.lfs is None) == (tree[path].lfs is None)
    assert siblings["original/consolidated.00.pth"].size == 16_060_617_592
    for path in ("config.json", "model-00002-of-00004.safetensors", "original/consolidated.00.pth"):
        meta = get_hf_file_metadata(hf_hub_url(repo, path, endpoint=fhub.url), token=VALID_TOKEN)
        assert meta.size == siblings[path].size
        assert meta.commit_hash == info.sha
        lfs = siblings[path].lfs
        assert meta.etag == (lfs.sha256 if lfs else siblings[path].blob_id)


def test_revisions(fhub: FakeHub, api: HfApi, tmp_path: Path) -> None:
    sha = BY_ID[("model", "gpt2")]["sha"]
    assert api.model_info("gpt2", revision=sha).sha == sha
    with pytest.raises(hf_errors.RevisionNotFoundError):
        api.model_info("gpt2", revision="v9.9")
    path = hf_hub_download("gpt2", "config.json", revision=sha, endpoint=fhub.url, cache_dir=tmp_path, token=False)
    assert json.loads(Path(path).read_text())["model_type"] == "gpt2"
    refs = api.list_repo_refs("gpt2")
    assert refs.branches[0].name == "main" and refs.branches[0].target_commit == sha
    assert [c.commit_id for c in api.list_repo_commits("gpt2")] == [sha]


def test_tree_listing(api: HfApi, fhub: FakeHub) -> None:
    repo = "google-bert/bert-base-uncased"
    fhub.clear_requests()
    entries = list(api.list_repo_tree(repo, recursive=True))
    tree_calls = [r for r in fhub.requests if "/tree/" in r.path]
    assert len(tree_calls) == math.ceil(len(entries) / TREE_PAGE_SIZE) > 1
    files = [e.path for e in entries if isinstance(e, RepoFile)]
    folders = [e.path for e in entries if isinstance(e, RepoFolder)]
    assert sorted(files) == sorted(s["rfilename"] for s in BY_ID[("model", repo)]["siblings"])
    assert "coreml" in folders and "coreml/fill-mask/float32_model.mlpackage/Data" in folders
    top = {e.path for e in api.list_repo_tree(repo)}
    assert "coreml" in top and not any("/" in p for p in top)
    sub = {e.path for e in api.list_repo_tree(repo, path_in_repo="coreml/fill-mask")}
    assert sub == {"coreml/fill-mask/float32_model.mlpackage"}
    safetensors = next(e for e in entries if e.path == "model.safetensors")
    assert safetensors.lfs is not None and len(safetensors.lfs.sha256) == 64  # type: ignore[union-attr]
    expanded = next(e for e in api.list_repo_tree(repo, expand=True) if e.path == "config.json")
    assert expanded.last_commit is not None and expanded.last_commit.oid == BY_ID[("model", repo)]["sha"]
    assert api.list_repo_files("Qwen/Qwen2.5-0.5B-Instruct") == [
        s["rfilename"] for s in BY_ID[("model", "Qwen/Qwen2.5-0.5B-Instruct")]["siblings"]
    ]
    paths = api.get_paths_info(repo, ["config.json", "coreml", "missing.txt"])
    assert [p.path for p in paths] == ["config.json", "coreml"]
    with pytest.raises(hf_errors.RemoteEntryNotFoundError):
        list(api.list_repo_tree(repo, path_in_repo="does-not-exist"))


# -- downloads -------------------------------------------------------------------------------------------------


def test_download_config_and_range_reads(fhub: FakeHub, tmp_path: Path) -> None:
    record = BY_ID[("model", "Qwen/Qwen2.5-7B-Instruct")]
    path = hf_hub_download(
        "Qwen/Qwen2.5-7B-Instruct", "config.json", endpoint=fhub.url, cache_dir=tmp_path, token=False
    )
    expected = {k: v for k, v in record["config"].items() if k != "tokenizer_config"}
    assert json.loads(Path(path).read_text()) == expected
    assert f"snapshots/{record['sha']}/config.json" in Path(path).as_posix()
    tokenizer = hf_hub_download(
        "Qwen/Qwen2.5-7B-Instruct", "tokenizer_config.json", endpoint=fhub.url, cache_dir=tmp_path, token=False
    )
    assert json.loads(Path(tokenizer).read_text())["eos_token"] == "<|im_end|>"

    url = f"{fhub.url}/TheBloke/Llama-2-7B-Chat-GGUF/resolve/main/llama-2-7b-chat.Q4_K_M.gguf"
    head = HTTP.head(url, timeout=10)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == 4_081_004_224
    assert head.headers["X-Linked-Size"] == "4081004224" and head.headers["ETag"].startswith('"')
    assert len(head.headers["X-Repo-Commit"]) == 40
    first = HTTP.get(url, headers={"Range": "bytes=0-7"}, timeout=10)
    assert first.status_code == 206 and first.content == b"GGUF\x03\x00\x00\x00"
    assert first.headers["Content-Range"] == "bytes 0-7/4081004224"
    tail = HTTP.get(url, headers={"Range": "bytes=-10"}, timeout=10)
    assert len(tail.content) == 10 and tail.headers["Content-Range"] == "bytes 4081004214-4081004223/4081004224"
    again = HTTP.get(url, headers={"Range": "bytes=4081004214-"}, timeout=10)
    assert again.content == tail.content  # deterministic bytes
    assert HTTP.get(url, headers={"Range": "bytes=5000000000-"}, timeout=10).status_code == 416


def test_missing_file_and_missing_card(fhub: FakeHub, api: HfApi, tmp_path: Path) -> None:
    response = HTTP.head(f"{fhub.url}/gpt2/resolve/main/nope.bin", timeout=10)
    assert response.status_code == 404 and response.headers["X-Error-Code"] == "EntryNotFound"
    with pytest.raises(hf_errors.RemoteEntryNotFoundError):
        hf_hub_download("gpt2", "nope.bin", endpoint=fhub.url, cache_dir=tmp_path, token=False)
    info = api.model_info("jdoe/checkpoint-1500")
    assert info.card_data is None and "README.md" not in [s.rfilename for s in info.siblings or []]
    assert info.pipeline_tag is None and info.library_name is None and info.downloads == 0 and info.likes == 0
    with pytest.raises(hf_errors.RemoteEntryNotFoundError):
        hf_hub_download("jdoe/checkpoint-1500", "README.md", endpoint=fhub.url, cache_dir=tmp_path, token=False)


def test_safetensors_metadata_matches_fixture_counts(api: HfApi, cache: Path) -> None:
    for repo in (
        "google-bert/bert-base-uncased",
        "Qwen/Qwen2.5-7B-Instruct",
        "deepseek-ai/DeepSeek-R1",
        "mlx-community/Qwen2.5-7B-Instruct-4bit",
    ):
        metadata = api.get_safetensors_metadata(repo)
        counts: dict[str, int] = {}
        for file_metadata in metadata.files_metadata.values():
            for dtype, count in file_metadata.parameter_count.items():
                counts[dtype] = counts.get(dtype, 0) + count
        assert counts == BY_ID[("model", repo)]["safetensors"]["parameters"], repo
        assert metadata.sharded == (repo in ("Qwen/Qwen2.5-7B-Instruct", "deepseek-ai/DeepSeek-R1"))
    with pytest.raises(hf_errors.NotASafetensorsRepoError):
        api.get_safetensors_metadata("Helsinki-NLP/opus-mt-en-de")
    sharded = api.get_sharded_safetensors_metadata("Qwen/Qwen2.5-7B-Instruct")
    assert sum(sum(f.parameter_count.values()) for f in sharded.files_metadata.values()) == 7_615_616_512


def test_model_card_load(fhub: FakeHub, monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    # ModelCard.load has no endpoint argument: it uses the endpoint frozen at import (HF_ENDPOINT).
    monkeypatch.setattr(constants, "ENDPOINT", fhub.url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", fhub.url + "/{repo_id}/resolve/{revision}/{filename}")
    card = ModelCard.load("google-bert/bert-base-uncased")
    assert card.data.license == "apache-2.0" and card.data.pipeline_tag == "fill-mask"
    assert "masked language modeling" in card.text
    html = ModelCard.load("web-demos/html-card-model")
    assert "<script>alert('xss from a model card')" in html.text
    multi = ModelCard.load("nlpaueb/legal-bert-base-uncased")
    assert multi.data.license == ["cc-by-sa-4.0", "apache-2.0"]
    huge = Path(hf_hub_download("bigscience/bloom", "README.md"))
    assert 200_000 <= huge.stat().st_size < 230_000 and "fakehub:" not in huge.read_text()
    unicode_card = HTTP.get(f"{fhub.url}/{quote('llm-jp-fan/日本語-gpt2-small')}/resolve/main/README.md", timeout=10)
    assert "🗾" in unicode_card.text and "license: mit" in unicode_card.text


def test_snapshot_download_of_a_fixture_repo(fhub: FakeHub, tmp_path: Path) -> None:
    folder = Path(
        snapshot_download(
            "web-demos/html-card-model",
            endpoint=fhub.url,
            cache_dir=tmp_path,
            allow_patterns=["*.json", "*.md", "*.txt"],
            token=False,
        )
    )
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == ["README.md", "config.json", "tokenizer.json", "vocab.txt"]
    record = BY_ID[("model", "web-demos/html-card-model")]
    sizes = {s["rfilename"]: s.get("size") for s in record["siblings"]}
    assert (folder / "tokenizer.json").stat().st_size == sizes["tokenizer.json"]
    json.loads((folder / "tokenizer.json").read_text())  # placeholder JSON is valid JSON


def test_dataset_and_space_files(fhub: FakeHub, api: HfApi, tmp_path: Path) -> None:
    readme = hf_hub_download(
        "rajpurkar/squad", "README.md", repo_type="dataset", endpoint=fhub.url, cache_dir=tmp_path, token=False
    )
    assert "task_categories:\n- question-answering" in Path(readme).read_text()
    parquet = HTTP.get(
        f"{fhub.url}/datasets/rajpurkar/squad/resolve/main/plain_text/train-00000-of-00001.parquet",
        headers={"Range": "bytes=0-3"},
        timeout=10,
    )
    assert parquet.content == b"PAR1"
    app = hf_hub_download(
        "gradio/hello_world", "run.py", repo_type="space", endpoint=fhub.url, cache_dir=tmp_path, token=False
    )
    assert Path(app).stat().st_size == 196
    assert api.dataset_info("rajpurkar/squad").card_data.task_categories == ["question-answering"]  # type: ignore


# -- access control --------------------------------------------------------------------------------------------


def test_unknown_repo(fhub: FakeHub, api: HfApi, tmp_path: Path) -> None:
    with pytest.raises(hf_errors.RepositoryNotFoundError):
        api.model_info("nobody/nothing-here")
    with pytest.raises(hf_errors.RepositoryNotFoundError):
        hf_hub_download("nobody/nothing-here", "config.json", endpoint=fhub.url, cache_dir=tmp_path, token=False)
    response = raw_get(fhub, "/api/datasets/nobody/nothing-here")
    assert response.status_code == 404 and response.headers["X-Error-Code"] == "RepoNotFound"
    assert response.json() == {"error": "Repository not found"}
    assert api.repo_exists("gpt2") and not api.repo_exists("nobody/nothing-here")


def test_private_repo_needs_a_member_token(api: HfApi) -> None:
    repo = "hub-explorer-test/private-finetune"
    with pytest.raises(hf_errors.RepositoryNotFoundError):
        api.model_info(repo)
    with pytest.raises(hf_errors.RepositoryNotFoundError):
        api.model_info(repo, token=NO_ACCESS_TOKEN)
    assert api.model_info(repo, token=VALID_TOKEN).private is True
    assert repo in {m.id for m in api.list_models(author="hub-explorer-test", token=VALID_TOKEN)}
    assert repo not in {m.id for m in api.list_models(author="hub-explorer-test")}


def test_gated_repo(fhub: FakeHub, api: HfApi, tmp_path: Path) -> None:
    repo = "meta-llama/Llama-3.1-8B-Instruct"
    assert api.model_info(repo).gated == "manual"  # info is public
    with pytest.raises(hf_errors.GatedRepoError) as anonymous:
        hf_hub_download(repo, "config.json", endpoint=fhub.url, cache_dir=tmp_path, token=False)
    assert anonymous.value.response.status_code == 401
    with pytest.raises(hf_errors.GatedRepoError) as no_access:
        hf_hub_download(repo, "config.json", endpoint=fhub.url, cache_dir=tmp_path, token=NO_ACCESS_TOKEN)
    assert no_access.value.response.status_code == 403
    with pytest.raises(hf_errors.GatedRepoError):
        api.model_info(repo, revision="main")  # the revision route is gated, as on the Hub
    path = hf_hub_download(repo, "config.json", endpoint=fhub.url, cache_dir=tmp_path, token=VALID_TOKEN)
    assert json.loads(Path(path).read_text())["model_type"] == "llama"
    card = hf_hub_download(repo, "README.md", endpoint=fhub.url, cache_dir=tmp_path / "c2", token=False)
    assert "extra_gated_prompt" in Path(card).read_text()  # the card stays public
    with pytest.raises(hf_errors.GatedRepoError):
        api.get_safetensors_metadata(repo)


def test_disabled_dataset(fhub: FakeHub, api: HfApi, tmp_path: Path) -> None:
    assert api.dataset_info("defunct-lab/books3").disabled is True
    url = hf_hub_url("defunct-lab/books3", "README.md", repo_type="dataset", endpoint=fhub.url)
    with pytest.raises(hf_errors.DisabledRepoError):
        get_hf_file_metadata(url, token=False)
    with pytest.raises(hf_errors.DisabledRepoError):
        list(api.list_repo_tree("defunct-lab/books3", repo_type="dataset"))
    # hf_hub_download hides a 403 on its HEAD call behind LocalEntryNotFoundError (the cause keeps the real error)
    with pytest.raises(hf_errors.LocalEntryNotFoundError) as wrapped:
        hf_hub_download(
            "defunct-lab/books3", "README.md", repo_type="dataset", endpoint=fhub.url, cache_dir=tmp_path, token=False
        )
    assert isinstance(wrapped.value.__cause__, hf_errors.DisabledRepoError)


def test_whoami_and_invalid_tokens(api: HfApi) -> None:
    me = api.whoami(token=VALID_TOKEN)
    assert me["name"] == "fake-user" and me["orgs"][0]["name"] == "hub-explorer-test"
    with pytest.raises(hf_errors.HfHubHTTPError) as bad:
        api.whoami(token="hf_not_a_real_token")
    assert bad.value.response.status_code == 401
    with pytest.raises(hf_errors.HfHubHTTPError) as strict:
        api.model_info("gpt2", token="hf_not_a_real_token")  # the Hub rejects bad tokens even on public repos
    assert strict.value.response.status_code == 401
    assert not isinstance(strict.value, hf_errors.RepositoryNotFoundError)


# -- faults ----------------------------------------------------------------------------------------------------


def test_429_fault_is_visible_to_the_client(fhub: FakeHub, api: HfApi) -> None:
    fhub.add_fault("/api/models/gpt2", status=429, times=1, retry_after=7)
    with pytest.raises(hf_errors.HfHubHTTPError) as error:
        api.model_info("gpt2")  # model_info does not retry
    response = error.value.response
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert response.headers["RateLimit"] == '"api";r=0;t=7'
    assert "rate limit" in str(error.value)
    assert api.model_info("gpt2").id == "gpt2"  # the fault was used up


def test_list_endpoints_retry_429_honouring_retry_after(fhub: FakeHub, api: HfApi, sleeps: list[float]) -> None:
    fhub.add_fault("/api/models", status=429, times=2, retry_after=7)
    assert len(list(api.list_models(limit=3))) == 3
    assert sleeps == [8.0, 8.0]  # huggingface_hub waits Retry-After + 1 s, then retries (up to 5 times)
    fhub.add_fault("/api/datasets", status=503, times=6)
    with pytest.raises(hf_errors.HfHubHTTPError) as error:
        list(api.list_datasets())
    assert error.value.response.status_code == 503 and sleeps[2:] == [1, 2, 4, 8, 8]


def test_5xx_malformed_delay_and_disconnect_faults(fhub: FakeHub, api: HfApi) -> None:
    fhub.add_fault("/api/models/gpt2", status=500)
    with pytest.raises(hf_errors.HfHubHTTPError) as error:
        api.model_info("gpt2")
    assert error.value.response.status_code == 500
    fhub.add_fault("/api/models/gpt2", malformed=True)
    with pytest.raises(ValueError):  # json.JSONDecodeError
        api.model_info("gpt2")
    fhub.add_fault("/api/models/gpt2", delay=0.6)
    with pytest.raises(httpx2.TimeoutException):
        api.model_info("gpt2", timeout=0.15)
    fhub.add_fault("/api/models/gpt2", disconnect=True)
    with pytest.raises(httpx2.RemoteProtocolError):
        api.model_info("gpt2")
    fhub.add_fault("/gpt2/resolve/", status=503, error_code="ServiceUnavailable", method="HEAD")
    response = HTTP.head(f"{fhub.url}/gpt2/resolve/main/config.json", timeout=10)
    assert response.status_code == 503 and response.headers["X-Error-Code"] == "ServiceUnavailable"
    assert api.model_info("gpt2").id == "gpt2"


def test_download_retries_around_faults(fhub: FakeHub, sleeps: list[float], tmp_path: Path) -> None:
    fhub.clear_requests()
    fhub.add_fault("/gpt2/resolve/", status=500, times=1, method="HEAD")
    hf_hub_download("gpt2", "config.json", endpoint=fhub.url, cache_dir=tmp_path, token=False)
    assert [(r.method, r.status) for r in fhub.requests] == [("HEAD", 500), ("HEAD", 200), ("GET", 200)]
    fhub.add_fault("/gpt2/resolve/", status=503, times=None, method="HEAD")
    with pytest.raises(hf_errors.LocalEntryNotFoundError) as error:  # not cached: the 503 hides behind this
        hf_hub_download("gpt2", "vocab.json", endpoint=fhub.url, cache_dir=tmp_path, token=False)
    assert isinstance(error.value.__cause__, hf_errors.HfHubHTTPError) and sleeps == [1, 2, 4, 8, 8]
    fhub.clear_faults()
    fhub.add_fault("/gpt2/resolve/", status=429, times=1, retry_after=3, method="GET")
    hf_hub_download("gpt2", "merges.txt", endpoint=fhub.url, cache_dir=tmp_path, token=False)
    assert sleeps[-1] == 4.0


def test_fault_control_endpoint(fhub: FakeHub, api: HfApi) -> None:
    created = HTTP.post(
        f"{fhub.url}/_fake/faults", json={"path_prefix": "/api/spaces", "status": 503, "times": 2}, timeout=10
    )
    assert created.status_code == 201 and created.json()["remaining"] == 2
    assert [f["id"] for f in HTTP.get(f"{fhub.url}/_fake/faults", timeout=10).json()] == [created.json()["id"]]
    with pytest.raises(hf_errors.HfHubHTTPError):
        api.space_info("gradio/hello_world")
    assert HTTP.get(f"{fhub.url}/_fake/faults", timeout=10).json()[0]["remaining"] == 1
    assert HTTP.delete(f"{fhub.url}/_fake/faults", timeout=10).status_code == 200
    logged = HTTP.get(f"{fhub.url}/_fake/requests").json()
    assert {"method": "GET", "path": "/api/spaces/gradio/hello_world", "status": 503}.items() <= logged[-1].items()
    assert api.space_info("gradio/hello_world").id == "gradio/hello_world"
    bad = HTTP.post(f"{fhub.url}/_fake/faults", json={"path_prefix": "/x", "colour": "red"}, timeout=10)
    assert bad.status_code == 400


# -- unicode, local repos, lifecycle ----------------------------------------------------------------------------


def test_unicode_ids_round_trip(fhub: FakeHub, api: HfApi) -> None:
    model_id = "llm-jp-fan/日本語-gpt2-small"
    assert [m.id for m in api.list_models(search="日本語")] == [model_id]
    info = raw_get(fhub, f"/api/models/{quote(model_id)}").json()
    assert info["id"] == model_id and info["cardData"]["language"] == "ja"
    assert [d.id for d in api.list_datasets(search="cinéma")] == ["Français-NLP/critiques-de-cinéma"]
    assert [s.id for s in api.list_spaces(search="démo")] == ["café-labs/démo-résumé"]
    tree = raw_get(fhub, f"/api/spaces/{quote('café-labs/démo-résumé')}/tree/main").json()
    assert "README.md" in [e["path"] for e in tree]
    # The client validates repo ids (ASCII letters, digits, -, _, .) before sending anything.
    with pytest.raises(hf_errors.HFValidationError):
        api.model_info(model_id)


def test_local_repo_is_served_byte_for_byte(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    (folder / "sub").mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"architectures": ["BertModel"], "model_type": "bert"}))
    (folder / "README.md").write_bytes(b"---\r\nlicense: mit\r\n---\r\n# tiny \xf0\x9f\xa4\x8f\r\n")
    weights = os.urandom(300_000)
    (folder / "sub" / "weights.bin").write_bytes(weights)
    with FakeHub(port=0, fixtures_dir=None) as hub:
        hub.add_local_repo("model", "local-org/tiny", folder, pipeline_tag="feature-extraction")
        api = HfApi(endpoint=hub.url, token=False)
        assert [m.id for m in api.list_models()] == ["local-org/tiny"]
        info = api.model_info("local-org/tiny", files_metadata=True)
        assert info.pipeline_tag == "feature-extraction" and info.config == {
            "architectures": ["BertModel"],
            "model_type": "bert",
        }
        sibling = next(s for s in info.siblings or [] if s.rfilename == "sub/weights.bin")
        assert sibling.lfs is not None and sibling.lfs.sha256 == hashlib.sha256(weights).hexdigest()
        local = Path(snapshot_download("local-org/tiny", endpoint=hub.url, cache_dir=tmp_path / "c", token=False))
        assert (local / "sub" / "weights.bin").read_bytes() == weights
        assert (local / "README.md").read_bytes() == (folder / "README.md").read_bytes()
        assert info.card_data is not None and info.card_data.license == "mit"
        assert "license:mit" in (info.tags or []) and info.library_name == "transformers"


def test_python_api_lifecycle(tmp_path: Path) -> None:
    hub = FakeHub(port=0, fixtures_dir=None, strict_tokens=False)
    hub.start()
    url = hub.url
    hub.add_repo("dataset", {"id": "me/tiny-set", "tags": ["language:en"]}, files={"data.csv": "a,b\n1,2\n"})
    bogus = {"Authorization": "Bearer hf_unknown"}  # lenient mode: unknown tokens are anonymous
    assert HTTP.get(f"{url}/api/datasets", headers=bogus, timeout=5).json()[0]["id"] == "me/tiny-set"
    assert HTTP.get(f"{url}/api/whoami-v2", headers=bogus, timeout=5).status_code == 401
    assert HTTP.get(f"{url}/datasets/me/tiny-set/resolve/main/data.csv", timeout=5).text == "a,b\n1,2\n"
    hub.stop()
    with pytest.raises(httpx2.ConnectError):
        HTTP.get(f"{url}/api/datasets", timeout=2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cli_serves_until_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    (tmp_path / "config.json").write_text('{"model_type": "bert"}')
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakehub",
            "--port",
            str(port),
            "--page-size",
            "3",
            "--repo-dir",
            f"model:cli-org/tiny={tmp_path}",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        status = None
        while time.monotonic() < deadline:
            try:
                response = HTTP.get(f"http://127.0.0.1:{port}/api/models?limit=1", timeout=1)
                status = response.status_code
                break
            except httpx2.TransportError:
                time.sleep(0.05)
        assert status == 200 and len(response.json()) == 1
        assert len(HTTP.get(f"http://127.0.0.1:{port}/api/models", timeout=2).json()) == 3
        tiny = HTTP.get(f"http://127.0.0.1:{port}/cli-org/tiny/resolve/main/config.json", timeout=2)
        assert tiny.json() == {"model_type": "bert"} and len(tiny.headers["X-Repo-Commit"]) == 40
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert b"FakeHub serving at http://127.0.0.1:" in (process.stdout.read() if process.stdout else b"")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
