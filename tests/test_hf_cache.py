"""lib.hf_cache over a REAL huggingface_hub cache, filled by downloading from the session's fake Hub."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from huggingface_hub import constants, hf_hub_download

from lib import hf_cache
from lib.errors import HubExplorerError
from tests import fixture_ids

GPT2_FILES = ("config.json", "README.md", "generation_config.json", "merges.txt")
SQUAD_FILES = ("README.md",)


def download(hub, cache: Path, repo_id: str, files: tuple[str, ...], repo_type: str | None = None) -> list[Path]:
    return [Path(hf_hub_download(repo_id, f, repo_type=repo_type, cache_dir=cache, endpoint=hub.url))
            for f in files]


@pytest.fixture
def cache(hub, tmp_path) -> Path:
    """A cache with part of gpt2 (model) and of rajpurkar/squad (dataset), downloaded for real."""
    folder = tmp_path / "hub-cache"
    download(hub, folder, "gpt2", GPT2_FILES)
    download(hub, folder, "rajpurkar/squad", SQUAD_FILES, repo_type="dataset")
    return folder


def blob_sizes(folder: Path, pattern: str = "*/blobs/*") -> int:
    """What the blobs really take, measured on disk (a cache: `*/blobs/*`; one repo folder: `blobs/*`)."""
    return sum(p.stat().st_size for p in folder.glob(pattern) if p.is_file())


def test_scan_lists_repos_with_sizes_files_revisions_and_times(cache):
    before = datetime.now(UTC) + timedelta(seconds=1)
    report = hf_cache.scan(cache)
    assert report.exists and not report.is_empty and report.warnings == ()
    by_key = {r.key: r for r in report.repos}
    assert set(by_key) == {"model/gpt2", "dataset/rajpurkar/squad"}

    gpt2 = by_key["model/gpt2"]
    gpt2_sha = next(m for m in fixture_ids.records("models") if m["id"] == "gpt2")["sha"]
    assert gpt2.revisions == (gpt2_sha,)
    assert gpt2.refs == ("main",)
    assert gpt2.nb_files == len(GPT2_FILES)
    assert gpt2.size_on_disk == blob_sizes(cache / "models--gpt2", "blobs/*")
    assert gpt2.size_on_disk > 400_000, "merges.txt alone is about 456 KB"
    assert gpt2.path == (cache / "models--gpt2").resolve()
    for when in (gpt2.last_accessed, gpt2.last_modified):
        assert when.tzinfo is not None and before - timedelta(minutes=5) < when <= before

    assert report.repos[0].key == "model/gpt2", "largest first"
    assert report.size_on_disk == blob_sizes(cache)
    assert report.size_on_disk == sum(r.size_on_disk for r in report.repos)


def test_frame_has_one_typed_row_per_repo(cache):
    report = hf_cache.scan(cache)
    frame = hf_cache.repos_frame(report.repos)
    assert list(frame.columns) == list(hf_cache.COLUMNS)
    assert list(frame["repo"]) == [r.repo_id for r in report.repos]
    assert list(frame["type"]) == ["model", "dataset"]
    assert list(frame["size"]) == [r.size_on_disk for r in report.repos]
    assert str(frame["size"].dtype) == "int64"
    assert str(frame["last_accessed"].dt.tz) == "UTC"


def test_missing_cache_is_an_empty_report_not_an_error(tmp_path):
    report = hf_cache.scan(tmp_path / "never-created")
    assert report.exists is False and report.is_empty and report.size_on_disk == 0
    assert hf_cache.repos_frame(report.repos).empty


def test_default_cache_dir_follows_huggingface_hub(monkeypatch, cache):
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    assert hf_cache.default_cache_dir() == cache
    assert {r.repo_id for r in hf_cache.scan().repos} == {"gpt2", "rajpurkar/squad"}


def test_a_file_where_the_cache_should_be_is_a_clear_error(tmp_path):
    path = tmp_path / "hub"
    path.write_text("not a folder")
    with pytest.raises(hf_cache.CacheError) as info:
        hf_cache.scan(path)
    assert isinstance(info.value, HubExplorerError) and str(path) in str(info.value)


def test_corrupted_entries_are_warnings_and_the_rest_is_listed(cache):
    (cache / "models--broken--no-snapshots").mkdir()  # a repo folder without snapshots/
    (cache / "not-a-repo-folder").mkdir()  # something huggingface_hub did not write
    dangling = cache / "models--gpt2" / "snapshots"
    sha = next(dangling.iterdir()).name
    ghost = cache / "datasets--ghost--x"
    (ghost / "snapshots" / sha).mkdir(parents=True)
    (ghost / "snapshots" / sha / "README.md").symlink_to("../../blobs/missing")  # a broken symlink
    report = hf_cache.scan(cache)
    assert {r.key for r in report.repos} == {"model/gpt2", "dataset/rajpurkar/squad"}
    assert len(report.warnings) == 3
    text = "\n".join(report.warnings)
    assert "no-snapshots" in text and "not-a-repo-folder" in text and "missing" in text


def test_incomplete_downloads_are_counted(cache):
    (cache / "models--gpt2" / "blobs" / "abc.incomplete").write_bytes(b"x" * 1234)
    report = hf_cache.scan(cache)
    assert (report.incomplete_files, report.incomplete_size) == (1, 1234)


def test_plan_then_delete_one_repo(cache):
    report = hf_cache.scan(cache)
    gpt2 = next(r for r in report.repos if r.repo_id == "gpt2")
    squad = next(r for r in report.repos if r.repo_id == "rajpurkar/squad")
    files = list((cache / "models--gpt2" / "snapshots").rglob("*"))
    assert files

    plan = hf_cache.delete_plan(hf_cache.revisions_of([gpt2]), cache)
    assert plan.revisions == gpt2.revisions and plan.missing == ()
    assert [r.key for r in plan.repos] == ["model/gpt2"]
    assert plan.expected_freed_size == gpt2.size_on_disk
    assert (cache / "models--gpt2").exists(), "planning deletes nothing"

    plan.execute()
    assert not (cache / "models--gpt2").exists()
    assert not any(os.path.lexists(f) for f in files)
    after = hf_cache.scan(cache)
    assert [r.key for r in after.repos] == ["dataset/rajpurkar/squad"]
    assert after.repos[0].size_on_disk == squad.size_on_disk
    assert after.size_on_disk == report.size_on_disk - gpt2.size_on_disk


def test_delete_everything_leaves_an_empty_cache(cache):
    report = hf_cache.scan(cache)
    plan = hf_cache.delete_plan(hf_cache.revisions_of(report.repos), cache)
    assert plan.expected_freed_size == report.size_on_disk
    plan.execute()
    after = hf_cache.scan(cache)
    assert after.exists and after.is_empty and after.size_on_disk == 0
    assert blob_sizes(cache) == 0


def test_a_second_revision_is_deleted_without_the_blobs_it_shares(cache):
    """Two revisions of one repo sharing blobs: deleting one keeps the shared blobs and the other revision."""
    snapshots = cache / "models--gpt2" / "snapshots"
    sha = next(snapshots.iterdir()).name
    other = "f" * 40
    shutil.copytree(snapshots / sha, snapshots / other, symlinks=True)  # same files, another commit
    report = hf_cache.scan(cache)
    gpt2 = next(r for r in report.repos if r.repo_id == "gpt2")
    assert gpt2.revisions == tuple(sorted((sha, other)))

    plan = hf_cache.delete_plan([other], cache)
    assert plan.expected_freed_size == 0, "every blob is still used by the other revision"
    plan.execute()
    gpt2 = next(r for r in hf_cache.scan(cache).repos if r.repo_id == "gpt2")
    assert gpt2.revisions == (sha,) and gpt2.nb_files == len(GPT2_FILES)


def test_unknown_or_already_deleted_revisions_are_reported_as_missing(cache):
    plan = hf_cache.delete_plan(["0" * 40], cache)
    assert plan.is_empty and plan.missing == ("0" * 40,) and plan.expected_freed_size == 0
    plan.execute()  # a no-op
    assert len(hf_cache.scan(cache).repos) == 2

    gone = hf_cache.delete_plan(["1" * 40], cache.parent / "nowhere")
    assert gone.is_empty and gone.missing == ("1" * 40,)


def test_a_deletion_that_leaves_files_behind_raises(cache, monkeypatch):
    report = hf_cache.scan(cache)
    plan = hf_cache.delete_plan(hf_cache.revisions_of(report.repos[:1]), cache)
    # huggingface_hub logs (and swallows) paths it cannot delete; simulate that with a no-op deletion
    monkeypatch.setattr(type(plan.strategy), "execute", lambda self: None)
    with pytest.raises(hf_cache.CacheDeleteError) as info:
        plan.execute()
    assert "still in the cache" in str(info.value)
