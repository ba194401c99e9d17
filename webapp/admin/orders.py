"""Orders as staff see them: everything about one order, and what staff did to it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.models import AuditEntry, Note, Notification, Order, Shipment
from webapp.notifications import CATCH_UP, FAILED, QUEUED, SENT, STALE, STOPPED
from webapp.track.lookup import normalise_number
from webapp.tracking.carriers import carrier
from webapp.tracking.notices import KIND_LABELS, Kind
from webapp.tracking.statuses import STATUS_LABELS, Status

SKIP_REASONS = {
    CATCH_UP: "Not sent: a later e-mail covered it",
    STALE: "Not sent: the news was too old when it came",
    STOPPED: "Not sent: the customer stopped e-mails about this order",
}


def find_order(number: str) -> Order | None:
    """The order with this number ('#ll-1001' finds LL-1001), its items, parcels and scans."""
    return db.session.scalar(
        select(Order)
        .where(Order.number == normalise_number(number))
        .options(
            selectinload(Order.items),
            selectinload(Order.shipments).selectinload(Shipment.events),
        )
    )


def order_id(number: str) -> int | None:
    """The id of the order with this number, in one indexed read."""
    return db.session.scalar(select(Order.id).where(Order.number == normalise_number(number)))


def find_shipment(order: Order, shipment_id: int) -> Shipment | None:
    """The order's parcel with this id; another order's parcel is not found."""
    return next((shipment for shipment in order.shipments if shipment.id == shipment_id), None)


def audit_trail(order: Order) -> list[AuditEntry]:
    """What staff did to the order, newest first."""
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.order_id == order.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    ).all()


def notes(order: Order) -> list[Note]:
    """The notes staff left on the order, newest first."""
    return db.session.scalars(
        select(Note)
        .where(Note.order_id == order.id)
        .order_by(Note.created_at.desc(), Note.id.desc())
    ).all()


def emails(order: Order) -> list[Notification]:
    """Every e-mail queued for the order, newest first."""
    return db.session.scalars(
        select(Notification)
        .where(Notification.order_id == order.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    ).all()


def email_state(notification: Notification) -> str:
    """Where the e-mail is, in words: sent, waiting for another try and why, failed, skipped."""
    if notification.status == SENT:
        return "Sent"
    if notification.status == QUEUED:
        if not notification.attempts:
            return "Waiting to be sent"
        return f"Try {notification.attempts} failed, trying again: {notification.error}"
    if notification.status == FAILED:
        tries = f"{notification.attempts} tr{'y' if notification.attempts == 1 else 'ies'}"
        return f"Failed after {tries}: {notification.error}"
    return SKIP_REASONS.get(notification.skip_reason, "Not sent")


@dataclass(frozen=True)
class EmailLine:
    """An e-mail of the order's, what it is and where it is, in words."""

    notification: Notification
    label: str
    state: str

    @classmethod
    def of(cls, notification: Notification) -> EmailLine:
        label = KIND_LABELS.get(Kind(notification.kind), notification.kind)
        return cls(notification, label, email_state(notification))


@dataclass(frozen=True)
class TrailLine:
    """An audit entry and, in words, what it changed."""

    entry: AuditEntry
    summary: str


def staff_view(order: Order) -> dict:
    """What the order's staff page shows besides the order: the same for a load and a push."""
    lines = [TrailLine(entry, summary(entry)) for entry in audit_trail(order)]
    overrides = {
        line.entry.detail.get("event"): line
        for line in lines
        if line.entry.action == "status_overridden"
    }
    return {
        "order": order,
        "trail": lines,
        "overrides": overrides,
        "emails": [EmailLine.of(n) for n in emails(order)],
    }


def summary(entry: AuditEntry) -> str:
    """'Set to Delivered: left with the neighbour', for the entry's action; '' if nothing to add."""
    detail = entry.detail or {}
    if entry.action == "note_added":
        return detail.get("text", "")
    if entry.action == "check_requested":
        return f"{detail.get('tracking_number', 'A parcel')} is checked with the carrier at once."
    if entry.action == "status_overridden":
        return _override_summary(detail)
    if entry.action == "shipment_corrected":
        return _correction_summary(detail)
    if entry.action == "link_rotated":
        return "The tracking links sent so far stopped working."
    if entry.action == "email_resent":
        return f"{detail.get('label', 'An e-mail')} sent again to {detail.get('recipient', '')}."
    return ""


def _override_summary(detail: dict) -> str:
    label = STATUS_LABELS.get(Status(detail.get("status", Status.UNKNOWN)), "")
    if detail.get("exception_reason"):
        label += f" ({detail['exception_reason']})"
    return f"{detail.get('tracking_number', '')} set to {label}. Reason: {detail.get('reason', '')}"


def _correction_summary(detail: dict) -> str:
    old, new = detail.get("old", {}), detail.get("new", {})
    removed = detail.get("scans_removed", 0)
    return (
        f"{_parcel(old)} corrected to {_parcel(new)}; "
        f"{removed} scan{'' if removed == 1 else 's'} of the old number removed."
    )


def _parcel(fields: dict) -> str:
    return f"{carrier(fields.get('carrier', '')).name} {fields.get('tracking_number', '')}"
