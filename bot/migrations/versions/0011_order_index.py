"""The queue's order for all areas on PostgreSQL: an admin's first page off an index, not a sort of every ticket

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 18:45:00

An admin's queue has no township or county to lead an order index (``ix_tickets_township_order``,
``ix_tickets_county_order``), so PostgreSQL read all 100,000 tickets and kept the top of a sort for each
page (19 ms of the admin's 66 ms counts-and-page request, measured). SQLite: nothing (its admin pages
read the table in order, see Workflow._reads_scope).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_tickets_order", "tickets", [sa.text("urgent DESC"), "due_at", "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_tickets_order", table_name="tickets")
