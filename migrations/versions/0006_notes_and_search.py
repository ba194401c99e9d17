"""Notes on orders, and the indexes behind the admin panel's search

Revision ID: 0006
Revises: 0005

Search matches fragments of the order number, e-mail, name, postcode and tracking numbers. On
PostgreSQL that is pg_trgm's GIN indexes, one over the order's four fields joined (one index scan
instead of four) and one on tracking numbers; on SQLite an FTS5 table with the
trigram tokenizer, one row per order (rowid = orders.id), kept current by triggers, so every write
path (the app, bulk loads, a shell) keeps it right.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

POSTGRESQL_SEARCH = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_orders_search_trgm ON orders USING gin "
    "((number || ' ' || email || ' ' || name || ' ' || postcode) gin_trgm_ops)",
    "CREATE INDEX ix_shipments_tracking_number_trgm ON shipments USING gin "
    "(tracking_number gin_trgm_ops)",
]

_TRACKING_OF = (
    "UPDATE order_search SET tracking = (SELECT coalesce(group_concat(tracking_number, ' '), '') "
    "FROM shipments WHERE order_id = {which}.order_id) WHERE rowid = {which}.order_id;"
)
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE order_search USING fts5"
    "(number, email, name, postcode, tracking, tokenize = 'trigram')",
    "CREATE TRIGGER order_search_insert AFTER INSERT ON orders BEGIN "
    "INSERT INTO order_search (rowid, number, email, name, postcode, tracking) "
    "VALUES (new.id, new.number, new.email, new.name, new.postcode, ''); END",
    "CREATE TRIGGER order_search_update AFTER UPDATE OF number, email, name, postcode ON orders "
    "BEGIN UPDATE order_search SET number = new.number, email = new.email, name = new.name, "
    "postcode = new.postcode WHERE rowid = new.id; END",
    "CREATE TRIGGER order_search_delete AFTER DELETE ON orders BEGIN "
    "DELETE FROM order_search WHERE rowid = old.id; END",
    "CREATE TRIGGER order_search_shipment_insert AFTER INSERT ON shipments BEGIN "
    + _TRACKING_OF.format(which="new")
    + " END",
    "CREATE TRIGGER order_search_shipment_update AFTER UPDATE OF tracking_number, order_id "
    "ON shipments BEGIN "
    + _TRACKING_OF.format(which="old")
    + " "
    + _TRACKING_OF.format(which="new")
    + " END",
    "CREATE TRIGGER order_search_shipment_delete AFTER DELETE ON shipments BEGIN "
    + _TRACKING_OF.format(which="old")
    + " END",
    "INSERT INTO order_search (rowid, number, email, name, postcode, tracking) "
    "SELECT id, number, email, name, postcode, coalesce((SELECT group_concat(tracking_number, ' ') "
    "FROM shipments WHERE order_id = orders.id), '') FROM orders",
]
SQLITE_TRIGGERS = [
    "order_search_insert",
    "order_search_update",
    "order_search_delete",
    "order_search_shipment_insert",
    "order_search_shipment_update",
    "order_search_shipment_delete",
]


def upgrade():
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_email", sa.String(length=320), nullable=False),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["admin_users.id"],
            name=op.f("fk_notes_author_id_admin_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_notes_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes") as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_order_id"), ["order_id"])
    with op.batch_alter_table("orders") as batch_op:
        batch_op.create_index("ix_orders_placed_at_id", ["placed_at", "id"])
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_SEARCH if dialect == "postgresql" else SQLITE_SEARCH:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for index in ("ix_orders_search_trgm", "ix_shipments_tracking_number_trgm"):
            op.execute(f"DROP INDEX {index}")
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE order_search")
    op.drop_index("ix_orders_placed_at_id", "orders")
    op.drop_table("notes")
