"""Fetching and refreshing the catalog from the Hub's published metadata dataset (`cfahlgren1/hub-stats`), against
the fake Hub serving that dataset generated from fixture records (tests/fakehub/hubstats.py): a fresh fetch, a
download broken half-way and resumed with a Range request, an unchanged revision (catch-up sync only), a new
revision (fetched), a Hub failing half-way (nothing written), searches during a refresh, and the CLI's contract."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lib.catalog import Catalog, Progress
from lib.catalog.cli import main
from lib.catalog.errors import RefreshError
from lib.hub.client import HubClient
from lib.query import NONE_VALUE, SearchQuery
from lib.settings import Settings
from tests.fakehub import FakeHub
from tests.fakehub.hubstats import FILES, REPO, api_record, publish

DAY = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
PAGE = 5


def model(i: int, modified: datetime = DAY - timedelta(days=2), **extra: Any) -> dict[str, Any]:
    params = 10_000_000 * (i + 1)
    return {
        "id": f"org{i % 3}/model-{i}", "author": f"org{i % 3}", "sha": f"{i:040x}",
        "createdAt": DAY - timedelta(days=30 + i), "lastModified": modified - timedelta(hours=i),
        "private": False, "gated": ("False", "auto", "manual")[i % 3] if i % 2 else "False", "disabled": False,
        "likes": 100 - i, "trendingScore": float(i % 7), "downloads": 1000 * (20 - i), "downloadsAllTime": 5000 * (20 - i),
        "tags": ["transformers", f"license:{'mit' if i % 2 else 'apache-2.0'}", *(["en"] if i % 4 == 0 else [])],
        "pipeline_tag": "fill-mask" if i % 2 else "text-generation", "library_name": "transformers",
        "safetensors": {"parameters": {"BF16": params}, "total": params} if i % 3 else None,
        "baseModels": {"models": [{"_id": "x", "id": "org0/model-0"}], "relation": "finetune"} if i % 5 == 1 else None,
        **extra,
    }  # fmt: skip


def dataset(i: int) -> dict[str, Any]:
    return {"id": f"team/data-{i}", "author": "team", "createdAt": DAY - timedelta(days=10 + i),
            "lastModified": DAY - timedelta(days=3, hours=i), "gated": "False", "likes": 10 + i,
            "trendingScore": float(i), "downloads": 50 * i, "downloadsAllTime": 500 * i,
            "tags": ["task_categories:text-classification" if i % 2 else "task_categories:translation",
                     "license:cc-by-4.0"], "description": f"Reviews of films, number {i}."}  # fmt: skip


def space(i: int) -> dict[str, Any]:
    hardware = "cpu-basic" if i % 2 else "t4-small"
    stage = ("RUNNING", "SLEEPING", "RUNTIME_ERROR")[i % 3]
    return {"id": f"demo/app-{i}", "author": "demo", "createdAt": DAY - timedelta(days=5 + i),
            "lastModified": DAY - timedelta(days=4, hours=i), "gated": "False", "likes": 5 * i,
            "trendingScore": float(i), "tags": ["gradio"], "sdk": "streamlit" if i % 3 == 0 else "gradio",
            "runtime": {"stage": stage, "hardware": {"current": hardware if stage == "RUNNING" else None,
                                                     "requested": hardware}},
            "models": [f"org{j}/model-{j}" for j in range(i % 3)] or None,
            "datasets": ["team/data-1"] if i % 2 else None}  # fmt: skip


def records(n_models: int = 12) -> dict[str, list[dict[str, Any]]]:
    return {"models": [model(i) for i in range(n_models)], "datasets": [dataset(i) for i in range(6)],
            "spaces": [space(i) for i in range(4)]}  # fmt: skip


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    """A fake Hub of its own per test (no fixtures; pages of 5 items), so that its listing is the test's."""
    with FakeHub(port=0, fixtures_dir=None, page_size=PAGE) as hub:
        yield hub


def client(hub: FakeHub, tmp_path: Path) -> HubClient:
    return HubClient(Settings(endpoint=hub.url, home=tmp_path, timeout=10.0))


def list_on_hub(hub: FakeHub, data: dict[str, list[dict[str, Any]]]) -> None:
    """The same repos in the Hub's listing (API shapes), as on the real Hub beside its dataset."""
    for kind, singular in (("models", "model"), ("datasets", "dataset"), ("spaces", "space")):
        for record in data.get(kind, []):
            hub.add_repo(singular, api_record(record))


