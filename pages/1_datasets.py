"""Datasets: search the Hub's datasets, pick one, see its card, viewer preview, schema and statistics.

Named `1_datasets.py`, not `datasets.py`: a page run on its own has its folder first on sys.path, where a
`datasets.py` would shadow the `datasets` library; and Streamlit's legacy page naming still maps this file to
`/datasets`, which is the URL `streamlit_app.py` gives it too."""

import streamlit as st

from lib.ui import browse, views
from lib.ui.router import require_router

require_router()

st.title("Datasets", anchor=False)
browse.browse("datasets", detail=lambda repo: views.render("datasets", repo))  # the detail opens under the table
