"""The tracking page: stage cards, alerts, timeline and freshness for every shipment of an order."""

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Order
from webapp.tracking.statuses import Status as S

JOURNEY = [(S.INFO_RECEIVED, 1), (S.IN_TRANSIT, 5), (S.IN_TRANSIT, 20, "Arrived at Leeds depot")]
DELIVERED = [*JOURNEY, (S.OUT_FOR_DELIVERY, 30), (S.DELIVERED, 33, "Delivered to front door")]


def page(client, token) -> str:
    response = client.get(f"/t/{token}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def card(html: str, dom_id: str) -> str:
    """The HTML of one stage card, found by its stable id."""
    match = re.search(rf'<li class="stage [^"]*" id="{dom_id}".*?</li>', html, re.S)
    assert match, f"no card #{dom_id}"
    return match.group(0)


def shipment_ids(app, token) -> list[int]:
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.token == token))
        return [shipment.id for shipment in order.shipments]


def edit_first_shipment(app, token, **fields) -> int:
    """Set columns of the order's first shipment; return its id."""
    with app.app_context():
        shipment = db.session.scalar(select(Order).where(Order.token == token)).shipments[0]
        for name, value in fields.items():
            setattr(shipment, name, value)
        db.session.commit()
        return shipment.id


def test_every_stage_card_has_a_stable_id_and_state(app, client, make_order):
    token = make_order(shipments=[JOURNEY])
    html = page(client, token)
    (sid,) = shipment_ids(app, token)
    assert "stage-done" in card(html, f"shipment-{sid}-ordered")
    assert "stage-done" in card(html, f"shipment-{sid}-shipped")
    current = card(html, f"shipment-{sid}-in-transit")
    assert "stage-current" in current
    assert 'aria-current="step"' in current
    assert "stage-upcoming" in card(html, f"shipment-{sid}-out-for-delivery")
    assert "stage-upcoming" in card(html, f"shipment-{sid}-delivered")


def test_current_card_shows_latest_scan_in_local_and_viewer_time(app, client, make_order):
    token = make_order(shipments=[[(S.INFO_RECEIVED, 1), (S.IN_TRANSIT, 5, "At hub", None)]])
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.token == token))
        event = order.shipments[0].events[0]
        event.utc_offset_minutes = 60
        event.city = "Köln"
        db.session.commit()
        sid = order.shipments[0].id
    current = card(page(client, token), f"shipment-{sid}-in-transit")
    assert "At hub" in current
    assert "Köln" in current
    assert "Fri 20 Nov, 15:00" in current  # 14:00 UTC on the carrier's UTC+01:00 clock
    assert 'datetime="2026-11-20T14:00:00+00:00" data-viewer="time"' in current


def test_eta_given_as_a_date_is_shown_as_that_date(app, client, make_order):
    token = make_order(shipments=[JOURNEY])
    sid = edit_first_shipment(app, token, eta_date=date(2026, 11, 27))
    current = card(page(client, token), f"shipment-{sid}-in-transit")
    assert "Expected" in current
    assert '<time datetime="2026-11-27">Friday 27 November</time>' in current


def test_delivered_card_shows_no_eta(app, client, make_order):
    token = make_order(shipments=[DELIVERED])
    edit_first_shipment(app, token, eta_date=date(2026, 11, 27))
    html = page(client, token)
    assert "Expected" not in html
    assert "Delivered to front door" in html


def test_split_order_shows_both_shipments(app, client, make_order):
    token = make_order(shipments=[DELIVERED, JOURNEY[:1]])
    first, second = shipment_ids(app, token)
    html = page(client, token)
    assert "Parcel 1 of 2" in html
    assert "Parcel 2 of 2" in html
    assert "stage-current" in card(html, f"shipment-{first}-delivered")
    assert "stage-current" in card(html, f"shipment-{second}-shipped")


def test_exception_banner_names_the_reason(app, client, make_order):
    token = make_order(shipments=[[*JOURNEY, (S.EXCEPTION, 25, "Held at hub", "weather")]])
    html = page(client, token)
    (sid,) = shipment_ids(app, token)
    alert = re.search(rf'id="shipment-{sid}-alert".*?</div>\s*</div>', html, re.S).group(0)
    assert 'role="alert"' in alert
    assert "Bad weather is delaying your parcel." in alert


