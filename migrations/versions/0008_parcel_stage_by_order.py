"""An order's parcels with their stages, in one index

Revision ID: 0008
Revises: 0007

Staff search filters orders by the stage of one of their parcels. With (order_id, stage) the
test is an index-only probe instead of a visit to each parcel's row; the index also serves
every lookup by order_id alone, so it replaces that one.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE INDEX: a batch operation could rebuild the table and lose 0006's triggers.
    op.create_index("ix_shipments_order_id_stage", "shipments", ["order_id", "stage"])
    op.drop_index("ix_shipments_order_id", "shipments")


def downgrade():
    op.create_index("ix_shipments_order_id", "shipments", ["order_id"])
    op.drop_index("ix_shipments_order_id_stage", "shipments")