def ids(catalog: Catalog, kind: str = "models") -> set[str]:
    return {r.id for r in catalog.search(SearchQuery(kind=kind, sort="likes", limit=1000)).items}  # type: ignore[arg-type]


def resolves(hub: FakeHub, method: str = "GET") -> list[Any]:
    return [r for r in hub.requests if r.method == method and "/resolve/" in r.path]


# --- fetch --------------------------------------------------------------------------------------------------------
def test_a_fresh_fetch_loads_every_kind_and_records_the_revision(hub: FakeHub, tmp_path: Path) -> None:
    data = records()
    sha = publish(hub, data, date=DAY)
    catalog = Catalog.open(tmp_path)
    seen: list[Progress] = []
    report = catalog.fetch(client=client(hub, tmp_path), repo=REPO, progress=seen.append)

    assert report.revision == sha and report.revision_date == DAY
    for kind, rows in data.items():
        done = report.kinds[kind]  # type: ignore[index]
        assert (done.action, done.revision, done.date, done.rows) == ("fetched", sha, DAY.date(), len(rows))
        stats = catalog.stats().kinds[kind]  # type: ignore[index]
        assert stats.source == f"hf://datasets/{REPO}@{sha}/{FILES[kind]}" and stats.snapshot_date == DAY.date()
    # every file pinned to the revision, never "main"
    assert {r.path for r in resolves(hub)} == {f"/datasets/{REPO}/resolve/{sha}/{name}" for name in FILES.values()}

    # searches answer from it; expectations computed from the fixture records, not from the catalog
    models = data["models"]
    assert ids(catalog) == {m["id"] for m in models}
    assert catalog.search(SearchQuery(kind="models", license="mit", sort="likes")).total == \
        sum("license:mit" in m["tags"] for m in models)  # fmt: skip
    assert catalog.search(SearchQuery(kind="models", gated=True, sort="likes")).total == \
        sum(m["gated"] != "False" for m in models)  # fmt: skip
    assert catalog.search(SearchQuery(kind="models", params_min=1, sort="likes")).total == \
        sum(m["safetensors"] is not None for m in models)  # fmt: skip
    top = catalog.search(SearchQuery(kind="models", sort="trending", limit=1)).items[0]
    assert top.trending_score == max(m["trendingScore"] for m in models)
    record = catalog.get("models", "org1/model-1")
    assert record is not None and record.gated == "auto" and record.pipeline_tag == "fill-mask"
    assert record.created_at == models[1]["createdAt"] and record.last_modified == models[1]["lastModified"]
    assert catalog.search(SearchQuery(kind="datasets", task="translation", sort="likes")).total == 3
    assert catalog.search(SearchQuery(kind="spaces", hardware="t4-small", sort="likes")).total == 2
    spaces = data["spaces"]
    for stage in ("RUNNING", "SLEEPING", "RUNTIME_ERROR"):
        assert catalog.search(SearchQuery(kind="spaces", stage=stage, sort="likes")).total == \
            sum(sp["runtime"]["stage"] == stage for sp in spaces)  # fmt: skip
    assert {r.id for r in catalog.search(SearchQuery(kind="spaces", uses_model="org0/model-0", sort="likes")).items} \
        == {sp["id"] for sp in spaces if "org0/model-0" in (sp["models"] or [])} != set()  # fmt: skip
    assert catalog.search(SearchQuery(kind="spaces", uses_dataset="team/data-1", sort="likes")).total == \
        sum(sp["datasets"] is not None for sp in spaces)  # fmt: skip
    used = catalog.search(SearchQuery(kind="spaces", sort="likes")).facets["uses_model"]
    assert {v.value: v.count for v in used.values} == {
        **{m: sum(m in (sp["models"] or []) for sp in spaces) for sp0 in spaces for m in sp0["models"] or []},
        NONE_VALUE: sum(not sp["models"] for sp in spaces)}  # fmt: skip

    downloads = [p for p in seen if p.phase == "fetch"]
    for name in FILES.values():
        last = [p for p in downloads if name in p.message][-1]
        assert last.total and last.done == last.total and last.fraction == 1.0 and last.eta_s is not None
    assert seen[-1].phase == "done"


