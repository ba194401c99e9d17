"""Webhook deliveries in the inbox, moved out of the database when the inbox lives apart

Revision ID: inbox_0001
Revises:

Where the inbox shares the database (PostgreSQL), the table the database's revision 0013 made is
the inbox's already: it is only adopted. Where the inbox is a file of its own (SQLite), the table
is made there, the deliveries stored so far are copied into it, and the database's copy is dropped
once they are all there. The downgrade moves them back.
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "inbox_0001"
down_revision = None
branch_labels = None
depends_on = None

TABLE = "webhook_deliveries"


def deliveries_table():
    table = sa.Table(
        TABLE,
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("parcels", sa.String(500), nullable=False),
        sa.Column("events_added", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
    )
    sa.Index(
        "uq_webhook_deliveries_provider_event_id", table.c.provider, table.c.event_id, unique=True
    )
    sa.Index(
        "uq_webhook_deliveries_provider_body_sha256",
        table.c.provider,
        table.c.body_sha256,
        unique=True,
    )
    sa.Index("ix_webhook_deliveries_state_next_attempt_at", table.c.state, table.c.next_attempt_at)
    sa.Index("ix_webhook_deliveries_received_at", table.c.received_at)
    return table


def upgrade():
    inbox = op.get_bind()
    if not sa.inspect(inbox).has_table(TABLE):
        deliveries_table().create(inbox)
    database = current_app.extensions["migrate"].db.engine
    if _same_database(database, inbox):
        return
    with database.begin() as source:
        if sa.inspect(source).has_table(TABLE):
            _move(source, inbox)


def downgrade():
    inbox = op.get_bind()
    database = current_app.extensions["migrate"].db.engine
    if _same_database(database, inbox):
        return
    with database.begin() as target:
        if not sa.inspect(target).has_table(TABLE):
            deliveries_table().create(target)
        _move(inbox, target)


def _move(source, target):
    """Copy every delivery from one database to the other, then drop the source's table."""
    table = deliveries_table()
    rows = [dict(row) for row in source.execute(sa.select(table)).mappings()]
    if rows:
        target.execute(table.insert(), rows)
    copied = target.execute(sa.select(sa.func.count()).select_from(table)).scalar()
    if copied < len(rows):
        raise RuntimeError(f"only {copied} of {len(rows)} webhook deliveries were copied")
    table.drop(source)


def _same_database(database, inbox) -> bool:
    url = inbox.engine.url.render_as_string(hide_password=False)
    return database.url.render_as_string(hide_password=False) == url
