"""`python -m lib.catalog`: load, sync, search and benchmark the local catalog from a shell or a script.

```
python -m lib.catalog [--home DIR] [--quiet] COMMAND ...

  load FILE... --kind K [--snapshot-date YYYY-MM-DD]
  sync --kind K [--limit N] [--restart] [--max-wait S] [--endpoint URL]
  search --kind K [--text T] [--mode names|text|meaning] [--task X] [--library L] [--license L] [--language L] [--author A] [--tag T ...]
         [--gated yes|no] [--created-from D] [--created-to D] [--updated-from D] [--updated-to D]
         [--params-min N] [--params-max N] [--sdk S] [--hardware H] [--stage S] [--uses-model ID]
         [--uses-dataset ID] [--has-license] [--has-card]
         [--safetensors-only] [--originals-only] [--sort S] [--limit N] [--offset N] [--facet-limit N]
         [--facets F,F] [--json]
  fulltext WORDS [--kind K] [same filters as search] [--json]
  values --kind K --field F [--prefix P] [--limit N] [--json]
  bench QUERIES.jsonl [--repeat N] [--json]
  rebuild --kind K
  embed --kind K [--json]
  stats [--json]
  fetch [--kind K ...] [--repo R] [--endpoint URL] [--wait S] [--json]
  refresh [--kind K ...] [--repo R] [--endpoint URL] [--max-wait S] [--wait S] [--json]
```

Output goes to stdout (JSON with `--json`), progress and errors to stderr. A bad argument or a failure prints one
line, ``error: ...``, and exits with 2 (usage) or 1 (anything else); never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import fields as dataclass_fields
from datetime import date
from pathlib import Path
from typing import Any, NoReturn, TextIO

from lib.catalog.catalog import Catalog, Progress
from lib.catalog.index import FIELDS
from lib.errors import HubExplorerError
from lib.filters import parse_repo_id
from lib.hub.http import configure
from lib.query import KINDS, MODES, RELEVANCE, SORTS, Facet, SearchQuery, SearchResult
from lib.records import DatasetRecord, ModelRecord, RepoRecord, SpaceRecord
from lib.settings import load_settings


class UsageError(Exception):
    """A bad argument: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr (no usage dump) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


# --- query options, shared by search, fulltext and bench files ------------------------------------------------
#: Query keys a bench file may use, and what each becomes in `SearchQuery`.
QUERY_KEYS = ("kind", "text", "mode", "task", "library", "license", "language", "author", "tag", "tags", "gated",
              "created_from", "created_to", "updated_from", "updated_to", "params_min", "params_max", "sdk",
              "hardware", "has_license", "has_card", "safetensors_only", "originals_only", "sort", "limit",
              "offset", "stage", "uses_model", "uses_dataset")  # fmt: skip
_FLAGS = ("has_license", "has_card", "safetensors_only", "originals_only")


