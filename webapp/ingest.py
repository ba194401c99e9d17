"""The one write path for carrier scans: events in, the shipment recomputed, the change announced.

Everything here joins the caller's transaction, so the events, the shipment's state, the live
event and the e-mails the news calls for commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import bindparam, func, insert, inspect, select
from sqlalchemy.orm.attributes import flag_modified

from webapp import notifications
from webapp.extensions import db
from webapp.models import LiveEvent, Order, Shipment, TrackingEvent
from webapp.tracking import notices
from webapp.tracking.scans import CarrierScan
from webapp.tracking.stages import ShipmentState, derive
from webapp.tracking.statuses import Status

LIVE_CHANNEL = "mln_live"


def record_scans(
    shipment: Shipment, scans: Iterable[CarrierScan], source: str = "poll"
) -> list[CarrierScan]:
    """Store the scans not seen before and bring the shipment's state up to date; no commit.

    Returns the scans it stored.
    """
    return record_batch([(shipment, scans)], source)[shipment]


def record_batch(
    batch: Sequence[tuple[Shipment, Iterable[CarrierScan]]], source: str = "poll"
) -> dict[Shipment, list[CarrierScan]]:
    """Record many shipments' scans in a fixed number of statements; the new scans of each.

    One read of their histories, one INSERT of the new events, one of the live events and one
    NOTIFY, however many shipments: ORM objects and round trips per event cost more than the SQL.
    """
    if any(shipment.id is None for shipment, _ in batch):
        db.session.flush()
    histories = _histories({shipment.id for shipment, _ in batch})
    added = {shipment: [] for shipment, _ in batch}
    for shipment, scans in batch:
        history = histories[shipment.id]
        new = _unseen(history, scans)
        if new:
            kind = _apply(shipment, history, new)
            added[shipment] += new
            history += new
            _queue_announcement(shipment.order_id, shipment.id, kind)
    rows = [event_row(scan, shipment.id, source) for shipment, new in added.items() for scan in new]
    if rows:
        db.session.execute(insert(TrackingEvent), rows)
    notifications.scans_recorded(
        [
            (shipment, notices.for_scans(new, Status(shipment.status)))
            for shipment, new in added.items()
            if new
        ]
    )
    _flush_announcements()
    return added


def _histories(shipment_ids: set[int]) -> dict[int, list]:
    """What dedupe and derivation need of the stored events, by shipment, as plain rows."""
    histories = {shipment_id: [] for shipment_id in shipment_ids}
    for row in db.session.execute(_HISTORY, {"ids": list(shipment_ids)}):
        histories[row.shipment_id].append(row)
    return histories


_HISTORY = select(
    TrackingEvent.shipment_id,
    TrackingEvent.dedupe_key,
    TrackingEvent.occurred_at,
    TrackingEvent.status,
    TrackingEvent.exception_reason,
).where(TrackingEvent.shipment_id.in_(bindparam("ids", expanding=True)))


def _unseen(history: list, scans: Iterable[CarrierScan]) -> list[CarrierScan]:
    known = {event.dedupe_key for event in history}
    new = []
    for scan in scans:
        if scan.dedupe_key not in known:
            known.add(scan.dedupe_key)
            new.append(scan)
    return new


def _apply(shipment: Shipment, history: list, new: list[CarrierScan]) -> str:
    """Derive the shipment's state with its new scans; "stage" if its stage moved, else "scan"."""
    stage_before = shipment.stage
    if "events" not in inspect(shipment).unloaded:
        db.session.expire(shipment, ["events"])  # loaded before the new rows go in
    _set_state(shipment, derive([*history, *new]))
    flag_modified(shipment, "last_scan_at")  # a late scan changes the page, if not the state
    return "stage" if shipment.stage != stage_before else "scan"


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
    """Take the carrier's delivery date when it gives one; whether it changed. A date later
    than the one the customer was given queues a delay notice."""
    if estimated is None or (shipment.eta_date, shipment.eta_source) == (estimated, "carrier"):
        return False
    if shipment.eta_date is not None and estimated > shipment.eta_date:
        notifications.parcel_delayed(shipment, notices.Delay.LATER_ETA)
    shipment.eta_date, shipment.eta_at, shipment.eta_source = estimated, None, "carrier"
    return True


def announce(shipment: Shipment, kind: str) -> None:
    """Queue a live event for the pages watching this shipment's order, and wake their listeners."""
    if shipment.id is None:
        db.session.flush()
    _queue_announcement(shipment.order_id, shipment.id, kind)
    _flush_announcements()


def revoke_link(order: Order) -> None:
    """Give the order a new tracking token; pages opened with the old one stop updating."""
    order.rotate_token()
    db.session.flush()
    _queue_announcement(order.id, None, "token")
    _flush_announcements()


def _queue_announcement(order_id: int, shipment_id: int | None, kind: str) -> None:
    pending = db.session.info.setdefault("live_events", [])
    pending.append({"order_id": order_id, "shipment_id": shipment_id, "kind": kind})


def _flush_announcements() -> None:
    """Write the queued live events; on PostgreSQL one NOTIFY wakes every web process at commit."""
    pending = db.session.info.pop("live_events", [])
    if not pending:
        return
    db.session.execute(insert(LiveEvent), pending)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_notify(LIVE_CHANNEL, "")))  # the outbox says what


def event_row(scan: CarrierScan, shipment_id: int, source: str) -> dict:
    """The tracking_events row that stores this scan."""
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
