"""`Catalog`: the local catalog a page searches instead of the live Hub, with the same `SearchQuery` -> `SearchResult`.

Files under the app's home folder (`HUB_EXPLORER_HOME`)::

    catalog/
      catalog.duckdb            the durable store: one table per kind, load history, sync cursors
      index/<kind>/CURRENT      the name of the live index generation
      index/<kind>/g<time>/     one generation: *.npy arrays (opened with mmap), meta.json, fulltext.sqlite

Loading or syncing writes the store, then builds a new index generation beside the live one and switches
`CURRENT` atomically; an open `Catalog` notices the switch on its next call. Searches read only the index, so
they never wait for a writer and work in any thread.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lib.catalog import fulltext
from lib.catalog.errors import CatalogBusyError, CatalogError, CatalogMissingError, DumpError
from lib.catalog.fields import arrow_numpy, top_values
from lib.catalog.formats import snapshot_date_from_name
from lib.catalog.index import FACETS, KindIndex
from lib.catalog.search import TALLIED, RowSet, counted, match, page_by_score, page_rows
from lib.catalog.store import Store
from lib.catalog.sync import SyncEvent, SyncReport, run_sync
from lib.errors import InvalidQueryError
from lib.filters import BY_NAME, for_kind
from lib.query import KINDS, SORTS_BY_KIND, Facet, Kind, SearchQuery, SearchResult, Sort
from lib.records import RepoRecord, record_from_api
from lib.settings import load_settings
from lib.sources import Aggregates, Capabilities, from_coverage

CATALOG_DIR = "catalog"
DB_FILE = "catalog.duckdb"
Phase = Literal["read", "merge", "index", "fetch", "wait", "done"]


@dataclass(frozen=True)
class Progress:
    """One step of a load or sync, for a progress bar: `fraction` (0..1) when known, `message` always."""

    kind: Kind
    phase: Phase
    message: str
    fraction: float | None = None
    done: int | None = None
    total: int | None = None


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class KindStats:
    """What the catalog holds for one kind, and where it came from."""

    kind: Kind
    count: int
    source: str | None
    snapshot_date: date | None
    loaded_at: datetime | None
    built_at: datetime | None
    sorts_known: tuple[Sort, ...]
    fulltext_docs: int
    sync_pending: bool
    coverage: dict[str, float] = field(default_factory=dict)  # share of rows holding each data field


@dataclass(frozen=True)
class CatalogStats:
    """Counts, sources and snapshot dates per kind (only kinds that hold data), and the size on disk."""

    root: Path
    kinds: dict[Kind, KindStats]
    size_bytes: int

    @property
    def total(self) -> int:
        return sum(s.count for s in self.kinds.values())


@dataclass(frozen=True)
class LoadReport:
    """The outcome of `Catalog.load`: items read, written (new or replaced), replaced, skipped (no id or
    repeated in the same file), the kind's row count afterwards, and the seconds it all took."""

    kind: Kind
    files: tuple[str, ...]
    read: int
    written: int
    replaced: int
    skipped: int
    count: int
    snapshot_date: date | None
    seconds: float


_NO_HITS = (np.zeros(0, np.int64), np.zeros(0, np.float64))


def counted_names(kind: Kind, caps: Capabilities) -> tuple[str, ...]:
    """What a search counts by default: the kind's facets (`FACETS`: every choice filter's field), then gated, the
    parameter presets and the quality toggles; only those whose data the catalog holds (`caps`: a count from missing
    data would be a lie, a dump without gated flags would count every repo as not gated)."""
    names = FACETS[kind] + tuple(n for n in TALLIED if kind in BY_NAME[n].kinds)
    return tuple(n for n in names if caps.can_filter(n))