def test_an_interrupted_download_is_resumed_with_a_range_request(hub: FakeHub, tmp_path: Path) -> None:
    # huggingface_hub writes a download in 10 MB chunks and resumes from the last whole one: a file of 12 MB,
    # broken after 11 MB, resumes at 10 MB
    data = records(n_models=60)
    sha = publish(hub, {"models": data["models"]}, date=DAY, pad_to=12 * 2**20)
    size = hub_file_size(hub, "models.parquet")
    chunk = 10 * 2**20
    assert size > chunk + 2**20
    hub.add_fault(f"/datasets/{REPO}/resolve/", method="GET", cut_after=chunk + 2**20, times=1)
    catalog = Catalog.open(tmp_path)
    report = catalog.fetch(["models"], client=client(hub, tmp_path), repo=REPO)

    assert report.kinds["models"].rows == 60 and report.kinds["models"].bytes == size
    gets = resolves(hub)
    assert len(gets) == 2 and "range" not in gets[0].headers  # the first attempt broke after `cut` bytes
    assert gets[1].headers["range"] == f"bytes={chunk}-" and gets[1].status == 206  # the second resumed there
    assert ids(catalog) == {m["id"] for m in data["models"]} and sha in catalog.stats().kinds["models"].source


def hub_file_size(hub: FakeHub, name: str) -> int:
    from huggingface_hub import HfApi

    info = HfApi(endpoint=hub.url).dataset_info(REPO, files_metadata=True)
    return next(s.size for s in info.siblings or [] if s.rfilename == name)


# --- refresh ------------------------------------------------------------------------------------------------------
def test_an_unchanged_revision_syncs_only_the_repos_modified_since(hub: FakeHub, tmp_path: Path) -> None:
    data = records(n_models=20)
    sha = publish(hub, data, date=DAY)
    list_on_hub(hub, data)
    catalog = Catalog.open(tmp_path)
    catalog.fetch(client=client(hub, tmp_path), repo=REPO)
    # since the dump: one model changed (more likes), one created; the rest untouched
    later = DAY + timedelta(hours=5)
    changed = model(7, modified=later + timedelta(hours=7), likes=999)
    created = model(40, modified=later + timedelta(hours=50))
    list_on_hub(hub, {"models": [changed, created]})
    hub.clear_requests()
    spaces_generation = catalog.version("spaces")
    assert catalog.stats().kinds["spaces"].snapshot_date == DAY.date()

    report = catalog.refresh(["models", "spaces"], client=client(hub, tmp_path), repo=REPO, sleep=lambda s: None)

    models = report.kinds["models"]
    assert (models.action, models.synced, models.revision, models.rows) == ("synced", 2, sha, 21)
    assert models.date == datetime.now(UTC).date()
    assert report.kinds["spaces"].action == "unchanged" and report.kinds["spaces"].rows == 4
    # nothing changed: the spaces are current as of today, without a new generation (only its mark changed)
    today = datetime.now(UTC).date()
    assert report.kinds["spaces"].date == today == catalog.stats().kinds["spaces"].snapshot_date
    assert catalog.version("spaces") != spaces_generation
    assert catalog.version("spaces").split("@")[0] == spaces_generation
    assert catalog.stats().kinds["spaces"].source == f"hf://datasets/{REPO}@{sha}/spaces.parquet"
    assert resolves(hub, "GET") == [] and resolves(hub, "HEAD") == []  # no download at all
    listing = [r for r in hub.requests if r.path == "/api/models"]
    assert len(listing) == 1 and listing[0].params("sort") == ["lastModified"]  # stopped on the first page
    assert catalog.get("models", changed["id"]).likes == 999  # type: ignore[union-attr]
    assert created["id"] in ids(catalog)
    # the two synced repos patched the live generation (lib.catalog.patch); its full text holds the new one too
    assert catalog.index("models").meta["patched"]["changed"] == 2
    assert catalog.index("models").meta["patched"]["added"] == 1
    words = created["id"].split("/")[-1]
    found = catalog.search(SearchQuery(kind="models", text=words, mode="text", sort="relevance"))
    assert created["id"] in [item.id for item in found.items]
    stats = catalog.stats().kinds["models"]
    assert stats.source.startswith(f"hf://datasets/{REPO}@{sha}/models.parquet + {hub.url}/api/models changes to")

    again = catalog.refresh(["models"], client=client(hub, tmp_path), repo=REPO)
    assert again.kinds["models"].action == "unchanged" and again.kinds["models"].rows == 21
    assert again.kinds["models"].date == today == catalog.stats().kinds["models"].snapshot_date


