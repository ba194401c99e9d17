"""When the worker checks a shipment next: routinely by stage, backing off when the feed fails."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from webapp.config import DEFAULTS
from webapp.tracking.stages import Stage
from workers.schedule import backoff, is_stalled, next_check

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
POLL_SECONDS = {
    "ORDERED": 3600,
    "SHIPPED": 1800,
    "IN_TRANSIT": 900,
    "OUT_FOR_DELIVERY": 300,
    "DELIVERED": 0,
}
BASE, CAP = 60, 6 * 3600


class Ceiling:
    """An rng that always draws the top of the range, so the ceiling shows through."""

    def uniform(self, low: float, high: float) -> float:
        return high


@pytest.mark.parametrize(
    ("stage", "seconds"),
    [
        (Stage.ORDERED, 3600),
        (Stage.SHIPPED, 1800),
        (Stage.IN_TRANSIT, 900),
        (Stage.OUT_FOR_DELIVERY, 300),
    ],
)
def test_next_check_waits_the_seconds_of_the_stage(stage, seconds):
    assert next_check(int(stage), NOW, POLL_SECONDS) == NOW + timedelta(seconds=seconds)


def test_delivered_is_never_checked_again():
    assert next_check(int(Stage.DELIVERED), NOW, POLL_SECONDS) is None


@pytest.mark.parametrize("seconds", [0, None])
def test_zero_or_no_interval_stops_checking(seconds):
    """Setting a stage to 0 (or leaving it out) turns routine checks off at that stage."""
    assert next_check(int(Stage.IN_TRANSIT), NOW, {"IN_TRANSIT": seconds}) is None
    assert next_check(int(Stage.IN_TRANSIT), NOW, {}) is None


def test_the_default_settings_name_every_stage():
    """The shipped defaults use the keys next_check looks up: only a delivered parcel rests."""
    checks = {stage: next_check(int(stage), NOW, DEFAULTS["POLL_SECONDS"]) for stage in Stage}
    assert [stage for stage, when in checks.items() if when is None] == [Stage.DELIVERED]
    assert all(when > NOW for when in checks.values() if when is not None)


def test_backoff_doubles_with_each_failure():
    assert [backoff(n, BASE, CAP, rng=Ceiling()) for n in range(1, 6)] == [
        60,
        120,
        240,
        480,
        960,
    ]


def test_backoff_before_any_failure_is_the_base():
    assert backoff(0, BASE, CAP, rng=Ceiling()) == BASE


@pytest.mark.parametrize("failures", [10, 11, 30, 200])
def test_backoff_is_capped(failures):
    assert backoff(failures, BASE, CAP, rng=Ceiling()) == CAP


def test_backoff_stays_capped_after_very_many_failures():
    """A number failing for months keeps its cap, also with a base given as a float."""
    delay = backoff(5000, float(BASE), float(CAP), rng=random.Random(7))
    assert CAP / 2 <= delay <= CAP


@pytest.mark.parametrize("failures", [1, 3, 12])
def test_backoff_is_jittered_between_half_and_all_of_the_ceiling(failures):
    ceiling = min(CAP, BASE * 2 ** (failures - 1))
    rng = random.Random(20261120)
    delays = [backoff(failures, BASE, CAP, rng=rng) for _ in range(200)]
    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(set(delays)) == len(delays)
    assert min(delays) < ceiling * 0.6
    assert max(delays) > ceiling * 0.9


def test_backoff_is_reproducible_with_a_seeded_rng():
    first = [backoff(4, BASE, CAP, rng=random.Random(1)) for _ in range(3)]
    assert first == [backoff(4, BASE, CAP, rng=random.Random(1)) for _ in range(3)]


def test_backoff_never_comes_before_retry_after():
    """The carrier's Retry-After wins over a shorter backoff, even over the cap."""
    assert backoff(1, BASE, CAP, retry_after=3600, rng=random.Random(3)) == 3600
    assert backoff(1, BASE, CAP, retry_after=CAP * 2, rng=Ceiling()) == CAP * 2


def test_a_shorter_retry_after_leaves_the_backoff_alone():
    assert backoff(4, BASE, CAP, retry_after=5, rng=Ceiling()) == 480
    assert backoff(4, BASE, CAP, retry_after=0.0, rng=Ceiling()) == 480


def test_never_seen_is_not_stalled():
    assert not is_stalled(None, NOW, 3600)


@pytest.mark.parametrize(
    ("silence", "stalled"),
    [
        (timedelta(hours=1), False),
        (timedelta(days=4), False),
        (timedelta(days=4, seconds=1), True),
        (timedelta(days=30), True),
    ],
)
def test_stalled_once_silent_for_longer_than_allowed(silence, stalled):
    assert is_stalled(NOW - silence, NOW, 4 * 86400) is stalled
