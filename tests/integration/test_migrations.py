"""The Alembic migrations build exactly the schema the models describe, on both databases, for
the database and for the webhook inbox."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from webapp import create_app
from webapp.database import INBOX, close_connections
from webapp.extensions import db
from webapp.models import WebhookDelivery
from webapp.schema import (
    VERSION_TABLES,
    described_by_inbox_models,
    described_by_models,
    inbox_directory,
)


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


def test_the_inbox_models_and_migrations_agree(app):
    with app.app_context(), db.engines[INBOX].connect() as connection:
        opts = {"include_name": described_by_inbox_models, "version_table": VERSION_TABLES[INBOX]}
        context = MigrationContext.configure(connection, opts=opts)
        diff = compare_metadata(context, db.metadatas[INBOX])
    assert diff == []


def test_on_sqlite_the_inbox_is_a_file_of_its_own_and_on_postgresql_the_same_database(app):
    with app.app_context():
        database, inbox = db.engine.url, db.engines[INBOX].url
        tables = set(inspect(db.engine).get_table_names())
    if database.get_backend_name() == "sqlite":
        assert inbox.database == database.database.replace(".sqlite3", ".inbox.sqlite3")
        assert "webhook_deliveries" not in tables
    else:
        assert inbox == database
        assert {"webhook_deliveries", "inbox_alembic_version"} <= tables


def test_deliveries_stored_before_the_inbox_had_its_own_file_move_there_and_back(tmp_path):
    """A database migrated when deliveries were kept in it: the inbox's first revision moves
    them into the inbox's file, with nothing lost, and its downgrade moves them back."""
    database = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.begin() as connection:
            connection.execute(
                text(INSERT_DELIVERY), {"id": 7, "body": b'{"event": "track_updated"}'}
            )
        flask_migrate.upgrade(directory=inbox_directory())
        assert not inspect(db.engine).has_table("webhook_deliveries")
        [moved] = db.session.scalars(select(WebhookDelivery)).all()
        assert (moved.id, moved.body, moved.headers, moved.state) == (
            7,
            BODY,
            {"Content-Type": "application/json"},
            "unmatched",
        )
        db.session.remove()

        flask_migrate.downgrade(directory=inbox_directory(), revision="base")
        assert not inspect(db.engines[INBOX]).has_table("webhook_deliveries")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT id, state FROM webhook_deliveries")).all() == [
                (7, "unmatched")
            ]
        close_connections()


BODY = b'{"event": "track_updated"}'
INSERT_DELIVERY = """
INSERT INTO webhook_deliveries (id, provider, received_at, headers, body, body_sha256, state,
    parcels, events_added, attempts)
VALUES (:id, 'shippo', '2026-11-20 09:00:00.000000', '{"Content-Type": "application/json"}',
    :body, 'ab', 'unmatched', 'usps:9400', 0, 1)
"""
