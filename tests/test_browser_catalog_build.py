"""The first visit without a local catalog, in Chromium at 1280 px: the sidebar offers to build one (what, how much,
where), the build runs in the background with a progress bar per file, and the app then answers from the catalog.
The fake Hub serves the generated hub-stats dataset as a folder (``--repo-dir``)."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

from tests.browser import serve_app_and_hub, shot, wait_idle
from tests.fakehub.hubstats import FILES, REPO, parquet_bytes
from tests.test_app_catalog_build import records

pytestmark = pytest.mark.browser


@pytest.mark.viewport(width=1280, height=900)
def test_first_visit_builds_the_catalog_from_the_sidebar(page, tmp_path: Path) -> None:
    data = records()
    dataset = tmp_path / "hub-stats"
    dataset.mkdir()
    for kind, rows in data.items():
        (dataset / FILES[kind]).write_bytes(parquet_bytes(kind, rows))
    home = tmp_path / "home"
    with serve_app_and_hub((f"--repo-dir=dataset:{REPO}={dataset}",), env={"HUB_EXPLORER_HOME": str(home)}) as (
        app,
        hub,
    ):
        page.goto(app)
        sidebar = page.get_by_test_id("stSidebar")
        build = sidebar.get_by_role("button", name="Build the local catalog")
        build.wait_for(timeout=60_000)
        wait_idle(page)
        sidebar.get_by_role("button", name="How big is it?").click()
        sidebar.get_by_text(re.compile(r"Downloads models, datasets, spaces \(about [\d.]+ KB\)")).wait_for(
            timeout=30_000)
        wait_idle(page)
        build.scroll_into_view_if_needed()
        shot(page, "30-catalog-offer")

        slow = {"path_prefix": f"/datasets/{REPO}/resolve/", "method": "HEAD", "delay": 3, "times": 1}
        request = urllib.request.Request(f"{hub}/_fake/faults", data=json.dumps(slow).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})  # fmt: skip
        urllib.request.urlopen(request, timeout=10).close()
        build.click()
        sidebar.get_by_text(re.compile("Building the local catalog")).first.wait_for(timeout=30_000)
        sidebar.get_by_role("progressbar").first.wait_for(timeout=10_000)
        assert sidebar.get_by_role("progressbar").count() == 3  # a bar per file
        shot(page, "31-catalog-building")
        sidebar.get_by_text("Built the local catalog").wait_for(timeout=90_000)
        wait_idle(page)
        sidebar.get_by_text("Built the local catalog").scroll_into_view_if_needed()
        assert sidebar.get_by_text("models: fetched revision").count() == 1
        assert sidebar.get_by_text(f"models: {len(data['models'])} · today").count() == 1
        assert sidebar.get_by_text("Answers from").count() == 1  # the picker: the catalog is in use
        assert page.get_by_test_id("stException").count() == 0
        shot(page, "32-catalog-built")

        page.goto(f"{app}/models?source=catalog&sort=likes")
        page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
        wait_idle(page)
        assert page.get_by_text(f"{len(data['models'])} models").count() > 0
        assert (home / "catalog" / "catalog.duckdb").exists()
