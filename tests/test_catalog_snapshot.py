"""The catalog over the real July-2024 Hub snapshot (760k models, 175k datasets) agrees with an independent pandas
computation, query by query: totals, the page in order, and the counts (fields and quality toggles; a filter that
is set counted over the matches without it).

Marked `snapshot`: it reads ``../shared/hub-snapshot/`` (skipped, with the reason, when that folder is absent) and
takes about a minute (loading both dumps is most of it). Deselect with ``-m "not snapshot"``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.json as pj
import pytest

from lib.catalog import Catalog
from lib.query import NONE_VALUE, SearchQuery

SNAPSHOT = Path(__file__).resolve().parent.parent.parent / "shared" / "hub-snapshot"
MODELS_FILE = SNAPSHOT / "models-2024-07-11.jsonl.gz"
DATASETS_FILE = SNAPSHOT / "datasets-2024-07-09.jsonl.gz"

pytestmark = [
    pytest.mark.snapshot,
    pytest.mark.skipif(
        not (MODELS_FILE.exists() and DATASETS_FILE.exists()),
        reason=f"the real Hub snapshot is not at {SNAPSHOT} (it lives beside the project, not in it)",
    ),
]

FACET_LIMIT = 20


@pytest.fixture(scope="module")
def catalog(snapshot_catalog: Catalog) -> Catalog:
    return snapshot_catalog  # loaded once per session (tests/conftest.py), shared with the Insights tests


def _read(path: Path, fields: list[tuple[str, pa.DataType]]) -> pd.DataFrame:
    """The dump read by pyarrow's JSON reader (not DuckDB, which the catalog uses), as pandas."""
    options = pj.ParseOptions(explicit_schema=pa.schema(fields), unexpected_field_behavior="ignore")
    frame = pj.read_json(path, parse_options=options).to_pandas()
    frame["author"] = frame["id"].map(lambda i: i.split("/", 1)[0] if "/" in i else None)
    frame["id_folded"] = frame["id"].map(str.casefold)
    frame["tags"] = frame["tags"].map(lambda t: list(dict.fromkeys(t)) if t is not None else [])
    frame["license"] = frame["tags"].map(lambda t: list(dict.fromkeys(x[8:] for x in t if x.startswith("license:")
                                                                       and len(x) > 8)))  # fmt: skip
    return frame


@pytest.fixture(scope="module")
def models() -> pd.DataFrame:
    frame = _read(MODELS_FILE, [("id", pa.string()), ("downloads", pa.int64()), ("likes", pa.int64()),
                                ("tags", pa.list_(pa.string())), ("pipeline_tag", pa.string()),
                                ("library_name", pa.string()), ("createdAt", pa.string()),
                                # fields the list dump may lack, to measure what a catalog of it can answer
                                ("trendingScore", pa.float64()), ("lastModified", pa.string()), ("gated", pa.string()),
                                ("safetensors", pa.struct([("total", pa.int64())])),
                                ("cardData", pa.struct([("license", pa.string())]))])  # fmt: skip
    frame["task"] = frame["pipeline_tag"].map(lambda v: [v] if isinstance(v, str) and v else [])
    frame["params"] = frame["safetensors"].map(lambda s: s.get("total") if isinstance(s, dict) else None)
    frame["library"] = frame["library_name"].map(lambda v: [v] if isinstance(v, str) and v else [])
    return frame


@pytest.fixture(scope="module")
def datasets() -> pd.DataFrame:
    frame = _read(DATASETS_FILE, [("id", pa.string()), ("downloads", pa.int64()), ("likes", pa.int64()),
                                  ("tags", pa.list_(pa.string())), ("createdAt", pa.string()),
                                  ("lastModified", pa.string())])  # fmt: skip
    frame["task"] = frame["tags"].map(lambda t: list(dict.fromkeys(x[16:] for x in t
                                                                    if x.startswith("task_categories:"))))  # fmt: skip
    return frame


def _has(frame: pd.DataFrame, column: str, value: str) -> pd.Series:
    return frame[column].map(lambda values: value in values)


