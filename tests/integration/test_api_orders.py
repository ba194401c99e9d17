"""Orders through the shop API: made once however often the request comes, read back with their
parcels, and every bad request answered with what is wrong."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.integration.test_api_keys import assert_problem, bearer, make_key
from webapp.extensions import db
from webapp.models import Notification, Order, Shipment
from webapp.tracking.statuses import Status

ORDERS = "/api/v1/orders"
ORDER = {
    "number": "LL-7001",
    "email": " Ada@Example.com ",
    "name": "Ada Lovelace",
    "postcode": "LS6 2QT",
    "country": "gb",
    "locale": "en-GB",
    "time_zone": "Europe/London",
    "placed_at": "2026-12-01T09:30:00+00:00",
    "items": [{"sku": "LL-SER-01", "title": "Vitamin C Serum", "quantity": 2}],
}


@pytest.fixture
def key(app) -> str:
    return make_key(app)


def post(client, key, body=ORDER, **headers):
    return client.post(ORDERS, json=body, headers=bearer(key) | headers)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_an_order_is_made_with_its_items_link_and_confirmation(app, client, key):
    response = post(client, key)
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/v1/orders/LL-7001"
    body = response.get_json()
    assert body["number"] == "LL-7001"
    assert body["email"] == "ada@example.com"
    assert body["items"] == [
        {"sku": "LL-SER-01", "title": "Vitamin C Serum", "quantity": 2, "image_url": None}
    ]
    assert body["shipments"] == []
    page = client.get(body["tracking_url"].removeprefix("http://localhost"))
    assert page.status_code == 200
    assert "LL-7001" in page.get_data(as_text=True)
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert (order.country, order.locale, order.time_zone) == ("GB", "en-GB", "Europe/London")
        kinds = db.session.scalars(select(Notification.kind)).all()
        assert kinds == ["order_confirmation"]


def test_the_same_request_again_is_the_same_answer_and_no_second_order(app, client, key):
    first = post(client, key)
    reordered = json.loads(json.dumps(ORDER))  # same content, other key order and spacing
    again = client.post(
        ORDERS,
        data=json.dumps(dict(reversed(list(reordered.items()))), indent=2),
        content_type="application/json",
        headers=bearer(key),
    )
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert count(app, Order) == 1
    assert count(app, Notification) == 1


def test_the_same_number_with_other_details_is_a_409(app, client, key):
    post(client, key)
    body = assert_problem(post(client, key, ORDER | {"name": "Someone Else"}), 409)
    assert body["errors"] == [
        {"field": "number", "message": "taken by an order with other details"}
    ]
    assert count(app, Order) == 1


def test_an_idempotency_key_repeats_its_answer_and_refuses_another_request(app, client, key):
    first = post(client, key, **{"Idempotency-Key": "till-42"})
    assert first.status_code == 201
    again = post(client, key, **{"Idempotency-Key": "till-42"})
    assert again.get_json() == first.get_json()
    other = ORDER | {"number": "LL-7002"}
    assert_problem(post(client, key, other, **{"Idempotency-Key": "till-42"}), 422)
    assert count(app, Order) == 1


def test_idempotency_keys_belong_to_their_api_key(app, client, key):
    other_key = make_key(app, "second shop system")
    post(client, key, **{"Idempotency-Key": "k1"})
    second = post(client, other_key, ORDER | {"number": "LL-7002"}, **{"Idempotency-Key": "k1"})
    assert second.status_code == 201
    assert count(app, Order) == 2


def test_an_order_is_read_back_with_its_parcels_and_their_scans(app, client, key, make_order):
    journey = [(Status.INFO_RECEIVED, 0), (Status.IN_TRANSIT, 5, "Arrived at Leeds hub")]
    make_order("LL-7100", shipments=[journey])
    body = client.get(f"{ORDERS}/LL-7100", headers=bearer(key)).get_json()
    [shipment] = body["shipments"]
    assert (shipment["carrier"], shipment["tracking_number"]) == ("royalmail", "RB000000001GB")
    assert (shipment["stage"], shipment["status"]) == ("in-transit", "in_transit")
    newest, oldest = shipment["events"]
    assert newest == {
        "occurred_at": "2026-11-20T14:00:00Z",
        "status": "in_transit",
        "text": "Arrived at Leeds hub",
        "city": "Leeds",
        "country": "GB",
    }
    assert oldest["status"] == "info_received"


def test_an_unknown_order_is_a_404_problem(app, client, key):
    assert_problem(client.get(f"{ORDERS}/LL-0000", headers=bearer(key)), 404)


def test_reading_needs_the_read_scope_and_writing_the_write_scope(app, client):
    reader = make_key(app, "reader", scopes=("orders:read",))
    writer = make_key(app, "writer", scopes=("orders:write",))
    assert_problem(post(client, reader), 403)
    assert post(client, writer).status_code == 201
    assert_problem(client.get(f"{ORDERS}/LL-7001", headers=bearer(writer)), 403)
    assert client.get(f"{ORDERS}/LL-7001", headers=bearer(reader)).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"placed_at": "2026-12-01T09:30:00"}, "placed_at"),
        ({"country": "Britain"}, "country"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"number": ""}, "number"),
        ({"items": [{"sku": "A", "title": "B", "quantity": 0}]}, "items.0.quantity"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_each_field_at_fault_is_named(app, client, key, change, field):
    body = assert_problem(post(client, key, ORDER | change), 422)
    assert field in [error["field"] for error in body["errors"]]
    assert count(app, Order) == 0


def test_a_missing_field_is_named(app, client, key):
    incomplete = {k: v for k, v in ORDER.items() if k != "email"}
    body = assert_problem(post(client, key, incomplete), 422)
    assert body["errors"][0]["field"] == "email"


def test_truncated_json_is_400_and_other_content_types_415(app, client, key):
    truncated = json.dumps(ORDER)[:-10]
    response = client.post(
        ORDERS, data=truncated, content_type="application/json", headers=bearer(key)
    )
    assert "not valid JSON" in assert_problem(response, 400)["detail"]
    form = client.post(ORDERS, data={"number": "LL-1"}, headers=bearer(key))
    assert_problem(form, 415)
    assert count(app, Order) == 0


def test_a_body_over_a_megabyte_is_413_and_one_just_under_is_read(app, client, key):
    items = [{"sku": f"S{n}", "title": "x" * 180, "quantity": 1} for n in range(500)]
    under = ORDER | {"items": items}
    assert len(json.dumps(under)) < 1024 * 1024
    assert post(client, key, under).status_code == 201
    huge = json.dumps(ORDER | {"name": "x" * (1024 * 1024)})
    response = client.post(ORDERS, data=huge, content_type="application/json", headers=bearer(key))
    assert_problem(response, 413)
    assert count(app, Order) == 1


# Shipments


def add(client, key, body, number="LL-7001"):
    return client.post(f"{ORDERS}/{number}/shipments", json=body, headers=bearer(key))


def test_a_parcel_without_a_carrier_gets_the_one_its_number_vouches_for(app, client, key):
    post(client, key)
    response = add(client, key, {"tracking_number": "rb 1234 5678 5gb"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["shipment"]["carrier"] == "royalmail"
    assert body["shipment"]["tracking_number"] == "RB123456785GB"
    assert body["shipment"]["stage"] == "ordered"
    assert body["candidates"][0] == {
        "carrier": "royalmail",
        "format": "s10",
        "check_digit_valid": True,
        "confidence": 0.9,
    }
    with app.app_context():
        shipment = db.session.scalar(select(Shipment))
        assert shipment.next_check_at is not None  # the worker checks it at once


def test_a_number_that_does_not_vouch_for_a_carrier_is_422_with_what_it_could_be(app, client, key):
    post(client, key)
    body = assert_problem(add(client, key, {"tracking_number": "GM2951173225174494"}), 422)
    assert body["errors"][0]["field"] == "carrier"
    assert body["candidates"][0]["format"] == "dhl_ecommerce"
    assert count(app, Shipment) == 0
    given = add(client, key, {"tracking_number": "GM2951173225174494", "carrier": "dhl"})
    assert given.status_code == 201
    assert given.get_json()["shipment"]["carrier"] == "dhl"


def test_the_carrier_given_wins_over_detection_and_must_be_known(app, client, key):
    post(client, key)
    chosen = add(client, key, {"tracking_number": "1Z5R89390357567127", "carrier": "dpd"})
    assert chosen.get_json()["shipment"]["carrier"] == "dpd"
    assert chosen.get_json()["candidates"][0]["carrier"] == "ups"
    unknown = add(client, key, {"tracking_number": "1Z5R89390357567128", "carrier": "owl-post"})
    assert assert_problem(unknown, 422)["errors"][0]["field"] == "carrier"


def test_the_same_parcel_again_is_a_repeat_and_another_carrier_a_409(app, client, key):
    post(client, key)
    first = add(client, key, {"tracking_number": "1Z5R89390357567127"})
    again = add(client, key, {"tracking_number": "1Z 5R8 939 0357 5671 27"})
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    other = add(client, key, {"tracking_number": "1Z5R89390357567127", "carrier": "dhl"})
    assert_problem(other, 409)
    assert count(app, Shipment) == 1


def test_a_parcel_for_an_unknown_order_is_404_and_odd_characters_422(app, client, key):
    assert_problem(add(client, key, {"tracking_number": "1Z5R89390357567127"}, "LL-9"), 404)
    post(client, key)
    bad = add(client, key, {"tracking_number": "<b>1Z</b>"})
    assert assert_problem(bad, 422)["errors"][0]["field"] == "tracking_number"


def test_control_characters_are_refused_and_an_unpaired_surrogate_is_not_json(app, client, key):
    body = assert_problem(post(client, key, ORDER | {"name": "Ada\x00Lovelace"}), 422)
    assert body["errors"][0]["field"] == "name"
    raw = json.dumps(ORDER).replace("Ada Lovelace", "Ada \\ud800")
    response = client.post(ORDERS, data=raw, content_type="application/json", headers=bearer(key))
    assert "not valid JSON" in assert_problem(response, 400)["detail"]
    assert count(app, Order) == 0


@pytest.mark.parametrize(
    "raw",
    ["[" * 50_000 + "]" * 50_000, '{"number": "LL-1", "quantity": ' + "9" * 5000 + "}"],
    ids=["nested too deep", "integer too long"],
)
def test_json_too_deep_or_with_a_huge_number_is_400(app, client, key, raw):
    response = client.post(ORDERS, data=raw, content_type="application/json", headers=bearer(key))
    assert "not valid JSON" in assert_problem(response, 400)["detail"]


@pytest.mark.parametrize("placed_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_placing_time_out_of_range_is_named(app, client, key, placed_at):
    body = assert_problem(post(client, key, ORDER | {"placed_at": placed_at}), 422)
    assert body["errors"][0]["field"] == "placed_at"


def test_an_order_number_with_a_slash_is_refused_so_its_url_stays_one_path(app, client, key):
    body = assert_problem(post(client, key, ORDER | {"number": "A/.."}), 422)
    assert body["errors"][0]["field"] == "number"


def test_reading_a_parcel_list_is_405_naming_post(app, client, key):
    post(client, key)
    response = client.get(f"{ORDERS}/LL-7001/shipments", headers=bearer(key))
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_the_database_keeps_a_tracking_number_once_per_order(app, key, make_order):
    make_order("LL-7200", shipments=[[(Status.INFO_RECEIVED, 0)]])
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == "LL-7200"))
        number = order.shipments[0].tracking_number
        db.session.add(Shipment(order_id=order.id, carrier="dhl", tracking_number=number))
        with pytest.raises(IntegrityError):
            db.session.commit()
