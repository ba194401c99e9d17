"""The tracking page's WebSocket, served by gunicorn, fed by commits from another process."""

from __future__ import annotations

import base64
import json
import secrets
import socket
from dataclasses import dataclass

import pytest
import requests
from flask import Flask
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.processes import start_web, stop
from tests.support import BASE_TIME, add_shipment, build_app, scan
from webapp import ingest
from webapp.database import close_connections
from webapp.extensions import db
from webapp.models import Order, OrderItem
from webapp.tracking.statuses import Status as S

EMBED_ORIGIN = "https://shop.example"
QUIET_SECONDS = 0.5


@dataclass(frozen=True)
class Web:
    app: Flask
    url: str

    def socket_url(self, token: str) -> str:
        return f"ws://{self.url.removeprefix('http://')}/t/{token}/live"

    def open(self, token: str, origin: str | None = "own") -> ClientConnection:
        """Connect as a browser would: offering compression, sending our own Origin."""
        origin = self.url if origin == "own" else origin
        return connect(self.socket_url(token), origin=origin, open_timeout=10)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def web(request, tmp_path_factory):
    """gunicorn on its own database, and an app on the same database to write with."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_databases")()
    app = build_app(url)
    env = {
        "MLN_SQLALCHEMY_DATABASE_URI": url,
        "MLN_SECRET_KEY": "live-tests",
        "MLN_LIVE_POLL_SECONDS": "0.05",
        "MLN_EMBED_ORIGINS": json.dumps([EMBED_ORIGIN]),
        "MLN_LIVE_QUEUE_FRAMES": "4",
        "MLN_LIVE_PING_SECONDS": "1",
    }
    process, base = start_web(env)
    yield Web(app, base)
    stop(process)
    with app.app_context():
        close_connections()


@pytest.fixture
def order(web):
    """A fresh order in transit; its id and token."""
    with web.app.app_context():
        order = Order(
            number=f"LL-{secrets.token_hex(4)}",
            email="ada@example.com",
            name="Ada",
            placed_at=BASE_TIME,
            items=[OrderItem(sku="LL-SER-01", title="Vitamin C Serum")],
        )
        db.session.add(order)
        add_shipment(order, [(S.INFO_RECEIVED, 1), (S.IN_TRANSIT, 5)])
        db.session.commit()
        return order.id, order.token


def next_with(socket: ClientConnection, text: str) -> str:
    """The next message that contains the text; the order's own creation may come first."""
    while text not in (message := socket.recv(timeout=10)):
        pass
    return message


def record(web, order_id: int, *scans) -> None:
    with web.app.app_context():
        shipment = db.session.get(Order, order_id).shipments[0]
        ingest.record_scans(shipment, scans)
        db.session.commit()


def test_a_socket_first_gets_a_snapshot_without_compression(web, order):
    _, token = order
    with web.open(token) as socket:
        snapshot = socket.recv(timeout=10)
        assert socket.response.headers.get("Sec-WebSocket-Extensions") is None
    assert snapshot.startswith('<hx-partial hx-target="#order-shipments" hx-swap="outerHTML">')
    assert 'id="order-shipments"' in snapshot
    assert 'aria-current="step"' in snapshot
    assert "#live-status" not in snapshot, "a snapshot announces nothing"


def test_a_recorded_scan_reaches_every_socket_on_the_order(web, order):
    order_id, token = order
    with web.open(token) as first, web.open(token) as second:
        first.recv(timeout=10)
        second.recv(timeout=10)
        record(web, order_id, scan(S.OUT_FOR_DELIVERY, 30, "With the courier <b>today</b>"))
        pushed = next_with(first, "With the courier")
        assert next_with(second, "With the courier") == pushed
    assert "With the courier &lt;b&gt;today&lt;/b&gt;" in pushed
    assert "<b>today" not in pushed
    assert '<hx-partial hx-target="#live-status" hx-swap="innerHTML">' in pushed
    assert "Your parcel: Out for delivery." in pushed


def test_a_delay_is_announced_with_its_reason(web, order):
    order_id, token = order
    with web.open(token) as socket:
        socket.recv(timeout=10)
        record(web, order_id, scan(S.EXCEPTION, 30, "Storm Bert", reason="weather"))
        pushed = next_with(socket, "Storm Bert")
    assert "Your parcel: Bad weather is delaying your parcel.</hx-partial>" in pushed


