"""`python -m lib.store [--db URL] current|upgrade|revision -m MESSAGE [--autogenerate]`: the store's schema.

* `current`: the database's revision and the latest this app knows (opening it migrates it: see `upgrade`);
* `upgrade`: bring the database to the latest revision (what every first open in a process does anyway);
* `revision -m MESSAGE [--autogenerate]`: write the next migration file into `lib/store/migrations/versions/`
  (`NNNN_message.py`), empty or, with `--autogenerate`, with the operations that take the database (migrated to
  the latest revision first) to `lib/store/schema.py`. Read and edit it before committing: autogenerate misses
  renames and data moves.

`--db` is a SQLite path or a PostgreSQL URL; by default the app's own store. Errors print one line and exit 1.
"""

from __future__ import annotations

import argparse
import sys

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from lib.errors import HubExplorerError
from lib.store.engine import MIGRATIONS, open_store


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.store", description="The store's schema migrations.")
    parser.add_argument("--db", default=None, metavar="URL", help="a SQLite path or a PostgreSQL URL")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("current", help="the database's revision")
    sub.add_parser("upgrade", help="migrate the database to the latest revision")
    revision = sub.add_parser("revision", help="write the next migration file")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true")
    args = parser.parse_args(argv)
    config = _config()
    head = ScriptDirectory.from_config(config).get_current_head()
    try:
        store = open_store(args.db)
        if args.command in ("current", "upgrade"):
            print(f"{store.where}: revision {store.revision()} (latest {head})")
            return 0
        next_id = f"{int(head or '0') + 1:04d}"

        def write(conn):
            config.attributes["connection"] = conn
            return command.revision(config, message=args.message, autogenerate=args.autogenerate, rev_id=next_id)

        script = store.read(write)
    except HubExplorerError as exc:
        print(f"error: {exc.title}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    print(f"wrote {script.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
