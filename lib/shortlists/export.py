"""A shortlist as CSV (one row per item) and as a Markdown decision record for meeting notes.

Everything people typed (list name, description, notes, user names) and every key fact is shown as text:

* Markdown: every character with a meaning in CommonMark, GitHub's Markdown or Streamlit's (emphasis, links,
  images, raw HTML and entities, autolinked URLs and e-mail addresses, tables, headings, lists, `$` math, `:emoji:`)
  is backslash-escaped, and multi-line texts are quoted line by line, so a pasted record cannot run a link or HTML.
* CSV: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a spreadsheet
  shows it instead of running it as a formula (OWASP's advice for CSV injection).

Key facts are not in the store: the caller passes them, per repo id, as `{label: value}` (a page has them from the
Hub or the catalog); the CLI has none.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from lib.records import repo_web_url
from lib.shortlists.records import KIND_WORDS, Change, Item, Shortlist, iso

Facts = Mapping[str, Mapping[str, object]]

# Every ASCII punctuation character that has a meaning somewhere in Markdown as GitHub, CommonMark or Streamlit
# read it; CommonMark allows a backslash before any ASCII punctuation, so escaping one only ever shows it as is.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>:$~&=@^])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Order of the decision record: the chosen item first, rejected ones last.
STATUS_ORDER = {"chosen": 0, "trying": 1, "candidate": 2, "rejected": 3}
HISTORY_LINES = 20


def md_text(text: str) -> str:
    """One line of people's text, shown literally in Markdown (line breaks become spaces)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _md_quote(text: str) -> list[str]:
    """A multi-line text as a block quote whose every line is escaped."""
    return [f"> {md_text(line)}" if line.strip() else ">" for line in str(text).split("\n")]


def _when(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else "–"


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _fact_labels(items: Sequence[Item], facts: Facts) -> list[str]:
    labels: dict[str, None] = {}
    for item in items:
        for label in facts.get(item.repo, {}):
            labels.setdefault(str(label), None)
    return list(labels)


def ordered(shortlist: Shortlist) -> list[Item]:
    """Chosen first, then trying, candidates and rejected; within a status, most votes first, then as added."""
    return sorted(shortlist.items, key=lambda i: (STATUS_ORDER.get(i.status, 9), -i.votes, i.id))


def to_csv(shortlist: Shortlist, facts: Facts | None = None) -> str:
    """One row per item (in the decision record's order), then one column per key fact."""
    facts = facts or {}
    items = ordered(shortlist)
    labels = _fact_labels(items, facts)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["repo", "kind", "status", "votes", "voters", "note", "note_by", "note_at", "added_by",
                     "added_at", *(_cell(label) for label in labels)])
    for item in items:
        known = facts.get(item.repo, {})
        writer.writerow([item.repo, item.kind, item.status, item.votes, _cell(", ".join(item.voters)),
                         _cell(item.note), _cell(item.note_by), iso(item.note_at), _cell(item.added_by),
                         iso(item.added_at), *(_cell(known.get(label, "")) for label in labels)])
    return out.getvalue()


def _repo(item: Item, endpoint: str | None) -> str:
    label = md_text(item.repo)  # a Hub id: letters, digits, -_. and / only, still escaped like any text
    return f"[{label}]({repo_web_url(item.kind, item.repo, endpoint)})" if endpoint else label


def _votes(item: Item) -> str:
    return f"{item.votes} ({', '.join(md_text(v) for v in item.voters)})" if item.voters else "0"


def to_markdown(shortlist: Shortlist, history: Sequence[Change] = (), facts: Facts | None = None, *,
                endpoint: str | None = None, history_lines: int = HISTORY_LINES) -> str:
    """The decision record: the list, the decision (chosen items first), each item's status, votes, note and key
    facts, and the history in short (its last `history_lines` changes). `endpoint` links repo ids to that Hub."""
    facts = facts or {}
    items = ordered(shortlist)
    lines = [f"# Decision record: {md_text(shortlist.name)}", ""]
    if shortlist.description:
        lines += [*_md_quote(shortlist.description), ""]
    plural = "s" if len(items) != 1 else ""
    lines += [(f"Owner: {md_text(shortlist.owner)} · {len(items)} item{plural} · "
               f"last change {_when(shortlist.updated_at)} (version {shortlist.version})"), ""]

    lines += ["## Decision", ""]
    if shortlist.chosen:
        for item in items:
            if item.status == "chosen":
                lines.append(f"- **Chosen: {_repo(item, endpoint)}** ({KIND_WORDS[item.kind]}), votes {_votes(item)}")
    else:
        lines.append("Nothing is chosen yet.")
    lines.append("")

    if items:
        lines += ["## Items", "", "| Repo | Kind | Status | Votes | Added by |", "|---|---|---|---|---|"]
        for item in items:
            lines.append(f"| {_repo(item, endpoint)} | {KIND_WORDS[item.kind]} | {item.status} | {_votes(item)} | "
                         f"{md_text(item.added_by)}, {_when(item.added_at)} |")
        lines.append("")
        for item in items:
            lines += [f"### {md_text(item.repo)}: {item.status}", ""]
            lines.append(f"- {KIND_WORDS[item.kind]}, added by {md_text(item.added_by)} on {_when(item.added_at)}")
            lines.append(f"- Votes: {_votes(item)}")
            known = facts.get(item.repo, {})
            if known:
                lines.append("- Key facts: " + " · ".join(f"{md_text(str(k))}: {md_text(str(v))}"
                                                          for k, v in known.items()))
            if item.note:
                lines += [f"- Note (by {md_text(item.note_by or item.added_by)}, {_when(item.note_at)}):", ""]
                lines += [f"  {line}" for line in _md_quote(item.note)]
            lines.append("")

    if history:
        shown = list(history)[-history_lines:] if history_lines > 0 else []
        head = f"## History (the last {len(shown)} of {len(history)} changes)" if len(shown) < len(history) \
            else "## History"
        lines += [head, ""]
        lines += [f"- {_when(c.at)}: {md_text(c.describe())}" for c in shown]
        lines.append("")
    return "\n".join(lines)
