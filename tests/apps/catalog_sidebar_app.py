"""The app's router with its shared sidebar (the catalog panel in it), for AppTest.

Not `streamlit_app.py` itself: AppTest resets `PagesManager.uses_pages_directory` before every run, so beside the
project's `pages/` folder each run starts in the legacy mode and `require_router()` reruns it, which drops a
button's click in the sidebar. A script here has no `pages/` folder beside it; it routes to the same page files.
"""

from pathlib import Path

import streamlit as st

from lib.ui.components import sidebar

PAGES = Path(__file__).resolve().parents[2] / "pages"

page = st.navigation([
    st.Page(str(PAGES / "home.py"), title="Search", default=True),
    st.Page(str(PAGES / "models.py"), title="Models"),
])  # fmt: skip
sidebar()
page.run()
