"""a ticket can be assigned to a staff member; indexes for the queue's order, counts and overdue filter

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 14:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COVERING = ["status", "kind", "urgent", "due_at", "first_answered_at", "aid_due_at"]


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee", sa.String(length=64), nullable=True))
    # The counts, the total and the overdue filter of a queue are read off these (covering) indexes.
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.drop_index("ix_tickets_county", table_name="tickets")
    op.create_index("ix_tickets_queue", "tickets", ["township_code", *COVERING])
    op.create_index("ix_tickets_county", "tickets", ["county_code", *COVERING])
    # A page of the queue in its order (urgent first, soonest deadline next) is read off these.
    op.create_index("ix_tickets_township_order", "tickets", ["township_code", sa.text("urgent DESC"), "due_at", "id"])
    op.create_index("ix_tickets_county_order", "tickets", ["county_code", sa.text("urgent DESC"), "due_at", "id"])
    op.create_index("ix_tickets_assignee", "tickets", ["assignee", "status"])


def downgrade() -> None:
    op.drop_index("ix_tickets_assignee", table_name="tickets")
    op.drop_index("ix_tickets_county_order", table_name="tickets")
    op.drop_index("ix_tickets_township_order", table_name="tickets")
    op.drop_index("ix_tickets_county", table_name="tickets")
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.create_index("ix_tickets_queue", "tickets", ["township_code", "status"])
    op.create_index("ix_tickets_county", "tickets", ["county_code", "status"])
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("assignee")
