"""Carrier feeds: one module per feed with the same names, chosen per parcel by configuration.

Every feed module has:

- `NAME`, and `STATUS_MAP` from the provider's status codes to ours (a feed whose codes carry an
  exception reason also maps those, in `REASONS`);
- `CARRIERS`: our carrier codes and the provider's for the same carrier;
- `CREDENTIALS`: the settings polling needs; the feed is enabled when all are set;
- `WEBHOOK_SECRET`: the setting the provider's webhook signatures are checked with, or None for a
  feed that sends none;
- `map_status(code, detail=None) -> Status`;
- `fetch(http, parcel, config) -> Tracking` and `parse(document) -> Tracking` for polling;
- `verify(headers, body, secret, now)`, raising SignatureError, on the raw body;
- `event_id(document) -> str | None`, the provider's id for a delivery;
- `parse_webhook(document) -> list[Update]`, raising MalformedAnswer when it names no parcel.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from workers.carriers import aftership, dhl, easypost, sandbox, seventeentrack, shippo

FEEDS: dict[str, ModuleType] = {
    "sandbox": sandbox,
    "dhl": dhl,
    "easypost": easypost,
    "shippo": shippo,
    "aftership": aftership,
    "seventeentrack": seventeentrack,
}


def enabled(feed: ModuleType, config: Mapping) -> bool:
    """A feed is on when every setting it needs to poll is set."""
    return all(config.get(setting) for setting in feed.CREDENTIALS)


def feed_for(carrier: str, config: Mapping) -> ModuleType | None:
    """The feed that polls this carrier: the first enabled one in the FEEDS setting's order that
    carries it, else CARRIER_FEED (the sandbox in the demo), else none."""
    for name in ("sandbox", *config["FEEDS"]):
        feed = FEEDS.get(name)
        if feed is not None and carrier in feed.CARRIERS and enabled(feed, config):
            return feed
    return FEEDS.get(config["CARRIER_FEED"])
