"""Hub Explorer: the router. Page config, the shared sidebar, and the navigation over `pages/`."""

import streamlit as st

from lib.ui.components import sidebar

st.set_page_config(page_title="Hub Explorer", page_icon=":material/explore:", layout="wide")

page = st.navigation(
    [
        st.Page("pages/models.py", title="Models", icon=":material/neurology:", default=True),
    ]
)
sidebar()
page.run()
