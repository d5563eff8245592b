"""Hub-wide insights (`lib.insights`) agree with an independent pandas computation over the raw source files: the
fake Hub's fixtures always, and the real July-2024 snapshot when it is beside the project (one module-scoped
catalog built from it; skipped with the reason when the folder is absent)."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pj
import pytest

from lib import insights
from lib.catalog import Catalog
from lib.charts import OTHER
from lib.query import NONE_VALUE

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hub"
SNAPSHOT = Path(__file__).resolve().parent.parent.parent / "shared" / "hub-snapshot"
MODELS_FILE = SNAPSHOT / "models-2024-07-11.jsonl.gz"
DATASETS_FILE = SNAPSHOT / "datasets-2024-07-09.jsonl.gz"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):
    cat = Catalog.open(tmp_path_factory.mktemp("insights-home"))
    cat.load([FIXTURES / "models.json"], kind="models")
    return cat.index("models")


@pytest.fixture(scope="module")
def models() -> pd.DataFrame:
    frame = pd.DataFrame(json.loads((FIXTURES / "models.json").read_text(encoding="utf-8")))
    frame["downloads"] = frame["downloads"].fillna(0).astype("int64")
    frame["owner"] = [i.split("/", 1)[0] if "/" in i else a for i, a in zip(frame["id"], frame["author"], strict=True)]
    return frame


def test_concentration(index, models: pd.DataFrame) -> None:
    got = insights.concentration(index)
    ordered = models["downloads"].sort_values(ascending=False).to_numpy()
    for share, row in zip(insights.TOP_SHARES, got.itertuples(), strict=True):
        k = max(1, math.ceil(share * len(models)))
        assert row.repos == k
        assert row.downloads_share == pytest.approx(ordered[:k].sum() / ordered.sum())
    assert got["downloads_share"].is_monotonic_increasing
    assert 0 < got["downloads_share"].iloc[0] < 1


def test_lorenz(index, models: pd.DataFrame) -> None:
    curve = insights.lorenz(index)
    assert curve["downloads_share"].iloc[0] == 0 and curve["downloads_share"].iloc[-1] == pytest.approx(1)
    assert curve["downloads_share"].is_monotonic_increasing
    assert (curve["downloads_share"] <= curve["repos_share"] + 1e-12).all()  # below the diagonal
    ascending = np.sort(models["downloads"].to_numpy())
    half = round(0.5 * len(ascending))
    at_half = curve.loc[curve["repos_share"].sub(0.5).abs().idxmin(), "downloads_share"]
    assert at_half == pytest.approx(ascending[:half].sum() / ascending.sum())


@pytest.mark.parametrize("by", ["repos", "downloads"])
def test_top_authors(index, models: pd.DataFrame, by: str) -> None:
    grouped = models.groupby("owner").agg(repos=("id", "size"), downloads=("downloads", "sum")).reset_index()
    grouped = grouped.sort_values([by, "owner"], ascending=[False, True]).head(5)
    got = insights.top_authors(index, by=by, limit=5)
    assert got["author"].tolist() == grouped["owner"].tolist()
    assert got["repos"].tolist() == grouped["repos"].tolist()
    assert got["downloads"].tolist() == grouped["downloads"].tolist()
    with pytest.raises(ValueError, match="repos or downloads"):
        insights.top_authors(index, by="likes")


# --- the page's other figures, on the fixtures ------------------------------------------------------------------
@pytest.fixture(scope="module")
def fixture_catalog(catalog_home: Path) -> Catalog:
    return Catalog.open(catalog_home)


def _raw(kind: str) -> pd.DataFrame:
    frame = pd.DataFrame(json.loads((FIXTURES / f"{kind}.json").read_text(encoding="utf-8")))
    frame["tags"] = frame["tags"].map(lambda t: list(dict.fromkeys(t)) if isinstance(t, list) else [])
    return frame


def _licenses(row: pd.Series) -> list[str]:
    """Every `license:` tag and the card's `license` (a string or a list), once each."""
    found = [t[8:] for t in row["tags"] if t.startswith("license:") and len(t) > 8]
    card = row.get("cardData")
    value = card.get("license") if isinstance(card, dict) else None
    found += [value] if isinstance(value, str) else [v for v in value or [] if isinstance(v, str)]
    return list(dict.fromkeys(v for v in found if v))


