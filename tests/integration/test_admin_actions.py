"""What agents do to an order on its staff page: each action, its audit entry, its limits."""

from __future__ import annotations

import base64
import html
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from socket import create_connection

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.processes import start_web, start_worker, stop, wait_for
from tests.support import (
    BASE_TIME,
    STAFF_PASSWORD,
    add_shipment,
    build_app,
    csrf_token,
    scan,
    sign_in,
)
from webapp import ingest
from webapp.admin import actions
from webapp.admin.accounts import Staff, create_user
from webapp.database import close_connections
from webapp.extensions import db
from webapp.models import (
    AuditEntry,
    LiveEvent,
    Note,
    Order,
    Shipment,
    TrackingEvent,
    utcnow,
)
from webapp.tracking.stages import Stage
from webapp.tracking.statuses import Status

NUMBER = "LL-3001"
DETAIL = f"/admin/orders/{NUMBER}"


@pytest.fixture
def parcel(app, make_order) -> int:
    """An order on its way with one Royal Mail parcel, backed off after failed checks; its id."""
    make_order(number=NUMBER, name="Grace <b>Hopper</b>")
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == NUMBER))
        shipment = add_shipment(
            order,
            [(Status.INFO_RECEIVED, 1), (Status.IN_TRANSIT, 5, "Arrived at <i>hub</i>")],
            number="RB000000042GB",
            failures=3,
            next_check_at=utcnow() + timedelta(hours=2),
        )
        db.session.commit()
        return shipment.id


def action_paths(shipment_id: int) -> dict[str, str]:
    parcel = f"{DETAIL}/shipments/{shipment_id}"
    return {
        "note": f"{DETAIL}/notes",
        "link": f"{DETAIL}/link",
        "check": f"{parcel}/check",
        "status": f"{parcel}/status",
        "correction": f"{parcel}/correction",
    }


VALID = {
    "note": {"body": "Customer rang"},
    "link": {},
    "check": {},
    "status": {"status": "delivered", "reason": "Customer confirmed delivery by phone"},
    "correction": {"carrier": "dpd", "tracking_number": "15501234567890"},
}


def act(client, path: str, **data):
    """Post to an action with the CSRF token of the signed-in session."""
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin"), **data})


@pytest.fixture
def agent(client, staff):
    sign_in(client, staff("agent"))
    return client


def snapshot(app, shipment_id: int) -> dict:
    """What an action may change, to show a refused one changed nothing."""
    with app.app_context():
        shipment = db.session.get(Shipment, shipment_id)
        order = shipment.order
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        return {
            "token": order.token,
            "revision": order.revision,
            "shipment": (shipment.carrier, shipment.tracking_number, shipment.status),
            "due": (shipment.next_check_at, shipment.failures),
            "counts": [count(model) for model in (Note, AuditEntry, TrackingEvent, LiveEvent)],
        }


def audit_entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        db.session.expunge_all()
        return entries


def shipment_row(app, shipment_id: int) -> Shipment:
    with app.app_context():
        shipment = db.session.get(Shipment, shipment_id)
        db.session.expunge(shipment)
        return shipment


def revision(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Order.revision).where(Order.number == NUMBER))


def live_kinds(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(LiveEvent.kind).order_by(LiveEvent.seq)).all()


# Notes


def test_an_agent_adds_notes_shown_newest_first_with_author_and_time(app, agent, parcel):
    first = act(agent, f"{DETAIL}/notes", body="  Customer rang about the delay  ")
    assert first.status_code == 303
    assert first.headers["Location"] == f"{DETAIL}#notes"
    act(agent, f"{DETAIL}/notes", body="Called back:\r\nleft a message")
    page = agent.get(DETAIL).get_data(as_text=True)
    assert "Note added." in page
    notes = page[page.index('id="notes"') :]
    assert notes.index("Called back:\nleft a message") < notes.index("Customer rang about")
    assert '<span class="note-author">agent@example.com</span>' in notes
    assert "<time datetime=" in notes
    with app.app_context():
        stored = db.session.scalars(select(Note.body).order_by(Note.id)).all()
    assert stored == ["Customer rang about the delay", "Called back:\nleft a message"]
    entry = audit_entries(app, "note_added")[0]
    assert entry.actor_email == "agent@example.com"
    assert entry.detail["text"] == "Customer rang about the delay"


