"""A failing page recovers by itself in a real browser: the countdown the fault matrix (`tests/test_faults.py`) sees
scheduled really reruns the page when it reaches zero, with no click, and the results appear once the Hub answers.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from tests.browser import serve_app_and_hub, shot, wait_idle

pytestmark = pytest.mark.browser


def _faults(hub: str, method: str, data: object | None = None) -> None:
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(f"{hub}/_fake/faults", data=body, method=method,
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).close()


def test_a_failing_search_recovers_without_a_click(page):
    with serve_app_and_hub() as (app, hub):
        page.goto(f"{app}/models?q=bert")  # through the router first (docs/ARCHITECTURE.md)
        page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
        _faults(hub, "POST", {"path_prefix": "/api/models", "status": 503, "times": None})
        page.goto(f"{app}/models?q=recovery-probe")
        page.get_by_text(re.compile(r"Retrying by itself in \d+ s")).first.wait_for(timeout=60_000)
        page.get_by_role("button", name="Retry").wait_for(timeout=30_000)
        assert page.get_by_text("The Hub is having trouble").count() > 0
        shot(page, "20-recovery-counting-down")
        _faults(hub, "DELETE")  # the Hub answers again; nobody touches the page
        page.get_by_text("No models match this search.").wait_for(timeout=30_000)
        wait_idle(page)
        assert page.get_by_text("The Hub is having trouble").count() == 0
        assert page.get_by_text(re.compile("Retrying by itself")).count() == 0
        assert page.get_by_test_id("stException").count() == 0
        shot(page, "21-recovered-by-itself")


def test_a_shortlist_item_the_hub_fails_on_recovers_without_a_click(page, tmp_path):
    """The Shortlists page's live part (a fragment rerunning every 2 s) draws the failure and its countdown; the
    countdown is not started over by each redraw, so it reaches zero and the whole page reads again by itself."""
    from lib.shortlists import Shortlists
    from lib.store import FILE_NAME, close_stores

    home = tmp_path / "home"
    lists = Shortlists(home / FILE_NAME)
    lists.create_list("picks", user="cy")
    lists.add_item("picks", "gpt2", kind="models", user="cy")
    try:
        with serve_app_and_hub(env={"HUB_EXPLORER_HOME": str(home)}) as (app, hub):
            page.goto(f"{app}/shortlists?list=picks")
            page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
            wait_idle(page)
            _faults(hub, "POST", {"path_prefix": "/api/models/", "status": 503, "times": None})
            lists.add_item("picks", "distilgpt2", kind="models", user="cy")  # added elsewhere while the Hub fails
            page.get_by_text(re.compile(r"Retrying by itself in \d+ s")).first.wait_for(timeout=30_000)
            said = [a.inner_text() for a in page.get_by_test_id("stAlert").all()]
            hit = [t for t in said if "The Hub is having trouble" in t]
            assert len(hit) == 1 and "\ndistilgpt2: The Hub is having trouble." in hit[0], said
            shot(page, "25-shortlist-item-counting-down")
            _faults(hub, "DELETE")  # the Hub answers again; nobody touches the page
            page.get_by_text("The Hub is having trouble").wait_for(state="detached", timeout=30_000)
            wait_idle(page)
            assert page.get_by_text(re.compile("Retrying by itself")).count() == 0
            assert page.get_by_test_id("stException").count() == 0
            shot(page, "26-shortlist-item-recovered-by-itself")
    finally:
        close_stores()
