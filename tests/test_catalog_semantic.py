"""Meaning search in the local catalog: embeddings built, reused and resumed, filters/facets/sorts over meaning
matches, capabilities before and after, the CLI, and quality on the fixtures with the real (distilled) model.

The packaged all-MiniLM-L6-v2 is distilled once and kept in pytest's cache folder (about a minute the first time);
each catalog's home links to it, so the default model path (``<home>/models/``) is the one tested."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lib.catalog import Catalog
from lib.catalog import semantic as sem
from lib.catalog.cli import main
from lib.catalog.embedder import PACKAGED
from lib.errors import InvalidQueryError
from lib.query import SearchQuery
from tests.conftest import home_with_model

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "catalog"


def _home(tmp: Path, distilled: Path) -> Path:
    return home_with_model(tmp, distilled)


def _load_all(catalog: Catalog) -> None:
    catalog.load([FIXTURES / "models.jsonl"], kind="models")
    catalog.load([FIXTURES / "datasets.jsonl"], kind="datasets")
    catalog.load([FIXTURES / "spaces.json"], kind="spaces")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory, distilled: Path) -> Catalog:
    """The fixture catalog with embeddings for every kind."""
    cat = Catalog.open(_home(tmp_path_factory.mktemp("home"), distilled))
    _load_all(cat)
    for kind in ("models", "datasets", "spaces"):
        cat.embed(kind)
    return cat


def meaning(catalog: Catalog, text: str, **query: object) -> list[str]:
    query.setdefault("limit", 10)
    query.setdefault("sort", "relevance")
    return [r.id for r in catalog.search(SearchQuery(text=text, mode="meaning", **query)).items]  # type: ignore[arg-type]


# --- quality: meaning finds what a name search cannot ----------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "text", "expected", "why"),
    [
        ("models", "generate pictures from a text prompt", {"stabilityai/sd-turbo"}, "text-to-image in plain words"),
        ("models", "guess the hidden word in a sentence",
         {"google-bert/bert-base-uncased", "FacebookAI/roberta-base", "bert-base-cased"}, "fill-mask in plain words"),
        ("models", "a chat assistant that writes text",
         {"meta-llama/Llama-2-7b", "Qwen/Qwen2-0.5B", "TheBloke/Mistral-7B-v0.1-AWQ"}, "text generation"),
        ("models", "translate sentences into another language", {"ünï/Ünïcode-ßtraße"}, "the translation task"),
        ("datasets", "grade school math word problems", {"openai/gsm8k"}, "the description's words"),
    ],
)
def test_meaning_finds_what_names_cannot(catalog: Catalog, kind: str, text: str, expected: set[str], why: str) -> None:
    names = catalog.search(SearchQuery(kind=kind, text=text, sort=catalog.capabilities(kind).default_sort))  # type: ignore[arg-type]
    assert names.total == 0, why
    found = meaning(catalog, text, kind=kind)
    assert expected <= set(found), (why, found)


@pytest.mark.parametrize(
    ("text", "expected", "but_text_finds"),
    [
        ("pictures", {"stabilityai/sd-turbo"}, ("image", {"stabilityai/sd-turbo"})),
        ("guess the hidden word", {"google-bert/bert-base-uncased", "FacebookAI/roberta-base"},
         ("mask", {"google-bert/bert-base-uncased", "FacebookAI/roberta-base"})),
    ],
)
def test_meaning_finds_what_text_cannot(catalog: Catalog, text: str, expected: set[str],
                                        but_text_finds: tuple[str, set[str]]) -> None:  # fmt: skip
    """Full text matches words of ids, tasks, tags and cards: plain words found in none of them find nothing there,
    while the data's own word does (so text mode works on this catalog)."""
    assert catalog.capabilities("models").can_mode("text")
    assert catalog.search(SearchQuery(text=text, mode="text", sort="relevance")).total == 0
    word, found_by_word = but_text_finds
    assert found_by_word <= {r.id for r in catalog.search(SearchQuery(text=word, mode="text", sort="relevance")).items}
    assert expected <= set(meaning(catalog, text, limit=5))


def test_the_intended_task_ranks_first(catalog: Catalog) -> None:
    assert meaning(catalog, "generate pictures from a text prompt")[0] == "stabilityai/sd-turbo"
    top3 = meaning(catalog, "predict the masked word in a sentence", limit=3)
    assert all(r in {"google-bert/bert-base-uncased", "FacebookAI/roberta-base", "bert-base-cased",
                     "İstanbul/TÜRKÇE-bert", "org/a.b*c[x]"} for r in top3), top3  # fmt: skip