def _check_kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise InvalidQueryError(f"Unknown kind {kind!r}; choose one of {', '.join(KINDS)}.")
    return kind  # type: ignore[return-value]


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class Catalog:
    """The local catalog under `root` (normally ``<home>/catalog``). Cheap to create; nothing is read until used."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._open: dict[Kind, tuple[str, KindIndex]] = {}

    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None) -> Catalog:
        """The catalog in the app's home folder (`HUB_EXPLORER_HOME` when `home` is None)."""
        base = Path(home).expanduser() if home is not None else load_settings().home
        return cls(base / CATALOG_DIR)

    # --- where things are ---------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.root / DB_FILE

    def _kind_dir(self, kind: Kind) -> Path:
        return self.root / "index" / kind

    def _current(self, kind: Kind) -> Path | None:
        try:
            name = (self._kind_dir(kind) / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        folder = self._kind_dir(kind) / name
        return folder if name and (folder / "meta.json").exists() else None

    @property
    def exists(self) -> bool:
        """Whether any kind has searchable data."""
        return bool(self.kinds())

    def kinds(self) -> tuple[Kind, ...]:
        """The kinds that have searchable data."""
        return tuple(k for k in KINDS if self._current(k) is not None)

    def has(self, kind: Kind) -> bool:
        return self._current(kind) is not None

    def index(self, kind: Kind) -> KindIndex:
        """The live index of a kind (opened once, reopened when a load or sync switched generations)."""
        folder = self._current(_check_kind(kind))
        if folder is None:
            raise CatalogMissingError(f"The local catalog has no {kind} (looked in {self.root}).")
        cached = self._open.get(kind)
        if cached is not None and cached[0] == folder.name:
            return cached[1]
        with self._lock:
            cached = self._open.get(kind)
            if cached is None or cached[0] != folder.name:
                try:
                    cached = (folder.name, KindIndex.load(folder))
                except (ValueError, OSError) as exc:
                    raise CatalogError(
                        f"The {kind} index in {folder.parent} cannot be opened ({exc}).",
                        hint=f"Rebuild it from the store: python -m lib.catalog rebuild --kind {kind}",
                    ) from exc
                self._open[kind] = cached
        return cached[1]

    # --- searching ----------------------------------------------------------------------------------
    def search(self, query: SearchQuery, *, facet_limit: int = 20,
               facets: Sequence[str] | None = None) -> SearchResult:  # fmt: skip
        """Every match of `query` counted, one page of records in the query's order, and counts for the filters.

        `facets` names what to count (default `counted_names(kind)`: every choice filter's field, gated, the
        parameter presets and the quality toggles the data holds); any field of `facet_fields(kind)` may be asked
        for. A filter that is set is counted over the matches without it (`lib.catalog.search.counted`)."""
        started = time.perf_counter()
        index = self.index(query.kind)
        caps = self.capabilities(query.kind)
        caps.check(query)
        names = self._facet_names(index, facets, caps)
        matches = match(index, query)
        rows = matches.rows
        total = rows.count()
        page = page_rows(index, rows, query.sort, query.offset, query.limit)
        return SearchResult(
            query=query,
            items=index.records(page),
            source="catalog",
            total=total,
            has_more=query.offset + page.size < total,
            facets=counted(index, query, matches, names, facet_limit),
            took_ms=(time.perf_counter() - started) * 1000,
            folded=matches.folded,
        )

    def fulltext(self, text: str, query: SearchQuery | None = None, *, facet_limit: int = 20,
                 facets: Sequence[str] | None = None) -> SearchResult:  # fmt: skip
        """Repos whose description or card text contains every word of `text`, best BM25 match first.

        `query` (default: datasets) narrows the matches with its filters and id text and chooses the page;
        its sort is ignored: full-text results are ranked."""
        started = time.perf_counter()
        query = query or SearchQuery(kind="datasets")
        index = self.index(query.kind)
        caps = self.capabilities(query.kind)
        caps.check(query, sort=False)
        names = self._facet_names(index, facets, caps)
        hit_rows, scores = fulltext.search(index.folder / fulltext.FILE_NAME, text) if index.folder else _NO_HITS
        base = RowSet(index.n, idx=hit_rows)
        matches = match(index, query, base=base)
        idx = matches.rows.to_idx()
        page = page_by_score(idx, scores[np.searchsorted(hit_rows, idx)], query.offset, query.limit)
        return SearchResult(
            query=query,
            items=index.records(page),
            source="catalog",
            total=int(idx.size),
            has_more=query.offset + page.size < idx.size,
            facets=counted(index, query, matches, names, facet_limit, base=base),
            took_ms=(time.perf_counter() - started) * 1000,
            folded=matches.folded,
        )

    def aggregates(self, query: SearchQuery) -> Aggregates:
        """The chart frames of `lib.charts` over every match of `query` (its sort, offset and limit are
        ignored): distributions, downloads per decade, creations per month, the most downloaded for a scatter."""
        from lib.catalog.aggregates import aggregates  # charts pull in pandas and altair: only when asked

        index = self.index(query.kind)
        self.capabilities(query.kind).check(query, sort=False)
        rows = match(index, query).rows
        return Aggregates(frames=aggregates(index, rows), matches=rows.count(), complete=True)

    # --- the lib.sources.Source contract ------------------------------------------------------------
    name = "catalog"
    label = "the local catalog"

    def capabilities(self, kind: Kind) -> Capabilities:
        """What this catalog's data can answer for a kind: every filter and sort whose field enough rows hold
        (a dump without trending scores cannot sort by trending; the reason says so), facet counts, totals.
        A kind it does not hold answers nothing."""
        kind = _check_kind(kind)
        hint = "Choose another sort or remove those filters; or load a dump that has those fields."
        if not self.has(kind):
            reason = f"The local catalog has no {kind}."
            return Capabilities(kind=kind, source=self.label, filters=frozenset(), sorts=(), default_sort="trending",
                                holds=False, unavailable={f.name: reason for f in for_kind(kind)},
                                unsorted=dict.fromkeys(SORTS_BY_KIND[kind], reason), hint=hint)  # fmt: skip
        caps = from_coverage(kind, self.index(kind).coverage, SORTS_BY_KIND[kind], source=self.label, facets=(),
                             hint=hint)  # fmt: skip
        return dataclasses.replace(caps, facets=counted_names(kind, caps))

    @staticmethod
    def _facet_names(index: KindIndex, facets: Sequence[str] | None, caps: Capabilities) -> tuple[str, ...]:
        if facets is None:
            return counted_names(index.kind, caps)
        names = tuple(facets)
        known = [n for n in index.fields if n != "tag"] + [n for n in TALLIED if index.kind in BY_NAME[n].kinds]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise InvalidQueryError(f"{index.kind} cannot be counted by {', '.join(unknown)}; choose from "
                                    f"{', '.join(known)}.")  # fmt: skip
        return names

    def facet_fields(self, kind: Kind) -> tuple[str, ...]:
        """Every field of a kind that `search(..., facets=...)` can count and `facet_values` can list."""
        return tuple(self.index(kind).fields)

    def facet_names(self, kind: Kind) -> tuple[str, ...]:
        """The counts a search result of this kind carries."""
        kind = _check_kind(kind)
        return counted_names(kind, self.capabilities(kind))

    def facet_values(self, kind: Kind, name: str, *, limit: int = 50, prefix: str = "") -> Facet:
        """The most common values of a field over the whole kind (for filter dropdowns), optionally only those
        starting with `prefix`. `name` is a facet, ``language`` or ``tag``."""
        index = self.index(kind)
        coded = index.fields.get(name)
        if coded is None:
            raise InvalidQueryError(f"{kind} have no field {name!r}; choose one of {', '.join(index.fields)}.")
        codes, counts = coded.all_tally()
        none = coded.none_count
        if prefix:
            lo = coded.vocab.lower_bound(prefix)
            hi = coded.vocab.lower_bound(prefix + "\U0010ffff")
            inside = (codes >= lo) & (codes < hi)
            codes, counts, none = codes[inside], counts[inside], 0
        return top_values(coded.vocab, codes, counts, none, limit, name=name)

    def get(self, kind: Kind, repo_id: str) -> RepoRecord | None:
        """One repo's full stored record (every field the dump or sync gave), or None when it is not here."""
        index = self.index(kind)
        row = index.row_of(repo_id)
        if row is None:
            return None
        try:
            with Store(self.db_path, read_only=True) as store:
                item = store.item(kind, repo_id)
        except (CatalogBusyError, duckdb.Error):  # a writer holds the store: the index's record will do
            item = None
        return record_from_api(kind, item) if item else index.record(row)

    def stats(self) -> CatalogStats:
        """What each kind holds: count, source, snapshot date, when it was built. Reads only index metadata."""
        kinds: dict[Kind, KindStats] = {}
        for kind in self.kinds():
            meta = self.index(kind).meta
            kinds[kind] = KindStats(
                kind=kind,
                count=int(meta["n"]),
                source=meta.get("source"),
                snapshot_date=_date(meta.get("snapshot_date")),
                loaded_at=_datetime(meta.get("loaded_at")),
                built_at=_datetime(meta.get("built_at")),
                sorts_known=tuple(meta.get("sorts_known", ())),
                fulltext_docs=int(meta.get("fulltext_docs", 0)),
                sync_pending=bool(meta.get("sync_pending", False)),
                coverage=self.index(kind).coverage,
            )
        size = sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file()) if self.root.exists() else 0
        return CatalogStats(root=self.root, kinds=kinds, size_bytes=size)

    # --- loading and syncing ------------------------------------------------------------------------
    def load(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        kind: Kind,
        snapshot_date: date | None = None,
        progress: ProgressCallback | None = None,
    ) -> LoadReport:
        """Upsert the items of dump files (JSON Lines, .gz, JSON arrays, Parquet) into `kind`, then rebuild its
        index. The kind remembers the files as its source and the snapshot date (given, else from a file name
        like ``models-2024-07-11.jsonl.gz``, else the newest date in the data)."""
        kind = _check_kind(kind)
        files = [Path(p) for p in paths]
        if not files:
            raise DumpError("No dump file given.")
        for path in files:
            if not path.is_file():
                raise DumpError(f"No such file: {path}")
        report = _progress_reporter(progress, kind)
        started = time.perf_counter()
        totals = {"read": 0, "written": 0, "replaced": 0, "skipped": 0}
        try:
            with Store(self.db_path) as store:
                for path in files:
                    report("read", f"Reading {path.name}", 0.0)
                    done = store.ingest(
                        kind, path, progress=lambda f, name=path.name: report("read", f"Reading {name}", f)
                    )
                    if done.read == 0:
                        raise DumpError(f"{path.name} holds no items.")
                    for key in totals:
                        totals[key] += getattr(done, key)
                    report("merge", f"{path.name}: {done.written:,} {kind} stored ({done.replaced:,} replaced)", 1.0)
                dated = [d for d in (snapshot_date_from_name(p) for p in files) if d is not None]
                when = snapshot_date or (max(dated) if dated else store.latest_change(kind))
                store.record_load(kind, ", ".join(str(p.resolve()) for p in files), when, totals["written"])
                count = store.count(kind)
        finally:
            if totals["written"]:  # what was stored is searchable even when a later file failed
                self._rebuild(kind, report)
        report("done", f"{count:,} {kind} in the catalog", 1.0)
        return LoadReport(kind=kind, files=tuple(str(p) for p in files), count=count, snapshot_date=when,
                          seconds=time.perf_counter() - started, **totals)  # fmt: skip

    def sync(
        self,
        kind: Kind,
        *,
        client: Any | None = None,
        limit: int | None = None,
        restart: bool = False,
        progress: ProgressCallback | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 600.0,
        page_size: int = 1000,
    ) -> SyncReport:
        """Fetch `kind` from the Hub through the typed client (`lib.hub.HubClient`, made from the settings when
        None), page by page, resuming an unfinished sync unless `restart`; waits out rate limits up to
        `max_wait` seconds each. The index is rebuilt with whatever was fetched, even when the sync stops early."""
        kind = _check_kind(kind)
        if limit is not None and limit < 1:
            raise InvalidQueryError(f"limit must be 1 or more, not {limit}.")
        if client is None:
            from lib.hub.client import HubClient

            client = HubClient()
        report = _progress_reporter(progress, kind)

        def on_event(event: SyncEvent) -> None:
            if event.phase == "wait":
                report("wait", f"Rate limited: waiting {event.wait_s:g} s as the Hub asked", None)
            else:
                fraction = min(1.0, event.fetched / event.limit) if event.limit else None
                report("fetch", f"{event.fetched:,} {kind} fetched", fraction, event.fetched, event.limit)

        outcome: SyncReport | None = None
        rebuild = False
        try:
            with Store(self.db_path) as store:
                before = store.count(kind)
                try:
                    outcome = run_sync(store, client.api, kind, limit=limit, restart=restart, on_event=on_event,
                                       sleep=sleep, max_wait=max_wait, page_size=page_size)  # fmt: skip
                finally:  # keep what was fetched, even when the sync failed part way
                    after = store.count(kind)
                    fetched = outcome.fetched if outcome is not None else after - before
                    rebuild = fetched > 0 or after != before or (after > 0 and not self.has(kind))
                    if rebuild:
                        finished = outcome is not None and outcome.finished
                        label = f"{client.api.endpoint.rstrip('/')}/api/{kind}" + ("" if finished else " (partial)")
                        store.record_load(kind, label, datetime.now(UTC).date(), fetched)
        finally:
            if rebuild:
                self._rebuild(kind, report)
        assert outcome is not None
        report("done", f"{outcome.fetched:,} {kind} fetched" + ("" if outcome.finished else "; more to fetch"), 1.0)
        return outcome

    def rebuild(self, kind: Kind, *, progress: ProgressCallback | None = None) -> None:
        """Build a kind's index again from the store (after an index format change, say)."""
        kind = _check_kind(kind)
        with Store(self.db_path):  # opened for writing once: a store from an older version gains its new columns
            pass
        self._rebuild(kind, _progress_reporter(progress, kind))

    def _rebuild(self, kind: Kind, report: Callable[..., None]) -> None:
        """Build a new index generation of `kind` from the store and make it the live one.

        The store is read, then closed before building, so that DuckDB's buffers are freed first."""
        report("index", f"Indexing {kind}", 0.0)
        with Store(self.db_path, read_only=True) as store:
            table = store.index_table(kind)
            meta = _source_meta(store, kind)
        if table.num_rows == 0:
            return
        steps = ("ids", "text", "numbers", "fields")
        index = KindIndex.build(
            kind, table, meta, lambda step: report("index", f"Indexing {kind}: {step}", steps.index(step) / 5)
        )
        kind_dir = self._kind_dir(kind)
        name = f"g{time.time_ns()}"
        tmp = kind_dir / f".{name}.tmp"
        index.save(tmp)
        report("index", f"Indexing {kind}: full text", 0.8)
        index.meta["fulltext_docs"] = fulltext.build(tmp / fulltext.FILE_NAME, _fulltext_docs(table))
        del table
        index.save_meta(tmp)
        tmp.rename(kind_dir / name)
        pointer = kind_dir / "CURRENT.tmp"
        pointer.write_text(name, encoding="utf-8")
        os.replace(pointer, kind_dir / "CURRENT")
        _prune(kind_dir, keep={name})
        report("index", f"Indexed {index.n:,} {kind}", 1.0)


