"""The one write path for carrier scans: events in, the shipment recomputed, the change announced.

Everything here joins the caller's transaction, so the events, the shipment's state and the live
event commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import LiveEvent, Order, Shipment, TrackingEvent
from webapp.tracking.scans import CarrierScan
from webapp.tracking.stages import derive

LIVE_CHANNEL = "mln_live"


def record_scans(
    shipment: Shipment, scans: Iterable[CarrierScan], source: str = "poll"
) -> list[TrackingEvent]:
    """Insert the scans not seen before and bring the shipment's state up to date; no commit."""
    known = set(
        db.session.scalars(
            select(TrackingEvent.dedupe_key).where(TrackingEvent.shipment_id == shipment.id)
        )
    )
    added = []
    for scan in scans:
        if scan.dedupe_key in known:
            continue
        known.add(scan.dedupe_key)
        added.append(_event(scan, source))
    if not added:
        return added
    stage_before = shipment.stage
    shipment.events.extend(added)
    recompute(shipment)
    announce(shipment, "stage" if shipment.stage != stage_before else "scan")
    return added


def recompute(shipment: Shipment) -> None:
    """Set the shipment's derived columns from its events."""
    state = derive(shipment.events)
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


def _event(scan: CarrierScan, source: str) -> TrackingEvent:
    return TrackingEvent(
        occurred_at=scan.occurred_at,
        utc_offset_minutes=scan.utc_offset_minutes,
        status=scan.status.value,
        exception_reason=scan.exception_reason,
        carrier_code=scan.carrier_code,
        carrier_text=scan.carrier_text,
        city=scan.city,
        region=scan.region,
        postcode=scan.postcode,
        country=scan.country,
        source=source,
        dedupe_key=scan.dedupe_key,
        raw_payload=scan.raw_payload,
    )
