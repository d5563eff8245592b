"""The Local cache page: what huggingface_hub has downloaded here, and deleting repos from it (confirmed first).

The cache is scanned on every run (a scan only stats files), so the table is never stale after a deletion or a
download elsewhere. Deleting is two steps: the selection's button records exactly which revisions would go and what
that frees; the confirmation deletes those and nothing else, even if the selection or the cache changed meanwhile.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib import hf_cache
from lib.errors import HubExplorerError
from lib.format import human_bytes, md_escape
from lib.hf_cache import CachedRepo, CacheReport
from lib.ui.components import show_error

TABLE = "cache:table"
PENDING = "cache:pending"  # {"revisions": (...), "repos": [(key, size)], "freed": int, "rows": [...]}
FLASH = "cache:flash"
ROW_HEIGHT = 35
MAX_TABLE_ROWS = 15  # taller than this, the table scrolls inside itself
_TYPE_LABELS = {"model": "Model", "dataset": "Dataset", "space": "Space"}


def _code(text: str) -> str:
    """Inline code for untrusted text: backslash escapes do not work inside a code span, a longer fence does."""
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def _noun(n: int) -> str:
    return f"{n} repo" if n == 1 else f"{n} repos"


def _selected_rows() -> list[int]:
    state = st.session_state.get(TABLE)
    try:
        return sorted(int(r) for r in state["selection"]["rows"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return []


def _clear_selection() -> None:
    st.session_state[TABLE] = {"selection": {"rows": [], "columns": [], "cells": []}}


def _ask(cache_dir: str, repos: list[CachedRepo], rows: list[int]) -> None:
    """First step: plan the deletion of the selected repos and ask."""
    try:
        plan = hf_cache.delete_plan(hf_cache.revisions_of(repos), cache_dir)
    except HubExplorerError as err:
        st.session_state[FLASH] = err
        return
    if plan.is_empty:
        st.session_state[FLASH] = ("info", "Those repos are no longer in the cache.")
        return
    st.session_state[PENDING] = {
        "revisions": plan.revisions,
        "repos": [(r.key, r.size_on_disk) for r in plan.repos],
        "freed": plan.expected_freed_size,
        "rows": rows,
        "cache_dir": cache_dir,
    }


def _cancel() -> None:
    st.session_state.pop(PENDING, None)


def _confirm() -> None:
    """Second step: delete exactly what was asked about (re-planned on a fresh scan, so nothing else can go)."""
    pending = st.session_state.pop(PENDING, None)
    if not pending:
        return
    try:
        plan = hf_cache.delete_plan(pending["revisions"], pending["cache_dir"])
        plan.execute()
    except HubExplorerError as err:
        st.session_state[FLASH] = err
        return
    finally:
        _clear_selection()
    names = ", ".join(md_escape(key.split("/", 1)[1]) for key, _ in pending["repos"])
    st.session_state[FLASH] = (
        "success", f"Deleted {_noun(len(pending['repos']))} ({names}), freeing {human_bytes(plan.expected_freed_size)}."
    )


def _show_flash() -> None:
    flash = st.session_state.pop(FLASH, None)
    if isinstance(flash, HubExplorerError):
        show_error(flash)
    elif flash and flash[0] == "success":
        st.success(flash[1], icon=":material/delete_sweep:")
    elif flash:
        st.info(flash[1], icon=":material/info:")


def render(cache_dir: str | Path | None = None) -> None:
    """The whole page body below the title."""
    _show_flash()
    try:
        report = hf_cache.scan(cache_dir)
    except HubExplorerError as err:
        show_error(err, retry_key="cache:retry")
        return

    location = _code(str(report.cache_dir))
    if not report.exists or report.is_empty:
        st.info(
            f"**The cache is empty.** Nothing has been downloaded to {location} yet. Models, datasets and cards that "
            "this app or huggingface_hub download appear here, with their size and when they were last used.",
            icon=":material/inventory_2:",
        )
        _warnings(report)
        return

    _totals(report)
    _warnings(report)
    frame = hf_cache.repos_frame(report.repos)
    st.caption(f"In {location} · select rows to delete them; a deleted repo is downloaded again when needed.")
    event = st.dataframe(
        frame,
        key=TABLE,
        hide_index=True,
        width="stretch",
        height=min(len(frame), MAX_TABLE_ROWS) * ROW_HEIGHT + ROW_HEIGHT + 3,
        on_select="rerun",
        selection_mode="multi-row",
        column_order=["repo", "size", "last_accessed", "last_modified", "type", "files", "revisions"],
        column_config=_column_config(),
    )
    rows = sorted(event.selection.rows) if event is not None else _selected_rows()
    rows = [r for r in rows if 0 <= r < len(report.repos)]
    selected = [report.repos[r] for r in rows]

    pending = st.session_state.get(PENDING)
    if pending and (pending["rows"] != rows or pending["cache_dir"] != str(report.cache_dir)):
        st.session_state.pop(PENDING, None)  # the selection changed: that question is moot
        pending = None
    if pending:
        _confirmation(pending)
    else:
        _delete_button(report, selected, rows)


def _totals(report: CacheReport) -> None:
    cols = st.columns(4 if report.incomplete_files else 3)
    cols[0].metric("Repos", f"{len(report.repos):,}")
    cols[1].metric("Size on disk", human_bytes(report.size_on_disk))
    cols[2].metric("Files", f"{sum(r.nb_files for r in report.repos):,}")
    if report.incomplete_files:
        cols[3].metric("Unfinished downloads", human_bytes(report.incomplete_size),
                       help=f"{report.incomplete_files} partial file(s) left by interrupted downloads")


def _warnings(report: CacheReport) -> None:
    if not report.warnings:
        return
    n = len(report.warnings)
    st.warning(
        f"**{n} cache {'entry' if n == 1 else 'entries'} could not be read** and {'is' if n == 1 else 'are'} not "
        "listed (a folder huggingface_hub did not write, or an interrupted download). Details below.",
        icon=":material/report:",
    )
    with st.expander("Details"):
        for text in report.warnings:
            st.markdown(f"- {md_escape(text)}")


def _delete_button(report: CacheReport, selected: list[CachedRepo], rows: list[int]) -> None:
    if not selected:
        st.button("Delete selected repos", key="cache:delete", icon=":material/delete:", disabled=True,
                  help="Select one or more rows first")
        return
    size = sum(r.size_on_disk for r in selected)
    st.button(
        f"Delete {_noun(len(selected))} ({human_bytes(size)})", key="cache:delete", icon=":material/delete:",
        on_click=_ask, args=(str(report.cache_dir), selected, rows),
    )


def _confirmation(pending: dict) -> None:
    repos = pending["repos"]
    with st.container(border=True):
        st.markdown(f"**Delete {_noun(len(repos))} from the local cache?**")
        st.markdown("\n".join(
            f"- {_TYPE_LABELS.get(key.split('/', 1)[0], '')} {_code(key.split('/', 1)[1])} · {human_bytes(size)}"
            for key, size in repos
        ))
        st.caption(
            f"This frees about **{human_bytes(pending['freed'])}**. The files are gone from this machine; anything "
            "that needs them downloads them again from the Hub. This cannot be undone."
        )
        yes, no, _ = st.columns([1.3, 1, 3])
        yes.button("Yes, delete", key="cache:confirm", type="primary", icon=":material/delete_forever:",
                   on_click=_confirm, width="stretch")
        no.button("Cancel", key="cache:cancel", on_click=_cancel, width="stretch")


def _column_config() -> dict[str, object]:
    """Widths in pixels add up to about 900, so the table fits a wide page next to the sidebar without scrolling
    sideways; the columns that matter for deciding what to delete come first."""
    cc = st.column_config
    return {
        "repo": cc.TextColumn("Repo", width=360),
        "size": cc.NumberColumn("Size", format="bytes", width=80, help="Size on disk"),
        "last_accessed": cc.DatetimeColumn("Last used", format="distance", width=125,
                                           help="When a file was last read, as the file system records it"),
        "last_modified": cc.DatetimeColumn("Downloaded", format="distance", width=125,
                                           help="When a file of it was last written"),
        "type": cc.TextColumn("Type", width=70),
        "files": cc.NumberColumn("Files", width=55),
        "revisions": cc.NumberColumn("Revisions", width=80,
                                     help="Cached commits of this repo (more than one: older versions take space)"),
    }
