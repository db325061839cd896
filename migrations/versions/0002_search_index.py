"""Full-text search index: FTS5 on SQLite, a GIN index with the 'dutch' configuration on PostgreSQL.

SQLite's FTS5 has no Dutch stemmer, so the application stores Snowball-stemmed text in search_fts
(see projects/search.py); PostgreSQL stems with its own 'dutch' configuration at query time.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PG_INDEX = (
    "CREATE INDEX ix_search_entry_fts ON search_entry USING gin "
    "(to_tsvector('dutch', coalesce(title, '') || ' ' || coalesce(body, '')))"
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_INDEX)
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "title, body, tokenize = 'unicode61 remove_diacritics 2')"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_search_entry_fts")
    else:
        op.execute("DROP TABLE search_fts")
