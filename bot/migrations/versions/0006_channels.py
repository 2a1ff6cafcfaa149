"""WeCom group robots per queue (and their posts, for the rate limit), SMS platform delivery receipts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wecom_robots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_code", sa.String(length=12), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("place_code", "key", name="uq_wecom_robots_place_key"),
    )
    op.create_index(op.f("ix_wecom_robots_place_code"), "wecom_robots", ["place_code"], unique=False)
    op.create_table(
        "wecom_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("robot_id", sa.Integer(), nullable=False),
        sa.Column("at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_wecom_posts_robot", "wecom_posts", ["robot_id", "at"], unique=False)
    op.create_table(
        "sms_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("biz_id", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.Column("err_code", sa.String(length=64), nullable=True),
        sa.Column("reported_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("biz_id", "phone", name="uq_sms_receipts_biz_phone"),
    )
    op.create_index(op.f("ix_sms_receipts_ref"), "sms_receipts", ["ref"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sms_receipts_ref"), table_name="sms_receipts")
    op.drop_table("sms_receipts")
    op.drop_index("ix_wecom_posts_robot", table_name="wecom_posts")
    op.drop_table("wecom_posts")
    op.drop_index(op.f("ix_wecom_robots_place_code"), table_name="wecom_robots")
    op.drop_table("wecom_robots")