def test_html_in_a_note_and_in_the_customers_name_is_escaped(app, agent, parcel):
    act(agent, f"{DETAIL}/notes", body='<script>alert("x")</script> <b>bold</b>')
    page = agent.get(DETAIL).get_data(as_text=True)
    assert "Grace &lt;b&gt;Hopper&lt;/b&gt;" in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "<script>alert" not in page
    assert "<b>bold" not in page


def test_control_characters_never_reach_the_database(app, agent, parcel):
    act(agent, f"{DETAIL}/notes", body="Rang\x00 twice\x1b\tthen\nwrote")
    act(
        agent,
        f"{DETAIL}/shipments/{parcel}/status",
        status="delivered",
        reason="Signed\x00 by\r\nneighbour",
    )
    with app.app_context():
        assert db.session.scalar(select(Note.body)) == "Rang twice\tthen\nwrote"
    assert audit_entries(app, "status_overridden")[0].detail["reason"] == "Signed by neighbour"


def test_a_note_is_for_staff_and_leaves_the_customers_page_alone(app, agent, parcel):
    before = revision(app)
    act(agent, f"{DETAIL}/notes", body="Private remark")
    assert revision(app) == before
    token = snapshot(app, parcel)["token"]
    assert "Private remark" not in agent.get(f"/t/{token}").get_data(as_text=True)


# Checking now


def test_check_now_makes_the_parcel_due_at_once_without_its_back_off(app, agent, parcel):
    before = revision(app)
    response = act(agent, f"{DETAIL}/shipments/{parcel}/check")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{DETAIL}#shipment-{parcel}"
    shipment = shipment_row(app, parcel)
    assert shipment.next_check_at <= utcnow()
    assert shipment.failures == 0
    assert revision(app) > before, "the customer's page shows when we check next"
    assert live_kinds(app)[-1] == "update"
    (entry,) = audit_entries(app, "check_requested")
    assert entry.detail["tracking_number"] == "RB000000042GB"
    assert entry.detail["failures"] == 3
    assert entry.detail["was_due"] is not None
    assert "RB000000042GB is checked with the carrier now." in agent.get(DETAIL).get_data(
        as_text=True
    )


# Overriding the status


def test_an_override_moves_the_customers_page_and_keeps_the_reason_for_staff(app, agent, parcel):
    token = snapshot(app, parcel)["token"]
    before = revision(app)
    reason = "Customer confirmed <delivery> by phone"
    response = act(
        agent, f"{DETAIL}/shipments/{parcel}/status", status="delivered", reason=f"  {reason} "
    )
    assert response.status_code == 303
    shipment = shipment_row(app, parcel)
    assert (shipment.status, shipment.stage) == ("delivered", Stage.DELIVERED)
    assert revision(app) > before
    assert live_kinds(app)[-1] == "stage"
    with app.app_context():
        manual = db.session.scalars(
            select(TrackingEvent).where(TrackingEvent.source == "manual")
        ).one()
        assert manual.status == "delivered"
        assert manual.carrier_text == ""
    (entry,) = audit_entries(app, "status_overridden")
    assert entry.detail["reason"] == reason
    assert entry.detail["status"] == "delivered"
    assert entry.detail["event"] == manual.dedupe_key

    customer = agent.get(f"/t/{token}").get_data(as_text=True)
    assert re.search(r'aria-current="step"[^>]*>.*?Delivered', customer, re.S)
    assert "by phone" not in customer
    staff_page = agent.get(DETAIL).get_data(as_text=True)
    assert "Customer confirmed &lt;delivery&gt; by phone" in staff_page
    assert 'manual<span class="override-by"> by agent@example.com</span>' in staff_page


def test_an_override_counts_even_when_a_carrier_dated_its_last_scan_in_our_future(
    app, agent, parcel
):
    with app.app_context():
        shipment = db.session.get(Shipment, parcel)
        ahead = (utcnow() - BASE_TIME).total_seconds() / 3600 + 2
        ingest.record_scans(shipment, [scan(Status.IN_TRANSIT, ahead, "Clock two hours fast")])
        db.session.commit()
    act(
        agent,
        f"{DETAIL}/shipments/{parcel}/status",
        status="failed_attempt",
        reason="Driver rang: nobody home",
    )
    assert shipment_row(app, parcel).status == "failed_attempt"


