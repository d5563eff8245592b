"""Every filter counted: the catalog's counts of gated, the parameter presets and the quality toggles (and the
fields), checked against a pandas reference over a catalog with parameter counts on every preset's edge, and
against what choosing each value gives."""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from lib.catalog import Catalog
from lib.catalog.index import Joint
from lib.catalog.search import Counts, RowSet
from lib.filters import BY_NAME, PARAM_PRESETS
from lib.query import NONE_VALUE, SearchQuery

B = 10**9
#: Parameter counts on and around every preset's edge (bounds are inclusive on both sides in a query, so a count
#: exactly on an edge is in both presets that share it).
PARAMS = [None, 0, 5 * 10**8, B, B + 1, 2 * B, 3 * B, 5 * B, 7 * B, 10 * B, 13 * B, 50 * B, 70 * B, 100 * B]


def _items() -> list[dict[str, Any]]:
    items = []
    for i, (params, gated, licensed, card, base, task) in enumerate(itertools.product(
            PARAMS, (None, "manual", False), (True, False), (True, False), (True, False),
            ("fill-mask", "text-generation", None))):  # fmt: skip
        if i % 3:  # a third of every combination is plenty, and keeps the catalog small
            continue
        tags = ["transformers"] + (["license:mit" if i % 2 else "license:apache-2.0"] if licensed else [])
        tags += ["base_model:org/base"] if base else []
        item: dict[str, Any] = {"id": f"org{i % 4}/model-{i:03d}", "downloads": i, "likes": i % 7, "tags": tags,
                                "createdAt": "2024-01-02T00:00:00.000Z", "gated": gated,
                                "trendingScore": i % 11}  # fmt: skip
        if task:
            item["pipeline_tag"] = task
        if params is not None:
            item["safetensors"] = {"total": params, "parameters": {"BF16": params}}
        if card:
            item["cardData"] = {"license": "mit"} if licensed else {"tags": ["x"]}
        items.append(item)
    return items


ITEMS = _items()


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    home = tmp_path_factory.mktemp("counts")
    dump = home / "models.jsonl"
    dump.write_text("\n".join(json.dumps(i) for i in ITEMS), encoding="utf-8")
    cat = Catalog.open(home)
    cat.load([dump], kind="models")
    return cat


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """The items as pandas sees them, one column per thing a filter reads."""
    return pd.DataFrame({
        "id": [i["id"] for i in ITEMS],
        "task": [i.get("pipeline_tag") for i in ITEMS],
        "gated": [i["gated"] not in (None, False) for i in ITEMS],
        "params": pd.array([(i.get("safetensors") or {}).get("total") for i in ITEMS], dtype="Int64"),
        "has_license": [any(t.startswith("license:") for t in i["tags"]) for i in ITEMS],
        "has_card": ["cardData" in i for i in ITEMS],
        "safetensors": ["safetensors" in i for i in ITEMS],
        "derivative": [any(t.startswith("base_model:") for t in i["tags"]) for i in ITEMS],
    })  # fmt: skip


def _rows(frame: pd.DataFrame, q: SearchQuery, without: str | None = None) -> pd.DataFrame:
    """The reference's matches of `q` (the filters these tests use), ignoring the filter `without`."""
    keep = frame["id"].str.lower().str.contains(q.text.lower(), regex=False)
    if q.task and without != "task":
        keep &= frame["task"] == q.task
    if q.gated is not None and without != "gated":
        keep &= frame["gated"] == q.gated
    if (q.params_min is not None or q.params_max is not None) and without != "params":
        p = frame["params"]
        keep &= p.notna() & (p >= (q.params_min or 0)) & (p <= (q.params_max if q.params_max is not None else 10**15))
    for toggle, column in (("has_license", "has_license"), ("has_card", "has_card"),
                           ("safetensors_only", "safetensors")):  # fmt: skip
        if getattr(q, toggle):
            keep &= frame[column]
    if q.originals_only:
        keep &= ~frame["derivative"]
    return frame[keep.fillna(False).astype(bool)]