def test_a_mark_that_a_kind_was_current_is_superseded_by_a_later_generation(hub: FakeHub, tmp_path: Path) -> None:
    publish(hub, records(), date=DAY)
    catalog = Catalog.open(tmp_path)
    catalog.fetch(["models"], client=client(hub, tmp_path), repo=REPO)
    catalog.mark_checked("models", DAY.date() + timedelta(days=5))
    assert catalog.checked("models") == catalog.stats().kinds["models"].snapshot_date == DAY.date() + timedelta(days=5)
    catalog.rebuild("models")  # a new generation: the mark named the old one
    assert catalog.checked("models") is None
    assert catalog.stats().kinds["models"].snapshot_date == DAY.date()  # the store's: the fetch's commit date


def test_a_new_revision_is_fetched(hub: FakeHub, tmp_path: Path) -> None:
    first = publish(hub, records(), date=DAY)
    catalog = Catalog.open(tmp_path)
    catalog.fetch(client=client(hub, tmp_path), repo=REPO)
    newer = records(n_models=15)
    gone = newer["models"].pop(3)  # deleted on the Hub since the first revision
    second = publish(hub, newer, date=DAY + timedelta(days=1))
    assert second != first
    hub.clear_requests()

    report = catalog.refresh(client=client(hub, tmp_path), repo=REPO)

    assert {k.action for k in report.kinds.values()} == {"fetched"}
    assert report.kinds["models"].revision == second and report.kinds["models"].rows == 14
    assert report.kinds["models"].removed == 1 and report.kinds["datasets"].removed == 0
    assert report.kinds["models"].date == (DAY + timedelta(days=1)).date()
    # every file asked for at the new revision; only the one that changed is downloaded again (the others are the
    # same bytes, so the same blob in the Hugging Face cache)
    assert {r.path for r in resolves(hub, "HEAD")} == \
        {f"/datasets/{REPO}/resolve/{second}/{n}" for n in FILES.values()}  # fmt: skip
    assert [r.path for r in resolves(hub)] == [f"/datasets/{REPO}/resolve/{second}/models.parquet"]
    assert ids(catalog) == {m["id"] for m in newer["models"]}
    assert catalog.get("models", gone["id"]) is None
    assert "patched" not in catalog.index("models").meta  # a whole snapshot: built whole
    assert catalog.stats().kinds["datasets"].source == f"hf://datasets/{REPO}@{second}/datasets.parquet"


@pytest.mark.parametrize("fault", [{"status": 500}, {"disconnect": True}], ids=["http-500", "dropped"])
def test_a_hub_failing_half_way_leaves_the_previous_catalog(hub: FakeHub, tmp_path: Path,
                                                            fault: dict[str, Any]) -> None:  # fmt: skip
    old = records()
    first = publish(hub, old, date=DAY)
    catalog = Catalog.open(tmp_path)
    catalog.fetch(client=client(hub, tmp_path), repo=REPO)
    before = {kind: catalog.stats().kinds[kind] for kind in FILES}  # type: ignore[index]
    second = publish(hub, records(n_models=30), date=DAY + timedelta(days=1))
    # models and datasets come; spaces.parquet fails, every time it is asked for
    hub.add_fault(f"/datasets/{REPO}/resolve/{second}/spaces.parquet", times=None, **fault)

    with pytest.raises(RefreshError, match="the catalog was left as it was"):
        catalog.refresh(client=client(hub, tmp_path), repo=REPO)
    for kind, stats in before.items():
        now = catalog.stats().kinds[kind]  # type: ignore[index]
        assert (now.source, now.count, now.snapshot_date) == (stats.source, stats.count, stats.snapshot_date)
        assert first in now.source
    assert ids(catalog) == {m["id"] for m in old["models"]}  # still searchable, the old answers

    out, err = io.StringIO(), io.StringIO()
    code = main(["--home", str(tmp_path), "--quiet", "refresh", "--endpoint", hub.url, "--repo", REPO],
                out=out, err=err)  # fmt: skip
    lines = err.getvalue().splitlines()
    assert code == 1 and out.getvalue() == "" and len(lines) == 1
    assert lines[0].startswith("error: The refresh from cfahlgren1/hub-stats failed (")
    assert "the catalog was left as it was" in lines[0] and "Traceback" not in err.getvalue()
    assert catalog.stats().kinds["models"].source == before["models"].source