def test_an_override_to_a_delivery_problem_says_what_kind(app, agent, parcel):
    act(
        agent,
        f"{DETAIL}/shipments/{parcel}/status",
        status="exception",
        problem="address",
        reason="Carrier rang: no such house",
    )
    shipment = shipment_row(app, parcel)
    assert (shipment.status, shipment.exception_reason) == ("exception", "address")
    token = snapshot(app, parcel)["token"]
    page = agent.get(f"/t/{token}").get_data(as_text=True)
    assert "The carrier has a problem with the delivery address." in page


# Correcting the carrier or number


def test_a_correction_clears_the_old_numbers_scans_and_checks_the_new_one_now(app, agent, parcel):
    with app.app_context():
        shipment = db.session.get(Shipment, parcel)
        shipment.eta_date, shipment.eta_source = BASE_TIME.date(), "carrier"
        shipment.lease_owner = "worker-1"
        shipment.lease_expires_at = utcnow() + timedelta(minutes=2)
        db.session.commit()
    token = snapshot(app, parcel)["token"]
    before = revision(app)
    response = act(
        agent,
        f"{DETAIL}/shipments/{parcel}/correction",
        carrier="dpd",
        tracking_number=" 1550 1234 5678 90 ",
    )
    assert response.status_code == 303
    shipment = shipment_row(app, parcel)
    assert (shipment.carrier, shipment.tracking_number) == ("dpd", "15501234567890")
    assert (shipment.stage, shipment.status, shipment.last_scan_at) == (0, "pending", None)
    assert shipment.next_check_at <= utcnow()
    assert shipment.failures == 0
    assert shipment.eta is None, "the old number's estimate"
    assert shipment.lease_owner is None, "a poll of the old number in flight is not recorded"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 0
    assert revision(app) > before
    assert live_kinds(app)[-1] == "update"
    (entry,) = audit_entries(app, "shipment_corrected")
    assert entry.detail["old"] == {"carrier": "royalmail", "tracking_number": "RB000000042GB"}
    assert entry.detail["new"] == {"carrier": "dpd", "tracking_number": "15501234567890"}
    assert entry.detail["scans_removed"] == 2

    customer = agent.get(f"/t/{token}").get_data(as_text=True)
    assert "15501234567890" in customer
    assert "hub" not in customer
    staff_page = agent.get(DETAIL).get_data(as_text=True)
    assert "Royal Mail RB000000042GB corrected to DPD 15501234567890" in staff_page


def test_only_the_carrier_can_be_corrected(app, agent, parcel):
    act(
        agent,
        f"{DETAIL}/shipments/{parcel}/correction",
        carrier="usps",
        tracking_number="RB000000042GB",
    )
    shipment = shipment_row(app, parcel)
    assert (shipment.carrier, shipment.tracking_number) == ("usps", "RB000000042GB")


def test_a_correction_to_another_parcels_number_of_the_order_is_refused(app, agent, parcel):
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == NUMBER))
        add_shipment(order, [(Status.INFO_RECEIVED, 1)], number="RB000000043GB")
        db.session.commit()
    before = snapshot(app, parcel)
    response = act(
        agent,
        f"{DETAIL}/shipments/{parcel}/correction",
        carrier="royalmail",
        tracking_number="RB000000043GB",
    )
    assert response.status_code == 422
    assert "Another parcel of this order has that tracking number." in response.get_data(
        as_text=True
    )
    assert snapshot(app, parcel) == before


# Rotating the tracking link


def test_a_new_link_makes_the_old_one_a_404(app, agent, parcel):
    old = snapshot(app, parcel)["token"]
    assert agent.get(f"/t/{old}").status_code == 200
    response = act(agent, f"{DETAIL}/link")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{DETAIL}#link"
    new = snapshot(app, parcel)["token"]
    assert new != old
    assert agent.get(f"/t/{old}").status_code == 404
    assert agent.get(f"/t/{new}").status_code == 200
    assert live_kinds(app)[-1] == "token"
    (entry,) = audit_entries(app, "link_rotated")
    assert old not in str(entry.detail)
    assert new not in str(entry.detail)
    assert f"/t/{new}" in agent.get(DETAIL).get_data(as_text=True)


def test_the_trail_shows_each_action_in_words(app, agent, parcel):
    for name, data in VALID.items():
        act(agent, action_paths(parcel)[name], **data)
    trail = agent.get(DETAIL).get_data(as_text=True).split('id="order-trail"')[1]
    for action in (
        "note added",
        "link rotated",
        "check requested",
        "status overridden",
        "shipment corrected",
    ):
        assert f"{action} by agent@example.com" in trail
    assert "RB000000042GB set to Delivered. Reason: Customer confirmed delivery by phone" in trail


