"""Team shortlists: lists, items, votes and the history of changes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lib.store.schema import Timestamp

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KINDS = ("models", "datasets", "spaces")
STATUSES = ("candidate", "trying", "chosen", "rejected")
ACTIONS = ("created", "described", "owner", "added", "removed", "voted", "unvoted", "status", "note")


def upgrade() -> None:
    op.create_table(
        "shortlist",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("description", sa.String(1000), nullable=False),
        sa.Column("owner", sa.String(60), nullable=False),
        sa.Column("created_by", sa.String(60), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("name", name="uq_shortlist_name"),
    )
    op.create_table(
        "shortlist_item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("list_id", sa.Integer, sa.ForeignKey("shortlist.id", ondelete="CASCADE",
                                                       name="fk_shortlist_item_list"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("repo", sa.String(193), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.String(2000), nullable=False),
        sa.Column("note_version", sa.Integer, nullable=False),
        sa.Column("note_by", sa.String(60), nullable=True),
        sa.Column("note_at", Timestamp, nullable=True),
        sa.Column("added_by", sa.String(60), nullable=False),
        sa.Column("added_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.UniqueConstraint("list_id", "kind", "repo", name="uq_shortlist_item_list_kind_repo"),
        sa.CheckConstraint(sa.column("kind").in_(KINDS), name="ck_shortlist_item_kind"),
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="ck_shortlist_item_status"),
    )
    op.create_table(
        "shortlist_vote",
        sa.Column("item_id", sa.Integer, sa.ForeignKey("shortlist_item.id", ondelete="CASCADE",
                                                       name="fk_shortlist_vote_item"), nullable=False),
        sa.Column("voter", sa.String(60), nullable=False),
        sa.Column("voted_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("item_id", "voter", name="pk_shortlist_vote"),
    )
    op.create_table(
        "shortlist_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("list_id", sa.Integer, sa.ForeignKey("shortlist.id", ondelete="CASCADE",
                                                       name="fk_shortlist_event_list"), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("actor", sa.String(60), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(8), nullable=True),
        sa.Column("repo", sa.String(193), nullable=True),
        sa.Column("before", sa.Text, nullable=True),
        sa.Column("after", sa.Text, nullable=True),
        sa.CheckConstraint(sa.column("action").in_(ACTIONS), name="ck_shortlist_event_action"),
    )
    op.create_index("ix_shortlist_event_list", "shortlist_event", ["list_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_shortlist_event_list", table_name="shortlist_event")
    op.drop_table("shortlist_event")
    op.drop_table("shortlist_vote")
    op.drop_table("shortlist_item")
    op.drop_table("shortlist")
