"""The one write path for carrier scans: events in, the shipment recomputed, the change announced.

Everything here joins the caller's transaction, so the events, the shipment's state and the live
event commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import bindparam, func, insert, inspect, select
from sqlalchemy.orm.attributes import flag_modified

from webapp.extensions import db
from webapp.models import LiveEvent, Order, Shipment, TrackingEvent
from webapp.tracking.scans import CarrierScan
from webapp.tracking.stages import ShipmentState, derive

LIVE_CHANNEL = "mln_live"


def record_scans(
    shipment: Shipment, scans: Iterable[CarrierScan], source: str = "poll"
) -> list[CarrierScan]:
    """Store the scans not seen before and bring the shipment's state up to date; no commit.

    Returns the scans it stored. They go in with one bulk INSERT and the state is derived from
    plain rows: an ORM object per stored event cost more than the SQL itself.
    """
    if shipment.id is None:
        db.session.flush()
    history = db.session.execute(_HISTORY, {"shipment_id": shipment.id}).all()
    known = {event.dedupe_key for event in history}
    added = []
    for scan in scans:
        if scan.dedupe_key not in known:
            known.add(scan.dedupe_key)
            added.append(scan)
    if not added:
        return added
    stage_before = shipment.stage
    db.session.execute(insert(TrackingEvent), [_row(scan, shipment.id, source) for scan in added])
    if "events" not in inspect(shipment).unloaded:
        db.session.expire(shipment, ["events"])  # loaded before these rows went in
    _set_state(shipment, derive([*history, *added]))
    flag_modified(shipment, "last_scan_at")  # a late scan changes the page, if not the state
    announce(shipment, "stage" if shipment.stage != stage_before else "scan")
    return added


# What dedupe and derivation need of the stored events.
_HISTORY = select(
    TrackingEvent.dedupe_key,
    TrackingEvent.occurred_at,
    TrackingEvent.status,
    TrackingEvent.exception_reason,
).where(TrackingEvent.shipment_id == bindparam("shipment_id"))


def _set_state(shipment: Shipment, state: ShipmentState) -> None:
    """Copy the derived state onto the shipment's columns."""
    shipment.stage = state.stage.value
    shipment.status = state.status.value
    shipment.exception_reason = state.exception_reason and state.exception_reason.value
    shipment.returning_to_sender = state.returning
    shipment.shipped_at = state.shipped_at
    shipment.delivered_at = state.delivered_at
    shipment.last_scan_at = state.last_scan_at


def update_estimate(shipment: Shipment, estimated: date | None) -> bool:
    """Take the carrier's delivery date when it gives one; whether it changed."""
    if estimated is None or (shipment.eta_date, shipment.eta_source) == (estimated, "carrier"):
        return False
    shipment.eta_date, shipment.eta_at, shipment.eta_source = estimated, None, "carrier"
    return True


def announce(shipment: Shipment, kind: str) -> None:
    """Queue a live event for the pages watching this shipment's order, and wake their listeners."""
    if shipment.id is None:
        db.session.flush()
    _announce(shipment.order_id, shipment.id, kind)


def revoke_link(order: Order) -> None:
    """Give the order a new tracking token; pages opened with the old one stop updating."""
    order.rotate_token()
    db.session.flush()
    _announce(order.id, None, "token")


def _announce(order_id: int, shipment_id: int | None, kind: str) -> None:
    db.session.add(LiveEvent(order_id=order_id, shipment_id=shipment_id, kind=kind))
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_notify(LIVE_CHANNEL, str(order_id))))


def _row(scan: CarrierScan, shipment_id: int, source: str) -> dict:
    return {
        "shipment_id": shipment_id,
        "occurred_at": scan.occurred_at,
        "utc_offset_minutes": scan.utc_offset_minutes,
        "status": scan.status.value,
        "exception_reason": scan.exception_reason,
        "carrier_code": scan.carrier_code,
        "carrier_text": scan.carrier_text,
        "city": scan.city,
        "region": scan.region,
        "postcode": scan.postcode,
        "country": scan.country,
        "source": source,
        "dedupe_key": scan.dedupe_key,
        "raw_payload": scan.raw_payload,
    }
