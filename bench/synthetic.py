"""Generate N synthetic models as a Parquet dump with the API's field names, for benchmarks at scale.

Every synthetic model is drawn from the real snapshot (with replacement), so that the joint distribution of what
the catalog indexes is the Hub's: a drawn row gives its author, tags, task, library, downloads (the real long
tail: most repos near 0, a few with millions), likes and creation date together. Its name comes from another
drawn row, so that ids are new but their lengths and words are the real ones (an id is ``author/name``); the
rare pairs drawn twice get ``-2``, ``-3``... Authors keep the snapshot's shape as the rows grow: an author of k
repos (k up to `SCALED_FROM`) becomes as many authors of k repos as needed (``name-2``, ``name-3``...), so the
share of one-repo authors stays the snapshot's, while the largest keep their share of all repos (an author owning
1% of the snapshot owns about 1% of the synthetic models). The snapshot has no trending score or update date: those are
synthetic (Pareto scores; an update within 90 days of creation). Nothing here is real data.

Rows are written `CHUNK` at a time; what stays in memory is the snapshot's columns, the new ids and the numbering
of repeats (peak RSS 1.8 GB measured for 3M rows, /usr/bin/time).

    python bench/synthetic.py OUT.parquet [--rows 3000000] [--snapshot ../shared/hub-snapshot/models-....jsonl.gz]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SNAPSHOT = ROOT.parent / "shared" / "hub-snapshot" / "models-2024-07-11.jsonl.gz"
CHUNK = 250_000
#: Authors with more repos than this in the snapshot are not cloned as the rows grow (see `_ids`).
SCALED_FROM = 1000
COLUMNS = ("id", "downloads", "likes", "trendingScore", "tags", "pipeline_tag", "library_name", "createdAt",
           "lastModified")  # fmt: skip
_REAL = pa.schema([("id", pa.string()), ("tags", pa.list_(pa.string())), ("pipeline_tag", pa.string()),
                   ("library_name", pa.string()), ("downloads", pa.int64()), ("likes", pa.int64()),
                   ("createdAt", pa.timestamp("ms", tz="UTC"))])  # fmt: skip


def read_real(snapshot: Path) -> pa.Table:
    """The snapshot's columns that synthetic rows are drawn from."""
    options = pj.ParseOptions(explicit_schema=_REAL, unexpected_field_behavior="ignore")
    return pj.read_json(snapshot, parse_options=options)


def _repeats(values: pa.Array) -> np.ndarray:
    """For each value, how many equal values come before it (0 for the first of each)."""
    codes = np.asarray(pc.dictionary_encode(values).indices)
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    first = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    group_start = np.maximum.accumulate(np.where(first, np.arange(codes.size), 0))
    occurrence = np.empty(codes.size, np.int64)
    occurrence[order] = np.arange(codes.size) - group_start
    return occurrence


def _numbered(values: pa.Array, which: np.ndarray) -> pa.Array:
    """`values` with ``-k`` appended where `which` is k > 0."""
    suffix = pa.array(np.char.add("-", (which + 1).astype(str)).astype(object))
    return pc.if_else(pa.array(which > 0), pc.binary_join_element_wise(values, suffix, ""), values)


