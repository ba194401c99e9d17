"""The order as staff see it: every scan with the carrier's own code and words beside ours."""

from __future__ import annotations

import pytest

from tests.support import add_shipment, scan, sign_in
from webapp.admin import audit
from webapp.extensions import db
from webapp.ingest import record_scans
from webapp.models import Order
from webapp.tracking.statuses import Status


@pytest.fixture
def order_number(app, make_order):
    make_order(number="LL-2001", name="Grace <b>Hopper</b>")
    with app.app_context():
        order = db.session.scalar(db.select(Order).where(Order.number == "LL-2001"))
        shipment = add_shipment(order, [], number="RB000000042GB")
        record_scans(
            shipment,
            [
                scan(Status.IN_TRANSIT, 2, "Arrived at <script>hub</script>", carrier_code="AAH"),
                scan(Status.EXCEPTION, 5, "Address unknown", reason="address",
                     carrier_code="EX17"),
            ],
        )  # fmt: skip
        db.session.commit()
    return "LL-2001"


def test_each_scan_shows_the_carriers_code_and_words_beside_ours(client, staff, order_number):
    sign_in(client, staff("viewer"))
    page = client.get(f"/admin/orders/{order_number}").get_data(as_text=True)
    assert "RB000000042GB" in page
    assert "<code>EX17</code>" in page
    assert "Address unknown" in page
    assert "<code>AAH</code>" in page
    assert "Delivery problem (address)" in page


def test_the_detail_escapes_what_customers_and_carriers_wrote(client, staff, order_number):
    sign_in(client, staff("viewer"))
    page = client.get(f"/admin/orders/{order_number}").get_data(as_text=True)
    assert "Grace &lt;b&gt;Hopper&lt;/b&gt;" in page
    assert "Arrived at &lt;script&gt;hub&lt;/script&gt;" in page
    assert "<script>hub" not in page


def test_the_number_is_found_however_it_is_typed(client, staff, order_number):
    sign_in(client, staff("viewer"))
    assert client.get("/admin/orders/%23ll-2001").status_code == 200


def test_an_unknown_order_is_a_404(client, staff):
    sign_in(client, staff("viewer"))
    assert client.get("/admin/orders/LL-404").status_code == 404


def test_the_detail_needs_a_signed_in_member_of_staff(client, order_number):
    assert client.get(f"/admin/orders/{order_number}").status_code == 302


def test_the_detail_lists_what_staff_did_to_the_order(app, client, staff, order_number):
    with app.test_request_context():
        order = db.session.scalar(db.select(Order).where(Order.number == order_number))
        audit.record("note_added", "agent@example.com", order_id=order.id, text="Rang customer")
        db.session.commit()
    sign_in(client, staff("viewer"))
    page = client.get(f"/admin/orders/{order_number}").get_data(as_text=True)
    assert "note added by agent@example.com" in page
