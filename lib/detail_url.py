"""A detail view's own URL parameters: the open tab, and a dataset's config and split.

The browse page's parameters (`lib.urlstate`) say which repo is open (`repo=`); these say what of it is shown:

```
tab=files        the open tab, by its short name (each view's `TABS` lists them: card, files, preview, ...)
config=sst2      a dataset's config (subset), as the dataset viewer names it
split=validation a dataset's split in that config
```

Defaults (the first tab, the first config, its first split) are left out so links stay short. A value that is not
one of the choices is ignored with a note; notes are plain text (the page shows them escaped, never as Markdown),
and quote the value cut short. Pure functions: `lib.ui.views.common` binds them to `st.query_params`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

TAB, CONFIG, SPLIT = "tab", "config", "split"
#: Every parameter a detail view reads and writes.
DETAIL_PARAMS: tuple[str, ...] = (TAB, CONFIG, SPLIT)
#: Longest value quoted in a note, and choices listed in it.
NOTE_VALUE_LIMIT = 60
NOTE_CHOICES_LIMIT = 8

V = TypeVar("V")


def choose(name: str, raw: str | None, choices: Sequence[str]) -> tuple[str | None, str | None]:
    """`(value, note)` for the URL's value `raw` of parameter `name`: the value when it is one of `choices` (exactly:
    names are case-sensitive); `(None, None)` when the URL has none; `(None, note)` saying why otherwise."""
    if raw is None:
        return None, None
    if raw in choices:
        return raw, None
    shown = raw if len(raw) <= NOTE_VALUE_LIMIT else raw[: NOTE_VALUE_LIMIT - 1] + "…"
    listed = ", ".join(choices[:NOTE_CHOICES_LIMIT])
    if len(choices) > NOTE_CHOICES_LIMIT:
        listed += f" (and {len(choices) - NOTE_CHOICES_LIMIT} more)"
    if not choices:
        return None, f"Ignored {name}={shown!r}: there is nothing to choose here."
    return None, f"Ignored {name}={shown!r}: it is not one of {listed}."


def url_value(value: str, default: str) -> str | None:
    """What the URL holds for a chosen value: nothing for the default."""
    return None if value == default else value


def browse_params(params: Mapping[str, V]) -> dict[str, V]:
    """The URL parameters without the detail view's own: what a browse page's state is read from and compared to."""
    return {k: v for k, v in params.items() if k not in DETAIL_PARAMS}


def detail_params(params: Mapping[str, V]) -> dict[str, V]:
    """Only the detail view's own URL parameters."""
    return {k: v for k, v in params.items() if k in DETAIL_PARAMS}
