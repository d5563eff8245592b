"""The Space detail view: header, runtime badges, key figures, tags, then App | Models and datasets | Card | Files.

The app is embedded only from the Space's own `*.hf.space` host over https."""

from __future__ import annotations

import re

import streamlit as st

from lib.details import space_stage
from lib.format import md_escape
from lib.records import SpaceRecord
from lib.ui.views import common

#: Tabs by short name (the URL's `tab=`), in order; the first opens by default.
TABS = {"app": "App", "links": "Models and datasets", "card": "Card", "files": "Files"}
#: The only app URLs embedded: a Space's own *.hf.space host over https.
SPACE_HOST = re.compile(r"^https://[a-z0-9][a-z0-9-]{0,94}\.hf\.space/?$")
def render(repo_id: str) -> None:
    """Everything about one Space. Failures are shown in place; the rest of the page keeps working."""
    space = common.load("spaces", repo_id)
    if not isinstance(space, SpaceRecord):
        return
    common.header(space)
    color, icon, label, meaning = space_stage(space.stage)
    st.markdown(
        f":{color}-badge[{icon} {md_escape(label)}] "
        f":blue-badge[:material/code: {md_escape(space.sdk or 'no SDK')}] "
        f":gray-badge[:material/memory: {md_escape(space.hardware or 'hardware unknown')}]"
    )
    if space.error_message:  # the Hub's own words (a traceback, log lines): shown as text, never as Markdown
        st.error(f"{meaning or md_escape(label)} The Hub's message:", icon=":material/error:")  # meaning: ours
        st.code(space.error_message, language=None, wrap_lines=True)
    common.figures(space)
    common.tag_lines(space)

    tabs = common.detail_tabs("spaces", TABS)
    with tabs["app"]:
        _app(space, meaning)
    with tabs["links"]:
        left, right = st.columns(2)
        with left:
            st.markdown("**Models it uses**")
            common.repo_links("models", space.models)
        with right:
            st.markdown("**Datasets it uses**")
            common.repo_links("datasets", space.datasets_used)
    with tabs["card"]:
        common.card_section("spaces", space)
    with tabs["files"]:
        common.files_section(space)


def _app(space: SpaceRecord, meaning: str | None) -> None:
    url = space.app_url
    if url and SPACE_HOST.match(url):
        if meaning:  # not running: what the embedded app will show instead (our own words)
            st.info(meaning, icon=":material/info:")
        st.iframe(url, height=600)
        st.link_button("Open the app in a new tab", url, icon=":material/open_in_new:")
    else:
        st.info("This Space has no app address the Hub reported.", icon=":material/link_off:")
