"""a ticket can be assigned to a staff member; indexes for the queue's order, search and counts

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


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee", sa.String(length=64), nullable=True))
    op.create_index("ix_tickets_township_order", "tickets", ["township_code", "urgent", "due_at"])
    op.create_index("ix_tickets_county_order", "tickets", ["county_code", "urgent", "due_at"])
    op.create_index("ix_tickets_assignee", "tickets", ["assignee", "status"])


def downgrade() -> None:
    op.drop_index("ix_tickets_assignee", table_name="tickets")
    op.drop_index("ix_tickets_county_order", table_name="tickets")
    op.drop_index("ix_tickets_township_order", table_name="tickets")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("assignee")
