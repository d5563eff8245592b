"""A page that draws only a detail view, for AppTest: the repo comes from `?repo=`, the kind from session state
`test:kind` (default models). No browse page rewrites the URL here, so a view's own URL parameters (`tab=`,
`config=`, `split=`; `lib.detail_url`) are seen as the view alone reads and writes them."""

import streamlit as st

from lib.ui import views

repo = st.query_params.get("repo")
if repo:
    views.render(st.session_state.get("test:kind", "models"), repo)
