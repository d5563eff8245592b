"""Build and keep fresh the catalog from the Hub's own published metadata, the dataset `cfahlgren1/hub-stats`.

``fetch`` asks the Hub which commit the dataset is at (`HfApi.dataset_info`: sha, date, file sizes), downloads
each kind's Parquet file at that commit with `hf_hub_download` (into the Hugging Face cache; a connection lost in
the middle of a file is resumed with a Range request by huggingface_hub itself), and loads it with `Catalog.load`,
recording ``hf://datasets/<repo>@<sha>/<file>`` as the kind's source, the commit's date as its snapshot date and
the sha as its revision.

``refresh`` compares that revision with the dataset's current one, per kind: a different (newer) commit is
fetched and loaded; otherwise the repos modified since are synced through the Hub's listing (`lib.catalog.sync`,
sorted by last modification, newest first, stopping at the first repo the catalog already holds unchanged).

Nothing is written until everything was downloaded or listed: a refresh that fails part way (a 500, a lost
connection, a rate limit) raises `RefreshError` and leaves the catalog exactly as it was; searches go on
answering from the live index generation meanwhile, and the new one replaces it atomically (`Catalog._rebuild`).

The dataset's layout, as found (docs/catalog.md, "The Hub's published metadata"): one Parquet file per kind at
the top of its main branch, `models.parquet`, `datasets.parquet`, `spaces.parquet` (beside files the catalog does
not read, such as `daily_papers.parquet`), with the API's field names (`id`, `author`, `createdAt`,
`lastModified`, `downloads`, `downloadsAllTime`, `likes`, `trendingScore`, `tags`, `pipeline_tag`,
`library_name`, `safetensors`, `baseModels`, `sdk`, `runtime`, ...); dates are Parquet timestamps, tags lists of
strings, nested fields structs. The store's Parquet reader maps those (and snake_case spellings) onto the catalog.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from huggingface_hub import HfApi, hf_hub_download
from tqdm.auto import tqdm

from lib import errors
from lib.catalog.errors import CatalogError, RefreshError
from lib.catalog.lock import refresh_lock
from lib.catalog.store import Store, SyncCursor, Upserted
from lib.catalog.sync import PAGE_SIZE, SyncEvent, SyncReport, run_sync
from lib.errors import HubExplorerError, InvalidQueryError
from lib.query import KINDS, Kind
from lib.translate import translated

if TYPE_CHECKING:
    from lib.catalog.catalog import Catalog, ProgressCallback

DEFAULT_REPO = "cfahlgren1/hub-stats"
#: The file of each kind in the dataset repo.
FILES: dict[Kind, str] = {"models": "models.parquet", "datasets": "datasets.parquet", "spaces": "spaces.parquet"}
#: A catch-up sync also stops at repos modified this long before the catalog's snapshot date (a safety net for
#: stores whose rows lack `lastModified`; the first repo already held unchanged normally stops it much earlier).
MARGIN = timedelta(days=1)

Action = Literal["fetched", "synced", "unchanged"]


@dataclass(frozen=True)
class Revision:
    """One commit of the dataset: its sha, date and file sizes (bytes, None when the Hub does not say)."""

    repo: str
    sha: str
    date: datetime | None
    sizes: dict[str, int | None] = field(default_factory=dict)

    def source(self, kind: Kind) -> str:
        """The address recorded as a kind's source: ``hf://datasets/<repo>@<sha>/<file>``."""
        return f"{source_prefix(self.repo)}{self.sha}/{FILES[kind]}"


def source_prefix(repo: str) -> str:
    return f"hf://datasets/{repo}@"


@dataclass(frozen=True)
class KindRefresh:
    """What a fetch or refresh did for one kind. `revision`/`date`: the commit the kind rests on and the kind's
    snapshot date afterwards; `rows`: the kind's row count afterwards; `bytes`: the size of the file loaded;
    `synced`: repos stored from the Hub's listing; `removed`: repos a fetched revision no longer holds (deleted
    on the Hub), removed from the catalog."""

    kind: Kind
    action: Action
    revision: str | None
    date: date | None
    rows: int
    file: str | None = None
    bytes: int = 0
    synced: int = 0
    seconds: float = 0.0
    removed: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "revision": self.revision,
                "date": self.date.isoformat() if self.date else None, "rows": self.rows, "file": self.file,
                "bytes": self.bytes, "synced": self.synced, "removed": self.removed,
                "seconds": round(self.seconds, 3)}  # fmt: skip


