"""What agents do to an order, each change written to the audit log and announced to open pages.

Everything here joins the caller's transaction (the caller commits) and raises ActionError, with a
message for the agent, when asked for something it cannot do; nothing is changed then.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import delete

from webapp import ingest, notifications
from webapp.admin import audit
from webapp.admin.accounts import Staff
from webapp.extensions import db
from webapp.models import Note, Notification, Order, Shipment, TrackingEvent, utcnow
from webapp.tracking.carriers import CARRIERS
from webapp.tracking.notices import KIND_LABELS, Kind
from webapp.tracking.scans import CarrierScan
from webapp.tracking.stages import Stage
from webapp.tracking.statuses import STATUS_LABELS, ExceptionReason, Status
from webapp.webhooks import inbox

MAX_NOTE = 2000
MAX_REASON = 500
#: What an agent may set a parcel to; "unknown" would say nothing.
SETTABLE_STATUSES = tuple(status for status in Status if status is not Status.UNKNOWN)
TRACKING_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{3,63}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # all but tab and newline


class ActionError(ValueError):
    """An action refused as asked; the message tells the agent what to change."""


def refresh_now(shipment: Shipment, actor: Staff) -> None:
    """Make the parcel due at once, forgetting the back-off that earlier failures earned it.

    A worker polling it at this very moment keeps its lease: its answer is the check asked for.
    """
    audit.record(
        "check_requested",
        actor.email,
        actor.user_id,
        order_id=shipment.order_id,
        shipment=shipment.id,
        tracking_number=shipment.tracking_number,
        was_due=shipment.next_check_at and shipment.next_check_at.isoformat(timespec="seconds"),
        failures=shipment.failures,
    )
    shipment.next_check_at = utcnow()
    shipment.failures = 0
    ingest.announce(shipment, "update")  # open pages show the next check as due now


def add_note(order: Order, actor: Staff, body: str) -> Note:
    """Leave a note on the order for other staff; customers never see it."""
    text = _CONTROL.sub("", body.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise ActionError("Write something in the note first.")
    if len(text) > MAX_NOTE:
        raise ActionError(f"A note holds at most {MAX_NOTE} characters; this one has {len(text)}.")
    note = Note(order_id=order.id, author_id=actor.user_id, author_email=actor.email, body=text)
    db.session.add(note)
    db.session.flush()
    audit.record(
        "note_added", actor.email, actor.user_id, order_id=order.id, note=note.id, text=text[:200]
    )
    return note


def normalise_tracking_number(number: str) -> str:
    """'rb 1234 5678 5gb' as printed on a label is RB123456785GB."""
    return "".join(number.split()).upper()


def correct_shipment(shipment: Shipment, actor: Staff, carrier: str, number: str) -> None:
    """Give the parcel the right carrier and tracking number, and start its journey afresh.

    The scans recorded so far were another parcel's: they go, with everything derived from
    them, and the parcel is due for a check at once.
    """
    carrier = carrier.strip().lower()
    number = normalise_tracking_number(number)
    if carrier not in CARRIERS:
        raise ActionError("Choose one of the carriers in the list.")
    if not TRACKING_NUMBER.fullmatch(number):
        raise ActionError("A tracking number has 4 to 64 letters, digits and hyphens.")
    old = {"carrier": shipment.carrier, "tracking_number": shipment.tracking_number}
    if (carrier, number) == (old["carrier"], old["tracking_number"]):
        raise ActionError("The parcel has that carrier and tracking number already.")
    others = [s for s in shipment.order.shipments if s is not shipment]
    if any(other.tracking_number == number for other in others):
        raise ActionError("Another parcel of this order has that tracking number.")
    removed = db.session.execute(
        delete(TrackingEvent).where(TrackingEvent.shipment_id == shipment.id)
    ).rowcount
    db.session.expire(shipment, ["events"])
    shipment.carrier, shipment.tracking_number = carrier, number
    _start_afresh(shipment)
    inbox.replay_unmatched(number)
    ingest.announce(shipment, "update")
    audit.record(
        "shipment_corrected",
        actor.email,
        actor.user_id,
        order_id=shipment.order_id,
        shipment=shipment.id,
        old=old,
        new={"carrier": carrier, "tracking_number": number},
        scans_removed=removed,
    )


def _start_afresh(shipment: Shipment) -> None:
    """The state of a parcel the carrier has not reported on yet, due for its first check."""
    shipment.stage = Stage.ORDERED.value
    shipment.status = Status.PENDING.value
    shipment.exception_reason = None
    shipment.returning_to_sender = shipment.stalled = False
    shipment.shipped_at = shipment.delivered_at = shipment.last_scan_at = None
    if shipment.eta_source == "carrier":
        shipment.eta_date = shipment.eta_at = shipment.eta_source = None
    shipment.last_checked_at = None
    shipment.failures = 0
    shipment.next_check_at = utcnow()
    # A poll in flight asked about the old number: without its lease, its answer is dropped.
    shipment.lease_owner = shipment.lease_expires_at = None


def override_status(
    shipment: Shipment, actor: Staff, status: str, reason: str, problem: str = ""
) -> None:
    """Record a manual scan with this status, which moves the parcel as a carrier's scan would.

    The reason is for staff: it goes to the audit log, never onto the customer's page.
    `problem` says what kind of problem a "Delivery problem" is (other when not given).
    """
    chosen = _settable(status)
    reason = " ".join(_CONTROL.sub(" ", reason).split())
    if not reason:
        raise ActionError("Say why you are setting the status: other staff will read it.")
    if len(reason) > MAX_REASON:
        raise ActionError(f"Keep the reason to {MAX_REASON} characters; it has {len(reason)}.")
    kind = _problem(problem) if chosen is Status.EXCEPTION else None
    scan = CarrierScan(
        occurred_at=_override_time(shipment),
        status=chosen,
        exception_reason=kind,
        key=f"manual-{secrets.token_hex(12)}",
    )
    ingest.record_scans(shipment, [scan], source="manual")
    audit.record(
        "status_overridden",
        actor.email,
        actor.user_id,
        order_id=shipment.order_id,
        shipment=shipment.id,
        tracking_number=shipment.tracking_number,
        status=chosen.value,
        exception_reason=kind,
        reason=reason,
        event=scan.dedupe_key,
    )


def _settable(status: str) -> Status:
    try:
        chosen = Status(status)
    except ValueError:
        chosen = None
    if chosen not in SETTABLE_STATUSES:
        raise ActionError("Choose one of the statuses in the list.")
    return chosen


def _problem(problem: str) -> str:
    try:
        return ExceptionReason(problem or ExceptionReason.OTHER).value
    except ValueError:
        raise ActionError("Choose one of the kinds of problem in the list.") from None


def _override_time(shipment: Shipment):
    """Now, or just after the latest scan if a carrier's clock put that in our future.

    Scans take effect in the order they happened: an override must be the latest to count.
    """
    now = utcnow()
    latest = shipment.last_scan_at
    return max(now, latest + timedelta(seconds=1)) if latest else now


def rotate_link(order: Order, actor: Staff) -> None:
    """Give the order a new tracking link; every link sent so far stops working."""
    ingest.revoke_link(order)
    audit.record("link_rotated", actor.email, actor.user_id, order_id=order.id)


def resend_email(notification: Notification, actor: Staff) -> Notification:
    """Send an e-mail again, to the order's address as it is now: a new row, marked manual, which
    goes even if the customer stopped e-mails (they asked staff for it)."""
    if notification.status == notifications.QUEUED:
        raise ActionError("That e-mail is waiting to be sent already.")
    again = notifications.resend(notification)
    audit.record(
        "email_resent",
        actor.email,
        actor.user_id,
        order_id=notification.order_id,
        notification=again.id,
        original=notification.id,
        kind=notification.kind,
        label=KIND_LABELS[Kind(notification.kind)],
        recipient=again.recipient,
    )
    return again


def status_choices() -> list[tuple[str, str]]:
    """(value, label) of the statuses an agent may set, for the form."""
    return [(status.value, STATUS_LABELS[status]) for status in SETTABLE_STATUSES]
