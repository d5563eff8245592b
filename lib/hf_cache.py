"""The local Hugging Face cache: what is in it, and deleting from it. No Streamlit.

A thin typed layer over huggingface_hub's own cache manager (`scan_cache_dir`, `HFCacheInfo.delete_revisions`),
so the layout rules (blobs shared between revisions, refs, snapshots) stay huggingface_hub's. Every function takes
the cache folder as `cache_dir`; the default is read from `huggingface_hub.constants.HF_HUB_CACHE` at call time
(huggingface_hub itself fixes it from `HF_HUB_CACHE` / `HF_HOME` when it is imported).

Errors::

    HubExplorerError
    └── CacheError                (OSError)  the cache folder cannot be read (not a folder, no permission)
        └── CacheDeleteError      some paths of a deletion are still there afterwards
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pandas as pd
from huggingface_hub import constants, scan_cache_dir
from huggingface_hub.errors import CacheNotFound
from huggingface_hub.utils import CachedRepoInfo, DeleteCacheStrategy, HFCacheInfo

from lib.errors import HubExplorerError

RepoType = Literal["model", "dataset", "space"]

#: Columns of `repos_frame`, in order.
COLUMNS = ("repo", "type", "size", "files", "revisions", "refs", "last_accessed", "last_modified", "path")


class CacheError(HubExplorerError, OSError):
    title = "Cannot read the local cache"
    hint = "Check `HF_HOME` / `HF_HUB_CACHE`: the cache must be a folder this app may read."


class CacheDeleteError(CacheError):
    title = "Some files could not be deleted"
    hint = "Check the permissions of the cache folder, then try again."


@dataclass(frozen=True)
class CachedRepo:
    """One cached repo: every revision of it that is on disk."""

    repo_id: str
    repo_type: RepoType
    size_on_disk: int  # bytes of its blobs (a blob shared by two revisions counts once)
    nb_files: int
    revisions: tuple[str, ...]  # commit hashes, sorted
    refs: tuple[str, ...]  # branch/tag names pointing at them ("main", "refs/pr/1"), sorted
    last_accessed: datetime  # as the file system records it (many mount with relatime)
    last_modified: datetime
    path: Path

    @property
    def key(self) -> str:
        """`type/id`, unique in a cache (a model and a dataset may share an id)."""
        return f"{self.repo_type}/{self.repo_id}"


@dataclass(frozen=True)
class CacheReport:
    """What `scan` found. `exists` is False when the folder does not exist yet: nothing was ever downloaded."""

    cache_dir: Path
    exists: bool
    repos: tuple[CachedRepo, ...] = ()  # largest first
    size_on_disk: int = 0  # the whole cache (shared blobs counted once)
    warnings: tuple[str, ...] = ()  # entries huggingface_hub could not read (corrupted, foreign folders)
    incomplete_files: int = 0  # partial downloads left behind
    incomplete_size: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.repos


def default_cache_dir() -> Path:
    """huggingface_hub's cache folder (read now, so a test or a caller may point `constants.HF_HUB_CACHE` elsewhere)."""
    return Path(constants.HF_HUB_CACHE).expanduser()


