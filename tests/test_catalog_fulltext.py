"""Text mode in the catalog (`lib.catalog.fulltext`): every repo's id words, task, library and tags are searchable
beside descriptions and cards, ranked so that a name or task hit comes before a card that mentions the words,
the person's words are never FTS syntax, and each result says where it matched with exactly the matched words
marked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lib.catalog import Catalog, fulltext
from lib.catalog.fulltext import cut, id_words, mark_id, task_words
from lib.query import SearchQuery

MODELS: list[dict[str, Any]] = [
    {"id": "openai/whisper-large-v3", "pipeline_tag": "automatic-speech-recognition", "library_name": "transformers",
     "downloads": 5, "tags": ["transformers", "audio", "automatic-speech-recognition", "region:us"]},
    {"id": "facebook/wav2vec2-base-960h", "pipeline_tag": "automatic-speech-recognition",
     "library_name": "transformers", "downloads": 3, "tags": ["transformers", "speech", "dataset:librispeech_asr"]},
    {"id": "acme/TinyLlamaChat", "pipeline_tag": "text-generation", "library_name": "transformers", "downloads": 900,
     "tags": ["transformers", "llama", "conversational"],
     "card": "A chat model. It was not trained for speech recognition, but it can talk about it at length. " * 4},
    {"id": "acme/sentiment-roberta", "pipeline_tag": "text-classification", "library_name": "transformers",
     "downloads": 50, "tags": ["transformers", "sentiment"],
     "card": "Classifies reviews. [x](http://evil) <img src=x> *not bold* \ue000forged\ue001 markers."},
    {"id": "acme/gguf-thing", "library_name": "gguf", "downloads": 1, "tags": ["gguf", "license:mit"]},
]  # fmt: skip
DATASETS: list[dict[str, Any]] = [
    {"id": "mozilla/common_voice", "downloads": 10, "description": "Recordings of people reading sentences aloud.",
     "tags": ["task_categories:automatic-speech-recognition", "language:en"]},
    {"id": "acme/reviews", "downloads": 20, "description": "Product reviews with a star rating.",
     "tags": ["task_categories:text-classification"]},
]  # fmt: skip


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    folder = tmp_path_factory.mktemp("fulltext")
    cat = Catalog.open(folder / "home")
    for kind, items in (("models", MODELS), ("datasets", DATASETS)):
        path = folder / f"{kind}.jsonl"
        path.write_text("\n".join(json.dumps(i) for i in items), encoding="utf-8")
        cat.load([path], kind=kind)
    return cat


def text(catalog: Catalog, words: str, kind: str = "models", **more: Any) -> list[str]:
    more.setdefault("sort", "relevance")
    return [r.id for r in catalog.search(SearchQuery(kind=kind, text=words, mode="text", **more)).items]


@pytest.mark.parametrize(
    ("repo_id", "words", "why"),
    [
        ("openai/whisper-large-v3", "openai whisper large v3 v 3", "segments, then the parts of v3"),
        ("Qwen/Qwen2-0.5B", "Qwen Qwen2 0 5B Qwen 2 5 B", "digits and letters part"),
        ("FacebookAI/roberta-base", "FacebookAI roberta base Facebook AI", "camelCase parts"),
        ("XMLHttpRequest", "XMLHttpRequest XML Http Request", "an acronym ends before a capitalised word"),
        ("org/snake_case.name", "org snake case name", "_ and . separate like - and /"),
        ("İstanbul/TÜRKÇE-bert", "İstanbul TÜRKÇE bert", "capitals beyond ASCII stay one word"),
        ("org/a.b*c[x]", "org a b c x", "symbols separate"),
    ],
)
def test_id_words(repo_id: str, words: str, why: str) -> None:
    assert id_words(repo_id) == words, why


def test_task_words() -> None:
    assert task_words("automatic-speech-recognition") == "automatic speech recognition"
    assert task_words("text2text-generation") == "text to text generation"


def test_text_mode_finds_models_by_task_words_name_first(catalog: Catalog) -> None:
    found = text(catalog, "speech recognition")
    # the two ASR models by their task, before the chat model whose card merely mentions the words (most downloads)
    assert found[:2] == ["openai/whisper-large-v3", "facebook/wav2vec2-base-960h"] or found[:2] == [
        "facebook/wav2vec2-base-960h", "openai/whisper-large-v3"]  # fmt: skip
    assert found[2:] == ["acme/TinyLlamaChat"]
    assert text(catalog, "speech recognition", kind="datasets") == ["mozilla/common_voice"]  # task_categories:


@pytest.mark.parametrize(
    ("words", "expected", "why"),
    [
        ("whisper", ["openai/whisper-large-v3"], "a word of the name"),
        ("large v3", ["openai/whisper-large-v3"], "several words of the name"),
        ("wav2vec2", ["facebook/wav2vec2-base-960h"], "a segment with digits"),
        ("llama chat", ["acme/TinyLlamaChat"], "camelCase parts of the name"),
        ("gguf", ["acme/gguf-thing"], "library (and name)"),
        ("conversational", ["acme/TinyLlamaChat"], "a tag"),
        ("librispeech", ["facebook/wav2vec2-base-960h"], "a dataset: tag's words"),
        ("mit", ["acme/gguf-thing"], "a license: tag's words"),
        ("us", [], "region: tags say nothing about a repo"),
        ("reviews", ["acme/sentiment-roberta"], "a card word"),
    ],
)
def test_text_mode_matches_what_every_repo_has(catalog: Catalog, words: str, expected: list[str], why: str) -> None:
    assert text(catalog, words) == expected, why


def test_a_name_hit_ranks_above_a_card_mention(catalog: Catalog) -> None:
    # "chat" is in TinyLlamaChat's name and card; "llama" in its name and tags: both rank on top of nothing else.
    # "speech" is whisper's tag word... the decisive case: "recognition" is wav2vec2's and whisper's task, and only
    # a card mention for TinyLlamaChat, which has far more downloads: relevance puts it last, downloads first.
    assert text(catalog, "recognition")[-1] == "acme/TinyLlamaChat"
    assert text(catalog, "recognition", sort="downloads")[0] == "acme/TinyLlamaChat"


@pytest.mark.parametrize(
    ("words", "expected", "why"),
    [
        ('"', [], "a lone quote"),
        ("*", [], "a lone star"),
        ("NEAR(whisper large)", [], "NEAR is a word, of no document: as syntax this would find whisper"),
        ("^whisper", ["openai/whisper-large-v3"], "^ is not the column-start operator"),
        ("name:whisper", [], "no column filter: 'name' is a word, and no document has it"),
        ("speech NOT whisper", [], "NOT is a word: as syntax this would find wav2vec2 and the chat model"),
        ("speech OR nothing", [], "OR is a word: as syntax this would find three models"),
        ("whisp*", [], "no prefix query"),
    ],
)
def test_fts_syntax_in_the_text_is_literal(catalog: Catalog, words: str, expected: list[str], why: str) -> None:
    assert text(catalog, words) == expected, why


def test_snippets_mark_exactly_the_matched_words(catalog: Catalog) -> None:
    result = catalog.search(SearchQuery(kind="models", text="speech recognition", mode="text", sort="relevance"))
    assert set(result.snippets) == {r.id for r in result.items}
    whisper = result.snippets["openai/whisper-large-v3"]
    assert whisper == (("Task: ", False), ("automatic ", False), ("speech", True), (" ", False),
                       ("recognition", True))  # fmt: skip
    chat = result.snippets["acme/TinyLlamaChat"]
    assert [p for p, matched in chat if matched][:2] == ["speech", "recognition"]  # from the first one in the card
    assert {p for p, matched in chat if matched} == {"speech", "recognition"}
    assert not any("speech" in p or "recognition" in p for p, matched in chat if not matched)  # none left unmarked
    assert len("".join(p for p, _ in chat)) <= fulltext.SNIPPET_CHARS + 4  # cut, with "…"
    assert chat[-1] == (" …", False)


def test_snippets_of_a_name_hit_mark_the_id_itself(catalog: Catalog) -> None:
    result = catalog.search(SearchQuery(kind="models", text="llama", mode="text", sort="relevance"))
    assert result.snippets["acme/TinyLlamaChat"] == (("Name: ", False), ("acme/Tiny", False), ("Llama", True),
                                                     ("Chat", False))  # fmt: skip


def test_snippets_are_the_stored_text_never_markup(catalog: Catalog) -> None:
    result = catalog.search(SearchQuery(kind="models", text="reviews", mode="text", sort="relevance"))
    pieces = result.snippets["acme/sentiment-roberta"]
    joined = "".join(p for p, _ in pieces)
    assert "[x](http://evil) <img src=x> *not bold*" in joined  # as it was written: the page escapes it
    assert "\ue000" not in joined and "\ue001" not in joined  # marker characters in a text cannot forge a match
    assert [p for p, matched in pieces if matched] == ["reviews"]
    assert "forged markers" in joined


def test_stemming_marks_the_word_as_written(catalog: Catalog) -> None:
    result = catalog.search(SearchQuery(kind="datasets", text="recording", mode="text", sort="relevance"))
    expected = (("Recordings", True), (" of people reading sentences aloud.", False))
    assert result.snippets["mozilla/common_voice"] == expected


def test_names_mode_has_no_snippets(catalog: Catalog) -> None:
    result = catalog.search(SearchQuery(kind="models", text="whisper", sort="downloads"))
    assert [r.id for r in result.items] == ["openai/whisper-large-v3"] and result.snippets == {}


def test_an_index_of_the_older_format_asks_for_a_rebuild(catalog: Catalog, tmp_path: Path) -> None:
    index = catalog.index("models")
    assert index.meta["fulltext_format"] == fulltext.FORMAT
    index.meta["fulltext_format"] = 1  # what a generation built before names and tags were indexed says
    try:
        caps = catalog.capabilities("models")
        assert not caps.can_mode("text")
        assert "python -m lib.catalog rebuild --kind models" in caps.why_not_mode("text")
        assert caps.can_mode("names")
    finally:
        index.meta["fulltext_format"] = fulltext.FORMAT
    assert catalog.capabilities("models").can_mode("text")


@pytest.mark.parametrize(
    ("pieces", "width", "expected"),
    [
        ([("short ", False), ("hit", True)], 50, (("short ", False), ("hit", True))),
        ([("a " * 40, False), ("hit", True), (" b" * 40, False)], 30,
         (("… ", False), ("a a a a a ", False), ("hit", True), (" b b b b b b b b", False), (" …", False))),
        ([("hit", True), (" tail" * 40, False)], 20, (("hit", True), (" tail tail tail", False), (" …", False))),
    ],
)  # fmt: skip
def test_cut_keeps_the_first_match_and_whole_words(pieces, width, expected) -> None:
    assert cut(pieces, width) == expected


def test_mark_id() -> None:
    assert mark_id("Qwen/Qwen2-0.5B", {"Qwen"}) == [("Qwen", True), ("/", False), ("Qwen", True), ("2-0.5B", False)]
    assert mark_id("org/x", set()) == [("org/x", False)]
