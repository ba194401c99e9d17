"""A webhook for a parcel we do not know yet, through the real web and worker processes: staff
find it unmatched, add the parcel, replay it, and the parcel's page shows its scans."""

import secrets

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.processes import wait_for
from tests.shippo import JOURNEY, signature, track_updated
from tests.support import BASE_TIME, build_app
from webapp.database import close_connections
from webapp.extensions import db
from webapp.models import Order, Shipment

pytestmark = pytest.mark.browser


def add_parcel(database: str, number: str, order_number: str) -> None:
    app = build_app(database)
    with app.app_context():
        order = Order(number=order_number, email="ada@example.com", name="Ada", placed_at=BASE_TIME)
        order.shipments.append(Shipment(carrier="usps", tracking_number=number))
        db.session.add(order)
        db.session.commit()
        close_connections()


def shown_after_reload(page, text: str):
    def shown():
        page.reload()
        return page.get_by_text(text).count() > 0

    return shown


def test_an_unmatched_delivery_is_replayed_once_its_parcel_exists(staff_page, live_server):
    number = f"9400{secrets.randbelow(10**18):018d}"
    body = track_updated(JOURNEY, number=number)
    answer = requests.post(
        f"{live_server.url}/webhooks/shippo",
        data=body,
        headers={"Content-Type": "application/json", "Shippo-Auth-Signature": signature(body)},
        timeout=10,
    )
    assert answer.json()["status"] == "stored"
    delivery = answer.json()["id"]

    page = staff_page
    page.goto(f"{live_server.url}/admin/webhooks")
    wait_for(shown_after_reload(page, f"no parcel has the tracking number {number}"), "unmatched")
    item = page.locator(f"#delivery-{delivery}")
    expect(item).to_contain_text("unmatched")
    item.get_by_text("As it arrived").click()
    expect(item.locator("pre")).to_contain_text(number)
    screenshot(page, f"admin-webhooks-desktop-{live_server.database}")
    page.set_viewport_size(PHONE)
    screenshot(page, f"admin-webhooks-phone-{live_server.database}")

    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/admin")
    notice = page.get_by_role("status").filter(has_text="need")
    expect(notice).to_contain_text("webhook deliver")
    screenshot(page, f"admin-overview-webhooks-desktop-{live_server.database}", full_page=False)
    page.set_viewport_size(PHONE)
    screenshot(page, f"admin-overview-webhooks-phone-{live_server.database}", full_page=False)
    page.set_viewport_size(DESKTOP)
    notice.get_by_role("link", name="See them").click()

    order_number = f"WH-{secrets.token_hex(3).upper()}"
    add_parcel(live_server.database_url, number, order_number)
    item.get_by_role("button", name=f"Replay #{delivery}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Delivery {delivery} is queued again")

    page.goto(f"{live_server.url}/admin/webhooks?state=processed")
    wait_for(shown_after_reload(page, f"usps:{number}"), "the replayed delivery recorded")
    expect(page.locator(f"#delivery-{delivery}")).to_contain_text("3 new scans")
    page.goto(f"{live_server.url}/admin/orders/{order_number}")
    expect(page.get_by_text("Accepted at USPS facility")).to_be_visible()