def _expected_by_month(frame: pd.DataFrame, values: pd.Series, top: int) -> dict[tuple[str, str], int]:
    """(YYYY-MM, series) -> repos: the `top` most common values by repo count (ties by value), other, (none)."""
    exploded = pd.DataFrame({"month": pd.to_datetime(frame["createdAt"], utc=True).dt.strftime("%Y-%m"),
                             "value": values}).explode("value")  # fmt: skip
    ranked = exploded["value"].dropna().value_counts()
    ranked = sorted(ranked.items(), key=lambda p: (-p[1], p[0]))[:top]
    chosen = {v for v, _ in ranked}
    exploded["series"] = exploded["value"].map(lambda v: NONE_VALUE if pd.isna(v) else v if v in chosen else OTHER)
    return exploded.groupby(["month", "series"]).size().to_dict()


def _got_by_month(frame: pd.DataFrame, field: str) -> dict[tuple[str, str], int]:
    return {(m.strftime("%Y-%m"), s): int(c) for m, s, c in zip(frame["month"], frame[field], frame["count"],
                                                                 strict=True)}  # fmt: skip


def test_created_by_task_and_library_for_models(fixture_catalog: Catalog) -> None:
    raw = _raw("models")
    index = fixture_catalog.index("models")
    for field, column in (("task", "pipeline_tag"), ("library", "library_name")):
        values = raw[column].map(lambda v: [v] if isinstance(v, str) and v else [None])
        got = insights.created_by(index, field, series=4)
        assert _got_by_month(got, field) == _expected_by_month(raw, values, 4)
        assert set(got[field]) - {OTHER, NONE_VALUE}  # some named series
    monthly = insights.created_monthly(index)
    expected = pd.to_datetime(raw["createdAt"], utc=True).dt.strftime("%Y-%m").value_counts().to_dict()
    assert dict(zip(monthly["month"].dt.strftime("%Y-%m"), monthly["count"], strict=True)) == expected


def test_created_by_task_for_datasets_counts_each_task(fixture_catalog: Catalog) -> None:
    raw = _raw("datasets")
    values = raw["tags"].map(lambda t: [x[16:] for x in t if x.startswith("task_categories:")] or [None])
    assert values.map(len).max() > 1  # a dataset with several tasks is in the fixtures
    got = insights.created_by(fixture_catalog.index("datasets"), "task", series=3)
    assert _got_by_month(got, "task") == _expected_by_month(raw, values, 3)


def test_license_mix(fixture_catalog: Catalog) -> None:
    for kind in ("models", "datasets", "spaces"):
        raw = _raw(kind)
        licenses = raw.apply(_licenses, axis=1)
        counts = licenses.explode().dropna().value_counts()
        ranked = sorted(counts.items(), key=lambda p: (-p[1], p[0]))
        none = int((licenses.map(len) == 0).sum())
        got = insights.value_mix(fixture_catalog.index(kind), "license", top=5)
        pairs = sorted(ranked + ([(NONE_VALUE, none)] if none else []), key=lambda p: (-p[1], p[0]))
        shown = pairs[:5]
        rest = sum(c for _, c in pairs) - sum(c for _, c in shown)
        assert list(zip(got["license"], got["count"], strict=True)) == shown + ([(OTHER, rest)] if rest else [])


def test_size_categories_small_to_large(fixture_catalog: Catalog) -> None:
    raw = _raw("datasets")
    sizes = raw["tags"].map(lambda t: [x[16:] for x in t if x.startswith("size_categories:")])
    got = insights.size_categories(fixture_catalog.index("datasets"))
    expected = sizes.explode().dropna().value_counts().to_dict()
    none = int((sizes.map(len) == 0).sum())
    if none:
        expected[NONE_VALUE] = none
    assert dict(zip(got["size_category"], got["count"], strict=True)) == expected
    order = got["size_category"].tolist()
    ladder = ["n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M", "100M<n<1B", "1B<n<10B",
              "10B<n<100B", "100B<n<1T", "n>1T"]  # fmt: skip
    known = [c for c in order if c in ladder]
    assert known == [c for c in ladder if c in known]  # small to large, not alphabetical
    assert order.index("unknown") > order.index(known[-1])  # unorderable after every size
    assert order[-1] == NONE_VALUE or NONE_VALUE not in order


