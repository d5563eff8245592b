"""Spaces: search the Hub's Spaces, pick one, see its runtime, linked repos, card and the live app."""

import streamlit as st

from lib.ui import browse, views
from lib.ui.router import require_router

require_router()

st.title("Spaces", anchor=False)
selected = browse.browse("spaces")
if selected:
    st.divider()
    views.render("spaces", selected)