def _ids(real: pa.Table, rows: int, rng: np.random.Generator) -> tuple[np.ndarray, pa.Array]:
    """(the real row each synthetic row is drawn from, the synthetic ids: unique)."""
    parts = pc.split_pattern(real.column("id").combine_chunks(), "/", max_splits=1)
    has_author = pc.greater(pc.list_value_length(parts), 1)
    authors = pc.if_else(has_author, pc.list_element(parts, 0), pa.scalar(None, pa.string()))
    names = pc.if_else(has_author, pc.list_element(parts, 1), pc.list_element(parts, 0))
    pick = rng.integers(0, real.num_rows, rows)  # author, tags, task, library, numbers
    name_pick = rng.integers(0, real.num_rows, rows)
    author = authors.take(pa.array(pick))
    # An author with k repos in the snapshot (k up to SCALED_FROM) becomes as many authors of k repos as the
    # draws need: its j-th draw goes to its clone j // k ("name", "name-2", ...), so that the share of authors
    # with one repo, two, ... stays the snapshot's as the rows grow, as the Hub's long tail of authors does.
    # The few bigger authors keep their share of the repos, scaled (the Hub's largest keep growing).
    encoded = pc.dictionary_encode(authors)
    codes = np.asarray(pc.fill_null(encoded.indices, 0))
    per_author = np.bincount(codes, minlength=len(encoded.dictionary))[codes][pick]
    clone = np.where(per_author <= SCALED_FROM, _repeats(author) // np.maximum(per_author, 1), 0)
    author = _numbered(author, clone)
    name = names.take(pa.array(name_pick))
    ids = pc.if_else(pc.is_valid(author), pc.binary_join_element_wise(author, name, "/"), name)
    # Pairs drawn more than once: the second gets "-2", the third "-3"... until every id is unique.
    for _ in range(10):
        repeats = _repeats(ids)
        if not repeats.any():
            return pick, ids
        ids = _numbered(ids, repeats)
    raise RuntimeError("could not make the synthetic ids unique")


def write(snapshot: Path, rows: int, out: Path, *, seed: int = 0, real: pa.Table | None = None) -> dict[str, Any]:
    """Write `rows` synthetic models to `out` (Parquet, `CHUNK` rows a row group); returns how they compare with
    the snapshot (id lengths, authors' skew, downloads' tail)."""
    rng = np.random.default_rng(seed)
    real = read_real(snapshot) if real is None else real
    pick, ids = _ids(real, rows, rng)
    source = real.select(["tags", "pipeline_tag", "library_name", "downloads", "likes", "createdAt"])
    schema = pa.schema([("id", pa.string()), ("downloads", pa.int64()), ("likes", pa.int64()),
                        ("trendingScore", pa.float64()), ("tags", pa.list_(pa.string())),
                        ("pipeline_tag", pa.string()), ("library_name", pa.string()),
                        ("createdAt", pa.timestamp("ms", tz="UTC")), ("lastModified", pa.timestamp("ms", tz="UTC"))])  # fmt: skip
    with pq.ParquetWriter(out, schema) as writer:
        for start in range(0, rows, CHUNK):
            stop = min(rows, start + CHUNK)
            drawn = source.take(pa.array(pick[start:stop]))
            created = drawn.column("createdAt").combine_chunks()
            created_ms = np.asarray(pc.fill_null(created.cast(pa.int64()), 0))
            modified = created_ms + rng.integers(0, 90 * 86400 * 1000, stop - start)
            writer.write_table(pa.table({
                "id": ids.slice(start, stop - start),
                "downloads": drawn.column("downloads"),
                "likes": drawn.column("likes"),
                "trendingScore": np.round(rng.pareto(2.0, stop - start), 3),
                "tags": drawn.column("tags"),
                "pipeline_tag": drawn.column("pipeline_tag"),
                "library_name": drawn.column("library_name"),
                "createdAt": created,
                "lastModified": pa.array(modified, pa.timestamp("ms", tz="UTC"), mask=~np.asarray(pc.is_valid(created))),
            }, schema=schema))  # fmt: skip
    return compare(real, ids, pick)


def _profile(ids: pa.Array, downloads: np.ndarray) -> dict[str, Any]:
    lengths = np.asarray(pc.binary_length(ids))
    parts = pc.split_pattern(ids, "/", max_splits=1)
    authors = pc.list_element(parts, 0)
    counts = np.sort(np.asarray(pc.value_counts(authors).field("counts")))[::-1]
    downloads = downloads[downloads >= 0]
    return {
        "id_length_mean": round(float(lengths.mean()), 1),
        "id_length_p50_p95_max": [int(np.percentile(lengths, 50)), int(np.percentile(lengths, 95)), int(lengths.max())],
        "top_10_authors_share": round(float(counts[:10].sum() / counts.sum()), 4),
        "authors_with_one_repo_share": round(float(np.count_nonzero(counts == 1) / counts.size), 3),
        "downloads_p50_p99_max": [int(np.percentile(downloads, 50)), int(np.percentile(downloads, 99)),
                                  int(downloads.max())],
        "downloads_zero_share": round(float(np.count_nonzero(downloads == 0) / downloads.size), 3),
    }


def compare(real: pa.Table, ids: pa.Array, pick: np.ndarray) -> dict[str, Any]:
    """The shapes that matter to the catalog, real against synthetic."""
    real_downloads = np.asarray(pc.fill_null(real.column("downloads").combine_chunks(), -1))
    return {"real": _profile(real.column("id").combine_chunks(), real_downloads),
            "synthetic": _profile(ids, real_downloads[pick])}  # fmt: skip


def generate(snapshot: Path, rows: int, seed: int = 0) -> pa.Table:
    """`rows` synthetic models as one table (small sizes; `write` streams large ones to a file)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.parquet"
        write(snapshot, rows, path, seed=seed)
        return pq.read_table(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--snapshot", type=Path, default=DEFAULT_SNAPSHOT)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    shapes = write(args.snapshot, args.rows, args.out, seed=args.seed)
    print(f"{args.rows:,} synthetic models -> {args.out} in {time.perf_counter() - started:.1f} s")
    for name, shape in shapes.items():
        print(f"  {name:9s} {shape}")


if __name__ == "__main__":
    main()