def test_a_scan_on_another_order_is_not_sent(web, order):
    other_id, _ = order
    with web.app.app_context():
        watched = Order(
            number=f"LL-{secrets.token_hex(4)}",
            email="b@example.com",
            name="B",
            placed_at=BASE_TIME,
        )
        db.session.add(watched)
        add_shipment(watched, [(S.INFO_RECEIVED, 1)])
        db.session.commit()
        token = watched.token
    with web.open(token) as socket:
        socket.recv(timeout=10)
        record(web, other_id, scan(S.OUT_FOR_DELIVERY, 30, "On the other order's van"))
        received = list(until_quiet(socket))
    assert not any("other order" in message for message in received)


def until_quiet(socket: ClientConnection):
    """Messages until none has come for a moment."""
    while True:
        try:
            yield socket.recv(timeout=QUIET_SECONDS)
        except TimeoutError:
            return


def test_a_reconnect_gets_the_state_it_missed(web, order):
    order_id, token = order
    with web.open(token) as socket:
        socket.recv(timeout=10)
    record(web, order_id, scan(S.OUT_FOR_DELIVERY, 30, "Loaded on the van"))
    with web.open(token) as socket:
        assert "Loaded on the van" in socket.recv(timeout=10)


def test_a_foreign_origin_is_refused_before_the_upgrade(web, order):
    _, token = order
    with pytest.raises(InvalidStatus) as refused:
        web.open(token, origin="https://evil.example")
    assert refused.value.response.status_code == 403


def test_a_configured_embed_origin_may_connect(web, order):
    _, token = order
    with web.open(token, origin=EMBED_ORIGIN) as socket:
        assert socket.recv(timeout=10)


def test_an_unknown_token_is_refused(web):
    with pytest.raises(InvalidStatus) as refused:
        web.open("x" * 32)
    assert refused.value.response.status_code == 404


def test_a_rotated_token_closes_its_sockets(web, order):
    order_id, token = order
    with web.open(token) as socket:
        socket.recv(timeout=10)
        with web.app.app_context():
            ingest.revoke_link(db.session.get(Order, order_id))
            db.session.commit()
        with pytest.raises(ConnectionClosed) as closed:
            next_with(socket, "a message after the close")
    assert closed.value.rcvd.code == 4001
    with pytest.raises(InvalidStatus):
        web.open(token)


def test_metrics_count_open_sockets_and_push_latency(web, order):
    order_id, token = order
    with web.open(token) as socket:
        socket.recv(timeout=10)
        record(web, order_id, scan(S.OUT_FOR_DELIVERY, 30, "Metered"))
        next_with(socket, "Metered")
        metrics = requests.get(f"{web.url}/metrics", timeout=10).text
    assert "mln_open_sockets 1.0" in metrics
    assert "mln_push_latency_seconds_count" in metrics
    assert 'mln_push_latency_seconds_bucket{le="+Inf"} 0.0' not in metrics


def test_a_socket_that_stops_reading_is_cut_off_and_holds_up_no_one(web, order):
    order_id, token = order
    stalled = raw_socket(web, token)  # and never read from
    with web.open(token) as reader:
        reader.recv(timeout=10)
        for hour in range(30, 330):
            record(web, order_id, scan(S.IN_TRANSIT, hour, f"Hub scan {hour} " + "x" * 480))
            if "mln_live_slow_sockets_total 1.0" in metric_lines(web):
                break
        else:
            pytest.fail("the stalled socket was never cut off")
        assert f"Hub scan {hour} " in next_with(reader, f"Hub scan {hour} ")
        assert "mln_open_sockets 1.0" in metric_lines(web)
    stalled.close()


def test_an_idle_socket_is_pinged(web, order):
    _, token = order
    with raw_socket(web, token) as client:
        client.settimeout(10)
        received = b""
        while b"\x89\x00" not in received:  # an unmasked ping frame with no payload
            received += client.recv(65536)


def raw_socket(web, token: str) -> socket.socket:
    """A bare WebSocket client, just past the handshake, with a small receive buffer."""
    host, port = web.url.removeprefix("http://").split(":")
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect((host, int(port)))
    key = base64.b64encode(secrets.token_bytes(16)).decode()
    client.sendall(
        f"GET /t/{token}/live HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {web.url}\r\n\r\n".encode()
    )
    assert client.recv(12) == b"HTTP/1.1 101"
    return client


def metric_lines(web) -> str:
    return requests.get(f"{web.url}/metrics", timeout=10).text