# --- capabilities and building -----------------------------------------------------------------------------------
def test_capabilities_before_and_after_embedding(tmp_path: Path, distilled: Path) -> None:
    cat = Catalog.open(_home(tmp_path, distilled))
    cat.load([FIXTURES / "models.jsonl"], kind="models")
    caps = cat.capabilities("models")
    assert not caps.can_mode("meaning")
    assert "python -m lib.catalog embed --kind models" in caps.why_not_mode("meaning")
    with pytest.raises(InvalidQueryError, match="embed --kind models"):
        cat.search(SearchQuery(text="pictures", mode="meaning", sort="relevance"))
    report = cat.embed("models")
    assert (report.rows, report.embedded, report.reused, report.model) == (16, 16, 0, PACKAGED)
    assert cat.capabilities("models").can_mode("meaning")
    assert cat.capabilities("models").can_sort("relevance")


def test_embed_resumes_and_follows_generations(tmp_path: Path, distilled: Path) -> None:
    cat = Catalog.open(_home(tmp_path, distilled))
    cat.load([FIXTURES / "models.jsonl"], kind="models")
    assert cat.embed("models").embedded == 16
    again = cat.embed("models")
    assert (again.embedded, again.reused) == (0, 16)
    # a new generation (load): embedded as part of it, only the new and the changed repos
    events: list[str] = []
    cat.load([FIXTURES / "models-update.jsonl"], kind="models", progress=lambda p: events.append(p.phase))
    meta = sem.read_meta(cat.index("models").folder)
    assert meta is not None
    # new-org/fresh-model is new; org/no-metadata gained a tag; bert-base-cased changed only its downloads and a
    # license tag, which its embedding does not read
    assert (meta["rows"], meta["embedded"], meta["reused"]) == (17, 2, 15)
    assert "embed" in events
    assert cat.capabilities("models").can_mode("meaning")
    assert "new-org/fresh-model" in meaning(cat, "fresher", limit=50)


