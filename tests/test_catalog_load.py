"""Loading dumps into the catalog: every input format, upserts, snapshot dates, progress, bad files, reopening."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from lib.catalog import Catalog, DumpError, Progress
from lib.errors import InvalidQueryError
from lib.query import SearchQuery

FIXTURES = Path(__file__).parent / "fixtures" / "catalog"

#: Queries whose answers must not depend on the format a dump came in.
PROBES = [
    SearchQuery(kind="models", sort="downloads"),
    SearchQuery(kind="models", sort="updated", text="a"),
    SearchQuery(kind="models", sort="trending", task="text-generation"),
    SearchQuery(kind="models", sort="created", license="apache-2.0"),
    SearchQuery(kind="models", sort="likes", gated=True),
    SearchQuery(kind="models", sort="likes", params_min=1),
    SearchQuery(kind="models", sort="likes", created_from=date(2023, 6, 1), updated_to=date(2024, 6, 30)),
]


def _answers(catalog: Catalog, probes: list[SearchQuery]) -> list[tuple]:
    out = []
    for q in probes:
        r = catalog.search(q)
        # "has a card" is the one count left out: the Parquet fixtures carry other card information than the
        # JSON ones (the models' Parquet has none, the datasets' has card text), so it differs by design.
        facets = {n: [(v.value, v.count) for v in f.values] for n, f in r.facets.items() if n != "has_card"}
        out.append((r.total, [(i.id, i.downloads, i.likes, i.created_at, i.gated) for i in r.items], facets))
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    catalog = Catalog.open(tmp_path_factory.mktemp("ref"))
    catalog.load([FIXTURES / "models.jsonl"], kind="models")
    return _answers(catalog, PROBES)


@pytest.mark.parametrize(
    "name", ["models-2024-07-11.jsonl.gz", "models-page.json", "models-pages.json", "models.parquet"]
)
def test_every_format_gives_the_same_catalog(tmp_path: Path, reference: list[tuple], name: str) -> None:
    catalog = Catalog.open(tmp_path)
    report = catalog.load([FIXTURES / name], kind="models")
    assert (report.read, report.written, report.count) == (16, 16, 16)
    assert _answers(catalog, PROBES) == reference


def test_snake_case_parquet_with_card_text(tmp_path: Path) -> None:
    from_json, from_parquet = Catalog.open(tmp_path / "a"), Catalog.open(tmp_path / "b")
    from_json.load([FIXTURES / "datasets.jsonl"], kind="datasets")
    from_parquet.load([FIXTURES / "datasets-hubstats.parquet"], kind="datasets")
    probes = [SearchQuery(kind="datasets", sort=s) for s in ("downloads", "created", "updated")] + [
        SearchQuery(kind="datasets", sort="likes", gated=True, license="llama3.1")]  # fmt: skip
    assert _answers(from_parquet, probes) == _answers(from_json, probes)
    assert [r.id for r in from_parquet.fulltext("arithmetic").items] == ["openai/gsm8k"]  # from the card text
    assert from_json.fulltext("arithmetic").total == 0


def test_snapshot_date_from_the_name_the_option_or_the_data(tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    assert catalog.load([FIXTURES / "models-2024-07-11.jsonl.gz"], kind="models").snapshot_date == date(2024, 7, 11)
    assert catalog.stats().kinds["models"].snapshot_date == date(2024, 7, 11)
    report = catalog.load([FIXTURES / "models.jsonl"], kind="models", snapshot_date=date(2024, 1, 2))
    assert report.snapshot_date == date(2024, 1, 2) and report.replaced == 16
    assert catalog.load([FIXTURES / "spaces.json"], kind="spaces").snapshot_date == date(2024, 5, 1)


def test_upsert_by_id_and_remember_the_source(tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    catalog.load([FIXTURES / "models.jsonl"], kind="models")
    report = catalog.load([FIXTURES / "models-update.jsonl"], kind="models")
    assert (report.read, report.written, report.replaced, report.skipped, report.count) == (5, 3, 2, 2, 17)
    bert = catalog.search(SearchQuery(kind="models", text="bert-base-cased")).items[0]
    assert (bert.downloads, bert.licenses) == (5000, ("apache-2.0",))
    fresh = catalog.search(SearchQuery(kind="models", text="fresh")).items
    assert [(r.id, r.tags) for r in fresh] == [("new-org/fresh-model", ("fresher",))]  # the later duplicate
    assert catalog.search(SearchQuery(kind="models", tags=("now-tagged",))).total == 1
    assert catalog.search(SearchQuery(kind="models", tags=("orphan",))).total == 0  # it had no id
    assert catalog.stats().kinds["models"].source.endswith("models-update.jsonl")  # type: ignore[union-attr]


def test_several_files_at_once(tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    report = catalog.load([FIXTURES / "models.jsonl", FIXTURES / "models-update.jsonl"], kind="models")
    assert (report.written, report.replaced, report.count) == (19, 2, 17)
    assert "models.jsonl" in report.files[0]


def test_progress_is_reported(tmp_path: Path) -> None:
    seen: list[Progress] = []
    Catalog.open(tmp_path).load([FIXTURES / "models.jsonl"], kind="models", progress=seen.append)
    phases = [p.phase for p in seen]
    assert phases[0] == "read" and phases[-1] == "done"
    assert {"merge", "index"} <= set(phases)
    assert all(p.kind == "models" and p.message for p in seen)
    assert all(p.fraction is None or 0.0 <= p.fraction <= 1.0 for p in seen)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"", "empty.jsonl"),
        (b"hello world\n", "text.jsonl"),
        (b'{"id": "a/b"}\n{"id": \n', "broken.jsonl"),
        (b"[1, 2, 3]", "numbers.json"),
        (b"PAR1 not really parquet", "fake.parquet"),
    ],
)
def test_bad_files_are_refused_and_the_catalog_stays_as_it_was(tmp_path: Path, content: bytes, name: str) -> None:
    catalog = Catalog.open(tmp_path / "home")
    catalog.load([FIXTURES / "spaces.json"], kind="spaces")
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(DumpError):
        catalog.load([bad], kind="spaces")
    assert catalog.search(SearchQuery(kind="spaces", sort="likes")).total == 4


def test_gzip_of_a_json_array(tmp_path: Path) -> None:
    path = tmp_path / "spaces.json.gz"
    path.write_bytes(gzip.compress((FIXTURES / "spaces.json").read_bytes()))
    assert Catalog.open(tmp_path).load([path], kind="spaces").count == 4


def test_missing_file_and_unknown_kind(tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    with pytest.raises(DumpError, match="No such file"):
        catalog.load([tmp_path / "nope.jsonl"], kind="models")
    with pytest.raises(InvalidQueryError):
        catalog.load([FIXTURES / "models.jsonl"], kind="papers")  # type: ignore[arg-type]
    assert not catalog.exists


def test_reopen_and_notice_a_new_generation(tmp_path: Path) -> None:
    writer = Catalog.open(tmp_path)
    writer.load([FIXTURES / "models.jsonl"], kind="models")
    reader = Catalog.open(tmp_path)
    assert reader.exists and reader.kinds() == ("models",)
    assert reader.search(SearchQuery(kind="models")).total == 16
    writer.load([FIXTURES / "models-update.jsonl"], kind="models")
    assert reader.search(SearchQuery(kind="models")).total == 17  # the open reader switched generations
    writer.load([FIXTURES / "models-update.jsonl"], kind="models")
    generations = [p for p in (tmp_path / "catalog" / "index" / "models").iterdir() if p.is_dir()]
    assert len(generations) == 2  # the live one and the one before; older ones are removed


def test_spaces_runtime_and_lists_in_every_shape_a_dump_may_have(tmp_path: Path) -> None:
    """The staging columns absorb the API's shapes: a runtime object, null or text; a list of repo ids, one id as a
    string, an empty list or nulls inside; repeats counted once. The same Spaces from JSON Lines and from Parquet
    (struct runtime, list columns) give the same answers."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    items = [
        {"id": "a/full", "runtime": {"stage": "RUNNING", "hardware": {"current": "t4-small"}},
         "models": ["m/one", "m/two", "m/one"], "datasets": ["d/one"], "likes": 3},
        {"id": "a/one-string", "runtime": {"stage": "SLEEPING", "hardware": None}, "models": "m/one", "likes": 2},
        {"id": "a/nulls", "runtime": None, "models": [None, "m/two"], "datasets": [], "likes": 1},
        {"id": "a/text-runtime", "runtime": "RUNNING", "likes": 0},
    ]  # fmt: skip
    jsonl = tmp_path / "spaces.jsonl"
    jsonl.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")

    def answers(cat: Catalog) -> list:
        out = []
        for q in (SearchQuery(kind="spaces", sort="likes", uses_model="m/one"),
                  SearchQuery(kind="spaces", sort="likes", uses_model="m/two"),
                  SearchQuery(kind="spaces", sort="likes", uses_dataset="d/one"),
                  SearchQuery(kind="spaces", sort="likes", stage="RUNNING"),
                  SearchQuery(kind="spaces", sort="likes", stage="SLEEPING")):  # fmt: skip
            r = cat.search(q)
            out.append(([i.id for i in r.items], {n: [(v.value, v.count) for v in r.facets[n].values]
                                                  for n in ("stage", "uses_model", "uses_dataset")}))  # fmt: skip
        return out

    from_json = Catalog.open(tmp_path / "json")
    from_json.load([jsonl], kind="spaces")
    got = answers(from_json)
    assert [ids for ids, _ in got] == [["a/full", "a/one-string"], ["a/full", "a/nulls"], ["a/full"], ["a/full"],
                                       ["a/one-string"]]  # fmt: skip
    everything = from_json.search(SearchQuery(kind="spaces", sort="likes")).facets
    assert [(v.value, v.count) for v in everything["uses_model"].values] == [("m/one", 2), ("m/two", 2),
                                                                            ("(none)", 1)]  # fmt: skip
    assert [(v.value, v.count) for v in everything["stage"].values] == [("(none)", 2), ("RUNNING", 1),
                                                                       ("SLEEPING", 1)]  # fmt: skip

    parquet = tmp_path / "spaces.parquet"
    runtime = pa.struct([("stage", pa.string()), ("hardware", pa.struct([("current", pa.string())]))])
    table = pa.table({
        "id": [i["id"] for i in items[:3]],
        "runtime": pa.array([items[0]["runtime"], {"stage": "SLEEPING", "hardware": None}, None], runtime),
        "models": pa.array([items[0]["models"], ["m/one"], [None, "m/two"]], pa.list_(pa.string())),
        "datasets": pa.array([["d/one"], None, []], pa.list_(pa.string())),
        "likes": [3, 2, 1],
    })  # fmt: skip
    pq.write_table(table, parquet)
    from_parquet = Catalog.open(tmp_path / "parquet")
    from_parquet.load([parquet], kind="spaces")
    assert answers(from_parquet) == answers(_without_text_runtime(tmp_path, items))


def _without_text_runtime(tmp_path: Path, items: list[dict]) -> Catalog:
    """The JSON catalog without the one item a typed Parquet column cannot hold (a runtime given as text)."""
    import json

    path = tmp_path / "three.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in items[:3]), encoding="utf-8")
    three = Catalog.open(tmp_path / "three")
    three.load([path], kind="spaces")
    return three