def _matches(frame: pd.DataFrame, q: SearchQuery) -> pd.Series:
    keep = pd.Series(True, index=frame.index)
    if q.text:
        keep &= frame["id_folded"].str.contains(q.text.casefold(), regex=False)
    for column, value in (("task", q.task), ("library", q.library), ("license", q.license)):
        if value:
            keep &= _has(frame, column, value)
    if q.author:
        keep &= frame["author"] == q.author
    for tag in q.tags:
        keep &= _has(frame, "tags", tag)
    if q.created_from:
        keep &= frame["createdAt"].str.slice(0, 10) >= q.created_from.isoformat()
    return keep.fillna(False)


#: The quality toggles a models dump of this snapshot can answer, and how pandas reads each from the dump.
TOGGLES = {
    "has_license": lambda f: f["license"].map(bool),
    "safetensors_only": lambda f: f["tags"].map(lambda t: "safetensors" in t) | f["params"].notna(),
    "originals_only": lambda f: ~f["tags"].map(lambda t: any(x.startswith("base_model:") for x in t)),
}


def pandas_search(frame: pd.DataFrame, q: SearchQuery, facet_names: tuple[str, ...]) -> tuple[int, list[str],
                                                                                               dict[str, Any]]:
    """The same query, the plain pandas way. A filter that is set is counted over the matches without it (what
    choosing another of its values gives)."""
    found = frame[_matches(frame, q)]
    column = {"downloads": "downloads", "likes": "likes", "created": "createdAt", "updated": "lastModified"}[q.sort]
    ordered = found.sort_values([column, "id"], ascending=[False, True], na_position="last", kind="stable")
    page = ordered["id"].iloc[q.offset : q.offset + q.limit].tolist()
    facets = {}
    for name in facet_names:
        if name in TOGGLES:
            count = int(TOGGLES[name](found).sum())
            facets[name] = ([("yes", count)] if count else [], False)
            continue
        pool = frame[_matches(frame, q.replace(**{name: None}))] if getattr(q, name, None) else found
        values = pool["author"].map(lambda a: [a] if a else []) if name == "author" else pool[name]
        exploded = values.map(lambda v: v if v else [NONE_VALUE]).explode()
        counts = exploded.value_counts()
        pairs = sorted(((str(v), int(c)) for v, c in counts.items()), key=lambda p: (-p[1], p[0]))
        limit = max(FACET_LIMIT, 60) if name == "task" else FACET_LIMIT  # every task id is counted
        facets[name] = (pairs[:limit], len(pairs) > limit)
    return len(found), page, facets


MODEL_QUERIES = [
    SearchQuery(kind="models", sort="downloads"),
    SearchQuery(kind="models", text="bert", sort="downloads"),
    SearchQuery(kind="models", text="llama", sort="likes"),
    SearchQuery(kind="models", text="Mistral-7B-Instruct", sort="downloads"),
    SearchQuery(kind="models", text="gguf", sort="likes", offset=100),
    SearchQuery(kind="models", text="t5", sort="downloads"),
    SearchQuery(kind="models", text="l", sort="likes"),
    SearchQuery(kind="models", text="-v0.", sort="created"),
    SearchQuery(kind="models", task="text-generation", sort="downloads"),
    SearchQuery(kind="models", library="transformers", sort="likes"),
    SearchQuery(kind="models", license="apache-2.0", sort="downloads"),
    SearchQuery(kind="models", author="TheBloke", sort="likes"),
    SearchQuery(kind="models", tags=("gguf",), sort="downloads"),
    SearchQuery(kind="models", text="whisper", task="automatic-speech-recognition", sort="likes"),
    SearchQuery(kind="models", text="lora", library="diffusers", license="openrail++", sort="likes"),
    SearchQuery(kind="models", text="roberta-base", task="text-classification", library="transformers",
                license="mit", sort="downloads"),
    SearchQuery(kind="models", text="sentence", created_from=date(2024, 1, 1), sort="created"),
    SearchQuery(kind="models", text="zzzz-no-such-model", sort="likes"),
]
DATASET_QUERIES = [
    SearchQuery(kind="datasets", sort="downloads"),
    SearchQuery(kind="datasets", text="mmlu", sort="likes"),
    SearchQuery(kind="datasets", task="question-answering", sort="downloads"),
    SearchQuery(kind="datasets", task="text-generation", license="mit", sort="updated"),
    SearchQuery(kind="datasets", text="wiki", license="cc-by-sa-4.0", sort="likes"),
    SearchQuery(kind="datasets", author="allenai", sort="created"),
]