def test_failed_attempt_titles_the_card_and_warns(app, client, make_order):
    token = make_order(shipments=[[*JOURNEY, (S.OUT_FOR_DELIVERY, 25), (S.FAILED_ATTEMPT, 28)]])
    html = page(client, token)
    (sid,) = shipment_ids(app, token)
    assert "Delivery attempted" in card(html, f"shipment-{sid}-out-for-delivery")
    assert "could not" in html


def test_return_to_sender_shows_the_return(app, client, make_order):
    token = make_order(shipments=[[*JOURNEY, (S.OUT_FOR_DELIVERY, 25), (S.RETURNED_TO_SENDER, 40)]])
    html = page(client, token)
    (sid,) = shipment_ids(app, token)
    assert "Returning to sender" in card(html, f"shipment-{sid}-in-transit")
    assert "stage-upcoming" in card(html, f"shipment-{sid}-out-for-delivery")


def test_timeline_is_newest_first_and_collapses_after_five(client, make_order):
    journey = [(S.IN_TRANSIT, hour, f"Scan number {hour}") for hour in range(1, 9)]
    html = page(client, make_order(shipments=[journey]))
    positions = [html.index(f"Scan number {hour}<") for hour in range(8, 0, -1)]
    assert positions == sorted(positions)
    details = html.index("<details")
    assert html.index("Scan number 4<") < details < html.index("Scan number 3<")
    assert "Show 3 earlier updates" in html


def test_freshness_line_says_when_we_last_heard_and_checked(app, client, make_order):
    token = make_order(shipments=[JOURNEY])
    edit_first_shipment(app, token, last_checked_at=datetime(2026, 11, 21, 8, 30, tzinfo=UTC))
    html = page(client, token)
    assert "Last carrier scan" in html
    assert 'datetime="2026-11-21T05:00:00+00:00"' in html
    assert 'We last checked <time datetime="2026-11-21T08:30:00+00:00"' in html


def test_order_items_are_listed(client, make_order):
    html = page(client, make_order(shipments=[JOURNEY]))
    assert "Vitamin C Serum" in html


def test_order_without_shipments_says_it_is_being_prepared(client, make_order):
    assert "preparing your order" in page(client, make_order())


def test_carrier_link_goes_to_the_carriers_own_page(client, make_order):
    html = page(client, make_order(shipments=[JOURNEY]))
    assert (
        'href="https://www.royalmail.com/track-your-item#/tracking-results/RB000000001GB"' in html
    )


def test_html_in_carrier_text_is_escaped(client, make_order):
    hostile = '<img src=x onerror="alert(1)">Depot'
    html = page(client, make_order(shipments=[[(S.IN_TRANSIT, 1, hostile)]]))
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Depot" in html


def test_html_in_customer_name_and_items_is_escaped(client, make_order):
    html = page(client, make_order(name="<b>Eve</b>", shipments=[JOURNEY]))
    assert "<b>Eve</b>" not in html


@pytest.mark.parametrize("token", ["nope", "a" * 32, "../../etc/passwd", "%00" * 12, "x" * 500])
def test_unknown_or_malformed_token_is_a_plain_404(client, token):
    response = client.get(f"/t/{token}")
    assert response.status_code == 404
    assert "could not find that page" in response.get_data(as_text=True)


def test_rotated_token_is_a_404_and_the_new_one_works(app, client, make_order):
    old = make_order(shipments=[JOURNEY])
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.token == old))
        order.rotate_token()
        db.session.commit()
        new = order.token
    assert client.get(f"/t/{old}").status_code == 404
    assert client.get(f"/t/{new}").status_code == 200


def test_page_without_javascript_refreshes_itself(client, make_order):
    html = page(client, make_order(shipments=[JOURNEY]))
    assert '<noscript><meta http-equiv="refresh" content="120"></noscript>' in html


def test_page_has_a_live_region_for_announcements(client, make_order):
    html = page(client, make_order(shipments=[JOURNEY]))
    assert 'id="live-status"' in html
    assert 'aria-live="polite"' in html


def test_tracking_page_is_neither_cached_nor_indexed(client, make_order):
    """The token is the key to the page: no shared cache or search engine may keep a copy."""
    response = client.get(f"/t/{make_order(shipments=[JOURNEY])}")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
