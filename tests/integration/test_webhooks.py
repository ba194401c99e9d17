"""Inbound webhooks end to end, on SQLite and PostgreSQL: the signature checked on the raw body,
the delivery kept before the answer, the worker recording it through the ingest path, duplicates
and disorder harmless, and staff replaying what could not be matched or read."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from datetime import timedelta
from threading import Event

import pytest
from sqlalchemy import event, func, select, update

from tests.integration.test_api_keys import bearer, make_key
from tests.shippo import JOURNEY, NUMBER, SECRET, history_entry, signature, track_updated
from tests.support import BASE_TIME, build_app, csrf_token, empty_databases, sign_in
from webapp.database import INBOX
from webapp.extensions import db
from webapp.models import (
    AuditEntry,
    Notification,
    Order,
    Shipment,
    TrackingEvent,
    WebhookDelivery,
    utcnow,
)
from webapp.tracking.stages import Stage
from workers.housekeeping import prune_webhook_deliveries
from workers.inbox import Inbox


@pytest.fixture
def hooks(app_factory):
    """An app that takes Shippo's webhooks, and its test client."""
    app = app_factory(SHIPPO_WEBHOOK_SECRET=SECRET, SQLITE_IMMEDIATE_TRANSACTIONS=True)
    return app, app.test_client()


def deliver(client, body: bytes, headers=None, content_type="application/json"):
    headers = {"Shippo-Auth-Signature": signature(body)} if headers is None else headers
    return client.post("/webhooks/shippo", data=body, headers=headers, content_type=content_type)


def add_parcel(app, number=NUMBER, carrier="usps", order_number="LL-2001") -> int:
    with app.app_context():
        order = Order(number=order_number, email="ada@example.com", name="Ada", placed_at=BASE_TIME)
        shipment = Shipment(carrier=carrier, tracking_number=number)
        order.shipments.append(shipment)
        db.session.add(order)
        db.session.commit()
        return shipment.id


def work(app) -> int:
    """Let a worker record every delivery that is due."""
    return Inbox(app, "test-worker").tick(Event())


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        db.session.expunge_all()
        return rows


def events_of(app, shipment_id) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(TrackingEvent.status, TrackingEvent.carrier_code, TrackingEvent.source)
            .where(TrackingEvent.shipment_id == shipment_id)
            .order_by(TrackingEvent.occurred_at)
        )
        return [tuple(row) for row in rows]


def parcel(app, shipment_id) -> dict:
    with app.app_context():
        shipment = db.session.get(Shipment, shipment_id)
        return {"stage": shipment.stage, "status": shipment.status, "eta": shipment.eta_date}


def emails(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(Notification.kind)))


def test_a_signed_delivery_is_kept_before_the_answer_and_recorded_by_the_worker(hooks):
    app, client = hooks
    shipment_id = add_parcel(app)
    body = track_updated(JOURNEY, eta="2026-11-21T00:00:00Z")

    answer = deliver(client, body)

    assert answer.status_code == 200
    assert answer.json["status"] == "stored"
    [stored] = deliveries(app)
    assert (stored.id, stored.state, stored.provider) == (answer.json["id"], "pending", "shippo")
    with app.app_context():
        assert db.session.get(WebhookDelivery, stored.id).body == body  # the raw bytes
    assert "Shippo-Auth-Signature" in stored.headers
    assert events_of(app, shipment_id) == []  # nothing recorded until the worker takes it

    assert work(app) == 1

    assert events_of(app, shipment_id) == [
        ("info_received", "PRE_TRANSIT/information_received", "webhook"),
        ("in_transit", "TRANSIT/package_accepted", "webhook"),
        ("out_for_delivery", "TRANSIT/out_for_delivery", "webhook"),
    ]
    state = parcel(app, shipment_id)
    assert state["stage"] == Stage.OUT_FOR_DELIVERY
    assert state["eta"].isoformat() == "2026-11-21"
    [recorded] = deliveries(app)
    assert (recorded.state, recorded.events_added, recorded.parcels) == (
        "processed",
        3,
        f"usps:{NUMBER}",
    )
    assert "out_for_delivery" in emails(app)


