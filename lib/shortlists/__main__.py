"""`python -m lib.shortlists [--db URL] COMMAND ...`: the team's shortlists from a terminal or a script.

```
create LIST --user U [--description TEXT]
add LIST REPO --kind K --user U [--note TEXT]          K: model, dataset, space (or models, datasets, spaces)
vote LIST REPO --user U            unvote LIST REPO --user U
status LIST REPO STATUS --user U                       STATUS: candidate, trying, chosen, rejected
note LIST REPO TEXT --user U                           (replaces the note; the old text stays in the history)
remove LIST REPO --user U
show LIST [--json]                 lists [--json]
export LIST --format csv|md                            (md: the decision record)
```

The item commands take `--kind K` too, for a repo id that is in the list as two kinds. `show --json` prints
{"name", "description", "owner", "created_by", "created_at", "updated_at", "version", "items": [{"repo", "kind",
"status", "note", "votes", "voters", "added_by", "added_at"}], "history": [{"at", "user", "action", "repo", "kind",
"before", "after", "summary"}]}; times are ISO 8601 in UTC.

`--db` is a SQLite file path or a PostgreSQL URL; by default the app's own store (`HUB_EXPLORER_DATABASE_URL`,
else `<HUB_EXPLORER_HOME>/hub-explorer.sqlite3`). Errors (unknown list or item, bad status or kind, empty or
over-long name, unusable database) print one line, `error: <title>: <message>`, and exit 1; bad arguments exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import NoReturn

from lib.errors import HubExplorerError
from lib.shortlists.api import Shortlists
from lib.shortlists.export import to_csv, to_markdown
from lib.shortlists.records import KIND_WORDS, Shortlist


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, like every other error of this CLI
        self.exit(2, f"error: {' '.join(message.split())} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m lib.shortlists", description="Team shortlists of models, datasets and Spaces.")
    db = _Parser(add_help=False)
    db.add_argument("--db", default=argparse.SUPPRESS, metavar="URL",
                    help="a SQLite file path or a PostgreSQL URL (default: the app's own store)")
    parser.add_argument("--db", default=None, metavar="URL",
                        help="a SQLite file path or a PostgreSQL URL (default: the app's own store)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help_: str, *positionals: str, user: bool = True, kind: bool = False):
        p = sub.add_parser(name, help=help_, parents=[db])
        for positional in positionals:
            p.add_argument(positional)
        if user:
            p.add_argument("--user", required=True, help="who makes the change (a name, not an account)")
        if kind:
            p.add_argument("--kind", help="model, dataset or space: only when the id is in the list as two kinds")
        return p

    command("create", "create a list", "list").add_argument("--description", default="")
    add = command("add", "add a repo to a list", "list", "repo")
    add.add_argument("--kind", required=True, help="model, dataset or space")
    add.add_argument("--note", default="")
    command("remove", "take a repo off a list", "list", "repo", kind=True)
    command("vote", "vote for a repo (one vote per person)", "list", "repo", kind=True)
    command("unvote", "withdraw your vote", "list", "repo", kind=True)
    command("status", "set a repo's status", "list", "repo", "status", kind=True)
    command("note", "replace a repo's note", "list", "repo", "text", kind=True)
    command("show", "show a list", "list", user=False).add_argument("--json", action="store_true")
    command("lists", "show every list", user=False).add_argument("--json", action="store_true")
    export = command("export", "export a list", "list", user=False)
    export.add_argument("--format", required=True, choices=("csv", "md"))
    return parser


def _show(shortlist: Shortlist, history: list) -> str:
    lines = [f"{shortlist.name} (owner {shortlist.owner}, {len(shortlist.items)} items, version {shortlist.version})"]
    if shortlist.description:
        lines += [f"  {line}" for line in shortlist.description.split("\n")]
    for item in shortlist.items:
        voters = f": {', '.join(item.voters)}" if item.voters else ""
        lines.append(f"  [{item.status}] {item.repo} ({KIND_WORDS[item.kind]}), {item.votes} votes{voters}; "
                     f"added by {item.added_by}")
        lines += [f"      {line}" for line in item.note.split("\n") if item.note]
    lines.append("history:")
    lines += [f"  {c.at:%Y-%m-%d %H:%M:%S} {c.describe()}" for c in history]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> str:
    """Do what `args` asks; the text to print."""
    lists = Shortlists(args.db)
    cmd = args.command
    if cmd == "create":
        made = lists.create_list(args.list, user=args.user, description=args.description)
        return f"created {made.name!r}"
    if cmd == "add":
        item = lists.add_item(args.list, args.repo, kind=args.kind, user=args.user, note=args.note)
        return f"added {item.repo} ({KIND_WORDS[item.kind]}) to {args.list!r}"
    if cmd == "remove":
        lists.remove_item(args.list, args.repo, user=args.user, kind=args.kind)
        return f"removed {args.repo} from {args.list!r}"
    if cmd in ("vote", "unvote"):
        change = lists.vote if cmd == "vote" else lists.unvote
        item = change(args.list, args.repo, user=args.user, kind=args.kind)
        return f"{item.repo}: {item.votes} vote{'s' if item.votes != 1 else ''}"
    if cmd == "status":
        item = lists.set_status(args.list, args.repo, args.status, user=args.user, kind=args.kind)
        return f"{item.repo}: {item.status}"
    if cmd == "note":
        item = lists.set_note(args.list, args.repo, args.text, user=args.user, expected_version=None, kind=args.kind)
        return f"{item.repo}: note saved (version {item.note_version})"
    if cmd == "lists":
        found = lists.lists()
        if args.json:
            return json.dumps([{"name": s.name, "description": s.description, "owner": s.owner, "items": s.items,
                                "updated_at": s.updated_at.isoformat(timespec="microseconds"),
                                "version": s.version} for s in found])
        return "\n".join(f"{s.name} ({s.items} items, owner {s.owner})" for s in found)
    shortlist = lists.get_list(args.list)
    history = lists.history(args.list)
    if cmd == "show":
        return json.dumps(shortlist.as_json(history)) if args.json else _show(shortlist, history)
    if args.format == "csv":
        return to_csv(shortlist).rstrip("\n")
    from lib.settings import load_settings

    return to_markdown(shortlist, history, endpoint=load_settings().endpoint).rstrip("\n")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        text = run(args)
    except HubExplorerError as exc:
        print(f"error: {exc.title}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
