"""Sandbox journeys: one script per number, played back at any speed in each scan's local clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from workers.sandbox import journeys
from workers.sandbox.journeys import Clock, estimated_delivery, events, plan, visible_steps

EPOCH = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LATER = EPOCH + timedelta(days=30)
SCENARIO_BY_DIGIT = [
    ("0", "delivered"),
    ("4", "delivered"),
    ("5", "weather_delay"),
    ("6", "failed_attempt"),
    ("7", "customs_hold"),
    ("8", "returned"),
    ("9", "lost"),
]
ENDINGS = {
    "delivered": ("DL", None),
    "weather_delay": ("DL", None),
    "failed_attempt": ("DL", None),
    "customs_hold": ("DL", None),
    "returned": ("RD", None),
    "lost": ("EX", "lost"),
}


def numbers(count: int = 60) -> list[str]:
    return [f"SB{index:09d}{digit}" for index in range(count) for digit in "0123456789"]


def on_route(name: str, digit: str = "0") -> str:
    return next(n for n in numbers() if n.endswith(digit) and plan(n).route.name == name)


@pytest.mark.parametrize(("digit", "scenario"), SCENARIO_BY_DIGIT)
def test_last_digit_picks_the_scenario(digit, scenario):
    assert plan(f"SB12345678{digit}").scenario == scenario


def test_other_endings_pick_by_a_hash_that_is_the_same_in_every_process():
    """Pinned values: Python's salted hash() would change them from run to run."""
    assert (plan("SBABC").scenario, plan("SBABC").route.name) == ("lost", "uk")
    assert (plan("SBABD").scenario, plan("SBABD").route.name) == ("returned", "nl-de")
    scenarios = {plan(f"SB{index:06d}X").scenario for index in range(200)}
    assert scenarios == set(journeys.SCENARIOS)


def test_the_same_number_always_gets_the_same_journey():
    assert plan("SB1234567895") == plan("SB1234567895")
    assert plan("SB1234567895") != plan("SB1234567885")


def test_numbers_spread_over_every_route():
    assert {plan(number).route.name for number in numbers()} == {"uk", "nl-de", "us"}


@pytest.mark.parametrize(("digit", "scenario"), SCENARIO_BY_DIGIT)
def test_every_journey_starts_with_a_label_and_ends_for_good(digit, scenario):
    steps = plan(f"SB12345678{digit}").steps
    assert (steps[0].code, steps[0].offset) == ("LC", 0)
    assert (steps[-1].code, steps[-1].exception) == ENDINGS[scenario]
    assert [step.offset for step in steps] == sorted({step.offset for step in steps})
    assert steps[-1].offset <= 10 * 86400


@pytest.mark.parametrize("route", ["uk", "nl-de", "us"])
def test_a_delivered_journey_has_every_stage_on_a_realistic_scale(route):
    steps = plan(on_route(route)).steps
    codes = [step.code for step in steps]
    assert codes[:2] == ["LC", "PU"]
    assert codes[-2:] == ["OD", "DL"]
    assert codes.count("AR") >= 3
    assert codes.count("DP") >= 2
    assert 2 * 3600 <= steps[1].offset <= 8 * 3600
    assert 1 <= steps[-1].offset / 86400 <= 4
    assert len({step.place.location.city for step in steps if step.code == "AR"}) >= 3


def test_exceptions_carry_their_reason():
    reasons = {
        step.exception
        for digit in "579"
        for step in plan(f"SB12345678{digit}").steps
        if step.code == "EX"
    }
    assert reasons == {"weather", "customs", "lost"}


def test_local_offsets_change_across_a_route_and_show_in_each_instant():
    journey = plan(on_route("us"))
    scans = events(journey, Clock(EPOCH, 1), LATER)
    offsets = [step.place.utc_offset for step in journey.steps]
    assert {-300, -360, -420} <= set(offsets)
    assert [scan.occurred_at.utcoffset() for scan in scans] == [
        timedelta(minutes=offset) for offset in offsets
    ]


