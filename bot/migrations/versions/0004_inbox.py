"""one inbox for every channel, conversations in the database, failed deliveries linked to tickets

sms_inbound's rows move into inbox (channel "sms", same ids, so the outbox refs of processed
messages keep pointing at them); conversation state moves from Redis or process memory into
conversations, so that it commits with the message that moved it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 09:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC = bot.storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("delivery_id", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("locked_until", UTC, nullable=True),
        sa.Column("processed_at", UTC, nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "delivery_id", name="uq_inbox_delivery"),
    )
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_pending", ["status", "id"], unique=False)
        batch_op.create_index("ix_inbox_address", ["channel", "address", "id"], unique=False)

    postgres = op.get_bind().dialect.name == "postgresql"
    payload = "json_build_object('to', recipient)" if postgres else "json_object('to', recipient)"
    op.execute(
        "INSERT INTO inbox (id, channel, delivery_id, address, text, payload, status, attempts, received_at,"
        " next_attempt_at, locked_until, processed_at)"
        f" SELECT id, 'sms', message_id, sender, text, {payload}, status, 0, received_at, received_at,"
        " locked_until, processed_at FROM sms_inbound")
    if postgres:
        op.execute("SELECT setval(pg_get_serial_sequence('inbox', 'id'), COALESCE(MAX(id), 0) + 1, false)"
                   " FROM inbox")
    with op.batch_alter_table("sms_inbound", schema=None) as batch_op:
        batch_op.drop_index("ix_sms_inbound_status")
    op.drop_table("sms_inbound")

    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "address", name="uq_conversations_channel_address"),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversations_expires_at"), ["expires_at"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_outbox_ticket_id_tickets", "tickets", ["ticket_id"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_index("ix_outbox_address", ["channel", "address", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_address")
        batch_op.drop_constraint("fk_outbox_ticket_id_tickets", type_="foreignkey")
        batch_op.drop_column("ticket_id")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_expires_at"))
    op.drop_table("conversations")

    op.create_table(
        "sms_inbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("locked_until", UTC, nullable=True),
        sa.Column("processed_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("sms_inbound", schema=None) as batch_op:
        batch_op.create_index("ix_sms_inbound_status", ["status"], unique=False)
    postgres = op.get_bind().dialect.name == "postgresql"
    recipient = "COALESCE(payload->>'to', '')" if postgres else "COALESCE(json_extract(payload, '$.to'), '')"
    op.execute(
        "INSERT INTO sms_inbound (id, message_id, sender, recipient, text, status, received_at, locked_until,"
        f" processed_at) SELECT id, delivery_id, address, {recipient}, text,"
        " CASE WHEN status = 'received' THEN 'received' ELSE 'processed' END, received_at, locked_until,"
        " processed_at FROM inbox WHERE channel = 'sms'")
    if postgres:
        op.execute("SELECT setval(pg_get_serial_sequence('sms_inbound', 'id'), COALESCE(MAX(id), 0) + 1, false)"
                   " FROM sms_inbound")
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_address")
        batch_op.drop_index("ix_inbox_pending")
    op.drop_table("inbox")
