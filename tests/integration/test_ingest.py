"""The one write path: new scans stored once, the shipment recomputed from all of them."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.support import BASE_TIME, add_shipment, scan
from webapp.extensions import db
from webapp.ingest import record_batch, record_scans
from webapp.models import LiveEvent, Order, TrackingEvent
from webapp.tracking.stages import Stage
from webapp.tracking.statuses import Status as S


@pytest.fixture
def shipment(app, make_order):
    token = make_order()
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.token == token))
        shipment = add_shipment(order, [])
        db.session.commit()
        yield shipment


def event_count(shipment) -> int:
    query = select(func.count()).where(TrackingEvent.shipment_id == shipment.id)
    return db.session.scalar(query)


def test_scans_are_stored_and_the_shipment_recomputed(shipment):
    added = record_scans(shipment, [scan(S.INFO_RECEIVED, 1), scan(S.IN_TRANSIT, 5)])
    db.session.commit()
    assert len(added) == 2
    assert shipment.stage == Stage.IN_TRANSIT
    assert shipment.status == "in_transit"
    assert shipment.last_scan_at == scan(S.IN_TRANSIT, 5).occurred_at
    assert shipment.shipped_at == BASE_TIME.replace(hour=10)


def test_the_same_scan_twice_is_stored_once(shipment):
    record_scans(shipment, [scan(S.IN_TRANSIT, 5)])
    db.session.commit()
    again = record_scans(shipment, [scan(S.IN_TRANSIT, 5), scan(S.IN_TRANSIT, 5)])
    db.session.commit()
    assert again == []
    assert event_count(shipment) == 1


def test_a_late_scan_lands_in_its_place(shipment):
    record_scans(shipment, [scan(S.OUT_FOR_DELIVERY, 30)])
    record_scans(shipment, [scan(S.IN_TRANSIT, 5)])
    db.session.commit()
    assert shipment.stage == Stage.OUT_FOR_DELIVERY
    assert shipment.events[0].status == "out_for_delivery"


def test_exception_reason_is_kept(shipment):
    record_scans(shipment, [scan(S.IN_TRANSIT, 5), scan(S.EXCEPTION, 9, "Customs", "customs")])
    db.session.commit()
    assert (shipment.status, shipment.exception_reason) == ("exception", "customs")


def test_times_come_back_timezone_aware_utc(shipment):
    record_scans(shipment, [scan(S.IN_TRANSIT, 5)])
    db.session.commit()
    db.session.expire_all()
    assert shipment.events[0].occurred_at.utcoffset().total_seconds() == 0


def test_database_refuses_a_duplicate_dedupe_key(shipment):
    """Two workers racing past the in-memory check still cannot store one scan twice."""
    key = scan(S.IN_TRANSIT, 5).dedupe_key
    for _ in range(2):
        db.session.add(
            TrackingEvent(
                shipment_id=shipment.id,
                occurred_at=BASE_TIME,
                status="in_transit",
                dedupe_key=key,
            )
        )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_foreign_keys_are_enforced(app):
    with app.app_context():
        db.session.add(
            TrackingEvent(shipment_id=999_999, occurred_at=BASE_TIME, status="x", dedupe_key="k")
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_a_batch_records_each_shipment_and_announces_each_change_once(shipment):
    other = add_shipment(shipment.order, [(S.INFO_RECEIVED, 1)])
    quiet = add_shipment(shipment.order, [(S.INFO_RECEIVED, 1)])
    db.session.commit()
    live_before = db.session.scalar(select(func.max(LiveEvent.seq)))
    added = record_batch(
        [
            (shipment, [scan(S.INFO_RECEIVED, 1), scan(S.IN_TRANSIT, 5)]),
            (other, [scan(S.INFO_RECEIVED, 1), scan(S.OUT_FOR_DELIVERY, 30)]),
            (shipment, [scan(S.IN_TRANSIT, 5), scan(S.IN_TRANSIT, 6, "Depot")]),
            (quiet, [scan(S.INFO_RECEIVED, 1)]),
        ]
    )
    db.session.commit()
    assert [len(added[s]) for s in (shipment, other, quiet)] == [3, 1, 0]
    assert [event_count(s) for s in (shipment, other, quiet)] == [3, 2, 1]
    assert (shipment.stage, other.stage, quiet.stage) == (
        Stage.IN_TRANSIT,
        Stage.OUT_FOR_DELIVERY,
        Stage.SHIPPED,
    )
    live = db.session.execute(
        select(LiveEvent.shipment_id, LiveEvent.kind)
        .where(LiveEvent.seq > live_before)
        .order_by(LiveEvent.seq)
    ).all()
    assert live == [(shipment.id, "stage"), (other.id, "stage"), (shipment.id, "scan")]