@dataclass(frozen=True)
class RefreshReport:
    """The outcome of `fetch` or `refresh`: the dataset's current revision and what each kind did."""

    repo: str
    revision: str
    revision_date: datetime | None
    kinds: dict[Kind, KindRefresh]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """The `--json` document (stable shape; documented in the README's CLI section)."""
        return {"repo": self.repo, "revision": self.revision,
                "revision_date": self.revision_date.isoformat() if self.revision_date else None,
                "kinds": {kind: k.to_json() for kind, k in self.kinds.items()},
                "seconds": round(self.seconds, 3)}  # fmt: skip


# --- the Hub side -------------------------------------------------------------------------------------------------
def remote_revision(api: HfApi, repo: str = DEFAULT_REPO) -> Revision:
    """The dataset's current commit, its date and its files' sizes (one `dataset_info` call)."""
    with translated(f"The dataset {repo}"):
        info = api.dataset_info(repo, files_metadata=True)
    if not info.sha:
        raise errors.MalformedAnswerError(f"The Hub did not say which commit {repo} is at.")
    sizes = {s.rfilename: s.size for s in info.siblings or []}
    return Revision(repo=repo, sha=info.sha, date=info.last_modified, sizes=sizes)


def _check_layout(revision: Revision, kinds: Sequence[Kind]) -> None:
    missing = [FILES[k] for k in kinds if FILES[k] not in revision.sizes]
    if missing:
        found = ", ".join(sorted(n for n in revision.sizes if n.endswith(".parquet"))) or "no Parquet files"
        raise CatalogError(
            f"{revision.repo}@{revision.sha[:12]} has no {', '.join(missing)} (it holds {found}).",
            hint="The dataset's layout may have changed; see docs/catalog.md, \"The Hub's published metadata\".",
        )


def _bar_class(report: Callable[[int, int | None, float | None], None]) -> type[tqdm]:
    """A silent `tqdm` for `hf_hub_download(tqdm_class=...)` that reports bytes done, total and the time left
    (at most four times a second, and at the end)."""

    class _Bar(tqdm):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("name", None)
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            self.done = int(kwargs.get("initial") or 0)
            self._first = self.done
            self._started = self._last = time.monotonic()

        def update(self, n: float | None = 1) -> bool | None:
            self.done += int(n or 0)
            now = time.monotonic()
            total = int(self.total) if self.total else None
            if now - self._last >= 0.25 or (total is not None and self.done >= total):
                self._last = now
                rate = (self.done - self._first) / max(now - self._started, 1e-6)
                eta = (total - self.done) / rate if total is not None and rate > 0 else None
                report(self.done, total, eta)
            return None

    return _Bar


def _download(api: HfApi, revision: Revision, kind: Kind, progress: ProgressCallback | None) -> Path:
    """One kind's file at `revision`, from the Hugging Face cache or the Hub."""
    from lib.catalog.catalog import Progress
    from lib.format import human_bytes

    name = FILES[kind]

    def report(done: int, total: int | None, eta: float | None) -> None:
        if progress is None:
            return
        size = f"{human_bytes(done)} / {human_bytes(total)}" if total else human_bytes(done)
        left = f", about {eta:.0f} s left" if eta is not None and done < (total or 0) else ""
        progress(Progress(kind, "fetch", f"Downloading {name}: {size}{left}",
                          done / total if total else None, done, total, eta))  # fmt: skip

    report(0, revision.sizes.get(name), None)
    with translated(f"{name} of {revision.repo}"):
        path = hf_hub_download(revision.repo, name, repo_type="dataset", revision=revision.sha,
                               endpoint=api.endpoint, token=api.token, tqdm_class=_bar_class(report))  # fmt: skip
    return Path(path)


