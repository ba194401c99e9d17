"""The one write path for carrier scans: new events in, the shipment recomputed from all of them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Shipment, TrackingEvent
from webapp.tracking.scans import CarrierScan
from webapp.tracking.stages import derive


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
    shipment.events.extend(added)
    recompute(shipment)
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
