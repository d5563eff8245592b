"""Alembic's environment for the store: migrations always run on a connection the store opened and holds in a
transaction (`lib.store.engine` puts it in `config.attributes["connection"]`), never from a URL in a file.

`python -m lib.store revision -m "..."` and `python -m lib.store upgrade` build the same configuration in code.
"""

from __future__ import annotations

from alembic import context

from lib.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("The store's migrations run through lib.store (python -m lib.store upgrade), not alembic's CLI.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table instead
    compare_type=True,
)
with context.begin_transaction():  # a no-op: the store already holds the transaction, and commits it
    context.run_migrations()
