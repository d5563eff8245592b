"""Every search filter, once: the `FILTERS` table.

A row says what a filter is called, which kinds have it, its URL parameter and how that parameter's text is read
and written, the `lib.query.SearchQuery` fields it sets, its widget (`control`), its help text, and which data
field a source must hold to answer it (`data`, see `lib.sources.Capabilities`). URL parsing (`lib.urlstate`), the
widgets' state (`lib.ui.state`), the filter panel and its chips (`lib.ui.filters`) and
`SearchQuery.describe()`/validation all iterate this table: **adding a filter is adding one row** (plus teaching
each source to answer it, and telling its capabilities that it can).

Pure: no Streamlit, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from huggingface_hub.utils import HFValidationError, validate_repo_id

from lib.records import RepoKind as Kind
from lib.task_ids import task_label
from lib.vocab import stage_words

Control = Literal["choice", "tristate", "range", "window", "toggle"]
"""The widget a filter has: a value picked or typed (`choice`), yes/no/any (`tristate`), an inclusive range of
counts (`range`), a window of days (`window`), a switch (`toggle`, in the URL as one word of ``only=``)."""
Place = Literal["bar", "panel", "chart"]
"""Where its widget is: the search bar above the table, the sidebar's filter panel, or a chart's selection."""

ALL_KINDS: tuple[Kind, ...] = ("models", "datasets", "spaces")

# A filter value: tag-like text such as "text-generation", "apache-2.0", "en", "cc-by-nc-4.0", "Qwen".
# Letters (any script), digits and . _ - + are allowed; it must not start with punctuation.
_VALUE_RE = re.compile(r"^\w[\w.+\-]{0,99}$")
# An inclusive range of counts: "min-max", either side may be empty; at most 15 digits (past any real count).
_RANGE_RE = re.compile(r"^(\d{0,15})-(\d{0,15})$")
# A window of days: "from..to" in ISO dates, either side may be empty.
_DATES_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})?\.\.(\d{4}-\d{2}-\d{2})?$")

#: The Hub's parameter-count presets; bounds are (min inclusive, max exclusive) in parameters.
PARAM_PRESETS: dict[str, tuple[int | None, int | None]] = {
    "<1B": (None, 1_000_000_000),
    "1-3B": (1_000_000_000, 3_000_000_000),
    "3-7B": (3_000_000_000, 7_000_000_000),
    "7-13B": (7_000_000_000, 13_000_000_000),
    "13-70B": (13_000_000_000, 70_000_000_000),
    ">70B": (70_000_000_000, None),
}
_YES_NO = {"yes": True, "no": False}


# --- URL text <-> values -----------------------------------------------------------------------------------------
def parse_value(raw: str) -> tuple[str] | None:
    """A tag-like filter value; None when it is not one."""
    raw = raw.strip()
    return (raw,) if _VALUE_RE.match(raw) else None


def parse_repo_id(raw: str) -> tuple[str] | None:
    """A repo id (`owner/name` or a legacy `name`, as huggingface_hub's validator allows them); None when not one.
    The models and datasets a Space uses are repo ids, which a tag-like value (no `/`) cannot hold."""
    raw = raw.strip()
    try:
        validate_repo_id(raw)
    except HFValidationError:
        return None
    return (raw,)


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


def parse_date_window(raw: str) -> tuple[date | None, date | None] | None:
    """'2024-01-01..2024-06-30', '2024-01-01..' or '..2024-06-30'; None when malformed, empty or reversed."""
    match = _DATES_RE.match(raw.strip())
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


def format_date_window(lo: date | None, hi: date | None) -> str:
    """The inverse of `parse_date_window`."""
    return f"{lo.isoformat() if lo else ''}..{hi.isoformat() if hi else ''}"


def short(n: int) -> str:
    """7_000_000_000 -> '7B', 1500 -> '1.5K'."""
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            return f"{n / scale:g}{suffix}"
    return str(n)


def describe_range(name: str, lo: int | None, hi: int | None) -> str:
    """Plain words for an inclusive count range: "downloads 1K–50K", "likes ≥ 10", "likes ≤ 100"."""
    if lo is not None and hi is not None:
        return f"{name} {short(lo)}–{short(hi)}"
    return f"{name} ≥ {short(lo)}" if lo is not None else f"{name} ≤ {short(hi or 0)}"


def _describe_window(name: str, lo: date | None, hi: date | None) -> str:
    if lo and hi:
        return f"{name} {lo.isoformat()} to {hi.isoformat()}"
    return f"{name} since {lo.isoformat()}" if lo else f"{name} until {hi.isoformat() if hi else ''}"


_EXPECTS: dict[Control, str] = {
    "choice": "a valid value",
    "tristate": "yes or no",
    "range": "a range like 1000-50000, 1000- or -50000",
    "window": "a date window like 2024-01-01..2024-06-30",
    "toggle": "a known word",
}


# --- the table ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Filter:
    """One filter. `fields` are the `SearchQuery` fields it sets, in the order `parse` returns their values."""

    name: str  # widget key, capability name and chip key; for a choice also its `SearchQuery` field
    label: str  # the widget's label
    kinds: tuple[Kind, ...]
    control: Control
    fields: tuple[str, ...]
    param: str  # URL parameter (toggles share ``only``)
    data: str  # the data field a source needs to answer it (see `lib.sources.DATA_WORDS`)
    not_for: str  # why another kind cannot have it: "only models have a library"
    help: str = ""
    place: Place = "panel"
    word: str | None = None  # toggles: their word in ``only=``
    noun: str = ""  # how `describe()` names it ("license = mit"); default: `name`
    parse: Callable[[str], tuple[Any, ...] | None] | None = None  # URL text -> field values; None: malformed
    format: Callable[..., str] | None = None  # field values -> URL text
    expects: str = ""  # what a malformed URL value should have looked like
    display: Callable[[str], str] | None = None  # a choice's value as people read it (task ids -> labels)

    # -- reading and writing URL text
    def from_url(self, raw: str) -> dict[str, Any] | None:
        """The `SearchQuery` fields this URL text sets; None when the text is malformed."""
        if self.control == "toggle":
            return {self.fields[0]: True}
        parse = self.parse or {"choice": parse_value, "tristate": _parse_yes_no, "range": parse_count_range,
                               "window": parse_date_window}[self.control]  # fmt: skip
        values = parse(raw)
        return None if values is None else dict(zip(self.fields, values, strict=True))

    def to_url(self, query: Any) -> str | None:
        """This filter's URL text for a query; None when the filter is not set (toggles: their word)."""
        if not self.is_set(query):
            return None
        values = self.values(query)
        if self.format is not None:
            return self.format(*values)
        if self.control == "toggle":
            return self.word
        if self.control == "tristate":
            return "yes" if values[0] else "no"
        if self.control == "range":
            return format_count_range(*values)
        if self.control == "window":
            return format_date_window(*values)
        return str(values[0])

    @property
    def expected(self) -> str:
        return self.expects or _EXPECTS[self.control]

    # -- values in a query
    def values(self, query: Any) -> tuple[Any, ...]:
        return tuple(getattr(query, f) for f in self.fields)

    def is_set(self, query: Any) -> bool:
        if self.control == "toggle":
            return bool(self.values(query)[0])
        return any(v is not None and v != "" for v in self.values(query))

    def cleared(self) -> dict[str, Any]:
        """The field values of a query without this filter."""
        return {f: (False if self.control == "toggle" else None) for f in self.fields}

    def problem(self, query: Any) -> str | None:
        """What makes a set value impossible (an empty or negative range), in words; None when fine."""
        if self.control not in ("range", "window") or not self.is_set(query):
            return None
        lo, hi = self.values(query)
        if self.control == "range":
            for field_name, value in zip(self.fields, (lo, hi), strict=True):
                if value is not None and value < 0:
                    return f"{field_name.replace('_', ' ').capitalize()} must be 0 or more, not {value}."
        if lo is not None and hi is not None and lo > hi:
            return f"The {self.noun or self.name} range is empty: {lo} is after {hi}."
        return None

    # -- words
    def describe(self, query: Any, *, words: bool = False) -> str | None:
        """Plain words for this filter in a query ("license = mit", "parameters 7B–13B"); None when not set. A
        choice's value is the one its URL and the CLI take ("status = RUNTIME_ERROR"), or with `words` as its chip
        shows it ("status = Runtime error")."""
        if not self.is_set(query):
            return None
        values = self.values(query)
        noun = self.noun or self.name
        if self.control == "choice":
            return f"{noun} = {self.display(values[0]) if words and self.display else values[0]}"
        if self.control == "tristate":
            return noun if values[0] else f"not {noun}"
        if self.control == "range":
            return describe_range(noun, *values)
        if self.control == "window":
            return _describe_window(noun, *values)
        return self.label.split(" (")[0].lower()

    def chip(self, query: Any) -> str | None:
        """The label of the chip that removes this filter ("license: mit", "downloads: 1M–10B")."""
        words = self.describe(query)
        if words is None:
            return None
        noun = self.noun or self.name
        if self.control == "choice":
            value = self.values(query)[0]
            return f"{noun}: {self.display(value) if self.display else value}"
        if self.control == "range":
            return words.replace(" ", ": ", 1)
        if self.control == "window":
            lo, hi = self.values(query)
            return f"{noun}: {lo or '…'} – {hi or '…'}"
        return words if self.control == "tristate" else self.label.split(" (")[0]


def _parse_yes_no(raw: str) -> tuple[bool] | None:
    value = _YES_NO.get(raw.strip())
    return None if value is None else (value,)


def _choice(name: str, label: str, kinds: tuple[Kind, ...], not_for: str, *, data: str | None = None,
            place: Place = "panel", noun: str = "", help: str = "",
            display: Callable[[str], str] | None = None) -> Filter:  # fmt: skip
    return Filter(name=name, label=label, kinds=kinds, control="choice", fields=(name,), param=name,
                  data=data or name, not_for=not_for, place=place, noun=noun, help=help, display=display)  # fmt: skip


def _toggle(name: str, word: str, label: str, kinds: tuple[Kind, ...], data: str, help: str) -> Filter:
    return Filter(name=name, label=label, kinds=kinds, control="toggle", fields=(name,), param="only", word=word,
                  data=data, not_for=f"it applies to {', '.join(kinds)} only", help=help)  # fmt: skip


FILTERS: tuple[Filter, ...] = (
    _choice("task", "Task", ("models", "datasets"), "Spaces have no task", place="bar", display=task_label),
    _choice("library", "Library", ("models",), "only models have a library"),
    _choice("language", "Language", ALL_KINDS, ""),
    _choice("license", "License", ALL_KINDS, ""),
    _choice("author", "Author", ALL_KINDS, ""),
    _choice("sdk", "SDK", ("spaces",), "only Spaces have an SDK and hardware", noun="SDK"),
    _choice("hardware", "Hardware", ("spaces",), "only Spaces have an SDK and hardware"),
    _choice("stage", "Status", ("spaces",), "only Spaces have a runtime status", noun="status",
            help="The Space's runtime stage: running, sleeping, paused, a build or runtime error...",
            display=stage_words),
    Filter(name="uses_model", label="Uses model", kinds=("spaces",), control="choice", fields=("uses_model",),
           param="uses_model", data="uses_model", not_for="only Spaces use models and datasets", noun="model used",
           parse=parse_repo_id, expects="a repo id (owner/name)",
           help="Spaces that name this model (owner/name) among the models they use."),
    Filter(name="uses_dataset", label="Uses dataset", kinds=("spaces",), control="choice", fields=("uses_dataset",),
           param="uses_dataset", data="uses_dataset", not_for="only Spaces use models and datasets",
           noun="dataset used", parse=parse_repo_id, expects="a repo id (owner/name)",
           help="Spaces that name this dataset (owner/name) among the datasets they use."),
    _toggle("has_license", "license", "Has a license", ALL_KINDS, "license",
            "Only repos whose tags or card name a license."),
    _toggle("has_card", "card", "Has a card", ALL_KINDS, "has_card", "Only repos known to have a README card."),
    _toggle("safetensors_only", "safetensors", "Safetensors weights only", ("models",), "tag",
            "Only models with safetensors weights."),
    _toggle("originals_only", "originals", "Originals only (fold derivatives)", ("models",), "tag",
            "Hide finetunes, quantizations, adapters and merges of another model (a base_model: tag)."),
    Filter(name="gated", label="Gated", kinds=("models", "datasets"), control="tristate", fields=("gated",),
           param="gated", data="gated", not_for="Spaces are never gated",
           help="Gated repos need you to accept conditions and a token to download."),
    Filter(name="params", label="Parameters", kinds=("models",), control="range", fields=("params_min", "params_max"),
           param="params", data="params", not_for="only models have a parameter count", noun="parameters",
           parse=parse_param_range, format=format_param_range,
           expects=f"a preset ({', '.join(PARAM_PRESETS)}) or a range like 1000000-5000000",
           help="Parameter count from the safetensors weights; unknown counts never match."),
    Filter(name="downloads", label="Downloads", kinds=("models", "datasets"), control="range",
           fields=("downloads_min", "downloads_max"), param="downloads", data="downloads",
           not_for="Spaces have no download counts", place="chart",
           help="Drag a box on the likes/downloads chart; unknown counts never match."),
    Filter(name="likes", label="Likes", kinds=ALL_KINDS, control="range", fields=("likes_min", "likes_max"),
           param="likes", data="likes", not_for="", place="chart",
           help="Drag a box on the likes/downloads chart; unknown counts never match."),
    Filter(name="created", label="Created", kinds=ALL_KINDS, control="window", fields=("created_from", "created_to"),
           param="created", data="created", not_for="", help="Only repos created in this window."),
    Filter(name="updated", label="Updated", kinds=ALL_KINDS, control="window", fields=("updated_from", "updated_to"),
           param="updated", data="updated", not_for="", help="Only repos updated in this window."),
)  # fmt: skip

BY_NAME: dict[str, Filter] = {f.name: f for f in FILTERS}
ONLY_WORDS: dict[str, Filter] = {f.word: f for f in FILTERS if f.word}
URL_PARAMS: frozenset[str] = frozenset(f.param for f in FILTERS)


def for_kind(kind: Kind) -> tuple[Filter, ...]:
    """The filters a kind has, in table order."""
    return tuple(f for f in FILTERS if kind in f.kinds)