def test_the_same_delivery_twice_is_stored_once_and_adds_no_event_or_email(hooks):
    app, client = hooks
    shipment_id = add_parcel(app)
    body = track_updated(JOURNEY)
    first = deliver(client, body)
    work(app)
    mails = emails(app)

    again = deliver(client, body)  # a retry: same body, signed anew
    assert again.status_code == 200
    assert again.json == {"id": first.json["id"], "status": "duplicate"}
    assert len(deliveries(app)) == 1
    assert work(app) == 0

    resent = track_updated(list(reversed(JOURNEY)))  # another body with the same news
    assert deliver(client, resent).json["status"] == "stored"
    work(app)
    assert len(events_of(app, shipment_id)) == 3
    assert emails(app) == mails


def test_deliveries_out_of_order_merge_into_one_history(hooks):
    app, client = hooks
    shipment_id = add_parcel(app)
    delivered = history_entry("DELIVERED", 26, None, "Delivered, in mailbox", "h4")
    deliver(client, track_updated([*JOURNEY, delivered]))
    deliver(client, track_updated(JOURNEY[:1]))  # an older state, arriving late
    work(app)

    assert [status for status, _, _ in events_of(app, shipment_id)] == [
        "info_received",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
    assert parcel(app, shipment_id)["stage"] == Stage.DELIVERED
    assert emails(app).count("delivered") == 1


def test_an_unknown_status_is_kept_as_unknown_with_its_raw_code(hooks):
    app, client = hooks
    shipment_id = add_parcel(app)
    odd = history_entry("TELEPORTED", 6, None, "<b>Beamed</b> to the depot", "h9")
    deliver(client, track_updated([*JOURNEY[:2], odd]))
    work(app)

    assert events_of(app, shipment_id)[-1] == ("unknown", "TELEPORTED", "webhook")
    with app.app_context():
        text = db.session.scalar(
            select(TrackingEvent.carrier_text).where(TrackingEvent.carrier_code == "TELEPORTED")
        )
    assert text == "<b>Beamed</b> to the depot"  # kept as the carrier wrote it; pages escape it


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing Shippo-Auth-Signature"),
        ({"Shippo-Auth-Signature": "t=1,v1=abc"}, "signature does not match"),
        ({"Shippo-Auth-Signature": "garbage"}, "missing timestamp"),
    ],
)
def test_a_missing_or_wrong_signature_is_refused_logged_and_not_kept(
    hooks, caplog, headers, reason
):
    app, client = hooks
    caplog.set_level(logging.WARNING, "webapp.webhooks")

    answer = deliver(client, track_updated(JOURNEY), headers=headers)

    assert answer.status_code == 401
    assert answer.content_type == "application/problem+json"
    assert reason in answer.json["detail"]
    assert deliveries(app) == []
    assert any("webhook refused provider=shippo" in line for line in caplog.messages)


def test_a_signature_for_another_body_is_refused(hooks):
    app, client = hooks
    other = track_updated(JOURNEY[:1])
    answer = deliver(
        client, track_updated(JOURNEY), headers={"Shippo-Auth-Signature": signature(other)}
    )
    assert answer.status_code == 401
    assert deliveries(app) == []


def test_a_replayed_shippo_delivery_with_an_old_timestamp_is_refused(hooks):
    app, client = hooks
    body = track_updated(JOURNEY)
    old = {"Shippo-Auth-Signature": signature(body, at=time.time() - 301)}

    answer = deliver(client, body, headers=old)

    assert answer.status_code == 401
    assert "too old" in answer.json["detail"]
    assert deliveries(app) == []


