"""A tiny page that draws only the charts panel, for AppTest (and for a look in a browser).

Session state `test:kind` picks the kind (default models) and `test:source` the source: ``catalog`` (the local
catalog in `HUB_EXPLORER_HOME` answers, as on a browse page) or ``hub`` (records built from the fixture files,
as if the live Hub had returned the first `test:limit` of them). The filters come from the URL, as on a browse
page: `lib.ui.state.read` loads it, the panel's selections change it. To look at it:
`HUB_EXPLORER_HOME=... PYTHONPATH=. .venv/bin/streamlit run tests/apps/charts_app.py`.
"""

import json
from pathlib import Path

import streamlit as st

from lib.query import SearchResult
from lib.records import record_from_api
from lib.ui import source, state
from lib.ui.charts_panel import charts_panel

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hub"

kind = st.session_state.get("test:kind", "models")
state.read(kind)
query = state.query(kind)
if st.session_state.get("test:source", "catalog") == "catalog":
    cat = source.catalog()
    assert cat is not None, "no catalog in HUB_EXPLORER_HOME"
    result = cat.search(query)
else:
    limit = st.session_state.get("test:limit", 30)
    items = json.loads((FIXTURES / f"{kind}.json").read_text(encoding="utf-8"))[:limit]
    result = SearchResult(query=query, items=[record_from_api(kind, i) for i in items], source="hub",
                          has_more=True)
st.title("Charts panel", anchor=False)
st.caption(query.describe(result.total))
charts_panel(kind, query, result, "test")
state.write(kind, query, page=1, repo=None)