class _Buffer:
    """A sync target that keeps the pages in memory and no cursor: a refresh stores them all at once at the end."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def cursor(self, kind: Kind) -> SyncCursor | None:
        return None

    def save_cursor(self, cursor: SyncCursor) -> None:
        return None

    def clear_cursor(self, kind: Kind) -> None:
        return None

    def ingest_items(self, kind: Kind, items: list[dict[str, Any]]) -> Upserted:
        self.items += items
        return Upserted(len(items), len(items), 0, 0)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)  # Python 3.11 reads a trailing Z
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _catch_up(store: Store, api: HfApi, kind: Kind, since: date | None, progress: ProgressCallback | None, *,
              sleep: Callable[[float], None], max_wait: float, page_size: int) -> tuple[list[dict[str, Any]], SyncReport]:  # fmt: skip
    """The repos of `kind` modified since the catalog's data: the Hub's listing by last modification, newest
    first, up to the first repo the store holds with the same (or a newer) `lastModified`."""
    from lib.catalog.catalog import Progress

    cutoff = datetime(since.year, since.month, since.day, tzinfo=UTC) - MARGIN if since else None

    def stop_at(page: list[dict[str, Any]]) -> int | None:
        held = store.last_modified_of(kind, [i["id"] for i in page if isinstance(i.get("id"), str)])
        for position, item in enumerate(page):
            modified = _parse_time(item.get("lastModified"))
            if modified is None:
                continue
            if cutoff is not None and modified < cutoff:
                return position
            known = held.get(item.get("id"))  # type: ignore[arg-type]
            if known is not None and known >= modified:
                return position
        return None

    def on_event(event: SyncEvent) -> None:
        if progress is None:
            return
        if event.phase == "wait":
            progress(Progress(kind, "wait", f"Rate limited: waiting {event.wait_s:g} s as the Hub asked"))
        else:
            progress(Progress(kind, "fetch", f"{event.fetched:,} {kind} changed since {since or 'the start'}",
                              None, event.fetched))  # fmt: skip

    buffer = _Buffer()
    report = run_sync(buffer, api, kind, on_event=on_event, sleep=sleep, max_wait=max_wait, page_size=page_size,
                      sort="lastModified", stop_at=stop_at)  # fmt: skip
    if report.stopped == "rate-limited":
        raise errors.RateLimitedError(
            f"The Hub's rate limit stopped the listing of {kind}"
            + (f"; it asks to wait {report.retry_after:g} s." if report.retry_after is not None else "."),
            retry_after=report.retry_after,
        )
    return buffer.items, report


# --- the catalog side ---------------------------------------------------------------------------------------------
def _kinds(kinds: Sequence[str] | None) -> list[Kind]:
    chosen = list(dict.fromkeys(kinds or KINDS))
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise InvalidQueryError(f"Unknown kind {unknown[0]!r}; choose from {', '.join(KINDS)}.")
    return chosen  # type: ignore[return-value]


def _client_api(client: Any | None) -> HfApi:
    if client is None:
        from lib.hub.client import HubClient

        client = HubClient()
    return client.api


def _failed(verb: str, repo: str, exc: HubExplorerError) -> RefreshError:
    text = exc.message.rstrip(".").replace("\n", " ")
    return RefreshError(f"The {verb} from {repo} failed ({exc.title}: {text}); the catalog was left as it was.",
                        hint=exc.hint or None)  # fmt: skip


def _load(catalog: Catalog, revision: Revision, kind: Kind, path: Path, progress: ProgressCallback | None,
          started: float) -> KindRefresh:  # fmt: skip
    when = revision.date.astimezone(UTC).date() if revision.date else None
    loaded = catalog.load([path], kind=kind, snapshot_date=when, progress=progress, source=revision.source(kind),
                          revision=revision.sha, replace=True)  # fmt: skip
    return KindRefresh(kind=kind, action="fetched", revision=revision.sha, date=loaded.snapshot_date,
                       rows=loaded.count, file=FILES[kind], bytes=path.stat().st_size, removed=loaded.removed,
                       seconds=time.perf_counter() - started)  # fmt: skip


def fetch(
    catalog: Catalog,
    kinds: Sequence[Kind] | None = None,
    *,
    client: Any | None = None,
    repo: str = DEFAULT_REPO,
    progress: ProgressCallback | None = None,
    wait: float | None = 0.0,
) -> RefreshReport:
    """Download the dataset's current revision (every kind's file first) and load each kind from it.

    `client` is a `lib.hub.HubClient` (its `HfApi`: endpoint, token; made from the settings when None). A
    failure before the loads raises `RefreshError` with nothing written. One fetch or refresh at a time per
    catalog folder (`lib.catalog.lock`): while another runs, this one waits up to `wait` seconds (None: as long as
    it takes), then raises `CatalogBusyError` having done nothing."""
    with refresh_lock(catalog.root, wait=wait):
        return _fetch(catalog, kinds, client=client, repo=repo, progress=progress)


def _fetch(catalog: Catalog, kinds: Sequence[Kind] | None, *, client: Any | None, repo: str,
           progress: ProgressCallback | None) -> RefreshReport:  # fmt: skip
    chosen = _kinds(kinds)
    api = _client_api(client)
    started = time.perf_counter()
    try:
        revision = remote_revision(api, repo)
        _check_layout(revision, chosen)
        paths = {kind: _download(api, revision, kind, progress) for kind in chosen}
    except CatalogError:
        raise
    except HubExplorerError as exc:
        raise _failed("download", repo, exc) from exc
    done = {kind: _load(catalog, revision, kind, paths[kind], progress, started) for kind in chosen}
    return RefreshReport(repo=repo, revision=revision.sha, revision_date=revision.date, kinds=done,
                         seconds=time.perf_counter() - started)  # fmt: skip


def refresh(
    catalog: Catalog,
    kinds: Sequence[Kind] | None = None,
    *,
    client: Any | None = None,
    repo: str = DEFAULT_REPO,
    progress: ProgressCallback | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_wait: float = 600.0,
    page_size: int = PAGE_SIZE,
    wait: float | None = 0.0,
) -> RefreshReport:
    """Bring each kind up to date: fetch the dataset's revision when the kind rests on another one (or on none),
    otherwise sync the repos modified since the kind's snapshot date through the Hub's listing.

    Everything is downloaded and listed before anything is written; a failure raises `RefreshError` and leaves
    the catalog as it was. One fetch or refresh at a time per catalog folder, as for `fetch` (`wait`); a refresh
    that waited for another one finds the catalog as that one left it (usually: `unchanged`)."""
    with refresh_lock(catalog.root, wait=wait):
        return _refresh(catalog, kinds, client=client, repo=repo, progress=progress, sleep=sleep,
                        max_wait=max_wait, page_size=page_size)  # fmt: skip


def _refresh(catalog: Catalog, kinds: Sequence[Kind] | None, *, client: Any | None, repo: str,
             progress: ProgressCallback | None, sleep: Callable[[float], None], max_wait: float,
             page_size: int) -> RefreshReport:  # fmt: skip
    chosen = _kinds(kinds)
    api = _client_api(client)
    started = time.perf_counter()
    with Store(catalog.db_path) as store:  # opened for writing once: an older store gains the revision column
        held = {kind: store.latest_revision(kind, source_prefix(repo)) for kind in chosen}
        dates = {kind: (load.snapshot_date if (load := store.latest_load(kind)) else None) for kind in chosen}
    try:
        revision = remote_revision(api, repo)
        stale = [k for k in chosen if held[k] is None or held[k][0] != revision.sha or not catalog.has(k)]
        _check_layout(revision, stale)
        paths = {kind: _download(api, revision, kind, progress) for kind in stale}
        changes: dict[Kind, list[dict[str, Any]]] = {}
        current = [k for k in chosen if k not in stale]
        if current:
            with Store(catalog.db_path, read_only=True) as store:
                for kind in current:
                    changes[kind], _ = _catch_up(store, api, kind, dates[kind], progress, sleep=sleep,
                                                 max_wait=max_wait, page_size=page_size)  # fmt: skip
    except CatalogError:
        raise
    except HubExplorerError as exc:
        raise _failed("refresh", repo, exc) from exc
    done: dict[Kind, KindRefresh] = {}
    for kind in chosen:
        if kind in paths:
            done[kind] = _load(catalog, revision, kind, paths[kind], progress, started)
        elif not changes[kind]:
            done[kind] = _checked(catalog, revision, kind, started)
        else:
            done[kind] = _store_changes(catalog, api, revision, kind, changes[kind], progress, started)
    return RefreshReport(repo=repo, revision=revision.sha, revision_date=revision.date, kinds=done,
                         seconds=time.perf_counter() - started)  # fmt: skip


def _checked(catalog: Catalog, revision: Revision, kind: Kind, started: float) -> KindRefresh:
    """Nothing changed since the kind's data: it is current as of today. The store's history records the check
    and the live generation is marked (`Catalog.mark_checked`), so its age says today, without a rebuild."""
    today = datetime.now(UTC).date()
    with Store(catalog.db_path) as store:
        last = store.latest_load(kind)
        store.record_load(kind, last.source if last else revision.source(kind), today, 0, revision=revision.sha)
    catalog.mark_checked(kind, today)
    return KindRefresh(kind=kind, action="unchanged", revision=revision.sha, date=today, rows=catalog.index(kind).n,
                       seconds=time.perf_counter() - started)  # fmt: skip


def _store_changes(catalog: Catalog, api: HfApi, revision: Revision, kind: Kind, items: list[dict[str, Any]],
                   progress: ProgressCallback | None, started: float) -> KindRefresh:  # fmt: skip
    """Load a catch-up sync's items in one transaction (through `Catalog.load`, as one JSON Lines file)."""
    today = datetime.now(UTC).date()
    source = f"{revision.source(kind)} + {api.endpoint.rstrip('/')}/api/{kind} changes to {today.isoformat()}"
    with tempfile.TemporaryDirectory(prefix="hub-catalog-refresh-") as tmp:
        path = Path(tmp) / f"{kind}-changes.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(item, ensure_ascii=False, default=str) + "\n" for item in items)
        loaded = catalog.load([path], kind=kind, snapshot_date=today, progress=progress, source=source,
                              revision=revision.sha)  # fmt: skip
    return KindRefresh(kind=kind, action="synced", revision=revision.sha, date=loaded.snapshot_date,
                       rows=loaded.count, synced=loaded.written, seconds=time.perf_counter() - started)  # fmt: skip
