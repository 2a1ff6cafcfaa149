"""search without scanning the scope: the contact's last four characters and the text are indexed

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 15:30:00

- ``ix_tickets_contact_last4``: an index on the expression ``substr(contact, length(contact) - 3)`` (the
  contact's last four characters). Being an expression of the contact it is always in step with it
  (filing, a changed contact, a purge) with no column or hook to keep; the search matches it with
  ``=`` and then checks the whole ending (``contact LIKE '%digits'``).
- SQLite: ``tickets_fts``, an FTS5 table with the ``trigram`` tokenizer over ``tickets.text``
  (external content: it stores only the index), kept in step by three triggers. A batch migration
  that recreates ``tickets`` drops these triggers: such a migration must create them again
  (``bot.storage.search_ddl.restore_sqlite_search``).
- PostgreSQL: ``pg_trgm`` and a GIN index ``ix_tickets_text_trgm`` on ``text`` for ``LIKE '%…%'``.
"""
from __future__ import annotations

from alembic import op

from bot.storage import search_ddl

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LAST4 = search_ddl.LAST4


def create_sqlite_fts() -> None:
    for statement in (search_ddl.FTS_CREATE, *search_ddl.FTS_TRIGGERS, search_ddl.FTS_REBUILD):
        op.execute(statement)


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_tickets_contact_last4 ON tickets ({LAST4})")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_tickets_text_trgm ON tickets USING gin (text gin_trgm_ops)")
    else:
        create_sqlite_fts()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_tickets_text_trgm")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER tickets_fts_{trigger}")
        op.execute("DROP TABLE tickets_fts")
    op.execute("DROP INDEX ix_tickets_contact_last4")