def test_instants_are_compressed_by_the_speed():
    journey = plan("SB1234567890")
    last = events(journey, Clock(EPOCH, 1000), LATER)[-1]
    assert last.occurred_at == EPOCH + timedelta(seconds=journey.steps[-1].offset / 1000)
    assert last.occurred_at.isoformat().startswith("2026-11-26T")


def test_event_ids_are_stable_and_numbered():
    scans = events(plan("SB1234567890"), Clock(EPOCH, 1), LATER)
    assert [scan.id for scan in scans][:2] == ["SB1234567890-000", "SB1234567890-001"]
    assert scans[0].location.city is not None


def test_steps_show_once_their_instant_has_come():
    journey = plan("SB1234567890")
    pickup = EPOCH + timedelta(seconds=journey.steps[1].offset)
    clock = Clock(EPOCH, 1)
    assert [s.code for s in visible_steps(journey, clock, pickup)] == ["LC", "PU"]
    assert [s.code for s in visible_steps(journey, clock, pickup - timedelta(seconds=1))] == ["LC"]
    assert visible_steps(journey, clock, EPOCH - timedelta(seconds=1)) == ()


def test_speed_zero_freezes_every_journey_at_its_label():
    shown = visible_steps(plan("SB1234567890"), Clock(EPOCH, 0), LATER + timedelta(days=999))
    assert [step.code for step in shown] == ["LC"]


def test_a_huge_speed_plays_the_whole_journey_at_once():
    journey = plan("SB1234567898")
    shown = visible_steps(journey, Clock(EPOCH, 1e9), EPOCH + timedelta(seconds=1))
    assert shown == journey.steps


@pytest.mark.parametrize(("speed", "epoch"), [(-1, EPOCH), (float("nan"), EPOCH)])
def test_a_clock_needs_a_sane_speed(speed, epoch):
    with pytest.raises(ValueError, match="speed"):
        Clock(epoch, speed)


def test_a_clock_needs_an_aware_epoch():
    with pytest.raises(ValueError, match="offset"):
        Clock(datetime(2026, 11, 26, 9), 1)


def at_step(journey, index: int) -> datetime:
    return EPOCH + timedelta(seconds=journey.steps[index].offset)


def test_the_estimate_is_the_promise_until_delivered():
    journey, clock = plan("SB1234567890"), Clock(EPOCH, 1)
    assert estimated_delivery(journey, clock, EPOCH) == date(2026, 11, 28)
    assert estimated_delivery(journey, clock, at_step(journey, -2)) == date(2026, 11, 28)
    assert estimated_delivery(journey, clock, at_step(journey, -1)) is None


def test_a_delay_moves_the_estimate_to_the_real_delivery_day():
    journey, clock = plan("SB1234567895"), Clock(EPOCH, 1)
    delay = next(index for index, step in enumerate(journey.steps) if step.code == "EX")
    assert estimated_delivery(journey, clock, at_step(journey, delay - 1)) == date(2026, 11, 28)
    assert estimated_delivery(journey, clock, at_step(journey, delay)) == date(2026, 11, 29)


@pytest.mark.parametrize(("number", "last_hope"), [("SB1234567898", "DA"), ("SB1234567899", "EX")])
def test_no_estimate_after_the_last_attempt_or_once_lost(number, last_hope):
    """A returned parcel waits at the counter after its second attempt; then no delivery is due."""
    journey, clock = plan(number), Clock(EPOCH, 1)
    index = max(i for i, step in enumerate(journey.steps) if step.code == last_hope)
    assert estimated_delivery(journey, clock, at_step(journey, index - 1)) is not None
    assert estimated_delivery(journey, clock, at_step(journey, index)) is None


def test_the_estimate_at_speed_zero_is_the_uncompressed_promise():
    journey = plan("SB1234567890")
    promised = EPOCH + timedelta(seconds=journey.promised)
    assert estimated_delivery(journey, Clock(EPOCH, 0), LATER) == promised.date()