def _when(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


def _repo(info: CachedRepoInfo) -> CachedRepo:
    return CachedRepo(
        repo_id=info.repo_id,
        repo_type=info.repo_type,
        size_on_disk=info.size_on_disk,
        nb_files=info.nb_files,
        revisions=tuple(sorted(r.commit_hash for r in info.revisions)),
        refs=tuple(sorted(ref for r in info.revisions for ref in r.refs)),
        last_accessed=_when(info.last_accessed),
        last_modified=_when(info.last_modified),
        path=info.repo_path,
    )


def _scan(cache_dir: str | os.PathLike[str] | None) -> tuple[Path, HFCacheInfo | None]:
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    try:
        return folder, scan_cache_dir(folder)
    except CacheNotFound:
        return folder, None
    except (ValueError, OSError) as exc:  # a file where the folder should be, permissions
        raise CacheError(f"{folder}: {exc}") from exc


def scan(cache_dir: str | os.PathLike[str] | None = None) -> CacheReport:
    """Read the cache folder. A missing folder is an empty report, not an error; unreadable entries are listed in
    `warnings` and the rest is still reported."""
    folder, info = _scan(cache_dir)
    if info is None:
        return CacheReport(cache_dir=folder, exists=False)
    repos = sorted((_repo(r) for r in info.repos), key=lambda r: (-r.size_on_disk, r.key))
    return CacheReport(
        cache_dir=folder,
        exists=True,
        repos=tuple(repos),
        size_on_disk=info.size_on_disk,
        warnings=tuple(str(w) for w in info.warnings),
        incomplete_files=len(info.incomplete_files),
        incomplete_size=info.incomplete_size_on_disk,
    )


def revisions_of(repos: Iterable[CachedRepo]) -> tuple[str, ...]:
    """Every cached revision of these repos: deleting them all deletes the repos."""
    return tuple(sorted({rev for repo in repos for rev in repo.revisions}))


@dataclass(frozen=True)
class DeletePlan:
    """What deleting some revisions would do, before doing it (`execute`)."""

    cache_dir: Path
    revisions: tuple[str, ...]  # the hashes found in the cache
    missing: tuple[str, ...]  # hashes asked for but not cached (deleted meanwhile, or never there)
    repos: tuple[CachedRepo, ...]  # the repos these revisions belong to
    expected_freed_size: int  # bytes
    strategy: DeleteCacheStrategy = field(repr=False, compare=False)

    @property
    def is_empty(self) -> bool:
        return not self.revisions

    def _paths(self) -> set[Path]:
        s = self.strategy
        return {*s.repos, *s.snapshots, *s.refs, *s.blobs, *s.files}

    def execute(self) -> None:
        """Delete. Raises `CacheDeleteError` when something is still there afterwards (huggingface_hub only logs
        the paths it could not delete)."""
        try:
            self.strategy.execute()
        except OSError as exc:
            raise CacheDeleteError(f"{exc}") from exc
        left = sorted(p for p in self._paths() if os.path.lexists(p))
        if left:
            raise CacheDeleteError(f"{len(left)} path(s) are still in the cache, e.g. {left[0]}.")


def delete_plan(revisions: Iterable[str], cache_dir: str | os.PathLike[str] | None = None) -> DeletePlan:
    """Plan the deletion of these revision hashes (from a fresh scan); nothing is deleted until `execute()`.

    When every revision of a repo is listed the whole repo folder goes; otherwise only what no remaining revision
    uses. The expected freed size is huggingface_hub's.
    """
    wanted = tuple(dict.fromkeys(revisions))
    folder, info = _scan(cache_dir)
    if info is None:
        empty = DeleteCacheStrategy(expected_freed_size=0, blobs=frozenset(), refs=frozenset(), repos=frozenset(),
                                    snapshots=frozenset(), cache_dir=folder)
        return DeletePlan(folder, (), wanted, (), 0, empty)
    owners = {rev.commit_hash: repo for repo in info.repos for rev in repo.revisions}
    found = tuple(h for h in wanted if h in owners)
    missing = tuple(h for h in wanted if h not in owners)
    strategy = info.delete_revisions(*found)
    affected = {id(owners[h]): owners[h] for h in found}
    repos = tuple(sorted((_repo(r) for r in affected.values()), key=lambda r: (-r.size_on_disk, r.key)))
    return DeletePlan(folder, found, missing, repos, strategy.expected_freed_size, strategy)


def repos_frame(repos: Iterable[CachedRepo]) -> pd.DataFrame:
    """One row per cached repo, in the given order, with the columns of `COLUMNS` (sizes in bytes, UTC times)."""
    rows = [
        {
            "repo": r.repo_id,
            "type": r.repo_type,
            "size": r.size_on_disk,
            "files": r.nb_files,
            "revisions": len(r.revisions),
            "refs": ", ".join(r.refs),
            "last_accessed": r.last_accessed,
            "last_modified": r.last_modified,
            "path": str(r.path),
        }
        for r in repos
    ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for col in ("last_accessed", "last_modified"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame.astype({"size": "int64", "files": "int64", "revisions": "int64"})
