"""closing the loop: check-ins (主动发现), filing by village cadres, 回访 after 已办结, retention

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 14:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.models
from bot.storage import search_ddl

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC = bot.storage.models.UTCDateTime(timezone=True)


def restore_search() -> None:
    """The batch rebuild of ``tickets`` on SQLite dropped 0008's search triggers and expression index."""
    if op.get_bind().dialect.name == "sqlite":
        search_ddl.restore_sqlite_search(op.execute)


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("filed_by_staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("consent_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("followup_due_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("followup_state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("followup_sent_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("followup_answered_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("followup_score", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reopened_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("purged_at", UTC, nullable=True))
        batch_op.create_index("ix_tickets_filed_by_staff_id", ["filed_by_staff_id"], unique=False)
        batch_op.create_index("ix_tickets_followup_due_at", ["followup_due_at"], unique=False)
        batch_op.create_foreign_key("fk_tickets_filed_by_staff_id_staff", "staff", ["filed_by_staff_id"], ["id"],
                                    ondelete="SET NULL")
    restore_search()
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("township_code", sa.String(length=12), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("consent", sa.String(length=16), nullable=False),
        sa.Column("enrolled_by", sa.String(length=64), nullable=False),
        sa.Column("enrolled_at", UTC, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("removed_at", UTC, nullable=True),
        sa.Column("removed_by", sa.String(length=64), nullable=True),
        sa.Column("next_due_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "address", name="uq_checkins_channel_address"),
    )
    op.create_index("ix_checkins_due", "checkins", ["active", "next_due_at"], unique=False)
    op.create_index("ix_checkins_township_code", "checkins", ["township_code"], unique=False)
    op.create_table(
        "checkin_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTC, nullable=False),
        sa.Column("answer", sa.Integer(), nullable=True),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["checkin_id"], ["checkins.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_checkin_rounds_checkin_id", "checkin_rounds", ["checkin_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_checkin_rounds_checkin_id", table_name="checkin_rounds")
    op.drop_table("checkin_rounds")
    op.drop_index("ix_checkins_township_code", table_name="checkins")
    op.drop_index("ix_checkins_due", table_name="checkins")
    op.drop_table("checkins")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tickets_filed_by_staff_id_staff", type_="foreignkey")
        batch_op.drop_index("ix_tickets_followup_due_at")
        batch_op.drop_index("ix_tickets_filed_by_staff_id")
        for column in ("purged_at", "reopened_at", "followup_score", "followup_answered_at", "followup_sent_at",
                       "followup_state", "followup_due_at", "consent_note", "filed_by_staff_id"):
            batch_op.drop_column(column)
    restore_search()
