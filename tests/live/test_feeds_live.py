"""Each configured feed against the provider's real API: it answers, and the answer reads."""

from __future__ import annotations

import pytest

from tests.live.parcels import live_parcels
from webapp import create_app
from workers.carriers import FEEDS, feed
from workers.carriers.feed import Tracking, UnknownNumber

PARCELS = live_parcels()


@pytest.mark.parametrize("name", sorted(PARCELS))
def test_the_provider_answers_for_a_parcel_and_the_answer_reads(name):
    config = create_app({"SECRET_KEY": "live", "SQLALCHEMY_DATABASE_URI": "sqlite://"}).config
    try:
        answer = FEEDS[name].fetch(feed.session(), PARCELS[name], config)
    except UnknownNumber:
        pytest.fail(f"{name} does not know {PARCELS[name]}: set MLN_LIVE_{name.upper()}_NUMBER")
    assert isinstance(answer, Tracking)
    assert answer.rejected == 0
    for scan in answer.scans:
        assert scan.occurred_at.tzinfo is not None
        assert scan.carrier_code or scan.carrier_text
