"""Shortlists: the team's named lists of models, datasets and Spaces, with votes, a status and a note per item, live."""

import streamlit as st

from lib.ui import shortlists_view
from lib.ui.router import require_router

require_router()

st.title("Team shortlists", anchor=False)
shortlists_view.render()