def _source_meta(store: Store, kind: Kind) -> dict[str, Any]:
    load = store.latest_load(kind)
    cursor = store.cursor(kind)
    return {
        "source": load.source if load else None,
        "snapshot_date": load.snapshot_date.isoformat() if load and load.snapshot_date else None,
        "loaded_at": load.loaded_at.isoformat(timespec="seconds") if load else None,
        "sync_pending": cursor is not None,
    }


def _fulltext_docs(table: pa.Table) -> Iterable[tuple[int, str | None, str | None]]:
    has_text = pc.or_(pc.is_valid(table.column("description")), pc.is_valid(table.column("card_text")))
    rows = np.flatnonzero(arrow_numpy(has_text, bool)).tolist()
    chosen = table.filter(has_text)
    return zip(rows, chosen.column("description").to_pylist(), chosen.column("card_text").to_pylist(), strict=True)


def _prune(kind_dir: Path, keep: set[str]) -> None:
    """Remove old generations, leaving the newest previous one for readers that may still be opening it."""
    generations = sorted((p for p in kind_dir.iterdir() if p.is_dir() and p.name.startswith("g")), reverse=True)
    previous = [g for g in generations if g.name not in keep]
    for old in previous[1:]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in kind_dir.glob(".g*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)


def _progress_reporter(progress: ProgressCallback | None, kind: Kind) -> Callable[..., None]:
    def report(phase: Phase, message: str, fraction: float | None = None, done: int | None = None,
               total: int | None = None) -> None:  # fmt: skip
        if progress is not None:
            progress(Progress(kind, phase, message, fraction, done, total))

    return report
