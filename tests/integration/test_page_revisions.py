"""A tracking page is rendered once per change to its order, and never shown stale."""

import gzip

import brotli
import pytest
from sqlalchemy import select

from tests.support import add_shipment, scan
from webapp.extensions import db
from webapp.ingest import record_scans
from webapp.models import Order, OrderItem
from webapp.track.encodings import zstd
from webapp.tracking.statuses import Status as S


@pytest.fixture
def order(app, make_order):
    token = make_order(shipments=[[(S.INFO_RECEIVED, 1)]])
    with app.app_context():
        yield db.session.scalar(select(Order).where(Order.token == token))


def bumps_revision(change, order) -> bool:
    """Whether committing the change moves the order to a new revision (flushes may add several)."""
    before = order.revision
    change()
    db.session.commit()
    return order.revision > before


def test_new_scans_count_as_a_change(order):
    shipment = order.shipments[0]
    assert bumps_revision(lambda: record_scans(shipment, [scan(S.IN_TRANSIT, 5)]), order)


def test_a_scan_seen_before_is_no_change(order):
    shipment = order.shipments[0]
    assert not bumps_revision(lambda: record_scans(shipment, [scan(S.INFO_RECEIVED, 1)]), order)


@pytest.mark.parametrize(
    "change",
    [
        lambda order: setattr(order.shipments[0], "last_checked_at", order.placed_at),
        lambda order: setattr(order.items[0], "quantity", 3),
        lambda order: order.items.append(OrderItem(sku="LL-LIP-09", title="Lip balm")),
        lambda order: add_shipment(order, [(S.INFO_RECEIVED, 2)]),
        lambda order: setattr(order, "name", "Ada King"),
    ],
    ids=["checked", "quantity", "new item", "new shipment", "order"],
)
def test_every_change_to_what_the_page_shows_counts(order, change):
    assert bumps_revision(lambda: change(order), order)


def test_page_shows_a_new_scan_after_being_cached(app, client, order):
    """With no freshness window (tests set none), the next view after a scan shows it."""
    url = f"/t/{order.token}"
    assert b"Arrived at the depot" not in client.get(url).data
    record_scans(order.shipments[0], [scan(S.IN_TRANSIT, 5, "Arrived at the depot")])
    db.session.commit()
    assert b"Arrived at the depot" in client.get(url).data


def test_rotated_token_is_refused_even_when_its_page_is_cached(client, order):
    old = order.token
    assert client.get(f"/t/{old}").status_code == 200
    order.rotate_token()
    db.session.commit()
    assert client.get(f"/t/{old}").status_code == 404


def test_within_the_freshness_window_the_database_is_not_asked(app_factory, order):
    client = app_factory(PAGE_FRESH_SECONDS=60).test_client()
    url = f"/t/{order.token}"
    client.get(url)
    record_scans(order.shipments[0], [scan(S.IN_TRANSIT, 5, "Arrived at the depot")])
    db.session.commit()
    assert b"Arrived at the depot" not in client.get(url).data


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
def test_page_is_sent_compressed_once_in_the_encoding_asked_for(client, order, encoding):
    response = client.get(f"/t/{order.token}", headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert response.headers["Vary"] == "Accept-Encoding"
    plain = client.get(f"/t/{order.token}", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert decode(encoding, response.data) == plain.data


def test_browser_preference_order_is_honoured(client, order):
    headers = {"Accept-Encoding": "gzip;q=1.0, br;q=0.5"}
    assert client.get(f"/t/{order.token}", headers=headers).headers["Content-Encoding"] == "gzip"


def decode(encoding: str, data: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "br":
        return brotli.decompress(data)
    return zstd.decompress(data)


def test_an_order_reusing_a_deleted_orders_id_gets_its_own_page(app, client, make_order):
    """SQLite hands a deleted order's id to the next one; the cache must not mix them up."""
    first = make_order(number="LL-1")
    assert b"Order LL-1" in client.get(f"/t/{first}").data
    with app.app_context():
        db.session.delete(db.session.scalar(select(Order).where(Order.token == first)))
        db.session.commit()
    second = make_order(number="LL-2")
    assert b"Order LL-2" in client.get(f"/t/{second}").data