def _reference(frame: pd.DataFrame, q: SearchQuery) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    rows = _rows(frame, q, "params")
    p = rows["params"].dropna()
    out["params"] = {name: int(((p >= (lo or 0)) & (p <= (hi if hi is not None else 10**15))).sum())
                     for name, (lo, hi) in PARAM_PRESETS.items()}  # fmt: skip
    gated = _rows(frame, q, "gated")["gated"]
    out["gated"] = {"yes": int(gated.sum()), "no": int((~gated).sum())}
    rows = _rows(frame, q)
    for toggle, count in (("has_license", rows["has_license"].sum()), ("has_card", rows["has_card"].sum()),
                          ("safetensors_only", rows["safetensors"].sum()),
                          ("originals_only", (~rows["derivative"]).sum())):  # fmt: skip
        out[toggle] = {"yes": int(count)}
    tasks = _rows(frame, q, "task")["task"].fillna(NONE_VALUE).value_counts()
    out["task"] = {str(k): int(v) for k, v in tasks.items()}
    return {name: {v: c for v, c in values.items() if c} for name, values in out.items()}


QUERIES = [
    SearchQuery(kind="models"),
    SearchQuery(kind="models", text="model-0"),
    SearchQuery(kind="models", task="fill-mask"),
    SearchQuery(kind="models", gated=True),
    SearchQuery(kind="models", gated=False, task="text-generation"),
    SearchQuery(kind="models", params_min=B, params_max=3 * B),  # the preset 1-3B
    SearchQuery(kind="models", params_max=B),  # the preset <1B
    SearchQuery(kind="models", params_min=2 * B, params_max=10 * B),  # a custom range from a link
    SearchQuery(kind="models", has_license=True),
    SearchQuery(kind="models", has_card=True, originals_only=True),
    SearchQuery(kind="models", safetensors_only=True, gated=True, task="fill-mask"),
    SearchQuery(kind="models", text="zzz-no-such"),
]


@pytest.mark.parametrize("q", QUERIES, ids=[q.describe() for q in QUERIES])
def test_counts_equal_a_pandas_reference(catalog: Catalog, frame: pd.DataFrame, q: SearchQuery) -> None:
    result = catalog.search(q)
    want = _reference(frame, q)
    got = {name: {v.value: v.count for v in facet.values} for name, facet in result.facets.items()}
    if q.params_min is not None and (q.params_min, q.params_max) not in PARAM_PRESETS.values():
        custom = BY_NAME["params"].to_url(q) or ""
        assert got["params"].pop(custom) == result.total  # the link's own range counts the matches
    for name, values in want.items():
        assert got[name] == values, name
    assert result.total == len(_rows(frame, q))


@pytest.mark.parametrize("q", QUERIES, ids=[q.describe() for q in QUERIES])
def test_choosing_a_counted_value_gives_that_many_matches(catalog: Catalog, q: SearchQuery) -> None:
    """The truth rule: a count beside a value is the number of matches choosing it shows."""
    result = catalog.search(q)
    checked = 0
    for name, facet in result.facets.items():
        f = BY_NAME[name]
        for value in facet.values:
            if value.value == NONE_VALUE:
                continue  # "(none)" is not a value one can choose
            chosen = f.from_url(value.value if f.control != "toggle" else f.word or "")
            assert chosen is not None, (name, value.value)
            got = catalog.search(q.replace(**{**f.cleared(), **chosen}), facets=())
            assert got.total == value.count, (name, value.value)
            checked += 1
    assert checked >= (1 if result.total else 0)


def test_every_preset_edge_counts_in_both_presets_that_share_it(catalog: Catalog) -> None:
    facet = catalog.search(SearchQuery(kind="models", text="model-0")).facets["params"]
    counts = {v.value: v.count for v in facet.values}
    with_params = [i for i in ITEMS if "model-0" in i["id"] and i.get("safetensors")]
    on_edges = sum(1 for i in with_params if i["safetensors"]["total"] in (B, 3 * B, 7 * B, 13 * B, 70 * B))
    assert sum(counts.values()) == len(with_params) + on_edges


def test_no_counts_for_data_the_catalog_lacks(tmp_path: Path) -> None:
    """A dump without gated flags, parameter counts, card information, tasks, libraries or languages: those
    filters are not offered, and not counted (every repo would count as "not gated", or under "(none)")."""
    dump = tmp_path / "models.jsonl"
    dump.write_text("\n".join(json.dumps({"id": f"o/m{i}", "downloads": i, "trendingScore": i, "tags": ["license:mit"] * (i % 2)})
                              for i in range(20)), encoding="utf-8")  # fmt: skip
    cat = Catalog.open(tmp_path)
    cat.load([dump], kind="models")
    result = cat.search(SearchQuery(kind="models"))
    assert set(result.facets) == {"license", "author", "has_license", "safetensors_only", "originals_only"}
    assert {v.value: v.count for v in result.facets["has_license"].values} == {"yes": 10}
    caps = cat.capabilities("models")
    assert not caps.can_filter("gated") and set(caps.facets) == set(result.facets)


