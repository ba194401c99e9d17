"""The poller against the real sandbox carrier over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from datetime import timedelta
from threading import Event

import pytest
from sqlalchemy import func, select

from tests.support import BASE_TIME
from webapp.admin.accounts import create_user
from webapp.extensions import db
from webapp.models import AdminSession, LiveEvent, Order, Shipment, TrackingEvent, utcnow
from webapp.tracking.scans import CarrierScan
from webapp.tracking.stages import Stage
from webapp.tracking.statuses import Status
from workers import leases
from workers.carriers.feed import Tracking
from workers.housekeeping import prune_admin_sessions, prune_live_events
from workers.poller import Poller

NEVER_AGAIN = {"ORDERED": 0, "SHIPPED": 0, "IN_TRANSIT": 0, "OUT_FOR_DELIVERY": 0, "DELIVERED": 0}


def sandbox_number(scenario_digit: int) -> str:
    """A tracking number no other test uses, whose last digit picks the sandbox journey."""
    return f"SB{secrets.randbelow(10**9):09d}{scenario_digit}"


@pytest.fixture
def worker_app(app_factory):
    """Build a worker's app on the test database, talking to a given sandbox carrier."""

    def build(sandbox, **settings):
        defaults = {
            "SQLITE_IMMEDIATE_TRANSACTIONS": True,
            "SANDBOX_URL": sandbox.url,
            "FEED_READ_TIMEOUT": 0.5,
            "POLL_SECONDS": NEVER_AGAIN,
            "BACKOFF_BASE_SECONDS": 60,
        }
        return app_factory(**{**defaults, **settings})

    return build


def add_due_shipment(app, number: str) -> int:
    with app.app_context():
        order = Order(
            number=f"LL-{number}", email="ada@example.com", name="Ada", placed_at=BASE_TIME
        )
        shipment = Shipment(carrier="sandbox", tracking_number=number, next_check_at=utcnow())
        order.shipments.append(shipment)
        db.session.add(order)
        db.session.commit()
        return shipment.id


def poll_due(app) -> int:
    return Poller.for_app(app, "test-worker").tick(Event())


def shipment_state(app, shipment_id: int) -> dict:
    with app.app_context():
        shipment = db.session.get(Shipment, shipment_id)
        keys = db.session.scalars(
            select(TrackingEvent.dedupe_key).where(TrackingEvent.shipment_id == shipment_id)
        ).all()
        live = db.session.scalars(
            select(LiveEvent.kind).where(LiveEvent.shipment_id == shipment_id)
        ).all()
        return {
            "stage": Stage(shipment.stage),
            "status": Status(shipment.status),
            "reason": shipment.exception_reason,
            "keys": sorted(keys),
            "live": live,
            "failures": shipment.failures,
            "next_check_at": shipment.next_check_at,
            "lease_owner": shipment.lease_owner,
            "eta": shipment.eta_date,
        }


def make_due(app, shipment_id: int) -> None:
    with app.app_context():
        db.session.get(Shipment, shipment_id).next_check_at = utcnow()
        db.session.commit()


@pytest.mark.parametrize(
    ("digit", "stage", "status", "reason"),
    [
        (0, Stage.DELIVERED, Status.DELIVERED, None),
        (5, Stage.DELIVERED, Status.DELIVERED, None),
        (6, Stage.DELIVERED, Status.DELIVERED, None),
        (7, Stage.DELIVERED, Status.DELIVERED, None),
        (8, Stage.IN_TRANSIT, Status.RETURNED_TO_SENDER, None),
        (9, Stage.IN_TRANSIT, Status.EXCEPTION, "lost"),
    ],
    ids=["delivered", "weather", "failed-attempt", "customs", "returned", "lost"],
)
def test_a_journey_polled_to_the_end_gives_its_events_and_stage(
    worker_app, sandbox_carrier_fast, digit, stage, status, reason
):
    app = worker_app(sandbox_carrier_fast)
    number = sandbox_number(digit)
    shipment_id = add_due_shipment(app, number)
    assert poll_due(app) == 1
    state = shipment_state(app, shipment_id)
    journey = sandbox_carrier_fast.tracking(number)["events"]
    assert state["keys"] == sorted(event["id"] for event in journey)
    assert (state["stage"], state["status"], state["reason"]) == (stage, status, reason)
    assert "stage" in state["live"]
    assert state["lease_owner"] is None


