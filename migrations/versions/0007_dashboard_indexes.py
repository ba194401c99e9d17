"""Indexes behind the staff overview

Revision ID: 0007
Revises: 0006

Parcels still travelling are read as the range stage < 4 and recent deliveries as stage = 4 with
delivered_at in a window, both on (stage, delivered_at); parcels shipped per carrier per day come
from (shipped_at, carrier) alone.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE INDEX: a batch operation could rebuild the table and lose 0006's triggers.
    op.create_index("ix_shipments_stage_delivered_at", "shipments", ["stage", "delivered_at"])
    op.create_index("ix_shipments_shipped_at_carrier", "shipments", ["shipped_at", "carrier"])


def downgrade():
    op.drop_index("ix_shipments_shipped_at_carrier", "shipments")
    op.drop_index("ix_shipments_stage_delivered_at", "shipments")
