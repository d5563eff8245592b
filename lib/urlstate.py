"""A browse page's whole state as URL query parameters, and back.

Pure functions: `lib.ui.state` binds them to `st.query_params`. Unknown or malformed parameters never
fail a page: they are dropped, and `ParsedState.notes` says which and why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from huggingface_hub.utils import HFValidationError, validate_repo_id

from lib.errors import InvalidQueryError
from lib.query import SORTS_BY_KIND, Kind, SearchQuery

PAGE_SIZE = 25
MAX_TEXT = 200
MAX_PAGE = 40  # the live Hub has no offset: page N costs N pages of listing

# Parameter name -> SearchQuery field, for the plain text-valued filters.
_TEXT_FILTERS: dict[str, str] = {
    "task": "task",
    "library": "library",
    "language": "language",
    "license": "license",
    "author": "author",
}
KNOWN_PARAMS = frozenset({"q", "sort", "page", "repo", *_TEXT_FILTERS})

# A filter value: tag-like text such as "text-generation", "apache-2.0", "en", "cc-by-nc-4.0", "Qwen".
# Letters (any script), digits and . _ - + are allowed; it must not start with punctuation.
_VALUE_RE = re.compile(r"^\w[\w.+\-]{0,99}$")


@dataclass(frozen=True)
class ParsedState:
    query: SearchQuery
    page: int = 1
    repo: str | None = None
    notes: tuple[str, ...] = field(default=())


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


def parse_state(kind: Kind, params: Mapping[str, str | list[str]], *, page_size: int = PAGE_SIZE) -> ParsedState:
    """Read a page's state from URL parameters; anything unusable is ignored with a note."""
    notes: list[str] = []
    values: dict[str, object] = {}

    for key in params:
        if key not in KNOWN_PARAMS:
            notes.append(f"Ignored unknown parameter `{key}`.")

    text = (_first(params.get("q")) or "").strip()
    if len(text) > MAX_TEXT:
        notes.append(f"The search text was cut to {MAX_TEXT} characters.")
        text = text[:MAX_TEXT]
    values["text"] = text

    for param, attr in _TEXT_FILTERS.items():
        raw = (_first(params.get(param)) or "").strip()
        if not raw:
            continue
        if attr == "library" and kind != "models":
            notes.append(f"Ignored `{param}`: only models have a library.")
        elif attr == "task" and kind == "spaces":
            notes.append(f"Ignored `{param}`: Spaces have no task.")
        elif _VALUE_RE.match(raw):
            values[attr] = raw
        else:
            notes.append(f"Ignored `{param}`: {raw[:40]!r} is not a valid value.")

    sort = _first(params.get("sort"))
    if sort:
        if sort in SORTS_BY_KIND[kind]:
            values["sort"] = sort
        else:
            notes.append(f"Ignored `sort`: {sort[:40]!r} is not one of {', '.join(SORTS_BY_KIND[kind])}.")

    page = 1
    raw_page = _first(params.get("page"))
    if raw_page:
        if raw_page.isdigit() and 1 <= int(raw_page) <= MAX_PAGE:
            page = int(raw_page)
        else:
            notes.append(f"Ignored `page`: {raw_page[:20]!r} is not a page number from 1 to {MAX_PAGE}.")

    repo = (_first(params.get("repo")) or "").strip() or None
    if repo and not is_valid_repo_id(repo):
        notes.append(f"Ignored `repo`: {repo[:100]!r} is not a repo id (`owner/name`).")
        repo = None

    try:
        query = SearchQuery(kind=kind, limit=page_size, offset=(page - 1) * page_size, **values)  # type: ignore[arg-type]
    except InvalidQueryError as exc:  # pragma: no cover - the checks above keep values valid
        notes.append(f"Ignored the filters: {exc}")
        query = SearchQuery(kind=kind, limit=page_size)
    return ParsedState(query=query, page=page, repo=repo, notes=tuple(notes))


def state_to_params(query: SearchQuery, *, page: int = 1, repo: str | None = None) -> dict[str, str]:
    """The URL parameters for a state; defaults are left out so links stay short."""
    out: dict[str, str] = {}
    if query.text:
        out["q"] = query.text
    for param, attr in _TEXT_FILTERS.items():
        value = getattr(query, attr)
        if value:
            out[param] = value
    if query.sort != SearchQuery.__dataclass_fields__["sort"].default:
        out["sort"] = query.sort
    if page > 1:
        out["page"] = str(page)
    if repo:
        out["repo"] = repo
    return out