def test_a_stage_with_a_poll_interval_is_checked_again_after_it(worker_app, sandbox_carrier):
    app = worker_app(sandbox_carrier, POLL_SECONDS={**NEVER_AGAIN, "SHIPPED": 600})
    shipment_id = add_due_shipment(app, sandbox_number(1))
    before = utcnow()
    poll_due(app)
    state = shipment_state(app, shipment_id)
    assert state["stage"] is Stage.SHIPPED
    assert (
        before + timedelta(seconds=600)
        <= state["next_check_at"]
        <= utcnow() + timedelta(seconds=600)
    )
    assert poll_due(app) == 0


def test_the_same_scans_again_and_a_late_scan_change_nothing_wrongly(worker_app, sandbox_carrier):
    app = worker_app(sandbox_carrier)
    number = sandbox_number(1)
    shipment_id = add_due_shipment(app, number)
    sandbox_carrier.inject(number, "OD", hours=30)
    poll_due(app)
    first = shipment_state(app, shipment_id)
    assert first["stage"] is Stage.OUT_FOR_DELIVERY

    make_due(app, shipment_id)
    poll_due(app)
    again = shipment_state(app, shipment_id)
    assert again["keys"] == first["keys"]
    assert again["live"] == first["live"], "nothing new, so nothing pushed"

    sandbox_carrier.inject(number, "AR", hours=20, description="Arrived at the depot (late scan)")
    make_due(app, shipment_id)
    poll_due(app)
    late = shipment_state(app, shipment_id)
    assert len(late["keys"]) == len(first["keys"]) + 1
    assert late["stage"] is Stage.OUT_FOR_DELIVERY
    assert late["live"][-1] == "scan"


@pytest.mark.parametrize("mode", ["error", "rate_limit", "timeout", "malformed"])
def test_a_failing_feed_loses_no_scan_and_backs_off(worker_app, sandbox_carrier, mode):
    app = worker_app(sandbox_carrier)
    number = sandbox_number(1)
    shipment_id = add_due_shipment(app, number)
    sandbox_carrier.inject(number, "PU", hours=2)
    sandbox_carrier.fail_next(number, mode, retry_after=900)
    started = utcnow()

    assert poll_due(app) == 1
    failed = shipment_state(app, shipment_id)
    assert failed["keys"] == []
    assert failed["failures"] == 1
    assert failed["lease_owner"] is None
    wait = failed["next_check_at"] - started
    if mode == "rate_limit":
        assert wait >= timedelta(seconds=900), "Retry-After is honoured"
    else:
        assert timedelta(seconds=30) <= wait <= timedelta(seconds=61), "backoff with jitter"

    make_due(app, shipment_id)
    poll_due(app)
    recovered = shipment_state(app, shipment_id)
    assert [key.rsplit("-", 1)[1] for key in recovered["keys"]] == ["000", "x000"]
    assert recovered["failures"] == 0
    assert recovered["stage"] is Stage.IN_TRANSIT


def test_failures_in_a_row_back_off_exponentially(worker_app, sandbox_carrier):
    app = worker_app(sandbox_carrier)
    number = sandbox_number(1)
    shipment_id = add_due_shipment(app, number)
    sandbox_carrier.fail_next(number, "error", count=3)
    waits = []
    for _ in range(3):
        started = utcnow()
        poll_due(app)
        waits.append((shipment_state(app, shipment_id)["next_check_at"] - started).total_seconds())
        make_due(app, shipment_id)
    assert 30 <= waits[0] <= 61
    assert 60 <= waits[1] <= 121
    assert 120 <= waits[2] <= 241


def test_a_number_the_carrier_does_not_know_backs_off(worker_app, sandbox_carrier):
    app = worker_app(sandbox_carrier)
    shipment_id = add_due_shipment(app, "NO-SUCH")
    assert poll_due(app) == 1
    state = shipment_state(app, shipment_id)
    assert state["failures"] == 1
    assert state["next_check_at"] > utcnow()


def test_the_carriers_estimate_is_kept(worker_app, sandbox_carrier):
    app = worker_app(sandbox_carrier)
    number = sandbox_number(1)
    shipment_id = add_due_shipment(app, number)
    poll_due(app)
    estimate = sandbox_carrier.tracking(number)["estimated_delivery"]
    assert estimate is not None
    assert shipment_state(app, shipment_id)["eta"].isoformat() == estimate


def test_a_shipment_without_news_for_too_long_is_flagged_stalled(worker_app, sandbox_carrier):
    app = worker_app(sandbox_carrier, STALLED_AFTER_SECONDS=0)
    number = sandbox_number(1)
    shipment_id = add_due_shipment(app, number)
    poll_due(app)
    with app.app_context():
        assert db.session.get(Shipment, shipment_id).stalled
    news = utcnow() + timedelta(hours=1)  # the newest scan is not older than 0 s until then
    sandbox_carrier.inject(number, "DP", occurred_at=news.isoformat())
    make_due(app, shipment_id)
    poll_due(app)
    with app.app_context():
        assert not db.session.get(Shipment, shipment_id).stalled