# --- counting over every shape of row set ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Models with several licenses and languages on many rows, and legacy ids without an owner."""
    rng = random.Random(7)
    items = []
    for i in range(600):
        tags = [f"license:{x}" for x in rng.sample(["mit", "apache-2.0", "other", "cc"], rng.randint(0, 3))]
        tags += rng.sample(["en", "fr", "de", "zh", "language:ja"], rng.randint(0, 4))
        item: dict[str, Any] = {"id": f"org{i % 9}/m{i:03d}" if i % 5 else f"legacy-{i:03d}", "downloads": i,
                                "tags": tags, "gated": rng.choice([None, "manual", False])}  # fmt: skip
        if rng.random() < 0.7:
            item["pipeline_tag"] = rng.choice(["fill-mask", "text-generation", "translation"])
        if rng.random() < 0.6:
            item["library_name"] = rng.choice(["transformers", "diffusers"])
        items.append(item)
    home = tmp_path_factory.mktemp("mixed")
    dump = home / "models.jsonl"
    dump.write_text("\n".join(json.dumps(i) for i in sorted(items, key=lambda i: i["id"])), encoding="utf-8")
    cat = Catalog.open(home)
    cat.load([dump], kind="models")
    return cat


def _row_sets(n: int) -> dict[str, RowSet]:
    """Every form a match set takes: all rows, sorted rows (few, most, none), a mask (few, most)."""
    rng = np.random.default_rng(3)
    few, most = rng.random(n) < 0.1, rng.random(n) < 0.8
    return {"all": RowSet(n), "few rows": RowSet(n, idx=np.flatnonzero(few)),
            "most rows": RowSet(n, idx=np.flatnonzero(most)), "no rows": RowSet(n, idx=np.zeros(0, np.int64)),
            "few mask": RowSet(n, mask=few), "most mask": RowSet(n, mask=most)}  # fmt: skip


@pytest.mark.parametrize("shape", list(_row_sets(1)))
def test_counts_equal_a_plain_count_of_each_rows_values(mixed: Catalog, shape: str) -> None:
    index = mixed.index("models")
    rows = _row_sets(index.n)[shape]
    counts = Counts(index, rows)
    selected = rows.to_idx().tolist()
    assert set(index.joint.columns) == {"tally", "task", "library", "license", "language"}
    for name in ("task", "library", "license", "language", "author"):
        coded = index.fields[name]
        want = Counter(v for r in selected for v in coded.values_of(r) or (None,))
        if rows.is_all:
            got = {v.value: v.count for v in coded.all_top(1000).values}
            want = Counter({NONE_VALUE if k is None else k: c for k, c in want.items()})
        else:
            codes, numbers, none = counts.field(name)
            got = {coded.vocab[c]: int(k) for c, k in zip(codes.tolist(), numbers.tolist(), strict=True)}
            got |= {None: none} if none else {}
        assert got == dict(want), name
    tally = Counter(index.tally[selected].tolist())
    assert {c: int(k) for c, k in enumerate(counts.tally()) if k} == dict(tally)


def test_a_joint_leaves_out_a_column_that_would_allow_too_many_combinations() -> None:
    a, b, c = np.array([0, 1, 1, 0, 1]), np.array([2, 0, 2, 2, 1]), np.array([0, 3, 3, 4, 0])
    joint = Joint.build([("a", a, 2), ("b", b, 3), ("c", c, 5)], most=8)  # a and b: 6 possible, with c: 30
    assert set(joint.columns) == {"a", "b"}
    assert joint.size == 4  # (0, 2), (1, 0), (1, 1), (1, 2)
    for name, values, size in (("a", a, 2), ("b", b, 3)):
        assert joint.marginal(joint.all_counts, name, size).tolist() == np.bincount(values, minlength=size).tolist()
    some = np.bincount(joint.code[[1, 2, 4]], minlength=joint.size)
    assert joint.marginal(some, "b", 3).tolist() == [1, 1, 1]
