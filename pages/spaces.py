"""Spaces: search the Hub's Spaces, pick one, see its runtime, linked repos, card and the live app."""

import streamlit as st

from lib.ui import browse, views
from lib.ui.router import require_router

require_router()

st.title("Spaces", anchor=False)
browse.browse("spaces", detail=lambda repo: views.render("spaces", repo))  # the detail opens under the table
