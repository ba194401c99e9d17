"""Each customer e-mail as Chromium renders it, at desktop and phone width, and the stop page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_tracking_pages import assert_accessible
from tests.support import build_app
from webapp.database import close_connections
from webapp.emails.compose import compose
from webapp.extensions import db
from webapp.ingest import record_scans
from webapp.models import Notification, Order, OrderItem, Shipment, utcnow
from webapp.tracking.notices import KIND_LABELS, Kind
from webapp.tracking.scans import CarrierScan
from webapp.tracking.statuses import Status

pytestmark = pytest.mark.browser

#: Each kind, the parcel's journey behind it and what its notice says beyond its kind.
LETTERS = {
    Kind.ORDER_CONFIRMATION: ([], None, "Thank you for your order"),
    Kind.SHIPPED: ([Status.INFO_RECEIVED, Status.IN_TRANSIT], None, "Your order is on its way"),
    Kind.OUT_FOR_DELIVERY: ([Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY], None, "Out for delivery"),
    Kind.AVAILABLE_FOR_PICKUP: ([Status.AVAILABLE_FOR_PICKUP], None, "Ready to collect"),
    Kind.FAILED_ATTEMPT: ([Status.FAILED_ATTEMPT], None, "We tried to deliver"),
    Kind.DELIVERED: ([Status.OUT_FOR_DELIVERY, Status.DELIVERED], None, "has been delivered"),
    Kind.DELAYED: ([Status.IN_TRANSIT, Status.EXCEPTION], "weather", "Your order is delayed"),
}


@pytest.fixture(scope="module")
def letters(tmp_path_factory) -> dict[Kind, str]:
    """The HTML part of each kind of e-mail, for one order placed a moment ago."""
    database = f"sqlite:///{tmp_path_factory.mktemp('letters') / 'letters.sqlite3'}"
    app = build_app(
        database,
        PUBLIC_URL="https://track.lumen-leaf.example",
        SHOP_URL="https://lumen-leaf.example",
        SUPPORT_EMAIL="help@lumen-leaf.example",
    )
    with app.app_context():
        order = Order(
            number="LL-10301",
            email="maya.okafor@example.com",
            name="Maya Okafor",
            postcode="LS6 2QT",
            country="GB",
            locale="en-GB",
            time_zone="Europe/London",
            placed_at=utcnow() - timedelta(hours=30),
            items=[
                OrderItem(sku="LL-SER-01", title="Vitamin C Serum 30 ml", quantity=2),
                OrderItem(sku="LL-CRM-02", title="Barrier Repair Cream", quantity=1),
            ],
        )
        db.session.add(order)
        db.session.flush()
        html = {kind: _letter(order, kind) for kind in LETTERS}
    with app.app_context():
        close_connections()
    return html


def _letter(order: Order, kind: Kind) -> str:
    journey, detail, _ = LETTERS[kind]
    shipment = None
    if kind is not Kind.ORDER_CONFIRMATION:
        shipment = Shipment(
            carrier="royalmail",
            tracking_number=f"RB{len(order.shipments) + 1:07d}85GB",
            eta_date=utcnow().date() + timedelta(days=2),
            eta_source="carrier",
        )
        order.shipments.append(shipment)
        db.session.flush()
        record_scans(shipment, _scans(journey, detail))
    notification = Notification(  # manual: beside the one the scans queued
        order=order,
        shipment=shipment,
        kind=kind.value,
        recipient=order.email,
        detail=detail,
        manual=True,
    )
    db.session.add(notification)
    db.session.flush()
    return compose(notification).get_body(preferencelist=("html",)).get_content()


def _scans(journey: list[Status], reason: str | None) -> list[CarrierScan]:
    start = utcnow() - timedelta(hours=len(journey) + 1)
    return [
        CarrierScan(
            occurred_at=start + timedelta(hours=index),
            status=status,
            carrier_text=status.value,
            exception_reason=reason if status is Status.EXCEPTION else None,
            key=f"{status.value}-{index}",
        )
        for index, status in enumerate(journey)
    ]


@pytest.mark.parametrize("kind", list(LETTERS), ids=[kind.value for kind in LETTERS])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_each_email_reads_well_in_a_browser_at_both_widths(browser, letters, kind, width):
    context = browser.new_context(viewport=PHONE if width == "phone" else DESKTOP)
    page = context.new_page()
    page.set_content(letters[kind])
    headline = LETTERS[kind][2]
    expect(page.get_by_role("heading", level=1)).to_contain_text(headline)
    expect(page.get_by_role("link", name="Stop e-mails about this order")).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= page.viewport_size["width"], "the e-mail is wider than the screen"
    screenshot(page, f"email-{kind.value.replace('_', '-')}-{width}")
    context.close()


def test_a_weather_delay_says_so_and_keeps_the_expected_day(browser, letters):
    page = browser.new_page()
    page.set_content(letters[Kind.DELAYED])
    expect(page.get_by_text("Bad weather is delaying your parcel.")).to_be_visible()
    expect(page.get_by_role("row", name="Expected")).to_be_visible()
    page.close()


def test_the_stop_page_stops_and_restarts_emails(page, live_server):
    app = build_app(live_server.database_url)
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == "LL-10237"))
        order.mail_key = order.mail_key or "browser-test-stop-key"
        key = order.mail_key
        db.session.commit()
        close_connections()
    page.goto(f"{live_server.url}/emails/stop/{key}")
    expect(page.get_by_role("heading", name="E-mails about order LL-10237")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "emails-stop-desktop")
    page.get_by_role("button", name="Stop e-mails about this order").click()
    expect(page.get_by_role("status")).to_contain_text("no more e-mails about this order")
    page.set_viewport_size(PHONE)
    screenshot(page, "emails-stopped-phone")
    page.get_by_role("button", name="Send me e-mails about it again").click()
    expect(page.get_by_role("status")).to_contain_text("e-mails about this order again")


def test_staff_see_the_orders_emails_and_send_one_again(staff_page, live_server):
    app = build_app(live_server.database_url)
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == "LL-10237"))
        failed = db.session.scalar(
            select(Notification).where(Notification.order_id == order.id).order_by(Notification.id)
        )
        failed.status, failed.attempts, failed.error = "failed", 8, "421 4.7.0 Try again later"
        label = KIND_LABELS[Kind(failed.kind)]
        db.session.commit()
        close_connections()
    staff_page.goto(f"{live_server.url}/admin/orders/LL-10237")
    emails = staff_page.locator("#order-emails")
    expect(emails).to_contain_text("Failed after 8 tries: 421 4.7.0 Try again later")
    staff_page.get_by_role("button", name=f"Send again: {label}").first.click()
    expect(staff_page.get_by_role("status")).to_contain_text("The e-mail goes again to")
    expect(emails.get_by_text("sent again by staff")).to_be_visible()
    screenshot(staff_page, "admin-order-emails-desktop")
