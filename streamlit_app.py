"""Hub Explorer: the router. Page config, the shared sidebar, and the navigation over `pages/`."""

import streamlit as st

from lib.ui.components import sidebar

st.set_page_config(page_title="Hub Explorer", page_icon=":material/explore:", layout="wide")

page = st.navigation(
    [
        st.Page("pages/home.py", title="Search", icon=":material/search:", default=True),
        st.Page("pages/models.py", title="Models", icon=":material/neurology:"),
        st.Page("pages/1_datasets.py", title="Datasets", icon=":material/dataset:", url_path="datasets"),
        st.Page("pages/spaces.py", title="Spaces", icon=":material/rocket_launch:"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("pages/shortlists.py", title="Shortlists", icon=":material/checklist:"),
        st.Page("pages/insights.py", title="Insights", icon=":material/insights:"),
        st.Page("pages/cache.py", title="Local cache", icon=":material/storage:"),
    ]
)
sidebar()
page.run()
