"""Which e-mail a batch of new scans calls for: the latest kind reached, the rest skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from webapp.tracking.notices import Delay, Kind, delay_of, for_scans
from webapp.tracking.statuses import Status

START = datetime(2026, 12, 1, 8, tzinfo=UTC)


@dataclass(frozen=True)
class Event:
    occurred_at: datetime
    status: str
    exception_reason: str | None = None
    dedupe_key: str = ""


def events(*statuses: Status) -> list[Event]:
    return [
        Event(START + timedelta(hours=i), status.value, dedupe_key=f"k{i}")
        for i, status in enumerate(statuses)
    ]


def test_a_catch_up_sends_only_the_latest_kind_and_skips_the_rest():
    new = events(Status.INFO_RECEIVED, Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Status.DELIVERED)
    notices = for_scans(reversed(new), Status.DELIVERED)  # the order they come in does not matter
    assert notices.send is Kind.DELIVERED
    assert notices.scan == new[-1]
    assert notices.skipped == (Kind.SHIPPED, Kind.OUT_FOR_DELIVERY)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (Status.INFO_RECEIVED, Kind.SHIPPED),
        (Status.IN_TRANSIT, Kind.SHIPPED),
        (Status.OUT_FOR_DELIVERY, Kind.OUT_FOR_DELIVERY),
        (Status.AVAILABLE_FOR_PICKUP, Kind.AVAILABLE_FOR_PICKUP),
        (Status.FAILED_ATTEMPT, Kind.FAILED_ATTEMPT),
        (Status.DELIVERED, Kind.DELIVERED),
        (Status.EXCEPTION, Kind.DELAYED),
        (Status.RETURNED_TO_SENDER, Kind.DELAYED),
    ],
)
def test_each_status_announces_its_kind(status, kind):
    assert for_scans(events(status), status).send is kind


@pytest.mark.parametrize("status", [Status.PENDING, Status.UNKNOWN, Status.EXPIRED])
def test_statuses_without_news_for_the_customer_announce_nothing(status):
    notices = for_scans(events(status), status)
    assert (notices.send, notices.skipped) == (None, ())


def test_a_problem_already_over_is_skipped_for_the_news_after_it():
    notices = for_scans(events(Status.EXCEPTION, Status.IN_TRANSIT), Status.IN_TRANSIT)
    assert (notices.send, notices.skipped) == (Kind.SHIPPED, (Kind.DELAYED,))


def test_a_late_scan_from_earlier_in_the_journey_sends_nothing():
    notices = for_scans(events(Status.OUT_FOR_DELIVERY), Status.DELIVERED)
    assert (notices.send, notices.skipped) == (None, (Kind.OUT_FOR_DELIVERY,))


def test_a_delay_notice_keeps_the_exceptions_reason_or_says_it_is_a_return():
    returned, held = events(Status.RETURNED_TO_SENDER, Status.EXCEPTION)
    assert delay_of(returned) == Delay.RETURNING
    assert delay_of(Event(held.occurred_at, held.status, "customs")) == "customs"
    assert delay_of(Event(held.occurred_at, held.status, "alien abduction")) == "other"
