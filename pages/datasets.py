"""Datasets: search the Hub's datasets, pick one, see its card, files and tags."""

import streamlit as st

from lib.ui import browse, repo_view
from lib.ui.router import require_router

require_router()

st.title("Datasets", anchor=False)
selected = browse.browse("datasets")
if selected:
    st.divider()
    repo_view.render("datasets", selected)