def test_space_sdks(fixture_catalog: Catalog) -> None:
    raw = _raw("spaces")
    got = insights.value_mix(fixture_catalog.index("spaces"), "sdk")
    expected = raw["sdk"].fillna(NONE_VALUE).value_counts().to_dict()
    assert dict(zip(got["sdk"], got["count"], strict=True)) == expected
    assert got["count"].is_monotonic_decreasing


def test_space_hardware_status_and_what_they_use(fixture_catalog: Catalog) -> None:
    raw = _raw("spaces")
    index = fixture_catalog.index("spaces")
    runtime = raw["runtime"].map(lambda r: r if isinstance(r, dict) else {})
    stages = runtime.map(lambda r: r.get("stage") or NONE_VALUE).value_counts().to_dict()
    got = insights.stage_mix(index)
    assert dict(zip(got["status"], got["count"], strict=True)) == {
        (k if k == NONE_VALUE else k.replace("_", " ").capitalize()): v for k, v in stages.items()}
    assert got["count"].is_monotonic_decreasing
    hardware = runtime.map(lambda r: (r.get("hardware") or {}).get("current") or (r.get("hardware") or {}).get(
        "requested") or NONE_VALUE).value_counts().to_dict()  # fmt: skip
    got = insights.value_mix(index, "hardware")
    assert dict(zip(got["hardware"], got["count"], strict=True)) == hardware
    for column, field in (("models", "uses_model"), ("datasets", "uses_dataset")):
        named = raw[column].map(lambda v: list(dict.fromkeys(v)) if isinstance(v, list) else []).explode().dropna()
        expected = sorted(named.value_counts().items(), key=lambda p: (-p[1], p[0]))[:3]
        got = insights.most_used(index, field, limit=3)
        assert list(zip(got["repo"], got["spaces"], strict=True)) == expected
    for by, column in (("likes", "likes"), ("trending", "trendingScore")):
        got = insights.top_spaces(index, by=by, k=4)
        best = raw.dropna(subset=[column]).sort_values([column, "id"], ascending=[False, True]).head(4)
        assert got["id"].tolist() == best["id"].tolist() and got["rank"].tolist() == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="likes or trending"):
        insights.top_spaces(index, by="downloads")


@pytest.mark.parametrize(("kind", "task_of"), [
    ("models", lambda r: [r["pipeline_tag"]] if isinstance(r["pipeline_tag"], str) else []),
    ("datasets", lambda r: [t[16:] for t in r["tags"] if t.startswith("task_categories:")]),
])  # fmt: skip
@pytest.mark.parametrize("by", ["downloads", "likes"])
def test_top_per_task(fixture_catalog: Catalog, kind: str, task_of, by: str) -> None:
    raw = _raw(kind)
    raw["task"] = raw.apply(task_of, axis=1)
    per = raw.explode("task").dropna(subset=["task"])
    ranked_tasks = sorted(per["task"].value_counts().items(), key=lambda p: (-p[1], p[0]))[:3]
    got = insights.top_per_task(fixture_catalog.index(kind), by=by, tasks=3, k=2)
    assert list(dict.fromkeys(got["task"])) == [t for t, _ in ranked_tasks]
    for task, _ in ranked_tasks:
        best = per[per["task"] == task].sort_values([by, "id"], ascending=[False, True]).head(2)
        mine = got[got["task"] == task]
        assert mine["id"].tolist() == best["id"].tolist()
        assert mine[by].tolist() == best[by].tolist()
        assert mine["rank"].tolist() == list(range(1, len(best) + 1))
    with pytest.raises(ValueError, match="downloads or likes"):
        insights.top_per_task(fixture_catalog.index(kind), by="trending")


def test_compute_facts_headlines_and_version(fixture_catalog: Catalog) -> None:
    data = insights.compute(fixture_catalog)
    assert list(data.kinds) == ["models", "datasets", "spaces"]
    facts = data.facts_frame()
    for kind in data.kinds:
        assert facts.loc[facts["kind"] == kind, "repos"].item() == len(_raw(kind))
        assert facts.loc[facts["kind"] == kind, "source"].item() == f"{kind}.json"
    models = data.kinds["models"]
    assert models.total_downloads == int(_raw("models")["downloads"].fillna(0).sum())
    assert data.kinds["spaces"].concentration is None and data.kinds["spaces"].sdks is not None
    assert data.kinds["datasets"].sizes is not None and models.sizes is None
    top_author = models.authors_by_repos.iloc[0]
    assert any(h.startswith(f"The most prolific author is {top_author['author']} with {top_author['repos']} models")
               for h in models.headlines), models.headlines  # fmt: skip
    before = fixture_catalog.versions()
    assert [k for k, _ in before] == ["models", "datasets", "spaces"] and all(g for _, g in before)


