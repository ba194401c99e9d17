"""The benchmark's order generator: deterministic, realistic, and consistent with the domain."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench.order_loader import (
    Plan,
    order_fields,
    s10_check,
    shipment_fields,
    shipment_scans,
    ups_check,
)
from webapp.tracking.stages import Stage, derive
from webapp.tracking.statuses import Status

PLAN = Plan.of(50_000, datetime(2026, 11, 2, 12, tzinfo=UTC))


def test_an_order_is_a_function_of_its_index_and_the_plan():
    assert order_fields(1234, PLAN) == order_fields(1234, Plan.of(50_000, PLAN.now))
    assert order_fields(1234, PLAN) != order_fields(1235, PLAN)
    assert shipment_fields(1234, PLAN) == shipment_fields(1234, PLAN)


def test_orders_are_numbered_by_index_and_placed_before_now_newest_last():
    first, last = order_fields(1, PLAN), order_fields(PLAN.orders, PLAN)
    assert (first["id"], first["number"]) == (1, "LL-100001")
    assert last["number"] == f"LL-{100_000 + PLAN.orders}"
    assert first["placed_at"] < last["placed_at"] <= PLAN.now
    assert (PLAN.now - first["placed_at"]).days >= 700


@pytest.mark.parametrize(
    ("check", "body", "digit"),
    [(s10_check, "47312482", 9), (ups_check, "999AA1012345678", 4)],
    ids=["S10 AA473124829GB", "UPS 1Z999AA10123456784"],
)
def test_check_digits_agree_with_published_numbers(check, body, digit):
    assert check(body) == digit


def test_each_parcel_is_in_the_state_its_scans_derive():
    for i in range(PLAN.orders - 1500, PLAN.orders + 1):
        for fields, scans in zip(shipment_fields(i, PLAN), shipment_scans(i, PLAN), strict=True):
            state = derive(scans)
            assert (fields["stage"], fields["status"]) == (state.stage.value, state.status.value)
            assert fields["last_scan_at"] == state.last_scan_at


def test_recent_orders_cover_every_stage_and_the_problems_staff_search_for():
    parcels = [
        p for i in range(PLAN.orders - 3000, PLAN.orders + 1) for p in shipment_fields(i, PLAN)
    ]
    assert {p["stage"] for p in parcels} == {stage.value for stage in Stage}
    statuses = {p["status"] for p in parcels}
    for status in (Status.EXCEPTION, Status.FAILED_ATTEMPT, Status.RETURNED_TO_SENDER):
        assert status.value in statuses
    assert any(p["stalled"] for p in parcels)


def test_tracking_numbers_are_distinct_and_customers_come_back():
    orders = [order_fields(i, PLAN) for i in range(1, 5001)]
    numbers = [p["tracking_number"] for i in range(1, 5001) for p in shipment_fields(i, PLAN)]
    assert len(set(numbers)) == len(numbers)
    emails = [order["email"] for order in orders]
    assert 0.7 * len(emails) < len(set(emails)) < len(emails)
