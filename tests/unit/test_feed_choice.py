"""Which feed polls a parcel: the first enabled one that carries its carrier, else the fallback."""

from __future__ import annotations

import pytest

from webapp.config import DEFAULTS
from workers import carriers
from workers.carriers import FEEDS, feed_for
from workers.carriers.feed import MalformedAnswer, SignatureError


def config(**settings) -> dict:
    return {**DEFAULTS, "CARRIER_FEED": "", **settings}


def test_every_registered_feed_meets_the_contract():
    for name, module in FEEDS.items():
        assert name == module.NAME
        assert module.CREDENTIALS
        assert all(isinstance(code, str) for code in module.CARRIERS)
        for function in ("map_status", "fetch", "parse", "verify", "event_id", "parse_webhook"):
            assert callable(getattr(module, function)), (name, function)


def test_a_feed_is_enabled_only_when_all_its_credentials_are_set():
    assert not carriers.enabled(FEEDS["dhl"], config())
    assert carriers.enabled(FEEDS["dhl"], config(DHL_API_KEY="key"))


def test_the_sandbox_carrier_is_polled_by_the_sandbox():
    assert feed_for("sandbox", config()) is FEEDS["sandbox"]


def test_a_carrier_goes_to_the_first_enabled_feed_in_the_configured_order():
    both = config(DHL_API_KEY="key", SHIPPO_API_TOKEN="token")
    assert feed_for("dhl", both) is FEEDS["dhl"]
    assert feed_for("ups", both) is FEEDS["shippo"]  # DHL's own API tracks only DHL
    shippo_first = {**both, "FEEDS": ["shippo", "dhl"]}
    assert feed_for("dhl", shippo_first) is FEEDS["shippo"]


def test_a_carrier_no_enabled_feed_carries_falls_back_to_the_carrier_feed_or_none():
    assert feed_for("ups", config()) is None
    assert feed_for("ups", config(CARRIER_FEED="sandbox")) is FEEDS["sandbox"]
    assert feed_for("postnl", config(SHIPPO_API_TOKEN="token")) is None  # Shippo has no PostNL


@pytest.mark.parametrize("name", ["sandbox", "dhl"])
def test_a_feed_that_sends_no_webhooks_refuses_every_delivery(name):
    with pytest.raises(SignatureError):
        FEEDS[name].verify({}, b"{}", "secret", None)
    assert FEEDS[name].event_id({"id": "evt_1"}) is None
    with pytest.raises(MalformedAnswer):
        FEEDS[name].parse_webhook({"events": []})
