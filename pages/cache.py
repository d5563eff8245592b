"""Local cache: what huggingface_hub has downloaded to this machine, with sizes and last use; delete repos."""

import streamlit as st

from lib.ui import cache_view
from lib.ui.router import require_router

require_router()

st.title("Local cache", anchor=False)
st.caption("Repos that huggingface_hub has downloaded to this machine, largest first.")
cache_view.render()
