"""The staff order page in a real browser: scans arrive live, agents act, it fits a phone."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_tracking_pages import assert_accessible
from tests.support import build_app
from webapp.database import close_connections
from webapp.extensions import db
from webapp.models import Order, OrderItem, Shipment, utcnow

pytestmark = pytest.mark.browser

LIVE_WAIT_MS = 15_000


def served_database(live_server) -> str:
    """The database the live server was started on, from its environment."""
    environ = Path(f"/proc/{live_server.web.pid}/environ").read_bytes().split(b"\0")
    settings = dict(entry.decode().partition("=")[::2] for entry in environ if b"=" in entry)
    return settings["MLN_SQLALCHEMY_DATABASE_URI"]


@pytest.fixture(scope="module")
def parcel(live_server) -> tuple[str, int, str]:
    """An order of this module's own on the sandbox carrier, which the worker follows.

    The demo's live orders belong to other modules' tests; (order number, parcel id, tracking
    number).
    """
    app = build_app(served_database(live_server))
    number = f"LL-9{secrets.randbelow(10**6):06d}"
    tracking_number = f"SB7{secrets.randbelow(10**8):08d}2"  # 2: a journey that gets delivered
    with app.app_context():
        order = Order(
            number=number,
            email="ines.garcia@example.es",
            name="Inés <b>García</b>",
            postcode="28004",
            country="ES",
            placed_at=utcnow(),
            items=[OrderItem(sku="LL-SER-01", title="Vitamin C Serum")],
            shipments=[
                Shipment(
                    carrier="sandbox",
                    tracking_number=tracking_number,
                    service="Tracked 24",
                    next_check_at=utcnow(),
                )
            ],
        )
        db.session.add(order)
        db.session.commit()
        shipment_id = order.shipments[0].id
        db.session.remove()
        close_connections()
    return number, shipment_id, tracking_number


def open_order(page: Page, live_server, number: str) -> None:
    """Open the order's staff page and wait for its socket's first frame."""
    with page.expect_websocket() as opened:
        page.goto(f"{live_server.url}/admin/orders/{number}")
    opened.value.wait_for_event("framereceived")


def test_a_new_scan_shows_on_the_staff_page_without_a_reload(staff_page, live_server, parcel):
    number, shipment_id, tracking_number = parcel
    open_order(staff_page, live_server, number)
    state = staff_page.locator(f"#order-shipment-{shipment_id}")
    expect(state).to_contain_text("Shipping label created", timeout=LIVE_WAIT_MS)
    staff_page.evaluate("window.loadedOnce = true")

    live_server.sandbox.inject(
        tracking_number, "OD", occurred_at=_now_iso(), description="Out with <b>Sam</b> in van 12"
    )
    expect(state.locator("tbody tr").first).to_contain_text(
        "Out with <b>Sam</b> in van 12", timeout=LIVE_WAIT_MS
    )
    expect(state.locator(".facts")).to_contain_text("Out for delivery")
    assert staff_page.evaluate("window.loadedOnce") is True, "the page was not reloaded"


def test_an_agent_leaves_a_note_and_overrides_the_status(staff_page, live_server, parcel):
    number, shipment_id, _ = parcel
    open_order(staff_page, live_server, number)
    staff_page.get_by_label("Add a note").fill("Customer asked to leave it with <i>No. 12</i>")
    staff_page.get_by_role("button", name="Add the note").click()
    expect(staff_page.get_by_role("status").filter(has_text="Note added.")).to_be_visible()
    expect(staff_page.locator(".note").first).to_contain_text(
        "Customer asked to leave it with <i>No. 12</i>"
    )

    panel = staff_page.locator(f"#shipment-{shipment_id}")
    panel.get_by_text("Override the status").click()
    panel.get_by_label("New status").select_option(label="Delivery attempted")
    panel.get_by_label("Why").fill("Driver rang: the gate was locked")
    panel.get_by_role("button", name="Set the status").click()
    expect(staff_page.get_by_role("status")).to_contain_text("has its new status")
    manual = staff_page.locator(f"#order-shipment-{shipment_id} tr.scan-manual")
    expect(manual).to_contain_text("Driver rang: the gate was locked")
    expect(manual).to_contain_text("Delivery attempted")
    expect(staff_page.locator("#order-trail")).to_contain_text("status overridden by")


def test_replacing_the_link_asks_first_and_keeps_the_page_live(staff_page, live_server, parcel):
    number, shipment_id, tracking_number = parcel
    open_order(staff_page, live_server, number)
    link = staff_page.locator("#order-link a")
    before = link.get_attribute("href")
    replace = staff_page.get_by_role("button", name="Replace the tracking link")
    posted = []
    staff_page.on("request", lambda request: request.method == "POST" and posted.append(request))

    staff_page.once("dialog", lambda dialog: dialog.dismiss())
    replace.click()
    staff_page.once("dialog", lambda dialog: dialog.accept())
    with staff_page.expect_websocket() as reopened:
        replace.click()
    reopened.value.wait_for_event("framereceived")
    expect(staff_page.get_by_role("status")).to_contain_text("has a new tracking link")
    assert len(posted) == 1, "the dismissed question sent nothing"
    assert link.get_attribute("href") != before
    assert staff_page.request.get(f"{live_server.url}{before}").status == 404

    live_server.sandbox.inject(tracking_number, "DL", occurred_at=_now_iso())
    expect(staff_page.locator(f"#order-shipment-{shipment_id} .facts")).to_contain_text(
        "Delivered", timeout=LIVE_WAIT_MS
    )


def test_the_staff_order_page_at_desktop_and_phone_width(staff_page, live_server, parcel):
    number, shipment_id, _ = parcel
    open_order(staff_page, live_server, number)
    staff_page.locator(f"#shipment-{shipment_id}").get_by_text("Override the status").click()
    assert_accessible(staff_page)
    screenshot(staff_page, "admin-order-desktop")
    staff_page.set_viewport_size(PHONE)
    assert _fits(staff_page), "nothing is wider than the phone's screen"
    screenshot(staff_page, "admin-order-phone")


def test_a_split_demo_order_as_staff_see_it(staff_page, live_server):
    """The demo's split order: both parcels, each scan with the carrier's code and words."""
    open_order(staff_page, live_server, "LL-10238")
    expect(staff_page.locator(".shipment-panel")).to_have_count(2)
    expect(staff_page.locator(".scan-table").first).to_contain_text("Delivered")
    screenshot(staff_page, f"admin-order-split-desktop-{live_server.database}")


def _fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()