def test_a_leased_shipment_is_not_claimed_by_another_worker(worker_app, sandbox_carrier):
    app = worker_app(sandbox_carrier)
    add_due_shipment(app, sandbox_number(1))
    with app.app_context():
        assert len(leases.claim("worker-a", utcnow(), 60, 10)) == 1
        assert leases.claim("worker-b", utcnow(), 60, 10) == []
        assert len(leases.claim("worker-a", utcnow(), 60, 10)) == 1, "a restarted owner resumes"
        later = utcnow() + timedelta(seconds=61)
        assert len(leases.claim("worker-b", later, 60, 10)) == 1, "an expired lease is free"
        assert db.session.scalar(select(func.count()).select_from(Shipment)) == 1


class BrokenFeed:
    """A feed adapter with a bug in it."""

    NAME = "broken"

    @staticmethod
    def fetch(http, parcel, config):
        raise KeyError("events")


def test_a_bug_in_a_feed_adapter_backs_off_that_shipment_and_polling_goes_on(
    worker_app, sandbox_carrier
):
    app = worker_app(sandbox_carrier)
    first, second = (add_due_shipment(app, sandbox_number(1)) for _ in range(2))
    poller = Poller.for_app(app, "test-worker")
    poller.feed_for = lambda carrier: BrokenFeed
    assert poller.tick(Event()) == 2
    for shipment_id in (first, second):
        state = shipment_state(app, shipment_id)
        assert state["failures"] == 1
        assert state["next_check_at"] > utcnow()
        assert state["lease_owner"] is None


class UnstorableFeed:
    """A feed adapter whose answer the database will not take."""

    NAME = "unstorable"

    @staticmethod
    def fetch(http, parcel, config):
        odd = {"not json": object()}
        scan = CarrierScan(utcnow(), Status.IN_TRANSIT, carrier_code="AR", raw_payload=odd)
        return Tracking((scan,))


def test_an_answer_that_cannot_be_stored_backs_off_that_shipment_and_polling_goes_on(
    worker_app, sandbox_carrier
):
    app = worker_app(sandbox_carrier)
    first, second = (add_due_shipment(app, sandbox_number(1)) for _ in range(2))
    poller = Poller.for_app(app, "test-worker")
    poller.feed_for = lambda carrier: UnstorableFeed
    assert poller.tick(Event()) == 2
    for shipment_id in (first, second):
        state = shipment_state(app, shipment_id)
        assert (state["failures"], state["keys"], state["lease_owner"]) == (1, [], None)
        assert state["next_check_at"] > utcnow()


def test_housekeeping_prunes_live_events_older_than_the_retention(app):
    with app.app_context():
        order = Order(number="LL-1", email="a@example.com", name="A", placed_at=BASE_TIME)
        db.session.add(order)
        db.session.flush()
        old = utcnow() - timedelta(days=2)
        db.session.add_all(
            [
                LiveEvent(order_id=order.id, kind="scan", created_at=old),
                LiveEvent(order_id=order.id, kind="scan"),
            ]
        )
        db.session.commit()
    assert prune_live_events(app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LiveEvent)) == 1


def test_housekeeping_prunes_expired_staff_sessions(app):
    with app.app_context():
        user = create_user("ops@example.com", "correct horse battery", "viewer")
        db.session.flush()
        now = utcnow()
        db.session.add_all(
            [
                AdminSession(id_hash="a" * 64, user_id=user.id, expires_at=now - timedelta(1)),
                AdminSession(id_hash="b" * 64, user_id=user.id, expires_at=now + timedelta(1)),
            ]
        )
        db.session.commit()
    assert prune_admin_sessions(app) == 1
    with app.app_context():
        assert db.session.scalar(select(AdminSession.id_hash)) == "b" * 64


def test_a_carrier_no_feed_carries_is_checked_again_at_the_longest_back_off(
    worker_app, sandbox_carrier
):
    app = worker_app(sandbox_carrier, CARRIER_FEED="", BACKOFF_MAX_SECONDS=6 * 3600)
    shipment_id = add_due_shipment(app, sandbox_number(1))
    with app.app_context():
        db.session.get(Shipment, shipment_id).carrier = "ups"
        db.session.commit()
    assert poll_due(app) == 1
    state = shipment_state(app, shipment_id)
    assert state["failures"] == 1
    assert state["next_check_at"] > utcnow() + timedelta(hours=5, minutes=59)
