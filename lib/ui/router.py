"""Keep every page under `streamlit_app.py`'s navigation.

Streamlit still has its legacy multipage mode for apps with a `pages/` folder: until the main script has called
`st.navigation` once in a server process, a first visit to a page URL (`/models?q=bert`) runs that page file
directly, without our page config, sidebar or navigation. A page calls `require_router()` first: in that case it
switches the process to `st.navigation` mode and reruns, which runs `streamlit_app.py` for the same URL.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_router() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False  # what st.navigation itself sets on its first call
        st.rerun()
