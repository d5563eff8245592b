"""Catalog search semantics on small fixtures: every rule of the search contract, then agreement with a plain
Python reference implementation over hundreds of generated queries."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from lib.catalog import Catalog, CatalogMissingError
from lib.errors import InvalidQueryError
from lib.query import NONE_VALUE, SORTS_BY_KIND, SearchQuery
from lib.records import ISO_639_1, DatasetRecord, ModelRecord, SpaceRecord

FIXTURES = Path(__file__).parent / "fixtures" / "catalog"


def _items(name: str) -> list[dict[str, Any]]:
    path = FIXTURES / name
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return json.loads(path.read_text(encoding="utf-8"))


MODELS = _items("models.jsonl")
DATASETS = _items("datasets.jsonl")
SPACES = _items("spaces.json")
ITEMS = {"models": MODELS, "datasets": DATASETS, "spaces": SPACES}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    cat = Catalog.open(tmp_path_factory.mktemp("home"))
    cat.load([FIXTURES / "models.jsonl"], kind="models")
    cat.load([FIXTURES / "datasets.jsonl"], kind="datasets")
    cat.load([FIXTURES / "spaces.json"], kind="spaces")
    return cat


def ids(catalog: Catalog, **query: Any) -> list[str]:
    query.setdefault("limit", 1000)
    query.setdefault("sort", catalog.capabilities(query.get("kind", "models")).default_sort)  # a sort it can do
    return [r.id for r in catalog.search(SearchQuery(**query)).items]


def facet(catalog: Catalog, name: str, **query: Any) -> list[tuple[str, int]]:
    query.setdefault("sort", catalog.capabilities(query.get("kind", "models")).default_sort)
    result = catalog.search(SearchQuery(**query))
    return [(v.value, v.count) for v in result.facets[name].values]


# --- text -------------------------------------------------------------------------------------------------
def test_text_is_a_case_insensitive_substring_of_the_id(catalog: Catalog) -> None:
    assert set(ids(catalog, text="BERT")) == {"google-bert/bert-base-uncased", "bert-base-cased",
                                              "İstanbul/TÜRKÇE-bert", "FacebookAI/roberta-base"}  # fmt: skip
    assert ids(catalog, text="roberta-BASE") == ["FacebookAI/roberta-base"]
    assert ids(catalog, text="uncased") == ["google-bert/bert-base-uncased"]
    assert ids(catalog, text="thebloke/") == ["TheBloke/Llama-2-7B-GGUF", "TheBloke/Mistral-7B-v0.1-AWQ"]


@pytest.mark.parametrize(
    ("text", "expected", "why"),
    [
        ("%", ["org/Model_100%"], "% is not a LIKE wildcard"),
        ("_", ["org/Model_100%", "org/model_1000"], "_ is not a LIKE wildcard"),
        ("l_1", ["org/Model_100%", "org/model_1000"], "_ matches only an underscore"),
        ("0%", ["org/Model_100%"], "% after a digit is still literal"),
        (".b*c", ["org/a.b*c[x]"], "regex syntax is literal"),
        ("[x]", ["org/a.b*c[x]"], "brackets are literal"),
        ("a.b", ["org/a.b*c[x]"], ". matches only a dot"),
        ("'", ["org/quote's\"model"], "single quote"),
        ('"', ["org/quote's\"model"], "double quote"),
        ("'s\"m", ["org/quote's\"model"], "both quotes together"),
        ("\\", ["org/back\\slash"], "backslash"),
        ("k\\s", ["org/back\\slash"], "backslash inside text"),
        (".*", [], "no id contains the two characters .*"),
    ],
)
def test_metacharacters_are_plain_characters(catalog: Catalog, text: str, expected: list[str], why: str) -> None:
    assert sorted(ids(catalog, text=text)) == sorted(expected), why


def test_unicode_is_matched_by_case_folding(catalog: Catalog) -> None:
    assert ids(catalog, text="ÜNÏ") == ["ünï/Ünïcode-ßtraße"]
    assert ids(catalog, text="STRASSE") == ["ünï/Ünïcode-ßtraße"]  # ß folds to ss
    assert ids(catalog, text="türkçe") == ["İstanbul/TÜRKÇE-bert"]
    assert ids(catalog, text="日本") == []


def test_empty_text_matches_everything(catalog: Catalog) -> None:
    result = catalog.search(SearchQuery(kind="models", text="", limit=1))
    assert result.total == len(MODELS)
    assert result.has_more


def test_no_match_gives_an_empty_result_with_empty_facets(catalog: Catalog) -> None:
    result = catalog.search(SearchQuery(kind="models", text="no-such-model"))
    assert (result.total, result.items, result.has_more) == (0, [], False)
    assert all(f.values == () for f in result.facets.values())


# --- order ------------------------------------------------------------------------------------------------
def test_ties_are_broken_by_id_ascending(catalog: Catalog) -> None:
    assert ids(catalog, sort="downloads")[:2] == ["FacebookAI/roberta-base", "google-bert/bert-base-uncased"]
    by_likes = ids(catalog, sort="likes")
    assert by_likes.index("TheBloke/Llama-2-7B-GGUF") + 1 == by_likes.index("TheBloke/Mistral-7B-v0.1-AWQ")


def test_unknown_sort_values_come_last_in_id_order(catalog: Catalog) -> None:
    assert ids(catalog, sort="downloads")[-2:] == ["org/no-metadata", "stabilityai/sd-turbo"]
    updated = ids(catalog, sort="updated")
    assert updated[:3] == ["Qwen/Qwen2-0.5B", "meta-llama/Llama-2-7b", "stabilityai/sd-turbo"]
    assert updated[3:] == sorted(updated[3:])
    trending = ids(catalog, sort="trending")
    assert trending[:3] == ["Qwen/Qwen2-0.5B", "stabilityai/sd-turbo", "meta-llama/Llama-2-7b"]


def test_created_sort_is_newest_first(catalog: Catalog) -> None:
    assert ids(catalog, sort="created")[:2] == ["Qwen/Qwen2-0.5B", "stabilityai/sd-turbo"]


def test_offset_and_limit_page_through_the_same_order(catalog: Catalog) -> None:
    everything = ids(catalog, sort="likes")
    pages = [catalog.search(SearchQuery(kind="models", sort="likes", limit=5, offset=o)) for o in (0, 5, 10, 15)]
    assert [r.id for p in pages for r in p.items] == everything
    assert [p.has_more for p in pages] == [True, True, True, False]
    assert catalog.search(SearchQuery(kind="models", offset=100)).items == []


# --- filters ----------------------------------------------------------------------------------------------
def test_task_library_author_filters(catalog: Catalog) -> None:
    assert set(ids(catalog, task="text-generation", library="transformers")) == {
        "TheBloke/Mistral-7B-v0.1-AWQ", "meta-llama/Llama-2-7b", "Qwen/Qwen2-0.5B"}  # fmt: skip
    assert ids(catalog, author="TheBloke", sort="downloads") == ["TheBloke/Llama-2-7B-GGUF",
                                                                 "TheBloke/Mistral-7B-v0.1-AWQ"]  # fmt: skip
    assert ids(catalog, author="thebloke") == []  # the author is matched exactly
    assert ids(catalog, task="no-such-task") == []


def test_a_multi_valued_field_matches_when_any_value_does(catalog: Catalog) -> None:
    assert ids(catalog, license="other") == ["TheBloke/Mistral-7B-v0.1-AWQ"]
    assert "TheBloke/Mistral-7B-v0.1-AWQ" in ids(catalog, license="apache-2.0")
    assert set(ids(catalog, kind="datasets", task="question-answering")) == {"cais/mmlu", "openai/gsm8k"}
    assert ids(catalog, kind="datasets", task="text2text-generation") == ["openai/gsm8k"]


def test_every_tag_must_match(catalog: Catalog) -> None:
    assert ids(catalog, tags=("transformers", "llama")) == ["meta-llama/Llama-2-7b"]
    assert ids(catalog, tags=("transformers", "gguf")) == []


def test_language_comes_from_language_tags_and_bare_codes(catalog: Catalog) -> None:
    assert ids(catalog, language="fr") == ["FacebookAI/roberta-base"]
    assert set(ids(catalog, language="zh")) == {"Qwen/Qwen2-0.5B"}
    assert set(ids(catalog, kind="datasets", language="fr")) == {"wikimedia/wikipedia",
                                                                 "Français-NLP/critiques-de-cinéma"}  # fmt: skip


def test_gated_filter(catalog: Catalog) -> None:
    assert set(ids(catalog, gated=True)) == {"TheBloke/Llama-2-7B-GGUF", "meta-llama/Llama-2-7b"}
    assert len(ids(catalog, gated=False)) == len(MODELS) - 2  # unknown gating counts as not gated
    assert set(ids(catalog, kind="datasets", gated=True)) == {"HuggingFaceFW/fineweb", "meta-llama/evals"}


def test_date_windows_are_inclusive_and_skip_unknown_dates(catalog: Catalog) -> None:
    assert set(ids(catalog, created_from=date(2023, 9, 4), created_to=date(2023, 9, 29))) == {
        "TheBloke/Llama-2-7B-GGUF", "TheBloke/Mistral-7B-v0.1-AWQ"}  # fmt: skip
    assert ids(catalog, created_from=date(2024, 6, 3)) == ["Qwen/Qwen2-0.5B"]
    before = ids(catalog, created_to=date(2022, 3, 2))
    assert "org/no-metadata" not in before and len(before) == 3
    assert set(ids(catalog, updated_to=date(2024, 4, 1))) == {"meta-llama/Llama-2-7b", "stabilityai/sd-turbo"}


def test_parameter_range_only_matches_known_counts(catalog: Catalog) -> None:
    assert ids(catalog, params_min=1_000_000_000) == ["meta-llama/Llama-2-7b"]
    assert ids(catalog, params_max=1_000_000_000) == ["Qwen/Qwen2-0.5B"]
    assert len(ids(catalog, params_min=0)) == 2


def test_download_and_like_ranges_are_inclusive_and_skip_unknown_counts(catalog: Catalog) -> None:
    def expected(kind: str, column: str, lo: int | None, hi: int | None) -> set[str]:  # straight from the items
        return {i["id"] for i in ITEMS[kind] if isinstance(i.get(column), int)
                and (lo is None or i[column] >= lo) and (hi is None or i[column] <= hi)}  # fmt: skip

    assert set(ids(catalog, downloads_min=300, downloads_max=700)) == expected("models", "downloads", 300, 700) == {
        "TheBloke/Llama-2-7B-GGUF", "TheBloke/Mistral-7B-v0.1-AWQ", "meta-llama/Llama-2-7b", "Qwen/Qwen2-0.5B",
        "bert-base-cased"}  # fmt: skip
    # open below still needs a known count: sd-turbo and no-metadata have no downloads
    assert set(ids(catalog, downloads_max=10)) == expected("models", "downloads", None, 10)
    assert not {"stabilityai/sd-turbo", "org/no-metadata"} & set(ids(catalog, downloads_max=10))
    assert set(ids(catalog, likes_max=0)) == {"org/quote's\"model", "org/back\\slash", "stabilityai/sd-turbo"}
    assert set(ids(catalog, likes_min=1000)) == expected("models", "likes", 1000, None) == {"meta-llama/Llama-2-7b"}
    both = set(ids(catalog, downloads_min=500, likes_min=50))
    assert both == expected("models", "downloads", 500, None) & expected("models", "likes", 50, None)
    assert set(ids(catalog, kind="spaces", likes_min=1000)) == expected("spaces", "likes", 1000, None)
    assert set(ids(catalog, kind="datasets", downloads_min=0, downloads_max=0)) == {"jdoe/scratch-data"}
    with pytest.raises(InvalidQueryError, match="no download counts"):
        SearchQuery(kind="spaces", downloads_min=1)
    with pytest.raises(InvalidQueryError, match="range is empty"):
        SearchQuery(likes_min=10, likes_max=9)
    with pytest.raises(InvalidQueryError, match="0 or more"):
        SearchQuery(likes_min=-1)


def test_filters_combine_with_text(catalog: Catalog) -> None:
    assert ids(catalog, text="7b", task="text-generation", license="llama2", gated=True, sort="likes") == [
        "meta-llama/Llama-2-7b", "TheBloke/Llama-2-7B-GGUF"]  # fmt: skip


# --- facets -----------------------------------------------------------------------------------------------
def test_facets_per_kind(catalog: Catalog) -> None:
    for kind, sort in (("models", "trending"), ("datasets", "likes"), ("spaces", "likes")):
        assert tuple(catalog.search(SearchQuery(kind=kind, sort=sort)).facets) == COUNTED[kind]  # type: ignore[arg-type]


def test_facet_counts_cover_all_matches_not_the_page(catalog: Catalog) -> None:
    result = catalog.search(SearchQuery(kind="models", limit=1))
    assert sum(v.count for v in result.facets["task"].values) == len(MODELS)


def test_repos_without_a_value_count_under_none(catalog: Catalog) -> None:
    no_task = sum(1 for m in MODELS if not m.get("pipeline_tag"))
    assert (NONE_VALUE, no_task) in facet(catalog, "task", kind="models")
    assert facet(catalog, "license", kind="models", text="roberta") == [("mit", 1)]
    assert facet(catalog, "author", kind="models", text="bert-base-cased") == [(NONE_VALUE, 1)]


def test_facet_values_by_count_then_value(catalog: Catalog) -> None:
    licenses = facet(catalog, "license", kind="models")
    assert licenses[:3] == [(NONE_VALUE, 6), ("apache-2.0", 3), ("mit", 3)]
    counts = [c for _, c in licenses]
    assert counts == sorted(counts, reverse=True)


def test_a_repo_counts_once_under_each_value(catalog: Catalog) -> None:
    assert facet(catalog, "license", kind="models", text="mistral") == [("apache-2.0", 1), ("other", 1)]
    tasks = dict(facet(catalog, "task", kind="datasets", text="gsm8k"))
    assert tasks == {"question-answering": 1, "text2text-generation": 1}


def test_a_facet_says_when_it_is_truncated(catalog: Catalog) -> None:
    result = catalog.search(SearchQuery(kind="models"), facet_limit=2)
    assert result.facets["author"].truncated
    assert len(result.facets["author"].values) == 2
    assert not catalog.search(SearchQuery(kind="models", text="roberta"), facet_limit=2).facets["author"].truncated


def test_top_values_for_filter_lists(catalog: Catalog) -> None:
    tasks = catalog.facet_values("models", "task", limit=2)
    assert [(v.value, v.count) for v in tasks.values] == [("(none)", 5), ("fill-mask", 5)]  # "(" sorts first
    assert tasks.truncated
    assert [v.value for v in catalog.facet_values("models", "tag", prefix="license:").values][:1] == [
        "license:apache-2.0"]  # fmt: skip
    with pytest.raises(InvalidQueryError):
        catalog.facet_values("models", "no-such-field")


# --- records, other kinds, contract -------------------------------------------------------------------------
def test_results_follow_the_search_contract(catalog: Catalog) -> None:
    result = catalog.search(SearchQuery(kind="models", text="llama-2-7b", sort="likes"))
    assert result.source == "catalog" and result.total == 2 and result.took_ms > 0
    first = result.items[0]
    assert isinstance(first, ModelRecord)
    assert (first.id, first.pipeline_tag, first.library_name, first.likes) == (
        "meta-llama/Llama-2-7b", "text-generation", "transformers", 4000)  # fmt: skip
    assert first.params is not None and first.params.total == 6738415616
    assert first.created_at == datetime(2023, 7, 13, tzinfo=UTC)
    assert first.gated == "auto" and first.trending_score == 12.5
    assert "license:llama2" in first.tags and first.licenses == ("llama2",)


def test_dataset_and_space_records(catalog: Catalog) -> None:
    mmlu = catalog.search(SearchQuery(kind="datasets", text="mmlu", sort="likes")).items[0]
    assert isinstance(mmlu, DatasetRecord)
    assert mmlu.description and mmlu.description.startswith("This is a massive")
    assert mmlu.task_categories == ("question-answering",)
    spaces = catalog.search(SearchQuery(kind="spaces", sort="likes"))
    assert [s.id for s in spaces.items][:2] == ["HuggingFaceFW/blogpost-fineweb-v1", "streamlit/data-app-gallery"]
    assert isinstance(spaces.items[0], SpaceRecord) and spaces.items[0].sdk == "static"
    assert {v.value: v.count for v in spaces.facets["sdk"].values}[NONE_VALUE] == 1
    # Spaces have no task of their own (no task filter): a task is one of their tags, as on the Hub
    assert ids(catalog, kind="spaces", tags=("summarization",), sort="likes") == ["café-labs/démo-résumé"]


def test_quality_toggles(catalog: Catalog) -> None:
    assert set(ids(catalog, has_card=True)) == {"Qwen/Qwen2-0.5B", "stabilityai/sd-turbo",
                                                "TheBloke/Mistral-7B-v0.1-AWQ"}  # fmt: skip
    assert set(ids(catalog, safetensors_only=True)) == {"meta-llama/Llama-2-7b", "Qwen/Qwen2-0.5B",
                                                        "TheBloke/Mistral-7B-v0.1-AWQ", "stabilityai/sd-turbo"}  # fmt: skip
    assert len(ids(catalog, has_license=True)) == 10
    assert ids(catalog, kind="spaces", has_license=True, sort="likes") == ["streamlit/data-app-gallery",
                                                                          "café-labs/démo-résumé"]  # fmt: skip


def test_originals_only_folds_derivatives_and_says_how_many(catalog: Catalog) -> None:
    everything = catalog.search(SearchQuery(kind="models", originals_only=True))
    assert everything.total == len(MODELS) - 2 and everything.folded == 2
    bloke = catalog.search(SearchQuery(kind="models", text="thebloke", originals_only=True))
    assert (bloke.total, bloke.folded) == (0, 2)
    assert catalog.search(SearchQuery(kind="models", text="qwen")).folded is None


def test_parameter_sort_puts_unknown_counts_last(catalog: Catalog) -> None:
    order = ids(catalog, sort="parameters")
    assert order[:2] == ["meta-llama/Llama-2-7b", "Qwen/Qwen2-0.5B"] and order[2:] == sorted(order[2:])


def test_spaces_sdk_and_hardware(catalog: Catalog) -> None:
    assert ids(catalog, kind="spaces", hardware="t4-small", sort="likes") == ["café-labs/démo-résumé"]
    assert ids(catalog, kind="spaces", sdk="streamlit", sort="likes") == ["streamlit/data-app-gallery"]
    result = catalog.search(SearchQuery(kind="spaces", sort="likes"), facets=("sdk", "hardware"))
    assert set(result.facets) == {"sdk", "hardware"}
    assert [(v.value, v.count) for v in result.facets["hardware"].values] == [
        (NONE_VALUE, 2), ("cpu-basic", 1), ("t4-small", 1)]  # fmt: skip
    space = catalog.search(SearchQuery(kind="spaces", text="gallery", sort="likes")).items[0]
    assert isinstance(space, SpaceRecord) and space.hardware == "cpu-basic"


def test_spaces_stage_and_the_models_and_datasets_they_use(catalog: Catalog) -> None:
    # expectations read from the fixture items, not from the catalog
    def using(key: str, value: str) -> list[str]:
        found = [s for s in SPACES if value in (s.get(key) or [])]
        return [s["id"] for s in sorted(found, key=lambda s: (-s["likes"], s["id"]))]

    assert ids(catalog, kind="spaces", uses_model="facebook/bart-large-cnn", sort="likes") == \
        using("models", "facebook/bart-large-cnn") == ["streamlit/data-app-gallery", "café-labs/démo-résumé"]  # fmt: skip
    assert ids(catalog, kind="spaces", uses_dataset="HuggingFaceFW/fineweb", sort="likes") == \
        using("datasets", "HuggingFaceFW/fineweb")  # fmt: skip
    assert ids(catalog, kind="spaces", uses_model="facebook/BART-large-cnn", sort="likes") == []  # exact, as ids are
    assert ids(catalog, kind="spaces", stage="RUNTIME_ERROR", sort="likes") == ["HuggingFaceFW/blogpost-fineweb-v1"]
    assert ids(catalog, kind="spaces", stage="SLEEPING", uses_model="facebook/bart-large-cnn", sort="likes") == [
        "café-labs/démo-résumé"]  # fmt: skip
    result = catalog.search(SearchQuery(kind="spaces", sort="likes"))
    assert {"stage", "uses_model", "uses_dataset"} <= set(result.facets)
    stages = Counter((s.get("runtime") or {}).get("stage") or NONE_VALUE for s in SPACES)
    assert {v.value: v.count for v in result.facets["stage"].values} == stages
    models = Counter(m for s in SPACES for m in s.get("models") or []) + Counter(
        NONE_VALUE for s in SPACES if not s.get("models"))  # fmt: skip
    assert {v.value: v.count for v in result.facets["uses_model"].values} == models
    # records from the index carry them, for the table and the CLI
    by_id = {r.id: r for r in result.items}
    gallery = by_id["streamlit/data-app-gallery"]
    assert isinstance(gallery, SpaceRecord) and gallery.stage == "RUNNING"
    assert gallery.models == tuple(SPACES[0]["models"]) and gallery.datasets_used == ("HuggingFaceFW/fineweb",)
    assert by_id["jdoe/empty-space"].stage is None and by_id["jdoe/empty-space"].models == ()  # type: ignore[attr-defined]
    caps = catalog.capabilities("spaces")
    assert {"stage", "uses_model", "uses_dataset"} <= caps.filters and "stage" in caps.facets


def test_any_field_can_be_counted_on_request(catalog: Catalog) -> None:
    result = catalog.search(SearchQuery(kind="models", text="qwen"), facets=("language", "task"))
    assert [(v.value, v.count) for v in result.facets["language"].values] == [("en", 1), ("zh", 1)]
    assert set(catalog.facet_fields("models")) >= {"task", "library", "license", "author", "language", "tag"}
    with pytest.raises(InvalidQueryError):
        catalog.search(SearchQuery(kind="models"), facets=("tag",))


def test_get_returns_the_full_stored_record(catalog: Catalog) -> None:
    record = catalog.get("models", "meta-llama/Llama-2-7b")
    assert isinstance(record, ModelRecord)
    assert record.params is not None and record.params.by_dtype == {"F16": 6738415616}
    assert record.last_modified == datetime(2024, 4, 1, 12, tzinfo=UTC)
    assert catalog.get("models", "no/such-model") is None


def test_stats_say_what_each_kind_holds(catalog: Catalog) -> None:
    stats = catalog.stats()
    assert {k: s.count for k, s in stats.kinds.items()} == {"models": 16, "datasets": 7, "spaces": 4}
    models = stats.kinds["models"]
    assert models.source is not None and models.source.endswith("models.jsonl")
    assert models.snapshot_date == date(2024, 6, 6)  # no date in the name: the newest date in the data
    assert set(models.sorts_known) == set(SORTS_BY_KIND["models"])
    assert stats.kinds["datasets"].fulltext_docs == 7  # every repo has a document: its id words at least
    assert stats.size_bytes > 0 and stats.total == 27


def test_a_missing_catalog_says_so(tmp_path: Path) -> None:
    empty = Catalog.open(tmp_path)
    assert not empty.exists
    assert empty.stats().kinds == {}
    with pytest.raises(CatalogMissingError):
        empty.search(SearchQuery(kind="models"))


# --- full text ----------------------------------------------------------------------------------------------
def test_fulltext_is_ranked_and_filtered(catalog: Catalog) -> None:
    result = catalog.fulltext("questions")
    # mmlu by its description's word and its question-answering task, gsm8k by its task alone
    assert [r.id for r in result.items] == ["cais/mmlu", "openai/gsm8k"]
    assert catalog.fulltext("cleaned").total == 2
    assert [r.id for r in catalog.fulltext("cleaned", SearchQuery(kind="datasets", license="odc-by")).items] == [
        "HuggingFaceFW/fineweb"]  # fmt: skip
    assert catalog.fulltext("critiques FRANÇAIS").total == 1  # every word, any case
    assert catalog.fulltext("problem").total == 1  # stemming: "problems"
    assert "facets" in dir(result) and tuple(result.facets) == COUNTED["datasets"]


def test_the_text_mode_is_full_text_ordered_by_relevance_or_by_a_field(catalog: Catalog) -> None:
    ranked = catalog.search(SearchQuery(kind="datasets", text="cleaned", mode="text", sort="relevance"))
    by_likes = catalog.search(SearchQuery(kind="datasets", text="cleaned", mode="text", sort="likes"))
    assert ranked.total == by_likes.total == 2
    assert {r.id for r in ranked.items} == {r.id for r in by_likes.items}
    likes = [r.likes for r in by_likes.items]
    assert likes == sorted(likes, reverse=True)
    # the words are not an id substring: no dataset id contains "cleaned"
    assert catalog.search(SearchQuery(kind="datasets", text="cleaned", sort="likes")).total == 0
    assert catalog.capabilities("datasets").can_mode("text")
    assert "python -m lib.catalog embed --kind datasets" in catalog.capabilities("datasets").why_not_mode("meaning")


@pytest.mark.parametrize("text", ['"', "NEAR(a b)", "a OR", "*", "description:", "^x", "", "   "])
def test_fulltext_treats_query_syntax_as_words(catalog: Catalog, text: str) -> None:
    assert catalog.fulltext(text).total == 0


# --- agreement with a reference implementation ---------------------------------------------------------------
def _reference_row(kind: str, item: dict[str, Any]) -> dict[str, Any]:
    """What the catalog should know about one item, computed the plain way."""
    tags = list(dict.fromkeys(item.get("tags") or []))
    rid = item["id"]

    def prefixed(prefix: str) -> list[str]:
        return list(dict.fromkeys(t[len(prefix):] for t in tags if t.startswith(prefix) and len(t) > len(prefix)))

    def when(key: str) -> datetime | None:
        return datetime.fromisoformat(item[key]) if item.get(key) else None

    def card(key: str) -> list[str]:
        value = (item.get("cardData") or {}).get(key)
        return [value] if isinstance(value, str) else list(value or [])

    languages = prefixed("language:") + ([t for t in tags if t in ISO_639_1] if kind == "models" else [])
    files = [s["rfilename"] for s in item["siblings"]] if isinstance(item.get("siblings"), list) else []
    hardware = ((item.get("runtime") or {}).get("hardware") or {})
    row = {
        "id": rid,
        "author": [rid.split("/", 1)[0]] if "/" in rid else ([item["author"]] if item.get("author") else []),
        "license": list(dict.fromkeys(prefixed("license:") + card("license"))),
        "language": list(dict.fromkeys(languages + card("language"))),
        "has_card": bool(item.get("card") or isinstance(item.get("cardData"), dict) or "README.md" in files),
        "safetensors": "safetensors" in tags or "safetensors" in item,
        "derivative": any(t.startswith("base_model:") for t in tags),
        "hardware": [h] if (h := hardware.get("current") or hardware.get("requested")) else [],
        "tag": tags,
        "downloads": item.get("downloads"),
        "likes": item.get("likes"),
        "trending": item.get("trendingScore"),
        "created": when("createdAt"),
        "updated": when("lastModified"),
        "gated": item.get("gated") not in (None, False, "false"),
        "params": (item.get("safetensors") or {}).get("total"),
    }
    if kind == "models":
        row["task"] = [item["pipeline_tag"]] if item.get("pipeline_tag") else []
        row["library"] = [item["library_name"]] if item.get("library_name") else []
    elif kind == "datasets":
        row["task"] = prefixed("task_categories:")
    else:
        row["sdk"] = [item["sdk"]] if item.get("sdk") else []
        stage = (item.get("runtime") or {}).get("stage")
        row["stage"] = [stage] if stage else []
        row["uses_model"] = list(dict.fromkeys(item.get("models") or []))
        row["uses_dataset"] = list(dict.fromkeys(item.get("datasets") or []))
    row["has_license"] = bool(row["license"])
    return row


#: Every count a search of each kind gives by default: the choice filters' fields, then gated, the parameter
#: presets and the quality toggles whose data the fixtures hold. Their datasets and Spaces hold no card
#: information, and their Spaces no languages: those filters are not offered there, so they are not counted either
#: (every count would be 0, or "(none)").
COUNTED = {
    "models": ("task", "library", "license", "language", "author", "has_license", "has_card", "safetensors_only",
               "originals_only", "gated", "params"),
    "datasets": ("task", "license", "language", "author", "has_license", "gated"),
    "spaces": ("sdk", "hardware", "license", "author", "stage", "uses_model", "uses_dataset", "has_license"),
}  # fmt: skip
PRESETS = {"<1B": (None, 10**9), "1-3B": (10**9, 3 * 10**9), "3-7B": (3 * 10**9, 7 * 10**9),
           "7-13B": (7 * 10**9, 13 * 10**9), "13-70B": (13 * 10**9, 70 * 10**9), ">70B": (70 * 10**9, None)}  # fmt: skip
#: The query fields each counted filter sets (a set filter is counted over the matches without it).
SETS = {"task": ("task",), "library": ("library",), "license": ("license",), "language": ("language",),
        "author": ("author",), "sdk": ("sdk",), "hardware": ("hardware",), "gated": ("gated",),
        "params": ("params_min", "params_max"), "stage": ("stage",), "uses_model": ("uses_model",),
        "uses_dataset": ("uses_dataset",)}  # fmt: skip


def reference_search(kind: str, q: SearchQuery, facet_limit: int) -> tuple[int, list[str], dict[str, Any]]:
    rows = [_reference_row(kind, item) for item in ITEMS[kind]]

    def matches(r: dict[str, Any], q: SearchQuery) -> bool:
        if q.text.casefold() not in r["id"].casefold():
            return False
        wanted = [("task" if kind != "spaces" else "tag", q.task), ("library", q.library), ("license", q.license),
                  ("language", q.language), ("author", q.author), ("sdk", q.sdk), ("hardware", q.hardware),
                  ("stage", q.stage), ("uses_model", q.uses_model), ("uses_dataset", q.uses_dataset)] + [
                  ("tag", t) for t in q.tags]  # fmt: skip
        if any(value and value not in r.get(name, []) for name, value in wanted):
            return False
        if (q.has_license and not r["has_license"]) or (q.has_card and not r["has_card"]) or (
                q.safetensors_only and not r["safetensors"]):  # fmt: skip
            return False
        if q.gated is not None and r["gated"] != q.gated:
            return False
        for key, lo, hi in (("created", q.created_from, q.created_to), ("updated", q.updated_from, q.updated_to)):
            if (lo or hi) and (r[key] is None or (lo and r[key].date() < lo) or (hi and r[key].date() > hi)):
                return False
        if q.params_min is not None or q.params_max is not None:
            p = r["params"]
            if p is None or (q.params_min is not None and p < q.params_min) or (
                    q.params_max is not None and p > q.params_max):  # fmt: skip
                return False
        for key, lo, hi in (("downloads", q.downloads_min, q.downloads_max), ("likes", q.likes_min, q.likes_max)):
            n = r[key]
            if (lo is not None or hi is not None) and (
                    n is None or (lo is not None and n < lo) or (hi is not None and n > hi)):  # fmt: skip
                return False
        return not (q.originals_only and r["derivative"])

    found = [r for r in rows if matches(r, q)]
    column = {"downloads": "downloads", "likes": "likes", "trending": "trending", "created": "created",
              "updated": "updated", "parameters": "params"}[q.sort]  # fmt: skip

    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        value = r[column]
        if value is None:
            return (1, 0, r["id"])
        number = value.timestamp() if isinstance(value, datetime) else value
        return (0, -number, r["id"])

    ordered = [r["id"] for r in sorted(found, key=key)][q.offset : q.offset + q.limit]
    facets = {}
    for name in COUNTED[kind]:
        fields = SETS.get(name, ())
        if any(getattr(q, f) is not None for f in fields):  # set: counted over the matches without it
            pool = [r for r in rows if matches(r, q.replace(**dict.fromkeys(fields)))]
        else:
            pool = found
        if name in ("has_license", "has_card", "safetensors_only", "originals_only", "gated", "params"):
            if name == "params":
                counts = Counter({preset: sum(1 for r in pool if r["params"] is not None and (lo or 0) <= r["params"]
                                              and (hi is None or r["params"] <= hi))
                                  for preset, (lo, hi) in PRESETS.items()})  # fmt: skip
                own = (q.params_min, q.params_max)
                if own != (None, None) and own not in PRESETS.values():  # a custom range: its own matches
                    counts[f"{own[0] if own[0] is not None else ''}-{own[1] if own[1] is not None else ''}"] = len(found)
            elif name == "gated":
                counts = Counter("yes" if r["gated"] else "no" for r in pool)
            else:
                has = {"has_license": lambda r: r["has_license"], "has_card": lambda r: r["has_card"],
                       "safetensors_only": lambda r: r["safetensors"],
                       "originals_only": lambda r: not r["derivative"]}[name]  # fmt: skip
                counts = Counter({"yes": sum(1 for r in pool if has(r))})
            values = sorted(((v, c) for v, c in counts.items() if c), key=lambda kv: (-kv[1], kv[0]))
            facets[name] = (values, False)
            continue
        counts = Counter(v for r in pool for v in (r[name] or [NONE_VALUE]))
        values = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        limit = max(facet_limit, 60) if name == "task" else facet_limit  # every task id is counted
        facets[name] = (values[:limit], len(values) > limit)
    return len(found), ordered, facets


def _generated_queries() -> list[SearchQuery]:
    texts = ["", "bert", "BERT", "7b", "%", "_", "l_1", ".b*", "'", "\\", "ß", "SS", "Ü", "-", "o", "/", "org/",
             "llama-2", "nothing-here", "i̇"]  # fmt: skip
    filters: list[dict[str, Any]] = [{}, {"task": "fill-mask"}, {"task": "text-generation"}, {"library": "transformers"},
                                     {"license": "apache-2.0"}, {"license": "mit"}, {"author": "org"},
                                     {"tags": ("en",)}, {"language": "en"}, {"gated": True}, {"gated": False},
                                     {"created_from": date(2023, 1, 1)}, {"created_to": date(2023, 6, 30)},
                                     {"updated_from": date(2024, 1, 1)}, {"params_min": 1}, {"has_license": True},
                                     {"has_card": True}, {"safetensors_only": True}, {"originals_only": True},
                                     {"originals_only": True, "license": "apache-2.0"},
                                     {"downloads_min": 300}, {"downloads_max": 500}, {"likes_min": 3, "likes_max": 90},
                                     {"downloads_min": 10, "likes_max": 3}, {"params_max": 10**9},
                                     {"gated": True, "license": "apache-2.0"},
                                     {"task": "fill-mask", "has_license": True, "language": "en"}]  # fmt: skip
    queries = []
    for (text, extra), sort in zip(itertools.product(texts, filters), itertools.cycle(SORTS_BY_KIND["models"])):
        queries.append(SearchQuery(kind="models", text=text, sort=sort, **extra))
    for offset, limit in ((0, 1), (1, 2), (3, 5), (14, 50)):
        queries.append(SearchQuery(kind="models", sort="likes", offset=offset, limit=limit))
    for text, extra, sort in itertools.product(["", "a", "NLP", "wiki"], [{}, {"task": "question-answering"},
                                               {"license": "mit"}, {"language": "en"}, {"gated": True},
                                               {"downloads_min": 700}, {"likes_max": 400}],
                                               ["downloads", "likes", "updated"]):  # fmt: skip
        queries.append(SearchQuery(kind="datasets", text=text, sort=sort, **extra))
    for text, extra, sort in itertools.product(["", "a", "É", "lab"], [{}, {"sdk": "gradio"}, {"hardware": "cpu-basic"},
                                               {"has_license": True}, {"likes_min": 3}, {"stage": "RUNNING"},
                                               {"stage": "SLEEPING", "sdk": "gradio"},
                                               {"uses_model": "facebook/bart-large-cnn"},
                                               {"uses_model": "openai/whisper-large-v3", "stage": "RUNNING"},
                                               {"uses_dataset": "HuggingFaceFW/fineweb"},
                                               {"uses_dataset": "HuggingFaceFW/fineweb", "sdk": "static"},
                                               {"uses_model": "nobody/uses-this"}],
                                               SORTS_BY_KIND["spaces"]):  # fmt: skip
        queries.append(SearchQuery(kind="spaces", text=text, sort=sort, **extra))
    return queries


GENERATED = _generated_queries()


def test_there_are_enough_generated_queries() -> None:
    assert len(GENERATED) > 300


@pytest.mark.parametrize("facet_limit", [3, 20])
def test_agrees_with_the_reference_implementation(catalog: Catalog, facet_limit: int) -> None:
    disagreements, refused = [], 0
    for q in GENERATED:
        if not reference_sortable(q.kind, q.sort):  # no item has the sort's field: refused, not id order
            with pytest.raises(InvalidQueryError, match=r"This catalog's \w+ dump has no"):
                catalog.search(q, facet_limit=facet_limit)
            refused += 1
            continue
        result = catalog.search(q, facet_limit=facet_limit)
        total, ordered, facets = reference_search(q.kind, q, facet_limit)
        got_facets = {n: ([(v.value, v.count) for v in f.values], f.truncated) for n, f in result.facets.items()}
        if (result.total, [r.id for r in result.items], got_facets) != (total, ordered, facets):
            disagreements.append(q)
    assert not disagreements, f"{len(disagreements)} queries disagree, first: {disagreements[0]}"
    assert 0 < refused < len(GENERATED) // 4  # the fixture's Spaces have no update dates


def reference_sortable(kind: str, sort: str) -> bool:
    """Whether any raw item holds the field a sort orders by (straight from the fixture items)."""
    column = {"downloads": "downloads", "likes": "likes", "trending": "trending", "created": "created",
              "updated": "updated", "parameters": "params"}[sort]  # fmt: skip
    return any(_reference_row(kind, item)[column] is not None for item in ITEMS[kind])
