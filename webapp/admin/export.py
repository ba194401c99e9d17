"""Orders as CSV, one row per parcel, safe to open in a spreadsheet.

A cell a spreadsheet would read as a formula (starting with = + - @, or a tab or carriage return
that hides one) gets a leading apostrophe, so a customer's name can never run on staff's machine.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from webapp.models import Order, Shipment
from webapp.tracking.stages import STAGE_TITLES, Stage

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = [
    "order_number",
    "placed_at",
    "customer_name",
    "email",
    "postcode",
    "country",
    "carrier",
    "tracking_number",
    "stage",
    "status",
    "exception_reason",
    "stalled",
    "eta_date",
    "shipped_at",
    "delivered_at",
    "last_scan_at",
]


def neutralise(value: object) -> str:
    """The value as text a spreadsheet shows as text."""
    text = "" if value is None else _text(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(orders: Iterable[Order]) -> Iterator[str]:
    """The header, then one line per parcel (an order with none gets one line of its own)."""
    yield _line(HEADER)
    for order in orders:
        for shipment in order.shipments or [None]:
            yield _line(map(neutralise, _row(order, shipment)))


def _row(order: Order, shipment: Shipment | None) -> list:
    customer = [order.number, order.placed_at, order.name, order.email, order.postcode]
    if shipment is None:
        return [*customer, order.country, *[""] * (len(HEADER) - 6)]
    return [
        *customer,
        order.country,
        shipment.carrier,
        shipment.tracking_number,
        STAGE_TITLES[Stage(shipment.stage)],
        shipment.status,
        shipment.exception_reason,
        "yes" if shipment.stalled else "no",
        shipment.eta_date,
        shipment.shipped_at,
        shipment.delivered_at,
        shipment.last_scan_at,
    ]


def _text(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _line(cells: Iterable[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()