def test_truncated_json_wrong_type_and_a_huge_body_get_their_own_answers(hooks):
    app, client = hooks
    body = track_updated(JOURNEY)

    truncated = deliver(client, body[:-7])
    assert truncated.status_code == 400
    assert "not a complete JSON document" in truncated.json["detail"]

    as_form = deliver(client, body, content_type="application/x-www-form-urlencoded")
    assert as_form.status_code == 415

    huge = b'{"event": "track_updated", "pad": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    assert deliver(client, huge).status_code == 413
    assert deliveries(app) == []

    assert deliver(client, body).status_code == 200  # and the valid one still goes in


def test_a_provider_without_a_configured_secret_has_no_webhook(hooks, app_factory):
    _, client = hooks
    assert client.post("/webhooks/nowhere", json={}).status_code == 404
    assert client.post("/webhooks/sandbox", json={}).status_code == 404  # sends none
    unconfigured = app_factory().test_client()
    answer = unconfigured.post("/webhooks/shippo", json={})
    assert answer.status_code == 404
    assert answer.content_type == "application/problem+json"


def test_an_unknown_number_is_kept_as_unmatched_and_replayed_once_the_parcel_exists(hooks, staff):
    app, client = hooks
    deliver(client, track_updated(JOURNEY, number="9400100000000000000000"))
    work(app)
    [unmatched] = deliveries(app)
    assert unmatched.state == "unmatched"
    assert "9400100000000000000000" in unmatched.error

    sign_in(client, staff("agent"))
    listing = client.get("/admin/webhooks").get_data(as_text=True)
    assert f"delivery-{unmatched.id}" in listing
    assert "no parcel has the tracking number 9400100000000000000000" in listing
    assert f"Replay #{unmatched.id}" in listing

    overview = client.get("/admin").get_data(as_text=True)
    assert "1 webhook delivery needs staff" in overview

    shipment_id = add_parcel(app, number="9400100000000000000000")
    replayed = client.post(
        f"/admin/webhooks/{unmatched.id}/replay",
        data={"csrf_token": csrf_token(client, "/admin/webhooks")},
    )
    assert replayed.status_code == 303
    assert deliveries(app)[0].state == "pending"
    work(app)

    assert len(events_of(app, shipment_id)) == 3
    assert deliveries(app)[0].state == "processed"
    assert "webhook deliver" not in client.get("/admin").get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "webhook_replayed")
        ).one()
    assert entry == {"delivery": unmatched.id, "provider": "shippo", "was": "unmatched"}


def test_a_delivery_that_cannot_be_read_fails_with_its_reason_and_is_listed(hooks, staff):
    app, client = hooks
    document = json.loads(track_updated(JOURNEY))
    del document["data"]["tracking_number"]
    deliver(client, json.dumps(document).encode())
    work(app)

    [failed] = deliveries(app)
    assert failed.state == "failed"
    assert "names no tracking number" in failed.error
    sign_in(client, staff("viewer"))
    listing = client.get("/admin/webhooks?state=failed").get_data(as_text=True)
    assert "names no tracking number" in listing
    assert f"Replay #{failed.id}" not in listing  # viewers read, agents act
    refused = client.post(
        f"/admin/webhooks/{failed.id}/replay",
        data={"csrf_token": csrf_token(client, "/admin/webhooks")},
    )
    assert refused.status_code == 403


def test_a_recorded_delivery_is_not_replayed(hooks, staff):
    app, client = hooks
    add_parcel(app)
    deliver(client, track_updated(JOURNEY))
    work(app)
    [processed] = deliveries(app)
    sign_in(client, staff("agent"))
    answer = client.post(
        f"/admin/webhooks/{processed.id}/replay",
        data={"csrf_token": csrf_token(client, "/admin/webhooks"), "state": "processed"},
        follow_redirects=True,
    )
    assert "only unmatched or failed ones replay" in answer.get_data(as_text=True)
    assert deliveries(app)[0].state == "processed"


def test_a_recycled_number_is_matched_to_its_newest_parcel(hooks):
    app, client = hooks
    old = add_parcel(app, order_number="LL-1999")
    new = add_parcel(app, order_number="LL-2001")
    deliver(client, track_updated(JOURNEY))
    work(app)
    assert events_of(app, old) == []
    assert len(events_of(app, new)) == 3


