"""A tiny page that draws only the saved-searches panel, for AppTest (and for a look in a browser).

The current search comes from session state key `test:params` (a test sets it), else from the URL. To look at it:
`PYTHONPATH=. .venv/bin/streamlit run tests/apps/saved_panel_app.py` (HUB_EXPLORER_HOME chooses the SQLite file).
"""

import streamlit as st

from lib.ui import saved_panel

KIND = st.session_state.get("test:kind", "models")
params = st.session_state.get("test:params")
if params is None:
    params = st.query_params.to_dict()
st.title("Saved searches panel", anchor=False)
st.write(params)
saved_panel.saved_searches_panel(KIND, params)
