"""What the browse pages and the home page share about search modes (`lib.query.Mode`): the control's labels and
help, and a snippet (where a search by words matched) as safe Markdown."""

from __future__ import annotations

from lib.format import md_escape
from lib.query import MODE_HELP, MODE_LABELS, MODES, Mode
from lib.sources import Capabilities


def mode_label(mode: Mode, caps: Capabilities) -> str:
    """A mode's label in the control, with a lock where the answering source cannot search that way."""
    return MODE_LABELS[mode] if caps.can_mode(mode) else f":material/lock: {MODE_LABELS[mode]}"


def mode_help(caps: Capabilities) -> str:
    """The control's help: what each mode matches, then why the locked ones are not offered."""
    locked = [f"{MODE_LABELS[m]}: {caps.why_not_mode(m)}" for m in MODES if not caps.can_mode(m)]
    lines = [f"**{MODE_LABELS[m]}**: {MODE_HELP[m]}" for m in MODES]
    return "  \n".join(lines + (["Not offered here: " + " ".join(locked)] if locked else []))


def snippet_markdown(pieces: tuple[tuple[str, bool], ...]) -> str:
    """A snippet's (piece, matched) pairs as Markdown: every piece escaped, the matched ones highlighted."""
    return "".join(f":orange-background[{md_escape(p)}]" if hit else md_escape(p) for p, hit in pieces)
