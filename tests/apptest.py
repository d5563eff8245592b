"""Streamlit's AppTest for the app's scripts, the way every AppTest module starts one."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def page_test(path: str, *, picked_source: str | None = None, **params: str) -> AppTest:
    """An AppTest of a script (`path` from the repository's root) with these URL query parameters (`source=` among
    them, as a link gives it), and the source picker's choice set in the session when `picked_source` is given.
    Call `.run()` on it."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    if picked_source is not None:
        at.session_state["source:choice"] = picked_source
    return at
