"""Compare: models side by side, what differs and which is best, exported; one input run through all of them."""

import streamlit as st

from lib.ui import compare_view
from lib.ui.router import require_router

require_router()

st.title("Compare models", anchor=False)
compare_view.render()
