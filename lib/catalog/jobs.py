"""Building and refreshing the catalog in the background, for a page: one job at a time per catalog folder.

A server process keeps one `JobBoard` per catalog folder (the app holds it in `st.cache_resource`), and every
session asks it: `board.start("fetch", kinds, client=...)` starts `Catalog.fetch` (or `refresh`) in a thread
unless one is running already, in which case the running job is returned (two visitors clicking "Build" build
it once); `board.latest()` is the running job, or the last one that finished, and `job.snapshot()` is what a
page draws (the newest `Progress` of each kind, then the report or the error). Across processes (several
servers on one folder, or the CLI), the catalog's own refresh lock (`lib.catalog.lock`, taken by `fetch` and
`refresh` themselves) lets one run; another meets `CatalogBusyError` at once and says so.

Nothing here imports Streamlit; `words()` and `ages()` are the plain-text lines the sidebar shows.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from lib.catalog.catalog import Catalog, CatalogStats, Progress
from lib.catalog.hubstats import FILES, RefreshReport
from lib.errors import HubExplorerError
from lib.query import Kind
from lib.translate import translate

Action = Literal["fetch", "refresh"]
_log = logging.getLogger(__name__)
_ids = itertools.count(1)
#: A kind whose snapshot is more than this many days old is offered a refresh.
STALE_DAYS = 1


@dataclass(frozen=True)
class Snapshot:
    """What a job has done so far: the newest progress of each kind (one file each), then its outcome."""

    id: int
    action: Action
    kinds: tuple[Kind, ...]
    started: float  # time.time()
    progress: dict[Kind, Progress]
    done: bool
    finished: float | None = None
    report: RefreshReport | None = None
    error: HubExplorerError | None = None


class CatalogJob:
    """`Catalog.fetch` or `refresh` in a daemon thread (they take the folder's refresh lock themselves)."""

    def __init__(self, root: Path, action: Action, kinds: Sequence[Kind], *, client: Any, repo: str | None = None,
                 run: Callable[..., RefreshReport] | None = None) -> None:  # fmt: skip
        self.id = next(_ids)
        self.root = Path(root)
        self.action: Action = action
        self.kinds = tuple(kinds)
        self._client = client
        self._repo = repo
        self._run = run
        self._lock = threading.Lock()
        self._progress: dict[Kind, Progress] = {}
        self._report: RefreshReport | None = None
        self._error: HubExplorerError | None = None
        self._started = time.time()
        self._finished: float | None = None
        self._thread = threading.Thread(target=self._work, name=f"catalog-{action}", daemon=True)

    def start(self) -> CatalogJob:
        self._thread.start()
        return self

    def _on_progress(self, progress: Progress) -> None:
        with self._lock:
            self._progress[progress.kind] = progress

    def _work(self) -> None:
        verb = "build" if self.action == "fetch" else "refresh"
        try:
            catalog = Catalog(self.root)
            options: dict[str, Any] = {"client": self._client, "progress": self._on_progress}
            if self._repo is not None:
                options["repo"] = self._repo
            run = self._run or (catalog.fetch if self.action == "fetch" else catalog.refresh)
            report = run(list(self.kinds), **options)
            with self._lock:
                self._report = report
        except HubExplorerError as exc:
            with self._lock:
                self._error = exc
        except Exception as exc:  # noqa: BLE001 - shown by the page through the error seam; nobody else to tell
            err = translate(exc, what=f"The catalog {verb}")
            _log.warning("catalog %s failed: %s (%s)", verb, err.title, type(exc).__name__)
            with self._lock:
                self._error = err
        finally:
            with self._lock:
                self._finished = time.time()

    @property
    def done(self) -> bool:
        return self._thread.ident is not None and not self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """True once the job has ended."""
        self._thread.join(timeout)
        return self.done

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(id=self.id, action=self.action, kinds=self.kinds, started=self._started,
                            progress=dict(self._progress), done=self._finished is not None, finished=self._finished,
                            report=self._report, error=self._error)  # fmt: skip


@dataclass
class JobBoard:
    """The jobs of one catalog folder in this process: at most one running; the last one kept for its outcome."""

    root: Path
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _latest: CatalogJob | None = None
    started: int = 0  # jobs started here (a test counts them)

    def start(self, action: Action, kinds: Sequence[Kind], *, client: Any, **options: Any) -> tuple[CatalogJob, bool]:
        """Start a job, or join the one running: (the job, whether this call started it)."""
        with self._lock:
            if self._latest is not None and not self._latest.snapshot().done:
                return self._latest, False
            self._latest = CatalogJob(self.root, action, kinds, client=client, **options).start()
            self.started += 1
            return self._latest, True

    def latest(self) -> CatalogJob | None:
        with self._lock:
            return self._latest


# --- what the sidebar says ---------------------------------------------------------------------------------------
def revision_of(source: str | None) -> str | None:
    """The dataset commit a kind's source names (``hf://datasets/<repo>@<sha>/<file>...``), else None."""
    if not source or not source.startswith("hf://datasets/") or "@" not in source:
        return None
    sha = source.split("@", 1)[1].split("/", 1)[0]
    return sha or None


@dataclass(frozen=True)
class KindAge:
    kind: Kind
    count: int
    snapshot: date | None
    days: int | None  # None when the snapshot date is unknown
    revision: str | None

    @property
    def stale(self) -> bool:
        """Older than a day (or of an unknown date): worth a refresh."""
        return self.days is None or self.days > STALE_DAYS

    def line(self) -> str:
        """``models: 2,161,698 · 3 days old`` (plain text)."""
        if self.days is None:
            age = "date unknown"
        else:
            age = "today" if self.days <= 0 else "1 day old" if self.days == 1 else f"{self.days:,} days old"
        return f"{self.kind}: {self.count:,} · {age}"

    def detail(self) -> str:
        """Snapshot date and revision (plain text)."""
        parts = [f"snapshot {self.snapshot.isoformat()}" if self.snapshot else "snapshot date unknown"]
        if self.revision:
            parts.append(f"revision {self.revision[:7]}")
        return ", ".join(parts)


def ages(stats: CatalogStats, today: date | None = None) -> list[KindAge]:
    """Each kind's count and age on `today` (UTC today when None)."""
    today = today or datetime.now(UTC).date()
    out = []
    for kind, ks in stats.kinds.items():
        days = (today - ks.snapshot_date).days if ks.snapshot_date else None
        out.append(KindAge(kind, ks.count, ks.snapshot_date, days, revision_of(ks.source)))
    return out


def words(report: RefreshReport) -> list[str]:
    """What a fetch or refresh changed, one plain-text line per kind: ``models: 1,204 synced``,
    ``datasets: fetched revision abc1234 (312,004 rows)``, ``spaces: already up to date``."""
    out = []
    for kind, done in report.kinds.items():
        if done.action == "fetched":
            out.append(f"{kind}: fetched revision {(done.revision or '?')[:7]} ({done.rows:,} rows)")
        elif done.action == "synced":
            out.append(f"{kind}: {done.synced:,} synced ({done.rows:,} rows)")
        else:
            out.append(f"{kind}: already up to date")
    return out


def download_size(sizes: dict[str, int | None], kinds: Sequence[Kind]) -> int | None:
    """The bytes the kinds' files weigh at a revision (`Revision.sizes`), None when the Hub did not say them all."""
    found = [sizes.get(FILES[k]) for k in kinds]
    return None if not found or any(s is None for s in found) else sum(s for s in found if s is not None)
