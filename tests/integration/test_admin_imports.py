"""Orders and parcels from a CSV file in the staff panel, through the API's code path: each
order made once however often the file comes, each fault named on its row."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.support import csrf_token, sign_in
from webapp.extensions import db
from webapp.models import AuditEntry, Notification, Order, Shipment

HEADER = "number,email,name,placed_at,country,sku,title,quantity,tracking_number,carrier\n"
GOOD = (
    HEADER + "LL-8001,ada@example.com,Ada Lovelace,2026-12-01T09:30:00+00:00,GB,SER-1,Serum,2,"
    "RB123456785GB,\n"
    + "LL-8001,,,,,CRM-2,Cream,1,,\n"
    + "LL-8002,grace@example.com,Grace Hopper,2026-12-01T10:00:00+01:00,GB,SER-1,Serum,1,"
    "GM2951173225174494,dhl\n"
)


@pytest.fixture
def agent(client, staff):
    sign_in(client, staff("agent"))
    return client


def upload(client, text: str | bytes, name="orders.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/admin/imports",
        data={"csrf_token": csrf_token(client, "/admin"), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_file_makes_its_orders_items_parcels_and_confirmations(app, agent):
    response = upload(agent, GOOD)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 made, 0 there already, 0 refused" in page
    with app.app_context():
        ada = db.session.scalar(select(Order).where(Order.number == "LL-8001"))
        assert [item.title for item in ada.items] == ["Serum", "Cream"]
        assert [(s.carrier, s.tracking_number) for s in ada.shipments] == [
            ("royalmail", "RB123456785GB")
        ]
        grace = db.session.scalar(select(Order).where(Order.number == "LL-8002"))
        assert grace.shipments[0].carrier == "dhl"
        imported = select(AuditEntry).where(AuditEntry.action == "orders_imported")
        [entry] = db.session.scalars(imported).all()
        assert (entry.detail["file"], entry.detail["made"], entry.detail["parcels"]) == (
            "orders.csv",
            2,
            2,
        )
    assert count(app, Notification) == 2


def test_the_same_file_again_changes_nothing(app, agent):
    upload(agent, GOOD)
    again = upload(agent, GOOD).get_data(as_text=True)
    assert "0 made, 2 there already, 0 refused" in again
    assert (count(app, Order), count(app, Shipment), count(app, Notification)) == (2, 2, 2)


def test_each_fault_is_named_on_its_row_and_the_good_orders_still_go_in(app, agent):
    text = (
        HEADER
        + "LL-8101,not-an-address,Ada,2026-12-01T09:30:00+00:00,GB,SER-1,Serum,0,,\n"
        + "LL-8102,grace@example.com,Grace,2026-12-01T09:30:00+00:00,GB,SER-1,Serum,1,"
        "GM2951173225174494,\n"
        + "LL-8103,alan@example.com,Alan,2026-12-01T09:30:00+00:00,GB,SER-1,Serum,1,,\n"
        + "LL-8103,other@example.com,,,,CRM-2,Cream,1,,\n"
    )
    page = upload(agent, text).get_data(as_text=True)
    assert "1 made, 0 there already, 2 refused" in page
    assert "row 2, email: Value error, not an e-mail address" in page
    assert "row 2, quantity:" in page
    assert "row 3: GM2951173225174494 does not say its carrier; fill in carrier" in page
    assert "row 5: email differ(s) from row 4" in page
    assert count(app, Order) == 1  # LL-8102, without the parcel it could not place
    assert count(app, Shipment) == 0


def test_a_parcel_of_an_unknown_carrier_is_named_and_its_order_still_made(app, agent):
    text = HEADER + (
        "LL-8201,ada@example.com,Ada,2026-12-01T09:30:00+00:00,GB,SER-1,Serum,1,"
        "RB123456785GB,owl-post\n"
    )
    page = upload(agent, text).get_data(as_text=True)
    assert "1 made, 0 there already, 0 refused" in page
    assert "row 2, carrier: owl-post is none of ours" in page
    assert (count(app, Order), count(app, Shipment)) == (1, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("number,email,name\nLL-1,a@example.com,A\n", "lacks the column(s) placed_at"),
        (HEADER.replace("carrier", "courier"), "Unknown column(s) courier"),
        (HEADER, "no rows under its header"),
        ("\xff\xfe".encode("latin-1") + b"n\x00u\x00", "not UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole_saying_why(app, agent, text, message):
    response = upload(agent, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'role="alert"' in page
    assert count(app, Order) == 0


def test_importing_takes_an_agent(app, client, staff):
    sign_in(client, staff("viewer"))
    assert upload(client, GOOD).status_code == 403
    assert "Import</a>" not in client.get("/admin").get_data(as_text=True)
    assert count(app, Order) == 0


def test_importing_takes_the_csrf_token(app, agent):
    response = agent.post("/admin/imports", data={"file": (io.BytesIO(GOOD.encode()), "a.csv")})
    assert response.status_code == 400
    assert count(app, Order) == 0
