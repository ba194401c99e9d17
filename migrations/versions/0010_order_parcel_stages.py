"""The stages an order's parcels are at, on the order

Revision ID: 0010
Revises: 0009

Staff search filters orders by the stage of one of their parcels. Probing the parcels of each
order the text matches costs a few microseconds an order, and a common surname matches
thousands; a walk through the newest orders for "delivered" passes every order still on its
way. `orders.parcel_stages` holds one bit per stage (1 << stage) that one of the order's parcels
is at, or the Ordered bit alone while it has none, so the test is on the row the search reads
anyway. Triggers on shipments keep it right on every write path, as 0006's keep the FTS table.
It is not indexed, so the update a new stage makes leaves the order's indexes alone.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: Bits of the stages an order's parcels are at; the first stage's when it has none yet.
STAGES_OF = (
    "coalesce((SELECT sum(DISTINCT 1 << stage) FROM shipments WHERE order_id = {order}), 1)"
)
RECOUNT = "UPDATE orders SET parcel_stages = " + STAGES_OF + " WHERE id = {order};"

POSTGRESQL_TRIGGER = f"""
CREATE FUNCTION orders_recount_parcel_stages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {RECOUNT.format(order="OLD.order_id")}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {RECOUNT.format(order="NEW.order_id")}
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER shipments_parcel_stages AFTER INSERT OR DELETE OR UPDATE OF stage, order_id
ON shipments FOR EACH ROW EXECUTE FUNCTION orders_recount_parcel_stages();
"""

SQLITE_TRIGGERS = {
    "shipments_parcel_stages_insert": "AFTER INSERT ON shipments BEGIN {new} END",
    "shipments_parcel_stages_update": (
        "AFTER UPDATE OF stage, order_id ON shipments BEGIN {old} {new} END"
    ),
    "shipments_parcel_stages_delete": "AFTER DELETE ON shipments BEGIN {old} END",
}


def upgrade():
    op.execute("ALTER TABLE orders ADD COLUMN parcel_stages INTEGER NOT NULL DEFAULT 1")
    op.execute("UPDATE orders SET parcel_stages = " + STAGES_OF.format(order="orders.id"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_TRIGGER)
        return
    for name, body in SQLITE_TRIGGERS.items():
        recounts = {
            which: RECOUNT.format(order=f"{which}.order_id") for which in ("old", "new")
        }
        op.execute(f"CREATE TRIGGER {name} {body.format(**recounts)}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER shipments_parcel_stages ON shipments")
        op.execute("DROP FUNCTION orders_recount_parcel_stages()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.execute("ALTER TABLE orders DROP COLUMN parcel_stages")