# Refusals


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("note", {"body": "   "}, "Write something in the note first."),
        ("note", {"body": "x" * 2001}, "A note holds at most 2000 characters; this one has 2001."),
        ("status", {"status": "delivered", "reason": " "}, "Say why you are setting the status"),
        ("status", {"status": "teleported", "reason": "x"}, "Choose one of the statuses"),
        ("status", {"status": "unknown", "reason": "x"}, "Choose one of the statuses"),
        ("status", {"reason": "x"}, "Choose one of the statuses"),
        ("status", {"status": "delivered", "reason": "x" * 501}, "Keep the reason to 500"),
        (
            "status",
            {"status": "exception", "problem": "gremlins", "reason": "x"},
            "Choose one of the kinds of problem",
        ),
        ("correction", {"carrier": "acme", "tracking_number": "AB123456"}, "Choose one of the"),
        ("correction", {"tracking_number": "AB123456"}, "Choose one of the carriers"),
        ("correction", {"carrier": "dpd", "tracking_number": "<b>x"}, "4 to 64 letters"),
        ("correction", {"carrier": "dpd", "tracking_number": ""}, "4 to 64 letters"),
        (
            "correction",
            {"carrier": "royalmail", "tracking_number": "rb000000042gb"},
            "has that carrier and tracking number already",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(
    app, agent, parcel, name, data, message
):
    before = snapshot(app, parcel)
    response = act(agent, action_paths(parcel)[name], **data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'role="alert"' in page
    assert snapshot(app, parcel) == before


def test_a_refused_form_keeps_what_the_agent_typed(app, agent, parcel):
    typed = "<i>long</i> " + "x" * 2000
    page = act(agent, f"{DETAIL}/notes", body=typed).get_data(as_text=True)
    assert "&lt;i&gt;long&lt;/i&gt; " + "x" * 2000 + "</textarea>" in page
    page = act(
        agent, f"{DETAIL}/shipments/{parcel}/status", status="returned_to_sender", reason=""
    ).get_data(as_text=True)
    assert re.search(r"<details class=\"action\" open>\s*<summary>Override the status", page)
    assert '<option value="returned_to_sender" selected>' in page


def test_an_unknown_order_or_another_orders_parcel_is_a_404(app, agent, parcel, make_order):
    make_order(number="LL-3002", shipments=[[(Status.IN_TRANSIT, 1)]])
    assert act(agent, "/admin/orders/LL-404/notes", body="Hello").status_code == 404
    other = f"/admin/orders/LL-3002/shipments/{parcel}/check"
    before = snapshot(app, parcel)
    assert act(agent, other).status_code == 404
    assert act(agent, f"{DETAIL}/shipments/999999/status", **VALID["status"]).status_code == 404
    assert snapshot(app, parcel) == before


@pytest.mark.parametrize("name", list(VALID))
def test_a_viewer_may_look_but_not_act(app, client, staff, parcel, name):
    sign_in(client, staff("viewer"))
    before = snapshot(app, parcel)
    assert act(client, action_paths(parcel)[name], **VALID[name]).status_code == 403
    assert snapshot(app, parcel) == before


def test_a_viewer_sees_the_page_without_the_action_forms(client, staff, parcel):
    sign_in(client, staff("viewer"))
    page = client.get(DETAIL).get_data(as_text=True)
    assert "<form" in page  # the sign-out button
    for path in action_paths(parcel).values():
        assert f'action="{path}"' not in page


def test_an_agent_sees_every_action_form(agent, parcel):
    page = agent.get(DETAIL).get_data(as_text=True)
    for path in action_paths(parcel).values():
        assert f'action="{path}"' in page


@pytest.mark.parametrize("name", list(VALID))
@pytest.mark.parametrize("token", [None, "forged"])
def test_an_action_without_the_csrf_token_is_refused(app, agent, parcel, name, token):
    before = snapshot(app, parcel)
    data = VALID[name] if token is None else {**VALID[name], "csrf_token": token}
    assert agent.post(action_paths(parcel)[name], data=data).status_code == 400
    assert snapshot(app, parcel) == before


def test_an_action_takes_the_csrf_token_from_the_htmx_header(app, agent, parcel):
    page = agent.get(DETAIL).get_data(as_text=True)
    headers = json.loads(html.unescape(re.search(r"hx-headers:inherited='([^']+)'", page)[1]))
    response = agent.post(f"{DETAIL}/notes", data=VALID["note"], headers=headers)
    assert response.status_code == 303


def test_actions_need_a_signed_in_member_of_staff(client, parcel):
    assert client.post(f"{DETAIL}/notes", data=VALID["note"]).status_code == 400
    token = csrf_token(client)
    response = client.post(f"{DETAIL}/notes", data={**VALID["note"], "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")


# The worker


def test_the_worker_checks_a_parcel_at_once_when_asked(
    app, agent, database_url, sandbox_carrier, tmp_path
):
    from tests.integration.test_worker import add_due_shipment, sandbox_number
    from tests.integration.test_worker_processes import worker_env

    control = add_due_shipment(app, sandbox_number(2))
    waiting_number = sandbox_number(2)
    waiting = add_due_shipment(app, waiting_number)
    with app.app_context():
        shipment = db.session.get(Shipment, waiting)
        shipment.next_check_at, shipment.failures = utcnow() + timedelta(hours=6), 5
        db.session.commit()
    worker = start_worker(
        worker_env(database_url, sandbox_carrier, "worker-1"), tmp_path / "worker.log"
    )
    try:
        wait_for(lambda: shipment_row(app, control).last_checked_at, "the due parcel's check")
        assert shipment_row(app, waiting).last_checked_at is None, "backed off: not checked"

        path = f"/admin/orders/LL-{waiting_number}/shipments/{waiting}/check"
        assert act(agent, path).status_code == 303
        checked = wait_for(lambda: shipment_row(app, waiting).last_checked_at, "the asked check")
    finally:
        assert stop(worker) == 0
    shipment = shipment_row(app, waiting)
    assert shipment.failures == 0
    assert shipment.status == Status.INFO_RECEIVED
    assert checked >= audit_entries(app, "check_requested")[0].at


# The page's socket


@dataclass(frozen=True)
class Web:
    """gunicorn serving the app, an app on the same database to write with, a viewer's cookie."""

    app: Flask
    url: str
    cookie: str

    def open(self, number: str, origin: str | None = "own", cookie: str | None = "own"):
        headers = {"Cookie": f"session={self.cookie if cookie == 'own' else cookie}"}
        return connect(
            f"ws://{self.url.removeprefix('http://')}/admin/orders/{number}/live",
            origin=self.url if origin == "own" else origin,
            additional_headers=headers if cookie else {},
            open_timeout=10,
        )

    def handshake(self, number: str, origin: str | None = "own", cookie: str | None = "own"):
        """The status of the answer to an upgrade request (a client library follows redirects)."""
        with self.raw(number, origin, cookie) as client:
            return int(client.recv(12).split()[1])

    def raw(self, number: str, origin: str | None = "own", cookie: str | None = "own"):
        """A bare client that has sent the upgrade request and reads what comes back."""
        host, port = self.url.removeprefix("http://").split(":")
        lines = [
            f"GET /admin/orders/{number}/live HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {base64.b64encode(secrets.token_bytes(16)).decode()}",
            "Sec-WebSocket-Version: 13",
        ]
        if origin:
            lines.append(f"Origin: {self.url if origin == 'own' else origin}")
        if cookie:
            lines.append(f"Cookie: session={self.cookie if cookie == 'own' else cookie}")
        client = create_connection((host, int(port)), timeout=10)
        client.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return client


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def web(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('admin-live') / 'live.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_databases")()
    app = build_app(url)
    with app.app_context():
        create_user("viewer@example.com", STAFF_PASSWORD, "viewer")
        db.session.commit()
    env = {
        "MLN_SQLALCHEMY_DATABASE_URI": url,
        "MLN_SECRET_KEY": "admin-live-tests",
        "MLN_LIVE_POLL_SECONDS": "0.05",
        "MLN_LIVE_PING_SECONDS": "1",
    }
    process, base = start_web(env)
    yield Web(app, base, browser_sign_in(base, "viewer@example.com"))
    stop(process)
    with app.app_context():
        close_connections()


def browser_sign_in(base: str, email: str) -> str:
    """Sign in over HTTP as a browser would; the session cookie."""
    browser = requests.Session()
    page = browser.get(f"{base}/admin/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = {"email": email, "password": STAFF_PASSWORD, "csrf_token": token}
    assert browser.post(f"{base}/admin/login", data=data, timeout=10).ok
    return browser.cookies["session"]


@pytest.fixture
def watched(web) -> tuple[str, int]:
    """A fresh order in transit on the served database; its number and its parcel's id."""
    number = f"LL-{secrets.token_hex(4).upper()}"
    with web.app.app_context():
        order = Order(number=number, email="ada@example.com", name="Ada", placed_at=BASE_TIME)
        db.session.add(order)
        shipment = add_shipment(order, [(Status.INFO_RECEIVED, 1), (Status.IN_TRANSIT, 5)])
        db.session.commit()
        return number, shipment.id


def next_with(socket: ClientConnection, text: str) -> str:
    while text not in (message := socket.recv(timeout=10)):
        pass
    return message


def write(web, number: str, change) -> None:
    with web.app.test_request_context():
        change(db.session.scalar(select(Order).where(Order.number == number)))
        db.session.commit()


def test_the_staff_socket_sends_the_order_then_every_new_scan(web, watched):
    number, shipment_id = watched
    with web.open(number) as socket:
        first = socket.recv(timeout=10)
        swap = f'<hx-partial hx-target="#order-shipment-{shipment_id}" hx-swap="outerHTML">'
        assert swap in first
        assert f'id="order-shipment-{shipment_id}"' in first
        assert '<hx-partial hx-target="#order-trail" hx-swap="outerHTML">' in first
        assert "In transit" in first
        scan_text = "Out with <b>Sam</b>"
        write(
            web,
            number,
            lambda order: ingest.record_scans(
                order.shipments[0], [scan(Status.OUT_FOR_DELIVERY, 9, scan_text)]
            ),
        )
        pushed = next_with(socket, "Out with")
    assert "Out with &lt;b&gt;Sam&lt;/b&gt;" in pushed
    assert "<b>Sam" not in pushed


def test_a_new_tracking_link_keeps_the_staff_socket_open_and_shows_the_link(web, watched):
    number, _ = watched
    with web.open(number) as socket:
        socket.recv(timeout=10)
        write(web, number, ingest.revoke_link)
        with web.app.app_context():
            token = db.session.scalar(select(Order.token).where(Order.number == number))
        assert f"/t/{token}" in next_with(socket, f"/t/{token}")
        write(
            web,
            number,
            lambda order: ingest.record_scans(
                order.shipments[0], [scan(Status.DELIVERED, 30, "Left in the porch")]
            ),
        )
        assert "Left in the porch" in next_with(socket, "Left in the porch")


def test_an_action_reaches_the_staff_socket_with_its_audit_entry(web, watched):
    number, _ = watched
    with web.open(number) as socket:
        socket.recv(timeout=10)
        staff = Staff(1, "agent@example.com", "agent", "unused")
        write(
            web,
            number,
            lambda order: actions.override_status(
                order.shipments[0], staff, "failed_attempt", "Driver could not park"
            ),
        )
        pushed = next_with(socket, "Driver could not park")
    assert "status overridden by agent@example.com" in pushed
    assert "Delivery attempted" in pushed


@pytest.mark.parametrize(
    ("origin", "cookie", "status"),
    [
        ("https://evil.example", "own", 403),
        (None, "own", 403),
        ("own", None, 302),
        ("own", "forged", 302),
    ],
)
def test_only_signed_in_staff_on_our_own_pages_may_open_the_socket(
    web, watched, origin, cookie, status
):
    assert web.handshake(watched[0], origin, cookie) == status


def test_an_unknown_order_has_no_socket(web):
    assert web.handshake("LL-404") == 404


def test_an_idle_staff_socket_is_pinged(web, watched):
    with web.raw(watched[0]) as client:
        received = b""
        while b"\x89\x00" not in received:  # an unmasked ping frame with no payload
            received += client.recv(65536)
    assert received.startswith(b"HTTP/1.1 101")


def test_signing_out_closes_the_staff_socket_at_the_next_change(web, watched):
    number, _ = watched
    cookie = browser_sign_in(web.url, "viewer@example.com")
    with web.open(number, cookie=cookie) as socket:
        socket.recv(timeout=10)
        browser = requests.Session()
        browser.cookies.set("session", cookie)
        page = browser.get(f"{web.url}/admin", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        browser.post(f"{web.url}/admin/logout", data={"csrf_token": token}, timeout=10)
        write(
            web,
            number,
            lambda order: ingest.record_scans(
                order.shipments[0], [scan(Status.OUT_FOR_DELIVERY, 9, "After sign-out")]
            ),
        )
        with pytest.raises(ConnectionClosed) as closed:
            next_with(socket, "After sign-out")
    assert closed.value.rcvd.code == 1008
