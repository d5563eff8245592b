"""Hub Explorer's plain-Python core: no Streamlit here except in `lib.ui`."""
