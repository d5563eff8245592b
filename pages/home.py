"""Home: one search box over models, datasets and Spaces."""

import streamlit as st

from lib.query import KINDS
from lib.ui import overview
from lib.ui.router import require_router

require_router()

st.title("Hub Explorer", anchor=False)
st.caption("Search the Hugging Face Hub's models, datasets and Spaces at once.")
overview.search_everything(KINDS)