@pytest.mark.parametrize(("created", "snapshot", "expected"), [
    # the snapshot's own month is partial: the last complete month is compared with January of the year before
    ({"2023-01": 10, "2023-06": 5, "2024-06": 40, "2024-07": 3}, date(2024, 7, 11), ("2023-01", 10, "2024-06", 40)),
    # months without creations count as 0; data starting late starts the span
    ({"2024-03": 4, "2024-05": 9}, None, ("2024-03", 4, "2024-05", 9)),
    ({"2024-03": 4, "2024-04": 2}, date(2024, 4, 2), None),  # one complete month: nothing to compare
])  # fmt: skip
def test_growth_span(created: dict[str, int], snapshot: date | None, expected) -> None:
    frame = pd.DataFrame({"month": pd.to_datetime(list(created)), "count": list(created.values())})
    got = insights.growth_span(frame, snapshot)
    if expected is None:
        assert got is None
    else:
        first, a, last, b = got
        assert (first.strftime("%Y-%m"), a, last.strftime("%Y-%m"), b) == expected


# --- the real snapshot ----------------------------------------------------------------------------------------
needs_snapshot = pytest.mark.skipif(
    not (MODELS_FILE.exists() and DATASETS_FILE.exists()),
    reason=f"the real Hub snapshot is not at {SNAPSHOT} (it lives beside the project, not in it)",
)


def _read_dump(path: Path, fields: list[tuple[str, pa.DataType]]) -> pd.DataFrame:
    """The dump read by pyarrow's JSON reader (the catalog reads it with DuckDB), as pandas."""
    options = pj.ParseOptions(explicit_schema=pa.schema(fields), unexpected_field_behavior="ignore")
    frame = pj.read_json(path, parse_options=options).to_pandas()
    frame["tags"] = frame["tags"].map(lambda t: list(dict.fromkeys(t)) if t is not None else [])
    frame["downloads"] = frame["downloads"].fillna(0).astype("int64")
    frame["month"] = pd.to_datetime(frame["createdAt"], utc=True).dt.strftime("%Y-%m")
    return frame


@pytest.fixture(scope="module")
def snapshot_models() -> pd.DataFrame:
    return _read_dump(MODELS_FILE, [("id", pa.string()), ("downloads", pa.int64()), ("likes", pa.int64()),
                                    ("tags", pa.list_(pa.string())), ("pipeline_tag", pa.string()),
                                    ("library_name", pa.string()), ("createdAt", pa.string())])  # fmt: skip


@pytest.fixture(scope="module")
def snapshot_datasets() -> pd.DataFrame:
    return _read_dump(DATASETS_FILE, [("id", pa.string()), ("downloads", pa.int64()), ("likes", pa.int64()),
                                      ("tags", pa.list_(pa.string())), ("createdAt", pa.string())])  # fmt: skip


