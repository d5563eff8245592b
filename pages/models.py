"""Models: search the Hub's models, pick one, see everything about it."""

import streamlit as st

from lib.ui import browse, views
from lib.ui.router import require_router

require_router()

st.title("Models", anchor=False)
browse.browse("models", detail=lambda repo: views.render("models", repo))  # the detail opens under the table
