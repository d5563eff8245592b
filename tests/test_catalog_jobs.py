"""lib.catalog.jobs: one background job per catalog folder (a second start joins it; another process is kept out by
the file lock), failures as app errors, and the plain-text lines the sidebar shows (ages, what changed)."""

from __future__ import annotations

import os
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lib.catalog.catalog import Catalog, CatalogStats, KindStats
from lib.catalog.errors import CatalogBusyError
from lib.catalog.hubstats import KindRefresh, RefreshReport
from lib.catalog.jobs import JobBoard, ages, download_size, revision_of, words
from lib.catalog.lock import refresh_lock
from lib.errors import HubExplorerError

TODAY = date(2026, 11, 29)
SHA = "abc1234def" + "0" * 30


def test_a_second_start_joins_the_running_job(tmp_path: Path) -> None:
    release, calls = threading.Event(), []

    def run(kinds: list[str], **options: Any) -> RefreshReport:
        calls.append(kinds)
        release.wait(10)
        return RefreshReport("r", SHA, None, {}, 0.0)

    board = JobBoard(root=tmp_path / "catalog")
    first, started = board.start("fetch", ["models"], client=None, run=run)
    second, started_again = board.start("fetch", ["models"], client=None, run=run)
    assert started and not started_again and second is first
    release.set()
    assert first.wait(10) and calls == [["models"]] and board.started == 1
    snap = first.snapshot()
    assert snap.done and snap.report is not None and snap.error is None
    third, started = board.start("refresh", ["models"], client=None, run=run)  # a finished job is not joined
    assert started and third is not first and third.wait(10)


def test_another_process_holding_the_folder_lock_makes_the_job_say_busy(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    with refresh_lock(root):  # what a CLI refresh or another replica holds (lib.catalog.lock)
        job, _ = JobBoard(root=root).start("refresh", ["models"], client=None)  # the real Catalog.refresh
        assert job.wait(10)
    snap = job.snapshot()
    assert isinstance(snap.error, CatalogBusyError) and snap.error.retryable
    assert str(root) in str(snap.error) and f"pid {os.getpid()}" in str(snap.error)
    assert not Catalog(root).exists, "nothing was written"


def test_an_unexpected_failure_becomes_an_app_error_without_a_traceback(tmp_path: Path) -> None:
    def run(kinds: list[str], **options: Any) -> RefreshReport:
        raise RuntimeError("disk went away")

    job, _ = JobBoard(root=tmp_path / "catalog").start("fetch", ["models"], client=None, run=run)
    assert job.wait(10)
    error = job.snapshot().error
    assert isinstance(error, HubExplorerError) and "Traceback" not in str(error)


def test_progress_keeps_the_newest_step_of_each_kind(tmp_path: Path) -> None:
    from lib.catalog import Progress

    def run(kinds: list[str], *, progress: Any, **options: Any) -> RefreshReport:
        progress(Progress("models", "fetch", "Downloading models.parquet: 1 KB / 2 KB", 0.5, 1000, 2000, 3.0))
        progress(Progress("datasets", "fetch", "Downloading datasets.parquet", 0.1))
        progress(Progress("models", "index", "Indexing models: ids", 0.0))
        return RefreshReport("r", SHA, None, {}, 0.0)

    job, _ = JobBoard(root=tmp_path / "catalog").start("fetch", ["models", "datasets"], client=None, run=run)
    assert job.wait(10)
    seen = job.snapshot().progress
    assert (seen["models"].phase, seen["datasets"].fraction) == ("index", 0.1)


# --- what the sidebar says: tables of values and the reason ---------------------------------------------------
@pytest.mark.parametrize(("snapshot", "line", "stale", "why"), [
    (TODAY, "models: 2,161,698 · today", False, "fetched today"),
    (date(2026, 11, 28), "models: 2,161,698 · 1 day old", False, "yesterday's snapshot is not older than a day"),
    (date(2026, 11, 26), "models: 2,161,698 · 3 days old", True, "older than a day: Refresh is offered"),
    (None, "models: 2,161,698 · date unknown", True, "an unknown date is worth a refresh"),
])  # fmt: skip
def test_age_lines(snapshot: date | None, line: str, stale: bool, why: str) -> None:
    source = f"hf://datasets/cfahlgren1/hub-stats@{SHA}/models.parquet"
    stats = CatalogStats(Path("/x"), {"models": KindStats("models", 2_161_698, source, snapshot, None, None, (), 0,
                                                          False)}, 0)  # fmt: skip
    (age,) = ages(stats, TODAY)
    assert (age.line(), age.stale) == (line, stale), why
    assert age.revision == SHA and "revision abc1234" in age.detail()


@pytest.mark.parametrize(("source", "revision", "why"), [
    (f"hf://datasets/cfahlgren1/hub-stats@{SHA}/models.parquet", SHA, "a fetched kind"),
    (f"hf://datasets/o/r@{SHA}/models.parquet + http://x/api/models changes to 2026-11-29", SHA, "a synced kind"),
    ("/data/models-2024-07-11.jsonl.gz", None, "loaded from a dump: no revision"),
    (None, None, "no source recorded"),
])  # fmt: skip
def test_revision_of(source: str | None, revision: str | None, why: str) -> None:
    assert revision_of(source) == revision, why


def test_words_say_what_changed() -> None:
    report = RefreshReport("r", SHA, None, {
        "models": KindRefresh("models", "synced", SHA, TODAY, 2_000_000, synced=1204),
        "datasets": KindRefresh("datasets", "fetched", SHA, TODAY, 312_004),
        "spaces": KindRefresh("spaces", "unchanged", SHA, TODAY, 10),
    }, 1.0)  # fmt: skip
    assert words(report) == [
        "models: 1,204 synced (2,000,000 rows)",
        "datasets: fetched revision abc1234 (312,004 rows)",
        "spaces: already up to date",
    ]


def test_download_size_only_when_the_hub_said_every_size() -> None:
    sizes: dict[str, int | None] = {"models.parquet": 1000, "datasets.parquet": 500, "spaces.parquet": None}
    assert download_size(sizes, ["models", "datasets"]) == 1500
    assert download_size(sizes, ["models", "spaces"]) is None
    assert download_size(sizes, []) is None