@needs_snapshot
@pytest.mark.snapshot
def test_snapshot_models_sample(snapshot_catalog: Catalog, snapshot_models: pd.DataFrame) -> None:
    data = insights.compute(snapshot_catalog)
    models = data.kinds["models"]
    df = snapshot_models
    assert models.facts.count == len(df) == 760_000
    assert models.facts.snapshot_date == date(2024, 7, 11)
    assert models.facts.source_label == MODELS_FILE.name
    # concentration: the top 1% of models
    ordered = np.sort(df["downloads"].to_numpy())[::-1]
    k = math.ceil(0.01 * len(df))
    row = models.concentration.loc[models.concentration["top"] == 0.01].iloc[0]
    assert row["repos"] == k and row["downloads_share"] == pytest.approx(ordered[:k].sum() / ordered.sum())
    # creations per month, by library, for two months
    by_library = models.created_by["library"]
    for month in ("2023-01", "2024-06"):
        got = by_library[by_library["month"].dt.strftime("%Y-%m") == month]
        assert int(got["count"].sum()) == int((df["month"] == month).sum())
        transformers = got.loc[got["library"] == "transformers", "count"].sum()
        assert transformers == int(((df["month"] == month) & (df["library_name"] == "transformers")).sum())
    # the license mix's top values
    licenses = df["tags"].map(lambda t: [x[8:] for x in t if x.startswith("license:") and len(x) > 8])
    counts = licenses.explode().dropna().value_counts()
    counts[NONE_VALUE] = int((licenses.map(len) == 0).sum())
    expected = sorted(counts.items(), key=lambda p: (-p[1], p[0]))[:5]
    assert list(zip(models.licenses["license"][:5], models.licenses["count"][:5], strict=True)) == expected
    # the most downloaded text-generation models
    best = df[df["pipeline_tag"] == "text-generation"].sort_values(["downloads", "id"], ascending=[False, True])
    mine = models.top_downloaded[models.top_downloaded["task"] == "text-generation"]
    assert mine["id"].tolist() == best["id"].head(len(mine)).tolist() and len(mine) == 5
    # top authors by downloads
    authors = df.assign(author=df["id"].map(lambda i: i.split("/", 1)[0] if "/" in i else None)).dropna(
        subset=["author"]).groupby("author")["downloads"].sum().sort_values(ascending=False)  # fmt: skip
    assert models.authors_by_downloads["author"].head(3).tolist() == authors.index[:3].tolist()
    share = ordered[:k].sum() / ordered.sum()
    assert any(h.startswith(f"The top 1% of models ({k:,}) hold {round(share * 100)}% of all downloads")
               for h in models.headlines), models.headlines  # fmt: skip
    tasks = df["pipeline_tag"].value_counts()
    no_task = round(100 * df["pipeline_tag"].isna().mean())
    assert (f"The most common task is {tasks.index[0]} ({tasks.iloc[0]:,} models); {no_task}% of models name no task."
            in models.headlines), models.headlines  # fmt: skip


@needs_snapshot
@pytest.mark.snapshot
def test_snapshot_datasets_sample(snapshot_catalog: Catalog, snapshot_datasets: pd.DataFrame) -> None:
    datasets = insights.compute(snapshot_catalog).kinds["datasets"]
    df = snapshot_datasets
    assert datasets.facts.count == len(df)
    sizes = df["tags"].map(lambda t: [x[16:] for x in t if x.startswith("size_categories:")])
    expected = sizes.explode().dropna().value_counts().to_dict()
    expected[NONE_VALUE] = int((sizes.map(len) == 0).sum())
    assert dict(zip(datasets.sizes["size_category"], datasets.sizes["count"], strict=True)) == expected
    tasks = df["tags"].map(lambda t: [x[16:] for x in t if x.startswith("task_categories:")])
    month = "2024-03"
    by_task = datasets.created_by["task"]
    got = by_task[by_task["month"].dt.strftime("%Y-%m") == month]
    in_month = tasks[df["month"] == month]
    assert int(got["count"].sum()) == int(in_month.map(lambda v: max(len(v), 1)).sum())  # each task counts
    assert got.loc[got["task"] == NONE_VALUE, "count"].sum() == int((in_month.map(len) == 0).sum())


def test_earliest_day_and_growth_notes(fixture_catalog: Catalog) -> None:
    raw = _raw("models")
    created = pd.to_datetime(raw["createdAt"], utc=True)
    first = created.min().date()
    on_first = int((created.dt.date == first).sum())
    data = insights.compute(fixture_catalog)
    models = data.kinds["models"]
    assert insights.earliest_day(fixture_catalog.index("models")) == (first, on_first) == models.earliest
    notes = insights.growth_notes(models)
    # the fixtures pile old models on one day, as the Hub does
    assert on_first >= max(insights.PILED_MIN, insights.PILED_SHARE * len(raw))
    assert notes[0].startswith(f"{on_first:,} models (") and first.isoformat() in notes[0]
    # the snapshot date of a fixture load is the newest date in the data: its month is partial
    snap = models.facts.snapshot_date
    assert any(n.endswith(f"up to the snapshot date ({snap.isoformat()}) only.") for n in notes), notes
    # one Space on the earliest day is not a pile: no claim about older repos
    spaces = data.kinds["spaces"]
    assert spaces.earliest is not None and spaces.earliest[1] < insights.PILED_MIN
    assert not any("earliest creation date" in n for n in insights.growth_notes(spaces))
