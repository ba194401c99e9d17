"""What a socket is sent: the page's own partials, wrapped for htmx and framed once for everyone."""

from __future__ import annotations

import struct

from flask import render_template

from webapp.models import Order
from webapp.track.cards import ShipmentView, shipment_views
from webapp.tracking.stages import STAGE_TITLES, Stage

PING = b"\x89\x00"


def snapshot(order: Order) -> str:
    """Everything on the page that can change, as swaps by id."""
    return change(order, {})


def change(order: Order, kinds: dict[int, set[str]]) -> str:
    """A snapshot that also tells screen readers what happened to the parcels that changed."""
    views = shipment_views(order)
    return render_template(
        "partials/live_update.html", shipments=views, announcement=announcement(views, kinds)
    )


def announcement(views: list[ShipmentView], kinds: dict[int, set[str]]) -> str:
    """'Your parcel: Out for delivery.' for a new stage, and the alert of a parcel that has one."""
    news = []
    for view in views:
        changes = kinds.get(view.shipment.id, set())
        if "stage" in changes:
            news.append(f"{_parcel(view)}: {STAGE_TITLES[Stage(view.shipment.stage)]}.")
        if changes and view.alert:
            news.append(f"{_parcel(view)}: {view.alert.message}")
    return " ".join(news)


def _parcel(view: ShipmentView) -> str:
    return f"Parcel {view.position} of {view.count}" if view.count > 1 else "Your parcel"


def text_frame(html: str) -> bytes:
    """An unmasked, uncompressed WebSocket text frame: built once, written to every socket."""
    payload = html.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload
