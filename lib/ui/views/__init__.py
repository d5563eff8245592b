"""Detail views: one module per kind, each with the same entry, `render(repo_id: str) -> None`.

`VIEWS` maps a kind to its view; pages call `render(kind, repo_id)`. The parts the views share (loading, header,
figures, tags, the tab bar kept in the URL, card, files, linked repos) are in `common`.
"""

from __future__ import annotations

from collections.abc import Callable

from lib.query import Kind
from lib.ui.views import dataset, model, space

VIEWS: dict[Kind, Callable[[str], None]] = {
    "models": model.render,
    "datasets": dataset.render,
    "spaces": space.render,
}


def render(kind: Kind, repo_id: str) -> None:
    """The detail view of `repo_id`, a repo of `kind`."""
    VIEWS[kind](repo_id)