def test_an_interrupted_build_resumes_where_it_stopped(tmp_path: Path, distilled: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    cat = Catalog.open(_home(tmp_path, distilled))
    cat.load([FIXTURES / "models.jsonl"], kind="models")
    monkeypatch.setattr(sem, "CHUNK", 5)
    real = sem.embed_rows
    calls = {"n": 0}

    def failing(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sem, "embed_rows", failing)
    with pytest.raises(KeyboardInterrupt):
        cat.embed("models")
    assert not cat.capabilities("models").can_mode("meaning")
    monkeypatch.setattr(sem, "embed_rows", real)
    report = cat.embed("models")
    assert (report.embedded, report.reused) == (6, 10)
    assert cat.capabilities("models").can_mode("meaning")


def test_the_graph_is_reused_or_updated_across_generations(tmp_path: Path, distilled: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(sem, "GRAPH_MIN_ROWS", 0)  # a graph even for the fixtures,
    monkeypatch.setattr(sem, "EXACT_ROWS", 0)  # and every search through it
    cat = Catalog.open(_home(tmp_path, distilled))
    cat.load([FIXTURES / "models.jsonl"], kind="models")
    cat.embed("models")
    meta = sem.read_meta(cat.index("models").folder)
    assert meta is not None and (meta["graph"], meta["graph_keys"], meta["graph_built"]) == (True, "repo", "built")
    text = "generate pictures from a text prompt"
    first = meaning(cat, text)
    assert first[0] == "stabilityai/sd-turbo"
    # the same repos again: a new generation that shares the vectors and the graph
    before = cat.index("models").folder
    cat.load([FIXTURES / "models.jsonl"], kind="models")
    meta = sem.read_meta(cat.index("models").folder)
    assert cat.index("models").folder != before
    assert meta is not None and (meta["embedded"], meta["graph_built"]) == (0, "reused")
    assert meaning(cat, text) == first
    # a few repos changed: the graph is updated in place (1 key gone, 2 added), not built afresh
    monkeypatch.setattr(sem, "GRAPH_UPDATE_SHARE", 0.5)
    cat.load([FIXTURES / "models-update.jsonl"], kind="models")
    meta = sem.read_meta(cat.index("models").folder)
    assert meta is not None and (meta["embedded"], meta["graph_built"], meta["graph_changes"]) == (2, "updated", 3)
    through_graph = meaning(cat, "fresher", limit=50)
    assert "new-org/fresh-model" in through_graph and "org/no-metadata" in through_graph
    assert len(through_graph) == 17
    monkeypatch.setattr(sem, "EXACT_ROWS", 10**9)
    assert meaning(cat, "fresher", limit=5) == through_graph[:5]
    # past the share of changes, a graph is built afresh
    monkeypatch.setattr(sem, "GRAPH_UPDATE_SHARE", 0.0)
    cat.load([FIXTURES / "models.jsonl"], kind="models")
    meta = sem.read_meta(cat.index("models").folder)
    assert meta is not None and (meta["graph_built"], meta["graph_changes"]) == ("built", 0)


def test_another_model_asks_for_embeddings_again(catalog: Catalog, distilled: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("HUB_EXPLORER_EMBEDDING_MODEL", str(distilled))  # a model2vec folder, used as it is
    caps = catalog.capabilities("models")
    assert not caps.can_mode("meaning")
    assert "another model" in caps.why_not_mode("meaning")


# --- filters, facets, sorts, charts ---------------------------------------------------------------------------
def test_filters_facets_and_sorts_work_on_meaning_matches(catalog: Catalog) -> None:
    text = "a language model"
    everything = catalog.search(SearchQuery(text=text, mode="meaning", sort="relevance", limit=100))
    assert everything.total == 16  # fewer than CANDIDATES models: every one of them (its id has words)
    filtered = catalog.search(SearchQuery(text=text, mode="meaning", sort="relevance", task="text-generation",
                                          limit=100))  # fmt: skip
    assert filtered.total == 4
    assert {r.pipeline_tag for r in filtered.items} == {"text-generation"}  # type: ignore[attr-defined]
    assert [(v.value, v.count) for v in filtered.facets["task"].values] == [("text-generation", 4)]
    libraries = {v.value: v.count for v in filtered.facets["library"].values}
    assert libraries == {"transformers": 3, "gguf": 1}
    by_downloads = catalog.search(SearchQuery(text=text, mode="meaning", sort="downloads", task="text-generation",
                                              limit=100))  # fmt: skip
    assert {r.id for r in by_downloads.items} == {r.id for r in filtered.items}
    downloads = [r.downloads or -1 for r in by_downloads.items]
    assert downloads == sorted(downloads, reverse=True)
    page = catalog.search(SearchQuery(text=text, mode="meaning", sort="relevance", task="text-generation", limit=2,
                                      offset=2))  # fmt: skip
    assert [r.id for r in page.items] == [r.id for r in filtered.items][2:4]
    aggregates = catalog.aggregates(SearchQuery(text=text, mode="meaning", sort="relevance", task="text-generation"))
    assert aggregates.matches == 4


def test_a_meaning_query_matches_at_most_the_candidates(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sem, "CANDIDATES", 3)
    result = catalog.search(SearchQuery(text="speech", mode="meaning", sort="relevance"))
    assert result.total == 3
    assert catalog.search(SearchQuery(text="   ", mode="meaning", sort="relevance")).total == 0


# --- CLI ------------------------------------------------------------------------------------------------------
def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_embed_and_search_by_meaning(tmp_path: Path, distilled: Path) -> None:
    home = _home(tmp_path, distilled)
    assert run_cli("--home", str(home), "--quiet", "load", str(FIXTURES / "models.jsonl"), "--kind", "models")[0] == 0
    code, out, err = run_cli("--home", str(home), "search", "--text", "pictures", "--mode", "meaning", "--json")
    assert code == 1 and "embed --kind models" in err
    code, out, err = run_cli("--home", str(home), "embed", "--kind", "models", "--json")
    assert code == 0, err
    assert json.loads(out)["embedded"] == 16
    assert "Embedded 16 models" in err  # progress on stderr
    code, out, err = run_cli("--home", str(home), "search", "--text", "generate pictures from a prompt", "--mode",
                             "meaning", "--json", "--limit", "3")  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    _, names_out, _ = run_cli("--home", str(home), "search", "--text", "bert", "--json", "--limit", "3")
    names = json.loads(names_out)
    assert doc.keys() == names.keys()
    assert doc["items"][0].keys() == names["items"][0].keys()
    assert doc["items"][0]["id"] == "stabilityai/sd-turbo"
    code, out, _ = run_cli("--home", str(home), "search", "--text", "generate pictures", "--mode", "meaning",
                           "--sort", "likes", "--json")  # fmt: skip
    likes = [i["likes"] or -1 for i in json.loads(out)["items"]]
    assert code == 0 and likes == sorted(likes, reverse=True)


# --- nothing heavy at start -----------------------------------------------------------------------------------
def test_nothing_of_meaning_search_is_imported_until_asked(catalog: Catalog) -> None:
    script = f"""
import sys
from lib.catalog import Catalog
from lib.query import SearchQuery
cat = Catalog({str(catalog.root)!r})
assert cat.capabilities("models").can_mode("meaning")
cat.search(SearchQuery(text="bert", sort="downloads"))
heavy = ("torch", "transformers", "model2vec", "usearch", "scipy", "sklearn", "tokenizers")
print("BEFORE:", ",".join(m for m in heavy if m in sys.modules))
cat.search(SearchQuery(text="pictures", mode="meaning", sort="relevance"))
print("AFTER:", ",".join(m for m in ("torch", "transformers", "sklearn") if m in sys.modules))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert lines[-2].strip() == "BEFORE:", lines
    assert lines[-1].strip() == "AFTER:", lines  # a query is embedded with numpy and tokenizers only
