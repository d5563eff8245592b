"""Benchmark the shortlists store: changes per second and the latency of one change, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_store.py [--changes 200] [--writers 8] [--pg URL] [--json OUT.json]

A change is one call of the shortlists API (`lib.shortlists.Shortlists`), i.e. one write transaction with its
history entry: add an item, vote, set its status, save its note (with the conflict check), withdraw the vote, in
turn, on items of one shared list (so every writer queues on the same list's lock, the worst case). For each backend:

* 1 writer, then `--writers` threads, then `--writers` processes, each making `--changes` changes;
* writes/s = all changes / wall time of the run; p50/p95/max = the latency of one change as its caller sees it
  (waiting for other writers and any retries included).

SQLite is a new file in a temporary folder (WAL, synchronous=FULL, as the app runs it). PostgreSQL is `--pg URL`,
else a throwaway PostgreSQL cluster started like the tests do (tests/pg.py: initdb/pg_ctl as `postgres`, fsync on)
and removed afterwards; without PostgreSQL binaries that half is skipped and says so.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.shortlists import ShortlistNotFoundError, Shortlists
from lib.store import close_stores, open_store

LIST = "bench"


def _changes(location: str, writer: int, count: int) -> list[float]:
    """`count` changes by one writer; the seconds each took."""
    lists, user, latencies = Shortlists(location), f"w{writer}", []
    step, item, note_version = 0, None, 0
    while len(latencies) < count:
        repo = f"w{writer}/r{step // 5}"
        started = time.perf_counter()
        match step % 5:
            case 0:
                lists.add_item(LIST, repo, kind="model", user=user)
                note_version = 0
            case 1:
                lists.vote(LIST, repo, user=user)
            case 2:
                lists.set_status(LIST, repo, "trying", user=user)
            case 3:
                item = lists.set_note(LIST, repo, f"note {step}", user=user, expected_version=note_version)
                note_version = item.note_version
            case 4:
                lists.unvote(LIST, repo, user=user)
        latencies.append(time.perf_counter() - started)
        step += 1
    return latencies


def _in_process(location: str, writer: int, count: int, barrier, results) -> None:
    close_stores()
    barrier.wait()
    results.put(_changes(location, writer, count))  # returning lets multiprocessing flush the queue


def run(location: str, writers: int, count: int, mode: str) -> dict[str, float]:
    """One run on a fresh list; its figures."""
    lists = Shortlists(location)
    with contextlib.suppress(ShortlistNotFoundError):  # the previous run's
        lists.delete_list(LIST, user="bench")
    lists.create_list(LIST, user="bench")
    latencies: list[float] = []
    started = time.perf_counter()
    if mode == "processes":
        ctx = multiprocessing.get_context("fork")
        barrier, results = ctx.Barrier(writers + 1), ctx.Queue()
        procs = [ctx.Process(target=_in_process, args=(location, w, count, barrier, results)) for w in range(writers)]
        for p in procs:
            p.start()
        barrier.wait()
        started = time.perf_counter()
        for _ in procs:
            latencies += results.get(timeout=600)
        for p in procs:
            p.join()
    else:
        out: list[list[float]] = [[] for _ in range(writers)]
        threads = [threading.Thread(target=lambda w=w: out[w].extend(_changes(location, w, count)))
                   for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        latencies = [x for part in out for x in part]
    wall = time.perf_counter() - started
    assert len(latencies) == writers * count
    assert Shortlists(location).get_list(LIST).version == 1 + writers * count, "every change is there"
    q = statistics.quantiles(latencies, n=100)
    return {"writers": writers, "mode": mode, "changes": len(latencies), "wall_s": round(wall, 2),
            "writes_per_s": round(len(latencies) / wall, 1), "p50_ms": round(q[49] * 1000, 2),
            "p95_ms": round(q[94] * 1000, 2), "max_ms": round(max(latencies) * 1000, 2)}


def bench(location: str, name: str, writers: int, count: int) -> list[dict[str, float]]:
    open_store(location)  # created and migrated before timing
    rows = []
    for n, mode in ((1, "threads"), (writers, "threads"), (writers, "processes")):
        row = {"backend": name, **run(location, n, count, mode)}
        print(f"{name:<10} {n} {mode[:-1] if n == 1 else mode:<9} {row['changes']:>5} changes  "
              f"{row['writes_per_s']:>7.1f} writes/s  p50 {row['p50_ms']:>6.2f} ms  p95 {row['p95_ms']:>6.2f} ms  "
              f"max {row['max_ms']:>7.2f} ms", flush=True)
        rows.append(row)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=200, help="changes per writer (default 200)")
    parser.add_argument("--writers", type=int, default=8, help="concurrent writers (default 8)")
    parser.add_argument("--pg", help="a PostgreSQL URL to use instead of a throwaway cluster")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        rows += bench(str(Path(tmp) / "hub-explorer.sqlite3"), "sqlite", args.writers, args.changes)
    if args.pg:
        rows += bench(args.pg, "postgresql", args.writers, args.changes)
    else:
        from tests.pg import find_bin, start_server

        bin_dir = find_bin()
        if bin_dir is None:
            print("postgresql: skipped (no initdb/pg_ctl in /usr/lib/postgresql/*/bin or on PATH; or pass --pg URL)")
        else:
            server = start_server(bin_dir)
            try:
                rows += bench(server.create_database(), "postgresql", args.writers, args.changes)
            finally:
                close_stores()
                server.stop()
    print(f"load average {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
