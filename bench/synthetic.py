"""Generate N synthetic models as a Parquet dump with the API's field names, for benchmarks at scale.

Ids and values are drawn from the real snapshot so that substrings, facets and skew look like the Hub's: an id is a
real author, ``/``, a real model name and a unique hex suffix; task, library and licenses follow the real
frequencies (missing ones included); downloads and likes are heavy-tailed. Nothing here is real data.

    python bench/synthetic.py OUT.parquet [--rows 2000000] [--snapshot ../shared/hub-snapshot/models-....jsonl.gz]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.json as pj
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SNAPSHOT = ROOT.parent / "shared" / "hub-snapshot" / "models-2024-07-11.jsonl.gz"


def generate(snapshot: Path, rows: int, seed: int = 0) -> pa.Table:
    """A table of `rows` synthetic models in the shape of `GET /api/models` items."""
    rng = np.random.default_rng(seed)
    schema = pa.schema([("id", pa.string()), ("tags", pa.list_(pa.string())), ("pipeline_tag", pa.string()),
                        ("library_name", pa.string())])  # fmt: skip
    real = pj.read_json(snapshot, parse_options=pj.ParseOptions(explicit_schema=schema,
                                                                unexpected_field_behavior="ignore"))  # fmt: skip
    split = [i.split("/", 1) for i in real.column("id").to_pylist()]
    authors = [p[0] if len(p) == 2 else "legacy" for p in split]
    names = [p[-1] for p in split]
    a_pick = rng.integers(0, len(authors), rows).tolist()
    n_pick = rng.integers(0, len(names), rows).tolist()
    new_ids = [f"{authors[a]}/{names[b]}-{i:x}" for i, (a, b) in enumerate(zip(a_pick, n_pick, strict=True))]
    pick = pa.array(rng.integers(0, real.num_rows, rows))  # task, library and tags travel together
    source = real.take(pick)
    downloads = np.floor(rng.pareto(1.1, rows) * 3).astype(np.int64)
    likes = np.floor(rng.pareto(1.6, rows) * 0.5).astype(np.int64)
    start = np.datetime64("2021-01-01T00:00:00", "s").astype(np.int64)
    end = np.datetime64("2024-07-11T00:00:00", "s").astype(np.int64)
    created = rng.integers(start, end, rows).astype("datetime64[s]")
    modified = (created.astype(np.int64) + rng.integers(0, 90 * 86400, rows)).astype("datetime64[s]")
    return pa.table({
        "id": pa.array(new_ids, pa.string()),
        "downloads": downloads,
        "likes": likes,
        "trendingScore": np.round(rng.pareto(2.0, rows), 3),
        "tags": source.column("tags"),
        "pipeline_tag": source.column("pipeline_tag"),
        "library_name": source.column("library_name"),
        "createdAt": pa.array(created, pa.timestamp("s", tz="UTC")),
        "lastModified": pa.array(modified, pa.timestamp("s", tz="UTC")),
    })  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--snapshot", type=Path, default=DEFAULT_SNAPSHOT)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    table = generate(args.snapshot, args.rows, args.seed)
    pq.write_table(table, args.out, row_group_size=250_000)
    print(f"{args.rows:,} synthetic models -> {args.out} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
