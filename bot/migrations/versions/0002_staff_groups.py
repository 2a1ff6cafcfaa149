"""telegram staff groups and one-time link codes; escalation scan index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('place_code', sa.String(length=12), nullable=False),
    sa.Column('linked_by', sa.String(length=64), nullable=False),
    sa.Column('linked_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chat_id')
    )
    with op.batch_alter_table('staff_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_groups_place_code'), ['place_code'], unique=False)

    op.create_table('staff_link_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=8), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('place_code', sa.String(length=12), nullable=True),
    sa.Column('created_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )


def downgrade() -> None:
    op.drop_table('staff_link_codes')
    with op.batch_alter_table('staff_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_groups_place_code'))
    op.drop_table('staff_groups')
