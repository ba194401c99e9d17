"""The canonical status vocabulary every carrier feed is mapped onto."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    RETURNED_TO_SENDER = "returned_to_sender"
    DELIVERED = "delivered"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


class ExceptionReason(StrEnum):
    DELAYED = "delayed"
    WEATHER = "weather"
    CUSTOMS = "customs"
    ADDRESS = "address"
    DAMAGED = "damaged"
    LOST = "lost"
    HELD = "held"
    REFUSED = "refused"
    OTHER = "other"

    @classmethod
    def parse(cls, value: str | None) -> ExceptionReason:
        """The reason named, or OTHER for anything a feed sends that we do not know."""
        return cls._value2member_map_.get(value, cls.OTHER)


STATUS_LABELS = {
    Status.PENDING: "Awaiting carrier data",
    Status.INFO_RECEIVED: "Label created",
    Status.IN_TRANSIT: "In transit",
    Status.OUT_FOR_DELIVERY: "Out for delivery",
    Status.AVAILABLE_FOR_PICKUP: "Ready for pickup",
    Status.FAILED_ATTEMPT: "Delivery attempted",
    Status.EXCEPTION: "Delivery problem",
    Status.RETURNED_TO_SENDER: "Returning to sender",
    Status.DELIVERED: "Delivered",
    Status.EXPIRED: "No longer tracked by the carrier",
    Status.CANCELLED: "Shipment cancelled",
    Status.UNKNOWN: "Update from the carrier",
}

REASON_MESSAGES = {
    ExceptionReason.DELAYED: "Your parcel is delayed.",
    ExceptionReason.WEATHER: "Bad weather is delaying your parcel.",
    ExceptionReason.CUSTOMS: "Your parcel is being held in customs.",
    ExceptionReason.ADDRESS: "The carrier has a problem with the delivery address.",
    ExceptionReason.DAMAGED: "The carrier reports your parcel as damaged.",
    ExceptionReason.LOST: "The carrier cannot locate your parcel.",
    ExceptionReason.HELD: "The carrier is holding your parcel.",
    ExceptionReason.REFUSED: "The delivery was refused.",
    ExceptionReason.OTHER: "The carrier reports a problem with your parcel.",
}

#: Statuses that deserve a banner on the customer's page while they are the latest.
ATTENTION_STATUSES = frozenset(
    {
        Status.EXCEPTION,
        Status.FAILED_ATTEMPT,
        Status.RETURNED_TO_SENDER,
        Status.EXPIRED,
        Status.CANCELLED,
    }
)
