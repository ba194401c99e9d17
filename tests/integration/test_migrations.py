"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from webapp.database import described_by_models
from webapp.extensions import db


def test_upgrade_creates_every_table(app):
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"orders", "order_items", "shipments", "tracking_events", "alembic_version"} <= tables


def test_models_and_migrations_agree(app):
    """Autogenerate finds nothing to add: no model change is missing a migration."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": described_by_models})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
