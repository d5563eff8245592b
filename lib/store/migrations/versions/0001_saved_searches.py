"""Saved searches, adopting a file written by lib/saved.py before the store existed.

Such a file already has `saved_search` (and its index) and `schema_version` (one row, version 1), created by
lib/saved.py with the very columns below: they are kept as they are, rows included. A new database gets them
created here. Either way `alembic_version` then says 0001, and later revisions take it from there.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lib.store.schema import Timestamp

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SAVED_SEARCH_FORMAT = 1  # lib/saved.py's SCHEMA_VERSION when the store took its file over


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("saved_search"):
        op.create_table(
            "saved_search",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("user", sa.Text, nullable=False),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("kind", sa.Text, nullable=False),
            sa.Column("params", sa.Text, nullable=False),
            sa.Column("created_at", Timestamp, nullable=False),
            sa.Column("updated_at", Timestamp, nullable=False),
            sa.UniqueConstraint("user", "name", "kind", name="uq_saved_search_user_name_kind"),
            sa.CheckConstraint(sa.column("kind").in_(("models", "datasets", "spaces")), name="ck_saved_search_kind"),
        )
        op.create_index("saved_search_by_user", "saved_search", ["user", "kind", "updated_at"])
    if not inspector.has_table("schema_version"):
        version = op.create_table("schema_version", sa.Column("version", sa.Integer, nullable=False))
        op.bulk_insert(version, [{"version": SAVED_SEARCH_FORMAT}])


def downgrade() -> None:
    op.drop_table("schema_version")
    op.drop_index("saved_search_by_user", table_name="saved_search")
    op.drop_table("saved_search")
