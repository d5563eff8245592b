"""`python -m lib.catalog`: the scriptable contract (load, search --json, bench, stats, values, fulltext) and its
errors (one line, non-zero exit, never a traceback)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lib.catalog import Catalog
from lib.catalog.cli import main, percentile
from lib.query import SearchQuery

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "catalog"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> str:
    home = str(tmp_path_factory.mktemp("cli-home"))
    for name, kind in (("models.jsonl", "models"), ("datasets.jsonl", "datasets")):
        code, out, _ = run("--home", home, "--quiet", "load", str(FIXTURES / name), "--kind", kind)
        assert code == 0 and "Loaded" in out
    return home


def test_load_reports_what_it_did(tmp_path: Path) -> None:
    code, out, err = run("--home", str(tmp_path), "load", str(FIXTURES / "spaces.json"), "--kind", "spaces")
    assert code == 0
    assert "Loaded 4 spaces" in out and "4 spaces" in out
    assert "spaces in the catalog" in err  # progress goes to stderr


def test_search_json_has_the_contract_shape(home: str) -> None:
    code, out, err = run("--home", home, "search", "--kind", "models", "--text", "bert", "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert set(doc) >= {"total", "items", "facets", "took_ms"}
    assert isinstance(doc["total"], int) and doc["total"] == 4
    assert isinstance(doc["took_ms"], float)
    assert set(doc["facets"]) == {"task", "library", "license", "language", "author", "has_license", "has_card",
                                  "safetensors_only", "originals_only", "gated", "params"}  # every filter counted
    for values in doc["facets"].values():
        assert all(set(v) == {"value", "count"} and isinstance(v["count"], int) for v in values)
    item = doc["items"][0]
    assert isinstance(item["id"], str) and isinstance(item["downloads"], int) and isinstance(item["likes"], int)


def test_datasets_have_no_library_facet(home: str) -> None:
    doc = json.loads(run("--home", home, "search", "--kind", "datasets", "--json")[1])
    assert "library" not in doc["facets"]
    assert {"task", "license", "language", "author", "gated"} <= set(doc["facets"])


def test_search_options_mean_the_same_as_the_query_object(home: str) -> None:
    code, out, _ = run("--home", home, "search", "--kind", "models", "--text", "7B", "--task", "text-generation",
                       "--library", "transformers", "--license", "llama2", "--author", "meta-llama", "--tag", "en",
                       "--sort", "likes", "--limit", "1", "--offset", "0", "--json")  # fmt: skip
    assert code == 0
    expected = Catalog.open(home).search(SearchQuery(
        kind="models", text="7B", task="text-generation", library="transformers", license="llama2",
        author="meta-llama", tags=("en",), sort="likes", limit=1))  # fmt: skip
    doc = json.loads(out)
    assert doc["total"] == expected.total == 1
    assert [i["id"] for i in doc["items"]] == [r.id for r in expected.items] == ["meta-llama/Llama-2-7b"]
    offset = json.loads(run("--home", home, "search", "--sort", "downloads", "--limit", "2", "--offset", "1",
                            "--json")[1])  # fmt: skip
    assert [i["id"] for i in offset["items"]] == ["google-bert/bert-base-uncased", "meta-llama/Llama-2-7b"]


def test_search_prints_plain_text_without_json(home: str) -> None:
    code, out, _ = run("--home", home, "search", "--text", "qwen")
    assert code == 0
    assert out.startswith("1 model matching 'qwen', by downloads") and "Qwen/Qwen2-0.5B" in out


def test_bench_prints_percentiles(home: str, tmp_path: Path) -> None:
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"kind": "models", "text": "bert", "sort": "likes"}\n\n# a comment\n'
                       '{"kind": "datasets", "task": "question-answering"}\n{"kind": "models", "tag": "en"}\n',
                       encoding="utf-8")  # fmt: skip
    code, out, _ = run("--home", home, "bench", str(queries), "--repeat", "3", "--json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"p50_ms", "p95_ms", "queries", "runs"}
    assert (doc["queries"], doc["runs"]) == (3, 9)
    assert 0 < doc["p50_ms"] <= doc["p95_ms"]


def test_percentile_interpolates_like_numpy() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)
    assert percentile([7.0], 95) == 7.0


def test_stats_values_and_fulltext(home: str) -> None:
    code, out, _ = run("--home", home, "stats")
    assert code == 0 and "models: 16 (snapshot 2024-06-06)" in out and "datasets: 7" in out
    stats = json.loads(run("--home", home, "stats", "--json")[1])
    assert stats["kinds"]["models"]["count"] == 16 and stats["kinds"]["datasets"]["snapshot_date"] == "2024-07-23"
    values = json.loads(run("--home", home, "values", "--kind", "models", "--field", "library", "--json")[1])
    assert values["values"][0] == {"value": "transformers", "count": 8}
    found = json.loads(run("--home", home, "fulltext", "multi-step reasoning", "--json")[1])
    assert [i["id"] for i in found["items"]] == ["openai/gsm8k"]


@pytest.mark.parametrize(
    ("argv", "status", "fragment"),
    [
        (["frobnicate"], 2, "invalid choice"),
        (["search", "--sort", "popularity"], 2, "invalid choice"),
        (["search", "--kind", "papers"], 2, "invalid choice"),
        (["search", "--limit", "0"], 2, "limit must be between"),
        (["search", "--limit", "many"], 2, "invalid int value"),
        (["search", "--kind", "spaces", "--sort", "downloads"], 2, "cannot be sorted by"),
        (["search", "--kind", "datasets", "--library", "x"], 2, "Only models have a library"),
        (["search", "--created-from", "yesterday"], 2, "not a date"),
        (["load", "--kind", "models"], 2, "required"),
        (["load", "/no/such/file.jsonl", "--kind", "models"], 1, "No such file"),
        (["bench", "/no/such/queries.jsonl"], 2, "cannot read"),
        (["values", "--field", "colour"], 2, "invalid choice"),
        ([], 2, "required"),
    ],
)
def test_bad_arguments_get_one_line_and_a_non_zero_exit(home: str, argv: list[str], status: int,
                                                        fragment: str) -> None:  # fmt: skip
    code, out, err = run("--home", home, *argv)
    assert code == status
    assert err.startswith("error: ") and err.count("\n") == 1 and fragment in err
    assert "Traceback" not in err and out == ""


def test_bad_bench_lines_name_the_line(home: str, tmp_path: Path) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"kind": "models"}\n{"kind": "models", "colour": "red"}\n', encoding="utf-8")
    code, _, err = run("--home", home, "bench", str(queries))
    assert code == 2 and "q.jsonl line 2: unknown query key(s): colour" in err


def test_searching_an_empty_home_fails_cleanly(tmp_path: Path) -> None:
    code, _, err = run("--home", str(tmp_path), "search", "--text", "bert")
    assert code == 1 and err.startswith("error: The local catalog has no models") and err.count("\n") == 1


def test_the_module_runs_as_a_program(home: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([sys.executable, "-m", "lib.catalog", "--home", home, "search", "--text", "qwen", "--json"],
                        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False)  # fmt: skip
    assert ok.returncode == 0 and json.loads(ok.stdout)["total"] == 1
    bad = subprocess.run([sys.executable, "-m", "lib.catalog", "--home", home, "search", "--offset", "-3"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False)  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr


def test_bench_asks_a_dump_without_trending_scores_as_the_app_does(tmp_path: Path) -> None:
    """A dump without trending scores (the July-2024 snapshot) cannot sort by them: "trending" queries
    are timed by the sort the app would use instead, with a note, not refused."""
    lines = (FIXTURES / "models.jsonl").read_text(encoding="utf-8").splitlines()
    records = [{k: v for k, v in json.loads(line).items() if k not in ("trendingScore", "trending_score")}
               for line in lines if line.strip()]
    dump = tmp_path / "no-trending.jsonl"
    dump.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    home = str(tmp_path / "home")
    assert run("--home", home, "--quiet", "load", str(dump), "--kind", "models")[0] == 0
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"kind": "models", "text": "bert", "sort": "trending"}\n', encoding="utf-8")
    code, out, err = run("--home", home, "bench", str(queries), "--repeat", "2", "--json")
    assert code == 0, err
    assert json.loads(out)["runs"] == 2
    assert err.startswith("note: This catalog's models dump has no trending scores.")


def test_spaces_search_by_stage_and_what_they_use(tmp_path: Path) -> None:
    """The Spaces flags (--stage, --uses-model, --uses-dataset): matches and counts from the fixture items, and a
    value that is not a repo id refused in one line."""
    home = str(tmp_path)
    assert run("--home", home, "--quiet", "load", str(FIXTURES / "spaces.json"), "--kind", "spaces")[0] == 0
    items = json.loads((FIXTURES / "spaces.json").read_text(encoding="utf-8"))
    code, out, err = run("--home", home, "search", "--kind", "spaces", "--uses-model", "facebook/bart-large-cnn",
                         "--json")  # fmt: skip
    assert code == 0 and err == ""
    doc = json.loads(out)
    users = [s for s in items if "facebook/bart-large-cnn" in (s.get("models") or [])]
    assert doc["total"] == len(users) == 2
    assert {i["id"] for i in doc["items"]} == {s["id"] for s in users}
    assert {"stage", "uses_model", "uses_dataset", "sdk", "hardware"} <= set(doc["facets"])
    stages = {v["value"]: v["count"] for v in doc["facets"]["stage"]}
    assert stages == {(s.get("runtime") or {}).get("stage"): 1 for s in users}  # each user's own stage
    first = next(i for i in doc["items"] if i["id"] == users[0]["id"])
    assert first["models"] == users[0]["models"] and first["stage"] == users[0]["runtime"]["stage"]
    doc = json.loads(run("--home", home, "search", "--kind", "spaces", "--stage", "RUNTIME_ERROR",
                         "--uses-dataset", "HuggingFaceFW/fineweb", "--json")[1])  # fmt: skip
    assert [i["id"] for i in doc["items"]] == [s["id"] for s in items if (s.get("runtime") or {}).get("stage")
                                               == "RUNTIME_ERROR" and "HuggingFaceFW/fineweb" in s.get("datasets", [])]
    code, out, err = run("--home", home, "search", "--kind", "spaces", "--uses-model", "not a repo id")
    assert code == 2 and out == "" and "not a repo id (owner/name)" in err and "Traceback" not in err
    code, _, err = run("--home", home, "search", "--kind", "models", "--stage", "RUNNING")
    assert code == 2 and "Only Spaces have a runtime status." in err
