"""1- and 2-character text search from an index on PostgreSQL: the text's characters and pairs

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 17:30:00

- PostgreSQL: the function ``ticket_text_grams(text)`` (immutable: the distinct characters and
  two-character sequences of a text) and a GIN index ``ix_tickets_text_grams`` on it. A word of one or
  two characters (火灾) has no trigram for ``ix_tickets_text_trgm``; ``ticket_text_grams(text) @>
  ARRAY['火灾']`` finds exactly the tickets whose text contains it, without reading the others. Being
  an expression of ``text`` it is always in step with it: no trigger, nothing to rebuild. The index is
  made with ``fastupdate = off``: a new ticket's entries go straight into it (1.5-8 ms a filing) instead
  of a pending list that every search would read until the next vacuum. ``string_to_table`` needs
  PostgreSQL 14 or later.
- SQLite: nothing. Its 1- and 2-character search reads the scope's rows (see Workflow._search).
"""
from __future__ import annotations

from alembic import op

from bot.storage import search_ddl

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(search_ddl.GRAMS_CREATE)
        op.execute(search_ddl.GRAMS_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_tickets_text_grams")
        op.execute(f"DROP FUNCTION {search_ddl.GRAMS_FUNCTION}(text)")
