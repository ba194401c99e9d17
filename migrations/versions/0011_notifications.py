"""Customer e-mails: the notification queue, the order's time zone and its opt-out

Revision ID: 0011
Revises: 0010

A notification is queued in the transaction that records the order or the scan calling for it.
Two partial unique indexes let each kind go once per parcel (and once per order for the order's
own, the confirmation), ever, while a resend by staff is a row of its own (manual).
"""

import sqlalchemy as sa
from alembic import op


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN: a batch operation could rebuild the table and lose 0006's triggers.
    op.add_column("orders", sa.Column("time_zone", sa.String(64), nullable=True))
    op.add_column("orders", sa.Column("emails_stopped_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("orders", sa.Column("mail_key", sa.String(64), nullable=True))
    op.create_index("ix_orders_mail_key", "orders", ["mail_key"], unique=True)
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(32), nullable=True),
        sa.Column("skip_reason", sa.String(16), nullable=True),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_notifications_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_notifications_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_order_id", "notifications", ["order_id"])
    op.create_index("ix_notifications_shipment_id", "notifications", ["shipment_id"])
    op.create_index(
        "ix_notifications_status_next_attempt_at", "notifications", ["status", "next_attempt_at"]
    )
    op.create_index(
        "uq_notifications_parcel_kind",
        "notifications",
        ["shipment_id", "kind"],
        unique=True,
        sqlite_where=sa.text("NOT manual"),
        postgresql_where=sa.text("NOT manual"),
    )
    op.create_index(
        "uq_notifications_order_kind",
        "notifications",
        ["order_id", "kind"],
        unique=True,
        sqlite_where=sa.text("shipment_id IS NULL AND NOT manual"),
        postgresql_where=sa.text("shipment_id IS NULL AND NOT manual"),
    )


def downgrade():
    op.drop_table("notifications")
    op.drop_index("ix_orders_mail_key", "orders")
    op.drop_column("orders", "mail_key")
    op.drop_column("orders", "emails_stopped_at")
    op.drop_column("orders", "time_zone")
