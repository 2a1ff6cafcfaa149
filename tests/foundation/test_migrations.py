"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command

from bot.storage.db import alembic_config


def test_models_and_migrations_agree(database_template: str) -> None:
    # Raises when a model changed without a migration (the database was migrated to head).
    command.check(alembic_config(database_template))
