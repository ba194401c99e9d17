"""The staff overview in a real browser, on the demo data: tiles, the queue, carrier charts."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser

CUSTOMS_HOLD = "LL-10241"
WEATHER_DELAY = "LL-10237"


def _open_overview(page, live_server):
    page.goto(f"{live_server.url}/admin")
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()


def test_the_overview_shows_the_stages_the_queue_and_each_carriers_chart(staff_page, live_server):
    _open_overview(staff_page, live_server)
    expect(staff_page.locator(".stage-tile")).to_have_count(5)
    queue = staff_page.get_by_role("table", name="Parcels needing attention")
    expect(queue.get_by_role("row", name=re.compile(WEATHER_DELAY))).to_contain_text(
        "Exception: weather"
    )
    expect(queue.get_by_role("row", name=re.compile(CUSTOMS_HOLD))).to_contain_text("ago")
    charts = staff_page.get_by_role("img", name=re.compile("^Parcels shipped per day"))
    expect(charts.first).to_be_visible()
    assert charts.count() == staff_page.locator(".carrier-card").count() > 1
    expect(staff_page.locator(".carrier-card .chart-value").first).to_be_visible()
    screenshot(staff_page, "admin-overview-desktop")


def test_the_overview_fits_a_phone(staff_page, live_server):
    staff_page.set_viewport_size(PHONE)
    _open_overview(staff_page, live_server)
    expect(staff_page.locator(".carrier-card").first).to_be_visible()
    assert staff_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    table_box = staff_page.locator("#attention-queue .table-scroll").bounding_box()
    assert table_box["x"] + table_box["width"] <= PHONE["width"]
    screenshot(staff_page, "admin-overview-phone")


def test_an_order_in_the_queue_opens_its_detail(staff_page, live_server):
    _open_overview(staff_page, live_server)
    staff_page.get_by_role("link", name=CUSTOMS_HOLD, exact=True).click()
    expect(staff_page.get_by_role("heading", name=f"Order {CUSTOMS_HOLD}")).to_be_visible()


def test_a_stage_tile_opens_the_search_for_that_stage(staff_page, live_server):
    _open_overview(staff_page, live_server)
    staff_page.get_by_role("link", name=re.compile("In transit")).click()
    expect(staff_page).to_have_url(re.compile(r"/admin/orders\?stage=in-transit$"))


def test_no_serious_accessibility_violations_on_the_overview(staff_page, live_server):
    _open_overview(staff_page, live_server)
    results = Axe().run(staff_page)
    serious = [
        f"{violation['id']}: {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []
