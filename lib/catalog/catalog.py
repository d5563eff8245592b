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
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import numpy as np
import pyarrow as pa

from lib.catalog import fulltext
from lib.catalog.errors import CatalogBusyError, CatalogError, CatalogMissingError, DumpError
from lib.catalog.fields import top_values
from lib.catalog.formats import snapshot_date_from_name
from lib.catalog.index import FACETS, FIELDS, KindIndex, ParquetColumns
from lib.catalog.patch import Placement, patch, patchable, place

if TYPE_CHECKING:
    from lib.catalog.semantic import EmbedReport
from lib.catalog.search import TALLIED, Matches, RowSet, counted, match, page_by_score, page_rows
from lib.catalog.store import Store
from lib.catalog.sync import SyncEvent, SyncReport, run_sync
from lib.errors import HubExplorerError, InvalidQueryError
from lib.filters import BY_NAME, for_kind
from lib.query import KINDS, RELEVANCE, SORTS_BY_KIND, Facet, Kind, Mode, SearchQuery, SearchResult, Sort
from lib.records import RepoRecord, record_from_api
from lib.settings import load_settings
from lib.sources import DATA_WORDS, Aggregates, Capabilities, from_coverage

CATALOG_DIR = "catalog"
CHECKED = "CHECKED"  # index/<kind>/CHECKED: the live generation was found current on a later day (see `mark_checked`)
DB_FILE = "catalog.duckdb"
Phase = Literal["read", "merge", "index", "fetch", "wait", "embed", "done"]


@dataclass(frozen=True)
class Progress:
    """One step of a load or sync, for a progress bar: `fraction` (0..1) when known, `message` always."""

    kind: Kind
    phase: Phase
    message: str
    fraction: float | None = None
    done: int | None = None
    total: int | None = None
    eta_s: float | None = None  # seconds left, when known (a download)


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
    removed: int = 0  # rows the files no longer hold (a load with `replace`)


_NO_HITS = (np.zeros(0, np.int64), np.zeros(0, np.float64))


def counted_names(kind: Kind, caps: Capabilities) -> tuple[str, ...]:
    """What a search counts by default: the kind's facets (`FACETS`: every choice filter's field), then gated, the
    parameter presets and the quality toggles; only those whose data the catalog holds (`caps`: a count from missing
    data would be a lie, a dump without gated flags would count every repo as not gated)."""
    names = FACETS[kind] + tuple(n for n in TALLIED if kind in BY_NAME[n].kinds)
    return tuple(n for n in names if caps.can_filter(n))


def _unindexed(kind: Kind, index: KindIndex) -> dict[str, str]:
    """Why a filter whose field an index generation lacks (built before the field was indexed: a Space's stage, the
    models and datasets it uses) is not offered: not the dump's fault, a rebuild adds it."""
    indexed = {spec.name for spec in FIELDS[kind]}
    return {f.name: (f"This catalog's {kind} index was built before it held {DATA_WORDS.get(f.data, f.data)}: rebuild "
                     f"it with `python -m lib.catalog rebuild --kind {kind}`.")
            for f in for_kind(kind) if f.data in indexed and f.data not in index.fields}  # fmt: skip


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
        self._semantic: dict[Kind, tuple[str, Any]] = {}  # kind -> (generation, lib.catalog.semantic.SemanticIndex)

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

    def mark_checked(self, kind: Kind, day: date) -> None:
        """Record that `kind`'s live generation was found current on `day` (a refresh that found nothing to change):
        its snapshot date becomes `day` without building a generation. The mark names the generation, so a later
        load or sync supersedes it; it is written whole and renamed into place, as `CURRENT` is."""
        folder = self._current(kind)
        if folder is None:
            return
        mark = self._kind_dir(kind) / CHECKED
        staged = mark.with_name(CHECKED + ".tmp")
        staged.write_text(json.dumps({"generation": folder.name, "snapshot_date": day.isoformat(),
                                      "checked_at": datetime.now(UTC).isoformat(timespec="seconds")}),
                          encoding="utf-8")  # fmt: skip
        os.replace(staged, mark)

    def checked(self, kind: Kind) -> date | None:
        """The day `kind`'s live generation was last found current by a refresh, when later than its build."""
        folder = self._current(kind)
        try:
            doc = json.loads((self._kind_dir(kind) / CHECKED).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        if folder is None or not isinstance(doc, dict) or doc.get("generation") != folder.name:
            return None
        try:
            return _date(doc.get("snapshot_date"))
        except (TypeError, ValueError):
            return None

    def version(self, kind: Kind) -> str:
        """What identifies `kind`'s data as shown (for cache keys): its live generation, and the time of a
        `mark_checked` on it."""
        folder = self._current(kind)
        if folder is None:
            return ""
        try:
            marked = (self._kind_dir(kind) / CHECKED).stat().st_mtime_ns
        except FileNotFoundError:
            return folder.name
        return f"{folder.name}@{marked}"

    def versions(self) -> tuple[tuple[Kind, str], ...]:
        """`version` of each kind that has data: what identifies the catalog's data now, for cache keys."""
        return tuple((kind, self.version(kind)) for kind in self.kinds())

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
        for. A filter that is set is counted over the matches without it (`lib.catalog.search.counted`). The
        query's `mode` says how its text matches: a substring of the id (``names``), or the ranked full-text and
        meaning searches (their hits are matched against the filters like any other rows, and ordered by relevance
        or by the sort)."""
        started = time.perf_counter()
        index = self.index(query.kind)
        caps = self.capabilities(query.kind)
        caps.check(query)
        names = self._facet_names(index, facets, caps)
        matches, scores, base = self._matches(index, query)
        rows = matches.rows
        total = rows.count()
        if query.sort == RELEVANCE:
            page = (
                page_by_score(rows.to_idx(), scores, query.offset, query.limit) if scores is not None else _NO_HITS[0]
            )
        else:
            page = page_rows(index, rows, query.sort, query.offset, query.limit)
        items = index.records(page)
        return SearchResult(
            query=query,
            items=items,
            source="catalog",
            total=total,
            has_more=query.offset + page.size < total,
            facets=counted(index, query, matches, names, facet_limit, base=base),
            took_ms=(time.perf_counter() - started) * 1000,
            folded=matches.folded,
            snippets=self._snippets(index, query, items),
        )

    def _matches(self, index: KindIndex, query: SearchQuery) -> tuple[Matches, np.ndarray | None, RowSet | None]:
        """The rows a query matches; for the ranked modes, their scores (lower is better) in row order and the hits
        they were matched within (what a set filter is counted over, without that filter)."""
        if query.mode == "names":
            return match(index, query), None, None
        hit_rows, hit_scores = self._ranked_hits(index, query)
        base = RowSet(index.n, idx=hit_rows)
        matches = match(index, query, base=base)
        scores = hit_scores[np.searchsorted(hit_rows, matches.rows.to_idx())] if matches.rows.count() else None
        return matches, scores, base

    def _ranked_hits(self, index: KindIndex, query: SearchQuery) -> tuple[np.ndarray, np.ndarray]:
        """(rows ascending, scores: lower is better) of a text or meaning search's text. A meaning search's hits
        are the `semantic.CANDIDATES` repos nearest the text among the rows that pass the query's filters."""
        if query.mode == "text":
            if index.folder is None:
                return _NO_HITS
            keys, scores = fulltext.search(index.folder / fulltext.FILE_NAME, query.text)
            if index.doc_keys is None:  # a document's key is its row
                return keys, scores
            rows = index.doc_rows(keys)
            order = np.argsort(rows)
            return rows[order], scores[order]
        semantic = self._semantic_index(index)
        if semantic is None:
            raise InvalidQueryError(self._no_meaning(query.kind))
        if not query.text.strip():
            return _NO_HITS
        vector = self._embedder().encode([query.text])[0]
        return semantic.nearest(index, vector, match(index, query).rows)

    def _embedder(self) -> Any:
        """The configured embedding model, loaded once per process (distilled and cached first if need be)."""
        from lib.catalog.embedder import load_embedder

        return load_embedder(load_settings().embedding_model, self.root.parent)

    def _model_name(self) -> str:
        from lib.catalog.embedder import model_name

        return model_name(load_settings().embedding_model)

    def _semantic_index(self, index: KindIndex) -> Any | None:
        """The live generation's semantic index when it was built with the configured model, else None."""
        from lib.catalog import semantic

        if index.folder is None:
            return None
        name = index.folder.name
        cached = self._semantic.get(index.kind)
        if cached is not None and cached[0] == name:
            return cached[1]
        meta = semantic.read_meta(index.folder)
        if meta is None or meta.get("model") != self._model_name() or meta.get("recipe") != semantic.RECIPE:
            return None
        with self._lock:
            opened = semantic.SemanticIndex(index.folder, meta)
            self._semantic[index.kind] = (name, opened)
        return opened

    def _snippets(self, index: KindIndex, query: SearchQuery,
                  items: Sequence[RepoRecord]) -> dict[str, tuple[tuple[str, bool], ...]]:  # fmt: skip
        """What matched, per item, for a text search (see `SearchResult.snippets` and `fulltext.snippets`); none
        for the other modes."""
        if query.mode != "text" or not items or index.folder is None:
            return {}
        rows = [row for item in items if (row := index.row_of(item.id)) is not None]
        docs = dict(zip(index.doc_keys_of(np.asarray(rows, np.int64)).tolist(), (index.ids[r] for r in rows), strict=True))
        found = fulltext.snippets(index.folder / fulltext.FILE_NAME, query.text, docs)
        return {docs[key]: pieces for key, pieces in found.items()}

    def fulltext(self, text: str, query: SearchQuery | None = None, *, facet_limit: int = 20,
                 facets: Sequence[str] | None = None) -> SearchResult:  # fmt: skip
        """Repos whose full-text document (id words, task, library and tags, description, card text: see
        `lib.catalog.fulltext`) holds every word of `text`, best BM25 match first.

        `query` (default: datasets) narrows the matches with its filters and chooses the page; its id text and
        sort are replaced: this is `search` in ``text`` mode, by relevance."""
        query = query or SearchQuery(kind="datasets")
        return self.search(query.replace(text=text, mode="text", sort=RELEVANCE), facet_limit=facet_limit,
                           facets=facets)  # fmt: skip

    def aggregates(self, query: SearchQuery) -> Aggregates:
        """The chart frames of `lib.charts` over every match of `query` (its sort, offset and limit are
        ignored): distributions, downloads per decade, creations per month, the most downloaded for a scatter."""
        from lib.catalog.aggregates import aggregates  # charts pull in pandas and altair: only when asked

        index = self.index(query.kind)
        self.capabilities(query.kind).check(query, sort=False)
        rows = self._matches(index, query)[0].rows  # the same rows as `search`, in every mode
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
        modes, unmoded = self._modes(kind)
        caps = from_coverage(kind, self.index(kind).coverage, SORTS_BY_KIND[kind], source=self.label, facets=(),
                             hint=hint, modes=modes, unmoded=unmoded)  # fmt: skip
        return dataclasses.replace(caps, facets=counted_names(kind, caps),
                                   unavailable={**caps.unavailable, **_unindexed(kind, self.index(kind))})

    def _modes(self, kind: Kind) -> tuple[tuple[Mode, ...], dict[str, str]]:
        """The search modes this catalog answers for a kind (names always; text with a full-text index; meaning
        with embeddings), and why not the others."""
        index = self.index(kind)
        modes: list[Mode] = ["names"]
        unmoded: dict[str, str] = {}
        if index.folder is not None and (index.folder / fulltext.FILE_NAME).exists():
            if index.meta.get("fulltext_format") == fulltext.FORMAT:
                modes.append("text")
            else:
                unmoded["text"] = (f"This catalog's full-text index for its {kind} is of an older format (without "
                                   f"names, tasks and tags): rebuild it with "
                                   f"`python -m lib.catalog rebuild --kind {kind}`.")  # fmt: skip
        else:
            unmoded["text"] = (f"This catalog has no full-text index for its {kind}: rebuild it with "
                               f"`python -m lib.catalog rebuild --kind {kind}`.")  # fmt: skip
        from lib.catalog import semantic  # numpy only: the model is loaded when a meaning search runs

        meta = semantic.read_meta(index.folder)
        wanted = self._model_name()
        if meta is not None and meta.get("model") == wanted and meta.get("recipe") == semantic.RECIPE:
            modes.append("meaning")
        elif meta is not None:
            unmoded["meaning"] = (f"This catalog's embeddings of its {kind} were made with another model "
                                  f"({meta.get('model')}) or recipe; build them again with "
                                  f"`python -m lib.catalog embed --kind {kind}`.")  # fmt: skip
        else:
            unmoded["meaning"] = self._no_meaning(kind)
        return tuple(modes), unmoded

    @staticmethod
    def _no_meaning(kind: Kind) -> str:
        return (f"This catalog has no embeddings for its {kind}: build them with "
                f"`python -m lib.catalog embed --kind {kind}`.")  # fmt: skip

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
            built, checked = _date(meta.get("snapshot_date")), self.checked(kind)
            kinds[kind] = KindStats(
                kind=kind,
                count=int(meta["n"]),
                source=meta.get("source"),
                snapshot_date=max(built, checked) if built and checked else built or checked,
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
        source: str | None = None,
        revision: str | None = None,
        replace: bool = False,
    ) -> LoadReport:
        """Upsert the items of dump files (JSON Lines, .gz, JSON arrays, Parquet) into `kind`, then rebuild its
        index. The kind remembers the files as its source and the snapshot date (given, else from a file name
        like ``models-2024-07-11.jsonl.gz``, else the newest date in the data); `source` names them otherwise
        (a published dataset's address) and `revision` is that dataset's commit sha. With `replace` the files are
        the whole kind (a full published snapshot): repos they do not hold are removed, in the first file's
        transaction."""
        kind = _check_kind(kind)
        files = [Path(p) for p in paths]
        if not files:
            raise DumpError("No dump file given.")
        for path in files:
            if not path.is_file():
                raise DumpError(f"No such file: {path}")
        report = _progress_reporter(progress, kind)
        started = time.perf_counter()
        totals = {"read": 0, "written": 0, "replaced": 0, "skipped": 0, "removed": 0}
        try:
            with Store(self.db_path) as store:
                for path in files:
                    report("read", f"Reading {path.name}", 0.0)
                    done = store.ingest(
                        kind, path, progress=lambda f, name=path.name: report("read", f"Reading {name}", f),
                        replace=replace and path == files[0],
                    )
                    if done.read == 0:
                        raise DumpError(f"{path.name} holds no items.")
                    for key in totals:
                        totals[key] += getattr(done, key)
                    gone = f", {done.removed:,} no longer listed removed" if done.removed else ""
                    report("merge", f"{path.name}: {done.written:,} {kind} stored ({done.replaced:,} replaced{gone})",
                           1.0)  # fmt: skip
                dated = [d for d in (snapshot_date_from_name(p) for p in files) if d is not None]
                when = snapshot_date or (max(dated) if dated else store.latest_change(kind))
                store.record_load(kind, source or ", ".join(str(p.resolve()) for p in files), when, totals["written"],
                                  revision=revision)  # fmt: skip
                count = store.count(kind)
        finally:
            if totals["written"] or totals["removed"]:  # what was stored is searchable even when a later file failed
                self._rebuild(kind, report, full=replace)
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
        self._rebuild(kind, _progress_reporter(progress, kind), full=True)

    def embed(self, kind: Kind, *, progress: ProgressCallback | None = None) -> EmbedReport:
        """Build the embeddings of a kind's live index generation for meaning search (`mode="meaning"`), with the
        configured model (`HUB_EXPLORER_EMBEDDING_MODEL`; the packaged one, distilled once, by default).

        Only repos that are new or changed since the last embeddings (or that an interrupted run did not reach)
        are embedded; the others are reused. Afterwards load, sync and rebuild keep the embeddings up to date."""
        kind = _check_kind(kind)
        return self._embed(kind, _progress_reporter(progress, kind))

    def _embed(self, kind: Kind, report: Callable[..., None]) -> EmbedReport:
        from lib.catalog import semantic
        from lib.catalog.embedder import slug

        index = self.index(kind)
        assert index.folder is not None
        model = self._model_name()
        meta = semantic.read_meta(index.folder)
        if meta is not None and meta.get("model") == model and meta.get("recipe") == semantic.RECIPE:
            report("done", f"The {kind} embeddings are up to date ({index.n:,} repos)", 1.0)
            return semantic.EmbedReport(kind=kind, rows=index.n, embedded=0, reused=index.n, model=model,
                                        graph=bool(meta.get("graph")), seconds=0.0)  # fmt: skip
        report("embed", f"Loading the embedding model {model}", 0.0)
        embedder = self._embedder()
        outcome = semantic.build(index, embedder, model=model, previous=self._generations(kind),
                                 parts_dir=self.root / semantic.PARTS_DIR / kind / slug(model),
                                 progress=lambda message, fraction, done, total: report(
                                     "embed", message, fraction, done, total))  # fmt: skip
        self._semantic.pop(kind, None)
        report("done", f"Embedded {outcome.embedded:,} {kind} ({outcome.reused:,} reused) in {outcome.seconds:.1f} s",
               1.0)  # fmt: skip
        return outcome

    def _changes(self, store: Store, kind: Kind) -> tuple[KindIndex, pa.Table, Placement] | None:
        """The live generation of `kind`, the store's rows written since it was built and where they go, when it can
        be patched with them (`lib.catalog.patch.patchable`): the store holds its repos and the new ones, no fewer."""
        folder = self._current(kind)
        if folder is None:
            return None
        try:
            previous = KindIndex.load(folder)
        except (ValueError, OSError):
            return None
        mark = previous.meta.get("store_mark")
        count = store.count(kind)
        if not mark or not patchable(previous, max(count - previous.n, 0)):
            return None
        changed = store.changed_since(kind, mark)
        if changed.num_rows == 0 or not patchable(previous, changed.num_rows):
            return None
        where = place(previous.ids, changed.column("id").to_pylist())
        if where.n != count:  # repos removed since: build it whole
            return None
        return previous, changed, where

    def _generations(self, kind: Kind) -> list[Path]:
        """A kind's index generations on disk, newest first."""
        kind_dir = self._kind_dir(kind)
        if not kind_dir.is_dir():
            return []
        return sorted((p for p in kind_dir.iterdir() if p.is_dir() and p.name.startswith("g")), reverse=True)

    def _had_embeddings(self, kind: Kind) -> bool:
        """Whether an earlier generation of `kind` was embedded with the configured model (or a build of it was
        interrupted): then a new generation is embedded too, as part of its load, sync or rebuild."""
        from lib.catalog import semantic
        from lib.catalog.embedder import slug

        model = self._model_name()
        if any((m := semantic.read_meta(g)) is not None and m.get("model") == model for g in self._generations(kind)):
            return True
        parts = self.root / semantic.PARTS_DIR / kind / slug(model)
        return parts.is_dir() and any(parts.glob("part-*.npz"))

    def _rebuild(self, kind: Kind, report: Callable[..., None], *, full: bool = False) -> None:
        """Build a new index generation of `kind` from the store and make it the live one.

        When only a few repos were written since the live generation was built (a refresh, a sync, a small load)
        and none removed, the new generation is patched from the live one (`lib.catalog.patch`); `full` (a whole
        published snapshot, an explicit rebuild) or anything else builds it whole: the store's rows are written in
        id order to a Parquet file in the new generation's folder and the store is closed (freeing DuckDB's
        buffers); the index is then built from that file a column at a time, each part saved as soon as it is
        built, and the full-text file from it a batch of rows at a time."""
        report("index", f"Indexing {kind}", 0.0)
        kind_dir = self._kind_dir(kind)
        kind_dir.mkdir(parents=True, exist_ok=True)
        name = f"g{time.time_ns()}"
        tmp = kind_dir / f".{name}.tmp"
        tmp.mkdir()
        steps = ("ids", "text", "numbers", "fields", "full text")

        def step(done: str) -> None:
            report("index", f"Indexing {kind}: {done}", steps.index(done) / len(steps))

        try:
            columns = tmp / "columns.parquet"  # the store's rows in id order, read back a column at a time
            with Store(self.db_path, read_only=True) as store:
                meta = {**_source_meta(store, kind), "store_mark": store.mark(kind)}
                changes = None if full else self._changes(store, kind)
                if changes is None:
                    rows = store.export_index(kind, columns)
                else:
                    held = store.held(kind)
            if changes is not None:
                index = patch(*changes, meta, held, tmp, step)
            elif rows == 0:
                shutil.rmtree(tmp, ignore_errors=True)
                return
            else:
                # The full-text file is built beside the index, in a thread of its own: SQLite indexes without
                # holding Python's lock, and numpy's sorts release it, so on two cores the two overlap.
                texts = _Background(lambda: fulltext.build(tmp / fulltext.FILE_NAME,
                                                           fulltext.documents(ParquetColumns(columns))))  # fmt: skip
                try:
                    index = KindIndex.build(kind, ParquetColumns(columns), meta, step, folder=tmp)
                    index.save(tmp)
                finally:
                    step("full text")
                    docs = texts.result()
                index.meta["fulltext_docs"] = docs
                index.meta["fulltext_format"] = fulltext.FORMAT
                columns.unlink()
                index.save_meta(tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        embed = self._had_embeddings(kind)
        tmp.rename(kind_dir / name)
        pointer = kind_dir / "CURRENT.tmp"
        pointer.write_text(name, encoding="utf-8")
        os.replace(pointer, kind_dir / "CURRENT")
        _prune(kind_dir, keep={name})
        report("index", f"Indexed {index.n:,} {kind}", 1.0)
        if embed:  # the optional step: only where the kind had embeddings (`embed` builds the first ones)
            try:
                self._embed(kind, report)
            except (HubExplorerError, OSError) as exc:
                report("embed", f"The {kind} embeddings were not rebuilt ({exc}); run "
                                f"`python -m lib.catalog embed --kind {kind}`", None)  # fmt: skip


    # --- the Hub's published metadata (lib.catalog.hubstats) -------------------------------------------------
    def fetch(self, kinds: Sequence[Kind] | None = None, **options: Any) -> Any:
        """Download the Hub's published metadata dataset (`cfahlgren1/hub-stats`) and load it: see
        `lib.catalog.hubstats.fetch` for the options (client, repo, progress). Returns a `RefreshReport`."""
        from lib.catalog.hubstats import fetch

        return fetch(self, kinds, **options)

    def refresh(self, kinds: Sequence[Kind] | None = None, **options: Any) -> Any:
        """Fetch a newer revision of the published dataset, or catch up with the Hub's listing since the
        catalog's date: see `lib.catalog.hubstats.refresh`. Returns a `RefreshReport`."""
        from lib.catalog.hubstats import refresh

        return refresh(self, kinds, **options)


class _Background:
    """A function run in a thread; `result()` waits for it and returns its value or raises its exception."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self._value: Any = None
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._value = work()
            except BaseException as exc:  # noqa: BLE001 - raised again by `result`
                self._error = exc

        self._thread = threading.Thread(target=run, name="catalog-background", daemon=True)
        self._thread.start()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _source_meta(store: Store, kind: Kind) -> dict[str, Any]:
    load = store.latest_load(kind)
    cursor = store.cursor(kind)
    return {
        "source": load.source if load else None,
        "snapshot_date": load.snapshot_date.isoformat() if load and load.snapshot_date else None,
        "loaded_at": load.loaded_at.isoformat(timespec="seconds") if load else None,
        "sync_pending": cursor is not None,
    }


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
