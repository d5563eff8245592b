"""A browse page's whole state as URL query parameters, and back.

Pure functions: `lib.ui.state` binds them to `st.query_params`. Unknown or malformed parameters never
fail a page: they are dropped, and `ParsedState.notes` says which and why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from huggingface_hub.utils import HFValidationError, validate_repo_id

from lib.errors import InvalidQueryError
from lib.query import QUALITY_FLAGS, SORTS_BY_KIND, Kind, SearchQuery

PAGE_SIZE = 25

#: The Hub's parameter-count presets; bounds are (min inclusive, max exclusive) in parameters.
PARAM_PRESETS: dict[str, tuple[int | None, int | None]] = {
    "<1B": (None, 1_000_000_000),
    "1-3B": (1_000_000_000, 3_000_000_000),
    "3-7B": (3_000_000_000, 7_000_000_000),
    "7-13B": (7_000_000_000, 13_000_000_000),
    "13-70B": (13_000_000_000, 70_000_000_000),
    ">70B": (70_000_000_000, None),
}
MAX_TEXT = 200
MAX_PAGE = 40  # the live Hub has no offset: page N costs N pages of listing

# Parameter name -> SearchQuery field, for the plain text-valued filters.
_TEXT_FILTERS: dict[str, str] = {
    "task": "task",
    "library": "library",
    "language": "language",
    "license": "license",
    "author": "author",
    "sdk": "sdk",
    "hardware": "hardware",
}
#: `only=` values -> SearchQuery quality flags.
ONLY_FLAGS: dict[str, str] = {
    "license": "has_license",
    "card": "has_card",
    "safetensors": "safetensors_only",
    "originals": "originals_only",
}
KNOWN_PARAMS = frozenset(
    {"q", "sort", "page", "repo", "gated", "params", "downloads", "likes", "created", "updated", "only", *_TEXT_FILTERS}
)
_GATED = {"yes": True, "no": False}
_RANGE_RE = re.compile(r"^(\d{0,15})-(\d{0,15})$")
_DATES_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})?\.\.(\d{4}-\d{2}-\d{2})?$")

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
        elif attr in ("sdk", "hardware") and kind != "spaces":
            notes.append(f"Ignored `{param}`: only Spaces have an SDK and hardware.")
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

    gated = _first(params.get("gated"))
    if gated:
        if gated in _GATED and kind != "spaces":
            values["gated"] = _GATED[gated]
        else:
            notes.append(f"Ignored `gated`: {gated[:20]!r} is not yes or no" + (" (Spaces are never gated)."
                                                                                 if kind == "spaces" else "."))

    raw_params = _first(params.get("params"))
    if raw_params:
        bounds = parse_param_range(raw_params)
        if kind != "models":
            notes.append("Ignored `params`: only models have a parameter count.")
        elif bounds is None:
            notes.append(f"Ignored `params`: {raw_params[:30]!r} is not a preset ({', '.join(PARAM_PRESETS)}) "
                         "or a range like 1000000-5000000.")
        else:
            values["params_min"], values["params_max"] = bounds

    for which in ("downloads", "likes"):
        raw = _first(params.get(which))
        if not raw:
            continue
        bounds = parse_count_range(raw)
        if which == "downloads" and kind == "spaces":
            notes.append("Ignored `downloads`: Spaces have no download counts.")
        elif bounds is None:
            notes.append(f"Ignored `{which}`: {raw[:30]!r} is not a range like 1000-50000, 1000- or -50000.")
        else:
            values[f"{which}_min"], values[f"{which}_max"] = bounds

    for which in ("created", "updated"):
        raw = _first(params.get(which))
        if not raw:
            continue
        window = parse_date_window(raw)
        if window is None:
            notes.append(f"Ignored `{which}`: {raw[:30]!r} is not a date window like 2024-01-01..2024-06-30.")
        else:
            values[f"{which}_from"], values[f"{which}_to"] = window

    raw_only = _first(params.get("only"))
    if raw_only:
        for word in raw_only.split(","):
            flag = ONLY_FLAGS.get(word.strip())
            if flag is None:
                notes.append(f"Ignored `only={word.strip()[:20]}`: choose from {', '.join(ONLY_FLAGS)}.")
            elif kind not in QUALITY_FLAGS[flag][1]:
                notes.append(f"Ignored `only={word.strip()}`: it applies to {', '.join(QUALITY_FLAGS[flag][1])}.")
            else:
                values[flag] = True

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
    except InvalidQueryError as exc:  # an empty window or range: drop the ranges, keep the rest
        notes.append(f"Ignored the ranges: {exc}")
        for name in ("params_min", "params_max", "created_from", "created_to", "updated_from", "updated_to",
                     "downloads_min", "downloads_max", "likes_min", "likes_max"):
            values.pop(name, None)
        query = SearchQuery(kind=kind, limit=page_size, offset=(page - 1) * page_size, **values)  # type: ignore[arg-type]
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
    if query.gated is not None:
        out["gated"] = "yes" if query.gated else "no"
    if query.params_min is not None or query.params_max is not None:
        out["params"] = format_param_range(query.params_min, query.params_max)
    for which in ("downloads", "likes"):
        lo, hi = getattr(query, f"{which}_min"), getattr(query, f"{which}_max")
        if lo is not None or hi is not None:
            out[which] = format_count_range(lo, hi)
    for which in ("created", "updated"):
        lo, hi = getattr(query, f"{which}_from"), getattr(query, f"{which}_to")
        if lo is not None or hi is not None:
            out[which] = f"{lo.isoformat() if lo else ''}..{hi.isoformat() if hi else ''}"
    only = [word for word, flag in ONLY_FLAGS.items() if getattr(query, flag)]
    if only:
        out["only"] = ",".join(only)
    if query.sort != SearchQuery.__dataclass_fields__["sort"].default:
        out["sort"] = query.sort
    if page > 1:
        out["page"] = str(page)
    if repo:
        out["repo"] = repo
    return out


def parse_param_range(raw: str) -> tuple[int | None, int | None] | None:
    """A preset name ("7-13B") or a raw range "min-max" (either side may be empty); None when neither."""
    if raw in PARAM_PRESETS:
        return PARAM_PRESETS[raw]
    return parse_count_range(raw)


def format_param_range(lo: int | None, hi: int | None) -> str:
    """The preset's name when the bounds are a preset, else "min-max"."""
    for name, bounds in PARAM_PRESETS.items():
        if bounds == (lo, hi):
            return name
    return format_count_range(lo, hi)


