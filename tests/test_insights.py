"""Hub-wide insights (`lib.insights`) agree with an independent pandas computation over the raw fixture files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib import insights
from lib.catalog import Catalog

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hub"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):
    cat = Catalog.open(tmp_path_factory.mktemp("insights-home"))
    cat.load([FIXTURES / "models.json"], kind="models")
    return cat.index("models")


@pytest.fixture(scope="module")
def models() -> pd.DataFrame:
    frame = pd.DataFrame(json.loads((FIXTURES / "models.json").read_text(encoding="utf-8")))
    frame["downloads"] = frame["downloads"].fillna(0).astype("int64")
    frame["owner"] = [i.split("/", 1)[0] if "/" in i else a for i, a in zip(frame["id"], frame["author"], strict=True)]
    return frame


def test_concentration(index, models: pd.DataFrame) -> None:
    got = insights.concentration(index)
    ordered = models["downloads"].sort_values(ascending=False).to_numpy()
    for share, row in zip(insights.TOP_SHARES, got.itertuples(), strict=True):
        k = max(1, math.ceil(share * len(models)))
        assert row.repos == k
        assert row.downloads_share == pytest.approx(ordered[:k].sum() / ordered.sum())
    assert got["downloads_share"].is_monotonic_increasing
    assert 0 < got["downloads_share"].iloc[0] < 1


def test_lorenz(index, models: pd.DataFrame) -> None:
    curve = insights.lorenz(index)
    assert curve["downloads_share"].iloc[0] == 0 and curve["downloads_share"].iloc[-1] == pytest.approx(1)
    assert curve["downloads_share"].is_monotonic_increasing
    assert (curve["downloads_share"] <= curve["repos_share"] + 1e-12).all()  # below the diagonal
    ascending = np.sort(models["downloads"].to_numpy())
    half = round(0.5 * len(ascending))
    at_half = curve.loc[curve["repos_share"].sub(0.5).abs().idxmin(), "downloads_share"]
    assert at_half == pytest.approx(ascending[:half].sum() / ascending.sum())


@pytest.mark.parametrize("by", ["repos", "downloads"])
def test_top_authors(index, models: pd.DataFrame, by: str) -> None:
    grouped = models.groupby("owner").agg(repos=("id", "size"), downloads=("downloads", "sum")).reset_index()
    grouped = grouped.sort_values([by, "owner"], ascending=[False, True]).head(5)
    got = insights.top_authors(index, by=by, limit=5)
    assert got["author"].tolist() == grouped["owner"].tolist()
    assert got["repos"].tolist() == grouped["repos"].tolist()
    assert got["downloads"].tolist() == grouped["downloads"].tolist()
    with pytest.raises(ValueError, match="repos or downloads"):
        insights.top_authors(index, by="likes")
