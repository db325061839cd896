"""Migrations: one head, and the migrated schema matches the models (no drift)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from participatie.extensions import db


def test_single_alembic_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_migrated_schema_matches_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    # The full-text index (FTS5 tables on SQLite, an expression index on PostgreSQL) is made by the
    # search migration in SQL that the models cannot express.
    diff = [d for d in diff if not (d[0] in ("remove_table", "remove_index") and "_fts" in d[1].name)]
    assert diff == []
