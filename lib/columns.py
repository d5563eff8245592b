"""The results table's columns, once: the `COLUMNS` table.

A row says what a column is called, which kinds have it, whether a table shows it unless the person chooses its
columns (`default`), and which data field a source must hold for it (`data`, see `lib.sources.DATA_WORDS`: a
column whose data the answering source lacks is left out). `lib.tables` builds the frame from it, `lib.urlstate`
reads and writes the person's choice (``?cols=``) with it, and `lib.ui.browse` configures the grid and the picker.

Pure: no Streamlit, no pandas.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.records import RepoKind as Kind

ALL_KINDS: tuple[Kind, ...] = ("models", "datasets", "spaces")


@dataclass(frozen=True, kw_only=True)
class Column:
    name: str  # the frame's column and the word in ``?cols=``
    label: str
    kinds: tuple[Kind, ...]
    default: bool = True  # shown unless the person chose the columns (the defaults fit a laptop's width)
    data: str | None = None  # the data field it shows (None: always there)
    help: str = ""
    fixed: bool = False  # always shown, not offered in the picker (the repo's name)


COLUMNS: tuple[Column, ...] = (
    Column(name="name", label="Name", kinds=ALL_KINDS, fixed=True,
           help="The repo's id; click a name to open its details here."),
    Column(name="url", label="Hub", kinds=ALL_KINDS, help="Open the repo's page on the Hub (a new tab)."),
    Column(name="task", label="Task", kinds=("models", "datasets"), data="task"),
    Column(name="library", label="Library", kinds=("models",), default=False, data="library"),
    Column(name="params", label="Params", kinds=("models",), data="params", help="Parameters (safetensors)"),
    Column(name="size", label="Rows", kinds=("datasets",), help="The dataset's size category"),
    Column(name="sdk", label="SDK", kinds=("spaces",), data="sdk"),
    Column(name="stage", label="Status", kinds=("spaces",), data="stage",
           help="The Space's runtime stage: running, sleeping, paused, a build or runtime error..."),
    Column(name="hardware", label="Hardware", kinds=("spaces",), data="hardware"),
    Column(name="license", label="License", kinds=ALL_KINDS, default=False, data="license",
           help="The licenses its tags name"),
    Column(name="gated", label="Gated", kinds=("models", "datasets"), default=False, data="gated",
           help="Whether downloading needs accepted conditions: no, auto (granted at once) or manual"),
    Column(name="downloads", label="Downloads", kinds=("models", "datasets"), data="downloads",
           help="Last 30 days (exact figure in the details)"),
    Column(name="share", label="vs. top", kinds=("models", "datasets"), default=False, data="downloads",
           help="Downloads relative to the most downloaded repo on this page"),
    Column(name="likes", label="Likes", kinds=ALL_KINDS, data="likes"),
    Column(name="created", label="Created", kinds=ALL_KINDS, data="created"),
    Column(name="updated", label="Updated", kinds=ALL_KINDS, data="updated"),
)  # fmt: skip

BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}


def for_kind(kind: Kind) -> tuple[Column, ...]:
    """A kind's columns, in table order."""
    return tuple(c for c in COLUMNS if kind in c.kinds)


def choosable(kind: Kind) -> tuple[str, ...]:
    """The columns a person may show or hide for a kind (all but the name), in table order."""
    return tuple(c.name for c in for_kind(kind) if not c.fixed)


def default_columns(kind: Kind, sort: str, *, no_updates: bool = False) -> tuple[str, ...]:
    """The columns a table shows unless the person chose: the kind's defaults with one date column (the one sorted
    by, else "updated", else "created" when no row has an update date, as in dumps without `lastModified`)."""
    date_column = "created" if sort == "created" or no_updates else "updated"
    return tuple(c.name for c in for_kind(kind) if c.default and (c.name not in ("created", "updated")
                                                                  or c.name == date_column))  # fmt: skip


def shown(kind: Kind, sort: str, chosen: tuple[str, ...] | None, *, no_updates: bool = False) -> list[str]:
    """The columns a table shows, in table order: the name, then the person's choice (or the defaults)."""
    picked = set(chosen) if chosen is not None else set(default_columns(kind, sort, no_updates=no_updates))
    return [c.name for c in for_kind(kind) if c.fixed or c.name in picked]
