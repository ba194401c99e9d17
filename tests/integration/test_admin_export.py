"""The search as CSV: every match, one row per parcel, formulas neutralised, the export audited."""

from __future__ import annotations

import csv
import io

from tests.support import add_shipment, sign_in
from webapp.extensions import db
from webapp.models import AuditEntry, Order
from webapp.tracking.statuses import Status


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_export_has_every_match_one_row_per_parcel(client, staff, app, make_order):
    make_order(number="LL-1", name='=HYPERLINK("http://evil.example","Ada")')
    make_order(number="LL-2", email="grace@example.com", name="Grace Hopper")
    make_order(number="LL-3", email="alan@example.org", name="Alan Turing")
    with app.app_context():
        order = db.session.scalar(db.select(Order).where(Order.number == "LL-1"))
        add_shipment(order, [(Status.IN_TRANSIT, 1)], number="RB000000001GB")
        add_shipment(order, [], carrier="dhl", number="JD0000000002")
        db.session.commit()
    sign_in(client, staff("agent"))
    response = client.get("/admin/orders.csv", query_string={"q": "example.com"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="orders-')
    rows = _rows(response)
    assert [(row["order_number"], row["tracking_number"]) for row in rows] == [
        ("LL-2", ""),
        ("LL-1", "RB000000001GB"),
        ("LL-1", "JD0000000002"),
    ]
    assert rows[1]["customer_name"] == '\'=HYPERLINK("http://evil.example","Ada")'
    assert rows[1]["stage"] == "In transit"
    assert rows[1]["placed_at"] == "2026-11-20T09:00:00+00:00"


def test_export_is_audited_with_its_query(client, staff, app):
    sign_in(client, staff("agent"))
    client.get("/admin/orders.csv", query_string={"q": "ada", "stage": "delivered"})
    with app.app_context():
        entry = db.session.scalar(
            db.select(AuditEntry).where(AuditEntry.action == "exported_orders")
        )
        assert entry.actor_email == "agent@example.com"
        assert entry.detail == {"q": "ada", "stage": "delivered"}


def test_export_reads_past_the_first_batch(client, staff, app):
    with app.app_context():
        for index in range(1, 1206):
            db.session.add(
                Order(
                    number=f"LL-{index}",
                    email=f"{index}@example.com",
                    name="Pat",
                    placed_at=db.func.current_timestamp(),
                )
            )
        db.session.commit()
    sign_in(client, staff("agent"))
    rows = _rows(client.get("/admin/orders.csv"))
    assert len(rows) == 1205
    assert len({row["order_number"] for row in rows}) == 1205


def test_viewers_may_not_export_and_bad_queries_are_refused(client, staff):
    sign_in(client, staff("viewer"))
    assert client.get("/admin/orders.csv").status_code == 403
    sign_in(client, staff("agent"))
    response = client.get("/admin/orders.csv", query_string={"stage": "nowhere"})
    assert response.status_code == 400
    assert "There is no stage" in response.get_data(as_text=True)
