"""Small pure formatters for numbers, sizes, dates and Markdown-safe text."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def human_bytes(n: float | None) -> str:
    """1536 -> '1.5 KB' (powers of 1000, as the Hub shows sizes); None -> '–'."""
    if n is None:
        return "–"
    value = float(n)
    for unit in _UNITS:
        if abs(value) < 1000 or unit == _UNITS[-1]:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def human_count(n: float | None) -> str:
    """7_241_732_096 -> '7.24B', 125_000_000 -> '125M', 950 -> '950'; None -> '–'."""
    if n is None:
        return "–"
    value = float(n)
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            scaled = value / scale
            text = f"{scaled:.3g}" if scaled < 100 else f"{scaled:.0f}"
            return f"{text}{suffix}"
    return f"{value:.0f}"


def relative_time(when: datetime | None, now: datetime | None = None) -> str:
    """'3 days ago', 'in 2 hours', 'just now'; None -> '–'."""
    if when is None:
        return "–"
    now = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (now - when).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("year", 31_536_000), ("month", 2_592_000), ("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"


# Characters with a meaning in Streamlit Markdown (CommonMark plus `:color[...]` directives and `$` math); `&`
# starts an entity ("&amp;" would read "&").
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>:$~&])")


def md_escape(text: str) -> str:
    """Text shown literally inside Streamlit Markdown (ids and tags are untrusted)."""
    return _MD_SPECIAL.sub(r"\\\1", text)