def test_housekeeping_prunes_old_recorded_deliveries_and_keeps_the_unmatched(hooks):
    app, client = hooks
    add_parcel(app)
    deliver(client, track_updated(JOURNEY))
    deliver(client, track_updated(JOURNEY, number="9400100000000000000000"))
    work(app)
    with app.app_context():
        db.session.execute(
            WebhookDelivery.__table__.update().values(received_at=utcnow() - timedelta(days=31))
        )
        db.session.commit()

    assert prune_webhook_deliveries(app) == 1
    assert [delivery.state for delivery in deliveries(app)] == ["unmatched"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 3


def test_html_in_a_delivery_is_shown_to_staff_as_text(hooks, staff):
    app, client = hooks
    script = history_entry("TRANSIT", 5, None, "<script>alert('x')</script>", "h5")
    deliver(client, track_updated([script], number="9400100000000000000000"))
    work(app)
    sign_in(client, staff("viewer"))
    listing = client.get("/admin/webhooks").get_data(as_text=True)
    assert "<script>alert" not in listing
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in listing


def test_deliveries_are_counted_for_prometheus_by_what_became_of_them(hooks):
    _, client = hooks
    body = track_updated(JOURNEY)
    deliver(client, body)
    deliver(client, body)
    deliver(client, body, headers={})
    metrics = client.get("/metrics").get_data(as_text=True)
    for outcome in ("stored", "duplicate", "bad_signature"):
        assert f'mln_webhook_deliveries_total{{outcome="{outcome}",provider="shippo"}}' in metrics


def test_an_event_that_cannot_be_read_fails_the_delivery_and_the_rest_is_recorded(hooks):
    app, client = hooks
    shipment_id = add_parcel(app)
    timeless = {**JOURNEY[1], "status_date": "9999-12-31T23:30:00-01:00", "object_id": "h8"}
    deliver(client, track_updated([JOURNEY[0], timeless, JOURNEY[2]]))
    work(app)

    assert [status for status, _, _ in events_of(app, shipment_id)] == [
        "info_received",
        "out_for_delivery",
    ]
    [delivery] = deliveries(app)
    assert delivery.state == "failed"
    assert delivery.error == "1 event(s) in it could not be read; the others are recorded"


def test_nan_and_infinity_are_not_json(hooks):
    app, client = hooks
    for body in (b'{"event": "track_updated", "x": NaN}', b'{"x": 1e999}'):
        answer = deliver(client, body)
        assert answer.status_code == 400
        assert "NaN and Infinity are not JSON" in answer.json["detail"]
    assert deliveries(app) == []


def test_a_parcel_registered_after_its_webhook_picks_the_delivery_up(hooks):
    app, client = hooks
    number = "9400100000000000000000"
    deliver(client, track_updated(JOURNEY, number=number))
    deliver(client, track_updated(JOURNEY[:1], number="9400100000000000000017"))
    work(app)
    key = make_key(app)
    made = client.post(
        "/api/v1/orders",
        json={
            "number": "LL-3001",
            "email": "ada@example.com",
            "name": "Ada",
            "placed_at": BASE_TIME.isoformat(),
            "items": [{"sku": "S-1", "title": "Serum", "quantity": 1}],
        },
        headers=bearer(key),
    )
    assert made.status_code == 201
    registered = client.post(
        "/api/v1/orders/LL-3001/shipments",
        json={"tracking_number": number, "carrier": "usps"},
        headers=bearer(key),
    )
    assert registered.status_code == 201

    assert [d.state for d in deliveries(app)] == ["pending", "unmatched"]  # only its own
    work(app)
    assert [d.state for d in deliveries(app)] == ["processed", "unmatched"]
    with app.app_context():
        shipment_id = db.session.scalar(
            select(Shipment.id).where(Shipment.tracking_number == number)
        )
    assert len(events_of(app, shipment_id)) == 3


def test_a_parcel_corrected_to_the_number_picks_the_delivery_up(hooks, staff):
    app, client = hooks
    number = "9400100000000000000000"
    shipment_id = add_parcel(app, number="9400111111111111111111")
    deliver(client, track_updated(JOURNEY, number=number))
    work(app)
    sign_in(client, staff("agent"))
    corrected = client.post(
        f"/admin/orders/LL-2001/shipments/{shipment_id}/correction",
        data={
            "carrier": "usps",
            "tracking_number": number,
            "csrf_token": csrf_token(client, "/admin/orders/LL-2001"),
        },
    )
    assert corrected.status_code == 303
    work(app)
    assert deliveries(app)[0].state == "processed"
    assert len(events_of(app, shipment_id)) == 3


@pytest.fixture
def sqlite_hooks(sqlite_url):
    """Shippo's webhooks on SQLite, whose write lock is one per file, with a short busy timeout:
    a write that waits for another's lock fails within 0.2 s."""
    app = build_app(
        sqlite_url,
        SHIPPO_WEBHOOK_SECRET=SECRET,
        SQLITE_IMMEDIATE_TRANSACTIONS=True,
        SQLITE_BUSY_TIMEOUT_MS=200,
    )
    yield app, app.test_client()
    with app.app_context():
        empty_databases()


def sqlite_file(app, bind_key=None) -> str:
    with app.app_context():
        return db.engines[bind_key].url.database


def test_on_sqlite_a_delivery_is_stored_while_scans_are_being_recorded(sqlite_hooks):
    """The inbox is a file of its own: the write lock a worker holds while it records scans
    in the database is not the one the web's INSERT needs."""
    app, client = sqlite_hooks
    assert sqlite_file(app, INBOX) != sqlite_file(app)
    recording = sqlite3.connect(sqlite_file(app), isolation_level=None)
    recording.execute("BEGIN IMMEDIATE")  # as the worker's transactions begin
    try:
        answer = deliver(client, track_updated(JOURNEY))
    finally:
        recording.execute("ROLLBACK")
        recording.close()
    assert (answer.status_code, answer.json["status"]) == (200, "stored")


def test_on_sqlite_the_worker_holds_no_inbox_lock_while_it_records(sqlite_hooks):
    """The worker reads a delivery, records it and writes back how it went in transactions of
    their own, so the inbox stays open to the web for the whole of the recording."""
    app, client = sqlite_hooks
    shipment_id = add_parcel(app)
    deliver(client, track_updated(JOURNEY))
    inbox_writable = []

    def try_the_inbox(_connection, _cursor, statement, *_args) -> None:
        if statement.startswith("INSERT INTO tracking_events"):
            other = sqlite3.connect(sqlite_file(app, INBOX), isolation_level=None, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                inbox_writable.append(True)
            except sqlite3.OperationalError:
                inbox_writable.append(False)
            finally:
                other.close()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", try_the_inbox)
    try:
        assert work(app) == 1
    finally:
        event.remove(engine, "after_cursor_execute", try_the_inbox)
    assert set(inbox_writable) == {True}  # checked at least once, and never locked
    assert len(events_of(app, shipment_id)) == 3
    assert deliveries(app)[0].state == "processed"


def test_a_worker_whose_lease_ran_out_leaves_the_delivery_to_the_one_that_took_it(hooks):
    """A slow worker's lease ran out and another took the delivery: the first may record it too
    (which adds nothing twice), but it does not write its outcome over the new holder's lease."""
    app, client = hooks
    shipment_id = add_parcel(app)
    deliver(client, track_updated(JOURNEY))
    slow = Inbox(app, "slow-worker")
    with app.app_context():
        [claimed] = slow.claim()
        db.session.execute(update(WebhookDelivery).values(lease_owner="other-worker"))
        db.session.commit()
    with app.app_context():
        slow.process(claimed)
    [delivery] = deliveries(app)
    assert (delivery.state, delivery.lease_owner, delivery.attempts) == (
        "pending",
        "other-worker",
        0,
    )
    assert len(events_of(app, shipment_id)) == 3
