"""Staff search: fragments of five fields, parcel filters, keyset pages, the URL as the query."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support import BASE_TIME, add_shipment, sign_in
from webapp.admin.search import OrderSearch, SearchError, search_orders
from webapp.extensions import db
from webapp.models import Order, Shipment
from webapp.tracking.stages import Stage
from webapp.tracking.statuses import Status


def _order(number, name="Ada Lovelace", email=None, postcode="LS6 2QT", days=0, parcels=()):
    order = Order(
        number=number,
        email=email or f"{number.lower()}@example.com",
        name=name,
        postcode=postcode,
        country="GB",
        placed_at=BASE_TIME + timedelta(days=days),
    )
    db.session.add(order)
    db.session.flush()
    for parcel in parcels:
        add_shipment(order, **parcel)
    return order


def _numbers(text="", **filters) -> list[str]:
    results = search_orders(OrderSearch.from_args({"q": text, **filters}))
    return [order.number for order in results.orders]


@pytest.fixture
def shop(app):
    """A few orders with parcels in different states, placed a day apart (LL-1 first)."""
    with app.app_context():
        _order("LL-1", "Ada Lovelace", "ada@example.com", "LS6 2QT", 0, [{"journey": []}])
        _order(
            "LL-2",
            "Grace Hopper",
            "grace.hopper@navy.example",
            "SW1A 1AA",
            1,
            [
                {"journey": [(Status.IN_TRANSIT, 1)], "carrier": "dhl", "number": "JD0123456789"},
                {"journey": [(Status.DELIVERED, 30)], "number": "RB777000111GB"},
            ],
        )
        _order(
            "LL-3",
            "Alan Turing",
            "alan@example.org",
            "M13 9PL",
            2,
            [{"journey": [(Status.EXCEPTION, 3, "Address unknown", "address")]}],
        )
        _order("LL-4", "Katherine Johnson", "kj@example.com", "10001", 3)
        db.session.commit()
    return app


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LL-3", ["LL-3"]),
        ("#ll-3", ["LL-3"]),
        ("grace.hop", ["LL-2"]),
        ("@EXAMPLE.com", ["LL-4", "LL-1"]),
        ("velac", ["LL-1"]),
        ("TURING", ["LL-3"]),
        ("45678", ["LL-2"]),
        ("777000", ["LL-2"]),
        ("m13 9", ["LL-3"]),
        ("sw", ["LL-2"]),
        ("jd", []),  # two letters of a tracking number are in thousands of them
        ("nobody", []),
    ],
)
def test_one_box_finds_fragments_of_each_field(shop, text, expected):
    with shop.app_context():
        assert _numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("%", ["LL-12"]),
        ("0% p", ["LL-12"]),
        ("_", ["LL-13"]),
        ("a_b", ["LL-13"]),
        ("'", ["LL-14"]),
        ("o'bri", ["LL-14"]),
        ("\\", ["LL-15"]),
        ("k\\sl", ["LL-15"]),
        ('"', ["LL-16"]),
        ('say "hi', ["LL-16"]),
    ],
)
def test_sql_and_match_syntax_is_taken_literally(app, text, expected):
    with app.app_context():
        _order("LL-11", "Plain Name")
        _order("LL-12", "100% Pure")
        _order("LL-13", "a_b Shop")
        _order("LL-14", "Niamh O'Brien")
        _order("LL-15", "Back\\slash")
        _order("LL-16", 'They say "hi"')
        db.session.commit()
        assert _numbers(text) == expected


def test_the_index_follows_every_change(shop):
    with shop.app_context():
        order = db.session.scalar(db.select(Order).where(Order.number == "LL-1"))
        order.name = "Augusta King"
        order.shipments[0].tracking_number = "RB555444333GB"
        add_shipment(order, [], number="JD9999888877")
        db.session.delete(db.session.scalar(db.select(Order).where(Order.number == "LL-3")))
        db.session.commit()
        assert _numbers("lovelace") == []
        assert _numbers("augusta") == ["LL-1"]
        assert _numbers("RB000000001") == []
        assert _numbers("555444") == ["LL-1"]
        assert _numbers("99998888") == ["LL-1"]
        assert _numbers("turing") == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"stage": "in-transit"}, ["LL-2"]),
        ({"stage": "delivered"}, ["LL-2"]),
        ({"stage": "ordered"}, ["LL-4", "LL-3", "LL-1"]),  # an exception proves no stage
        ({"status": "exception"}, ["LL-3"]),
        ({"carrier": "dhl"}, ["LL-2"]),
        ({"carrier": "dhl", "stage": "delivered"}, []),
        ({"exceptions": "1"}, ["LL-3"]),
        ({"placed_from": "2026-11-21", "placed_to": "2026-11-22"}, ["LL-3", "LL-2"]),
        ({"sort": "oldest"}, ["LL-1", "LL-2", "LL-3", "LL-4"]),
        ({"q": "example.com", "sort": "oldest"}, ["LL-1", "LL-4"]),
    ],
)
def test_filters_apply_to_one_parcel_of_the_order(shop, filters, expected):
    with shop.app_context():
        assert _numbers(**filters) == expected


def test_the_stage_filter_follows_every_change_to_the_parcels(shop):
    with shop.app_context():
        ll1, ll2, ll4 = (
            db.session.scalar(db.select(Order).where(Order.number == number))
            for number in ("LL-1", "LL-2", "LL-4")
        )
        add_shipment(ll4, [(Status.IN_TRANSIT, 1)])
        moving, delivered = ll2.shipments
        delivered.order_id = ll1.id
        db.session.delete(moving)
        ll1.shipments[0].stage = Stage.OUT_FOR_DELIVERY
        db.session.commit()
        assert _numbers(stage="ordered") == ["LL-3", "LL-2"]
        assert _numbers(stage="in-transit") == ["LL-4"]
        assert _numbers(stage="out-for-delivery") == ["LL-1"]
        assert _numbers(stage="delivered") == ["LL-1"]
        assert _numbers("lovelace", stage="delivered", carrier="dhl") == []


def test_stalled_filter(shop):
    with shop.app_context():
        db.session.execute(
            db.update(Shipment).where(Shipment.tracking_number == "JD0123456789").values(stalled=1)
        )
        db.session.commit()
        assert _numbers(stalled="1") == ["LL-2"]


def test_keyset_pages_cover_every_match_once_both_ways(app):
    with app.app_context():
        for index in range(7):
            _order(f"LL-{100 + index}", days=index // 2)  # ties on placed_at are broken by id
        db.session.commit()
        pages, search = [], OrderSearch()
        while search:
            results = search_orders(search, page_size=3)
            pages.append([order.number for order in results.orders])
            search = results.older
        assert pages == [["LL-106", "LL-105", "LL-104"], ["LL-103", "LL-102", "LL-101"], ["LL-100"]]
        assert results.count == 7
        back = search_orders(results.newer, page_size=3)
        assert [order.number for order in back.orders] == ["LL-103", "LL-102", "LL-101"]
        assert back.newer is not None
        assert back.older is not None


def test_the_count_stops_at_its_cap(app):
    with app.app_context():
        for index in range(4):
            _order(f"LL-{200 + index}")
        db.session.commit()
        results = search_orders(OrderSearch(), count_cap=3)
        assert (results.count, results.count_capped) == (3, True)
        assert len(results.orders) == 4


@pytest.fixture
def many_smiths(app):
    """Nine Smiths placed a day apart, every third one's parcel delivered; one Jones; the
    numbers' ids run against their days, so any order but placed_at's would show."""
    with app.app_context():
        for index in range(9):
            delivered = index % 3 == 0
            journey = [(Status.DELIVERED, 2)] if delivered else [(Status.IN_TRANSIT, 1)]
            _order(f"SM-{index}", "Jo Smith", days=8 - index, parcels=[{"journey": journey}])
        _order("JO-1", "Al Jones", days=20, parcels=[{"journey": []}])
        db.session.commit()
    return app


@pytest.mark.parametrize("text", ["smith", "Sm"], ids=["indexed", "too-short-to-index"])
@pytest.mark.parametrize("cap", [100, 3], ids=["all-found", "past-the-cap"])
def test_text_past_the_count_cap_still_pages_newest_first(many_smiths, text, cap):
    """Past the cap the database tests the text order by order: the same pages, a capped count."""
    with many_smiths.app_context():
        pages, search = [], OrderSearch.from_args({"q": text})
        while search:
            results = search_orders(search, page_size=4, count_cap=cap)
            pages.append([order.number for order in results.orders])
            search = results.older
        newest_first = [f"SM-{index}" for index in range(9)]
        assert pages == [newest_first[:4], newest_first[4:8], newest_first[8:]]
        back = search_orders(results.newer, page_size=4, count_cap=cap)
        assert [order.number for order in back.orders] == pages[1]
        first = search_orders(OrderSearch.from_args({"q": text}), page_size=4, count_cap=cap)
        assert (first.count, first.count_capped) == ((3, True) if cap == 3 else (9, False))
        oldest = search_orders(
            OrderSearch.from_args({"q": text, "sort": "oldest"}), page_size=2, count_cap=cap
        )
        assert [order.number for order in oldest.orders] == ["SM-8", "SM-7"]
        after = search_orders(oldest.older, page_size=2, count_cap=cap)
        assert [order.number for order in after.orders] == ["SM-6", "SM-5"]


@pytest.mark.parametrize("cap", [100, 3], ids=["all-found", "past-the-cap"])
def test_filters_narrow_text_past_the_count_cap(many_smiths, cap):
    with many_smiths.app_context():
        args = {"q": "smith", "stage": "delivered"}
        results = search_orders(OrderSearch.from_args(args), page_size=2, count_cap=cap)
        assert [order.number for order in results.orders] == ["SM-0", "SM-3"]
        assert (results.count, results.count_capped) == (3, False)
        older = search_orders(results.older, page_size=2, count_cap=cap)
        assert [order.number for order in older.orders] == ["SM-6"]


@pytest.mark.parametrize("cap", [100, 3], ids=["all-found", "past-the-cap"])
def test_a_page_after_an_order_that_is_gone_is_empty(many_smiths, cap):
    with many_smiths.app_context():
        gone = OrderSearch.from_args({"q": "smith", "after": "999999"})
        assert search_orders(gone, page_size=4, count_cap=cap).orders == []


def test_text_found_on_a_parcel_and_the_order_counts_the_order_once(app):
    with app.app_context():
        _order("LL-77", "Anna Seven", parcels=[{"journey": [], "number": "RB770000077GB"}])
        db.session.commit()
        results = search_orders(OrderSearch.from_args({"q": "77"}))
        assert ([order.number for order in results.orders], results.count) == (["LL-77"], 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"stage": "lost-in-space"}, "There is no stage"),
        ({"status": "teleported"}, "There is no status"),
        ({"carrier": "pigeon"}, "There is no carrier"),
        ({"placed_from": "yesterday"}, "YYYY-MM-DD"),
        ({"after": "1 OR 1=1"}, "page link is broken"),
        ({"sort": "random"}, "Sort by"),
    ],
)
def test_a_malformed_search_gets_a_clear_400(client, staff, args, message):
    sign_in(client, staff("viewer"))
    with pytest.raises(SearchError):
        OrderSearch.from_args(args)
    response = client.get("/admin/orders", query_string=args)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_page_shows_results_with_names_escaped_and_links_to_each_order(client, staff, app):
    with app.app_context():
        _order("LL-300", "<img src=x onerror=alert(1)>", parcels=[{"journey": []}])
        db.session.commit()
    sign_in(client, staff("viewer"))
    page = client.get("/admin/orders", query_string={"q": "img"}).get_data(as_text=True)
    assert "1 order matching “img”" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=x" not in page
    assert 'href="/admin/orders/LL-300"' in page


def test_results_as_you_type_keep_the_address_bar_in_step(client, staff, shop):
    sign_in(client, staff("viewer"))
    response = client.get("/admin/search", query_string={"q": "ada", "stage": "ordered"})
    assert response.status_code == 200
    assert response.headers["HX-Replace-Url"] == "/admin/orders?q=ada&stage=ordered"
    fragment = response.get_data(as_text=True)
    assert 'id="search-results"' in fragment
    assert "<html" not in fragment
    assert "LL-1" in fragment


def test_page_links_carry_the_query(client, staff, app):
    with app.app_context():
        for index in range(51):
            _order(f"LL-{400 + index}", name="Pat Jones")
        db.session.commit()
    sign_in(client, staff("viewer"))
    first = client.get("/admin/orders", query_string={"q": "jones"}).get_data(as_text=True)
    assert "51 orders matching “jones”" in first
    assert "/admin/orders?q=jones&amp;after=" in first
    older = first.split("/admin/orders?q=jones&amp;after=")[1].split('"')[0]
    second = client.get(f"/admin/orders?q=jones&after={older}").get_data(as_text=True)
    assert "LL-400" in second
    assert "/admin/orders?q=jones&amp;before=" in second


def test_every_member_of_staff_may_search_but_only_signed_in(client, staff, shop):
    assert client.get("/admin/orders").status_code == 302
    sign_in(client, staff("viewer"))
    assert client.get("/admin/orders").status_code == 200
