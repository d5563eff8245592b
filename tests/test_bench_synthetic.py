"""The synthetic Hub generator (`bench/synthetic.py`): its output has the dump's shape, unique ids, and values
drawn from the real snapshot. Skipped when the snapshot is not beside the project."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tests.conftest import SNAPSHOT, SNAPSHOT_MODELS

pytestmark = pytest.mark.skipif(
    not SNAPSHOT_MODELS.exists(), reason=f"the real Hub snapshot is not at {SNAPSHOT} (it lives beside the project)"
)


@pytest.fixture(scope="module")
def real():
    from bench.synthetic import read_real

    return read_real(SNAPSHOT_MODELS)


def test_ten_thousand_rows_have_the_dump_shape_and_unique_ids(real, tmp_path: Path) -> None:
    from bench.synthetic import COLUMNS, write

    out = tmp_path / "synthetic.parquet"
    shapes = write(SNAPSHOT_MODELS, 10_000, out, seed=3, real=real)
    table = pq.read_table(out)
    assert table.num_rows == 10_000
    assert tuple(table.column_names) == COLUMNS
    ids = table.column("id").to_pylist()
    assert len(set(ids)) == len(ids)
    assert all(i and "\0" not in i for i in ids)
    # Values come from the snapshot: every task and library is a real one, downloads are real values.
    for name in ("pipeline_tag", "library_name"):
        drawn = set(pc.unique(table.column(name).combine_chunks()).to_pylist()) - {None}
        assert drawn <= set(pc.unique(real.column(name).combine_chunks()).to_pylist())
    real_downloads = set(np.asarray(pc.drop_null(real.column("downloads").combine_chunks())).tolist())
    assert set(np.asarray(pc.drop_null(table.column("downloads").combine_chunks())).tolist()) <= real_downloads
    # Authors are real authors (or a numbered variant of a one-repo author); the skew is reported.
    real_authors = {i.split("/", 1)[0] for i in real.column("id").to_pylist() if "/" in i}
    authors = {i.split("/", 1)[0] for i in ids if "/" in i}
    assert sum(a in real_authors for a in authors) > 0.5 * len(authors)
    assert set(shapes) == {"real", "synthetic"}
    assert 0.5 < shapes["synthetic"]["id_length_mean"] / shapes["real"]["id_length_mean"] < 1.5


def test_the_same_seed_gives_the_same_dump(real, tmp_path: Path) -> None:
    from bench.synthetic import write

    write(SNAPSHOT_MODELS, 2_000, tmp_path / "a.parquet", seed=5, real=real)
    write(SNAPSHOT_MODELS, 2_000, tmp_path / "b.parquet", seed=5, real=real)
    assert pq.read_table(tmp_path / "a.parquet").equals(pq.read_table(tmp_path / "b.parquet"))


def test_at_twice_the_snapshot_authors_keep_its_shape(real, tmp_path: Path) -> None:
    """Grown past the snapshot, the long tail of authors grows with it (the share of one-repo authors stays the
    snapshot's) and the largest authors keep their share of the repos."""
    from bench.synthetic import write

    shapes = write(SNAPSHOT_MODELS, 2 * real.num_rows, tmp_path / "big.parquet", seed=1, real=real)
    got, want = shapes["synthetic"], shapes["real"]
    assert abs(got["authors_with_one_repo_share"] - want["authors_with_one_repo_share"]) < 0.04, shapes
    assert abs(got["top_10_authors_share"] - want["top_10_authors_share"]) < 0.005, shapes
