"""The staff overview: parcels by stage, the attention queue, each carrier's record."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.support import BASE_TIME, add_shipment, sign_in
from webapp.admin.dashboard import (
    Reason,
    attention_queue,
    carrier_records,
    overview,
    stage_counts,
)
from webapp.extensions import db
from webapp.models import Order
from webapp.tracking.stages import Stage
from webapp.tracking.statuses import Status

NOW = BASE_TIME + timedelta(days=10)  # Monday 30 November 2026, 09:00 UTC
DAY = 24  # hours
LABEL = Status.INFO_RECEIVED
MOVING = Status.IN_TRANSIT


@pytest.fixture
def ship(app):
    """An order with one parcel per journey: ship(number, journey, ..., carrier=, eta_date=)."""

    def make(number, *journeys, name="Ada Lovelace", placed_at=BASE_TIME, **fields):
        with app.app_context():
            order = Order(
                number=number,
                email=f"{number.lower()}@example.com",
                name=name,
                postcode="LS6 2QT",
                placed_at=placed_at,
            )
            db.session.add(order)
            db.session.flush()
            for index, journey in enumerate(journeys):
                add_shipment(order, journey, number=f"{number}-{index}", **fields)
            db.session.commit()

    return make


def hours_ago(hours: float) -> float:
    """Hours after BASE_TIME of a moment `hours` before now, for what the page shows today."""
    return (datetime.now(UTC) - BASE_TIME) / timedelta(hours=1) - hours


def days(n: int) -> date:
    return (BASE_TIME + timedelta(days=n)).date()


def _queue(app, now=NOW, **options):
    with app.app_context():
        queue = attention_queue(now, **options)
        rows = [(item.shipment.order.number, item.reasons, item.since) for item in queue.items]
        return rows, queue.total


def _reasons(app) -> dict[str, list[Reason]]:
    rows, _ = _queue(app)
    return {number: [reason for reason, _ in reasons] for number, reasons, _ in rows}


# Parcels by stage


def test_each_stage_counts_its_parcels_and_ordered_the_new_orders_without_one(app, ship):
    ship("LL-1", [])
    ship("LL-2", [(LABEL, 1)])
    ship("LL-3", [(LABEL, 1), (MOVING, 5)], [(MOVING, 3)])
    ship("LL-4", [(Status.FAILED_ATTEMPT, 30)])
    ship("LL-5", [(MOVING, 1), (Status.DELIVERED, 40)])
    ship("LL-6", placed_at=NOW - timedelta(days=29))
    ship("LL-7", placed_at=NOW - timedelta(days=31))
    with app.app_context():
        counts = stage_counts(NOW)
    assert [(c.stage, c.shipments, c.orders_without_parcel) for c in counts] == [
        (Stage.ORDERED, 1, 1),
        (Stage.SHIPPED, 1, 0),
        (Stage.IN_TRANSIT, 2, 0),
        (Stage.OUT_FOR_DELIVERY, 1, 0),
        (Stage.DELIVERED, 1, 0),
    ]
    assert counts[0].total == 2


def test_delivered_counts_only_the_last_30_days(app, ship):
    ship("LL-1", [(Status.DELIVERED, 10 * DAY - 30 * DAY + 1)])
    ship("LL-2", [(Status.DELIVERED, 10 * DAY - 30 * DAY - 1)])
    with app.app_context():
        delivered = stage_counts(NOW)[-1]
    assert (delivered.stage, delivered.shipments, delivered.window_days) == (Stage.DELIVERED, 1, 30)


def test_the_stage_tiles_link_to_the_search_for_that_stage(client, staff, ship):
    ship("LL-1", [(MOVING, 1)], [(MOVING, 2)], [(MOVING, 3)])
    sign_in(client, staff("viewer"))
    page = client.get("/admin").get_data(as_text=True)
    tile = page.split('href="/admin/orders?stage=in-transit"')[1].split("</a>")[0]
    assert '<span class="stage-tile-count">3</span>' in tile
    assert "In transit" in tile
    assert 'href="/admin/orders?stage=ordered"' in page
    assert 'href="/admin/orders?stage=delivered"' in page


# The attention queue


@pytest.mark.parametrize(
    ("journey", "fields", "reason", "tag"),
    [
        ([(MOVING, 1), (Status.EXCEPTION, 5, "", "customs")], {}, Reason.EXCEPTION,
         "Exception: customs"),
        ([(Status.OUT_FOR_DELIVERY, 1), (Status.FAILED_ATTEMPT, 5)], {}, Reason.FAILED_ATTEMPT,
         "Failed attempt"),
        ([(MOVING, 1), (Status.RETURNED_TO_SENDER, 5)], {}, Reason.RETURNING,
         "Returning to sender"),
        ([(MOVING, 1), (Status.RETURNED_TO_SENDER, 5), (MOVING, 8)], {}, Reason.RETURNING,
         "Returning to sender"),
        ([(MOVING, 1)], {"stalled": True}, Reason.STALLED, "Stalled"),
        ([(MOVING, 1)], {"eta_date": days(9)}, Reason.OVERDUE, "Past ETA (Sun 29 Nov)"),
    ],
)  # fmt: skip
def test_each_kind_of_trouble_puts_a_parcel_in_the_queue(app, ship, journey, fields, reason, tag):
    ship("LL-1", journey, **fields)
    ship("LL-2", [(MOVING, 1)], eta_date=days(10))
    rows, total = _queue(app)
    assert [(number, reasons) for number, reasons, _ in rows] == [("LL-1", ((reason, tag),))]
    assert total == 1


def test_a_parcel_can_be_in_trouble_for_several_reasons(app, ship):
    ship("LL-1", [(Status.EXCEPTION, 5, "", "weather")], stalled=True, eta_date=days(1))
    assert _reasons(app) == {"LL-1": [Reason.EXCEPTION, Reason.STALLED, Reason.OVERDUE]}


def test_delivered_parcels_are_never_in_the_queue(app, ship):
    ship("LL-1", [(Status.EXCEPTION, 5, "", "delayed"), (Status.DELIVERED, 50)], eta_date=days(1))
    ship("LL-2", [(MOVING, 1), (Status.DELIVERED, 60)], stalled=True)
    assert _reasons(app) == {}


def test_a_parcel_back_with_the_shop_leaves_the_queue(app, ship):
    ship("LL-1", [(MOVING, 1), (Status.RETURNED_TO_SENDER, 5), (Status.DELIVERED, 30)])
    assert _reasons(app) == {}


def test_a_parcel_due_today_is_not_late_yet(app, ship):
    ship("LL-1", [(MOVING, 1)], eta_date=NOW.date())
    assert _reasons(app) == {}


def test_the_queue_puts_the_longest_in_trouble_first(app, ship):
    """Since the last scan for bad news or silence, the end of the ETA day for lateness."""
    ship("LL-A", [(Status.EXCEPTION, 50, "", "held")])
    ship("LL-B", [(MOVING, 10)], stalled=True)
    ship("LL-C", [(MOVING, 60)], eta_date=days(1))
    ship("LL-D", [(Status.EXCEPTION, 5, "", "address")], eta_date=days(0))
    ship("LL-E", [(Status.FAILED_ATTEMPT, 60)], eta_date=days(0))
    rows, _ = _queue(app)
    assert [(number, since) for number, _, since in rows] == [
        ("LL-D", BASE_TIME + timedelta(hours=5)),
        ("LL-B", BASE_TIME + timedelta(hours=10)),
        ("LL-E", datetime(2026, 11, 21, tzinfo=UTC)),
        ("LL-C", datetime(2026, 11, 22, tzinfo=UTC)),
        ("LL-A", BASE_TIME + timedelta(hours=50)),
    ]


def test_a_parcel_with_no_scan_has_been_silent_since_it_was_registered(app, ship):
    registered = BASE_TIME + timedelta(days=2)
    ship("LL-1", [], stalled=True, created_at=registered)
    rows, _ = _queue(app)
    assert [(number, since) for number, _, since in rows] == [("LL-1", registered)]


def test_the_queue_shows_the_oldest_few_and_counts_them_all(app, ship):
    for hour in (30, 10, 20):
        ship(f"LL-{hour}", [(Status.EXCEPTION, hour, "", "lost")])
    with app.app_context():
        queue = attention_queue(NOW, limit=2)
        assert [item.shipment.order.number for item in queue.items] == ["LL-10", "LL-20"]
    assert (queue.total, queue.more) == (3, 1)


def test_trouble_older_than_60_days_is_left_to_the_search(app, ship):
    ship("LL-1", [(Status.EXCEPTION, 10 * DAY - 61 * DAY, "", "lost")])
    ship("LL-2", [(Status.EXCEPTION, 10 * DAY - 59 * DAY, "", "lost")])
    rows, total = _queue(app)
    assert [number for number, _, _ in rows] == ["LL-2"]
    assert total == 1


def test_the_queue_links_each_order_and_escapes_what_customers_wrote(client, staff, ship):
    ship(
        "LL-7",
        [(Status.EXCEPTION, hours_ago(5), "", "customs")],
        name="<script>alert(1)</script> Hopper",
        carrier="dhl",
    )
    sign_in(client, staff("viewer"))
    page = client.get("/admin").get_data(as_text=True)
    assert '<a href="/admin/orders/LL-7">LL-7</a>' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Hopper" in page
    assert "<script>alert" not in page
    assert "LL-7-0" in page
    assert '<li class="tag tag-exception">Exception: customs</li>' in page
    assert 'data-viewer="relative"' in page


def test_an_empty_queue_says_so(client, staff):
    sign_in(client, staff("viewer"))
    page = client.get("/admin").get_data(as_text=True)
    assert "Nothing needs attention" in page
    assert "No parcels shipped in the last 14 days or delivered in the last 30" in page


# Carriers


def _transit(carrier, number, ship, shipped_day, transit_hours, eta=None):
    start = shipped_day * DAY
    journey = [(LABEL, start), (Status.DELIVERED, start + transit_hours)]
    ship(number, journey, carrier=carrier, eta_date=eta)


def test_median_transit_takes_the_middle_delivery_or_the_mean_of_two(app, ship):
    for number, hours in (("LL-1", 24), ("LL-2", 96), ("LL-3", 48)):
        _transit("dhl", number, ship, 1, hours)
    for number, hours in (("LL-4", 24), ("LL-5", 72)):
        _transit("ups", number, ship, 1, hours)
    with app.app_context():
        records = {record.carrier: record for record in carrier_records(NOW)}
    assert (records["dhl"].deliveries, records["dhl"].median_days) == (3, 2.0)
    assert (records["ups"].deliveries, records["ups"].median_days) == (2, 2.0)


def test_only_the_last_30_days_deliveries_count(app, ship):
    _transit("dhl", "LL-1", ship, -30, 24)
    _transit("dhl", "LL-2", ship, 1, 72)
    with app.app_context():
        (record,) = carrier_records(NOW)
    assert (record.deliveries, record.median_days) == (1, 3.0)


def test_on_time_means_delivered_by_the_end_of_the_eta_day(app, ship):
    _transit("dhl", "LL-1", ship, 0, 38, eta=days(1))  # 23:00 on the ETA day
    _transit("dhl", "LL-2", ship, 0, 39, eta=days(1))  # midnight: the day after
    _transit("dhl", "LL-3", ship, 0, 10, eta=days(2))
    _transit("dhl", "LL-4", ship, 0, 10)
    with app.app_context():
        (record,) = carrier_records(NOW)
    assert (record.deliveries, record.with_eta, record.on_time) == (4, 3, 2)
    assert record.on_time_share == pytest.approx(2 / 3)


def test_volume_counts_parcels_shipped_each_day_for_14_days(app, ship):
    first_day = datetime(2026, 11, 17, tzinfo=UTC)
    hours = (first_day - BASE_TIME) / timedelta(hours=1)
    ship("LL-1", [(LABEL, hours - 0.1)], carrier="dhl")  # 23:54 the day before: too old
    ship("LL-2", [(LABEL, hours + 23.9)], [(LABEL, hours)], carrier="dhl")
    ship("LL-3", [(LABEL, 0)], [(LABEL, 2)], carrier="dhl")
    ship("LL-4", [(LABEL, 10 * DAY)], [(LABEL, 10 * DAY - 9)], carrier="dhl")  # today, from 00:00
    ship("LL-5", [(LABEL, 0)], carrier="ups")
    with app.app_context():
        records = carrier_records(NOW)
    assert [record.carrier for record in records] == ["dhl", "ups"]
    dhl = records[0].volume
    assert len(dhl) == 14
    assert (dhl[0], dhl[-1]) == ((date(2026, 11, 17), 2), (date(2026, 11, 30), 2))
    assert dict(dhl)[date(2026, 11, 20)] == 2
    assert records[0].shipped == 6
    assert records[1].shipped == 1


def test_a_carrier_with_deliveries_but_nothing_shipped_lately_has_a_quiet_chart(app, ship):
    _transit("dhl", "LL-1", ship, -10, 24 * 6)
    with app.app_context():
        (record,) = carrier_records(NOW)
    assert record.deliveries == 1
    assert record.shipped == 0
    assert len(record.volume) == 14
    assert record.volume_chart.empty


def test_each_carrier_card_shows_its_chart_median_and_punctuality(client, staff, ship):
    today = datetime.now(UTC).date()
    delivered = [(LABEL, hours_ago(72)), (Status.DELIVERED, hours_ago(24))]
    ship("LL-1", delivered, carrier="dhl", eta_date=today + timedelta(days=2))
    sign_in(client, staff("viewer"))
    page = client.get("/admin").get_data(as_text=True)
    assert '<a href="/admin/orders?carrier=dhl">DHL</a>' in page
    assert 'role="img" aria-label="Parcels shipped per day,' in page
    assert "<strong>2.0 days</strong>" in page
    assert "<strong>100%</strong>" in page
    assert 'aria-label="1 of 1 (100%) delivered by the ETA."' in page


def test_a_carrier_card_says_when_it_has_nothing_to_measure(client, staff, ship):
    ship("LL-1", [(LABEL, hours_ago(30))], carrier="dhl")
    ship(
        "LL-2",
        [(LABEL, hours_ago(30 * DAY)), (Status.DELIVERED, hours_ago(20 * DAY))],
        carrier="ups",
    )
    sign_in(client, staff("viewer"))
    page = client.get("/admin").get_data(as_text=True)
    dhl, ups = page.split('<article class="panel carrier-card"')[1:]
    assert "No deliveries in the last 30 days." in dhl
    assert "None had an ETA" in ups
    assert "<svg" not in ups, "nothing shipped in 14 days: no empty chart"
    assert "<strong>0</strong> shipped in 14 days" in ups


def test_the_whole_overview_comes_from_one_call(app, ship):
    ship("LL-1", [(LABEL, 1), (Status.EXCEPTION, 5, "", "damaged")], carrier="dhl")
    with app.app_context():
        everything = overview(NOW)
    assert everything.queue.total == 1
    assert [record.carrier for record in everything.carriers] == ["dhl"]
    assert everything.stages[Stage.SHIPPED].shipments == 1


# Who sees it


def test_every_role_sees_the_overview(client, staff):
    for role in ("viewer", "agent", "admin"):
        sign_in(client, staff(role))
        response = client.get("/admin")
        assert response.status_code == 200
        assert "Needs attention" in response.get_data(as_text=True)


def test_the_overview_needs_a_signed_in_member_of_staff(client):
    assert client.get("/admin").status_code == 302
