"""A browse page's whole state as URL query parameters, and back.

Pure functions: `lib.ui.state` binds them to `st.query_params`. Unknown or malformed parameters never
fail a page: they are dropped, and `ParsedState.notes` says which and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from huggingface_hub.utils import HFValidationError, validate_repo_id

from lib import columns
from lib.detail_url import DETAIL_PARAMS
from lib.errors import InvalidQueryError
from lib.filters import (  # re-exported: the URL formats of ranges and windows live with the filters
    FILTERS,
    ONLY_WORDS,
    PARAM_PRESETS,
    URL_PARAMS,
    format_count_range,
    format_date_window,
    format_param_range,
    parse_count_range,
    parse_date_window,
    parse_param_range,
)
from lib.query import MODES, RELEVANCE, SORTS_BY_KIND, Kind, SearchQuery

PAGE_SIZE = 25
MAX_TEXT = 200
MAX_PAGE = 40  # the live Hub has no offset: page N costs N pages of listing (the catalog has no page limit)
MAX_URL_PAGE = 1_000_000  # a page number a URL may hold; past the last page, a page shows the last one

SourceChoice = Literal["auto", "hub", "catalog"]
"""Which source answers (`?source=`): the live Hub with the catalog as a fallback, one or the other."""
SOURCE_CHOICES: tuple[SourceChoice, ...] = get_args(SourceChoice)

#: The results table's own parameters: rows per page and columns (the block at the end of this module).
TABLE_PARAMS = frozenset({"per", "cols"})
#: Every parameter a browse page's URL may hold: its own, and the open detail view's (`lib.detail_url`).
KNOWN_PARAMS = frozenset({"q", "mode", "sort", "page", "repo", "source", *URL_PARAMS, *DETAIL_PARAMS, *TABLE_PARAMS})

__all__ = [
    "KNOWN_PARAMS", "MAX_PAGE", "MAX_TEXT", "MAX_URL_PAGE", "PAGE_SIZE", "PAGE_SIZES", "PARAM_PRESETS",
    "SOURCE_CHOICES", "TABLE_PARAMS", "ParsedState", "SourceChoice", "format_count_range", "format_date_window",
    "format_param_range", "is_valid_repo_id", "parse_count_range", "parse_date_window", "parse_param_range",
    "parse_state", "parse_table", "state_to_params", "table_params",
]  # fmt: skip


@dataclass(frozen=True)
class ParsedState:
    """A page's state read from its URL. `notes` say, in plain text, what was dropped and why; they quote what the
    URL said, so a page must show them as text (never as Markdown)."""

    query: SearchQuery
    page: int = 1
    repo: str | None = None
    source: SourceChoice | None = None  # None: the URL does not say
    notes: tuple[str, ...] = field(default=())
    per: int = PAGE_SIZE  # the results table's rows per page (?per=)
    cols: tuple[str, ...] | None = None  # the columns the person chose (?cols=); None: the defaults


def is_valid_repo_id(value: str) -> bool:
    """`name` or `owner/name` as the Hub allows them (huggingface_hub's own validator)."""
    try:
        validate_repo_id(value)
    except HFValidationError:
        return False
    return True


def _first(value: str | list[str] | None) -> str | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _quote(raw: str, limit: int) -> str:
    """URL text quoted in a note, cut to `limit` characters."""
    return repr(raw[:limit])


def parse_state(kind: Kind, params: Mapping[str, str | list[str]], *, page_size: int = PAGE_SIZE) -> ParsedState:
    """Read a page's state from URL parameters; anything unusable is ignored with a note (plain text)."""
    notes: list[str] = []
    values: dict[str, object] = {}

    for key in params:
        if key not in KNOWN_PARAMS:
            notes.append(f"Ignored unknown parameter {_quote(key, 40)}.")

    text = (_first(params.get("q")) or "").strip()
    if len(text) > MAX_TEXT:
        notes.append(f"The search text was cut to {MAX_TEXT} characters.")
        text = text[:MAX_TEXT]
    values["text"] = text

    raw_mode = _first(params.get("mode"))
    if raw_mode:
        if raw_mode in MODES:
            values["mode"] = raw_mode
        else:
            notes.append(f"Ignored mode: {_quote(raw_mode, 20)} is not one of {', '.join(MODES)}.")

    for f in FILTERS:
        if f.control == "toggle":
            continue  # the words of `only=`, below
        raw = (_first(params.get(f.param)) or "").strip()
        if not raw:
            continue
        parsed = f.from_url(raw)
        if kind not in f.kinds:
            notes.append(f"Ignored {f.param}: {f.not_for}.")
        elif parsed is None:
            notes.append(f"Ignored {f.param}: {_quote(raw, 40)} is not {f.expected}.")
        else:
            values.update(parsed)

    raw_only = _first(params.get("only"))
    if raw_only:
        for word in (w.strip() for w in raw_only.split(",")):
            toggle = ONLY_WORDS.get(word)
            if toggle is None:
                notes.append(f"Ignored only={_quote(word, 20)}: choose from {', '.join(ONLY_WORDS)}.")
            elif kind not in toggle.kinds:
                notes.append(f"Ignored only={word}: {toggle.not_for}.")
            else:
                values.update(toggle.from_url(word) or {})

    sort = _first(params.get("sort"))
    if sort:
        if sort in SORTS_BY_KIND[kind] or (sort == RELEVANCE and values.get("mode", "names") != "names"):
            values["sort"] = sort
        elif sort == RELEVANCE:
            notes.append("Ignored sort: relevance ranks searches by words or meaning (mode=text or mode=meaning).")
        else:
            notes.append(f"Ignored sort: {_quote(sort, 40)} is not one of {', '.join(SORTS_BY_KIND[kind])}.")

    source: SourceChoice | None = None
    raw_source = _first(params.get("source"))
    if raw_source:
        if raw_source in SOURCE_CHOICES:
            source = raw_source  # type: ignore[assignment]
        else:
            notes.append(f"Ignored source: {_quote(raw_source, 20)} is not one of {', '.join(SOURCE_CHOICES)}.")

    page = 1
    raw_page = _first(params.get("page"))
    if raw_page:
        if raw_page.isdigit() and 1 <= int(raw_page) <= MAX_URL_PAGE:
            page = int(raw_page)
        else:
            notes.append(f"Ignored page: {_quote(raw_page, 20)} is not a page number from 1 to {MAX_URL_PAGE:,}.")

    repo = (_first(params.get("repo")) or "").strip() or None
    if repo and not is_valid_repo_id(repo):
        notes.append(f"Ignored repo: {_quote(repo, 100)} is not a repo id (owner/name).")
        repo = None

    per, cols, table_notes = parse_table(kind, params)
    notes += table_notes
    page_size = per if "per" in params else page_size
    try:
        query = SearchQuery(kind=kind, limit=page_size, offset=(page - 1) * page_size, **values)  # type: ignore[arg-type]
    except InvalidQueryError as exc:  # an impossible combination: drop the ranges and windows, keep the rest
        notes.append(f"Ignored the ranges: {exc}")
        for f in FILTERS:
            if f.control in ("range", "window"):
                for name in f.fields:
                    values.pop(name, None)
        query = SearchQuery(kind=kind, limit=page_size, offset=(page - 1) * page_size, **values)  # type: ignore[arg-type]
    return ParsedState(query=query, page=page, repo=repo, source=source, notes=tuple(notes), per=per, cols=cols)


def state_to_params(query: SearchQuery, *, page: int = 1, repo: str | None = None,
                    source: SourceChoice | None = None, per: int = PAGE_SIZE,
                    cols: tuple[str, ...] | None = None) -> dict[str, str]:  # fmt: skip
    """The URL parameters for a state; defaults are left out so links stay short (`source` too when it is
    ``auto`` or not given)."""
    out: dict[str, str] = {}
    if query.text:
        out["q"] = query.text
    if query.mode != "names":
        out["mode"] = query.mode
    only: list[str] = []
    for f in FILTERS:
        text = f.to_url(query)
        if text is None:
            continue
        if f.control == "toggle":
            only.append(text)
        else:
            out[f.param] = text
    if only:
        out["only"] = ",".join(only)
    if query.sort != SearchQuery.__dataclass_fields__["sort"].default:
        out["sort"] = query.sort
    if source is not None and source != "auto":
        out["source"] = source
    if page > 1:
        out["page"] = str(page)
    if repo:
        out["repo"] = repo
    out.update(table_params(query.kind, per=per, cols=cols))
    return out


# --- the results table: rows per page (?per=) and columns (?cols=) ------------------------------------------------
# Kept apart from the search: they change what a table shows, never what matches.
PAGE_SIZES: tuple[int, ...] = (25, 50, 100)


def parse_table(kind: Kind, params: Mapping[str, str | list[str]]) -> tuple[int, tuple[str, ...] | None, list[str]]:
    """(rows per page, chosen columns or None for the defaults, notes) from ``per=`` and ``cols=``: a size that is
    not offered, a column word the kind has not and repeats are dropped with a note (plain text)."""
    notes: list[str] = []
    per = PAGE_SIZE
    raw_per = (_first(params.get("per")) or "").strip()
    if raw_per:
        if raw_per.isdigit() and int(raw_per) in PAGE_SIZES:
            per = int(raw_per)
        else:
            notes.append(f"Ignored per: {_quote(raw_per, 20)} is not one of {', '.join(map(str, PAGE_SIZES))}.")
    cols: tuple[str, ...] | None = None
    raw_cols = _first(params.get("cols"))
    if raw_cols is not None:
        offered = columns.choosable(kind)
        chosen: list[str] = []
        for word in (w.strip() for w in raw_cols.split(",")):
            if not word or word in chosen:
                continue
            if word in offered:
                chosen.append(word)
            elif word in columns.BY_NAME and columns.BY_NAME[word].fixed:
                continue  # the name is always shown
            elif word in columns.BY_NAME:
                notes.append(f"Ignored cols={word}: {kind} have no such column.")
            else:
                notes.append(f"Ignored cols={_quote(word, 20)}: choose from {', '.join(offered)}.")
        cols = tuple(c for c in offered if c in chosen)  # table order
    return per, cols, notes


def table_params(kind: Kind, *, per: int = PAGE_SIZE, cols: tuple[str, ...] | None = None) -> dict[str, str]:
    """``per`` and ``cols`` for a table's state (left out at their defaults)."""
    out: dict[str, str] = {}
    if per != PAGE_SIZE:
        out["per"] = str(per)
    if cols is not None:
        out["cols"] = ",".join(c for c in columns.choosable(kind) if c in cols)
    return out


