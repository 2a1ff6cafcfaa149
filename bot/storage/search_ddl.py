"""The staff search's SQLite indexes that SQLAlchemy cannot declare or reflect (migration 0008).

An index on the expression ``substr(contact, length(contact) - 3)`` and an FTS5 ``trigram`` table over
``tickets.text`` kept in step by triggers. A later migration that rebuilds ``tickets`` in batch mode
(SQLite's copy-and-rename, e.g. to add a foreign key) drops both the triggers and the expression index
without a word: such a migration calls :func:`restore_sqlite_search` afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

LAST4 = "substr(contact, length(contact) - 3)"

LAST4_INDEX = f"CREATE INDEX IF NOT EXISTS ix_tickets_contact_last4 ON tickets ({LAST4})"

FTS_CREATE = ("CREATE VIRTUAL TABLE IF NOT EXISTS tickets_fts USING fts5(text, content='tickets', content_rowid='id', "
             "tokenize='trigram')")

FTS_TRIGGERS = [
    "CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN "
    "INSERT INTO tickets_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN "
    "INSERT INTO tickets_fts(tickets_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER tickets_fts_update AFTER UPDATE OF text ON tickets BEGIN "
    "INSERT INTO tickets_fts(tickets_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO tickets_fts(rowid, text) VALUES (new.id, new.text); END",
]

FTS_REBUILD = "INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')"


def restore_sqlite_search(execute: Callable[[str], object]) -> None:
    """Creates again what a batch rebuild of ``tickets`` dropped, and re-reads the text into the index."""
    execute(LAST4_INDEX)
    execute(FTS_CREATE)
    for trigger in ("insert", "delete", "update"):
        execute(f"DROP TRIGGER IF EXISTS tickets_fts_{trigger}")
    for statement in FTS_TRIGGERS:
        execute(statement)
    execute(FTS_REBUILD)


# PostgreSQL (migration 0010): the characters and the two-character sequences of a text, for the 1- and
# 2-character searches that have no trigram (火灾). A text contains q of one or two characters exactly when
# q is among them (the same characters, case and all, as LIKE), so a GIN index on them finds the matches
# without reading the rows that do not match. Linear in the text's length (string_to_table, PostgreSQL
# 14): ``substr(t, i, 2)`` for each i walks the text from its start each time, 20 ms for 1,800 characters.
# About 12 µs for a ticket of 15 characters; the planner, told the default cost of 100, checks the cheap
# LIKE first wherever it filters rows rather than reading the index.
GRAMS_FUNCTION = "ticket_text_grams"

GRAMS_CREATE = f"""CREATE FUNCTION {GRAMS_FUNCTION}(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ARRAY(SELECT gram
               FROM (SELECT c, c || lead(c, 1, '') OVER (ORDER BY k) AS pair
                     FROM string_to_table(t, NULL) WITH ORDINALITY AS chars(c, k)) AS pairs,
                    LATERAL (VALUES (c), (pair)) AS grams(gram))
$$"""

# fastupdate off: with it on, new tickets' entries wait in the index's pending list (up to 4 MB) until a
# vacuum, every search reads that list, and the planner, costing it, reads the scope instead and works out
# the function for every row (100,000 freshly filed tickets: 火灾 for an admin 330 ms instead of 40).
GRAMS_INDEX = (f"CREATE INDEX ix_tickets_text_grams ON tickets USING gin ({GRAMS_FUNCTION}(text)) "
               "WITH (fastupdate = off)")
