"""Which e-mail a parcel's news deserves: one per kind, ever, and only the latest of a catch-up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from webapp.tracking.stages import Scan, chronological
from webapp.tracking.statuses import ExceptionReason, Status


class Kind(StrEnum):
    ORDER_CONFIRMATION = "order_confirmation"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    DELIVERED = "delivered"
    DELAYED = "delayed"


KIND_LABELS = {
    Kind.ORDER_CONFIRMATION: "Order confirmation",
    Kind.SHIPPED: "Shipment notice",
    Kind.OUT_FOR_DELIVERY: "Out for delivery",
    Kind.AVAILABLE_FOR_PICKUP: "Ready for pickup",
    Kind.FAILED_ATTEMPT: "Delivery attempted",
    Kind.DELIVERED: "Delivered",
    Kind.DELAYED: "Delay notice",
}

#: The message a scan of each status announces; statuses absent here announce nothing.
KIND_OF_STATUS = {
    Status.INFO_RECEIVED: Kind.SHIPPED,
    Status.IN_TRANSIT: Kind.SHIPPED,
    Status.OUT_FOR_DELIVERY: Kind.OUT_FOR_DELIVERY,
    Status.AVAILABLE_FOR_PICKUP: Kind.AVAILABLE_FOR_PICKUP,
    Status.FAILED_ATTEMPT: Kind.FAILED_ATTEMPT,
    Status.DELIVERED: Kind.DELIVERED,
    Status.EXCEPTION: Kind.DELAYED,
    Status.RETURNED_TO_SENDER: Kind.DELAYED,
}


class Delay(StrEnum):
    """Why a delay notice goes out when it is not an exception scan (whose reason says why)."""

    RETURNING = "returning"
    STALLED = "stalled"
    LATER_ETA = "later_eta"


@dataclass(frozen=True)
class Notices:
    """What new scans announce: the one message to send (with the scan behind it), and the
    kinds they reached on the way, to be recorded as skipped."""

    send: Kind | None = None
    scan: Scan | None = None
    skipped: tuple[Kind, ...] = ()


def for_scans(new: Iterable[Scan], latest_status: Status) -> Notices:
    """The notices of a batch of new scans, given the parcel's status after them.

    A catch-up (an outage, a webhook replayed in one go) reaches several kinds at once; only the
    latest meaningful one is sent. When the parcel's latest status announces nothing the batch
    reached (a late scan from earlier in the journey), nothing is sent.
    """
    reached: dict[Kind, Scan] = {}
    for scan in chronological(new):
        kind = KIND_OF_STATUS.get(Status(scan.status))
        if kind is not None:
            reached[kind] = scan
    latest = KIND_OF_STATUS.get(latest_status)
    send = latest if latest in reached else None
    skipped = tuple(kind for kind in reached if kind is not send)
    return Notices(send, reached.get(send), skipped)


def delay_of(scan: Scan) -> str:
    """What a delay notice for this scan says: a return, or the exception's reason, kept with
    the notice because the parcel may have moved on by the time it is written."""
    if Status(scan.status) is Status.RETURNED_TO_SENDER:
        return Delay.RETURNING.value
    return ExceptionReason.parse(scan.exception_reason).value
