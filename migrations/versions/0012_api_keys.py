"""Shop API: keys kept as their SHA-256 only, and what makes a request safe to repeat

Revision ID: 0012
Revises: 0011

An order made through the API keeps its request's digest: the same request again gets the same
answer, a different one for the same number a conflict. Idempotency-Keys are kept per API key.
A tracking number is on an order once (a unique index, not a constraint, so SQLite keeps the
table and its triggers), so a parcel registered twice at once is still one parcel.
"""

import sqlalchemy as sa
from alembic import op


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("lookup", sa.String(16), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("name", name=op.f("uq_api_keys_name")),
        sa.UniqueConstraint("lookup", name=op.f("uq_api_keys_lookup")),
    )

    # Plain ADD COLUMN: a batch operation could rebuild the table and lose 0006's triggers.
    op.add_column("orders", sa.Column("api_digest", sa.String(64), nullable=True))
    op.create_table(
        "api_idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_api_idempotency_keys_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_api_idempotency_keys_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency_keys")),
        sa.UniqueConstraint(
            "api_key_id", "key", name=op.f("uq_api_idempotency_keys_api_key_id_key")
        ),
    )
    op.create_index(
        "ix_api_idempotency_keys_order_id", "api_idempotency_keys", ["order_id"]
    )
    op.create_index(
        "uq_shipments_order_id_tracking_number",
        "shipments",
        ["order_id", "tracking_number"],
        unique=True,
    )


def downgrade():
    op.drop_index("uq_shipments_order_id_tracking_number", "shipments")
    op.drop_table("api_idempotency_keys")
    op.drop_column("orders", "api_digest")
    op.drop_table("api_keys")