def test_searches_during_a_refresh_answer_from_the_previous_generation(hub: FakeHub, tmp_path: Path) -> None:
    old = records()
    publish(hub, old, date=DAY)
    catalog = Catalog.open(tmp_path)
    catalog.fetch(["models"], client=client(hub, tmp_path), repo=REPO)
    new = [model(i, id=f"fresh/model-{i}") for i in range(8)]
    publish(hub, {"models": new}, date=DAY + timedelta(days=1))
    hub.add_fault(f"/datasets/{REPO}/resolve/", method="GET", delay=1.5, times=1)  # a slow download
    old_ids, new_ids = {m["id"] for m in old["models"]}, {m["id"] for m in new}
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["report"] = catalog.refresh(["models"], client=client(hub, tmp_path), repo=REPO)
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    answers: list[str] = []
    while worker.is_alive():
        seen = ids(catalog)
        assert seen in (old_ids, new_ids)  # never a half-updated answer
        answers.append("old" if seen == old_ids else "new")
    worker.join()
    assert "error" not in outcome and outcome["report"].kinds["models"].action == "fetched"
    assert answers and answers[0] == "old" and answers.count("old") >= 2
    assert answers == sorted(answers, key=("old", "new").index)  # old, then new: never back
    assert ids(catalog) == new_ids  # a revision is the whole Hub: the repos it no longer holds are gone


# --- CLI ----------------------------------------------------------------------------------------------------------
def run_cli(tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--home", str(tmp_path), *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


KIND_KEYS = {"action", "revision", "date", "rows", "file", "bytes", "synced", "removed", "seconds"}


def test_cli_fetch_and_refresh_json(hub: FakeHub, tmp_path: Path) -> None:
    data = records()
    sha = publish(hub, data, date=DAY)
    list_on_hub(hub, data)
    code, out, err = run_cli(tmp_path, "fetch", "--kind", "models", "--kind", "spaces", "--endpoint", hub.url,
                             "--json")  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"repo", "revision", "revision_date", "kinds", "seconds"}
    assert doc["repo"] == REPO and doc["revision"] == sha and doc["revision_date"] == DAY.isoformat()
    assert set(doc["kinds"]) == {"models", "spaces"}
    for kind, entry in doc["kinds"].items():
        assert set(entry) == KIND_KEYS
        assert entry["action"] == "fetched" and entry["revision"] == sha and entry["date"] == "2026-11-28"
        assert entry["rows"] == len(data[kind]) and entry["file"] == FILES[kind] and entry["bytes"] > 0
    assert "Downloading models.parquet" in err  # progress on stderr

    code, out, err = run_cli(tmp_path, "--quiet", "refresh", "--endpoint", hub.url, "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert {k: v["action"] for k, v in doc["kinds"].items()} == \
        {"models": "unchanged", "datasets": "fetched", "spaces": "unchanged"}  # fmt: skip
    assert all(set(v) == KIND_KEYS for v in doc["kinds"].values())

    code, out, _ = run_cli(tmp_path, "--quiet", "refresh", "--kind", "models", "--endpoint", hub.url)
    today = datetime.now(UTC).date().isoformat()  # nothing changed since: current as of today
    assert code == 0 and out.startswith(f"models: unchanged; 12 models from {REPO}@{sha[:12]} (snapshot {today})")
    code, out, _ = run_cli(tmp_path, "stats")
    assert f"hf://datasets/{REPO}@{sha}/models.parquet" in out


def test_cli_fetch_arguments_and_a_missing_dataset(hub: FakeHub, tmp_path: Path) -> None:
    code, out, err = run_cli(tmp_path, "fetch", "--kind", "papers")
    assert code == 2 and out == "" and err.startswith("error: argument --kind: invalid choice")
    code, out, err = run_cli(tmp_path, "--quiet", "fetch", "--endpoint", hub.url, "--repo", "nobody/nothing")
    assert code == 1 and out == "" and len(err.splitlines()) == 1
    assert "nobody/nothing" in err and "the catalog was left as it was" in err
    publish(hub, {"models": [model(1)]}, date=DAY, repo="someone/partial")  # a dataset without datasets.parquet
    code, out, err = run_cli(tmp_path, "--quiet", "fetch", "--endpoint", hub.url, "--repo", "someone/partial")
    assert code == 1 and "has no datasets.parquet, spaces.parquet (it holds models.parquet)" in err
    assert not Catalog.open(tmp_path).exists  # nothing was loaded
