"""A tiny page that draws only the charts panel, for AppTest (and for a look in a browser).

Session state `test:kind` picks the kind (default models) and `test:source` the source: ``catalog`` (the local
catalog in `HUB_EXPLORER_HOME` answers, as on a browse page) or ``hub`` (a `lib.sources.Source` with the live
Hub's capabilities that answers with records built from the first `test:limit` fixture items). The filters come
from the URL, as on a browse page: `lib.ui.state.read` loads it, the panel's selections change it. To look at it:
`HUB_EXPLORER_HOME=... PYTHONPATH=. .venv/bin/streamlit run tests/apps/charts_app.py`.
"""

import json
from pathlib import Path

import streamlit as st

from lib.hub.client import hub_capabilities
from lib.query import SearchQuery, SearchResult
from lib.records import record_from_api
from lib.sources import Aggregates, Capabilities, records_aggregates
from lib.ui import source, state
from lib.ui.charts_panel import charts_panel

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hub"


class FixtureHub:
    """A `lib.sources.Source` that answers like the live Hub (its capabilities, one fetched page, no counts) with
    the first `limit` fixture items, whatever the query."""

    name = "hub"
    label = "the live Hub"

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def search(self, query: SearchQuery) -> SearchResult:
        items = json.loads((FIXTURES / f"{query.kind}.json").read_text(encoding="utf-8"))[: self.limit]
        return SearchResult(query=query, items=[record_from_api(query.kind, i) for i in items], source="hub",
                            has_more=True)  # fmt: skip

    def aggregates(self, query: SearchQuery) -> Aggregates:
        return records_aggregates(self.search(query), query.kind)

    def get(self, kind: str, repo_id: str) -> None:  # the panel never asks
        return None

    def capabilities(self, kind: str) -> Capabilities:
        return hub_capabilities(kind)


kind = st.session_state.get("test:kind", "models")
state.read(kind)
query = state.query(kind)
if st.session_state.get("test:source", "catalog") == "catalog":
    src = source.catalog()
    assert src is not None, "no catalog in HUB_EXPLORER_HOME"
else:
    src = FixtureHub(st.session_state.get("test:limit", 30))
result = src.search(query)
st.title("Charts panel", anchor=False)
st.caption(query.describe(result.total))
charts_panel(kind, query, result, src)
state.write(kind, query, page=1, repo=None)
