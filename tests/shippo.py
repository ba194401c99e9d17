"""Shippo webhook deliveries as Shippo documents them, signed as Shippo signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

from tests.support import BASE_TIME

SECRET = "shippo-webhook-secret"
NUMBER = "9400111201080805483016"


def history_entry(status, hours, substatus=None, details="", object_id=None):
    return {
        "object_id": object_id,
        "status": status,
        "status_details": details,
        "status_date": (BASE_TIME + timedelta(hours=hours)).isoformat().replace("+00:00", "Z"),
        "substatus": substatus and {"code": substatus, "text": substatus, "action_required": False},
        "location": {"city": "Columbus", "state": "OH", "zip": "43215", "country": "US"},
    }


def track_updated(history, number=NUMBER, carrier="usps", eta=None) -> bytes:
    """A Shippo `track_updated` delivery, as Shippo documents it."""
    document = {
        "event": "track_updated",
        "test": False,
        "data": {
            "carrier": carrier,
            "tracking_number": number,
            "eta": eta,
            "original_eta": eta,
            "servicelevel": {"token": "usps_priority", "name": "Priority Mail"},
            "tracking_status": history[-1] if history else None,
            "tracking_history": history,
        },
    }
    return json.dumps(document).encode()


def signature(body: bytes, at: float | None = None, secret: str = SECRET) -> str:
    timestamp = str(int(time.time() if at is None else at))
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


JOURNEY = [
    history_entry("PRE_TRANSIT", 0, "information_received", "Label created", "h1"),
    history_entry("TRANSIT", 5, "package_accepted", "Accepted at USPS facility", "h2"),
    history_entry("TRANSIT", 20, "out_for_delivery", "Out for delivery", "h3"),
]
