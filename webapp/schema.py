"""The two schemas and their migrations: the database's (migrations/) and the webhook inbox's
(migrations/inbox/), each with its own chain of revisions and its own version table, since the
inbox may share the database (PostgreSQL) or live in a file of its own (SQLite).

`flask upgrade` brings both to their newest revision; `flask db …` works on the database's alone,
and on the inbox's with `--directory migrations/inbox`.
"""

from __future__ import annotations

import logging
import os

import click
import flask_migrate
from flask import current_app
from flask.cli import with_appcontext

from webapp.database import INBOX
from webapp.extensions import db
from webapp.models import UTCDateTime

log = logging.getLogger("alembic.env")

#: Where each schema's revisions are recorded; two, as both may be in one database.
VERSION_TABLES = {None: "alembic_version", INBOX: "inbox_alembic_version"}


#: Search structures that only the migrations describe (migrations 0006, 0009 and 0010), by name
#: prefix.
SEARCH_STRUCTURES = (
    "order_search",
    "search_text",
    "parcel_stages",
    "ix_orders_search_",
    "ix_shipments_tracking_number_trgm",
)


def described_by_models(name: str | None, type_: str, parent_names) -> bool:
    """Whether the database's autogenerate should compare this object: neither the search
    structures nor the inbox, which has migrations of its own (it may share the database)."""
    if _is_inbox(_table_of(name, type_, parent_names)):
        return False
    return not (name or "").startswith(SEARCH_STRUCTURES)


def described_by_inbox_models(name: str | None, type_: str, parent_names) -> bool:
    """Whether the inbox's autogenerate should compare this object: its own tables only."""
    return type_ == "schema" or _is_inbox(_table_of(name, type_, parent_names))


def _is_inbox(table: str | None) -> bool:
    return table == VERSION_TABLES[INBOX] or table in db.metadatas[INBOX].tables


def _table_of(name: str | None, type_: str, parent_names) -> str | None:
    return name if type_ == "table" else parent_names.get("table_name")


FILTERS = {None: described_by_models, INBOX: described_by_inbox_models}


def inbox_directory() -> str:
    return os.path.join(current_app.extensions["migrate"].directory, "inbox")


def upgrade_all() -> None:
    """Migrate the database, then the inbox (whose first revision may move a table out of it)."""
    flask_migrate.upgrade()
    flask_migrate.upgrade(directory=inbox_directory())


@click.command("upgrade")
@with_appcontext
def upgrade_command() -> None:
    """Migrate the database and the webhook inbox to their newest revisions."""
    upgrade_all()


def run_environment(bind_key: str | None) -> None:
    """The body of an env.py: run this schema's migrations on its engine, online or offline."""
    from alembic import context  # only there while Alembic runs an env.py

    config = context.config
    if config.config_file_name and config.file_config.has_section("loggers"):
        from logging.config import fileConfig

        fileConfig(config.config_file_name, disable_existing_loggers=False)
    target_db = current_app.extensions["migrate"].db
    engine, metadata = target_db.engines[bind_key], target_db.metadatas[bind_key]
    options = {
        "target_metadata": metadata,
        "render_item": render_item,
        "include_name": FILTERS[bind_key],
        "version_table": VERSION_TABLES[bind_key],
    }
    if context.is_offline_mode():
        context.configure(url=engine.url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    configured = dict(current_app.extensions["migrate"].configure_args)
    configured.setdefault("process_revision_directives", _skip_empty(config))
    with engine.connect() as connection:
        context.configure(connection=connection, **options, **configured)
        with context.begin_transaction():
            context.run_migrations()


def render_item(type_, obj, autogen_context):
    """Write our UTC column type as the plain DateTime it stores, so migrations never import it."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _skip_empty(config):
    def skip_empty_revisions(_context, _revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")

    return skip_empty_revisions