def _catalog_answer(catalog: Catalog, q: SearchQuery, names: tuple[str, ...]) -> tuple[int, list[str], dict[str, Any]]:
    """The catalog's answer, with the counts pandas computes here (languages are checked on the fixtures)."""
    result = catalog.search(q, facet_limit=FACET_LIMIT)
    assert set(names) <= set(result.facets), sorted(result.facets)
    facets = {n: ([(v.value, v.count) for v in f.values], f.truncated) for n, f in result.facets.items() if n in names}
    return result.total or 0, [r.id for r in result.items], facets


def test_the_snapshot_loads_with_its_dates(catalog: Catalog) -> None:
    stats = catalog.stats().kinds
    assert (stats["models"].count, stats["datasets"].count) == (760_000, 175_000)
    assert (stats["models"].snapshot_date, stats["datasets"].snapshot_date) == (date(2024, 7, 11), date(2024, 7, 9))
    assert stats["datasets"].fulltext_docs == 175_000  # every repo: its id words at least


@pytest.mark.parametrize("q", MODEL_QUERIES, ids=lambda q: q.describe())
def test_models_agree_with_pandas(catalog: Catalog, models: pd.DataFrame, q: SearchQuery) -> None:
    names = ("task", "library", "license", "author", *TOGGLES)
    assert _catalog_answer(catalog, q, names) == pandas_search(models, q, names)


@pytest.mark.parametrize("q", DATASET_QUERIES, ids=lambda q: q.describe())
def test_datasets_agree_with_pandas(catalog: Catalog, datasets: pd.DataFrame, q: SearchQuery) -> None:
    names = ("task", "license", "author")
    assert _catalog_answer(catalog, q, names) == pandas_search(datasets, q, names)


def test_fulltext_over_real_descriptions(catalog: Catalog, datasets: pd.DataFrame) -> None:
    result = catalog.fulltext("multiple choice questions", SearchQuery(kind="datasets", limit=10))
    assert result.total and result.total > 10
    assert any("mmlu" in r.id.lower() or "multiple" in (r.description or "").lower() for r in result.items)


def test_models_page_on_the_real_snapshot(catalog: Catalog, hub, monkeypatch) -> None:
    """The browse page over 760k real models: totals, facet counts in the filters, a filter, a chip."""
    from streamlit.testing.v1 import AppTest

    from lib.task_ids import task_label

    monkeypatch.setenv("HUB_EXPLORER_HOME", str(catalog.root.parent))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "pages" / "models.py"), default_timeout=60)
    at.session_state["source:choice"] = "catalog"
    at.query_params["q"] = "bert"
    at.query_params["sort"] = "downloads"
    at.run()
    assert not at.exception
    truth = catalog.search(SearchQuery(kind="models", text="bert", sort="downloads"))
    caption = "\n".join(c.value for c in at.main.caption)
    assert f"{truth.total:,} models matching 'bert'" in caption
    top = next(v for v in truth.facets["task"].values if v.value != "(none)")
    assert f"{task_label(top.value)} ({top.count:,})" in at.selectbox(key="models:task").options
    libraries = at.selectbox(key="models:library").options
    assert any(o.startswith("transformers (") for o in libraries), libraries[:5]
    at.selectbox(key="models:library").set_value("transformers").run()
    filtered = catalog.search(SearchQuery(kind="models", text="bert", library="transformers", sort="downloads"))
    assert f"{filtered.total:,} models matching 'bert' where library = transformers" in "\n".join(
        c.value for c in at.main.caption)
    assert [u.split("/", 3)[-1] for u in at.dataframe[0].value["url"]] == [r.id for r in filtered.items[:25]]