def _repo_id(text: str) -> str:
    parsed = parse_repo_id(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a repo id (owner/name)")
    return parsed[0]


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _yes_no(text: str) -> bool:
    lowered = text.lower()
    if lowered in {"yes", "true", "1"}:
        return True
    if lowered in {"no", "false", "0"}:
        return False
    raise argparse.ArgumentTypeError(f"expected yes or no, not {text!r}")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _add_query_options(p: argparse.ArgumentParser, *, kind_default: str = "models") -> None:
    p.add_argument("--kind", choices=KINDS, default=kind_default)
    p.add_argument("--text", default="", help="the search text (how it matches: --mode)")
    p.add_argument("--mode", choices=MODES, default=None,
                   help="names: a case-insensitive substring of the repo id (default); text: every word in the "
                        "description or card, ranked; meaning: nearest in meaning (needs `embed`)")  # fmt: skip
    p.add_argument("--task", help="models: pipeline_tag; datasets: a task_categories tag")
    p.add_argument("--library", help="models only: library_name")
    p.add_argument("--license")
    p.add_argument("--language")
    p.add_argument("--author", help="the part of the id before '/'")
    p.add_argument("--tag", action="append", default=[], help="a tag every match carries (repeatable)")
    p.add_argument("--gated", type=_yes_no, help="yes or no")
    for name in ("created-from", "created-to", "updated-from", "updated-to"):
        p.add_argument(f"--{name}", type=_iso_date, metavar="YYYY-MM-DD")
    p.add_argument("--params-min", type=int)
    p.add_argument("--params-max", type=int)
    p.add_argument("--sdk", help="Spaces only: gradio, streamlit, docker, static")
    p.add_argument("--hardware", help="Spaces only: cpu-basic, t4-small, ...")
    p.add_argument("--stage", help="Spaces only: the runtime stage, RUNNING, SLEEPING, RUNTIME_ERROR, ...")
    p.add_argument("--uses-model", type=_repo_id, metavar="ID", help="Spaces only: a model (owner/name) it uses")
    p.add_argument("--uses-dataset", type=_repo_id, metavar="ID", help="Spaces only: a dataset (owner/name) it uses")
    for flag in _FLAGS:
        p.add_argument(f"--{flag.replace('_', '-')}", action="store_true")
    p.add_argument("--facets", type=lambda v: tuple(x for x in v.split(",") if x), default=None,
                   metavar="F,F", help="fields to count (default: the kind's facets)")  # fmt: skip
    p.add_argument("--sort", choices=(*SORTS, RELEVANCE), default=None,
                   help="default: relevance with --mode text|meaning, else downloads (likes for spaces)")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--facet-limit", type=_positive, default=20, help="values listed per facet")
    p.add_argument("--json", action="store_true", help="print JSON")


def _default_sort(kind: str) -> str:
    return "likes" if kind == "spaces" else "downloads"


def query_from_mapping(data: dict[str, Any]) -> SearchQuery:
    """A `SearchQuery` from a bench line or parsed options (keys as in `QUERY_KEYS`). Raises `UsageError`."""
    unknown = set(data) - set(QUERY_KEYS)
    if unknown:
        raise UsageError(f"unknown query key(s): {', '.join(sorted(unknown))}; use {', '.join(QUERY_KEYS)}")
    values = {k: v for k, v in data.items() if v is not None}
    tags: list[str] = []
    for key in ("tag", "tags"):
        raw = values.pop(key, None)
        if raw is not None:
            tags += [raw] if isinstance(raw, str) else list(raw)
    for key in ("created_from", "created_to", "updated_from", "updated_to"):
        if isinstance(values.get(key), str):
            try:
                values[key] = date.fromisoformat(values[key])
            except ValueError:
                raise UsageError(f"{key} is not a date (YYYY-MM-DD): {values[key]!r}") from None
    kind = values.get("kind", "models")
    ranked = values.get("mode") in {"text", "meaning"}
    values.setdefault("sort", RELEVANCE if ranked else _default_sort(kind) if kind in KINDS else "downloads")
    try:
        return SearchQuery(**values, tags=tuple(tags))
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def _query_from_args(args: argparse.Namespace) -> SearchQuery:
    keys = [k for k in QUERY_KEYS if k not in {"tag", "tags"}]
    values = {k: getattr(args, k) for k in keys}
    for flag in _FLAGS:  # only the toggles that are on, so that a query without them stays minimal
        if not values[flag]:
            del values[flag]
    return query_from_mapping({**values, "tags": args.tag})


# --- output --------------------------------------------------------------------------------------------------
def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def item_json(record: RepoRecord) -> dict[str, Any]:
    """The fields of one result the command line prints."""
    out: dict[str, Any] = {
        "id": record.id,
        "author": record.owner,
        "downloads": record.downloads,
        "likes": record.likes,
        "trending_score": record.trending_score,
        "created_at": _iso(record.created_at),
        "last_modified": _iso(record.last_modified),
        "gated": record.gated,
        "licenses": list(record.licenses),
    }
    if isinstance(record, ModelRecord):
        out.update(pipeline_tag=record.pipeline_tag, library_name=record.library_name,
                   params=record.params.total if record.params else None)  # fmt: skip
    elif isinstance(record, DatasetRecord):
        out.update(task_categories=list(record.task_categories), description=record.description)
    elif isinstance(record, SpaceRecord):
        out.update(sdk=record.sdk, hardware=record.hardware, stage=record.stage, models=list(record.models),
                   datasets=list(record.datasets_used))  # fmt: skip
    return out


def facet_json(facet: Facet) -> list[dict[str, Any]]:
    return [{"value": v.value, "count": v.count} for v in facet.values]


def result_json(result: SearchResult) -> dict[str, Any]:
    """The `search --json` document: total, items, facets (value lists), took_ms; truncated facets named."""
    return {
        "total": result.total,
        "items": [item_json(r) for r in result.items],
        "facets": {name: facet_json(f) for name, f in result.facets.items()},
        "facets_truncated": sorted(name for name, f in result.facets.items() if f.truncated),
        "took_ms": round(result.took_ms, 3),
    }


def _print_result(result: SearchResult, out: TextIO) -> None:
    out.write(f"{result.query.describe(result.total)} ({result.took_ms:.1f} ms)\n")
    for r in result.items:
        downloads = "-" if r.downloads is None else f"{r.downloads:,}"
        likes = "-" if r.likes is None else f"{r.likes:,}"
        out.write(f"  {r.id}  downloads {downloads}  likes {likes}\n")
    for name, facet in result.facets.items():
        shown = ", ".join(f"{v.value} {v.count:,}" for v in facet.values[:8])
        more = ", ..." if facet.truncated or len(facet.values) > 8 else ""
        out.write(f"{name}: {shown}{more}\n")


# --- progress ------------------------------------------------------------------------------------------------
def progress_printer(stream: TextIO) -> Callable[[Progress], None]:
    """Progress on one rewritten line when `stream` is a terminal; otherwise a line per change, at most 1/s."""
    tty = stream.isatty()
    state = {"last": 0.0, "message": ""}

    def show(p: Progress) -> None:
        pct = f" {p.fraction * 100:3.0f}%" if p.fraction is not None and p.phase in {"read", "fetch", "embed"} else ""
        line = f"{p.message}{pct}"
        now = time.monotonic()
        final = p.phase in {"done", "merge", "wait"}
        if tty:
            stream.write("\r\033[K" + line + ("\n" if p.phase == "done" else ""))
            stream.flush()
        elif final or (line != state["message"] and now - state["last"] >= 1.0):
            stream.write(line + "\n")
            stream.flush()
            state["last"], state["message"] = now, line

    return show


# --- commands ------------------------------------------------------------------------------------------------
def _cmd_load(catalog: Catalog, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    report = catalog.load(args.files, kind=args.kind, snapshot_date=args.snapshot_date,
                          progress=None if args.quiet else progress_printer(err))  # fmt: skip
    if args.json:
        shown = [f.name for f in dataclass_fields(report) if f.name != "removed"]  # `load` never replaces a kind
        out.write(json.dumps({name: _iso(getattr(report, name)) for name in shown}) + "\n")
    else:
        out.write(f"Loaded {report.written:,} {args.kind} ({report.replaced:,} replaced, {report.skipped:,} skipped) "
                  f"in {report.seconds:.1f} s; the catalog holds {report.count:,} {args.kind}"
                  f" (snapshot {report.snapshot_date or 'date unknown'}).\n")  # fmt: skip
    return 0


def _cmd_search(catalog: Catalog, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    result = catalog.search(_query_from_args(args), facet_limit=args.facet_limit, facets=args.facets)
    if args.json:
        out.write(json.dumps(result_json(result), ensure_ascii=False) + "\n")
    else:
        _print_result(result, out)
    return 0


def _cmd_fulltext(catalog: Catalog, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    result = catalog.fulltext(args.words, _query_from_args(args), facet_limit=args.facet_limit, facets=args.facets)
    if args.json:
        out.write(json.dumps(result_json(result), ensure_ascii=False) + "\n")
    else:
        _print_result(result, out)
    return 0


def _cmd_values(catalog: Catalog, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    facet = catalog.facet_values(args.kind, args.field, limit=args.limit, prefix=args.prefix)
    if args.json:
        out.write(json.dumps({"field": args.field, "values": facet_json(facet), "truncated": facet.truncated},
                             ensure_ascii=False) + "\n")  # fmt: skip
    else:
        out.writelines(f"{v.count:>10,}  {v.value}\n" for v in facet.values)
    return 0


def read_bench_queries(path: Path) -> list[SearchQuery]:
    """The queries of a bench file: one JSON object a line (blank lines and `#` comments skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    queries = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path.name} line {number}: not JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise UsageError(f"{path.name} line {number}: expected a JSON object")
        try:
            queries.append(query_from_mapping(data))
        except UsageError as exc:
            raise UsageError(f"{path.name} line {number}: {exc}") from None
    if not queries:
        raise UsageError(f"{path.name} holds no queries")
    return queries


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) with linear interpolation, as numpy's default."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = (len(ordered) - 1) * q / 100
    lo = int(rank)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def fit_queries(catalog: Catalog, queries: Sequence[SearchQuery]) -> tuple[list[SearchQuery], list[str]]:
    """The queries as the app asks them: a sort the catalog's data cannot answer (a dump without trending scores)
    becomes its default sort, as on the pages; with the notes saying so (one per reason)."""
    fitted, notes = [], []
    for query in queries:
        new, why = catalog.capabilities(query.kind).fit_sort(query)
        fitted.append(new)
        if why and why not in notes:
            notes.append(why)
    return fitted, notes


def bench(catalog: Catalog, queries: Sequence[SearchQuery], repeat: int) -> dict[str, Any]:
    """Time `catalog.search` on every query, `repeat` rounds; nothing is cached between calls, only the opened
    index (each kind's index is opened, and one unrelated search run, before timing). Sorts the data cannot answer
    are replaced as the app does (`fit_queries`)."""
    queries, _ = fit_queries(catalog, queries)
    for kind in dict.fromkeys(q.kind for q in queries):
        catalog.search(SearchQuery(kind=kind, sort=_default_sort(kind), limit=1))  # type: ignore[arg-type]
    times: list[float] = []
    for _ in range(repeat):
        for query in queries:
            started = time.perf_counter()
            catalog.search(query)
            times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(times, 50), 3), "p95_ms": round(percentile(times, 95), 3),
            "queries": len(queries), "runs": len(times)}  # fmt: skip


def _cmd_bench(catalog: Catalog, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    queries = read_bench_queries(Path(args.queries))
    err.writelines(f"note: {note}\n" for note in fit_queries(catalog, queries)[1])
    figures = bench(catalog, queries, args.repeat)
    if args.json:
        out.write(json.dumps(figures) + "\n")
    else:
        out.write(f"{figures['queries']} queries x {args.repeat}: p50 {figures['p50_ms']:.2f} ms, "
                  f"p95 {figures['p95_ms']:.2f} ms over {figures['runs']} runs\n")  # fmt: skip
    return 0


def _cmd_sync(catalog: Catalog, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from lib.hub.client import HubClient
    from lib.settings import load_settings

    settings = load_settings()
    if args.endpoint:
        settings = dataclasses.replace(settings, endpoint=args.endpoint.rstrip("/"))
    report = catalog.sync(args.kind, client=HubClient(settings), limit=args.limit, restart=args.restart,
                          max_wait=args.max_wait, progress=None if args.quiet else progress_printer(err))  # fmt: skip
    if args.json:
        out.write(json.dumps({f.name: _iso(getattr(report, f.name)) for f in dataclass_fields(report)}) + "\n")
    else:
        state = "finished" if report.finished else "not finished: run again to continue"
        if report.stopped == "rate-limited":
            state = f"stopped by the Hub's rate limit (it asked for {report.retry_after:g} s); run again later"
        out.write(f"Fetched {report.fetched:,} {args.kind} in {report.pages} pages"
                  f" ({report.total_fetched:,} in this sync so far; {report.waits} rate-limit waits); {state}.\n")  # fmt: skip
    return 0


def _cmd_rebuild(catalog: Catalog, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    catalog.rebuild(args.kind, progress=None if args.quiet else progress_printer(err))
    out.write(f"Rebuilt the {args.kind} index: {catalog.stats().kinds[args.kind].count:,} {args.kind}.\n")
    return 0


def _cmd_embed(catalog: Catalog, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    report = catalog.embed(args.kind, progress=None if args.quiet else progress_printer(err))
    if args.json:
        out.write(json.dumps(dataclasses.asdict(report)) + "\n")
    else:
        out.write(f"Embedded {report.embedded:,} {args.kind} ({report.reused:,} reused, {report.rows:,} in all) with "
                  f"{report.model} in {report.seconds:.1f} s; meaning search is ready.\n")  # fmt: skip
    return 0


def _cmd_stats(catalog: Catalog, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    stats = catalog.stats()
    if args.json:
        doc = {
            "root": str(stats.root),
            "size_bytes": stats.size_bytes,
            "kinds": {k: {f.name: _iso(getattr(s, f.name)) for f in dataclass_fields(s)} for k, s in stats.kinds.items()},
        }
        out.write(json.dumps(doc) + "\n")
        return 0
    if not stats.kinds:
        out.write(f"The catalog at {stats.root} is empty.\n")
        return 0
    out.writelines(f"{kind}: {s.count:,} (snapshot {s.snapshot_date or 'unknown'}) from {s.source}"
                  f"{'; sync in progress' if s.sync_pending else ''}\n" for kind, s in stats.kinds.items())  # fmt: skip
    out.write(f"{stats.size_bytes / 1e6:,.0f} MB in {stats.root}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m lib.catalog", description="The local catalog of Hub metadata.")
    parser.add_argument("--home", help="the app's home folder (default: HUB_EXPLORER_HOME or the user cache)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("load", help="load dump files (JSON Lines, .gz, JSON arrays, Parquet)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--kind", choices=KINDS, required=True)
    p.add_argument("--snapshot-date", type=_iso_date, metavar="YYYY-MM-DD")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_load)

    p = sub.add_parser("sync", help="fetch a kind from the Hub (resumes an unfinished sync)")
    p.add_argument("--kind", choices=KINDS, required=True)
    p.add_argument("--limit", type=_positive, help="stop after this many items (run again to continue)")
    p.add_argument("--restart", action="store_true", help="start from the first page")
    p.add_argument("--max-wait", type=float, default=600.0, help="longest rate-limit wait to sit out (seconds)")
    p.add_argument("--endpoint", help="the Hub to sync from (default: HF_ENDPOINT)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_sync)

    p = sub.add_parser("search", help="search the catalog")
    _add_query_options(p)
    p.set_defaults(run=_cmd_search)

    p = sub.add_parser("fulltext", help="search descriptions and card text, ranked")
    p.add_argument("words")
    _add_query_options(p, kind_default="datasets")
    p.set_defaults(run=_cmd_fulltext)

    p = sub.add_parser("values", help="most common values of a field (for filter lists)")
    p.add_argument("--kind", choices=KINDS, default="models")
    p.add_argument("--field", required=True, choices=sorted({f.name for specs in FIELDS.values() for f in specs}))
    p.add_argument("--prefix", default="")
    p.add_argument("--limit", type=_positive, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_values)

    p = sub.add_parser("bench", help="time searches from a JSON Lines file of queries")
    p.add_argument("queries", metavar="QUERIES.jsonl")
    p.add_argument("--repeat", type=_positive, default=5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_bench)

    p = sub.add_parser("rebuild", help="build a kind's index again from the store")
    p.add_argument("--kind", choices=KINDS, required=True)
    p.set_defaults(run=_cmd_rebuild)

    p = sub.add_parser("embed", help="build the embeddings of a kind for meaning search (new or changed repos only)")
    p.add_argument("--kind", choices=KINDS, required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_embed)

    p = sub.add_parser("stats", help="what the catalog holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_stats)

    _add_hubstats_commands(sub)
    return parser


# --- fetch and refresh (lib.catalog.hubstats) ---------------------------------------------------------------
def _add_hubstats_commands(sub: Any) -> None:
    from lib.catalog.hubstats import DEFAULT_REPO

    for name, helptext in (("fetch", "download the Hub's published metadata (cfahlgren1/hub-stats) and load it"),
                           ("refresh", "fetch a newer revision of it, or sync what changed on the Hub since")):  # fmt: skip
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--kind", action="append", choices=KINDS, default=None,
                       help="a kind to fetch (repeatable; default: all three)")  # fmt: skip
        p.add_argument("--repo", default=DEFAULT_REPO, help=f"the dataset (default: {DEFAULT_REPO})")
        p.add_argument("--endpoint", help="the Hub to ask (default: HF_ENDPOINT)")
        if name == "refresh":
            p.add_argument("--max-wait", type=float, default=600.0, help="longest rate-limit wait to sit out (s)")
        p.add_argument("--wait", type=_seconds, default=0.0,
                       help="while another fetch or refresh of this catalog runs, wait up to S seconds for it "
                            "(default 0: say so and exit 1)")  # fmt: skip
        p.add_argument("--json", action="store_true")
        p.set_defaults(run=_cmd_hubstats)


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, not {text}")
    return value


def _cmd_hubstats(catalog: Catalog, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from lib.hub.client import HubClient

    settings = load_settings()
    if args.endpoint:
        settings = dataclasses.replace(settings, endpoint=args.endpoint.rstrip("/"))
    options: dict[str, Any] = {"client": HubClient(settings), "repo": args.repo,
                               "progress": None if args.quiet else progress_printer(err)}  # fmt: skip
    if args.command == "refresh":
        report = catalog.refresh(args.kind, max_wait=args.max_wait, wait=args.wait, **options)
    else:
        report = catalog.fetch(args.kind, wait=args.wait, **options)
    if args.json:
        out.write(json.dumps(report.to_json()) + "\n")
        return 0
    for kind, done in report.kinds.items():
        what = {"fetched": f"fetched {done.file} ({done.bytes / 1e6:,.1f} MB)",
                "synced": f"synced {done.synced:,} changed since the last refresh",
                "unchanged": "unchanged"}[done.action]  # fmt: skip
        out.write(f"{kind}: {what}; {done.rows:,} {kind} from {report.repo}@{(done.revision or '')[:12]}"
                  f" (snapshot {done.date or 'date unknown'}).\n")  # fmt: skip
    return 0


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    debug = False
    try:
        args = build_parser().parse_args(argv)
        debug = args.debug
        configure(load_settings())  # the fail-fast, time-bounded HTTP client the pages use
        catalog = Catalog.open(args.home)
        return int(args.run(catalog, args, out, err))
    except UsageError as exc:
        err.write(f"error: {exc}\n")
        return 2
    except HubExplorerError as exc:
        err.write(f"error: {exc}" + (f" ({exc.hint})" if exc.hint else "") + "\n")
        return 1
    except KeyboardInterrupt:
        err.write("error: interrupted\n")
        return 130
    except Exception as exc:
        if debug:
            raise
        err.write(f"error: {type(exc).__name__}: {exc}\n".replace("\n", " ").rstrip() + "\n")
        return 1


__all__ = ["bench", "main", "percentile", "query_from_mapping", "read_bench_queries", "result_json"]
