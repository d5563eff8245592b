"""The home page's one search box: the best few models, datasets and Spaces for one query, side by side."""

from __future__ import annotations

import streamlit as st

from lib.errors import HubExplorerError
from lib.format import human_count, md_escape
from lib.query import MODE_HELP, MODES, RELEVANCE, SORT_LABELS, Kind, Mode, SearchQuery
from lib.records import ModelRecord, RepoRecord, SpaceRecord
from lib.sources import Capabilities
from lib.ui import nav, source, stale
from lib.ui.components import set_cut_note, show_cut_note, show_error, text_box
from lib.ui.search_modes import mode_help, mode_label, snippet_markdown
from lib.urlstate import MAX_TEXT

PER_GROUP = 5
ICONS: dict[Kind, str] = {"models": ":material/neurology:", "datasets": ":material/dataset:",
                          "spaces": ":material/rocket_launch:"}


def _facts(record: RepoRecord) -> str:
    if isinstance(record, ModelRecord):
        extra = [record.pipeline_tag or "no task", f"{human_count(record.downloads)} downloads"]
    elif isinstance(record, SpaceRecord):
        extra = [record.sdk or "no SDK", f"{human_count(record.likes)} likes"]
    else:
        extra = [f"{human_count(record.downloads)} downloads", f"{human_count(record.likes)} likes"]
    return " · ".join(extra)


_Q = "home:q"
_MODE = "home:mode"
_URL_Q = "home:url_q"  # the (`q`, `mode`) URL values last read or written in this session
_PLACEHOLDER: dict[Mode, str] = {"names": "e.g. llama, squad, whisper", "text": "e.g. speech recognition",
                                 "meaning": "e.g. turn recorded speech into written text"}  # fmt: skip


def _text_from_url() -> None:
    """Before the box is drawn: the URL's `q` and `mode` into them when the URL changed from outside (a link,
    back/forward), the text cut to `MAX_TEXT` characters with a note; an unknown mode is names."""
    raw = st.query_params.get("q", "")
    mode = st.query_params.get("mode", "names")
    if (raw, mode) == st.session_state.get(_URL_Q) and _Q in st.session_state:
        return
    st.session_state[_URL_Q] = (raw, mode)
    st.session_state[_Q] = raw[:MAX_TEXT]
    st.session_state[_MODE] = mode if mode in MODES else "names"
    if len(raw) > MAX_TEXT:
        set_cut_note(_Q, f"The search text was cut to its first {MAX_TEXT} characters (the link had {len(raw):,}).")


def _offered_modes(kinds: tuple[Kind, ...]) -> Capabilities:
    """The modes some kind's answering source can search in, and why not the others (the first kind's reason)."""
    caps = [source.offered(kind) for kind in kinds]
    modes = tuple(m for m in MODES if any(c.can_mode(m) for c in caps))
    return Capabilities(kind=kinds[0], source=caps[0].source, filters=frozenset(), sorts=(), default_sort="trending",
                        modes=modes, unmoded={m: caps[0].why_not_mode(m) for m in MODES if m not in modes})  # fmt: skip


def search_everything(kinds: tuple[Kind, ...]) -> None:
    """A search box whose text lives in `?q=` (and its mode in `?mode=`); one column per kind, each linking to its
    own page with the same search."""
    _text_from_url()
    caps = _offered_modes(kinds)
    st.segmented_control("Search by", MODES, key=_MODE, format_func=lambda m: mode_label(m, caps),
                         help=mode_help(caps))
    mode: Mode = st.session_state.get(_MODE) or "names"
    text = text_box(st, "Search models, datasets and Spaces", key=_Q, limit=MAX_TEXT,
                    placeholder=_PLACEHOLDER[mode], help=MODE_HELP[mode]).strip()
    show_cut_note(_Q)
    if text:
        st.query_params["q"] = text
    else:
        st.query_params.pop("q", None)
    if mode != "names":
        st.query_params["mode"] = mode
    else:
        st.query_params.pop("mode", None)
    st.session_state[_URL_Q] = (st.query_params.get("q", ""), st.query_params.get("mode", "names"))
    choice = source.choice()  # the source travels in the URL: a shared link answers from the same one
    if choice != "auto":
        st.query_params["source"] = choice
    else:
        st.query_params.pop("source", None)
    source.remember_url(st.query_params.get("source"))

    answers = {kind: _ask(_query(kind, text, mode)) for kind in kinds}
    fallbacks = list(dict.fromkeys(a.note for a, _, _ in answers.values() if a is not None and a.fallback and a.note))
    for note in fallbacks:  # said once, above the groups: the catalog answers because the Hub failed
        st.info(md_escape(note), icon=":material/cloud_off:")
    columns = st.columns(len(kinds))
    for kind, column in zip(kinds, columns):
        with column:
            _group(_query(kind, text, mode), *answers[kind], said=fallbacks)


Asked = tuple[source.Answer | None, stale.Stale | None, HubExplorerError | None]


def _query(kind: Kind, text: str, mode: Mode) -> SearchQuery:
    """A group's search: the best few by trending for names; by relevance for words or meaning (with text)."""
    ranked = mode != "names" and bool(text)
    return SearchQuery(kind=kind, text=text, mode=mode, sort=RELEVANCE if ranked else "trending", limit=PER_GROUP)


def _ask(query: SearchQuery) -> Asked:
    try:
        answer, kept = stale.fetch(("home", query), lambda: source.answer(query))
    except HubExplorerError as err:
        return None, None, err
    return answer, kept, None


def _group(query: SearchQuery, answer: source.Answer | None, kept: stale.Stale | None,
           error: HubExplorerError | None, *, said: list[str]) -> None:
    kind, text = query.kind, query.text
    st.subheader(kind.capitalize(), anchor=False)
    error = kept.error if kept is not None else error
    if error is not None:
        show_error(error, retry_key=f"home:retry:{kind}", worked_before=kept is not None)
        gap = source.no_stand_in(query)
        if gap:
            st.caption(md_escape(gap))
    if kept is not None:
        stale.show(kept)
    if answer is None:
        return
    result = answer.result
    if result.total is not None:
        count = f"{result.total:,} found"
    else:
        count = f"{len(result.items)}{'+' if result.has_more else ''} found"
    by = SORT_LABELS[result.query.sort].lower().removeprefix("most ")  # the source may not sort by trending
    source_words = " · from the local catalog" if answer.fallback else ""
    st.caption(f"{count} · by {by}{source_words}")
    if answer.note and answer.note not in said:
        st.caption(f":material/info: {md_escape(answer.note)}")
    if not result.items:
        st.caption(f"No {kind} match." if text else f"No {kind} here.")
    for record in result.items:
        nav.link(kind, record.id, {"repo": record.id})
        st.caption(md_escape(_facts(record)))
        if record.id in result.snippets:
            st.caption(snippet_markdown(result.snippets[record.id]))
    params = {"q": text, **({"mode": query.mode} if query.mode != "names" else {})} if text else None
    nav.link(kind, f"All matching {kind}", params, icon=ICONS[kind])