# --- what a catalog of this dump can answer (capabilities follow the data) ------------------------------------------
def test_capabilities_follow_the_fields_the_dump_holds(catalog: Catalog, models: pd.DataFrame) -> None:
    from lib.query import SORT_DATA, SORTS_BY_KIND
    from lib.sources import MIN_SHARE

    held = {  # the share of rows with a value, read from the dump by pyarrow
        "trending": models["trendingScore"].notna().mean(), "updated": models["lastModified"].notna().mean(),
        "params": models["safetensors"].map(lambda s: isinstance(s, dict) and s.get("total") is not None).mean(),
        "gated": models["gated"].notna().mean(), "has_card": models["cardData"].notna().mean(),
        "downloads": models["downloads"].notna().mean(), "likes": models["likes"].notna().mean(),
        "created": models["createdAt"].notna().mean(),
    }  # fmt: skip
    assert held["trending"] == held["updated"] == held["params"] == held["gated"] == held["has_card"] == 0
    caps = catalog.capabilities("models")
    for name, share in held.items():
        assert caps.coverage[name] == pytest.approx(share), name
    expected_sorts = tuple(s for s in SORTS_BY_KIND["models"] if held[SORT_DATA[s]] >= MIN_SHARE)
    assert caps.sorts == expected_sorts == ("downloads", "likes", "created")
    assert caps.default_sort == "downloads"
    assert not {"params", "updated", "gated", "has_card"} & caps.filters
    assert {"task", "library", "license", "language", "downloads", "likes", "created"} <= caps.filters
    assert caps.why_not_sort("trending") == "This catalog's models dump has no trending scores."
    assert caps.why_not("params") == "This catalog's models dump has no parameter counts."


def _top_by_downloads(frame: pd.DataFrame, text: str, n: int) -> list[str]:
    found = frame[frame["id_folded"].str.contains(text.casefold(), regex=False)]
    ordered = found.sort_values(["downloads", "id"], ascending=[False, True], na_position="last", kind="stable")
    return ordered["id"].head(n).tolist()


def test_the_home_page_over_the_snapshot_ranks_by_a_sort_it_has(catalog: Catalog, models: pd.DataFrame, hub,
                                                                monkeypatch) -> None:  # fmt: skip
    """Trending is the home page's sort; this dump has no trending scores, so the catalog ranks by downloads and
    says so (it used to list llama models in id order, "by trending")."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HUB_EXPLORER_HOME", str(catalog.root.parent))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "streamlit_app.py"), default_timeout=60)
    at.query_params["q"] = "llama"
    at.query_params["source"] = "catalog"
    at.run()
    assert not at.exception
    labels = [link.proto.label.replace("\\", "") for link in at.get("page_link")]
    expected = _top_by_downloads(models, "llama", 5)
    assert labels[:5] == expected and labels[0] != "003myjoker1/llama-2-7b-joker"
    captions = [c.value.replace("\\", "") for c in at.main.caption]
    assert any(c.endswith("found · by downloads") for c in captions), captions
    assert any("This catalog's models dump has no trending scores. Sorted by downloads instead." in c
               for c in captions)  # fmt: skip


def test_the_models_page_offers_only_what_the_snapshot_holds(catalog: Catalog, hub, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HUB_EXPLORER_HOME", str(catalog.root.parent))
    page = str(Path(__file__).resolve().parent.parent / "pages" / "models.py")
    at = AppTest.from_file(page, default_timeout=60)
    at.query_params["source"] = "catalog"
    at.run()
    assert not at.exception and not at.error
    sort = at.selectbox(key="models:sort")
    assert sort.options == ["Most downloads", "Most likes", "Recently created"] and sort.value == "downloads"
    assert "Trending: This catalog's models dump has no trending scores." in sort.help
    order = list(at.dataframe[0].proto.column_order)
    assert "downloads" in order and "params" not in order, "no Params column of dashes"
    updated = at.sidebar.date_input(key="models:updated")
    assert updated.disabled and updated.help == "This catalog's models dump has no update dates."
    for key, words in (("models:has_card", "card information"), ("models:gated", "gated flags")):
        widget = at.sidebar.toggle(key=key) if key.endswith("card") else at.sidebar.button_group(key=key)
        assert widget.disabled and widget.help == f"This catalog's models dump has no {words}.", key
    # a link asking for what the dump lacks is told why, not answered "0 results: remove a filter"
    at = AppTest.from_file(page, default_timeout=60)
    at.query_params["source"] = "catalog"
    at.query_params["params"] = "7-13B"
    at.run()
    assert not at.exception
    assert any("This catalog's models dump has no parameter counts." in e.value.replace("\\", "") for e in at.error)
    assert not any("remove a filter" in i.value for i in at.info)
