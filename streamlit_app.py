"""Hub Explorer: the router. Page config, the navigation over `pages/`, and the shared sidebar."""

import streamlit as st

from lib.ui.components import sidebar, sidebar_top

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
# The shared sidebar keeps its place at the top but is drawn after the page: a page's own elements (a search's
# results table) then reach the browser first, instead of waiting behind the sidebar's (bench/bench_browser.py).
top = sidebar_top()
try:
    page.run()
finally:
    sidebar(top)

# With a local catalog, the Insights page's figures are counted ahead, in the background, once per catalog version;
# imported here, after the page is drawn, so that neither the import nor the counting holds a page up.
from lib.ui import insights_view

insights_view.prepare()
