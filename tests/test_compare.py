"""Compare: facts through the real HfApi against the fake Hub (or the local catalog), the table of rows, what
differs and which value is best, the exports and the CLI. Expected values are read from the fixture files."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from lib.compare import CatalogFacts, HubFacts, compare, gather, parse_ids, to_csv, to_markdown
from lib.compare.__main__ import main
from lib.hub import HubClient
from lib.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = {m["id"]: m for m in json.loads((ROOT / "tests/fixtures/hub/models.json").read_text())}
NER, GPT2, LLAMA = "dslim/bert-base-NER", "gpt2", "meta-llama/Llama-3.1-8B-Instruct"


@pytest.fixture
def client(hub) -> HubClient:
    return HubClient(load_settings())


def _row(comparison, field):
    return next(r for r in comparison.rows if r.field == field)


@pytest.mark.parametrize(
    ("raw", "ids", "notes", "why"),
    [
        ("a/b,c/d", ["a/b", "c/d"], 0, "order kept"),
        ("c/d,a/b,c/d", ["c/d", "a/b"], 0, "repeats dropped, first place kept"),
        (" a/b , ,gpt2", ["a/b", "gpt2"], 0, "spaces and empty parts ignored; legacy ids without owner are ids"),
        ("a/b,[x](http://e.vil)", ["a/b"], 1, "not a repo id: dropped with a note"),
        (",".join(f"o/m{i}" for i in range(8)), [f"o/m{i}" for i in range(6)], 2, "at most six models"),
    ],
)
def test_parse_ids(raw, ids, notes, why):
    got, said = parse_ids(raw)
    assert got == ids, why
    assert len(said) == notes, why


def test_rows_from_the_live_hub_match_the_fixtures(client):
    comparison = compare(gather([GPT2, NER, LLAMA], HubFacts(client)))
    assert comparison.models == (GPT2, NER, LLAMA)
    for field, key in (("task", "pipeline_tag"), ("library", "library_name"), ("likes", "likes"),
                       ("downloads", "downloads"), ("trending", "trendingScore")):
        assert _row(comparison, field).values == [FIXTURES[m][key] for m in comparison.models], field
    assert _row(comparison, "parameters").values == [FIXTURES[m]["safetensors"]["total"] for m in comparison.models]
    assert _row(comparison, "gated").values == [bool(FIXTURES[m]["gated"]) for m in comparison.models]
    assert _row(comparison, "created").values == [FIXTURES[m]["createdAt"][:10] for m in comparison.models]
    # the context length comes from each config.json, under whatever key the architecture uses
    assert _row(comparison, "context_length").values == [1024, 512, 131072]
    assert _row(comparison, "model_type").values == ["gpt2", "bert", "llama"]
    assert _row(comparison, "relation").values == ["original", "finetune", "finetune"]
    # memory at fp16 is two bytes per parameter; the smallest wins
    fp16 = _row(comparison, "memory_fp16")
    assert fp16.values == [2 * FIXTURES[m]["safetensors"]["total"] for m in comparison.models]
    assert fp16.best == (1,) and fp16.differs
    assert _row(comparison, "likes").best == (comparison.models.index(LLAMA),)
    assert not _row(comparison, "library").differs  # all three are transformers
    assert _row(comparison, "fits").values[2].startswith("gated")  # no token here


def test_weights_and_all_files_sizes_add_up(client):
    comparison = compare(gather([NER, GPT2], HubFacts(client)))
    record = client.model(NER)
    weights = sum(f.size for f in record.files if f.path.endswith((".safetensors", ".bin", ".h5", ".msgpack", ".onnx")))
    assert _row(comparison, "download_weights").values[0] == weights
    assert _row(comparison, "download_all").values[0] == sum(f.size for f in record.files)


def test_one_request_per_kind_of_information_per_model(hub, client):
    hub.clear_requests()
    gather([GPT2, NER, LLAMA], HubFacts(client))
    per_path = Counter((r.method, r.path) for r in hub.requests)
    for model in (GPT2, NER, LLAMA):
        assert per_path[("GET", f"/api/models/{model}")] == 1, model
        config = [(k, n) for k, n in per_path.items() if k[1].startswith(f"/{model}/resolve/")
                  and k[1].endswith("/config.json")]
        # one download at most (a HEAD and a GET when not cached yet; nothing once cached at that revision)
        assert all(n == 1 for _, n in config) and len(config) <= 2, (model, config)
    assert not any("safetensors" in p for _, p in per_path)  # the info carried the counts: no header reads


def test_evaluation_rows_one_per_dataset_and_metric_with_the_best_marked(hub, client):
    def card(name, acc, wer):
        return {"model-index": [{"name": name, "results": [{
            "task": {"type": "automatic-speech-recognition"},
            "dataset": {"name": "common_voice", "type": "common_voice", "split": "test"},
            "metrics": [{"type": "accuracy", "name": "Accuracy", "value": acc},
                        {"type": "wer", "name": "WER", "value": wer}]}]}]}

    for name, acc, wer in (("cmp/a", 0.9, 12.5), ("cmp/b", 0.8, 9.0)):
        hub.add_repo("model", {"id": name, "pipeline_tag": "automatic-speech-recognition",
                               "cardData": card(name, acc, wer)})
    comparison = compare(gather(["cmp/a", "cmp/b", NER], HubFacts(client)))
    accuracy = _row(comparison, "eval:common_voice (test):Accuracy")
    assert accuracy.values == [0.9, 0.8, None] and accuracy.best == (0,)
    assert accuracy.cells[2].reason == "its card reports no such result"
    wer = _row(comparison, "eval:common_voice (test):WER")
    assert wer.best == (1,), "a lower word error rate is better"
    assert _row(comparison, "eval:conll2003 (test):F1").values == [None, None, 0.9258]


def test_prefer_small_ranks_parameters(client):
    facts = gather([GPT2, NER], HubFacts(client))
    assert _row(compare(facts), "parameters").best == ()  # no preference: no "best"
    assert _row(compare(facts, prefer_small=True), "parameters").best == (1,)
    assert _row(compare(facts, prefer_small=False), "parameters").best == (0,)


def test_a_model_that_cannot_be_read_is_reported_not_fatal(client):
    comparison = compare(gather([GPT2, "nobody/nothing"], HubFacts(client)))
    assert comparison.models == (GPT2,)
    assert "nobody/nothing" in comparison.errors and "not found" in comparison.errors["nobody/nothing"]


def test_the_catalog_answers_what_it_has_and_says_why_not_the_rest(catalog_home):
    from lib.catalog import Catalog

    gguf = "TheBloke/Llama-2-7B-Chat-GGUF"  # its record carries no config
    comparison = compare(gather([GPT2, gguf], CatalogFacts(Catalog.open(catalog_home))))
    assert _row(comparison, "likes").values == [FIXTURES[GPT2]["likes"], FIXTURES[gguf]["likes"]]
    context = _row(comparison, "context_length")
    assert context.values == [FIXTURES[GPT2]["config"]["n_positions"], None]  # the dump's own config, when it has one
    assert "local catalog holds no configs" in context.cells[1].reason
    sizes = _row(comparison, "download_all")
    assert sizes.values == [None, None]
    assert all("holds no file sizes" in c.reason for c in sizes.cells)


def test_exports(client):
    comparison = compare(gather([GPT2, NER], HubFacts(client)))
    rows = list(csv.reader(io.StringIO(to_csv(comparison, "https://huggingface.co"))))
    assert rows[0] == ["field", "label", GPT2, NER, "differs"]
    assert rows[1][2:4] == ["https://huggingface.co/gpt2", f"https://huggingface.co/{NER}"]
    likes = next(r for r in rows if r[0] == "likes")
    assert likes[2:] == [str(FIXTURES[GPT2]["likes"]), str(FIXTURES[NER]["likes"]), "True"]
    md = to_markdown(comparison, "https://huggingface.co")
    assert md.splitlines()[0] == f"| | [gpt2](https://huggingface.co/gpt2) | [{NER}](https://huggingface.co/{NER}) |"
    assert f"| Likes | **{FIXTURES[GPT2]['likes']:,}** | {FIXTURES[NER]['likes']} |" in md
    short = to_markdown(comparison, "https://huggingface.co", only_differences=True)
    assert "| Library |" in md and "| Library |" not in short


def test_markdown_cells_cannot_break_the_table(client, hub):
    hub.add_repo("model", {"id": "cmp/pipes", "tags": ["dataset:a|b"], "cardData": {"license": "x|y"}})
    md = to_markdown(compare(gather(["cmp/pipes"], HubFacts(client))), "https://huggingface.co")
    line = next(x for x in md.splitlines() if x.startswith("| License |"))
    assert line == "| License | x\\|y |"


def test_cli_json_contract(hub, capsys):
    assert main([NER, GPT2, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"models", "rows"} and out["models"] == [NER, GPT2]
    fields = {r["field"]: r for r in out["rows"]}
    for required in ("task", "library", "license", "parameters", "downloads", "likes", "created", "gated"):
        assert set(fields[required]) == {"field", "values", "differs"}
    assert fields["task"]["values"] == ["token-classification", "text-generation"] and fields["task"]["differs"]
    assert fields["library"]["differs"] is False
    assert fields["gated"]["values"] == [False, False]
    assert fields["downloads_all_time"]["values"] == [None, None]  # unknown is null
    for row in out["rows"]:
        assert all(v is None or isinstance(v, (str, int, float, bool)) for v in row["values"])


def test_cli_catalog_and_errors(catalog_home, monkeypatch, capsys):
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(catalog_home))
    assert main([GPT2, "nobody/nothing", "--json", "--catalog"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["models"] == [GPT2]
    assert "nobody/nothing" in captured.err and "not in the local catalog" in captured.err
    assert main(["not an id!", "--json"]) == 2
    assert "no valid model id" in capsys.readouterr().err
