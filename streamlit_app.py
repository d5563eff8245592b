"""Hub Explorer: the router. Page config, the navigation over `pages/`, and the shared sidebar."""

import streamlit as st

from lib.ui.components import sidebar, sidebar_top
from lib.ui.source import catalog

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
# The shared sidebar's top part (where answers come from, the Hub's health) is drawn before the page; "You" and the
# source picker keep their places but are drawn after it: a page's own elements (a search's results table) then
# reach the browser first, instead of waiting behind the sidebar's widgets (bench/bench_browser.py).
slots = sidebar_top()
try:
    page.run()
finally:
    sidebar(slots)

# With a local catalog, the Insights page's figures are counted ahead, in the background, once per catalog version;
# imported here, after the page is drawn and only with a catalog, so that neither the import nor the counting holds a
# page up.
if catalog() is not None:
    from lib.ui import insights_view

    insights_view.prepare()
