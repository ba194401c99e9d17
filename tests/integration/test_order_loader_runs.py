"""The benchmark loader fills the migrated schema so that the app reads and searches it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, text

from bench.order_loader import load, order_fields, shipment_fields
from webapp.admin.search import OrderSearch, search_orders
from webapp.database import close_connections
from webapp.extensions import db
from webapp.models import Order, Shipment
from webapp.tracking.stages import Stage

NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)
MISCOUNTED_STAGES = """
    SELECT count(*) FROM orders WHERE parcel_stages <>
    coalesce((SELECT sum(DISTINCT 1 << stage) FROM shipments WHERE order_id = orders.id), 1)
"""


def load_alone(app, database_url, orders, **options):
    """The loader wants its database to itself, as a fresh one is: the app lets go first."""
    with app.app_context():
        close_connections()
    return load(database_url, orders, now=NOW, migrated=True, **options)


def test_loaded_orders_are_what_the_generators_say_and_searchable(app, database_url):
    report = load_alone(app, database_url, 3000, chunk=700)
    assert report.rows["orders"] == 3000
    i = 2345
    expected, parcels = order_fields(i, report.plan), shipment_fields(i, report.plan)
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 3000
        order = db.session.get(Order, i)
        assert (order.number, order.email, order.name) == (
            expected["number"],
            expected["email"],
            expected["name"],
        )
        stored = [(s.tracking_number, s.stage, s.status) for s in order.shipments]
        assert stored == [(p["tracking_number"], p["stage"], p["status"]) for p in parcels]
        by_email = search_orders(OrderSearch.from_args({"q": expected["email"].upper()}))
        assert i in {o.id for o in by_email.orders}
        tracked = search_orders(
            OrderSearch.from_args(
                {"q": parcels[0]["tracking_number"][-8:], "stage": Stage(parcels[0]["stage"]).slug}
            )
        )
        assert [o.id for o in tracked.orders] == [i]
        assert db.session.scalar(text(MISCOUNTED_STAGES)) == 0


def test_a_new_order_after_a_load_gets_the_next_free_id(app, database_url):
    load_alone(app, database_url, 500)
    with app.app_context():
        order = Order(number="LL-NEW", email="new@example.com", name="New", placed_at=NOW)
        db.session.add(order)
        db.session.commit()
        assert order.id == 501
        assert db.session.scalar(select(func.count(Shipment.id))) > 500
