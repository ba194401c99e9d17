"""Which feeds can be asked about which parcel on this machine, from the environment.

MLN_LIVE_<FEED>_NUMBER and MLN_LIVE_<FEED>_CARRIER name the parcel; EasyPost's test mode has
its own test number, so a test key alone is enough there.
"""

from __future__ import annotations

import os

from workers.carriers import FEEDS
from workers.carriers.feed import Parcel

DEFAULT_PARCELS = {"easypost": Parcel("usps", "EZ1000000001")}


def live_parcels() -> dict[str, Parcel]:
    """Each feed whose credentials are set, with the parcel to ask it about."""
    found = {}
    for name, feed in FEEDS.items():
        if name == "sandbox" or not all(os.environ.get(f"MLN_{key}") for key in feed.CREDENTIALS):
            continue
        number = os.environ.get(f"MLN_LIVE_{name.upper()}_NUMBER")
        carrier = os.environ.get(f"MLN_LIVE_{name.upper()}_CARRIER", next(iter(feed.CARRIERS)))
        parcel = Parcel(carrier, number) if number else DEFAULT_PARCELS.get(name)
        if parcel:
            found[name] = parcel
    return found
