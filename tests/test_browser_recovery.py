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