def parse_count_range(raw: str) -> tuple[int | None, int | None] | None:
    """An inclusive range "min-max" of counts (downloads, likes, parameters; "1000-", "-50000" leave a side open);
    None when malformed, empty or reversed. `parse_param_range` adds the parameter presets."""
    match = _RANGE_RE.match(raw.strip())
    if not match or not (match.group(1) or match.group(2)):
        return None
    lo = int(match.group(1)) if match.group(1) else None
    hi = int(match.group(2)) if match.group(2) else None
    if lo is not None and hi is not None and lo > hi:
        return None
    return lo, hi


def format_count_range(lo: int | None, hi: int | None) -> str:
    """The inverse of `parse_count_range`."""
    return f"{lo if lo is not None else ''}-{hi if hi is not None else ''}"


def parse_date_window(raw: str) -> tuple[date | None, date | None] | None:
    """'2024-01-01..2024-06-30', '2024-01-01..' or '..2024-06-30'; None when malformed or empty."""
    match = _DATES_RE.match(raw)
    if not match or not (match.group(1) or match.group(2)):
        return None
    try:
        lo = date.fromisoformat(match.group(1)) if match.group(1) else None
        hi = date.fromisoformat(match.group(2)) if match.group(2) else None
    except ValueError:
        return None
    if lo is not None and hi is not None and lo > hi:
        return None
    return lo, hi
