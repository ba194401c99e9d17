"""What a socket is sent: the page's own partials, wrapped for htmx and framed once for everyone."""

from __future__ import annotations

import struct

from flask import render_template
from markupsafe import Markup

from webapp.models import Order
from webapp.track.cards import shipment_views
from webapp.tracking.stages import STAGE_TITLES, Stage

PING = b"\x89\x00"


def snapshot(order: Order) -> str:
    """Everything on the page that can change, as swaps by id."""
    shipments = render_template("partials/shipments.html", shipments=shipment_views(order))
    return f'<hx-partial hx-target="#order-shipments" hx-swap="outerHTML">{shipments}</hx-partial>'


def change(order: Order, kinds: dict[int, set[str]]) -> str:
    """A snapshot that also tells screen readers what happened to the parcels that changed."""
    news = announcement(order, kinds)
    if not news:
        return snapshot(order)
    status = Markup('<hx-partial hx-target="#live-status" hx-swap="innerHTML">{}</hx-partial>')
    return snapshot(order) + status.format(news)


def announcement(order: Order, kinds: dict[int, set[str]]) -> str:
    """'Your parcel: Out for delivery.' for a new stage, and the alert of a parcel that has one."""
    news = []
    for view in shipment_views(order):
        changes = kinds.get(view.shipment.id, set())
        if "stage" in changes:
            news.append(f"{_parcel(view)}: {STAGE_TITLES[Stage(view.shipment.stage)]}.")
        if changes and view.alert:
            news.append(f"{_parcel(view)}: {view.alert.title}.")
    return " ".join(news)


def _parcel(view) -> str:
    return f"Parcel {view.position} of {view.count}" if view.count > 1 else "Your parcel"


def text_frame(html: str | Markup) -> bytes:
    """An unmasked, uncompressed WebSocket text frame: built once, written to every socket."""
    payload = str(html).encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload
