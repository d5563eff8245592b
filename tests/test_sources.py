"""The one source contract (`lib.sources`) and the one filter table (`lib.filters`): what each source says it can
answer, checked against independent references (the raw dump items, the live Hub's listing parameters)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lib.catalog import Catalog
from lib.errors import InvalidQueryError
from lib.filters import FILTERS, ONLY_WORDS, for_kind
from lib.hub.client import HubClient, hub_capabilities
from lib.query import KINDS, SORTS_BY_KIND, SearchQuery
from lib.settings import load_settings
from lib.sources import DATA_WORDS, MIN_SHARE, Capabilities, Source

# --- the table -----------------------------------------------------------------------------------------------------
_NOT_FILTERS = {"kind", "text", "mode", "tags", "sort", "limit", "offset"}


def test_every_query_field_but_text_mode_tags_and_paging_belongs_to_exactly_one_filter():
    fields = [f for row in FILTERS for f in row.fields]
    assert len(fields) == len(set(fields))
    assert set(fields) == {f.name for f in dataclasses.fields(SearchQuery)} - _NOT_FILTERS


def test_rows_are_well_formed():
    assert len({f.name for f in FILTERS}) == len(FILTERS)
    assert all(f.data in DATA_WORDS for f in FILTERS), "every row names data a source can say it lacks"
    assert all(set(f.kinds) <= set(KINDS) and f.kinds for f in FILTERS)
    assert all(f.not_for for f in FILTERS if set(f.kinds) != set(KINDS)), "a filter some kinds lack says why"
    toggles = [f for f in FILTERS if f.control == "toggle"]
    assert all(f.param == "only" and f.word for f in toggles) and set(ONLY_WORDS) == {f.word for f in toggles}
    others = [f.param for f in FILTERS if f.control != "toggle"]
    assert len(others) == len(set(others)), "one URL parameter per filter"


@pytest.mark.parametrize(
    ("name", "raw", "values", "why"),
    [
        ("license", "cc-by-nc-4.0", {"license": "cc-by-nc-4.0"}, "tag-like text"),
        ("license", "a b", None, "no spaces"),
        ("author", "-org", None, "must not start with punctuation"),
        ("gated", "yes", {"gated": True}, "yes"),
        ("gated", "true", None, "only yes or no"),
        ("params", ">70B", {"params_min": 70_000_000_000, "params_max": None}, "a preset"),
        ("params", "100-200", {"params_min": 100, "params_max": 200}, "a raw range"),
        ("downloads", "5-", {"downloads_min": 5, "downloads_max": None}, "open above"),
        ("likes", "9-3", None, "reversed"),
        ("created", "..2024-02-29", {"created_from": None, "created_to": date(2024, 2, 29)}, "open below, leap day"),
        ("updated", "2023-02-29..", None, "no such day"),
    ],
)
def test_url_values_per_row(name, raw, values, why):
    row = next(f for f in FILTERS if f.name == name)
    assert row.from_url(raw) == values, why


# --- the live Hub ----------------------------------------------------------------------------------------------------
class _NoNetwork:
    """An `HfApi` stand-in that fails any call: a refused query must not reach the Hub."""

    endpoint = "http://nowhere.invalid"

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the Hub was asked ({name})")


#: A value for each filter, to ask a source for it (kind-appropriate).
SAMPLE: dict[str, dict[str, Any]] = {
    "task": {"task": "fill-mask"}, "library": {"library": "transformers"}, "language": {"language": "en"},
    "license": {"license": "mit"}, "author": {"author": "org"}, "sdk": {"sdk": "gradio"},
    "hardware": {"hardware": "t4-small"}, "has_license": {"has_license": True}, "has_card": {"has_card": True},
    "safetensors_only": {"safetensors_only": True}, "originals_only": {"originals_only": True},
    "gated": {"gated": True},
    "params": {"params_min": 1}, "downloads": {"downloads_min": 1}, "likes": {"likes_min": 1},
    "created": {"created_from": date(2024, 1, 1)}, "updated": {"updated_to": date(2024, 1, 1)},
    "stage": {"stage": "RUNNING"}, "uses_model": {"uses_model": "openai/whisper-large-v3"},
    "uses_dataset": {"uses_dataset": "mteb/results"},
}  # fmt: skip


def test_the_hub_client_is_a_source():
    client = HubClient(load_settings(), api=_NoNetwork())  # type: ignore[arg-type]
    assert isinstance(client, Source) and client.name == "hub" and client.label == "the live Hub"


@pytest.mark.parametrize("kind", KINDS)
def test_the_live_hub_refuses_what_its_capabilities_exclude_before_asking(kind):
    caps = hub_capabilities(kind)
    client = HubClient(load_settings(), api=_NoNetwork())  # type: ignore[arg-type]
    assert set(SAMPLE) == {f.name for f in FILTERS}
    for f in for_kind(kind):
        if caps.can_filter(f.name):
            continue
        with pytest.raises(InvalidQueryError) as info:
            client.search(SearchQuery(kind=kind, **SAMPLE[f.name]))
        assert str(info.value) == caps.why_not(f.name) and "The live Hub cannot" in str(info.value)
    if "parameters" in SORTS_BY_KIND[kind]:
        with pytest.raises(InvalidQueryError, match="cannot sort by parameters"):
            client.search(SearchQuery(kind=kind, sort="parameters"))


def test_what_the_live_hub_lists_by():
    """The Hub's list endpoints filter by these (huggingface_hub's list_models/list_datasets/list_spaces
    parameters and tags); counts, dates, hardware and card facts need the catalog."""
    assert hub_capabilities("models").filters == {"task", "library", "language", "license", "author", "gated",
                                                  "params", "safetensors_only"}  # fmt: skip
    assert hub_capabilities("datasets").filters == {"task", "language", "license", "author", "gated"}
    assert hub_capabilities("spaces").filters == {"language", "license", "author", "sdk", "uses_model", "uses_dataset"}
    assert hub_capabilities("spaces").why_not("stage") == "The live Hub cannot filter Spaces by their runtime status."
    assert hub_capabilities("models").sorts == ("trending", "downloads", "likes", "created", "updated")
    assert not hub_capabilities("models").counts_matches and hub_capabilities("models").default_sort == "trending"


# --- the catalog: capabilities follow its data ------------------------------------------------------------------------
#: Models as a list dump without trending scores, update dates, safetensors, gating or card data (like the real
#: July-2024 snapshot), and one field (likes) on a single model of 2,000: below `MIN_SHARE`.
def _partial_models(n: int = 2000) -> list[dict[str, Any]]:
    items = []
    for i in range(n):
        item: dict[str, Any] = {"id": f"org{i % 7}/model-{i:05d}", "downloads": (i * 37) % 1000,
                                "createdAt": f"2023-{1 + i % 12:02d}-01T00:00:00.000Z",
                                "tags": ["transformers", "license:mit" if i % 3 else "en"]}  # fmt: skip
        if i % 2:
            item["pipeline_tag"] = "fill-mask"
        if i == 5:
            item["likes"] = 3
        items.append(item)
    return items


@pytest.fixture(scope="module")
def partial(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalog, list[dict[str, Any]]]:
    items = _partial_models()
    path = tmp_path_factory.mktemp("dump") / "models.jsonl"
    path.write_text("\n".join(json.dumps(i) for i in items), encoding="utf-8")
    cat = Catalog.open(tmp_path_factory.mktemp("home"))
    cat.load([path], kind="models")
    return cat, items


def _share(items: list[dict[str, Any]], held: Any) -> float:
    return sum(1 for i in items if held(i)) / len(items)


def test_the_catalog_measures_what_its_dump_holds(partial):
    cat, items = partial
    caps = cat.capabilities("models")
    reference = {  # straight from the raw items
        "downloads": _share(items, lambda i: "downloads" in i), "likes": _share(items, lambda i: "likes" in i),
        "trending": 0.0, "created": 1.0, "updated": 0.0, "params": 0.0, "gated": 0.0, "has_card": 0.0,
        "task": _share(items, lambda i: "pipeline_tag" in i), "library": 0.0,
        "license": _share(items, lambda i: "license:mit" in i["tags"]),
        "language": _share(items, lambda i: "en" in i["tags"]), "author": 1.0, "tag": 1.0,
    }  # fmt: skip
    assert caps.coverage == pytest.approx(reference)
    assert reference["likes"] < MIN_SHARE < reference["language"]
    assert caps.sorts == ("downloads", "created") and caps.default_sort == "downloads"
    assert caps.filters == {"task", "language", "license", "author", "has_license", "safetensors_only",
                            "originals_only", "downloads", "created"}  # fmt: skip
    assert caps.why_not_sort("trending") == "This catalog's models dump has no trending scores."
    assert caps.why_not("params") == "This catalog's models dump has no parameter counts."
    assert caps.why_not("gated") == "This catalog's models dump has no gated flags."
    assert caps.why_not("has_card") == "This catalog's models dump has no card information."
    assert caps.facets == ("task", "license", "language", "author", "has_license", "safetensors_only",
                           "originals_only")  # what its data holds is counted; no gated flags, so no gated count
    assert caps.counts_matches and isinstance(cat, Source) and cat.name == "catalog"
    assert set(caps.missing_data()) == {"trending scores", "update dates", "parameter counts", "gated flags",
                                        "card information", "libraries", "like counts"}  # fmt: skip


@pytest.mark.parametrize(
    ("query", "says"),
    [
        (SearchQuery(kind="models"), "no trending scores"),  # the default sort: refused, not id order
        (SearchQuery(kind="models", sort="updated"), "no update dates"),
        (SearchQuery(kind="models", sort="downloads", params_min=1), "no parameter counts"),
        (SearchQuery(kind="models", sort="downloads", gated=False), "no gated flags"),  # not "all of them"
        (SearchQuery(kind="models", sort="downloads", updated_from=date(2024, 1, 1)), "no update dates"),
        (SearchQuery(kind="models", sort="downloads", likes_min=1), "no like counts"),
    ],
)
def test_the_catalog_refuses_what_its_data_cannot_answer(partial, query, says):
    cat, _ = partial
    with pytest.raises(InvalidQueryError, match=says):
        cat.search(query)


def test_what_it_holds_is_answered(partial):
    cat, items = partial
    result = cat.search(SearchQuery(kind="models", sort="downloads", task="fill-mask", limit=5))
    expected = sorted((i for i in items if "pipeline_tag" in i), key=lambda i: (-i["downloads"], i["id"]))
    assert result.total == len(expected) and [r.id for r in result.items] == [i["id"] for i in expected[:5]]
    fitted, why = cat.capabilities("models").fit_sort(SearchQuery(kind="models"))
    assert fitted.sort == "downloads"
    assert why == "This catalog's models dump has no trending scores. Sorted by downloads instead."


def test_an_index_built_before_coverage_was_saved_measures_it_from_its_arrays(partial):
    cat, _ = partial
    index = cat.index("models")
    saved = index.coverage
    legacy = dataclasses.replace(index, meta={k: v for k, v in index.meta.items() if k != "coverage"})
    assert legacy.coverage == pytest.approx(saved)


def test_a_kind_the_catalog_lacks(partial):
    cat, _ = partial
    caps = cat.capabilities("spaces")
    assert not caps.holds and not caps.filters and not caps.sorts
    assert caps.why_not("sdk") == "The local catalog has no spaces."


def test_capabilities_check_lists_each_reason_once():
    caps = Capabilities(kind="models", source="x", filters=frozenset(), sorts=("likes",), default_sort="likes",
                        unavailable={"created": "No dates.", "updated": "No dates."}, unsorted={}, hint="Do y.")
    with pytest.raises(InvalidQueryError) as info:
        caps.check(SearchQuery(kind="models", sort="likes", created_from=date(2024, 1, 1),
                               updated_to=date(2024, 2, 1)))  # fmt: skip
    assert str(info.value) == "No dates." and info.value.hint == "Do y."
    assert caps.refusals(SearchQuery(kind="models", sort="likes")) == []


def test_fixture_catalog_holds_every_field_the_pages_use(catalog_home: Path):
    """The fake Hub's fixtures, loaded as a catalog: models hold every field; Spaces have no downloads (none on
    the Hub), so nothing about downloads is said to be missing for them, and languages only when one has some."""
    from tests import fixture_ids

    cat = Catalog.open(catalog_home)
    models = cat.capabilities("models")
    assert models.filters == {f.name for f in for_kind("models")} and models.sorts == SORTS_BY_KIND["models"]
    assert models.missing_data() == []
    spaces = fixture_ids.records("spaces")
    languages = any(t.startswith("language:") for s in spaces for t in s.get("tags", [])) or any(
        (s.get("cardData") or {}).get("language") for s in spaces)  # fmt: skip
    assert cat.capabilities("spaces").missing_data() == ([] if languages else ["languages"])


def test_list_answers_carry_every_field_a_filter_or_sort_reads():
    """The Hub's list `expand=` fields (also what a catalog sync asks for), derived from the filter table and the
    sorts: the same fields the pages have always asked for."""
    from lib.hub.client import LIST_EXPAND

    assert set(LIST_EXPAND["models"]) == {"author", "createdAt", "lastModified", "downloads", "likes", "trendingScore",
                                          "pipeline_tag", "library_name", "tags", "gated", "private", "safetensors"}
    assert set(LIST_EXPAND["datasets"]) == {"author", "createdAt", "lastModified", "downloads", "likes",
                                            "trendingScore", "tags", "gated", "private"}
    assert set(LIST_EXPAND["spaces"]) == {"author", "createdAt", "lastModified", "likes", "trendingScore", "sdk",
                                          "tags", "runtime", "private", "models", "datasets"}


def test_a_source_says_which_search_modes_it_answers_and_why_not_the_others():
    from lib.hub.client import hub_capabilities

    live = hub_capabilities("models")
    assert live.modes == ("names",) and not live.can_sort("relevance")
    for mode in ("text", "meaning"):
        query = SearchQuery(kind="models", text="speech", mode=mode, sort="relevance")
        (reason,) = live.refusals(query, sort=False)
        assert reason.startswith("The live Hub searches repo names only") and "local catalog" in reason
    with pytest.raises(InvalidQueryError, match="names only"):
        live.check(SearchQuery(kind="models", text="speech", mode="text"))


def test_relevance_goes_only_with_the_ranked_modes():
    with pytest.raises(InvalidQueryError, match="Best match"):
        SearchQuery(kind="models", text="bert", sort="relevance")
    assert SearchQuery(kind="spaces", text="chat", mode="text", sort="relevance").sort == "relevance"
    assert SearchQuery(kind="models", text="asr", mode="meaning").describe(3) == (
        "3 models about 'asr', by trending")


def test_the_live_hub_and_the_catalog_agree_on_the_models_and_datasets_spaces_use(hub, catalog_home: Path):
    """The same fixtures served by the fake Hub and loaded as a catalog: "uses model/dataset" gives the same Spaces
    from both (the Hub's `models=`/`datasets=` listing parameters), and both match the fixture records; the stage
    is the catalog's alone."""
    from tests import fixture_ids

    live, cat = HubClient(load_settings()), Catalog.open(catalog_home)
    spaces = fixture_ids.records("spaces")
    for key, field, value in (("models", "uses_model", "openai/whisper-large-v3"),
                              ("models", "uses_model", "meta-llama/Llama-3.1-8B-Instruct"),
                              ("datasets", "uses_dataset", "HuggingFaceFW/fineweb")):  # fmt: skip
        query = SearchQuery(kind="spaces", sort="likes", limit=100, **{field: value})
        expected = {s["id"] for s in spaces if value in (s.get(key) or []) and not s.get("private")}
        assert len(expected) >= 1
        assert {r.id for r in live.search(query).items} == expected
        assert {r.id for r in cat.search(query).items} == expected
    stage = SearchQuery(kind="spaces", sort="likes", limit=100, stage="RUNTIME_ERROR")
    assert {r.id for r in cat.search(stage).items} == {
        s["id"] for s in spaces if (s.get("runtime") or {}).get("stage") == "RUNTIME_ERROR" and not s.get("private")}
    with pytest.raises(InvalidQueryError, match="runtime status"):
        live.search(stage)


def test_an_index_built_before_spaces_stages_were_indexed_asks_for_a_rebuild(tmp_path: Path):
    """A generation written before the stage and the models and datasets used were indexed (their arrays and meta
    entries removed here, as such a generation is on disk) still answers; those filters are not offered, with a
    reason that says to rebuild, and a rebuild brings them."""
    fixtures = Path(__file__).resolve().parent / "fixtures" / "catalog"
    Catalog.open(tmp_path).load([fixtures / "spaces.json"], kind="spaces")
    folder = Catalog.open(tmp_path).index("spaces").folder
    assert folder is not None
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    for name in ("stage", "uses_model", "uses_dataset"):
        for path in folder.glob(f"field__{name}__*.npy"):
            path.unlink()
        meta["fields"].pop(name)
        meta["coverage"].pop(name)
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")

    cat = Catalog.open(tmp_path)
    caps = cat.capabilities("spaces")
    for name in ("stage", "uses_model", "uses_dataset"):
        assert not caps.can_filter(name) and "rebuild it with `python -m lib.catalog rebuild --kind spaces`" in \
            caps.why_not(name)  # fmt: skip
    assert caps.can_filter("sdk") and "stage" not in caps.facets
    result = cat.search(SearchQuery(kind="spaces", sort="likes"))
    assert result.total == 4 and "stage" not in result.facets and result.items[0].stage is None  # type: ignore[attr-defined]
    assert "sdk" in cat.aggregates(SearchQuery(kind="spaces", sort="likes")).frames
    cat.rebuild("spaces")
    assert Catalog.open(tmp_path).capabilities("spaces").can_filter("stage")
