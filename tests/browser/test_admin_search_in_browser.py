"""Staff search in a real browser: results as you type, the address bar in step, back restores."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser


def test_results_follow_typing_and_the_address_bar_keeps_the_query(staff_page, live_server):
    page = staff_page
    page.goto(f"{live_server.url}/admin/orders")
    box = page.get_by_label("Find an order")
    box.press_sequentially("amelia.h", delay=40)
    expect(page.get_by_role("status")).to_have_text("1 order matching “amelia.h”")
    expect(page.get_by_role("link", name="LL-10231")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/orders\?q=amelia\.h$"))
    box.fill("")
    box.press_sequentially("o'brien", delay=40)
    expect(page.get_by_role("status")).to_have_text("1 order matching “o'brien”")
    expect(page.get_by_role("link", name="LL-10254")).to_be_visible()


def test_a_filter_narrows_the_results_and_joins_the_address(staff_page, live_server):
    page = staff_page
    page.goto(f"{live_server.url}/admin/orders?q=example.com")
    page.get_by_text("Filters and sort").click()
    page.get_by_label("Stage").select_option("delivered")
    expect(page).to_have_url(re.compile(r"q=example\.com&stage=delivered"))
    expect(page.get_by_role("status")).to_contain_text("matching “example.com”")
    for row in page.locator(".results-table tbody tr").all():
        expect(row.locator(".status-tag").first).to_be_visible()
    expect(page.get_by_role("link", name="LL-10231")).to_be_visible()
    expect(page.get_by_role("link", name="LL-10254")).to_have_count(0)


def test_back_from_an_order_restores_the_search(staff_page, live_server):
    page = staff_page
    page.goto(f"{live_server.url}/admin/orders")
    page.get_by_label("Find an order").press_sequentially("RB1234", delay=40)
    # LL-10231 is on the unfiltered list too: click only once the search has answered.
    expect(page.get_by_role("status")).to_have_text("1 order matching “RB1234”")
    order_link = page.get_by_role("link", name="LL-10231")
    order_link.click()
    expect(page.get_by_role("heading", name="Order LL-10231")).to_be_visible()
    page.go_back()
    expect(page.get_by_label("Find an order")).to_have_value("RB1234")
    expect(page.get_by_role("link", name="LL-10231")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("1 order matching “RB1234”")


def test_search_screenshots(staff_page, live_server):
    page = staff_page
    page.goto(f"{live_server.url}/admin/orders?q=example")
    expect(page.get_by_role("status")).to_contain_text("orders matching “example”")
    screenshot(page, f"admin-search-desktop-{live_server.database}")
    page.set_viewport_size(PHONE)
    screenshot(page, f"admin-search-phone-{live_server.database}", full_page=False)
