"""staff accounts can be disabled, and a password change or a disable ends console sessions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disabled_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
        batch_op.drop_column("disabled_at")
