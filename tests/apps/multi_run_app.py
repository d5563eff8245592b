"""A page that draws only the compare page's "run one input through these models" section and the tokens side by
side, for AppTest: the models' ids come from session state `test:models`, their records from the Hub (as the compare
page has them); `test:tokens` (a text) adds the tokens view for the same models."""

import streamlit as st

from lib.ui import hub_cache
from lib.ui.multi_run import render_multi_run, render_tokens

records = [hub_cache.info("models", repo_id) for repo_id in st.session_state.get("test:models", [])]
render_multi_run(records, key="cmp")
text = st.session_state.get("test:tokens")
if text:
    render_tokens(records, text, key="cmp-tokens")
