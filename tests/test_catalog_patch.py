"""A refresh's few changed repos patch the live index generation (`lib.catalog.patch`) instead of rebuilding it:
the patched generation must be the one a full build of the same store makes, array by array, and answer every
search the same (full text and its snippets included)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lib.catalog import Catalog
from lib.catalog.index import DOC_KEYS
from lib.catalog.store import TABLES, Store
from lib.query import SORTS_BY_KIND, SearchQuery

WORDS = ["llama", "bert", "tiny", "chat", "vision", "Ünïcode", "ß", "qa", "gguf", "7b", "x"]
TAGS = ["transformers", "safetensors", "gguf", "en", "fr", "license:mit", "license:apache-2.0", "language:de",
        "task_categories:text-classification", "base_model:org/base", "region:us", "arxiv:1234.5678", "lora"]  # fmt: skip
TASKS = ["text-generation", "fill-mask", "image-classification", None]
AUTHORS = ["org", "alice", "Bob", "zeta-lab", "ünï"]


def _item(rng: random.Random, repo_id: str, *, fresh: bool = False) -> dict[str, Any]:
    """A Hub API item with every field some kind indexes; `fresh` draws values no base item has."""
    pool = TAGS + (["brand-new-tag", "license:new-license"] if fresh else [])
    item: dict[str, Any] = {
        "id": repo_id,
        "downloads": rng.choice([None, 0, rng.randint(0, 10_000)]),
        "likes": rng.choice([None, rng.randint(0, 50)]),
        "trendingScore": rng.choice([None, rng.random() * 10]),
        "createdAt": f"2023-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00.000Z",
        "lastModified": rng.choice([None, f"2024-0{rng.randint(1, 9)}-0{rng.randint(1, 9)}T10:00:00.000Z"]),
        "private": rng.choice([False, None]),
        "gated": rng.choice([False, "auto", "manual", None]),
        "tags": rng.sample(pool, rng.randint(0, 5)),
        "pipeline_tag": rng.choice(TASKS + (["brand-new-task"] if fresh else [])),
        "library_name": rng.choice(["transformers", "diffusers", None]),
        "description": rng.choice([None, f"A {rng.choice(WORDS)} model for {rng.choice(WORDS)}"]),
        "card": rng.choice([None, f"# Card\n\nTrained on {rng.choice(WORDS)} data."]),
        "cardData": rng.choice([None, {"license": rng.choice(["mit", "other"]), "language": ["en", "ja"]}]),
        "sdk": rng.choice(["gradio", "streamlit", "docker", None]),
        "runtime": rng.choice([None, {"stage": rng.choice(["RUNNING", "SLEEPING"]), "hardware": {"current": "cpu-basic"}}]),
        "models": rng.choice([None, ["org/base"], ["org/base", f"alice/{rng.choice(WORDS)}"]]),
        "datasets": rng.choice([None, ["squad"]]),
    }
    if item["tags"] and rng.random() < 0.3:
        item["tags"].append(item["tags"][0])  # a repeated tag
    if rng.random() < 0.2:
        item["safetensors"] = {"total": rng.randint(1, 10**10)}
    return item


def _ids(rng: random.Random, count: int, prefix: str = "") -> list[str]:
    return sorted({f"{rng.choice(AUTHORS)}/{prefix}{rng.choice(WORDS)}-{rng.randint(0, 10**6)}" for _ in range(count)})


def _dump(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


def _changes(rng: random.Random, base: list[dict[str, Any]], new_ids: list[str]) -> list[dict[str, Any]]:
    """Changed repos: an eighth of the base ones drawn again (some with values no base item has), and new ids."""
    changed = [_item(rng, item["id"], fresh=rng.random() < 0.2) for item in rng.sample(base, len(base) // 8)]
    return changed + [_item(rng, repo_id, fresh=True) for repo_id in new_ids]


KINDS = ["models", "datasets", "spaces"]
PROBES = [
    {"sort": "downloads"}, {"sort": "likes", "text": "a"}, {"sort": "trending", "text": "llama"}, {"sort": "created"},
    {"license": "mit"}, {"language": "en"}, {"author": "org"}, {"tags": ("gguf",)}, {"text": "ß"},
    {"text": "llama", "mode": "text"}, {"text": "trained data", "mode": "text"}, {"text": "vision model", "mode": "text"},
]  # fmt: skip


def _answers(catalog: Catalog, kind: str) -> list[Any]:
    out = []
    for probe in PROBES:
        sort = "relevance" if probe.get("mode") == "text" else probe.get("sort", "likes")
        if sort not in (*SORTS_BY_KIND[kind], "relevance"):  # type: ignore[index]
            sort = "likes"
        q = SearchQuery(kind=kind, limit=500, **{**probe, "sort": sort})  # type: ignore[arg-type]
        r = catalog.search(q)
        out.append((r.total, [i.id for i in r.items], {n: f.values for n, f in r.facets.items()}, r.snippets))
    return out


def _arrays(catalog: Catalog, kind: str) -> dict[str, np.ndarray]:
    index = catalog.index(kind)  # type: ignore[arg-type]
    return {name: np.asarray(a) for name, a in index._arrays().items() if name != DOC_KEYS}


def _same_index(patched: Catalog, built: Catalog, kind: str) -> None:
    a, b = _arrays(patched, kind), _arrays(built, kind)
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        assert np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f"), name
    skip = {"built_at", "loaded_at", "store_mark", "source", "patched", "snapshot_date"}
    meta_a = {k: v for k, v in patched.index(kind).meta.items() if k not in skip}  # type: ignore[arg-type]
    meta_b = {k: v for k, v in built.index(kind).meta.items() if k not in skip}  # type: ignore[arg-type]
    assert meta_a == meta_b
    answers = _answers(patched, kind)
    assert answers == _answers(built, kind)
    by_words = [a for probe, a in zip(PROBES, answers, strict=True) if probe.get("mode") == "text"]
    assert all(total > 0 and snippets for total, _ids, _facets, snippets in by_words)  # the full text was searched


@pytest.mark.parametrize("kind", KINDS)
def test_a_patched_generation_is_the_one_a_full_build_makes(tmp_path: Path, kind: str) -> None:
    rng = random.Random(KINDS.index(kind))
    base = [_item(rng, repo_id) for repo_id in _ids(rng, 300)]
    # new ids before the first, after the last and between old ones
    first = _changes(rng, base, ["!first/model", "zzzz/last", *_ids(rng, 30, "new-")])
    second = _changes(rng, base + first, _ids(rng, 20, "newer-"))
    files = [_dump(tmp_path / "base.jsonl", base), _dump(tmp_path / "first.jsonl", first),
             _dump(tmp_path / "second.jsonl", second)]  # fmt: skip
    patched = Catalog.open(tmp_path / "patched")
    for path in files:
        patched.load([path], kind=kind)  # type: ignore[arg-type]
        built = Catalog.open(tmp_path / f"built-{path.stem}")
        for done in files[: files.index(path) + 1]:
            built.load([done], kind=kind)  # type: ignore[arg-type]
        built.rebuild(kind)  # type: ignore[arg-type]
        assert "patched" not in built.index(kind).meta  # type: ignore[arg-type]
        if path != files[0]:
            assert patched.index(kind).meta["patched"]["changed"] > 0  # type: ignore[arg-type]
            _same_index(patched, built, kind)
    # after two patches the full-text documents are no longer the rows: new repos' documents came after the others
    assert patched.index(kind).doc_keys is not None  # type: ignore[arg-type]


def test_a_value_only_the_changed_repos_held_leaves_the_vocabulary(tmp_path: Path) -> None:
    rng = random.Random(7)
    base = [_item(rng, repo_id) for repo_id in _ids(rng, 50)]
    base[0]["pipeline_tag"] = "only-here"
    cat = Catalog.open(tmp_path / "c")
    cat.load([_dump(tmp_path / "base.jsonl", base)], kind="models")
    before = cat.index("models").folder
    assert before is not None
    assert any(v.value == "only-here" for v in cat.facet_values("models", "task", limit=50).values)
    cat.load([_dump(tmp_path / "change.jsonl", [{**base[0], "pipeline_tag": "fill-mask"}])], kind="models")
    index = cat.index("models")
    assert index.meta["patched"] == {"from": before.name, "changed": 1, "added": 0}
    assert index.fields["task"].vocab.find("only-here") is None
    assert not any(v.value == "only-here" for v in cat.facet_values("models", "task", limit=50).values)


def test_a_whole_snapshot_removed_repos_or_an_older_generation_build_it_whole(tmp_path: Path) -> None:
    rng = random.Random(3)
    base = [_item(rng, repo_id) for repo_id in _ids(rng, 40)]
    cat = Catalog.open(tmp_path / "c")
    cat.load([_dump(tmp_path / "base.jsonl", base)], kind="models")
    one = _dump(tmp_path / "one.jsonl", [{**base[1], "likes": 999}])
    cat.load([one], kind="models", replace=False)
    assert "patched" in cat.index("models").meta
    cat.load([_dump(tmp_path / "all.jsonl", base[5:])], kind="models", replace=True)  # a published snapshot: whole
    assert "patched" not in cat.index("models").meta
    assert cat.index("models").n == len(base) - 5
    with Store(cat.db_path) as store:  # a repo gone from the store without a replace: the count says so
        store.con.execute(f"DELETE FROM {TABLES['models']} WHERE id = ?", [base[6]["id"]])
    cat.load([_dump(tmp_path / "two.jsonl", [{**base[7], "likes": 5}])], kind="models")
    index = cat.index("models")
    assert "patched" not in index.meta
    assert index.row_of(base[6]["id"]) is None
    folder = index.folder
    assert folder is not None  # a generation built before generations recorded the store's mark
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    del meta["store_mark"]
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    cat.load([_dump(tmp_path / "three.jsonl", [{**base[8], "likes": 6}])], kind="models")
    assert "patched" not in cat.index("models").meta
    cat.load([_dump(tmp_path / "four.jsonl", [{**base[9], "likes": 7}])], kind="models")
    assert cat.index("models").meta["patched"]["changed"] == 1
    assert cat.get("models", base[9]["id"]).likes == 7  # type: ignore[union-attr]
