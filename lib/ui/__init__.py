"""Streamlit glue: the cache boundary, URL/state sync and shared widgets. The only Streamlit code in `lib`."""
