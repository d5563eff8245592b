"""A tiny page with the shared "You" widget (lib.ui.identity), and the saved-searches panel under it when a test asks
(session state `test:saved`), as the full app arranges them. The main area says who `current_user()` is, as text."""

import streamlit as st

from lib.ui import identity, saved_panel

identity.sidebar()
if st.session_state.get("test:saved"):
    saved_panel.saved_searches_panel("models", {"q": "bert"})
me = identity.current_user()
st.text(f"name={me.name!r} signed_in={me.signed_in}")
